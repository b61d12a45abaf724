//! The debug handler: decides which engine events are pauses (traps,
//! throws, failing host calls, user breakpoints whose condition holds, the
//! end of a step, Ctrl-C), and while paused serves the front end's requests.
//!
//! Steps run in the worker: single-step mode stays on and each event only
//! counts (and, for `nexti`/`finish`, compares stack depths) until the step
//! is done, so `stepi 1000000` makes no round trip per instruction.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use wasmtime::{
    AsContext, AsContextMut, DebugEvent, DebugHandler, FrameHandle, Result, StoreContextMut, Val,
    format_err as anyhow,
};
use wasmtime_wasi::I32Exit;

use super::breakpoints::{self, Breakpoint};
use super::expr::{Expr, Num, Var};
use super::frames::Paused;
use super::protocol::{
    CoreModuleId, DisasmLine, ErrorKind, Exception, FrameRef, Outcome, PauseId, Pc, Request,
    Response, Stop, StopReason, Value,
};
use super::values::ValueReader;
use super::worker::{
    Channel, Host, Incoming, Shared, error_response, guarded, killing, lock, module_pc, one_line,
    start_killing, trap_message,
};

/// The handler wasmtime calls at every debug event; cheap to clone.
#[derive(Clone)]
pub(crate) struct Handler(pub(crate) Arc<Shared>);

impl DebugHandler for Handler {
    type Data = Host;

    fn handle(
        &self,
        store: StoreContextMut<'_, Host>,
        event: DebugEvent<'_>,
    ) -> impl Future<Output = ()> + Send {
        // All the work happens here, synchronously, while wasmtime holds the
        // guest paused; the returned future is already complete.
        on_event(&self.0, store, event);
        std::future::ready(())
    }
}

/// A step in progress.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    kind: StepKind,
    /// Instructions still to count.
    remaining: u64,
    /// Stack depth (frames of the module) when the step started.
    start_depth: usize,
    /// Said at the end of the step (e.g. a host function was stepped over).
    note: Option<String>,
    /// Running at full speed (single-stepping off) to a return site: an
    /// engine breakpoint at this place, reached when the stack is this deep
    /// again. Stepping over a call, or `finish`, would otherwise
    /// single-step through the whole callee.
    returning: Option<(Pc, usize)>,
}

#[derive(Clone, Debug)]
enum StepKind {
    /// `stepi`: every instruction counts.
    Into,
    /// `nexti`: only instructions at the start depth or shallower count.
    Over,
    /// `finish`: stop when the depth drops below `target`.
    Finish {
        target: usize,
        module: CoreModuleId,
        func: u32,
        results: usize,
    },
    /// `step`/`next`/`until` by source line.
    Line(LineStep),
    /// `advance`: stop at one of `sites` (armed as engine breakpoints), or
    /// at the return site (`Step::returning`) of the frame it started in.
    Advance { sites: Vec<Pc> },
}

/// A source-line step in progress.
#[derive(Clone, Debug)]
struct LineStep {
    over: bool,
    until: bool,
    /// The line the step started on (file, line), when the pc had one.
    from: Option<(String, u32)>,
}

