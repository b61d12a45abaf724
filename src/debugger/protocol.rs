//! The typed protocol between the front end (REPL, batch runner, library
//! users) and the worker thread that owns the wasmtime `Store`.
//!
//! Everything here is owned data: no wasmtime type crosses the channel, so
//! a response can be printed, logged or compared in a test after the pause
//! it describes has ended.

use std::fmt;

pub use super::cache::CodeSource;

/// Identifies one pause of the guest. Every pause gets a new, larger id;
/// frames are named by (pause id, frame index) so that a frame from an
/// earlier pause can be recognised and refused.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PauseId(pub u64);

pub use crate::program::CoreModuleId;

pub use crate::program::Pc;

/// Names one frame of one pause: `index` 0 is the innermost Wasm frame;
/// `inlined` narrows it to one of the source functions DWARF places at the
/// frame's pc (the frame's [`FrameInfo::source`] list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FrameRef {
    /// The pause the frame belongs to.
    pub pause: PauseId,
    /// The thread whose stack it is on (absent in JSON input: the main
    /// thread).
    #[serde(default)]
    pub thread: ThreadId,
    /// 0 = innermost (the frame that was executing).
    pub index: usize,
    /// `None`: the whole Wasm frame (source variables of every scope at the
    /// pc, an inner one hiding an outer one of the same name). `Some(k)`:
    /// the k-th entry of the frame's source list — 0 the innermost inlined
    /// function, the last the Wasm function's own — whose variables alone
    /// are in scope for [`InspectRequest::SourceVariables`] and
    /// [`InspectRequest::Evaluate`]; Wasm-level requests (locals, operand stack)
    /// answer for the whole Wasm frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlined: Option<usize>,
}

impl FrameRef {
    /// Wasm frame `index` of `pause` on the main thread, as a whole (no
    /// inlined function singled out).
    pub fn new(pause: PauseId, index: usize) -> FrameRef {
        FrameRef {
            pause,
            thread: ThreadId::MAIN,
            index,
            inlined: None,
        }
    }
}

/// A thread of the program, numbered from 1 as gdb and DAP number them.
/// wasmtime 48 runs a program on one thread, [`ThreadId::MAIN`]; frames
/// and backtraces name their thread so that a threaded program needs no
/// other protocol. Written as the bare number in JSON and text.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ThreadId(pub u32);

impl ThreadId {
    /// The program's one thread today.
    pub const MAIN: ThreadId = ThreadId(1);
}

impl Default for ThreadId {
    /// [`ThreadId::MAIN`].
    fn default() -> ThreadId {
        ThreadId::MAIN
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A source value of a pause, named so that its children can be fetched
/// later, in pages ([`Request::Children`]): the source expression that
/// reads it in a frame, then child positions for values the expression
/// language cannot name (a map's entries, a wrapper's facts). Nothing is
/// held for it: the value is read again when its children are asked for,
/// and a handle from a pause that is over is refused as stale.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ValueRef {
    /// The frame the expression is evaluated in.
    pub frame: FrameRef,
    /// The source expression (a variable's name, `(s).corners`, `(v)[3]`,
    /// `*(p)`).
    pub expr: String,
    /// Then these children, by position from 0 (empty: the expression's
    /// value itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<u64>,
}

/// What a child of a source value is to its parent.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ChildName {
    /// A member or field, by name.
    Field(String),
    /// A positional field of a Rust tuple or tuple struct (`__0` in DWARF).
    Position(u64),
    /// An element of an array or container, by index from 0.
    Index(u64),
    /// A map entry's value, by its key.
    Key(SourceValue),
    /// What a pointer or reference points to.
    Target,
    /// A wrapper's fact (`strong`, `weak`, `borrow`), a number.
    Fact(String),
    /// The value a wrapper holds.
    Held,
}

/// One child of a source value ([`Response::Children`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ValueChild {
    /// What it is to its parent.
    pub name: ChildName,
    /// Its value, as a print reads it.
    pub value: SourceValue,
    /// The source expression that reads it, when the expression language
    /// has one (members, elements, targets; not map entries or facts).
    pub expr: Option<String>,
    /// Its own handle, when it has children.
    pub children: Option<ValueRef>,
}

/// A request from the front end to the worker.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Request {
    /// Walk or read a pause's frames.
    Frames(FramesRequest),
    /// Read or write the paused program's state.
    Inspect(InspectRequest),
    /// Edit or list the breakpoint table.
    Breakpoint(BreakpointRequest),

    /// Resume the guest until the next pause or the end of the program.
    Continue,
    /// Execute `count` instructions: into calls (`over == false`, stepi) or
    /// over them (`over == true`, nexti: count only instructions in the
    /// current frame or an outer one).
    Step {
        /// Over calls rather than into them.
        over: bool,
        /// How many instructions.
        count: u64,
    },
    /// Run until the given frame returns; the stop carries its results.
    Finish(FrameRef),
    /// Step by source line (`step`, `next`, `until`): run until a line
    /// starts (an is_stmt row). `over`: calls are stepped over; else a call
    /// into a function with line information stops after its prologue, and
    /// one without is stepped over. `until`: in the starting frame, only a
    /// line greater than the current one stops (loops run to their end).
    /// Returning from the frame stops too. Without line information at the
    /// pc's module, the same as [`Request::Step`].
    StepLine {
        /// Over calls rather than into them.
        over: bool,
        /// `until`'s rule.
        until: bool,
        /// How many lines.
        count: u64,
    },
    /// Run until LOCATION (as for `Break`) is reached, or `frame` returns
    /// (gdb's `advance` and `until LOCATION`).
    Advance {
        /// The frame whose return also stops.
        frame: FrameRef,
        /// Where to stop.
        location: String,
    },
    /// Start the program again from scratch (a fresh store and instance);
    /// breakpoints are kept.
    Run,
    /// Go back in a replay session (`reverse-*`): answered by the stop
    /// where it arrives, as `Run` is.
    Reverse(Reverse),
    /// Switch pausing at an event of this kind on or off.
    SetStopOn(StopEvent, bool),

    /// Set a watchpoint: stop right after an instruction changes a global
    /// or a range of memory 0.
    Watch {
        /// The frame the address expression is evaluated in.
        frame: FrameRef,
        /// What to watch.
        target: WatchSpec,
    },

    /// `wasmdbg serve`'s requests: the one in flight, the latest
    /// answered (`info requests`).
    Requests,
    /// A static fact of the program, answered paused or not, live or from a
    /// core dump.
    Facts(FactsRequest),
    /// Where the module's machine code came from (compiled or cache).
    CodeSource,
    /// End the session: the run is abandoned and the worker thread ends.
    /// The worker acts as if it got this when the [`Session`] is dropped.
    /// Never answered.
    ///
    /// [`Session`]: crate::debugger::Session
    Detach,

    /// Children `start..start + count` (all when `count` is `None`) of a
    /// source value, answered with [`Response::Children`] by the
    /// [`super::Session`], which reads the value again through
    /// [`InspectRequest::Evaluate`] (so a page may reach past the `print
    /// elements` limit, up to 100,000 elements).
    Children {
        /// The value.
        value: ValueRef,
        /// The first child, from 0.
        start: u64,
        /// How many.
        count: Option<u64>,
    },

    /// The instructions of a function: the selected frame's (`func: None`)
    /// or the one named; a window around the pc unless `all`.
    Disassemble {
        /// The selected frame, when paused.
        frame: Option<FrameRef>,
        /// A function location (name, `func[N]`), instead of the frame's.
        func: Option<String>,
        /// Every instruction rather than a window around the pc.
        all: bool,
    },
    /// Write the paused program as a core dump to `path` (gdb's
    /// `generate-core-file`): the tool-conventions format with every
    /// frame's locals and operand stack. `name` is the dump's process name
    /// (the program's file name).
    GenerateCoreFile {
        /// The pause to dump.
        pause: PauseId,
        /// Where to write it (created or truncated).
        path: std::path::PathBuf,
        /// The process name in the `core` section.
        name: String,
    },
}

