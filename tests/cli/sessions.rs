//! Scripted sessions over the project's own `wat/` modules.

use crate::harness::{batch, root, run};

#[test]
fn frames_up_down_locals_and_operand_stack() {
    let text = batch(
        "wat/divide.wat",
        &[],
        &[
            "bt", "locals", "stack", "up", "locals", "stack", "up", "up", "down", "down", "down",
            "frame 1", "frame", "frame 99", "bt 1", "continue", "bt", "locals", "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn locals_of_every_value_type() {
    let text = batch(
        "wat/locals.wat",
        &["--invoke", "all_types"],
        &["locals"],
        &["1", "-2", "0.5", "-0.25"],
    );
    insta::assert_snapshot!(text);
}

/// Under the debugger from the start, a throw pauses whether or not a
/// handler catches it.
#[test]
fn caught_then_uncaught_exception_with_payloads() {
    let text = batch(
        "wat/exceptions.wat",
        &["--instrumented"],
        &["bt", "stack", "continue", "bt", "continue"],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// On plain code a caught throw passes (the program has not failed), and
/// the replay of the run goes straight to the uncaught one; `run` then
/// replays it again under `stop-on-throw`, which pauses at the caught one.
#[test]
fn a_run_on_plain_code_replays_to_the_uncaught_exception() {
    let text = batch(
        "wat/exceptions.wat",
        &[],
        &["bt", "run", "bt", "continue", "bt"],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// With pausing on throws off, the caught throw passes; the uncaught one
/// still pauses, as a trap does (no handler on the stack catches it), and
/// `continue` ends the program with it.
#[test]
fn pausing_on_throw_can_be_switched_off() {
    insta::assert_snapshot!(
        "throw_off_flag",
        batch(
            "wat/exceptions.wat",
            &["--no-stop-on-throw"],
            &["continue"],
            &[]
        )
    );
    insta::assert_snapshot!(
        "throw_off_setting",
        batch(
            "wat/throw_twice.wat",
            &["--instrumented"],
            &["set stop-on-throw off", "continue"],
            &[]
        )
    );
}

#[test]
fn failing_host_call() {
    let text = batch("wat/hostcall_error.wat", &[], &["bt", "continue"], &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn proc_exit_is_an_exit_not_a_failure() {
    let text = batch("wat/proc_exit.wat", &[], &["bt", "continue"], &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn guest_output_and_normal_return() {
    insta::assert_snapshot!(batch("wat/hello.wat", &[], &[], &[]));
}

#[test]
fn stop_on_entry() {
    let text = batch(
        "wat/divide.wat",
        &["--stop-on-entry"],
        &["bt", "locals", "continue", "bt"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn invoke_parses_values_by_parameter_type_and_prints_results() {
    insta::assert_snapshot!(
        "invoke_add",
        batch("wat/reactor.wat", &["--invoke", "add"], &[], &["5", "-0x7"])
    );
    insta::assert_snapshot!(
        "invoke_half",
        batch("wat/reactor.wat", &["--invoke", "half"], &[], &["3"])
    );
}

#[test]
fn command_files_and_commands_run_in_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cmds.wasmdbg");
    std::fs::write(&file, "# where are we?\n\nbt 1\n   \nlocals\n").unwrap();
    let file = file.to_str().unwrap();
    let text = run(&[
        "run",
        "--batch",
        "-ex",
        "frame 1",
        "-x",
        file,
        "-ex",
        "up",
        "wat/divide.wat",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn help_is_generated_from_the_command_definitions() {
    insta::assert_snapshot!(batch("wat/divide.wat", &[], &["help", "help bt"], &[]));
}

#[test]
fn colour_only_when_asked() {
    let plain = batch("wat/divide.wat", &[], &["bt"], &[]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let coloured = batch("wat/divide.wat", &["--color", "always"], &["bt"], &[]);
    assert!(
        coloured.contains("\u{1b}[33mdivide\u{1b}[39m"),
        "{coloured}"
    );
    let never = batch("wat/divide.wat", &["--color", "never"], &["bt"], &[]);
    assert_eq!(never, plain);
}

#[test]
fn wasm_and_wat_are_told_apart_by_content() {
    // A text module under a .wasm name still loads.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("divide.wasm");
    std::fs::copy(root().join("wat/divide.wat"), &renamed).unwrap();
    let text = batch(renamed.to_str().unwrap(), &[], &["bt 1"], &[]);
    assert!(
        text.starts_with("Program stopped: trap: integer divide by zero\n"),
        "{text}"
    );
    assert!(text.contains("#0  divide (func[0]) at 0x34\n"), "{text}");
}

#[test]
fn trap_in_the_start_function_walks_only_real_frames() {
    // wasmtime puts a start-up frame under the start function whose instance
    // slot is garbage; the walk stops before it.
    let text = batch("wat/start_trap.wat", &[], &["bt", "locals", "frame 1"], &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn rust_names_are_demangled() {
    insta::assert_snapshot!(batch("wat/mangled.wat", &[], &["bt"], &[]));
}

#[test]
fn no_interrupts_runs_the_same_program_and_refuses_a_timeout() {
    insta::assert_snapshot!(
        "no_interrupts_run",
        batch(
            "wat/fib.wat",
            &["--no-interrupts", "-b", "pair"],
            &["bt", "finish", "continue"],
            &[]
        )
    );
    let refused = run(&["run", "--no-interrupts", "--timeout", "1", "wat/loop.wat"]);
    assert!(refused.contains("cannot be used with"), "{refused}");
    assert!(refused.ends_with("[exit status: 2]\n"), "{refused}");
}

/// `--preload NAME=MODULE` (wasmtime run's): the preloaded module is linked
/// under NAME, and its frames, names and breakpoints are the debugger's
/// like the main module's (qualified, as a component's core modules are).
#[test]
fn preloaded_modules_are_debugged_like_the_main_one() {
    insta::assert_snapshot!(batch(
        "wat/preload-main.wat",
        &["--preload", "lib=wat/preload-lib.wat", "-b", "lib`double"],
        &[
            "bt",
            "finish",
            "continue",
            "bt",
            "info modules",
            "up",
            "p $twice",
            "info frame",
        ],
        &[]
    ));
    // With --default-values-unknown-imports the preload's functions are
    // still the preload's (not defaults, not defined twice): the same trap.
    let text = batch(
        "wat/preload-main.wat",
        &[
            "--preload",
            "lib=wat/preload-lib.wat",
            "--default-values-unknown-imports",
        ],
        &[],
        &[],
    );
    assert!(
        text.starts_with(
            "Program stopped: trap: integer divide by zero\n#0  lib`ratio (func[1]) at 0x40\n"
        ),
        "{text}"
    );

    // A dump of the run holds both modules; `wasmdbg core` reads it with
    // the same --preload, and says so without it.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("p.core");
    let dump = dump.to_str().unwrap();
    batch(
        "wat/preload-main.wat",
        &["--preload", "lib=wat/preload-lib.wat", "--coredump", dump],
        &[],
        &[],
    );
    let text = crate::harness::core_batch(
        "wat/preload-main.wat",
        dump,
        &["--preload", "lib=wat/preload-lib.wat"],
        &["bt", "locals"],
    );
    assert!(
        text.contains(
            "(wasmdbg) bt\n#0  lib`ratio (func[1]) at 0x40\n#1  module`main (func[2]) at 0x56\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("| 1       d      i32    0 (0x0)   |"),
        "{text}"
    );
    let text = run(&["core", "wat/preload-main.wat", dump]).replace(dump, "$DUMP");
    assert!(
        text.contains("error: $DUMP does not come from wat/preload-main.wat: the dump has 2 core modules, the program 1 (a run with --preload: give `wasmdbg core` the same --preload for lib)"),
        "{text}"
    );

    // Without the preload, the imports are refused before compiling; a
    // preload that is not a module, or missing, is one line.
    let text = run(&["run", "--batch", "wat/preload-main.wat"]);
    assert!(
        text.contains("error: the module imports `lib::double` (a function), `lib::ratio` (a function), which wasmdbg does not provide"),
        "{text}"
    );
    let text = run(&[
        "run",
        "--batch",
        "--preload",
        "lib=no-such.wat",
        "wat/preload-main.wat",
    ]);
    assert!(
        text.contains("error: --preload lib: cannot read no-such.wat"),
        "{text}"
    );
    assert!(text.ends_with("[exit status: 2]\n"), "{text}");
    let text = run(&["run", "--batch", "--preload", "lib", "wat/preload-main.wat"]);
    assert!(text.contains("expected NAME=MODULE, got \"lib\""), "{text}");
    let text = run(&[
        "run",
        "--batch",
        "--preload",
        "lib=wat/preload-lib.wat",
        "tests/guests/calc.wasm",
    ]);
    assert!(
        text.contains("error: --preload is for core modules; a component links its own"),
        "{text}"
    );
}
