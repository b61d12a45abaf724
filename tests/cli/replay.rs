//! `wasmdbg record`, `wasmdbg replay`, `run --fast` and reverse execution:
//! a recorded run repeats under the debugger with its inputs gone or
//! changed, a trace that does not fit is refused in one line, and reverse
//! commands land on the moments the known values say.

use std::path::{Path, PathBuf};

use wasmdbg::debugger::record::Trace;
use wasmdbg::debugger::record::trace::TraceWriter;

use crate::harness::{root, run_in};

/// The C program that reads the clock, random bytes, stdin, a file, its
/// arguments and environment, then divides by the file's number.
const INPUTS: &str = "tests/guests/replay-inputs.wasm";

/// A directory with `data/divisor.txt` holding `divisor` and `stdin.txt`
/// holding `stdin`.
fn inputs_dir(divisor: &str, stdin: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    write_inputs(dir.path(), divisor, stdin);
    dir
}

fn write_inputs(dir: &Path, divisor: &str, stdin: &str) {
    std::fs::write(dir.join("data/divisor.txt"), format!("{divisor}\n")).unwrap();
    std::fs::write(dir.join("stdin.txt"), format!("{stdin}\n")).unwrap();
}

fn module(path: &str) -> String {
    root().join(path).display().to_string()
}

/// Records `wat/reverse.wat` into a temporary directory: (dir, trace).
fn reverse_trace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &["record", "-o", "r.trace", &module("wat/reverse.wat")],
    );
    assert_eq!(
        out,
        "ok\n--- stderr ---\nerror: the program trapped: integer divide by zero\n\
         wasmdbg: recorded 2 host calls to r.trace\n[exit status: 134]\n"
    );
    let trace = dir.path().join("r.trace");
    (dir, trace)
}

/// Records `program` (one of the input readers) to `inputs.trace` with
/// every input — `data/divisor.txt` holding 0, stdin, `WHO=me`, the
/// argument `first` — in a new directory: (dir, transcript).
fn record_inputs(program: &str) -> (tempfile::TempDir, String) {
    let dir = inputs_dir("0", "hello world");
    let recorded = run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "inputs.trace",
            "--dir",
            "data",
            "--stdin",
            "stdin.txt",
            "--env",
            "WHO=me",
            &module(program),
            "first",
        ],
    );
    (dir, recorded)
}

/// `replay --batch -ex C...` of `trace`, run in `dir`.
fn replay(dir: &Path, trace: &str, extra: &[&str], commands: &[&str]) -> String {
    let mut args = vec!["replay", "--batch"];
    for c in commands {
        args.push("-ex");
        args.push(c);
    }
    args.extend_from_slice(extra);
    args.push(trace);
    run_in(dir, &args)
}

/// The output lines of the program (before the debugger's first line).
fn program_lines(transcript: &str) -> Vec<&str> {
    transcript
        .lines()
        .take_while(|l| {
            !l.starts_with("Program stopped") && !l.starts_with("wasmdbg:") && !l.starts_with("---")
        })
        .collect()
}

/// Record with every input, change them (and remove the directory), replay:
/// the same output, the same trap, and the values read at the trap are the
/// recorded run's (the program printed them while recording).
#[test]
fn a_replay_repeats_the_recorded_run_with_its_inputs_gone() {
    let (dir, recorded) = record_inputs(INPUTS);
    assert!(
        recorded.ends_with(
            "--- stderr ---\nerror: the program trapped: integer divide by zero\n\
             wasmdbg: recorded 18 host calls to inputs.trace\n[exit status: 134]\n"
        ),
        "{recorded}"
    );
    let lines = program_lines(&recorded);
    assert_eq!(lines.len(), 5, "{recorded}");
    assert_eq!(lines[2], "stdin \"hello world\" (11 bytes)");
    assert_eq!(lines[3], "args 2: first");
    assert_eq!(lines[4], "WHO=me");

    write_inputs(dir.path(), "5", "other");
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    let replayed = replay(
        dir.path(),
        "inputs.trace",
        &[],
        &[
            "frame 1",
            "p/x random_word",
            "p now.tv_sec",
            "p now.tv_nsec",
            "p line",
            "p divisor",
        ],
    );
    assert_eq!(program_lines(&replayed), lines, "{replayed}");
    assert!(replayed.contains("Program stopped: trap: integer divide by zero\n"));
    // The values the recorded run printed.
    // The program prints them zero-padded; `print` does not pad.
    let random = lines[1].strip_prefix("random ").unwrap();
    let random = u32::from_str_radix(random, 16).unwrap();
    let (secs, nanos) = lines[0]
        .strip_prefix("time ")
        .unwrap()
        .split_once('.')
        .unwrap();
    let nanos: u64 = nanos.parse().unwrap();
    for expected in [
        format!("$1 = {random:#x}\n"),
        format!("$2 = {secs}\n"),
        format!("$3 = {nanos}\n"),
        "(wasmdbg) p line\n\"hello world\"\n".to_string(),
        "$4 = 0\n".to_string(),
    ] {
        assert!(replayed.contains(&expected), "{expected} in\n{replayed}");
    }
    assert!(replayed.ends_with("[exit status: 134]\n"), "{replayed}");
}

