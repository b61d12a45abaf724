//! The pause: it reports the stop, then serves the front end's requests
//! (one exhaustive dispatch) until one resumes the guest; after the end,
//! the requests that need no paused program. Steps are in
//! [`super::stepping`], watchpoints in [`super::watch`], the breakpoint
//! requests in [`super::breakpoint_requests`], state reads in
//! [`super::inspect`], reverse commands in [`super::reverse`].

use crate::debugger::protocol::{FramesRequest, InspectRequest};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use wasmtime::{AsContextMut, StoreContextMut};

use super::breakpoint_requests::breakpoint_request;
use super::breakpoints;
use super::frames::Paused;
use super::protocol::{
    CoreModuleId, DisasmLine, ErrorKind, Outcome, PauseId, Request, Response, Stop, StopReason,
};
use super::state::{
    Channel, Host, Incoming, Shared, core_error, error_response, guarded, lock, start_killing,
};
use super::stepping::{resume, start_advance, start_finish, start_line_step, start_step};
use super::watch::add_watch;

/// At the pause where a request `serve` replays failed: writes its core
/// dump (`--record`) and tells the front end about the request's
/// recording, before the stop.
fn announce_replayed_request(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    channel: &Channel,
) {
    let pending = lock(&shared.requests).pending_record.take();
    let Some((mut record, core)) = pending else {
        return;
    };
    if let Some((path, name)) = core {
        let written =
            guarded(|| super::coredump::write::write(shared, store, paused, &path, &name));
        record.core_file = Some(written.map(|w| w.path).map_err(|e| core_error(&e).message));
    }
    let _ = channel.responses.send(super::stdout::Message::Event(
        super::protocol::Event::RequestRecorded(Box::new(record)),
    ));
}

