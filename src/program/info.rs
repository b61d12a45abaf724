//! [`ModuleInfo`]: the module's functions, names and code layout.

use crate::error::{Error, invalid, io_error, malformed, unavailable};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use wasmparser::{ExternalKind, Name, Parser, Payload, TypeRef, ValType};

/// Reads MODULE from disk and returns it as a Wasm binary.
///
/// The file is a `.wasm` binary or `.wat` text; which one is decided by its
/// content (the `\0asm` magic), not by its extension. Text is converted with
/// the `wat` parser that wasmtime uses.
///
/// # Errors
/// A missing or unreadable file (with the OS reason), or text that does not
/// parse (the parser's message with line and column).
pub fn load_module_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes =
        std::fs::read(path).map_err(|e| io_error!("cannot read {}: {e}", path.display()))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    from_text(path, &bytes)
}

/// A module's bytes, mapped from its file when it is a binary, else the
/// binary parsed from its text.
pub enum ModuleBytes {
    /// The file, mapped read-only.
    Mapped(memmap2::Mmap),
    /// A binary built from Wasm text.
    Owned(Vec<u8>),
}

impl std::ops::Deref for ModuleBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ModuleBytes::Mapped(m) => m,
            ModuleBytes::Owned(v) => v,
        }
    }
}

/// As [`load_module_bytes`], with a binary mapped instead of read: on a
/// 21 MB module reading costs 20 ms (fresh pages zeroed, then copied), more
/// than `wasmdbg record` may add to a run (`record` reads the module once,
/// to hash and compile it).
///
/// # Errors
/// As [`load_module_bytes`].
#[allow(unsafe_code)]
pub fn map_module_bytes(path: &Path) -> Result<ModuleBytes, Error> {
    let file =
        std::fs::File::open(path).map_err(|e| io_error!("cannot read {}: {e}", path.display()))?;
    // SAFETY: the slice is valid while the file keeps its bytes. A module
    // rewritten in place during the few milliseconds it is read (hashed,
    // checked, compiled) would make those reads see a mix, and a truncated
    // one would raise SIGBUS; wasmtime copies what it keeps, so nothing
    // reads the mapping after compiling.
    let Ok(mapped) = (unsafe { memmap2::Mmap::map(&file) }) else {
        // What cannot be mapped (a directory, a pipe) is read, and fails
        // or not as it would for a session.
        return load_module_bytes(path).map(ModuleBytes::Owned);
    };
    if mapped.starts_with(b"\0asm") {
        return Ok(ModuleBytes::Mapped(mapped));
    }
    from_text(path, &mapped).map(ModuleBytes::Owned)
}

/// The binary of the Wasm text `bytes` read from `path`.
fn from_text(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        malformed!(
            "{} is neither a Wasm binary (no \\0asm magic) nor UTF-8 Wasm text",
            path.display()
        )
    })?;
    let mut wat_err = match wat::parse_str(text) {
        Ok(bin) => return Ok(bin),
        Err(e) => e,
    };
    wat_err.set_path(path);
    // wat's message is several lines: the message, then `--> FILE:LINE:COL`
    // and the source excerpt. Keep it to one line.
    let text = wat_err.to_string();
    let message = text.lines().next().unwrap_or("invalid Wasm text");
    match text.lines().find_map(|l| l.trim().strip_prefix("--> ")) {
        Some(location) => Err(malformed!("{location}: {message}")),
        None => Err(malformed!("{}: {message}", path.display())),
    }
}

/// What an export refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExportKind {
    /// A function (function index space).
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

/// One function of the module's function index space.
#[derive(Clone, Debug)]
pub struct FuncInfo {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types, in order.
    pub results: Vec<ValType>,
    /// `Some((module, field))` for an imported function.
    pub import: Option<(String, String)>,
    /// For a defined function: the byte range of its body (locals
    /// declarations and code) in the module binary.
    pub body: Option<Range<usize>>,
}

/// What a watchpoint watches, for [`ModuleInfo::write_sites`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteTarget {
    /// A global, by index.
    Global(u32),
    /// Linear memory.
    Memory,
}

/// One import.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What it imports.
    pub kind: ExportKind,
    /// Its index in that kind's index space.
    pub index: u32,
}

/// A global's declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalDecl {
    /// Its value type, as the text format writes it.
    pub ty: String,
    /// `mut` or not.
    pub mutable: bool,
    /// Imported from (module, name).
    pub import: Option<(String, String)>,
}

