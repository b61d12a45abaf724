//! Reverse execution in replay sessions: `reverse-continue`,
//! `reverse-step`, `reverse-next`, `reverse-stepi`, `reverse-nexti`,
//! `reverse-finish`.
//!
//! Native frames cannot be snapshotted, so going back means replaying from
//! the start — exactly repeatable, every host call answered from the trace —
//! to an earlier moment. A moment is named by a pc and how many times the
//! run had reached it ([`Moment`]): the n-th visit of a pc is the same
//! moment in every replay. A reverse command is one or more replays:
//!
//! 1. a **scan**: engine breakpoints at the places the command cares about
//!    (its sites), every visit counted, the interesting ones kept, until the
//!    moment the command started from is recognised — by its
//!    [`Fingerprint`] (host calls answered, pc, depth, a hash of every
//!    frame's locals and operand stack and of the globals, then of memory),
//!    by its visit count, or at the end of the run (a pause at a trap);
//! 2. a **goto**: one engine breakpoint, at the chosen moment's pc, until its
//!    n-th visit; then, for the instruction steps, single-stepping a known
//!    number of instructions.
//!
//! wasmtime's fuel counter was considered as the moment's clock: in
//! wasmtime-cranelift 48 it is written back only at calls and returns
//! (`fuel_save_from_var`), so at a breakpoint inside a call-free loop every
//! iteration reads the same value; it cannot tell those moments apart.
//!
//! Costs: each replay runs the program up to the current moment at the
//! instrumented speed, plus a stop per visit of a site. `reverse-stepi` and
//! `reverse-nexti` single-step from the latest *anchor* in the current frame
//! (its entry, the instruction after each call, the start of each loop
//! body), so they single-step only straight-line code of that frame — and a
//! whole callee when the instruction before is a callee's return.

use crate::error::{invalid, unavailable};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use wasmtime::StoreContextMut;

use super::frames::Paused;
use super::inspect::eval_condition;
use super::machine::top_pc;

use super::protocol::{
    CoreModuleId, Error, ErrorKind, Pc, Reverse, ReverseStop, StopReason, WatchValue,
};
use super::state::{Host, Shared, lock, start_killing};
use super::stepping::{depth, values_reader};
use super::watch::read_watched;

/// The first instruction of the function containing `pc`.
fn function_entry(shared: &Shared, pc: Pc) -> Option<Pc> {
    let info = shared.info(pc.module);
    let func = info.func_containing(pc.offset)?;
    let offset = *info.instruction_offsets(func).first()?;
    Some(Pc {
        module: pc.module,
        offset,
    })
}

/// The operator at `pc`, when it is a call (`Some(Some(f))` for a direct
/// call of function `f`) or not (`None`).
fn call_at(shared: &Shared, pc: Pc) -> Option<Option<u32>> {
    let info = shared.info(pc.module);
    let bytes = info.bytes().get(pc.offset..)?;
    let reader = wasmparser::BinaryReader::new(bytes, pc.offset);
    match wasmparser::OperatorsReader::new(reader).read().ok()? {
        wasmparser::Operator::Call { function_index } => Some(Some(function_index)),
        wasmparser::Operator::CallIndirect { .. } | wasmparser::Operator::CallRef { .. } => {
            Some(None)
        }
        _ => None,
    }
}

/// Whether the operator at `pc` is a `loop`.
fn is_loop(shared: &Shared, pc: Pc) -> bool {
    let info = shared.info(pc.module);
    let Some(bytes) = info.bytes().get(pc.offset..) else {
        return false;
    };
    let reader = wasmparser::BinaryReader::new(bytes, pc.offset);
    matches!(
        wasmparser::OperatorsReader::new(reader).read(),
        Ok(wasmparser::Operator::Loop { .. })
    )
}

/// The instruction offsets of function `func` of `module`.
fn offsets(shared: &Shared, module: CoreModuleId, func: u32) -> Vec<Pc> {
    shared
        .info(module)
        .instruction_offsets(func)
        .iter()
        .map(|&offset| Pc { module, offset })
        .collect()
}

