//! Post-mortem sessions (`wasmdbg core MODULE COREFILE`): the same
//! [`Request`]s and [`Response`]s as a live program, served from a core
//! dump by a thread of its own, so every front end reads a dump the way it
//! reads a pause. Reads (frames, locals, operand stack, globals, memory,
//! source variables, the module's facts) are answered; anything that needs
//! a live program is refused with [`ErrorKind::NotLive`].
//!
//! The dump is checked against the module: with our `wasmdbg-coredump`
//! section, by each core module's BLAKE3 hash; without it (wasmtime's
//! dumps), by the module count and by every frame naming a function and an
//! offset inside that function's body.

use crate::debugger::protocol::{BreakpointRequest, FramesRequest, InspectRequest};
use crate::error::{Error, invalid, io_error, malformed, not_found, unavailable};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};

use super::coredump::read::CoreDump;
use super::frames::frame_info_at;
use super::protocol::{ErrorKind, FrameRef, PauseId, Request, Response, Stop, StopReason, Value};
use super::state::Incoming;
use super::stdout::Message;
use super::target::{self, Place, Target};
use crate::program::ModuleInfo;
use crate::program::expr::{Expr, Num};
use crate::program::variables;
use crate::program::{CoreModuleId, Program};

/// A dump opened with its program.
struct PostMortem {
    program: Arc<Program>,
    dump: CoreDump,
    /// The program's core module of each dump instance.
    module_of: Vec<CoreModuleId>,
    /// Each frame's (module, function, pc).
    frames: Vec<(CoreModuleId, u32, usize)>,
    pause: PauseId,
    /// The session's pause ids and value history.
    lasting: Arc<super::history::Lasting>,
}

/// Spawns the thread that serves a core dump. Its first response is
/// `Stopped` (the dump's innermost frame, and why the program stopped when
/// the dump says) or `Ended(LoadFailed)` (the module or the dump cannot be
/// read, or they do not match).
///
/// # Errors
/// Only when the OS refuses to create the thread.
pub(crate) fn spawn(
    module: PathBuf,
    core: PathBuf,
    dwp: Option<PathBuf>,
    preloads: Vec<(String, PathBuf)>,
    lasting: Arc<super::history::Lasting>,
    requests: Receiver<Incoming>,
    responses: Sender<Message>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wasmdbg-core".into())
        .spawn(move || {
            let send = |r: Response| {
                let _ = responses.send(Message::Response(Box::new(r)));
            };
            let pause = PauseId(lasting.last_pause.fetch_add(1, Ordering::Relaxed) + 1);
            let pm = match open(&module, &core, dwp.as_deref(), &preloads, pause, lasting) {
                Ok(pm) => pm,
                Err(msg) => {
                    send(Response::Ended(super::protocol::Outcome::LoadFailed(
                        msg.to_string(),
                    )));
                    for incoming in requests {
                        match incoming {
                            Incoming::Request(Request::Detach) => return,
                            _ => send(Response::error(
                                ErrorKind::NotLoaded,
                                format!("the core dump could not be opened: {msg}"),
                            )),
                        }
                    }
                    return;
                }
            };
            let reason = pm
                .dump
                .wasmdbg
                .as_ref()
                .and_then(|s| s.stop.clone())
                .unwrap_or(StopReason::CoreDump);
            let frame = (!pm.frames.is_empty()).then(|| pm.frame_info(0));
            let panic = pm.dump.wasmdbg.as_ref().and_then(|s| s.panic.clone());
            send(Response::Stopped(Stop {
                pause,
                reason,
                frame,
                request: None,
                panic,
            }));
            for incoming in requests {
                let request = match incoming {
                    Incoming::Request(Request::Detach) => return,
                    Incoming::Request(r) => r,
                    Incoming::MaintenancePanic => crate::panic_guard::quiet(|| {
                        panic!("panic requested by `maintenance panic worker`")
                    }),
                };
                let response = crate::panic_guard::quiet(|| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pm.serve(request)))
                })
                .unwrap_or_else(|panic| {
                    Response::error(
                        ErrorKind::Internal,
                        format!(
                            "internal error reading the core dump (a bug in wasmdbg): {}; the session goes on",
                            crate::panic_guard::message(&*panic)
                        ),
                    )
                });
                send(response);
            }
        })
}

