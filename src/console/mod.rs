//! The console: wasmdbg's command language ([`command`], one clap enum),
//! run against a [`crate::debugger::Session`] by a [`Console`], which
//! keeps the state a user sees (paused at a stop, or ended) and writes
//! each command's result as text. Its clients are the terminal drivers
//! (`crate::repl`: the interactive prompt and the scripted runner) and
//! the DAP server's debug console (`crate::dap`); `--json` lines
//! ([`json`]) and the guest's output on the terminal ([`output`]) are
//! here too, for both.

pub mod command;
pub mod complete;
pub mod json;
pub mod output;
mod source;
pub use source::is_library_source;
mod state;

pub use complete::{Completion, CompletionKind, MAX_COMPLETIONS};
pub use state::State;

use crate::debugger::protocol::{BreakpointRequest, FramesRequest, InspectRequest};
use std::io::Write;

use crate::debugger::Session;
use crate::debugger::answer::{EvalValue, Evaluated, Listed};
use crate::debugger::protocol::{
    CoreModuleId, ErrorKind, Event, Examine, FactsRequest, FrameInfo, FrameRef, Outcome, PauseId,
    Request, Response, Stop, StopReason,
};
use crate::debugger::protocol::{
    LineAt, LogSpec, ModuleRef, Reverse, Selection, ThreadId, WatchSpec,
};
use crate::program::dwarf::SourceLoc;
use crate::program::expr::LoadType;
use crate::program::value::SourceValue;
use crate::render::inspect;
use crate::render::{self, Theme};
use command::{Command, Info, OnOff, Parsed, Setting};
use source::ListFrom;
use std::time::Duration;

/// The prompt, also echoed before each scripted command.
pub const PROMPT: &str = "(wasmdbg) ";

/// The request `set var TARGET = VALUE` makes in `frame`: a store into
/// memory for `{TYPE} ADDRESS`, else a write of the variable TARGET names
/// (a mutable global; the core refuses a local). Shared by the console and
/// the DAP's `setExpression`.
///
/// # Errors
/// A `{` without its `}`, a TYPE that is not a Wasm load type.
pub fn assign_request(
    frame: FrameRef,
    target: &str,
    value: &str,
) -> Result<InspectRequest, String> {
    let target = target.trim();
    Ok(match target.strip_prefix('{') {
        Some(rest) => {
            let (ty, address) = rest
                .split_once('}')
                .ok_or("malformed target: expected {TYPE} ADDRESS")?;
            let ty = LoadType::parse(ty.trim()).ok_or_else(|| {
                format!(
                    "{:?} is not a type (i8, u8, i16, u16, i32, u32, i64, u64, f32, f64)",
                    ty.trim()
                )
            })?;
            InspectRequest::SetMemory {
                frame,
                ty,
                address: address.trim().to_string(),
                expr: value.to_string(),
            }
        }
        None => InspectRequest::SetVariable {
            frame,
            name: target.to_string(),
            expr: value.to_string(),
        },
    })
}

/// How many frames down from a crash in a library [`Console`] looks for
/// the program's own code.
const OWN_FRAME_DEPTH: usize = 64;

/// How a [`Console`] shows things and what it does on its own.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Colours.
    pub theme: Theme,
    /// How long the guest may run after each resume before it is
    /// interrupted (`--timeout`).
    pub timeout: Option<Duration>,
    /// Where to look for source files after the path DWARF gives
    /// (`--directory`).
    pub directories: Vec<std::path::PathBuf>,
    /// Write a core dump here whenever the program crashes (`StopReason::
    /// is_crash`), the first event included (`--coredump`).
    pub coredump: Option<std::path::PathBuf>,
    /// Stops, ends and command results as JSON lines (`--json`, see
    /// [`json`]).
    pub json: bool,
}

/// wasmdbg's exit status when a debugger command failed (the convention of
/// wrappers such as `env`, `nice` and `timeout` for their own failure).
pub const COMMAND_FAILED_STATUS: i32 = 125;

/// wasmdbg's exit status when the session ended while the program was paused
/// where it could go on (a breakpoint, a step, Ctrl-C): gdb's
/// `-return-child-result` gives -1 when the inferior "is not allowed to
/// terminate".
pub const NOT_ENDED_STATUS: i32 = 255;

/// The exit status of a session: `quit N`'s N when given; else
/// [`COMMAND_FAILED_STATUS`] when a command failed; else the program's
/// status as `wasmtime run` gives it ([`State::program_status`]); else
/// [`NOT_ENDED_STATUS`]. The process exits with its low 8 bits.
pub fn exit_status(quit: Option<i32>, failures: usize, state: &State) -> i32 {
    match quit {
        Some(status) => status,
        None if failures > 0 => COMMAND_FAILED_STATUS,
        None => state.program_status().unwrap_or(NOT_ENDED_STATUS),
    }
}

/// What the driver does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Next,
    /// End the session; with the status `quit N` gave.
    Quit(Option<i32>),
}

/// How the program ended when the worker thread died under it.
const WORKER_DIED: &str = "the debugger's worker thread stopped";

/// `bt` without N shows every frame of a stack up to this deep...
const BT_SHOWN_ALL: usize = 120;
/// ...and of a deeper one, this many innermost frames...
const BT_INNERMOST: usize = 100;
/// ...and this many outermost.
const BT_OUTERMOST: usize = 10;

/// A debugging session as the user drives it: the [`Session`], the program's
/// state, the selected frame and the output theme.
pub struct Console {
    session: Session,
    /// The guest's output as the terminal shows it.
    guest: output::GuestOutput,
    state: State,
    selected: usize,
    pub(crate) theme: Theme,
    timeout: Option<Duration>,
    /// `set print elements` and `set print max-depth`.
    print: crate::debugger::protocol::PrintOptions,
    /// Directories whose `.wasmdbginit` may run (`add-auto-load-safe-path`).
    safe_paths: Vec<std::path::PathBuf>,
    /// Source files and the `list` position.
    source: source::SourceView,
    /// `--coredump PATH`.
    coredump: Option<std::path::PathBuf>,
    /// `--json`: stops, ends and command results are JSON lines.
    json: bool,
    /// The core's answers to the command being run (its result as data).
    recorded: std::cell::RefCell<Vec<Response>>,
    /// In JSON mode, stop, end and core file lines not written yet (they
    /// come before the line of the command that caused them).
    json_lines: Vec<String>,
    /// Failures outside commands (see [`Console::unreported_failures`]).
    unreported_failures: usize,
}