/// A memory's declaration (sizes in 64 KiB pages).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemoryDecl {
    /// Initial size in pages.
    pub min: u64,
    /// Maximum size in pages.
    pub max: Option<u64>,
    /// `shared` (threads proposal).
    pub shared: bool,
    /// 64-bit addresses (memory64 proposal).
    pub memory64: bool,
    /// Imported from (module, name).
    pub import: Option<(String, String)>,
}

/// A table's declaration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableDecl {
    /// Element type, as the text format writes it.
    pub element: String,
    /// Initial size in elements.
    pub min: u64,
    /// Maximum size in elements.
    pub max: Option<u64>,
    /// Imported from (module, name).
    pub import: Option<(String, String)>,
}

/// One section of the binary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Section {
    /// `type`, `import`, `code`, ..., or `custom "NAME"`.
    pub name: String,
    /// The section's contents (after its id and size) in the binary.
    pub range: Range<usize>,
}

/// Facts about one module, read once from its binary.
///
/// All offsets ("pc") are byte offsets from the start of the module binary,
/// the offsets that `wasm-tools objdump` and wasmtime backtraces print.
pub struct ModuleInfo {
    bytes: Arc<Vec<u8>>,
    funcs: Vec<FuncInfo>,
    num_imported_funcs: u32,
    func_names: HashMap<u32, String>,
    local_names: HashMap<u32, HashMap<u32, String>>,
    tag_names: HashMap<u32, String>,
    global_names: HashMap<u32, String>,
    exports: Vec<(String, ExportKind, u32)>,
    imports: Vec<Import>,
    globals: Vec<GlobalDecl>,
    memories: Vec<MemoryDecl>,
    tables: Vec<TableDecl>,
    sections: Vec<Section>,
    module_name: Option<String>,
    code_section: Option<Range<usize>>,
    /// Code layout of each defined function, computed on first use.
    code: Vec<OnceLock<FuncCode>>,
    /// Instruction text of each defined function, printed on first use.
    disasm: Vec<OnceLock<Result<super::Disassembly, Error>>>,
    /// A DWARF package for split DWARF: (its bytes, its path as shown).
    dwp: Option<(Vec<u8>, String)>,
    /// The DWARF, read on first use.
    debug: OnceLock<Result<Option<super::dwarf::DebugInfo>, Error>>,
}

impl std::fmt::Debug for ModuleInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleInfo")
            .field("bytes", &self.bytes.len())
            .field("funcs", &self.funcs.len())
            .finish_non_exhaustive()
    }
}