/// A core module as a request names it: by the id the core gave out, or as
/// a user typed it (an index or a name from `info modules`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModuleRef {
    /// By id.
    Id(CoreModuleId),
    /// As typed.
    Name(String),
}

/// One core module of the program, as `info modules` shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModuleView {
    /// Its id.
    pub id: CoreModuleId,
    /// Its name (component name section, its own name section, or
    /// `module N`).
    pub name: String,
    /// The size of its binary in bytes.
    pub bytes: usize,
    /// Functions in its function index space.
    pub functions: u32,
    /// How many of them are imported.
    pub imported_functions: u32,
    /// Whether it has DWARF sections.
    pub dwarf: bool,
}

/// What [`FactsRequest::LineInfo`] looks up.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LineAt {
    /// A location as for `break` (qualified or searched in every module).
    Location(String),
    /// A module offset in the request's module.
    Offset(usize),
}

/// The answer to `info line`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LineInfo {
    /// Said about how the location was resolved (a line without code).
    pub note: Option<String>,
    /// The module offsets the line starts at (several for a line that
    /// starts at several places); the first is the one looked up.
    pub places: Vec<usize>,
    /// The source line there, when the line tables have one.
    pub line: Option<crate::program::dwarf::SourceLoc>,
    /// Where that line's row starts.
    pub row_start: Option<usize>,
}

/// A core module in numbers, as `info module` shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModuleSummary {
    /// Its id.
    pub id: CoreModuleId,
    /// Its name in the program (`info modules`), when the program has more
    /// than one core module.
    pub program_name: Option<String>,
    /// The size of its binary in bytes.
    pub bytes: usize,
    /// The name its own name section gives it.
    pub name: Option<String>,
    /// (defined and imported, imported) counts of functions, tables,
    /// memories and globals.
    pub functions: (u32, u32),
    /// Tables.
    pub tables: (usize, usize),
    /// Memories.
    pub memories: (usize, usize),
    /// Globals.
    pub globals: (usize, usize),
    /// Exports.
    pub exports: usize,
    /// It has a `name` section.
    pub name_section: bool,
    /// What its debug information is.
    pub debug: DebugSummary,
    /// Where the program's machine code came from; `None` for a core dump
    /// (nothing was compiled).
    pub code: Option<CodeSource>,
}

/// A core module's debug information.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum DebugSummary {
    /// DWARF that could be read.
    Dwarf(crate::program::dwarf::DwarfSummary),
    /// DWARF sections that could not be read; why.
    Unreadable(String),
    /// None.
    None,
}

/// One function of a core module, as `info functions` shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionView {
    /// Function index.
    pub index: u32,
    /// Its name (name section, demangled; else an export name).
    pub name: Option<String>,
    /// Imported from (module, name); `None` for a defined function.
    pub import: Option<(String, String)>,
    /// Parameter types as the text format writes them.
    pub params: Vec<String>,
    /// Result types.
    pub results: Vec<String>,
    /// Size of its body in bytes, for a defined function.
    pub code_bytes: Option<usize>,
}

/// One export of a core module.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportView {
    /// The export name.
    pub name: String,
    /// What it exports.
    pub kind: crate::program::ExportKind,
    /// Its index in that kind's index space.
    pub index: u32,
    /// For a function, its name.
    pub func_name: Option<String>,
}

/// What `x` reads.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Examine {
    /// The frame the address expression is evaluated in.
    pub frame: FrameRef,
    /// The core module whose memory to read; `None`: the frame's.
    pub module: Option<ModuleRef>,
    /// Memory index (`-m N`; 0 by default).
    pub memory: u32,
    /// The address: an expression over the frame (see `expr`).
    pub address: String,
    /// Bytes to read; for `strings`, the most to read per string.
    pub len: u64,
    /// Read NUL-terminated strings instead: how many.
    pub strings: Option<u32>,
}

/// A global as `info globals` shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GlobalInfo {
    /// Global index.
    pub index: u32,
    /// Name section name, else export name.
    pub name: Option<String>,
    /// Value type.
    pub ty: String,
    /// `mut` or not.
    pub mutable: bool,
    /// Imported from (module, name).
    pub import: Option<(String, String)>,
    /// Current value.
    pub value: Value,
}

/// What `watch` watches, as typed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum WatchSpec {
    /// A global's name (`counter`, `$global0`) or a typed memory location
    /// (`{i32} 0x1000`).
    Expr(String),
    /// `watch -l ADDRESS LEN`: LEN bytes of memory from ADDRESS (an
    /// expression).
    Range {
        /// The address expression.
        address: String,
        /// How many bytes.
        len: u64,
    },
}

/// A watched value before or after a change.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum WatchValue {
    /// A global's or a typed location's value.
    Value(Value),
    /// The bytes of a watched range.
    Bytes(Vec<u8>),
}

/// A breakpoint or watchpoint: gdb's number, from 1 in the order they
/// were set (breakpoints and watchpoints share the numbering), never
/// reused while the program is loaded (a worker restarted after it died
/// starts a new table). Written as the bare number in JSON and text.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct BreakpointId(pub u32);

impl std::fmt::Display for BreakpointId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for BreakpointId {
    type Err = Error;

    /// A breakpoint number as typed (`3`).
    fn from_str(text: &str) -> Result<BreakpointId, Error> {
        text.trim()
            .parse()
            .map(BreakpointId)
            .map_err(|_| crate::error::invalid!("{text:?} is not a breakpoint number"))
    }
}

