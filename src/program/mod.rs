//! Facts about a WebAssembly module read straight from its binary with
//! `wasmparser`/`wasmprinter`: function names, local names, exports, code
//! layout, instruction boundaries and instruction text; DWARF source
//! lines and variables (`dwarf`).
//!
//! Nothing here touches wasmtime: the debugger core joins these facts with
//! what the engine reports at a pause.

mod core_modules;
mod disasm;
pub mod dwarf;
pub mod expr;
mod handlers;
mod info;
pub mod number;
pub mod value;
pub mod variables;

pub use core_modules::{
    ComponentItem, CoreModule, CoreModuleId, Program, ProgramKind, is_component, split_qualifier,
};
pub use disasm::Disassembly;
pub use handlers::{Handling, handling};
pub use info::{
    ExportKind, FuncInfo, GlobalDecl, Import, MemoryDecl, ModuleBytes, ModuleInfo, Section,
    TableDecl, WriteTarget, load_module_bytes, map_module_bytes,
};
