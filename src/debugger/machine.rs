//! Reading frame #0 at an engine event, without a pause: its place
//! (`top_pc`), a Wasm expression over its locals and globals (`eval_in`,
//! for watchpoint addresses; conditions go through `inspect::evaluate_with`),
//! a thrown exception's tag, payload and whether a handler catches it.
//! Used by the event decisions, watchpoints, inspection and reverse
//! execution alike.

use crate::error::Error;
use wasmtime::{FrameHandle, Result, StoreContextMut};

use super::protocol::{CoreModuleId, Exception, Pc, Value};
use super::state::{Host, Shared};
use super::values::ValueReader;
use crate::program::expr::{Expr, Num};

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

/// Evaluates `expr` in `frame` (of function `func` of `module`), at an
/// engine event or a pause: [`super::target::eval_wasm`] over the live
/// store.
pub(crate) fn eval_in(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &FrameHandle,
    module: CoreModuleId,
    func: u32,
    expr: &Expr,
) -> Result<Num, Error> {
    let frame = super::frames::WasmFrame {
        handle: frame.clone(),
        module,
        func,
        // Wasm expressions do not read the pc.
        pc: 0,
    };
    super::target::eval_wasm(
        &mut super::live::LiveTarget::new(shared, store),
        &frame,
        expr,
    )
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
/// around its pc do ([`crate::program::handling`]). `Some(false)`: none does,
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
        match crate::program::handling(shared.info(frame.module), frame.func, frame.pc, tag_index) {
            crate::program::Handling::Passes => {}
            crate::program::Handling::Caught => return Some(true),
            crate::program::Handling::Unknown => return None,
        }
    }
    Some(false)
}
