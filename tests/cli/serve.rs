//! `wasmdbg serve`: the test proxy (tests/guests/proxy) answering real HTTP
//! requests from an HTTP client on loopback while the REPL debugs it.
//! Every wait is bounded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::harness::{root, run};

const PROXY: &str = "tests/guests/proxy.wasm";
const WAIT: Duration = Duration::from_secs(60);

/// A `wasmdbg serve` process: its address, its stdin, and its stdout as it
/// arrives.
struct Server {
    child: Child,
    stdin: ChildStdin,
    addr: String,
    out: Receiver<String>,
    seen: String,
    /// Its stderr after the address line, as it arrives.
    err: std::sync::Arc<std::sync::Mutex<String>>,
    _home: tempfile::TempDir,
}

impl Server {
    /// Starts `wasmdbg serve --addr 127.0.0.1:0 ARGS... PROXY` and waits for
    /// its "Serving HTTP on" line.
    fn start(args: &[&str]) -> Server {
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "-d", "tests/guests"])
            .args(args)
            .arg(PROXY)
            .current_dir(root())
            .env_clear()
            .env("RUSTC", crate::harness::NO_RUSTC)
            .env("NO_COLOR", "1")
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("Serving HTTP on http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        // The rest of stderr (the guest's, wasmdbg's notes) is read so it
        // never blocks, and kept.
        let err = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = err.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                kept.lock().unwrap().push_str(&std::mem::take(&mut line));
            }
        });
        let (tx, out) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take().unwrap();
        Server {
            child,
            stdin,
            addr,
            out,
            seen: String::new(),
            err,
            _home: home,
        }
    }

    /// Its stderr (after the address line) once it holds `count` lines
    /// starting with `prefix`.
    fn stderr_with(&self, count: usize, prefix: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.err.lock().unwrap().clone();
            if text.lines().filter(|l| l.starts_with(prefix)).count() >= count {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "no {count} {prefix:?} lines in\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types commands at the prompt.
    fn type_in(&mut self, commands: &str) {
        self.stdin.write_all(commands.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits until stdout (since the last wait) contains `text`; returns
    /// what came in the meantime.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(line) => self.seen.push_str(&line),
                Err(_) => panic!("no {text:?} in:\n{}", self.seen),
            }
        }
        let end = self.seen.find(text).unwrap() + text.len();
        let got: String = self.seen.drain(..end).collect();
        got
    }

    /// A GET on another thread: (status, body).
    fn get(&self, path: &str) -> JoinHandle<(u16, String)> {
        let url = format!("http://{}{path}", self.addr);
        std::thread::spawn(move || get(&url))
    }

    /// Ctrl-C while no request runs: serving stops and the prompt comes.
    fn interrupt(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
    }

    /// Ctrl-C, which stops serving after `requests` requests, then `quit`:
    /// the exit status.
    fn stop_and_quit(mut self, requests: u64) -> i32 {
        self.interrupt();
        let s = if requests == 1 { "" } else { "s" };
        self.wait_for(&format!("[stopped serving after {requests} request{s}]\n"));
        self.quit()
    }

    /// `quit`, then the exit status.
    fn quit(mut self) -> i32 {
        self.type_in("quit\n");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "wasmdbg did not quit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `url` with ureq: (status, body), whatever the status.
fn get(url: &str) -> (u16, String) {
    let agent = ureq::AgentBuilder::new().timeout(WAIT).build();
    match agent.get(url).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// A breakpoint in the handler pauses the request, and the banner names
/// it; `bt`, `info args`, `next` and `info locals` read its frames;
/// `continue` completes the
/// response with the right body; a request with nothing to stop at is
/// answered without a pause; Ctrl-C with no request running stops
/// serving, and `info requests` lists them.
#[test]
fn a_breakpoint_pauses_a_request_and_continue_answers_it() {
    let mut s = Server::start(&["-b", "proxy::sum_to"]);
    let sum = s.get("/sum?n=10");
    let banner = s.wait_for("=> ");
    assert!(
        banner.starts_with(
            "Breakpoint 1, hit 1 time\nin request #1: GET /sum?n=10\n#0  0xc519 in main`proxy::sum_to (func[299]) at proxy/src/lib.rs:54:21\n"
        ),
        "{banner}"
    );
    s.type_in("bt 3\ninfo args\n");
    let bt = s.wait_for("n = 10\n");
    assert!(
        bt.contains("#1  0xc144 in main`proxy::route (func[298]) at proxy/src/lib.rs:37:39\n"),
        "{bt}"
    );
    s.type_in("next\ninfo locals\n");
    let locals = s.wait_for("total = 0\n");
    assert!(
        locals.contains("in request #1: GET /sum?n=10\n#0  0xc520 in main`proxy::sum_to (func[299]) at proxy/src/lib.rs:55:14\n"),
        "{locals}"
    );
    s.type_in("continue\n");
    assert_eq!(sum.join().unwrap(), (200, "sum 55\n".to_string()));
    let hello = s.get("/hello").join().unwrap();
    assert_eq!(hello, (200, "hello from the test proxy\n".to_string()));
    s.interrupt();
    s.wait_for("[stopped serving after 2 requests]\n");
    s.type_in("info requests\n");
    let table = s.wait_for("answered 200 |\n+---");
    assert!(
        table.contains("| 1   GET      /sum?n=10   answered 200 |"),
        "{table}"
    );
    assert!(
        table.contains("| 2   GET      /hello      answered 200 |"),
        "{table}"
    );
    assert_eq!(s.quit(), 0);
}

/// A trap in the handler pauses at the trap with frames; `continue`
/// answers that request with status 500 saying why, and the server goes on.
#[test]
fn a_trap_pauses_then_answers_500_and_the_server_goes_on() {
    let mut s = Server::start(&[]);
    let trap = s.get("/trap");
    let banner = s.wait_for("=> 0x210f4: unreachable\n");
    assert!(
        banner.starts_with(
            "Program stopped: trap: wasm `unreachable` instruction executed\nin request #1: GET /trap\n#0  0x210f4 in main`abort (func[550])"
        ),
        "{banner}"
    );
    s.type_in("bt\n");
    let bt = s.wait_for("wasi:http/incoming-handler@0.2.12#handle");
    assert!(
        bt.contains("#12 0xc4e1 in main`proxy::route (func[298]) at proxy/src/lib.rs:41:35\n"),
        "{bt}"
    );
    s.type_in("info requests\n");
    let table = s.wait_for("Other requests wait until this one is answered.\n");
    assert!(
        table.contains("| 1   GET      /trap   paused (in flight) |"),
        "{table}"
    );
    s.type_in("continue\n");
    assert_eq!(
        trap.join().unwrap(),
        (
            500,
            "the component failed: wasm trap: wasm `unreachable` instruction executed\n"
                .to_string()
        )
    );
    assert_eq!(
        s.get("/sum?n=3").join().unwrap(),
        (200, "sum 6\n".to_string())
    );
    assert_eq!(
        s.get("/nowhere").join().unwrap(),
        (404, "no route /nowhere\n".to_string())
    );
    assert_eq!(s.stop_and_quit(3), 0);
}

/// While one request is paused the others wait (they are accepted one at
/// a time): a second request is not answered until the first is resumed.
#[test]
fn other_requests_wait_while_one_is_paused() {
    let mut s = Server::start(&["-b", "proxy::sum_to"]);
    let first = s.get("/sum?n=4");
    s.wait_for("in request #1: GET /sum?n=4\n");
    let started = Instant::now();
    let second = s.get("/hello");
    // A negative claim needs a window: the second request must not be
    // answered within it. No event says "not answered", and a slow
    // machine can make this window weaker, never make the test fail.
    std::thread::sleep(Duration::from_millis(700));
    assert!(!second.is_finished(), "answered while another was paused");
    s.type_in("continue\n");
    assert_eq!(first.join().unwrap(), (200, "sum 10\n".to_string()));
    assert_eq!(
        second.join().unwrap(),
        (200, "hello from the test proxy\n".to_string())
    );
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(s.stop_and_quit(2), 0);
}

/// With `--paused-requests serve`, requests that come while one is paused
/// are answered at once on plain code — without pausing at the breakpoint
/// they pass, a trap answered 500 — and `info requests` shows them; once
/// the paused one resumes, the next request is debugged again.
#[test]
fn paused_requests_serve_answers_the_others_on_plain_code() {
    let mut s = Server::start(&["--paused-requests", "serve", "-b", "proxy::sum_to"]);
    let first = s.get("/sum?n=4");
    s.wait_for("in request #1: GET /sum?n=4\n");
    assert_eq!(
        s.get("/sum?n=5").join().unwrap(),
        (200, "sum 15\n".to_string())
    );
    let trap = s.get("/trap").join().unwrap();
    assert_eq!(trap.0, 500, "{trap:?}");
    assert!(trap.1.starts_with("the component failed: "), "{trap:?}");
    assert!(!first.is_finished(), "the paused request was answered");
    s.type_in("info requests\n");
    let table = s.wait_for("until it resumes.\n");
    for row in [
        "| 2   GET      /sum?n=5   answered 200       |",
        "| 3   GET      /trap      answered 500       |",
        "| 1   GET      /sum?n=4   paused (in flight) |",
    ] {
        assert!(table.contains(row), "no {row} in\n{table}");
    }
    s.type_in("continue\n");
    assert_eq!(first.join().unwrap(), (200, "sum 10\n".to_string()));
    let again = s.get("/sum?n=1");
    s.wait_for("Breakpoint 1, hit 2 times\nin request #4: GET /sum?n=1\n");
    s.type_in("continue\n");
    assert_eq!(again.join().unwrap(), (200, "sum 1\n".to_string()));
    assert_eq!(s.stop_and_quit(4), 0);
}

/// `--stop-on-entry`: the prompt comes before serving; a breakpoint set
/// there applies to the requests; `continue` starts serving.
#[test]
fn stop_on_entry_pauses_before_serving() {
    let mut s = Server::start(&["--stop-on-entry"]);
    s.wait_for("Program stopped at entry\nNot serving yet: `continue` starts serving.\n");
    s.type_in("break proxy::sum_to\ncontinue\n");
    s.wait_for(
        "Breakpoint 1 at 0xc519: main`proxy::sum_to (func[299]), file proxy/src/lib.rs, line 54\n",
    );
    let sum = s.get("/sum?n=2");
    s.wait_for("Breakpoint 1, hit 1 time\nin request #1: GET /sum?n=2\n");
    s.type_in("continue\n");
    assert_eq!(sum.join().unwrap(), (200, "sum 3\n".to_string()));
    assert_eq!(s.stop_and_quit(1), 0);
}

/// A scripted session: `--batch` with `-b` and `-ex` commands run at the
/// first request's pause; `--timeout` ends serving, and the session.
#[test]
fn batch_commands_at_a_request_and_a_timeout_to_end() {
    let mut s = Server::start(&[
        "--batch",
        "--timeout",
        "3",
        "-b",
        "proxy::sum_to",
        "-ex",
        "info args",
        "-ex",
        "continue",
    ]);
    let sum = s.get("/sum?n=7");
    let text = s.wait_for("[stopped serving after 1 request]\n");
    assert!(
        text.starts_with("Breakpoint 1, hit 1 time\nin request #1: GET /sum?n=7\n"),
        "{text}"
    );
    assert!(
        text.contains("(wasmdbg) info args\nn = 7\n(wasmdbg) continue\n"),
        "{text}"
    );
    assert_eq!(sum.join().unwrap(), (200, "sum 28\n".to_string()));
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(Instant::now() < deadline, "the batch session did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status, Some(0));
}

/// A one-request upstream server on loopback: its port; it answers
/// `upstream` to the first connection.
fn upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nupstream\n",
            );
        }
    });
    port
}

