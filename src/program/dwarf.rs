//! [`DebugInfo`]: the module's DWARF (from its `.debug_*` custom sections
//! and, for split DWARF, a `.dwp` package), read with `gimli` and
//! `addr2line`.
//!
//! Every address this module takes or gives is a **module offset** (a byte
//! offset from the start of the module binary, like every other pc in
//! wasmdbg). Wasm DWARF itself counts code addresses from the start of the
//! code section's contents; [`DebugInfo::dwarf_address`] and
//! [`DebugInfo::module_offset`] are the only two places that convert.
//!
//! Everything is decoded on first use: loading only finds the sections, the
//! line index is built the first time a line is looked up by number, and
//! addr2line parses a unit the first time an address in it is asked for.

use crate::error::{Error, malformed, not_found};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use addr2line::{LookupContinuation, LookupResult};
use gimli::{EndianArcSlice, LittleEndian, Reader as _};
use wasmparser::{Parser, Payload};

/// The reader every DWARF section is read through (shared, thread-safe).
pub(crate) type R = EndianArcSlice<LittleEndian>;

/// A place in the source: file, line, column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SourceLoc {
    /// The file's path as DWARF composes it (compilation directory, include
    /// directory and file name; `./` segments removed). May be relative.
    pub file: String,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1; `None` when DWARF gives none (column 0).
    pub column: Option<u32>,
}

/// One source-level frame at a pc: the function (inlined or not) and where
/// in it the pc is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceFrame {
    /// The function's name from DWARF (demangled), when it has one.
    pub function: Option<String>,
    /// Where in the source: the pc's line for the innermost frame, the call
    /// site for an outer frame of an inlined call.
    pub location: Option<SourceLoc>,
    /// This frame's function was inlined into the next one in the list.
    pub inlined: bool,
}

/// A row of the line table, with its address as a module offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRow {
    /// Module offset of the first instruction of the row.
    pub pc: usize,
    /// Index into [`DebugInfo::files`].
    pub file: u32,
    /// Line, from 1 (0 = no source line, compiler-generated code).
    pub line: u32,
    /// Column, from 1 (0 = none).
    pub column: u32,
    /// A recommended breakpoint location (the start of a statement).
    pub is_stmt: bool,
    /// The function's prologue ends here.
    pub prologue_end: bool,
}

/// Where a `FILE:LINE` resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMatch {
    /// The file's path (as [`SourceLoc::file`]).
    pub file: String,
    /// The line that has code: the line asked for or the next one after it.
    pub line: u32,
    /// Module offsets of every instruction that starts that line (is_stmt
    /// rows whose line differs from the row before), ascending.
    pub pcs: Vec<usize>,
}

/// What `info module` says of the DWARF.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DwarfSummary {
    /// The DWARF versions of the units, ascending, without repeats.
    pub versions: Vec<u16>,
    /// Compilation units in the module.
    pub units: usize,
    /// Of those, skeleton units whose rest is in split DWARF (.dwo/.dwp).
    pub split_units: usize,
    /// The DWARF package in use, when one was found.
    pub package: Option<String>,
}

/// The line table of the whole module, sorted for lookups.
struct LineIndex {
    files: Vec<String>,
    /// Rows of every sequence, each sequence contiguous.
    rows: Vec<LineRow>,
    /// (start pc, end pc, rows) of each sequence, sorted by start.
    sequences: Vec<(usize, usize, Range<usize>)>,
}

/// The module's DWARF. Cheap to share; lookups lock an internal cache.
pub struct DebugInfo {
    code_start: usize,
    dwarf: Arc<gimli::Dwarf<R>>,
    dwp: Option<gimli::DwarfPackage<R>>,
    context: Mutex<addr2line::Context<R>>,
    split: Mutex<HashMap<u64, Option<Arc<gimli::Dwarf<R>>>>>,
    lines: OnceLock<Result<LineIndex, Error>>,
    /// [`DebugInfo::after_prologue`] by function body start (asked at every
    /// line start while `step` is in a callee).
    prologues: Mutex<HashMap<usize, Option<usize>>>,
    /// Where the split DWARF came from, for `info module`.
    dwp_note: Option<String>,
}

