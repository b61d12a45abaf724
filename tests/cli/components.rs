//! Components (WASI 0.2): the same Rust program built as a core module
//! (wasm32-wasip1) and as a component (wasm32-wasip2) gives the same
//! session, except that frames name their core module and the offsets and
//! function indices are those of another binary; `--invoke` with WAVE
//! values; `info modules` and module-qualified locations; components
//! refused before compiling.
//!
//! Programs: tests/guests/app/src/main.rs (built as app-p1.wasm and
//! app-p2.wasm) and tests/guests/invoke/src/lib.rs (calc.wasm), built as
//! tests/guests/README.md says; wat/component-*.wat.

use crate::harness::{batch, run};

const P1: &str = "tests/guests/app-p1.wasm";
const P2: &str = "tests/guests/app-p2.wasm";
const CALC: &str = "tests/guests/calc.wasm";

/// What may differ between the two builds' transcripts: the module
/// qualifier, offsets, function indices and Rust's symbol and crate hashes.
fn normalized(text: &str) -> String {
    let text = text.replace("main`", "");
    let text = regex::Regex::new(r"0x[0-9a-f]+")
        .unwrap()
        .replace_all(&text, "0xPC");
    let text = regex::Regex::new(r"func\[[0-9]+\]")
        .unwrap()
        .replace_all(&text, "func[N]");
    let text = regex::Regex::new(r"17h[0-9a-f]{16}E")
        .unwrap()
        .replace_all(&text, "17hHASHE");
    // v0 mangling names a crate by its hash too (`Cs9pv848UzQwQ_4core`):
    // the two builds' standard libraries differ.
    let text = regex::Regex::new(r"Cs[0-9A-Za-z]+_")
        .unwrap()
        .replace_all(&text, "CsHASH_");
    // The component's calls go through the preview1 adapter, which makes
    // more host calls than the core module (5 against 10 before the panic
    // of `divide 7 0`).
    regex::Regex::new(r"after [0-9]+ host calls")
        .unwrap()
        .replace_all(&text, "after N host calls")
        .into_owned()
}

/// Runs the same session on both builds; returns (p1, p2) transcripts.
fn both(extra: &[&str], commands: &[&str], args: &[&str]) -> (String, String) {
    let mut with_dir = vec!["--directory", "tests/guests"];
    with_dir.extend_from_slice(extra);
    (
        batch(P1, &with_dir, commands, args),
        batch(P2, &with_dir, commands, args),
    )
}

/// A panic four calls deep: a breakpoint in `settle` (DWARF after the
/// prologue), the struct argument and a field, the caller's frame, then
/// the trap that `panic = abort` becomes. The component's frames are all
/// in its `main` core module.
#[test]
fn panic_deep_in_a_call_chain_reads_the_same_on_both_builds() {
    let (p1, p2) = both(
        &["-b", "settle"],
        &[
            "bt 6",
            "info args",
            "print account",
            "print account.balance",
            "frame 1",
            "continue",
            "bt 1",
        ],
        &["panic"],
    );
    assert_eq!(normalized(&p1), normalized(&p2));
    assert!(p2.contains("#0  0x3be1 in main`app::settle (func[92]) at app/src/main.rs:65:19"));
    assert!(p2.contains("account = Account {id: 7, balance: -40}"));
    insta::assert_snapshot!(p2);
}

/// `divide 7 5`: line stepping, a local, `finish` with the result (700 /
/// 5 = 140); `divide 7 0` panics with Rust's division check.
#[test]
fn stepping_and_finish_read_the_same_on_both_builds() {
    let (p1, p2) = both(
        &["-b", "ratio"],
        &["info args", "next", "print scaled", "finish", "continue"],
        &["divide", "7", "5"],
    );
    // The end differs only in the entry's name: `_start` against the
    // component's `wasi:cli/run`.
    assert_eq!(
        normalized(&p1),
        normalized(&p2).replace("[wasi:cli/run returned]", "[_start returned]")
    );
    assert!(p2.contains("Run till exit: app::ratio returned i32 140 (0x8c)"));
    insta::assert_snapshot!(p2);

    let (p1, p2) = both(&[], &["bt 1"], &["divide", "7", "0"]);
    assert_eq!(normalized(&p1), normalized(&p2));
    assert!(p2.contains("attempt to divide by zero"));
}

/// A file read from a preopened directory (`--dir HOST::GUEST`) and
/// written to stdout; `std::process::exit(3)`: proc_exit(3) in the core
/// module, `wasi:cli/exit` with an error in WASI 0.2, which has no exit
/// code but 1 for an error (what `wasmtime run` reports too).
#[test]
fn files_stdout_and_exit_codes() {
    let read = |module| {
        run(&[
            "run",
            "--batch",
            "--dir",
            "tests/guests/app::/data",
            module,
            "read",
            "/data/greeting.txt",
        ])
    };
    let exit = |module| run(&["run", "--batch", module, "exit"]);
    insta::assert_snapshot!(format!("{}{}{}{}", read(P1), read(P2), exit(P1), exit(P2)));
}

