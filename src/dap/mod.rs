//! `wasmdbg dap`: a Debug Adapter Protocol server, so editors (VS Code,
//! nvim-dap, Helix, Zed, Emacs dape) debug Wasm with wasmdbg. One more
//! thin client of the same [`Session`] as the REPL: DAP requests become
//! protocol requests, responses become DAP bodies.
//!
//! Threads: a reader thread reads framed messages ([`framing`]) and answers
//! `pause` itself (by the session's [`Interrupter`], so a running program
//! can be paused); every other request goes to the adapter thread, which
//! serves them in order. The guest's output reaches the client as `output`
//! events from the session's event sink as it is written. Nothing but DAP
//! messages goes to the protocol stream; the adapter's own diagnostics go
//! to stderr.
//!
//! Ids: thread 1 is the program. Every `frameId` and `variablesReference`
//! is a number given out at one pause; after the program runs again, a
//! request naming one from before is refused with a message saying so.
//! Request arguments are read with the `dap` crate's types (dap-rs, which
//! follows the DAP specification's JSON schema); bodies are built from its
//! types too, in our own envelope (`seq`, `type`, `request_seq`, `success`,
//! `command`, `message`, `body`).

pub mod framing;

use crate::debugger::answer::{self, EvalValue};
use crate::debugger::protocol::{
    BreakpointRequest, ErrorKind, FramesRequest, InspectRequest, LogSpec, ThreadId,
};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use dap::types as dt;
use serde_json::{Value as Json, json};

/// A [`Failure`] of the adapter's own, from `format!` arguments.
macro_rules! failure {
    ($($arg:tt)*) => {
        Failure::from(format!($($arg)*))
    };
}

use crate::console::{Console, State};
use crate::debugger::DirSpec;
use crate::debugger::children;
use crate::debugger::protocol::{
    BreakpointId, CoreModuleId, Event, FactsRequest, FrameInfo, FrameRef, ModuleRef, Outcome,
    OutputStream, PrintOptions, Request, Response, ReverseStop, Selection, Stop, StopReason,
    ValueRef, WatchSpec,
};
use crate::debugger::source::SourceFiles;
use crate::debugger::{Interrupter, RunConfig, Session};
use crate::program::number::parse_address;
use crate::render;

/// The one thread the program is.
const THREAD: i64 = ThreadId::MAIN.0 as i64;

/// Serves one client on `input`/`output` until it disconnects or the
/// stream ends. Returns the process exit status: 0 after a `disconnect`
/// or the end of the stream, 1 when the stream could not be followed.
pub fn serve(input: Box<dyn BufRead + Send>, output: Box<dyn Write + Send>) -> i32 {
    let writer = Arc::new(Writer {
        out: Mutex::new(output),
        seq: AtomicI64::new(0),
        detached: AtomicBool::new(false),
    });
    let interrupter = Interrupter::default();
    let running = Arc::new(AtomicBool::new(false));
    let ending = Arc::new(AtomicBool::new(false));
    let (tx, rx) = channel::<Json>();
    // 1 once the reader met a stream it could not follow.
    let status = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let cancelled = Arc::new(Cancelled::default());
    {
        let writer = writer.clone();
        let interrupter = interrupter.clone();
        let running = running.clone();
        let ending = ending.clone();
        let status = status.clone();
        let cancelled = cancelled.clone();
        // Not joined: after `disconnect` it may still wait for the client
        // to close its end; it ends with the process.
        std::thread::spawn(move || {
            let running = Running {
                now: &running,
                ending: &ending,
            };
            let reader = Reader {
                writer: &writer,
                interrupter: &interrupter,
                running,
                status: &status,
                cancelled: &cancelled,
            };
            read_loop(input, reader, tx)
        });
    }
    let mut adapter = Adapter {
        writer,
        interrupter,
        running,
        ending,
        fe: None,
        launch: None,
        instrumented: false,
        replaying: false,
        directories: Vec::new(),
        pending_breakpoints: Vec::new(),
        stop_on_entry: false,
        stop_on_throw: false,
        stop_on_trap: true,
        stop_on_hostcall_error: true,
        ids: Ids::default(),
        source_breakpoints: HashMap::new(),
        function_breakpoints: Vec::new(),
        instruction_breakpoints: Vec::new(),
        data_breakpoints: Vec::new(),
        sources: SourceFiles::new(Vec::new()),
        source_refs: Vec::new(),
        configured: false,
        writes: 0,
        breakpoints_changed: Arc::new(AtomicBool::new(false)),
        known_breakpoints: Vec::new(),
    };
    adapter.run(&rx, &cancelled);
    status.load(Ordering::SeqCst)
}

/// Listens on 127.0.0.1:`port` for one client and serves it.
///
/// # Errors
/// The address cannot be bound (in use, not permitted).
pub fn serve_port(port: u16) -> Result<i32, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    eprintln!("wasmdbg dap: listening on {local}");
    let (stream, peer) = listener
        .accept()
        .map_err(|e| format!("cannot accept a client: {e}"))?;
    eprintln!("wasmdbg dap: client {peer}");
    let input = stream
        .try_clone()
        .map_err(|e| format!("cannot use the connection: {e}"))?;
    let output = stream
        .try_clone()
        .map_err(|e| format!("cannot use the connection: {e}"))?;
    let status = serve(Box::new(std::io::BufReader::new(input)), Box::new(output));
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(status)
}

/// Writes messages with increasing `seq`; shared by the reader and adapter
/// threads and the session's event sink.
struct Writer {
    out: Mutex<Box<dyn Write + Send>>,
    seq: AtomicI64,
    /// The client disconnected and left the program running
    /// (`terminateDebuggee: false`): no more events are sent (the
    /// program's output goes to the adapter's stderr); the responses to
    /// requests queued before the disconnect still are, as far as the
    /// client still reads them.
    detached: AtomicBool,
}

impl Writer {
    fn send(&self, mut message: Json) {
        let detached = self.detached.load(Ordering::SeqCst);
        if detached && message["type"] == "event" {
            if message["event"] == "output"
                && let Some(text) = message.pointer("/body/output").and_then(Json::as_str)
            {
                eprint!("{text}");
            }
            return;
        }
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // Numbered under the lock, so seq grows in the order sent.
        message["seq"] = json!(self.seq.fetch_add(1, Ordering::Relaxed) + 1);
        let body = message.to_string();
        if let Err(e) = framing::write_message(&mut **out, body.as_bytes())
            && !detached
        {
            eprintln!("wasmdbg dap: cannot write to the client: {e}");
        }
    }

    fn respond(&self, request: &Incoming, body: Json) {
        let mut message = json!({
            "type": "response",
            "request_seq": request.seq,
            "success": true,
            "command": request.command,
        });
        if !body.is_null() {
            message["body"] = body;
        }
        self.send(message);
    }

    fn fail(&self, request: &Incoming, why: &Failure) {
        self.send(json!({
            "type": "response",
            "request_seq": request.seq,
            "success": false,
            "command": request.command,
            "message": why.message,
            "body": {
                "error": { "id": error_id(why.kind), "format": why.message, "showUser": true }
            },
        }));
    }

    fn event(&self, event: &str, body: Json) {
        let mut message = json!({ "type": "event", "event": event });
        if !body.is_null() {
            message["body"] = body;
        }
        self.send(message);
    }
}

/// A request as received: its `seq`, `command` and the whole message.
struct Incoming {
    seq: i64,
    command: String,
    message: Json,
}

/// The reader thread: frames, JSON, then `pause` here and the rest to the
/// adapter; at the end of the stream a `disconnect` (`status` 1 when the
/// stream could not be followed).
/// What the reader knows of the program while it reads: whether it runs
/// (`now`), and `ending`, which it sets when the client ends or restarts
/// the session while it runs (so a run on plain code it interrupted is not
/// replayed for nobody).
#[derive(Clone, Copy)]
struct Running<'a> {
    now: &'a AtomicBool,
    ending: &'a AtomicBool,
}

impl Running<'_> {
    /// Interrupts a running program the client is done with.
    fn end(self, interrupter: &Interrupter) {
        if self.now.load(Ordering::SeqCst) {
            self.ending.store(true, Ordering::SeqCst);
            interrupter.interrupt();
        }
    }
}

/// Requests the client cancelled (DAP `cancel`) before the adapter
/// thread took them: the reader notes their `seq`, and the adapter answers
/// each with the error `cancelled` instead of serving it. A request being
/// served (or already answered) is not interrupted: its `cancel` is only
/// acknowledged, as the protocol allows; a program that runs is stopped
/// with `pause`.
#[derive(Default)]
struct Cancelled {
    /// Cancelled requests not taken yet.
    seqs: Mutex<std::collections::HashSet<i64>>,
    /// The `seq` of the last request the adapter took.
    taken: AtomicI64,
}

impl Cancelled {
    /// Notes a `cancel` of request `seq`, if the adapter has not taken it.
    fn cancel(&self, seq: i64) {
        let mut seqs = self.seqs.lock().unwrap_or_else(|p| p.into_inner());
        if seq > self.taken.load(Ordering::SeqCst) {
            seqs.insert(seq);
        }
    }

    /// The adapter takes request `seq`: whether it was cancelled.
    fn take(&self, seq: i64) -> bool {
        let mut seqs = self.seqs.lock().unwrap_or_else(|p| p.into_inner());
        self.taken.fetch_max(seq, Ordering::SeqCst);
        seqs.remove(&seq)
    }
}

/// What the reader thread shares with the adapter.
struct Reader<'a> {
    writer: &'a Writer,
    interrupter: &'a Interrupter,
    running: Running<'a>,
    status: &'a std::sync::atomic::AtomicI32,
    cancelled: &'a Cancelled,
}

fn read_loop(
    mut input: Box<dyn BufRead + Send>,
    reader: Reader<'_>,
    tx: std::sync::mpsc::Sender<Json>,
) {
    let Reader {
        writer,
        interrupter,
        running,
        status,
        cancelled,
    } = reader;
    loop {
        let body = match framing::read_message(&mut *input) {
            // Left running: the client's end of the stream does not end it.
            _ if writer.detached.load(Ordering::SeqCst) => return,
            Ok(Some(body)) => body,
            Ok(None) => {
                // The client closed the stream: as a `disconnect`.
                running.end(interrupter);
                let _ = tx.send(json!({ "type": "request", "seq": 0, "command": "disconnect" }));
                return;
            }
            Err(e) => {
                eprintln!("wasmdbg dap: {e}; closing the connection");
                status.store(1, Ordering::SeqCst);
                running.end(interrupter);
                let _ = tx.send(json!({ "type": "request", "seq": 0, "command": "disconnect" }));
                return;
            }
        };
        let message: Json = match serde_json::from_slice(&body) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("wasmdbg dap: a message that is not JSON ({e}); ignored");
                continue;
            }
        };
        if message.get("type").and_then(Json::as_str) != Some("request") {
            eprintln!(
                "wasmdbg dap: a message that is not a request (its type is not \"request\"); ignored"
            );
            continue;
        }
        // Disconnecting and leaving the program running: answered here
        // (the adapter thread may be following the program), then nothing
        // more is sent; the adapter thread lets the program run to its end.
        if message.get("command").and_then(Json::as_str) == Some("disconnect")
            && message.pointer("/arguments/terminateDebuggee") == Some(&json!(false))
        {
            writer.respond(&incoming(&message), Json::Null);
            writer.detached.store(true, Ordering::SeqCst);
            let _ = tx.send(message);
            return;
        }
        // Ending the session while the program runs (the editor's Stop):
        // pause it first, so the adapter thread gets to the request.
        if matches!(
            message.get("command").and_then(Json::as_str),
            Some("disconnect" | "terminate" | "restart")
        ) {
            running.end(interrupter);
        }
        if message.get("command").and_then(Json::as_str) == Some("pause") {
            let request = incoming(&message);
            if running.now.load(Ordering::SeqCst) {
                interrupter.interrupt();
            }
            writer.respond(&request, Json::Null);
            continue;
        }
        // Answered here, before the requests queued behind the one being
        // served (a `progressId` names no progress: this adapter reports
        // none).
        if message.get("command").and_then(Json::as_str) == Some("cancel") {
            let request = incoming(&message);
            if let Some(seq) = message
                .pointer("/arguments/requestId")
                .and_then(Json::as_i64)
            {
                cancelled.cancel(seq);
            }
            writer.respond(&request, Json::Null);
            continue;
        }
        if tx.send(message).is_err() {
            return;
        }
    }
}

