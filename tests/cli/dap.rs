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
            .env("RUSTC", crate::harness::NO_RUSTC)
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
        self.fails_with_id(command, arguments).0
    }

    /// The message of a failed response and its error's `id` (the core's
    /// error kind; docs/editors.md lists them).
    fn fails_with_id(&mut self, command: &str, arguments: Value) -> (String, u64) {
        let r = self.request(command, arguments);
        assert_eq!(r["success"], false, "{command} succeeded: {r}");
        let message = r["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(r["body"]["error"]["format"], message, "{r}");
        (message, r["body"]["error"]["id"].as_u64().unwrap_or(0))
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

    fn finish(self) -> (Option<i32>, String) {
        self.disconnect(json!({}))
    }

    /// `disconnect` with `arguments`, then the adapter's exit status and
    /// stderr once it has exited.
    fn disconnect(mut self, arguments: Value) -> (Option<i32>, String) {
        let r = self.request("disconnect", arguments);
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

/// The top frame's function name, `instructionPointerReference` and line.
fn top_location(c: &mut Client) -> (String, String, i64) {
    let (_, trace) = top_frame(c);
    let frame = &trace["stackFrames"][0];
    (
        frame["name"].as_str().unwrap().to_string(),
        frame["instructionPointerReference"]
            .as_str()
            .unwrap()
            .to_string(),
        frame["line"].as_i64().unwrap(),
    )
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
/// The string `field` of each object in the array `list`.
fn field_of_each(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|o| {
            o[field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field}: {o}"))
                .to_string()
        })
        .collect()
}

#[test]
fn c_program_breakpoints_frames_variables_steps_and_exit() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/dwarf/shapes-O0.wasm",
        "directories": ["tests/guests/dwarf"],
    }));
    assert_eq!(caps["supportsConfigurationDoneRequest"], true);
    assert_eq!(caps["exceptionBreakpointFilters"][1]["filter"], "throw");
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
    let (stale, id) = c.fails_with_id("scopes", json!({ "frameId": frame }));
    assert_eq!(
        stale,
        format!("frame {frame} belongs to a pause that is over: the program has run since")
    );
    assert_eq!(id, 5, "a stale frame's error id");
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
    // A command's result is data too: a printed struct can be expanded,
    // a printed number cannot.
    let printed = c.ok(
        "evaluate",
        json!({ "expression": "print *s", "context": "repl" }),
    );
    assert!(
        printed["result"].as_str().unwrap().contains("name = "),
        "{printed}"
    );
    let reference = printed["variablesReference"].as_i64().unwrap_or(0);
    assert!(reference > 0, "{printed}");
    let members = c.ok("variables", json!({ "variablesReference": reference }));
    let names = field_of_each(&members["variables"], "name");
    assert_eq!(
        names,
        ["name", "corners", "scale", "kind", "tag"],
        "{members}"
    );
    let number = c.ok(
        "evaluate",
        json!({ "expression": "print doubled", "context": "repl" }),
    );
    assert_eq!(number["variablesReference"], 0, "{number}");
    let set = c.ok(
        "evaluate",
        json!({ "expression": "break shapes.c:55", "context": "repl" }),
    );
    assert!(
        set["result"]
            .as_str()
            .unwrap()
            .starts_with("Breakpoint 2 at 0x"),
        "{set}"
    );
    let event = c.event("breakpoint");
    assert_eq!(event["reason"], "new");
    assert_eq!(event["breakpoint"]["id"], 2);
    c.ok(
        "evaluate",
        json!({ "expression": "delete 2", "context": "repl" }),
    );
    assert_eq!(c.event("breakpoint")["reason"], "removed");
    // A temporary breakpoint set at the console is `new`; hit, it is
    // deleted, and the client hears it (`removed`) before the stop.
    c.ok(
        "evaluate",
        json!({ "expression": "tbreak shapes.c:55", "context": "repl" }),
    );
    let event = c.event("breakpoint");
    assert_eq!(
        (&event["reason"], &event["breakpoint"]["id"]),
        (&json!("new"), &json!(3)),
        "{event}"
    );
    c.ok("continue", json!({ "threadId": 1 }));
    let event = c.event("breakpoint");
    assert_eq!(
        (&event["reason"], &event["breakpoint"]["id"]),
        (&json!("removed"), &json!(3)),
        "{event}"
    );
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "breakpoint", "{stopped}");
    assert_eq!(stopped["hitBreakpointIds"], json!([3]), "{stopped}");
    let (bad, id) = c.fails_with_id(
        "evaluate",
        json!({ "expression": "frobnicate", "context": "repl" }),
    );
    assert!(bad.contains("unknown command"), "{bad}");
    assert_eq!(id, 1, "the console's own refusal has no core kind");

    c.ok("continue", json!({ "threadId": 1 }));
    let exited = c.event("exited");
    assert_eq!(exited["exitCode"], 0);
    c.event("terminated");
    assert_eq!(c.stdout(), "triangle 12 9.00 30 1099511627776 hello 6 1\n");
    let (status, stderr) = c.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

/// A trap: a `stopped` event with reason exception and the trap's text,
/// `exceptionInfo`, then the end with `wasmtime run`'s status (134).
#[test]
fn trap_exception_info_and_exit_status() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/ratio-p1.wasm",
        "args": ["ratio", "7", "0"],
        "directories": ["tests/guests"],
    }));
    c.ok("configurationDone", json!({}));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "exception");
    assert_eq!(
        stopped["text"],
        "Program stopped: trap: integer divide by zero"
    );
    let info = c.ok("exceptionInfo", json!({ "threadId": 1 }));
    assert_eq!(info["exceptionId"], "trap");
    assert_eq!(info["breakMode"], "always");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "ratio", "{trace}");
    assert!(
        trace["stackFrames"][0]["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("tests/guests/c/ratio.c"),
        "{trace}"
    );
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 134);
    c.event("terminated");
    let (status, _) = c.finish();
    assert_eq!(status, Some(0));
}