fn on_event(shared: &Arc<Shared>, mut store: StoreContextMut<'_, Host>, event: DebugEvent<'_>) {
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
            match e.downcast_ref::<super::worker::MemoryLimitReached>() {
                Some(limit) => StopReason::MemoryLimit(limit.0.clone()),
                None => StopReason::HostcallError(one_line(e)),
            }
        }
        DebugEvent::Exception(exn) => {
            let exception =
                guarded(|| read_exception(shared, &mut store, &exn)).unwrap_or(Exception {
                    tag_index: None,
                    tag_name: None,
                    payload: Vec::new(),
                });
            *lock(&shared.last_exception) = Some(exception.clone());
            if !shared.stop_on_throw.load(Ordering::Relaxed) {
                return;
            }
            StopReason::Exception(exception)
        }
        DebugEvent::Trap(trap) => StopReason::Trap(trap_message(&trap)),
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
fn counted_step(shared: &Shared, event: &DebugEvent<'_>) -> bool {
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

/// The fast path of watchpoints: when only watchpoints are armed (no
/// breakpoint, no step, no entry stop), every breakpoint event is a watch
/// site, so compare the watched values without looking at the stack; the
/// event is consumed when none changed.
fn unchanged_watches(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    event: &DebugEvent<'_>,
) -> bool {
    if !matches!(event, DebugEvent::Breakpoint) {
        return false;
    }
    let control = lock(&shared.control);
    let only_watches = control.step.is_none()
        && control.entry.is_none()
        && !control.killing
        && control.table.iter().all(|b| !b.enabled)
        && control.table.watches.values().any(|w| w.enabled);
    if !only_watches {
        return false;
    }
    control
        .table
        .watches
        .values()
        .filter(|w| w.enabled)
        .all(|w| read_watched(shared, store, w.module, &w.target).is_ok_and(|now| now == w.old))
}

/// Decides whether a breakpoint event (a user breakpoint, the entry
/// breakpoint, or a single-step event) stops the program.
fn breakpoint_stop(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> Option<StopReason> {
    let (frame, pc, func) = top_pc(shared, store)?;
    let mut control = lock(&shared.control);

    if control.entry == Some(pc) {
        control.entry = None;
        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
            let _ = edit.remove_breakpoint(shared.module(pc.module), module_pc(pc.offset));
        }
        return Some(StopReason::Entry);
    }

    let watched: Vec<u32> = if control.table.watches.is_empty() {
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
    for id in watched {
        let Some(watch) = control.table.watches.get_mut(&id) else {
            continue;
        };
        let Ok(new) = read_watched(shared, store, watch.module, &watch.target) else {
            continue;
        };
        if new != watch.old {
            let old = std::mem::replace(&mut watch.old, new.clone());
            watch.hits += 1;
            return Some(StopReason::Watchpoint {
                id,
                what: watch.what.clone(),
                old,
                new,
            });
        }
    }

    for id in control.table.enabled_at(pc) {
        let Ok(bp) = control.table.get_mut(id) else {
            continue;
        };
        if let Some(condition) = bp.condition.clone() {
            match eval_condition(shared, store, &frame, pc, func, &condition) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(message) => {
                    return Some(StopReason::ConditionError {
                        id: Some(id),
                        message,
                    });
                }
            }
        }
        bp.hits += 1;
        if bp.ignore > 0 {
            bp.ignore -= 1;
            continue;
        }
        let (hits, temporary) = (bp.hits, bp.temporary);
        if temporary && let Ok(bp) = control.table.remove(id) {
            let _ = arm_sites(shared, store, &bp.sites(), false);
        }
        return Some(StopReason::Breakpoint {
            id,
            hits,
            temporary,
        });
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
            let stack = paused.stack_values(store, 0).unwrap_or_default();
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

/// Frame #0's handle and place, read straight from the engine (no frame
/// walk): its core module and pc.
fn top_pc(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
) -> Option<(FrameHandle, Pc, u32)> {
    let frame = store.debug_exit_frames().next()?;
    let (defined, pc) = frame.wasm_function_index_and_pc(&mut *store).ok()??;
    let module = if shared.modules.len() == 1 {
        0
    } else {
        super::frames::frame_module(&shared.modules, store, &frame)?
    };
    let func = shared.info(module).num_imported_funcs() + defined.as_u32();
    let pc = Pc {
        module,
        offset: pc.raw() as usize,
    };
    Some((frame, pc, func))
}

/// The body (module offsets) of the function containing `pc`.
fn body_at(shared: &Shared, pc: Pc) -> Option<std::ops::Range<usize>> {
    let info = shared.info(pc.module);
    let func = info.func_containing(pc.offset)?;
    info.func(func)?.body.clone()
}

/// Whether DWARF has line information for the function containing `pc`.
fn has_lines_at(shared: &Shared, pc: Pc) -> bool {
    match (shared.info(pc.module).debug_info(), body_at(shared, pc)) {
        (Some(debug), Some(body)) => debug.has_lines(body),
        _ => false,
    }
}

/// The instruction after the call that frame `index` is waiting on, and
/// the stack depth at which execution is back in that frame.
fn return_site(shared: &Shared, store: &mut StoreContextMut<'_, Host>, index: usize) -> Option<Pc> {
    let (module, func, pc) = values_reader(shared)
        .frame(store, index)
        .map(|f| (f.module, f.func, f.pc))
        .ok()?;
    let offsets = shared.info(module).instruction_offsets(func);
    let at = offsets.binary_search(&pc).ok()?;
    offsets.get(at + 1).map(|&offset| Pc { module, offset })
}

/// Continues the step at full speed until frame `index` (the frame the step
/// is in, `depth` frames deep) is returned to: an engine breakpoint after
/// its call instruction, single-stepping off. Keeps single-stepping when
/// there is no such site.
fn run_to_return(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    index: usize,
    depth: usize,
) {
    let Some(site) = return_site(shared, store, index) else {
        return;
    };
    let Some(mut edit) = store.as_context_mut().edit_breakpoints() else {
        return;
    };
    if edit
        .add_breakpoint(shared.module(site.module), module_pc(site.offset))
        .is_err()
    {
        return;
    }
    drop(edit);
    set_single_step(shared, store, false);
    if let Some(step) = lock(&shared.control).step.as_mut() {
        step.returning = Some((site, depth));
    }
}

/// Removes the engine breakpoint a step armed (a return site, an `advance`
/// site) unless a user breakpoint, watchpoint or the entry stop also needs
/// it.
fn disarm_return_site(shared: &Shared, store: &mut StoreContextMut<'_, Host>, site: Pc) {
    let needed = {
        let control = lock(&shared.control);
        control.entry == Some(site)
            || control
                .table
                .iter()
                .any(|b| b.enabled && b.sites().contains(&site))
            || control
                .table
                .watches
                .values()
                .any(|w| w.enabled && w.sites.binary_search(&site).is_ok())
    };
    if !needed && let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        let _ = edit.remove_breakpoint(shared.module(site.module), module_pc(site.offset));
    }
}

/// Ends the step in progress (a pause), removing its return-site breakpoint.
fn end_step(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
    let Some(step) = lock(&shared.control).step.take() else {
        return;
    };
    if let Some((site, _)) = step.returning {
        disarm_return_site(shared, store, site);
    }
    if let StepKind::Advance { sites } = &step.kind {
        for &site in sites {
            disarm_return_site(shared, store, site);
        }
    }
}

/// Whether a source-line step that started at `start_depth` stops at `pc`
/// with the stack `depth` frames deep.
fn line_step_stops(
    shared: &Shared,
    line: &LineStep,
    start_depth: usize,
    depth: usize,
    pc: Pc,
) -> bool {
    let Some(debug) = shared.info(pc.module).debug_info() else {
        return true;
    };
    if depth < start_depth {
        return true; // returned to the caller
    }
    if !debug.is_line_start(pc.offset) {
        return false;
    }
    if depth > start_depth {
        // In a callee: `step` stops at its first line after the prologue
        // (functions without line information never get here: no line
        // starts in them).
        if line.over {
            return false;
        }
        return match body_at(shared, pc).and_then(|b| debug.after_prologue(b)) {
            Some(after) => pc.offset >= after,
            None => true,
        };
    }
    let Some(here) = debug.location(pc.offset) else {
        return false;
    };
    match &line.from {
        None => true,
        Some((file, n)) if *file == here.file => {
            if line.until {
                here.line > *n
            } else {
                here.line != *n
            }
        }
        Some(_) => true,
    }
}

/// Wasm frames on the stack now.
fn depth(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> usize {
    values_reader(shared).depth(store)
}

/// A frame reader for the current event that is not a pause (no id).
fn values_reader(shared: &Shared) -> Paused {
    Paused::new(
        PauseId(0),
        shared.program.clone(),
        shared.modules.clone(),
        false,
    )
}

/// A breakpoint condition, parsed once: a Wasm-level expression and/or
/// one that the source (DWARF) evaluator parses.
fn parse_condition(text: &str) -> Result<Arc<breakpoints::Condition>, String> {
    breakpoints::Condition::parse(text).map(Arc::new)
}

/// Evaluates a condition in frame #0 (`frame`, at `pc` in function
/// `func`): over source variables when DWARF describes the pc and the
/// condition names them, else over Wasm values.
fn eval_condition(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &FrameHandle,
    pc: Pc,
    func: u32,
    condition: &breakpoints::Condition,
) -> Result<bool, String> {
    super::inspect::evaluate_with(
        shared,
        store,
        frame,
        pc,
        func,
        &condition.wasm,
        &condition.source,
    )
    .map(|v| match v {
        Ok(n) => n.truthy(),
        Err((_, v)) => super::inspect::source_truthy(&v),
    })
}

/// Evaluates `expr` in `frame` (of function `func`): locals by index or
/// name, globals by index or name (`$sp` is `__stack_pointer`).
pub(crate) fn eval_in(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &FrameHandle,
    module: CoreModuleId,
    func: u32,
    expr: &Expr,
) -> Result<Num, String> {
    // Found on first need: a condition on a local reads no instance.
    let mut instance = None;
    let mut instance_of = |store: &mut StoreContextMut<'_, Host>| {
        *instance.get_or_insert_with(|| shared.instance(store, module))
    };
    let info = shared.info(module);
    let mut read = |var: &Var| -> Result<Num, String> {
        let (local, global) = match var {
            Var::Memory { ty, address } => {
                let instance = instance_of(store).ok_or("the module is not instantiated yet")?;
                let memory = instance
                    .debug_memory(&mut *store, 0)
                    .ok_or("the module has no (unshared) memory 0")?;
                let data = memory.data(&*store);
                let bytes = super::inspect::memory_range(data, 0, *address, ty.size() as u64)?;
                return Ok(ty.decode(bytes));
            }
            Var::Local(i) => (Some(*i), None),
            Var::Global(i) => (None, Some(*i)),
            Var::Name(name) => match info.find_local(func, name) {
                Some(i) => (Some(i), None),
                None => match info.find_global(name).or_else(|| {
                    (name == "sp")
                        .then(|| info.find_global("__stack_pointer"))
                        .flatten()
                }) {
                    Some(g) => (None, Some(g)),
                    None => return Err(format!("no local or global named {name:?}")),
                },
            },
        };
        let val = if let Some(i) = local {
            let locals = frame.num_locals(&mut *store).map_err(|e| e.to_string())?;
            if i >= locals {
                return Err(format!("no local {i}: the function has {locals}"));
            }
            frame.local(&mut *store, i).map_err(|e| e.to_string())?
        } else {
            let g = global.unwrap_or(0);
            let global = instance_of(store)
                .and_then(|inst| inst.debug_global(&mut *store, g))
                .ok_or_else(|| format!("no global {g}"))?;
            global.get(&mut *store)
        };
        number(&val)
    };
    expr.eval(&mut read)
}

fn number(val: &Val) -> Result<Num, String> {
    Ok(match val {
        Val::I32(v) => Num::Int32(*v),
        Val::I64(v) => Num::Int(*v),
        Val::F32(b) => Num::Float(f32::from_bits(*b) as f64),
        Val::F64(b) => Num::Float(f64::from_bits(*b)),
        _ => return Err("only numbers can be used in conditions".to_string()),
    })
}

/// A pause: reports it, then serves requests until one resumes the guest.
fn pause(shared: &Arc<Shared>, mut store: StoreContextMut<'_, Host>, reason: StopReason) {
    let pause = PauseId(shared.last_pause.fetch_add(1, Ordering::Relaxed) + 1);
    let mut paused = Paused::new(
        pause,
        shared.program.clone(),
        shared.modules.clone(),
        // After a failed host call, frame #0 is the guest function that made
        // the call, and wasmtime reports it waiting on the call.
        matches!(
            reason,
            StopReason::HostcallError(_) | StopReason::MemoryLimit(_)
        ),
    );
    let frame = guarded(|| paused.frame_info(&mut store, 0)).ok();
    let channel = lock(&shared.channel);
    channel.send(Response::Stopped(Stop {
        pause,
        reason,
        frame,
    }));
    loop {
        let request = match channel.recv() {
            Incoming::Request(request) => Some(request),
            // `maintenance panic worker`: panics below, inside the guard.
            Incoming::MaintenancePanic => None,
        };
        // A panic must not leave the debug handler: wasmtime calls it where
        // unwinding aborts the process. It becomes the request's error.
        let served = crate::panic_guard::quiet(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Served {
                let Some(request) = request else {
                    maintenance_panic()
                };
                // A request naming another pause is refused here, typed,
                // before any frame handle is touched (a named function
                // needs no frame to disassemble).
                if let Some(asked) = request.pause()
                    && asked != paused.pause
                    && !matches!(request, Request::Disassemble { func: Some(_), .. })
                {
                    return Served::Reply(Response::Error(super::frames::stale(
                        asked,
                        paused.pause,
                    )));
                }
                Served::Reply(match request {
                    Request::Continue => return Served::Resume,
                    Request::Step { over, count } => {
                        match guarded(|| start_step(shared, &mut store, &mut paused, over, count)) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::StepLine { over, until, count } => {
                        match guarded(|| {
                            start_line_step(shared, &mut store, &mut paused, over, until, count)
                        }) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Advance { frame, location } => {
                        match guarded(|| {
                            start_advance(shared, &mut store, &mut paused, frame, &location)
                        }) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Finish(frame) => {
                        match guarded(|| start_finish(shared, &mut store, &mut paused, frame)) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Detach => {
                        lock(&shared.control).detached = true;
                        start_killing(shared);
                        return Served::Quit;
                    }
                    Request::Run => {
                        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
                            let _ = edit.single_step(false);
                        }
                        start_killing(shared);
                        return Served::Quit;
                    }
                    Request::Disassemble { frame, func, all } => {
                        let at = match frame {
                            Some(f) => guarded(|| {
                                paused.check_pause(f.pause)?;
                                let f = paused.frame(&mut store, f.index)?;
                                Ok((f.module, f.func, f.pc))
                            })
                            .map(Some)
                            .map_err(|e| one_line(&e)),
                            None => Ok(None),
                        };
                        match at {
                            Ok(at) => disassemble(shared, at, func, all),
                            // A named function needs no frame (the frame
                            // only places the `=>` marker).
                            Err(_) if func.is_some() => disassemble(shared, None, func, all),
                            Err(e) => Response::invalid(e),
                        }
                    }
                    Request::CodeSource => Response::CodeSource(shared.code.clone()),
                    Request::Watch { frame, target } => {
                        match guarded(|| {
                            Ok(add_watch(shared, &mut store, &mut paused, frame, target))
                        }) {
                            Ok(Ok(info)) => Response::BreakpointSet(info),
                            Ok(Err(e)) => Response::invalid(e),
                            Err(e) => error_response(&e),
                        }
                    }
                    other => match breakpoint_request(shared, Some(&mut store), other) {
                        Ok(response) => response,
                        Err(other) => {
                            match guarded(|| {
                                Ok(super::inspect::serve(
                                    shared,
                                    &mut store,
                                    &mut paused,
                                    other,
                                ))
                            }) {
                                Ok(Ok(response)) => response,
                                Ok(Err(other)) => guarded(|| paused.serve(&mut store, other))
                                    .unwrap_or_else(|e| error_response(&e)),
                                Err(e) => error_response(&e),
                            }
                        }
                    },
                })
            }))
        });
        let response = match served {
            Ok(Served::Reply(response)) => response,
            Ok(Served::Resume) => break,
            Ok(Served::Quit) => {
                drop(channel);
                return;
            }
            Err(panic) => Response::error(
                ErrorKind::Internal,
                format!(
                    "internal error in the worker (a bug in wasmdbg): {}; the session goes on",
                    crate::panic_guard::message(&*panic)
                ),
            ),
        };
        channel.send(response);
    }
    resume(shared, &mut store);
    // Every FrameHandle of this pause is dropped with `paused`.
}

/// Turns single-step mode on or off for what comes next.
fn resume(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
    let stepping = lock(&shared.control)
        .step
        .as_ref()
        .is_some_and(|s| s.returning.is_none() && !matches!(s.kind, StepKind::Advance { .. }));
    set_single_step(shared, store, stepping);
    shared.interrupt.clear();
}

/// Turns single-step mode on or off.
///
/// Turning it off in a component loses the engine's other breakpoints on
/// wasmtime 48.0.8: `BreakpointEdit::single_step(false)` re-patches every
/// registered module, and a component's core modules share one code
/// memory, so a later module's pass undoes the breakpoints of an earlier
/// one (seen here: after `stepi`, a breakpoint in the component's main
/// module no longer fires). With more than one core module, each
/// breakpoint still set is removed down to a reference count of zero and
/// added back as often, which patches it in again.
fn set_single_step(shared: &Shared, store: &mut StoreContextMut<'_, Host>, on: bool) {
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        let _ = edit.single_step(on);
    }
    if on || !shared.program.is_multi() {
        return;
    }
    let is_set = |store: &mut StoreContextMut<'_, Host>, module: &wasmtime::Module, pc| {
        store
            .as_context()
            .breakpoints()
            .into_iter()
            .flatten()
            .any(|b| wasmtime::Module::same(&b.module, module) && b.pc == pc)
    };
    let set: Vec<(wasmtime::Module, wasmtime::ModulePC)> = store
        .as_context()
        .breakpoints()
        .into_iter()
        .flatten()
        .map(|b| (b.module, b.pc))
        .collect();
    for (module, pc) in set {
        let mut count = 0;
        // A site is referenced once per reason it is armed: a handful.
        while count < 64 && is_set(store, &module, pc) {
            if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
                let _ = edit.remove_breakpoint(&module, pc);
            }
            count += 1;
        }
        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
            for _ in 0..count {
                let _ = edit.add_breakpoint(&module, pc);
            }
        }
    }
}

