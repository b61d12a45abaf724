//! [`Program`]: what was loaded — one core module, or a component with the
//! core modules inside it — and the facts of each core module.
//!
//! A core module is named by its [`CoreModuleId`]: its index in
//! [`Program::modules`]. For a plain module that is always 0; for a
//! component, the order in which the core modules appear in the component
//! binary (depth first, nested components included). Every pc in wasmdbg is
//! a byte offset from the start of its own core module's binary, the offset
//! wasmtime's debug API reports.

use crate::error::{Error, malformed, not_found};
use std::ops::Range;
use std::sync::Arc;

use wasmparser::{ComponentExternalKind, Parser, Payload};

use super::ModuleInfo;

/// A core module of the program: its index in [`Program::modules`].
/// Written as the bare index in JSON and text (`0`, `1`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CoreModuleId(pub u32);

impl CoreModuleId {
    /// The first core module: a plain module's only one, a component's
    /// first in binary order.
    pub const FIRST: CoreModuleId = CoreModuleId(0);

    /// Its index in [`Program::modules`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for CoreModuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A place in the program's code: a core module and a byte offset from the
/// start of that core module's binary (what wasmtime's debug API reports).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Pc {
    /// The core module.
    pub module: CoreModuleId,
    /// Byte offset in the core module's binary.
    pub offset: usize,
}

/// Whether the program is a core module or a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramKind {
    /// A core WebAssembly module (run with WASI preview 1).
    Module,
    /// A component (run with WASI 0.2).
    Component,
}

/// One core module of the program.
#[derive(Debug)]
pub struct CoreModule {
    /// Its name: the component name section's name for it (wit-component
    /// writes `main`, `wit-component-shim-module`, ...), else the module's
    /// own name section's, else `module N`.
    pub name: String,
    /// Where its binary lies in the program's binary.
    pub range: Range<usize>,
    /// Its facts (names, code layout, DWARF).
    pub info: Arc<ModuleInfo>,
}

/// A component's import or export, by its full name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentItem {
    /// The name as the component writes it (`wasi:cli/run@0.2.0`, `add`).
    pub name: String,
    /// `func`, `instance`, `type`, `component`, `module` or `value`.
    pub kind: &'static str,
}

/// What was loaded.
#[derive(Debug)]
pub struct Program {
    /// Module or component.
    pub kind: ProgramKind,
    /// Its core modules, in [`CoreModuleId`] order; never empty.
    pub modules: Vec<CoreModule>,
    /// A component's top-level imports (empty for a core module).
    pub imports: Vec<ComponentItem>,
    /// A component's top-level exports (empty for a core module).
    pub exports: Vec<ComponentItem>,
}

/// Whether `bytes` start with a component's header (rather than a core
/// module's); both begin with `\0asm`, the layer field tells them apart.
pub fn is_component(bytes: &[u8]) -> bool {
    Parser::is_component(bytes)
}

impl Program {
    /// A program of one core module.
    pub fn module(info: ModuleInfo) -> Program {
        let len = info.bytes().len();
        Program {
            kind: ProgramKind::Module,
            modules: vec![CoreModule {
                name: info.module_name().unwrap_or("module").to_string(),
                range: 0..len,
                info: Arc::new(info),
            }],
            imports: Vec::new(),
            exports: Vec::new(),
        }
    }

    /// A core module with modules preloaded under import names (`--preload
    /// NAME=MODULE`): the main module is core module 0, each preload after
    /// it in the order given, named by its NAME.
    pub fn with_preloads(main: ModuleInfo, preloads: Vec<(String, ModuleInfo)>) -> Program {
        let mut program = Program::module(main);
        for (name, info) in preloads {
            let len = info.bytes().len();
            program.modules.push(CoreModule {
                name,
                range: 0..len,
                info: Arc::new(info),
            });
        }
        program
    }