/// The requests that walk and read a pause's frames (`bt`, `frame`,
/// `locals`, `stack`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum FramesRequest {
    /// Frames `0..limit` (all when `None`) of the given pause, innermost
    /// first; with `outermost`, the last `limit` frames instead (still
    /// innermost first, with their own numbers), which walks the whole stack.
    Backtrace {
        /// The pause whose stack to walk.
        pause: PauseId,
        /// The thread whose stack it is (absent in JSON input: the main
        /// thread).
        #[serde(default)]
        thread: ThreadId,
        /// At most this many frames.
        limit: Option<usize>,
        /// Count `limit` from the outermost frame (gdb's `bt -N`).
        outermost: bool,
    },
    /// One frame's location.
    Frame(FrameRef),
    /// One frame's locals.
    Locals(FrameRef),
    /// One frame's operand stack, bottom to top.
    Stack(FrameRef),
}

/// The requests that read or write the paused program's state beyond its
/// frames: globals, memory and tables, expressions and source variables.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum InspectRequest {
    /// Every global of a core module with its current value (paused only).
    Globals {
        /// The core module.
        module: ModuleRef,
    },
    /// The current size in bytes of every memory of a core module (paused
    /// only); `None` for one the debugger cannot read (shared).
    MemorySizes {
        /// The core module.
        module: ModuleRef,
    },
    /// The current size in elements of every table of a core module
    /// (paused only).
    TableSizes {
        /// The core module.
        module: ModuleRef,
    },
    /// Read memory (`x`).
    Examine(Examine),
    /// Read table elements (`x -t N`).
    TableElements {
        /// The core module whose table it is.
        module: ModuleRef,
        /// Table index.
        table: u32,
        /// First element.
        start: u64,
        /// How many.
        count: u64,
    },
    /// The selected frame's source variables from DWARF (`info locals`,
    /// `info args`, `frame variable`).
    SourceVariables {
        /// The frame.
        frame: FrameRef,
        /// Only the function's parameters.
        args_only: bool,
        /// How values are shown.
        print: PrintOptions,
    },
    /// Evaluate an expression in a frame (`print`). With DWARF at the
    /// frame's pc, a C-like expression over source variables (answered
    /// with [`Response::SourceValue`]); otherwise, or when it names no
    /// source variable, over Wasm locals and globals ([`Response::Number`]).
    Evaluate {
        /// The frame whose locals it reads.
        frame: FrameRef,
        /// The expression (`$N`, `$`, `$$N` name value-history entries,
        /// read by the parser: see [`crate::program::expr`]).
        expr: String,
        /// How a source value is shown.
        print: PrintOptions,
        /// A `print`: a number it answers becomes the next value-history
        /// entry, and the answer is [`Response::Printed`] (a hover or a
        /// watch expression is not recorded).
        #[serde(default)]
        record: bool,
    },
    /// `set var NAME = EXPR` for a global (locals cannot be written).
    SetVariable {
        /// The frame the value is evaluated in.
        frame: FrameRef,
        /// A global's name, `$globalN`, or a local (refused).
        name: String,
        /// The new value.
        expr: String,
    },
    /// `set {TYPE} ADDR = EXPR`: write linear memory 0.
    SetMemory {
        /// The frame the expressions are evaluated in.
        frame: FrameRef,
        /// What to store.
        ty: crate::program::expr::LoadType,
        /// The address expression.
        address: String,
        /// The value expression.
        expr: String,
    },
}

/// The requests that edit or list the breakpoint table (watchpoints are
/// set with [`Request::Watch`], which needs a paused frame).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum BreakpointRequest {
    /// Set a breakpoint at LOCATION (see `breakpoints::resolve`).
    Break {
        /// The location as typed.
        location: String,
        /// Delete it when first hit (`tbreak`).
        temporary: bool,
        /// Stop only when this expression is true.
        condition: Option<String>,
        /// Stop only when the hit count (hits with the condition true)
        /// meets this: `5` (the fifth hit), `>= 5`, `> 5`, `< 5`, `<= 5`,
        /// `% 5` (js-debug's syntax; `breakpoints::HitCondition` says what
        /// each means).
        #[serde(default)]
        hit_condition: Option<String>,
        /// Instead of stopping, print this message at each hit and go on
        /// (gdb's `dprintf`, DAP's logpoints).
        #[serde(default)]
        log: Option<LogSpec>,
    },
    /// Delete breakpoints and watchpoints.
    Delete(Selection),
    /// Enable (`true`) or disable breakpoints and watchpoints.
    Enable(Selection, bool),
    /// Set or (with `None`) remove a breakpoint's condition.
    Condition(BreakpointId, Option<String>),
    /// Ignore the next `count` hits of a breakpoint.
    Ignore(BreakpointId, u64),
    /// Set or (with `None`) remove the hit condition of a breakpoint or
    /// watchpoint (the same syntax as [`BreakpointRequest::Break`]'s).
    HitCondition(BreakpointId, Option<String>),
    /// List the breakpoints.
    Breakpoints,
}

/// The requests for the program's static facts (`info modules`,
/// `info functions`, `list` locations, `x/i`, ...): every target answers
/// them the same way, from the program model, whether the program is
/// paused, has ended or is a core dump.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FactsRequest {
    /// The program's core modules (`info modules`).
    Modules,
    /// A core module's functions whose name matches `filter` (a regular
    /// expression; all without one).
    Functions {
        /// The core module.
        module: ModuleRef,
        /// A regular expression over the function names.
        filter: Option<String>,
    },
    /// A core module's imports.
    Imports {
        /// The core module.
        module: ModuleRef,
    },
    /// A core module's exports.
    Exports {
        /// The core module.
        module: ModuleRef,
    },
    /// The sections of a core module's binary.
    Sections {
        /// The core module.
        module: ModuleRef,
    },
    /// A core module's memories as declared.
    Memories {
        /// The core module.
        module: ModuleRef,
    },
    /// A core module's tables as declared.
    Tables {
        /// The core module.
        module: ModuleRef,
    },
    /// A core module in numbers (`info module`).
    ModuleSummary {
        /// The core module.
        module: ModuleRef,
    },
    /// Where a `list` location is: `FILE:LINE` (the file as the line
    /// tables name it) or a function (its line after the prologue), in
    /// `module` unless the location is qualified (a function is looked up
    /// in every module).
    SourceLocation {
        /// The core module for `FILE:LINE`.
        module: ModuleRef,
        /// The location as typed.
        location: String,
    },
    /// The source line at a location or a module offset (`info line`).
    LineInfo {
        /// The core module for an offset.
        module: ModuleRef,
        /// What to look up.
        at: LineAt,
    },
    /// The source files a core module's line tables name (`info sources`).
    SourceFiles {
        /// The core module.
        module: ModuleRef,
    },
    /// `count` instructions from a module offset (`x/i`).
    Instructions {
        /// The core module.
        module: ModuleRef,
        /// Module offset; the listing starts at the first instruction at or
        /// after it, in the function that contains it.
        offset: usize,
        /// How many.
        count: u32,
    },
}

