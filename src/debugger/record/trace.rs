//! The trace file `wasmdbg record` writes and `wasmdbg replay` reads
//! (format version 3, documented in `docs/trace-format.md`; versions 1,
//! which has no component calls, and 2, which has no served requests, are
//! read too):
//!
//! ```text
//! "WDBGTRC\0"  8 bytes
//! version      u32, little-endian (3)
//! frames       each: u32 little-endian length, then that many bytes of a
//!              postcard-encoded value: a Header first, then Records (for
//!              one request of `wasmdbg serve`, a Request first; a Call per
//!              host call of a core module, or a ComponentCall per host
//!              call of a component, in order; an End last)
//! ```

use crate::error::{Error, io_error, malformed};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::p1::Bits;
use super::p2::saved::Saved;

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"WDBGTRC\0";
/// The format version this wasmdbg writes.
pub const VERSION: u32 = 3;
/// The oldest version it reads (1: without component calls; 2: without
/// served requests).
pub const OLDEST_VERSION: u32 = 1;

/// What identifies the recorded module and run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The module's path as given to `wasmdbg record`.
    pub module: String,
    /// BLAKE3 of the module's bytes (a `.wat` file's text is hashed as it
    /// is on disk), hex.
    pub module_hash: String,
    /// argv\[0\] as the guest saw it.
    pub argv0: String,
    /// The arguments after argv\[0\].
    pub args: Vec<String>,
    /// The guest's environment.
    pub env: Vec<(String, String)>,
    /// Preopened directories: (host path, guest path, read-only).
    pub dirs: Vec<(String, String, bool)>,
    /// `--invoke`: the export called and its arguments.
    pub invoke: Option<(String, Vec<String>)>,
    /// `--max-memory` in bytes.
    pub max_memory: Option<u64>,
    /// `--max-wasm-stack` in bytes.
    pub max_wasm_stack: Option<usize>,
    /// The functions a call can name: for a core module, the
    /// `wasi_snapshot_preview1` functions it imports; for a component,
    /// every WASI 0.2 function the recorder covers, by WIT name
    /// (`wasi:cli/environment#get-arguments`). A [`Call`]'s or
    /// [`ComponentCall`]'s `func` indexes this list.
    pub functions: Vec<String>,
    /// What recorded it: wasmdbg's and wasmtime's versions.
    pub recorder: String,
}

/// One host call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Index into [`Header::functions`].
    pub func: u16,
    /// The arguments' bits (an i32 zero-extended).
    pub args: Vec<Bits>,
    /// How the call returned.
    pub result: CallResult,
    /// The guest memory the call wrote: (address, bytes), in order.
    pub writes: Vec<(u32, Vec<u8>)>,
}

/// One host call of a component (`src/debugger/record/p2`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentCall {
    /// Index into [`Header::functions`].
    pub func: u16,
    /// The arguments: a [`Saved::Tuple`], resources as their host `rep`s.
    pub args: Saved,
    /// How it returned.
    pub result: Returned,
}

/// The request a trace of `wasmdbg serve --record` holds: what the
/// component's `wasi:http/incoming-handler#handle` was called with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedRequest {
    /// Its number among the requests the session's server accepted (over
    /// every run of it), from 1.
    pub number: u64,
    /// The method (`GET`).
    pub method: String,
    /// The path with its query (`/sum?n=3`).
    pub path: String,
    /// The host `rep` of its `incoming-request` resource.
    pub request: u32,
    /// The host `rep` of its `response-outparam` resource.
    pub response_out: u32,
}

/// How a component's host call returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Returned {
    /// It returned this value.
    Value(Saved),
    /// It returned a WASI error the guest sees (`wasi:filesystem`'s
    /// `error-code`).
    Error(Saved),
    /// A stream call found the stream closed.
    StreamClosed,
    /// A stream call failed (`last-operation-failed`), with the host
    /// error's text.
    StreamFailed(String),
    /// `wasi:cli/exit` ended the program with this status.
    Exit(i32),
    /// The call trapped, with the message.
    Trap(String),
}

/// How a host call returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CallResult {
    /// It returned this errno (`None`: a function without a result).
    Returned(Option<i32>),
    /// `proc_exit(code)`.
    Exit(i32),
    /// It failed with this error (the program ends there, as under
    /// `wasmtime run`).
    Failed(String),
}

/// How the recorded run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum End {
    /// The entry function returned.
    Returned,
    /// `proc_exit(code)`.
    Exited(i32),
    /// A trap, with wasmtime's message.
    Trapped(String),
    /// An uncaught exception or a failed host call, with the message.
    Failed(String),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Returned => f.write_str("returned"),
            End::Exited(code) => write!(f, "exited with code {code}"),
            End::Trapped(msg) => write!(f, "trapped: {msg}"),
            End::Failed(msg) => write!(f, "failed: {msg}"),
        }
    }
}

