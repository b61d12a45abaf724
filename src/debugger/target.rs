//! [`Target`]: a stopped program's state as inspection reads it, whatever
//! holds it — a live pause (a run, or a replay, which is a run whose host
//! calls are answered from a trace: `live::LiveTarget`) or a core dump
//! (`postmortem::DumpTarget`). What reads that state is written once, here,
//! over the trait: Wasm expressions ([`eval_wasm`], the language of
//! conditions, `x` addresses and `print` without DWARF), `print`'s choice
//! between source variables and Wasm values ([`evaluate`]), memory reads
//! for `x` ([`examine`]), and the DWARF variables reader's view of a frame
//! ([`FrameMachine`]).
//!
//! A target answers in the protocol's owned values; a value it does not
//! have (a core dump wasmtime wrote records no locals) is an error saying
//! so, never a zero.

use super::protocol::{
    CoreModuleId, Examine, GlobalInfo, Local, LoggedValue, PrintOptions, Response, SourceValue,
    Value,
};
use crate::error::{Error, invalid, not_found, unavailable};
use crate::program::ModuleInfo;
use crate::program::Program;
use crate::program::expr::{Expr, Num, Var};
use crate::program::variables;

/// Where a frame is: its core module, function index (in that module's
/// function index space) and pc (a module offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// Its core module.
    pub module: CoreModuleId,
    /// Its function's index.
    pub func: u32,
    /// The current instruction, or for a frame waiting on a call, the call.
    pub pc: usize,
}

/// A stopped program's state.
pub(crate) trait Target {
    /// A frame as the target holds it.
    type Frame;

    /// What was loaded.
    fn program(&self) -> &Program;

    /// `print`'s value history, `$1` first, for the expression parser.
    fn history(&self) -> Vec<Num>;

    /// Where `frame` is.
    fn place(&self, frame: &Self::Frame) -> Place;

    /// How many locals `frame`'s function has, parameters included.
    ///
    /// # Errors
    /// A target that did not record the frame's locals (`Unavailable`,
    /// saying so).
    fn num_locals(&mut self, frame: &Self::Frame) -> Result<u32, Error>;

    /// How many values `frame`'s operand stack holds.
    ///
    /// # Errors
    /// A target that did not record the frame's operand stack
    /// (`Unavailable`, saying so).
    fn stack_depth(&mut self, frame: &Self::Frame) -> Result<u32, Error>;

    /// Local `index` of `frame`.
    ///
    /// # Errors
    /// No such local; a local the target did not record.
    fn local(&mut self, frame: &Self::Frame, index: u32) -> Result<Value, Error>;

    /// Operand stack entry `index` of `frame`, counted from the bottom.
    ///
    /// # Errors
    /// No such entry; an entry the target did not record.
    fn operand(&mut self, frame: &Self::Frame, index: u32) -> Result<Value, Error>;

    /// Global `index` of core module `module`'s instance.
    ///
    /// # Errors
    /// No instance of the module; no such global.
    fn global(&mut self, module: CoreModuleId, index: u32) -> Result<Value, Error>;

    /// The size in bytes of memory `memory` of `module`'s instance.
    ///
    /// # Errors
    /// No instance, no such memory, a memory the target cannot read (a
    /// shared one).
    fn memory_size(&mut self, module: CoreModuleId, memory: u32) -> Result<u64, Error>;

    /// `len` bytes of memory `memory` of `module` at `address`.
    ///
    /// # Errors
    /// As [`Target::memory_size`]; a range past the memory's end.
    fn read_memory(
        &mut self,
        module: CoreModuleId,
        memory: u32,
        address: u64,
        len: u64,
    ) -> Result<Vec<u8>, Error>;
}

/// Every local of `frame`, parameters first, with its name and declared
/// type from the module (`info locals` at the Wasm level, DAP's Locals
/// scope).
///
/// # Errors
/// The frame's locals, or one of them, not recorded by the target.
pub(crate) fn locals<T: Target + ?Sized>(t: &mut T, frame: &T::Frame) -> Result<Vec<Local>, Error> {
    let place = t.place(frame);
    let info = t.program().info(place.module).clone();
    (0..t.num_locals(frame)?)
        .map(|index| {
            Ok(Local {
                index,
                name: info.local_name(place.func, index).map(str::to_string),
                declared_type: info.local_type(place.func, index),
                value: t.local(frame, index)?,
            })
        })
        .collect()
}