/// An event that pauses the program by itself and that a front end can
/// turn off ([`Request::SetStopOn`]; gdb's `set stop-on-throw`, DAP's
/// exception filters). All pause by default, except that a session's
/// [`crate::debugger::RunConfig::stop_on_throw`] decides for throws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StopEvent {
    /// An exception thrown where a handler catches it. One that no handler
    /// catches always pauses: it ends the program.
    Throw,
    /// A trap. Off, the run ends with it, as under `wasmtime run`.
    Trap,
    /// A failed host call. Off, the run ends with it, as under `wasmtime
    /// run`. (Reaching `--max-memory` always pauses.)
    HostcallError,
}

/// Which breakpoints and watchpoints a request edits.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Selection {
    /// Every one (`delete`, `disable`, `enable` without numbers).
    All,
    /// These (an empty list edits none).
    Ids(Vec<BreakpointId>),
}

impl Selection {
    /// `ids` as typed after `delete`, `disable` or `enable`: none means all.
    pub fn typed(ids: Vec<BreakpointId>) -> Selection {
        if ids.is_empty() {
            Selection::All
        } else {
            Selection::Ids(ids)
        }
    }
}

/// A breakpoint as the front end shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BreakpointInfo {
    /// Its number.
    pub id: BreakpointId,
    /// The location (or for a watchpoint, what it watches) as typed.
    pub location: String,
    /// Whether it stops the program.
    pub enabled: bool,
    /// Deleted when hit.
    pub temporary: bool,
    /// Times hit (with its condition true), or times the watched value
    /// changed.
    pub hits: u64,
    /// Hits still ignored.
    pub ignore: u64,
    /// Its condition, as typed.
    pub condition: Option<String>,
    /// Its hit condition, as typed (`>= 5`).
    pub hit_condition: Option<String>,
    /// What it prints instead of stopping (`dprintf`, logpoints).
    pub log: Option<LogSpec>,
    /// A breakpoint in code, or a watchpoint.
    pub kind: BreakpointKind,
}

/// What a `dprintf` or logpoint prints at each hit, as the front end gave
/// it. Every expression is one that `print` takes, evaluated in frame #0
/// at the hit.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LogSpec {
    /// gdb's `dprintf`: a C printf format (its backslash escapes already
    /// decoded) and one expression per conversion. The conversions are
    /// `%d %i %u %x %X %o %c %s %f %F %e %E %g %G %p %%`, with C's flags,
    /// width, precision and length modifiers; integers are C's 32-bit
    /// `int` unless `ll` or `j` says 64 bits (`long` is 32 bits on
    /// wasm32). No newline is added.
    Printf {
        /// The format.
        format: String,
        /// The arguments, one per conversion.
        args: Vec<String>,
    },
    /// A DAP logpoint's `logMessage`: text in which `{EXPRESSION}` is
    /// replaced by the value as `print` shows it (`{{` and `}}` are
    /// braces); printed as one line.
    Message(String),
}

/// One printf conversion of a [`LogSpec::Printf`] format, as C's printf
/// reads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conversion {
    /// As written, from `%` to the conversion letter (`%-8.3f`, `%lld`).
    pub spec: String,
    /// The conversion letter (`d`, `s`, `p`, ...).
    pub letter: char,
    /// Flag `-`: padded on the right.
    pub left: bool,
    /// Flag `0`: a number padded with zeros after its sign.
    pub zero: bool,
    /// Flag `+`: a signed number always has a sign.
    pub plus: bool,
    /// Flag ` `: a space where a positive signed number has no sign.
    pub space: bool,
    /// Flag `#`: the alternative form (`0x` before hex, a leading `0` in
    /// octal, a decimal point kept in a float).
    pub alt: bool,
    /// The minimum width, in bytes (at most 1,024).
    pub width: u32,
    /// The precision (at most 1,024): an integer's minimum digits, a
    /// float's digits after the point (`%g`: significant digits), a
    /// string's maximum bytes.
    pub precision: Option<u32>,
    /// The bits an integer argument is converted to first, as C passes it:
    /// 8 (`hh`), 16 (`h`), 32 (no length, `l`, `z`, `t`: wasm32's `int`,
    /// `long` and `size_t`) or 64 (`ll`, `j`, `q`).
    pub bits: u32,
}

/// A `dprintf` or logpoint hit ([`Event::Logged`]): its message and the
/// value of each of its expressions at the hit. A front end formats it
/// (`render::logged`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Logged {
    /// The breakpoint that was hit.
    pub breakpoint: BreakpointId,
    /// The message, as read when the breakpoint was set (shared by every
    /// hit, not copied).
    pub message: std::sync::Arc<LogMessageParts>,
    /// The value of each of the message's expressions, in order (one per
    /// [`LogPart::Value`]), or why it could not be read (the evaluator's
    /// message). Held inline up to four: a hit allocates nothing for
    /// numbers (figure 9).
    pub values: smallvec::SmallVec<[Result<LoggedValue, String>; 4]>,
}

/// A `dprintf`'s or logpoint's message as read when it was set.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogMessageParts {
    /// Where the breakpoint is: its source line, when DWARF gives one.
    pub source: Option<crate::program::dwarf::SourceLoc>,
    /// A printf format (printed as formatted, no newline added), or a
    /// logpoint's message (printed as one line).
    pub printf: bool,
    /// The message, in order.
    pub parts: Vec<LogPart>,
}

/// A part of a [`LogMessageParts`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LogPart {
    /// Text as written (a format's `%%` already `%`).
    Text(String),
    /// An expression read at each hit.
    Value {
        /// The expression, as typed.
        expr: String,
        /// The printf conversion it is shown with; `None`: as `print`
        /// shows it (a logpoint's `{EXPRESSION}`).
        conversion: Option<Conversion>,
    },
}

/// A value in a [`Logged`] message.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LoggedValue {
    /// A Wasm-level number (no DWARF at the pc, or a Wasm expression).
    Number(crate::program::expr::Num),
    /// A source value and its type (a logpoint's `{EXPRESSION}`; a printf
    /// conversion's number comes as a [`LoggedValue::Number`]).
    Source {
        /// Its type as the source writes it.
        type_name: String,
        /// The value.
        value: Box<SourceValue>,
    },
    /// A `%s` argument: the bytes of the NUL-terminated string at the
    /// address it evaluated to (memory 0; at most 4,096), or a string
    /// value's bytes.
    Text(Vec<u8>),
}

