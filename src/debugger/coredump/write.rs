//! Writing a paused program as a core dump (see the module above for the
//! format), with wasm-encoder's core dump sections.
//!
//! Every frame carries its complete locals and operand stack, read through
//! its frame handle (wasmtime's own dumps leave both empty).
//!
//! The data section is streamed: its segments are planned first (ranges of
//! the live memory, no copy) and then written straight from the guest's
//! memory to the file, so a dump of 1 GiB of memory needs no second GiB.
//! Only that section's framing is encoded by hand (wasm-encoder builds a
//! section in memory before it can be written).

use std::io::Write;
use std::path::Path;

use wasm_encoder::{
    ConstExpr, CoreDumpInstancesSection, CoreDumpModulesSection, CoreDumpSection,
    CoreDumpStackSection, CoreDumpValue, Encode, GlobalSection, GlobalType, Ieee32, Ieee64,
    MemorySection, MemoryType,
};
use wasmtime::{Memory, Result, StoreContextMut, Val, ValType};

use super::{DumpedFrame, DumpedModule, SECTION_NAME, SECTION_VERSION, WasmdbgSection};
use crate::debugger::frames::Paused;
use crate::debugger::protocol::{CoreFileWritten, Value};
use crate::debugger::state::{Host, Shared};
use crate::program::CoreModuleId;

/// The data section is cut into at most about this many segments (wasmparser
/// refuses a module with more than 100,000), so `wasm-tools validate`
/// accepts a dump of any size.
const MAX_SEGMENTS: u64 = 90_000;

/// The smallest piece memory is cut into; runs of zeros at the ends of each
/// piece are left out (wasmtime's dumps use the same size).
const MIN_CHUNK: u64 = 4096;

/// One planned data segment: `len` bytes of dump memory `memory` from
/// `offset`.
struct Segment {
    memory: u32,
    offset: u64,
    len: u64,
    memory64: bool,
}

