//! `--json`: every stdout line is one JSON object; tests parse each line
//! and assert on fields, and read stops and outcomes back into the
//! protocol's own types.

use serde_json::Value as Json;
use wasmdbg::debugger::protocol::{Outcome, Response, Stop, StopReason, Value};

use crate::harness::{root, run};

/// Runs wasmdbg with `args`, parses stdout's lines; returns them and the
/// exit status.
fn json_run(args: &[&str]) -> (Vec<Json>, i32) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("RUSTC", crate::harness::NO_RUSTC)
        .env("HOME", tempfile::tempdir().unwrap().path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let parsed = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (parsed, output.status.code().unwrap())
}

fn of_type<'a>(lines: &'a [Json], ty: &str) -> Vec<&'a Json> {
    lines.iter().filter(|l| l["type"] == ty).collect()
}

#[test]
fn a_trapping_run_as_json_lines() {
    let (lines, status) = json_run(&[
        "run",
        "--json",
        "-ex",
        "bt",
        "-ex",
        "locals",
        "-ex",
        "print $local0 + 1",
        "-ex",
        "frobnicate",
        "-ex",
        "continue",
        "wat/divide.wat",
    ]);
    assert_eq!(status, 125, "a command failed");
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "start", "note", "stop", "command", "command", "command", "command", "ended",
            "command", "exit"
        ]
    );
    assert_eq!(lines[0]["version"], 2);
    assert_eq!(lines[0]["program"], "wat/divide.wat");
    // The run on plain code trapped; its replay is the session.
    assert_eq!(
        lines[1]["text"],
        "the program trapped after 0 host calls (integer divide by zero); replaying it under \
         the debugger to there"
    );

    let stop: Stop = serde_json::from_value(lines[2]["stop"].clone()).unwrap();
    assert_eq!(
        stop.reason,
        StopReason::Trap("integer divide by zero".into())
    );
    let frame = stop.frame.unwrap();
    assert_eq!(
        (frame.module, frame.func_index, frame.pc),
        (wasmdbg::program::CoreModuleId::FIRST, 0, 0x34)
    );
    assert_eq!(frame.func_name.as_deref(), Some("divide"));

    let bt = &lines[3];
    assert_eq!(
        (bt["command"].as_str(), bt["ok"].as_bool()),
        (Some("bt"), Some(true))
    );
    let Response::Backtrace { frames, total } =
        serde_json::from_value(bt["responses"][0].clone()).unwrap()
    else {
        panic!("{bt}");
    };
    assert_eq!(total, Some(3));
    let names: Vec<_> = frames
        .iter()
        .map(|f| f.func_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["divide", "compute", "_start"]);

    let locals = &lines[4]["responses"][0]["Locals"];
    assert_eq!(locals[0]["name"], "a");
    assert_eq!(locals[0]["declared_type"], "i32");
    let b: Value = serde_json::from_value(locals[1]["value"].clone()).unwrap();
    assert_eq!(b, Value::I32(0));

    let printed = &lines[5]["responses"][0]["Printed"];
    assert_eq!(printed["history"], 1);
    assert_eq!(printed["value"]["Number"]["Int32"], 101);
    assert_eq!(lines[6]["ok"], false);
    assert_eq!(
        lines[6]["error"],
        "unknown command \"frobnicate\" (try `help`)"
    );

    // `continue` ended the program: its `ended` line comes before the
    // command's own.
    let outcome: Outcome = serde_json::from_value(lines[7]["outcome"].clone()).unwrap();
    assert_eq!(outcome, Outcome::Trapped("integer divide by zero".into()));
    assert_eq!(lines[7]["exit_status"], 134);
    assert_eq!(lines[8]["command"], "continue");
    assert_eq!(lines[9]["status"], 125);
    assert!(lines[9]["state"]["Ended"]["Trapped"].is_string());
}

#[test]
fn program_output_and_a_clean_end() {
    let (lines, status) = json_run(&["run", "--json", "wat/hello.wat"]);
    assert_eq!(status, 0);
    let output = of_type(&lines, "output");
    assert_eq!(output.len(), 1);
    assert_eq!(output[0]["stream"], "stdout");
    assert_eq!(output[0]["text"], "hello\n");
    let ended = of_type(&lines, "ended");
    assert_eq!(ended[0]["exit_status"], 0);
    assert_eq!(ended[0]["outcome"]["Returned"]["entry"], "_start");
    let exit = of_type(&lines, "exit");
    assert_eq!((exit.len(), &exit[0]["status"]), (1, &Json::from(0)));
}