/// Where a trace goes: a file, or memory (`wasmdbg run`'s fast path).
pub enum Sink {
    /// A file being written.
    File(std::io::BufWriter<std::fs::File>),
    /// Bytes in memory.
    Memory(Vec<u8>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Memory(v) => v.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}

/// A frame after the header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Record {
    Call(Call),
    End(End),
    ComponentCall(ComponentCall),
    Request(ServedRequest),
}

/// A whole trace, read into memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The module and the run.
    pub header: Header,
    /// Every host call of a core module, in order.
    pub calls: Vec<Call>,
    /// Every host call of a component, in order.
    pub component_calls: Vec<ComponentCall>,
    /// The served request, for a trace of one request of `wasmdbg serve`.
    pub request: Option<ServedRequest>,
    /// How the run ended.
    pub end: End,
}

/// Writes a trace as the program runs: the header first, a frame per call
/// (so a recording that is killed leaves the calls before it), the end.
pub struct TraceWriter<W: Write> {
    out: W,
    calls: u64,
    /// The frame being encoded, reused from frame to frame.
    buffer: Vec<u8>,
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace on `out` with `header`.
    ///
    /// # Errors
    /// Writing failed.
    pub fn new(mut out: W, header: &Header) -> std::io::Result<TraceWriter<W>> {
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        let mut writer = TraceWriter {
            out,
            calls: 0,
            buffer: Vec::new(),
        };
        writer.frame(header)?;
        Ok(writer)
    }

    /// Goes on writing a trace on `out`, which already holds the start of
    /// one (what [`TraceWriter::new`] wrote: `serve` copies one header's
    /// bytes into each request's trace instead of encoding it again).
    pub fn after_header(out: W) -> TraceWriter<W> {
        TraceWriter {
            out,
            calls: 0,
            buffer: Vec::new(),
        }
    }

    /// Appends a call.
    ///
    /// # Errors
    /// Writing failed.
    pub fn call(&mut self, call: Call) -> std::io::Result<()> {
        self.calls += 1;
        self.frame(&Record::Call(call))
    }

    /// Appends a component's call.
    ///
    /// # Errors
    /// Writing failed.
    pub fn component_call(&mut self, call: ComponentCall) -> std::io::Result<()> {
        self.calls += 1;
        self.frame(&Record::ComponentCall(call))
    }

    /// Writes the served request this trace is of (before any call).
    ///
    /// # Errors
    /// Writing failed.
    pub fn request(&mut self, request: &ServedRequest) -> std::io::Result<()> {
        self.frame(&Record::Request(request.clone()))
    }

    /// How many calls were written.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Flushes and returns the output as written so far (no end record:
    /// not a whole trace).
    ///
    /// # Errors
    /// Flushing failed.
    pub fn into_inner(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    /// Appends the end and flushes; returns the output.
    ///
    /// # Errors
    /// Writing failed.
    pub fn finish(mut self, end: End) -> std::io::Result<W> {
        self.frame(&Record::End(end))?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn frame(&mut self, value: &impl Serialize) -> std::io::Result<()> {
        let mut bytes = std::mem::take(&mut self.buffer);
        bytes.clear();
        let mut bytes = postcard::to_extend(value, bytes).map_err(std::io::Error::other)?;
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_le_bytes())?;
        let written = self.out.write_all(&bytes);
        bytes.clear();
        self.buffer = bytes;
        written
    }
}

impl Trace {
    /// Reads the trace at `path`.
    ///
    /// # Errors
    /// One line: the file cannot be read, is not a trace, has another
    /// version, or is truncated or corrupt (naming the record).
    pub fn read(path: &Path) -> Result<Trace, Error> {
        let bytes =
            std::fs::read(path).map_err(|e| io_error!("cannot read {}: {e}", path.display()))?;
        Trace::parse(&bytes).map_err(|e| e.context(path.display()))
    }

