//! Data formatters: Rust's and libc++'s types shown as their programmers
//! write them, on `tests/guests/values/` (debug and optimized builds),
//! indexing and members through formatted values, `print/r`, the print
//! limits, and containers corrupted from the debugger itself.

use crate::harness::batch;

const RS_DEBUG: &str = "tests/guests/values/values-rs-debug.wasm";
const RS_RELEASE: &str = "tests/guests/values/values-rs-release.wasm";
const CPP_O0: &str = "tests/guests/values/values-cpp.wasm";
const CPP_O2: &str = "tests/guests/values/values-cpp-O2.wasm";
const DIR: &[&str] = &["--directory", "tests/guests/values"];

/// Every line of `expected` is a line of `text`.
fn has_lines(text: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            text.lines().any(|l| l == *line),
            "missing line {line:?} in:\n{text}"
        );
    }
}

#[test]
fn rust_debug_build_every_type() {
    let text = batch(
        RS_DEBUG,
        DIR,
        &["break values.rs:84", "run", "info locals", "info args"],
        &[],
    );
    has_lines(
        &text,
        &[
            "name = \"wasmdbg\"",
            "empty = \"\"",
            "numbers = Vec(size=3) = {10, 20, 30}",
            "deque = VecDeque(size=3) = {1, 2, 3}",
            "array = [1, 2, 3]",
            "some = Some(5)",
            "none = None",
            "ok = Ok(7)",
            "err = Err(\"bad\")",
            "circle = Shape::Circle {radius: 1.5}",
            "rect = Shape::Rect(3, 4)",
            "nothing = Shape::Empty",
            "rc = Rc(strong=2, weak=1) = \"shared\"",
            "weak = Weak(strong=2, weak=1) = \"shared\"",
            "arc = Arc(strong=1, weak=0) = 9",
            "cell = Cell(8)",
            "refcell = RefCell(borrow=1) = Vec(size=2) = {1, 2}",
            "borrowed = Ref(Vec(size=2) = {1, 2})",
            "map = HashMap(size=2) = {[\"one\"] = 1, [\"two\"] = 2}",
            "set = HashSet(size=1) = {7}",
            "tset = BTreeSet(size=2) = {'a', 'b'}",
            "tuple = (1, 'x', true)",
            "unit = ()",
            "letter = 'é'",
            "path = \"/tmp/data.txt\"",
            "os = \"os\"",
            "wrapper = Wrapper(-1)",
            "word = \"hello\"",
            "xs = &mut [i64](size=3) = {3, 4, 5}",
        ],
    );
    assert!(text.contains("boxed = @0x"), "{text}");
    assert!(
        text.contains(": Vec(size=2) = {Account {name: \"alice\", balance: 100}, Account {name: \"bob\", balance: -5}}"),
        "{text}"
    );
    // 20 entries over a root and its leaves, in key order.
    assert!(
        text.contains("tree = BTreeMap(size=20) = {[0] = \"even\", [1] = \"odd\", [2] = \"even\""),
        "{text}"
    );
    assert!(text.contains("[18] = \"even\", [19] = \"odd\"}"), "{text}");
    // 300 elements: the first 200, then how many more.
    assert!(text.contains("long = Vec(size=300) = {0, 1, 2, "), "{text}");
    assert!(text.contains(", 198, 199, ...(100 more)}"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn rust_expressions_through_formatted_values() {
    let text = batch(
        RS_DEBUG,
        DIR,
        &[
            "break values.rs:84",
            "run",
            "print accounts[1].name",
            "print accounts[1].balance + 5",
            "print accounts.len",
            "print xs.len",
            "print *xs",
            "print xs[2]",
            "print xs[3]",
            "print *word",
            "print word[1]",
            "print numbers[5]",
            "print deque[0]",
            "print long.len",
            "print *rc",
            "print rc.len",
            "print name.len",
            "print name[0]",
            "print/r numbers",
            "print/r some",
            "print/x numbers[1]",
            "break values::sum if xs.len == 3 && xs[0] == 3",
            "continue",
            "info args",
        ],
        &[],
    );
    insta::assert_snapshot!(text);
    for expected in [
        "(wasmdbg) print accounts[1].name\n\"bob\"\n",
        "(wasmdbg) print accounts[1].balance + 5\n$1 = 0\n",
        "(wasmdbg) print accounts.len\n$2 = 2\n",
        "(wasmdbg) print xs.len\n$3 = 3\n",
        "(wasmdbg) print *xs\n[3, 4, 5]\n",
        "(wasmdbg) print xs[2]\n$4 = 5\n",
        "error: index 3 is out of bounds (the length is 3)",
        "(wasmdbg) print *word\n\"hello\"\n",
        "error: index 5 is out of bounds (the length is 3)",
        "(wasmdbg) print *rc\n\"shared\"\n",
        "(wasmdbg) print/r some\nSome(5)\n",
        "(wasmdbg) print/x numbers[1]\n$",
        "Breakpoint 2, hit 1 time",
        "(wasmdbg) info args\nxs = &[i64](size=3) = {3, 4, 5}\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        text.contains("(wasmdbg) print/r numbers\n{buf = {inner = {ptr = "),
        "{text}"
    );
}

/// Where the machine that built the Rust programs had the standard
/// library's sources: rustc writes that real path into DWARF for std code
/// compiled into the program when `rust-src` is installed (the committed
/// programs name it; no machine running the tests needs it).
const BUILT_RUST_SRC: &str =
    "/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/src/rust";

#[test]
fn rust_release_build_true_values_or_a_reason() {
    // The breakpoint's first instruction is in std's inlined `add_assign`:
    // the test supplies that source file, a stand-in of its own, through
    // `set substitute-path`, so the banner is the same on every machine.
    let std = tempfile::tempdir().unwrap();
    let src = std.path().join("library/core/src");
    std::fs::create_dir_all(&src).unwrap();
    let lines: Vec<String> = (1..=70)
        .map(|n| format!("// line {n} of the test's stand-in for internal_macros.rs"))
        .collect();
    std::fs::write(src.join("internal_macros.rs"), lines.join("\n")).unwrap();
    let rule = format!(
        "set substitute-path {BUILT_RUST_SRC} {}",
        std.path().display()
    );
    let text = batch(
        RS_RELEASE,
        DIR,
        // In `show`'s frame at its call of `sum`, where every local is
        // alive (line 84 in a release build comes before some are made).
        &[&rule, "break values::sum", "run", "frame 1", "info locals"],
        &[],
    )
    .replace(&std.path().display().to_string(), "$STD");
    assert!(
        text.contains("\n65\t// line 65 of the test's stand-in for internal_macros.rs\n"),
        "{text}"
    );
    has_lines(
        &text,
        &[
            "numbers = Vec(size=3) = {10, 20, 30}",
            "some = Some(5)",
            "rect = Shape::Rect(3, 4)",
            "map = HashMap(size=2) = {[\"one\"] = 1, [\"two\"] = 2}",
            "unit = <optimized out>",
            // A type in another compilation unit (rustc's release DWARF).
            "long = <unavailable: its type is described in another compilation unit, which wasmdbg does not follow yet>",
        ],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn cpp_containers_at_o0_and_o2() {
    let commands = &[
        "break values.cpp:33",
        "run",
        "info locals",
        "info args",
        "print numbers[1]",
        "print numbers.len",
        "print large[2]",
        "print points[1].y",
        "print *unique",
        "print shared->y",
        "print *some",
        "print *none",
        "print ordered.len",
    ];
    let o0 = batch(CPP_O0, DIR, commands, &[]);
    has_lines(
        &o0,
        &[
            "small = \"hi\"",
            "large = \"a string too long for the short form\"",
            "view = \"a string too long for the short form\"",
            "numbers = std::vector(size=3) = {10, 20, 30}",
            "triple = std::array(size=3) = {1, 2, 3}",
            "empty = 0x0",
            "shared = std::shared_ptr(count=2, weak=0) = {x = 1, y = 2}",
            "some = std::optional(5)",
            "none = std::nullopt",
            "ordered = std::map(size=3) = {[1] = \"one\", [2] = \"two\", [3] = \"three\"}",
            "hashed = std::unordered_map(size=1) = {[\"a\"] = 1}",
            "$1 = 20",
            "$2 = 3",
            "$3 = 115 's'",
            "$4 = 4",
            "$5 = 42",
            "$6 = 2",
            "$7 = 5",
            "error: the std::optional holds no value",
            "$8 = 3",
        ],
    );
    assert!(o0.contains("unique = @0x"), "{o0}");
    assert!(
        o0.contains(": std::vector(size=2) = {{x = 1, y = 2}, {x = 3, y = 4}}"),
        "{o0}"
    );
    insta::assert_snapshot!("cpp_o0", o0);
    let o2 = batch(CPP_O2, DIR, commands, &[]);
    // At -O2 this pc comes after the map's nodes were freed: a watchpoint
    // on its leftmost node shows dlfree writing its free-list links there.
    // The formatter says so instead of following them.
    has_lines(
        &o2,
        &[
            "small = \"hi\"",
            "large = \"a string too long for the short form\"",
            "ordered = <corrupted: std::map of size 3 whose tree holds 2>",
            "hashed = std::unordered_map(size=1) = {[\"a\"] = 1}",
            "numbers = <optimized out>",
            "some = std::optional(5)",
        ],
    );
    insta::assert_snapshot!("cpp_o2", o2);
}

#[test]
fn print_limits_and_settings() {
    let text = batch(
        RS_DEBUG,
        DIR,
        &[
            "break values.rs:84",
            "run",
            "show print elements",
            "set print elements 4",
            "show print elements",
            "print long",
            "print name",
            "print *xs",
            "print array",
            "set print elements 0",
            "show print elements",
            "set print elements 200",
            "set print max-depth 1",
            "show print max-depth",
            "print *accounts",
            "print refcell",
            "set print max-depth unlimited",
            "show print max-depth",
            "set print elements many",
        ],
        &[],
    );
    for expected in [
        "Limit on string chars or array elements to print is 200.",
        "Limit on string chars or array elements to print is 4.",
        "(wasmdbg) print long\nVec(size=300) = {0, 1, 2, 3, ...(296 more)}\n",
        "(wasmdbg) print name\n\"wasm\"...\n",
        "(wasmdbg) print array\n[1, 2, 3]\n",
        "Limit on string chars or array elements to print is unlimited.",
        "Maximum print depth is 1.",
        "(wasmdbg) print *accounts\nVec(size=2) = {{...}, {...}}\n",
        "(wasmdbg) print refcell\nRefCell(borrow=1) = {...}\n",
        "Maximum print depth is unlimited.",
        "expected a number or \"unlimited\", not \"many\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// Containers corrupted through `set {i32}`: a length past the capacity,
/// a dangling pointer with a huge length, a hash table with billions of
/// buckets, a B-tree of impossible height, a `std::map` whose root is its
/// own left child (a cycle). Each is one marker; the session goes on and
/// every other value still prints.
#[test]
fn corrupted_containers_are_marked_never_followed() {
    let text = batch(
        RS_DEBUG,
        DIR,
        &[
            "break values.rs:84",
            "run",
            "print &numbers.len",
            "set {i32} $1 = 1000000000",
            "print numbers",
            "print numbers[2]",
            "print &long.buf.inner.ptr",
            "set {i32} $2 = 4294967280",
            "print &long.buf.inner.cap",
            "set {i32} $3 = 2000000000",
            "print &long.len",
            "set {i32} $4 = 1999999999",
            "print long",
            "print long.len",
            "print &map.base.table.table.bucket_mask",
            "set {i32} $6 = 2147483647",
            "print map",
            "print &tree.root",
            "set {i32} $7 + 4 = 1000",
            "print tree",
            "info locals",
        ],
        &[],
    );
    for expected in [
        "(wasmdbg) print numbers\n<corrupted: Vec of length 1000000000 with capacity 3>\n",
        "error: Vec of length 1000000000 with capacity 3",
        "(wasmdbg) print long\nVec(size=1999999999) = {<corrupted: element 0 at 0xfffffff0: ",
        "...(1999999998 more)}",
        "(wasmdbg) print map\n<corrupted: HashMap of 2 entries in 2147483648 buckets>\n",
        "(wasmdbg) print tree\n<corrupted: BTreeMap of height 1000>\n",
        "numbers = <corrupted: Vec of length 1000000000 with capacity 3>",
        "name = \"wasmdbg\"",
        "rc = Rc(strong=2, weak=1) = \"shared\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    insta::assert_snapshot!("rust", text);

    let cpp = batch(
        CPP_O0,
        DIR,
        &[
            "break values.cpp:33",
            "run",
            "print ordered.__tree_.__pair1_.__value_.__left_",
            "set {i32} $1 = $1",
            "print ordered",
            "print &hashed.__table_.__p2_.__value_",
            "set {i32} $2 = 1000",
            "print hashed",
            "print numbers",
        ],
        &[],
    );
    for expected in [
        "(wasmdbg) print ordered\n<corrupted: a std::map walk that does not end (a cycle?)>\n",
        "(wasmdbg) print numbers\nstd::vector(size=3) = {10, 20, 30}\n",
    ] {
        assert!(cpp.contains(expected), "missing {expected:?} in:\n{cpp}");
    }
    insta::assert_snapshot!("cpp", cpp);
}

/// `print/x` writes an integer at its type's width, as gdb does (an `i32`
/// -1 is `0xffffffff`, an `i64` -5 `0xfffffffffffffffb`), and reaches into
/// aggregates, as the DAP's hex display does.
#[test]
fn print_x_is_at_the_type_width_and_reaches_into_aggregates() {
    let text = crate::harness::batch(
        RS_DEBUG,
        &[],
        &[
            "break values.rs:84",
            "run",
            "p/x wrapper.__0",
            "p/u wrapper.__0",
            "p/x accounts[1].balance",
            "p/x wrapper",
            "p/x accounts[1]",
        ],
        &[],
    );
    for expected in [
        "(wasmdbg) p/x wrapper.__0\n$1 = 0xffffffff\n",
        "(wasmdbg) p/u wrapper.__0\n$2 = 4294967295\n",
        "(wasmdbg) p/x accounts[1].balance\n$3 = 0xfffffffffffffffb\n",
        "(wasmdbg) p/x wrapper\nWrapper(0xffffffff)\n",
        "(wasmdbg) p/x accounts[1]\nAccount {name: \"bob\", balance: 0xfffffffffffffffb}\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

/// `--json` carries the formatted values as data (the protocol's
/// `SourceValue`), not as text.
#[test]
fn json_output_has_formatted_values_as_data() {
    let text = crate::harness::run(&[
        "run",
        "--batch",
        "--json",
        "-ex",
        "break values.rs:84",
        "-ex",
        "run",
        "-ex",
        "print some",
        "-ex",
        "print numbers",
        RS_DEBUG,
    ]);
    for expected in [
        r#"{"command":"print some","error":null,"ok":true,"responses":[{"SourceValue":["Option<i32>",{"Record":{"fields":[["__0",{"Int":{"bytes":4,"value":5}}]],"name":"Some"}}]}],"type":"command"}"#,
        r#"{"command":"print numbers","error":null,"ok":true,"responses":[{"SourceValue":["Vec<i64, alloc::alloc::Global>",{"Sequence":{"items":[{"Int":{"bytes":8,"value":10}},{"Int":{"bytes":8,"value":20}},{"Int":{"bytes":8,"value":30}}],"len":3,"more":0,"name":"Vec"}}]}],"type":"command"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
}
