//! Core dumps in the WebAssembly tool-conventions format (`Coredump.md`):
//! a Wasm module whose memory, global and data sections hold the program's
//! memories and globals, with the custom sections `core` (the process
//! name), `coremodules`, `coreinstances` and `corestack` (one thread's
//! frames: instance, function index, code offset from the function's body,
//! locals and operand stack). `wasm-tools validate` and `wasm-tools dump`
//! read them.
//!
//! What the format cannot express goes into a custom section of our own,
//! `wasmdbg-coredump` ([`WasmdbgSection`], JSON, versioned), that other
//! readers ignore: each frame's core module and module offset, the v128 and
//! reference values the format writes as missing, and each core module's
//! hash.
//!
//! [`write`] writes one from a pause; [`read`] opens one (ours or
//! wasmtime's) for post-mortem debugging.

use serde::{Deserialize, Serialize};

use super::protocol::Value;

/// Opening a core dump.
pub mod read;
pub(crate) mod write;

/// The name of our own custom section.
pub const SECTION_NAME: &str = "wasmdbg-coredump";

/// The version of [`WasmdbgSection`]'s layout; a reader refuses a newer one.
pub const SECTION_VERSION: u32 = 1;

/// What a core dump records that the tool-conventions format cannot: the
/// contents of the `wasmdbg-coredump` custom section, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WasmdbgSection {
    /// [`SECTION_VERSION`] of the writer.
    pub version: u32,
    /// One entry per core module, in `coremodules` order (which is also the
    /// `coreinstances` order: one instance per core module).
    pub modules: Vec<DumpedModule>,
    /// One entry per `corestack` frame, innermost first.
    pub frames: Vec<DumpedFrame>,
    /// Why the program was paused when the dump was written.
    pub stop: Option<super::protocol::StopReason>,
    /// The Rust panic or C `assert` the program reported on stderr before
    /// it trapped (absent in dumps of older writers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<super::protocol::PanicMessage>,
}

/// A core module of the dumped program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DumpedModule {
    /// Its name (as `coremodules` gives it).
    pub name: String,
    /// Its binary's length in bytes.
    pub size: usize,
    /// The BLAKE3 hash of its binary, hex: `wasmdbg core` checks the module
    /// it is given against it.
    pub blake3: String,
}

/// A frame, beyond what `corestack` says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DumpedFrame {
    /// The core module (and instance) whose function it is.
    pub module: u32,
    /// The pc: a byte offset from the start of that module's binary
    /// (`corestack` has the offset from the function's body).
    pub pc: usize,
    /// Locals `corestack` records as missing (v128, references), by local
    /// index.
    pub locals: Vec<(u32, Value)>,
    /// Operand stack slots `corestack` records as missing, by slot (0 =
    /// bottom).
    pub stack: Vec<(u32, Value)>,
}