fn start_step(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    over: bool,
    count: u64,
) -> Result<()> {
    if count == 0 {
        return Err(anyhow!("the count must be at least 1"));
    }
    let start_depth = paused.depth(store);
    let note = paused
        .frame(store, 0)
        .ok()
        .and_then(|f| shared.info(f.module).called_import(f.pc))
        .map(|(module, name)| {
            format!("stepped over the call to the imported function {module}.{name} (host code has no Wasm instructions)")
        });
    lock(&shared.control).step = Some(Step {
        kind: if over { StepKind::Over } else { StepKind::Into },
        remaining: count,
        start_depth,
        note,
        returning: None,
    });
    Ok(())
}

fn start_line_step(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    over: bool,
    until: bool,
    count: u64,
) -> Result<()> {
    let top = paused.frame(store, 0)?;
    let (module, pc) = (top.module, top.pc);
    let Some(debug) = shared.info(module).debug_info() else {
        return start_step(shared, store, paused, over, count);
    };
    if count == 0 {
        return Err(anyhow!("the count must be at least 1"));
    }
    let start_depth = paused.depth(store);
    let from = debug.location(pc).map(|l| (l.file, l.line));
    lock(&shared.control).step = Some(Step {
        kind: StepKind::Line(LineStep { over, until, from }),
        remaining: count,
        start_depth,
        note: None,
        returning: None,
    });
    Ok(())
}