impl Console {
    /// Wraps a started session and follows its events so far
    /// ([`Console::follow_events`]): its first event, a stop banner or how
    /// the program ended, is printed to `out`.
    ///
    /// `timeout`: how long the guest may run after each resume before it is
    /// interrupted (`--timeout`); `directories`: where to look for source
    /// files after the path DWARF gives (`--directory`).
    pub fn new(
        session: Session,
        theme: Theme,
        timeout: Option<Duration>,
        directories: Vec<std::path::PathBuf>,
        guest: output::GuestOutput,
        out: &mut dyn Write,
    ) -> Console {
        let options = Options {
            theme,
            timeout,
            directories,
            coredump: None,
            json: false,
        };
        Console::with_options(session, options, guest, out)
    }

    /// [`Console::new`] with every option.
    pub fn with_options(
        session: Session,
        options: Options,
        guest: output::GuestOutput,
        out: &mut dyn Write,
    ) -> Console {
        let Options {
            theme,
            timeout,
            directories,
            ..
        } = options;
        let mut fe = Console {
            session,
            guest,
            state: State::Ended(Outcome::Failed("no event yet".into())),
            selected: 0,
            theme,
            timeout,
            print: Default::default(),
            safe_paths: Vec::new(),
            coredump: options.coredump,
            json: options.json,
            recorded: Default::default(),
            json_lines: Vec::new(),
            unreported_failures: 0,
            source: source::SourceView::new(directories),
        };
        if let Response::CodeSource(code) = fe.session.request(Request::CodeSource) {
            for note in inspect::cache_notes(&code) {
                if fe.json {
                    fe.json_lines.push(json::note(&note));
                } else {
                    let _ = writeln!(out, "{}", theme.dim(&note));
                }
            }
        }
        if let Err(e) = fe.follow_events(out) {
            if fe.json {
                fe.json_lines.push(json::error(&e));
            } else {
                let _ = writeln!(out, "{}", theme.error(&format!("error: {e}")));
            }
            fe.unreported_failures += 1;
        }
        let _ = fe.flush_json(out);
        fe
    }

    /// The text of source file `file` (a DWARF path) as `list` finds it:
    /// with the `directory` and `set substitute-path` rules given so far.
    ///
    /// # Errors
    /// A one-line note naming the file and where it was looked for.
    pub fn source_text(
        &mut self,
        file: &str,
    ) -> Result<crate::debugger::source::SourceText, crate::error::Error> {
        self.source.files.find(file)
    }

    /// The directories `add-auto-load-safe-path` allowed, canonical.
    pub fn safe_paths(&self) -> &[std::path::PathBuf] {
        &self.safe_paths
    }

    /// The output theme.
    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// The program's state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The session this front end drives (for another front end sharing it,
    /// as the DAP server's `evaluate` in the `repl` context does).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Runs one line. Errors are one line each; the session goes on.
    ///
    /// # Errors
    /// The command's error message (unknown command, bad argument, frame out
    /// of range, program not paused, ...).
    pub fn execute(&mut self, line: &str, out: &mut dyn Write) -> Result<Flow, String> {
        if !self.json {
            return self.execute_with_answers(line, out).0;
        }
        // JSON: the text goes nowhere; the command's answers become one
        // line (stops and ends were written as they happened).
        let mut text = Vec::new();
        let (result, answers) = self.execute_with_answers(line, &mut text);
        self.flush_json(out)?;
        write_out(out, &json::command(line, &answers, result.as_ref().err()))?;
        result
    }

    /// Runs one line as [`Console::execute`] does in text mode, and returns
    /// with its outcome the command's result as data: the core's answers it
    /// received, in order (stops and ends are the console's
    /// [`Console::state`]). `--json` writes these; the DAP's debug console
    /// reads a printed value from them.
    pub fn execute_with_answers(
        &mut self,
        line: &str,
        out: &mut dyn Write,
    ) -> (Result<Flow, String>, Vec<Response>) {
        self.recorded.borrow_mut().clear();
        let result = self.execute_text(line, out);
        (result, self.recorded.take())
    }

    /// Writes the JSON lines of stops, ends and core files so far.
    fn flush_json(&mut self, out: &mut dyn Write) -> Result<(), String> {
        for line in std::mem::take(&mut self.json_lines) {
            write_out(out, &line)?;
        }
        Ok(())
    }

    /// Whether output is JSON lines.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Sends a request, and keeps its answer as the command's data.
    fn ask(&self, request: Request) -> Response {
        let response = self.session.request(request);
        self.record(&response);
        response
    }

    /// [`Console::ask`] with the `--timeout`.
    fn ask_with_timeout(&self, request: Request, timeout: Option<Duration>) -> Response {
        let response = self.session.request_with_timeout(request, timeout);
        self.record(&response);
        response
    }

    fn record(&self, response: &Response) {
        if !matches!(response, Response::Stopped(_) | Response::Ended(_)) {
            self.recorded.borrow_mut().push(response.clone());
        }
    }