/// A pause: reports it, then serves requests until one resumes the guest.
pub(crate) fn pause(
    shared: &Arc<Shared>,
    mut store: StoreContextMut<'_, Host>,
    reason: StopReason,
) {
    let pause = PauseId(shared.lasting.last_pause.fetch_add(1, Ordering::Relaxed) + 1);
    let mut paused = Paused::new(
        pause,
        shared.program.clone(),
        shared.modules.clone(),
        // After a failed host call, frame #0 is the guest function that made
        // the call, and wasmtime reports it waiting on the call.
        matches!(
            reason,
            StopReason::HostcallError(_) | StopReason::MemoryLimit(_)
        ),
    );
    paused.reason = Some(reason.clone());
    let frame = guarded(|| paused.frame_info(&mut store, 0)).ok();
    let channel = lock(&shared.channel);
    let request = {
        let mut log = lock(&shared.requests);
        log.paused = true;
        log.current()
    };
    // However the pause ends, `serve`'s acceptor learns it.
    let _unpause = Unpause(shared);
    if reason.is_crash() || matches!(reason, StopReason::Interrupted { .. }) {
        announce_replayed_request(shared, &mut store, &mut paused, &channel);
    }
    let panic = match reason {
        StopReason::Trap(_) => channel.responses.panic(),
        _ => None,
    };
    paused.panic = panic.clone();
    channel.send(Response::Stopped(Stop {
        pause,
        reason,
        frame,
        request,
        panic,
    }));
    loop {
        let request = match channel.recv() {
            Incoming::Request(request) => Some(request),
            // `maintenance panic worker`: panics below, inside the guard.
            Incoming::MaintenancePanic => None,
        };
        // A panic must not leave the debug handler: wasmtime calls it where
        // unwinding aborts the process. It becomes the request's error.
        let served = crate::panic_guard::quiet(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Served {
                let Some(request) = request else {
                    maintenance_panic()
                };
                // A request naming another pause is refused here, typed,
                // before any frame handle is touched (a named function
                // needs no frame to disassemble).
                if let Some(asked) = request.pause()
                    && asked != pause
                    && !matches!(request, Request::Disassemble { func: Some(_), .. })
                {
                    return Served::Reply(Response::Error(super::frames::stale(asked, pause)));
                }
                Served::Reply(match request {
                    Request::Continue => return Served::Resume,
                    Request::Step { over, count } => {
                        match guarded(|| start_step(shared, &mut store, &mut paused, over, count)) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::StepLine { over, until, count } => {
                        match guarded(|| {
                            start_line_step(shared, &mut store, &mut paused, over, until, count)
                        }) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Advance { frame, location } => {
                        match guarded(|| {
                            start_advance(shared, &mut store, &mut paused, frame, &location)
                        }) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Finish(frame) => {
                        match guarded(|| start_finish(shared, &mut store, &mut paused, frame)) {
                            Ok(()) => return Served::Resume,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Detach => {
                        lock(&shared.control).detached = true;
                        start_killing(shared);
                        return Served::Quit;
                    }
                    Request::Run => {
                        if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
                            let _ = edit.single_step(false);
                        }
                        start_killing(shared);
                        return Served::Quit;
                    }
                    Request::Reverse(command) => {
                        match super::reverse::start(
                            shared,
                            Some((&mut store, &mut paused)),
                            command,
                        ) {
                            Ok(()) => {
                                if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
                                    let _ = edit.single_step(false);
                                }
                                return Served::Quit;
                            }
                            Err(e) => Response::Error(e),
                        }
                    }
                    Request::Disassemble { frame, func, all } => {
                        let at = match frame {
                            Some(f) => guarded(|| {
                                let f = paused.frame_of(&mut store, f)?;
                                Ok((f.module, f.func, f.pc))
                            })
                            .map(Some)
                            .map_err(|e| core_error(&e)),
                            None => Ok(None),
                        };
                        match at {
                            Ok(at) => disassemble(&shared.program, at, func, all),
                            // A named function needs no frame (the frame
                            // only places the `=>` marker).
                            Err(_) if func.is_some() => {
                                disassemble(&shared.program, None, func, all)
                            }
                            Err(e) => Response::Error(e),
                        }
                    }
                    Request::CodeSource => Response::CodeSource(shared.code.clone()),
                    Request::GenerateCoreFile { path, name, .. } => {
                        match guarded(|| {
                            super::coredump::write::write(
                                shared,
                                &mut store,
                                &mut paused,
                                &path,
                                &name,
                            )
                        }) {
                            Ok(written) => Response::CoreFileWritten(written),
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Watch { frame, target } => {
                        match guarded(|| {
                            Ok(add_watch(shared, &mut store, &mut paused, frame, target))
                        }) {
                            Ok(Ok(info)) => Response::BreakpointSet(info),
                            Ok(Err(e)) => Response::Error(e),
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Breakpoint(r) => breakpoint_request(shared, Some(&mut store), r),
                    Request::Facts(r) => {
                        super::facts::serve(&shared.program, Some(&shared.code), r)
                    }
                    Request::Requests => Response::Requests(lock(&shared.requests).view()),
                    Request::SetStopOn(event, on) => {
                        shared.stop_on(event).store(on, Ordering::Relaxed);
                        Response::Done
                    }
                    Request::Inspect(r) => {
                        let writes = matches!(
                            r,
                            InspectRequest::SetVariable { .. } | InspectRequest::SetMemory { .. }
                        );
                        match guarded(|| {
                            Ok(super::inspect::serve(shared, &mut store, &mut paused, r))
                        }) {
                            Ok(Response::Done) if writes => {
                                // A watched value may have been written.
                                super::watch::refresh_watches(shared, &mut store);
                                Response::Done
                            }
                            Ok(response) => response,
                            Err(e) => error_response(&e),
                        }
                    }
                    Request::Frames(r) => {
                        guarded(|| super::inspect::serve_frames(shared, &mut store, &mut paused, r))
                            .unwrap_or_else(|e| error_response(&e))
                    }
                    Request::Children { .. } => children_not_here(),
                })
            }))
        });
        let response = match served {
            Ok(Served::Reply(response)) => response,
            Ok(Served::Resume) => break,
            Ok(Served::Quit) => {
                drop(channel);
                return;
            }
            Err(panic) => Response::error(
                ErrorKind::Internal,
                format!(
                    "internal error in the worker (a bug in wasmdbg): {}; the session goes on",
                    crate::panic_guard::message(&*panic)
                ),
            ),
        };
        channel.send(response);
    }
    resume(shared, &mut store);
    // Every FrameHandle of this pause is dropped with `paused`.
}

/// Clears the "paused" mark `wasmdbg serve`'s acceptor reads when the
/// pause ends.
struct Unpause<'a>(&'a Shared);

impl Drop for Unpause<'_> {
    fn drop(&mut self) {
        lock(&self.0.requests).paused = false;
    }
}

/// What serving one request while paused leads to. (Lives for one request,
/// so the size of `Reply` does not matter.)
#[allow(clippy::large_enum_variant)]
enum Served {
    /// Answer and wait for the next request.
    Reply(Response),
    /// Resume the guest.
    Resume,
    /// The run is being abandoned (`run`).
    Quit,
}

/// Ends the worker thread with a panic whose message is not printed.
fn maintenance_panic() -> ! {
    crate::panic_guard::quiet(|| panic!("panic requested by `maintenance panic worker`"))
}

/// `wasmdbg serve --stop-on-entry` (and the DAP server's launch): the
/// server has loaded and is not serving yet. A stop with no frame is
/// reported; breakpoints and the program's facts can be asked for;
/// `continue` (or a step, or `run`) starts serving. Returns `false` when the
/// front end left instead.
pub(crate) fn before_serving(shared: &Arc<Shared>) -> bool {
    let channel = lock(&shared.channel);
    let pause = PauseId(shared.lasting.last_pause.fetch_add(1, Ordering::Relaxed) + 1);
    channel.send(Response::Stopped(Stop {
        pause,
        reason: StopReason::Entry,
        frame: None,
        request: None,
        panic: None,
    }));
    loop {
        let Incoming::Request(request) = channel.recv() else {
            maintenance_panic()
        };
        let response = match request {
            Request::Continue
            | Request::Run
            | Request::Step { .. }
            | Request::StepLine { .. }
            | Request::Advance { .. }
            | Request::Finish(_) => return true,
            Request::Detach => {
                lock(&shared.control).detached = true;
                return false;
            }
            Request::SetStopOn(event, on) => {
                shared.stop_on(event).store(on, Ordering::Relaxed);
                Response::Done
            }
            Request::Disassemble { func, all, .. } => disassemble(&shared.program, None, func, all),
            Request::CodeSource => Response::CodeSource(shared.code.clone()),
            Request::Frames(FramesRequest::Backtrace { .. }) => Response::Backtrace {
                frames: Vec::new(),
                total: Some(0),
            },
            Request::Breakpoint(r) => breakpoint_request(shared, None, r),
            Request::Facts(r) => super::facts::serve(&shared.program, Some(&shared.code), r),
            Request::Requests => Response::Requests(lock(&shared.requests).view()),
            Request::Children { .. } => children_not_here(),
            Request::Frames(_)
            | Request::Inspect(_)
            | Request::Watch { .. }
            | Request::Reverse(_)
            | Request::GenerateCoreFile { .. } => Response::error(
                ErrorKind::NotPaused,
                "no request is being served yet: `continue` starts serving".to_string(),
            ),
        };
        channel.send(response);
    }
}

/// After the program ended: frames are refused, breakpoints edit the table,
/// `run` returns so the worker starts a new run.
pub(crate) fn serve_ended(shared: &Arc<Shared>, channel: &Channel, outcome: &Outcome) {
    loop {
        let Incoming::Request(request) = channel.recv() else {
            maintenance_panic()
        };
        let response = match request {
            Request::Run => return,
            Request::Reverse(command) => match super::reverse::start(shared, None, command) {
                Ok(()) => {
                    // The run has ended: clear the kill the start asked
                    // for, the next run is the reverse command's replay.
                    lock(&shared.control).killing = false;
                    return;
                }
                Err(e) => Response::Error(e),
            },
            Request::Detach => {
                lock(&shared.control).detached = true;
                return;
            }
            Request::Continue
            | Request::Step { .. }
            | Request::StepLine { .. }
            | Request::Advance { .. }
            | Request::Finish(_) => Response::error(
                ErrorKind::NotPaused,
                format!("the program is not being run: it {outcome}"),
            ),
            Request::SetStopOn(event, on) => {
                shared.stop_on(event).store(on, Ordering::Relaxed);
                Response::Done
            }
            Request::Disassemble { func, all, .. } => disassemble(&shared.program, None, func, all),
            Request::CodeSource => Response::CodeSource(shared.code.clone()),
            Request::Breakpoint(r) => breakpoint_request(shared, None, r),
            Request::Facts(r) => super::facts::serve(&shared.program, Some(&shared.code), r),
            Request::Requests => Response::Requests(lock(&shared.requests).view()),
            Request::Children { .. } => children_not_here(),
            Request::Frames(_)
            | Request::Inspect(_)
            | Request::Watch { .. }
            | Request::GenerateCoreFile { .. } => Response::error(
                ErrorKind::NotPaused,
                format!("the program is not paused: it {outcome}"),
            ),
        };
        channel.send(response);
    }
}

/// The answer should `Children` reach a worker: the Session answers it
/// itself with `Evaluate` requests.
fn children_not_here() -> Response {
    Response::error(
        ErrorKind::Internal,
        "internal error: Children reached the worker (the Session answers it)".to_string(),
    )
}

/// Lines of a function's disassembly: the one at `at` (function, pc) or
/// named by `func`; a window of `WINDOW` lines each side of the pc unless
/// `all`.
pub(crate) fn disassemble(
    program: &crate::program::Program,
    at: Option<(CoreModuleId, u32, usize)>,
    func: Option<String>,
    all: bool,
) -> Response {
    const WINDOW: usize = 12;
    let (module, func_index, pc) = match (func, at) {
        (Some(name), _) => match breakpoints::function_in(program, &name) {
            Ok((m, f)) => (m, f, None),
            Err(e) => return Response::Error(e),
        },
        (None, Some((m, f, pc))) => (m, f, Some(pc)),
        (None, None) => {
            return Response::invalid(
                "the program is not paused: name a function (disassemble NAME)".to_string(),
            );
        }
    };
    let info = program.info(module);
    let offsets = info.instruction_offsets(func_index);
    if offsets.is_empty() {
        return Response::invalid(format!(
            "func[{func_index}] is imported: it has no Wasm code"
        ));
    }
    let lines: Vec<DisasmLine> = offsets
        .iter()
        .map(|&o| DisasmLine {
            pc: o,
            text: info
                .instruction_text(o)
                .unwrap_or("<cannot print>")
                .to_string(),
            current: Some(o) == pc,
        })
        .collect();
    let (lines, omitted) = match lines.iter().position(|l| l.current) {
        Some(i) if !all && lines.len() > 2 * WINDOW + 1 => {
            let start = i.saturating_sub(WINDOW);
            let end = (i + WINDOW + 1).min(lines.len());
            let omitted = (start, lines.len() - end);
            (lines[start..end].to_vec(), omitted)
        }
        _ => (lines, (0, 0)),
    };
    Response::Disassembly {
        module_name: program.is_multi().then(|| program.name(module).to_string()),
        func_index,
        func_name: info.func_name(func_index),
        lines,
        omitted,
    }
}
