//! The breakpoint requests, served paused or not: setting (with where the
//! engine slips a breakpoint to), deleting, enabling, conditions, ignore
//! counts; and keeping the running store's engine breakpoints in step with
//! the table.

use crate::debugger::protocol::BreakpointRequest;
use crate::error::{Error, invalid, not_found, unavailable};
use std::sync::Arc;

use wasmtime::{AsContextMut, Result, StoreContextMut};

use super::breakpoints::{self, Breakpoint};
use super::protocol::{CoreModuleId, Pc, Response, Selection};
use super::state::{Host, Shared, lock, module_pc};

/// Answers a breakpoint-table request, paused (`store`: the running
/// store, whose engine breakpoints follow the table) or not.
pub(crate) fn breakpoint_request(
    shared: &Shared,
    store: Option<&mut StoreContextMut<'_, Host>>,
    request: BreakpointRequest,
) -> Response {
    let result = match request {
        BreakpointRequest::Break {
            location,
            temporary,
            condition,
            hit_condition,
            log,
        } => add_breakpoint(
            shared,
            store,
            &location,
            temporary,
            condition,
            hit_condition,
            log,
        )
        .map(Response::BreakpointSet),
        BreakpointRequest::Delete(ids) => edit_breakpoints(shared, store, ids, Edit::Delete),
        BreakpointRequest::Enable(ids, on) => {
            edit_breakpoints(shared, store, ids, Edit::Enable(on))
        }
        BreakpointRequest::Condition(id, text) => {
            let parsed = text
                .as_deref()
                .map(|t| parse_condition(shared, t))
                .transpose();
            parsed.and_then(|expr| {
                let mut control = lock(&shared.control);
                match control.table.watches.get_mut(&id) {
                    Some(w) => w.condition = expr,
                    None => control.table.get_mut(id)?.condition = expr,
                }
                Ok(Response::Done)
            })
        }
        BreakpointRequest::Ignore(id, count) => {
            let mut control = lock(&shared.control);
            match control.table.watches.get_mut(&id) {
                Some(w) => {
                    w.ignore = count;
                    Ok(Response::Done)
                }
                None => control.table.get_mut(id).map(|bp| {
                    bp.ignore = count;
                    Response::Done
                }),
            }
        }
        BreakpointRequest::HitCondition(id, text) => text
            .as_deref()
            .map(breakpoints::HitCondition::parse)
            .transpose()
            .and_then(|hit| {
                let mut control = lock(&shared.control);
                match control.table.watches.get_mut(&id) {
                    Some(w) => w.hit_condition = hit,
                    None => control.table.get_mut(id)?.hit_condition = hit,
                }
                Ok(Response::Done)
            }),
        BreakpointRequest::Breakpoints => {
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
    };
    result.unwrap_or_else(Response::Error)
}

/// A breakpoint condition, parsed once (its value-history references
/// read now): a Wasm-level expression and/or one that the source (DWARF)
/// evaluator parses.
pub(crate) fn parse_condition(
    shared: &Shared,
    text: &str,
) -> Result<Arc<breakpoints::Condition>, Error> {
    breakpoints::Condition::parse(text, &shared.lasting.history()).map(Arc::new)
}

/// Sets a breakpoint: resolves LOCATION, learns where the engine slips it
/// to, records it and, while paused, arms it in the running store.
pub(crate) fn add_breakpoint(
    shared: &Shared,
    store: Option<&mut StoreContextMut<'_, Host>>,
    location: &str,
    temporary: bool,
    condition: Option<String>,
    hit_condition: Option<String>,
    log: Option<super::protocol::LogSpec>,
) -> Result<super::protocol::BreakpointInfo, Error> {
    let (module, resolved) = breakpoints::resolve_in(&shared.program, location)?;
    let condition = condition
        .as_deref()
        .map(|t| parse_condition(shared, t))
        .transpose()?;
    let hit_condition = hit_condition
        .as_deref()
        .map(breakpoints::HitCondition::parse)
        .transpose()?;
    let log = log
        .map(|spec| {
            super::logpoint::LogMessage::parse(
                spec,
                &shared.lasting.history(),
                resolved.source.clone(),
            )
        })
        .transpose()?;
    let pc = slipped(shared, module, resolved.pc)?;
    if shared.info(module).func_containing(pc) != Some(resolved.func) {
        return Err(not_found!(
            "no instruction at or after 0x{:x} in func[{}]",
            resolved.pc,
            resolved.func
        ));
    }
    let mut more = Vec::new();
    for &p in &resolved.more {
        let slipped = slipped(shared, module, p)?;
        if slipped != pc && !more.contains(&slipped) {
            more.push(slipped);
        }
    }
    let sites: Vec<Pc> = std::iter::once(pc)
        .chain(more.iter().copied())
        .map(|offset| Pc { module, offset })
        .collect();
    if let Some(store) = store {
        arm_sites(shared, store, &sites, true).map_err(|e| invalid!("{e}"))?;
    }
    let mut control = lock(&shared.control);
    let id = control.table.add(|id| Breakpoint {
        id,
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
        hit_condition,
        log,
    });
    control.table.get_mut(id).map(|b| b.info(&shared.program))
}

/// Where the engine puts a breakpoint asked for at `pc` (the next place it
/// can stop at or after `pc`), learned from a store that never runs.
pub(crate) fn slipped(shared: &Shared, module: CoreModuleId, pc: usize) -> Result<usize, Error> {
    let mut probe = lock(&shared.probe);
    let compiled = shared.module(module);
    let mut edit = probe
        .edit_breakpoints()
        .ok_or_else(|| unavailable!("guest debugging is off"))?;
    edit.add_breakpoint(compiled, module_pc(pc))
        .map_err(|e| invalid!("{e}"))?;
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
    actual.ok_or_else(|| not_found!("no instruction at or after 0x{pc:x}"))
}

/// What `delete`, `enable` and `disable` do to a breakpoint or watchpoint.
#[derive(Clone, Copy)]
pub(crate) enum Edit {
    Delete,
    Enable(bool),
}

/// Applies `edit` to breakpoints and watchpoints `which`,
/// keeping the running store's armed engine breakpoints in step with the
/// table: one engine breakpoint per enabled breakpoint, one per site of an
/// enabled watchpoint.
pub(crate) fn edit_breakpoints(
    shared: &Shared,
    mut store: Option<&mut StoreContextMut<'_, Host>>,
    which: Selection,
    edit: Edit,
) -> Result<Response, Error> {
    let mut control = lock(&shared.control);
    let ids = match which {
        Selection::All => {
            let mut all = control.table.ids();
            all.extend(control.table.watches.keys());
            all
        }
        Selection::Ids(ids) => ids,
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
            arm_sites(shared, store, &sites, now_on).map_err(|e| invalid!("{e}"))?;
        }
    }
    Ok(Response::Done)
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