    fn execute_text(&mut self, line: &str, out: &mut dyn Write) -> Result<Flow, String> {
        let parsed = command::parse(line)?;
        let worker_was_alive = self.session.worker_alive();
        let result = match parsed {
            None => Ok(Flow::Next),
            Some(Parsed::Help(text)) => {
                write_out(out, &text)?;
                Ok(Flow::Next)
            }
            Some(Parsed::Command(c)) => {
                // A bug in a command becomes its error; the session goes on.
                let ran = crate::panic_guard::quiet(|| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(c, out)))
                });
                match ran {
                    Ok(result) => result,
                    Err(panic) => Err(format!(
                        "internal error (a bug in wasmdbg): {}; the session goes on",
                        crate::panic_guard::message(&*panic)
                    )),
                }
            }
        };
        // Any stop or end the command's requests caused that it did not
        // follow itself.
        let followed = self.follow_events(out);
        let result = result.and_then(|flow| followed.map(|()| flow));
        let _ = out.flush();
        match result {
            Err(_) if worker_was_alive && !self.session.worker_alive() => {
                self.state = State::Ended(Outcome::Failed(WORKER_DIED.to_string()));
                Err(
                    "the debugger's worker thread has stopped (a bug in wasmdbg); \
                     `run` starts the program again, `quit` leaves"
                        .to_string(),
                )
            }
            Err(e) if !self.session.worker_alive() => {
                Err(format!("{e} (`run` starts the program again)"))
            }
            other => other,
        }
    }

    fn run(&mut self, command: Command, out: &mut dyn Write) -> Result<Flow, String> {
        match command {
            Command::Backtrace { n } => {
                let pause = self.pause()?.pause;
                let backtrace = |limit: usize, outermost: bool| {
                    self.ask(Request::Frames(FramesRequest::Backtrace {
                        pause,
                        thread: ThreadId::MAIN,
                        limit: Some(limit),
                        outermost,
                    }))
                    .into_backtrace()
                    .map(|b| (b.frames, b.total))
                    .map_err(err_text)
                };
                let text = match n {
                    Some(0) => return Err("bt 0 would show no frames".into()),
                    Some(n) if n < 0 => {
                        let (frames, total) = backtrace(n.unsigned_abs() as usize, true)?;
                        render::backtrace(&self.theme, &frames, total)
                    }
                    Some(n) => {
                        let (frames, total) = backtrace(n as usize, false)?;
                        render::backtrace(&self.theme, &frames, total)
                    }
                    None => {
                        let (inner, total) = backtrace(BT_SHOWN_ALL, false)?;
                        if total.is_some() {
                            render::backtrace(&self.theme, &inner, total)
                        } else {
                            let (outer, total) = backtrace(BT_OUTERMOST, true)?;
                            render::backtrace_elided(
                                &self.theme,
                                &inner[..BT_INNERMOST],
                                &outer,
                                total.unwrap_or(0),
                            )
                        }
                    }
                };
                write_out(out, &text)?
            }
            Command::Frame { n } => self.select(n.unwrap_or(self.selected), out)?,
            Command::Up { n } => {
                let target = self.selected.saturating_add(n.unwrap_or(1));
                self.select_frame(target, out).map_err(|e| match e.kind {
                    ErrorKind::NoSuchFrame => {
                        format!("Initial frame selected; you cannot go up. ({e})")
                    }
                    _ => e.to_string(),
                })?
            }
            Command::Down { n } => {
                let steps = n.unwrap_or(1);
                if steps > self.selected {
                    return Err("Bottom (innermost) frame selected; you cannot go down.".into());
                }
                self.select(self.selected - steps, out)?
            }
            Command::Locals => {
                let frame = self.selected_frame()?;
                match self
                    .ask(Request::Frames(FramesRequest::Locals(frame)))
                    .into_locals()
                    .map_err(err_text)?
                {
                    Listed::Values(locals) => write_out(out, &render::locals(&locals))?,
                    Listed::NotRecorded(why) => write_out(out, &format!("{why}.\n"))?,
                }
            }
            Command::Stack => {
                let frame = self.selected_frame()?;
                let at_trap = frame.index == 0
                    && matches!(&self.state, State::Paused(s) if matches!(s.reason, StopReason::Trap(_)));
                match self
                    .ask(Request::Frames(FramesRequest::Stack(frame)))
                    .into_stack()
                    .map_err(err_text)?
                {
                    Listed::Values(values) => write_out(out, &render::stack(&values, at_trap))?,
                    Listed::NotRecorded(why) => write_out(out, &format!("{why}.\n"))?,
                }
            }
            Command::Continue => self.resume(Request::Continue, out)?,
            // Without line information, step and next are stepi and nexti
            // (the worker decides).
            Command::Step { n } => self.resume(
                Request::StepLine {
                    over: false,
                    until: false,
                    count: n.unwrap_or(1),
                },
                out,
            )?,
            Command::Next { n } => self.resume(
                Request::StepLine {
                    over: true,
                    until: false,
                    count: n.unwrap_or(1),
                },
                out,
            )?,
            Command::Until { location: None } => self.resume(
                Request::StepLine {
                    over: true,
                    until: true,
                    count: 1,
                },
                out,
            )?,
            Command::Until {
                location: Some(location),
            }
            | Command::Advance { location } => {
                let frame = self.selected_frame()?;
                let location = self.source.with_current_file(&location)?;
                self.resume(Request::Advance { frame, location }, out)?
            }
            Command::List { location } => self.list(location, out)?,
            Command::Directory { dir } => write_out(out, &self.source.directory(dir)?)?,
            Command::Set {
                setting: Setting::SubstitutePath { from, to },
            } => self.source.files.set_substitution(from, to),
            Command::Unset {
                setting: command::UnsetSetting::SubstitutePath { from },
            } => self
                .source
                .files
                .unset_substitution(from.as_deref())
                .map_err(|e| e.to_string())?,
            Command::Set {
                setting: Setting::Print { setting },
            } => match setting {
                command::PrintSetting::Elements { limit } => {
                    // gdb: 0 is unlimited too.
                    self.print.elements = limit.0.filter(|n| *n > 0)
                }
                command::PrintSetting::MaxDepth { limit } => self.print.max_depth = limit.0,
            },
            Command::Show {
                setting: command::ShowSetting::Print { setting },
            } => {
                let limit = |n: Option<u64>| n.map_or("unlimited".to_string(), |n| n.to_string());
                let text = match setting {
                    command::ShowPrintSetting::Elements => format!(
                        "Limit on string chars or array elements to print is {}.\n",
                        limit(self.print.elements)
                    ),
                    command::ShowPrintSetting::MaxDepth => {
                        format!("Maximum print depth is {}.\n", limit(self.print.max_depth))
                    }
                };
                write_out(out, &text)?
            }
            Command::Show {
                setting: command::ShowSetting::SubstitutePath,
            } => {
                let rules = self.source.files.substitutions();
                let text = if rules.is_empty() {
                    "No source path substitution rules.\n".to_string()
                } else {
                    let mut text =
                        "Source path substitution rules, in the order tried:\n".to_string();
                    for (from, to) in rules {
                        text.push_str(&format!("  `{from}' -> `{to}'.\n"));
                    }
                    text
                };
                write_out(out, &text)?
            }
            Command::Info {
                what: Info::Line { location },
            } => self.info_line(location, out)?,
            Command::Info {
                what: Info::Sources,
            } => self.info_sources(out)?,
            Command::Stepi { n } => self.resume(
                Request::Step {
                    over: false,
                    count: n.unwrap_or(1),
                },
                out,
            )?,
            Command::Nexti { n } => self.resume(
                Request::Step {
                    over: true,
                    count: n.unwrap_or(1),
                },
                out,
            )?,
            Command::GenerateCoreFile { path } => {
                let path = path.unwrap_or_else(|| format!("core.{}", std::process::id()).into());
                self.generate_core_file(path, false, out)?
            }
            Command::Finish => {
                let frame = self.selected_frame()?;
                if let Response::Frame(f) = self.ask(Request::Frames(FramesRequest::Frame(frame))) {
                    write_out(
                        out,
                        &format!(
                            "Run till exit from {}\n",
                            render::frame_line(&self.theme, &f)
                        ),
                    )?;
                }
                self.resume(Request::Finish(frame), out)?
            }
            Command::ReverseContinue => self.reverse(Reverse::Continue, out)?,
            Command::ReverseStep => self.reverse(Reverse::StepLine { over: false }, out)?,
            Command::ReverseNext => self.reverse(Reverse::StepLine { over: true }, out)?,
            Command::ReverseStepi => self.reverse(Reverse::StepInstruction { over: false }, out)?,
            Command::ReverseNexti => self.reverse(Reverse::StepInstruction { over: true }, out)?,
            Command::ReverseFinish => {
                // After the end there is no frame: the worker says what
                // works there.
                let frame = self.selected_frame().ok();
                self.reverse(Reverse::Finish { frame }, out)?
            }
            Command::Maintenance {
                what: command::Maintenance::Panic { place },
            } => {
                if place == "worker" {
                    return Err(self
                        .session
                        .maintenance_panic_worker()
                        .not_expected()
                        .to_string());
                }
                panic!("panic requested by `maintenance panic`");
            }
            Command::AddAutoLoadSafePath { dir } => {
                let dir = expand_tilde(&dir);
                let dir = dir
                    .canonicalize()
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                self.safe_paths.push(dir);
            }
            Command::Run if !self.session.worker_alive() => {
                write_out(out, "Starting the program again in a new worker thread.\n")?;
                let response = self.session.restart();
                self.record(&response);
                self.ran(response, out)?;
                self.follow_events(out)?;
            }
            Command::Run => {
                // Said first, as gdb's "Starting program": the guest's
                // output during the run comes after it.
                write_out(out, "Starting the program again.\n")?;
                let response = self
                    .session
                    .request_with_timeout(Request::Run, self.timeout);
                self.ran(response, out)?;
                self.follow_events(out)?;
            }
            Command::Break { spec } => self.set_breakpoint(&spec, false, out)?,
            Command::Tbreak { spec } => self.set_breakpoint(&spec, true, out)?,
            Command::Dprintf { spec } => {
                let (location, format, args) = command::dprintf_args(&spec.join(" "))?;
                let location = self.source.with_current_file(&location)?;
                let request = Request::Breakpoint(BreakpointRequest::Break {
                    location,
                    temporary: false,
                    condition: None,
                    hit_condition: None,
                    log: Some(LogSpec::Printf { format, args }),
                });
                let info = self.ask(request).into_breakpoint_set().map_err(err_text)?;
                write_out(out, &render::breakpoint_set(&self.theme, &info))?
            }
            Command::Watch { location, expr } => {
                let frame = self.selected_frame()?;
                let target = match location {
                    Some(parts) => {
                        let len = parts[1].parse::<u64>().map_err(|_| {
                            format!("watch -l: LEN must be a number, not {:?}", parts[1])
                        })?;
                        WatchSpec::Range {
                            address: parts[0].clone(),
                            len,
                        }
                    }
                    None if expr.is_empty() => {
                        return Err(
                            "usage: watch NAME, watch {TYPE} ADDRESS, or watch -l ADDRESS LEN"
                                .to_string(),
                        );
                    }
                    None => WatchSpec::Expr(expr.join(" ")),
                };
                let info = self
                    .ask(Request::Watch { frame, target })
                    .into_breakpoint_set()
                    .map_err(err_text)?;
                write_out(out, &render::breakpoint_set(&self.theme, &info))?
            }
            Command::Delete { ids } => self.done(Request::Breakpoint(
                BreakpointRequest::Delete(Selection::typed(ids)),
            ))?,
            Command::Disable { ids } => self.done(Request::Breakpoint(
                BreakpointRequest::Enable(Selection::typed(ids), false),
            ))?,
            Command::Enable { ids } => self.done(Request::Breakpoint(
                BreakpointRequest::Enable(Selection::typed(ids), true),
            ))?,
            Command::Condition { id, expr } => {
                let expr = (!expr.is_empty()).then(|| expr.join(" "));
                self.done(Request::Breakpoint(BreakpointRequest::Condition(id, expr)))?
            }
            Command::Ignore { id, count } => {
                self.done(Request::Breakpoint(BreakpointRequest::Ignore(id, count)))?
            }
            Command::Info {
                what: Info::Breakpoints,
            } => {
                let list = self
                    .ask(Request::Breakpoint(BreakpointRequest::Breakpoints))
                    .into_breakpoints()
                    .map_err(err_text)?;
                write_out(out, &render::breakpoints(&list))?
            }
            Command::Info { what: Info::Locals } => {
                if !self.source_variables(false, None, out)? {
                    return self.run(Command::Locals, out);
                }
            }
            Command::Info { what: Info::Args } => {
                if !self.source_variables(true, None, out)? {
                    return Err("no DWARF function at the selected frame's pc: no source arguments (`locals` shows its Wasm locals)".into());
                }
            }
            Command::FrameVariable { names } => {
                if !self.source_variables(false, Some(&names), out)? {
                    return Err("no DWARF function at the selected frame's pc: no source variables (`locals` shows its Wasm locals)".into());
                }
            }
            Command::Globals { module }
            | Command::Info {
                what: Info::Globals { module },
            } => {
                self.pause()?;
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Inspect(InspectRequest::Globals { module }))
                    .into_globals()
                    .map_err(err_text)?;
                write_out(out, &inspect::globals(&list))?
            }
            Command::Info {
                what: Info::Memory { module },
            } => {
                let module = self.module_ref(module);
                let decls = self
                    .ask(Request::Facts(FactsRequest::Memories {
                        module: module.clone(),
                    }))
                    .into_memories()
                    .map_err(err_text)?;
                let sizes = self.sizes(Request::Inspect(InspectRequest::MemorySizes { module }));
                write_out(out, &inspect::memories(&decls, sizes.as_deref()))?
            }
            Command::Info {
                what: Info::Tables { module },
            } => {
                let module = self.module_ref(module);
                let decls = self
                    .ask(Request::Facts(FactsRequest::Tables {
                        module: module.clone(),
                    }))
                    .into_tables()
                    .map_err(err_text)?;
                let sizes = self.sizes(Request::Inspect(InspectRequest::TableSizes { module }));
                write_out(out, &inspect::tables(&decls, sizes.as_deref()))?
            }
            Command::Info {
                what: Info::Functions { regex, module },
            } => {
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Facts(FactsRequest::Functions {
                        module,
                        filter: regex,
                    }))
                    .into_functions()
                    .map_err(err_text)?;
                write_out(out, &inspect::functions(&list))?
            }
            Command::Info {
                what: Info::Imports { module },
            } => {
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Facts(FactsRequest::Imports { module }))
                    .into_imports()
                    .map_err(err_text)?;
                write_out(out, &inspect::imports(&list))?
            }
            Command::Info {
                what: Info::Exports { module },
            } => {
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Facts(FactsRequest::Exports { module }))
                    .into_exports()
                    .map_err(err_text)?;
                write_out(out, &inspect::exports(&list))?
            }
            Command::Info {
                what: Info::Sections { module },
            } => {
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Facts(FactsRequest::Sections { module }))
                    .into_sections()
                    .map_err(err_text)?;
                write_out(out, &inspect::sections(&list))?
            }
            Command::Info {
                what: Info::Module { module },
            } => {
                let path = self.session.module_path().display().to_string();
                let module = self.module_ref(module);
                let summary = self
                    .ask(Request::Facts(FactsRequest::ModuleSummary { module }))
                    .into_module_summary()
                    .map_err(err_text)?;
                write_out(out, &inspect::module(&summary, &path))?
            }
            Command::Info {
                what: Info::Requests,
            } => {
                let view = self
                    .ask(Request::Requests)
                    .into_requests()
                    .map_err(err_text)?;
                write_out(out, &inspect::requests(&view))?
            }
            Command::Info {
                what: Info::Modules,
            } => {
                let (component, modules) = self
                    .ask(Request::Facts(FactsRequest::Modules))
                    .into_modules()
                    .map_err(err_text)?;
                write_out(out, &inspect::modules(component, &modules))?
            }
            Command::Print { fmt, expr } => {
                let raw = fmt.as_deref() == Some("r");
                let format = fmt
                    .as_deref()
                    .filter(|f| *f != "r")
                    .map(print_format)
                    .transpose()?;
                let frame = self.selected_frame()?;
                let print = crate::debugger::protocol::PrintOptions { raw, ..self.print };
                let request = Request::Inspect(InspectRequest::Evaluate {
                    frame,
                    expr: expr.join(" "),
                    print,
                    record: true,
                });
                let Evaluated { history, value } =
                    self.ask(request).into_evaluated().map_err(err_text)?;
                let shown = match &value {
                    EvalValue::Number(n) => inspect::number(*n, format),
                    EvalValue::Source(_, SourceValue::Int { value, bytes }) if format.is_some() => {
                        inspect::sized_int(*value, *bytes, format)
                    }
                    EvalValue::Source(_, v) => {
                        match (crate::debugger::history::source_number(v), format) {
                            (Some(n), Some(_)) => inspect::number(n, format),
                            // gdb's `p/x` of a struct: its members in hex.
                            (None, Some('x')) => render::source_value_hex(v),
                            _ => render::source_value(v),
                        }
                    }
                };
                match history {
                    Some(n) => write_out(out, &format!("${n} = {shown}\n"))?,
                    None => write_out(out, &format!("{shown}\n"))?,
                }
            }
            Command::Assign { target, value } => {
                let frame = self.selected_frame()?;
                self.done(Request::Inspect(assign_request(frame, &target, &value)?))?
            }
            Command::X {
                fmt,
                table: Some(table),
                address,
                module,
                ..
            } => {
                let count = match fmt.as_deref() {
                    Some(f) => inspect::Format::parse(f)?.count as u64,
                    None => 1,
                };
                let text = address.join(" ");
                let start = crate::program::number::parse_address(&text)
                    .ok_or_else(|| format!("x -t takes an element index, not {text:?}"))?;
                self.pause()?;
                let module = self.module_ref(module);
                let list = self
                    .ask(Request::Inspect(InspectRequest::TableElements {
                        module,
                        table,
                        start,
                        count,
                    }))
                    .into_elements()
                    .map_err(err_text)?;
                let lines: String = list
                    .iter()
                    .map(|(i, v)| format!("table {table}[{i}]: {}\n", render::value(v)))
                    .collect();
                write_out(out, &lines)?
            }
            Command::X {
                fmt,
                memory,
                address,
                table: None,
                module,
            } => {
                let address = address.join(" ");
                let module = module.map(crate::debugger::protocol::ModuleRef::Name);
                self.examine(fmt.as_deref(), module, memory, &address, out)?
            }
            Command::Info { what: Info::Frame } => {
                // As `frame`, and always the frame's core module (which
                // `bt` and `frame` name only when there are several).
                self.run(Command::Frame { n: None }, out)?;
                let frame = self.selected_frame()?;
                let module = self
                    .ask(Request::Frames(FramesRequest::Frame(frame)))
                    .into_frame()
                    .map_err(err_text)?
                    .module;
                let (_, modules) = self
                    .ask(Request::Facts(FactsRequest::Modules))
                    .into_modules()
                    .map_err(err_text)?;
                let name = modules
                    .into_iter()
                    .find(|m| m.id == module)
                    .map(|m| m.name)
                    .unwrap_or_default();
                write_out(
                    out,
                    &format!(
                        "in core module {module} ({name}) of {}\n",
                        self.session.module_path().display()
                    ),
                )?;
            }
            Command::Disassemble { function, all } => {
                let frame = self.selected_frame().ok();
                let request = Request::Disassemble {
                    frame,
                    func: function,
                    all,
                };
                let d = self.ask(request).into_disassembled().map_err(err_text)?;
                write_out(
                    out,
                    &render::disassembly(
                        &self.theme,
                        d.module_name.as_deref(),
                        d.func_index,
                        d.func_name.as_deref(),
                        &d.lines,
                        d.omitted,
                    ),
                )?
            }
            Command::Set {
                setting: Setting::StopOnThrow { value },
            } => self
                .session
                .request(Request::SetStopOn(
                    crate::debugger::protocol::StopEvent::Throw,
                    value == OnOff::On,
                ))
                .into_done()
                .map_err(err_text)?,
            Command::Quit { status } => return Ok(Flow::Quit(status)),
        }
        Ok(Flow::Next)
    }

    /// `-M MODULE` as typed, else the selected frame's core module.
    fn module_ref(&self, module: Option<String>) -> crate::debugger::protocol::ModuleRef {
        use crate::debugger::protocol::ModuleRef;
        match module {
            Some(text) => ModuleRef::Name(text),
            None => ModuleRef::Id(self.current_module()),
        }
    }

    /// The selected frame's core module; the first core module when not
    /// paused.
    fn current_module(&self) -> CoreModuleId {
        self.selected_frame()
            .ok()
            .and_then(
                |frame| match self.ask(Request::Frames(FramesRequest::Frame(frame))) {
                    Response::Frame(f) => Some(f.module),
                    _ => None,
                },
            )
            .unwrap_or(CoreModuleId::FIRST)
    }

    /// Current memory or table sizes, when paused.
    fn sizes(&self, request: Request) -> Option<Vec<Option<u64>>> {
        self.pause().ok()?;
        match self.ask(request) {
            Response::Sizes(sizes) => Some(sizes),
            _ => None,
        }
    }

    /// `x[/FMT] [-m N] ADDRESS`.
    fn examine(
        &mut self,
        fmt: Option<&str>,
        module: Option<crate::debugger::protocol::ModuleRef>,
        memory: u32,
        address: &str,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let format = fmt.map(inspect::Format::parse).transpose()?;
        if let Some(f) = format
            && f.letter == 'i'
        {
            return self.examine_instructions(f.count, module, address, out);
        }
        let frame = self.selected_frame()?;
        let (len, strings) = match format {
            None => (64, None),
            Some(f) if f.letter == 's' => (4096, Some(f.count)),
            Some(f) => (f.count as u64 * f.unit as u64, None),
        };
        let request = Request::Inspect(InspectRequest::Examine(Examine {
            frame,
            module,
            memory,
            address: address.to_string(),
            len,
            strings,
        }));
        let x = self.ask(request).into_examined().map_err(err_text)?;
        let text = match format {
            None => inspect::hexdump(x.address, &x.bytes),
            Some(f) if f.letter == 's' => inspect::strings(&x.strings),
            Some(f) => inspect::units(x.address, &x.bytes, f),
        };
        write_out(out, &text)
    }

    /// `x/Ni OFFSET`: instructions at a module offset.
    fn examine_instructions(
        &mut self,
        count: u32,
        module: Option<crate::debugger::protocol::ModuleRef>,
        address: &str,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let text = address.trim();
        let offset = crate::program::number::parse_address(text)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("x/i takes a module offset (like 0x5a), not {text:?}"))?;
        let module = module.unwrap_or_else(|| self.module_ref(None));
        let list = self
            .ask(Request::Facts(FactsRequest::Instructions {
                module,
                offset,
                count,
            }))
            .into_instructions()
            .map_err(err_text)?;
        let listing: String = list
            .iter()
            .map(|(o, text)| format!("   0x{o:x}: {text}\n"))
            .collect();
        write_out(out, &listing)
    }

    /// Prints the selected frame's source variables (`only`: these names,
    /// in this order). Returns false when DWARF has no function there.
    fn source_variables(
        &mut self,
        args_only: bool,
        only: Option<&[String]>,
        out: &mut dyn Write,
    ) -> Result<bool, String> {
        let frame = self.selected_frame()?;
        let Some(vars) = self
            .session
            .source_variables(frame, args_only, self.print)
            .map_err(err_text)?
        else {
            return Ok(false);
        };
        // gdb's `info locals` leaves the arguments to `info args`.
        let vars: Vec<_> = if only.is_none() && !args_only {
            vars.into_iter().filter(|v| !v.is_param).collect()
        } else {
            vars
        };
        let text = match only {
            Some(names) if !names.is_empty() => {
                let mut picked = Vec::new();
                for n in names {
                    match vars.iter().find(|v| v.name == *n) {
                        Some(v) => picked.push(v.clone()),
                        None => return Err(format!("no variable named {n:?} in scope")),
                    }
                }
                render::variables(&picked, true)
            }
            Some(_) => render::variables(&vars, true),
            None if vars.is_empty() => if args_only {
                "No arguments.\n"
            } else {
                "No locals.\n"
            }
            .to_string(),
            None => render::variables(&vars, false),
        };
        write_out(out, &text)?;
        Ok(true)
    }

    /// Resumes the guest with `request` and reports where it stops.
    fn resume(&mut self, request: Request, out: &mut dyn Write) -> Result<(), String> {
        if let State::Ended(o) = &self.state {
            return Err(format!("the program is not being run: it {o}"));
        }
        let _ = out.flush();
        let response = self.ask_with_timeout(request, self.timeout);
        self.ran(response, out)?;
        self.follow_events(out)
    }

    /// Runs a reverse command (it replays; the program may have ended) and
    /// reports where it arrives.
    fn reverse(&mut self, command: Reverse, out: &mut dyn Write) -> Result<(), String> {
        let _ = out.flush();
        let response = self
            .session
            .request_with_timeout(Request::Reverse(command), self.timeout);
        self.ran(response, out)?;
        self.follow_events(out)
    }

    /// Sends a request whose answer is `Done`.
    fn done(&mut self, request: Request) -> Result<(), String> {
        self.ask(request).into_done().map_err(err_text)
    }

    /// `break LOCATION [if EXPR]`.
    fn set_breakpoint(
        &mut self,
        spec: &[String],
        temporary: bool,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let (location, condition) = crate::debugger::breakpoints::split_condition(&spec.join(" "))
            .map_err(|e| e.to_string())?;
        let location = self.source.with_current_file(&location)?;
        let request = Request::Breakpoint(BreakpointRequest::Break {
            location,
            temporary,
            condition,
            hit_condition: None,
            log: None,
        });
        let info = self.ask(request).into_breakpoint_set().map_err(err_text)?;
        write_out(out, &render::breakpoint_set(&self.theme, &info))
    }

    /// Checks that a request ran the program (what it ran into is followed
    /// from the events); its refusal, on a line of its own after the
    /// guest's unfinished one.
    fn ran(&mut self, response: Response, out: &mut dyn Write) -> Result<(), String> {
        match response.into_ran() {
            Ok(_) => Ok(()),
            Err(e) => {
                self.end_guest_line(out)?;
                Err(err_text(e))
            }
        }
    }

    /// Follows the session's queued events ([`Session::take_events`]): each
    /// stop or end, whoever ran the program, becomes this console's state
    /// (frame #0 selected; after a crash in a library, the program's own
    /// frame, see `select_own_frame`) and is shown on `out` (in JSON mode,
    /// kept for the
    /// next lines written). The guest's output is the session's sink's to
    /// show ([`output::GuestOutput`]); one that reaches the queue (a session
    /// started without a sink) is not shown, and breakpoint changes are
    /// read from the table when it is listed.
    ///
    /// # Errors
    /// Writing to `out` failed, or the automatic core file (`--coredump`)
    /// of a crash could not be written: the first such error, after every
    /// event was followed.
    pub fn follow_events(&mut self, out: &mut dyn Write) -> Result<(), String> {
        let mut first_error = None;
        for event in self.session.take_events() {
            let followed = match event {
                Event::Stopped(stop) => self.take_stop(*stop, out),
                Event::Ended(outcome) => self.take_end(*outcome, out),
                Event::Logged(logged) => write_out(out, &render::logged(&logged)),
                Event::BreakpointsChanged
                | Event::Output { .. }
                | Event::Serving { .. }
                | Event::RequestRecorded(_)
                | Event::Note(_) => Ok(()),
            };
            if let Err(e) = followed {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Ends the guest's unfinished output line, so that the debugger's
    /// next line starts on its own.
    fn end_guest_line(&self, out: &mut dyn Write) -> Result<(), String> {
        if self.guest.take_open_line() {
            write_out(out, "\n")?;
        }
        Ok(())
    }

    /// Shows a stop banner and records the pause as the state.
    fn take_stop(&mut self, stop: Stop, out: &mut dyn Write) -> Result<(), String> {
        self.end_guest_line(out)?;
        if self.json {
            self.json_lines.push(json::stop(&stop));
        } else {
            let shown = self.source.source_line(stop.frame.as_ref());
            write_out(out, &render::stop_banner(&self.theme, &stop, &shown))?;
        }
        let crashed = stop.reason.is_crash();
        let in_library = stop.frame.as_ref().is_some_and(is_library_frame);
        let pause = stop.pause;
        self.state = State::Paused(Box::new(stop));
        self.selected = 0;
        // Not with --json: its `stop` line names frame #0, and a script's
        // next commands read the frame it says.
        // The core dump is written even when the selection cannot be shown.
        let selected = if crashed && in_library && !self.json {
            self.select_own_frame(pause, out)
        } else {
            Ok(())
        };
        let dumped = match self.coredump.clone() {
            Some(path) if crashed => self.generate_core_file(path, true, out),
            _ => Ok(()),
        };
        selected.and(dumped)
    }

    /// After a crash in the standard library or libc (a Rust panic's or a
    /// C `assert`'s `abort`), selects the first frame whose source is the
    /// program's own, as lldb's frame recognizers select the caller of
    /// `abort`, and says so (`frame 0` is one command away). Looks at most
    /// [`OWN_FRAME_DEPTH`] frames down; selects nothing when none is found.
    fn select_own_frame(&mut self, pause: PauseId, out: &mut dyn Write) -> Result<(), String> {
        let Some((index, info)) = first_own_frame(&self.session, pause) else {
            return Ok(());
        };
        self.selected = index;
        write_out(
            out,
            &self.theme.dim(&format!(
                "(frame #0 is in a library: selected frame #{index}, the first in the program's own source; `frame 0` goes back)\n"
            )),
        )?;
        let shown = self.source.source_line(Some(&info));
        write_out(out, &render::frame_detail(&self.theme, &info, &shown))
    }
}

/// Whether every source level of `frame` (its inlined functions too) is of
/// the standard library, libc or a toolchain ([`is_library_source`]);
/// `false` for a frame without source.
pub fn is_library_frame(frame: &FrameInfo) -> bool {
    !frame.source.is_empty()
        && frame.source.iter().all(|s| {
            s.location
                .as_ref()
                .is_some_and(|l| source::is_library_source(&l.file))
        })
}

/// The first frame of `pause` below frame #0, at most [`OWN_FRAME_DEPTH`]
/// down, with a source level of the program's own (a library function
/// inlined into the user's, `unwrap`, still leaves it the user's): its
/// index and what it shows. `None` when there is none, or the frames
/// cannot be read.
pub fn first_own_frame(session: &Session, pause: PauseId) -> Option<(usize, FrameInfo)> {
    (1..=OWN_FRAME_DEPTH)
        .map_while(|index| Some((index, session.frame(FrameRef::new(pause, index)).ok()?)))
        .find(|(_, info)| {
            info.source.iter().any(|s| {
                s.location
                    .as_ref()
                    .is_some_and(|l| !source::is_library_source(&l.file))
            })
        })
}

impl Console {
    /// Shows how the program ended and records it as the state.
    fn take_end(&mut self, outcome: Outcome, out: &mut dyn Write) -> Result<(), String> {
        self.end_guest_line(out)?;
        if self.json {
            self.json_lines.push(json::ended(&outcome));
        } else {
            write_out(out, &render::outcome(&self.theme, &outcome))?;
        }
        self.state = State::Ended(outcome);
        self.selected = 0;
        Ok(())
    }

    /// Writes the paused program's core dump to `path` and says so.
    fn generate_core_file(
        &mut self,
        path: std::path::PathBuf,
        automatic: bool,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let pause = self.pause()?.pause;
        let written = self
            .ask(Request::GenerateCoreFile {
                pause,
                path,
                name: self.session.module_path().file_name().map_or_else(
                    || self.session.module_path().display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
            })
            .into_core_file()
            .map_err(|e| format!("no core dump written: {e}"))?;
        if self.json && automatic {
            // Written at a stop: its own line, not part of a command's.
            self.recorded.borrow_mut().pop();
            self.json_lines.push(json::core_file(&written));
            Ok(())
        } else {
            write_out(out, &render::core_file_written(&written))
        }
    }

    /// Failures that happened outside any command (a `--coredump` that
    /// could not be written at the first stop); the exit status counts them.
    pub fn unreported_failures(&self) -> usize {
        self.unreported_failures
    }

    fn pause(&self) -> Result<&Stop, String> {
        match &self.state {
            State::Paused(stop) => Ok(stop),
            State::Ended(o) => Err(format!("the program is not paused: it {o}")),
        }
    }

    /// The completions of the word that ends at byte `pos` of `line` in an
    /// editor's debug console (the terminal prompt completes command names
    /// only, from rustyline's own helper): where the word starts,
    /// and what may replace it (see [`complete::complete`]): commands, their
    /// options, and the names the session gives now (no pause: no
    /// variables). Nothing here fails.
    pub fn complete(&mut self, line: &str, pos: usize) -> (usize, Vec<Completion>) {
        complete::complete(line, pos, |word| self.completion_names(word))
    }

    /// The names an expression or location may use here, for a word that
    /// starts with `word`.
    fn completion_names(&mut self, word: &str) -> Vec<(String, CompletionKind)> {
        let mut names = Vec::new();
        let frame = self.selected_frame().ok();
        let module = frame
            .and_then(|f| self.session.frame(f).ok())
            .map_or(CoreModuleId::FIRST, |info| info.module);
        if let Some(frame) = frame {
            let print = crate::debugger::protocol::PrintOptions::default();
            let variables = self.ask(Request::Inspect(InspectRequest::SourceVariables {
                frame,
                args_only: false,
                print,
            }));
            if let Ok(Some(vars)) = variables.into_variables() {
                names.extend(vars.into_iter().map(|v| (v.name, CompletionKind::Variable)));
            }
            if let Ok(Listed::Values(locals)) = self
                .ask(Request::Frames(FramesRequest::Locals(frame)))
                .into_locals()
            {
                for local in locals {
                    names.push((format!("$local{}", local.index), CompletionKind::Value));
                    if let Some(name) = local.name {
                        names.push((format!("${name}"), CompletionKind::Variable));
                        names.push((name, CompletionKind::Variable));
                    }
                }
            }
        }
        let globals = self.ask(Request::Inspect(InspectRequest::Globals {
            module: ModuleRef::Id(module),
        }));
        if let Ok(globals) = globals.into_globals() {
            for global in globals {
                names.push((format!("$global{}", global.index), CompletionKind::Value));
                if let Some(name) = global.name {
                    names.push((format!("${name}"), CompletionKind::Variable));
                    names.push((name, CompletionKind::Variable));
                }
            }
        }
        for n in 1..=self.session.history_len() {
            names.push((format!("${n}"), CompletionKind::Value));
        }
        if !word.starts_with('$') {
            let filter = format!("^{}", regex::escape(word));
            let functions = self.ask(Request::Facts(FactsRequest::Functions {
                module: ModuleRef::Id(module),
                filter: Some(filter),
            }));
            if let Ok(functions) = functions.into_functions() {
                names.extend(
                    functions
                        .into_iter()
                        .filter_map(|f| f.name)
                        .map(|n| (n, CompletionKind::Function)),
                );
            }
        }
        names
    }

    pub(crate) fn selected_frame(&self) -> Result<FrameRef, String> {
        Ok(FrameRef::new(self.pause()?.pause, self.selected))
    }

    fn select(&mut self, index: usize, out: &mut dyn Write) -> Result<(), String> {
        self.select_frame(index, out).map_err(|e| e.to_string())
    }

    /// Selects frame `index` and prints it; the error keeps its kind.
    fn select_frame(
        &mut self,
        index: usize,
        out: &mut dyn Write,
    ) -> Result<(), crate::debugger::protocol::Error> {
        let invalid = |m: String| crate::debugger::protocol::Error::new(ErrorKind::Invalid, m);
        let pause = self.pause().map_err(invalid)?.pause;
        let info = self.session.frame(FrameRef::new(pause, index))?;
        self.selected = index;
        let shown = self.source.source_line(Some(&info));
        write_out(out, &render::frame_detail(&self.theme, &info, &shown)).map_err(invalid)
    }
}

/// `print`'s /FMT: one of x d u t f c.
fn print_format(text: &str) -> Result<char, String> {
    match text {
        "x" | "d" | "u" | "t" | "f" | "c" => Ok(text.chars().next().unwrap_or('d')),
        _ => Err(format!(
            "malformed format {text:?}: print takes one of /x /d /u /t /f /c /r"
        )),
    }
}

pub(crate) fn write_out(out: &mut dyn Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write output: {e}"))
}

impl Console {
    /// `list [LOCATION | -]`.
    fn list(&mut self, location: Option<String>, out: &mut dyn Write) -> Result<(), String> {
        let from = match location.as_deref().map(str::trim) {
            None => ListFrom::Next,
            Some("-") => ListFrom::Back,
            Some(loc) => ListFrom::At(self.list_location(loc)?),
        };
        write_out(out, &self.source.list(from)?)
    }

    /// Where `list LOCATION` centres: `LINE` (current file), `FILE:LINE`,
    /// or a function (its line after the prologue); all but `LINE` are
    /// resolved by the core.
    fn list_location(&self, loc: &str) -> Result<SourceLoc, String> {
        if let Some(here) = self.source.line_here(loc) {
            return here;
        }
        self.session
            .source_location(self.module_ref(None), loc.to_string())
            .map_err(err_text)
    }

    /// `info line [LOCATION]`: the location's line (``MODULE`LOCATION``, or
    /// wherever it resolves), else the selected frame's.
    fn info_line(&mut self, location: Option<String>, out: &mut dyn Write) -> Result<(), String> {
        let (module, at) = match &location {
            Some(loc) => (
                self.module_ref(None),
                LineAt::Location(self.source.with_current_file(loc)?),
            ),
            None => {
                let f = self
                    .session
                    .frame(self.selected_frame()?)
                    .map_err(err_text)?;
                (ModuleRef::Id(f.module), LineAt::Offset(f.pc))
            }
        };
        let info = self.session.line_info(module, at).map_err(err_text)?;
        write_out(out, &source::info_line(&info, |t| self.theme.dim(t)))
    }

    /// `info sources`: the selected frame's module's source files.
    fn info_sources(&self, out: &mut dyn Write) -> Result<(), String> {
        let module = self.module_ref(None);
        let files = self.session.source_files(module).map_err(err_text)?;
        write_out(out, &source::info_sources(&files))
    }
}

/// An error response becomes its message; anything else is a protocol bug.
/// A core error as the console's one-line message.
fn err_text(e: crate::error::Error) -> String {
    e.to_string()
}

/// `path` with a leading `~` replaced by `$HOME` (as gdb does for file
/// names); unchanged without HOME.
pub fn expand_tilde(path: &std::path::Path) -> std::path::PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}