/// Function, instruction and data breakpoints; `setVariable` on a global;
/// memory read and written; `disassemble`; `modules`; `pause` of a running
/// program; `restart`.
#[test]
fn function_instruction_and_data_breakpoints_memory_and_pause() {
    let mut c = Client::start();
    c.launch(json!({ "program": "wat/watch.wat", "stopOnEntry": true }));
    let set = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "bump" }, { "name": "nosuch" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    assert_eq!(set["breakpoints"][1]["verified"], false);
    assert!(
        set["breakpoints"][1]["message"]
            .as_str()
            .unwrap()
            .contains("nosuch"),
        "{set}"
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "entry");
    let modules = c.ok("modules", json!({}));
    assert_eq!(modules["modules"][0]["id"], 0);
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, trace) = top_frame(&mut c);
    let pc = trace["stackFrames"][0]["instructionPointerReference"]
        .as_str()
        .unwrap()
        .to_string();
    let listing = c.ok(
        "disassemble",
        json!({ "memoryReference": pc, "instructionCount": 3 }),
    );
    assert_eq!(listing["instructions"].as_array().unwrap().len(), 3);
    assert_eq!(listing["instructions"][0]["address"], pc);
    assert_eq!(
        listing["instructions"][0]["instruction"],
        "global.get $calls"
    );
    // Two before the address (VS Code's disassembly view asks so): the
    // address is then the third.
    let around = c.ok(
        "disassemble",
        json!({ "memoryReference": pc, "instructionOffset": -2, "instructionCount": 4 }),
    );
    let around = around["instructions"].as_array().unwrap();
    assert_eq!(around.len(), 4);
    assert_eq!(around[2]["address"], pc, "{around:?}");
    assert_eq!(around[2]["instruction"], "global.get $calls");
    assert_eq!(around[0]["presentationHint"], "invalid", "{around:?}");
    let third = listing["instructions"][2]["address"].clone();
    let back = c.ok(
        "disassemble",
        json!({ "memoryReference": third, "instructionOffset": -2, "instructionCount": 3 }),
    );
    assert_eq!(
        back["instructions"][0], listing["instructions"][0],
        "{back}"
    );
    assert_eq!(
        back["instructions"][2], listing["instructions"][2],
        "{back}"
    );

    // A global: watch it, write it.
    let scopes = c.ok("scopes", json!({ "frameId": frame }))["scopes"].clone();
    assert_eq!(scopes[0]["name"], "Wasm locals");
    let globals_ref = scopes[2]["variablesReference"].as_i64().unwrap();
    let info = c.ok(
        "dataBreakpointInfo",
        json!({ "variablesReference": globals_ref, "name": "calls" }),
    );
    assert_eq!(info["dataId"], "calls");
    let set = c.ok(
        "setDataBreakpoints",
        json!({ "breakpoints": [{ "dataId": "calls" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    let written = c.ok(
        "setVariable",
        json!({ "variablesReference": globals_ref, "name": "calls", "value": "40" }),
    );
    assert_eq!(written["value"], "40 (0x28)");
    let refused = c.fails(
        "setVariable",
        json!({ "variablesReference": scopes[0]["variablesReference"], "name": "n", "value": "1" }),
    );
    assert!(refused.contains("only globals can be written"), "{refused}");
    c.ok("setFunctionBreakpoints", json!({ "breakpoints": [] }));
    c.ok("continue", json!({ "threadId": 1 }));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "data breakpoint", "{stopped}");
    assert!(
        stopped["description"]
            .as_str()
            .unwrap()
            .contains("Old value = 40 (0x28)\nNew value = 41 (0x29)"),
        "{stopped}"
    );

    // Memory: write 4 bytes at 0x100, read them back.
    let wrote = c.ok(
        "writeMemory",
        json!({ "memoryReference": "0x100", "data": "AQIDBA==" }),
    );
    assert_eq!(wrote["bytesWritten"], 4);
    let read = c.ok(
        "readMemory",
        json!({ "memoryReference": "0x100", "count": 4 }),
    );
    assert_eq!(read["data"], "AQIDBA==");
    assert_eq!(read["address"], "0x100");
    let (bad, id) = c.fails_with_id(
        "readMemory",
        json!({ "memoryReference": "0x7fffffff", "count": 4 }),
    );
    assert!(bad.contains("memory"), "{bad}");
    assert_eq!(id, 4, "outside memory is Unavailable: {bad}");

    // Restart: the program runs again from the start (stopOnEntry).
    c.ok("restart", json!({}));
    assert_eq!(c.event("stopped")["reason"], "entry");
    let (status, _) = c.finish();
    assert_eq!(status, Some(0));
}

/// `pause` interrupts a program that runs forever, once it runs (its
/// first "tick" output event).
#[test]
fn pause_a_running_program() {
    let mut c = Client::start();
    c.launch(json!({ "program": "wat/tick.wat", "instrumented": true }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("output")["output"], "tick\n");
    c.ok("pause", json!({ "threadId": 1 }));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "pause", "{stopped}");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "spin");
    // The editor's Stop while it runs again (the next "tick"): the adapter
    // pauses it to serve the disconnect, and exits.
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("output")["output"], "tick\n");
    let (status, _) = c.finish();
    assert_eq!(status, Some(0));
}

/// `disconnect` with `terminateDebuggee: false` (issue 27): the program,
/// paused at a breakpoint, runs on to its end without the debugger (its
/// output on the adapter's stderr, the protocol's stream being closed),
/// and the adapter exits then.
#[test]
fn disconnect_can_leave_the_program_running_to_its_end() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/app-p1.wasm",
        "args": ["divide", "7", "2"],
    }));
    assert_eq!(caps["supportTerminateDebuggee"], true);
    c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "app::ratio" }, { "name": "app::number" }] }),
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    assert_eq!(c.stdout(), "");
    let (status, stderr) = c.disconnect(json!({ "terminateDebuggee": false }));
    assert_eq!(status, Some(0));
    assert_eq!(stderr, "350\n");
}

/// `cancel` (issue 27): a request queued behind a running program is
/// answered `cancelled` instead of being served once the program stops;
/// the `cancel` itself is answered at once. Cancelling a request already
/// answered changes nothing.
#[test]
fn cancel_answers_a_queued_request_cancelled() {
    let mut c = Client::start();
    let caps = c.launch(json!({ "program": "wat/tick.wat", "instrumented": true }));
    assert_eq!(caps["supportsCancelRequest"], true);
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("output")["output"], "tick\n");
    let queued = c.send(
        "evaluate",
        json!({ "expression": "info breakpoints", "context": "repl" }),
    );
    c.ok("cancel", json!({ "requestId": queued }));
    c.ok("pause", json!({ "threadId": 1 }));
    let response = loop {
        let m = c.next();
        if m["type"] == "response" && m["request_seq"] == queued {
            break m;
        }
    };
    assert_eq!(response["success"], false, "{response}");
    assert_eq!(response["message"], "cancelled", "{response}");
    assert_eq!(c.event("stopped")["reason"], "pause");
    c.ok("cancel", json!({ "requestId": 1 }));
    let threads = c.ok("threads", json!({}));
    assert_eq!(threads["threads"][0]["id"], 1, "{threads}");
    c.finish();
}

