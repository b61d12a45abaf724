//! Core dumps: `--coredump PATH` at a crash and `generate-core-file` at any
//! pause write the tool-conventions format with every frame's locals and
//! operand stack; the reader opens them, and refuses broken ones in a line.

use std::path::Path;

use wasmdbg::debugger::coredump::read::CoreDump;
use wasmdbg::debugger::protocol::{RefType, StopReason, Value};

use crate::harness::{batch, core_batch, root, run};

/// Reads a dump, checks it as `wasm-tools validate` does (wasmparser's
/// validator, default features) and parses it.
fn open(path: &Path) -> CoreDump {
    let bytes = std::fs::read(path).expect("the dump was written");
    wasmparser::Validator::new()
        .validate_all(&bytes)
        .expect("the dump is a valid module");
    CoreDump::parse(bytes).expect("the dump parses")
}

#[test]
fn a_trap_writes_a_dump_with_every_local_and_operand() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.core");
    let path_text = path.to_str().unwrap();
    let text = batch("wat/coredump.wat", &["--coredump", path_text], &["bt"], &[]);
    insta::assert_snapshot!(text.replace(path_text, "$DUMP"));

    let dump = open(&path);
    assert_eq!(dump.name, "coredump.wat");
    assert_eq!(dump.modules, ["module"]);
    assert_eq!(dump.thread, "main");
    assert_eq!(dump.frames.len(), 2);
    let crash = &dump.frames[0];
    // $crash's body starts at 0x6d; the trap is at its i32.div_u.
    assert_eq!((crash.instance, crash.func), (0, 0));
    assert_eq!(crash.pc, Some(0x8a));
    assert_eq!(crash.code_offset, 0x8a - 0x6d);
    assert_eq!(
        crash.locals,
        [
            Some(Value::I32(3)),
            Some(Value::V128(0xffff_ffff_ffff_ffff_1122_3344_5566_7788)),
            Some(Value::I64(-7)),
        ]
    );
    assert_eq!(
        crash.stack,
        [
            Some(Value::I64(5)),
            Some(Value::Ref {
                heap: RefType::Func,
                desc: Some("func[0] crash".into()),
            }),
        ]
    );
    assert_eq!(dump.frames[1].func, 1);
    // Two pages (one grown to by nothing: the declared minimum), max 4.
    assert_eq!(dump.memories.len(), 1);
    assert_eq!(
        (dump.memories[0].pages, dump.memories[0].maximum),
        (2, Some(4))
    );
    assert_eq!(dump.read_memory(0, 14, 11).unwrap(), b"\0\0wasmdbg\0\0");
    assert_eq!(dump.read_memory(0, 70000, 4).unwrap(), [1, 2, 3, 0]);
    assert!(dump.read_memory(0, 131070, 4).is_err());
    // Globals as they were at the trap ($count was bumped to 42); a
    // reference is written as null.
    let globals: Vec<&Value> = dump.globals.iter().map(|g| &g.value).collect();
    assert_eq!(
        globals,
        [
            &Value::I32(42),
            &Value::F64(2.5f64.to_bits()),
            &Value::V128(0x4_0000_0003_0000_0002_0000_0001),
            &Value::Ref {
                heap: RefType::Func,
                desc: None
            },
        ]
    );
    assert_eq!(dump.instances[0].globals, [0, 1, 2, 3]);
    assert_eq!(dump.instances[0].memories, [0]);
    let ours = dump.wasmdbg.as_ref().expect("our section");
    assert_eq!(ours.version, 1);
    assert_eq!(ours.modules[0].size, 268);
}

#[test]
fn generate_core_file_at_a_breakpoint_in_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p2.core");
    let path_text = path.to_str().unwrap();
    let gcore = format!("gcore {path_text}");
    let text = batch(
        "tests/guests/app-p2.wasm",
        &["-b", "app::settle"],
        &["bt 3", &gcore],
        &["divide", "7", "0"],
    );
    let text = text.replace(path_text, "$DUMP");
    assert!(
        text.contains("(wasmdbg) gcore $DUMP\nSaved a core dump to $DUMP: "),
        "{text}"
    );
    let dump = open(&path);
    assert_eq!(dump.name, "app-p2.wasm");
    assert_eq!(dump.modules.len(), 3, "{:?}", dump.modules);
    assert_eq!(dump.modules[0], "main");
    assert_eq!(dump.instances.len(), 3);
    let ours = dump.wasmdbg.as_ref().unwrap();
    // Frame #0 is app::settle in the main module, at the breakpoint's pc.
    let banner_pc = text
        .lines()
        .find_map(|l| l.strip_prefix("#0  0x"))
        .and_then(|l| l.split(' ').next())
        .map(|hex| usize::from_str_radix(hex, 16).unwrap())
        .expect("a frame #0 line");
    assert_eq!(dump.frames[0].pc, Some(banner_pc));
    assert_eq!(dump.frames[0].instance, 0);
    assert!(dump.frames.len() > 5);
    assert_eq!(ours.frames.len(), dump.frames.len());
    assert!(
        dump.frames
            .iter()
            .all(|f| f.locals.iter().all(Option::is_some))
    );
    // The main module's memory is there, with its data.
    assert_eq!(dump.instances[0].memories, [0]);
    assert!(dump.memories[0].pages >= 17);
}

