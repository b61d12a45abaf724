//! Hostile guests and the sandbox: what a guest can see of the host (no
//! files without --dir, read-only dirs, no environment unless passed), a
//! guest that grows memory without end, writes binary junk or reads stdin.
//!
//! The guest is `tests/guests/hostile.wasm`, built from `hostile.rs` beside
//! it (see its header for the command); each argument is one action.

use crate::harness::{batch, run_in};

const GUEST: &str = "tests/guests/hostile.wasm";

#[test]
fn no_files_without_dir_and_no_escape_from_one() {
    let text = batch(
        GUEST,
        &[
            "--dir",
            "tests/fixtures/wasi-testsuite/c/fs-tests.dir::/data",
        ],
        &[],
        &[
            "read:/data/file",
            "read:/etc/passwd",
            "read:Cargo.toml",
            "read:/data/../../../Cargo.toml",
            "read:/data/../Cargo.toml",
        ],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn read_only_dir_refuses_writes() {
    let rw = tempfile::tempdir().unwrap();
    let rw_spec = format!("{}::/rw", rw.path().display());
    let text = batch(
        GUEST,
        &[
            "--ro-dir",
            "tests/fixtures/wasi-testsuite/c/fs-tests.dir::/ro",
            "--dir",
            &rw_spec,
        ],
        &[],
        &[
            "read:/ro/file",
            "write:/ro/new",
            "write:/ro/file",
            "write:/rw/new",
            "read:/rw/new",
        ],
    );
    insta::assert_snapshot!(text);
    assert!(rw.path().join("new").exists());
    assert!(
        !std::path::Path::new("tests/fixtures/wasi-testsuite/c/fs-tests.dir/new").exists(),
        "the read-only dir was written"
    );
}

/// The harness runs wasmdbg with only NO_COLOR, HOME, PATH and RUSTC set.
#[test]
fn environment_is_passed_only_when_asked() {
    let none = batch(GUEST, &[], &[], &["env"]);
    let named = batch(
        GUEST,
        &["--env", "HOME", "--env", "NOT_SET_ANYWHERE", "--env", "A=1"],
        &[],
        &["env"],
    );
    let all = batch(
        GUEST,
        &["--inherit-env", "--env", "NO_COLOR=0"],
        &[],
        &["env"],
    );
    let path = regex::Regex::new("(?m)^  PATH=.*$").unwrap();
    let all = path.replace(&all, "  PATH=(the debugger's PATH)");
    insta::assert_snapshot!(format!("{none}\n{named}\n{all}"));
}

#[test]
fn growing_memory_without_end_stops_at_the_limit() {
    let text = batch(
        GUEST,
        &["--max-memory", "64M"],
        &["bt 3", "info memory", "continue"],
        &["grow:1000"],
    );
    insta::assert_snapshot!(text);
    // Under the limit the program runs as it would without one.
    let fits = batch(GUEST, &["--max-memory", "64M"], &[], &["grow:8"]);
    insta::assert_snapshot!(fits);
}

#[test]
fn bad_memory_limits_are_usage_errors() {
    let text = batch(GUEST, &["--max-memory", "lots"], &[], &[]);
    insta::assert_snapshot!(text);
}

/// Four megabytes of every byte value, escape sequences included, and no
/// final newline: the debugger's own output still starts on a line of its
/// own and the session goes on.
#[test]
fn megabytes_of_binary_junk_on_stdout() {
    const N: usize = 4 << 20;
    let text = batch(
        GUEST,
        &["--stop-on-entry"],
        &["continue", "info breakpoints"],
        &[&format!("junk:{N}")],
    );
    assert!(text.len() > N, "{} bytes", text.len());
    let tail = &text[text.rfind("\n[program").expect("an end line")..];
    insta::assert_snapshot!(tail);
}

#[test]
fn stdin_from_a_file_or_the_debugger() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "three\nlines\nhere\n").unwrap();
    let guest = crate::harness::root().join(GUEST);
    let guest = guest.to_str().unwrap();
    let from_file = run_in(
        dir.path(),
        &["run", "--batch", "--stdin", "input.txt", guest, "stdin"],
    );
    // The harness gives wasmdbg an empty stdin.
    let inherited = run_in(dir.path(), &["run", "--batch", guest, "stdin"]);
    let missing = run_in(
        dir.path(),
        &["run", "--batch", "--stdin", "nope.txt", guest, "stdin"],
    );
    insta::assert_snapshot!(format!("{from_file}\n{inherited}\n{missing}"));
}

/// gdb's `maintenance internal-error` idea: a panic in a command (front
/// end, or the worker while paused) is that command's error; a worker that
/// dies after the program ended is reported, and `run` starts a new one.
#[test]
fn panics_are_errors_and_a_dead_worker_can_be_replaced() {
    let text = batch(
        "wat/divide.wat",
        &[],
        &[
            "maintenance panic",
            "mt panic worker",
            "bt 1",
            "continue",
            "mt panic worker",
            "info breakpoints",
            "bt",
            "run",
            "bt",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}
