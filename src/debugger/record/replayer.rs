//! The replayed run's host: every WASI preview 1 call answered from the
//! trace — the recorded memory writes applied, the recorded result
//! returned — after checking that it is the call the recording made. The
//! guest's stdout and stderr writes are shown again from its own memory;
//! nothing else of the host (files, clocks, stdin) is touched.

use std::sync::Arc;

use wasmtime::{Caller, Extern, FuncType, Linker, Val, format_err};
use wasmtime_wasi::I32Exit;

use super::p1::{self, Bits};
use super::p1::{WASI, bits};
use super::trace::{CallResult, Trace, call_text};
use crate::debugger::stdout::GuestOutput;

/// Where a replayed run is in its trace.
pub(crate) struct Cursor {
    /// The trace.
    pub trace: Arc<Trace>,
    /// The index of the next call to answer.
    pub next: usize,
    /// Where the guest's stdout and stderr writes go (not shown again
    /// while the output was already shown, as in `wasmdbg run`'s fast
    /// path's first replay: see [`GuestOutput::shown`]); `None` where
    /// nothing reads them.
    pub echo: Option<(GuestOutput, GuestOutput)>,
    /// A component's stdout and stderr streams: the host `rep`s its
    /// replayed `get-stdout` and `get-stderr` calls returned and the guest
    /// has not dropped, each with 0 for stdout and 1 for stderr.
    pub streams: Vec<(u32, usize)>,
    /// Called once the last recorded call has been answered (a run or
    /// request interrupted on plain code pauses there).
    pub at_end: Option<Box<dyn FnOnce() + Send>>,
    /// Throws that a handler catches do not pause this run, whatever
    /// `stop-on-throw` says: it replays a run on plain code up to where it
    /// failed, and that run did not pause at them.
    pub passes_caught_throws: bool,
}

impl Cursor {
    /// A cursor at the start of `trace`.
    pub fn new(trace: Arc<Trace>, echo: Option<(GuestOutput, GuestOutput)>) -> Cursor {
        Cursor {
            trace,
            next: 0,
            echo,
            streams: Vec::new(),
            at_end: None,
            passes_caught_throws: false,
        }
    }

    /// Moves past the call just answered; after the last recorded one,
    /// calls [`Cursor::at_end`].
    pub fn advance(&mut self) {
        self.next += 1;
        if self.next >= self.trace.call_count()
            && let Some(at_end) = self.at_end.take()
        {
            at_end();
        }
    }

    /// Interrupts the replay (through `interrupter`, as Ctrl-C does, or as
    /// `--timeout` after `timeout` seconds said) once the last recorded call
    /// has been answered — at once when there is none: how far a recording
    /// that was interrupted ran after its last call is not recorded.
    pub(crate) fn interrupt_after_last_call(
        &mut self,
        interrupter: crate::debugger::Interrupter,
        timeout: Option<f64>,
    ) {
        let again = move || match timeout {
            Some(seconds) => interrupter.interrupt_for_timeout(seconds),
            None => interrupter.interrupt(),
        };
        if self.trace.call_count() == 0 {
            again();
        } else {
            self.at_end = Some(Box::new(again));
        }
    }

    /// The error of host call `call` (its text: name and arguments) made
    /// after the last recorded one. A recording that ended failing
    /// (`End::Failed`) failed at this call, the first it could not record
    /// (a host call that failed, such as `fd_write` without a memory to
    /// read): the replay fails with the same message, saying so (a replay
    /// that diverged before an uncaught exception or `--max-memory`, which
    /// end a recording the same way, is the rare case this misreads). One
    /// that was interrupted (Ctrl-C, `--timeout`) ends here. Otherwise the
    /// replay diverged.
    pub(crate) fn past_the_end(&self, call: &str) -> String {
        let interrupted = crate::debugger::host::trap_message(&wasmtime::Trap::Interrupt);
        let recorded = self.trace.call_count();
        match &self.trace.end {
            super::trace::End::Failed(message) => format!(
                "{message} (as the recording failed after its {recorded} recorded calls; here \
                 at {call})"
            ),
            super::trace::End::Trapped(message) if *message == interrupted => format!(
                "the recording ends before host call #{}, {call}: it was interrupted after \
                 the {recorded} recorded calls, and how far it ran after them is not \
                 recorded (`run` replays it again; only a run under the debugger from the \
                 start goes on past this point)",
                self.next + 1,
            ),
            end => format!(
                "the replay diverged at host call #{}: the program calls {call}, after the last \
                 of the {recorded} recorded calls (the recording {end})",
                self.next + 1,
            ),
        }
    }

