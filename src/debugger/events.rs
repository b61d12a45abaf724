//! Which engine events are pauses: traps, throws, failing host calls, user
//! breakpoints whose condition holds, the end of a step, watchpoints,
//! Ctrl-C; conditions and Wasm expressions evaluated at frame #0.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use wasmtime::{AsContextMut, DebugEvent, StoreContextMut};
use wasmtime_wasi::I32Exit;

use super::breakpoint_requests::arm_sites;
use super::frames::WasmFrame;
use super::host::{one_line, trap_message};
use super::inspect::eval_condition;
use super::live::LiveTarget;
use super::machine::{read_exception, top_pc};
use super::pause::pause;
use super::protocol::{BreakpointId, Exception, Logged, Pc, StopReason};
use super::state::{Control, Host, Shared, StepKind, guarded, killing, lock, module_pc};
use super::stepping::{
    depth, disarm_return_site, end_step, has_lines_at, line_step_stops, run_to_return,
    values_reader,
};
use super::watch::{read_watched, unchanged_watches};

pub(crate) fn on_event(
    shared: &Arc<Shared>,
    mut store: StoreContextMut<'_, Host>,
    event: DebugEvent<'_>,
) {
    if lock(&shared.control).reverse.is_some() {
        if let Some(reason) = super::reverse::events::on_event(shared, &mut store, event) {
            pause(shared, store, reason);
        }
        return;
    }
    if counted_step(shared, &event) || unchanged_watches(shared, &mut store, &event) {
        return;
    }
    if killing(shared) {
        return;
    }
    let reason = match event {
        DebugEvent::HostcallError(e) => {
            if e.downcast_ref::<I32Exit>().is_some() {
                return; // proc_exit is how a WASI program ends, not a failure
            }
            match e.downcast_ref::<super::host::MemoryLimitReached>() {
                Some(limit) => StopReason::MemoryLimit(limit.0.clone()),
                // Not pausing: the failure ends the run.
                None if !shared.stop_on_hostcall_error.load(Ordering::Relaxed) => return,
                None => StopReason::HostcallError(one_line(e)),
            }
        }
        DebugEvent::Exception(exn) => {
            let exception =
                guarded(|| read_exception(shared, &mut store, &exn)).unwrap_or(Exception {
                    tag_index: None,
                    tag_name: None,
                    payload: Vec::new(),
                    caught: None,
                });
            *lock(&shared.last_exception) = Some(exception.clone());
            // An exception no handler catches ends the program: it pauses
            // like a trap even when throws do not.
            let passes = !shared.stop_on_throw.load(Ordering::Relaxed)
                || store
                    .data()
                    .replay
                    .as_ref()
                    .is_some_and(|c| c.passes_caught_throws);
            if passes && exception.caught != Some(false) {
                return;
            }
            StopReason::Exception(exception)
        }
        // Not pausing: the trap ends the run.
        DebugEvent::Trap(_) if !shared.stop_on_trap.load(Ordering::Relaxed) => return,
        DebugEvent::Trap(trap) => {
            let mut message = trap_message(&trap);
            // A replay that traps before the recording's last host call is
            // not the recorded run (e.g. instrumented frames exhausted the
            // stack at a smaller depth).
            if let Some(cursor) = &store.data().replay
                && cursor.next < cursor.trace.call_count()
            {
                message.push_str(&format!(
                    " (the replay diverged: the recording made {} more host calls after this \
                     point, and {})",
                    cursor.trace.call_count() - cursor.next,
                    cursor.trace.end
                ));
            }
            StopReason::Trap(message)
        }
        DebugEvent::EpochYield => match shared.interrupt.take() {
            Some(timeout) => StopReason::Interrupted { timeout },
            None => return,
        },
        DebugEvent::Breakpoint => match guarded(|| Ok(breakpoint_stop(shared, &mut store))) {
            Ok(Some(reason)) => reason,
            Ok(None) => return,
            Err(e) => StopReason::ConditionError {
                id: None,
                message: one_line(&e),
            },
        },
    };
    // Any pause ends the step in progress.
    end_step(shared, &mut store);
    pause(shared, store, reason);
}

