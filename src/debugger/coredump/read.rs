//! Opening a core dump: ours, or one wasmtime wrote (`wasmtime run -D
//! coredump=PATH`, whose frames have no locals or operand stack).
//!
//! Everything is read with wasmparser's readers (its core dump sections
//! too); memory contents stay in the dump's bytes and are read on demand, so
//! opening a dump of a large memory copies nothing.

use crate::error::{Error, invalid, malformed, unavailable};
use std::ops::Range;
use std::sync::Arc;

use wasmparser::{KnownCustom, Operator, Parser, Payload};

use super::{SECTION_NAME, SECTION_VERSION, WasmdbgSection};
use crate::debugger::protocol::{RefType, Value};

/// The most bytes [`CoreDump::read_memory`] reads at once (a dump may claim
/// any memory size; the reader allocates what it returns).
pub const MAX_READ: u64 = 64 << 20;

/// A core dump, parsed.
#[derive(Debug)]
pub struct CoreDump {
    /// The process name (`core` section).
    pub name: String,
    /// Module names (`coremodules`), by module index.
    pub modules: Vec<String>,
    /// Instances (`coreinstances`), by instance index.
    pub instances: Vec<DumpInstance>,
    /// The thread's name (`corestack`).
    pub thread: String,
    /// Its frames, innermost first.
    pub frames: Vec<DumpFrame>,
    /// The dump's memories (memory section), by dump memory index.
    pub memories: Vec<DumpMemory>,
    /// The dump's globals (global section), by dump global index.
    pub globals: Vec<DumpGlobal>,
    /// Our own section, when the dump has one we can read.
    pub wasmdbg: Option<WasmdbgSection>,
    /// Why our section was not used, when the dump has one.
    pub wasmdbg_note: Option<String>,
    /// Data segments: (dump memory, address, where the bytes lie in `bytes`),
    /// sorted by memory and address.
    segments: Vec<(u32, u64, Range<usize>)>,
    bytes: Arc<Vec<u8>>,
}

/// One `coreinstances` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct DumpInstance {
    /// Index into [`CoreDump::modules`].
    pub module: u32,
    /// Dump memory index of each of its memories (its memory index space).
    pub memories: Vec<u32>,
    /// Dump global index of each of its globals (its global index space).
    pub globals: Vec<u32>,
}

/// One `corestack` frame.
#[derive(Clone, Debug, PartialEq)]
pub struct DumpFrame {
    /// Index into [`CoreDump::instances`].
    pub instance: u32,
    /// Function index in that instance's module.
    pub func: u32,
    /// Byte offset of the frame's instruction from the start of the
    /// function's body (after its size), as `corestack` records it.
    pub code_offset: u32,
    /// The module offset (pc), when our section recorded it.
    pub pc: Option<usize>,
    /// Locals in index order; `None` for a value not recorded.
    pub locals: Vec<Option<Value>>,
    /// Operand stack, bottom to top; `None` for a value not recorded.
    pub stack: Vec<Option<Value>>,
}

/// One memory of the dump.
#[derive(Clone, Debug, PartialEq)]
pub struct DumpMemory {
    /// Its size in 64 KiB pages when dumped.
    pub pages: u64,
    /// Its maximum in pages.
    pub maximum: Option<u64>,
    /// 64-bit addresses.
    pub memory64: bool,
}

/// One global of the dump.
#[derive(Clone, Debug, PartialEq)]
pub struct DumpGlobal {
    /// `mut` or not.
    pub mutable: bool,
    /// Its value; references are written as null in dumps.
    pub value: Value,
}

/// The error for a dump that cannot be read: one line (wasmparser's
/// messages can span several).
fn bad(what: impl std::fmt::Display) -> Error {
    let what = what.to_string();
    let what: Vec<&str> = what.split_whitespace().collect();
    malformed!("not a readable core dump: {}", what.join(" "))
}

