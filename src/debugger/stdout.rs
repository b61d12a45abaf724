//! The guest's stdout and stderr: every write becomes an
//! [`Event::Output`] on the session's channel, in order with the responses,
//! so the front end shows guest output and debugger output in the order they
//! happened; and the worker's end of that channel, the [`Outbox`]. Nothing
//! here touches the terminal.

use std::pin::Pin;
use std::sync::mpsc::{SendError, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use super::protocol::{Event, Logged, OutputStream as Stream, PanicKind, PanicMessage, Response};

/// What the worker sends the [`super::Session`]: events while the guest
/// runs, and the one response to each request.
#[derive(Debug)]
pub(crate) enum Message {
    /// Delivered to the session's event sink.
    Event(Event),
    /// The answer to the request being served (boxed: a response is large,
    /// an event small, and most messages of a chatty guest are events).
    Response(Box<Response>),
    /// dprintf and logpoint hits, in order: each is delivered as an
    /// [`Event::Logged`] (sent together, see [`Outbox`]).
    Logged(Vec<Logged>),
}

/// Most dprintf and logpoint messages an [`Outbox`] holds before it sends
/// them.
const HELD_MAX: usize = 256;

/// Longest an [`Outbox`] holds a dprintf or logpoint message.
const HOLD_FOR: std::time::Duration = std::time::Duration::from_millis(20);

/// The worker's sending end of the session's channel: messages arrive in
/// the order they were sent. A dprintf's or logpoint's hit (given to
/// [`Outbox::hold`]) may wait, with others, until the next other message,
/// [`HELD_MAX`] of them, or [`HOLD_FOR`] has passed, and they go as one
/// [`Message::Logged`]: sent one by one, the channel's allocations, made by
/// this thread and freed by the front end's, contended for the allocator's
/// lock, and a dprintf hit cost 4.4 times a breakpoint hit with a false
/// condition; held, 1.9 times (docs/performance.md, figure 9).
#[derive(Clone)]
pub(crate) struct Outbox(Arc<OutboxInner>);

struct OutboxInner {
    held: Mutex<Held>,
    /// The thread that sends what is held after [`HOLD_FOR`] (none if it
    /// could not be started: then nothing is held).
    flusher: Option<std::thread::Thread>,
    /// The last bytes the guest wrote to stderr in this run (at most
    /// [`PanicMessage::TAIL`]), shown or not, for [`Outbox::panic`].
    stderr: Mutex<Vec<u8>>,
}

struct Held {
    sender: Sender<Message>,
    logged: Vec<Logged>,
}

impl Held {
    fn flush(&mut self) {
        if !self.logged.is_empty() {
            let batch = std::mem::take(&mut self.logged);
            // A closed channel: the front end has gone (see `send`).
            let _ = self.sender.send(Message::Logged(batch));
        }
    }
}

impl Drop for OutboxInner {
    /// The last clone gone (the worker ending): what is held still goes.
    fn drop(&mut self) {
        locked(&self.held).flush();
    }
}

fn tail(m: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The message `stderr` ends with: Rust's panic hook's
///
/// ```text
/// thread 'main' (1) panicked at src/main.rs:4:5:
/// MESSAGE
/// note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
/// ```
///
/// (the thread's number and the note are not always there; the message may
/// have several lines, so what follows a panic without the note is taken
/// as its message), or musl's `Assertion failed: EXPR (FILE: FUNCTION:
/// LINE)` line. `None` when anything else was written after it.
fn panic_message(stderr: &str) -> Option<PanicMessage> {
    let body = stderr.strip_suffix('\n').unwrap_or(stderr);
    let last_line = body.rsplit('\n').next().unwrap_or(body);
    if let Some(assert) = last_line.strip_prefix("Assertion failed: ")
        && let Some(inner) = assert.strip_suffix(')')
        && let Some((expr, place)) = inner.rsplit_once(" (")
    {
        let mut parts = place.rsplitn(3, ": ");
        let (line, function, file) = (parts.next()?, parts.next()?, parts.next()?);
        line.parse::<u32>().ok()?;
        return Some(PanicMessage {
            kind: PanicKind::CAssert,
            message: expr.to_string(),
            location: format!("{file}:{line}"),
            function: Some(function.to_string()),
        });
    }
    let body = match body.rsplit_once('\n') {
        Some((before, note)) if note.starts_with("note: run with `RUST_BACKTRACE=") => before,
        _ => body,
    };
    // The last line that starts a panic; what follows is its message.
    let start = body
        .rmatch_indices("thread '")
        .map(|(at, _)| at)
        .filter(|&at| at == 0 || body.as_bytes()[at - 1] == b'\n')
        .find(|&at| {
            body[at..]
                .lines()
                .next()
                .is_some_and(|l| l.contains(" panicked at "))
        })?;
    let (head, message) = body[start..].split_once('\n')?;
    // The hook writes the note last: output after it is not the panic's.
    if message.contains("\nnote: run with `RUST_BACKTRACE=") {
        return None;
    }
    let location = head.split_once(" panicked at ")?.1.strip_suffix(':')?;
    Some(PanicMessage {
        kind: PanicKind::RustPanic,
        message: message.to_string(),
        location: location.to_string(),
        function: None,
    })
}

fn locked(m: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Outbox {
    /// An outbox over `sender`, with its flusher thread (which ends within
    /// a second and [`HOLD_FOR`] of the last clone of the outbox, and never
    /// keeps the channel open longer than a flush).
    pub(crate) fn new(sender: Sender<Message>) -> Outbox {
        let (tx, rx) = std::sync::mpsc::channel::<std::sync::Weak<OutboxInner>>();
        let flusher = std::thread::Builder::new()
            .name("wasmdbg-outbox".into())
            .spawn(move || {
                let Ok(outbox) = rx.recv() else { return };
                loop {
                    // Woken by a first held message (or once a second, to
                    // see whether the outbox is gone).
                    std::thread::park_timeout(std::time::Duration::from_secs(1));
                    std::thread::sleep(HOLD_FOR);
                    let Some(inner) = outbox.upgrade() else {
                        return;
                    };
                    locked(&inner.held).flush();
                }
            })
            .ok()
            .map(|handle| handle.thread().clone());
        let inner = Arc::new(OutboxInner {
            held: Mutex::new(Held {
                sender,
                logged: Vec::new(),
            }),
            flusher,
            stderr: Mutex::new(Vec::new()),
        });
        let _ = tx.send(Arc::downgrade(&inner));
        Outbox(inner)
    }

    /// Forgets what the guest wrote to stderr (a new run starts).
    pub(crate) fn forget_stderr(&self) {
        tail(&self.0.stderr).clear();
    }

    /// Notes `bytes` written to stderr, keeping the last
    /// [`PanicMessage::TAIL`].
    fn note_stderr(&self, bytes: &[u8]) {
        let mut kept = tail(&self.0.stderr);
        let bytes = &bytes[bytes.len().saturating_sub(PanicMessage::TAIL)..];
        let over = (kept.len() + bytes.len()).saturating_sub(PanicMessage::TAIL);
        kept.drain(..over);
        kept.extend_from_slice(bytes);
    }

    /// The panic or failed assertion the guest's stderr ends with, if it
    /// ends with one (see [`PanicMessage`]).
    pub(crate) fn panic(&self) -> Option<PanicMessage> {
        panic_message(&String::from_utf8_lossy(&tail(&self.0.stderr)))
    }

    /// Sends `message` after what is held.
    ///
    /// # Errors
    /// The channel is closed: the front end has gone.
    pub(crate) fn send(&self, message: Message) -> Result<(), SendError<Message>> {
        let mut held = locked(&self.0.held);
        held.flush();
        held.sender.send(message)
    }

    /// Sends a dprintf's or logpoint's hit soon: before the next other
    /// message, or within [`HOLD_FOR`].
    pub(crate) fn hold(&self, logged: Logged) {
        let mut held = locked(&self.0.held);
        if held.logged.is_empty()
            && let Some(flusher) = &self.0.flusher
        {
            flusher.unpark();
        }
        held.logged.push(logged);
        if held.logged.len() >= HELD_MAX || self.0.flusher.is_none() {
            held.flush();
        }
    }
}

/// A WASI output stream (stdout or stderr) whose writes become events.
#[derive(Clone)]
pub(crate) struct GuestOutput {
    /// Which stream this is.
    pub stream: Stream,
    /// The session's channel.
    pub sender: Outbox,
    /// What the guest is told when it asks whether this is a terminal (the
    /// front end's answer, `RunConfig::output_is_terminal`).
    pub terminal: bool,
    /// Whether writes are sent to the front end; `false` for a replay of
    /// output already shown (`wasmdbg run`'s fast path's first replay, and
    /// the replays reverse commands make), where stderr is only noted for
    /// [`Outbox::panic`].
    pub shown: bool,
}

impl GuestOutput {
    pub(crate) fn send(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.stream == Stream::Stderr {
            self.sender.note_stderr(bytes);
        }
        if !self.shown {
            return;
        }
        // A closed channel means the front end has gone; the output has
        // nowhere to go, and the run is being ended.
        let _ = self.sender.send(Message::Event(Event::Output {
            stream: self.stream,
            bytes: bytes.to_vec(),
        }));
    }
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.send(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.send(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        self.terminal
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(message: &str, location: &str) -> Option<PanicMessage> {
        Some(PanicMessage {
            kind: PanicKind::RustPanic,
            message: message.into(),
            location: location.into(),
            function: None,
        })
    }

    /// The texts are what rustc 1.95's standard library and wasi-libc
    /// (wasi-sdk 30) write.
    #[test]
    fn panic_messages_are_read_from_the_end_of_stderr() {
        let note =
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            panic_message(&format!(
                "log\nthread 'main' (1) panicked at src/main.rs:67:9:\naccount 7 is overdrawn by 40\n{note}"
            )),
            rust("account 7 is overdrawn by 40", "src/main.rs:67:9")
        );
        // Without the note (a second panic), a message of two lines, an
        // older standard library's thread name without a number.
        assert_eq!(
            panic_message("thread 'main' panicked at a.rs:1:2:\nfirst\nsecond\n"),
            rust("first\nsecond", "a.rs:1:2")
        );
        assert_eq!(
            panic_message("x\nAssertion failed: n > 0 (src/check.c: check: 12)\n"),
            Some(PanicMessage {
                kind: PanicKind::CAssert,
                message: "n > 0".into(),
                location: "src/check.c:12".into(),
                function: Some("check".into()),
            })
        );
        // Output after the message, a line that only mentions a panic,
        // nothing at all.
        assert_eq!(
            panic_message(&format!(
                "thread 'main' panicked at a.rs:1:2:\nboom\n{note}more output\n"
            )),
            None
        );
        assert_eq!(
            panic_message("the thread 'main' panicked at a.rs:1:2:\n"),
            None
        );
        assert_eq!(panic_message("Assertion failed: n > 0 (oops)\n"), None);
        assert_eq!(panic_message(""), None);
    }
}
