//! A recorded run's stdout and stderr: the process's own, as under
//! `wasmtime run`, or a front end's sink (the DAP's `output` events),
//! remembering whether the guest's last write ended a line, so what the
//! debugger prints after the run starts on a line of its own (a session's
//! console does the same for the output it shows itself).

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

use crate::debugger::protocol::OutputStream as Stream;

/// Where a front end wants the guest's output: each write, with its
/// stream (the DAP makes `output` events of them).
pub type OutputSink = Arc<dyn Fn(Stream, &[u8]) + Send + Sync>;

/// A recorded run's stdout and stderr: the process's own, or an
/// [`OutputSink`]; and whether each ends a line (true until the guest
/// writes something that does not end with `\n`).
#[derive(Clone)]
pub struct GuestStdio {
    sink: Option<OutputSink>,
    stdout: Arc<AtomicBool>,
    stderr: Arc<AtomicBool>,
}

impl std::fmt::Debug for GuestStdio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestStdio")
            .field("sink", &self.sink.as_ref().map(|_| "OutputSink"))
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl GuestStdio {
    /// The process's stdout and stderr, as under `wasmtime run`.
    pub fn process() -> GuestStdio {
        GuestStdio {
            sink: None,
            stdout: Arc::new(AtomicBool::new(true)),
            stderr: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Every write given to `sink`; the guest is told neither stream is a
    /// terminal.
    pub fn to(sink: OutputSink) -> GuestStdio {
        GuestStdio {
            sink: Some(sink),
            ..GuestStdio::process()
        }
    }

    /// Whether `stream` ended a line (or the guest wrote nothing to it).
    pub fn ends_line(&self, stream: Stream) -> bool {
        self.flag(stream).load(Ordering::Relaxed)
    }

    fn flag(&self, stream: Stream) -> &Arc<AtomicBool> {
        match stream {
            Stream::Stdout => &self.stdout,
            Stream::Stderr => &self.stderr,
        }
    }

    /// `stream` for the guest, noting how each write ends.
    pub(crate) fn stream(&self, stream: Stream) -> Inherited {
        Inherited {
            stream,
            sink: self.sink.clone(),
            ends_line: self.flag(stream).clone(),
        }
    }
}

/// The guest's stdout or stderr: the process's, or a sink's.
#[derive(Clone)]
pub(crate) struct Inherited {
    stream: Stream,
    sink: Option<OutputSink>,
    ends_line: Arc<AtomicBool>,
}

impl Inherited {
    fn write_bytes(&self, bytes: &[u8]) -> std::io::Result<()> {
        let Some(last) = bytes.last() else {
            return Ok(());
        };
        self.ends_line.store(*last == b'\n', Ordering::Relaxed);
        match (&self.sink, self.stream) {
            (Some(sink), stream) => {
                sink(stream, bytes);
                Ok(())
            }
            (None, Stream::Stdout) => std::io::stdout().write_all(bytes),
            (None, Stream::Stderr) => std::io::stderr().write_all(bytes),
        }
    }

    fn flush_stream(&self) -> std::io::Result<()> {
        match (&self.sink, self.stream) {
            (Some(_), _) => Ok(()),
            (None, Stream::Stdout) => std::io::stdout().flush(),
            (None, Stream::Stderr) => std::io::stderr().flush(),
        }
    }
}

impl IsTerminal for Inherited {
    fn is_terminal(&self) -> bool {
        match (&self.sink, self.stream) {
            (Some(_), _) => false,
            (None, Stream::Stdout) => std::io::IsTerminal::is_terminal(&std::io::stdout()),
            (None, Stream::Stderr) => std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}

impl StdoutStream for Inherited {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

/// As wasmtime-wasi's own stdio streams report an I/O error: a closed
/// pipe closes the stream.
fn stream_error(e: std::io::Error) -> StreamError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        StreamError::Closed
    } else {
        StreamError::LastOperationFailed(e.into())
    }
}

impl OutputStream for Inherited {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes).map_err(stream_error)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.flush_stream().map_err(stream_error)
    }

    /// wasmtime-wasi's stdio streams' permit (its `MAX_READ_SIZE_ALLOC`),
    /// so a guest's writes are split as under `wasmtime run`.
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Inherited {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Inherited {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.write_bytes(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.flush_stream())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
