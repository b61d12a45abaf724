//! Real third-party programs (tests/fixtures, see PROVENANCE.md) under
//! `wasmdbg run --batch`.

use std::path::Path;

use crate::harness::{root, run, run_in};

/// Copies a directory tree (the fixtures' `fs-tests.dir`) so a program that
/// writes can run without touching the checkout.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary directory holding the C corpus's lseek.wasm and a writable
/// copy of its fs-tests.dir.
pub(crate) fn lseek_workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let c = root().join("tests/fixtures/wasi-testsuite/c");
    copy_tree(&c.join("fs-tests.dir"), &dir.path().join("fs-tests.dir"));
    std::fs::copy(c.join("lseek.wasm"), dir.path().join("lseek.wasm")).unwrap();
    dir
}

/// Runs one wasi-testsuite program as its `.json` says and checks the exit
/// code and stdout it expects. Returns the transcript.
fn run_wasi_test(wasm: &Path) -> String {
    let json_path = wasm.with_extension("json");
    let spec: serde_json::Value = match std::fs::read_to_string(&json_path) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => serde_json::json!({}),
    };
    let work = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["run".into(), "--batch".into()];
    if let Some(dir) = spec.get("root").and_then(|d| d.as_str()) {
        copy_tree(&wasm.parent().unwrap().join(dir), &work.path().join(dir));
        args.push("--dir".into());
        args.push(format!("{dir}::/"));
    }
    for dir in spec
        .get("dirs")
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
    {
        let dir = dir.as_str().unwrap();
        copy_tree(&wasm.parent().unwrap().join(dir), &work.path().join(dir));
        args.push("--dir".into());
        args.push(dir.to_string());
    }
    if let Some(env) = spec.get("env").and_then(|e| e.as_object()) {
        for (k, v) in env {
            args.push("--env".into());
            args.push(format!("{k}={}", v.as_str().unwrap()));
        }
    }
    let name = wasm.file_name().unwrap().to_str().unwrap();
    std::fs::copy(wasm, work.path().join(name)).unwrap();
    args.push(name.to_string());
    for a in spec
        .get("args")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        args.push(a.as_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = run_in(work.path(), &args);

    let code = spec.get("exit_code").and_then(|c| c.as_i64()).unwrap_or(0);
    // Exit code 0 is returning from _start or calling proc_exit(0).
    let ending = if code == 0 && !text.contains("[program exited with code 0]") {
        "[_start returned]\n".to_string()
    } else {
        format!("[program exited with code {code}]\n")
    };
    let expected_stdout = spec.get("stdout").and_then(|s| s.as_str()).unwrap_or("");
    // The guest's stdout comes first, then the debugger's line on how it
    // ended (the debugger starts a new line if the guest left one open).
    let sep = if expected_stdout.is_empty() || expected_stdout.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    // wasmdbg exits with the program's status, as `wasmtime run` does.
    let expected = format!("{expected_stdout}{sep}{ending}[exit status: {code}]\n");
    assert_eq!(text, expected, "{name} with {args:?}");
    text
}

#[test]
fn every_wasi_testsuite_program_ends_as_expected() {
    let base = root().join("tests/fixtures/wasi-testsuite");
    let mut ran = Vec::new();
    for suite in ["c", "rust", "assemblyscript"] {
        let mut wasms: Vec<_> = std::fs::read_dir(base.join(suite))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        wasms.sort();
        for wasm in wasms {
            run_wasi_test(&wasm);
            ran.push(wasm.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(ran.len(), 5 + 1 + 12, "programs run: {ran:?}");
}

#[test]
fn fib_wasm_invoke_prints_its_result() {
    let text = run(&[
        "run",
        "--batch",
        "--invoke",
        "fib",
        "tests/fixtures/dwarf/fib-wasm.wasm",
        "6",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn dwarf_c_program_stopped_on_entry_shows_named_frames() {
    let text = run(&[
        "run",
        "--batch",
        "--stop-on-entry",
        "-ex",
        "bt",
        "-ex",
        "locals",
        "tests/fixtures/dwarf/reverse-str.wasm",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn reactor_without_start_from_the_corpus() {
    insta::assert_snapshot!(run(&[
        "run",
        "--batch",
        "tests/fixtures/dwarf/dead_code.wasm"
    ]));
}

#[test]
fn c_program_break_on_main_finish_and_a_breakpoint_in_libc() {
    let dir = lseek_workdir();
    let text = run_in(
        dir.path(),
        &[
            "run",
            "--batch",
            "--dir",
            "fs-tests.dir::/",
            "-b",
            "main",
            "-ex",
            "bt",
            "-ex",
            "finish",
            "-ex",
            "break fopen",
            "-ex",
            "run",
            "-ex",
            "continue",
            "-ex",
            "bt",
            "-ex",
            "delete",
            "-ex",
            "continue",
            "lseek.wasm",
        ],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn c_program_state_at_main() {
    let dir = lseek_workdir();
    let text = run_in(
        dir.path(),
        &[
            "run",
            "--batch",
            "--dir",
            "fs-tests.dir::/",
            "-b",
            "fopen",
            "-ex",
            "info module",
            "-ex",
            "info globals",
            "-ex",
            "p/x $sp",
            "-ex",
            "x/s $local0",
            "-ex",
            "x/s $local1",
            "-ex",
            "x/4xb $1",
            "-ex",
            "info memory",
            "-ex",
            "info functions ^fopen$",
            "-ex",
            "up",
            "-ex",
            "watch -l $sp 4",
            "-ex",
            "continue",
            "-ex",
            "delete",
            "-ex",
            "continue",
            "lseek.wasm",
        ],
    );
    insta::assert_snapshot!(text);
}
