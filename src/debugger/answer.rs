//! Typed answers: each request's [`Response`] as the type it answers with,
//! and [`Session`]'s typed methods over them. A request's error is the
//! `Err`; an answer of any other shape — a wasmdbg bug — becomes an
//! [`ErrorKind::Internal`] error here, once, so no front end matches
//! responses or carries an "unexpected answer" arm.
//!
//! Front ends that record what they received (the `--json` console) send
//! the [`Request`] themselves and convert with the `Response::into_*`
//! methods; the others call the `Session` methods.

use super::Session;
use super::protocol::{
    BreakpointInfo, CodeSource, CoreFileWritten, ExportView, FactsRequest, FrameInfo, FrameRef,
    FramesRequest, FunctionView, GlobalInfo, InspectRequest, LineAt, LineInfo, Local, ModuleRef,
    ModuleSummary, ModuleView, Outcome, PauseId, Request, RequestsView, Response, Stop, ThreadId,
    Value, Variable,
};
use super::protocol::{DisasmLine, SourceValue, ValueChild};
use crate::error::{Error, ErrorKind};
use crate::program::dwarf::SourceLoc;
use crate::program::expr::Num;
use crate::program::{Import, MemoryDecl, Section, TableDecl};

/// A frame's listing, or why the target did not record it (a core dump
/// wasmtime wrote records no locals).
#[derive(Clone, Debug, PartialEq)]
pub enum Listed<T> {
    /// The values.
    Values(T),
    /// Not recorded: why.
    NotRecorded(String),
}

/// What a request that runs the program ended in.
#[derive(Clone, Debug, PartialEq)]
pub enum Ran {
    /// The program paused.
    Stopped(Box<Stop>),
    /// The program ended.
    Ended(Outcome),
}

/// A backtrace: frames innermost first, and the stack's depth when known.
#[derive(Clone, Debug, PartialEq)]
pub struct Backtrace {
    /// The frames.
    pub frames: Vec<FrameInfo>,
    /// The full depth, when known.
    pub total: Option<usize>,
}

/// What an evaluation answered: its value-history number when it was
/// recorded (`print`), and the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    /// `$N`, when the answer became value `N` of the history.
    pub history: Option<usize>,
    /// The value.
    pub value: EvalValue,
}

/// An evaluation's value.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalValue {
    /// Over Wasm values: a number.
    Number(Num),
    /// Over source variables: the C type and the value.
    Source(String, SourceValue),
}

/// What `x` read: from `address`, the bytes, and for a string examine the
/// strings (address, bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Examined {
    /// Start address.
    pub address: u64,
    /// The bytes read.
    pub bytes: Vec<u8>,
    /// The strings read.
    pub strings: Vec<(u64, Vec<u8>)>,
}

/// A function's disassembly, as [`Request::Disassemble`] answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Disassembled {
    /// Its core module's name, when the program has more than one.
    pub module_name: Option<String>,
    /// Function index.
    pub func_index: u32,
    /// Its name, when known.
    pub func_name: Option<String>,
    /// The lines shown.
    pub lines: Vec<DisasmLine>,
    /// Lines left out before and after the window.
    pub omitted: (usize, usize),
}

impl Response {
    /// An evaluation's answer (recorded or not).
    ///
    /// # Errors
    /// The request's error; any other answer (a bug) as
    /// [`ErrorKind::Internal`].
    pub fn into_evaluated(self) -> Result<Evaluated, Error> {
        let (history, value) = match self {
            Response::Printed { history, value } => (Some(history), *value),
            other => (None, other),
        };
        let value = match value {
            Response::Number(n) => EvalValue::Number(n),
            Response::SourceValue(ty, v) => EvalValue::Source(ty, v),
            other => return Err(other.not_expected()),
        };
        Ok(Evaluated { history, value })
    }

    /// This answer as an error: the request's own, or an internal error
    /// naming the answer that was not expected.
    pub fn not_expected(self) -> Error {
        match self {
            Response::Error(e) => e,
            other => Error::new(
                ErrorKind::Internal,
                format!("internal error: unexpected response {other:?}"),
            ),
        }
    }
}

/// `Response::$name(self) -> Result<$ty, Error>`: the answer of one shape.
macro_rules! answers {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty { $($pat:pat => $val:expr),+ $(,)? })*) => {
        impl Response {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                /// The request's error; any other answer (a bug) as
                /// [`ErrorKind::Internal`].
                pub fn $name(self) -> Result<$ty, Error> {
                    match self {
                        $($pat => Ok($val),)+
                        other => Err(other.not_expected()),
                    }
                }
            )*
        }
    };
}