    /// Reads a trace from its bytes.
    ///
    /// # Errors
    /// As [`Trace::read`].
    pub fn parse(bytes: &[u8]) -> Result<Trace, Error> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| malformed!("not a wasmdbg trace (it does not start with WDBGTRC)"))?;
        let (version, mut rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| malformed!("truncated trace: no version"))?;
        let version = u32::from_le_bytes(*version);
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(malformed!(
                "trace format version {version}; this wasmdbg reads versions \
                 {OLDEST_VERSION} to {VERSION}"
            ));
        }
        let mut next = |what: &dyn Fn() -> String| -> Result<Option<&[u8]>, Error> {
            if rest.is_empty() {
                return Ok(None);
            }
            let (len, after) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| malformed!("truncated trace: {} is cut off", what()))?;
            let len = u32::from_le_bytes(*len) as usize;
            if after.len() < len {
                return Err(malformed!("truncated trace: {} is cut off", what()));
            }
            let (frame, after) = after.split_at(len);
            rest = after;
            Ok(Some(frame))
        };
        let header: Header = match next(&|| "the header".to_string())? {
            Some(frame) => {
                postcard::from_bytes(frame).map_err(|e| malformed!("corrupt trace header: {e}"))?
            }
            None => return Err(malformed!("truncated trace: no header")),
        };
        let mut calls = Vec::new();
        let mut component_calls = Vec::new();
        let mut request = None;
        loop {
            let n = calls.len() + component_calls.len() + 1;
            let what = || format!("record #{n}");
            let Some(frame) = next(&what)? else {
                return Err(malformed!(
                    "truncated trace: it ends after host call #{} without its end record \
                     (was the recording killed?)",
                    n - 1
                ));
            };
            match postcard::from_bytes::<Record>(frame) {
                Ok(Record::Call(call)) => {
                    known_function(n, call.func, &header)?;
                    calls.push(call);
                }
                Ok(Record::ComponentCall(call)) if version >= 2 => {
                    known_function(n, call.func, &header)?;
                    component_calls.push(call);
                }
                Ok(Record::ComponentCall(_)) => {
                    return Err(malformed!(
                        "corrupt trace: record #{n} is a component's call in a version 1 trace"
                    ));
                }
                Ok(Record::Request(served)) if version >= 3 && n == 1 && request.is_none() => {
                    request = Some(served);
                }
                Ok(Record::Request(_)) => {
                    return Err(malformed!(
                        "corrupt trace: a served request out of place (after the header, once, \
                         from version 3)"
                    ));
                }
                Ok(Record::End(end)) => {
                    if next(&|| "the data after the end record".to_string())?.is_some() {
                        return Err(malformed!("corrupt trace: data after the end record"));
                    }
                    if !calls.is_empty() && !component_calls.is_empty() {
                        return Err(malformed!(
                            "corrupt trace: it holds both a core module's and a component's calls"
                        ));
                    }
                    if request.is_some() && !calls.is_empty() {
                        return Err(malformed!(
                            "corrupt trace: a served request with a core module's calls"
                        ));
                    }
                    return Ok(Trace {
                        header,
                        calls,
                        component_calls,
                        request,
                        end,
                    });
                }
                Err(e) => return Err(malformed!("corrupt trace: record #{n}: {e}")),
            }
        }
    }

    /// How many host calls were recorded (a core module's or a
    /// component's).
    pub fn call_count(&self) -> usize {
        self.calls.len() + self.component_calls.len()
    }

    /// The name of a function by its index in [`Header::functions`].
    pub fn function_name(&self, func: u16) -> &str {
        self.header
            .functions
            .get(usize::from(func))
            .map_or("?", String::as_str)
    }

    /// The name of call `call`'s function.
    pub fn function(&self, call: &Call) -> &str {
        self.header
            .functions
            .get(usize::from(call.func))
            .map_or("?", String::as_str)
    }
}

/// Refuses host call `n` naming function `func` past `header`'s list.
fn known_function(n: usize, func: u16, header: &Header) -> Result<(), Error> {
    if usize::from(func) >= header.functions.len() {
        return Err(malformed!(
            "corrupt trace: host call #{n} names function {func} of {}",
            header.functions.len()
        ));
    }
    Ok(())
}

/// BLAKE3 of `bytes`, hex: what identifies a module in a trace.
pub fn module_hash(bytes: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new();
    if bytes.len() >= 1 << 20 {
        hasher.update_rayon(bytes);
    } else {
        hasher.update(bytes);
    }
    hasher.finalize().to_hex().to_string()
}

