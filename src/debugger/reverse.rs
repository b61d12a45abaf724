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

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use wasmtime::{AsContextMut, DebugEvent, StoreContextMut};
use wasmtime_wasi::I32Exit;

use super::events::{eval_condition, top_pc};
use super::frames::Paused;
use super::handler::pause;
use super::protocol::{
    CoreModuleId, Error, ErrorKind, Pc, Reverse, ReverseStop, StopReason, WatchValue,
};
use super::state::{Host, Shared, guarded, lock, module_pc, start_killing};
use super::stepping::{depth, set_single_step, values_reader};
use super::watch::read_watched;

/// The n-th visit (from 1) of a pc in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Moment {
    pc: Pc,
    visit: u64,
}

/// What identifies the moment a reverse command started from.
#[derive(Clone, Debug)]
struct Fingerprint {
    /// Host calls answered so far.
    calls: usize,
    pc: Pc,
    depth: usize,
    /// Every frame's pc, locals and operand stack, and the globals.
    state: u64,
    /// The linear memory (compared only when the rest matches).
    memory: u64,
}

/// Where a scan ends.
#[derive(Clone, Debug)]
enum Target {
    /// The moment with this fingerprint.
    Fingerprint(Fingerprint),
    /// This moment.
    Visit(Moment),
    /// The end of the run: the program trapped, failed or ended there.
    /// With a pc (a pause at a trap or a failed host call), the last visit
    /// of that pc at that depth is that moment.
    End(Option<(Pc, usize)>),
}

/// A visit the scan kept.
#[derive(Clone, Debug)]
struct Hit {
    moment: Moment,
    depth: usize,
    /// A user breakpoint or watchpoint that stops here (`reverse-continue`).
    stop: Option<ReverseStop>,
    /// The source line that starts here, in the frame the command started
    /// in.
    line: Option<(String, u32)>,
    /// The instruction after a call, in that frame.
    post_call: bool,
}

/// What a scan keeps, and what it leads to.
#[derive(Clone, Debug)]
enum Purpose {
    /// User breakpoints and watchpoints (`reverse-continue`).
    Stops,
    /// A call instruction at depth `depth`: in the caller (`reverse-finish`,
    /// a step back out of a function's first instruction; arriving says
    /// `stop`), or in this frame (`reverse-nexti` right after the call).
    Call {
        site: Pc,
        depth: usize,
        stop: ReverseStop,
    },
    /// Anchors in the current frame (at `depth`), for an instruction step.
    Anchors { over: bool, depth: usize },
    /// Line starts, post-call places and the caller's call, for a line step.
    Lines {
        over: bool,
        depth: usize,
        from: Option<(String, u32)>,
        at_line_start: bool,
        caller: Option<Pc>,
    },
    /// Line starts of a callee at `depth` (`reverse-step` into it), with
    /// the place to go when it has none.
    Callee { depth: usize, fallback: Moment },
}

/// A reverse command's replay in progress.
#[derive(Clone, Debug)]
enum Phase {
    Scan {
        sites: Vec<Pc>,
        visits: HashMap<Pc, u64>,
        hits: Vec<Hit>,
        target: Target,
        purpose: Purpose,
        /// `reverse-continue`: each watchpoint's value as last seen.
        watched: HashMap<u32, WatchValue>,
    },
    Goto {
        moment: Moment,
        visits: u64,
        then: Then,
    },
    /// Single-stepping after a goto.
    Stepping {
        then: Then,
        /// Depths of the instructions stepped to (logging).
        log: Vec<usize>,
    },
}

/// What happens at a goto's moment.
#[derive(Clone, Debug)]
enum Then {
    /// Pause there.
    Pause(ReverseStop),
    /// Single-step `n` instructions, then pause.
    Steps(u64, ReverseStop),
    /// Single-step to the target, logging the depth of every instruction;
    /// then go to the one before it (in the frame at `depth` with `over`).
    Log {
        from: Moment,
        target: Target,
        over: bool,
        depth: usize,
    },
}

/// A reverse command in progress (`Control::reverse`).
#[derive(Clone, Debug)]
pub(crate) struct InProgress {
    phase: Phase,
}

impl InProgress {
    /// The engine breakpoints a run of this phase needs.
    pub(crate) fn sites(&self) -> Vec<Pc> {
        match &self.phase {
            Phase::Scan { sites, .. } => sites.clone(),
            Phase::Goto { moment, .. } => vec![moment.pc],
            Phase::Stepping { .. } => Vec::new(),
        }
    }
}

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
        if let Ok((frame, locals, stack)) = reader.frame_values(store, i) {
            (frame.module, frame.pc).hash(&mut h);
            format!("{locals:?}{stack:?}").hash(&mut h);
        }
    }
    for module in 0..shared.program.modules.len() as CoreModuleId {
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
    for module in 0..shared.program.modules.len() as CoreModuleId {
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
        return Err(
            Error::new(ErrorKind::Invalid, "reverse execution needs a recording").with_hint(
                "run the program with `wasmdbg record`, then `wasmdbg replay TRACE` (or \
             `wasmdbg run --fast`, which replays a failed run)",
            ),
        );
    }
    start_replaying(shared, store, command).map_err(|e| Error::new(ErrorKind::Invalid, e))
}