impl ModuleInfo {
    /// Parses the module's sections (no validation beyond what reading needs;
    /// wasmtime validates when it compiles).
    ///
    /// # Errors
    /// A malformed binary, with wasmparser's message and offset.
    pub fn parse(bytes: impl Into<Arc<Vec<u8>>>) -> Result<ModuleInfo, Error> {
        let bytes = bytes.into();
        let mut types: Vec<(Vec<ValType>, Vec<ValType>)> = Vec::new();
        let mut funcs = Vec::new();
        let mut num_imported_funcs = 0;
        let mut func_names = HashMap::new();
        let mut local_names = HashMap::new();
        let mut tag_names = HashMap::new();
        let mut global_names = HashMap::new();
        let mut exports = Vec::new();
        let mut imports = Vec::new();
        let mut globals = Vec::new();
        let mut memories = Vec::new();
        let mut tables = Vec::new();
        let mut sections = Vec::new();
        let mut module_name = None;
        let mut counts = [0u32; 5]; // func, table, memory, global, tag
        let mut code_section = None;
        let mut code_index = 0usize;
        let func_type_of = |types: &Vec<(Vec<ValType>, Vec<ValType>)>, idx: u32| {
            types.get(idx as usize).cloned().unwrap_or_default()
        };
        for payload in Parser::new(0).parse_all(&bytes) {
            let payload = payload?;
            if let Some(section) = section_of(&payload) {
                sections.push(section);
            }
            match payload {
                Payload::TypeSection(reader) => {
                    for rec in reader {
                        for sub in rec?.into_types() {
                            match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => {
                                    types.push((f.params().to_vec(), f.results().to_vec()))
                                }
                                _ => types.push(Default::default()),
                            }
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        let from = Some((import.module.to_string(), import.name.to_string()));
                        let kind = match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => ExportKind::Func,
                            TypeRef::Table(t) => {
                                tables.push(table_decl(&t, from.clone()));
                                ExportKind::Table
                            }
                            TypeRef::Memory(m) => {
                                memories.push(memory_decl(&m, from.clone()));
                                ExportKind::Memory
                            }
                            TypeRef::Global(g) => {
                                globals.push(GlobalDecl {
                                    ty: g.content_type.to_string(),
                                    mutable: g.mutable,
                                    import: from.clone(),
                                });
                                ExportKind::Global
                            }
                            TypeRef::Tag(_) => ExportKind::Tag,
                        };
                        let slot = kind as usize;
                        imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                            index: counts[slot],
                        });
                        counts[slot] += 1;
                        if let TypeRef::Func(t) | TypeRef::FuncExact(t) = import.ty {
                            let (params, results) = func_type_of(&types, t);
                            funcs.push(FuncInfo {
                                params,
                                results,
                                import: Some((import.module.into(), import.name.into())),
                                body: None,
                            });
                            num_imported_funcs += 1;
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        let (params, results) = func_type_of(&types, t?);
                        funcs.push(FuncInfo {
                            params,
                            results,
                            import: None,
                            body: None,
                        });
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        tables.push(table_decl(&table?.ty, None));
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        memories.push(memory_decl(&memory?, None));
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let g = global?.ty;
                        globals.push(GlobalDecl {
                            ty: g.content_type.to_string(),
                            mutable: g.mutable,
                            import: None,
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        let kind = match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                            ExternalKind::Table => ExportKind::Table,
                            ExternalKind::Memory => ExportKind::Memory,
                            ExternalKind::Global => ExportKind::Global,
                            ExternalKind::Tag => ExportKind::Tag,
                        };
                        exports.push((export.name.to_string(), kind, export.index));
                    }
                }
                Payload::CodeSectionStart { range, .. } => code_section = Some(range),
                Payload::CodeSectionEntry(body) => {
                    let index = num_imported_funcs as usize + code_index;
                    code_index += 1;
                    if let Some(f) = funcs.get_mut(index) {
                        f.body = Some(body.range());
                    }
                }
                Payload::CustomSection(section) => {
                    if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                        // A damaged name section is not fatal: names are a convenience.
                        for name in reader.into_iter().flatten() {
                            if let Name::Module { name, .. } = &name {
                                module_name = Some(name.to_string());
                            }
                            read_names(
                                name,
                                &mut func_names,
                                &mut local_names,
                                &mut tag_names,
                                &mut global_names,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        let code = (0..funcs.len()).map(|_| OnceLock::new()).collect();
        let disasm = (0..code_index).map(|_| OnceLock::new()).collect();
        Ok(ModuleInfo {
            bytes,
            funcs,
            num_imported_funcs,
            func_names,
            local_names,
            tag_names,
            global_names,
            exports,
            imports,
            globals,
            memories,
            tables,
            sections,
            module_name,
            code_section,
            code,
            disasm,
            dwp: None,
            debug: OnceLock::new(),
        })
    }

    /// Uses `dwp` (a DWARF package's bytes and its path as shown) for split
    /// DWARF.
    pub fn with_dwp(mut self, dwp: Option<(Vec<u8>, String)>) -> ModuleInfo {
        self.dwp = dwp;
        self
    }

    /// The module's DWARF, read on first use; `None` when it has none or it
    /// could not be read ([`ModuleInfo::debug_error`] says why).
    pub fn debug_info(&self) -> Option<&super::dwarf::DebugInfo> {
        self.load_debug().as_ref().ok()?.as_ref()
    }

    /// Why the module's DWARF could not be read, when it could not.
    pub fn debug_error(&self) -> Option<&str> {
        self.load_debug().as_ref().err().map(|e| e.message.as_str())
    }

    fn load_debug(&self) -> &Result<Option<super::dwarf::DebugInfo>, Error> {
        self.debug.get_or_init(|| {
            let Some(code) = &self.code_section else {
                return Ok(None);
            };
            let dwp = self.dwp.as_ref().map(|(b, n)| (b.as_slice(), n.clone()));
            super::dwarf::DebugInfo::load(&self.bytes, code.start, dwp)
        })
    }

    /// All imports, in section order.
    pub fn imports(&self) -> &[Import] {
        &self.imports
    }

    /// Every global of the global index space (imports first).
    pub fn globals(&self) -> &[GlobalDecl] {
        &self.globals
    }

    /// Every memory of the memory index space (imports first).
    pub fn memories(&self) -> &[MemoryDecl] {
        &self.memories
    }

    /// Every table of the table index space (imports first).
    pub fn tables(&self) -> &[TableDecl] {
        &self.tables
    }

    /// The sections of the binary, in order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The module's name from the name section.
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// The module binary.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of imported functions; defined function `i` (wasmtime's
    /// `DefinedFuncIndex`) is function index `num_imported_funcs() + i`.
    pub fn num_imported_funcs(&self) -> u32 {
        self.num_imported_funcs
    }

    /// The number of functions (imported and defined).
    pub fn num_funcs(&self) -> u32 {
        self.funcs.len() as u32
    }

    /// The function with this function index, if there is one.
    pub fn func(&self, index: u32) -> Option<&FuncInfo> {
        self.funcs.get(index as usize)
    }

    /// The byte range of the code section in the module binary, if any.
    pub fn code_section(&self) -> Option<Range<usize>> {
        self.code_section.clone()
    }

    /// The name to show for a function: the name section's (Rust names
    /// demangled), else an export name, else `None`.
    pub fn func_name(&self, index: u32) -> Option<String> {
        if let Some(name) = self.func_names.get(&index) {
            return Some(demangle(name));
        }
        self.exports
            .iter()
            .find(|(_, kind, i)| *kind == ExportKind::Func && *i == index)
            .map(|(name, _, _)| name.clone())
    }

    /// The function called `name`: by name-section name (raw or as shown,
    /// demangled), else by export name. The lowest index wins a tie. `main`
    /// also finds the names clang gives a C `main` on WASI
    /// (`__original_main`, `__main_argc_argv`), since there may be no
    /// function called `main` at all. A name without `::` also finds the
    /// one function whose demangled path ends in `::NAME` (Rust's
    /// `crate::area2` for `area2`), as gdb matches unqualified names.
    pub fn find_func(&self, name: &str) -> Option<u32> {
        let found = self.find_func_exact(name);
        if found.is_none() && name == "main" {
            return ["__original_main", "__main_argc_argv"]
                .iter()
                .find_map(|n| self.find_func_exact(n));
        }
        if found.is_none() && !name.contains("::") && !name.is_empty() {
            let suffix = format!("::{name}");
            let mut matches: Vec<u32> = self
                .func_names
                .iter()
                .filter(|(_, n)| demangle(n).ends_with(&suffix))
                .map(|(i, _)| *i)
                .collect();
            matches.sort_unstable();
            if matches.len() == 1 {
                return matches.first().copied();
            }
        }
        found
    }

    /// Up to `n` function names (demangled, as shown) most like `name`,
    /// most alike first: normalized Damerau-Levenshtein similarity of at
    /// least 0.7 with the whole name or, when `name` is not a path, with a
    /// path's last segment (`setle` finds `app::settle`). For "did you
    /// mean" after a name that is not found.
    pub fn closest_funcs(&self, name: &str, n: usize) -> Vec<String> {
        let mut scored: Vec<(f64, String)> = self
            .func_names
            .values()
            .map(|raw| demangle(raw))
            .chain(
                self.exports
                    .iter()
                    .filter(|(_, k, _)| *k == ExportKind::Func)
                    .map(|(e, _, _)| e.clone()),
            )
            .map(|shown| {
                let whole = strsim::normalized_damerau_levenshtein(name, &shown);
                let last = match shown.rsplit("::").next() {
                    Some(last) if !name.contains("::") => {
                        strsim::normalized_damerau_levenshtein(name, last)
                    }
                    _ => 0.0,
                };
                (whole.max(last), shown)
            })
            .filter(|(score, _)| *score >= 0.7)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(n).map(|(_, s)| s).collect()
    }

    fn find_func_exact(&self, name: &str) -> Option<u32> {
        let mut named: Vec<u32> = self
            .func_names
            .iter()
            .filter(|(_, n)| n.as_str() == name || demangle(n) == name)
            .map(|(i, _)| *i)
            .collect();
        named.sort_unstable();
        named.first().copied().or_else(|| self.exported_func(name))
    }

    /// The name section's name for local `local` of function `func`.
    pub fn local_name(&self, func: u32, local: u32) -> Option<&str> {
        self.local_names.get(&func)?.get(&local).map(String::as_str)
    }

    /// The local index of the local called `name` in function `func`.
    pub fn find_local(&self, func: u32, name: &str) -> Option<u32> {
        self.local_names
            .get(&func)?
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(i, _)| *i)
    }

    /// The name section's name for global `index`.
    pub fn global_name(&self, index: u32) -> Option<&str> {
        self.global_names.get(&index).map(String::as_str)
    }

    /// The global called `name` (name section, else export).
    pub fn find_global(&self, name: &str) -> Option<u32> {
        self.global_names
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(i, _)| *i)
            .or_else(|| {
                self.exports
                    .iter()
                    .find(|(n, kind, _)| n == name && *kind == ExportKind::Global)
                    .map(|(_, _, i)| *i)
            })
    }

    /// The name section's name for tag `index`, else its export name.
    pub fn tag_name(&self, index: u32) -> Option<String> {
        self.tag_names.get(&index).cloned().or_else(|| {
            self.exports
                .iter()
                .find(|(_, kind, i)| *kind == ExportKind::Tag && *i == index)
                .map(|(name, _, _)| name.clone())
        })
    }

    /// All exports as (name, kind, index), in section order.
    pub fn exports(&self) -> &[(String, ExportKind, u32)] {
        &self.exports
    }

    /// The function index of the exported function `name`.
    pub fn exported_func(&self, name: &str) -> Option<u32> {
        self.exports
            .iter()
            .find(|(n, kind, _)| n == name && *kind == ExportKind::Func)
            .map(|(_, _, i)| *i)
    }

    /// The names of all exported functions, in section order.
    pub fn exported_func_names(&self) -> Vec<&str> {
        self.exports
            .iter()
            .filter(|(_, kind, _)| *kind == ExportKind::Func)
            .map(|(n, _, _)| n.as_str())
            .collect()
    }

    /// The module offsets of every instruction of defined function `index`
    /// (function index space), ascending; empty for imports or unknown
    /// indices. Computed on first use and cached.
    pub fn instruction_offsets(&self, index: u32) -> &[usize] {
        self.code(index).map_or(&[], |c| &c.offsets)
    }

    /// The type of local `local` of function `func` as the module declares
    /// it (parameters first, then the body's locals), as the text format
    /// writes it (`i32`, `i31ref`, `(ref null 3)`).
    pub fn local_type(&self, func: u32, local: u32) -> Option<String> {
        let params = &self.func(func)?.params;
        let local = local as usize;
        let ty = match params.get(local) {
            Some(t) => *t,
            None => *self.code(func)?.locals.get(local - params.len())?,
        };
        Some(ty.to_string())
    }

    /// How many locals function `func` has, its parameters included; `None`
    /// for an imported function or one whose code cannot be read.
    pub fn num_locals(&self, func: u32) -> Option<u32> {
        let params = self.func(func)?.params.len();
        Some((params + self.code(func)?.locals.len()) as u32)
    }

    fn code(&self, index: u32) -> Option<&FuncCode> {
        let body = self.funcs.get(index as usize)?.body.clone()?;
        Some(self.code[index as usize].get_or_init(|| FuncCode::read(&self.bytes, body)))
    }

    /// The function index whose body contains module offset `pc`.
    pub fn func_containing(&self, pc: usize) -> Option<u32> {
        let defined = &self.funcs[self.num_imported_funcs as usize..];
        let i = defined.partition_point(|f| f.body.as_ref().is_some_and(|b| b.end <= pc));
        let f = defined.get(i)?;
        f.body
            .as_ref()
            .filter(|b| b.contains(&pc))
            .map(|_| self.num_imported_funcs + i as u32)
    }

    /// Whether `pc` is the offset of an instruction of function `func`.
    pub fn is_instruction(&self, func: u32, pc: usize) -> bool {
        self.instruction_offsets(func).binary_search(&pc).is_ok()
    }

    /// Whether `pc` is in function `func`'s prologue: the start of its body,
    /// or within its locals declarations (before the first instruction).
    /// wasmtime reports a frame that exhausted the stack there.
    pub fn is_entry(&self, func: u32, pc: usize) -> bool {
        let Some(body) = self.func(func).and_then(|f| f.body.as_ref()) else {
            return false;
        };
        // wasmtime attributes the prologue (which checks the stack) to the
        // start of the body, or with locals to their declarations.
        let first = self.instruction_offsets(func).first().copied();
        pc == body.start || (body.start < pc && first.is_some_and(|first| pc < first))
    }

    /// The call instruction a frame of function `func` is waiting on, given
    /// the pc wasmtime reports for that frame, or `None` when `pc` cannot be
    /// such a frame's.
    ///
    /// wasmtime 48 records a plain call's frame at the instruction after the
    /// call, but a call inside a `try_table` (compiled as a call with an
    /// exception edge) at the call itself.
    pub fn call_site(&self, func: u32, pc: usize) -> Option<usize> {
        let code = self.code(func)?;
        if code.calls.get(&pc) == Some(&true) {
            return Some(pc);
        }
        if !self.is_instruction(func, pc) {
            return None;
        }
        let previous = self.previous_instruction(func, pc)?;
        code.calls.contains_key(&previous).then_some(previous)
    }

    /// When the instruction at `pc` is a direct `call` of an imported
    /// function: that import's (module, name).
    pub fn called_import(&self, pc: usize) -> Option<(String, String)> {
        let bytes = self.bytes.get(pc..)?;
        let reader = wasmparser::BinaryReader::new(bytes, pc);
        match wasmparser::OperatorsReader::new(reader).read() {
            Ok(wasmparser::Operator::Call { function_index }) => {
                self.func(function_index)?.import.clone()
            }
            _ => None,
        }
    }

    /// Where a watchpoint must look: the module offsets of the instructions
    /// right after every instruction that can change `target` — for a
    /// global, `global.set` of it; for memory, every store, atomic
    /// read-modify-write, `memory.fill/copy/init`, and every call of an
    /// imported function (host code can write memory). Sorted.
    pub fn write_sites(&self, target: WriteTarget) -> Vec<usize> {
        use wasmparser::Operator as O;
        let mut sites = Vec::new();
        for func in self.num_imported_funcs..self.num_funcs() {
            let Some(body) = self.func(func).and_then(|f| f.body.clone()) else {
                continue;
            };
            let reader = wasmparser::BinaryReader::new(&self.bytes[body.clone()], body.start);
            let Ok(mut ops) = wasmparser::FunctionBody::new(reader).get_operators_reader() else {
                continue;
            };
            let mut writes_previous = false;
            while !ops.eof() {
                let at = ops.original_position();
                if writes_previous {
                    sites.push(at);
                }
                let Ok(op) = ops.read() else { break };
                writes_previous = match (&op, target) {
                    (O::GlobalSet { global_index }, WriteTarget::Global(g)) => *global_index == g,
                    (O::Call { function_index }, WriteTarget::Memory) => self
                        .func(*function_index)
                        .is_some_and(|f| f.import.is_some()),
                    (_, WriteTarget::Memory) => {
                        let name = format!("{op:?}");
                        let name = name.split([' ', '{', '(']).next().unwrap_or("");
                        name.contains("Store")
                            || name.contains("Rmw")
                            || name.contains("Cmpxchg")
                            || matches!(name, "MemoryFill" | "MemoryCopy" | "MemoryInit")
                    }
                    _ => false,
                };
            }
        }
        sites
    }

    /// The offset of the instruction just before `pc` in function `func`
    /// (for a caller's frame, whose reported pc is the instruction after the
    /// call), or `None` when `pc` is at or before the first instruction.
    pub fn previous_instruction(&self, func: u32, pc: usize) -> Option<usize> {
        let offsets = self.instruction_offsets(func);
        let i = offsets.partition_point(|&o| o < pc);
        i.checked_sub(1).map(|i| offsets[i])
    }

    /// The text of the instruction at module offset `pc`, as wasmprinter
    /// prints it; `None` outside function bodies or when the function
    /// cannot be printed. Each function is printed once, on first use.
    pub fn instruction_text(&self, pc: usize) -> Option<&str> {
        self.disassembly(self.func_containing(pc)?)
            .ok()?
            .instruction(pc)
    }

    /// The instruction text of function `func`, printed on first use.
    ///
    /// # Errors
    /// `func` is imported or out of range, or wasmprinter cannot print it
    /// (its message).
    pub fn disassembly(&self, func: u32) -> Result<&super::Disassembly, Error> {
        let defined = (func as usize)
            .checked_sub(self.num_imported_funcs as usize)
            .and_then(|d| self.disasm.get(d).map(|cell| (d, cell)));
        let Some((defined, cell)) = defined else {
            return Err(unavailable!("func[{func}] has no code in this module"));
        };
        cell.get_or_init(|| {
            super::Disassembly::function(&self.bytes, defined).map_err(|e| invalid!("{e:#}"))
        })
        .as_ref()
        .map_err(Clone::clone)
    }
}

fn table_decl(t: &wasmparser::TableType, import: Option<(String, String)>) -> TableDecl {
    TableDecl {
        element: t.element_type.to_string(),
        min: t.initial,
        max: t.maximum,
        import,
    }
}

fn memory_decl(m: &wasmparser::MemoryType, import: Option<(String, String)>) -> MemoryDecl {
    MemoryDecl {
        min: m.initial,
        max: m.maximum,
        shared: m.shared,
        memory64: m.memory64,
        import,
    }
}

/// The section a payload starts, if it is one.
fn section_of(payload: &Payload<'_>) -> Option<Section> {
    let (name, range) = match payload {
        Payload::TypeSection(r) => ("type", r.range()),
        Payload::ImportSection(r) => ("import", r.range()),
        Payload::FunctionSection(r) => ("function", r.range()),
        Payload::TableSection(r) => ("table", r.range()),
        Payload::MemorySection(r) => ("memory", r.range()),
        Payload::TagSection(r) => ("tag", r.range()),
        Payload::GlobalSection(r) => ("global", r.range()),
        Payload::ExportSection(r) => ("export", r.range()),
        Payload::StartSection { range, .. } => ("start", range.clone()),
        Payload::ElementSection(r) => ("element", r.range()),
        Payload::DataCountSection { range, .. } => ("datacount", range.clone()),
        Payload::CodeSectionStart { range, .. } => ("code", range.clone()),
        Payload::DataSection(r) => ("data", r.range()),
        Payload::CustomSection(c) => {
            return Some(Section {
                name: format!("custom {:?}", c.name()),
                range: c.range(),
            });
        }
        _ => return None,
    };
    Some(Section {
        name: name.to_string(),
        range,
    })
}

fn read_names(
    name: Name<'_>,
    func_names: &mut HashMap<u32, String>,
    local_names: &mut HashMap<u32, HashMap<u32, String>>,
    tag_names: &mut HashMap<u32, String>,
    global_names: &mut HashMap<u32, String>,
) {
    match name {
        Name::Function(map) => {
            for naming in map.into_iter().flatten() {
                func_names.insert(naming.index, naming.name.to_string());
            }
        }
        Name::Local(map) => {
            for indirect in map.into_iter().flatten() {
                let names = local_names.entry(indirect.index).or_default();
                for naming in indirect.names.into_iter().flatten() {
                    names.insert(naming.index, naming.name.to_string());
                }
            }
        }
        Name::Tag(map) => {
            for naming in map.into_iter().flatten() {
                tag_names.insert(naming.index, naming.name.to_string());
            }
        }
        Name::Global(map) => {
            for naming in map.into_iter().flatten() {
                global_names.insert(naming.index, naming.name.to_string());
            }
        }
        _ => {}
    }
}

/// Demangles a Rust (legacy or v0) symbol; other names are returned as they
/// are. The hash suffix of legacy symbols is dropped.
fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        Ok(d) => format!("{d:#}"),
        Err(_) => name.to_string(),
    }
}

