//! `--json`: the session as JSON lines on stdout, one object per line, for
//! tools. Every object has a `type`:
//!
//! - `start`: `{"type":"start","version":2,"program":PATH,"core":PATH|null}`,
//!   first; `version` is [`VERSION`], raised when a field changes meaning.
//! - `stop`: the program paused: `{"type":"stop","stop":STOP}`, the
//!   protocol's [`Stop`] (pause id, reason, frame #0 with its core module,
//!   function index and name, module offset `pc`, and source lines; at a
//!   trap after a Rust panic or a failed C `assert`, `panic`: its kind,
//!   message and place).
//! - `ended`: the program ended: `{"type":"ended","outcome":OUTCOME,
//!   "exit_status":N|null}`, the protocol's [`Outcome`] and the status
//!   `wasmtime run` gives for it.
//! - `output`: a chunk of the program's output:
//!   `{"type":"output","stream":"stdout"|"stderr","text":TEXT}` (invalid
//!   UTF-8 replaced).
//! - `serving`: `serve` listens: `{"type":"serving","addr":ADDR}`.
//! - `request_recorded`: `serve` ran a request on plain code that failed
//!   (the protocol's [`RequestRecord`](crate::debugger::protocol::RequestRecord)):
//!   `{"type":"request_recorded","request":{"number","method","path"},
//!   "ended","status","calls","trace","trace_error","core_file",
//!   "core_file_error","interrupted","replayed","replay_error"}`.
//! - `core_file`: a dump `--coredump` wrote at a stop:
//!   `{"type":"core_file","written":CORE_FILE_WRITTEN}`.
//! - `command`: one per command, after it ran:
//!   `{"type":"command","command":LINE,"ok":BOOL,"responses":[RESPONSE...],
//!   "error":MESSAGE|null}`: the protocol's [`Response`]s the command
//!   received, in order (`bt` → `{"Backtrace":{"frames":[...],...}}`,
//!   `locals` → `{"Locals":[{"index","name","declared_type","value"}]}`,
//!   `print` → `{"Number":...}` or `{"SourceValue":[TYPE, VALUE]}`); a stop
//!   or end it caused comes before it as its own line.
//! - `note`: something the debugger says outside any command (a compiled
//!   code cache file it did not use, and why): `{"type":"note","text":TEXT}`.
//! - `error`: a failure outside any command (a command file that cannot be
//!   read): `{"type":"error","message":TEXT}`.
//! - `exit`: last: `{"type":"exit","status":N,"state":STATE}`: wasmdbg's exit
//!   status (docs/command-line.md's table) and where the program was (`{"Paused":
//!   STOP}` or `{"Ended": OUTCOME}`).
//!
//! Values are the protocol's [`Value`](crate::debugger::protocol::Value):
//! `{"I32":-1}`, `{"F64":BITS}` (floats as their bits), `{"V128":"0x…"}`,
//! `{"Ref":{"heap":"Func","desc":...}}`.

use serde_json::json;

use super::state::State;
use crate::debugger::protocol::{CoreFileWritten, Event, Outcome, OutputStream, Response, Stop};

/// The version of the JSON lines' layout.
pub const VERSION: u32 = 2;

/// One object as a line.
fn line(value: serde_json::Value) -> String {
    format!("{value}\n")
}

/// The first line.
pub fn start(program: &std::path::Path, core: Option<&std::path::Path>) -> String {
    line(json!({
        "type": "start",
        "version": VERSION,
        "program": program.display().to_string(),
        "core": core.map(|c| c.display().to_string()),
    }))
}

/// A pause.
pub fn stop(stop: &Stop) -> String {
    line(json!({"type": "stop", "stop": stop}))
}

/// The program's end.
pub fn ended(outcome: &Outcome) -> String {
    line(json!({
        "type": "ended",
        "outcome": outcome,
        "exit_status": outcome.exit_status(),
    }))
}

/// A core dump written at a stop.
pub fn core_file(written: &CoreFileWritten) -> String {
    line(json!({"type": "core_file", "written": written}))
}

/// A command and what it received.
pub fn command(text: &str, responses: &[Response], error: Option<&String>) -> String {
    line(json!({
        "type": "command",
        "command": text,
        "ok": error.is_none(),
        "responses": responses,
        "error": error,
    }))
}

/// A chunk of the program's output, where `wasmdbg serve` listens, a note,
/// a recorded request, or a `dprintf`'s message (its text and its values
/// as data); `None` for another event.
pub fn output(event: &Event) -> Option<String> {
    if let Event::Serving { addr } = event {
        return Some(line(json!({"type": "serving", "addr": addr})));
    }
    if let Event::Note(text) = event {
        return Some(line(json!({"type": "note", "text": text})));
    }
    if let Event::RequestRecorded(record) = event {
        return Some(line(json!({
            "type": "request_recorded",
            "request": {
                "number": record.request.number,
                "method": record.request.method,
                "path": record.request.path,
            },
            "ended": record.ended,
            "status": record.status,
            "calls": record.calls,
            "trace": record.trace,
            "core_file": match &record.core_file {
                Some(Ok(path)) => json!(path),
                _ => json!(null),
            },
            "core_file_error": match &record.core_file {
                Some(Err(e)) => json!(e),
                _ => json!(null),
            },
            "trace_error": record.trace_error,
            "interrupted": record.interrupted,
            "replayed": record.replayed,
            "replay_error": record.replay_error,
        })));
    }
    if let Event::Logged(logged) = event {
        return Some(line(json!({
            "type": "logged",
            "breakpoint": logged.breakpoint,
            "text": crate::render::logged(logged),
            "source": logged.message.source,
            "pieces": logged_pieces(logged),
        })));
    }
    let Event::Output { stream, bytes } = event else {
        return None;
    };
    Some(line(json!({
        "type": "output",
        "stream": match stream {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        },
        "text": String::from_utf8_lossy(bytes),
    })))
}

/// A dprintf hit's message as data: `{"Text": "..."}` for text, `{"Value":
/// {"expr", "conversion", "value"}}` for an expression with its value at
/// the hit (`{"Ok": VALUE}` or `{"Err": "why"}`).
fn logged_pieces(logged: &crate::debugger::protocol::Logged) -> serde_json::Value {
    use crate::debugger::protocol::LogPart;
    let mut values = logged.values.iter();
    logged
        .message
        .parts
        .iter()
        .map(|part| match part {
            LogPart::Text(text) => json!({ "Text": text }),
            LogPart::Value { expr, conversion } => json!({ "Value": {
                "expr": expr,
                "conversion": conversion,
                "value": values.next(),
            } }),
        })
        .collect()
}

/// A note of the debugger's outside any command (a cache file not used).
pub fn note(text: &str) -> String {
    line(json!({"type": "note", "text": text}))
}

/// A failure outside any command.
pub fn error(message: &str) -> String {
    line(json!({"type": "error", "message": message}))
}

/// The last line.
pub fn exit(status: i32, state: &State) -> String {
    let state = match state {
        State::Paused(stop) => json!({"Paused": stop}),
        State::Ended(outcome) => json!({"Ended": outcome}),
    };
    line(json!({"type": "exit", "status": status, "state": state}))
}