/// What a [`BreakpointInfo`] describes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum BreakpointKind {
    /// A breakpoint at places in code.
    Code(CodeBreakpoint),
    /// A watchpoint on a global or memory of a core module.
    Watch {
        /// The core module whose global or memory it watches.
        module: CoreModuleId,
        /// How many instruction sites it checks after.
        sites: usize,
    },
}

/// Where a breakpoint in code is.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CodeBreakpoint {
    /// The core module it is in.
    pub module: CoreModuleId,
    /// That module's name, when the program has more than one.
    pub module_name: Option<String>,
    /// Function index.
    pub func_index: u32,
    /// The function's name, when known.
    pub func_name: Option<String>,
    /// Module offset where it really is (wasmtime slips a breakpoint that is
    /// not on an instruction boundary forward).
    pub pc: usize,
    /// The offset asked for, when the engine moved it.
    pub requested: Option<usize>,
    /// More places the breakpoint stops at (a source line that starts at
    /// several places), ascending.
    pub more: Vec<usize>,
    /// The source line it was set at, when DWARF resolved it.
    pub source: Option<crate::program::dwarf::SourceLoc>,
    /// A note on how its location was resolved.
    pub note: Option<String>,
}

/// One line of a disassembly.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DisasmLine {
    /// Module offset of the instruction.
    pub pc: usize,
    /// The instruction as Wasm text.
    pub text: String,
    /// It is the frame's current instruction.
    pub current: bool,
}

/// Which of the guest's output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OutputStream {
    /// Its stdout.
    Stdout,
    /// Its stderr.
    Stderr,
}

/// Something that happened, delivered in order with the responses: all of
/// a run's output comes before the stop or end that follows it, and a stop,
/// end or breakpoint change comes just before the response that reports it,
/// so a front end can be driven by events alone.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// The guest wrote to its stdout or stderr. The core never writes the
    /// guest's output anywhere itself: the front end decides.
    Output {
        /// Which stream.
        stream: OutputStream,
        /// The bytes, as written.
        bytes: Vec<u8>,
    },
    /// The program paused (also the answer of the request that ran it).
    Stopped(Box<Stop>),
    /// The program ended (also the answer of the request that ran it).
    Ended(Box<Outcome>),
    /// The breakpoint table changed (set, deleted, enabled, conditioned,
    /// ignored, or a temporary breakpoint was hit and deleted): ask
    /// [`BreakpointRequest::Breakpoints`] for it.
    BreakpointsChanged,
    /// `wasmdbg serve` listens: its address (`127.0.0.1:8080`, the port
    /// filled in when 0 was asked). Sent once, while loading.
    Serving {
        /// The bound address.
        addr: String,
    },
    /// A request `wasmdbg serve` ran on plain code failed (it trapped, or
    /// answered 5xx with `--record`), or a successful one's trace was kept
    /// (`--keep`): what became of its recording. Sent before the replay's
    /// pause, when it is replayed.
    RequestRecorded(Box<RequestRecord>),
    /// Something the debugger says outside any request (`serve`: why
    /// requests run instrumented).
    Note(String),
    /// A `dprintf` or logpoint was hit: its message (the program goes on).
    Logged(Box<Logged>),
}

/// What `wasmdbg serve` did with one request's recording
/// ([`Event::RequestRecorded`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RequestRecord {
    /// The request.
    pub request: RequestInfo,
    /// How its run on plain code ended (`trapped: integer divide by
    /// zero`, `returned`).
    pub ended: String,
    /// The status it was answered with (`None`: not answered yet, while
    /// it is replayed).
    pub status: Option<u16>,
    /// Host calls recorded.
    pub calls: u64,
    /// Where its trace was written (`--record DIR`).
    pub trace: Option<std::path::PathBuf>,
    /// Where its core dump was written, or why it could not be: at the
    /// replayed trap, with `--record DIR`.
    pub core_file: Option<Result<std::path::PathBuf, String>>,
    /// Writing the trace failed: why.
    pub trace_error: Option<String>,
    /// It was interrupted (Ctrl-C, `--timeout`, the end of the session):
    /// a replay pauses at the first call or loop after its last recorded host call, since how
    /// far it ran after that is not recorded.
    pub interrupted: bool,
    /// It is replayed under the debugger to where it failed, and pauses
    /// there.
    pub replayed: bool,
    /// Why its replay did not pause where the recording failed.
    pub replay_error: Option<String>,
}

