//! [`Paused`]: the frames of one pause, walked lazily from the innermost,
//! and the reads the front end makes of them. Every request names its pause;
//! one naming another pause is refused before any `FrameHandle` is touched.

use std::sync::Arc;

use wasmtime::{FrameHandle, Module, Result, StoreContextMut, bail, format_err};

use super::protocol::{Error, ErrorKind, FrameInfo, FrameRef, PauseId, Response, ThreadId};

/// The error for a request naming pause `asked` while the program is at
/// pause `now`.
pub(crate) fn stale(asked: PauseId, now: PauseId) -> Error {
    Error::new(
        ErrorKind::Stale,
        format!(
            "stale frame: it belongs to pause {} and the program has resumed since (now at pause {})",
            asked.0, now.0
        ),
    )
    .with_hint("run `bt` for the current frames")
}

/// Refuses a thread the program does not have: wasmtime 48 runs it on
/// one, [`ThreadId::MAIN`].
pub(crate) fn check_thread(thread: ThreadId) -> Result<(), Error> {
    if thread == ThreadId::MAIN {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "no thread {thread}: the program is thread {}",
            ThreadId::MAIN
        ),
    ))
}
use crate::program::{CoreModuleId, Program};

/// One Wasm frame of a pause.
#[derive(Clone)]
pub(crate) struct WasmFrame {
    pub(crate) handle: FrameHandle,
    /// The core module whose function it is.
    pub(crate) module: CoreModuleId,
    /// Function index in that module.
    pub(crate) func: u32,
    /// The pc to show: the current instruction, or for a frame waiting on
    /// a call, the call.
    pub(crate) pc: usize,
}

/// The core module a frame's code belongs to: the index of the module in
/// `modules` that wasmtime says is the frame's (`Module::same`).
pub(crate) fn frame_module<T: 'static>(
    modules: &[Module],
    store: &mut StoreContextMut<'_, T>,
    handle: &FrameHandle,
) -> Option<CoreModuleId> {
    let module = handle.module(&mut *store).ok()??;
    modules
        .iter()
        .position(|m| Module::same(m, module))
        .map(|i| CoreModuleId(i as u32))
}

pub(crate) struct Paused {
    /// The pause these frames belong to; `None` for a walk the worker makes
    /// for itself (a step's depth, a throw's handlers, a reverse command's
    /// fingerprint), which serves no request.
    pub(crate) pause: Option<PauseId>,
    /// Why the program paused (a core dump records it).
    pub(crate) reason: Option<super::protocol::StopReason>,
    /// The panic the program reported before it trapped (a core dump
    /// records it).
    pub(crate) panic: Option<super::protocol::PanicMessage>,
    program: Arc<Program>,
    modules: Arc<Vec<Module>>,
    frames: Vec<WasmFrame>,
    /// The walk reached the end of the module's frames.
    complete: bool,
    /// Frame #0 is stopped in a call (to a host function) rather than at its
    /// own instruction.
    innermost_in_call: bool,
}

impl Paused {
    /// A walk of the stack for the worker itself (no pause, no requests).
    pub(crate) fn walk(program: Arc<Program>, modules: Arc<Vec<Module>>) -> Paused {
        Paused::with(None, program, modules, false)
    }

    /// The frames of a new pause. `innermost_in_call`: frame #0 is waiting
    /// on a (host) call rather than at its own instruction.
    pub(crate) fn new(
        pause: PauseId,
        program: Arc<Program>,
        modules: Arc<Vec<Module>>,
        innermost_in_call: bool,
    ) -> Paused {
        Paused::with(Some(pause), program, modules, innermost_in_call)
    }

    fn with(
        pause: Option<PauseId>,
        program: Arc<Program>,
        modules: Arc<Vec<Module>>,
        innermost_in_call: bool,
    ) -> Paused {
        Paused {
            pause,
            reason: None,
            panic: None,
            program,
            modules,
            frames: Vec::new(),
            complete: false,
            innermost_in_call,
        }
    }

