//! `serve`'s flight recorder: each request served on plain code is
//! recorded in memory (`src/debugger/record/p2`, with `wasi:http`); the
//! trace of one that fails is kept — replayed under the debugger to where
//! it failed, and with `--record DIR` written there — and with `--keep N`
//! so are the last N that succeeded.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::debugger::config::ServeOptions;
use crate::debugger::protocol::RequestInfo;
use crate::debugger::record::p2::ComponentRecorder;
use crate::debugger::record::trace::{Header, ServedRequest, Sink, TraceWriter};
use crate::debugger::state::{Host, lock};
use crate::error::{Error, io_error};

/// Where request traces go and which are kept.
pub(crate) struct FlightRecorder {
    /// The header each request's trace starts with.
    header: Header,
    /// The start of every request's trace (magic, version, header),
    /// encoded once.
    start: Vec<u8>,
    /// `--record DIR`.
    dir: Option<PathBuf>,
    /// `--keep N`.
    keep: usize,
    /// The successful requests' traces kept in `dir`, oldest first.
    kept: Mutex<VecDeque<PathBuf>>,
}

impl FlightRecorder {
    /// A recorder writing to `options.record` (created if missing).
    ///
    /// # Errors
    /// The directory cannot be created; the header cannot be encoded (a
    /// wasmdbg bug).
    pub(crate) fn new(header: Header, options: &ServeOptions) -> Result<FlightRecorder, Error> {
        if let Some(dir) = &options.record {
            std::fs::create_dir_all(dir)
                .map_err(|e| io_error!("cannot create {}: {e}", dir.display()))?;
        }
        let start = TraceWriter::new(Vec::new(), &header)
            .and_then(TraceWriter::into_inner)
            .map_err(|e| io_error!("cannot encode a trace header: {e}"))?;
        Ok(FlightRecorder {
            header,
            start,
            dir: options.record.clone(),
            keep: options.keep,
            kept: Mutex::new(VecDeque::new()),
        })
    }

    /// Starts recording `served` in `host`'s store: its trace's header and
    /// request in memory.
    ///
    /// # Errors
    /// Encoding failed (a wasmdbg bug).
    pub(crate) fn start(&self, host: &mut Host, served: &ServedRequest) -> std::io::Result<()> {
        let mut writer = TraceWriter::after_header(Sink::Memory(self.start.clone()));
        writer.request(served)?;
        host.recording = Some(ComponentRecorder {
            writer,
            write_error: None,
        });
        Ok(())
    }

    /// The component's file name, a core dump's process name.
    pub(crate) fn program_name(&self) -> String {
        Path::new(&self.header.module)
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    /// Whether successful requests' traces are kept (`--keep`).
    pub(crate) fn keeps_successes(&self) -> bool {
        self.keep > 0 && self.dir.is_some()
    }

    /// Where a trace of `request` goes with `extension` (`trace`, `core`),
    /// when there is a `--record` directory: `0003-GET-sum_n_3.trace`.
    pub(crate) fn path(&self, request: &RequestInfo, extension: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(format!("{}.{extension}", file_stem(request))))
    }

    /// Writes the finished trace `bytes` of `request` to the `--record`
    /// directory when it `failed`, or when successful traces are kept
    /// (then the oldest beyond `--keep` is removed): where it was written
    /// (`None`: nowhere), and what went wrong, as one line.
    pub(crate) fn save(
        &self,
        request: &RequestInfo,
        bytes: &[u8],
        failed: bool,
    ) -> (Option<PathBuf>, Option<String>) {
        if !failed && self.keep == 0 {
            return (None, None);
        }
        let Some(path) = self.path(request, "trace") else {
            return (None, None);
        };
        if let Err(e) = write_file(&path, bytes) {
            return (None, Some(e));
        }
        let mut problem = None;
        if !failed {
            let mut kept = lock(&self.kept);
            kept.push_back(path.clone());
            while kept.len() > self.keep {
                if let Some(old) = kept.pop_front()
                    && let Err(e) = std::fs::remove_file(&old)
                {
                    problem = Some(format!(
                        "the older trace {} could not be removed: {e}",
                        old.display()
                    ));
                }
            }
        }
        (Some(path), problem)
    }
}

/// `0003-GET-sum_n_3`: the request's number (4 digits at least), method,
/// and path with every character but letters, digits, `.`, `-` and `_`
/// made `_` (at most 60 of them; `root` for `/`).
fn file_stem(request: &RequestInfo) -> String {
    let path: String = request
        .path
        .trim_start_matches('/')
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = if path.is_empty() { "root".into() } else { path };
    let method: String = request
        .method
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("{:04}-{method}-{path}", request.number)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_say_number_method_and_path() {
        let info = |number, method: &str, path: &str| RequestInfo {
            number,
            method: method.into(),
            path: path.into(),
        };
        assert_eq!(file_stem(&info(3, "GET", "/sum?n=3")), "0003-GET-sum_n_3");
        assert_eq!(file_stem(&info(12345, "POST", "/")), "12345-POST-root");
        assert_eq!(
            file_stem(&info(1, "GET", "/../a b/%2e")),
            "0001-GET-.._a_b__2e"
        );
        let long = format!("/{}", "x".repeat(100));
        assert_eq!(
            file_stem(&info(1, "GET", &long)).len(),
            "0001-GET-".len() + 60
        );
    }
}