/// The most lines one `breakpointLocations` request looks at (an editor
/// asks for what it shows).
const MAX_LOCATION_LINES: i64 = 2_000;

/// The `origin` of a source [`Adapter::source`] found on disk that is the
/// standard library's, libc's or a toolchain's.
const LIBRARY_ORIGIN: &str = "standard library or toolchain";
/// The `origin` of a source not found on disk (given by reference).
const NOT_ON_DISK_ORIGIN: &str = "not found on disk";

/// Every source in a response `value` as the protocol spells it:
/// `presentationHint: "deemphasize"` on those whose origin says they are
/// not the program's own readable code, and `sourceReference` under that
/// name. Written here because the `dap` crate (0.4.1-alpha1) serializes
/// `Source`'s fields in snake case (`source_reference`) and its
/// `PresentationHint` as `"deEmphasize"`, neither of which the protocol
/// (or VS Code) knows; `name`, `path` and `origin` are one word and come
/// out right.
fn fix_sources(value: &mut Json) {
    match value {
        Json::Object(map) => {
            let origin = map.get("origin").and_then(Json::as_str);
            if matches!(origin, Some(LIBRARY_ORIGIN | NOT_ON_DISK_ORIGIN)) {
                map.insert("presentationHint".into(), json!("deemphasize"));
            }
            if let Some(reference) = map.remove("source_reference") {
                map.insert("sourceReference".into(), reference);
            }
            map.values_mut().for_each(fix_sources);
        }
        Json::Array(items) => items.iter_mut().for_each(fix_sources),
        _ => {}
    }
}

/// The guest's `bytes` on `stream` as an `output` event.
fn output_event(writer: &Writer, stream: OutputStream, bytes: &[u8]) {
    let category = match stream {
        OutputStream::Stdout => "stdout",
        OutputStream::Stderr => "stderr",
    };
    writer.event(
        "output",
        json!({ "category": category, "output": String::from_utf8_lossy(bytes) }),
    );
}

fn incoming(message: &Json) -> Incoming {
    Incoming {
        seq: message.get("seq").and_then(Json::as_i64).unwrap_or(0),
        command: message
            .get("command")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
        message: message.clone(),
    }
}

/// What an id given out at a pause names.
#[derive(Clone, Debug)]
enum Handle {
    /// A stack frame (an inlined function's frame names its Wasm frame and
    /// its place in the inline chain).
    Frame(FrameRef),
    /// A scope of a frame.
    Scope(FrameRef, ScopeKind),
    /// The frame's source variables, as `scopes` read them to know that
    /// DWARF describes the frame, and the [`Adapter::writes`] count then:
    /// `variables` lists them when nothing was written since (one read,
    /// not two), else reads them again.
    SourceVariables(FrameRef, Vec<crate::debugger::protocol::Variable>, u64),
    /// A source value whose children the core fetches, in pages.
    Value(ValueRef),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeKind {
    /// The Wasm function's locals.
    Locals,
    /// The operand stack.
    Stack,
    /// The module's globals.
    Globals,
}

/// The ids of the current pause. Ids grow for the whole session; the
/// first id of the current pause tells a stale id from an unknown one.
#[derive(Default)]
struct Ids {
    next: i64,
    first_of_pause: i64,
    handles: HashMap<i64, Handle>,
}

impl Ids {
    fn add(&mut self, handle: Handle) -> i64 {
        self.next += 1;
        self.handles.insert(self.next, handle);
        self.next
    }

    /// The program runs again: every id so far goes stale.
    fn resumed(&mut self) {
        self.handles.clear();
        self.first_of_pause = self.next + 1;
    }

    fn get(&self, id: i64, what: &str) -> Result<Handle, Failure> {
        if let Some(h) = self.handles.get(&id) {
            return Ok(h.clone());
        }
        let (kind, message) = if id >= 1 && id < self.first_of_pause {
            (
                ErrorKind::Stale,
                format!("{what} {id} belongs to a pause that is over: the program has run since"),
            )
        } else {
            (ErrorKind::NotFound, format!("no {what} {id}"))
        };
        Err(crate::error::Error::new(kind, message).into())
    }
}

/// `launch`'s arguments (beside the DAP ones): the `wasmdbg run` options
/// under their own names.
#[derive(serde::Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct LaunchArgs {
    /// The module or component; with `replay`, where the recorded one is
    /// now (default: the path the trace names).
    program: Option<PathBuf>,
    /// A trace `wasmdbg record` wrote: replay it (as `wasmdbg replay`)
    /// instead of running `program`.
    replay: Option<PathBuf>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: HashMap<String, String>,
    cwd: Option<PathBuf>,
    /// `--dir`: `HOST[::GUEST]` each.
    #[serde(default)]
    dirs: Vec<String>,
    /// `--dir-ro`.
    #[serde(default)]
    ro_dirs: Vec<String>,
    stdin: Option<PathBuf>,
    #[serde(default)]
    stop_on_entry: bool,
    /// `--instrumented`: under the debugger from the start, even with no
    /// breakpoint set when the configuration is done.
    #[serde(default)]
    instrumented: bool,
    /// `--invoke NAME` with `args` as its arguments.
    invoke: Option<String>,
    /// Look for source files in these directories too.
    #[serde(default)]
    directories: Vec<PathBuf>,
    #[serde(default)]
    preloads: HashMap<String, PathBuf>,
    max_memory: Option<u64>,
    max_wasm_stack: Option<usize>,
    dwp: Option<PathBuf>,
    #[serde(default)]
    trap_unknown_imports: bool,
    #[serde(default)]
    default_values_unknown_imports: bool,
    #[serde(default)]
    no_cache: bool,
    /// The compiled code cache's directory (default: wasmdbg's own).
    cache_dir: Option<PathBuf>,
    /// Serve HTTP with `program`, a wasi:http/proxy component, as `wasmdbg
    /// serve` does; `program` gets no arguments.
    serve: Option<ServeLaunch>,
    /// Every other key: the ones editors add of their own are passed
    /// over, any other is named in a console line (a misspelt option must
    /// not go unnoticed, and must not stop the launch either).
    #[serde(flatten)]
    other: HashMap<String, Json>,
}

/// The `serve` launch key: `wasmdbg serve`'s options.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ServeLaunch {
    /// `--addr` (default 127.0.0.1:8080).
    addr: Option<String>,
    /// `--paused-requests`: "wait" (default) or "serve".
    paused_requests: Option<String>,
    /// `--allow-outgoing-http`: absent or null denies; `[]` allows any
    /// host; names allow those.
    allow_outgoing_http: Option<Vec<String>>,
    /// `--record DIR` (relative to the working directory).
    record: Option<PathBuf>,
    /// `--keep N` (with `record`).
    keep: Option<usize>,
}

/// Launch keys editors add on their own (VS Code's launch.json, nvim-dap,
/// Helix, Zed), passed over without a word.
const EDITOR_KEYS: &[&str] = &[
    "type",
    "request",
    "name",
    "label",
    "adapter",
    "noDebug",
    "presentation",
    "preLaunchTask",
    "postDebugTask",
    "internalConsoleOptions",
    "console",
    "debugServer",
    "serverReadyAction",
];

struct Adapter {
    writer: Arc<Writer>,
    interrupter: Interrupter,
    running: Arc<AtomicBool>,
    /// Set by the reader when the client ends or restarts the session
    /// while the program runs ([`Running`]).
    ending: Arc<AtomicBool>,
    /// The console over the session (after `launch`): DAP requests go to
    /// its session; `evaluate` in the `repl` context runs commands on it.
    fe: Option<Console>,
    launch: Option<RunConfig>,
    /// The launch's `instrumented`.
    instrumented: bool,
    /// The session answers from a recording (`replay`, or the replay of a
    /// run on plain code): the reverse requests work.
    replaying: bool,
    /// Where to look for source files (the launch's `directories` and
    /// `cwd`).
    directories: Vec<PathBuf>,
    /// `setBreakpoints` before `launch`: (path, request).
    pending_breakpoints: Vec<Incoming>,
    stop_on_entry: bool,
    stop_on_throw: bool,
    /// Exception filter `trap`: pause at a trap (else the program ends
    /// with it, as under `wasmtime run`).
    stop_on_trap: bool,
    /// Exception filter `hostcall`: pause where a host call failed.
    stop_on_hostcall_error: bool,
    ids: Ids,
    /// Breakpoint ids per source path, to replace them all at each
    /// `setBreakpoints`.
    source_breakpoints: HashMap<String, Vec<BreakpointId>>,
    function_breakpoints: Vec<BreakpointId>,
    instruction_breakpoints: Vec<BreakpointId>,
    data_breakpoints: Vec<BreakpointId>,
    sources: SourceFiles,
    /// Sources given to the client by `sourceReference` (reference N is
    /// entry N - 1): DWARF paths that are not a file found on disk, which an
    /// editor cannot open by path. Kept for the session.
    source_refs: Vec<String>,
    configured: bool,
    /// Requests so far that may have written the program's state
    /// (`setVariable`, `writeMemory`, a debug-console command).
    writes: u64,
    /// Set by the session's `BreakpointsChanged` event: the breakpoint
    /// table changed since the adapter last looked.
    breakpoints_changed: Arc<AtomicBool>,
    /// The breakpoints the client knows of: those it set, and those the
    /// adapter has told it about with `breakpoint` events.
    known_breakpoints: Vec<BreakpointId>,
}

/// A request's body, or why it failed.
type Served = Result<Json, Failure>;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a request failed: the response's message, and the core's error kind
/// when the failure is the core's (it becomes the error's `id`).
#[derive(Debug)]
struct Failure {
    message: String,
    kind: Option<ErrorKind>,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            kind: None,
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::from(message.to_string())
    }
}

impl From<crate::error::Error> for Failure {
    fn from(e: crate::error::Error) -> Failure {
        Failure {
            message: e.to_string(),
            kind: Some(e.kind),
        }
    }
}

/// The `id` of a failed response's `body.error` (DAP's `Message`): 1 for
/// the adapter's own refusals (a malformed request, no program yet), else
/// one number per kind of the core's error, so a client can tell a stale
/// frame from an unknown name without reading the text. Listed in
/// docs/editors.md.
fn error_id(kind: Option<ErrorKind>) -> u32 {
    match kind {
        None => 1,
        Some(ErrorKind::Invalid) => 2,
        Some(ErrorKind::NotFound) => 3,
        Some(ErrorKind::Unavailable) => 4,
        Some(ErrorKind::Stale) => 5,
        Some(ErrorKind::NoSuchFrame) => 6,
        Some(ErrorKind::NotPaused) => 7,
        Some(ErrorKind::NotLive) => 8,
        Some(ErrorKind::NotLoaded) => 9,
        Some(ErrorKind::Malformed) => 10,
        Some(ErrorKind::Io) => 11,
        Some(ErrorKind::WorkerGone) => 12,
        Some(ErrorKind::Internal) => 13,
    }
}