answers! {
    /// A request with no data in its answer (`Done`).
    into_done -> () { Response::Done => () }
    /// [`FramesRequest::Backtrace`]'s answer.
    into_backtrace -> Backtrace {
        Response::Backtrace { frames, total } => Backtrace { frames, total }
    }
    /// [`FramesRequest::Frame`]'s answer.
    into_frame -> FrameInfo { Response::Frame(f) => f }
    /// [`FramesRequest::Locals`]'s answer.
    into_locals -> Listed<Vec<Local>> {
        Response::Locals(l) => Listed::Values(l),
        Response::NotRecorded(why) => Listed::NotRecorded(why),
    }
    /// [`FramesRequest::Stack`]'s answer.
    into_stack -> Listed<Vec<Value>> {
        Response::Stack(s) => Listed::Values(s),
        Response::NotRecorded(why) => Listed::NotRecorded(why),
    }
    /// The answer of a request that runs the program.
    into_ran -> Ran {
        Response::Stopped(stop) => Ran::Stopped(Box::new(stop)),
        Response::Ended(outcome) => Ran::Ended(outcome),
    }
    /// A breakpoint or watchpoint request's answer: the one set.
    into_breakpoint_set -> BreakpointInfo { Response::BreakpointSet(b) => b }
    /// `Breakpoints`' answer: the table.
    into_breakpoints -> Vec<BreakpointInfo> { Response::Breakpoints(b) => b }
    /// [`Request::Requests`]' answer.
    into_requests -> RequestsView { Response::Requests(v) => v }
    /// [`FactsRequest::Modules`]' answer: whether the program is a
    /// component, and its core modules.
    into_modules -> (bool, Vec<ModuleView>) {
        Response::Modules { component, modules } => (component, modules)
    }
    /// [`FactsRequest::Functions`]' answer.
    into_functions -> Vec<FunctionView> { Response::Functions(f) => f }
    /// [`FactsRequest::Imports`]' answer.
    into_imports -> Vec<Import> { Response::Imports(i) => i }
    /// [`FactsRequest::Exports`]' answer.
    into_exports -> Vec<ExportView> { Response::Exports(e) => e }
    /// [`FactsRequest::Sections`]' answer.
    into_sections -> Vec<Section> { Response::Sections(s) => s }
    /// [`FactsRequest::Memories`]' answer.
    into_memories -> Vec<MemoryDecl> { Response::Memories(m) => m }
    /// [`FactsRequest::Tables`]' answer.
    into_tables -> Vec<TableDecl> { Response::Tables(t) => t }
    /// [`FactsRequest::ModuleSummary`]'s answer.
    into_module_summary -> ModuleSummary { Response::ModuleSummary(s) => s }
    /// [`FactsRequest::SourceLocation`]'s answer.
    into_source_location -> SourceLoc { Response::SourceLocation(l) => l }
    /// [`FactsRequest::LineInfo`]'s answer.
    into_line_info -> LineInfo { Response::LineInfo(l) => l }
    /// [`FactsRequest::SourceFiles`]' answer.
    into_source_files -> Vec<String> { Response::SourceFiles(f) => f }
    /// [`FactsRequest::Instructions`]' answer: (module offset, text).
    into_instructions -> Vec<(usize, String)> { Response::Instructions(i) => i }
    /// [`Request::CodeSource`]'s answer.
    into_code_source -> CodeSource { Response::CodeSource(c) => c }
    /// [`InspectRequest::TableElements`]' answer: (index, value).
    into_elements -> Vec<(u64, Value)> { Response::Elements(e) => e }
    /// [`InspectRequest::SourceVariables`]' answer; `None` when DWARF has
    /// no function at the frame's pc.
    into_variables -> Option<Vec<Variable>> { Response::Variables(v) => v }
    /// [`InspectRequest::Globals`]' answer.
    into_globals -> Vec<GlobalInfo> { Response::Globals(g) => g }
    /// [`InspectRequest::MemorySizes`]' or `TableSizes`' answer.
    into_sizes -> Vec<Option<u64>> { Response::Sizes(s) => s }
    /// [`Request::GenerateCoreFile`]'s answer.
    into_core_file -> CoreFileWritten { Response::CoreFileWritten(w) => w }
    /// [`InspectRequest::Examine`]'s answer.
    into_examined -> Examined {
        Response::Memory { address, bytes, strings } => Examined { address, bytes, strings }
    }
    /// [`Request::Children`]' answer: the children in all, and the page.
    into_children -> (u64, Vec<ValueChild>) {
        Response::Children { total, children } => (total, children)
    }
    /// [`Request::Disassemble`]'s answer.
    into_disassembled -> Disassembled {
        Response::Disassembly { module_name, func_index, func_name, lines, omitted } => {
            Disassembled { module_name, func_index, func_name, lines, omitted }
        }
    }
}

