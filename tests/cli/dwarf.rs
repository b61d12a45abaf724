//! Source-level debugging from DWARF: `bt` and the stop banner with
//! FILE:LINE, breakpoints by line and after the prologue, `step`/`next`/
//! `finish`/`until`/`advance` by line, `list`/`directory`, and source
//! variables (`info args`, `info locals`, `frame variable`, `print` with
//! C-like expressions).
//!
//! Programs: the third-party corpus (tests/fixtures, see PROVENANCE.md;
//! their sources are not included, the values below follow from what they
//! compute: fib(n) keeps a, b and t; norm(Fraction{6, 27}) divides by
//! gcd 3; reverse() reverses "Hello, world."), and our own
//! tests/guests/dwarf/shapes.{c,rs}, built as that folder's README says.
//! Expected values are worked out from the sources in the comments.

use crate::harness::{batch, root, run_in};

const FIB: &str = "tests/fixtures/dwarf/fib-wasm.wasm";
const SHAPES_O0: &str = "tests/guests/dwarf/shapes-O0.wasm";
const SHAPES_O2: &str = "tests/guests/dwarf/shapes-O2.wasm";
const SHAPES_RS_DEBUG: &str = "tests/guests/dwarf/shapes-rs-debug.wasm";
const SHAPES_RS_RELEASE: &str = "tests/guests/dwarf/shapes-rs-release.wasm";

/// fib(6) with `b fib-wasm.c:13 if i == 3`: line 13 is `b += t`, before
/// which the loop has run i = 0, 1, 2 (t = a; a = b; b += t), so at i = 3:
/// t = 2, a = 3, b = 3. fib(6) returns 13.
const FIB_COMMANDS: &[&str] = &[
    "break fib-wasm.c:13 if i == 3",
    "run",
    "bt",
    "info args",
    "info locals",
    "print a + b * 2",
    "print n == 6 && t < a",
    "frame variable b t",
    "finish",
];

#[test]
fn fib_by_line_with_a_condition_on_a_source_variable() {
    let text = batch(FIB, &["--invoke", "fib"], FIB_COMMANDS, &["6"]);
    assert!(text.contains("i = 3\n"), "{text}");
    assert!(text.contains("t = 2\na = 3\nb = 3\n"), "{text}");
    assert!(text.contains("$1 = 9\n"), "{text}");
    assert!(text.contains("returned i32 13"), "{text}");
    insta::assert_snapshot!(text);
}

/// The DWARF 5 build and the split-DWARF build (its `.dwp` found beside it)
/// of the same program give the same session, but for their addresses.
#[test]
fn fib_dwarf5_and_split_dwarf_give_the_same_variables() {
    let addresses = regex::Regex::new("0x[0-9a-f]+").unwrap();
    let plain = batch(FIB, &["--invoke", "fib"], FIB_COMMANDS, &["6"]);
    for module in [
        "tests/fixtures/dwarf/fib-wasm-dwarf5.wasm",
        "tests/fixtures/dwarf/fib-wasm-split4.wasm",
    ] {
        let text = batch(module, &["--invoke", "fib"], FIB_COMMANDS, &["6"]);
        assert_eq!(
            addresses.replace_all(&text, "0xPC"),
            addresses.replace_all(&plain, "0xPC"),
            "{module}"
        );
    }
}