impl Adapter {
    fn run(&mut self, rx: &Receiver<Json>, cancelled: &Cancelled) {
        while let Ok(message) = rx.recv() {
            let request = incoming(&message);
            if request.seq != 0 && cancelled.take(request.seq) {
                // The protocol's word for it, which clients recognize.
                self.writer.fail(&request, &failure!("cancelled"));
                continue;
            }
            if request.command == "disconnect" || request.command == "terminate" {
                // A disconnect that leaves the program running was answered
                // by the reader.
                let detached = self.writer.detached.load(Ordering::SeqCst);
                if request.seq != 0 && !(detached && request.command == "disconnect") {
                    self.writer.respond(&request, Json::Null);
                }
                if request.command == "terminate" {
                    self.writer.event("terminated", Json::Null);
                    continue;
                }
                if detached {
                    self.run_to_end();
                }
                return;
            }
            let resumes = matches!(
                request.command.as_str(),
                "continue"
                    | "next"
                    | "stepIn"
                    | "stepOut"
                    | "stepBack"
                    | "reverseContinue"
                    | "restart"
                    | "configurationDone"
            );
            if resumes {
                self.resume(&request);
                continue;
            }
            if request.command == "launch" {
                // Answers by itself (the response comes before
                // `initialized`).
                if let Err(why) = self.launch(&request) {
                    self.writer.fail(&request, &why);
                }
                // The breakpoints set before it are the client's own.
                self.follow_breakpoints(false);
                continue;
            }
            let served = self.serve(&request);
            // Breakpoints the client set itself are in its responses;
            // others (a debug-console `break` or `delete`) become events.
            let own = matches!(
                request.command.as_str(),
                "setBreakpoints"
                    | "setFunctionBreakpoints"
                    | "setInstructionBreakpoints"
                    | "setDataBreakpoints"
            );
            self.follow_breakpoints(!own);
            match served {
                Ok(mut body) => {
                    fix_sources(&mut body);
                    self.writer.respond(&request, body)
                }
                Err(why) => self.writer.fail(&request, &why),
            }
        }
    }

    fn fe(&mut self) -> Result<&mut Console, Failure> {
        self.fe
            .as_mut()
            .ok_or_else(|| Failure::from("no program: send `launch` first"))
    }

    fn session(&self) -> Result<&Session, Failure> {
        self.fe
            .as_ref()
            .map(Console::session)
            .ok_or_else(|| Failure::from("no program: send `launch` first"))
    }

    /// The current pause, or why there is none.
    fn stop(&self) -> Result<Stop, Failure> {
        match self.fe.as_ref().map(Console::state) {
            Some(State::Paused(stop)) => Ok((**stop).clone()),
            Some(State::Ended(o)) => Err(failure!("the program is not paused: it {o}")),
            None => Err("no program: send `launch` first".into()),
        }
    }

    fn ask(&self, request: Request) -> Result<Response, Failure> {
        match self.session()?.request(request) {
            Response::Error(e) => Err(e.into()),
            other => Ok(other),
        }
    }

    fn arguments<T: serde::de::DeserializeOwned + Default>(
        request: &Incoming,
    ) -> Result<T, Failure> {
        match request.message.get("arguments") {
            None | Some(Json::Null) => Ok(T::default()),
            Some(a) => serde_json::from_value(a.clone())
                .map_err(|e| failure!("invalid arguments for {}: {e}", request.command)),
        }
    }

    fn frame(&self, id: i64) -> Result<FrameRef, Failure> {
        match self.ids.get(id, "frame")? {
            Handle::Frame(f) => Ok(f),
            _ => Err(failure!("{id} is not a frame id")),
        }
    }

    /// The frame a request names, else frame #0 of the current pause.
    fn frame_or_top(&self, id: Option<i64>) -> Result<FrameRef, Failure> {
        match id {
            Some(id) => self.frame(id),
            None => Ok(FrameRef::new(self.stop()?.pause, 0)),
        }
    }

    fn serve(&mut self, request: &Incoming) -> Served {
        use dap::requests as rq;
        match request.command.as_str() {
            "initialize" => {
                let _: rq::InitializeArguments = Self::arguments(request)?;
                let capabilities = dt::Capabilities {
                    supports_configuration_done_request: Some(true),
                    supports_function_breakpoints: Some(true),
                    supports_conditional_breakpoints: Some(true),
                    supports_hit_conditional_breakpoints: Some(true),
                    supports_log_points: Some(true),
                    supports_completions_request: Some(true),
                    supports_value_formatting_options: Some(true),
                    supports_set_expression: Some(true),
                    supports_evaluate_for_hovers: Some(true),
                    exception_breakpoint_filters: Some(vec![
                        dt::ExceptionBreakpointsFilter {
                            filter: "trap".into(),
                            label: "Traps".into(),
                            description: Some(
                                "Pause at a trap, with the frames as they were (off: the program ends with the trap)".into(),
                            ),
                            default: Some(true),
                            ..Default::default()
                        },
                        dt::ExceptionBreakpointsFilter {
                            filter: "throw".into(),
                            label: "Thrown exceptions".into(),
                            description: Some(
                                "Pause where a Wasm exception is thrown even when a handler catches it (an uncaught one always pauses); the program then runs under the debugger from the start".into(),
                            ),
                            default: Some(false),
                            ..Default::default()
                        },
                        dt::ExceptionBreakpointsFilter {
                            filter: "hostcall".into(),
                            label: "Failed host calls".into(),
                            description: Some(
                                "Pause where a host (WASI) call returned an error to the embedder (off: the program ends with it)".into(),
                            ),
                            default: Some(true),
                            ..Default::default()
                        },
                    ]),
                    supports_set_variable: Some(true),
                    supports_restart_request: Some(true),
                    supports_exception_info_request: Some(true),
                    supports_loaded_sources_request: Some(true),
                    supports_terminate_request: Some(true),
                    supports_data_breakpoints: Some(true),
                    supports_read_memory_request: Some(true),
                    supports_write_memory_request: Some(true),
                    supports_disassemble_request: Some(true),
                    supports_stepping_granularity: Some(true),
                    // In a replay (`replay`, or a run on plain code that
                    // failed or was paused); elsewhere the request is
                    // refused, saying why.
                    supports_step_back: Some(true),
                    supports_breakpoint_locations_request: Some(true),
                    supports_instruction_breakpoints: Some(true),
                    supports_modules_request: Some(true),
                    supports_delayed_stack_trace_loading: Some(true),
                    supports_cancel_request: Some(true),
                    support_terminate_debuggee: Some(true),
                    ..Default::default()
                };
                serde_json::to_value(capabilities).map_err(|e| failure!("{e}"))
            }
            "breakpointLocations" => self.breakpoint_locations(request),
            "setBreakpoints" => {
                if self.fe.is_none() {
                    self.pending_breakpoints.push(Incoming {
                        seq: request.seq,
                        command: request.command.clone(),
                        message: request.message.clone(),
                    });
                    let args: rq::SetBreakpointsArguments = Self::arguments(request)?;
                    let unverified: Vec<dt::Breakpoint> = args
                        .breakpoints
                        .unwrap_or_default()
                        .iter()
                        .map(|b| dt::Breakpoint {
                            verified: false,
                            line: Some(b.line),
                            message: Some("set when the program is launched".into()),
                            ..Default::default()
                        })
                        .collect();
                    return Ok(breakpoints_body(unverified));
                }
                self.set_breakpoints(request)
            }
            "setFunctionBreakpoints" => {
                let args: rq::SetFunctionBreakpointsArguments = Self::arguments(request)?;
                let old = std::mem::take(&mut self.function_breakpoints);
                self.delete(old)?;
                let mut out = Vec::new();
                for b in args.breakpoints {
                    let (bp, id) = self.break_at(
                        b.name.clone(),
                        Extras {
                            condition: b.condition.clone(),
                            hit_condition: b.hit_condition.clone(),
                            log_message: None,
                        },
                    );
                    self.function_breakpoints.extend(id);
                    out.push(bp);
                }
                Ok(breakpoints_body(out))
            }
            "setInstructionBreakpoints" => {
                let args: rq::SetInstructionBreakpointsArguments = Self::arguments(request)?;
                let old = std::mem::take(&mut self.instruction_breakpoints);
                self.delete(old)?;
                let mut out = Vec::new();
                let single = matches!(
                    self.ask(Request::Facts(FactsRequest::Modules)),
                    Ok(Response::Modules { modules, .. }) if modules.len() == 1
                );
                for b in args.breakpoints {
                    let at = CodeRef::parse(&b.instruction_reference)
                        .map(|r| r.offset_by(b.offset.unwrap_or(0)));
                    let extras = Extras {
                        condition: b.condition.clone(),
                        hit_condition: b.hit_condition.clone(),
                        log_message: None,
                    };
                    let (bp, id) = match at {
                        // In a program of several core modules, qualified
                        // by the module's index, so the core resolves it
                        // there (or says there is no such module) instead
                        // of in every module; in a plain module, as
                        // `break *0x..` writes it.
                        Some(r) if single && r.module == CoreModuleId::FIRST => {
                            self.break_at(format!("*0x{:x}", r.offset), extras)
                        }
                        Some(r) => self.break_at(format!("{}`*0x{:x}", r.module, r.offset), extras),
                        None => (
                            unverified(format!(
                                "{:?} is not an instruction reference",
                                b.instruction_reference
                            )),
                            None,
                        ),
                    };
                    self.instruction_breakpoints.extend(id);
                    out.push(bp);
                }
                Ok(breakpoints_body(out))
            }
            "setExceptionBreakpoints" => {
                let args: rq::SetExceptionBreakpointsArguments = Self::arguments(request)?;
                for f in &args.filters {
                    if !["trap", "throw", "hostcall"].contains(&f.as_str()) {
                        return Err(failure!(
                            "no exception filter {f:?}: the filters are trap, throw and hostcall"
                        ));
                    }
                }
                self.stop_on_throw = args.filters.iter().any(|f| f == "throw");
                self.stop_on_trap = args.filters.iter().any(|f| f == "trap");
                self.stop_on_hostcall_error = args.filters.iter().any(|f| f == "hostcall");
                if self.fe.is_some() {
                    self.send_stop_policy()?;
                }
                Ok(Json::Null)
            }
            "dataBreakpointInfo" => {
                let args: rq::DataBreakpointInfoArguments = Self::arguments(request)?;
                let global = match args.variables_reference {
                    Some(r) => matches!(
                        self.ids.get(r, "variablesReference")?,
                        Handle::Scope(_, ScopeKind::Globals)
                    ),
                    None => true,
                };
                Ok(if global {
                    json!({
                        "dataId": args.name,
                        "description": format!("when {} changes", args.name),
                        "accessTypes": ["write"],
                    })
                } else {
                    json!({
                        "dataId": null,
                        "description": "only globals (and memory, with `watch` in the debug console) can be watched",
                    })
                })
            }
            "setDataBreakpoints" => {
                let args: rq::SetDataBreakpointsArguments = Self::arguments(request)?;
                let old = std::mem::take(&mut self.data_breakpoints);
                self.delete(old)?;
                let mut out = Vec::new();
                for b in args.breakpoints {
                    let frame = self.frame_or_top(None)?;
                    match self
                        .ask(Request::Watch {
                            frame,
                            target: WatchSpec::Expr(b.data_id.clone()),
                        })
                        .and_then(|r| Ok(r.into_breakpoint_set()?))
                    {
                        Ok(info) => {
                            self.data_breakpoints.push(info.id);
                            let condition = b.condition.clone().filter(|c| !c.trim().is_empty());
                            let hit = b.hit_condition.clone().filter(|h| !h.trim().is_empty());
                            let conditions = condition
                                .map(|c| BreakpointRequest::Condition(info.id, Some(c)))
                                .into_iter()
                                .chain(
                                    hit.map(|h| BreakpointRequest::HitCondition(info.id, Some(h))),
                                );
                            let refused = conditions
                                .map(|c| self.ask(Request::Breakpoint(c)))
                                .find_map(Result::err);
                            if let Some(why) = refused {
                                // Unverified means not set: the watch goes.
                                self.data_breakpoints.pop();
                                self.delete(vec![info.id])?;
                                out.push(unverified(why.message));
                                continue;
                            }
                            out.push(dt::Breakpoint {
                                id: Some(i64::from(info.id.0)),
                                verified: true,
                                ..Default::default()
                            });
                        }
                        Err(why) => out.push(unverified(why.message)),
                    }
                }
                Ok(breakpoints_body(out))
            }
            "threads" => Ok(json!({ "threads": [dt::Thread { id: THREAD, name: "main".into() }] })),
            "stackTrace" => self.stack_trace(request),
            "scopes" => self.scopes(request),
            "variables" => self.variables(request),
            "setVariable" => {
                let args: rq::SetVariableArguments = Self::arguments(request)?;
                self.writes += 1;
                let Handle::Scope(frame, ScopeKind::Globals) = self
                    .ids
                    .get(args.variables_reference, "variablesReference")?
                else {
                    return Err("only globals can be written (wasmtime 48 cannot write locals or the operand stack)".into());
                };
                self.ask(Request::Inspect(InspectRequest::SetVariable {
                    frame,
                    name: args.name.clone(),
                    expr: args.value.clone(),
                }))?;
                let hex = args.format.as_ref().and_then(|f| f.hex).unwrap_or(false);
                let globals = self.globals(frame, hex)?;
                let value = globals
                    .into_iter()
                    .find(|(n, _, _)| *n == args.name)
                    .map(|(_, v, _)| v)
                    .unwrap_or(args.value);
                Ok(json!({ "value": value }))
            }
            "evaluate" => self.evaluate(request),
            "setExpression" => self.set_expression(request),
            "completions" => self.completions(request),
            "exceptionInfo" => {
                let stop = self.stop()?;
                let (id, mode) = match &stop.reason {
                    StopReason::Trap(_) => ("trap", "always"),
                    StopReason::Exception(e) if e.caught == Some(false) => {
                        ("exception", "unhandled")
                    }
                    StopReason::Exception(_) => ("exception", "always"),
                    StopReason::HostcallError(_) => ("host call error", "always"),
                    StopReason::MemoryLimit(_) => ("memory limit", "always"),
                    _ => return Err("the program did not stop at an exception".into()),
                };
                // The program's own words first, where it said why
                // (a Rust panic, a failed `assert`).
                let why = render::stop_reason(&stop.reason);
                let description = match &stop.panic {
                    Some(p) => format!("{}\n{why}", render::panic_message(p)),
                    None => why,
                };
                Ok(json!({
                    "exceptionId": id,
                    "description": description,
                    "breakMode": mode,
                }))
            }
            "modules" => {
                let (_, modules) = self
                    .ask(Request::Facts(FactsRequest::Modules))?
                    .into_modules()?;
                let path = self.session()?.module_path().display().to_string();
                let list: Vec<Json> = modules
                    .iter()
                    .map(|m| {
                        json!({
                            "id": m.id,
                            "name": m.name,
                            "path": path,
                            "symbolStatus": if m.dwarf { "DWARF" } else { "no DWARF" },
                        })
                    })
                    .collect();
                Ok(json!({ "modules": list, "totalModules": list.len() }))
            }
            "loadedSources" => {
                let (_, modules) = self
                    .ask(Request::Facts(FactsRequest::Modules))?
                    .into_modules()?;
                let mut sources = Vec::new();
                for m in modules {
                    if let Ok(Response::SourceFiles(files)) =
                        self.ask(Request::Facts(FactsRequest::SourceFiles {
                            module: ModuleRef::Id(m.id),
                        }))
                    {
                        for f in files {
                            sources.push(self.source(&f));
                        }
                    }
                }
                Ok(json!({ "sources": sources }))
            }
            "source" => {
                let args: rq::SourceArguments = Self::arguments(request)?;
                let by_path = args.source.as_ref().and_then(|s| s.path.clone());
                let reference = args
                    .source
                    .as_ref()
                    .and_then(|s| s.source_reference)
                    .map(i64::from)
                    .filter(|r| *r > 0)
                    .unwrap_or(args.source_reference);
                let path = match by_path {
                    Some(path) => path,
                    None => usize::try_from(reference)
                        .ok()
                        .and_then(|r| r.checked_sub(1))
                        .and_then(|at| self.source_refs.get(at))
                        .cloned()
                        .ok_or_else(|| failure!("no source has reference {reference}"))?,
                };
                let text = self.source_text(&path)?;
                Ok(json!({ "content": text.lines.join("\n") }))
            }
            "readMemory" => {
                let args: rq::ReadMemoryArguments = Self::arguments(request)?;
                let base = parse_address(&args.memory_reference)
                    .ok_or_else(|| failure!("{:?} is not an address", args.memory_reference))?;
                let at = base.saturating_add_signed(args.offset.unwrap_or(0));
                let frame = self.frame_or_top(None)?;
                let count = u64::try_from(args.count).unwrap_or(0).min(1 << 20);
                self.ask(Request::Inspect(InspectRequest::Examine(
                    crate::debugger::protocol::Examine {
                        frame,
                        module: None,
                        memory: 0,
                        address: at.to_string(),
                        len: count,
                        strings: None,
                    },
                )))?
                .into_examined()
                .map(|x| {
                    json!({
                        "address": format!("0x{:x}", x.address),
                        "data": base64::engine::general_purpose::STANDARD.encode(&x.bytes),
                        "unreadableBytes": count - x.bytes.len() as u64,
                    })
                })
                .map_err(Failure::from)
            }
            "writeMemory" => {
                let args: rq::WriteMemoryArguments = Self::arguments(request)?;
                self.writes += 1;
                let base = parse_address(&args.memory_reference)
                    .ok_or_else(|| failure!("{:?} is not an address", args.memory_reference))?;
                let at = base.saturating_add_signed(args.offset.unwrap_or(0));
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(args.data.as_bytes())
                    .map_err(|e| failure!("data is not base64: {e}"))?;
                let frame = self.frame_or_top(None)?;
                for (i, b) in bytes.iter().enumerate() {
                    self.ask(Request::Inspect(InspectRequest::SetMemory {
                        frame,
                        ty: crate::program::expr::LoadType::parse("u8").ok_or("no u8 store")?,
                        address: (at + i as u64).to_string(),
                        expr: b.to_string(),
                    }))?;
                }
                Ok(json!({ "bytesWritten": bytes.len() }))
            }
            "disassemble" => self.disassemble(request),
            _ => Err(failure!(
                "unknown or unsupported request {:?}",
                request.command
            )),
        }
    }

