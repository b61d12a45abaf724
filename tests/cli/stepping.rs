//! stepi/nexti/step/next/finish, stepping over host calls and off the end,
//! --timeout, disassembly.

use crate::harness::batch;

#[test]
fn stepi_enters_calls_and_returns_to_the_caller() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "stepi", "si", "bt", "si 4", "step", "stepi 3", "bt", "nexti 9", "bt",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn nexti_steps_over_calls() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &["nexti", "ni", "next", "bt", "locals"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn finish_prints_results_of_several_types() {
    let text = batch(
        "wat/fib.wat",
        &["-b", "pair", "-b", "fib"],
        &[
            "delete 2", "finish", "continue", "finish", "up", "finish", "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn stepping_over_an_imported_function_says_so() {
    let text = batch(
        "wat/hello.wat",
        &["--stop-on-entry"],
        &["stepi 10", "stepi", "stepi", "stepi", "stepi"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_trap_met_during_a_step_stops_it() {
    let text = batch(
        "wat/divide.wat",
        &["--stop-on-entry"],
        &["stepi 1000", "bt"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn timeout_pauses_an_infinite_loop() {
    let text = batch(
        "wat/loop.wat",
        &["--timeout", "0.3"],
        &["bt", "disassemble", "continue", "bt"],
        &[],
    );
    // The loop counter's value depends on the machine's speed.
    assert!(
        text.starts_with(
            "Program interrupted: it ran longer than --timeout 0.3s\n#0  spin (func[0]) at 0x"
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("Program interrupted: it ran longer than --timeout 0.3s")
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("(wasmdbg) bt\n#0  spin (func[0]) at 0x"),
        "{text}"
    );
    assert!(text.contains("Function spin (func[0]):\n"), "{text}");
    assert!(text.contains("=> 0x"), "{text}");
    // Paused by --timeout when the commands ran out: `wasmtime run -W
    // timeout=` reports a trap, so the status is a trap's.
    assert!(text.ends_with("[exit status: 134]\n"), "{text}");
}

#[test]
fn disassembly_marks_the_current_instruction_and_windows_long_functions() {
    let text = batch(
        "wat/long.wat",
        &["--stop-on-entry"],
        &[
            "si 20",
            "disassemble",
            "disas -a",
            "disas nosuch",
            "disas func[0]",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// `nexti` over a call and `finish` run at full speed to an engine
/// breakpoint after the call; in a recursive function the deeper calls pass
/// the same place first and must not stop there. fib(5) = 5 is on the stack
/// after the `nexti` in fib(6)'s frame; fib(3) = 2 is what `finish` returns
/// to its caller, one frame up.
#[test]
fn nexti_and_finish_over_recursive_calls_stop_in_the_right_frame() {
    let text = batch(
        "wat/fib.wat",
        &[],
        &[
            "break *0x85",
            "run",
            "delete",
            "nexti",
            "bt",
            "stack",
            "break *0x8c if $local0 == 3",
            "continue",
            "bt",
            "finish",
            "bt",
            "stack",
        ],
        &[],
    );
    assert!(
        text.contains("(wasmdbg) nexti\n#0  fib (func[1]) at 0x87\n"),
        "{text}"
    );
    assert!(text.contains("| 0       i32    5 (0x5) |"), "{text}");
    assert!(text.contains("fib returned i32 2 (0x2)"), "{text}");
    insta::assert_snapshot!(text);
}