/// Without its package, a split-DWARF module still has lines (they are in
/// the skeleton) but no variables, and says so; `--dwp` gives them back.
#[test]
fn split_dwarf_package_missing_then_given_with_dwp() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/dwarf");
    std::fs::copy(
        fixtures.join("fib-wasm-split4.wasm"),
        dir.path().join("fib.wasm"),
    )
    .unwrap();
    let commands = [
        "-ex",
        "info module",
        "-ex",
        "break fib",
        "-ex",
        "run",
        "-ex",
        "info locals",
    ];
    let mut args = vec!["run", "--batch", "--nx", "--invoke", "fib"];
    args.extend_from_slice(&commands);
    args.extend_from_slice(&["fib.wasm", "3"]);
    let without = run_in(dir.path(), &args);
    assert!(
        without.contains("split DWARF of 1 unit(s) not found"),
        "{without}"
    );
    let dwp = fixtures.join("fib-wasm-split4.dwp");
    let dwp = dwp.to_str().unwrap();
    let mut args = vec!["run", "--batch", "--nx", "--invoke", "fib", "--dwp", dwp];
    args.extend_from_slice(&commands);
    args.extend_from_slice(&["fib.wasm", "3"]);
    let with = run_in(dir.path(), &args).replace(dwp, "FIXTURES/fib-wasm-split4.dwp");
    assert!(with.contains("t = 0\na = 0\nb = 0\n"), "{with}");
    insta::assert_snapshot!(format!("{without}\n--- with --dwp ---\n{with}"));
    let missing = run_in(
        dir.path(),
        &["run", "--batch", "--dwp", "nope.dwp", "fib.wasm"],
    );
    assert!(missing.contains("cannot read --dwp nope.dwp"), "{missing}");
}

/// reverse-str: `reverse(hello, 13)` on "Hello, world."; after it returns
/// the array holds ".dlrow ,olleH".
#[test]
fn reverse_str_strings_step_and_finish() {
    let text = batch(
        "tests/fixtures/dwarf/reverse-str.wasm",
        &[],
        &[
            "break reverse",
            "run",
            "bt",
            "info args",
            "print *s",
            "print s[len - 1]",
            "next",
            "next",
            "info locals",
            "finish",
            "info locals",
        ],
        &[],
    );
    assert!(text.contains("s = 0x"), "{text}");
    assert!(text.contains("\"Hello, world.\""), "{text}");
    assert!(text.contains("len = 13"), "{text}");
    assert!(text.contains("i = 0\nj = 12\n"), "{text}");
    assert!(text.contains("hello = \".dlrow ,olleH\""), "{text}");
    insta::assert_snapshot!(text);
}

/// fraction-norm (C++): `norm(Fraction &n)` with {6, 27}; `step` enters the
/// inline `abs(long)`, `finish` comes back; after norm returns, c is {2, 9}
/// (gcd 3).
#[test]
fn fraction_norm_references_step_into_and_finish_out() {
    let text = batch(
        "tests/fixtures/dwarf/fraction-norm.wasm",
        &[],
        &[
            "break norm",
            "run",
            "info args",
            "print n.denominator % n.numerator",
            "step",
            "bt",
            "info args",
            "finish",
            "finish",
            "info locals",
            "print c.numerator * 10 + c.denominator",
        ],
        &[],
    );
    assert!(
        text.contains("n = @0x10400: {numerator = 6, denominator = 27}"),
        "{text}"
    );
    assert!(text.contains("x = 6\n"), "{text}");
    assert!(
        text.contains("c = {numerator = 2, denominator = 9}"),
        "{text}"
    );
    assert!(text.contains("$2 = 29\n"), "{text}");
    insta::assert_snapshot!(text);
}

/// A wasi-testsuite C program (wasi-sdk, DWARF 4 for libc): a breakpoint by
/// FILE:LINE in libc's fopen, its `char *` argument read as a string,
/// `step` into the open call and `finish` out of it.
#[test]
fn wasi_testsuite_c_program_breaks_in_libc_by_file_and_line() {
    let dir = crate::corpus::lseek_workdir();
    let text = run_in(
        dir.path(),
        &[
            "run",
            "--batch",
            "--dir",
            "fs-tests.dir::/",
            "-ex",
            "break fopen.c:18",
            "-ex",
            "run",
            "-ex",
            "bt",
            "-ex",
            "info args",
            "-ex",
            "info line",
            "-ex",
            "list",
            "-ex",
            "next",
            "-ex",
            "next",
            "-ex",
            "step",
            "-ex",
            "bt 3",
            "-ex",
            "info args",
            "-ex",
            "finish",
            "-ex",
            "info locals",
            "lseek.wasm",
        ],
    );
    assert!(text.contains("fopen.c:18"), "{text}");
    // `step` enters __wasilibc_open_nomode (with two functions inlined at
    // the pc), `finish` returns the file descriptor the program gets, 4
    // (0-2 are stdio, 3 the preopened directory), and fopen holds it.
    assert!(text.contains("in __wasilibc_open_nomode (func[45]) at wasisdk://v33.0+m/src/wasi-libc/libc-bottom-half/sources/posix.c:57:15"), "{text}");
    assert!(text.contains("find_relpath [inlined]"), "{text}");
    assert!(text.contains("path = 0x1001d \"lseek.txt\""), "{text}");
    assert!(
        text.contains("__wasilibc_open_nomode returned i32 4 (0x4)"),
        "{text}"
    );
    assert!(text.contains("fd = 4\n"), "{text}");
    assert!(text.contains("filename = 0x1001d \"lseek.txt\""), "{text}");
    insta::assert_snapshot!(text);
}