/// The Rust `wasm32-wasip2` command that reads the same inputs as
/// [`INPUTS`] through WASI 0.2, writes a file, then divides by the file's
/// number (tests/guests/record-p2).
const INPUTS_P2: &str = "tests/guests/inputs-p2.wasm";

/// Issue 26, wasi:sockets: a component reading a number from a TCP server
/// (`--inherit-network`) is recorded; the replay, with the server gone,
/// reads the same number from the trace and stops at the same divide by
/// zero, with the user's frames below the panic.
#[test]
fn a_component_replay_answers_its_sockets_from_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (served, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        std::io::Write::write_all(&mut stream, b"0\n").unwrap();
        let _ = served.send(());
    });
    let recorded = run_in(
        dir.path(),
        &[
            "record",
            "--inherit-network",
            "-o",
            "net.trace",
            &module("tests/guests/net-p2.wasm"),
            &addr,
        ],
    );
    done.recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the guest never connected:\n{recorded}"));
    assert!(
        recorded.starts_with("the server said 0\n--- stderr ---\n"),
        "{recorded}"
    );
    // How many calls depends on how the bytes arrived (a read may find
    // none yet and wait).
    let ending = regex::Regex::new(
        "error: the program trapped: wasm `unreachable` instruction executed\n\
         wasmdbg: recorded [0-9]+ host calls to net.trace\n\\[exit status: 134\\]\n$",
    )
    .unwrap();
    assert!(ending.is_match(&recorded), "{recorded}");
    // Nothing listens there any more.
    let replayed = replay(dir.path(), "net.trace", &[], &["bt 14"]);
    assert_eq!(
        program_lines(&replayed),
        ["the server said 0"],
        "{replayed}"
    );
    assert!(
        replayed.contains(
            "#12 main`net_p2::divide (func[99]) at 0x29a4\n\
             #13 main`net_p2::main (func[98]) at 0x287a\n"
        ),
        "{replayed}"
    );
    // Without --inherit-network the connection is refused inside the
    // guest, and that is recorded too.
    let refused = run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "refused.trace",
            &module("tests/guests/net-p2.wasm"),
            &addr,
        ],
    );
    assert!(
        refused.contains("connect: Os { code: 2, kind: PermissionDenied"),
        "{refused}"
    );
    let replayed = replay(dir.path(), "refused.trace", &[], &[]);
    assert!(
        replayed.contains("connect: Os { code: 2, kind: PermissionDenied"),
        "{replayed}"
    );
}