    /// `launch`: starts the program paused before its first instruction,
    /// so breakpoints can be set before it runs; `configurationDone` lets
    /// it go (or reports the entry stop with `stopOnEntry`).
    fn launch(&mut self, request: &Incoming) -> Result<(), Failure> {
        if self.fe.is_some() {
            return Err("a program is already launched".into());
        }
        let args: LaunchArgs = match request.message.get("arguments") {
            Some(a) => serde_json::from_value(a.clone())
                .map_err(|e| failure!("invalid launch arguments: {e}"))?,
            None => return Err("launch needs arguments: at least \"program\"".into()),
        };
        let mut unknown: Vec<&String> = args
            .other
            .keys()
            .filter(|k| !k.starts_with("__") && !EDITOR_KEYS.contains(&k.as_str()))
            .collect();
        unknown.sort();
        for key in unknown {
            self.writer.event(
                "output",
                json!({ "category": "console", "output": format!("wasmdbg: launch ignores the unknown key {key:?}\n") }),
            );
        }
        let cwd = args.cwd.clone();
        let at = |p: &PathBuf| match &cwd {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.clone(),
        };
        let trace = match &args.replay {
            None => None,
            Some(path) => {
                // What the trace recorded is the run: the program's own
                // options would contradict it.
                let given = [
                    ("args", !args.args.is_empty()),
                    ("env", !args.env.is_empty()),
                    ("dirs", !args.dirs.is_empty()),
                    ("roDirs", !args.ro_dirs.is_empty()),
                    ("stdin", args.stdin.is_some()),
                    ("invoke", args.invoke.is_some()),
                    ("preloads", !args.preloads.is_empty()),
                    ("maxMemory", args.max_memory.is_some()),
                    ("maxWasmStack", args.max_wasm_stack.is_some()),
                    ("serve", args.serve.is_some()),
                ];
                if let Some((key, _)) = given.iter().find(|(_, given)| *given) {
                    return Err(failure!(
                        "launch: \"{key}\" cannot be used with \"replay\": the trace holds \
                         the recorded run's"
                    ));
                }
                let trace = crate::debugger::record::Trace::read(&at(path))?;
                Some(std::sync::Arc::new(trace))
            }
        };
        let module = match (&args.program, &trace) {
            (Some(program), _) => at(program),
            (None, Some(trace)) => at(&PathBuf::from(&trace.header.module)),
            (None, None) => {
                return Err("launch needs \"program\" (or \"replay\": a trace)".into());
            }
        };
        if !module.exists() {
            return Err(failure!("cannot read {}: no such file", module.display()));
        }
        let (program_args, invoke) = RunConfig::program_args(args.invoke.as_ref(), &args.args);
        let dirs = DirSpec::list(&args.dirs, &args.ro_dirs)
            .into_iter()
            .map(|d| DirSpec {
                host: at(&d.host),
                ..d
            })
            .collect();
        let mut env: Vec<(String, String)> = args.env.into_iter().collect();
        env.sort();
        let serve = match &args.serve {
            None => None,
            Some(s) => Some(crate::debugger::config::ServeOptions {
                addr: s
                    .addr
                    .clone()
                    .unwrap_or_else(|| "127.0.0.1:8080".to_string()),
                outgoing: crate::debugger::config::Outgoing::from_hosts(
                    s.allow_outgoing_http.as_deref(),
                ),
                paused_requests: match s.paused_requests.as_deref() {
                    None | Some("wait") => crate::debugger::config::PausedRequests::Wait,
                    Some("serve") => crate::debugger::config::PausedRequests::Serve,
                    Some(other) => {
                        return Err(failure!(
                            "serve.pausedRequests is \"wait\" or \"serve\", not {other:?}"
                        ));
                    }
                },
                record: s.record.as_ref().map(&at),
                keep: match (s.keep, &s.record) {
                    (Some(_), None) => {
                        return Err(failure!("serve.keep needs serve.record"));
                    }
                    (keep, _) => keep.unwrap_or(0),
                },
            }),
        };
        let config = RunConfig {
            module,
            args: program_args,
            env,
            dirs,
            invoke,
            stop_on_entry: true,
            stop_on_throw: self.stop_on_throw,
            stdin: args.stdin.as_ref().map(at),
            max_memory: args.max_memory,
            max_wasm_stack: args.max_wasm_stack,
            dwp: args.dwp.as_ref().map(at),
            preloads: args
                .preloads
                .iter()
                .map(|(n, p)| (n.clone(), at(p)))
                .collect(),
            cache_dir: if args.no_cache {
                None
            } else {
                args.cache_dir
                    .as_ref()
                    .map(at)
                    .or_else(crate::cli::default_cache_dir)
            },
            unknown_imports: crate::debugger::imports::UnknownImports::from_flags(
                args.trap_unknown_imports,
                args.default_values_unknown_imports,
            ),
            serve,
            ..RunConfig::default()
        };
        let config = match trace {
            None => config,
            Some(trace) => {
                let module = config.module.clone();
                let recorded = crate::debugger::record::Replay::run_config(trace, Some(module));
                RunConfig {
                    stop_on_entry: config.stop_on_entry,
                    stop_on_throw: config.stop_on_throw,
                    dwp: config.dwp,
                    cache_dir: config.cache_dir,
                    unknown_imports: config.unknown_imports,
                    ..recorded
                }
            }
        };
        let mut directories: Vec<PathBuf> = args.directories.iter().map(at).collect();
        if let Some(dir) = &cwd {
            directories.push(dir.clone());
        }
        self.sources = SourceFiles::new(directories.clone());
        self.stop_on_entry = args.stop_on_entry;
        self.instrumented = args.instrumented;
        self.replaying = config.replay.is_some();
        self.directories = directories;
        self.open(config.clone(), None)?;
        self.launch = Some(config);
        // Exception filters set before the launch.
        self.send_stop_policy()?;
        self.ids.resumed();
        // The program is loaded and paused at its entry: configuration may
        // come now.
        let writer = self.writer.clone();
        let pending = std::mem::take(&mut self.pending_breakpoints);
        for p in pending {
            if let Err(e) = self.set_breakpoints(&p) {
                eprintln!("wasmdbg dap: breakpoints sent before launch: {e}");
            }
        }
        if let Ok(Response::Modules { modules, .. }) =
            self.ask(Request::Facts(FactsRequest::Modules))
        {
            for m in modules {
                writer.event(
                    "module",
                    json!({ "reason": "new", "module": { "id": m.id, "name": m.name } }),
                );
            }
        }
        // Respond first, then `initialized`.
        self.writer.respond(request, Json::Null);
        self.writer.event("initialized", Json::Null);
        Ok(())
    }

