//! Reading the paused program's state beyond frames: globals, memory and
//! table sizes, and memory contents for `x`.

use crate::error::{Error, ErrorKind, invalid, not_found, unavailable};
use wasmtime::{StoreContextMut, Val};

use super::frames::Paused;
use super::frames::WasmFrame;
use super::live::LiveTarget;
use super::protocol::{
    CoreModuleId, Examine, FrameRef, FramesRequest, Pc, PrintOptions, Response, SourceValue,
    Variable,
};
use super::state::{Host, Shared, core_error};
use super::target;
use super::values::ValueReader;
use crate::program::expr::{Expr, LoadType, Num, Var};
use crate::program::variables;
use wasmtime::FrameHandle;

/// Answers a frames request of the pause: backtraces and frame
/// descriptions from the pause's frame walk, locals and operand stacks
/// through the live [`Target`](super::target::Target).
///
/// # Errors
/// A frame of another pause or thread, or past the stack; what the engine
/// refuses.
pub(crate) fn serve_frames(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    request: FramesRequest,
) -> wasmtime::Result<Response> {
    Ok(match request {
        FramesRequest::Backtrace {
            pause,
            thread,
            limit,
            outermost,
        } => paused.backtrace(store, pause, thread, limit, outermost)?,
        FramesRequest::Frame(r) => paused.frame_response(store, r)?,
        FramesRequest::Locals(r) => {
            let frame = paused.frame_of(store, r)?;
            Response::Locals(target::locals(&mut LiveTarget::new(shared, store), &frame)?)
        }
        FramesRequest::Stack(r) => {
            let frame = paused.frame_of(store, r)?;
            Response::Stack(target::operand_stack(
                &mut LiveTarget::new(shared, store),
                &frame,
            )?)
        }
    })
}

/// Answers a request for the paused program's state.
pub(crate) fn serve(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    request: super::protocol::InspectRequest,
) -> Response {
    use super::protocol::InspectRequest as R;
    let resolve =
        |module: &super::protocol::ModuleRef| super::facts::resolve(&shared.program, module);
    match request {
        R::Globals { module } => match resolve(&module) {
            Ok(m) => match target::globals(&mut LiveTarget::new(shared, store), m) {
                Ok(globals) => Response::Globals(globals),
                Err(e) => Response::Error(e),
            },
            Err(e) => Response::Error(e),
        },
        R::MemorySizes { module } => match resolve(&module) {
            Ok(m) => memory_sizes(shared, store, m),
            Err(e) => Response::Error(e),
        },
        R::TableSizes { module } => match resolve(&module) {
            Ok(m) => table_sizes(shared, store, m),
            Err(e) => Response::Error(e),
        },
        R::Examine(x) => examine(shared, store, paused, &x).unwrap_or_else(Response::Error),
        R::TableElements {
            module,
            table,
            start,
            count,
        } => match resolve(&module) {
            Ok(m) => table_elements(shared, store, m, table, start, count),
            Err(e) => Response::Error(e),
        },
        R::Evaluate {
            frame, expr, print, ..
        } => match evaluate(shared, store, paused, frame, &expr, &print) {
            Ok(Ok(n)) => Response::Number(n),
            Ok(Err((ty, v))) => Response::SourceValue(ty, v),
            Err(e) => Response::Error(e),
        },
        R::SourceVariables {
            frame,
            args_only,
            print,
        } => match source_variables(shared, store, paused, frame, args_only, &print) {
            Ok(v) => Response::Variables(v),
            Err(e) => Response::Error(e),
        },
        R::SetVariable { frame, name, expr } => {
            set_variable(shared, store, paused, frame, &name, &expr)
                .map(|()| Response::Done)
                .unwrap_or_else(Response::Error)
        }
        R::SetMemory {
            frame,
            ty,
            address,
            expr,
        } => set_memory(shared, store, paused, frame, ty, &address, &expr)
            .map(|()| Response::Done)
            .unwrap_or_else(Response::Error),
    }
}

/// `module`'s facts and its instance in the current run; `None` before
/// the instance exists.
fn instance_of(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
) -> Option<(
    std::sync::Arc<crate::program::ModuleInfo>,
    wasmtime::Instance,
)> {
    let instance = shared.instance(store, module)?;
    Some((shared.info(module).clone(), instance))
}

/// The refusal for a module whose instance does not exist yet.
fn no_instance() -> Response {
    Response::error(ErrorKind::Unavailable, "the module is not instantiated yet")
}

/// The current size in bytes of each memory of `module`.
fn memory_sizes(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
) -> Response {
    let Some((info, instance)) = instance_of(shared, store, module) else {
        return no_instance();
    };
    Response::Sizes(
        (0..info.memories().len() as u32)
            .map(|i| {
                instance
                    .debug_memory(&mut *store, i)
                    .map(|m| m.data_size(&*store) as u64)
                    .or_else(|| {
                        instance
                            .debug_shared_memory(&mut *store, i)
                            .map(|m| m.data_size() as u64)
                    })
            })
            .collect(),
    )
}