#[test]
fn coredumps_and_post_mortem_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("c.core");
    let dump = dump.to_str().unwrap();
    let (lines, status) = json_run(&["run", "--json", "--coredump", dump, "wat/coredump.wat"]);
    assert_eq!(status, 134);
    let written = of_type(&lines, "core_file");
    assert_eq!(written[0]["written"]["frames"], 2);
    assert_eq!(written[0]["written"]["path"], dump);

    let (lines, status) = json_run(&[
        "core",
        "--json",
        "-ex",
        "stack",
        "-ex",
        "continue",
        "wat/coredump.wat",
        dump,
    ]);
    assert_eq!(status, 125);
    assert_eq!(lines[0]["core"], dump);
    let stop: Stop = serde_json::from_value(lines[1]["stop"].clone()).unwrap();
    assert_eq!(
        stop.reason,
        StopReason::Trap("integer divide by zero".into())
    );
    let Response::Stack(values) = serde_json::from_value(lines[2]["responses"][0].clone()).unwrap()
    else {
        panic!("{}", lines[2]);
    };
    assert_eq!(values[0], Value::I64(5));
    assert_eq!(lines[3]["ok"], false);
    assert_eq!(
        lines[3]["responses"][0]["Error"]["kind"], "NotLive",
        "{}",
        lines[3]
    );
}

#[test]
fn a_program_that_cannot_start_is_one_error_line() {
    let (lines, status) = json_run(&["run", "--json", "no-such.wasm"]);
    assert_eq!(status, 2);
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["start", "error"]);
    assert!(
        lines[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read no-such.wasm"),
        "{}",
        lines[1]
    );
    // Text mode is unchanged by any of this.
    assert!(run(&["run", "no-such.wasm"]).contains("error: cannot read no-such.wasm"));
}

/// What the debugger says outside any command is a `note` line, never text:
/// here that the run on plain code trapped, and an init file in the current
/// directory that was not allowed to run.
#[test]
fn notes_are_json_lines_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".wasmdbginit"), "bt\n").unwrap();
    let module = root().join("wat/divide.wat");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(["run", "--json", module.to_str().unwrap()])
        .current_dir(dir.path())
        .env_clear()
        .env("RUSTC", crate::harness::NO_RUSTC)
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let notes = of_type(&lines, "note");
    assert_eq!(notes.len(), 2, "{stdout}");
    assert!(
        notes[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("the program trapped after 0 host calls"),
        "{stdout}"
    );
    assert!(
        notes[1]["text"]
            .as_str()
            .unwrap()
            .contains("add-auto-load-safe-path"),
        "{stdout}"
    );
}

/// A `dprintf` hit is a `logged` line: its text, and each value as data.
#[test]
fn dprintf_hits_are_logged_lines_with_their_values() {
    let (lines, status) = json_run(&[
        "run",
        "--json",
        "--stop-on-entry",
        "-ex",
        r#"dprintf fib,"fib(%d)\n",$n"#,
        "-ex",
        "continue",
        "wat/fib.wat",
    ]);
    assert_eq!(status, 8, "{lines:#?}");
    let logged = of_type(&lines, "logged");
    let texts: Vec<&str> = logged.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 25, "fib(6) makes 25 calls: {texts:?}");
    assert_eq!(texts[..3], ["fib(6)\n", "fib(5)\n", "fib(4)\n"]);
    assert_eq!(logged[0]["breakpoint"], 1);
    assert_eq!(
        logged[0]["pieces"],
        serde_json::json!([
            { "Text": "fib(" },
            { "Value": {
                "expr": "$n",
                "conversion": {
                    "spec": "%d", "letter": "d", "left": false, "zero": false, "plus": false,
                    "space": false, "alt": false, "width": 0, "precision": null, "bits": 32,
                },
                "value": { "Ok": { "Number": { "Int32": 6 } } },
            } },
            { "Text": ")\n" },
        ])
    );
}

/// At a Rust panic the stop line carries the panic's message and place as
/// data, read from the program's stderr.
#[test]
fn a_panic_is_part_of_the_stop_line() {
    let (lines, status) = json_run(&[
        "run",
        "--json",
        "tests/guests/app-p1.wasm",
        "divide",
        "7",
        "0",
    ]);
    let stop = lines
        .iter()
        .find(|l| l["type"] == "stop")
        .unwrap_or_else(|| panic!("no stop line: {lines:?}"));
    assert_eq!(
        stop["stop"]["panic"],
        serde_json::json!({
            "kind": "rust_panic",
            "message": "attempt to divide by zero",
            "location": "src/main.rs:75:5",
        })
    );
    assert_eq!(status, 134);
}