    /// Why a replay that ended here does not match the recording, if it
    /// does not: calls left over.
    pub fn unfinished(&self) -> Option<String> {
        let total = self.trace.call_count();
        (self.next < total).then(|| {
            format!(
                "the replay diverged: the program ended after host call #{} of the {total} \
                 recorded (the recording {})",
                self.next, self.trace.end
            )
        })
    }
}

/// A store's data that replays: its cursor.
pub(crate) trait Replaying: Send + 'static {
    /// The cursor (`None`: not replaying, every call fails).
    fn cursor(&mut self) -> Option<&mut Cursor>;
}

/// Defines each of `imports` (the module's WASI functions and their types)
/// in `linker` as answered from the trace.
///
/// # Errors
/// A name defined twice.
pub(crate) fn define<T: Replaying>(
    linker: &mut Linker<T>,
    imports: Vec<(String, FuncType)>,
) -> wasmtime::Result<()> {
    for (name, ty) in imports {
        let name: Arc<str> = name.into();
        let n = name.clone();
        linker.func_new(WASI, &n, ty, move |caller, params, results| {
            replayed_call(caller, &name, params, results)
        })?;
    }
    Ok(())
}

/// One call answered from the trace.
fn replayed_call<T: Replaying>(
    mut caller: Caller<'_, T>,
    name: &str,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let args: Vec<Bits> = params.iter().map(bits).collect();
    let memory = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Some(m),
        _ => None,
    };
    let cursor = caller
        .data_mut()
        .cursor()
        .ok_or_else(|| format_err!("{name}: not replaying"))?;
    let n = cursor.next + 1;
    let trace = cursor.trace.clone();
    let Some(call) = trace.calls.get(cursor.next) else {
        return Err(format_err!(
            "{}",
            cursor.past_the_end(&call_text(name, &args))
        ));
    };
    let recorded = trace.function(call);
    if recorded != name || call.args != args {
        return Err(format_err!(
            "the replay diverged at host call #{n}: the program calls {}, the recording has {}",
            call_text(name, &args),
            call_text(recorded, &call.args)
        ));
    }
    cursor.advance();
    let echo = cursor.echo.clone();
    if !call.writes.is_empty() {
        let memory = memory.ok_or_else(|| format_err!("missing required memory export"))?;
        let data = memory.data_mut(&mut caller);
        if let Some(echo) = echo
            && name == "fd_write"
            && matches!(args.first(), Some(1 | 2))
        {
            // The count the call returned, from the recorded write of
            // `nwritten`.
            let count = call
                .writes
                .iter()
                .find(|(at, _)| u64::from(*at) == args[3])
                .and_then(|(_, b)| Some(u32::from_le_bytes(b.get(..4)?.try_into().ok()?)))
                .unwrap_or(0);
            let bytes = gather(data, args[1] as u32, args[2] as u32, count);
            let stream = if args[0] == 1 { &echo.0 } else { &echo.1 };
            stream.send(&bytes);
        }
        for (at, bytes) in &call.writes {
            let at = *at as usize;
            let size = data.len();
            let slot = at
                .checked_add(bytes.len())
                .and_then(|end| data.get_mut(at..end))
                .ok_or_else(|| {
                    format_err!(
                        "the replay diverged at host call #{n}: {} wrote {} bytes at {at:#x} in \
                         the recording, past the end of memory ({size} bytes) now",
                        call_text(name, &args),
                        bytes.len(),
                    )
                })?;
            slot.copy_from_slice(bytes);
        }
    }
    match &call.result {
        CallResult::Returned(errno) => {
            if let (Some(errno), Some(slot)) = (errno, results.first_mut()) {
                *slot = Val::I32(*errno);
            }
            Ok(())
        }
        CallResult::Exit(code) => Err(I32Exit(*code).into()),
        CallResult::Failed(message) => Err(format_err!("{message}")),
    }
}

/// The first `count` bytes of the iovec list at `iovs` (`len` entries).
fn gather(memory: &[u8], iovs: u32, len: u32, count: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut left = count as usize;
    for i in 0..len.min((memory.len() / 8) as u32) {
        let Some(at) = iovs.checked_add(i * 8) else {
            break;
        };
        let (Some(buf), Some(buf_len)) = (
            p1::word(memory, at),
            at.checked_add(4).and_then(|a| p1::word(memory, a)),
        ) else {
            break;
        };
        let take = (buf_len as usize).min(left);
        let Some(bytes) = memory.get(buf as usize..buf as usize + take) else {
            break;
        };
        out.extend_from_slice(bytes);
        left -= take;
        if left == 0 {
            break;
        }
    }
    out
}