fn start_advance(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    location: &str,
) -> Result<()> {
    paused.check_pause(frame.pause)?;
    paused.frame(store, frame.index)?;
    let (module, resolved) =
        breakpoints::resolve_in(&shared.program, location).map_err(|e| anyhow!("{e}"))?;
    let mut sites = Vec::new();
    for offset in std::iter::once(resolved.pc).chain(resolved.more) {
        let offset = slipped(shared, module, offset).map_err(|e| anyhow!("{e}"))?;
        sites.push(Pc { module, offset });
    }
    sites.sort_unstable();
    sites.dedup();
    let sites_copy = sites.clone();
    let depth = paused.depth(store);
    lock(&shared.control).step = Some(Step {
        kind: StepKind::Advance { sites },
        remaining: 1,
        start_depth: depth,
        note: None,
        returning: None,
    });
    // No single-stepping: engine breakpoints at the sites and after the
    // caller's call (when the caller is a frame of the module).
    arm_sites(shared, store, &sites_copy, true)?;
    if frame.index + 1 < depth {
        run_to_return(shared, store, frame.index + 1, depth - frame.index - 1);
    }
    Ok(())
}

fn start_finish(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
) -> Result<()> {
    paused.check_pause(frame.pause)?;
    let (module, func) = {
        let f = paused.frame(store, frame.index)?;
        (f.module, f.func)
    };
    let depth = paused.depth(store);
    let results = shared
        .info(module)
        .func(func)
        .map_or(0, |f| f.results.len());
    lock(&shared.control).step = Some(Step {
        kind: StepKind::Finish {
            target: depth - frame.index,
            module,
            func,
            results,
        },
        remaining: 1,
        start_depth: depth,
        note: None,
        returning: None,
    });
    // Run at full speed to the instruction after the caller's call, when
    // the caller is a frame of the module (else single-step to the end).
    if frame.index + 1 < depth {
        run_to_return(shared, store, frame.index + 1, depth - frame.index - 1);
    }
    Ok(())
}

