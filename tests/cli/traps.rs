//! Every trap kind pauses with wasmtime's reason, frame #0 at the trapping
//! instruction, and ends the program on `continue`.

use crate::harness::batch;

fn trap(name: &str, args: &[&str]) -> String {
    batch(
        "wat/traps.wat",
        &["--invoke", name],
        &["bt", "stack", "continue"],
        args,
    )
}

macro_rules! trap_tests {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(trap(stringify!($name), &[]));
        }
    )*};
}

trap_tests!(
    unreachable,
    div_by_zero,
    rem_by_zero,
    integer_overflow,
    bad_conversion,
    conversion_overflow,
    out_of_bounds_load,
    out_of_bounds_store,
    table_out_of_bounds,
    null_indirect_call,
    indirect_type_mismatch,
    null_reference,
    misaligned_atomic,
);

/// Four times wasmtime's default stack, four times the depth: the caller's
/// `depth` is 32756 here against 8180 in `stack_exhaustion`.
#[test]
fn stack_exhaustion_with_a_larger_stack() {
    let text = batch(
        "wat/traps.wat",
        &[
            "--max-wasm-stack",
            "2097152",
            "--invoke",
            "stack_exhaustion",
        ],
        &["bt 2", "frame 1", "locals"],
        &["0"],
    );
    insta::assert_snapshot!(text);
}

/// 8182 frames: `bt` shows the innermost 100 and outermost 10, `bt -N`
/// the outermost N with their numbers, `bt 0` is refused.
#[test]
fn deep_stack_backtraces_are_bounded() {
    let text = batch(
        "wat/traps.wat",
        &["--invoke", "stack_exhaustion"],
        &["bt", "bt -3", "bt 0", "frame 8181"],
        &["0"],
    );
    insta::assert_snapshot!(text);
}

/// The stack runs out in the prologue of a function with 1100 locals:
/// frame #0 is still that function, and `disassemble NAME` works without a
/// current instruction.
#[test]
fn stack_exhaustion_in_a_prologue_with_many_locals() {
    let text = batch(
        "wat/many_locals.wat",
        &["--invoke", "deep"],
        &["bt 2", "disassemble deep"],
        &["0"],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn stack_exhaustion() {
    let text = batch(
        "wat/traps.wat",
        &["--invoke", "stack_exhaustion"],
        &["bt 3", "frame 1", "locals", "continue"],
        &["0"],
    );
    insta::assert_snapshot!(text);
}

/// A failed C `assert` (tests/guests/c/mean.c with no numbers): wasi-libc
/// writes the message and calls `abort`, which traps. The stop repeats the
/// message, and the frame selected is `mean`'s, below libc's `abort` and
/// `__assert_fail`; `frame 0` goes back to libc's.
#[test]
fn a_failed_c_assert_is_named_and_its_caller_selected() {
    insta::assert_snapshot!(batch(
        "tests/guests/mean-c.wasm",
        &["--directory", "tests/guests"],
        &["info args", "frame 0", "continue"],
        &[],
    ));
}
