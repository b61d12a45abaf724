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
