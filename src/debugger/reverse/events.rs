//! What a reverse command does with the engine's events while it
//! replays: counting visits, recognising the moment, arriving (a pause),
//! giving up (a pause saying why).

use std::sync::Arc;

use wasmtime::{AsContextMut, DebugEvent, StoreContextMut};
use wasmtime_wasi::I32Exit;

use super::super::machine::top_pc;
use super::super::protocol::{ReverseStop, StopReason};
use super::super::state::{Host, Shared, guarded, lock, module_pc, start_killing};
use super::super::stepping::{depth, set_single_step};
use super::super::watch::read_watched;
use super::plan::{Hit, InProgress, Moment, Phase, Purpose, Target, Then};
use super::{finish_log, finish_scan, is_moment, line_at, post_call_of, stop_here};

/// Handles an engine event while a reverse command replays. Always
/// consumes it; returns the pause the command ends in, if it ends here
/// (the caller pauses: this module depends on the pause's dispatch, not
/// the other way round).
pub(crate) fn on_event(
    shared: &Arc<Shared>,
    store: &mut StoreContextMut<'_, Host>,
    event: DebugEvent<'_>,
) -> Option<StopReason> {
    if super::super::state::killing(shared) {
        return None;
    }
    let end = |shared, store| match at_end(shared, Some(store)) {
        AtEnd::Pause(reason) => Some(reason),
        AtEnd::ReplayAgain | AtEnd::Over => None,
    };
    match event {
        DebugEvent::Breakpoint => guarded(|| Ok(on_breakpoint(shared, store)))
            .unwrap_or_else(|e| Some(abandon(shared, store, &format!("{e}")))),
        DebugEvent::Trap(_) => end(shared, store),
        DebugEvent::HostcallError(e) => {
            if e.downcast_ref::<I32Exit>().is_none() {
                end(shared, store)
            } else {
                None
            }
        }
        DebugEvent::Exception(exn) => {
            let uncaught = guarded(|| super::super::machine::read_exception(shared, store, &exn))
                .is_ok_and(|e| e.caught == Some(false));
            if uncaught { end(shared, store) } else { None }
        }
        DebugEvent::EpochYield => {
            let timeout = shared.interrupt.take()?;
            // Ctrl-C (or --timeout) during a reverse command: stop going
            // back, pause where the replay is.
            lock(&shared.control).reverse = None;
            set_single_step(shared, store, false);
            rearm(shared, store);
            Some(StopReason::Interrupted { timeout })
        }
    }
}

/// What the end of a replay means for the reverse command in progress.
pub(crate) enum AtEnd {
    /// The command has what it looked for: another replay goes to it.
    ReplayAgain,
    /// No command, or one abandoned without a store to pause in.
    Over,
    /// The command is abandoned: pause for this reason.
    Pause(StopReason),
}

/// The run reached its end: a terminal event (with the `store`), or the
/// program ended (`None`).
pub(crate) fn at_end(shared: &Arc<Shared>, store: Option<&mut StoreContextMut<'_, Host>>) -> AtEnd {
    let live = store.is_some();
    let Some(progress) = lock(&shared.control).reverse.clone() else {
        return AtEnd::Over;
    };
    match progress.phase {
        Phase::Scan {
            hits,
            target: target @ Target::End(_),
            purpose,
            ..
        } => {
            let hits = before_end(hits, &target);
            finish_scan(shared, hits, purpose, target);
            if live {
                start_killing(shared);
            }
            AtEnd::ReplayAgain
        }
        Phase::Stepping {
            then:
                Then::Log {
                    from,
                    target: Target::End(_),
                    over,
                    depth,
                },
            mut log,
        } => {
            // The last instruction stepped to is the one that did not
            // complete.
            log.pop();
            finish_log(shared, from, &log, over, depth);
            if live {
                start_killing(shared);
            }
            AtEnd::ReplayAgain
        }
        _ => match store {
            Some(store) => AtEnd::Pause(abandon(
                shared,
                store,
                "the replay ended before the moment it was going back to",
            )),
            None => {
                lock(&shared.control).reverse = None;
                AtEnd::Over
            }
        },
    }
}

/// The hits before the end's moment: a pause at a trap or failed host call
/// is the last visit of its pc at its depth, which is not before itself.
fn before_end(mut hits: Vec<Hit>, target: &Target) -> Vec<Hit> {
    if let Target::End(Some((pc, depth))) = target
        && let Some(last) = hits
            .iter()
            .rposition(|h| h.moment.pc == *pc && h.depth == *depth)
    {
        hits.truncate(last);
    }
    hits
}