/// What serving one request while paused leads to. (Lives for one request,
/// so the size of `Reply` does not matter.)
#[allow(clippy::large_enum_variant)]
enum Served {
    /// Answer and wait for the next request.
    Reply(Response),
    /// Resume the guest.
    Resume,
    /// The run is being abandoned (`run`).
    Quit,
}

/// Ends the worker thread with a panic whose message is not printed.
fn maintenance_panic() -> ! {
    crate::panic_guard::quiet(|| panic!("panic requested by `maintenance panic worker`"))
}

/// After the program ended: frames are refused, breakpoints edit the table,
/// `run` returns so the worker starts a new run.
pub(crate) fn serve_ended(shared: &Shared, channel: &Channel, outcome: &Outcome) {
    loop {
        let Incoming::Request(request) = channel.recv() else {
            maintenance_panic()
        };
        let response = match request {
            Request::Run => return,
            Request::Detach => {
                lock(&shared.control).detached = true;
                return;
            }
            Request::Continue
            | Request::Step { .. }
            | Request::StepLine { .. }
            | Request::Advance { .. }
            | Request::Finish(_) => Response::error(
                ErrorKind::NotPaused,
                format!("the program is not being run: it {outcome}"),
            ),
            Request::SetStopOnThrow(on) => {
                shared.stop_on_throw.store(on, Ordering::Relaxed);
                Response::Done
            }
            Request::Disassemble { func, all, .. } => disassemble(shared, None, func, all),
            Request::CodeSource => Response::CodeSource(shared.code.clone()),
            other => match breakpoint_request(shared, None, other) {
                Ok(response) => response,
                Err(_) => Response::error(
                    ErrorKind::NotPaused,
                    format!("the program is not paused: it {outcome}"),
                ),
            },
        };
        channel.send(response);
    }
}