/// The instructions of one function body.
struct FuncCode {
    /// Module offset of every instruction, ascending.
    offsets: Vec<usize>,
    /// Module offset of every `call`/`call_indirect`/`call_ref`, and whether
    /// it lies inside a `try_table`.
    calls: HashMap<usize, bool>,
    /// Types of the declared locals (after the parameters).
    locals: Vec<ValType>,
}

impl FuncCode {
    /// Reads the body at `range` of the module binary. A body that does not
    /// decode ends the listing where decoding stopped.
    fn read(bytes: &[u8], range: Range<usize>) -> FuncCode {
        use wasmparser::Operator as O;
        let reader = wasmparser::BinaryReader::new(&bytes[range.clone()], range.start);
        let body = wasmparser::FunctionBody::new(reader);
        let mut code = FuncCode {
            offsets: Vec::new(),
            calls: HashMap::new(),
            locals: Vec::new(),
        };
        if let Ok(reader) = body.get_locals_reader() {
            for local in reader {
                let Ok((count, ty)) = local else { break };
                // A count too large to hold is left out rather than allocated.
                if code.locals.len() + count as usize > 1 << 20 {
                    break;
                }
                code.locals.extend(std::iter::repeat_n(ty, count as usize));
            }
        }
        // Open blocks: true for a try_table.
        let mut blocks: Vec<bool> = Vec::new();
        let Ok(mut ops) = body.get_operators_reader() else {
            return code;
        };
        while !ops.eof() {
            let at = ops.original_position();
            let Ok(op) = ops.read() else { break };
            code.offsets.push(at);
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => blocks.push(false),
                O::TryTable { .. } => blocks.push(true),
                O::End => {
                    blocks.pop();
                }
                O::Call { .. } | O::CallIndirect { .. } | O::CallRef { .. } => {
                    code.calls.insert(at, blocks.contains(&true));
                }
                _ => {}
            }
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLS: &str = r#"(module
      (tag $t)
      (func $f)
      (func $g
        call $f
        nop
        (try_table (catch_all 0)
          call $f
          call $f)
        call $f
        call $f))"#;