/// A failure on plain code is replayed, so the editor's Step Back and
/// Reverse buttons work at its pause: `stepBack` by instruction lands where
/// the REPL's `reverse-nexti` does (0x49a to 0x498 in `ratio`),
/// `reverseContinue` at the last hit of a breakpoint before (reason
/// `breakpoint`, as the REPL's `reverse-continue`), and `stepBack` by line
/// where `reverse-next` does (back to the call in `main`). A session under
/// the debugger from the start refuses them, saying why.
#[test]
fn step_back_and_reverse_continue_in_the_replay_of_a_failure() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/ratio-p1.wasm",
        "args": ["ratio", "7", "0"],
        "directories": ["tests/guests"],
    }));
    assert_eq!(caps["supportsStepBack"], true);
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "exception");
    assert_eq!(top_location(&mut c), ("ratio".into(), "0x49a".into(), 21));

    c.ok(
        "stepBack",
        json!({ "threadId": 1, "granularity": "instruction" }),
    );
    assert_eq!(c.event("stopped")["reason"], "step");
    assert_eq!(top_location(&mut c), ("ratio".into(), "0x498".into(), 21));

    let set = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "ratio" }] }),
    );
    let id = set["breakpoints"][0]["id"].clone();
    c.ok("reverseContinue", json!({ "threadId": 1 }));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "breakpoint", "{stopped}");
    assert_eq!(stopped["hitBreakpointIds"], json!([id]), "{stopped}");
    assert_eq!(top_location(&mut c), ("ratio".into(), "0x46e".into(), 20));

    c.ok("stepBack", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "step");
    assert_eq!(top_location(&mut c), ("main".into(), "0x33f".into(), 37));
    c.finish();

    let mut c = Client::start();
    c.launch(json!({ "program": "wat/divide.wat", "stopOnEntry": true }));
    c.ok("configurationDone", json!({}));
    c.event("stopped");
    let refused = c.fails("stepBack", json!({ "threadId": 1 }));
    assert!(
        refused.starts_with("reverse execution needs a recording, and this session runs under"),
        "{refused}"
    );
    c.finish();
}

/// Step Back at a Rust panic, where frame #0 is the library's `abort` and
/// the editor shows `app::settle` (the first frame not deemphasized): back
/// out of the library to settle's call into it (the REPL's `reverse-finish`
/// from the frame above settle's), then as `reverse-next` in settle: the
/// start of line 67, then line 66 — the pcs `wasmdbg run -ex 'frame 10'
/// -ex reverse-finish -ex reverse-next -ex reverse-next` prints.
#[test]
fn step_back_from_a_library_frame_returns_to_the_programs_call() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/app-p1.wasm",
        "args": ["panic"],
        "directories": ["tests/guests"],
    }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "exception");
    assert_eq!(top_location(&mut c).0, "abort");
    for expected in [
        ("app::settle", "0x1cb0", 67, "Run back to the call"),
        ("app::settle", "0x1c15", 67, "Paused"),
        ("app::settle", "0x1bf9", 66, "Paused"),
    ] {
        c.ok("stepBack", json!({ "threadId": 1 }));
        let stopped = c.event("stopped");
        assert_eq!(stopped["reason"], "step", "{stopped}");
        assert_eq!(stopped["description"], expected.3, "{stopped}");
        assert_eq!(
            top_location(&mut c),
            (expected.0.into(), expected.1.into(), expected.2)
        );
    }
    c.finish();
}

