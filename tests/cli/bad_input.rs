//! Bad input gets one clear line and the session goes on.

use crate::harness::{batch, run};

#[test]
fn missing_module_file() {
    insta::assert_snapshot!(run(&["run", "--batch", "no/such/module.wasm"]));
}

#[test]
fn malformed_binary() {
    insta::assert_snapshot!(run(&["run", "--batch", "wat/truncated.wasm"]));
}

#[test]
fn malformed_text() {
    insta::assert_snapshot!(run(&["run", "--batch", "wat/bad_syntax.wat"]));
}

#[test]
fn import_the_runner_cannot_satisfy() {
    insta::assert_snapshot!(run(&["run", "--batch", "wat/missing_import.wat"]));
}

#[test]
fn no_start_lists_the_exported_functions() {
    insta::assert_snapshot!(run(&["run", "--batch", "wat/reactor.wat"]));
}

#[test]
fn bad_invoke_values() {
    insta::assert_snapshot!(
        "invoke_wrong_count",
        batch("wat/reactor.wat", &["--invoke", "add"], &[], &["5"])
    );
    insta::assert_snapshot!(
        "invoke_not_a_number",
        batch("wat/reactor.wat", &["--invoke", "add"], &[], &["five", "1"])
    );
    insta::assert_snapshot!(
        "invoke_out_of_range",
        batch(
            "wat/reactor.wat",
            &["--invoke", "add"],
            &[],
            &["0x100000000", "1"]
        )
    );
    insta::assert_snapshot!(
        "invoke_unknown_export",
        batch("wat/reactor.wat", &["--invoke", "mul"], &[], &[])
    );
}

#[test]
fn bad_commands_are_one_line_each_and_the_session_goes_on() {
    let text = batch(
        "wat/divide.wat",
        &[],
        &[
            "bactrace",
            "xyzzy",
            "frame abc",
            "frame 99",
            "st",
            "locals extra",
            "frame \"1",
            "bt",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn missing_command_file() {
    insta::assert_snapshot!(run(&[
        "run",
        "--batch",
        "-x",
        "no/such/file",
        "-ex",
        "bt 1",
        "wat/divide.wat"
    ]));
}

#[test]
fn unknown_option() {
    insta::assert_snapshot!(run(&["run", "--bogus", "wat/divide.wat"]));
}

#[test]
fn unreadable_module() {
    // A directory cannot be read as a file.
    insta::assert_snapshot!(run(&["run", "--batch", "wat"]));
}

/// An import wasmdbg does not provide is refused from the import section,
/// before anything is compiled: a module of 20,000 functions leaves nothing
/// in the compiled-code cache. `--trap-unknown-imports` and
/// `--default-values-unknown-imports` run it as `wasmtime run -W
/// unknown-imports-trap` / `-W unknown-imports-default` do (status 1 and 0
/// there too, with wasmtime-cli 48.0.8).
#[test]
fn unknown_imports_are_refused_before_compiling_or_run_as_asked() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.wat");
    let funcs: String = (0..20_000)
        .map(|i| format!("(func (result i32) (i32.const {i}))\n"))
        .collect();
    std::fs::write(
        &big,
        format!(
            "(module (import \"env\" \"host_log\" (func (param i32)))\n{funcs}(func (export \"_start\") i32.const 1 call 0))"
        ),
    )
    .unwrap();
    let text = crate::harness::run_with_home(
        home.path(),
        &crate::harness::root(),
        &["run", "--batch", big.to_str().unwrap()],
    );
    assert!(
        text.contains(
            "error: the module imports `env::host_log` (a function), which wasmdbg does not provide"
        ),
        "{text}"
    );
    assert!(text.ends_with("[exit status: 2]\n"), "{text}");
    let cache = home.path().join(".cache/wasmdbg");
    let cached = std::fs::read_dir(&cache).map_or(0, |d| d.count());
    assert_eq!(cached, 0, "nothing was compiled into {}", cache.display());

    insta::assert_snapshot!(
        "unknown_imports_trap",
        run(&[
            "run",
            "--batch",
            "--trap-unknown-imports",
            "-ex",
            "bt",
            "wat/missing_import.wat"
        ])
    );
    insta::assert_snapshot!(
        "unknown_imports_default",
        run(&[
            "run",
            "--batch",
            "--default-values-unknown-imports",
            "wat/missing_import.wat"
        ])
    );
    insta::assert_snapshot!(
        "unknown_imports_component",
        run(&[
            "run",
            "--batch",
            "--default-values-unknown-imports",
            "wat/component-http-import.wat"
        ])
    );
    // With the flag a component's unknown imports are defined (as traps)
    // and it gets as far as its entry point: this one is not a command.
    let text = run(&[
        "run",
        "--batch",
        "--trap-unknown-imports",
        "wat/component-http-import.wat",
    ]);
    assert!(!text.contains("wasi:http/outgoing-handler"), "{text}");
    assert!(
        text.contains("error: the component is not a command"),
        "{text}"
    );
}

/// A WASI import declared with another type than WASI's is refused before
/// the program runs, in the same words, whether it would run on plain code
/// (`run`'s default, `record`) or under the debugger from the start.
#[test]
fn a_wasi_import_of_another_type_is_refused_on_plain_code_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("badsig.wat"),
        "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func (param i64)))\n\
         (memory (export \"memory\") 1)\n\
         (func (export \"_start\") (call 0 (i64.const 3))))",
    )
    .unwrap();
    let refusal = "--- stderr ---\nerror: incompatible import type for \
                   `wasi_snapshot_preview1::proc_exit`: types incompatible: expected type \
                   `(func (param i64))`, found type `(func (param i32))`\n[exit status: 2]\n";
    for args in [
        &["run", "--batch", "badsig.wat"][..],
        &["run", "--batch", "--instrumented", "badsig.wat"],
        &["record", "-o", "badsig.trace", "badsig.wat"],
    ] {
        let text = crate::harness::run_in(dir.path(), args);
        assert_eq!(text, refusal, "{args:?}");
    }
    assert!(!dir.path().join("badsig.trace").exists());
}