/// Issue 26: a component's recording repeats with its inputs changed and
/// its directory gone: the same output, the same panic, the recorded values
/// at the panic, and reverse execution back into the user's code.
#[test]
fn a_component_replay_repeats_the_recorded_run_with_its_inputs_gone() {
    let (dir, recorded) = record_inputs(INPUTS_P2);
    assert!(
        recorded.ends_with(
            "error: the program trapped: wasm `unreachable` instruction executed\n\
             wasmdbg: recorded 50 host calls to inputs.trace\n[exit status: 134]\n"
        ),
        "{recorded}"
    );
    assert!(
        recorded.contains("panicked at src/main.rs:48:5:\nattempt to divide by zero"),
        "{recorded}"
    );
    let lines = program_lines(&recorded);
    assert_eq!(lines.len(), 5, "{recorded}");
    assert_eq!(lines[2], "stdin \"hello world\" (11 bytes)");
    assert_eq!(lines[3], "args 1: first");
    assert_eq!(lines[4], "WHO=me");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data/report.txt")).unwrap(),
        "hello world / 0\n"
    );

    write_inputs(dir.path(), "5", "other");
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    let replayed = replay(
        dir.path(),
        "inputs.trace",
        &[],
        &[
            "break share",
            "reverse-continue",
            "info args",
            "reverse-finish",
            "p secs",
            "p/x random",
            "p line",
            "p who",
            "reverse-next",
            "p report",
        ],
    );
    assert_eq!(program_lines(&replayed), lines, "{replayed}");
    // The program prints it with leading zeros (`{:016x}`), `p/x` without.
    let random = lines[1].strip_prefix("random ").unwrap();
    let random = format!("{:x}", u64::from_str_radix(random, 16).unwrap());
    let secs = lines[0]
        .strip_prefix("time ")
        .unwrap()
        .split_once('.')
        .unwrap()
        .0;
    // What `share` was called with: the line's length plus the recorded
    // time's seconds mod 7.
    let total = 11 + secs.parse::<u64>().unwrap() % 7;
    let debugger = &replayed[replayed.find("(wasmdbg) break share").unwrap()..];
    let expected = format!(
        "(wasmdbg) break share
Breakpoint 1 at 0x16f4: main`inputs_p2::share (func[46]), file record-p2/src/main.rs, line 48
(wasmdbg) reverse-continue
Breakpoint 1 (going back: its last hit before)
#0  0x16f4 in main`inputs_p2::share (func[46]) at record-p2/src/main.rs:48:5
=> 0x16f4: block ;; label = @1
(wasmdbg) info args
total = {total}
divisor = 0
(wasmdbg) reverse-finish
Run back to the call
#0  0x15f5 in main`inputs_p2::main (func[45]) at record-p2/src/main.rs:43:26
=> 0x15f5: call $_ZN9inputs_p25share17h401dd82dde9bbfa0E
(wasmdbg) p secs
$1 = {secs}
(wasmdbg) p/x random
$2 = 0x{random}
(wasmdbg) p line
\"hello world\"
(wasmdbg) p who
\"me\"
(wasmdbg) reverse-next
#0  0x15c2 in main`inputs_p2::main (func[45]) at record-p2/src/main.rs:43:37
=> 0x15c2: local.get 0
(wasmdbg) p report
\"hello world / 0\\n\"
--- stderr ---

thread 'main' (1) panicked at src/main.rs:48:5:
attempt to divide by zero
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
wasmdbg: the program had not ended (it was paused) when the session ended; exit status 255
[exit status: 255]
"
    );
    assert_eq!(debugger, expected);
}

/// The reverse commands on known values: `reverse-stepi` from the trap,
/// `reverse-continue` with a watchpoint (who last wrote address 100?) and
/// a breakpoint, `reverse-finish`, `reverse-nexti` right after a call,
/// `reverse-stepi` into the callee that just returned, and the start of the
/// recording.
#[test]
fn reverse_commands_land_on_the_known_moments() {
    let (dir, _) = reverse_trace();
    insta::assert_snapshot!(replay(
        dir.path(),
        "r.trace",
        &[],
        &[
            "reverse-stepi",
            "stack",
            "locals",
            "watch {i32} 100",
            "reverse-continue",
            "rc",
            "delete",
            "break bump",
            "rc",
            "locals",
            "info globals",
            "reverse-finish",
            "stack",
            "locals",
            "continue",
            "finish",
            "stack",
            "reverse-nexti",
            "stack",
            "finish",
            "rsi",
            "bt",
            "delete",
            "rc",
            "rsi",
        ],
    ));
}