/// A data breakpoint found going back (issue 27): in the replay of
/// reverse.wat's trap, `reverseContinue` with a data breakpoint on the
/// global `calls` stops right after its last write (the fifth call of
/// `bump` set it to 5), then the one before (4), as the REPL's `watch` with
/// `reverse-continue` does.
#[test]
fn reverse_continue_finds_the_last_write_of_a_data_breakpoint() {
    let mut c = Client::start();
    c.launch(json!({ "program": "wat/reverse.wat" }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "exception");
    let info = c.ok("dataBreakpointInfo", json!({ "name": "calls" }));
    assert_eq!(info["dataId"], "calls", "{info}");
    let set = c.ok(
        "setDataBreakpoints",
        json!({ "breakpoints": [{ "dataId": "calls" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    for expected in ["5", "4"] {
        c.ok("reverseContinue", json!({ "threadId": 1 }));
        let stopped = c.event("stopped");
        assert_eq!(stopped["reason"], "data breakpoint", "{stopped}");
        let (frame, trace) = top_frame(&mut c);
        assert_eq!(trace["stackFrames"][0]["name"], "bump", "{trace}");
        let calls = c.ok(
            "evaluate",
            json!({ "expression": "calls", "frameId": frame, "context": "watch" }),
        );
        assert_eq!(calls["result"], expected);
    }
    // With a condition, the writes it is false for are passed going back.
    c.ok(
        "setDataBreakpoints",
        json!({ "breakpoints": [{ "dataId": "calls", "condition": "calls == 2" }] }),
    );
    c.ok("reverseContinue", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "data breakpoint");
    let (frame, _) = top_frame(&mut c);
    let calls = c.ok(
        "evaluate",
        json!({ "expression": "calls", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(calls["result"], "2");
    c.finish();
}

/// A Rust panic: the stop and `exceptionInfo` name it (the program's
/// stderr said it), and only the program's own frames are sources an editor opens
/// by path. libc's `wasisdk://` file and the standard library's `/rustc/`
/// files (not on this machine: no toolchain is looked for) come by
/// `sourceReference`, `deemphasize`d, so the editor focuses `app::ratio`;
/// `source` on such a reference says the file was not found, until the
/// debug console's `directory` gives a place where it is.
#[test]
fn library_frames_are_deemphasized_and_sources_not_on_disk_come_by_reference() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/app-p1.wasm",
        "args": ["divide", "7", "0"],
        "directories": ["tests/guests"],
    }));
    c.ok("configurationDone", json!({}));
    // The stop and the exception widget name the panic first.
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "exception");
    assert_eq!(
        stopped["text"],
        "panicked at src/main.rs:75:5: attempt to divide by zero"
    );
    let info = c.ok("exceptionInfo", json!({ "threadId": 1 }));
    assert_eq!(
        info["description"],
        "panicked at src/main.rs:75:5: attempt to divide by zero\n\
         Program stopped: trap: wasm `unreachable` instruction executed"
    );
    let trace = c.ok("stackTrace", json!({ "threadId": 1 }));
    let frames = trace["stackFrames"].as_array().unwrap();
    let abort = &frames[0]["source"];
    assert_eq!(abort["name"], "abort.c", "{abort}");
    assert!(abort.get("path").is_none(), "{abort}");
    assert_eq!(abort["presentationHint"], "deemphasize", "{abort}");
    let reference = abort["sourceReference"].as_i64().unwrap();
    assert!(reference > 0, "{abort}");
    // The first frame an editor would focus: the program's.
    let first = frames
        .iter()
        .find(|f| f["source"]["presentationHint"] != "deemphasize")
        .unwrap();
    assert_eq!(first["name"], "app::ratio", "{first}");
    assert!(
        first["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("tests/guests/app/src/main.rs"),
        "{first}"
    );
    assert_eq!(first["line"], 75);
    for f in frames.iter().take_while(|f| f["name"] != "app::ratio") {
        assert_eq!(f["source"]["presentationHint"], "deemphasize", "{f}");
        assert!(f["source"].get("path").is_none(), "{f}");
    }
    let missing = c.fails(
        "source",
        json!({ "source": { "sourceReference": reference }, "sourceReference": reference }),
    );
    assert!(
        missing.contains("wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c"),
        "{missing}"
    );
    let unknown = c.fails("source", json!({ "sourceReference": 999 }));
    assert_eq!(unknown, "no source has reference 999");
    // A directory given at the debug console, as `list` would use it: the
    // reference now answers the file's text.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("abort.c"),
        "void abort(void) {\n  __builtin_trap();\n}\n",
    )
    .unwrap();
    c.ok(
        "evaluate",
        json!({ "expression": format!("directory {}", dir.path().display()), "context": "repl" }),
    );
    let text = c.ok("source", json!({ "sourceReference": reference }));
    assert_eq!(
        text["content"],
        "void abort(void) {\n  __builtin_trap();\n}"
    );
    c.finish();
}

/// `breakpointLocations` offers the lines of shapes.c where a breakpoint
/// stops on that line (`info line` finds each there): 25-27 have no code
/// (a breakpoint there would move to 28), 28-33 have.
#[test]
fn breakpoint_locations_are_the_lines_with_code() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/dwarf/shapes-O0.wasm",
        "directories": ["tests/guests/dwarf"],
        "stopOnEntry": true,
    }));
    assert_eq!(caps["supportsBreakpointLocationsRequest"], true);
    let shapes = root().join("tests/guests/dwarf/shapes.c");
    let found = c.ok(
        "breakpointLocations",
        json!({ "source": { "path": shapes }, "line": 25, "endLine": 33 }),
    );
    let lines: Vec<i64> = found["breakpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [28, 29, 30, 31, 32, 33], "{found}");
    let one = c.ok(
        "breakpointLocations",
        json!({ "source": { "path": shapes }, "line": 26 }),
    );
    assert_eq!(one["breakpoints"], json!([]), "{one}");
    let refused = c.fails("breakpointLocations", json!({ "source": {}, "line": 3 }));
    assert_eq!(refused, "breakpointLocations needs source.path");
    c.finish();
}

/// Logpoints print their message as `output` events and let the program
/// go on (a value that cannot be read shows why, in its place); a hit
/// condition stops a breakpoint only at the hits it names (`>= 2`: the
/// second and after; `1`: the first only; `% 2`: every second); a malformed
/// message or hit condition makes the breakpoint unverified, saying why.
/// shapes.c's loop (lines 30-34) runs three times: `i` is 0, 1, 2.
#[test]
fn logpoints_and_hit_conditions() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/dwarf/shapes-O0.wasm",
        "directories": ["tests/guests/dwarf"],
    }));
    assert_eq!(caps["supportsLogPoints"], true);
    assert_eq!(caps["supportsHitConditionalBreakpoints"], true);
    let shapes = root().join("tests/guests/dwarf/shapes.c");
    let set = c.ok(
        "setBreakpoints",
        json!({ "source": { "path": shapes }, "breakpoints": [
            { "line": 31, "hitCondition": ">= 2" },
            { "line": 33, "logMessage": "i={i} sum={sum} {{braces}} p={*a} bad={nosuch}" },
            { "line": 35, "hitCondition": "1" },
            { "line": 36, "logMessage": "unclosed {sum" },
            { "line": 39, "hitCondition": "twice" },
        ] }),
    );
    let verified: Vec<&Value> = set["breakpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["verified"])
        .collect();
    assert_eq!(verified, [true, true, true, false, false], "{set}");
    assert_eq!(
        set["breakpoints"][3]["message"],
        "unclosed { in the log message (write {{ for a brace)"
    );
    assert_eq!(
        set["breakpoints"][4]["message"],
        "hit condition \"twice\" not understood: expected a count, optionally after >, >=, ==, \
         <, <= or % (\">= 5\", \"% 3\")"
    );
    let function = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "scaled", "hitCondition": "% 2" }] }),
    );
    assert_eq!(function["breakpoints"][0]["verified"], true, "{function}");
    c.ok("configurationDone", json!({}));

    let logged = |c: &mut Client| loop {
        let output = c.event("output");
        if output["category"] == "console" {
            return output["output"].as_str().unwrap().to_string();
        }
    };
    let bad = "<error: no variable named \"nosuch\" in scope>";
    assert_eq!(
        logged(&mut c),
        format!("i=0 sum=0 {{braces}} p={{x = 0, y = 0}} bad={bad}\n")
    );
    // Line 31's second hit: i is 1.
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["line"], 31);
    let i = c.ok(
        "evaluate",
        json!({ "expression": "i", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(i["result"], "1");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(
        logged(&mut c),
        format!("i=1 sum=0 {{braces}} p={{x = 4, y = 0}} bad={bad}\n")
    );
    // The third hit meets `>= 2` too.
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, _) = top_frame(&mut c);
    let i = c.ok(
        "evaluate",
        json!({ "expression": "i", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(i["result"], "2");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(
        logged(&mut c),
        format!("i=2 sum=12 {{braces}} p={{x = 0, y = 3}} bad={bad}\n")
    );
    // Line 35 (`return sum`) is reached once: `1` is its first hit.
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "breakpoint");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["line"], 35);
    c.ok("continue", json!({ "threadId": 1 }));
    // `scaled` is called once: `% 2` never stops it.
    assert_eq!(c.event("exited")["exitCode"], 0);
    let stops = c.seen.iter().filter(|m| m["event"] == "stopped").count();
    assert_eq!(stops, 3, "{:#?}", c.seen);
    c.finish();
}

/// The debug console completes what the REPL takes: command names,
/// subcommands, options, and at a pause the variables in scope, `$` names
/// and function names; `length` says how many characters before the
/// cursor a target replaces (UTF-16 units, as DAP counts).
#[test]
fn debug_console_completions() {
    let mut c = Client::start();
    let caps = c.launch(json!({
        "program": "tests/guests/dwarf/shapes-O0.wasm",
        "directories": ["tests/guests/dwarf"],
    }));
    assert_eq!(caps["supportsCompletionsRequest"], true);
    let shapes = root().join("tests/guests/dwarf/shapes.c");
    c.ok(
        "setBreakpoints",
        json!({ "source": { "path": shapes }, "breakpoints": [{ "line": 33 }] }),
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, _) = top_frame(&mut c);
    let mut complete = |text: &str| -> Vec<String> {
        let column = text.encode_utf16().count() + 1;
        let body = c.ok(
            "completions",
            json!({ "text": text, "column": column, "frameId": frame }),
        );
        body["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                assert!(t.get("start").is_none(), "{t}");
                format!(
                    "{} {} {}",
                    t["label"].as_str().unwrap(),
                    t["type"].as_str().unwrap(),
                    t["length"]
                )
            })
            .collect()
    };
    assert_eq!(complete("inf"), ["info keyword 3"]);
    assert_eq!(complete("info br"), ["breakpoints keyword 2"]);
    assert_eq!(complete("disassemble --"), ["--all property 2"]);
    let sum = complete("p su");
    assert!(sum.contains(&"sum variable 2".to_string()), "{sum:?}");
    assert_eq!(complete("break are"), ["area2 function 3"]);
    let locals = complete("p $local");
    assert!(
        locals.contains(&"$local0 value 6".to_string()),
        "{locals:?}"
    );
    let after_operator = complete("p sum+i");
    assert!(
        after_operator.contains(&"i variable 1".to_string()),
        "{after_operator:?}"
    );
    assert_eq!(complete("nosuchcommand x"), Vec::<String>::new());
    // Input of several lines: `line` says which the cursor is on.
    let second = c.ok(
        "completions",
        json!({ "text": "bt\r\ninf", "line": 2, "column": 4, "frameId": frame }),
    );
    assert_eq!(second["targets"][0]["label"], "info", "{second}");
    assert_eq!(second["targets"][0]["length"], 3, "{second}");

    // The client's hex display (`format.hex`): integers in hex, inside
    // aggregates too, in `evaluate` and `variables`.
    let (frame, _) = top_frame(&mut c);
    let corner = |c: &mut Client, hex: bool| {
        c.ok(
            "evaluate",
            json!({ "expression": "s->corners[1]", "frameId": frame, "context": "watch",
                    "format": { "hex": hex } }),
        )["result"]
            .clone()
    };
    assert_eq!(corner(&mut c, false), "{x = 4, y = 0}");
    assert_eq!(corner(&mut c, true), "{x = 0x4, y = 0x0}");
    let scopes = c.ok("scopes", json!({ "frameId": frame }));
    let wasm_locals = scopes["scopes"][1]["variablesReference"].as_i64().unwrap();
    let plain = c.ok("variables", json!({ "variablesReference": wasm_locals }));
    let hexed = c.ok(
        "variables",
        json!({ "variablesReference": wasm_locals, "format": { "hex": true } }),
    );
    let first = |v: &Value| v["variables"][0]["value"].as_str().unwrap().to_string();
    let (plain, hexed) = (first(&plain), first(&hexed));
    // `N (0xN)` plain, `0xN` in hex.
    assert_eq!(
        plain.split_once(" (").map(|(_, h)| h.trim_end_matches(')')),
        Some(hexed.as_str()),
        "{plain} / {hexed}"
    );
    c.finish();
}

/// `setExpression` writes what `set var` writes — a mutable global, a
/// typed place in memory — and answers the value read back; a local (which
/// wasmtime 48 cannot write) is refused with the reason.
#[test]
fn set_expression_writes_globals_and_memory() {
    let mut c = Client::start();
    let caps = c.launch(json!({ "program": "wat/fib.wat", "stopOnEntry": true }));
    assert_eq!(caps["supportsSetExpression"], true);
    c.ok("configurationDone", json!({}));
    c.event("stopped");
    let (frame, _) = top_frame(&mut c);
    let set = |c: &mut Client, expression: &str, value: &str| {
        c.request(
            "setExpression",
            json!({ "expression": expression, "value": value, "frameId": frame }),
        )
    };
    let r = set(&mut c, "calls", "41");
    assert_eq!(r["body"]["value"], "41", "{r}");
    let r = set(&mut c, "{i32} 0x100", "7 * 6");
    assert_eq!(r["body"]["value"], "42", "{r}");
    let evaluated = c.ok(
        "evaluate",
        json!({ "expression": "calls + {i32} 0x100", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(evaluated["result"], "83");
    // `setVariable` in the Globals scope answers in hex when asked.
    let scopes = c.ok("scopes", json!({ "frameId": frame }));
    let globals = scopes["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Globals")
        .map(|s| s["variablesReference"].clone())
        .unwrap();
    let written = c.ok(
        "setVariable",
        json!({ "variablesReference": globals, "name": "calls", "value": "41",
                "format": { "hex": true } }),
    );
    assert_eq!(written["value"], "0x29", "{written}");
    let r = set(&mut c, "r", "1");
    assert_eq!(r["success"], false, "{r}");
    assert_eq!(
        r["message"],
        "cannot write local r: wasmtime 48's debug API reads locals and the operand stack but cannot change them"
    );
    c.finish();
}

/// The editor's Stop while a program runs on plain code ends that run
/// without replaying it: no `stopped` event, no note, and the adapter
/// exits at once.
#[test]
fn disconnect_during_a_run_on_plain_code_does_not_replay_it() {
    let mut c = Client::start();
    c.launch(json!({ "program": "wat/tick.wat" }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("output")["output"], "tick\n");
    let r = c.request("disconnect", json!({}));
    assert_eq!(r["success"], true);
    assert!(
        !c.seen
            .iter()
            .any(|m| m["event"] == "stopped" || m["body"]["category"] == "console"),
        "{:#?}",
        c.seen
    );
    let mut child = c.child.take().unwrap();
    drop(c.input);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// With no breakpoint set, `configurationDone` runs the program on plain
/// code, as `wasmdbg run` does: its output comes as events, `pause` ends
/// the recorded run, and its replay stops at the first call or loop after
/// the last host call, saying so on the console; going on from there
/// reaches the end of the recording, which stops as a failed host call
/// naming it.
#[test]
fn pause_a_program_running_on_plain_code_stops_its_replay() {
    let mut c = Client::start();
    c.launch(json!({ "program": "wat/tick.wat" }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("output")["output"], "tick\n");
    c.ok("pause", json!({ "threadId": 1 }));
    // More ticks may come before the pause reaches the run.
    let note = loop {
        let output = c.event("output");
        if output["category"] != "stdout" {
            break output;
        }
        assert_eq!(output["output"], "tick\n");
    };
    assert_eq!(note["category"], "console", "{note}");
    let note = note["output"].as_str().unwrap();
    assert!(
        note.starts_with("wasmdbg: the program was interrupted (pause) after ")
            && note.ends_with(
                "; replaying it under the debugger to the first call or loop after the last (how \
                 far it ran after that is not recorded)\n"
            ),
        "{note}"
    );
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "pause", "{stopped}");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "spin");
    c.ok("continue", json!({ "threadId": 1 }));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "exception", "{stopped}");
    let text = stopped["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("the recording ends before host call #"),
        "{stopped}"
    );
    let (status, _) = c.finish();
    assert_eq!(status, Some(0));
}

/// Bad input: a message that is not JSON, one that is not a request, an
/// unknown command, arguments of the wrong type, requests before `launch`,
/// a missing program; the adapter answers each and goes on. A bad
/// Content-Length ends it with status 1 and one line on stderr.
#[test]
fn malformed_messages_get_errors_and_the_adapter_goes_on() {
    let mut c = Client::start();
    c.send_raw(b"Content-Length: 9\r\n\r\nnot json!");
    c.send_raw(b"Content-Length: 2\r\n\r\n{}");
    assert_eq!(
        c.fails("frobnicate", json!({})),
        "unknown or unsupported request \"frobnicate\""
    );
    let wrong = c.fails("initialize", json!({ "adapterID": 7 }));
    assert!(
        wrong.starts_with("invalid arguments for initialize: invalid type"),
        "{wrong}"
    );
    c.ok("initialize", json!({ "adapterID": "wasmdbg" }));
    assert_eq!(
        c.fails("stackTrace", json!({ "threadId": 1 })),
        "no program: send `launch` first"
    );
    assert_eq!(
        c.fails("launch", json!({ "program": "nosuch.wasm" })),
        "cannot read nosuch.wasm: no such file"
    );
    // An unknown launch key is named on the console; the launch goes on.
    c.ok(
        "launch",
        json!({ "program": "wat/fib.wat", "args": ["10"], "stopOnEntry": true, "colour": true, "preLaunchTask": "build" }),
    );
    c.event("initialized");
    let console: Vec<String> = c
        .seen
        .iter()
        .filter(|m| m["event"] == "output" && m["body"]["category"] == "console")
        .map(|m| m["body"]["output"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        console,
        ["wasmdbg: launch ignores the unknown key \"colour\"\n"]
    );
    assert_eq!(
        c.fails("launch", json!({ "program": "wat/fib.wat" })),
        "a program is already launched"
    );
    assert_eq!(c.fails("scopes", json!({ "frameId": 999 })), "no frame 999");
    assert_eq!(
        c.fails_with_id("stackTrace", json!({ "threadId": 2 })),
        ("no thread 2: the program is thread 1".to_string(), 3)
    );
    // A bad header: the stream cannot be followed past it.
    c.send_raw(b"Content-Length: lots\r\n\r\n{}");
    let mut child = c.child.take().unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "wasmdbg dap: a message that is not JSON (expected ident at line 1 column 2); ignored"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "wasmdbg dap: a message that is not a request (its type is not \"request\"); ignored"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("wasmdbg dap: malformed message header: Content-Length \"lots\" is not a number; closing the connection"),
        "{stderr}"
    );
}

/// `--port`: the same protocol over TCP on 127.0.0.1.
#[test]
fn tcp_port() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(["dap", "--port", "0"])
        .current_dir(root())
        .env("HOME", std::env::temp_dir())
        .env("RUSTC", crate::harness::NO_RUSTC)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("wasmdbg dap: listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let stream = std::net::TcpStream::connect(&addr).unwrap();
    let mut c = Client {
        child: Some(child),
        input: Box::new(stream.try_clone().unwrap()),
        messages: reader_thread(stream),
        seq: 0,
        seen: Vec::new(),
        cursor: 0,
    };
    c.launch(json!({ "program": "wat/fib.wat", "args": ["10"] }));
    c.ok("configurationDone", json!({}));
    c.event("exited");
    c.event("terminated");
    let r = c.request("disconnect", json!({}));
    assert_eq!(r["success"], true);
    let status = c.child.take().unwrap().wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// With the `trap` exception filter off, a trap ends the program as under
/// `wasmtime run` (status 134) without pausing; an unknown filter is refused.
#[test]
fn trap_filter_off_ends_the_program() {
    let mut c = Client::start();
    let caps =
        c.launch(json!({ "program": "tests/guests/ratio-p1.wasm", "args": ["ratio", "7", "0"] }));
    let filters = field_of_each(&caps["exceptionBreakpointFilters"], "filter");
    assert_eq!(filters, ["trap", "throw", "hostcall"]);
    let bad = c.fails(
        "setExceptionBreakpoints",
        json!({ "filters": ["segfault"] }),
    );
    assert_eq!(
        bad,
        "no exception filter \"segfault\": the filters are trap, throw and hostcall"
    );
    c.ok("setExceptionBreakpoints", json!({ "filters": ["throw"] }));
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("exited")["exitCode"], 134);
    c.event("terminated");
    assert!(
        !c.seen.iter().any(|m| m["event"] == "stopped"),
        "{:#?}",
        c.seen
    );
    c.finish();
}

/// A Rust program: the Locals scope shows values through the data
/// formatters, containers expand to their elements (in pages), and an
/// element's members expand again; loaded sources, a source's text,
/// `terminate`.
#[test]
fn rust_values_expand_in_pages_and_sources_load() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/values/values-rs-debug.wasm",
        "directories": ["tests/guests/values"],
    }));
    let set = c.ok(
        "setBreakpoints",
        json!({ "source": { "path": root().join("tests/guests/values/values.rs") }, "breakpoints": [{ "line": 84 }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, _) = top_frame(&mut c);
    let scopes = c.ok("scopes", json!({ "frameId": frame }))["scopes"].clone();
    let locals = variables(&mut c, scopes[0]["variablesReference"].as_i64().unwrap());
    assert_eq!(
        named(&locals, "numbers")["value"],
        "Vec(size=3) = {10, 20, 30}"
    );
    assert_eq!(named(&locals, "some")["value"], "Some(5)");
    let long = named(&locals, "long")["variablesReference"]
        .as_i64()
        .unwrap();
    let page = c.ok(
        "variables",
        json!({ "variablesReference": long, "start": 100, "count": 3 }),
    );
    let names: Vec<&str> = page["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["[100]", "[101]", "[102]"]);
    assert_eq!(page["variables"][2]["value"], "102");
    // accounts: a reference to a Vec of structs.
    let args = variables(&mut c, scopes[0]["variablesReference"].as_i64().unwrap());
    let accounts = named(&args, "accounts")["variablesReference"]
        .as_i64()
        .unwrap();
    let vec = variables(&mut c, accounts);
    let vec = vec[0]["variablesReference"].as_i64().unwrap();
    let items = variables(&mut c, vec);
    assert_eq!(items[1]["value"], "Account {name: \"bob\", balance: -5}");
    let bob = variables(&mut c, items[1]["variablesReference"].as_i64().unwrap());
    assert_eq!(named(&bob, "name")["value"], "\"bob\"");
    assert_eq!(named(&bob, "balance")["value"], "-5");
    let watch = c.ok(
        "evaluate",
        json!({ "expression": "accounts[1].name", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(watch["result"], "\"bob\"");

    let sources = c.ok("loadedSources", json!({}));
    let path = sources["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["path"].as_str())
        .find(|p| p.ends_with("tests/guests/values/values.rs"))
        .unwrap_or_else(|| panic!("{sources}"))
        .to_string();
    let text = c.ok(
        "source",
        json!({ "source": { "path": path }, "sourceReference": 0 }),
    );
    assert!(text["content"].as_str().unwrap().contains("fn show("));
    c.ok("terminate", json!({}));
    c.event("terminated");
    c.finish();
}

/// An optimized Rust program: each function of an inline chain is a stack
/// frame of its own, and its Locals scope holds that function's variables
/// (the inlined `add_assign`'s `other`; `sum`'s `xs` and `total`), as do
/// expressions evaluated in it.
#[test]
fn inlined_functions_are_frames_with_their_own_variables() {
    let mut c = Client::start();
    c.launch(json!({ "program": "tests/guests/values/values-rs-release.wasm" }));
    let set = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "values::sum" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (_, trace) = top_frame(&mut c);
    let frames = trace["stackFrames"].as_array().unwrap();
    assert_eq!(
        frames[0]["name"],
        "<i64 as core::ops::arith::AddAssign<&i64>>::add_assign"
    );
    assert_eq!(frames[1]["name"], "values::sum");
    assert_eq!(
        frames[0]["instructionPointerReference"],
        frames[1]["instructionPointerReference"]
    );
    let mut locals_of = |frame: &Value| -> Vec<String> {
        let scopes = c.ok("scopes", json!({ "frameId": frame["id"] }))["scopes"].clone();
        assert_eq!(scopes[0]["name"], "Locals", "{scopes}");
        variables(&mut c, scopes[0]["variablesReference"].as_i64().unwrap())
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(locals_of(&frames[0]), ["other"]);
    assert_eq!(locals_of(&frames[1]), ["xs", "total", "iter", "x"]);
    let in_sum = c.ok(
        "evaluate",
        json!({ "expression": "xs.len", "frameId": frames[1]["id"], "context": "watch" }),
    );
    assert_eq!(in_sum["result"], "3");
    let in_add_assign = c.fails(
        "evaluate",
        json!({ "expression": "xs.len", "frameId": frames[0]["id"], "context": "watch" }),
    );
    assert_eq!(in_add_assign, "no variable named \"xs\" in scope");
    c.ok("terminate", json!({}));
    c.event("terminated");
    c.finish();
}

/// Where a `serve` launch listens, from its console output.
fn serving_addr(c: &Client) -> String {
    c.seen
        .iter()
        .filter(|m| m["event"] == "output")
        .filter_map(|m| m["body"]["output"].as_str())
        .find_map(|o| o.strip_prefix("Serving HTTP on http://"))
        .map(|a| a.trim_end().trim_end_matches('/').to_string())
        .unwrap_or_else(|| panic!("no address in {:#?}", c.seen))
}

/// `serve`: the launch loads a wasi:http/proxy component and waits;
/// after `configurationDone` it serves, a real HTTP request stops at the
/// function breakpoint with the request's frames, `continue` answers it,
/// and `pause` with no request running stops serving (exit code 0).
#[test]
fn serve_launch_debugs_a_request() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/proxy.wasm",
        "serve": { "addr": "127.0.0.1:0" },
    }));
    let addr = serving_addr(&c);
    let set = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "proxy::sum_to" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    c.ok("configurationDone", json!({}));
    let url = format!("http://{addr}/sum?n=10");
    let answer = std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new().timeout(WAIT).build();
        let r = agent.get(&url).call().unwrap();
        (r.status(), r.into_string().unwrap())
    });
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (_, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "proxy::sum_to", "{trace}");
    assert_eq!(trace["stackFrames"][1]["name"], "proxy::route", "{trace}");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(answer.join().unwrap(), (200, "sum 55\n".to_string()));
    c.ok("pause", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 0);
    c.event("terminated");
    c.finish();
}

/// `serve` with `"record"`: with no breakpoint a request runs on plain
/// code; its trap is replayed and stops as an exception with the request's
/// frames, the console says where its trace and core dump went, and the
/// files are there; `"keep"` without `"record"` is refused in one line.
#[test]
fn serve_launch_records_a_failed_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::start();
    c.ok(
        "initialize",
        json!({ "adapterID": "wasmdbg", "linesStartAt1": true }),
    );
    assert_eq!(
        c.fails(
            "launch",
            json!({
                "program": "tests/guests/proxy.wasm",
                "serve": { "addr": "127.0.0.1:0", "keep": 2 },
            })
        ),
        "serve.keep needs serve.record"
    );
    c.ok(
        "launch",
        json!({
            "program": "tests/guests/proxy.wasm",
            "serve": { "addr": "127.0.0.1:0", "record": dir.path() },
        }),
    );
    c.event("initialized");
    let addr = serving_addr(&c);
    c.ok("configurationDone", json!({}));
    let url = format!("http://{addr}/trap?d=0");
    let answer = std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new().timeout(WAIT).build();
        match agent.get(&url).call() {
            Err(ureq::Error::Status(code, _)) => code,
            other => panic!("{other:?}"),
        }
    });
    assert_eq!(c.event("stopped")["reason"], "exception");
    let said: String = c
        .seen
        .iter()
        .filter(|m| m["event"] == "output" && m["body"]["category"] == "console")
        .filter_map(|m| m["body"]["output"].as_str())
        .filter(|o| o.starts_with("wasmdbg: request #1"))
        .map(|o| o.replace(&dir.path().display().to_string(), "DIR"))
        .collect();
    assert_eq!(
        said,
        "wasmdbg: request #1 GET /trap?d=0 trapped: wasm `unreachable` instruction executed on \
         plain code after 10 host calls; trace: DIR/0001-GET-trap_d_0.trace; core dump: \
         DIR/0001-GET-trap_d_0.core; replaying it under the debugger to there\n"
    );
    let trace = c.ok("stackTrace", json!({ "threadId": 1 }));
    let names: Vec<&str> = trace["stackFrames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&"proxy::route"), "{trace}");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(answer.join().unwrap(), 500);
    assert!(dir.path().join("0001-GET-trap_d_0.trace").is_file());
    assert!(dir.path().join("0001-GET-trap_d_0.core").is_file());
    c.ok("pause", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 0);
    c.event("terminated");
    c.finish();
}

/// A component (wasm32-wasip2): frames, variables, the exit status.
#[test]
fn component_program() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/app-p2.wasm",
        "args": ["panic"],
        "directories": ["tests/guests"],
    }));
    let set = c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "settle" }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set}");
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let (frame, trace) = top_frame(&mut c);
    assert_eq!(trace["stackFrames"][0]["name"], "app::settle", "{trace}");
    let scopes = c.ok("scopes", json!({ "frameId": frame }))["scopes"].clone();
    let locals = variables(&mut c, scopes[0]["variablesReference"].as_i64().unwrap());
    assert_eq!(
        named(&locals, "account")["value"],
        "Account {id: 7, balance: -40}"
    );
    let modules = c.ok("modules", json!({}));
    assert!(
        modules["modules"].as_array().unwrap().len() > 1,
        "{modules}"
    );
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "exception");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 134);
    c.finish();
}