#[test]
fn dump_errors_are_one_line_and_fail_the_status() {
    let text = batch(
        "wat/divide.wat",
        &[],
        &["generate-core-file /nonexistent-dir/x.core", "bt 1"],
        &[],
    );
    assert!(
        text.contains("(wasmdbg) generate-core-file /nonexistent-dir/x.core\nerror: no core dump written: cannot create /nonexistent-dir/x.core: No such file or directory (os error 2)\n(wasmdbg) bt 1\n"),
        "{text}"
    );
    assert!(text.ends_with("[exit status: 125]\n"), "{text}");

    // --coredump that cannot be written at the first stop: the stop is
    // shown, the failure counted.
    let text = batch(
        "wat/divide.wat",
        &["--coredump", "/nonexistent-dir/x.core"],
        &[],
        &[],
    );
    assert!(
        text.contains("error: no core dump written: cannot create /nonexistent-dir/x.core"),
        "{text}"
    );
    assert!(text.ends_with("[exit status: 125]\n"), "{text}");

    // Nothing to dump once the program has ended; a clean end writes none.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.core");
    let text = run(&[
        "run",
        "--batch",
        "--coredump",
        path.to_str().unwrap(),
        "-ex",
        "gcore",
        "wat/hello.wat",
    ]);
    assert!(
        text.contains(
            "(wasmdbg) gcore\nerror: the program is not paused: it returned from _start\n"
        ),
        "{text}"
    );
    assert!(!path.exists());
}

#[test]
fn broken_dumps_are_refused_in_one_line() {
    let good = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("good.core");
        batch(
            "wat/coredump.wat",
            &["--coredump", path.to_str().unwrap()],
            &[],
            &[],
        );
        std::fs::read(&path).unwrap()
    };
    let refused = |bytes: Vec<u8>| CoreDump::parse(bytes).expect_err("refused");
    // Truncated anywhere: one line, no panic.
    for cut in [0, 3, 8, 20, good.len() / 2, good.len() - 1] {
        let e = refused(good[..cut].to_vec());
        assert!(
            e.message.starts_with("not a readable core dump: "),
            "{cut}: {e}"
        );
        assert!(!e.message.contains('\n'), "{e}");
        assert_eq!(e.kind, wasmdbg::error::ErrorKind::Malformed, "{e}");
    }
    let e = refused(std::fs::read(root().join("tests/guests/calc.wasm")).unwrap());
    assert_eq!(
        e.message,
        "not a readable core dump: it is a component, not a core module"
    );
    let e = refused(wat::parse_str("(module)").unwrap());
    assert_eq!(
        e.message,
        "not a readable core dump: no `core` and `corestack` sections (is it a Wasm module rather than a core dump?)"
    );
    // Sections as a module holds them: id, then the encoded section.
    let module = |sections: &[&dyn wasm_encoder::Section]| {
        let mut m = wasm_encoder::Module::new().finish();
        for s in sections {
            m.push(s.id());
            s.encode(&mut m);
        }
        m
    };
    let core = wasm_encoder::CoreDumpSection::new("x");
    let e = refused(module(&[&core]));
    assert_eq!(
        e.message,
        "the core dump has no `corestack` section: no frames were recorded"
    );
    assert_eq!(e.kind, wasmdbg::error::ErrorKind::Unavailable);
    // A frame naming an instance that does not exist.
    let mut stack = wasm_encoder::CoreDumpStackSection::new("main");
    stack.frame(5, 0, 0, [], []);
    let e = refused(module(&[&core, &stack]));
    assert_eq!(
        e.message,
        "not a readable core dump: frame #0 names instance 5 of 0"
    );
    // A malformed corestack.
    let bad_stack = wasm_encoder::CustomSection {
        name: "corestack".into(),
        data: [0x00, 0x09, b'm'].as_slice().into(),
    };
    let e = refused(module(&[&core, &bad_stack]));
    assert!(
        e.message
            .starts_with("not a readable core dump: malformed `corestack` section"),
        "{e}"
    );
}