    fn set_breakpoints(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::SetBreakpointsArguments = Self::arguments(request)?;
        let path = args
            .source
            .path
            .clone()
            .ok_or("setBreakpoints needs source.path")?;
        let old = self.source_breakpoints.remove(&path).unwrap_or_default();
        self.delete(old)?;
        let file = self.dwarf_path(&path);
        let mut ids = Vec::new();
        let mut out = Vec::new();
        // The dap crate (0.4.1-alpha1) reads a source breakpoint's
        // `hitCondition` and `logMessage` under snake_case names: they are
        // read from the message itself.
        let raw = &request.message["arguments"]["breakpoints"];
        let text = |i: usize, name: &str| raw[i][name].as_str().map(str::to_string);
        for (i, b) in args.breakpoints.unwrap_or_default().into_iter().enumerate() {
            let (bp, id) = self.break_at(
                format!("{file}:{}", b.line),
                Extras {
                    condition: b.condition.clone(),
                    hit_condition: text(i, "hitCondition"),
                    log_message: text(i, "logMessage"),
                },
            );
            ids.extend(id);
            out.push(bp);
        }
        self.source_breakpoints.insert(path, ids);
        Ok(breakpoints_body(out))
    }

    /// `breakpointLocations`: the lines from `line` to `endLine` (at most
    /// [`MAX_LOCATION_LINES`] of them) where a breakpoint would stop on
    /// that very line, as `info line FILE:N` finds them (a line without
    /// code, whose breakpoint would move to a later one, is left out), so
    /// an editor's gutter offers only those.
    fn breakpoint_locations(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::BreakpointLocationsArguments = Self::arguments(request)?;
        let path = args
            .source
            .path
            .clone()
            .ok_or("breakpointLocations needs source.path")?;
        let file = self.dwarf_path(&path);
        let last = args
            .end_line
            .unwrap_or(args.line)
            .max(args.line)
            .min(args.line.saturating_add(MAX_LOCATION_LINES - 1));
        let mut lines = Vec::new();
        for n in args.line.max(1)..=last {
            let at = crate::debugger::protocol::LineAt::Location(format!("{file}:{n}"));
            let module = ModuleRef::Id(CoreModuleId::FIRST);
            if let Ok(Response::LineInfo(info)) =
                self.ask(Request::Facts(FactsRequest::LineInfo { module, at }))
                && info.line.is_some_and(|l| i64::from(l.line) == n)
            {
                lines.push(json!({ "line": n }));
            }
        }
        Ok(json!({ "breakpoints": lines }))
    }

    /// Sets a breakpoint at `location`: a verified DAP breakpoint with the
    /// line DWARF gives (a line without code moves), or an unverified one
    /// with the reason.
    fn break_at(
        &mut self,
        location: String,
        extras: Extras,
    ) -> (dt::Breakpoint, Option<BreakpointId>) {
        let given = |t: Option<String>| t.filter(|c| !c.trim().is_empty());
        match self
            .ask(Request::Breakpoint(BreakpointRequest::Break {
                location,
                temporary: false,
                condition: given(extras.condition),
                hit_condition: given(extras.hit_condition),
                log: given(extras.log_message).map(LogSpec::Message),
            }))
            .and_then(|r| Ok(r.into_breakpoint_set()?))
        {
            Ok(info) => {
                let code = match &info.kind {
                    crate::debugger::protocol::BreakpointKind::Code(c) => Some(c),
                    _ => None,
                };
                let source = code.and_then(|c| c.source.clone());
                let bp = dt::Breakpoint {
                    id: Some(i64::from(info.id.0)),
                    verified: true,
                    message: code.and_then(|c| c.note.clone()),
                    source: source.as_ref().map(|s| self.source(&s.file)),
                    line: source.as_ref().map(|s| i64::from(s.line)),
                    column: source.as_ref().and_then(|s| s.column).map(i64::from),
                    instruction_reference: code.map(|c| CodeRef::new(c.module, c.pc).to_string()),
                    ..Default::default()
                };
                (bp, Some(info.id))
            }
            Err(why) => (unverified(why.message), None),
        }
    }

    /// The line tables' name for a file an editor names by its absolute
    /// path: the DWARF path that is found at that path (as `list` finds
    /// files), or that the path ends with; else the path as given.
    fn dwarf_path(&mut self, client: &str) -> String {
        let wanted = std::fs::canonicalize(client).ok();
        let Ok(Response::Modules { modules, .. }) = self.ask(Request::Facts(FactsRequest::Modules))
        else {
            return client.to_string();
        };
        let mut suffix_match = None;
        for m in modules {
            let Ok(Response::SourceFiles(files)) =
                self.ask(Request::Facts(FactsRequest::SourceFiles {
                    module: ModuleRef::Id(m.id),
                }))
            else {
                continue;
            };
            for f in files {
                if wanted.is_some()
                    && let Ok(text) = self.sources.find(&f)
                    && std::fs::canonicalize(&text.path).ok() == wanted
                {
                    return f;
                }
                let trimmed = f.trim_start_matches("./");
                if suffix_match.is_none()
                    && (client == f || client.ends_with(&format!("/{trimmed}")))
                {
                    suffix_match = Some(f);
                }
            }
        }
        suffix_match.unwrap_or_else(|| client.to_string())
    }

    fn delete(&mut self, ids: Vec<BreakpointId>) -> Result<(), Failure> {
        if self.fe.is_none() {
            return Ok(());
        }
        self.ask(Request::Breakpoint(BreakpointRequest::Delete(
            Selection::Ids(ids),
        )))
        .map(|_| ())
    }

    /// The DAP source of DWARF path `file`: a file found on disk by its
    /// absolute path (editors compare paths); anything else (not found, a
    /// `wasisdk://` URI) by a `sourceReference` the `source` request
    /// answers, never as a path an editor would fail to open. The standard
    /// library's, libc's and the toolchains' sources are `deemphasize`d, so
    /// an editor focuses the first frame of the program's own code.
    fn source(&mut self, file: &str) -> dt::Source {
        let name = std::path::Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        match self.source_text(file) {
            Ok(text) if text.path.is_file() => dt::Source {
                name,
                path: Some(
                    std::fs::canonicalize(&text.path)
                        .unwrap_or(text.path)
                        .display()
                        .to_string(),
                ),
                origin: crate::console::is_library_source(file).then(|| LIBRARY_ORIGIN.to_string()),
                ..Default::default()
            },
            _ => {
                let at = match self.source_refs.iter().position(|f| f == file) {
                    Some(at) => at,
                    None => {
                        self.source_refs.push(file.to_string());
                        self.source_refs.len() - 1
                    }
                };
                dt::Source {
                    name,
                    source_reference: Some(i32::try_from(at + 1).unwrap_or(i32::MAX)),
                    origin: Some(NOT_ON_DISK_ORIGIN.into()),
                    ..Default::default()
                }
            }
        }
    }

    /// Source file `file` as the console finds it (with the debug
    /// console's `directory` and `set substitute-path` rules), or as the
    /// launch's directories do before there is a console.
    fn source_text(
        &mut self,
        file: &str,
    ) -> Result<crate::debugger::source::SourceText, crate::error::Error> {
        match self.fe.as_mut() {
            Some(fe) => fe.source_text(file),
            None => self.sources.find(file),
        }
    }

    fn stack_trace(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::StackTraceArguments = Self::arguments(request)?;
        let thread = u32::try_from(args.thread_id).map(ThreadId).map_err(|_| {
            crate::error::Error::new(
                ErrorKind::NotFound,
                format!(
                    "no thread {}: the program is thread {}",
                    args.thread_id,
                    ThreadId::MAIN
                ),
            )
        })?;
        let stop = self.stop()?;
        let frames = self
            .ask(Request::Frames(FramesRequest::Backtrace {
                pause: stop.pause,
                thread,
                limit: None,
                outermost: false,
            }))?
            .into_backtrace()?
            .frames;
        let mut all: Vec<(FrameInfo, usize)> = Vec::new();
        for f in frames {
            let n = f.source.len().max(1);
            for i in 0..n {
                all.push((f.clone(), i));
            }
        }
        let total = all.len();
        let start = usize::try_from(args.start_frame.unwrap_or(0))
            .unwrap_or(0)
            .min(total);
        let end = match args.levels {
            Some(n) if n > 0 => start
                .saturating_add(usize::try_from(n).unwrap_or(usize::MAX))
                .min(total),
            _ => total,
        };
        let mut out = Vec::new();
        for (f, i) in &all[start..end] {
            // Each function of an inline chain is a frame of its own, whose
            // scopes hold that function's variables.
            let frame = FrameRef {
                inlined: (f.source.len() > 1).then_some(*i),
                ..f.frame
            };
            let id = self.ids.add(Handle::Frame(frame));
            let source = f.source.get(*i);
            // As `bt` names them: an inlined function by DWARF's name, the
            // Wasm function by its name section's.
            let name = source
                .filter(|s| s.inlined)
                .and_then(|s| s.function.clone())
                .or_else(|| f.func_name.clone())
                .unwrap_or_else(|| format!("func[{}]", f.func_index));
            let location = source.and_then(|s| s.location.clone());
            out.push(dt::StackFrame {
                id,
                name,
                source: location.as_ref().map(|l| self.source(&l.file)),
                line: location.as_ref().map_or(0, |l| i64::from(l.line)),
                column: location
                    .as_ref()
                    .and_then(|l| l.column)
                    .map_or(0, i64::from),
                instruction_pointer_reference: Some(CodeRef::new(f.module, f.pc).to_string()),
                module_id: Some(dt::StackFrameModuleid::Number(i64::from(f.module.0))),
                presentation_hint: if location.is_none() {
                    Some(dt::StackFramePresentationhint::Subtle)
                } else {
                    None
                },
                ..Default::default()
            });
        }
        Ok(json!({ "stackFrames": out, "totalFrames": total }))
    }

    fn scopes(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::ScopesArguments = Self::arguments(request)?;
        let frame = self.frame(args.frame_id)?;
        let mut scopes = Vec::new();
        let source = match self.ask(Request::Inspect(InspectRequest::SourceVariables {
            frame,
            args_only: false,
            print: PrintOptions::default(),
        }))? {
            Response::Variables(vars) => vars,
            _ => None,
        };
        let has_dwarf = source.is_some();
        let mut add = |ids: &mut Ids,
                       name: &str,
                       handle: Handle,
                       hint: Option<dt::ScopePresentationhint>,
                       expensive: bool| {
            scopes.push(dt::Scope {
                name: name.into(),
                presentation_hint: hint,
                variables_reference: ids.add(handle),
                expensive,
                ..Default::default()
            });
        };
        if let Some(vars) = source {
            add(
                &mut self.ids,
                "Locals",
                Handle::SourceVariables(frame, vars, self.writes),
                Some(dt::ScopePresentationhint::Locals),
                false,
            );
        }
        add(
            &mut self.ids,
            "Wasm locals",
            Handle::Scope(frame, ScopeKind::Locals),
            if has_dwarf {
                None
            } else {
                Some(dt::ScopePresentationhint::Locals)
            },
            false,
        );
        add(
            &mut self.ids,
            "Operand stack",
            Handle::Scope(frame, ScopeKind::Stack),
            Some(dt::ScopePresentationhint::Registers),
            false,
        );
        add(
            &mut self.ids,
            "Globals",
            Handle::Scope(frame, ScopeKind::Globals),
            None,
            true,
        );
        Ok(json!({ "scopes": scopes }))
    }

    /// A global's (name, value text, type) list for the frame's module
    /// (integers in hex alone when `hex`).
    fn globals(
        &self,
        frame: FrameRef,
        hex: bool,
    ) -> Result<Vec<(String, String, String)>, Failure> {
        let info = self
            .ask(Request::Frames(FramesRequest::Frame(frame)))?
            .into_frame()?;
        let globals = self
            .ask(Request::Inspect(InspectRequest::Globals {
                module: ModuleRef::Id(info.module),
            }))?
            .into_globals()?;
        Ok(globals
            .into_iter()
            .map(|g| {
                (
                    g.name.unwrap_or_else(|| format!("$global{}", g.index)),
                    wasm_text(&g.value, hex),
                    g.ty,
                )
            })
            .collect())
    }