/// The worker's answer to one [`Request`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Response {
    /// Answer to [`FramesRequest::Backtrace`]; `total` is the stack's depth when the
    /// walk reached the end of it, `None` when `limit` stopped it first.
    Backtrace {
        /// The frames, innermost first.
        frames: Vec<FrameInfo>,
        /// The full depth when known.
        total: Option<usize>,
    },
    /// Answer to [`FramesRequest::Frame`].
    Frame(FrameInfo),
    /// Answer to [`FramesRequest::Locals`].
    Locals(Vec<Local>),
    /// Answer to [`FramesRequest::Stack`]: values bottom to top.
    Stack(Vec<Value>),
    /// The guest paused (answer to [`Request::Continue`], or the first event
    /// after start).
    Stopped(Stop),
    /// The program ended (answer to [`Request::Continue`], or the first event
    /// after start).
    Ended(Outcome),
    /// A setting was changed, or breakpoints were deleted/enabled.
    Done,
    /// A breakpoint was set.
    BreakpointSet(BreakpointInfo),
    /// Answer to [`Request::Requests`].
    Requests(RequestsView),
    /// Answer to [`FactsRequest::Modules`].
    Modules {
        /// The program is a component (else a core module).
        component: bool,
        /// Its core modules.
        modules: Vec<ModuleView>,
    },
    /// Answer to [`FactsRequest::Functions`].
    Functions(Vec<FunctionView>),
    /// Answer to [`FactsRequest::Imports`].
    Imports(Vec<crate::program::Import>),
    /// Answer to [`FactsRequest::Exports`].
    Exports(Vec<ExportView>),
    /// Answer to [`FactsRequest::Sections`].
    Sections(Vec<crate::program::Section>),
    /// Answer to [`FactsRequest::Memories`].
    Memories(Vec<crate::program::MemoryDecl>),
    /// Answer to [`FactsRequest::Tables`].
    Tables(Vec<crate::program::TableDecl>),
    /// Answer to [`FactsRequest::ModuleSummary`].
    ModuleSummary(ModuleSummary),
    /// Answer to [`FactsRequest::SourceLocation`].
    SourceLocation(crate::program::dwarf::SourceLoc),
    /// Answer to [`FactsRequest::LineInfo`].
    LineInfo(LineInfo),
    /// Answer to [`FactsRequest::SourceFiles`], sorted.
    SourceFiles(Vec<String>),
    /// Answer to [`FactsRequest::Instructions`]: (module offset, text) pairs.
    Instructions(Vec<(usize, String)>),
    /// Answer to [`Request::CodeSource`].
    CodeSource(CodeSource),
    /// Answer to [`InspectRequest::TableElements`]: (index, value) pairs.
    Elements(Vec<(u64, Value)>),
    /// Answer to a recorded [`InspectRequest::Evaluate`] that was a number: its
    /// value-history number (`$N`) and the answer ([`Response::Number`] or
    /// [`Response::SourceValue`]). Made by the [`super::Session`].
    Printed {
        /// The history number.
        history: usize,
        /// The answer.
        value: Box<Response>,
    },
    /// Answer to [`Request::Children`]: how many children the value has in
    /// all, and the page asked for.
    Children {
        /// Children in all (a container's length, past what was read).
        total: u64,
        /// The page.
        children: Vec<ValueChild>,
    },
    /// Answer to [`InspectRequest::Evaluate`] over Wasm values.
    Number(crate::program::expr::Num),
    /// Answer to [`InspectRequest::Evaluate`] over source variables: the C type
    /// and the value.
    SourceValue(String, SourceValue),
    /// Answer to [`InspectRequest::SourceVariables`]; `None` when DWARF has no
    /// function at the frame's pc.
    Variables(Option<Vec<Variable>>),
    /// Answer to [`InspectRequest::Globals`].
    Globals(Vec<GlobalInfo>),
    /// Answer to [`InspectRequest::MemorySizes`] and [`InspectRequest::TableSizes`].
    Sizes(Vec<Option<u64>>),
    /// Answer to [`InspectRequest::Examine`]: where the read started and what it
    /// read (for strings: one byte string per string, without the NUL).
    Memory {
        /// Start address.
        address: u64,
        /// The bytes read.
        bytes: Vec<u8>,
        /// The strings read, for a string examine.
        strings: Vec<(u64, Vec<u8>)>,
    },
    /// Answer to [`BreakpointRequest::Breakpoints`].
    Breakpoints(Vec<BreakpointInfo>),
    /// Answer to [`Request::Disassemble`]: the function and its lines.
    Disassembly {
        /// Its core module's name, when the program has more than one.
        module_name: Option<String>,
        /// Function index.
        func_index: u32,
        /// Its name, when known.
        func_name: Option<String>,
        /// The lines shown.
        lines: Vec<DisasmLine>,
        /// Lines left out before and after the window.
        omitted: (usize, usize),
    },
    /// The request could not be served.
    Error(Error),
    /// Answer to [`Request::GenerateCoreFile`].
    CoreFileWritten(CoreFileWritten),
    /// Answer to [`FramesRequest::Locals`] or [`FramesRequest::Stack`] in a core dump
    /// that did not record them (wasmtime's dumps record neither): why.
    NotRecorded(String),
}

pub use crate::error::{Error, ErrorKind};

impl Response {
    /// `Response::Error` of kind [`ErrorKind::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Response {
        Response::Error(Error::new(ErrorKind::Invalid, message))
    }

    /// `Response::Error` of `kind`.
    pub fn error(kind: ErrorKind, message: impl Into<String>) -> Response {
        Response::Error(Error::new(kind, message))
    }
}

impl Request {
    /// The pause a request names, for the ones that read a paused frame.
    pub fn pause(&self) -> Option<PauseId> {
        match self {
            Request::Frames(FramesRequest::Backtrace { pause, .. }) => Some(*pause),
            Request::Frames(FramesRequest::Frame(f))
            | Request::Frames(FramesRequest::Locals(f))
            | Request::Frames(FramesRequest::Stack(f))
            | Request::Finish(f)
            | Request::Reverse(Reverse::Finish { frame: Some(f) })
            | Request::Advance { frame: f, .. }
            | Request::Watch { frame: f, .. }
            | Request::Inspect(InspectRequest::SourceVariables { frame: f, .. })
            | Request::Inspect(InspectRequest::Evaluate { frame: f, .. })
            | Request::Children {
                value: ValueRef { frame: f, .. },
                ..
            }
            | Request::Inspect(InspectRequest::SetVariable { frame: f, .. })
            | Request::Inspect(InspectRequest::SetMemory { frame: f, .. }) => Some(f.pause),
            Request::Inspect(InspectRequest::Examine(x)) => Some(x.frame.pause),
            Request::Disassemble { frame, .. } => frame.map(|f| f.pause),
            Request::GenerateCoreFile { pause, .. } => Some(*pause),
            _ => None,
        }
    }
}

/// A core dump that was written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoreFileWritten {
    /// Where.
    pub path: std::path::PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many frames `corestack` holds.
    pub frames: usize,
    /// How many memories it holds (an imported memory counts once).
    pub memories: usize,
    /// Their bytes together (the data section leaves zeros out).
    pub memory_bytes: u64,
}

/// One stack frame, as shown by `bt` and `frame`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameInfo {
    /// Which frame this is.
    pub frame: FrameRef,
    /// The core module whose function it is.
    pub module: CoreModuleId,
    /// That module's name, when the program has more than one (front ends
    /// then show it).
    pub module_name: Option<String>,
    /// Function index (the module's function index space).
    pub func_index: u32,
    /// Name from the name section (demangled), else an export name.
    pub func_name: Option<String>,
    /// Module offset of the frame's current instruction. For frame #0 the
    /// instruction about to execute (or that trapped); for callers the call
    /// instruction itself.
    pub pc: usize,
    /// The instruction at `pc` as Wasm text, when it could be printed.
    pub instruction: Option<String>,
    /// The source frames DWARF gives at `pc`, innermost first: functions
    /// inlined here, then the function itself (with the pc's line). Empty
    /// without DWARF for this code.
    pub source: Vec<crate::program::dwarf::SourceFrame>,
}

/// One local of a frame (parameters first, as in the function index space
/// of locals).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Local {
    /// Local index.
    pub index: u32,
    /// Name from the name section.
    pub name: Option<String>,
    /// The type the module declares for it (`i31ref` where the value only
    /// says `anyref`), when the module's code could be read.
    pub declared_type: Option<String>,
    /// Current value (carries its value type).
    pub value: Value,
}

pub use crate::program::value::{PrintOptions, SourceValue, Variable};

/// A Wasm value, owned.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// i32.
    I32(i32),
    /// i64.
    I64(i64),
    /// f32, as its bits.
    F32(u32),
    /// f64, as its bits.
    F64(u64),
    /// v128, as a little-endian 128-bit integer (serialized as a `0x` and 32
    /// hex digits string: JSON readers lose integers past 2^53).
    V128(#[serde(with = "v128_hex")] u128),
    /// A reference.
    Ref {
        /// Its type.
        heap: RefType,
        /// `None` for null; else a short description.
        desc: Option<String>,
    },
}