/// `reverse-stepi` undoes exactly one instruction: after `stepi` then
/// `reverse-stepi`, frame #0's pc, locals and operand stack are what they
/// were, at every instruction of a loop iteration.
#[test]
fn reverse_stepi_undoes_exactly_one_instruction() {
    let (dir, _) = reverse_trace();
    let mut commands = vec!["watch {i32} 100", "rc", "rc", "delete"];
    for _ in 0..12 {
        commands.extend([
            "frame", "stack", "locals", "stepi", "rsi", "frame", "stack", "locals", "stepi",
        ]);
    }
    let out = replay(dir.path(), "r.trace", &[], &commands);
    let blocks: Vec<&str> = out.split("(wasmdbg) ").collect();
    let start = 5;
    for i in 0..12 {
        let at = start + i * 9;
        let before = &blocks[at..at + 3];
        let after = &blocks[at + 5..at + 8];
        let strip = |b: &[&str]| -> Vec<String> {
            b.iter()
                .map(|s| s.split_once('\n').map_or("", |(_, rest)| rest).to_string())
                .collect()
        };
        assert_eq!(strip(before), strip(after), "instruction {i} in\n{out}");
        assert!(!strip(before)[0].is_empty(), "{out}");
    }
    assert!(!out.contains("error"), "{out}");
}

/// Source-level steps back on the C program: `reverse-next` to the start
/// of the current line, then the line before; `reverse-step` into the
/// function the line called (its last line); `reverse-continue` after the
/// program ended, to the last breakpoint hit.
#[test]
fn reverse_line_steps_and_reverse_continue_after_the_end() {
    let dir = inputs_dir("0", "hi");
    let recorded = run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "t.trace",
            "--dir",
            "data",
            "--stdin",
            "stdin.txt",
            &module(INPUTS),
        ],
    );
    assert!(recorded.ends_with("[exit status: 134]\n"), "{recorded}");
    let out = replay(
        dir.path(),
        "t.trace",
        &["-d", &module("tests/guests")],
        &[
            "reverse-finish",
            "reverse-next",
            "reverse-next",
            "reverse-step",
            "bt 2",
        ],
    );
    let stops: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("#0") || l.starts_with("Run back"))
        .collect();
    assert_eq!(
        stops,
        [
            "#0  0xaf8 in divide (func[21]) at replay/inputs.c:26:16",
            "Run back to the call",
            "#0  0x96c in main (func[19]) at replay/inputs.c:60:44",
            "#0  0x946 in main (func[19]) at replay/inputs.c:60:28",
            "#0  0x91c in main (func[19]) at replay/inputs.c:59:22",
            "#0  0xab6 in checksum (func[20]) at replay/inputs.c:22:10",
            "#0  0xab6 in checksum (func[20]) at replay/inputs.c:22:10",
        ],
        "{out}"
    );

    let dir = inputs_dir("5", "hi");
    run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "ok.trace",
            "--dir",
            "data",
            "--stdin",
            "stdin.txt",
            &module(INPUTS),
        ],
    );
    let out = replay(
        dir.path(),
        "ok.trace",
        &["-b", "divide"],
        &["continue", "reverse-continue", "p total", "p divisor", "rc"],
    );
    assert!(out.contains("[_start returned]"), "{out}");
    assert!(
        out.contains("Breakpoint 1 (going back: its last hit before)\n#0  0xae6 in divide"),
        "{out}"
    );
    assert!(out.contains("$2 = 5\n"), "{out}");
    assert!(
        out.contains("No more reverse-execution history: at the start of the recording"),
        "{out}"
    );
}

/// A host call that is not the recorded one stops the replay, naming the
/// call's number and both versions.
#[test]
fn a_diverging_host_call_stops_the_replay() {
    let (dir, path) = reverse_trace();
    let mut trace = Trace::read(&path).unwrap();
    trace.calls[0].args[1] = 2;
    let mut w = TraceWriter::new(Vec::new(), &trace.header).unwrap();
    for c in &trace.calls {
        w.call(c.clone()).unwrap();
    }
    std::fs::write(&path, w.finish(trace.end.clone()).unwrap()).unwrap();
    insta::assert_snapshot!(replay(dir.path(), "r.trace", &[], &["bt"]));
}

