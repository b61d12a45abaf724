//! What needs a terminal: Ctrl-C pausing a running guest, Ctrl-C at the
//! prompt, an empty line repeating the last command, and
//! Ctrl-D quitting. Runs the real binary in a pseudo-terminal.

use std::process::Command;
use std::time::Duration;

use expectrl::session::OsSession;
use expectrl::{ControlCode, Eof, Expect, Session};

use crate::harness::root;

/// `wasmdbg run ARGS...` in a pseudo-terminal, with a HOME of its own.
fn spawn(args: &[&str]) -> (OsSession, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmdbg"));
    cmd.arg("run")
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("RUSTC", crate::harness::NO_RUSTC)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .env("HOME", home.path());
    let mut session = Session::spawn(cmd).expect("spawn in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    (session, home)
}

/// Under the debugger from the start: Ctrl-C once the program runs (its
/// first "tick": the handler is set before the guest starts) pauses it in
/// its loop; at the prompt it only clears the line; after `continue` (the
/// next "tick") it pauses again.
#[test]
fn ctrl_c_pauses_an_infinite_loop_and_the_session_goes_on() {
    let (mut p, _home) = spawn(&["--instrumented", "wat/tick.wat"]);
    p.expect("tick").unwrap();
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("Program interrupted\r\n#0  spin (func[1]) at 0x")
        .unwrap();
    p.expect("(wasmdbg) ").unwrap();
    // Ctrl-C at the prompt does not end the session.
    p.send(ControlCode::EndOfText).unwrap();
    p.send_line("bt").unwrap();
    p.expect("#0  spin (func[1]) at 0x").unwrap();
    // Resume, interrupt again once it runs.
    p.send_line("continue").unwrap();
    p.expect("tick").unwrap();
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("Program interrupted").unwrap();
    p.send_line("quit").unwrap();
    p.expect(Eof).unwrap();
}

/// On plain code (the default): Ctrl-C ends the recorded run, and its
/// replay pauses at the first call or loop after the last host call it
/// recorded (the last "tick"), saying so; `continue` then reaches the end of the recording,
/// which says what it holds and what goes further.
#[test]
fn ctrl_c_in_a_run_on_plain_code_pauses_its_replay_after_the_last_host_call() {
    let (mut p, _home) = spawn(&["wat/tick.wat"]);
    p.expect("tick").unwrap();
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("wasmdbg: the program was interrupted (Ctrl-C) after ")
        .unwrap();
    // After one tick or more ("1 host call", "2 host calls").
    p.expect(
        "; replaying it under the debugger to the first call or loop after the last (how far \
         it ran after that is not recorded)",
    )
    .unwrap();
    p.expect("Program interrupted\r\n#0  spin (func[1]) at 0x")
        .unwrap();
    p.expect("(wasmdbg) ").unwrap();
    p.send_line("continue").unwrap();
    p.expect("the recording ends before host call #").unwrap();
    p.expect("only a run under the debugger from the start goes on past this point")
        .unwrap();
    p.expect("(wasmdbg) ").unwrap();
    p.send_line("quit").unwrap();
    p.expect(Eof).unwrap();
}

#[test]
fn empty_line_repeats_history_is_saved_and_ctrl_d_quits() {
    let (mut p, home) = spawn(&["wat/fib.wat"]);
    // The program runs to its end; the prompt stays.
    p.expect("[program exited with code 8]").unwrap();
    p.send_line("break pair").unwrap();
    p.expect("Breakpoint 1 at 0x93: pair (func[2])").unwrap();
    p.send_line("run").unwrap();
    p.expect("Breakpoint 1, hit 1 time").unwrap();
    p.send_line("stepi").unwrap();
    p.expect("=> 0x95: f64.const").unwrap();
    // An empty line repeats `stepi`.
    p.send_line("").unwrap();
    p.expect("=> 0x9e: end").unwrap();
    p.send_line("disas").unwrap();
    p.expect("Function pair (func[2]):").unwrap();
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(Eof).unwrap();
    let history =
        std::fs::read_to_string(home.path().join(".local/state/wasmdbg/history")).unwrap();
    assert!(history.contains("break pair\n"), "{history}");
}
