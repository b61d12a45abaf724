//! Steps: `stepi`/`nexti`, source-line `step`/`next`/`until`, `finish`
//! and `advance`. A step runs in the worker: single-step mode stays on and
//! each event only counts (and compares stack depths) until the step is
//! done, so `stepi 1000000` makes no round trip per instruction; stepping
//! over a call, `finish` and `advance` run at full speed to an engine
//! breakpoint instead.

use crate::error::invalid;
use wasmtime::{AsContext, AsContextMut, Result, StoreContextMut};

use super::breakpoint_requests::{arm_sites, slipped};
use super::breakpoints;
use super::frames::Paused;
use super::protocol::{FrameRef, Pc};
use super::state::{Host, LineStep, Shared, Step, StepKind, lock, module_pc};

/// The body (module offsets) of the function containing `pc`.
pub(crate) fn body_at(shared: &Shared, pc: Pc) -> Option<std::ops::Range<usize>> {
    let info = shared.info(pc.module);
    let func = info.func_containing(pc.offset)?;
    info.func(func)?.body.clone()
}

/// Whether DWARF has line information for the function containing `pc`.
pub(crate) fn has_lines_at(shared: &Shared, pc: Pc) -> bool {
    match (shared.info(pc.module).debug_info(), body_at(shared, pc)) {
        (Some(debug), Some(body)) => debug.has_lines(body),
        _ => false,
    }
}

/// The instruction after the call that frame `index` is waiting on, and
/// the stack depth at which execution is back in that frame.
pub(crate) fn return_site(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    index: usize,
) -> Option<Pc> {
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
pub(crate) fn run_to_return(
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
pub(crate) fn disarm_return_site(shared: &Shared, store: &mut StoreContextMut<'_, Host>, site: Pc) {
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
pub(crate) fn end_step(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
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
pub(crate) fn line_step_stops(
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
pub(crate) fn depth(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> usize {
    values_reader(shared).depth(store)
}

/// A frame reader for the current event that is not a pause (no id).
pub(crate) fn values_reader(shared: &Shared) -> Paused {
    Paused::walk(shared.program.clone(), shared.modules.clone())
}

/// Turns single-step mode on or off for what comes next.
pub(crate) fn resume(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
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
/// module no longer fires). So when single-stepping really ends in a
/// program of several core modules, every breakpoint still set is removed
/// down to a reference count of zero and added back as often, which
/// patches it in again: one edit per round of removals (as many rounds as
/// the highest count, a handful) and one for the additions, since each
/// edit re-protects the code memory.
pub(crate) fn set_single_step(shared: &Shared, store: &mut StoreContextMut<'_, Host>, on: bool) {
    let was_on = store.as_context().is_single_step();
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        let _ = edit.single_step(on);
    }
    if on || !was_on || !shared.program.is_multi() {
        return;
    }
    type Site = (wasmtime::Module, wasmtime::ModulePC);
    let key = |(module, pc): &Site| (module.debug_index_in_engine(), pc.raw());
    let set_now = |store: &mut StoreContextMut<'_, Host>| -> Vec<Site> {
        store
            .as_context()
            .breakpoints()
            .into_iter()
            .flatten()
            .map(|b| (b.module, b.pc))
            .collect()
    };
    let mut remaining = set_now(store);
    let mut counts: Vec<(Site, usize)> = Vec::new();
    let mut round = 0;
    while !remaining.is_empty() && round < 64 {
        round += 1;
        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
            for (module, pc) in &remaining {
                let _ = edit.remove_breakpoint(module, *pc);
            }
        }
        let still: std::collections::HashSet<(u64, u32)> = set_now(store).iter().map(key).collect();
        let (kept, gone): (Vec<Site>, Vec<Site>) = remaining
            .into_iter()
            .partition(|site| still.contains(&key(site)));
        counts.extend(gone.into_iter().map(|site| (site, round)));
        remaining = kept;
    }
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        for ((module, pc), count) in &counts {
            for _ in 0..*count {
                let _ = edit.add_breakpoint(module, *pc);
            }
        }
    }
}

pub(crate) fn start_step(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    over: bool,
    count: u64,
) -> Result<()> {
    if count == 0 {
        return Err(invalid!("the count must be at least 1").into());
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

pub(crate) fn start_line_step(
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
        return Err(invalid!("the count must be at least 1").into());
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

pub(crate) fn start_advance(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    location: &str,
) -> Result<()> {
    paused.frame_of(store, frame)?;
    let (module, resolved) = breakpoints::resolve_in(&shared.program, location)?;
    let mut sites = Vec::new();
    for offset in std::iter::once(resolved.pc).chain(resolved.more) {
        let offset = slipped(shared, module, offset)?;
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

pub(crate) fn start_finish(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
) -> Result<()> {
    let (module, func) = {
        let f = paused.frame_of(store, frame)?;
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