/// `info modules`, frames and breakpoints qualified with their module,
/// module-qualified locations (by name and index) for break, tbreak,
/// disassemble, info line, list and watch, `-M` for module facts, `info
/// frame` naming the frame's module, and the errors: an unknown module, an
/// import without code.
#[test]
fn several_core_modules_and_qualified_locations() {
    let text = batch(
        P2,
        &["--stop-on-entry", "--directory", "tests/guests"],
        &[
            "info modules",
            "break main`settle",
            "break 0`*0x3be1",
            "break 2`func[3]",
            "tbreak wit-component-shim-module`func[0]",
            "break 0",
            "break nope`settle",
            "info breakpoints",
            "info functions -M 1 ^1$",
            "info imports -M wit-component-fixup",
            "info module -M wit-component-fixup",
            "disassemble wit-component-shim-module`func[1]",
            "continue",
            "bt 2",
            "info frame",
            "info line main`ratio",
            "list main`settle",
            "watch main`__stack_pointer",
            "watch nope`x",
            "continue",
            "bt 1",
        ],
        &["panic"],
    );
    insta::assert_snapshot!(text);
}

/// `--invoke` on a component: WAVE arguments parsed by the export's WIT
/// types, WAVE results; strings, lists, records, options and results
/// round-trip; wasmtime run's `NAME(ARGS)` form and NAME followed by one
/// value per argument both work.
#[test]
fn invoke_takes_and_prints_wave_values() {
    let calls: &[&[&str]] = &[
        &["greet(\"wasm\")"],
        &["sum", "[1, -2, 40]"],
        &["midpoint({x: 1, y: 2}, {x: 5, y: 10})"],
        &["first-word(\"  hello there\")"],
        &["first-word(\"   \")"],
        &["checked-div(7, 2)"],
        &["checked-div(7, 0)"],
        &["nope(1)"],
        &["sum(\"x\")"],
        &["greet(\"a\")", "\"b\""],
    ];
    let mut text = String::new();
    for call in calls {
        let mut args = vec!["run", "--batch", "--invoke", call[0], CALC];
        args.extend_from_slice(&call[1..]);
        text.push_str(&format!("$ wasmdbg {}\n", args.join(" ")));
        text.push_str(&run(&args));
    }
    insta::assert_snapshot!(text);
}

/// A trap in an invoked export pauses with frames in the component's core
/// module; a component that is not a command, run without --invoke, lists
/// its exports by WIT name; a hand-written component with no WASI at all;
/// a string result the component model cannot lift.
#[test]
fn invoke_pauses_at_a_trap_and_non_commands_list_their_exports() {
    let trap = batch(
        CALC,
        &["--invoke", "divide(1, 0)"],
        &["bt 13", "continue"],
        &[],
    );
    assert!(
        trap.contains("in main`<calc::Calc as calc::Guest>::divide"),
        "{trap}"
    );
    let listing = run(&["run", "--batch", CALC]);
    let add = run(&[
        "run",
        "--batch",
        "--invoke",
        "add(2, 40)",
        "wat/component-add.wat",
    ]);
    // Lifting a string result whose pointer is outside memory fails in
    // wasmtime's glue after the core function returned: no Wasm frame is
    // left to pause in, so the program ends with wasmtime's reason.
    let glue = run(&[
        "run",
        "--batch",
        "--invoke",
        "name()",
        "wat/component-bad-string.wat",
    ]);
    insta::assert_snapshot!(format!("{trap}{listing}{add}{glue}"));
}

/// Refused with one line and exit status 2, before any code is compiled
/// where the binary says enough: an import wasmdbg does not provide (by
/// its full WIT name), a component-model feature wasmtime 48 does not
/// enable here, a truncated component; `--dwp`, which only a core module
/// can use.
#[test]
fn components_wasmdbg_cannot_run_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.wasm");
    let bytes = std::fs::read(crate::harness::root().join(P2)).unwrap();
    std::fs::write(&truncated, &bytes[..3000]).unwrap();
    let text = format!(
        "{}{}{}",
        run(&["run", "--batch", "wat/component-http-import.wat"]),
        run(&["run", "--batch", "wat/component-async.wat"]),
        run(&["run", "--batch", truncated.to_str().unwrap()]),
    ) + &run(&["run", "--batch", "--dwp", "app.dwp", P2, "exit"]);
    insta::assert_snapshot!(text);
}

const C_P1: &str = "tests/guests/ratio-p1.wasm";
const C_COMPONENT: &str = "tests/guests/ratio-c.wasm";