impl std::fmt::Debug for DebugInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugInfo")
            .field("code_start", &self.code_start)
            .finish_non_exhaustive()
    }
}

/// The `.debug_*` custom sections of a Wasm binary, by name.
fn debug_sections(bytes: &[u8]) -> Result<HashMap<String, R>, Error> {
    let mut sections = HashMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| malformed!("{e}"))?;
        if let Payload::CustomSection(section) = payload
            && section.name().starts_with(".debug_")
        {
            sections.insert(
                section.name().to_string(),
                R::new(Arc::from(section.data()), LittleEndian),
            );
        }
    }
    Ok(sections)
}

fn empty() -> R {
    R::new(Arc::from(&[][..]), LittleEndian)
}

impl DebugInfo {
    /// Reads the DWARF of module `bytes` whose code section's contents start
    /// at module offset `code_start`; `dwp` is the binary of a DWARF package
    /// (a Wasm file of `.debug_*.dwo` sections) for split DWARF.
    ///
    /// Returns `Ok(None)` when the module has no `.debug_info`.
    ///
    /// # Errors
    /// A malformed module or package, or DWARF that gimli cannot read, as
    /// one line.
    pub fn load(
        bytes: &[u8],
        code_start: usize,
        dwp: Option<(&[u8], String)>,
    ) -> Result<Option<DebugInfo>, Error> {
        let sections = debug_sections(bytes)?;
        if !sections.contains_key(".debug_info") {
            return Ok(None);
        }
        let dwarf = gimli::Dwarf::load(|id| -> Result<R, gimli::Error> {
            Ok(sections.get(id.name()).cloned().unwrap_or_else(empty))
        })
        .map_err(|e| malformed!("cannot read DWARF: {e}"))?;
        let (dwp, dwp_note) = match dwp {
            None => (None, None),
            Some((package, name)) => {
                let sections = debug_sections(package)
                    .map_err(|e| malformed!("cannot read the DWARF package {name}: {e}"))?;
                let package = gimli::DwarfPackage::load(
                    |id| -> Result<R, gimli::Error> {
                        Ok(id
                            .dwo_name()
                            .and_then(|n| sections.get(n).cloned())
                            .unwrap_or_else(empty))
                    },
                    empty(),
                )
                .map_err(|e| malformed!("cannot read the DWARF package {name}: {e}"))?;
                (Some(package), Some(name))
            }
        };
        let dwarf = Arc::new(dwarf);
        let context = addr2line::Context::from_arc_dwarf(dwarf.clone())
            .map_err(|e| malformed!("cannot read DWARF: {e}"))?;
        Ok(Some(DebugInfo {
            code_start,
            dwarf,
            dwp,
            context: Mutex::new(context),
            split: Mutex::new(HashMap::new()),
            lines: OnceLock::new(),
            prologues: Mutex::new(HashMap::new()),
            dwp_note,
        }))
    }

    /// The DWARF address of module offset `pc`: its offset from the start of
    /// the code section's contents (the byte after the section's size
    /// field), which is how Wasm DWARF (LLVM, wasmtime) counts code
    /// addresses. `None` for an offset before the code section.
    pub fn dwarf_address(&self, pc: usize) -> Option<u64> {
        pc.checked_sub(self.code_start).map(|a| a as u64)
    }

    /// The module offset of DWARF code address `address` (the inverse of
    /// [`DebugInfo::dwarf_address`]).
    pub fn module_offset(&self, address: u64) -> usize {
        self.code_start.saturating_add(address as usize)
    }