    fn variables(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::VariablesArguments = Self::arguments(request)?;
        let hex = args.format.as_ref().and_then(|f| f.hex).unwrap_or(false);
        let handle = self
            .ids
            .get(args.variables_reference, "variablesReference")?;
        // (name, value, type, the source expression that reads it)
        let mut list: Vec<Listed> = Vec::new();
        let frame = match &handle {
            Handle::Scope(f, _) | Handle::SourceVariables(f, ..) | Handle::Frame(f) => *f,
            Handle::Value(v) => v.frame,
        };
        match handle {
            Handle::Frame(_) => return Err(failure!("{} is a frame id", args.variables_reference)),
            Handle::Value(value) => {
                // The core pages children itself.
                let (_, children) = self
                    .ask(Request::Children {
                        value,
                        start: u64::try_from(args.start.unwrap_or(0)).unwrap_or(0),
                        count: args
                            .count
                            .and_then(|n| u64::try_from(n).ok())
                            .filter(|n| *n > 0),
                    })?
                    .into_children()?;
                let out: Vec<dt::Variable> = children
                    .into_iter()
                    .map(|c| dt::Variable {
                        name: render::child_name(&c.name),
                        value: source_text(&c.value, hex),
                        evaluate_name: c.expr,
                        variables_reference: c
                            .children
                            .map_or(0, |v| self.ids.add(Handle::Value(v))),
                        ..Default::default()
                    })
                    .collect();
                return Ok(json!({ "variables": out }));
            }
            Handle::SourceVariables(frame, vars, writes) => {
                let vars = if writes == self.writes {
                    vars
                } else {
                    self.ask(Request::Inspect(InspectRequest::SourceVariables {
                        frame,
                        args_only: false,
                        print: PrintOptions::default(),
                    }))?
                    .into_variables()?
                    .unwrap_or_default()
                };
                for v in vars {
                    let text = source_text(&v.value, hex);
                    let expandable = children::expandable(&v.value, true);
                    list.push((
                        v.name.clone(),
                        text,
                        Some(v.type_name),
                        expandable.then_some(v.name),
                    ));
                }
            }
            Handle::Scope(frame, ScopeKind::Locals) => {
                let locals = match self
                    .ask(Request::Frames(FramesRequest::Locals(frame)))?
                    .into_locals()?
                {
                    answer::Listed::Values(locals) => locals,
                    answer::Listed::NotRecorded(why) => return Err(why.into()),
                };
                for l in locals {
                    let name = l.name.unwrap_or_else(|| format!("$local{}", l.index));
                    let ty = l
                        .declared_type
                        .unwrap_or_else(|| l.value.type_name().to_string());
                    list.push((name, wasm_text(&l.value, hex), Some(ty), None));
                }
            }
            Handle::Scope(frame, ScopeKind::Stack) => {
                let values = match self
                    .ask(Request::Frames(FramesRequest::Stack(frame)))?
                    .into_stack()?
                {
                    answer::Listed::Values(values) => values,
                    answer::Listed::NotRecorded(why) => return Err(why.into()),
                };
                for (i, v) in values.iter().enumerate() {
                    list.push((
                        format!("[{i}]"),
                        wasm_text(v, hex),
                        Some(v.type_name().to_string()),
                        None,
                    ));
                }
            }
            Handle::Scope(frame, ScopeKind::Globals) => {
                for (name, value, ty) in self.globals(frame, hex)? {
                    list.push((name, value, Some(ty), None));
                }
            }
        }

        let start = usize::try_from(args.start.unwrap_or(0))
            .unwrap_or(0)
            .min(list.len());
        let end = match args.count {
            Some(n) if n > 0 => start
                .saturating_add(usize::try_from(n).unwrap_or(usize::MAX))
                .min(list.len()),
            _ => list.len(),
        };
        let mut out = Vec::new();
        for (name, value, ty, expr) in list.drain(start..end) {
            let reference = match &expr {
                Some(e) => self.ids.add(Handle::Value(children::value_ref(frame, e))),
                None => 0,
            };
            out.push(dt::Variable {
                name,
                value,
                type_field: ty,
                evaluate_name: expr,
                variables_reference: reference,
                ..Default::default()
            });
        }
        Ok(json!({ "variables": out }))
    }

    fn evaluate(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::EvaluateArguments = Self::arguments(request)?;
        let repl = matches!(
            args.context,
            Some(dap::types::EvaluateArgumentsContext::Repl) | None
        );
        if repl {
            return self.run_command(&args.expression, args.frame_id);
        }
        let frame = self.frame_or_top(args.frame_id)?;
        let evaluated = self
            .ask(Request::Inspect(InspectRequest::Evaluate {
                frame,
                expr: args.expression.clone(),
                print: PrintOptions::default(),
                record: false,
            }))?
            .into_evaluated()?;
        let hex = args.format.and_then(|f| f.hex).unwrap_or(false);
        match evaluated.value {
            EvalValue::Number(n) => Ok(json!({
                "result": render::inspect::number(n, hex.then_some('x')),
                "variablesReference": 0,
            })),
            EvalValue::Source(ty, value) => {
                let reference = if children::expandable(&value, true) {
                    self.ids
                        .add(Handle::Value(children::value_ref(frame, &args.expression)))
                } else {
                    0
                };
                Ok(json!({
                    "result": source_text(&value, hex),
                    "type": ty,
                    "variablesReference": reference,
                }))
            }
        }
    }

    /// `setExpression` (a watch expression edited in place): the requests
    /// `set var EXPRESSION = VALUE` makes at the console, in the frame
    /// `frameId` names — a mutable global, or
    /// `{TYPE} ADDRESS` in memory (wasmtime 48 cannot write locals); its
    /// refusal otherwise. Answers the expression's value read again.
    fn set_expression(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::SetExpressionArguments = Self::arguments(request)?;
        let frame = self.frame_or_top(args.frame_id)?;
        self.writes += 1;
        let write = crate::console::assign_request(frame, &args.expression, &args.value)?;
        self.ask(Request::Inspect(write))?;
        let hex = args.format.and_then(|f| f.hex).unwrap_or(false);
        let value = match self
            .ask(Request::Inspect(InspectRequest::Evaluate {
                frame,
                expr: args.expression.clone(),
                print: PrintOptions::default(),
                record: false,
            }))?
            .into_evaluated()?
            .value
        {
            EvalValue::Number(n) => render::inspect::number(n, hex.then_some('x')),
            EvalValue::Source(_, value) => source_text(&value, hex),
        };
        Ok(json!({ "value": value }))
    }

    /// `completions` in the debug console: the console's completions of
    /// the word before `column` (1-based, in UTF-16 code units as DAP
    /// counts), in the frame `frameId` names (else the selected one) —
    /// commands, their options, variables in scope, `$` names, functions.
    fn completions(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::CompletionsArguments = Self::arguments(request)?;
        // A stale frame id completes in the selected frame.
        if let Some(frame) = args.frame_id.and_then(|id| self.frame(id).ok()) {
            let _ = self
                .fe()?
                .execute(&format!("frame {}", frame.index), &mut Vec::new());
        }
        // The console's input may have several lines (each a command):
        // `line` (from 1; the first when absent) is the one the cursor is
        // on, `column` within it.
        let line = usize::try_from(args.line.unwrap_or(1).max(1) - 1).unwrap_or(0);
        let text = args.text.split('\n').nth(line).unwrap_or_default();
        let text = text.strip_suffix('\r').unwrap_or(text);
        let column = usize::try_from(args.column.max(1) - 1).unwrap_or(0);
        // The byte offset of UTF-16 unit `column` (the end if past it).
        let mut units = 0;
        let pos = text
            .char_indices()
            .find(|(_, c)| {
                let here = units >= column;
                units += c.len_utf16();
                here
            })
            .map_or(text.len(), |(i, _)| i);
        let (start, found) = self.fe()?.complete(text, pos);
        let utf16 = |s: &str| s.encode_utf16().count();
        let targets: Vec<Json> = found
            .iter()
            .map(|c| {
                // `length` alone (no `start`, whose base DAP ties to
                // `columnsStartAt1` and clients read differently): the
                // characters before the cursor the target replaces.
                json!({
                    "label": c.text,
                    "text": c.text,
                    "length": utf16(&text[start..pos]),
                    "type": match c.kind {
                        crate::console::CompletionKind::Command => "keyword",
                        crate::console::CompletionKind::Option => "property",
                        crate::console::CompletionKind::Variable => "variable",
                        crate::console::CompletionKind::Value => "value",
                        crate::console::CompletionKind::Function => "function",
                    },
                })
            })
            .collect();
        Ok(json!({ "targets": targets }))
    }

    /// `evaluate` in the `repl` context: any wasmdbg command, its transcript
    /// as the result. When it ran the program, the pause or end it reached
    /// is reported as events, and the old ids go stale.
    fn run_command(&mut self, line: &str, frame_id: Option<i64>) -> Served {
        let before = self.stop().ok().map(|s| s.pause);
        self.writes += 1;
        let mut out = Vec::new();
        if let Some(id) = frame_id {
            let frame = self.frame(id)?;
            let _ = self
                .fe()?
                .execute(&format!("frame {}", frame.index), &mut Vec::new());
        }
        let running = self.running.clone();
        let fe = self.fe()?;
        running.store(true, Ordering::SeqCst);
        let (result, answers) = fe.execute_with_answers(line, &mut out);
        running.store(false, Ordering::SeqCst);
        let text = String::from_utf8_lossy(&out).trim_end().to_string();
        // A `print` of a structured value: its children, from the command's
        // answer, expandable as in the Variables view.
        let printed = match (crate::console::command::parse(line), answers.as_slice()) {
            (
                Ok(Some(crate::console::command::Parsed::Command(
                    crate::console::command::Command::Print { expr, .. },
                ))),
                [Response::SourceValue(_, value)],
            ) if children::expandable(value, true) => Some(expr.join(" ")),
            _ => None,
        };
        let after = self.stop().ok().map(|s| s.pause);
        if before != after {
            self.ids.resumed();
            self.writer.event(
                "continued",
                json!({ "threadId": THREAD, "allThreadsContinued": true }),
            );
            self.report_state();
        }
        let frame = self.fe()?.selected_frame().ok();
        let reference = match (&result, printed, frame) {
            (Ok(_), Some(expr), Some(frame)) => self
                .ids
                .add(Handle::Value(children::value_ref(frame, &expr))),
            _ => 0,
        };
        match result {
            Ok(_) => Ok(json!({ "result": text, "variablesReference": reference })),
            Err(e) if text.is_empty() => Err(e.into()),
            Err(e) => Err(failure!("{text}\n{e}")),
        }
    }

    /// Tells the core which events pause, as the exception filters say.
    fn send_stop_policy(&mut self) -> Result<(), Failure> {
        use crate::debugger::protocol::StopEvent;
        for (event, on) in [
            (StopEvent::Throw, self.stop_on_throw),
            (StopEvent::Trap, self.stop_on_trap),
            (StopEvent::HostcallError, self.stop_on_hostcall_error),
        ] {
            self.ask(Request::SetStopOn(event, on))?;
        }
        Ok(())
    }

    /// The ids in the breakpoint table.
    /// The breakpoint table's ids; `None` when it cannot be read (no
    /// program, the worker gone).
    fn breakpoint_ids(&self) -> Option<Vec<BreakpointId>> {
        let list = self.session().ok()?.breakpoints().ok()?;
        Some(list.iter().map(|b| b.id).collect())
    }

    /// Follows the session's `BreakpointsChanged` events: when the table
    /// changed, the breakpoints the client does not know of yet are `new`
    /// and those it knows that are gone (deleted at the console, a
    /// temporary breakpoint that was hit) `removed` — as `breakpoint`
    /// events when `tell`, silently for changes the client made itself.
    fn follow_breakpoints(&mut self, tell: bool) {
        if !self.breakpoints_changed.swap(false, Ordering::SeqCst) {
            return;
        }
        // A table that cannot be read says nothing of what was removed.
        let Some(now) = self.breakpoint_ids() else {
            return;
        };
        if tell {
            for id in now.iter().filter(|id| !self.known_breakpoints.contains(id)) {
                self.writer.event(
                    "breakpoint",
                    json!({ "reason": "new", "breakpoint": { "id": id, "verified": true } }),
                );
            }
            for id in self.known_breakpoints.iter().filter(|id| !now.contains(id)) {
                self.writer.event(
                    "breakpoint",
                    json!({ "reason": "removed", "breakpoint": { "id": id, "verified": false } }),
                );
            }
        }
        self.known_breakpoints = now;
    }