/// Serde for a v128 as `"0x"` and 32 hex digits.
mod v128_hex {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:#034x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| D::Error::custom("a v128 is written 0x and 32 hex digits"))?;
        u128::from_str_radix(digits, 16).map_err(D::Error::custom)
    }
}

impl Value {
    /// The value's type as the text format writes it (`i32`, `funcref`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::V128(_) => "v128",
            Value::Ref { heap, .. } => heap.name(),
        }
    }
}

/// The type of a reference value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RefType {
    /// `funcref`.
    Func,
    /// `externref`.
    Extern,
    /// `anyref` (GC objects, i31).
    Any,
    /// `exnref`.
    Exn,
    /// `contref`.
    Cont,
}

impl RefType {
    /// The name the text format gives the type (`funcref`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RefType::Func => "funcref",
            RefType::Extern => "externref",
            RefType::Any => "anyref",
            RefType::Exn => "exnref",
            RefType::Cont => "contref",
        }
    }
}

/// A reverse command (gdb's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reverse {
    /// `reverse-continue`: back to the last breakpoint hit or watchpoint
    /// change before now, or to the start of the recording.
    Continue,
    /// `reverse-stepi` (`over` false) and `reverse-nexti` (true): back one
    /// instruction; `reverse-nexti` does not enter a call that just
    /// returned.
    StepInstruction {
        /// Stay in this frame.
        over: bool,
    },
    /// `reverse-step` (`over` false) and `reverse-next` (true): back to the
    /// beginning of the previous source line executed in this frame;
    /// `reverse-step` enters a function that line called.
    StepLine {
        /// Do not enter calls.
        over: bool,
    },
    /// `reverse-finish`: back to the call of `frame`'s function (the
    /// selected frame, as `finish` finishes it; frames inside it are left
    /// too): paused at the caller's call instruction.
    Finish {
        /// The frame whose call to go back to; `None` when nothing is
        /// paused (after the end: refused, saying what works there).
        frame: Option<FrameRef>,
    },
}

impl Reverse {
    /// The command's gdb name.
    pub fn name(self) -> &'static str {
        match self {
            Reverse::Continue => "reverse-continue",
            Reverse::StepInstruction { over: false } => "reverse-stepi",
            Reverse::StepInstruction { over: true } => "reverse-nexti",
            Reverse::StepLine { over: false } => "reverse-step",
            Reverse::StepLine { over: true } => "reverse-next",
            Reverse::Finish { .. } => "reverse-finish",
        }
    }
}

/// Where a reverse command arrived.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ReverseStop {
    /// The last hit before, of breakpoint `id`.
    Breakpoint {
        /// Its id.
        id: BreakpointId,
    },
    /// The last change before, of watchpoint `id`: frame #0 is at the
    /// instruction after the one that wrote it.
    Watchpoint {
        /// Its id.
        id: BreakpointId,
        /// What it watches, as typed.
        what: String,
        /// The value before that write.
        old: WatchValue,
        /// The value it wrote.
        new: WatchValue,
    },
    /// One instruction or line back.
    Step,
    /// The call instruction of the function that was running.
    Call,
    /// The start of the recording: nothing is before it.
    Start,
    /// The command could not go on (the replay did not reach the moment);
    /// the program is paused where the replay was.
    Unfinished {
        /// Why.
        why: String,
    },
}

/// Why the guest paused.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum StopReason {
    /// A trap, with wasmtime's description ("integer divide by zero", ...).
    Trap(String),
    /// A `throw`/`throw_ref`; reported before handlers are searched, so it
    /// may still be caught.
    Exception(Exception),
    /// A host (imported) function returned an error to the embedder.
    HostcallError(String),
    /// A `memory.grow` (or the instance's first memory) would pass
    /// `RunConfig::max_memory`; the text says by how much. Frame #0 is at
    /// the `memory.grow`.
    MemoryLimit(String),
    /// `--stop-on-entry`: before the entry function's first instruction.
    Entry,
    /// A user breakpoint.
    Breakpoint {
        /// Its id.
        id: BreakpointId,
        /// Hits so far, this one included.
        hits: u64,
        /// It was a `tbreak` and is now deleted.
        temporary: bool,
    },
    /// A `stepi`/`nexti` finished.
    Step {
        /// What happened on the way that the user should know (stepped over
        /// a host function, returned to the caller).
        note: Option<String>,
    },
    /// `finish`: the frame returned.
    Finished {
        /// The function that returned.
        func_index: u32,
        /// Its name.
        func_name: Option<String>,
        /// Its results.
        results: Vec<Value>,
    },
    /// Interrupted by the user (Ctrl-C) or by `--timeout`.
    Interrupted {
        /// The timeout in seconds, when that was the cause.
        timeout: Option<f64>,
    },
    /// A watchpoint's value changed; frame #0 is at the instruction after the
    /// one that changed it.
    Watchpoint {
        /// Its id.
        id: BreakpointId,
        /// What it watches, as typed.
        what: String,
        /// The value before.
        old: WatchValue,
        /// The value now.
        new: WatchValue,
    },
    /// A core dump whose writer did not record why the program stopped
    /// (wasmtime's dumps).
    CoreDump,
    /// A reverse command arrived (replay sessions).
    Reversed(ReverseStop),
    /// A breakpoint's condition could not be evaluated; it stops so the user
    /// can fix it.
    ConditionError {
        /// The breakpoint, when the engine's event could be tied to one.
        id: Option<BreakpointId>,
        /// Why.
        message: String,
    },
}

/// A thrown exception's tag and payload.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exception {
    /// Tag index in the module's tag index space, when it could be found.
    pub tag_index: Option<u32>,
    /// Tag name (name section or export).
    pub tag_name: Option<String>,
    /// Payload values, in the tag's parameter order.
    pub payload: Vec<Value>,
    /// Whether a handler on the stack catches it, from the handlers
    /// (`try_table`, legacy `try`) around each frame's pc: `Some(false)`
    /// when none does (it ends the program), `None` when that cannot be told
    /// (a legacy `delegate`, code that could not be read).
    pub caught: Option<bool>,
}

/// A pause: its id, its reason and the innermost frame.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stop {
    /// The new pause's id.
    pub pause: PauseId,
    /// Why the guest paused.
    pub reason: StopReason,
    /// Frame #0, when the stack has a frame of the module.
    pub frame: Option<FrameInfo>,
    /// Under `wasmdbg serve`: the HTTP request the paused instance serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestInfo>,
    /// At a trap: the Rust panic or C `assert` the program reported on its
    /// stderr just before it aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<PanicMessage>,
}