/// The fast path of `stepi N`: while no breakpoint could stop the program,
/// a single-step event only counts down, without looking at the stack.
/// Returns true when the event was consumed.
pub(crate) fn counted_step(shared: &Shared, event: &DebugEvent<'_>) -> bool {
    if !matches!(event, DebugEvent::Breakpoint) {
        return false;
    }
    let mut control = lock(&shared.control);
    let nothing_armed = control.entry.is_none() && !control.table.any_enabled();
    match control.step.as_mut() {
        Some(step)
            if nothing_armed && matches!(step.kind, StepKind::Into) && step.remaining > 1 =>
        {
            step.remaining -= 1;
            true
        }
        _ => false,
    }
}

/// Decides whether a breakpoint event (a user breakpoint, the entry
/// breakpoint, or a single-step event) stops the program.
pub(crate) fn breakpoint_stop(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
) -> Option<StopReason> {
    let (frame, pc, func) = top_pc(shared, store)?;
    let mut control = lock(&shared.control);

    if control.entry == Some(pc) {
        control.entry = None;
        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
            let _ = edit.remove_breakpoint(shared.module(pc.module), module_pc(pc.offset));
        }
        return Some(StopReason::Entry);
    }

    let watched: Vec<BreakpointId> = if control.table.watches.is_empty() {
        Vec::new()
    } else {
        control
            .table
            .watches
            .values()
            .filter(|w| w.enabled && w.sites.binary_search(&pc).is_ok())
            .map(|w| w.id)
            .collect()
    };
    let mut watch_stop = None;
    for id in watched {
        let Some(watch) = control.table.watches.get_mut(&id) else {
            continue;
        };
        let Ok(new) = read_watched(shared, store, watch.module, &watch.target) else {
            continue;
        };
        if new != watch.old {
            let old = std::mem::replace(&mut watch.old, new.clone());
            if let Some(condition) = watch.condition.clone() {
                match eval_condition(shared, store, &frame, pc, func, &condition) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        watch_stop = Some(StopReason::ConditionError {
                            id: Some(id),
                            message: e.to_string(),
                        });
                        break;
                    }
                }
            }
            watch.hits += 1;
            if watch.ignore > 0 {
                watch.ignore -= 1;
                continue;
            }
            if watch
                .hit_condition
                .as_ref()
                .is_some_and(|h| !h.met(watch.hits))
            {
                continue;
            }
            watch_stop = Some(StopReason::Watchpoint {
                id,
                what: watch.what.clone(),
                old,
                new,
            });
            break;
        }
    }

    let mut logs = Vec::new();
    let stop = user_breakpoints(
        shared,
        store,
        &mut control,
        (&frame, pc, func),
        watch_stop.is_some(),
        &mut logs,
    );
    let stop = watch_stop.or(stop);
    if !logs.is_empty() {
        // Sent with the table unlocked: a pause holds the channel while it
        // locks the table.
        drop(control);
        let channel = lock(&shared.channel);
        for logged in logs {
            channel.responses.hold(logged);
        }
        drop(channel);
        if stop.is_some() {
            return stop;
        }
        control = lock(&shared.control);
    } else if stop.is_some() {
        return stop;
    }

    let step = control.step.as_mut()?;
    if let StepKind::Advance { sites } = &step.kind {
        // `advance` runs at full speed between engine breakpoints: its
        // sites, and the return site of its frame.
        let at_site = sites.binary_search(&pc).is_ok();
        let return_site = step.returning;
        drop(control);
        let returned = return_site
            .is_some_and(|(site, site_depth)| site == pc && depth(shared, store) <= site_depth);
        if !at_site && !returned {
            return None;
        }
        let note = (returned && !at_site)
            .then(|| "the frame returned before the location was reached".to_string());
        return Some(StopReason::Step { note });
    }
    if let Some((site, site_depth)) = step.returning {
        // Running to a return site: only arriving there, in the right frame,
        // matters (a deeper recursive call may pass the same site).
        if pc != site || depth(shared, store) > site_depth {
            return None;
        }
        step.returning = None;
        drop(control);
        disarm_return_site(shared, store, site);
        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
            let _ = edit.single_step(true);
        }
        control = lock(&shared.control);
    }
    let step = control.step.as_mut()?;
    match &mut step.kind {
        StepKind::Into => {
            step.remaining = step.remaining.saturating_sub(1);
            if step.remaining > 0 {
                return None;
            }
        }
        StepKind::Line(line) => {
            let depth = depth(shared, store);
            if depth > step.start_depth && (line.over || !has_lines_at(shared, pc)) {
                // In a callee that `next` steps over, or that has no line
                // information: run to the return at full speed.
                let start_depth = step.start_depth;
                drop(control);
                run_to_return(shared, store, depth - start_depth, start_depth);
                return None;
            }
            if !line_step_stops(shared, line, step.start_depth, depth, pc) {
                return None;
            }
            step.remaining = step.remaining.saturating_sub(1);
            if step.remaining > 0 {
                step.start_depth = depth;
                line.from = shared
                    .info(pc.module)
                    .debug_info()
                    .and_then(|d| d.location(pc.offset))
                    .map(|l| (l.file, l.line));
                return None;
            }
        }
        StepKind::Advance { .. } => unreachable!("handled above"),
        StepKind::Over => {
            let depth = depth(shared, store);
            if depth > step.start_depth {
                let start_depth = step.start_depth;
                drop(control);
                run_to_return(shared, store, depth - start_depth, start_depth);
                return None;
            }
            step.remaining = step.remaining.saturating_sub(1);
            if step.remaining > 0 {
                return None;
            }
        }
        StepKind::Finish {
            target,
            module,
            func,
            results,
        } => {
            if depth(shared, store) >= *target {
                return None;
            }
            // Back in the caller: the callee's results are on top of its
            // operand stack.
            let mut paused = values_reader(shared);
            let stack = match paused.frame(store, 0) {
                Ok(top) => {
                    let top = top.clone();
                    super::target::operand_stack(
                        &mut super::live::LiveTarget::new(shared, store),
                        &top,
                    )
                    .unwrap_or_default()
                }
                Err(_) => Vec::new(),
            };
            let results = stack[stack.len().saturating_sub(*results)..].to_vec();
            return Some(StopReason::Finished {
                func_index: *func,
                func_name: shared.info(*module).func_name(*func),
                results,
            });
        }
    }
    let mut note = step.note.take();
    if note.is_none() && depth(shared, store) < step.start_depth {
        note = Some("returned to the caller".to_string());
    }
    Some(StopReason::Step { note })
}