    /// The session's event sink: the guest's output and the core's notes
    /// as `output` events; stops and ends given back for the console.
    fn event_sink(&self) -> crate::debugger::EventSink {
        let writer = self.writer.clone();
        let changed = self.breakpoints_changed.clone();
        Box::new(move |event| {
            match event {
                // Read when the client is next told of breakpoints
                // (`follow_breakpoints`).
                Event::BreakpointsChanged => changed.store(true, Ordering::SeqCst),
                Event::Serving { addr } => writer.event(
                    "output",
                    json!({ "category": "console", "output": format!("Serving HTTP on http://{addr}/\n") }),
                ),
                Event::RequestRecorded(record) => writer.event(
                    "output",
                    json!({
                        "category": "console",
                        "output": crate::render::request_recorded(&record),
                    }),
                ),
                // A logpoint's line (or a dprintf set at the debug
                // console), where VS Code shows logpoint output.
                Event::Logged(logged) => writer.event(
                    "output",
                    json!({ "category": "console", "output": crate::render::logged(&logged) }),
                ),
                Event::Note(text) => writer.event(
                    "output",
                    json!({ "category": "console", "output": format!("wasmdbg: {text}\n") }),
                ),
                Event::Output { stream, bytes } => output_event(&writer, stream, &bytes),
                // Stops and ends: given back for the console to follow (`run_and_follow`).
                ran @ (Event::Stopped(_) | Event::Ended(_)) => return Some(ran),
            }
            None
        })
    }

    /// Starts a session on `config` (after a run on plain code that ended
    /// as `ran_before`, when given) and makes it the console's, in place
    /// of any before it (whose worker ends).
    ///
    /// # Errors
    /// The program could not be loaded.
    fn open(&mut self, config: RunConfig, ran_before: Option<Outcome>) -> Result<(), Failure> {
        let sink = Some(self.event_sink());
        let interrupter = self.interrupter.clone();
        let (session, first) = match ran_before {
            Some(ended) => Session::after_run(config, ended, interrupter, sink),
            None => Session::start_with_events(config, None, interrupter, sink),
        };
        if let Response::Ended(Outcome::LoadFailed(why)) = &first {
            return Err(Failure {
                message: why.clone(),
                kind: Some(ErrorKind::NotLoaded),
            });
        }
        let mut discard = Vec::new();
        let fe = Console::new(
            session,
            render::Theme::PLAIN,
            None,
            self.directories.clone(),
            crate::console::output::GuestOutput::default(),
            &mut discard,
        );
        self.fe = Some(fe);
        Ok(())
    }

    /// Whether `configurationDone` runs the program on plain code, as
    /// `wasmdbg run` does: nothing needs the debugger from the start (no
    /// breakpoint or watchpoint set, no `stopOnEntry`, `instrumented`,
    /// `preloads`, `serve` or `replay`, and the `throw` filter off: plain
    /// code cannot pause at a throw that a handler catches).
    fn runs_on_plain_code(&self) -> bool {
        let Some(config) = &self.launch else {
            return false;
        };
        !self.configured
            && !self.stop_on_entry
            && !self.instrumented
            && !self.stop_on_throw
            && config.replay.is_none()
            && config.serve.is_none()
            && config.preloads.is_empty()
            && self.breakpoint_ids().is_some_and(|ids| ids.is_empty())
    }