    /// How many Wasm frames are on the stack (walks all of them).
    pub(crate) fn depth<T: 'static>(&mut self, store: &mut StoreContextMut<'_, T>) -> usize {
        let _ = self.frame(store, usize::MAX - 1);
        self.frames.len()
    }

    /// Answers a backtrace request of this pause: at most `limit` frames,
    /// innermost first, or with `outermost` the outermost `limit`.
    ///
    /// # Errors
    /// Another pause's, or another thread's; the engine's errors.
    pub(crate) fn backtrace<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        pause: PauseId,
        thread: ThreadId,
        limit: Option<usize>,
        outermost: bool,
    ) -> Result<Response> {
        self.check_pause(pause)?;
        check_thread(thread)?;
        if let (Some(n), true) = (limit, outermost) {
            let depth = self.depth(store);
            let frames = (depth.saturating_sub(n)..depth)
                .map(|i| self.frame_info(store, i))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Response::Backtrace {
                frames,
                total: Some(depth),
            });
        }
        let limit = limit.unwrap_or(usize::MAX);
        let mut frames = Vec::new();
        while frames.len() < limit {
            match self.frame_info(store, frames.len()) {
                Ok(f) => frames.push(f),
                Err(_) if self.complete => break,
                Err(e) => return Err(e),
            }
        }
        // At the limit, look one frame further: "more frames follow"
        // only when there are.
        if frames.len() == limit && limit < usize::MAX {
            let _ = self.frame(store, limit);
        }
        let total = (self.complete && self.frames.len() == frames.len()).then_some(frames.len());
        Ok(Response::Backtrace { frames, total })
    }

    /// The frame `r` names, described.
    ///
    /// # Errors
    /// Another pause's, another thread's, or past the stack.
    pub(crate) fn frame_response<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        r: FrameRef,
    ) -> Result<Response> {
        self.check_frame(r)?;
        Ok(Response::Frame(self.frame_info(store, r.index)?))
    }

    /// The frame `r` names: refused when it belongs to another pause
    /// (before any handle is touched), else walked to as needed.
    pub(crate) fn frame_of<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        r: FrameRef,
    ) -> Result<WasmFrame> {
        self.check_frame(r)?;
        self.frame(store, r.index).cloned()
    }

    /// Refuses a frame of another pause or of a thread the program does
    /// not have, before any handle is touched.
    pub(crate) fn check_frame(&self, r: FrameRef) -> Result<()> {
        self.check_pause(r.pause)?;
        check_thread(r.thread)?;
        Ok(())
    }

    /// Refuses a frame of another pause before any handle is touched.
    pub(crate) fn check_pause(&self, pause: PauseId) -> Result<()> {
        match self.pause {
            Some(now) if now != pause => return Err(stale(pause, now).into()),
            Some(_) => {}
            None => bail!(
                "internal error: a frame walk of the worker's own was asked to serve a request"
            ),
        }
        Ok(())
    }

    /// The `index`th frame, walking further up the stack as needed.
    pub(crate) fn frame<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        index: usize,
    ) -> Result<&WasmFrame> {
        while self.frames.len() <= index && !self.complete {
            let next = match self.frames.last() {
                None => store.debug_exit_frames().next(),
                Some(f) => f.handle.parent(&mut *store)?,
            };
            let Some(handle) = next else {
                self.complete = true;
                break;
            };
            // Stop at a frame that is not a function of the program's
            // modules (e.g. the frame wasmtime makes for module start-up,
            // whose instance slot is garbage). A frame waiting on a call
            // must be just past a call instruction; the innermost may also
            // be at its function's entry (the prologue that exhausted the
            // stack).
            let Some((defined, pc)) = handle.wasm_function_index_and_pc(&mut *store)? else {
                self.complete = true;
                break;
            };
            let module = if self.modules.len() == 1 {
                CoreModuleId::FIRST
            } else {
                match frame_module(&self.modules, store, &handle) {
                    Some(m) => m,
                    None => {
                        self.complete = true;
                        break;
                    }
                }
            };
            let info = self.program.info(module).clone();
            let func = info.num_imported_funcs() + defined.as_u32();
            let pc = pc.raw() as usize;
            let in_call = !self.frames.is_empty() || self.innermost_in_call;
            let shown = if in_call {
                // The innermost frame of a failed host call may also be at
                // an instruction that calls the engine (`memory.grow`).
                info.call_site(func, pc).or_else(|| {
                    (self.frames.is_empty() && info.is_instruction(func, pc)).then_some(pc)
                })
            } else {
                (info.is_instruction(func, pc) || info.is_entry(func, pc)).then_some(pc)
            };
            let Some(pc) = shown else {
                self.complete = true;
                break;
            };
            self.frames.push(WasmFrame {
                handle,
                module,
                func,
                pc,
            });
        }
        let depth = self.frames.len();
        self.frames.get(index).ok_or_else(|| {
            let message = match depth {
                0 => format!("no frame #{index}: no Wasm frames are on the stack"),
                1 => format!("no frame #{index}: the stack has 1 frame (#0)"),
                n => format!(
                    "no frame #{index}: the stack has {n} frames (#0-#{})",
                    n - 1
                ),
            };
            Error::new(ErrorKind::NoSuchFrame, message).into()
        })
    }

    pub(crate) fn frame_info<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        index: usize,
    ) -> Result<FrameInfo> {
        let WasmFrame {
            handle,
            module,
            func,
            pc,
        } = self.frame(store, index)?.clone();
        if !handle.is_valid(&mut *store) {
            return Err(Error::new(
                ErrorKind::Stale,
                format!("frame #{index} is no longer valid"),
            )
            .into());
        }
        let pause = self.pause.ok_or_else(|| {
            format_err!("internal error: a frame walk of the worker's own has no pause")
        })?;
        Ok(frame_info_at(
            &self.program,
            FrameRef::new(pause, index),
            module,
            func,
            pc,
        ))
    }
}

/// What `bt` and `frame` show of frame `frame`: function `func` of core
/// module `module` at module offset `pc`, with names, the instruction and
/// the source lines (innermost inlined frame first) from the module's facts.
pub(crate) fn frame_info_at(
    program: &Program,
    frame: FrameRef,
    module: CoreModuleId,
    func: u32,
    pc: usize,
) -> FrameInfo {
    let info = program.info(module);
    FrameInfo {
        frame,
        module,
        module_name: program.is_multi().then(|| program.name(module).to_string()),
        func_index: func,
        func_name: info.func_name(func),
        pc,
        instruction: info
            .is_instruction(func, pc)
            .then(|| info.instruction_text(pc))
            .flatten()
            .map(str::to_string),
        source: info.debug_info().map(|d| d.frames(pc)).unwrap_or_default(),
    }
}