/// Writes a dump of `module` (run with `args`) at its first stop; returns
/// the temporary directory holding `dump.core`.
fn dump_of(module: &str, args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.core");
    let text = batch(module, &["--coredump", path.to_str().unwrap()], &[], args);
    assert!(text.contains("Saved a core dump to "), "{text}");
    dir
}

#[test]
fn wasmdbg_core_reads_a_dump_back() {
    let dir = dump_of("wat/coredump.wat", &[]);
    let dump = dir.path().join("dump.core");
    let text = core_batch(
        "wat/coredump.wat",
        dump.to_str().unwrap(),
        &[],
        &[
            "bt",
            "locals",
            "stack",
            "info globals",
            "x/8xb 14",
            "p $count + 1",
            "up",
            "stack",
            "info frame",
            "info memory",
            "continue",
            "break crash",
            "set var $count = 1",
            "gcore",
        ],
    );
    insta::assert_snapshot!(text.replace(dir.path().to_str().unwrap(), "$DIR"));
}

#[test]
fn wasmdbg_core_shows_source_variables_and_component_frames() {
    let dir = dump_of("tests/guests/ratio-p1.wasm", &["ratio", "7", "0"]);
    let dump = dir.path().join("dump.core");
    let text = core_batch(
        "tests/guests/ratio-p1.wasm",
        dump.to_str().unwrap(),
        &["-d", "tests/guests"],
        &["bt 2", "info locals", "p scaled / 7", "list"],
    );
    insta::assert_snapshot!(text.replace(dir.path().to_str().unwrap(), "$DIR"));

    let dir = dump_of("tests/guests/app-p2.wasm", &["divide", "7", "0"]);
    let dump = dir.path().join("dump.core");
    let text = core_batch(
        "tests/guests/app-p2.wasm",
        dump.to_str().unwrap(),
        &[],
        &["bt 3", "info modules"],
    );
    insta::assert_snapshot!(
        "component",
        text.replace(dir.path().to_str().unwrap(), "$DIR")
    );
}

#[test]
fn wasmdbg_core_refuses_a_dump_of_another_program_in_one_line() {
    let dir = dump_of("wat/coredump.wat", &[]);
    let dump = dir.path().join("dump.core");
    let dump = dump.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["core", "wat/hello.wat", dump],
            "error: $DUMP does not come from wat/hello.wat: core module 0 (module) has BLAKE3 ",
        ),
        (
            &["core", "wat/coredump.wat", "wat/hello.wat"],
            "error: wat/hello.wat: not a readable core dump: magic header not detected: bad magic number - expected=[ 0x0, 0x61, 0x73, 0x6d, ] actual=[ 0x3b, 0x3b, 0x20, 0x50, ] (at offset 0x0)\n",
        ),
        (
            &["core", "wat/coredump.wat", "no-such.core"],
            "error: cannot read no-such.core: No such file or directory (os error 2)\n",
        ),
        (
            &["core", "no-such.wasm", dump],
            "error: cannot read no-such.wasm: No such file or directory (os error 2)\n",
        ),
    ];
    for (args, expected) in cases {
        let text = run(args).replace(dump, "$DUMP");
        assert!(text.contains(expected), "{args:?}:\n{text}");
        assert_eq!(
            text.lines().count(),
            3,
            "one line, then the status:\n{text}"
        );
        assert!(text.ends_with("[exit status: 2]\n"), "{text}");
    }
}

/// Dumps written by `wasmtime run -D coredump=PATH` (wasmtime-cli 48.0.8;
/// tests/guests/README.md has the commands): frames, memory and globals
/// read; locals and operand stacks shown as not recorded, never as zeros.
#[test]
fn wasmdbg_core_opens_dumps_wasmtime_wrote() {
    let text = core_batch(
        "wat/divide.wat",
        "tests/guests/coredumps/divide-wasmtime.core",
        &[],
        &["bt", "locals", "stack"],
    );
    insta::assert_snapshot!("wasmtime_divide", text);
    let text = core_batch(
        "tests/guests/ratio-p1.wasm",
        "tests/guests/coredumps/ratio-wasmtime.core",
        &[],
        &["bt 2", "info locals", "p $sp", "x/4xw $sp"],
    );
    insta::assert_snapshot!("wasmtime_ratio", text);
    // The frames are where wasmdbg's own dump of the same trap puts them.
    let ours = dump_of("wat/divide.wat", &[]);
    let ours = CoreDump::parse(std::fs::read(ours.path().join("dump.core")).unwrap()).unwrap();
    let theirs = CoreDump::parse(
        std::fs::read(root().join("tests/guests/coredumps/divide-wasmtime.core")).unwrap(),
    )
    .unwrap();
    let at = |d: &CoreDump| -> Vec<(u32, u32)> {
        d.frames.iter().map(|f| (f.func, f.code_offset)).collect()
    };
    assert_eq!(at(&ours), at(&theirs));
    assert!(theirs.wasmdbg.is_none());
    assert!(
        theirs
            .frames
            .iter()
            .all(|f| f.locals.is_empty() && f.stack.is_empty())
    );
}