    #[test]
    fn call_sites_of_plain_and_try_table_calls() {
        let info = ModuleInfo::parse(wat::parse_str(CALLS).unwrap()).unwrap();
        let ops = info.instruction_offsets(1).to_vec();
        // call, nop, try_table, call, call, end, call, call, end
        assert_eq!(ops.len(), 9);
        // Plain call: reported at the next instruction.
        assert_eq!(info.call_site(1, ops[1]), Some(ops[0]));
        // Inside try_table: reported at the call itself.
        assert_eq!(info.call_site(1, ops[3]), Some(ops[3]));
        assert_eq!(info.call_site(1, ops[4]), Some(ops[4]));
        // After the try_table, plain again.
        assert_eq!(info.call_site(1, ops[7]), Some(ops[6]));
        // Not a call site: the nop's successor, the body start.
        assert_eq!(info.call_site(1, ops[2]), None);
        assert_eq!(
            info.call_site(1, info.func(1).unwrap().body.clone().unwrap().start),
            None
        );
    }

    #[test]
    fn names_and_exports() {
        let info = ModuleInfo::parse(wat::parse_str(CALLS).unwrap()).unwrap();
        assert_eq!(info.func_name(0).as_deref(), Some("f"));
        assert_eq!(info.exported_func("_start"), None);
        assert_eq!(
            info.func_containing(info.instruction_offsets(1)[0]),
            Some(1)
        );
    }
}