/// The current size in elements of each table of `module`.
fn table_sizes(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
) -> Response {
    let Some((info, instance)) = instance_of(shared, store, module) else {
        return no_instance();
    };
    Response::Sizes(
        (0..info.tables().len() as u32)
            .map(|i| {
                instance
                    .debug_table(&mut *store, i)
                    .map(|t| t.size(&*store))
            })
            .collect(),
    )
}

/// Elements `start..start + count` of `table` of `module` (`x -t`).
fn table_elements(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    module: CoreModuleId,
    table: u32,
    start: u64,
    count: u64,
) -> Response {
    let Some((info, instance)) = instance_of(shared, store, module) else {
        return no_instance();
    };
    match instance.debug_table(&mut *store, table) {
        None => Response::error(
            ErrorKind::NotFound,
            match info.tables().len() {
                0 => "the module has no table".to_string(),
                n => format!("no table {table}: the module has {n} (0-{})", n - 1),
            },
        ),
        Some(t) => {
            let size = t.size(&*store);
            if start.saturating_add(count) > size {
                Response::invalid(format!(
                    "cannot read elements {start}..{} of table {table}: it has {size}",
                    start.saturating_add(count)
                ))
            } else {
                let mut values = ValueReader::new(Some(instance), info.clone());
                let elements = (start..start + count)
                    .filter_map(|i| {
                        let r = t.get(&mut *store, i)?;
                        Some((i, values.read(store, &Val::from(r))))
                    })
                    .collect();
                Response::Elements(elements)
            }
        }
    }
}

/// Reads memory for `x`: evaluates the address in the frame, checks the
/// range against the memory's current size.
fn examine(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    x: &Examine,
) -> Result<Response, Error> {
    let frame = paused
        .frame_of(store, x.frame)
        .map_err(|e| core_error(&e))?;
    target::examine(&mut LiveTarget::new(shared, store), &frame, x)
}

/// Evaluates `text` in a frame of this pause.
fn evaluate(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    text: &str,
    print: &PrintOptions,
) -> Result<Result<Num, (String, SourceValue)>, Error> {
    let WasmFrame {
        handle,
        module,
        func,
        pc,
    } = paused.frame_of(store, frame).map_err(|e| core_error(&e))?;
    evaluate_at(
        shared,
        store,
        &handle,
        (Pc { module, offset: pc }, frame.inlined),
        func,
        text,
        print,
    )
}

/// Evaluates `text` in `frame` (function `func` of `pc`'s module, at `pc`;
/// the variables of inlined function `at.1` of the pc's inline chain when
/// given): over source variables when DWARF describes `pc` (`Err((type, value))`),
/// else, or when it names no source variable and parses as one, as a Wasm
/// expression (`Ok(number)`).
pub(crate) fn evaluate_at(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &FrameHandle,
    at: (Pc, Option<usize>),
    func: u32,
    text: &str,
    print: &PrintOptions,
) -> Result<Result<Num, (String, SourceValue)>, Error> {
    let expr = Expr::parse(text, &shared.lasting.history())?;
    evaluate_with(shared, store, frame, at, func, &expr, print)
}

/// [`evaluate_at`] of an expression parsed before (a breakpoint condition
/// at each hit).
pub(crate) fn evaluate_with(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    frame: &FrameHandle,
    (pc, inlined): (Pc, Option<usize>),
    func: u32,
    expr: &Expr,
    print: &PrintOptions,
) -> Result<Result<Num, (String, SourceValue)>, Error> {
    let frame = WasmFrame {
        handle: frame.clone(),
        module: pc.module,
        func,
        pc: pc.offset,
    };
    target::evaluate(
        &mut LiveTarget::new(shared, store),
        &frame,
        inlined,
        expr,
        print,
    )
}

/// [`evaluate`] for a number (a source value must be an integer, char,
/// bool, enum, pointer or float).
fn evaluate_number(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    text: &str,
) -> Result<Num, Error> {
    match evaluate(shared, store, paused, frame, text, &PrintOptions::default())? {
        Ok(n) => Ok(n),
        Err((ty, v)) => v.number().ok_or_else(|| invalid!("a {ty} is not a number")),
    }
}

/// Whether a source value counts as true in a condition.
pub(crate) fn source_truthy(v: &SourceValue) -> bool {
    match v {
        SourceValue::Int { value, .. } => *value != 0,
        SourceValue::Char(n) => *n != 0,
        SourceValue::Unicode(c) => *c != 0,
        SourceValue::Bool(b) => *b,
        SourceValue::Float(f) => *f != 0.0,
        SourceValue::Float32(f) => *f != 0.0,
        SourceValue::Enum { value, .. } => *value != 0,
        SourceValue::Pointer { address, .. } => *address != 0,
        _ => true,
    }
}