/// `frame`'s operand stack, bottom to top (`info stack`).
///
/// # Errors
/// The stack, or one of its values, not recorded by the target.
pub(crate) fn operand_stack<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
) -> Result<Vec<Value>, Error> {
    (0..t.stack_depth(frame)?)
        .map(|i| t.operand(frame, i))
        .collect()
}

/// Every global of `module` the target holds, with its name and declared
/// type from the module (`info globals`); a global the target has no
/// value for is left out.
///
/// # Errors
/// The target has no instance of the module.
pub(crate) fn globals<T: Target + ?Sized>(
    t: &mut T,
    module: CoreModuleId,
) -> Result<Vec<GlobalInfo>, Error> {
    let info = t.program().info(module).clone();
    let mut globals = Vec::new();
    for index in 0..info.globals().len() as u32 {
        match t.global(module, index) {
            Ok(value) => globals.push(super::facts::global_info(&info, index, value)),
            Err(e) if e.kind == crate::error::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(globals)
}

/// A local or global a name stands for in Wasm expressions and `set var`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Named {
    /// Local by index.
    Local(u32),
    /// Global by index.
    Global(u32),
}

/// What `name` means in function `func` of `info`'s module: a local of that
/// name, else a global of that name, else for `sp` the `__stack_pointer`
/// global (LLVM's shadow stack pointer); `None` when nothing is so named.
pub(crate) fn named(info: &ModuleInfo, func: u32, name: &str) -> Option<Named> {
    if let Some(l) = info.find_local(func, name) {
        return Some(Named::Local(l));
    }
    info.find_global(name)
        .or_else(|| {
            (name == "sp")
                .then(|| info.find_global("__stack_pointer"))
                .flatten()
        })
        .map(Named::Global)
}

/// A Wasm number's value in expressions.
///
/// # Errors
/// A vector or reference value.
pub(crate) fn number(value: &Value) -> Result<Num, Error> {
    Ok(match value {
        Value::I32(v) => Num::Int32(*v),
        Value::I64(v) => Num::Int(*v),
        Value::F32(b) => Num::Float(f32::from_bits(*b) as f64),
        Value::F64(b) => Num::Float(f64::from_bits(*b)),
        _ => return Err(invalid!("only numbers can be used in expressions")),
    })
}

/// Evaluates `expr` over `frame`'s Wasm state: locals and globals by index
/// or name (see [`named`]), loads from memory 0 of the frame's module.
///
/// # Errors
/// A variable that cannot be read, and the evaluator's own errors.
pub(crate) fn eval_wasm<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
    expr: &Expr,
) -> Result<Num, Error> {
    let Place { module, func, .. } = t.place(frame);
    let mut read = |var: &Var| -> Result<Num, Error> {
        let named = match var {
            Var::Memory { ty, address } => {
                let bytes = t.read_memory(module, 0, *address, ty.size() as u64)?;
                return Ok(ty.decode(&bytes));
            }
            Var::Local(i) => Named::Local(*i),
            Var::Global(i) => Named::Global(*i),
            Var::Name(name) => named(t.program().info(module), func, name)
                .ok_or_else(|| not_found!("no local or global named {name:?}"))?,
        };
        let value = match named {
            Named::Local(i) => t.local(frame, i)?,
            Named::Global(g) => t.global(module, g)?,
        };
        number(&value)
    };
    expr.eval(&mut read)
}

