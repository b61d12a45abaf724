//! Program state and module facts: globals, `x` in every format, several
//! memories, tables, functions, imports, exports, sections, the module.

use crate::harness::batch;

#[test]
fn globals_and_memory_in_every_format() {
    let text = batch(
        "wat/state.wat",
        &[],
        &[
            "info globals",
            "globals",
            "x 16",
            "x/s 16",
            "x/2s msg",
            "x/3xw 48",
            "x/3dw 48",
            "x/3uw 48",
            "x/2xh 48",
            "x/tb 52",
            "x/fw 56",
            "x/fg 56",
            "x/4cb p",
            "x/4xb $p + 7",
            "x/2i 0x6c",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn several_memories_and_tables() {
    let text = batch(
        "wat/state.wat",
        &[],
        &["info memory", "x/12cb -m 1 0", "x/s -m 1 0", "info tables"],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn module_facts() {
    let text = batch(
        "wat/fib.wat",
        &[],
        &[
            "info functions",
            "info functions ^f",
            "info imports",
            "info exports",
            "info sections",
            "info module",
            "info memory",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn bad_inspection_input() {
    let text = batch(
        "wat/state.wat",
        &[],
        &[
            "x/8xb 65530",
            "x/2xg 0x10000",
            "x -m 5 0",
            "x/q 0",
            "x/fb 0",
            "x/0x 0",
            "x nosuch",
            "x 1 +",
            "x -1",
            "x/2i 0x5",
            "x/i $p",
            "info functions [",
            "continue",
            "info globals",
            "x 0",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn table_elements() {
    let text = batch(
        "wat/state.wat",
        &[],
        &[
            "x/3 -t 0 0",
            "x -t 0 2",
            "x/2 -t 0 2",
            "x -t 1 0",
            "x -t 0 zz",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn print_formats_memory_loads_and_value_history() {
    let text = batch(
        "wat/state.wat",
        &[],
        &[
            "print counter",
            "p limit",
            "p ratio * 3",
            "p/x limit",
            "p/x -1",
            "p/u -1",
            "p/t 5",
            "p/c {u8} 16",
            "p/f 3",
            "p {i32} 48 + {i32} 52",
            "p *(f32*)56",
            "p/x {u16} p",
            "p $1 + $2",
            "p $ * 2",
            "p $localx",
            "p 2147483647 + 1",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn writes_to_globals_and_memory_change_what_the_program_does() {
    let text = batch(
        "wat/greet.wat",
        &["--stop-on-entry"],
        &[
            "p len",
            "set var len = 4",
            "set {u8} 16 = 0x4a",
            "set var code = len + 3",
            "p/x {u32} 16",
            "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn refused_and_malformed_writes() {
    let text = batch(
        "wat/state.wat",
        &[],
        &[
            "set var msg = 1",
            "set var p = 1",
            "set var $local0 = 1",
            "set var $1 = 5",
            "set var counter = 1.5",
            "set var nosuch = 1",
            "set {i33} 0 = 1",
            "set {i32} 65535 = 1",
            "set var counter",
            "set var counter = 7",
            "p counter",
            "p $9",
            "p/q 1",
            "p nosuch",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn watchpoints_on_a_global_a_typed_location_and_a_range() {
    let text = batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &[
            "watch calls",
            "watch {i32} 64",
            "watch -l 100 2",
            "info breakpoints",
            "continue",
            "bt",
            "continue",
            "continue",
            "delete 1",
            "continue",
            "disable 2",
            "info breakpoints",
            "continue",
            "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// gdb's `condition N EXPR` on a watchpoint: a change with the condition
/// false passes (the old value is still updated: the stop shows 1 to 2),
/// one that cannot be evaluated stops and says why.
#[test]
fn a_watchpoint_condition_passes_the_changes_it_is_false_for() {
    let text = batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &[
            "watch calls",
            "condition 1 calls > 1",
            "info breakpoints",
            "continue",
            "run",
            "condition 1 nosuch > 1",
            "continue",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// gdb's `ignore N COUNT` on a watchpoint: the first change (0 to 1)
/// passes, the second (1 to 2) stops; `info breakpoints` says so before.
#[test]
fn a_watchpoint_ignores_its_next_changes() {
    let text = batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &["watch calls", "ignore 1 1", "info breakpoints", "continue"],
        &[],
    );
    for expected in [
        "| 1    yes       watch   calls      1 sites   0      ignore next 1 hits |",
        "(wasmdbg) continue\nWatchpoint 1: calls\nOld value = 1 (0x1)\nNew value = 2 (0x2)\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// A write by the debugger (`set var`, `set {i32}`) is not a change the
/// program made: the watchpoint's old value is then what was written.
#[test]
fn a_debugger_write_becomes_the_watchpoints_old_value() {
    let text = batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &[
            "watch calls",
            "watch {i32} 64",
            "set var calls = 40",
            "set {i32} 64 = 7",
            "continue",
            "continue",
        ],
        &[],
    );
    for expected in [
        "Watchpoint 1: calls\nOld value = 40 (0x28)\nNew value = 41 (0x29)\n",
        "Watchpoint 2: {i32} 0x40\nOld value = 7 (0x7)\nNew value = 12 (0xc)\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn bad_watchpoints() {
    let text = batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &[
            "watch",
            "watch nosuch",
            "watch {i33} 0",
            "watch {i32} 65535",
            "watch -l 0 0",
            "watch -l 0 x",
            "si 2",
            "watch n",
            "continue",
            "watch calls",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
}

/// `set var` takes a global as `print` reads it (`$calls` as well as
/// `calls`, `$global0`); `break` on a name that is not found suggests the
/// closest function names.
#[test]
fn set_var_reads_names_as_print_does_and_break_suggests_names() {
    let text = crate::harness::batch(
        "wat/watch.wat",
        &["--stop-on-entry"],
        &[
            "set var $calls = 40",
            "print $calls",
            "set var $global0 = $calls + 2",
            "print calls",
            "break bmup",
            "break nosuchfunc",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
    let text = crate::harness::batch(
        "tests/guests/app-p1.wasm",
        &[],
        &["break app::setle", "break audi"],
        &["exit"],
    );
    assert!(
        text.contains("error: no function named \"app::setle\"; did you mean \"app::settle\"?\n"),
        "{text}"
    );
    assert!(
        text.contains("error: no function named \"audi\"; did you mean \"app::audit\"?\n"),
        "{text}"
    );
}
