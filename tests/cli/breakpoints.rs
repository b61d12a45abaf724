//! Breakpoints: every LOCATION form, slips, tbreak, delete/disable/enable,
//! conditions, ignore counts, `-b`, restarts, bad input.

use crate::harness::{batch, run};

#[test]
fn every_location_form_and_slipped_addresses() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "break fib",
            "break func[2]",
            "break *0x70",
            "break fib+0x8",
            "tbreak _start+0x6",
            "info breakpoints",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn hits_tbreak_delete_disable_enable() {
    let text = batch(
        "wat/fib.wat",
        &["-b", "fib", "-b", "pair"],
        &[
            "continue",
            "tbreak fib",
            "disable 1",
            "continue",
            "info breakpoints",
            "enable",
            "delete 1",
            "continue",
            "info breakpoints",
            "delete",
            "info breakpoints",
            "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn conditions_true_and_false_and_ignore_counts() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "break fib if n == 1 && calls > 3",
            "continue",
            "locals",
            "condition 1 $local0 == 100",
            "continue",
            "break pair",
            "run",
            "condition 1",
            "ignore 1 3",
            "continue",
            "info breakpoints",
            "locals",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn condition_that_cannot_be_evaluated_stops_and_says_why() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &["break fib if nosuch > 1", "continue", "bt 1"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn run_restarts_from_scratch_and_keeps_breakpoints() {
    let text = batch(
        "wat/fib.wat",
        &["-b", "pair"],
        &["bt", "run", "bt", "continue", "run", "bt"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn bad_breakpoint_input() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "break nosuch",
            "break func[99]",
            "break func[0]",
            "break *0x5",
            "break *0x100000",
            "break fib+0x400",
            "break *zz",
            "break fib if (n ==",
            "break fib if",
            "delete 42",
            "disable 7",
            "condition 9 n == 1",
            "ignore 9 1",
            "info breakpoints",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn command_line_breakpoint_that_does_not_resolve() {
    insta::assert_snapshot!(run(&["run", "--batch", "-b", "nosuch", "wat/fib.wat"]));
}

#[test]
fn breakpoints_set_after_the_end_apply_to_the_next_run() {
    let text = batch(
        "wat/fib.wat",
        &[],
        &["break pair", "info breakpoints", "run", "bt"],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// Issue 18: an offset past the end of the address space after NAME+ was
/// added without a check (a wrong breakpoint in release builds, a dead
/// worker in debug builds); it is refused like any offset past the body.
#[test]
fn issue_18_name_plus_a_huge_offset_is_refused() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "break fib+0xffffffffffffffff",
            "break fib+0xfffffffffffffff0",
            "info breakpoints",
        ],
        &[],
    );
    assert!(text.contains("is past the end of fib"), "{text}");
    insta::assert_snapshot!(text);
}

/// `-b 'LOCATION if EXPR'` on the command line, as `break` takes it at the
/// prompt: the condition holds (compute's n is 0 on entry), does not hold
/// (the program runs to its trap), or is missing.
#[test]
fn command_line_breakpoints_take_a_condition() {
    let holds = batch(
        "wat/divide.wat",
        &["-b", "compute if $local0 == 0"],
        &["info breakpoints"],
        &[],
    );
    assert!(
        holds.starts_with("Breakpoint 1, hit 1 time\n#0  compute (func[1]) at 0x3a\n"),
        "{holds}"
    );
    assert!(
        holds.contains(
            "| 1    yes       break   compute in compute (func[1])   0x3a   1      $local0 == 0 |\n"
        ),
        "{holds}"
    );
    let fails = batch("wat/divide.wat", &["-b", "compute if n == 1"], &[], &[]);
    assert!(
        fails.starts_with("Program stopped: trap: integer divide by zero\n"),
        "{fails}"
    );
    let missing = batch("wat/divide.wat", &["-b", "compute if"], &[], &[]);
    assert!(
        missing.contains("error: -b compute if: missing condition after \"if\"\n"),
        "{missing}"
    );
    assert!(missing.ends_with("[exit status: 2]\n"), "{missing}");
}

/// `dprintf` (issue 27): C's conversions over source values at each hit of
/// shapes.c's loop line and of `scaled`, with a condition that skips the
/// second iteration; the program goes on; `info breakpoints` lists them
/// with their format and hits.
#[test]
fn dprintf_prints_source_values_and_goes_on() {
    let text = batch(
        "tests/guests/dwarf/shapes-O0.wasm",
        &["--stop-on-entry"],
        &[
            r#"dprintf shapes.c:33,"i=%d sum=%-3d| corner=(%d,%d) name=%s first=%c scale=%5.2f s=%p\n",i,sum,a->x,a->y,s->name,s->name[0],s->scale,s"#,
            r#"dprintf scaled,"scaled(doubled=%u) hex=%#x %%\n", doubled, doubled"#,
            "condition 1 i != 1",
            "info breakpoints",
            "continue",
            "info breakpoints",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// `dprintf` over Wasm values (fib.wat has no DWARF): locals and globals
/// by name, at every call of the recursion; a value that cannot be read
/// is printed as the reason, in its place, and the program goes on; a
/// breakpoint at the same place (set before it) still stops, and the
/// dprintf still prints at that hit.
#[test]
fn dprintf_over_wasm_values_and_unreadable_values() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "break fib if $n == 1",
            r#"dprintf fib,"fib(%d) calls=%d\t%s|\n",$n,$calls,nosuch"#,
            "continue",
            "delete 1",
            "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// What `dprintf` refuses when it is set, one line each; the session goes
/// on.
#[test]
fn dprintf_bad_input() {
    let text = batch(
        "wat/fib.wat",
        &["--stop-on-entry"],
        &[
            "dprintf",
            r#"dprintf fib "x""#,
            r#"dprintf ,"x""#,
            "dprintf fib,x",
            r#"dprintf fib,"x"#,
            r#"dprintf fib,"x\q""#,
            r#"dprintf fib,"x\0""#,
            r#"dp fib,"%hhd %lhd\n",$n,$n"#,
            r#"dprintf fib,"%99999999999d\n",$n"#,
            r#"dprintf fib,"%d %d\n",$n"#,
            r#"dprintf fib,"x\n",$n"#,
            r#"dprintf fib,"%y\n",$n"#,
            r#"dprintf fib,"%*d\n",$n"#,
            r#"dprintf fib,"%d\n",$n +"#,
            r#"dprintf fib,"%d\n",$n,"#,
            r#"dprintf nosuch,"x\n""#,
            "info breakpoints",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}