/// Writes the paused program to `path` as a core dump named `name` (the
/// `core` section's process name).
///
/// # Errors
/// The frame walk's errors (a stale handle) and I/O errors creating or
/// writing `path`, as one line naming the file.
pub(crate) fn write(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    path: &Path,
    name: &str,
) -> Result<CoreFileWritten> {
    let program = shared.program.clone();

    // Frames first (they walk the stack through the store).
    let depth = paused.depth(store);
    let mut stack_section = CoreDumpStackSection::new("main");
    let mut frames = Vec::with_capacity(depth);
    for index in 0..depth {
        let (frame, locals, stack) =
            super::super::live::frame_values(shared, store, paused, index)?;
        let info = program.info(frame.module);
        let body_start = info
            .func(frame.func)
            .and_then(|f| f.body.as_ref())
            .map_or(0, |b| b.start);
        let code_offset = u32::try_from(frame.pc.saturating_sub(body_start)).unwrap_or(u32::MAX);
        let (locals_out, locals_extra) = dump_values(&locals);
        let (stack_out, stack_extra) = dump_values(&stack);
        stack_section.frame(
            frame.module.0,
            frame.func,
            code_offset,
            locals_out,
            stack_out,
        );
        frames.push(DumpedFrame {
            module: frame.module.0,
            pc: frame.pc,
            locals: locals_extra,
            stack: stack_extra,
        });
    }

    // Each core module's instance: its memories (one dump memory per
    // distinct memory: an imported memory is the exporter's) and globals.
    let mut memories: Vec<Memory> = Vec::new();
    let mut memory_section = MemorySection::new();
    let mut global_section = GlobalSection::new();
    let mut instances = CoreDumpInstancesSection::new();
    let mut modules = CoreDumpModulesSection::new();
    let mut dumped_modules = Vec::new();
    for (id, module) in program.modules.iter().enumerate() {
        modules.module(&module.name);
        let bytes = module.info.bytes();
        dumped_modules.push(DumpedModule {
            name: module.name.clone(),
            size: bytes.len(),
            blake3: blake3::hash(bytes).to_hex().to_string(),
        });
        let instance = shared.instance(store, CoreModuleId(id as u32));
        let mut memory_indices = Vec::new();
        let mut global_indices = Vec::new();
        if let Some(instance) = instance {
            for i in 0..module.info.memories().len() as u32 {
                let Some(memory) = instance.debug_memory(&mut *store, i) else {
                    // A shared memory: not written (u32::MAX, as wasmtime).
                    memory_indices.push(u32::MAX);
                    continue;
                };
                let ptr = memory.data_ptr(&*store);
                let existing = memories.iter().position(|m| m.data_ptr(&*store) == ptr);
                let index = match existing {
                    Some(index) => index as u32,
                    None => {
                        let ty = memory.ty(&*store);
                        memory_section.memory(MemoryType {
                            minimum: memory.size(&*store),
                            maximum: ty.maximum(),
                            memory64: ty.is_64(),
                            shared: false,
                            page_size_log2: None,
                        });
                        memories.push(memory);
                        (memories.len() - 1) as u32
                    }
                };
                memory_indices.push(index);
            }
            for g in 0..module.info.globals().len() as u32 {
                let Some(global) = instance.debug_global(&mut *store, g) else {
                    continue;
                };
                let ty = global.ty(&*store);
                let value = global.get(&mut *store);
                let (val_type, init) = global_init(ty.content(), &value);
                global_indices.push(global_section.len());
                global_section.global(
                    GlobalType {
                        val_type,
                        mutable: ty.mutability().is_var(),
                        shared: false,
                    },
                    &init,
                );
            }
        }
        instances.instance(id as u32, memory_indices, global_indices);
    }

    // Plan the data segments over every memory (no copies).
    let total: u64 = memories.iter().map(|m| m.data_size(&*store) as u64).sum();
    let chunk = (total / MAX_SEGMENTS + 1)
        .next_power_of_two()
        .max(MIN_CHUNK);
    let mut segments = Vec::new();
    for (index, memory) in memories.iter().enumerate() {
        let data = memory.data(&*store);
        let memory64 = memory.ty(&*store).is_64();
        for (i, piece) in data.chunks(chunk as usize).enumerate() {
            let Some(start) = piece.iter().position(|b| *b != 0) else {
                continue;
            };
            let end = piece.iter().rposition(|b| *b != 0).map_or(start, |e| e + 1);
            segments.push(Segment {
                memory: index as u32,
                offset: i as u64 * chunk + start as u64,
                len: (end - start) as u64,
                memory64,
            });
        }
    }

    let ours = WasmdbgSection {
        version: SECTION_VERSION,
        modules: dumped_modules,
        frames,
        stop: paused.reason.clone(),
        panic: paused.panic.clone(),
    };
    let ours_json = serde_json::to_vec(&ours)?;

    // The data section's framing, known before anything is written (a
    // memory too large for it leaves no half-written file).
    let headers: Vec<Vec<u8>> = segments.iter().map(segment_header).collect();
    let mut contents_len = leb_len(segments.len() as u64);
    for (h, s) in headers.iter().zip(&segments) {
        contents_len += h.len() as u64 + s.len;
    }
    let mut framing = vec![11u8];
    u32::try_from(contents_len)
        .map_err(|_| {
            wasmtime::format_err!(
                "{total} bytes of memory do not fit in a core dump (a Wasm section holds less than 4 GiB)"
            )
        })?
        .encode(&mut framing);
    (segments.len() as u32).encode(&mut framing);

    let file = std::fs::File::create(path)
        .map_err(|e| wasmtime::format_err!("cannot create {}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut written: u64 = 0;
    let mut put = |out: &mut std::io::BufWriter<std::fs::File>, bytes: &[u8]| -> Result<()> {
        out.write_all(bytes)
            .map_err(|e| wasmtime::format_err!("cannot write {}: {e}", path.display()))?;
        written += bytes.len() as u64;
        Ok(())
    };
    put(&mut out, &wasm_encoder::Module::new().finish())?;
    put(&mut out, &section_bytes(&CoreDumpSection::new(name)))?;
    put(&mut out, &section_bytes(&memory_section))?;
    put(&mut out, &section_bytes(&global_section))?;
    // The data section: id, size, count, then each segment's header and its
    // bytes straight from the memory.
    put(&mut out, &framing)?;
    for (h, s) in headers.iter().zip(&segments) {
        put(&mut out, h)?;
        let data = memories[s.memory as usize].data(&*store);
        put(
            &mut out,
            &data[s.offset as usize..(s.offset + s.len) as usize],
        )?;
    }
    put(&mut out, &section_bytes(&modules))?;
    put(&mut out, &section_bytes(&instances))?;
    put(&mut out, &section_bytes(&stack_section))?;
    put(
        &mut out,
        &section_bytes(&wasm_encoder::CustomSection {
            name: SECTION_NAME.into(),
            data: ours_json.into(),
        }),
    )?;
    out.flush()
        .map_err(|e| wasmtime::format_err!("cannot write {}: {e}", path.display()))?;
    Ok(CoreFileWritten {
        path: path.to_path_buf(),
        bytes: written,
        frames: depth,
        memories: memories.len(),
        memory_bytes: total,
    })
}

/// A section as the bytes a module holds for it (id, size, contents).
fn section_bytes(section: &impl wasm_encoder::Section) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.push(section.id());
    section.encode(&mut bytes);
    bytes
}

/// How many bytes the unsigned LEB128 encoding of `n` takes.
fn leb_len(n: u64) -> u64 {
    let mut v = Vec::new();
    n.encode(&mut v);
    v.len() as u64
}

/// An active data segment's header (its bytes follow it): mode, memory,
/// offset expression, length.
fn segment_header(s: &Segment) -> Vec<u8> {
    let mut h = Vec::new();
    if s.memory == 0 {
        h.push(0x00);
    } else {
        h.push(0x02);
        s.memory.encode(&mut h);
    }
    let offset = if s.memory64 {
        ConstExpr::i64_const(s.offset as i64)
    } else {
        ConstExpr::i32_const(s.offset as u32 as i32)
    };
    offset.encode(&mut h);
    (s.len as u32).encode(&mut h);
    h
}

/// Values as `corestack` records them, with those it cannot (v128,
/// references) as missing and listed, by position, for our section.
fn dump_values(values: &[Value]) -> (Vec<CoreDumpValue>, Vec<(u32, Value)>) {
    let mut extra = Vec::new();
    let out = values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::I32(x) => CoreDumpValue::I32(*x),
            Value::I64(x) => CoreDumpValue::I64(*x),
            Value::F32(bits) => CoreDumpValue::F32(Ieee32::new(*bits)),
            Value::F64(bits) => CoreDumpValue::F64(Ieee64::new(*bits)),
            Value::V128(_) | Value::Ref { .. } => {
                extra.push((i as u32, v.clone()));
                CoreDumpValue::Missing
            }
        })
        .collect();
    (out, extra)
}

