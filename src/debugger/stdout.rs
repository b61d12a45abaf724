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

use super::protocol::{Event, Logged, OutputStream as Stream, Response};

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
        });
        let _ = tx.send(Arc::downgrade(&inner));
        Outbox(inner)
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
}

impl GuestOutput {
    pub(crate) fn send(&self, bytes: &[u8]) {
        if bytes.is_empty() {
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