/// Serves the breakpoint requests, settings and static facts, paused or
/// not. Any other request is handed back.
fn breakpoint_request(
    shared: &Shared,
    store: Option<&mut StoreContextMut<'_, Host>>,
    request: Request,
) -> Result<Response, Request> {
    let request = match super::facts::serve(&shared.program, &shared.code, request) {
        Ok(response) => return Ok(response),
        Err(other) => other,
    };
    let result = match request {
        Request::SetStopOnThrow(on) => {
            shared.stop_on_throw.store(on, Ordering::Relaxed);
            Ok(Response::Done)
        }
        Request::Break {
            location,
            temporary,
            condition,
        } => add_breakpoint(shared, store, &location, temporary, condition)
            .map(Response::BreakpointSet),
        Request::Delete(ids) => edit_breakpoints(shared, store, ids, Edit::Delete),
        Request::Enable(ids, on) => edit_breakpoints(shared, store, ids, Edit::Enable(on)),
        Request::Condition(id, text) => {
            let parsed = text.as_deref().map(parse_condition).transpose();
            parsed.and_then(|expr| {
                lock(&shared.control).table.get_mut(id)?.condition = expr;
                Ok(Response::Done)
            })
        }
        Request::Ignore(id, count) => lock(&shared.control).table.get_mut(id).map(|bp| {
            bp.ignore = count;
            Response::Done
        }),
        Request::Breakpoints => {
            let control = lock(&shared.control);
            let mut list: Vec<_> = control
                .table
                .iter()
                .map(|b| b.info(&shared.program))
                .collect();
            list.extend(control.table.watches.values().map(|w| w.info()));
            list.sort_by_key(|b| b.id);
            Ok(Response::Breakpoints(list))
        }
        other => return Err(other),
    };
    Ok(result.unwrap_or_else(Response::invalid))
}

/// Sets a breakpoint: resolves LOCATION, learns where the engine slips it
/// to, records it and, while paused, arms it in the running store.
pub(crate) fn add_breakpoint(
    shared: &Shared,
    store: Option<&mut StoreContextMut<'_, Host>>,
    location: &str,
    temporary: bool,
    condition: Option<String>,
) -> Result<super::protocol::BreakpointInfo, String> {
    let (module, resolved) = breakpoints::resolve_in(&shared.program, location)?;
    let condition = condition.as_deref().map(parse_condition).transpose()?;
    let pc = slipped(shared, module, resolved.pc)?;
    if shared.info(module).func_containing(pc) != Some(resolved.func) {
        return Err(format!(
            "no instruction at or after 0x{:x} in func[{}]",
            resolved.pc, resolved.func
        ));
    }
    let mut more = Vec::new();
    for &p in &resolved.more {
        let slipped = slipped(shared, module, p)?;
        if slipped != pc && !more.contains(&slipped) {
            more.push(slipped);
        }
    }
    let breakpoint = Breakpoint {
        id: 0,
        location: location.trim().to_string(),
        module,
        func: resolved.func,
        pc,
        more,
        source: resolved.source,
        note: resolved.note,
        requested: (pc != resolved.pc).then_some(resolved.pc),
        enabled: true,
        temporary,
        hits: 0,
        ignore: 0,
        condition,
    };
    if let Some(store) = store {
        arm_sites(shared, store, &breakpoint.sites(), true).map_err(|e| e.to_string())?;
    }
    let mut control = lock(&shared.control);
    let id = control.table.add(breakpoint);
    control.table.get_mut(id).map(|b| b.info(&shared.program))
}

/// Where the engine puts a breakpoint asked for at `pc` (the next place it
/// can stop at or after `pc`), learned from a store that never runs.
fn slipped(shared: &Shared, module: CoreModuleId, pc: usize) -> Result<usize, String> {
    let mut probe = lock(&shared.probe);
    let compiled = shared.module(module);
    let mut edit = probe.edit_breakpoints().ok_or("guest debugging is off")?;
    edit.add_breakpoint(compiled, module_pc(pc))
        .map_err(|e| e.to_string())?;
    drop(edit);
    let actual = probe
        .breakpoints()
        .into_iter()
        .flatten()
        .filter(|b| wasmtime::Module::same(&b.module, compiled))
        .map(|b| b.pc.raw() as usize)
        .filter(|p| *p >= pc)
        .min();
    if let Some(mut edit) = probe.edit_breakpoints() {
        let _ = edit.remove_breakpoint(compiled, module_pc(pc));
    }
    actual.ok_or_else(|| format!("no instruction at or after 0x{pc:x}"))
}

/// What `delete`, `enable` and `disable` do to a breakpoint or watchpoint.
#[derive(Clone, Copy)]
enum Edit {
    Delete,
    Enable(bool),
}