    /// Versions and units of the DWARF, for `info module`.
    pub fn summary(&self) -> DwarfSummary {
        let mut summary = DwarfSummary {
            versions: Vec::new(),
            units: 0,
            split_units: 0,
            package: self.dwp_note.clone(),
        };
        let mut units = self.dwarf.units();
        while let Ok(Some(header)) = units.next() {
            summary.units += 1;
            summary.versions.push(header.version());
            if let Ok(unit) = self.dwarf.unit(header)
                && unit.dwo_id.is_some()
            {
                summary.split_units += 1;
            }
        }
        summary.versions.sort_unstable();
        summary.versions.dedup();
        summary
    }

    /// The split unit's DWARF for `load`, from the package (cached).
    pub(crate) fn load_split(
        &self,
        load: &addr2line::SplitDwarfLoad<R>,
    ) -> Option<Arc<gimli::Dwarf<R>>> {
        let dwp = self.dwp.as_ref()?;
        let mut cache = self.split.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(load.dwo_id.0)
            .or_insert_with(|| {
                dwp.find_cu(load.dwo_id, &load.parent)
                    .ok()
                    .flatten()
                    .map(Arc::new)
            })
            .clone()
    }

    /// Runs `f` with addr2line's context (locked).
    pub(crate) fn with_context<T>(&self, f: impl FnOnce(&addr2line::Context<R>) -> T) -> T {
        let context = self.context.lock().unwrap_or_else(|e| e.into_inner());
        f(&context)
    }

    /// Resolves an addr2line lookup, loading split units from the package.
    pub(crate) fn resolve<L: LookupContinuation<Buf = R>>(
        &self,
        mut lookup: LookupResult<L>,
    ) -> L::Output {
        loop {
            match lookup {
                LookupResult::Output(out) => return out,
                LookupResult::Load { load, continuation } => {
                    let dwo = self.load_split(&load);
                    lookup = continuation.resume(dwo);
                }
            }
        }
    }

    /// The source frames at module offset `pc`, innermost first: inlined
    /// functions, then the function the pc's code belongs to. Empty when
    /// DWARF says nothing about `pc`.
    pub fn frames(&self, pc: usize) -> Vec<SourceFrame> {
        let Some(address) = self.dwarf_address(pc) else {
            return Vec::new();
        };
        self.with_context(|context| {
            let mut out = Vec::new();
            let Ok(mut iter) = self.resolve(context.find_frames(address)) else {
                return out;
            };
            while let Ok(Some(frame)) = iter.next() {
                let function = frame
                    .function
                    .as_ref()
                    .and_then(|f| f.demangle().ok())
                    .map(|n| n.into_owned());
                let location = frame.location.as_ref().and_then(|l| {
                    Some(SourceLoc {
                        file: tidy_path(l.file?),
                        line: l.line.filter(|n| *n > 0)?,
                        column: l.column.filter(|c| *c > 0),
                    })
                });
                out.push(SourceFrame {
                    function,
                    location,
                    inlined: true,
                });
            }
            if let Some(last) = out.last_mut() {
                last.inlined = false;
            }
            out
        })
    }

    /// The line-table row that covers module offset `pc`, when one does.
    pub fn row_at(&self, pc: usize) -> Option<LineRow> {
        let index = self.index().ok()?;
        index.row_at(pc).map(|i| index.rows[i])
    }

    /// The source line of module offset `pc` (the row that covers it).
    pub fn location(&self, pc: usize) -> Option<SourceLoc> {
        let index = self.index().ok()?;
        let row = index.rows[index.row_at(pc)?];
        (row.line > 0).then(|| SourceLoc {
            file: index.files[row.file as usize].clone(),
            line: row.line,
            column: (row.column > 0).then_some(row.column),
        })
    }

    /// Whether `pc` is the first instruction of a statement: an is_stmt row
    /// starts exactly there with a line different from the row before it.
    /// `step` stops at such places.
    pub fn is_line_start(&self, pc: usize) -> bool {
        let Ok(index) = self.index() else {
            return false;
        };
        index.line_starts(pc)
    }

    /// The file paths of the line tables, indexed by [`LineRow::file`].
    pub fn files(&self) -> Vec<String> {
        self.index().map(|i| i.files.clone()).unwrap_or_default()
    }