/// Outgoing HTTP: refused inside the guest by default and to hosts not
/// listed; allowed with --allow-outgoing-http (any host, or the listed).
#[test]
fn outgoing_http_only_when_allowed() {
    let fetch = |args: &[&str]| {
        let port = upstream();
        let mut s = Server::start(args);
        let answer = s
            .get(&format!("/fetch?url=http://127.0.0.1:{port}/x"))
            .join()
            .unwrap();
        s.interrupt();
        s.wait_for("[stopped serving after 1 request]\n");
        assert_eq!(s.quit(), 0);
        answer
    };
    let denied = (
        502,
        "outgoing request failed: ErrorCode::HttpRequestDenied\n".to_string(),
    );
    assert_eq!(fetch(&[]), denied);
    assert_eq!(fetch(&["--allow-outgoing-http=example.com"]), denied);
    let allowed = (200, "upstream 200: upstream\n".to_string());
    assert_eq!(fetch(&["--allow-outgoing-http"]), allowed);
    assert_eq!(
        fetch(&["--allow-outgoing-http=localhost,127.0.0.1"]),
        allowed
    );
}

/// Malformed HTTP is answered by the server (400) and never reaches the
/// component or the debugger; the server goes on.
#[test]
fn malformed_http_gets_400_and_the_server_goes_on() {
    let mut s = Server::start(&["-b", "proxy::route"]);
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer:?}"
    );
    s.interrupt();
    s.wait_for("[stopped serving after 0 requests]\n");
    s.type_in("info requests\n");
    s.wait_for("No requests yet.\n");
    assert_eq!(s.quit(), 0);
}