/// Our C program at -O0 with its source found through `--directory`:
/// source lines in the banner, `list`, breakpoints by line and after the
/// prologue, a condition over a struct member, `step` into and `finish`
/// out of a function, `until`, `advance`, and every kind of value.
///
/// From shapes.c: tri = {"triangle", {{0,0},{4,0},{0,3}}, 1.5, TRIANGLE,
/// {.i = 7}} (corners[1].x = argc + 3 = 4 with no arguments); area2 sums
/// the cross products: 0 + 4*3 + 0 = 12; scaled = 1.5 * 12 / 2 = 9;
/// grid = {{1,2,3},{4,5,6}} (a typedef'd unsigned char), ok = true.
#[test]
fn c_program_at_o0_lines_listing_stepping_and_values() {
    let text = batch(
        SHAPES_O0,
        &["--directory", "tests/guests/dwarf"],
        &[
            "break area2 if s->corners[1].x == 4",
            "run",
            "bt 2",
            "info args",
            "print *s",
            "print s->name",
            "print s->corners[2]",
            "print s->corners[1].x * s->corners[2].y",
            "print s->scale / 3",
            "print s->kind",
            "print s->kind == TRIANGLE && SQUARE == 4",
            "print/x s->tag.i",
            "print &s->corners[1]",
            "next",
            "next",
            "next",
            "info locals",
            "print *b",
            "until",
            "list",
            "list",
            "list -",
            "finish",
            "next",
            "step",
            "info args",
            "finish",
            "advance 53",
            "info locals",
            "print values[argc + 1] + big",
            "print greeting",
            "print (double)doubled / 5",
            "print (char)greeting[1]",
            "print grid",
            "print grid[1][2] * 10 + ok",
            "print grid[1]",
            "frame variable grid ok",
            "info line",
            "list shapes.c:8",
        ],
        &[],
    );
    for expected in [
        "s = 0x",
        "{name = 0x",
        "\"triangle\", corners = {{x = 0, y = 0}, {x = 4, y = 0}, {x = 0, y = 3}}, scale = 1.5, kind = TRIANGLE, tag = {i = 7, f = 1e-44}}",
        "{x = 0, y = 3}",
        "= 12\n",
        "= 0.5\n",
        "= TRIANGLE\n",
        "(wasmdbg) print s->kind == TRIANGLE && SQUARE == 4\n$5 = 1\n",
        "= 0x7\n",
        "returned i32 12",
        "doubled = 12\n",
        "returned f64 9.0",
        "values = {10, 20, 30, 40, 50}",
        "greeting = \"hello\"",
        "big = 1099511627776",
        "= 1099511627806\n",
        "= 2.4\n",
        "= 101 'e'\n",
        "{{1 '\\001', 2 '\\002', 3 '\\003'}, {4 '\\004', 5 '\\005', 6 '\\006'}}",
        "= 61\n",
        "{4 '\\004', 5 '\\005', 6 '\\006'}\n",
        "(byte [2][3]) grid = {{1 '\\001'",
        "(_Bool) ok = true",
        "29\t    int sum = 0;",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// The same program at -O2: every variable prints its true value or
/// `<optimized out>`. Values checked against the source: s points at tri;
/// `sum` lives on the operand stack at area2's `end` (DWARF location
/// DW_OP_WASM_location 2 0) and is 12 there; scaled's `result` has no
/// location; in main after scaled returns, tri, greeting, big and doubled
/// are known and `values` and `a` are not.
#[test]
fn c_program_at_o2_true_values_or_optimized_out() {
    let text = batch(
        SHAPES_O2,
        &[],
        &[
            "break area2",
            "break scaled",
            "break *0x3bd",
            "run",
            "frame variable s sum",
            "continue",
            "frame variable sum",
            "stack",
            "continue",
            "info args",
            "info locals",
            "finish",
            "info locals",
            "print values[1]",
            "print doubled + big",
        ],
        &[],
    );
    for expected in [
        "(int) sum = <optimized out>",
        "(int) sum = 12",
        "doubled = 12\n",
        "result = <optimized out>",
        "greeting = \"hello\"",
        "big = 1099511627776",
        "values = <optimized out>",
        "a = <optimized out>",
        "= 1099511627788\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// Our Rust program, debug build: `break area2` finds `shapes::area2`, `.`
/// reaches through references, `&str` prints as its text.
#[test]
fn rust_program_debug_build() {
    let text = batch(
        SHAPES_RS_DEBUG,
        &[],
        &[
            "break area2",
            "run",
            "info args",
            "print s.corners[1]",
            "print s.scale * 2",
            "print s.name",
            "finish",
            "break shapes.rs:47",
            "continue",
            "info locals",
            "print values[2] + big",
            "print (f64)doubled / 5",
        ],
        &[],
    );
    for expected in [
        "Point {x: 4, y: 0}",
        "= 3\n",
        "0x",
        "\"triangle\"",
        "returned i32 12",
        "argc = 1\n",
        "values = [10, 20, 30, 40, 50]",
        "big = 1099511627776",
        "doubled = 12\n",
        "a = 9\n",
        "= 1099511627806\n",
        "= 2.4\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// The Rust release build: true values or `<optimized out>`; `bt` shows
/// std's inlined functions as frames of their own under the Wasm frame that
/// holds them.
#[test]
fn rust_program_release_build_true_values_or_optimized_out() {
    let text = batch(
        SHAPES_RS_RELEASE,
        &[],
        &[
            "break scaled",
            "run",
            "info args",
            "finish",
            "frame variable tri values big doubled argc",
            "step",
            "bt 3",
        ],
        &[],
    );
    assert!(
        text.contains(
            "#1  0x397 in core::ops::function::FnOnce::call_once [inlined] at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/ops/function.rs:250:5\n    0x397 in std::sys::backtrace::__rust_begin_short_backtrace (func[9]) at"
        ),
        "{text}"
    );
    assert!(
        text.contains("#0  0x544 in shapes::main (func[12]) at shapes.rs:47:57"),
        "{text}"
    );
    for expected in [
        "doubled = 12\n",
        "returned f64 9.0",
        "values = [10, 20, 30, 40, 50]",
        "big = 1099511627776",
        "argc = <optimized out>",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// Bad input around source locations is an error line; the session goes on.
#[test]
fn source_location_errors() {
    let text = batch(
        SHAPES_O0,
        &[],
        &[
            "break 30",
            "list",
            "break nosuch.c:3",
            "break shapes.c:9999",
            "break shapes.c:0",
            "break area2",
            "run",
            "print nosuch",
            "print s->nosuch",
            "print s->corners[7]",
            "print *s->scale",
            "print (",
            "list",
            "directory tests/guests/dwarf",
            "list 30",
            "list 9999",
            "break 14",
        ],
        &[],
    );
    for expected in [
        "error: no current source file for line 30: give FILE:30",
        "error: no source to list",
        "error: no source file named \"nosuch.c\"",
        "error: no code at or after line 9999 of shapes.c",
        "error: line 9999 is out of range: shapes.c has 56 lines",
        "error: malformed line number \"0\"",
        "error: no variable named \"nosuch\" in scope",
        "has no member named nosuch",
        "index 7 is out of bounds (the array has 3 elements)",
        "error: cannot dereference a double",
        "(source file shapes.c not found; `directory DIR` or `set substitute-path FROM TO` adds a place to look)",
        "line 14 of shapes.c has no code; the breakpoint is at line 28",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// `step` runs through a function without line information (helper.c was
/// built without -g) to the next line, and stops in one that has it
/// (`twice`, after its prologue). From steps.c: a = helper(3) = 4, b =
/// twice(a) = 8.
#[test]
fn step_over_a_function_without_line_information() {
    let text = batch(
        "tests/guests/dwarf/steps.wasm",
        &["--directory", "tests/guests/dwarf"],
        &[
            "break helper",
            "break main",
            "delete 1",
            "run",
            "step",
            "step",
            "bt 2",
            "finish",
            "next",
            "info locals",
        ],
        &[],
    );
    for expected in [
        "Breakpoint 1 at 0x",
        "16\t    int a = helper(3);\n=> ",
        "(wasmdbg) step\n#0  0x1d7 in __original_main (func[6]) at steps.c:17:19\n17\t    int b = twice(a);",
        "(wasmdbg) step\n#0  0x257 in twice (func[7]) at steps.c:11:13\n11\t    int r = x * 2;",
        "twice returned i32 8",
        "a = 4\nb = 8\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // helper has no DWARF: its breakpoint names no file.
    let helper = text
        .lines()
        .find(|l| l.starts_with("Breakpoint 1 at"))
        .unwrap();
    assert!(!helper.contains("file"), "{helper}");
    insta::assert_snapshot!(text);
}

/// Split DWARF 5 (a skeleton unit in the module, the rest in
/// dwarf_fission.dwp beside it), built on Windows: `int i = 1; i++;` in
/// main, so i goes 1, 2 on lines 5 and 6 (the DWARF's line numbers).
#[test]
fn split_dwarf5_from_windows_paths() {
    let text = batch(
        "tests/fixtures/dwarf/dwarf_fission.wasm",
        &[],
        &[
            "break dwarf_fission.c:6",
            "run",
            "info locals",
            "next",
            "info locals",
            "bt",
        ],
        &[],
    );
    for expected in [
        "file C:\\tmp\\dwarfc\\dwarf_fission.c, line 6",
        "#0  0x262 in __original_main (func[3]) at C:\\tmp\\dwarfc\\dwarf_fission.c:6:6",
        "i = 1\n",
        "i = 2\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let module = batch(
        "tests/fixtures/dwarf/dwarf_fission.wasm",
        &[],
        &["info module"],
        &[],
    );
    assert!(
        module.contains("debug info: DWARF 4, 5 (44 units); split DWARF from tests/fixtures/dwarf/dwarf_fission.dwp"),
        "{module}"
    );
    insta::assert_snapshot!(text);
}

/// Issue 18: indexing a pointer with a huge index multiplied without a
/// check (a dead worker in debug builds); it is refused, and the session
/// goes on.
#[test]
fn issue_18_a_huge_pointer_index_is_refused() {
    let text = batch(
        SHAPES_O0,
        &["-b", "area2", "--directory", "tests/guests/dwarf"],
        &[
            "print s[0x7fffffffffffffff]",
            "print s[-0x7fffffffffffffff]",
            "print s->corners[0x7fffffffffffffff]",
            "print s->corners[1].x",
        ],
        &[],
    );
    assert!(text.contains("is too large for a pointer"), "{text}");
    insta::assert_snapshot!(text);
}

/// gdb's `set/unset/show substitute-path`: the C program's DWARF says
/// `c/ratio.c`; a rule maps `c` to where the file is.
#[test]
fn substitute_path_rules_find_sources() {
    let text = crate::harness::batch(
        "tests/guests/ratio-p1.wasm",
        &[],
        &[
            "show substitute-path",
            "set substitute-path c tests/guests/c",
            "set substitute-path /build /home/me/build",
            "show substitute-path",
            "list",
            "frame",
            "unset substitute-path nosuch",
            "unset substitute-path c",
            "show substitute-path",
            "unset substitute-path",
            "show substitute-path",
        ],
        &["ratio", "7", "0"],
    );
    insta::assert_snapshot!(text);
}

/// The Rust standard library's `/rustc/<commit>/...` paths are read from the
/// `rust-src` of the toolchain `$RUSTC` names when its commit is the one
/// that built the program. The toolchain here is the test's own: a `rustc`
/// script that answers `-vV` and `--print sysroot`, and a sysroot with one
/// file of `library/` (our own stand-in text, not the standard library's),
/// so the transcript is the same on every machine. Then the two ways it
/// can fail: the file missing from `rust-src`, and another commit.
#[cfg(unix)]
#[test]
fn rust_standard_library_sources_from_the_toolchains_rust_src() {
    use std::os::unix::fs::PermissionsExt;
    const COMMIT: &str = "59807616e1fa2540724bfbac14d7976d7e4a3860";
    let toolchain = |commit: &str, with_file: bool| {
        let sysroot = tempfile::tempdir().unwrap();
        let rustc = sysroot.path().join("rustc");
        std::fs::write(
            &rustc,
            format!(
                "#!/bin/sh\ncase \"$1\" in\n-vV) printf 'rustc 1.95.0\\ncommit-hash: {commit}\\n' ;;\n--print) printf '%s\\n' '{}' ;;\nesac\n",
                sysroot.path().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&rustc, std::fs::Permissions::from_mode(0o755)).unwrap();
        if with_file {
            let src = sysroot
                .path()
                .join("lib/rustlib/src/rust/library/core/src/ops");
            std::fs::create_dir_all(&src).unwrap();
            let lines: Vec<String> = (1..=260)
                .map(|n| format!("// line {n} of the test's stand-in for function.rs"))
                .collect();
            std::fs::write(src.join("function.rs"), lines.join("\n")).unwrap();
        }
        sysroot
    };
    let session = |sysroot: &tempfile::TempDir| {
        let home = tempfile::tempdir().unwrap();
        let rustc = sysroot.path().join("rustc");
        crate::harness::run_with_env(
            home.path(),
            &root(),
            &[
                "run",
                "--batch",
                "-ex",
                "break scaled",
                "-ex",
                "run",
                "-ex",
                "finish",
                "-ex",
                "step",
                "-ex",
                "frame 1",
                SHAPES_RS_RELEASE,
            ],
            &[("RUSTC", rustc.as_os_str())],
        )
        .replace(&sysroot.path().display().to_string(), "$SYSROOT")
    };
    let found = session(&toolchain(COMMIT, true));
    let file = "$SYSROOT/lib/rustlib/src/rust/library/core/src/ops/function.rs";
    let expected = format!(
        "(wasmdbg) frame 1\n#1  0x397 in core::ops::function::FnOnce::call_once [inlined] at /rustc/{COMMIT}/library/core/src/ops/function.rs:250:5\n    0x397 in std::sys::backtrace::__rust_begin_short_backtrace (func[9]) at /rustc/{COMMIT}/library/std/src/sys/backtrace.rs:166:18\n250\t// line 250 of the test's stand-in for function.rs\n"
    );
    assert!(
        found.contains(&expected),
        "missing {expected:?} in:\n{found}"
    );
    let missing = session(&toolchain(COMMIT, false));
    let expected = format!(
        "(source file /rustc/{COMMIT}/library/core/src/ops/function.rs not found; the Rust standard library's sources are not installed at {file} (`rustup component add rust-src`); `directory DIR` or `set substitute-path FROM TO` adds a place to look)\n"
    );
    assert!(
        missing.contains(&expected),
        "missing {expected:?} in:\n{missing}"
    );
    let other = session(&toolchain("0123456789abcdef0123456789abcdef01234567", true));
    let expected = format!(
        "(source file /rustc/{COMMIT}/library/core/src/ops/function.rs not found; it is from rustc 59807616, and the installed toolchain is 01234567, so its rust-src does not match; `directory DIR` or `set substitute-path FROM TO` adds a place to look)\n"
    );
    assert!(
        other.contains(&expected),
        "missing {expected:?} in:\n{other}"
    );
}