/// A C program (clang, wasi-libc) as a core module and as a component made
/// with wasmtime's WASI preview 1 adapter: four core modules, the trap in
/// `ratio` read the same way on both.
#[test]
fn c_program_with_the_preview1_adapter_reads_the_same() {
    let commands = ["bt 2", "info locals", "frame 1", "info locals"];
    let extra = ["--directory", "tests/guests"];
    let p1 = batch(C_P1, &extra, &commands, &["ratio", "7", "0"]);
    let component = batch(C_COMPONENT, &extra, &commands, &["ratio", "7", "0"]);
    assert_eq!(normalized(&p1), normalized(&component));
    assert!(component.contains("Program stopped: trap: integer divide by zero"));
    let modules = batch(C_COMPONENT, &[], &["info modules"], &["ratio", "7", "5"]);
    insta::assert_snapshot!(format!("{component}{modules}"));
}

/// An iovec outside memory handed to `fd_write`: the adapter passes it on,
/// and lowering the list for `wasi:io/streams` fails in the component
/// model's glue, a failed host call that pauses with the stack through the
/// shim, the adapter and the program.
#[test]
fn a_lowering_error_in_the_glue_pauses_with_every_module_on_the_stack() {
    let text = batch(C_COMPONENT, &[], &["bt", "continue"], &["bad-write"]);
    assert!(text.contains("host call failed: list pointer/length out of bounds of memory"));
    insta::assert_snapshot!(text);
}

/// The pauses a core module has, in a component: growing memory past
/// --max-memory, --timeout in an endless loop, a thrown exception that
/// nothing catches.
#[test]
fn memory_limit_timeout_and_exceptions_pause_in_a_component() {
    let pauses = "wat/component-pauses.wat";
    let text = format!(
        "{}{}{}",
        batch(
            pauses,
            &["--max-memory", "128K", "--invoke", "grow(4)"],
            &["bt", "continue"],
            &[]
        ),
        batch(
            pauses,
            &["--timeout", "0.5", "--invoke", "spin()"],
            &["bt"],
            &[]
        ),
        batch(pauses, &["--invoke", "throw(7)"], &["bt", "continue"], &[]),
    );
    insta::assert_snapshot!(text);
}

/// An unqualified location is looked up in every core module: found in one
/// (the adapter's `fd_write`; main only imports it), it is set there; found
/// in several, it is refused with the qualified candidates.
#[test]
fn unqualified_locations_in_several_modules_are_refused_with_candidates() {
    let text = batch(
        C_COMPONENT,
        &["--stop-on-entry"],
        &["break fd_write", "break *0x1d7", "disassemble func[2]"],
        &["ratio", "7", "5"],
    );
    assert!(
        text.contains("is in several core modules; qualify it"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// The compiled-code cache holds components too: the second start loads
/// the component's code from the cache and runs the same.
#[test]
fn a_component_starts_again_from_the_cache() {
    let home = tempfile::tempdir().unwrap();
    let start = || {
        crate::harness::run_with_home(
            home.path(),
            &crate::harness::root(),
            &[
                "run",
                "--batch",
                "-ex",
                "info module",
                P2,
                "divide",
                "7",
                "5",
            ],
        )
    };
    let first = start();
    let second = start();
    assert!(first.contains("saved to the cache"), "{first}");
    assert!(
        second.contains("code:       loaded from the cache"),
        "{second}"
    );
    insta::assert_snapshot!(format!("{first}{second}"));
}

/// `-M MODULE` for the commands that read one core module's state or
/// facts: globals, x (memory, instructions, tables), info memory/tables;
/// without it, the selected frame's module.
#[test]
fn module_state_per_core_module() {
    let text = batch(
        P2,
        &["-b", "settle"],
        &[
            "globals -M wit-component-shim-module",
            "x/4xw $sp",
            "x/4xw -M main $sp",
            "info memory",
            "info tables -M 1",
            "x/2i -M 1 0xa5",
            "x -t 0 -M 1 0",
            "globals -M 7",
        ],
        &["panic"],
    );
    insta::assert_snapshot!(text);
}

/// After a step, the engine breakpoints of a component's modules are
/// patched in again (wasmtime 48's `single_step(false)` loses them when
/// core modules share one code memory): a watchpoint and a breakpoint set
/// before `stepi` still stop the program after it.
#[test]
fn breakpoints_and_watchpoints_survive_a_step_in_a_component() {
    let text = batch(
        P2,
        &["--stop-on-entry", "--directory", "tests/guests"],
        &[
            "break ratio",
            "stepi",
            "continue",
            "watch main`__stack_pointer",
            "stepi",
            "continue",
        ],
        &["divide", "7", "5"],
    );
    assert!(text.contains("Breakpoint 1, hit 1 time"), "{text}");
    assert!(
        text.contains("Watchpoint 2: __stack_pointer\nOld value"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}
