//! `wasmdbg dap` driven by a DAP client written here: the real binary as a
//! subprocess (or over TCP with `--port`), framed JSON messages both ways.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::root;

/// How long any one message may take to come.
const WAIT: Duration = Duration::from_secs(60);

/// A DAP client on one adapter.
struct Client {
    child: Option<Child>,
    input: Box<dyn Write>,
    messages: Receiver<Value>,
    seq: i64,
    /// Every message received, in order (events kept for later checks).
    seen: Vec<Value>,
    /// How far [`Client::event`] has looked.
    cursor: usize,
}

fn reader_thread(output: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut output = BufReader::new(output);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if output.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            if output.read_exact(&mut body).is_err() {
                return;
            }
            let message: Value = serde_json::from_slice(&body).expect("JSON from the adapter");
            if tx.send(message).is_err() {
                return;
            }
        }
    });
    rx
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .arg("dap")
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("HOME", std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start wasmdbg dap");
        let input: ChildStdin = child.stdin.take().unwrap();
        let messages = reader_thread(child.stdout.take().unwrap());
        Client {
            child: Some(child),
            input: Box::new(input),
            messages,
            seq: 0,
            seen: Vec::new(),
            cursor: 0,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.input.write_all(bytes).unwrap();
        self.input.flush().unwrap();
    }

    fn send(&mut self, command: &str, arguments: Value) -> i64 {
        self.seq += 1;
        let body = json!({ "seq": self.seq, "type": "request", "command": command, "arguments": arguments })
            .to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        self.seq
    }

    fn next(&mut self) -> Value {
        match self.messages.recv_timeout(WAIT) {
            Ok(m) => {
                self.seen.push(m.clone());
                m
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("no message in {WAIT:?}; so far: {:#?}", self.seen)
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the adapter closed the stream; so far: {:#?}", self.seen)
            }
        }
    }

    /// Sends a request and returns its response (events on the way are kept).
    fn request(&mut self, command: &str, arguments: Value) -> Value {
        let seq = self.send(command, arguments);
        loop {
            let m = self.next();
            if m["type"] == "response" && m["request_seq"] == seq {
                assert_eq!(m["command"], command, "{m}");
                return m;
            }
        }
    }

    /// The body of a successful response.
    fn ok(&mut self, command: &str, arguments: Value) -> Value {
        let r = self.request(command, arguments);
        assert_eq!(r["success"], true, "{command} failed: {r}");
        r["body"].clone()
    }

    /// The message of a failed response.
    fn fails(&mut self, command: &str, arguments: Value) -> String {
        let r = self.request(command, arguments);
        assert_eq!(r["success"], false, "{command} succeeded: {r}");
        r["message"].as_str().unwrap_or_default().to_string()
    }

    /// The next event named `name` not looked at before (waiting for it).
    fn event(&mut self, name: &str) -> Value {
        loop {
            while self.cursor < self.seen.len() {
                let m = self.seen[self.cursor].clone();
                self.cursor += 1;
                if m["type"] == "event" && m["event"] == name {
                    return m.get("body").cloned().unwrap_or(Value::Null);
                }
            }
            self.next();
        }
    }

    /// initialize + launch + the `initialized` event.
    fn launch(&mut self, arguments: Value) -> Value {
        let caps = self.ok(
            "initialize",
            json!({ "adapterID": "wasmdbg", "linesStartAt1": true }),
        );
        self.ok("launch", arguments);
        self.event("initialized");
        caps
    }

    /// Everything the guest wrote to stdout, from `output` events.
    fn stdout(&self) -> String {
        self.seen
            .iter()
            .filter(|m| m["event"] == "output" && m["body"]["category"] == "stdout")
            .map(|m| m["body"]["output"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn finish(mut self) -> (Option<i32>, String) {
        let r = self.request("disconnect", json!({}));
        assert_eq!(r["success"], true);
        let mut child = self.child.take().unwrap();
        drop(self.input);
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status.code(), stderr)
    }
}

/// The top frame's id.
fn top_frame(c: &mut Client) -> (i64, Value) {
    let trace = c.ok("stackTrace", json!({ "threadId": 1 }));
    let frame = trace["stackFrames"][0].clone();
    (frame["id"].as_i64().unwrap(), trace)
}

fn variables(c: &mut Client, reference: i64) -> Vec<Value> {
    c.ok("variables", json!({ "variablesReference": reference }))["variables"]
        .as_array()
        .unwrap()
        .clone()
}

fn named<'a>(vars: &'a [Value], name: &str) -> &'a Value {
    vars.iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variable {name} in {vars:#?}"))
}

/// A C program with DWARF: a line breakpoint, stackTrace with source,
/// scopes and variables with struct expansion, next, stepIn, stepOut,
/// continue to the end with the exit status; a stale reference after the
/// program ran.
#[test]
fn c_program_breakpoints_frames_variables_steps_and_exit() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/dwarf/shapes-O0.wasm",
        "directories": ["tests/guests/dwarf"],
    }));
    assert_eq!(caps["supportsConfigurationDoneRequest"], true);
    assert_eq!(caps["exceptionBreakpointFilters"][0]["filter"], "throw");
    let set = c.ok(
        "setBreakpoints",
        json!({ "source": { "path": "shapes.c" }, "breakpoints": [{ "line": 29 }, { "line": 200 }] }),
    );
    let bps = set["breakpoints"].as_array().unwrap();
    assert_eq!(bps[0]["verified"], true, "{set}");
    assert_eq!(bps[0]["line"], 29);
    assert!(
        bps[0]["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("tests/guests/dwarf/shapes.c"),
        "{set}"
    );
    assert_eq!(bps[1]["verified"], false);
    assert!(bps[1]["message"].as_str().unwrap().contains("200"), "{set}");
    c.ok("configurationDone", json!({}));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "breakpoint", "{stopped}");
    assert_eq!(stopped["hitBreakpointIds"][0], bps[0]["id"]);

    let (frame, trace) = top_frame(&mut c);
    let top = &trace["stackFrames"][0];
    assert_eq!(top["name"], "area2");
    assert_eq!(top["line"], 29);
    assert!(
        top["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("shapes.c")
    );
    assert!(
        top["instructionPointerReference"]
            .as_str()
            .unwrap()
            .starts_with("0x")
    );
    assert_eq!(trace["stackFrames"][1]["name"], "main");
    // Paging.
    let page = c.ok(
        "stackTrace",
        json!({ "threadId": 1, "startFrame": 1, "levels": 1 }),
    );
    assert_eq!(page["stackFrames"].as_array().unwrap().len(), 1);
    assert_eq!(page["stackFrames"][0]["name"], "main");

    let scopes = c.ok("scopes", json!({ "frameId": frame }))["scopes"].clone();
    let names: Vec<&str> = scopes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Locals", "Wasm locals", "Operand stack", "Globals"]);
    let locals = variables(&mut c, scopes[0]["variablesReference"].as_i64().unwrap());
    let s = named(&locals, "s");
    assert_eq!(s["type"], "const struct shape *");
    let s_ref = s["variablesReference"].as_i64().unwrap();
    assert!(s_ref > 0, "{s}");
    // A pointer to a struct expands to the struct's members.
    let members = variables(&mut c, s_ref);
    assert_eq!(named(&members, "scale")["value"], "1.5");
    assert_eq!(named(&members, "kind")["value"], "TRIANGLE");
    let corners = named(&members, "corners")["variablesReference"]
        .as_i64()
        .unwrap();
    let corners = variables(&mut c, corners);
    assert_eq!(corners[1]["name"], "[1]");
    assert_eq!(corners[1]["value"], "{x = 4, y = 0}");
    let globals = variables(&mut c, scopes[3]["variablesReference"].as_i64().unwrap());
    assert!(
        globals.iter().any(|g| g["name"] == "__stack_pointer"),
        "{globals:#?}"
    );
    let hover = c.ok(
        "evaluate",
        json!({ "expression": "s->corners[1].x * 3", "frameId": frame, "context": "hover" }),
    );
    assert_eq!(hover["result"], "12");

    // next, then the old frame id is stale.
    c.ok("next", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "step");
    let stale = c.fails("scopes", json!({ "frameId": frame }));
    assert_eq!(
        stale,
        format!("frame {frame} belongs to a pause that is over: the program has run since")
    );
    let stale = c.fails("variables", json!({ "variablesReference": s_ref }));
    assert!(stale.contains("belongs to a pause that is over"), "{stale}");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["line"], 30);

    // stepOut returns to main; stepIn enters scaled.
    c.ok("stepOut", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "step");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "main");
    c.ok("next", json!({ "threadId": 1 }));
    c.event("stopped");
    c.ok("stepIn", json!({ "threadId": 1 }));
    c.event("stopped");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "scaled", "{trace}");

    // The debug console runs any command; its transcript is the result.
    let bt = c.ok("evaluate", json!({ "expression": "bt", "context": "repl" }));
    assert!(bt["result"].as_str().unwrap().contains("#0  0x"), "{bt}");
    let bad = c.fails(
        "evaluate",
        json!({ "expression": "frobnicate", "context": "repl" }),
    );
    assert!(bad.contains("unknown command"), "{bad}");

    c.ok("continue", json!({ "threadId": 1 }));
    let exited = c.event("exited");
    assert_eq!(exited["exitCode"], 0);
    c.event("terminated");
    assert_eq!(c.stdout(), "triangle 12 9.00 30 1099511627776 hello 6 1\n");
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}