fn source_variables(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    args_only: bool,
    print: &PrintOptions,
) -> Result<Option<Vec<Variable>>, Error> {
    let wasm = paused.frame_of(store, frame).map_err(|e| core_error(&e))?;
    let info = shared.info(wasm.module).clone();
    let mut machine = target::FrameMachine {
        t: &mut LiveTarget::new(shared, store),
        frame: &wasm,
    };
    variables::frame_variables(
        &info,
        wasm.pc,
        frame.inlined,
        &mut machine,
        args_only,
        print,
    )
}

/// `set var NAME = EXPR`: mutable globals only.
fn set_variable(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    name: &str,
    text: &str,
) -> Result<(), Error> {
    let (module, func) = paused
        .frame_of(store, frame)
        .map(|f| (f.module, f.func))
        .map_err(|e| core_error(&e))?;
    let info = shared.info(module).clone();
    let name = name.trim();
    if crate::program::expr::is_history_ref(name) {
        return Err(invalid!(
            "{name} is a value of the value history, not a variable (a local by index is $localN)"
        ));
    }
    // The variable as `print` reads it: `$local3`, `$global0`, `$calls` or
    // `calls`, `$sp`.
    let var = Expr::parse(name, &[]).ok().and_then(|e| e.as_var());
    let (is_local, global) = match &var {
        Some(Var::Local(_)) => (true, None),
        Some(Var::Global(i)) => (false, Some(*i)),
        Some(Var::Name(n)) => match target::named(&info, func, n) {
            Some(target::Named::Local(_)) => (true, None),
            Some(target::Named::Global(g)) => (false, Some(g)),
            None => (false, None),
        },
        _ => (false, None),
    };
    let Some(index) = global else {
        if is_local {
            return Err(unavailable!(
                "cannot write local {name}: wasmtime 48's debug API reads locals and the operand stack but cannot change them"
            ));
        }
        return Err(not_found!("no global named {name:?}"));
    };
    let decl = info
        .globals()
        .get(index as usize)
        .ok_or_else(|| not_found!("no global {index}"))?
        .clone();
    if !decl.mutable {
        return Err(invalid!(
            "global {name} is immutable (const); only mutable globals can be set"
        ));
    }
    let value = evaluate_number(shared, store, paused, frame, text)?;
    let val = match (decl.ty.as_str(), value) {
        ("i32", Num::Int32(i)) => Val::I32(i),
        ("i32", Num::Int(i)) if i32::try_from(i).is_ok() || u32::try_from(i).is_ok() => {
            Val::I32(i as i32)
        }
        ("i64", Num::Int32(i)) => Val::I64(i as i64),
        ("i64", Num::Int(i)) => Val::I64(i),
        ("f32", v) => Val::F32((as_float(v) as f32).to_bits()),
        ("f64", v) => Val::F64(as_float(v).to_bits()),
        (ty, v) => {
            return Err(invalid!(
                "type mismatch: cannot store {v} in global {name} of type {ty}"
            ));
        }
    };
    let instance = shared
        .instance(store, module)
        .ok_or_else(|| unavailable!("the module is not instantiated yet"))?;
    let global = instance
        .debug_global(&mut *store, index)
        .ok_or_else(|| not_found!("no global {index}"))?;
    global.set(&mut *store, val).map_err(|e| core_error(&e))
}

fn as_float(v: Num) -> f64 {
    match v {
        Num::Int32(i) => i as f64,
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// `set {TYPE} ADDR = EXPR`: a store into memory 0.
fn set_memory(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    frame: FrameRef,
    ty: LoadType,
    address: &str,
    text: &str,
) -> Result<(), Error> {
    let address = evaluate_number(shared, store, paused, frame, address)?.as_address()?;
    let bytes = ty.encode(evaluate_number(shared, store, paused, frame, text)?)?;
    let module = paused
        .frame_of(store, frame)
        .map(|f| f.module)
        .map_err(|e| core_error(&e))?;
    let instance = shared
        .instance(store, module)
        .ok_or_else(|| unavailable!("the module is not instantiated yet"))?;
    let memory = instance
        .debug_memory(&mut *store, 0)
        .ok_or_else(|| unavailable!("the module has no (unshared) memory 0"))?;
    let data = memory.data_mut(&mut *store);
    let size = data.len();
    let start = usize::try_from(address).unwrap_or(usize::MAX);
    let slot = start
        .checked_add(bytes.len())
        .and_then(|end| data.get_mut(start..end))
        .ok_or_else(|| {
            unavailable!(
                "cannot write {} bytes at 0x{address:x}: memory 0 is {size} bytes (0x{size:x})",
                bytes.len()
            )
        })?;
    slot.copy_from_slice(&bytes);
    Ok(())
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
    condition: &super::breakpoints::Condition,
) -> Result<bool, Error> {
    evaluate_with(
        shared,
        store,
        frame,
        (pc, None),
        func,
        &condition.expr,
        &super::protocol::PrintOptions::default(),
    )
    .map(|v| match v {
        Ok(n) => n.truthy(),
        Err((_, v)) => source_truthy(&v),
    })
}