#[test]
fn an_uncaught_exception_writes_a_dump_and_a_caught_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exn.core");
    let path_text = path.to_str().unwrap();
    let text = batch(
        "wat/exceptions.wat",
        &["--coredump", path_text],
        &["continue"],
        &[],
    );
    let text = text.replace(path_text, "$DUMP");
    // The first throw is caught: no dump; the second is not.
    assert_eq!(text.matches("Saved a core dump").count(), 1, "{text}");
    let second = text.find("uncaught exception thrown").unwrap();
    assert!(
        text[second..].contains("Saved a core dump to $DUMP: 2 frames"),
        "{text}"
    );
    let dump = open(&path);
    let StopReason::Exception(e) = dump.wasmdbg.unwrap().stop.unwrap() else {
        panic!("the dump records the exception");
    };
    assert_eq!(e.caught, Some(false));
    assert_eq!(e.tag_name.as_deref(), Some("boom"));
}

#[test]
fn a_dump_naming_a_function_the_module_lacks_is_refused() {
    // A dump as another tool could write it: no wasmdbg section, one frame
    // in function 99 of a module with 3.
    let mut modules = wasm_encoder::CoreDumpModulesSection::new();
    modules.module("divide");
    let mut instances = wasm_encoder::CoreDumpInstancesSection::new();
    instances.instance(0, [], []);
    let mut stack = wasm_encoder::CoreDumpStackSection::new("main");
    stack.frame(0, 99, 0, [], []);
    let mut module = wasm_encoder::Module::new();
    module
        .section(&wasm_encoder::CoreDumpSection::new("divide.wat"))
        .section(&modules)
        .section(&instances)
        .section(&stack);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.core");
    std::fs::write(&path, module.finish()).unwrap();
    let text = run(&["core", "wat/divide.wat", path.to_str().unwrap()]);
    assert_eq!(
        text.replace(path.to_str().unwrap(), "$DUMP"),
        "--- stderr ---\nerror: $DUMP does not come from wat/divide.wat: frame #0 names function 99 of core module 0, which has 3 functions\n[exit status: 2]\n"
    );
}

/// A dump whose `coremodules` lists more modules than wasmdbg's own
/// section (which matches the program) and whose instance names one of
/// the extra ones is refused in one line; it used to reach a lookup of a
/// module the program does not have.
#[test]
fn a_dump_instance_of_a_module_the_program_lacks_is_refused() {
    let bytes = wat::parse_file(crate::harness::root().join("wat/divide.wat")).unwrap();
    let ours = serde_json::json!({
        "version": 1,
        "modules": [{
            "name": "divide",
            "size": bytes.len(),
            "blake3": blake3::hash(&bytes).to_hex().to_string(),
        }],
        "frames": [{"module": 2, "pc": 0, "locals": [], "stack": []}],
        "stop": null,
    });
    let mut modules = wasm_encoder::CoreDumpModulesSection::new();
    modules.module("divide").module("a").module("b");
    let mut instances = wasm_encoder::CoreDumpInstancesSection::new();
    instances.instance(2, [], []);
    let mut stack = wasm_encoder::CoreDumpStackSection::new("main");
    stack.frame(0, 0, 0, [], []);
    let mut module = wasm_encoder::Module::new();
    module
        .section(&wasm_encoder::CoreDumpSection::new("divide.wat"))
        .section(&modules)
        .section(&instances)
        .section(&stack)
        .section(&wasm_encoder::CustomSection {
            name: "wasmdbg-coredump".into(),
            data: ours.to_string().into_bytes().into(),
        });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.core");
    std::fs::write(&path, module.finish()).unwrap();
    let text = run(&["core", "wat/divide.wat", path.to_str().unwrap()]);
    assert_eq!(
        text.replace(path.to_str().unwrap(), "$DUMP"),
        "--- stderr ---\nerror: $DUMP does not come from wat/divide.wat: its instance 0 is of core module 2, and the program has 1\n[exit status: 2]\n"
    );
}