/// What cannot be served is one line and status 2: a component that is not
/// a wasi:http/proxy (naming what it exports), a core module, an address in
/// use, program arguments.
#[test]
fn what_cannot_be_served_is_one_line() {
    let text = run(&["serve", "tests/guests/calc.wasm"]);
    assert_eq!(
        text,
        "--- stderr ---\nerror: not a wasi:http/proxy component: it does not export wasi:http/incoming-handler (it exports greet, sum, midpoint, first-word, checked-div, divide)\n[exit status: 2]\n"
    );
    let text = run(&["serve", "wat/divide.wat"]);
    assert_eq!(
        text,
        "--- stderr ---\nerror: wat/divide.wat is a core module; `wasmdbg serve` serves a wasi:http/proxy component\n[exit status: 2]\n"
    );
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let text = run(&["serve", "--addr", &addr, PROXY]);
    assert_eq!(
        text,
        format!(
            "--- stderr ---\nerror: cannot listen on {addr}: Address already in use (os error 98)\n[exit status: 2]\n"
        )
    );
    let text = run(&["serve", PROXY, "extra"]);
    assert_eq!(
        text,
        "--- stderr ---\nerror: program arguments cannot be used with `wasmdbg serve`: each request calls the component's wasi:http/incoming-handler\n[exit status: 2]\n"
    );
}