    /// Resolves `FILE:LINE`: `file` matches a line-table path equal to it or
    /// ending in `/FILE` (or `\FILE`, for a Windows path). A line with no code moves to the next line that
    /// has code in the same file.
    ///
    /// # Errors
    /// No such file in the line tables (with near names), or no code at or
    /// after `line` in it.
    pub fn line_pcs(&self, file: &str, line: u32) -> Result<LineMatch, Error> {
        let index = self.index()?;
        let file = tidy_path(file);
        let wanted: Vec<u32> = index
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                **f == file || f.ends_with(&format!("/{file}")) || f.ends_with(&format!("\\{file}"))
            })
            .map(|(i, _)| i as u32)
            .collect();
        if wanted.is_empty() {
            return Err(not_found!(
                "no source file named {file:?} in the DWARF line tables"
            ));
        }
        // Each candidate line's starts; pick the smallest line >= `line`.
        let mut best: Option<(u32, Vec<usize>, u32)> = None;
        for (seq_start, _, range) in &index.sequences {
            let _ = seq_start;
            let rows = &index.rows[range.clone()];
            for (i, row) in rows.iter().enumerate() {
                if !row.is_stmt || row.line < line || !wanted.contains(&row.file) {
                    continue;
                }
                let starts = i == 0 || {
                    let prev = rows[i - 1];
                    prev.line != row.line || prev.file != row.file
                };
                if !starts {
                    continue;
                }
                match &mut best {
                    Some((l, pcs, _)) if *l == row.line => pcs.push(row.pc),
                    Some((l, _, _)) if *l < row.line => {}
                    _ => best = Some((row.line, vec![row.pc], row.file)),
                }
            }
        }
        let (line_found, mut pcs, file_index) =
            best.ok_or_else(|| not_found!("no code at or after line {line} of {file}"))?;
        pcs.sort_unstable();
        pcs.dedup();
        Ok(LineMatch {
            file: index.files[file_index as usize].clone(),
            line: line_found,
            pcs,
        })
    }

    /// Where a function whose body spans `body` (module offsets) begins
    /// after its prologue: the first row marked prologue_end, else the
    /// second line's first statement, else `None` (no line info).
    pub fn after_prologue(&self, body: Range<usize>) -> Option<usize> {
        let mut cache = self.prologues.lock().unwrap_or_else(|e| e.into_inner());
        *cache
            .entry(body.start)
            .or_insert_with(|| self.find_after_prologue(body))
    }

    fn find_after_prologue(&self, body: Range<usize>) -> Option<usize> {
        let index = self.index().ok()?;
        let mut rows = index
            .rows_in(body.clone())
            .filter(|r| r.line > 0)
            .collect::<Vec<_>>();
        rows.sort_by_key(|r| r.pc);
        if let Some(r) = rows.iter().find(|r| r.prologue_end) {
            return Some(r.pc);
        }
        let first = rows.first()?;
        Some(
            rows.iter()
                .find(|r| r.is_stmt && r.line != first.line)
                .unwrap_or(first)
                .pc,
        )
    }

    /// Whether any line-table row covers code in `body` (module offsets):
    /// `step` enters only functions with line information.
    pub fn has_lines(&self, body: Range<usize>) -> bool {
        self.index()
            .map(|i| i.rows_in(body).any(|r| r.line > 0))
            .unwrap_or(false)
    }

    fn index(&self) -> Result<&LineIndex, Error> {
        self.lines
            .get_or_init(|| LineIndex::build(self))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl LineIndex {
    fn build(info: &DebugInfo) -> Result<LineIndex, Error> {
        let dwarf = &*info.dwarf;
        let mut files: Vec<String> = Vec::new();
        let mut file_ids: HashMap<String, u32> = HashMap::new();
        let mut rows: Vec<LineRow> = Vec::new();
        let mut sequences = Vec::new();
        let mut units = dwarf.units();
        while let Some(header) = units.next().map_err(|e| malformed!("{e}"))? {
            let unit = dwarf.unit(header).map_err(|e| malformed!("{e}"))?;
            let Some(program) = unit.line_program.clone() else {
                continue;
            };
            let comp_dir = unit
                .comp_dir
                .as_ref()
                .and_then(|d| d.to_string_lossy().ok().map(|s| s.into_owned()))
                .unwrap_or_default();
            let mut unit_files: HashMap<u64, u32> = HashMap::new();
            let mut state = program.rows();
            let mut start = rows.len();
            let mut seq_address = 0;
            while let Some((header, row)) = state.next_row().map_err(|e| malformed!("{e}"))? {
                if row.end_sequence() {
                    let end = info.module_offset(row.address());
                    // Code the linker dropped keeps address 0 (or a
                    // tombstone near u32::MAX); it would shadow live code.
                    if rows.len() > start && seq_address > 0 && seq_address < 0xffff_fff0 {
                        sequences.push((rows[start].pc, end, start..rows.len()));
                    }
                    start = rows.len();
                    continue;
                }
                if rows.len() == start {
                    seq_address = row.address();
                }
                let file_index = row.file_index();
                let file = match unit_files.get(&file_index) {
                    Some(f) => *f,
                    None => {
                        let path = header
                            .file(file_index)
                            .map(|f| file_path(dwarf, &unit, header, f, &comp_dir))
                            .unwrap_or_else(|| "<unknown>".to_string());
                        let id = *file_ids.entry(path.clone()).or_insert_with(|| {
                            files.push(path);
                            files.len() as u32 - 1
                        });
                        unit_files.insert(file_index, id);
                        id
                    }
                };
                rows.push(LineRow {
                    pc: info.module_offset(row.address()),
                    file,
                    line: row.line().map_or(0, |l| l.get() as u32),
                    column: match row.column() {
                        gimli::ColumnType::LeftEdge => 0,
                        gimli::ColumnType::Column(c) => c.get() as u32,
                    },
                    is_stmt: row.is_stmt(),
                    prologue_end: row.prologue_end(),
                });
            }
        }
        sequences.sort_by_key(|s| s.0);
        Ok(LineIndex {
            files,
            rows,
            sequences,
        })
    }

    /// Index of the row covering `pc`.
    fn row_at(&self, pc: usize) -> Option<usize> {
        self.row_and_sequence(pc).map(|(row, _)| row)
    }

    /// Index of the row covering `pc` and of its sequence's first row.
    fn row_and_sequence(&self, pc: usize) -> Option<(usize, usize)> {
        let n = self.sequences.partition_point(|s| s.0 <= pc);
        let (_, _, range) = self.sequences[..n]
            .iter()
            .rev()
            .find(|(start, end, _)| *start <= pc && pc < *end)?;
        let rows = &self.rows[range.clone()];
        let i = rows.partition_point(|r| r.pc <= pc);
        (i > 0).then(|| (range.start + i - 1, range.start))
    }

    fn line_starts(&self, pc: usize) -> bool {
        let Some((i, seq)) = self.row_and_sequence(pc) else {
            return false;
        };
        let row = self.rows[i];
        if row.pc != pc || !row.is_stmt || row.line == 0 {
            return false;
        }
        // Several rows may share the pc; the line starts when the row
        // before the first of them has another line.
        let mut j = i;
        while j > seq && self.rows[j - 1].pc == pc {
            j -= 1;
        }
        j == seq || {
            let prev = self.rows[j - 1];
            prev.line != row.line || prev.file != row.file
        }
    }

    /// Rows whose pc lies in `body`.
    fn rows_in(&self, body: Range<usize>) -> impl Iterator<Item = &LineRow> + '_ {
        self.sequences
            .iter()
            .filter(move |(start, end, _)| *start < body.end && body.start < *end)
            .flat_map(move |(_, _, r)| self.rows[r.clone()].iter())
            .filter(move |r| body.contains(&r.pc))
    }
}

