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
