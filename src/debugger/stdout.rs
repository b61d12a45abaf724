//! The guest's stdout and stderr: every write becomes an
//! [`Event::Output`] on the session's channel, in order with the responses,
//! so the front end shows guest output and debugger output in the order they
//! happened. Nothing here touches the terminal.

use std::pin::Pin;
use std::sync::mpsc::Sender;
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use super::protocol::{Event, OutputStream as Stream, Response};

/// What the worker sends the [`super::Session`]: events while the guest
/// runs, and the one response to each request.
#[derive(Debug)]
pub(crate) enum Message {
    /// Delivered to the session's event sink.
    Event(Event),
    /// The answer to the request being served (boxed: a response is large,
    /// an event small, and most messages of a chatty guest are events).
    Response(Box<Response>),
}

/// A WASI output stream (stdout or stderr) whose writes become events.
#[derive(Clone)]
pub(crate) struct GuestOutput {
    /// Which stream this is.
    pub stream: Stream,
    /// The session's channel.
    pub sender: Sender<Message>,
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
