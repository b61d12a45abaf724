//! Reading frame #0 at an engine event, without a pause: its place
//! (`top_pc`), a Wasm expression over its locals and globals (`eval_in`, the
//! condition language's evaluator), a thrown exception's tag, payload and
//! whether a handler catches it. Used by the event decisions, watchpoints,
//! inspection and reverse execution alike.

use wasmtime::{FrameHandle, Result, StoreContextMut, Val};

use super::expr::{Expr, Num, Var};
use super::protocol::{CoreModuleId, Exception, Pc, Value};
use super::state::{Host, Shared};
use super::values::ValueReader;

/// Frame #0's handle and place, read straight from the engine (no frame
/// walk): its core module and pc.
pub(crate) fn top_pc(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
) -> Option<(FrameHandle, Pc, u32)> {
    let frame = store.debug_exit_frames().next()?;
    let (defined, pc) = frame.wasm_function_index_and_pc(&mut *store).ok()??;
    let module = if shared.modules.len() == 1 {
        CoreModuleId::FIRST
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
                let bytes = memory_range(data, 0, *address, ty.size() as u64)?;
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
    // A throw always has a frame; without one the first core module's
    // tags are the ones searched.
    let module = top_pc(shared, store).map_or(CoreModuleId::FIRST, |(_, pc, _)| pc.module);
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

/// `len` bytes of `data` (memory `memory`'s contents) from `address`.
///
/// # Errors
/// `cannot read N bytes at 0xA: memory M is S bytes (0xS)`.
pub(crate) fn memory_range(
    data: &[u8],
    memory: u32,
    address: u64,
    len: u64,
) -> Result<&[u8], String> {
    let size = data.len();
    usize::try_from(address)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(start, len)| data.get(start..start.checked_add(len)?))
        .ok_or_else(|| {
            format!("cannot read {len} bytes at 0x{address:x}: memory {memory} is {size} bytes (0x{size:x})")
        })
}