/// A trace of another module, a truncated or corrupt trace, a missing one:
/// one line each, status 2.
#[test]
fn traces_that_do_not_fit_are_refused_in_one_line() {
    let (dir, path) = reverse_trace();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(dir.path().join("cut.trace"), &bytes[..bytes.len() - 3]).unwrap();
    std::fs::write(dir.path().join("junk.trace"), b"hello").unwrap();
    let mut out = String::new();
    for args in [
        vec!["replay", "--module", &module("wat/hello.wat"), "r.trace"],
        vec!["replay", "cut.trace"],
        vec!["replay", "junk.trace"],
        vec!["replay", "missing.trace"],
        vec!["replay", "--batch", "--ex", "rc", "r.trace"],
    ] {
        let shown = args[..args.len() - 1].join(" ");
        out.push_str(
            &format!("$ wasmdbg {shown}\n").replace(&root().display().to_string(), "ROOT"),
        );
        out.push_str(&run_in(dir.path(), &args).replace(&root().display().to_string(), "ROOT"));
    }
    insta::assert_snapshot!(out);
}

/// Reverse commands need a recording; recording refuses what a trace
/// cannot replay (and leaves an existing trace file alone when the module
/// cannot be read); `--fast` refuses what needs the debugger from the
/// start.
#[test]
fn refusals() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.trace"), "kept").unwrap();
    std::fs::write(
        dir.path().join("shared.wat"),
        "(module (memory 1 1 shared) (func (export \"_start\")))",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("custom.wat"),
        "(component (import \"my:pkg/host\" (instance)) \
         (core module $m (func (export \"f\"))) (core instance $i (instantiate $m)) \
         (func (export \"f\") (canon lift (core func $i \"f\"))))",
    )
    .unwrap();
    let mut out = String::new();
    for args in [
        vec![
            "run",
            "--instrumented",
            "--batch",
            "--ex",
            "reverse-stepi",
            &module("wat/divide.wat"),
        ],
        vec!["record", "shared.wat"],
        vec!["record", "--trap-unknown-imports", "custom.wat"],
        vec![
            "run",
            "--fast",
            "--trap-unknown-imports",
            "--invoke",
            "f()",
            "custom.wat",
        ],
        vec!["record", "-o", "old.trace", "missing.wasm"],
        vec!["record", &module("wat/component-add.wat")],
        vec!["run", "--fast", "-b", "main", &module("wat/divide.wat")],
        vec![
            "run",
            "--fast",
            "--stop-on-entry",
            &module("wat/divide.wat"),
        ],
    ] {
        let shown = args[..args.len() - 1].join(" ");
        out.push_str(
            &format!("$ wasmdbg {shown}\n").replace(&root().display().to_string(), "ROOT"),
        );
        out.push_str(&run_in(dir.path(), &args).replace(&root().display().to_string(), "ROOT"));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("old.trace")).unwrap(),
        "kept"
    );
    insta::assert_snapshot!(out);
}

/// A replay writes core dumps like `run`: `--coredump` at the trap, with
/// the recorded run's values.
#[test]
fn a_replay_writes_core_dumps() {
    let (dir, _) = reverse_trace();
    let out = replay(
        dir.path(),
        "r.trace",
        &["--coredump", "r.core"],
        &["continue"],
    );
    assert!(
        out.contains("Saved a core dump to r.core: 1 frame"),
        "{out}"
    );
    let core = run_in(
        dir.path(),
        &[
            "core",
            "--batch",
            "--ex",
            "locals",
            &module("wat/reverse.wat"),
            "r.core",
        ],
    );
    assert!(
        core.contains("| 1       acc    i32    60 (0x3c) |"),
        "{core}"
    );
    // A dump cannot go backwards: one line, as for the other commands that
    // need a live program (this was an internal error).
    let core = run_in(
        dir.path(),
        &[
            "core",
            "--batch",
            "--ex",
            "reverse-stepi",
            &module("wat/reverse.wat"),
            "r.core",
        ],
    );
    assert!(
        core.contains(
            "error: this is a core dump: reverse execution needs a live program (run it with \
             `wasmdbg run`)\n"
        ),
        "{core}"
    );
}

