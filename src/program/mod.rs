//! The program model: what is known without running anything. The
//! [`Program`] (one core module, or a component's core modules, named by
//! [`CoreModuleId`]; code named by [`Pc`]), each core module's facts read
//! straight from its binary with `wasmparser`/`wasmprinter` (function and
//! local names, imports, exports, code layout, instruction boundaries and
//! text), DWARF source lines and inline frames ([`dwarf`]), the expression
//! language ([`expr`]), and DWARF variables and their values ([`variables`],
//! [`value`]) read against whatever frame they are given.
//!
//! Nothing here touches wasmtime, a store or a thread: the debugger core
//! (`crate::debugger`) joins these facts with what the engine reports at a
//! pause, or a core dump or a replay holds.

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
    ComponentItem, CoreModule, CoreModuleId, Pc, Program, ProgramKind, is_component,
    split_qualifier,
};
pub use disasm::Disassembly;
pub use handlers::{Handling, handling};
pub use info::{
    EntryFacts, ExportKind, ExportedFuncs, FuncInfo, GlobalDecl, Import, MemoryDecl, ModuleBytes,
    ModuleInfo, Section, TableDecl, WriteTarget, load_module_bytes, map_module_bytes,
};
