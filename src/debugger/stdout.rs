//! The guest's stdout: the process's own stdout, written synchronously (so
//! guest output and debugger output appear in the order they happened), and
//! remembering whether the guest left a line open, so the debugger's next
//! line can start on a fresh one.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// Shared flag: the guest's last byte on stdout was not a newline.
#[derive(Clone, Debug, Default)]
pub struct OpenLine(Arc<AtomicBool>);

impl OpenLine {
    /// Returns whether the guest left a line open, and clears the flag.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }

    fn record(&self, bytes: &[u8]) {
        if let Some(last) = bytes.last() {
            self.0.store(*last != b'\n', Ordering::Relaxed);
        }
    }
}

/// A [`StdoutStream`] for WASI that writes to the process's stdout.
pub struct GuestStdout {
    /// Set while the guest's output does not end in a newline.
    pub open_line: OpenLine,
}

struct Writer(OpenLine);

impl Writer {
    fn write_all(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        self.0.record(bytes);
        Ok(())
    }
}

fn stream_error(e: std::io::Error) -> StreamError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        StreamError::Closed
    } else {
        StreamError::LastOperationFailed(e.into())
    }
}

impl OutputStream for Writer {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.write_all(&bytes).map_err(stream_error)
    }

    fn flush(&mut self) -> StreamResult<()> {
        std::io::stdout().flush().map_err(stream_error)
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Writer {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Writer {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.write_all(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(std::io::stdout().flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for GuestStdout {
    fn is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    }
}

impl StdoutStream for GuestStdout {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(Writer(self.open_line.clone()))
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(Writer(self.open_line.clone()))
    }
}
