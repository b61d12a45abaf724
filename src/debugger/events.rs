//! Which engine events are pauses: traps, throws, failing host calls, user
//! breakpoints whose condition holds, the end of a step, watchpoints,
//! Ctrl-C; conditions and Wasm expressions evaluated at frame #0.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use wasmtime::{AsContextMut, DebugEvent, FrameHandle, Result, StoreContextMut, Val};
use wasmtime_wasi::I32Exit;

use super::breakpoint_requests::arm_sites;
use super::breakpoints;
use super::expr::{Expr, Num, Var};
use super::handler::pause;
use super::protocol::{CoreModuleId, Exception, Pc, StopReason, Value};
use super::state::{Host, Shared, guarded, killing, lock, module_pc, one_line, trap_message};
use super::stepping::{
    StepKind, depth, disarm_return_site, end_step, has_lines_at, line_step_stops, run_to_return,
    values_reader,
};
use super::values::ValueReader;
use super::watch::{read_watched, unchanged_watches};

pub(crate) fn on_event(
    shared: &Arc<Shared>,
    mut store: StoreContextMut<'_, Host>,
    event: DebugEvent<'_>,
) {
    if lock(&shared.control).reverse.is_some() {
        super::reverse::on_event(shared, store, event);
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
            match e.downcast_ref::<super::state::MemoryLimitReached>() {
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
                    caught: None,
                });
            *lock(&shared.last_exception) = Some(exception.clone());
            // An exception no handler catches ends the program: it pauses
            // like a trap even when throws do not.
            if !shared.stop_on_throw.load(Ordering::Relaxed) && exception.caught != Some(false) {
                return;
            }
            StopReason::Exception(exception)
        }
        DebugEvent::Trap(trap) => {
            let mut message = trap_message(&trap);
            // A replay that traps before the recording's last host call is
            // not the recorded run (e.g. instrumented frames exhausted the
            // stack at a smaller depth).
            if let Some(cursor) = &store.data().replay
                && cursor.next < cursor.trace.calls.len()
            {
                message.push_str(&format!(
                    " (the replay diverged: the recording made {} more host calls after this \
                     point, and {})",
                    cursor.trace.calls.len() - cursor.next,
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
pub(crate) fn top_pc(
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

/// Evaluates a condition in frame #0 (`frame`, at `pc` in function
/// `func`): over source variables when DWARF describes the pc and the
/// condition names them, else over Wasm values.
pub(crate) fn eval_condition(
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
        super::inspect::Parsed {
            wasm: &condition.wasm,
            source: &condition.source,
        },
        &super::protocol::PrintOptions::default(),
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

pub(crate) fn number(val: &Val) -> Result<Num, String> {
    Ok(match val {
        Val::I32(v) => Num::Int32(*v),
        Val::I64(v) => Num::Int(*v),
        Val::F32(b) => Num::Float(f32::from_bits(*b) as f64),
        Val::F64(b) => Num::Float(f64::from_bits(*b)),
        _ => return Err("only numbers can be used in conditions".to_string()),
    })
}

/// Reads a thrown exception's tag and payload.
pub(crate) fn read_exception(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    exn: &wasmtime::OwnedRooted<wasmtime::ExnRef>,
) -> Result<Exception> {
    let tag = exn.tag(&mut *store)?;
    let module = top_pc(shared, store).map_or(0, |(_, pc, _)| pc.module);
    let instance = shared.instance(store, module);
    let tag_index = tag_in(shared, store, module, &tag);
    let caught = caught(shared, store, &tag);
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
        caught,
    })
}

/// `tag`'s index in core module `module`'s tag index space, when the module
/// has it (defined or imported).
fn tag_in(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
    tag: &wasmtime::Tag,
) -> Option<u32> {
    let instance = shared.instance(store, module)?;
    for i in 0..u32::MAX {
        match instance.debug_tag(&mut *store, i) {
            Some(t) if wasmtime::Tag::eq(&t, tag, &*store) => return Some(i),
            Some(_) => {}
            None => return None,
        }
    }
    None
}

/// Whether a handler on the stack catches an exception of `tag` thrown at
/// frame #0: asks each frame's code, innermost first, what its handlers
/// around its pc do ([`crate::wasm::handling`]). `Some(false)`: none does,
/// it ends the program; `None`: cannot be told.
fn caught(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    tag: &wasmtime::Tag,
) -> Option<bool> {
    // A walk of its own: the pause has no id yet (it may not happen).
    let mut frames = super::frames::Paused::walk(shared.program.clone(), shared.modules.clone());
    for index in 0.. {
        let Ok(frame) = frames.frame(store, index).cloned() else {
            break;
        };
        let tag_index = tag_in(shared, store, frame.module, tag);
        match crate::wasm::handling(shared.info(frame.module), frame.func, frame.pc, tag_index) {
            crate::wasm::Handling::Passes => {}
            crate::wasm::Handling::Caught => return Some(true),
            crate::wasm::Handling::Unknown => return None,
        }
    }
    Some(false)
}