    /// `configurationDone` when [`Adapter::runs_on_plain_code`]: the
    /// program runs on plain code, recorded in memory, its output as
    /// `output` events and `pause` interrupting it. A normal end is
    /// reported as such (the session then runs it under the debugger on
    /// `restart`); a trap, an uncaught exception, a failed host call or a
    /// `pause` is replayed under the debugger (from its entry, where the
    /// exception filters are applied) to that moment, which is the
    /// `stopped` event, with reverse execution there.
    fn run_on_plain_code(&mut self, request: &Incoming) {
        self.configured = true;
        self.writer.respond(request, Json::Null);
        let Some(config) = self.launch.clone() else {
            return;
        };
        let plain = RunConfig {
            stop_on_entry: false,
            ..config.clone()
        };
        let writer = self.writer.clone();
        let stdio = crate::debugger::record::stdio::GuestStdio::to(Arc::new(
            move |stream, bytes: &[u8]| output_event(&writer, stream, bytes),
        ));
        self.ending.store(false, Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
        let recorded = crate::debugger::record::record(
            &plain,
            || Ok(crate::debugger::record::Sink::Memory(Vec::new())),
            Some(&self.interrupter),
            stdio,
        );
        self.running.store(false, Ordering::SeqCst);
        // Ended or restarted meanwhile: the request that did it comes
        // next, to the session as loaded (a restart runs it under the
        // debugger from the start).
        if self.ending.swap(false, Ordering::SeqCst) {
            return;
        }
        let console = |text: String| {
            self.writer.event(
                "output",
                json!({ "category": "console", "output": format!("wasmdbg: {text}\n") }),
            );
        };
        let opened = match recorded {
            Ok(recorded) => match recorded.outcome {
                Some(outcome) => self.open(config, Some(outcome)),
                // Paused at its entry, as a launch is, so the exception
                // filters apply before it runs to where it failed.
                None => match recorded.replay_config(config) {
                    Ok(config) => {
                        console(render::replaying(&recorded, "pause"));
                        let opened = self.open(config, None);
                        self.replaying = opened.is_ok();
                        opened
                    }
                    Err(e) => Err(Failure::from(e.message)),
                },
            },
            // Not recordable (a component importing an interface of its
            // own, a shared memory): under the debugger from the start, as
            // loaded.
            Err(e) if e.kind == crate::error::ErrorKind::Unavailable => {
                console(format!(
                    "runs the program under the debugger from the start: {}",
                    e.message
                ));
                self.ids.resumed();
                if let Err(e) = self.run_and_follow(Request::Continue) {
                    self.writer.event(
                        "output",
                        json!({ "category": "stderr", "output": format!("{e}\n") }),
                    );
                }
                return self.report_state();
            }
            Err(e) => Err(Failure::from(e.message)),
        };
        if let Err(why) = opened {
            self.writer.event(
                "output",
                json!({ "category": "stderr", "output": format!("wasmdbg: {}\n", why.message) }),
            );
            self.writer.event("terminated", Json::Null);
            return;
        }
        // The new session's stop policy is the client's exception filters.
        if let Err(why) = self.send_stop_policy() {
            self.writer.event(
                "output",
                json!({ "category": "stderr", "output": format!("wasmdbg: {}\n", why.message) }),
            );
        }
        self.ids.resumed();
        let at_entry = matches!(
            self.fe.as_ref().map(Console::state),
            Some(State::Paused(s)) if s.reason == StopReason::Entry
        );
        if at_entry && let Err(e) = self.run_and_follow(Request::Continue) {
            self.writer.event(
                "output",
                json!({ "category": "stderr", "output": format!("{e}\n") }),
            );
        }
        self.report_state();
    }

    /// At a crash whose frame #0 is the library's (a panic's `abort`),
    /// with a frame of the program's own below it (see
    /// [`crate::console::first_own_frame`]): the frame just above that one,
    /// the innermost library frame the program's call entered. Elsewhere
    /// (a step into a crate's code) `None`: Step Back goes back a line there.
    fn library_frames_above_own(&self, stop: &Stop) -> Option<FrameRef> {
        let in_library = stop
            .frame
            .as_ref()
            .is_some_and(crate::console::is_library_frame);
        if !stop.reason.is_crash() || !in_library {
            return None;
        }
        let session = self.session().ok()?;
        let (own, _) = crate::console::first_own_frame(session, stop.pause)?;
        Some(FrameRef::new(stop.pause, own - 1))
    }

    /// A request that runs the program: answered first, then the program
    /// runs (a `pause` from the client interrupts it), then a `stopped` or
    /// `exited` and `terminated` event.
    fn resume(&mut self, request: &Incoming) {
        use dap::requests as rq;
        if request.command == "configurationDone" && self.runs_on_plain_code() {
            return self.run_on_plain_code(request);
        }
        let instruction = |g: &Option<dt::SteppingGranularity>| {
            matches!(g, Some(dt::SteppingGranularity::Instruction))
        };
        let planned: Result<Option<Request>, Failure> = (|| {
            let stop = self.stop()?;
            let top = FrameRef::new(stop.pause, 0);
            Ok(match request.command.as_str() {
                "configurationDone" => {
                    if self.configured {
                        return Err("configurationDone was sent already".into());
                    }
                    self.configured = true;
                    if self.stop_on_entry {
                        None
                    } else {
                        Some(Request::Continue)
                    }
                }
                "continue" => {
                    let _: rq::ContinueArguments = Self::arguments(request)?;
                    Some(Request::Continue)
                }
                "next" | "stepIn" => {
                    let over = request.command == "next";
                    let granularity = if over {
                        Self::arguments::<rq::NextArguments>(request)?.granularity
                    } else {
                        Self::arguments::<rq::StepInArguments>(request)?.granularity
                    };
                    Some(if instruction(&granularity) {
                        Request::Step { over, count: 1 }
                    } else {
                        Request::StepLine {
                            over,
                            until: false,
                            count: 1,
                        }
                    })
                }
                "stepOut" => {
                    let _: rq::StepOutArguments = Self::arguments(request)?;
                    Some(Request::Finish(top))
                }
                "stepBack" | "reverseContinue" if !self.replaying => {
                    return Err(failure!(
                        "reverse execution needs a recording, and this session runs under \
                         the debugger from the start (a breakpoint, stopOnEntry, the throw \
                         filter, instrumented, preloads or serve); a launch without them \
                         records the run and replays one that fails or is paused, and \
                         \"replay\": TRACE opens any recording"
                    ));
                }
                // Where the REPL's reverse-nexti and reverse-next land (the
                // Step Back button is Step Over's reverse, as `next` by
                // instruction is `nexti`). By line, at a crash in the
                // library (a panic's `abort`, whose frames are deemphasized:
                // the editor shows the program's first frame), back out of
                // the library to the program's call into it, as
                // `reverse-finish` from the frame above that one.
                "stepBack" => {
                    let args: rq::StepBackArguments = Self::arguments(request)?;
                    Some(Request::Reverse(if instruction(&args.granularity) {
                        crate::debugger::protocol::Reverse::StepInstruction { over: true }
                    } else if let Some(frame) = self.library_frames_above_own(&stop) {
                        crate::debugger::protocol::Reverse::Finish { frame: Some(frame) }
                    } else {
                        crate::debugger::protocol::Reverse::StepLine { over: true }
                    }))
                }
                "reverseContinue" => {
                    let _: rq::ReverseContinueArguments = Self::arguments(request)?;
                    Some(Request::Reverse(
                        crate::debugger::protocol::Reverse::Continue,
                    ))
                }
                _ => Some(Request::Run),
            })
        })();
        let planned = match (request.command.as_str(), planned) {
            // `restart` and `configurationDone` also after the program ended.
            ("restart", Err(_)) if self.fe.is_some() => Ok(Some(Request::Run)),
            (_, p) => p,
        };
        let run = match planned {
            Ok(run) => run,
            Err(why) => return self.writer.fail(request, &why),
        };
        let body = if request.command == "continue" {
            json!({ "allThreadsContinued": true })
        } else {
            Json::Null
        };
        self.writer.respond(request, body);
        let Some(run) = run else {
            // `stopOnEntry`: the program is where it was started.
            self.report_state();
            return;
        };
        let restart = matches!(run, Request::Run);
        self.ids.resumed();
        let mut ran = self.run_and_follow(run);
        // The entry stop of a restart goes on unless the client asked for
        // it (the launch asks the core to stop at entry, so that
        // configuration comes before the program runs). Traps and failed
        // host calls whose exception filter is off do not pause at all:
        // the core is told (`send_stop_policy`).
        let at_entry = || {
            matches!(
                self.fe.as_ref().map(Console::state),
                Some(State::Paused(s)) if s.reason == StopReason::Entry
            )
        };
        // The console followed a stop or end the client has not been told
        // of; a failed continue past a restart's entry leaves the program
        // paused there, and the client hears of that stop.
        let moved = ran.is_ok();
        if ran.is_ok() && restart && !self.stop_on_entry && at_entry() {
            ran = self.run_and_follow(Request::Continue);
        }
        if let Err(e) = &ran {
            self.writer.event(
                "output",
                json!({ "category": "stderr", "output": format!("{e}\n") }),
            );
        }
        if moved {
            self.report_state();
        }
    }

    /// Sends a request that runs the program and lets the console follow
    /// the stop or end it queued (the console's state is then where the
    /// program is). `pause` interrupts it meanwhile.
    ///
    /// # Errors
    /// The core's refusal (the program was not resumed).
    fn run_and_follow(&mut self, run: Request) -> Result<(), String> {
        self.running.store(true, Ordering::SeqCst);
        let response = self.session().map(|s| s.request(run));
        self.running.store(false, Ordering::SeqCst);
        match response {
            Ok(Response::Error(e)) => return Err(e.to_string()),
            Err(e) => return Err(e.message),
            Ok(_) => {}
        }
        match self.fe.as_mut() {
            Some(fe) => fe.follow_events(&mut Vec::new()),
            None => Ok(()),
        }
    }

    /// After a `disconnect` with `terminateDebuggee: false`: the program
    /// runs on to its end without the debugger's breakpoints, each pause it
    /// still makes (a trap, Ctrl-C-like interrupts) let go, as gdb's
    /// `detach` lets a process go on. It lives in this process, so the
    /// adapter exits only then (a client that kills the adapter kills the
    /// program). Nothing runs when the program was never started.
    fn run_to_end(&mut self) {
        if !self.configured || self.fe.is_none() {
            return;
        }
        if let Ok(session) = self.session() {
            let _ = session.request(Request::Breakpoint(BreakpointRequest::Delete(
                Selection::All,
            )));
        }
        while matches!(self.fe.as_ref().map(Console::state), Some(State::Paused(_))) {
            if let Err(e) = self.run_and_follow(Request::Continue) {
                eprintln!("wasmdbg dap: the program left running could not go on: {e}");
                return;
            }
        }
    }

    /// Tells the client where the program is: `stopped`, or `exited` and
    /// `terminated`.
    fn report_state(&mut self) {
        // A temporary breakpoint the stop deleted: `removed` first.
        self.follow_breakpoints(true);
        let state = match self.fe.as_ref().map(Console::state) {
            Some(s) => s.clone(),
            None => return,
        };
        match state {
            State::Paused(stop) => {
                let (reason, ids) = match &stop.reason {
                    StopReason::Breakpoint { id, .. } => ("breakpoint", vec![*id]),
                    StopReason::ConditionError { id, .. } => {
                        ("breakpoint", id.iter().copied().collect())
                    }
                    StopReason::Step { .. } | StopReason::Finished { .. } => ("step", vec![]),
                    StopReason::Entry => ("entry", vec![]),
                    StopReason::Interrupted { .. } => ("pause", vec![]),
                    StopReason::Watchpoint { id, .. } => ("data breakpoint", vec![*id]),
                    StopReason::Reversed(ReverseStop::Breakpoint { id }) => {
                        ("breakpoint", vec![*id])
                    }
                    StopReason::Reversed(ReverseStop::Watchpoint { id, .. }) => {
                        ("data breakpoint", vec![*id])
                    }
                    StopReason::Reversed(_) => ("step", vec![]),
                    StopReason::Trap(_)
                    | StopReason::Exception(_)
                    | StopReason::HostcallError(_)
                    | StopReason::MemoryLimit(_)
                    | StopReason::CoreDump => ("exception", vec![]),
                };
                let text = render::stop_reason(&stop.reason);
                let mut body = json!({
                    "reason": reason,
                    "threadId": THREAD,
                    "allThreadsStopped": true,
                    "description": if text.is_empty() { "Paused".to_string() } else { text.clone() },
                });
                if reason == "exception" {
                    body["text"] = match &stop.panic {
                        Some(p) => json!(render::panic_message(p)),
                        None => json!(text),
                    };
                }
                if !ids.is_empty() {
                    body["hitBreakpointIds"] = json!(ids);
                }
                self.writer.event("stopped", body);
            }
            State::Ended(outcome) => {
                if let Some(status) = outcome.exit_status() {
                    self.writer.event("exited", json!({ "exitCode": status }));
                }
                self.writer.event(
                    "output",
                    json!({ "category": "console", "output": render::outcome(&render::Theme::PLAIN, &outcome) }),
                );
                self.writer.event("terminated", Json::Null);
            }
        }
    }

    fn disassemble(&mut self, request: &Incoming) -> Served {
        let args: dap::requests::DisassembleArguments = Self::arguments(request)?;
        let base = CodeRef::parse(&args.memory_reference).ok_or_else(|| {
            format!(
                "{:?} is not an instruction reference",
                args.memory_reference
            )
        })?;
        let CodeRef { module, offset: at } = base.offset_by(args.offset.unwrap_or(0));
        // The module is the reference's; one the program does not have is
        // an error (not lines of invalid instructions).
        let (_, modules) = self
            .ask(Request::Facts(FactsRequest::Modules))?
            .into_modules()?;
        if !modules.iter().any(|m| m.id == module) {
            return Err(failure!(
                "{:?} names core module {module}, and the program has {}",
                args.memory_reference,
                modules.len()
            ));
        }
        let count = usize::try_from(args.instruction_count.max(0))
            .unwrap_or(0)
            .min(10_000);
        let skip = args.instruction_offset.unwrap_or(0);
        let before = usize::try_from(-skip.min(0)).unwrap_or(0).min(count);
        let after_skip = usize::try_from(skip.max(0)).unwrap_or(0).min(1 << 20);
        let list = |this: &Self, offset: u64, n: usize| -> Vec<(usize, String)> {
            match this.ask(Request::Facts(FactsRequest::Instructions {
                module: ModuleRef::Id(module),
                offset: usize::try_from(offset).unwrap_or(usize::MAX),
                count: u32::try_from(n).unwrap_or(u32::MAX),
            })) {
                Ok(Response::Instructions(lines)) => lines,
                _ => Vec::new(),
            }
        };
        let address = |pc: u64| CodeRef { module, offset: pc }.to_string();
        let line =
            |pc: usize, text: &str| json!({ "address": address(pc as u64), "instruction": text });
        let invalid = |pc: u64| json!({ "address": address(pc), "instruction": "??", "presentationHint": "invalid" });
        // Instructions have no fixed size: the ones before the address are
        // listed from far enough back (at most 16 bytes each) and the last
        // ones kept; where there is no code, invalid ones stand in.
        let mut earlier: Vec<(usize, String)> = Vec::new();
        if before > 0 {
            // From `lo` back, or else from the first offset after it that is
            // in the function (found by bisection: offsets before the
            // function's body are refused).
            let (mut lo, mut hi) = (at.saturating_sub(16 * before as u64), at);
            let mut found = list(self, lo, 16 * before);
            while found.is_empty() && lo < hi {
                let mid = lo + (hi - lo) / 2;
                let here = list(self, mid, 16 * before);
                if here.is_empty() {
                    lo = mid + 1;
                } else {
                    hi = mid;
                    found = here;
                }
            }
            earlier = found
                .into_iter()
                .filter(|(pc, _)| (*pc as u64) < at)
                .collect();
        }
        let keep = earlier.len().saturating_sub(before);
        earlier.drain(..keep);
        let mut out: Vec<Json> = Vec::new();
        let first = earlier.first().map_or(at, |(pc, _)| *pc as u64);
        for k in (1..=before - earlier.len()).rev() {
            out.push(invalid(first.saturating_sub(k as u64)));
        }
        out.extend(earlier.iter().map(|(pc, text)| line(*pc, text)));
        let later = list(self, at, count - before + after_skip);
        out.extend(
            later
                .iter()
                .skip(after_skip)
                .map(|(pc, text)| line(*pc, text)),
        );
        // Past the end of the code: invalid instructions, as DAP asks.
        let mut next = later.last().map_or(at, |(pc, _)| *pc as u64 + 1);
        while out.len() < count {
            out.push(invalid(next));
            next += 1;
        }
        out.truncate(count);
        Ok(json!({ "instructions": out }))
    }
}

/// One variable as `variables` lists it: name, value text, type, and the
/// source expression that reads it when it has children to expand.
type Listed = (String, String, Option<String>, Option<String>);

/// `{"breakpoints": [...]}` with DAP's field names. The dap crate's
/// `Breakpoint` (0.4.1-alpha1) has no camelCase rename, so serde alone
/// writes `instruction_reference`, `end_line` and `end_column`, which
/// clients do not read.
fn breakpoints_body(list: Vec<dt::Breakpoint>) -> Json {
    let list: Vec<Json> = list
        .into_iter()
        .map(|b| {
            let mut v = serde_json::to_value(b).unwrap_or_default();
            if let Json::Object(fields) = &mut v {
                for (from, to) in [
                    ("instruction_reference", "instructionReference"),
                    ("end_line", "endLine"),
                    ("end_column", "endColumn"),
                ] {
                    if let Some(x) = fields.remove(from) {
                        fields.insert(to.to_string(), x);
                    }
                }
            }
            v
        })
        .collect();
    json!({ "breakpoints": list })
}

/// A Wasm value as the Variables view shows it: `5 (0x5)`, or with the
/// client's hex display (`format.hex`) `0x5`.
fn wasm_text(v: &crate::debugger::protocol::Value, hex: bool) -> String {
    if hex {
        render::value_hex(v)
    } else {
        render::value(v)
    }
}

/// A source value as the Variables view shows it, its integers in hex
/// with the client's hex display.
fn source_text(v: &crate::debugger::protocol::SourceValue, hex: bool) -> String {
    if hex {
        render::source_value_hex(v)
    } else {
        render::source_value(v)
    }
}

/// What a DAP breakpoint asks for besides its place: DAP's `condition`,
/// `hitCondition` and (source breakpoints only) `logMessage`, as given (an
/// empty one is none).
struct Extras {
    condition: Option<String>,
    hit_condition: Option<String>,
    log_message: Option<String>,
}

fn unverified(why: String) -> dt::Breakpoint {
    dt::Breakpoint {
        verified: false,
        message: Some(why),
        ..Default::default()
    }
}

/// A place in the program's code as the DAP server writes it in
/// `instructionPointerReference`, instruction breakpoints' references and
/// `disassemble`'s addresses: one number, the core module's index in the
/// high 32 bits and the module offset (a Wasm binary is smaller than 4
/// GiB) in the low 32, written `0x...`. Module 0's places read as plain
/// module offsets (`0x46e`), module 1's offset 0x207d as `0x10000207d`;
/// a number, so clients that order or compare addresses numerically
/// (VS Code's disassembly view) keep each module's code apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CodeRef {
    module: CoreModuleId,
    offset: u64,
}

impl CodeRef {
    fn new(module: CoreModuleId, pc: usize) -> CodeRef {
        CodeRef {
            module,
            offset: pc as u64,
        }
    }

    /// `0x...` or decimal, as [`CodeRef`] writes it; `None` for anything
    /// else.
    fn parse(text: &str) -> Option<CodeRef> {
        let n = parse_address(text)?;
        Some(CodeRef {
            // The high half of a u64 always fits.
            module: CoreModuleId((n >> 32) as u32),
            offset: n & 0xffff_ffff,
        })
    }

    /// `delta` bytes further in the same module (DAP's `offset`s).
    fn offset_by(self, delta: i64) -> CodeRef {
        CodeRef {
            module: self.module,
            offset: self.offset.saturating_add_signed(delta).min(0xffff_ffff),
        }
    }
}

impl std::fmt::Display for CodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:x}", (u64::from(self.module.0) << 32) | self.offset)
    }
}