/// The entry point's refusals come from the module's sections, before it
/// is compiled: a module whose only function's code is not valid Wasm (a
/// compile would refuse it as invalid) is refused for what the run asks of
/// its exports — no `_start`, an `--invoke` of a missing export, the wrong
/// count of arguments. (ruby's 49 MB module compiled for 47 s before
/// saying it has no `_start`.)
#[test]
fn entry_refusals_come_before_the_compile() {
    let mut bytes = wat::parse_str(r#"(module (func (export "f") (param i32) nop))"#).unwrap();
    // The body's `nop` (0x01) and `end` (0x0b) are its last two bytes:
    // 0xff is no opcode.
    let at = bytes.len() - 2;
    assert_eq!(&bytes[at..], [0x01, 0x0b]);
    bytes[at] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("bad-code.wasm");
    std::fs::write(&module, &bytes).unwrap();
    let module = module.to_str().unwrap();
    let refused =
        |extra: &[&str], args: &[&str]| batch(module, extra, &[], args).replace(module, "MODULE");
    assert_eq!(
        refused(&[], &[]),
        "--- stderr ---\nerror: the module has no _start (not a WASI command); use --invoke NAME; its exported functions: f\n[exit status: 2]\n"
    );
    assert_eq!(
        refused(&["--invoke", "g"], &[]),
        "--- stderr ---\nerror: the module exports no function named \"g\"; its exported functions: f\n[exit status: 2]\n"
    );
    assert_eq!(
        refused(&["--invoke", "f"], &[]),
        "--- stderr ---\nerror: f takes 1 argument (i32), 0 given\n[exit status: 2]\n"
    );
    // With the entry right, the compile says what is wrong with the code.
    let compiled = refused(&["--invoke", "f"], &["1"]);
    assert!(compiled.contains("invalid module"), "{compiled}");
}

/// A module exporting thousands of functions: the refusal names the first
/// 20 and counts the rest, on one line.
#[test]
fn a_long_export_list_is_cut() {
    let funcs: String = (0..25)
        .map(|i| format!(r#"(func (export "f{i}"))"#))
        .collect();
    let bytes = wat::parse_str(format!("(module {funcs})")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("many.wasm");
    std::fs::write(&module, &bytes).unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    assert_eq!(
        batch(module.to_str().unwrap(), &[], &[], &[]),
        format!(
            "--- stderr ---\nerror: the module has no _start (not a WASI command); use --invoke NAME; its exported functions: {} and 5 more\n[exit status: 2]\n",
            names.join(", ")
        )
    );
}
