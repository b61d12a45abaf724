//! The guest's output on the terminal: the front end's sink for the
//! session's [`Event::Output`] events. Guest stdout goes to the process's
//! stdout as it arrives (in order with the debugger's own lines, which are
//! written on the same thread), guest stderr to its stderr; whether the
//! guest left a line open is remembered so the next debugger line starts on
//! a fresh one.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::debugger::EventSink;
use crate::debugger::protocol::{Event, OutputStream};

/// The terminal side of the guest's output; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct GuestOutput {
    /// The guest's last byte on stdout was not a newline.
    open_line: Arc<AtomicBool>,
}

impl GuestOutput {
    /// The sink to start the session with (`Session::start_with_events`):
    /// it shows the guest's output and the serving address, and gives back
    /// the rest (stops, ends, breakpoint changes) for the console to follow.
    pub fn sink(&self) -> EventSink {
        let open_line = self.open_line.clone();
        Box::new(move |event| match event {
            Event::Output {
                stream: OutputStream::Stdout,
                bytes,
            } => {
                let mut out = std::io::stdout().lock();
                // A closed stdout (a broken pipe) loses the output, as it
                // would for the guest under `wasmtime run`.
                let _ = out.write_all(&bytes).and_then(|()| out.flush());
                if let Some(last) = bytes.last() {
                    open_line.store(*last != b'\n', Ordering::Relaxed);
                }
                None
            }
            Event::Output {
                stream: OutputStream::Stderr,
                bytes,
            } => {
                let _ = std::io::stderr().lock().write_all(&bytes);
                None
            }
            // As `wasmtime serve` says it.
            Event::Serving { addr } => {
                eprintln!("Serving HTTP on http://{addr}/");
                None
            }
            Event::RequestRecorded(record) => {
                eprint!("{}", crate::render::request_recorded(&record));
                None
            }
            Event::Note(text) => {
                eprintln!("wasmdbg: {text}");
                None
            }
            // gdb writes a dprintf's text to its stdout, in order with the
            // program's.
            Event::Logged(logged) => {
                let text = crate::render::logged(&logged);
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                if let Some(last) = text.as_bytes().last() {
                    open_line.store(*last != b'\n', Ordering::Relaxed);
                }
                None
            }
            other => Some(other),
        })
    }

    /// The sink for `--json`: each chunk of either stream becomes an
    /// `output` line on stdout (see [`super::json`]); the rest is given back
    /// for the console to follow.
    pub fn json_sink(&self) -> EventSink {
        Box::new(move |event| match super::json::output(&event) {
            Some(line) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
                None
            }
            None => Some(event),
        })
    }

    /// Whether the guest's stdout so far ends without a newline; clears it.
    pub fn take_open_line(&self) -> bool {
        self.open_line.swap(false, Ordering::Relaxed)
    }
}