/// The path of a line-table file entry: include directory (joined to the
/// compilation directory when relative) and name.
fn file_path(
    dwarf: &gimli::Dwarf<R>,
    unit: &gimli::Unit<R>,
    header: &gimli::LineProgramHeader<R>,
    file: &gimli::FileEntry<R>,
    comp_dir: &str,
) -> String {
    let string = |attr| {
        dwarf
            .attr_string(unit, attr)
            .ok()
            .and_then(|s| s.to_string_lossy().ok().map(|s| s.into_owned()))
            .unwrap_or_default()
    };
    let name = string(file.path_name());
    let dir = file.directory(header).map(string).unwrap_or_default();
    tidy_path(&join(&join(comp_dir, &dir), &name))
}

/// Absolute on any host the module may have been built on: `/x`, a URL
/// (`wasisdk://x`), `C:\x`, `C:/x`, `\\server\x`.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || path.contains("://")
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

fn join(base: &str, path: &str) -> String {
    // A Windows directory (`C:\tmp`) is joined with its own separator.
    let sep = if base.contains('\\') && !base.contains('/') {
        '\\'
    } else {
        '/'
    };
    if base.is_empty() || is_absolute(path) {
        path.to_string()
    } else if path.is_empty() {
        base.to_string()
    } else {
        format!("{}{sep}{path}", base.trim_end_matches(sep))
    }
}