/// Typed requests: each sends one [`Request`] and answers with its type.
impl Session {
    /// Frames of `pause` on `thread`: at most `limit`, innermost first, or
    /// with `outermost` the outermost `limit`.
    ///
    /// # Errors
    /// A stale pause, another thread, the program not paused.
    pub fn backtrace(
        &self,
        pause: PauseId,
        thread: ThreadId,
        limit: Option<usize>,
        outermost: bool,
    ) -> Result<Backtrace, Error> {
        self.request(Request::Frames(FramesRequest::Backtrace {
            pause,
            thread,
            limit,
            outermost,
        }))
        .into_backtrace()
    }

    /// Frame `frame`, described.
    ///
    /// # Errors
    /// A stale frame, past the stack.
    pub fn frame(&self, frame: FrameRef) -> Result<FrameInfo, Error> {
        self.request(Request::Frames(FramesRequest::Frame(frame)))
            .into_frame()
    }

    /// Frame `frame`'s Wasm locals.
    ///
    /// # Errors
    /// A stale frame, past the stack.
    pub fn locals(&self, frame: FrameRef) -> Result<Listed<Vec<Local>>, Error> {
        self.request(Request::Frames(FramesRequest::Locals(frame)))
            .into_locals()
    }

    /// Frame `frame`'s operand stack, bottom to top.
    ///
    /// # Errors
    /// A stale frame, past the stack.
    pub fn operand_stack(&self, frame: FrameRef) -> Result<Listed<Vec<Value>>, Error> {
        self.request(Request::Frames(FramesRequest::Stack(frame)))
            .into_stack()
    }

    /// Every global of `module` with its value.
    ///
    /// # Errors
    /// No such module; not instantiated.
    pub fn globals(&self, module: ModuleRef) -> Result<Vec<GlobalInfo>, Error> {
        self.request(Request::Inspect(InspectRequest::Globals { module }))
            .into_globals()
    }

    /// The breakpoint table.
    ///
    /// # Errors
    /// The worker is gone.
    pub fn breakpoints(&self) -> Result<Vec<BreakpointInfo>, Error> {
        self.request(Request::Breakpoint(
            super::protocol::BreakpointRequest::Breakpoints,
        ))
        .into_breakpoints()
    }

    /// Whether the program is a component, and its core modules.
    ///
    /// # Errors
    /// The worker is gone.
    pub fn modules(&self) -> Result<(bool, Vec<ModuleView>), Error> {
        self.request(Request::Facts(FactsRequest::Modules))
            .into_modules()
    }

    /// Where `location` (a function, `FILE:LINE`, ...) is in `module`'s
    /// source.
    ///
    /// # Errors
    /// An unknown location; no DWARF.
    pub fn source_location(&self, module: ModuleRef, location: String) -> Result<SourceLoc, Error> {
        self.request(Request::Facts(FactsRequest::SourceLocation {
            module,
            location,
        }))
        .into_source_location()
    }

    /// The line facts of `at` in `module`.
    ///
    /// # Errors
    /// An unknown location; no DWARF.
    pub fn line_info(&self, module: ModuleRef, at: LineAt) -> Result<LineInfo, Error> {
        self.request(Request::Facts(FactsRequest::LineInfo { module, at }))
            .into_line_info()
    }

    /// `module`'s source files (from DWARF).
    ///
    /// # Errors
    /// No DWARF.
    pub fn source_files(&self, module: ModuleRef) -> Result<Vec<String>, Error> {
        self.request(Request::Facts(FactsRequest::SourceFiles { module }))
            .into_source_files()
    }

    /// Instruction text of `module` from `offset`, `count` instructions.
    ///
    /// # Errors
    /// No such module; an offset outside its code.
    pub fn instructions(
        &self,
        module: ModuleRef,
        offset: usize,
        count: u32,
    ) -> Result<Vec<(usize, String)>, Error> {
        self.request(Request::Facts(FactsRequest::Instructions {
            module,
            offset,
            count,
        }))
        .into_instructions()
    }

    /// Source variables of `frame` (only its arguments with `args_only`);
    /// `None` when DWARF has no function at its pc.
    ///
    /// # Errors
    /// A stale frame; a DWARF that cannot be read.
    pub fn source_variables(
        &self,
        frame: FrameRef,
        args_only: bool,
        print: super::protocol::PrintOptions,
    ) -> Result<Option<Vec<Variable>>, Error> {
        self.request(Request::Inspect(InspectRequest::SourceVariables {
            frame,
            args_only,
            print,
        }))
        .into_variables()
    }

    /// Runs the program with `request` (continue, a step, run again):
    /// where it paused or how it ended.
    ///
    /// # Errors
    /// The request cannot run the program now (not paused, a core dump).
    pub fn resume(&self, request: Request) -> Result<Ran, Error> {
        self.request(request).into_ran()
    }
}