impl CoreDump {
    /// Parses a core dump.
    ///
    /// # Errors
    /// One line when `bytes` are not a Wasm module (truncated, corrupt), the
    /// module has no `corestack` section, or a section of the format is
    /// malformed or names an instance, module or memory that does not exist.
    pub fn parse(bytes: Vec<u8>) -> Result<CoreDump, Error> {
        let bytes = Arc::new(bytes);
        let mut dump = CoreDump {
            name: String::new(),
            modules: Vec::new(),
            instances: Vec::new(),
            thread: String::new(),
            frames: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            wasmdbg: None,
            wasmdbg_note: None,
            segments: Vec::new(),
            bytes: bytes.clone(),
        };
        let mut has_core = false;
        let mut has_stack = false;
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload.map_err(bad)? {
                Payload::Version {
                    encoding: wasmparser::Encoding::Component,
                    ..
                } => return Err(bad("it is a component, not a core module")),
                Payload::MemorySection(r) => {
                    for m in r {
                        let m = m.map_err(bad)?;
                        dump.memories.push(DumpMemory {
                            pages: m.initial,
                            maximum: m.maximum,
                            memory64: m.memory64,
                        });
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        let g = g.map_err(bad)?;
                        dump.globals.push(DumpGlobal {
                            mutable: g.ty.mutable,
                            value: const_value(&g.init_expr).map_err(bad)?,
                        });
                    }
                }
                Payload::DataSection(r) => {
                    for d in r {
                        let d = d.map_err(bad)?;
                        let wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } = d.kind
                        else {
                            continue;
                        };
                        let addr = match const_value(&offset_expr).map_err(bad)? {
                            Value::I32(a) => a as u32 as u64,
                            Value::I64(a) => a as u64,
                            _ => return Err(bad("a data segment's offset is not an integer")),
                        };
                        let start = d.range.end - d.data.len();
                        dump.segments.push((memory_index, addr, start..d.range.end));
                    }
                }
                Payload::CustomSection(c) => match c.as_known() {
                    KnownCustom::CoreDump(s) => {
                        has_core = true;
                        dump.name = s.name.to_string();
                    }
                    KnownCustom::CoreDumpModules(s) => {
                        dump.modules = s.modules.iter().map(|m| m.to_string()).collect();
                    }
                    KnownCustom::CoreDumpInstances(s) => {
                        dump.instances = s
                            .instances
                            .iter()
                            .map(|i| DumpInstance {
                                module: i.module_index,
                                memories: i.memories.clone(),
                                globals: i.globals.clone(),
                            })
                            .collect();
                    }
                    KnownCustom::CoreDumpStack(s) => {
                        if has_stack {
                            continue; // the first thread only
                        }
                        has_stack = true;
                        dump.thread = s.name.to_string();
                        dump.frames = s
                            .frames
                            .iter()
                            .map(|f| DumpFrame {
                                instance: f.instanceidx,
                                func: f.funcidx,
                                code_offset: f.codeoffset,
                                pc: None,
                                locals: f.locals.iter().map(dump_value).collect(),
                                stack: f.stack.iter().map(dump_value).collect(),
                            })
                            .collect();
                    }
                    _ if c.name() == SECTION_NAME => {
                        match serde_json::from_slice::<WasmdbgSection>(c.data()) {
                            Ok(s) if s.version > SECTION_VERSION => {
                                dump.wasmdbg_note = Some(format!(
                                    "the {SECTION_NAME} section is version {}, newer than this wasmdbg reads ({SECTION_VERSION}); v128 and reference values are not shown",
                                    s.version
                                ));
                            }
                            Ok(s) => dump.wasmdbg = Some(s),
                            Err(e) => {
                                dump.wasmdbg_note =
                                    Some(format!("the {SECTION_NAME} section is malformed: {e}"))
                            }
                        }
                    }
                    KnownCustom::Unknown if c.name().starts_with("core") => {
                        return Err(bad(format!("malformed `{}` section", c.name())));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        if !has_stack {
            return Err(if has_core {
                unavailable!("the core dump has no `corestack` section: no frames were recorded")
            } else {
                bad(
                    "no `core` and `corestack` sections (is it a Wasm module rather than a core dump?)",
                )
            });
        }
        dump.check()?;
        dump.merge_ours();
        dump.segments.sort_by_key(|(m, a, _)| (*m, *a));
        Ok(dump)
    }

    /// Refuses references to instances, modules, memories and globals that
    /// do not exist.
    fn check(&self) -> Result<(), Error> {
        for (i, f) in self.frames.iter().enumerate() {
            if f.instance as usize >= self.instances.len() {
                return Err(bad(format!(
                    "frame #{i} names instance {} of {}",
                    f.instance,
                    self.instances.len()
                )));
            }
        }
        for (i, inst) in self.instances.iter().enumerate() {
            if inst.module as usize >= self.modules.len() {
                return Err(bad(format!(
                    "instance {i} names module {} of {}",
                    inst.module,
                    self.modules.len()
                )));
            }
            if let Some(m) = inst
                .memories
                .iter()
                .find(|m| **m != u32::MAX && **m as usize >= self.memories.len())
            {
                return Err(bad(format!(
                    "instance {i} names memory {m} of {}",
                    self.memories.len()
                )));
            }
            if let Some(g) = inst
                .globals
                .iter()
                .find(|g| **g as usize >= self.globals.len())
            {
                return Err(bad(format!(
                    "instance {i} names global {g} of {}",
                    self.globals.len()
                )));
            }
        }
        if let Some((m, ..)) = self
            .segments
            .iter()
            .find(|(m, ..)| *m as usize >= self.memories.len())
        {
            return Err(bad(format!(
                "a data segment names memory {m} of {}",
                self.memories.len()
            )));
        }
        Ok(())
    }

    /// Fills in what our section adds: module offsets and the values
    /// `corestack` wrote as missing. A section that does not match the
    /// frames is set aside with a note.
    fn merge_ours(&mut self) {
        let Some(ours) = &self.wasmdbg else { return };
        if ours.frames.len() != self.frames.len() {
            self.wasmdbg_note = Some(format!(
                "the {SECTION_NAME} section has {} frames and corestack {}; it is not used",
                ours.frames.len(),
                self.frames.len()
            ));
            self.wasmdbg = None;
            return;
        }
        for (frame, extra) in self.frames.iter_mut().zip(&ours.frames) {
            frame.pc = Some(extra.pc);
            for (slot, value) in &extra.locals {
                if let Some(v @ None) = frame.locals.get_mut(*slot as usize) {
                    *v = Some(value.clone());
                }
            }
            for (slot, value) in &extra.stack {
                if let Some(v @ None) = frame.stack.get_mut(*slot as usize) {
                    *v = Some(value.clone());
                }
            }
        }
    }

    /// `len` bytes of dump memory `memory` from `addr`; bytes no segment
    /// covers are zero (the writer leaves zeros out).
    ///
    /// # Errors
    /// When `memory` does not exist or the range passes the memory's size.
    pub fn read_memory(&self, memory: u32, addr: u64, len: u64) -> Result<Vec<u8>, Error> {
        let Some(m) = self.memories.get(memory as usize) else {
            return Err(unavailable!("the core dump has no memory {memory}"));
        };
        let size = m.pages.saturating_mul(65536);
        let end = addr
            .checked_add(len)
            .filter(|e| *e <= size)
            .ok_or_else(|| {
                unavailable!(
                    "{len} bytes at {addr:#x} pass the end of memory {memory} ({size} bytes)"
                )
            })?;
        if len > MAX_READ {
            return Err(invalid!(
                "{len} bytes is more than one read of a core dump takes ({MAX_READ})"
            ));
        }
        let mut out = vec![0u8; len as usize];
        let first = self
            .segments
            .partition_point(|(m, a, r)| (*m, a.saturating_add(r.len() as u64)) <= (memory, addr));
        for (m, a, r) in &self.segments[first..] {
            if *m != memory || *a >= end {
                break;
            }
            let seg_end = a + r.len() as u64;
            let from = addr.max(*a);
            let to = end.min(seg_end);
            if from >= to {
                continue;
            }
            let src = r.start + (from - a) as usize..r.start + (to - a) as usize;
            out[(from - addr) as usize..(to - addr) as usize].copy_from_slice(&self.bytes[src]);
        }
        Ok(out)
    }
}

/// A `corestack` value as ours; `None` for missing.
fn dump_value(v: &wasmparser::CoreDumpValue) -> Option<Value> {
    use wasmparser::CoreDumpValue as C;
    match v {
        C::Missing => None,
        C::I32(x) => Some(Value::I32(*x)),
        C::I64(x) => Some(Value::I64(*x)),
        C::F32(x) => Some(Value::F32(x.bits())),
        C::F64(x) => Some(Value::F64(x.bits())),
    }
}

/// The value of a constant expression of one instruction (what dumps use
/// for globals and data offsets).
fn const_value(expr: &wasmparser::ConstExpr<'_>) -> Result<Value, Error> {
    let mut ops = expr.get_operators_reader();
    let op = ops.read().map_err(|e| invalid!("{e}"))?;
    Ok(match op {
        Operator::I32Const { value } => Value::I32(value),
        Operator::I64Const { value } => Value::I64(value),
        Operator::F32Const { value } => Value::F32(value.bits()),
        Operator::F64Const { value } => Value::F64(value.bits()),
        Operator::V128Const { value } => Value::V128(u128::from_le_bytes(*value.bytes())),
        Operator::RefNull { hty } => Value::Ref {
            heap: match hty {
                wasmparser::HeapType::Abstract {
                    ty: wasmparser::AbstractHeapType::Extern,
                    ..
                } => RefType::Extern,
                wasmparser::HeapType::Abstract {
                    ty: wasmparser::AbstractHeapType::Func,
                    ..
                } => RefType::Func,
                _ => RefType::Any,
            },
            desc: None,
        },
        other => return Err(unavailable!("unsupported constant expression {other:?}")),
    })
}