/// What choosing an entry point (`_start`, or `--invoke NAME`) reads of a
/// core module: its exported functions and their parameter types.
pub trait EntryFacts {
    /// The function index of the exported function `name`.
    fn exported_func(&self, name: &str) -> Option<u32>;
    /// The names of all exported functions, in section order.
    fn exported_func_names(&self) -> Vec<&str>;
    /// The parameter types of function `index` (function index space);
    /// `None` for an index past the last function.
    fn func_params(&self, index: u32) -> Option<&[ValType]>;
}

impl EntryFacts for ModuleInfo {
    fn exported_func(&self, name: &str) -> Option<u32> {
        ModuleInfo::exported_func(self, name)
    }

    fn exported_func_names(&self) -> Vec<&str> {
        ModuleInfo::exported_func_names(self)
    }

    fn func_params(&self, index: u32) -> Option<&[ValType]> {
        self.func(index).map(|f| f.params.as_slice())
    }
}

/// A core module's exported functions and the parameter types of every
/// function, read from its type, import, function and export sections
/// alone: the code section is skipped, so on a big module this takes
/// milliseconds, where compiling takes seconds (the entry point's
/// refusals come before the compile).
#[derive(Debug, Default)]
pub struct ExportedFuncs {
    /// Exported functions: name and function index, in section order.
    exports: Vec<(String, u32)>,
    /// Parameter types by function index (imports first).
    params: Vec<Vec<ValType>>,
}

