//! The data formatters against a fake frame, without wasmtime: the frame of
//! `values-rs-debug.wasm`'s `show` (values.rs:84) as a core dump recorded
//! it — its locals, globals and memory — served by a [`Machine`] that can
//! overwrite bytes, so each test corrupts one value and checks what the
//! formatter makes of it. The dump is only a source of real bytes: it is
//! read with the core-dump reader, and everything else is the program
//! model's own code.

use crate::debugger::coredump::read::CoreDump;
use crate::debugger::protocol::Value;
use crate::error::Error;
use crate::program::expr::Expr;
use crate::program::value::{PrintOptions, SourceValue};
use crate::program::variables::{Machine, evaluate_parsed, frame_variables};
use crate::program::{CoreModuleId, ModuleInfo, Program};

/// A frame read from a core dump, with bytes the test wrote over its
/// memory.
struct DumpFrame {
    dump: CoreDump,
    patches: Vec<(u64, Vec<u8>)>,
}

fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::I32(n) => n.to_le_bytes().to_vec(),
        Value::I64(n) => n.to_le_bytes().to_vec(),
        Value::F32(b) => b.to_le_bytes().to_vec(),
        Value::F64(b) => b.to_le_bytes().to_vec(),
        other => panic!("the dump frame holds {other:?}"),
    }
}

impl Machine for DumpFrame {
    fn local(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        Ok(bytes_of(
            self.dump.frames[0].locals[index as usize]
                .as_ref()
                .expect("a recorded local"),
        ))
    }
    fn global(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        let g = self.dump.instances[0].globals[index as usize];
        Ok(bytes_of(&self.dump.globals[g as usize].value))
    }
    fn operand(&mut self, index: u32) -> Result<Vec<u8>, Error> {
        Ok(bytes_of(
            self.dump.frames[0].stack[index as usize]
                .as_ref()
                .expect("a recorded operand"),
        ))
    }
    fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error> {
        let mut bytes = self.dump.read_memory(0, address, len)?;
        for (at, patch) in &self.patches {
            for (k, b) in patch.iter().enumerate() {
                let a = at + k as u64;
                if (address..address + len).contains(&a) {
                    bytes[(a - address) as usize] = *b;
                }
            }
        }
        Ok(bytes)
    }
}

/// The program, the pc of the dump's frame 0 and the frame.
fn show_frame() -> (Program, usize, DumpFrame) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/values");
    let wasm = std::fs::read(root.join("values-rs-debug.wasm")).expect("test program");
    let dump = std::fs::read(root.join("values-rs-show.core")).expect("test core dump");
    let dump = CoreDump::parse(dump).expect("a core dump");
    let info = ModuleInfo::parse(wasm).expect("a module");
    // wasmdbg's dumps record each frame's exact pc.
    let pc = dump.frames[0].pc.expect("the frame's pc");
    let frame = DumpFrame {
        dump,
        patches: Vec::new(),
    };
    (Program::module(info), pc, frame)
}

/// `text` evaluated in the frame: its value.
fn eval(program: &Program, pc: usize, frame: &mut DumpFrame, text: &str) -> SourceValue {
    eval_with(program, pc, frame, text, &PrintOptions::default())
}

fn eval_with(
    program: &Program,
    pc: usize,
    frame: &mut DumpFrame,
    text: &str,
    print: &PrintOptions,
) -> SourceValue {
    let expr = Expr::parse(text, &[]).expect("an expression");
    let info = program.info(CoreModuleId::FIRST);
    match evaluate_parsed(info, pc, None, frame, &expr, print) {
        Ok(Some((_, v))) => v,
        other => panic!("{text}: {other:?}"),
    }
}

/// The address `&text` evaluates to.
fn address(program: &Program, pc: usize, frame: &mut DumpFrame, text: &str) -> u64 {
    match eval(program, pc, frame, &format!("&{text}")) {
        SourceValue::Pointer { address, .. } => address,
        other => panic!("&{text}: {other:?}"),
    }
}

fn ints(items: &[SourceValue]) -> Vec<i128> {
    items
        .iter()
        .map(|v| match v {
            SourceValue::Int { value, .. } => *value,
            other => panic!("not an integer: {other:?}"),
        })
        .collect()
}

