//! wasmdbg as cargo's runner and as a CI step: its exit status is the
//! program's, as `wasmtime run` gives it (docs/command-line.md's table), so a failing
//! test fails `cargo test` and a crash is never reported as success.

use std::process::Command;

use crate::harness::{batch, root};

/// Runs `cargo test` on the committed crate `tests/guests/runner` for
/// `target` with wasmdbg (and the crash-triage commands) as the runner;
/// returns cargo's exit status, stdout and stderr.
fn cargo_test(target: &str, failing: bool) -> (Option<i32>, String, String) {
    let wasmdbg = env!("CARGO_BIN_EXE_wasmdbg");
    let triage = root().join("examples/crash-triage.wasmdbg");
    let runner = format!(
        "{wasmdbg} run --batch -n --no-cache -K {}",
        triage.display()
    );
    let runner_var = format!(
        "CARGO_TARGET_{}_RUNNER",
        target.to_uppercase().replace('-', "_")
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root().join("tests/guests/runner"))
        .args(["test", "--offline", "--locked", "--target", target])
        .env("CARGO_TARGET_DIR", root().join("target/runner-demo"))
        .env(&runner_var, runner)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("RUSTFLAGS");
    if failing {
        cmd.args(["--features", "failing"]);
    }
    let out = cmd.output().expect("run cargo");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Passing tests pass; a failing one (a panic: `abort`, a trap) fails
/// `cargo test` with the trap's status 134, after the triage commands
/// printed where it failed. With `wasmtime run` (wasmtime-cli 48.0.8) as
/// the runner the same crate gives the same: 0 when the tests pass, 134
/// (cargo's status and the test binary's) with `--features failing`, for
/// both targets (observed 2026-12-05; CI has no wasmtime CLI to compare
/// against, so the number is asserted).
fn check_runner(target: &str, qualifier: &str) {
    let (status, stdout, stderr) = cargo_test(target, false);
    assert_eq!(status, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("test tests::ten_holds_two_five_times ... ok"),
        "{stdout}"
    );
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
    // -K commands run only after a crash.
    assert!(!stdout.contains("(wasmdbg) backtrace"), "{stdout}");

    let (status, stdout, stderr) = cargo_test(target, true);
    assert_eq!(status, Some(134), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("process didn't exit successfully")
            && stderr.contains("(exit status: 134)"),
        "{stderr}"
    );
    // libtest captured the panic message, and the abort lost it; the
    // triage commands show where the test failed.
    assert!(
        stdout.contains("test tests::ten_holds_three_four_times ... \n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Program stopped: trap: wasm `unreachable` instruction executed"),
        "{stdout}"
    );
    assert!(stdout.contains("(wasmdbg) backtrace\n"), "{stdout}");
    let frame = format!("{qualifier}runner_demo::tests::ten_holds_three_four_times (func[");
    let line = stdout
        .lines()
        .find(|l| l.contains(&frame))
        .unwrap_or_else(|| panic!("no frame of the failing test:\n{stdout}"));
    assert!(
        line.ends_with("tests/guests/runner/src/lib.rs:23:9"),
        "{line}"
    );
}

#[test]
fn cargo_test_with_wasmdbg_as_runner_fails_when_a_test_fails_wasip1() {
    check_runner("wasm32-wasip1", "");
}

#[test]
fn cargo_test_with_wasmdbg_as_runner_fails_when_a_test_fails_wasip2() {
    check_runner("wasm32-wasip2", "main`");
}

/// The last lines of a transcript: the end line and the status.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[test]
fn the_exit_status_is_the_programs_as_wasmtime_run_gives_it() {
    // (module, options, commands, the last lines of the transcript)
    let cases: &[(&str, &[&str], &[&str], &str)] = &[
        (
            "wat/hello.wat",
            &[],
            &[],
            "[_start returned]\n[exit status: 0]",
        ),
        (
            "wat/proc_exit.wat",
            &[],
            &[],
            "[program exited with code 3]\n[exit status: 3]",
        ),
        // Paused at the trap when the commands ran out, and ended by it.
        (
            "wat/divide.wat",
            &[],
            &["bt 1"],
            "(more frames follow)\n--- stderr ---\nwasmdbg: the program trapped after 0 host calls (integer divide by zero); replaying it under the debugger to there\n[exit status: 134]",
        ),
        (
            "wat/divide.wat",
            &[],
            &["continue"],
            "[program terminated by a trap: integer divide by zero]\n--- stderr ---\nwasmdbg: the program trapped after 0 host calls (integer divide by zero); replaying it under the debugger to there\n[exit status: 134]",
        ),
        // wasmtime run returns these errors from main: status 1.
        (
            "wat/hostcall_error.wat",
            &[],
            &[],
            "=> 0x58: call $fd_write\n--- stderr ---\nwasmdbg: the program failed after 0 host calls (missing required memory export); replaying it under the debugger to there\n[exit status: 1]",
        ),
        (
            "wat/exceptions.wat",
            &["--no-stop-on-throw"],
            &[],
            "[exit status: 1]",
        ),
        // Paused at a breakpoint: the program had not ended.
        (
            "wat/fib.wat",
            &["-b", "fib"],
            &[],
            "--- stderr ---\nwasmdbg: the program had not ended (it was paused) when the session ended; exit status 255\n[exit status: 255]",
        ),
        // A failed command wins over the program's status...
        (
            "wat/hello.wat",
            &[],
            &["frobnicate"],
            "--- stderr ---\nwasmdbg: 1 command failed; exit status 125\n[exit status: 125]",
        ),
        // ... and `quit N` over everything.
        (
            "wat/divide.wat",
            &[],
            &["frobnicate", "quit 7"],
            "(wasmdbg) quit 7\n--- stderr ---\nwasmdbg: the program trapped after 0 host calls (integer divide by zero); replaying it under the debugger to there\n[exit status: 7]",
        ),
        (
            "wat/divide.wat",
            &[],
            &["quit -1"],
            "(wasmdbg) quit -1\n--- stderr ---\nwasmdbg: the program trapped after 0 host calls (integer divide by zero); replaying it under the debugger to there\n[exit status: 255]",
        ),
    ];
    for (module, options, commands, expected) in cases {
        let text = batch(module, options, commands, &[]);
        let n = expected.lines().count();
        assert_eq!(
            tail(&text, n),
            *expected,
            "{module} {options:?} {commands:?}:\n{text}"
        );
    }
}

#[test]
fn crash_commands_run_only_after_a_crash() {
    let crashed = batch(
        "wat/divide.wat",
        &["-k", "info frame", "-K", "examples/crash-triage.wasmdbg"],
        &["print 1"],
        &[],
    );
    insta::assert_snapshot!(crashed);
    let clean = batch(
        "wat/hello.wat",
        &["-k", "info frame", "-K", "examples/crash-triage.wasmdbg"],
        &[],
        &[],
    );
    assert_eq!(clean, "hello\n[_start returned]\n[exit status: 0]\n");
}