/// Code references name their core module (issue 25): in a component, a
/// frame in a core module other than frame #0's disassembles its own
/// module's code, and an instruction breakpoint set from that disassembly
/// stops there. ratio-c.wasm: main (module 0) is called by the preview 1
/// adapter (module 1), whose `wasi:cli/run` calls `_start` at 0x207d.
#[test]
fn code_references_name_their_core_module() {
    let mut c = Client::start();
    c.launch(json!({
        "program": "tests/guests/ratio-c.wasm",
        "args": ["ratio", "7", "5"],
    }));
    c.ok(
        "setFunctionBreakpoints",
        json!({ "breakpoints": [{ "name": "ratio" }] }),
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let trace = c.ok("stackTrace", json!({ "threadId": 1 }));
    let frames = trace["stackFrames"].as_array().unwrap();
    assert_eq!(frames[0]["instructionPointerReference"], "0x46e", "{trace}");
    assert_eq!(frames[0]["moduleId"], 0, "{trace}");
    let run = frames.last().unwrap();
    assert_eq!(run["moduleId"], 1, "{trace}");
    assert_eq!(run["instructionPointerReference"], "0x10000207d", "{trace}");

    // The adapter's frame disassembles the adapter's code: its call of
    // `_start`, then what follows it.
    let listed = c.ok(
        "disassemble",
        json!({ "memoryReference": "0x10000207d", "instructionCount": 2 }),
    );
    let lines = listed["instructions"].as_array().unwrap();
    assert_eq!(lines[0]["address"], "0x10000207d", "{listed}");
    assert_eq!(
        lines[0]["instruction"], "call $_RNvNvCsfbqZUwBfKtv_22wasi_snapshot_preview13run6__start",
        "{listed}"
    );
    assert_eq!(lines[1]["address"], "0x10000207f", "{listed}");
    assert_eq!(lines[1]["instruction"], "i32.const 0", "{listed}");
    // Main's code at the same offset is other code (0x207d is in main's
    // code too): the reference decides.
    let main = c.ok(
        "disassemble",
        json!({ "memoryReference": "0x207d", "instructionCount": 1 }),
    );
    assert_ne!(
        main["instructions"][0]["instruction"], lines[0]["instruction"],
        "{main}"
    );

    // An instruction breakpoint after the call, from that listing: it is
    // in the adapter, and the program stops there once main returns.
    let set = c.ok(
        "setInstructionBreakpoints",
        json!({ "breakpoints": [{ "instructionReference": "0x10000207d", "offset": 2 }] }),
    );
    let bp = &set["breakpoints"][0];
    assert_eq!(bp["verified"], true, "{set}");
    assert_eq!(bp["instructionReference"], "0x10000207f", "{set}");
    c.ok("setFunctionBreakpoints", json!({ "breakpoints": [] }));
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("stopped")["reason"], "breakpoint");
    let trace = c.ok("stackTrace", json!({ "threadId": 1 }));
    let top = &trace["stackFrames"][0];
    assert_eq!(top["instructionPointerReference"], "0x10000207f", "{trace}");
    assert_eq!(top["moduleId"], 1, "{trace}");

    // A reference to a module the program does not have is refused.
    let bad = c.ok(
        "setInstructionBreakpoints",
        json!({ "breakpoints": [{ "instructionReference": "0x900000010" }] }),
    );
    assert_eq!(bad["breakpoints"][0]["verified"], false, "{bad}");
    let why = bad["breakpoints"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        why.starts_with("no core module \"9\"; the program has 0 (main), 1 ("),
        "{why}"
    );
    let refused = c.fails(
        "disassemble",
        json!({ "memoryReference": "0x900000010", "instructionCount": 1 }),
    );
    assert_eq!(
        refused,
        "\"0x900000010\" names core module 9, and the program has 4"
    );
    c.ok("setInstructionBreakpoints", json!({ "breakpoints": [] }));
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 0);
    c.finish();
}