/// Applies `edit` to breakpoints and watchpoints `ids` (all when empty),
/// keeping the running store's armed engine breakpoints in step with the
/// table: one engine breakpoint per enabled breakpoint, one per site of an
/// enabled watchpoint.
fn edit_breakpoints(
    shared: &Shared,
    mut store: Option<&mut StoreContextMut<'_, Host>>,
    ids: Vec<u32>,
    edit: Edit,
) -> Result<Response, String> {
    let mut control = lock(&shared.control);
    let ids = if ids.is_empty() {
        let mut all = control.table.ids();
        all.extend(control.table.watches.keys());
        all
    } else {
        ids
    };
    for id in &ids {
        if !control.table.watches.contains_key(id) {
            control.table.get_mut(*id)?;
        }
    }
    for id in ids {
        let (was_on, sites) = match control.table.watches.get(&id) {
            Some(w) => (w.enabled, w.sites.clone()),
            None => {
                let bp = control.table.get_mut(id)?;
                (bp.enabled, bp.sites())
            }
        };
        let now_on = match edit {
            Edit::Delete => {
                if control.table.watches.remove(&id).is_none() {
                    control.table.remove(id)?;
                }
                false
            }
            Edit::Enable(on) => {
                match control.table.watches.get_mut(&id) {
                    Some(w) => w.enabled = on,
                    None => control.table.get_mut(id)?.enabled = on,
                }
                on
            }
        };
        if was_on != now_on
            && let Some(store) = store.as_deref_mut()
        {
            arm_sites(shared, store, &sites, now_on).map_err(|e| e.to_string())?;
        }
    }
    Ok(Response::Done)
}

/// Lines of a function's disassembly: the one at `at` (function, pc) or
/// named by `func`; a window of `WINDOW` lines each side of the pc unless
/// `all`.
fn disassemble(
    shared: &Shared,
    at: Option<(CoreModuleId, u32, usize)>,
    func: Option<String>,
    all: bool,
) -> Response {
    const WINDOW: usize = 12;
    let (module, func_index, pc) = match (func, at) {
        (Some(name), _) => match breakpoints::function_in(&shared.program, &name) {
            Ok((m, f)) => (m, f, None),
            Err(e) => return Response::invalid(e),
        },
        (None, Some((m, f, pc))) => (m, f, Some(pc)),
        (None, None) => {
            return Response::invalid(
                "the program is not paused: name a function (disassemble NAME)".to_string(),
            );
        }
    };
    let info = shared.info(module);
    let offsets = info.instruction_offsets(func_index);
    if offsets.is_empty() {
        return Response::invalid(format!(
            "func[{func_index}] is imported: it has no Wasm code"
        ));
    }
    let lines: Vec<DisasmLine> = offsets
        .iter()
        .map(|&o| DisasmLine {
            pc: o,
            text: info
                .instruction_text(o)
                .unwrap_or("<cannot print>")
                .to_string(),
            current: Some(o) == pc,
        })
        .collect();
    let (lines, omitted) = match lines.iter().position(|l| l.current) {
        Some(i) if !all && lines.len() > 2 * WINDOW + 1 => {
            let start = i.saturating_sub(WINDOW);
            let end = (i + WINDOW + 1).min(lines.len());
            let omitted = (start, lines.len() - end);
            (lines[start..end].to_vec(), omitted)
        }
        _ => (lines, (0, 0)),
    };
    Response::Disassembly {
        module_name: shared
            .program
            .is_multi()
            .then(|| shared.program.name(module).to_string()),
        func_index,
        func_name: info.func_name(func_index),
        lines,
        omitted,
    }
}