impl ExportedFuncs {
    /// Reads `bytes`, a core module binary.
    ///
    /// # Errors
    /// A malformed binary, with wasmparser's message.
    pub fn parse(bytes: &[u8]) -> Result<ExportedFuncs, Error> {
        let mut types: Vec<Vec<ValType>> = Vec::new();
        let mut facts = ExportedFuncs::default();
        let mut parser = Parser::new(0);
        let mut offset = 0;
        loop {
            let rest = bytes.get(offset..).unwrap_or_default();
            let (consumed, payload) = match parser.parse(rest, true)? {
                wasmparser::Chunk::Parsed { consumed, payload } => (consumed, payload),
                wasmparser::Chunk::NeedMoreData(_) => {
                    return Err(malformed!("the module ends early"));
                }
            };
            offset += consumed;
            match payload {
                Payload::TypeSection(reader) => {
                    for rec in reader {
                        for sub in rec?.into_types() {
                            types.push(match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => f.params().to_vec(),
                                _ => Vec::new(),
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if let TypeRef::Func(t) | TypeRef::FuncExact(t) = import?.ty {
                            facts
                                .params
                                .push(types.get(t as usize).cloned().unwrap_or_default());
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        facts
                            .params
                            .push(types.get(t? as usize).cloned().unwrap_or_default());
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.kind == ExternalKind::Func {
                            facts.exports.push((export.name.to_string(), export.index));
                        }
                    }
                }
                Payload::CodeSectionStart { size, .. } => {
                    parser.skip_section();
                    offset += size as usize;
                }
                Payload::End(_) => return Ok(facts),
                _ => {}
            }
        }
    }
}

impl EntryFacts for ExportedFuncs {
    fn exported_func(&self, name: &str) -> Option<u32> {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| *i)
    }

    fn exported_func_names(&self) -> Vec<&str> {
        self.exports.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn func_params(&self, index: u32) -> Option<&[ValType]> {
        self.params.get(index as usize).map(Vec::as_slice)
    }
}