/// Issue 26: `launch` with `"replay"` opens a recorded run (here a
/// component's, with its input file deleted since): it stops at the
/// recorded panic with the recorded values, and the output is the
/// recording's. The program's own options are refused beside `replay`.
#[test]
fn replay_launch_opens_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/divisor.txt"), "0\n").unwrap();
    let module = root().join("tests/guests/inputs-p2.wasm");
    let recorded = crate::harness::run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "r.trace",
            "--dir",
            "data",
            "--env",
            "WHO=editor",
            &module.display().to_string(),
        ],
    );
    assert!(recorded.ends_with("[exit status: 134]\n"), "{recorded}");
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    let trace = dir.path().join("r.trace").display().to_string();

    let mut c = Client::start();
    c.ok(
        "initialize",
        json!({ "adapterID": "wasmdbg", "linesStartAt1": true }),
    );
    let refused = c.fails("launch", json!({ "replay": trace, "args": ["x"] }));
    assert_eq!(
        refused,
        "launch: \"args\" cannot be used with \"replay\": the trace holds the recorded run's"
    );
    c.ok("launch", json!({ "replay": trace }));
    c.event("initialized");
    c.ok("configurationDone", json!({}));
    let stopped = c.event("stopped");
    assert_eq!(stopped["reason"], "exception", "{stopped}");
    let (_, frames) = top_frame(&mut c);
    let names = field_of_each(&frames["stackFrames"], "name");
    let main = names
        .iter()
        .position(|n| n == "inputs_p2::main")
        .unwrap_or_else(|| panic!("{names:?}"));
    assert_eq!(names[main - 1], "inputs_p2::share", "{names:?}");
    let frame = frames["stackFrames"][main]["id"].as_i64().unwrap();
    let who = c.ok(
        "evaluate",
        json!({ "expression": "who", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(who["result"], "\"editor\"", "{who}");
    assert!(c.stdout().contains("WHO=editor\n"), "{}", c.stdout());
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.event("exited")["exitCode"], 134);
    c.finish();
}