/// Reads the module and the dump and checks that they belong together.
fn open(
    module: &Path,
    core: &Path,
    dwp: Option<&Path>,
    preloads: &[(String, PathBuf)],
    pause: PauseId,
    lasting: Arc<super::history::Lasting>,
) -> Result<PostMortem, Error> {
    let bytes = crate::program::load_module_bytes(module)?;
    let program = if crate::program::is_component(&bytes) {
        Program::component(&bytes).map_err(|e| malformed!("malformed component: {e:#}"))?
    } else {
        let dwp = match dwp {
            Some(p) => Some((
                std::fs::read(p)
                    .map_err(|e| io_error!("cannot read --dwp {}: {e}", p.display()))?,
                p.display().to_string(),
            )),
            None => std::fs::read(module.with_extension("dwp"))
                .ok()
                .map(|b| (b, module.with_extension("dwp").display().to_string())),
        };
        let info = ModuleInfo::parse(bytes).map_err(|e| malformed!("malformed module: {e:#}"))?;
        let preloads = preloads
            .iter()
            .map(|(name, path)| {
                let bytes = crate::program::load_module_bytes(path)
                    .map_err(|e| e.context(format_args!("--preload {name}")))?;
                ModuleInfo::parse(bytes)
                    .map(|info| (name.clone(), info))
                    .map_err(|e| malformed!("--preload {name}: malformed module: {e:#}"))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Program::with_preloads(info.with_dwp(dwp), preloads)
    };
    let core_bytes =
        std::fs::read(core).map_err(|e| io_error!("cannot read {}: {e}", core.display()))?;
    let dump = CoreDump::parse(core_bytes).map_err(|e| e.context(core.display()))?;
    let mismatch = |why: &dyn std::fmt::Display| {
        invalid!(
            "{} does not come from {}: {why}",
            core.display(),
            module.display()
        )
    };
    // Which core module each dump instance is.
    let module_of: Vec<CoreModuleId> = match &dump.wasmdbg {
        Some(ours) => {
            if ours.modules.len() != program.modules.len() {
                let hint = if program.kind == crate::program::ProgramKind::Module
                    && ours.modules.len() > program.modules.len()
                {
                    format!(
                        " (a run with --preload: give `wasmdbg core` the same --preload for {})",
                        ours.modules[program.modules.len()..]
                            .iter()
                            .map(|m| m.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                };
                return Err(mismatch(&format!(
                    "the dump has {} core modules, the program {}{hint}",
                    ours.modules.len(),
                    program.modules.len()
                )));
            }
            for (i, (m, d)) in program.modules.iter().zip(&ours.modules).enumerate() {
                let hash = blake3::hash(m.info.bytes()).to_hex().to_string();
                if hash != d.blake3 {
                    return Err(mismatch(&format!(
                        "core module {i} ({}) has BLAKE3 {hash}, the dump's {}",
                        m.name, d.blake3
                    )));
                }
            }
            instance_modules(&dump, &program).map_err(|e| mismatch(&e))?
        }
        None => {
            if dump.modules.len() != program.modules.len() {
                return Err(mismatch(&format!(
                    "the dump has {} core modules, the program {}",
                    dump.modules.len(),
                    program.modules.len()
                )));
            }
            instance_modules(&dump, &program).map_err(|e| mismatch(&e))?
        }
    };
    let mut frames = Vec::with_capacity(dump.frames.len());
    for (i, f) in dump.frames.iter().enumerate() {
        let m = module_of[f.instance as usize];
        let info = program.info(m);
        let body = info
            .func(f.func)
            .and_then(|func| func.body.clone())
            .ok_or_else(|| {
                mismatch(&format!(
                    "frame #{i} names function {} of core module {m}, which has {} functions{}",
                    f.func,
                    info.num_funcs(),
                    if f.func < info.num_imported_funcs() {
                        " (that one is imported)"
                    } else {
                        ""
                    }
                ))
            })?;
        let pc = match f.pc {
            Some(pc) => pc,
            None => {
                let pc = body.start.saturating_add(f.code_offset as usize);
                // wasmtime records the return address of a caller's frame.
                if i > 0 {
                    info.call_site(f.func, pc).unwrap_or(pc)
                } else {
                    pc
                }
            }
        };
        if !body.contains(&pc) {
            return Err(mismatch(&format!(
                "frame #{i}'s offset {pc:#x} is outside function {}'s body",
                f.func
            )));
        }
        frames.push((m, f.func, pc));
    }
    Ok(PostMortem {
        program: Arc::new(program),
        dump,
        module_of,
        frames,
        pause,
        lasting,
    })
}

/// Each dump instance's core module of `program`.
///
/// # Errors
/// Why, when an instance names a module the program does not have (the
/// dump's `coremodules` may list more modules than wasmdbg's section,
/// which was checked against the program).
fn instance_modules(dump: &CoreDump, program: &Program) -> Result<Vec<CoreModuleId>, Error> {
    dump.instances
        .iter()
        .enumerate()
        .map(|(n, i)| {
            program.ids().find(|id| id.0 == i.module).ok_or_else(|| {
                invalid!(
                    "its instance {n} is of core module {}, and the program has {}",
                    i.module,
                    program.modules.len()
                )
            })
        })
        .collect()
}

/// A listing's answer, with what the dump did not record as
/// [`Response::NotRecorded`] (a front end shows it as a note, not a
/// failure).
fn not_recorded(answer: Result<Response, Error>) -> Response {
    match answer {
        Ok(r) => r,
        Err(e) if e.kind == ErrorKind::Unavailable => Response::NotRecorded(e.message),
        Err(e) => Response::Error(e),
    }
}

/// The refusal of a request that needs a live program.
fn not_live(what: &str) -> Response {
    Response::error(
        ErrorKind::NotLive,
        format!("this is a core dump: {what} needs a live program (run it with `wasmdbg run`)"),
    )
}

impl PostMortem {
    fn frame_info(&self, index: usize) -> super::protocol::FrameInfo {
        let (module, func, pc) = self.frames[index];
        frame_info_at(
            &self.program,
            FrameRef::new(self.pause, index),
            module,
            func,
            pc,
        )
    }

    /// The frame `r` names: refused when stale or past the stack.
    fn frame(&self, r: FrameRef) -> Result<usize, super::protocol::Error> {
        if r.pause != self.pause {
            return Err(super::frames::stale(r.pause, self.pause));
        }
        super::frames::check_thread(r.thread)?;
        if r.index >= self.frames.len() {
            let n = self.frames.len();
            return Err(super::protocol::Error::new(
                ErrorKind::NoSuchFrame,
                match n {
                    0 => format!("no frame #{}: the core dump has no frames", r.index),
                    1 => format!("no frame #{}: the stack has 1 frame (#0)", r.index),
                    n => format!(
                        "no frame #{}: the stack has {n} frames (#0-#{})",
                        r.index,
                        n - 1
                    ),
                },
            ));
        }
        Ok(r.index)
    }

    /// The dump instance of core module `module` (the first, as live).
    fn instance(&self, module: CoreModuleId) -> Option<usize> {
        self.module_of.iter().position(|m| *m == module)
    }

    /// The dump's memory `memory` of core module `module`.
    fn memory(&self, module: CoreModuleId, memory: u32) -> Result<u32, Error> {
        let instance = self
            .instance(module)
            .ok_or_else(|| unavailable!("the core dump has no instance of this module"))?;
        let count = self.program.info(module).memories().len();
        match self.dump.instances[instance].memories.get(memory as usize) {
            Some(&u32::MAX) => Err(unavailable!(
                "memory {memory} is not in the core dump (a shared memory)"
            )),
            Some(m) => Ok(*m),
            None => Err(match count {
                0 => not_found!("the module has no memory"),
                n => not_found!("no memory {memory}: the module has {n} (0-{})", n - 1),
            }),
        }
    }

    /// Global `index` of core module `module`.
    fn global(&self, module: CoreModuleId, index: u32) -> Result<&Value, Error> {
        let instance = self
            .instance(module)
            .ok_or_else(|| unavailable!("the core dump has no instance of this module"))?;
        self.dump.instances[instance]
            .globals
            .get(index as usize)
            .map(|g| &self.dump.globals[*g as usize].value)
            .ok_or_else(|| not_found!("no global {index}"))
    }

    fn serve(&self, request: Request) -> Response {
        match request {
            Request::Facts(facts) => super::facts::serve(&self.program, None, facts),
            Request::Frames(FramesRequest::Backtrace {
                pause,
                thread,
                limit,
                outermost,
            }) => {
                if pause != self.pause {
                    return Response::Error(super::frames::stale(pause, self.pause));
                }
                if let Err(e) = super::frames::check_thread(thread) {
                    return Response::Error(e);
                }
                let depth = self.frames.len();
                let n = limit.unwrap_or(depth).min(depth);
                let range = if outermost { depth - n..depth } else { 0..n };
                Response::Backtrace {
                    frames: range.map(|i| self.frame_info(i)).collect(),
                    total: Some(depth),
                }
            }
            Request::Frames(FramesRequest::Frame(r)) => match self.frame(r) {
                Ok(i) => Response::Frame(self.frame_info(i)),
                Err(e) => Response::Error(e),
            },
            Request::Frames(FramesRequest::Locals(r)) => match self.frame(r) {
                Ok(i) => {
                    not_recorded(target::locals(&mut DumpTarget(self), &i).map(Response::Locals))
                }
                Err(e) => Response::Error(e),
            },
            Request::Frames(FramesRequest::Stack(r)) => match self.frame(r) {
                Ok(i) => not_recorded(
                    target::operand_stack(&mut DumpTarget(self), &i).map(Response::Stack),
                ),
                Err(e) => Response::Error(e),
            },
            Request::Inspect(InspectRequest::Globals { module }) => {
                match super::facts::resolve(&self.program, &module)
                    .and_then(|m| target::globals(&mut DumpTarget(self), m))
                {
                    Ok(globals) => Response::Globals(globals),
                    Err(e) => Response::Error(e),
                }
            }
            Request::Inspect(InspectRequest::MemorySizes { module }) => {
                match super::facts::resolve(&self.program, &module) {
                    Ok(m) => Response::Sizes(
                        (0..self.program.info(m).memories().len() as u32)
                            .map(|i| {
                                self.memory(m, i)
                                    .ok()
                                    .map(|d| self.dump.memories[d as usize].pages * 65536)
                            })
                            .collect(),
                    ),
                    Err(e) => Response::Error(e),
                }
            }
            Request::Inspect(InspectRequest::TableSizes { module }) => {
                match super::facts::resolve(&self.program, &module) {
                    // Core dumps hold no tables.
                    Ok(m) => Response::Sizes(vec![None; self.program.info(m).tables().len()]),
                    Err(e) => Response::Error(e),
                }
            }
            Request::Inspect(InspectRequest::TableElements { .. }) => {
                Response::invalid("core dumps do not record tables".to_string())
            }
            Request::Inspect(InspectRequest::Examine(x)) => match self.frame(x.frame) {
                Ok(i) => {
                    target::examine(&mut DumpTarget(self), &i, &x).unwrap_or_else(Response::Error)
                }
                Err(e) => Response::Error(e),
            },
            Request::Inspect(InspectRequest::Evaluate {
                frame, expr, print, ..
            }) => match self.frame(frame) {
                Ok(i) => match Expr::parse(&expr, &self.lasting.history()).and_then(|expr| {
                    target::evaluate(&mut DumpTarget(self), &i, frame.inlined, &expr, &print)
                }) {
                    Ok(Ok(n)) => Response::Number(n),
                    Ok(Err((ty, v))) => Response::SourceValue(ty, v),
                    Err(e) => Response::Error(e),
                },
                Err(e) => Response::Error(e),
            },
            Request::Inspect(InspectRequest::SourceVariables {
                frame,
                args_only,
                print,
            }) => match self.frame(frame) {
                Ok(i) => {
                    let (module, _, pc) = self.frames[i];
                    let mut machine = target::FrameMachine {
                        t: &mut DumpTarget(self),
                        frame: &i,
                    };
                    match variables::frame_variables(
                        self.program.info(module),
                        pc,
                        frame.inlined,
                        &mut machine,
                        args_only,
                        &print,
                    ) {
                        Ok(vars) => Response::Variables(vars),
                        Err(e) => Response::Error(e),
                    }
                }
                Err(e) => Response::Error(e),
            },
            Request::Disassemble { frame, func, all } => {
                let at = match frame.map(|f| self.frame(f)) {
                    Some(Ok(i)) => Some(self.frames[i]),
                    Some(Err(e)) if func.is_none() => return Response::Error(e),
                    _ => None,
                };
                super::pause::disassemble(&self.program, at, func, all)
            }
            Request::Breakpoint(BreakpointRequest::Breakpoints) => {
                Response::Breakpoints(Vec::new())
            }
            Request::Continue => not_live("continuing"),
            Request::Step { .. } | Request::StepLine { .. } | Request::Advance { .. } => {
                not_live("stepping")
            }
            Request::Finish(_) => not_live("`finish`"),
            Request::Run => not_live("running"),
            Request::Reverse(_) => not_live("reverse execution"),
            Request::Breakpoint(BreakpointRequest::Break { .. })
            | Request::Watch { .. }
            | Request::Breakpoint(BreakpointRequest::Delete(_))
            | Request::Breakpoint(BreakpointRequest::Enable(..))
            | Request::Breakpoint(BreakpointRequest::Condition(..))
            | Request::Breakpoint(BreakpointRequest::Ignore(..))
            | Request::Breakpoint(BreakpointRequest::HitCondition(..)) => not_live("a breakpoint"),
            Request::SetStopOn(..) => not_live("choosing which events pause"),
            Request::Inspect(InspectRequest::SetVariable { .. })
            | Request::Inspect(InspectRequest::SetMemory { .. }) => not_live("changing a value"),
            Request::GenerateCoreFile { .. } => not_live("writing a core dump"),
            Request::CodeSource => Response::invalid("a core dump has no machine code".to_string()),
            Request::Detach => Response::Done,
            Request::Requests => Response::Requests(Default::default()),
            // The Session answers it with `Evaluate` requests; it never
            // reaches a worker.
            Request::Children { .. } => Response::error(
                ErrorKind::Internal,
                "internal error: Children reached the core dump reader (the Session answers it)"
                    .to_string(),
            ),
        }
    }

    /// Local `l` of frame `i`.
    fn local(&self, i: usize, l: u32) -> Result<Value, Error> {
        let locals = &self.dump.frames[i].locals;
        match locals.get(l as usize) {
            Some(Some(v)) => Ok(v.clone()),
            Some(None) => Err(unavailable!(
                "frame #{i}'s local {l} was not recorded in the core dump (a v128 or reference value)"
            )),
            None if locals.is_empty() => Err(unavailable!(
                "the core dump did not record this frame's locals"
            )),
            None => Err(not_found!(
                "no local {l}: the function has {}",
                locals.len()
            )),
        }
    }
}

/// A core dump as a [`Target`]: frames by index, values as the dump
/// recorded them.
struct DumpTarget<'a>(&'a PostMortem);

impl Target for DumpTarget<'_> {
    type Frame = usize;

    fn program(&self) -> &Program {
        &self.0.program
    }

    fn history(&self) -> Vec<Num> {
        self.0.lasting.history()
    }

    fn place(&self, frame: &usize) -> Place {
        let (module, func, pc) = self.0.frames[*frame];
        Place { module, func, pc }
    }

    fn num_locals(&mut self, frame: &usize) -> Result<u32, Error> {
        let i = *frame;
        let (module, func, _) = self.0.frames[i];
        let recorded = self.0.dump.frames[i].locals.len();
        if recorded == 0 && self.0.program.info(module).num_locals(func).unwrap_or(0) > 0 {
            return Err(unavailable!(
                "frame #{i}'s locals were not recorded in the core dump (wasmtime's dumps record none)"
            ));
        }
        Ok(recorded as u32)
    }

    fn stack_depth(&mut self, frame: &usize) -> Result<u32, Error> {
        if self.0.dump.wasmdbg.is_none() {
            return Err(unavailable!(
                "frame #{frame}'s operand stack was not recorded in the core dump (wasmtime's dumps record none)"
            ));
        }
        Ok(self.0.dump.frames[*frame].stack.len() as u32)
    }

    fn local(&mut self, frame: &usize, index: u32) -> Result<Value, Error> {
        self.0.local(*frame, index)
    }

    fn operand(&mut self, frame: &usize, index: u32) -> Result<Value, Error> {
        let stack = &self.0.dump.frames[*frame].stack;
        match stack.get(index as usize) {
            Some(Some(v)) => Ok(v.clone()),
            Some(None) => Err(unavailable!(
                "frame #{frame}'s operand stack slot {index} was not recorded in the core dump"
            )),
            None => Err(not_found!(
                "no operand stack entry {index}: the stack has {}",
                stack.len()
            )),
        }
    }

    fn global(&mut self, module: CoreModuleId, index: u32) -> Result<Value, Error> {
        self.0.global(module, index).cloned()
    }

    fn memory_size(&mut self, module: CoreModuleId, memory: u32) -> Result<u64, Error> {
        let m = self.0.memory(module, memory)?;
        Ok(self.0.dump.memories[m as usize].pages.saturating_mul(65536))
    }

    fn read_memory(
        &mut self,
        module: CoreModuleId,
        memory: u32,
        address: u64,
        len: u64,
    ) -> Result<Vec<u8>, Error> {
        let size = self.memory_size(module, memory)?;
        if address.checked_add(len).is_none_or(|end| end > size) {
            return Err(target::out_of_range(memory, address, len, size));
        }
        let m = self.0.memory(module, memory)?;
        self.0.dump.read_memory(m, address, len)
    }
}