/// What a program said on its stderr as it gave up, read back from the
/// last bytes it wrote there (at most [`PanicMessage::TAIL`]): Rust's
/// panic hook (`thread 'main' panicked at src/main.rs:4:5:` and the
/// message) or wasi-libc's (musl's) failed `assert` (`Assertion failed:
/// EXPR (FILE: FUNCTION: LINE)`), when stderr ends with it (a panic's
/// message may have several lines: all that follows its first line, up to
/// the hook's `RUST_BACKTRACE` note, is taken as the message).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PanicMessage {
    /// Which of the two it was.
    pub kind: PanicKind,
    /// The panic's message (several lines when the program wrote several),
    /// or the failed assertion's expression, as written.
    pub message: String,
    /// Where, as the program wrote it: `src/main.rs:4:5` (file, line,
    /// column) for a panic, `FILE:LINE` for an assertion.
    pub location: String,
    /// The function a failed assertion was in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

impl PanicMessage {
    /// How many of the last bytes written to stderr are kept to find a
    /// panic message in.
    pub const TAIL: usize = 8192;
}

/// Which runtime reported a [`PanicMessage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanicKind {
    /// Rust's standard library panic hook.
    RustPanic,
    /// C's `assert` (wasi-libc).
    CAssert,
}

/// `wasmdbg serve`'s requests ([`Request::Requests`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequestsView {
    /// What other requests do while one is paused; `None` when this
    /// session does not serve HTTP.
    pub paused_requests: Option<super::config::PausedRequests>,
    /// The request being handled under the debugger now (one at a time).
    pub in_flight: Option<RequestInfo>,
    /// Requests being served on plain code while the debugger is paused
    /// (`--paused-requests serve`).
    #[serde(default)]
    pub served_plain: Vec<RequestInfo>,
    /// The latest requests answered (at most 16), oldest first, with the
    /// status each was answered with.
    pub answered: Vec<(RequestInfo, u16)>,
}

/// An HTTP request `wasmdbg serve` handed to the component.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequestInfo {
    /// Its number, from 1, in the order requests arrived (over the whole
    /// session).
    pub number: u64,
    /// The method (`GET`).
    pub method: String,
    /// The path and query (`/sum?n=10`).
    pub path: String,
}

/// How the program ended.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// The entry function returned these values.
    Returned {
        /// The function that was called.
        entry: String,
        /// Its results.
        results: Vec<Value>,
    },
    /// A component's exported function (`--invoke`) returned.
    ComponentReturned {
        /// The call as WAVE text (`add(1, 2)`).
        call: String,
        /// Its results, each as WAVE text.
        results: Vec<String>,
    },
    /// The guest called `proc_exit(code)` (a component: `wasi:cli/exit`,
    /// whose error result is code 1).
    Exited(i32),
    /// A trap ended the program.
    Trapped(String),
    /// An exception escaped to the host.
    UncaughtException(Option<Exception>),
    /// A host call failed, or another error ended the program.
    Failed(String),
    /// The program could not be loaded or started (bad module, missing
    /// import, bad arguments); it never ran.
    LoadFailed(String),
    /// The debugger ended it (`run` restarts, `quit`).
    Killed,
    /// `wasmdbg serve` stopped serving (Ctrl-C or `--timeout` while no
    /// request was running) after handing the component this many
    /// requests.
    Served {
        /// Requests served in this run of the server.
        requests: u64,
    },
}

/// The status `wasmtime run` (48) exits with after a trap, on Unix: 128 +
/// SIGABRT (its `src/commands/run.rs` calls
/// `exit(rustix::process::EXIT_SIGNALED_SIGABRT)` when the error is a
/// `wasmtime::Trap`).
pub const TRAP_EXIT_STATUS: i32 = 134;

/// The status `wasmtime run` exits with when the run ends in an error that
/// is neither an exit nor a trap (an uncaught exception, a failed host call):
/// its `main` returns the error, and Rust's runtime exits with 1.
pub const ERROR_EXIT_STATUS: i32 = 1;

impl Outcome {
    /// The process exit status plain `wasmtime run` gives for this end: 0 for
    /// a return or a server stopped, N for `proc_exit(N)`/`wasi:cli/exit` (its error: 1),
    /// [`TRAP_EXIT_STATUS`] for a trap, [`ERROR_EXIT_STATUS`] for an
    /// uncaught exception or a failed host call. `None` when the program
    /// never ran to an end of its own (`LoadFailed`, `Killed`).
    pub fn exit_status(&self) -> Option<i32> {
        match self {
            Outcome::Returned { .. }
            | Outcome::ComponentReturned { .. }
            | Outcome::Served { .. } => Some(0),
            Outcome::Exited(code) => Some(*code),
            Outcome::Trapped(_) => Some(TRAP_EXIT_STATUS),
            Outcome::UncaughtException(_) | Outcome::Failed(_) => Some(ERROR_EXIT_STATUS),
            Outcome::LoadFailed(_) | Outcome::Killed => None,
        }
    }
}

impl StopReason {
    /// A crash: the program stopped where it would die of an error if let
    /// go — a trap, an exception no handler catches, a failed host call, the
    /// `--max-memory` limit. Where `--coredump` writes a dump.
    pub fn is_crash(&self) -> bool {
        match self {
            StopReason::Trap(_) | StopReason::HostcallError(_) | StopReason::MemoryLimit(_) => true,
            StopReason::Exception(e) => e.caught == Some(false),
            _ => false,
        }
    }

    /// The status the program would end with if this pause were let go: a
    /// trap, or the `--timeout` (which `wasmtime run -W timeout=` reports as
    /// a trap), ends with [`TRAP_EXIT_STATUS`]; a failed host call (or the
    /// `--max-memory` limit, which fails the `memory.grow`) or an exception
    /// no handler catches with [`ERROR_EXIT_STATUS`]. `None` for a pause
    /// the program goes on from (a breakpoint, a step, a thrown exception
    /// that is or may be caught, Ctrl-C).
    pub fn fatal_status(&self) -> Option<i32> {
        match self {
            StopReason::Trap(_)
            | StopReason::Interrupted {
                timeout: Some(_), ..
            } => Some(TRAP_EXIT_STATUS),
            reason if reason.is_crash() => Some(ERROR_EXIT_STATUS),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned { entry, .. } => write!(f, "returned from {entry}"),
            Outcome::ComponentReturned { call, .. } => write!(f, "returned from {call}"),
            Outcome::Exited(code) => write!(f, "exited with code {code}"),
            Outcome::Trapped(msg) => write!(f, "terminated by a trap: {msg}"),
            Outcome::UncaughtException(_) => write!(f, "terminated by an uncaught exception"),
            Outcome::Failed(msg) => write!(f, "failed: {msg}"),
            Outcome::LoadFailed(msg) => write!(f, "could not be started: {msg}"),
            Outcome::Killed => write!(f, "was ended by the debugger"),
            Outcome::Served { requests } => write!(
                f,
                "stopped serving after {requests} request{}",
                if *requests == 1 { "" } else { "s" }
            ),
        }
    }
}