/// The user breakpoints at `pc` (frame #0 `frame`, in function `func`):
/// the first whose condition holds, ignore count is spent and hit
/// condition is met stops the program (unless `stopped`: a watchpoint
/// already stops it here); every dprintf or logpoint among them whose
/// condition holds adds its message to `logs` (sent by the caller, with
/// the table unlocked), whether or not the program stops here, as gdb
/// prints every dprintf at a location where a breakpoint stops.
fn user_breakpoints(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    control: &mut Control,
    (frame, pc, func): (&wasmtime::FrameHandle, Pc, u32),
    stopped: bool,
    logs: &mut Vec<Logged>,
) -> Option<StopReason> {
    let mut stop: Option<StopReason> = None;
    for id in control.table.enabled_at(pc) {
        let Ok(bp) = control.table.get_mut(id) else {
            continue;
        };
        if (stopped || stop.is_some()) && bp.log.is_none() {
            continue;
        }
        if let Some(condition) = bp.condition.clone() {
            match eval_condition(shared, store, frame, pc, func, &condition) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    stop.get_or_insert(StopReason::ConditionError {
                        id: Some(id),
                        message: e.to_string(),
                    });
                    continue;
                }
            }
        }
        bp.hits += 1;
        if bp.ignore > 0 {
            bp.ignore -= 1;
            continue;
        }
        if bp.hit_condition.as_ref().is_some_and(|h| !h.met(bp.hits)) {
            continue;
        }
        if let Some(log) = bp.log.clone() {
            // A dprintf or logpoint: its message, and the program goes on.
            let values = super::target::log_values(
                &mut LiveTarget::new(shared, store),
                &WasmFrame {
                    handle: frame.clone(),
                    module: pc.module,
                    func,
                    pc: pc.offset,
                },
                &log,
            );
            logs.push(Logged {
                breakpoint: id,
                message: log.parts.clone(),
                values,
            });
            continue;
        }
        let (hits, temporary) = (bp.hits, bp.temporary);
        if temporary && let Ok(bp) = control.table.remove(id) {
            let _ = arm_sites(shared, store, &bp.sites(), false);
        }
        stop = Some(StopReason::Breakpoint {
            id,
            hits,
            temporary,
        });
    }
    stop
}