/// `run --fast`: a program that ends normally runs on plain code only (its
/// output and status as under `wasmtime run`); one that traps is replayed
/// to the trap and paused there with complete frames and locals.
#[test]
fn run_fast_pauses_only_when_the_program_fails() {
    let dir = inputs_dir("4", "abc");
    let args = |extra: &[&'static str]| {
        let mut v: Vec<String> = vec!["run".into(), "--fast".into()];
        v.extend(extra.iter().map(|s| s.to_string()));
        v.extend(["--dir", "data", "--stdin", "stdin.txt"].map(String::from));
        v.push(module(INPUTS));
        v
    };
    let passing = args(&[]);
    let out = run_in(
        dir.path(),
        &passing.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(out.contains("stdin \"abc\" (3 bytes)\n"), "{out}");
    assert!(out.ends_with("[exit status: 0]\n"), "{out}");
    assert!(!out.contains("wasmdbg"), "{out}");

    write_inputs(dir.path(), "0", "abc");
    let failing = args(&["--batch", "--ex", "frame 1", "--ex", "info locals"]);
    let out = run_in(
        dir.path(),
        &failing.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let printed = program_lines(&out);
    assert_eq!(printed.len(), 5, "{out}");
    assert_eq!(
        out.matches("stdin \"abc\"").count(),
        1,
        "the output is shown once: {out}"
    );
    for expected in [
        "wasmdbg: the program trapped after 17 host calls (integer divide by zero); replaying it under the debugger to there",
        "Program stopped: trap: integer divide by zero",
        "line = \"abc\"",
        "number = \"0\\n\"",
        "divisor = 0",
    ] {
        assert!(out.contains(expected), "{expected} in\n{out}");
    }
    let random = printed[1].strip_prefix("random ").unwrap();
    let random = u32::from_str_radix(random, 16).unwrap();
    assert!(out.contains(&format!("random_word = {random}\n")), "{out}");
    assert!(out.ends_with("[exit status: 134]\n"), "{out}");

    // A component (issue 26): recorded on plain code, replayed to its
    // panic.
    let out = run_in(
        dir.path(),
        &[
            "run",
            "--fast",
            "--batch",
            &module("tests/guests/app-p2.wasm"),
            "divide",
            "7",
            "0",
        ],
    );
    assert!(
        out.contains(
            "wasmdbg: the program trapped after 10 host calls (wasm `unreachable` instruction \
             executed); replaying it under the debugger to there\n"
        ),
        "{out}"
    );
    // The stop names the panic, read from what the replay wrote to stderr
    // (without showing it again: the recorded run's stderr shows it once).
    assert!(
        out.contains(
            "Program stopped: trap: wasm `unreachable` instruction executed\n\
             panicked at src/main.rs:75:5: attempt to divide by zero\n"
        ),
        "{out}"
    );
    assert_eq!(out.matches("attempt to divide by zero").count(), 2, "{out}");
    assert_eq!(out.matches("(1) panicked at").count(), 1, "{out}");
    assert!(out.ends_with("[exit status: 134]\n"), "{out}");
}

/// Instrumented frames are larger than plain ones: a replay gets 8 times
/// the recorded stack limit, so a recursion that fit on plain code replays
/// to its end; one that exhausted the recorded run's stack goes further in
/// the replay, and the replay says it diverged.
#[test]
fn replays_get_the_stack_instrumented_frames_need() {
    let dir = tempfile::tempdir().unwrap();
    let deep = module("wat/replay-deep.wat");
    for (levels, status) in [("30000", "0"), ("40000", "134")] {
        let out = run_in(
            dir.path(),
            &["record", "-o", "d.trace", "--invoke", "deep", &deep, levels],
        );
        assert!(
            out.ends_with(&format!("[exit status: {status}]\n")),
            "{out}"
        );
        let replayed = replay(dir.path(), "d.trace", &[], &[]);
        if status == "0" {
            assert_eq!(replayed, "done\n[deep returned]\n[exit status: 0]\n");
        } else {
            assert!(
                replayed.starts_with(
                    "Program stopped: host call failed: the replay diverged at host call #1: \
                     the program calls fd_write(1, 0, 1, 8), after the last of the 0 recorded \
                     calls (the recording trapped: call stack exhausted)\n"
                ),
                "{replayed}"
            );
        }
    }
}

/// NaN bits: the recording and the replay canonicalise NaN results, so the
/// program prints the same bits in both (the canonical 0x7fc00000; plain
/// code on x86-64 makes 0xffc00000 for 0/0).
#[test]
fn nan_bits_agree_between_recording_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = run_in(
        dir.path(),
        &["record", "-o", "n.trace", &module("wat/replay-nan.wat")],
    );
    assert_eq!(
        recorded,
        "7fc00000\n--- stderr ---\nwasmdbg: recorded 1 host call to n.trace\n[exit status: 0]\n"
    );
    assert_eq!(
        replay(dir.path(), "n.trace", &[], &[]),
        "7fc00000\n[_start returned]\n[exit status: 0]\n"
    );
}

/// `run --fast --timeout`: a guest that loops forever on plain code is
/// interrupted, and its replay pauses where the recording can place it —
/// here at its start, since it made no host call — saying so; the exit
/// status is a timeout's, as `wasmtime run -W timeout=` gives it.
#[test]
fn run_fast_stops_a_guest_that_loops_at_its_timeout() {
    let out = run_in(
        &root(),
        &[
            "run",
            "--fast",
            "--batch",
            "--timeout",
            "1",
            "-ex",
            "info locals",
            "wat/loop.wat",
        ],
    );
    assert_eq!(
        out,
        "Program interrupted: it ran longer than --timeout 1s\n\
         #0  spin (func[0]) at 0x2e\n\
         => 0x2e: br $again\n\
         (wasmdbg) info locals\n\
         +-------------------------------+\n\
         | index   name   type   value   |\n\
         +===============================+\n\
         | 0       i      i64    0 (0x0) |\n\
         +-------------------------------+\n\
         --- stderr ---\n\
         wasmdbg: the program was interrupted (--timeout 1s) after 0 host calls; replaying it \
         under the debugger to the first call or loop after its start (how far it ran after \
         that is not recorded)\n\
         [exit status: 134]\n"
    );
}

/// A component that cannot be recorded (it imports an interface of its
/// own) runs under the debugger from the start, and `--timeout` counts that
/// run: it pauses the loop where it is.
#[test]
fn an_unrecordable_program_runs_under_the_debugger_with_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spin.wat"),
        "(component (import \"my:pkg/host\" (instance))\n\
         (core module $m (func (export \"spin\") (loop $l (br $l))))\n\
         (core instance $i (instantiate $m))\n\
         (func (export \"spin\") (canon lift (core func $i \"spin\"))))",
    )
    .unwrap();
    let text = crate::harness::run_in(
        dir.path(),
        &[
            "run",
            "--batch",
            "--trap-unknown-imports",
            "--timeout",
            "0.5",
            "--invoke",
            "spin()",
            "spin.wat",
        ],
    );
    assert_eq!(
        text,
        "Program interrupted: it ran longer than --timeout 0.5s\n\
         #0  spin (func[0]) at 0x23\n\
         => 0x23: br $l\n\
         [exit status: 134]\n"
    );
}