/// `--record DIR --keep 1`: every request runs on plain code, recorded; a
/// trap is replayed under the debugger to the same pause a breakpoint-free
/// instrumented run gives, its trace and core dump written to DIR and said
/// on stderr; a 5xx answer's trace is written too; of the successes only
/// the last is kept. `wasmdbg replay` then runs a request again with
/// breakpoints and reverse commands — the outgoing HTTP answered from the
/// trace with the upstream gone — and `wasmdbg core` opens the dump.
#[test]
fn serve_record_keeps_the_failed_requests_for_replay() {
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().display().to_string();
    let port = upstream();
    let mut s = Server::start(&[
        "--record",
        &dir_text,
        "--keep",
        "1",
        "--allow-outgoing-http",
    ]);
    assert_eq!(
        s.get("/hello").join().unwrap(),
        (200, "hello from the test proxy\n".to_string())
    );
    let fetch = format!("/fetch?url=http://127.0.0.1:{port}/x");
    assert_eq!(
        s.get(&fetch).join().unwrap(),
        (200, "upstream 200: upstream\n".to_string())
    );
    let trap = s.get("/trap?d=0");
    let banner = s.wait_for("=> 0x210f4: unreachable\n");
    assert_eq!(
        banner.lines().take(3).collect::<Vec<_>>(),
        [
            "Program stopped: trap: wasm `unreachable` instruction executed",
            "in request #3: GET /trap?d=0",
            "#0  0x210f4 in main`abort (func[550]) at wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c:5:3",
        ],
        "{banner}"
    );
    s.type_in("continue\n");
    assert_eq!(
        trap.join().unwrap(),
        (
            500,
            "the component failed: wasm trap: wasm `unreachable` instruction executed\n"
                .to_string()
        )
    );
    // Nothing listens on port 1: a 502.
    let refused = s.get("/fetch?url=http://127.0.0.1:1/x").join().unwrap();
    assert_eq!(refused.0, 502, "{refused:?}");
    // Said after the answer went out.
    let stderr = s.stderr_with(2, "wasmdbg: ");
    assert_eq!(s.stop_and_quit(4), 0);
    let notes: Vec<String> = stderr
        .lines()
        .filter(|l| l.starts_with("wasmdbg: "))
        .map(|l| l.replace(&dir_text, "DIR"))
        .collect();
    assert_eq!(
        notes,
        [
            "wasmdbg: request #3 GET /trap?d=0 trapped: wasm `unreachable` instruction executed \
             on plain code after 10 host calls; trace: DIR/0003-GET-trap_d_0.trace; core dump: \
             DIR/0003-GET-trap_d_0.core; replaying it under the debugger to there",
            "wasmdbg: request #4 GET /fetch?url=http://127.0.0.1:1/x answered 502 (returned) on \
             plain code after 23 host calls; trace: DIR/0004-GET-fetch_url_http___127.0.0.1_1_x.trace",
        ],
        "{stderr}"
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let fetched = format!("0002-GET-fetch_url_http___127.0.0.1_{port}_x.trace");
    assert_eq!(
        files,
        [
            fetched.as_str(),
            "0003-GET-trap_d_0.core",
            "0003-GET-trap_d_0.trace",
            "0004-GET-fetch_url_http___127.0.0.1_1_x.trace",
        ]
    );

    // The trap again, under the debugger: back from the trap to the
    // handler's breakpoint, its arguments as the request gave them.
    let trace = dir.path().join("0003-GET-trap_d_0.trace");
    let replayed = run(&[
        "replay",
        "--batch",
        "-d",
        "tests/guests",
        "-b",
        "proxy::route",
        "-ex",
        "info args",
        "-ex",
        "continue",
        "-ex",
        "reverse-continue",
        "-ex",
        "info args",
        "-ex",
        "next",
        "-ex",
        "reverse-next",
        "-ex",
        "bt 1",
        &trace.display().to_string(),
    ]);
    assert_eq!(
        replayed,
        r#"Breakpoint 1, hit 1 time
in request #3: GET /trap?d=0
#0  0xc00e in main`proxy::route (func[298]) at proxy/src/lib.rs:34:9
34	        "/hello" => (200, "hello from the test proxy\n".to_string()),
=> 0xc00e: block ;; label = @1
(wasmdbg) info args
path = "/trap"
query = "d=0"
(wasmdbg) continue
Program stopped: trap: wasm `unreachable` instruction executed
panicked at src/lib.rs:41:35: attempt to divide by zero
in request #3: GET /trap?d=0
#0  0x210f4 in main`abort (func[550]) at wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c:5:3
(source file wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c not found; `directory DIR` or `set substitute-path FROM TO` adds a place to look)
=> 0x210f4: unreachable
(frame #0 is in a library: selected frame #12, the first in the program's own source; `frame 0` goes back)
#12 0xc4e1 in main`proxy::route (func[298]) at proxy/src/lib.rs:41:35
41	            (200, format!("{}\n", 100 / divisor))
=> 0xc4e1: call $_RNvNtNtCs9pv848UzQwQ_4core9panicking11panic_const23panic_const_div_by_zero
(wasmdbg) reverse-continue
Breakpoint 1 (going back: its last hit before)
in request #3: GET /trap?d=0
#0  0xc00e in main`proxy::route (func[298]) at proxy/src/lib.rs:34:9
34	        "/hello" => (200, "hello from the test proxy\n".to_string()),
=> 0xc00e: block ;; label = @1
(wasmdbg) info args
path = "/trap"
query = "d=0"
(wasmdbg) next
in request #3: GET /trap?d=0
#0  0xc046 in main`proxy::route (func[298]) at proxy/src/lib.rs:35:9
35	        "/sum" => {
=> 0xc046: local.get 5
(wasmdbg) reverse-next
in request #3: GET /trap?d=0
#0  0xc00e in main`proxy::route (func[298]) at proxy/src/lib.rs:34:9
34	        "/hello" => (200, "hello from the test proxy\n".to_string()),
=> 0xc00e: block ;; label = @1
(wasmdbg) bt 1
#0  0xc00e in main`proxy::route (func[298]) at proxy/src/lib.rs:34:9
(more frames follow)
--- stderr ---

thread '<unnamed>' (1) panicked at src/lib.rs:41:35:
attempt to divide by zero
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
wasmdbg: the program had not ended (it was paused) when the session ended; exit status 255
[exit status: 255]
"#
    );

    // The fetch, its upstream gone: answered from the trace.
    let trace = dir.path().join(&fetched);
    let replayed = run(&[
        "replay",
        "--batch",
        "-d",
        "tests/guests",
        "-b",
        "proxy::respond",
        "-ex",
        "info args",
        "-ex",
        "continue",
        &trace.display().to_string(),
    ]);
    assert_eq!(
        replayed.replace(&port.to_string(), "PORT"),
        r#"Breakpoint 1, hit 1 time
in request #2: GET /fetch?url=http://127.0.0.1:PORT/x
#0  0xc624 in main`proxy::respond (func[300]) at proxy/src/lib.rs:105:19
105	    let headers = Fields::new();
=> 0xc624: local.get 4
(wasmdbg) info args
out = ResponseOutparam {handle: Resource<proxy::wasi::http::types::ResponseOutparam> {handle: AtomicU32 {v: UnsafeCell<u32> {value: 2}}, _marker: PhantomData<proxy::wasi::http::types::ResponseOutparam>}}
status = 200
body = "upstream 200: upstream\n"
(wasmdbg) continue
[wasi:http/incoming-handler#handle(GET /fetch?url=http://127.0.0.1:PORT/x) returned]
[exit status: 0]
"#
    );

    let core = dir.path().join("0003-GET-trap_d_0.core");
    let opened = crate::harness::core_batch(PROXY, &core.display().to_string(), &[], &["bt 1"]);
    assert_eq!(
        opened.replace(&dir_text, "DIR"),
        r#"Core dump DIR/0003-GET-trap_d_0.core of tests/guests/proxy.wasm.
Program stopped: trap: wasm `unreachable` instruction executed
#0  0x210f4 in main`abort (func[550]) at wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c:5:3
(source file wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c not found; `directory DIR` or `set substitute-path FROM TO` adds a place to look)
=> 0x210f4: unreachable
(frame #0 is in a library: selected frame #12, the first in the program's own source; `frame 0` goes back)
#12 0xc4e1 in main`proxy::route (func[298]) at proxy/src/lib.rs:41:35
(source file proxy/src/lib.rs not found; `directory DIR` or `set substitute-path FROM TO` adds a place to look)
=> 0xc4e1: call $_RNvNtNtCs9pv848UzQwQ_4core9panicking11panic_const23panic_const_div_by_zero
(wasmdbg) bt 1
#0  0x210f4 in main`abort (func[550]) at wasisdk://v30.0/src/wasi-libc/libc-bottom-half/sources/abort.c:5:3
[exit status: 0]
"#
    );
}

/// `--timeout` while a request loops on plain code: the request is
/// replayed under the debugger and pauses just after its last recorded host
/// call, naming the request; stderr says how far the replay goes.
#[test]
fn a_timeout_on_plain_code_pauses_the_replayed_request() {
    // Long enough for the request to be running when it ends, on a busy
    // machine too (it counts from the start, before the compile).
    let mut s = Server::start(&[
        "--batch",
        "--timeout",
        "10",
        "-ex",
        "info requests",
        "-ex",
        "reverse-stepi",
    ]);
    // Not read: the batch session ends at the pause, and the server with
    // it.
    let mut looping = TcpStream::connect(&s.addr).unwrap();
    looping
        .write_all(b"GET /sum?n=100000000000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let text = s.wait_for("paused (in flight) |\n");
    assert!(
        text.starts_with(
            "Program interrupted: it ran longer than --timeout 10s\n\
             in request #1: GET /sum?n=100000000000000\n\
             #0  0x20c0e in main`cabi_realloc (func[538])"
        ),
        "{text}"
    );
    // The pause is a replay of one request inside a live server: going
    // back is `wasmdbg replay`'s.
    s.wait_for(
        "(wasmdbg) reverse-stepi\nerror: reverse execution needs a recording; serve with \
         `--record DIR`, then `wasmdbg replay DIR/TRACE` runs the failed request again, with \
         reverse execution\n",
    );
    let stderr = s.stderr_with(1, "wasmdbg: request");
    assert!(
        stderr.contains(
            "wasmdbg: request #1 GET /sum?n=100000000000000 was interrupted on plain code after \
             1 host call; replaying it under the debugger to the first call or loop after that \
             host call (how far it ran after it is not recorded)\n"
        ),
        "{stderr}"
    );
}

/// With `--paused-requests serve`, a request that loops on plain code while
/// another is paused does not keep the server from stopping: once the
/// paused one is answered, Ctrl-C stops serving, the looping guest traps at
/// its next epoch check and is answered 500, and the prompt comes back.
#[test]
fn stopping_ends_a_request_looping_on_plain_code() {
    let mut s = Server::start(&["--paused-requests", "serve", "-b", "proxy::sum_to"]);
    let first = s.get("/sum?n=4");
    s.wait_for("in request #1: GET /sum?n=4\n");
    // The acceptor serves this one at once, on plain code, and it loops.
    let looping = s.get("/sum?n=100000000000000");
    // Listed once the acceptor has started it.
    let deadline = Instant::now() + WAIT;
    loop {
        s.type_in("info requests\n");
        let table = s.wait_for("until it resumes.\n");
        if table.contains("| 2   GET      /sum?n=100000000000000   running on plain code |") {
            break;
        }
        assert!(Instant::now() < deadline, "never listed:\n{table}");
        std::thread::sleep(Duration::from_millis(50));
    }
    s.type_in("continue\n");
    assert_eq!(first.join().unwrap(), (200, "sum 10\n".to_string()));
    s.interrupt();
    s.wait_for("[stopped serving after 2 requests]\n");
    assert_eq!(
        looping.join().unwrap(),
        (
            500,
            "the component failed: wasm trap: interrupt\n".to_string()
        )
    );
    assert_eq!(s.quit(), 0);
}
