//! Watchpoints: what they read, where they are armed (after every
//! instruction that can change the watched value), and the fast path that
//! compares without walking the stack while only watchpoints are armed.

use crate::error::{Error, invalid, not_found, unavailable};
use wasmtime::{DebugEvent, Result, StoreContextMut};

use super::breakpoint_requests::arm_sites;
use super::breakpoints;
use super::frames::Paused;
use super::machine::eval_in;
use super::protocol::{CoreModuleId, FrameRef, Pc, Value};
use super::state::{Host, Shared, core_error, lock};
use super::values::ValueReader;
use crate::program::expr::{Expr, Num};

/// The fast path of watchpoints: when only watchpoints are armed (no
/// breakpoint, no step, no entry stop), every breakpoint event is a watch
/// site, so compare the watched values without looking at the stack; the
/// event is consumed when none changed.
pub(crate) fn unchanged_watches(
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

/// After the debugger itself wrote a global or memory (`set var`, `set
/// {TYPE}`), every watchpoint's remembered value becomes what is there
/// now: the next stop then reports the change the program made, from the
/// value it started from, not the debugger's write.
pub(crate) fn refresh_watches(shared: &Shared, store: &mut StoreContextMut<'_, Host>) {
    let mut control = lock(&shared.control);
    for w in control.table.watches.values_mut() {
        if let Ok(now) = read_watched(shared, store, w.module, &w.target) {
            w.old = now;
        }
    }
}

/// Reads what a watchpoint watches, now.
pub(crate) fn read_watched(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
    target: &breakpoints::Watched,
) -> Result<super::protocol::WatchValue, Error> {
    use super::protocol::WatchValue;
    let instance = shared
        .instance(store, module)
        .ok_or_else(|| unavailable!("the module is not instantiated yet"))?;
    match target {
        breakpoints::Watched::Global(index) => {
            let global = instance
                .debug_global(&mut *store, *index)
                .ok_or_else(|| not_found!("no global {index}"))?;
            let val = global.get(&mut *store);
            let mut values = ValueReader::new(Some(instance), shared.info(module).clone());
            Ok(WatchValue::Value(values.read(store, &val)))
        }
        breakpoints::Watched::Memory { address, len, ty } => {
            let memory = instance
                .debug_memory(&mut *store, 0)
                .ok_or_else(|| unavailable!("the module has no (unshared) memory 0"))?;
            let data = memory.data(&*store);
            let bytes = super::target::memory_range(data, 0, *address, *len)?;
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
pub(crate) fn add_watch(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    spec: super::protocol::WatchSpec,
) -> Result<super::protocol::BreakpointInfo, Error> {
    use super::protocol::WatchSpec;
    use crate::program::WriteTarget;
    let super::frames::WasmFrame {
        handle,
        module,
        func,
        ..
    } = paused.frame_of(store, frame).map_err(|e| core_error(&e))?;
    // ``MODULE`WHAT`` watches that core module's global or memory; the
    // address is still evaluated in the frame.
    let (watched_module, spec) = match &spec {
        WatchSpec::Expr(text) => match crate::program::split_qualifier(text) {
            Some((m, rest)) => (shared.program.find(m)?, WatchSpec::Expr(rest.to_string())),
            None => (module, spec),
        },
        WatchSpec::Range { .. } => (module, spec),
    };
    let info = shared.info(watched_module);
    let address_of = |store: &mut StoreContextMut<'_, Host>, text: &str| -> Result<u64, Error> {
        eval_in(
            shared,
            store,
            &handle,
            module,
            func,
            &Expr::parse(text, &shared.lasting.history())?,
        )?
        .as_address()
    };
    let (what, target) = match &spec {
        WatchSpec::Range { address, len } => {
            if *len == 0 {
                return Err(invalid!("the length must be at least 1"));
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
                    .ok_or_else(|| invalid!("malformed watch: expected {{TYPE}} ADDRESS"))?;
                let ty = crate::program::expr::LoadType::parse(ty.trim())
                    .ok_or_else(|| invalid!("{:?} is not a load type", ty.trim()))?;
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
                        return Err(unavailable!(
                            "cannot watch local {text}: only globals and memory can be watched"
                        ));
                    }
                    _ => {
                        return Err(invalid!(
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
    arm_sites(shared, store, &sites, true).map_err(|e| core_error(&e))?;
    let mut control = lock(&shared.control);
    let id = control.table.add_watch(|id| breakpoints::Watch {
        id,
        what,
        module: watched_module,
        target,
        sites,
        old,
        enabled: true,
        hits: 0,
        condition: None,
        ignore: 0,
        hit_condition: None,
    });
    Ok(control.table.watches[&id].info())
}