/// `dprintf` in a replay: going back (reverse-continue) passes it without
/// printing or stopping; going forward again prints each hit, as the
/// recorded run reached it.
#[test]
fn dprintf_in_a_replay_prints_going_forward_only() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = run_in(
        dir.path(),
        &[
            "record",
            "-o",
            "s.trace",
            &module("tests/guests/dwarf/shapes-O0.wasm"),
        ],
    );
    assert_eq!(
        recorded,
        "triangle 12 9.00 30 1099511627776 hello 6 1\n--- stderr ---\n\
         wasmdbg: recorded 5 host calls to s.trace\n[exit status: 0]\n"
    );
    let text = replay(
        dir.path(),
        "s.trace",
        &[],
        &[
            r#"dprintf shapes.c:33,"i=%d sum=%d\n",i,sum"#,
            "break scaled",
            "reverse-continue",
            "reverse-continue",
            "continue",
            "info breakpoints",
            "continue",
        ],
    );
    insta::assert_snapshot!(text);
}

/// `reverse-finish` goes back to the call of the selected frame's
/// function, as `finish` finishes the selected frame: at app's panic the
/// REPL selects `app::settle` (#11), so it goes back to `audit`'s call of
/// settle; from frame #2 (the second `audit` up), back to where the third
/// called it: the frames inside are left too.
#[test]
fn reverse_finish_goes_back_to_the_call_of_the_selected_frame() {
    insta::assert_snapshot!(crate::harness::batch(
        "tests/guests/app-p1.wasm",
        &[],
        &[
            "reverse-finish",
            "bt 3",
            "frame 2",
            "reverse-finish",
            "bt 2"
        ],
        &["panic"],
    ));
}