/// `print`'s answer for `expr` in `frame` (the variables of inlined function
/// `inlined` of the pc's inline chain only, when given): a source value
/// (`Err((type, value))`) where DWARF describes the pc and the expression
/// names source variables, else the Wasm evaluation's number (`Ok`).
///
/// # Errors
/// Neither reading gave a value: the source evaluator's error when it read
/// the expression and failed there, else the Wasm evaluator's.
pub(crate) fn evaluate<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
    inlined: Option<usize>,
    expr: &Expr,
    print: &PrintOptions,
) -> Result<Result<Num, (String, SourceValue)>, Error> {
    let place = t.place(frame);
    let info = t.program().info(place.module).clone();
    // Without DWARF for this module the source evaluator has nothing to
    // say: no scope search.
    let source_error = if info.debug_info().is_some() {
        let mut machine = FrameMachine { t: &mut *t, frame };
        match variables::evaluate_parsed(&info, place.pc, inlined, &mut machine, expr, print) {
            Ok(Some(v)) => return Ok(Err(v)),
            Ok(None) => None,
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let wasm = eval_wasm(t, frame, expr);
    match (wasm, source_error) {
        (Ok(n), _) => Ok(Ok(n)),
        (Err(_), Some(source)) => Err(source),
        (Err(wasm), None) => Err(wasm),
    }
}

/// `x`: the memory `x` names (of `x.module`, else the frame's module) at
/// the address its expression gives in `frame`, as bytes or as strings.
///
/// # Errors
/// The expression's; no such memory; a range past its end.
pub(crate) fn examine<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
    x: &Examine,
) -> Result<Response, Error> {
    let expr = Expr::parse(&x.address, &t.history())?;
    let address = eval_wasm(t, frame, &expr)?.as_address()?;
    let module = match &x.module {
        Some(m) => super::facts::resolve(t.program(), m)?,
        None => t.place(frame).module,
    };
    let size = t.memory_size(module, x.memory)?;
    if let Some(n) = x.strings {
        let strings = read_strings(address, n, x.len, size, x.memory, |at, len| {
            t.read_memory(module, x.memory, at, len)
        })?;
        return Ok(Response::Memory {
            address,
            bytes: Vec::new(),
            strings,
        });
    }
    Ok(Response::Memory {
        address,
        bytes: t.read_memory(module, x.memory, address, x.len)?,
        strings: Vec::new(),
    })
}

/// The message for `len` bytes at `address` that do not fit in memory
/// `memory` of `size` bytes: one text for every target.
pub(crate) fn out_of_range(memory: u32, address: u64, len: u64, size: u64) -> Error {
    unavailable!(
        "cannot read {len} bytes at 0x{address:x}: memory {memory} is {size} bytes (0x{size:x})"
    )
}

/// A frame of a target as the DWARF variables reader sees it: Wasm values
/// as little-endian bytes, memory 0 of the frame's module.
pub(crate) struct FrameMachine<'t, 'f, T: Target + ?Sized> {
    /// The target.
    pub t: &'t mut T,
    /// The frame.
    pub frame: &'f T::Frame,
}

/// A number's little-endian bytes (4 for i32/f32, 8 for i64/f64).
fn value_bytes(v: &Value) -> Result<Vec<u8>, Error> {
    Ok(match v {
        Value::I32(x) => x.to_le_bytes().to_vec(),
        Value::I64(x) => x.to_le_bytes().to_vec(),
        Value::F32(bits) => bits.to_le_bytes().to_vec(),
        Value::F64(bits) => bits.to_le_bytes().to_vec(),
        _ => return Err(invalid!("a reference or vector value is not a number")),
    })
}

impl<T: Target + ?Sized> variables::Machine for FrameMachine<'_, '_, T> {
    fn local(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        value_bytes(&self.t.local(self.frame, index)?)
    }

    fn global(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        let module = self.t.place(self.frame).module;
        value_bytes(&self.t.global(module, index)?)
    }

    fn operand(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        value_bytes(&self.t.operand(self.frame, index)?)
    }

    fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error> {
        let module = self.t.place(self.frame).module;
        self.t.read_memory(module, 0, address, len)
    }
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
) -> Result<&[u8], Error> {
    let size = data.len();
    usize::try_from(address)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(start, len)| data.get(start..start.checked_add(len)?))
        .ok_or_else(|| out_of_range(memory, address, len, size as u64))
}

/// `count` NUL-terminated strings from `address` of a memory of `size`
/// bytes (memory `memory`, for messages), each read at most `max_len`
/// bytes long through `read(address, len)`: (address, bytes) each.
///
/// # Errors
/// A string that would start past the end of the memory; `read`'s errors.
pub(crate) fn read_strings(
    address: u64,
    count: u32,
    max_len: u64,
    size: u64,
    memory: u32,
    mut read: impl FnMut(u64, u64) -> Result<Vec<u8>, Error>,
) -> Result<Vec<(u64, Vec<u8>)>, Error> {
    let mut strings = Vec::new();
    let mut at = address;
    for _ in 0..count {
        if at >= size {
            return Err(unavailable!(
                "0x{at:x} is past the end of memory {memory} ({size} bytes)"
            ));
        }
        let bytes = read(at, (size - at).min(max_len))?;
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        strings.push((at, bytes[..end].to_vec()));
        at = at.saturating_add(end as u64 + 1);
    }
    Ok(strings)
}