/// [`start`] in a replay session.
fn start_replaying(
    shared: &Arc<Shared>,
    store: Option<(&mut StoreContextMut<'_, Host>, &mut Paused)>,
    command: Reverse,
) -> Result<(), String> {
    let start = shared
        .entry_pc
        .map(|pc| Moment { pc, visit: 1 })
        .ok_or("the entry function has no code: there is nothing to go back to")?;
    let Some((store, paused)) = store else {
        // After the end: everything the run did is before.
        let phase = match command {
            Reverse::Continue => scan(
                shared,
                Purpose::Stops,
                Target::End(None),
                stop_sites(shared, start.pc),
            ),
            _ => {
                return Err(format!(
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
    let top = paused.frame(store, 0).map_err(|e| e.to_string())?.clone();
    let pc = Pc {
        module: top.module,
        offset: top.pc,
    };
    let d = paused.depth(store);
    let caller = paused.frame(store, 1).ok().cloned().and_then(|f| {
        // A caller's pc is its call instruction (the frame walk puts it
        // there).
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
    });
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
        _ => {
            Target::Fingerprint(fingerprint(shared, store).ok_or("cannot read the current moment")?)
        }
    };
    let at_entry = function_entry(shared, pc) == Some(pc);
    let to_caller = |shared: &Shared, stop: ReverseStop| -> Phase {
        match caller {
            Some(site) => scan(
                shared,
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
            scan(shared, Purpose::Stops, target, sites)
        }
        Reverse::Finish => {
            if caller.is_none() {
                return Err("\"reverse-finish\" not meaningful in the outermost frame".to_string());
            }
            to_caller(shared, ReverseStop::Call)
        }
        Reverse::StepInstruction { .. } if at_entry => to_caller(shared, ReverseStop::Step),
        Reverse::StepInstruction { over: true } if post_call_of(shared, pc).is_some() => {
            // Right after a call: the instruction before, in this frame, is
            // the call.
            let site = post_call_of(shared, pc).unwrap_or(pc);
            scan(
                shared,
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
            scan(shared, Purpose::Anchors { over, depth: d }, target, sites)
        }
        Reverse::StepLine { over } => {
            let info = shared.info(pc.module);
            let Some(func) = info.func_containing(pc.offset) else {
                return Err("the pc is outside every function".to_string());
            };
            let starts = line_starts(shared, pc.module, func);
            if starts.is_empty() {
                // No line information: by instruction, as `step` does.
                let mut sites = anchors(shared, pc);
                sites.push(pc);
                scan(shared, Purpose::Anchors { over, depth: d }, target, sites)
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
                    shared,
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

/// `reverse-continue`'s sites: every enabled breakpoint's and watchpoint's,
/// and the start (where the watched values are first read).
fn stop_sites(shared: &Shared, start: Pc) -> Vec<Pc> {
    let control = lock(&shared.control);
    let mut sites = vec![start];
    sites.extend(
        control
            .table
            .iter()
            .filter(|b| b.enabled)
            .flat_map(|b| b.sites()),
    );
    sites.extend(
        control
            .table
            .watches
            .values()
            .filter(|w| w.enabled)
            .flat_map(|w| w.sites.iter().copied()),
    );
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

fn scan(_shared: &Shared, purpose: Purpose, target: Target, mut sites: Vec<Pc>) -> Phase {
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

/// Handles an engine event while a reverse command replays. Always
/// consumes it.
pub(crate) fn on_event(
    shared: &Arc<Shared>,
    mut store: StoreContextMut<'_, Host>,
    event: DebugEvent<'_>,
) {
    if super::state::killing(shared) {
        return;
    }
    match event {
        DebugEvent::Breakpoint => {
            if let Err(e) = guarded(|| {
                on_breakpoint(shared, &mut store);
                Ok(())
            }) {
                abandon(shared, &mut store, &format!("{e}"));
            }
        }
        DebugEvent::Trap(_) => {
            at_end(shared, Some(&mut store));
        }
        DebugEvent::HostcallError(e) => {
            if e.downcast_ref::<I32Exit>().is_none() {
                at_end(shared, Some(&mut store));
            }
        }
        DebugEvent::Exception(exn) => {
            let uncaught = guarded(|| super::events::read_exception(shared, &mut store, &exn))
                .is_ok_and(|e| e.caught == Some(false));
            if uncaught {
                at_end(shared, Some(&mut store));
            }
        }
        DebugEvent::EpochYield => {
            if let Some(timeout) = shared.interrupt.take() {
                // Ctrl-C (or --timeout) during a reverse command: stop
                // going back, pause where the replay is.
                lock(&shared.control).reverse = None;
                set_single_step(shared, &mut store, false);
                rearm(shared, &mut store);
                pause(shared, store, StopReason::Interrupted { timeout });
            }
        }
    }
}

/// The run reached its end: a terminal event (with the `store`), or the
/// program ended (`None`). Returns whether another replay is needed.
pub(crate) fn at_end(shared: &Arc<Shared>, store: Option<&mut StoreContextMut<'_, Host>>) -> bool {
    let live = store.is_some();
    let Some(progress) = lock(&shared.control).reverse.clone() else {
        return false;
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
            true
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
            true
        }
        _ => {
            match store {
                Some(store) => abandon(
                    shared,
                    store,
                    "the replay ended before the moment it was going back to",
                ),
                None => lock(&shared.control).reverse = None,
            }
            false
        }
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

fn on_breakpoint(shared: &Arc<Shared>, store: &mut StoreContextMut<'_, Host>) {
    let Some((frame, pc, func)) = top_pc(shared, store) else {
        return;
    };
    let Some(mut progress) = lock(&shared.control).reverse.clone() else {
        return;
    };
    match &mut progress.phase {
        Phase::Scan {
            sites,
            visits,
            hits,
            target,
            purpose,
            watched,
        } => {
            // Every event is a site's (a breakpoint the engine slipped to
            // the next instruction included): single-stepping is off.
            let _ = &sites;
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
                return;
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
        }
        Phase::Goto {
            moment,
            visits,
            then,
        } => {
            if pc != moment.pc {
                return;
            }
            *visits += 1;
            if *visits < moment.visit {
                lock(&shared.control).reverse = Some(progress);
                return;
            }
            let (at, then) = (*moment, then.clone());
            arrive(shared, store, at, then);
        }
        Phase::Stepping { then, log } => match then {
            Then::Steps(n, stop) => {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    let stop = stop.clone();
                    finish(shared, store);
                    pause(shared, store.as_context_mut(), StopReason::Reversed(stop));
                } else {
                    lock(&shared.control).reverse = Some(progress);
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
            }
            Then::Pause(_) => {}
        },
    }
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
/// stop here?
fn stop_here(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &wasmtime::FrameHandle,
    pc: Pc,
    func: u32,
    watched: &mut HashMap<u32, WatchValue>,
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
                )
            })
            .collect();
        let breakpoints: Vec<_> = control
            .table
            .enabled_at(pc)
            .into_iter()
            .filter_map(|id| {
                let condition = control.table.iter().find(|b| b.id == id)?.condition.clone();
                Some((id, condition))
            })
            .collect();
        (watches, breakpoints)
    };
    let mut stop = None;
    for (id, what, module, target, at_site) in watches {
        let Ok(now) = read_watched(shared, store, module, &target) else {
            continue;
        };
        match watched.insert(id, now.clone()) {
            Some(old) if at_site && old != now && stop.is_none() => {
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
                    module: 0,
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
        shared,
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

/// At a goto's moment: pause, or start single-stepping.
fn arrive(shared: &Arc<Shared>, store: &mut StoreContextMut<'_, Host>, at: Moment, then: Then) {
    match then {
        Then::Pause(stop) | Then::Steps(0, stop) => {
            finish(shared, store);
            pause(shared, store.as_context_mut(), StopReason::Reversed(stop));
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
    let pcs: Vec<Pc> = {
        let control = lock(&shared.control);
        control
            .table
            .iter()
            .filter(|b| b.enabled)
            .flat_map(|b| b.sites())
            .chain(
                control
                    .table
                    .watches
                    .values()
                    .filter(|w| w.enabled)
                    .flat_map(|w| w.sites.iter().copied()),
            )
            .collect()
    };
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        for pc in pcs {
            let _ = edit.add_breakpoint(shared.module(pc.module), module_pc(pc.offset));
        }
    }
    let ids: Vec<u32> = lock(&shared.control)
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

/// Gives up a reverse command that went wrong: pauses where the replay is,
/// saying why.
fn abandon(shared: &Arc<Shared>, store: &mut StoreContextMut<'_, Host>, why: &str) {
    lock(&shared.control).reverse = None;
    set_single_step(shared, store, false);
    rearm(shared, store);
    pause(
        shared,
        store.as_context_mut(),
        StopReason::Reversed(ReverseStop::Unfinished {
            why: why.to_string(),
        }),
    );
}