    /// Reads a component's structure: its core modules (each parsed into a
    /// [`ModuleInfo`]), their names, and the component's imports and
    /// exports. Nothing is validated beyond what reading needs; wasmtime
    /// validates when it compiles.
    ///
    /// # Errors
    /// A malformed binary (wasmparser's message and offset), or a component
    /// without any core module (nothing to debug).
    pub fn component(bytes: &[u8]) -> Result<Program, Error> {
        let mut modules: Vec<(Range<usize>, Option<String>)> = Vec::new();
        let mut names: Vec<(u32, String)> = Vec::new();
        let mut imports = Vec::new();
        let mut exports = Vec::new();
        // Depth 1 is the top-level component; core modules' own payloads
        // and nested components' sections come at other depths.
        let mut depth = 0usize;
        // Core module index space of the top-level component: only defined
        // modules are counted (imported core modules have no code here).
        let mut top_modules: Vec<usize> = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::Version { .. } => depth += 1,
                Payload::End(_) => depth = depth.saturating_sub(1),
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    if depth == 1 {
                        top_modules.push(modules.len());
                    }
                    modules.push((unchecked_range, None));
                }
                Payload::ComponentImportSection(reader) if depth == 1 => {
                    for import in reader {
                        let import = import?;
                        imports.push(ComponentItem {
                            name: import.name.name.to_string(),
                            kind: type_ref_kind(&import.ty),
                        });
                    }
                }
                Payload::ComponentExportSection(reader) if depth == 1 => {
                    for export in reader {
                        let export = export?;
                        exports.push(ComponentItem {
                            name: export.name.name.to_string(),
                            kind: external_kind(export.kind),
                        });
                    }
                }
                Payload::CustomSection(c) if depth == 1 && c.name() == "component-name" => {
                    // A malformed name section is ignored, as wasmtime does.
                    let reader = wasmparser::ComponentNameSectionReader::new(
                        wasmparser::BinaryReader::new(c.data(), c.data_offset()),
                    );
                    for name in reader.into_iter().flatten() {
                        if let wasmparser::ComponentName::CoreModules(map) = name {
                            for naming in map.into_iter().flatten() {
                                names.push((naming.index, naming.name.to_string()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (index, name) in names {
            if let Some(&m) = top_modules.get(index as usize) {
                modules[m].1 = Some(name);
            }
        }
        if modules.is_empty() {
            return Err(malformed!(
                "the component has no core module (nothing to run or debug)"
            ));
        }
        let modules = modules
            .into_iter()
            .enumerate()
            .map(|(i, (range, name))| {
                let info = ModuleInfo::parse(bytes[range.clone()].to_vec())
                    .map_err(|e| e.context(format_args!("core module {i}")))?;
                let name = name
                    .or_else(|| info.module_name().map(str::to_string))
                    .unwrap_or_else(|| format!("module {i}"));
                Ok(CoreModule {
                    name,
                    range,
                    info: Arc::new(info),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Program {
            kind: ProgramKind::Component,
            modules,
            imports,
            exports,
        })
    }

    /// The core module `id`, when there is one.
    pub fn get(&self, id: CoreModuleId) -> Option<&CoreModule> {
        self.modules.get(id.index())
    }

    /// The facts of core module `id`, one this program gave out.
    pub fn info(&self, id: CoreModuleId) -> &Arc<ModuleInfo> {
        // Ids come from this program (its modules, `find`, frames the
        // engine reports); one from outside is checked where it enters
        // (`find`, the core's `resolve`), never replaced by module 0.
        &self.modules[id.index()].info
    }

    /// Every core module's id, in order.
    pub fn ids(&self) -> impl Iterator<Item = CoreModuleId> + use<> {
        (0..self.modules.len() as u32).map(CoreModuleId)
    }

    /// Whether there is more than one core module (then front ends name
    /// each frame's module).
    pub fn is_multi(&self) -> bool {
        self.modules.len() > 1
    }

    /// Finds a core module by what a user types: its index (`0`, `2`) or
    /// its name.
    ///
    /// # Errors
    /// One line listing the modules when none matches.
    pub fn find(&self, text: &str) -> Result<CoreModuleId, Error> {
        if let Ok(i) = text.parse::<u32>()
            && (i as usize) < self.modules.len()
        {
            return Ok(CoreModuleId(i));
        }
        if let Some(i) = self.modules.iter().position(|m| m.name == text) {
            return Ok(CoreModuleId(i as u32));
        }
        let known: Vec<String> = self
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{i} ({})", m.name))
            .collect();
        Err(not_found!(
            "no core module {text:?}; the program has {}",
            known.join(", ")
        ))
    }

    /// The name front ends print for module `id`.
    pub fn name(&self, id: CoreModuleId) -> &str {
        self.get(id).map_or("?", |m| m.name.as_str())
    }
}

fn type_ref_kind(ty: &wasmparser::ComponentTypeRef) -> &'static str {
    use wasmparser::ComponentTypeRef as T;
    match ty {
        T::Module(_) => "module",
        T::Func(_) => "func",
        T::Value(_) => "value",
        T::Type(_) => "type",
        T::Instance(_) => "instance",
        T::Component(_) => "component",
    }
}

fn external_kind(kind: ComponentExternalKind) -> &'static str {
    match kind {
        ComponentExternalKind::Module => "module",
        ComponentExternalKind::Func => "func",
        ComponentExternalKind::Value => "value",
        ComponentExternalKind::Type => "type",
        ComponentExternalKind::Instance => "instance",
        ComponentExternalKind::Component => "component",
    }
}

/// Splits a module qualifier off a location: lldb's `MODULE` + backtick +
/// `LOCATION` (`main` + backtick + `app::settle`, `1` + backtick +
/// `*0x40`). `None` when the location has no backtick.
pub fn split_qualifier(location: &str) -> Option<(&str, &str)> {
    let (module, rest) = location.split_once('`')?;
    Some((module.trim(), rest.trim()))
}