/// The values of a dprintf's or logpoint's expressions at a hit in
/// `frame` (frame #0), as `print` reads them; a `%s` argument's string
/// read (up to [`super::logpoint::MAX_STRING`] bytes).
pub(crate) fn log_values<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
    message: &super::logpoint::LogMessage,
) -> smallvec::SmallVec<[Result<LoggedValue, String>; 4]> {
    let conversions = message.parts.parts.iter().filter_map(|p| match p {
        super::protocol::LogPart::Value { conversion, .. } => Some(conversion),
        super::protocol::LogPart::Text(_) => None,
    });
    message
        .exprs
        .iter()
        .zip(conversions)
        .map(|(expr, conversion)| {
            let string = conversion.as_ref().is_some_and(|c| c.letter == 's');
            let print = PrintOptions {
                elements: string
                    .then_some(super::logpoint::MAX_STRING)
                    .or(PrintOptions::default().elements),
                ..PrintOptions::default()
            };
            let numeric = conversion.is_some() && !string;
            evaluate(t, frame, None, expr, &print)
                .and_then(|v| match v {
                    Ok(n) => Ok(LoggedValue::Number(n)),
                    // A printf conversion formats the number: sent as one
                    // (nothing to allocate per hit).
                    Err((_, SourceValue::Unavailable(why))) if numeric => Err(invalid!("{why}")),
                    Err((_, SourceValue::OptimizedOut)) if numeric => {
                        Err(invalid!("optimized out"))
                    }
                    Err((type_name, value)) => Ok(match value.number() {
                        Some(n) if numeric => LoggedValue::Number(n),
                        _ => LoggedValue::Source {
                            type_name,
                            value: Box::new(value),
                        },
                    }),
                })
                .and_then(|v| {
                    if string {
                        string_of(t, frame, v)
                    } else {
                        Ok(v)
                    }
                })
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// A `%s` argument's text: a string value's bytes, else the
/// NUL-terminated string at the address the value is (`(null)` at 0).
fn string_of<T: Target + ?Sized>(
    t: &mut T,
    frame: &T::Frame,
    value: LoggedValue,
) -> Result<LoggedValue, Error> {
    let address = match value {
        LoggedValue::Source { value, type_name } => match *value {
            SourceValue::Pointer {
                string: Some(Ok(bytes)),
                ..
            }
            | SourceValue::Str { bytes, .. } => return Ok(LoggedValue::Text(bytes)),
            // As C reads a `char[N]`: up to its first NUL.
            SourceValue::CharArray(mut bytes) => {
                if let Some(nul) = bytes.iter().position(|b| *b == 0) {
                    bytes.truncate(nul);
                }
                return Ok(LoggedValue::Text(bytes));
            }
            SourceValue::Unavailable(why) => return Err(invalid!("{why}")),
            SourceValue::OptimizedOut => return Err(invalid!("optimized out")),
            SourceValue::Pointer { address, .. } => address,
            other => other
                .number()
                .ok_or_else(|| {
                    invalid!("a value of type {type_name} is not a string or an address")
                })?
                .as_address()?,
        },
        LoggedValue::Number(n) => n.as_address()?,
        LoggedValue::Text(bytes) => return Ok(LoggedValue::Text(bytes)),
    };
    if address == 0 {
        // As C libraries print a null `%s` (gdb too).
        return Ok(LoggedValue::Text(b"(null)".to_vec()));
    }
    let module = t.place(frame).module;
    let size = t.memory_size(module, 0)?;
    let mut strings = read_strings(
        address,
        1,
        super::logpoint::MAX_STRING,
        size,
        0,
        |at, len| t.read_memory(module, 0, at, len),
    )?;
    Ok(LoggedValue::Text(
        strings.pop().map(|(_, s)| s).unwrap_or_default(),
    ))
}