/// The anchors of the function containing `pc`: its first instruction, the
/// instruction after each call, the first of each loop body.
fn anchors(shared: &Shared, pc: Pc) -> Vec<Pc> {
    let info = shared.info(pc.module);
    let Some(func) = info.func_containing(pc.offset) else {
        return Vec::new();
    };
    let all = offsets(shared, pc.module, func);
    let mut out: Vec<Pc> = all.first().copied().into_iter().collect();
    for pair in all.windows(2) {
        if call_at(shared, pair[0]).is_some() || is_loop(shared, pair[0]) {
            out.push(pair[1]);
        }
    }
    out
}

/// The places of function `func` where a source line starts, with the line.
fn line_starts(shared: &Shared, module: CoreModuleId, func: u32) -> Vec<(Pc, (String, u32))> {
    let Some(debug) = shared.info(module).debug_info() else {
        return Vec::new();
    };
    offsets(shared, module, func)
        .into_iter()
        .filter(|pc| debug.is_line_start(pc.offset))
        .filter_map(|pc| {
            let l = debug.location(pc.offset)?;
            Some((pc, (l.file, l.line)))
        })
        .collect()
}

/// The instructions after the calls of function `func`.
fn post_calls(shared: &Shared, module: CoreModuleId, func: u32) -> Vec<Pc> {
    offsets(shared, module, func)
        .windows(2)
        .filter(|pair| call_at(shared, pair[0]).is_some())
        .map(|pair| pair[1])
        .collect()
}

/// A hash of every frame's pc, locals and operand stack, and of the
/// globals of each instantiated core module.
fn state_hash(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut reader = values_reader(shared);
    let frames = reader.depth(store);
    for i in 0..frames {
        if let Ok((frame, locals, stack)) = super::live::frame_values(shared, store, &mut reader, i)
        {
            (frame.module, frame.pc).hash(&mut h);
            format!("{locals:?}{stack:?}").hash(&mut h);
        }
    }
    for module in shared.program.ids() {
        let Some(instance) = shared.instance(store, module) else {
            continue;
        };
        for g in 0.. {
            let Some(global) = instance.debug_global(&mut *store, g) else {
                break;
            };
            // Numbers by their bits; a reference only by whether it is
            // null (its Debug text names the store, new in every run).
            match global.get(&mut *store) {
                wasmtime::Val::I32(v) => v.hash(&mut h),
                wasmtime::Val::I64(v) => v.hash(&mut h),
                wasmtime::Val::F32(v) => v.hash(&mut h),
                wasmtime::Val::F64(v) => v.hash(&mut h),
                wasmtime::Val::V128(v) => v.as_u128().hash(&mut h),
                other => other.ref_().is_some_and(|r| r.is_null()).hash(&mut h),
            }
        }
    }
    h.finish()
}

/// A hash of memory 0 of each instantiated core module.
fn memory_hash(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for module in shared.program.ids() {
        let Some(instance) = shared.instance(store, module) else {
            continue;
        };
        if let Some(memory) = instance.debug_memory(&mut *store, 0) {
            memory.data(&*store).hash(&mut h);
        }
    }
    h.finish()
}

/// Host calls answered so far in this run.
fn calls(store: &StoreContextMut<'_, Host>) -> usize {
    store.data().replay.as_ref().map_or(0, |c| c.next)
}