/// A global's type and initializer in the dump. References are written as
/// null of their top type (as wasmtime does: a dump cannot hold a live
/// reference).
fn global_init(ty: &ValType, value: &Val) -> (wasm_encoder::ValType, ConstExpr) {
    use wasm_encoder::{AbstractHeapType, HeapType as H, RefType as R};
    match (ty, value) {
        (_, Val::I32(x)) => (wasm_encoder::ValType::I32, ConstExpr::i32_const(*x)),
        (_, Val::I64(x)) => (wasm_encoder::ValType::I64, ConstExpr::i64_const(*x)),
        (_, Val::F32(x)) => (
            wasm_encoder::ValType::F32,
            ConstExpr::f32_const(Ieee32::new(*x)),
        ),
        (_, Val::F64(x)) => (
            wasm_encoder::ValType::F64,
            ConstExpr::f64_const(Ieee64::new(*x)),
        ),
        (_, Val::V128(x)) => (
            wasm_encoder::ValType::V128,
            ConstExpr::v128_const(x.as_u128() as i128),
        ),
        (ValType::Ref(r), _) => {
            let (rt, heap) = match r.heap_type().top() {
                wasmtime::HeapType::Extern => (R::EXTERNREF, H::EXTERN),
                wasmtime::HeapType::Any => (R::ANYREF, H::ANY),
                wasmtime::HeapType::Exn => (
                    R {
                        nullable: true,
                        heap_type: H::Abstract {
                            shared: false,
                            ty: AbstractHeapType::Exn,
                        },
                    },
                    H::Abstract {
                        shared: false,
                        ty: AbstractHeapType::Exn,
                    },
                ),
                _ => (R::FUNCREF, H::FUNC),
            };
            (wasm_encoder::ValType::Ref(rt), ConstExpr::ref_null(heap))
        }
        // A value that does not match its type cannot happen; write i32 0.
        _ => (wasm_encoder::ValType::I32, ConstExpr::i32_const(0)),
    }
}