/// Removes `./` segments and doubled slashes: `./a/./b.c` -> `a/b.c`. A
/// URL-like absolute path (`wasisdk://v33/src/a.c`, as wasi-sdk writes)
/// that a joiner put after a directory is taken on its own.
pub(crate) fn tidy_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    // The last component like `wasisdk:` starts a URL-like path.
    let url = parts.iter().rposition(|p| p.len() > 2 && p.ends_with(':'));
    let (mut out, rest) = match url {
        Some(i) => (format!("{}//", parts[i]), &parts[i + 1..]),
        None if path.starts_with('/') => ("/".to_string(), &parts[..]),
        None => (String::new(), &parts[..]),
    };
    let kept: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    out.push_str(&kept.join("/"));
    if out.is_empty() { ".".to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_and_tidied_as_their_producers_meant() {
        assert_eq!(tidy_path("./a/./b.c"), "a/b.c");
        assert_eq!(tidy_path("/x//y/z.c"), "/x/y/z.c");
        // wasi-sdk's URL-like directories, also after a joiner glued them
        // to the compilation directory.
        assert_eq!(
            tidy_path("wasisdk://v33/build/wasisdk:/v33/src/a.c"),
            "wasisdk://v33/src/a.c"
        );
        assert_eq!(join(".", "fib.c"), "./fib.c");
        assert_eq!(
            join("/build", "/usr/include/stdio.h"),
            "/usr/include/stdio.h"
        );
        assert_eq!(join("C:\\tmp", "C:\\tmp\\a.c"), "C:\\tmp\\a.c");
        assert_eq!(join("C:\\tmp\\", "a.c"), "C:\\tmp\\a.c");
        assert_eq!(join("/build", "wasisdk://v33/a.c"), "wasisdk://v33/a.c");
        assert_eq!(tidy_path("C:/tmp/a.c"), "C:/tmp/a.c");
    }

    #[test]
    fn addresses_convert_through_the_code_section_start() {
        // fib-wasm.wasm: DWARF puts fib's first row (line 8) at 0x3, after
        // the function count and the body size at the start of the code
        // section's contents.
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/dwarf/fib-wasm.wasm"),
        )
        .unwrap();
        let info = crate::program::ModuleInfo::parse(bytes).unwrap();
        let code = info.code_section().unwrap();
        let debug = info.debug_info().unwrap();
        assert_eq!(debug.dwarf_address(code.start), Some(0));
        assert_eq!(debug.module_offset(3), code.start + 3);
        assert_eq!(debug.dwarf_address(code.start - 1), None);
        let first = debug.row_at(code.start + 3).unwrap();
        assert_eq!((first.pc, first.line), (code.start + 3, 8));
        assert!(debug.is_line_start(code.start + 3));
    }
}