/// Reads a thrown exception's tag and payload.
fn read_exception(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    exn: &wasmtime::OwnedRooted<wasmtime::ExnRef>,
) -> Result<Exception> {
    let tag = exn.tag(&mut *store)?;
    let module = top_pc(shared, store).map_or(0, |(_, pc, _)| pc.module);
    let instance = shared.instance(store, module);
    let mut tag_index = None;
    if let Some(instance) = instance {
        for i in 0..u32::MAX {
            match instance.debug_tag(&mut *store, i) {
                Some(t) if wasmtime::Tag::eq(&t, &tag, &*store) => {
                    tag_index = Some(i);
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    let count = exn.ty(&*store)?.fields().len();
    let mut values = ValueReader::new(instance, shared.info(module).clone());
    let payload = (0..count)
        .map(|i| {
            let v = exn.field(&mut *store, i)?;
            Ok(values.read(store, &v))
        })
        .collect::<Result<Vec<Value>>>()?;
    Ok(Exception {
        tag_name: tag_index.and_then(|i| shared.info(module).tag_name(i)),
        tag_index,
        payload,
    })
}

/// Arms (or disarms) engine breakpoints at every site of a watchpoint.
pub(crate) fn arm_sites<T: 'static>(
    shared: &Shared,
    store: &mut StoreContextMut<'_, T>,
    sites: &[Pc],
    on: bool,
) -> Result<()> {
    let Some(mut edit) = store.as_context_mut().edit_breakpoints() else {
        return Ok(());
    };
    for pc in sites {
        let module = shared.module(pc.module);
        if on {
            edit.add_breakpoint(module, module_pc(pc.offset))?;
        } else {
            edit.remove_breakpoint(module, module_pc(pc.offset))?;
        }
    }
    Ok(())
}

/// Reads what a watchpoint watches, now.
fn read_watched(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
    target: &breakpoints::Watched,
) -> Result<super::protocol::WatchValue, String> {
    use super::protocol::WatchValue;
    let instance = shared
        .instance(store, module)
        .ok_or("the module is not instantiated yet")?;
    match target {
        breakpoints::Watched::Global(index) => {
            let global = instance
                .debug_global(&mut *store, *index)
                .ok_or_else(|| format!("no global {index}"))?;
            let val = global.get(&mut *store);
            let mut values = ValueReader::new(Some(instance), shared.info(module).clone());
            Ok(WatchValue::Value(values.read(store, &val)))
        }
        breakpoints::Watched::Memory { address, len, ty } => {
            let memory = instance
                .debug_memory(&mut *store, 0)
                .ok_or("the module has no (unshared) memory 0")?;
            let data = memory.data(&*store);
            let bytes = super::inspect::memory_range(data, 0, *address, *len)?;
            Ok(match ty {
                Some(ty) => WatchValue::Value(match ty.decode(bytes) {
                    Num::Int32(i) => Value::I32(i),
                    Num::Int(i) => Value::I64(i),
                    Num::Float(f) if ty.size() == 4 => Value::F32((f as f32).to_bits()),
                    Num::Float(f) => Value::F64(f.to_bits()),
                }),
                None => WatchValue::Bytes(bytes.to_vec()),
            })
        }
    }
}

/// Sets a watchpoint while paused: resolves what it watches, reads the
/// value, finds the instructions that can change it and arms the engine
/// right after each.
fn add_watch(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    spec: super::protocol::WatchSpec,
) -> Result<super::protocol::BreakpointInfo, String> {
    use super::protocol::WatchSpec;
    use crate::wasm::WriteTarget;
    paused.check_pause(frame.pause).map_err(|e| e.to_string())?;
    let super::frames::WasmFrame {
        handle,
        module,
        func,
        ..
    } = paused
        .frame(store, frame.index)
        .map_err(|e| e.to_string())?
        .clone();
    // ``MODULE`WHAT`` watches that core module's global or memory; the
    // address is still evaluated in the frame.
    let (watched_module, spec) = match &spec {
        WatchSpec::Expr(text) => match crate::wasm::program::split_qualifier(text) {
            Some((m, rest)) => (shared.program.find(m)?, WatchSpec::Expr(rest.to_string())),
            None => (module, spec),
        },
        WatchSpec::Range { .. } => (module, spec),
    };
    let info = shared.info(watched_module);
    let address_of = |store: &mut StoreContextMut<'_, Host>, text: &str| -> Result<u64, String> {
        match eval_in(shared, store, &handle, module, func, &Expr::parse(text)?)? {
            Num::Int32(a) => Ok(a as u32 as u64),
            Num::Int(a) if a >= 0 => Ok(a as u64),
            other => Err(format!("{other} is not a memory address")),
        }
    };
    let (what, target) = match &spec {
        WatchSpec::Range { address, len } => {
            if *len == 0 {
                return Err("the length must be at least 1".to_string());
            }
            let address = address_of(store, address)?;
            (
                format!("-l 0x{address:x} {len}"),
                breakpoints::Watched::Memory {
                    address,
                    len: *len,
                    ty: None,
                },
            )
        }
        WatchSpec::Expr(text) => {
            let text = text.trim();
            if let Some(rest) = text.strip_prefix('{') {
                let (ty, address) = rest
                    .split_once('}')
                    .ok_or("malformed watch: expected {TYPE} ADDRESS")?;
                let ty = super::expr::LoadType::parse(ty.trim())
                    .ok_or_else(|| format!("{:?} is not a load type", ty.trim()))?;
                let address = address_of(store, address)?;
                (
                    format!(
                        "{{{}}} 0x{address:x}",
                        rest.split_once('}').map_or("", |p| p.0).trim()
                    ),
                    breakpoints::Watched::Memory {
                        address,
                        len: ty.size() as u64,
                        ty: Some(ty),
                    },
                )
            } else {
                let index = match text.strip_prefix("$global").map(str::parse::<u32>) {
                    Some(Ok(i)) => Some(i),
                    _ => info.find_global(text),
                };
                match index {
                    Some(i) if (i as usize) < info.globals().len() => {
                        (text.to_string(), breakpoints::Watched::Global(i))
                    }
                    _ if info.find_local(func, text).is_some() => {
                        return Err(format!(
                            "cannot watch local {text}: only globals and memory can be watched"
                        ));
                    }
                    _ => {
                        return Err(format!(
                            "cannot watch {text:?}: expected a global's name, {{TYPE}} ADDRESS, or -l ADDRESS LEN"
                        ));
                    }
                }
            }
        }
    };
    let old = read_watched(shared, store, watched_module, &target)?;
    let sites: Vec<Pc> = info
        .write_sites(match target {
            breakpoints::Watched::Global(g) => WriteTarget::Global(g),
            breakpoints::Watched::Memory { .. } => WriteTarget::Memory,
        })
        .into_iter()
        .map(|offset| Pc {
            module: watched_module,
            offset,
        })
        .collect();
    arm_sites(shared, store, &sites, true).map_err(|e| e.to_string())?;
    let mut control = lock(&shared.control);
    let id = control.table.add_watch(breakpoints::Watch {
        id: 0,
        what,
        module: watched_module,
        target,
        sites,
        old,
        enabled: true,
        hits: 0,
    });
    Ok(control.table.watches[&id].info())
}