/// The fingerprint of the moment frame #0 is at.
fn fingerprint(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> Option<Fingerprint> {
    let (_, pc, _) = top_pc(shared, store)?;
    Some(Fingerprint {
        calls: calls(store),
        pc,
        depth: depth(shared, store),
        state: state_hash(shared, store),
        memory: memory_hash(shared, store),
    })
}

/// Whether the moment frame #0 is at (at `pc`) has fingerprint `f`: the
/// cheap parts first.
fn is_moment(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    pc: Pc,
    f: &Fingerprint,
) -> bool {
    pc == f.pc
        && calls(store) == f.calls
        && depth(shared, store) == f.depth
        && state_hash(shared, store) == f.state
        && memory_hash(shared, store) == f.memory
}

/// Starts reverse command `command` from a pause (`paused`, with `reason`):
/// the first replay is set up, and the run is being ended so it starts.
///
/// # Errors
/// The session is not a replay, or the command has nowhere to go (e.g.
/// `reverse-finish` in the outermost frame).
pub(crate) fn start(
    shared: &Arc<Shared>,
    store: Option<(&mut StoreContextMut<'_, Host>, &mut Paused)>,
    command: Reverse,
) -> Result<(), Error> {
    if !shared.replaying {
        let hint = if lock(&shared.requests).serving() {
            // A failed request's pause here is a replay, but of one request
            // inside a live server.
            "serve with `--record DIR`, then `wasmdbg replay DIR/TRACE` runs the failed \
             request again, with reverse execution"
        } else {
            "this run was under the debugger from the start (`--instrumented`, `-b`, \
             `--stop-on-entry` or `--preload`); `wasmdbg run` without them records \
             the run and replays one that fails, and `wasmdbg record` then `wasmdbg replay \
             TRACE` replays any run"
        };
        return Err(
            Error::new(ErrorKind::Invalid, "reverse execution needs a recording").with_hint(hint),
        );
    }
    start_replaying(shared, store, command)
}

/// [`start`] in a replay session.
fn start_replaying(
    shared: &Arc<Shared>,
    store: Option<(&mut StoreContextMut<'_, Host>, &mut Paused)>,
    command: Reverse,
) -> Result<(), Error> {
    let start = shared
        .entry_pc
        .map(|pc| Moment { pc, visit: 1 })
        .ok_or_else(|| {
            unavailable!("the entry function has no code: there is nothing to go back to")
        })?;
    let Some((store, paused)) = store else {
        // After the end: everything the run did is before.
        let phase = match command {
            Reverse::Continue => scan(
                Purpose::Stops,
                Target::End(None),
                stop_sites(shared, start.pc),
            ),
            _ => {
                return Err(unavailable!(
                    "the program has ended; `{}` needs a frame: use reverse-continue, or run \
                     to a breakpoint",
                    command.name()
                ));
            }
        };
        begin(shared, phase);
        return Ok(());
    };
    let reason = paused.reason.clone();
    let top = paused.frame(store, 0).map_err(|e| invalid!("{e}"))?.clone();
    let pc = Pc {
        module: top.module,
        offset: top.pc,
    };
    let d = paused.depth(store);
    let caller = call_site(shared, paused, store, 1);
    let target = match reason {
        Some(
            StopReason::Trap(_)
            | StopReason::HostcallError(_)
            | StopReason::MemoryLimit(_)
            | StopReason::Exception(super::protocol::Exception {
                caught: Some(false),
                ..
            }),
        ) => Target::End(Some((pc, d))),
        _ => Target::Fingerprint(
            fingerprint(shared, store).ok_or_else(|| invalid!("cannot read the current moment"))?,
        ),
    };
    let at_entry = function_entry(shared, pc) == Some(pc);
    let to_caller = |stop: ReverseStop| -> Phase {
        match caller {
            Some(site) => scan(
                Purpose::Call {
                    site,
                    depth: d.saturating_sub(1),
                    stop,
                },
                target.clone(),
                vec![site, pc],
            ),
            None => goto(start, Then::Pause(ReverseStop::Start)),
        }
    };
    let phase = match command {
        Reverse::Continue => {
            let mut sites = stop_sites(shared, start.pc);
            sites.push(pc);
            scan(Purpose::Stops, target, sites)
        }
        Reverse::Finish { frame: Some(frame) } if frame.index > 0 => {
            // The call frame `index` + 1 made, at its depth.
            let outer = frame.index + 1;
            let Some(site) = call_site(shared, paused, store, outer) else {
                return Err(invalid!(
                    "\"reverse-finish\" not meaningful in the outermost frame"
                ));
            };
            scan(
                Purpose::Call {
                    site,
                    depth: d.saturating_sub(outer),
                    stop: ReverseStop::Call,
                },
                target,
                vec![site, pc],
            )
        }
        Reverse::Finish { .. } => {
            if caller.is_none() {
                return Err(invalid!(
                    "\"reverse-finish\" not meaningful in the outermost frame"
                ));
            }
            to_caller(ReverseStop::Call)
        }
        Reverse::StepInstruction { .. } if at_entry => to_caller(ReverseStop::Step),
        Reverse::StepInstruction { over: true } if post_call_of(shared, pc).is_some() => {
            // Right after a call: the instruction before, in this frame, is
            // the call.
            let site = post_call_of(shared, pc).unwrap_or(pc);
            scan(
                Purpose::Call {
                    site,
                    depth: d,
                    stop: ReverseStop::Step,
                },
                target,
                vec![site, pc],
            )
        }
        Reverse::StepInstruction { over } => {
            let mut sites = anchors(shared, pc);
            sites.push(pc);
            scan(Purpose::Anchors { over, depth: d }, target, sites)
        }
        Reverse::StepLine { over } => {
            let info = shared.info(pc.module);
            let Some(func) = info.func_containing(pc.offset) else {
                return Err(unavailable!("the pc is outside every function"));
            };
            let starts = line_starts(shared, pc.module, func);
            if starts.is_empty() {
                // No line information: by instruction, as `step` does.
                let mut sites = anchors(shared, pc);
                sites.push(pc);
                scan(Purpose::Anchors { over, depth: d }, target, sites)
            } else {
                let debug = info.debug_info();
                let from = debug
                    .and_then(|dbg| dbg.location(pc.offset))
                    .map(|l| (l.file, l.line));
                let at_line_start = debug.is_some_and(|dbg| dbg.is_line_start(pc.offset));
                let mut sites: Vec<Pc> = starts.iter().map(|(p, _)| *p).collect();
                sites.extend(post_calls(shared, pc.module, func));
                sites.push(pc);
                sites.extend(caller);
                scan(
                    Purpose::Lines {
                        over,
                        depth: d,
                        from,
                        at_line_start,
                        caller,
                    },
                    target,
                    sites,
                )
            }
        }
    };
    begin(shared, phase);
    Ok(())
}

/// The call instruction frame `index` is at (a caller's pc is its call:
/// the frame walk puts it there); `None` past the outermost frame.
fn call_site(
    shared: &Shared,
    paused: &mut Paused,
    store: &mut StoreContextMut<'_, Host>,
    index: usize,
) -> Option<Pc> {
    let f = paused.frame(store, index).ok()?.clone();
    let at = Pc {
        module: f.module,
        offset: f.pc,
    };
    if call_at(shared, at).is_some() {
        return Some(at);
    }
    let site = shared.info(f.module).call_site(f.func, f.pc)?;
    Some(Pc {
        module: f.module,
        offset: site,
    })
}

/// `reverse-continue`'s sites: every enabled breakpoint's and watchpoint's,
/// and the start (where the watched values are first read).
fn stop_sites(shared: &Shared, start: Pc) -> Vec<Pc> {
    let mut sites = vec![start];
    sites.extend(lock(&shared.control).table.armed_sites());
    sites
}

/// When `pc` is the instruction right after a call in its function: that
/// call's pc.
fn post_call_of(shared: &Shared, pc: Pc) -> Option<Pc> {
    let info = shared.info(pc.module);
    let func = info.func_containing(pc.offset)?;
    let previous = info.previous_instruction(func, pc.offset)?;
    let call = Pc {
        module: pc.module,
        offset: previous,
    };
    call_at(shared, call).map(|_| call)
}

fn scan(purpose: Purpose, target: Target, mut sites: Vec<Pc>) -> Phase {
    sites.sort_unstable();
    sites.dedup();
    Phase::Scan {
        sites,
        visits: HashMap::new(),
        hits: Vec::new(),
        target,
        purpose,
        watched: HashMap::new(),
    }
}

fn goto(moment: Moment, then: Then) -> Phase {
    Phase::Goto {
        moment,
        visits: 0,
        then,
    }
}

/// Makes `phase` the command's next replay and ends the current run, so
/// the worker starts it.
fn begin(shared: &Shared, phase: Phase) {
    lock(&shared.control).reverse = Some(InProgress { phase });
    start_killing(shared);
}

/// The source line that starts at `pc`, if one does.
fn line_at(shared: &Shared, pc: Pc) -> Option<(String, u32)> {
    let debug = shared.info(pc.module).debug_info()?;
    if !debug.is_line_start(pc.offset) {
        return None;
    }
    debug.location(pc.offset).map(|l| (l.file, l.line))
}

/// `reverse-continue`'s question at a visit: does a user breakpoint (its
/// condition true) or a watchpoint (its value changed since last seen)
/// stop here? Hit conditions and ignore counts count hits going forward:
/// going back, they do not apply; dprintf and logpoints never stop.
fn stop_here(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &wasmtime::FrameHandle,
    pc: Pc,
    func: u32,
    watched: &mut HashMap<super::protocol::BreakpointId, WatchValue>,
) -> Option<ReverseStop> {
    let (watches, breakpoints) = {
        let control = lock(&shared.control);
        let watches: Vec<_> = control
            .table
            .watches
            .values()
            .filter(|w| w.enabled)
            .map(|w| {
                (
                    w.id,
                    w.what.clone(),
                    w.module,
                    w.target.clone(),
                    w.sites.binary_search(&pc).is_ok(),
                    w.condition.clone(),
                )
            })
            .collect();
        let breakpoints: Vec<_> = control
            .table
            .enabled_at(pc)
            .into_iter()
            .filter_map(|id| {
                let bp = control.table.iter().find(|b| b.id == id)?;
                // A dprintf or logpoint does not stop; going back, it does
                // not print either (its messages were printed going
                // forward).
                if bp.log.is_some() {
                    return None;
                }
                Some((id, bp.condition.clone()))
            })
            .collect();
        (watches, breakpoints)
    };
    let mut stop = None;
    for (id, what, module, target, at_site, condition) in watches {
        let Ok(now) = read_watched(shared, store, module, &target) else {
            continue;
        };
        // A change with the watchpoint's condition false is passed, as
        // going forward (a condition that cannot be read stops).
        let holds = |store: &mut StoreContextMut<'_, Host>| {
            condition
                .as_ref()
                .is_none_or(|c| eval_condition(shared, store, frame, pc, func, c).unwrap_or(true))
        };
        match watched.insert(id, now.clone()) {
            Some(old) if at_site && old != now && stop.is_none() && holds(store) => {
                stop = Some(ReverseStop::Watchpoint {
                    id,
                    what,
                    old,
                    new: now,
                });
            }
            _ => {}
        }
    }
    if stop.is_some() {
        return stop;
    }
    for (id, condition) in breakpoints {
        let holds = match condition {
            Some(c) => eval_condition(shared, store, frame, pc, func, &c).unwrap_or(true),
            None => true,
        };
        if holds {
            return Some(ReverseStop::Breakpoint { id });
        }
    }
    None
}

/// Chooses where a finished scan leads and sets up that replay.
fn finish_scan(shared: &Shared, hits: Vec<Hit>, purpose: Purpose, target: Target) {
    let start = shared.entry_pc.map(|pc| Moment { pc, visit: 1 });
    let to_start = || match start {
        Some(m) => goto(m, Then::Pause(ReverseStop::Start)),
        None => goto(
            Moment {
                pc: Pc {
                    module: CoreModuleId::FIRST,
                    offset: 0,
                },
                visit: 1,
            },
            Then::Pause(ReverseStop::Start),
        ),
    };
    let phase = match purpose {
        Purpose::Stops => match hits.last() {
            Some(hit) => goto(
                hit.moment,
                Then::Pause(hit.stop.clone().unwrap_or(ReverseStop::Step)),
            ),
            None => to_start(),
        },
        Purpose::Call { stop, .. } => match hits.last() {
            Some(hit) => goto(hit.moment, Then::Pause(stop)),
            None => to_start(),
        },
        Purpose::Anchors { over, depth } => match hits.last() {
            Some(hit) => goto(
                hit.moment,
                Then::Log {
                    from: hit.moment,
                    target,
                    over,
                    depth,
                },
            ),
            None => to_start(),
        },
        Purpose::Lines {
            over,
            from,
            at_line_start,
            ..
        } => {
            // This invocation's hits: those after the last visit of the
            // caller's call.
            let first = hits
                .iter()
                .rposition(|h| h.line.is_none() && !h.post_call)
                .map_or(0, |i| i + 1);
            let caller = first.checked_sub(1).map(|i| hits[i].moment);
            let own = &hits[first..];
            let lines: Vec<&Hit> = own.iter().filter(|h| h.line.is_some()).collect();
            // Mid-line, the start of this line (when this invocation's last
            // line start is this line's); else the start of the line
            // executed before.
            let wanted = match lines.last() {
                Some(last) if !at_line_start && last.line == from => from.clone(),
                Some(last) => last.line.clone(),
                None => None,
            };
            // The beginning of that line: the first of its last run of
            // visits.
            let dest: Option<&Hit> = lines
                .iter()
                .rev()
                .take_while(|h| h.line == wanted)
                .last()
                .copied();
            match dest {
                Some(dest) => {
                    let called = (!over)
                        .then(|| {
                            own.iter()
                                .rev()
                                .take_while(|h| h.moment != dest.moment)
                                .find(|h| h.post_call)
                        })
                        .flatten();
                    match called.and_then(|h| callee_scan(shared, h, dest.moment)) {
                        Some(phase) => phase,
                        None => goto(dest.moment, Then::Pause(ReverseStop::Step)),
                    }
                }
                None => match caller {
                    Some(m) => goto(m, Then::Pause(ReverseStop::Call)),
                    None => to_start(),
                },
            }
        }
        Purpose::Callee { fallback, .. } => match hits.last() {
            Some(last) => {
                // The start of the last statement: the first of the last run
                // of visits of its line.
                let first = hits
                    .iter()
                    .rev()
                    .take_while(|h| h.line == last.line)
                    .last()
                    .unwrap_or(last);
                goto(first.moment, Then::Pause(ReverseStop::Step))
            }
            None => goto(fallback, Then::Pause(ReverseStop::Step)),
        },
    };
    lock(&shared.control).reverse = Some(InProgress { phase });
}

/// `reverse-step` into the function called just before `post_call` (a
/// directly called function with line information): a scan of its line
/// starts up to that moment.
fn callee_scan(shared: &Shared, post_call: &Hit, fallback: Moment) -> Option<Phase> {
    let call = post_call_of(shared, post_call.moment.pc)?;
    let callee = call_at(shared, call)??;
    let starts = line_starts(shared, call.module, callee);
    if starts.is_empty() {
        return None;
    }
    let mut sites: Vec<Pc> = starts.into_iter().map(|(p, _)| p).collect();
    sites.push(post_call.moment.pc);
    Some(scan(
        Purpose::Callee {
            depth: post_call.depth + 1,
            fallback,
        },
        Target::Visit(post_call.moment),
        sites,
    ))
}

/// After single-stepping from `from` to the target (the depths of the
/// instructions in between, the target's excluded, in `log`): the replay to
/// the instruction before the target (`over`: the last one in the frame at
/// `depth`).
fn finish_log(shared: &Shared, from: Moment, log: &[usize], over: bool, depth: usize) {
    let steps = if over {
        log.iter().rposition(|&d| d == depth).map_or(0, |i| i + 1)
    } else {
        log.len()
    };
    let then = if steps == 0 {
        Then::Pause(ReverseStop::Step)
    } else {
        Then::Steps(steps as u64, ReverseStop::Step)
    };
    lock(&shared.control).reverse = Some(InProgress {
        phase: goto(from, then),
    });
}

pub(crate) mod events;
pub(crate) mod plan;
use plan::{Fingerprint, Hit, InProgress, Moment, Phase, Purpose, Target, Then};
