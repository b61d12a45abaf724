//! What needs a terminal: Ctrl-C pausing a running guest, Ctrl-C at the
//! prompt, an empty line repeating the last command, and
//! Ctrl-D quitting. Runs the real binary in a pseudo-terminal.

use std::process::Command;
use std::time::Duration;

use expectrl::session::OsSession;
use expectrl::{ControlCode, Eof, Expect, Session};

use crate::harness::root;

fn spawn(module: &str) -> (OsSession, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmdbg"));
    cmd.args(["run", module])
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

/// Ctrl-C once the program runs (its first "tick": the handler is set
/// before the guest starts) pauses it in its loop; at the prompt it only
/// clears the line; after `continue` (the next "tick") it pauses again.
#[test]
fn ctrl_c_pauses_an_infinite_loop_and_the_session_goes_on() {
    let (mut p, _home) = spawn("wat/tick.wat");
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

#[test]
fn empty_line_repeats_history_is_saved_and_ctrl_d_quits() {
    let (mut p, home) = spawn("wat/fib.wat");
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