/// The recorded frame as it was: the formatters show what the program
/// held (the same values tests/cli/formatters.rs sees live).
#[test]
fn the_recorded_values_as_their_formatters_show_them() {
    let (program, pc, mut frame) = show_frame();
    let info = program.info(CoreModuleId::FIRST);
    let vars = frame_variables(info, pc, None, &mut frame, false, &PrintOptions::default())
        .expect("variables")
        .expect("a function at the pc");
    let value = |name: &str| {
        vars.iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .value
            .clone()
    };
    let SourceValue::Sequence {
        name, len, items, ..
    } = value("numbers")
    else {
        panic!("numbers: {:?}", value("numbers"))
    };
    assert_eq!(
        (name.as_str(), len, ints(&items)),
        ("Vec", 3, vec![10, 20, 30])
    );
    let SourceValue::Sequence { items, .. } = value("deque") else {
        panic!("deque: {:?}", value("deque"))
    };
    assert_eq!(ints(&items), [1, 2, 3], "the ring buffer in order");
    let SourceValue::Map {
        name, len, entries, ..
    } = value("tree")
    else {
        panic!("tree: {:?}", value("tree"))
    };
    assert_eq!((name.as_str(), len, entries.len()), ("BTreeMap", 20, 20));
    let SourceValue::Wrapper { name, facts, .. } = value("rc") else {
        panic!("rc: {:?}", value("rc"))
    };
    assert_eq!(
        (name.as_str(), facts),
        ("Rc", vec![("strong".into(), 2), ("weak".into(), 1)])
    );
}

/// `print elements` bounds what a sequence shows, and says how many more.
#[test]
fn print_elements_limits_a_sequence() {
    let (program, pc, mut frame) = show_frame();
    let print = PrintOptions {
        elements: Some(2),
        ..PrintOptions::default()
    };
    let SourceValue::Sequence {
        len, items, more, ..
    } = eval_with(&program, pc, &mut frame, "numbers", &print)
    else {
        panic!("numbers")
    };
    assert_eq!((len, ints(&items), more), (3, vec![10, 20], 1));
}

/// A length past the capacity, a ring buffer head past its buffer, a
/// string outside memory, a count of 0 on a live `Rc`, a tree shorter
/// than its length: each is shown as corrupted, saying why.
#[test]
fn corrupted_containers_say_what_contradicts_itself() {
    let (program, pc, mut frame) = show_frame();
    let corrupted = |frame: &mut DumpFrame, text: &str, at: u64, word: u32| {
        frame.patches = vec![(at, word.to_le_bytes().to_vec())];
        let v = eval(&program, pc, frame, text);
        frame.patches.clear();
        match v {
            SourceValue::Corrupted(why) => why,
            other => panic!("{text} with {word} at {at:#x}: {other:?}"),
        }
    };

    let len = address(&program, pc, &mut frame, "numbers.len");
    assert_eq!(
        corrupted(&mut frame, "numbers", len, 1000),
        "Vec of length 1000 with capacity 3"
    );

    let head = address(&program, pc, &mut frame, "deque.head");
    assert_eq!(
        corrupted(&mut frame, "deque", head, 9),
        "VecDeque with head 9 and length 3 in a buffer of 4"
    );

    let ptr = address(&program, pc, &mut frame, "name.vec.buf.inner.ptr");
    let why = corrupted(&mut frame, "name", ptr, 0xffff_fff0);
    assert!(
        why.starts_with("a string of 7 bytes at 0xfffffff0: "),
        "{why}"
    );

    let strong = match eval(&program, pc, &mut frame, "rc.ptr.pointer") {
        SourceValue::Pointer { address, .. } => address,
        other => panic!("rc.ptr.pointer: {other:?}"),
    };
    // The counts are shown as read; the value an `Rc` of count 0 would
    // hold is not (that memory was freed and reused).
    frame.patches = vec![(strong, 0u32.to_le_bytes().to_vec())];
    let rc = eval(&program, pc, &mut frame, "rc");
    frame.patches.clear();
    assert_eq!(
        rc,
        SourceValue::Wrapper {
            name: "Rc".into(),
            facts: vec![("strong".into(), 0), ("weak".into(), 2)],
            value: Box::new(SourceValue::Corrupted("Rc with a strong count of 0".into())),
        }
    );

    let tree_len = address(&program, pc, &mut frame, "tree.length");
    assert_eq!(
        corrupted(&mut frame, "tree", tree_len, 25),
        "BTreeMap of length 25 whose nodes hold 20"
    );
}