/// A site of the command's was reached; returns the pause it ends in.
fn on_breakpoint(
    shared: &Arc<Shared>,
    store: &mut StoreContextMut<'_, Host>,
) -> Option<StopReason> {
    let (frame, pc, func) = top_pc(shared, store)?;
    let mut progress = lock(&shared.control).reverse.clone()?;
    match &mut progress.phase {
        Phase::Scan {
            visits,
            hits,
            target,
            purpose,
            watched,
            ..
        } => {
            // Every event is a site's (a breakpoint the engine slipped to
            // the next instruction included): single-stepping is off.
            let visit = {
                let v = visits.entry(pc).or_insert(0);
                *v += 1;
                *v
            };
            let moment = Moment { pc, visit };
            let reached = match target {
                Target::Fingerprint(f) => is_moment(shared, store, pc, f),
                Target::Visit(m) => *m == moment,
                Target::End(_) => false,
            };
            if reached {
                let (hits, purpose, target) = (hits.clone(), purpose.clone(), target.clone());
                finish_scan(shared, hits, purpose, target);
                start_killing(shared);
                return None;
            }
            let d = depth(shared, store);
            let mut hit = Hit {
                moment,
                depth: d,
                stop: None,
                line: None,
                post_call: false,
            };
            let keep = match purpose {
                Purpose::Stops => {
                    hit.stop = stop_here(shared, store, &frame, pc, func, watched);
                    hit.stop.is_some()
                }
                Purpose::Call { site, depth, .. } => pc == *site && d == *depth,
                Purpose::Anchors { depth, .. } => d == *depth,
                Purpose::Lines { depth, caller, .. } => {
                    if Some(pc) == *caller && d + 1 == *depth {
                        true
                    } else if d == *depth {
                        hit.line = line_at(shared, pc);
                        hit.post_call = post_call_of(shared, pc).is_some();
                        hit.line.is_some() || hit.post_call
                    } else {
                        false
                    }
                }
                Purpose::Callee { depth, .. } => {
                    hit.line = line_at(shared, pc);
                    d == *depth && hit.line.is_some()
                }
            };
            if keep {
                hits.push(hit);
            }
            lock(&shared.control).reverse = Some(progress);
            None
        }
        Phase::Goto {
            moment,
            visits,
            then,
        } => {
            if pc != moment.pc {
                return None;
            }
            *visits += 1;
            if *visits < moment.visit {
                lock(&shared.control).reverse = Some(progress);
                return None;
            }
            let (at, then) = (*moment, then.clone());
            arrive(shared, store, at, then)
        }
        Phase::Stepping { then, log } => match then {
            Then::Steps(n, stop) => {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    let stop = stop.clone();
                    finish(shared, store);
                    Some(StopReason::Reversed(stop))
                } else {
                    lock(&shared.control).reverse = Some(progress);
                    None
                }
            }
            Then::Log {
                from,
                target,
                over,
                depth: frame_depth,
            } => {
                let d = depth(shared, store);
                log.push(d);
                let reached = match target {
                    Target::Fingerprint(f) => is_moment(shared, store, pc, f),
                    _ => false,
                };
                if reached {
                    log.pop();
                    let (from, log, over, frame_depth) = (*from, log.clone(), *over, *frame_depth);
                    finish_log(shared, from, &log, over, frame_depth);
                    start_killing(shared);
                } else {
                    lock(&shared.control).reverse = Some(progress);
                }
                None
            }
            Then::Pause(_) => None,
        },
    }
}

/// At a goto's moment: pause (returned), or start single-stepping.
fn arrive(
    shared: &Arc<Shared>,
    store: &mut StoreContextMut<'_, Host>,
    at: Moment,
    then: Then,
) -> Option<StopReason> {
    match then {
        Then::Pause(stop) | Then::Steps(0, stop) => {
            finish(shared, store);
            Some(StopReason::Reversed(stop))
        }
        then => {
            if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
                let _ =
                    edit.remove_breakpoint(shared.module(at.pc.module), module_pc(at.pc.offset));
            }
            lock(&shared.control).reverse = Some(InProgress {
                phase: Phase::Stepping {
                    then,
                    log: Vec::new(),
                },
            });
            set_single_step(shared, store, true);
            None
        }
    }
}

/// The command is done: the user's breakpoints and watchpoints are armed
/// again (watchpoints knowing the values here), single-stepping off.
fn finish(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
    let sites = lock(&shared.control)
        .reverse
        .take()
        .map(|r| r.sites())
        .unwrap_or_default();
    set_single_step(shared, store, false);
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        for pc in sites {
            let _ = edit.remove_breakpoint(shared.module(pc.module), module_pc(pc.offset));
        }
    }
    rearm(shared, store);
}

/// Arms the user's breakpoints and watchpoints, with each watchpoint's
/// value as it is now.
fn rearm(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
    let pcs = lock(&shared.control).table.armed_sites();
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        for pc in pcs {
            let _ = edit.add_breakpoint(shared.module(pc.module), module_pc(pc.offset));
        }
    }
    let ids: Vec<super::super::protocol::BreakpointId> = lock(&shared.control)
        .table
        .watches
        .keys()
        .copied()
        .collect();
    for id in ids {
        let Some((module, target)) = lock(&shared.control)
            .table
            .watches
            .get(&id)
            .map(|w| (w.module, w.target.clone()))
        else {
            continue;
        };
        if let Ok(now) = read_watched(shared, store, module, &target)
            && let Some(w) = lock(&shared.control).table.watches.get_mut(&id)
        {
            w.old = now;
        }
    }
}

/// Gives up a reverse command that went wrong: the pause where the replay
/// is, saying why.
fn abandon(shared: &Arc<Shared>, store: &mut StoreContextMut<'_, Host>, why: &str) -> StopReason {
    lock(&shared.control).reverse = None;
    set_single_step(shared, store, false);
    rearm(shared, store);
    StopReason::Reversed(ReverseStop::Unfinished {
        why: why.to_string(),
    })
}