/// A call as text: `fd_write(1, 1048560, 1, 1048556)` (i32 arguments signed).
pub fn call_text(name: &str, args: &[Bits]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|&b| {
            if b <= u64::from(u32::MAX) {
                (b as u32 as i32).to_string()
            } else {
                (b as i64).to_string()
            }
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trace {
        Trace {
            header: Header {
                module: "m.wasm".into(),
                module_hash: module_hash(b"m"),
                argv0: "m.wasm".into(),
                args: vec!["a".into()],
                env: vec![("K".into(), "V".into())],
                dirs: vec![("/tmp".into(), "/data".into(), true)],
                invoke: None,
                max_memory: None,
                max_wasm_stack: None,
                functions: vec!["fd_write".into(), "proc_exit".into()],
                recorder: "test".into(),
            },
            calls: vec![
                Call {
                    func: 0,
                    args: vec![1, 16, 1, 8],
                    result: CallResult::Returned(Some(0)),
                    writes: vec![(8, vec![5, 0, 0, 0])],
                },
                Call {
                    func: 1,
                    args: vec![3],
                    result: CallResult::Exit(3),
                    writes: vec![],
                },
            ],
            component_calls: vec![],
            request: None,
            end: End::Exited(3),
        }
    }

    /// A component's trace: two calls.
    fn component_sample() -> Trace {
        let mut t = sample();
        t.header.functions = vec![
            "wasi:cli/environment#get-arguments".into(),
            "wasi:io/streams#[method]output-stream.write".into(),
        ];
        t.calls.clear();
        t.component_calls = vec![
            ComponentCall {
                func: 0,
                args: Saved::Tuple(vec![]),
                result: Returned::Value(Saved::List(vec![Saved::Str("m.wasm".into())])),
            },
            ComponentCall {
                func: 1,
                args: Saved::Tuple(vec![Saved::Borrow(1), Saved::Bytes(b"hi\n".to_vec())]),
                result: Returned::StreamClosed,
            },
        ];
        t
    }

    /// A served request's trace: the component's, with its request.
    fn request_sample() -> Trace {
        let mut t = component_sample();
        t.request = Some(ServedRequest {
            number: 3,
            method: "GET".into(),
            path: "/trap?d=0".into(),
            request: 1,
            response_out: 2,
        });
        t
    }

    fn bytes(trace: &Trace) -> Vec<u8> {
        let mut w = TraceWriter::new(Vec::new(), &trace.header).unwrap();
        if let Some(request) = &trace.request {
            w.request(request).unwrap();
        }
        for c in &trace.calls {
            w.call(c.clone()).unwrap();
        }
        for c in &trace.component_calls {
            w.component_call(c.clone()).unwrap();
        }
        w.finish(trace.end.clone()).unwrap()
    }

    #[test]
    fn round_trip() {
        let t = sample();
        assert_eq!(Trace::parse(&bytes(&t)).unwrap(), t);
        let t = component_sample();
        assert_eq!(Trace::parse(&bytes(&t)).unwrap(), t);
        let t = request_sample();
        assert_eq!(Trace::parse(&bytes(&t)).unwrap(), t);
        // A served request before version 3, or after a call, is refused.
        let mut v2 = bytes(&request_sample());
        v2[8] = 2;
        assert_eq!(
            Trace::parse(&v2).unwrap_err().message,
            "corrupt trace: a served request out of place (after the header, once, from \
             version 3)"
        );
        let mut late = TraceWriter::new(Vec::new(), &t.header).unwrap();
        late.component_call(t.component_calls[0].clone()).unwrap();
        late.request(t.request.as_ref().unwrap()).unwrap();
        let late = late.finish(End::Returned).unwrap();
        assert_eq!(
            Trace::parse(&late).unwrap_err().message,
            "corrupt trace: a served request out of place (after the header, once, from \
             version 3)"
        );
        // A version 1 trace (a core module's) reads as before; a
        // component's call in one is refused.
        let mut v1 = bytes(&sample());
        v1[8] = 1;
        assert_eq!(Trace::parse(&v1).unwrap(), sample());
        let mut v1 = bytes(&component_sample());
        v1[8] = 1;
        assert_eq!(
            Trace::parse(&v1).unwrap_err().message,
            "corrupt trace: record #1 is a component's call in a version 1 trace"
        );
    }

    /// Every cut of a trace, and junk, is one line, never a panic.
    #[test]
    fn truncated_and_corrupt() {
        let b = bytes(&sample());
        for cut in 0..b.len() {
            let e = Trace::parse(&b[..cut]).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Malformed, "{e}");
            let e = e.message;
            assert!(!e.contains('\n'), "{e}");
            assert!(
                e.contains("truncated") || e.contains("not a wasmdbg trace"),
                "cut at {cut}: {e}"
            );
        }
        assert_eq!(
            Trace::parse(&b[..b.len() - 7]).unwrap_err().message,
            "truncated trace: it ends after host call #2 without its end record \
             (was the recording killed?)"
        );
        assert_eq!(
            Trace::parse(&b[..b.len() - 1]).unwrap_err().message,
            "truncated trace: record #3 is cut off"
        );
        let mut v4 = b.clone();
        v4[8] = 4;
        assert_eq!(
            Trace::parse(&v4).unwrap_err().message,
            "trace format version 4; this wasmdbg reads versions 1 to 3"
        );
        let c = bytes(&request_sample());
        for cut in 0..c.len() {
            let e = Trace::parse(&c[..cut]).unwrap_err().message;
            assert!(!e.contains('\n'), "{e}");
        }
        let mut junk = b.clone();
        let last = junk.len() - 1;
        junk[last] = 0xff;
        assert!(
            Trace::parse(&junk)
                .unwrap_err()
                .message
                .starts_with("corrupt trace")
        );
    }

    #[test]
    fn call_text_is_signed() {
        assert_eq!(
            call_text("clock_time_get", &[1, u64::MAX, 0xffff_fff0]),
            "clock_time_get(1, -1, -16)"
        );
    }
}
