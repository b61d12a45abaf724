//! Breakpoint locations and the breakpoint table: ids <-> module offsets.
//!
//! The table lives in the worker and outlives runs (`run` restarts with the
//! same breakpoints). It knows nothing of the store: the worker applies it.

use crate::error::{Error, invalid, not_found, unavailable};
use std::collections::BTreeMap;

use super::protocol::{
    BreakpointId, BreakpointInfo, BreakpointKind, CodeBreakpoint, Pc, WatchValue,
};
use crate::program::ModuleInfo;
use crate::program::dwarf::SourceLoc;
use crate::program::expr::Expr;
use crate::program::{CoreModuleId, Program, split_qualifier};

/// A breakpoint condition, parsed once when it is set; each hit evaluates
/// the kept syntax tree (over source variables where DWARF describes the
/// pc and the condition names them, else over Wasm values).
#[derive(Debug)]
pub struct Condition {
    /// As typed.
    pub text: String,
    /// The syntax tree.
    pub(crate) expr: Expr,
}

impl Condition {
    /// Parses `text`, its value-history references read from `history`
    /// now (they keep that meaning).
    ///
    /// # Errors
    /// The parser's message (`malformed expression: ...`).
    pub fn parse(text: &str, history: &[crate::program::expr::Num]) -> Result<Condition, Error> {
        Ok(Condition {
            text: text.trim().to_string(),
            expr: Expr::parse(text, history)?,
        })
    }
}

/// A hit condition (DAP's `hitCondition`, js-debug's syntax and meaning):
/// the breakpoint stops only when its hit count — the times it was reached
/// with its condition true, this hit included — meets it. `N` (also `= N`,
/// `== N`, `=== N`) stops at the Nth hit alone; `>= N` at the Nth and
/// every one after (what gdb's `ignore N-1` does); `> N`, `< N`, `<= N` as
/// written; `% N` at every Nth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HitCondition {
    /// As typed, trimmed.
    pub text: String,
    op: HitOp,
    count: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HitOp {
    AtLeast,
    Above,
    Exactly,
    Below,
    AtMost,
    Every,
}

impl HitCondition {
    /// Parses `5`, `>= 5`, `% 3`, ...
    ///
    /// # Errors
    /// Anything else, and `% 0`: a one-line message giving the syntax.
    pub fn parse(text: &str) -> Result<HitCondition, Error> {
        let t = text.trim();
        let digits = t.trim_start_matches(|c: char| !c.is_ascii_digit());
        let op_text = t[..t.len() - digits.len()].trim();
        let op = match op_text {
            ">=" => Some(HitOp::AtLeast),
            ">" => Some(HitOp::Above),
            "" | "=" | "==" | "===" => Some(HitOp::Exactly),
            "<" => Some(HitOp::Below),
            "<=" => Some(HitOp::AtMost),
            "%" => Some(HitOp::Every),
            _ => None,
        };
        let count = digits.parse::<u64>().ok();
        match (op, count) {
            (Some(HitOp::Every), Some(0)) => Err(invalid!(
                "hit condition {t:?}: \"% 0\" would divide by zero"
            )),
            (Some(op), Some(count)) => Ok(HitCondition {
                text: t.to_string(),
                op,
                count,
            }),
            _ => Err(invalid!(
                "hit condition {t:?} not understood: expected a count, optionally after >, >=, ==, <, <= or % (\">= 5\", \"% 3\")"
            )),
        }
    }

    /// Whether the `hits`th hit stops.
    pub fn met(&self, hits: u64) -> bool {
        match self.op {
            HitOp::AtLeast => hits >= self.count,
            HitOp::Above => hits > self.count,
            HitOp::Exactly => hits == self.count,
            HitOp::Below => hits < self.count,
            HitOp::AtMost => hits <= self.count,
            HitOp::Every => hits.is_multiple_of(self.count),
        }
    }
}

/// `LOCATION [if EXPR]` split into the location and the condition, as
/// `break` at the prompt and `-b` on the command line take it: the first
/// word `if` (standing alone) starts the condition.
///
/// # Errors
/// `if` with nothing after it; nothing before it.
pub fn split_condition(spec: &str) -> Result<(String, Option<String>), Error> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    match words.iter().position(|w| *w == "if") {
        Some(0) => Err(invalid!("missing location before \"if\"")),
        Some(i) if i + 1 < words.len() => {
            Ok((words[..i].join(" "), Some(words[i + 1..].join(" "))))
        }
        Some(_) => Err(invalid!("missing condition after \"if\"")),
        None => Ok((words.join(" "), None)),
    }
}

/// Resolves LOCATION in the program: with a module qualifier
/// (``MODULE`LOCATION``, MODULE an index or name from `info modules`) in
/// that core module; without one, in every core module, where exactly one
/// must match.
///
/// # Errors
/// One line: an unknown module, the location's own error (see
/// [`resolve`]), or, for an unqualified location found in several core
/// modules, the qualified candidates.
pub fn resolve_in(program: &Program, location: &str) -> Result<(CoreModuleId, Resolved), Error> {
    find_in(program, location, resolve)
}

/// [`function`] over the program's core modules, qualified or not, as
/// [`resolve_in`].
///
/// # Errors
/// As [`resolve_in`].
pub fn function_in(program: &Program, name: &str) -> Result<(CoreModuleId, u32), Error> {
    find_in(program, name, function)
}

fn find_in<T>(
    program: &Program,
    location: &str,
    find: impl Fn(&ModuleInfo, &str) -> Result<T, Error>,
) -> Result<(CoreModuleId, T), Error> {
    if let Some((module, rest)) = split_qualifier(location) {
        let id = program.find(module)?;
        return find(program.info(id), rest).map(|r| (id, r));
    }
    if !program.is_multi() {
        return find(program.info(CoreModuleId::FIRST), location).map(|r| (CoreModuleId::FIRST, r));
    }
    let mut found = Vec::new();
    let mut first_error = None;
    for id in program.ids() {
        match find(program.info(id), location) {
            Ok(r) => found.push((id, r)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(first_error.unwrap_or_else(|| invalid!("missing location"))),
        _ => {
            let candidates: Vec<String> = found
                .iter()
                .map(|(id, _)| format!("{}`{}", program.name(*id), location.trim()))
                .collect();
            Err(invalid!(
                "{:?} is in several core modules; qualify it: {}",
                location.trim(),
                candidates.join(", ")
            ))
        }
    }
}

/// Where a breakpoint was asked for, resolved to a function and an offset
/// the engine has not yet slipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Function index.
    pub func: u32,
    /// Module offset asked for (an instruction of `func`, or an offset inside
    /// its body that the engine slips forward).
    pub pc: usize,
    /// More module offsets for the same breakpoint (a source line that
    /// starts at several places), ascending.
    pub more: Vec<usize>,
    /// The source line, for a location DWARF resolved.
    pub source: Option<SourceLoc>,
    /// Said when the breakpoint is set (a line without code moved on).
    pub note: Option<String>,
}

impl Resolved {
    fn at(func: u32, pc: usize) -> Resolved {
        Resolved {
            func,
            pc,
            more: Vec::new(),
            source: None,
            note: None,
        }
    }
}

/// Resolves LOCATION: `NAME` (name section or export), `func[N]`, `*0xOFF`
/// (module offset), `NAME+0xOFF` (offset from the start of NAME's body) or,
/// with DWARF, `FILE:LINE` (every place the line starts; a line without
/// code moves to the next line with code). `func[N]` is its first
/// instruction; `NAME` too, unless DWARF has lines for it: then the first
/// instruction after its prologue, as gdb.
///
/// # Errors
/// One line: unknown function, imported function (no code), offset outside
/// the code of any function, unknown file or line, malformed location.
pub fn resolve(info: &ModuleInfo, location: &str) -> Result<Resolved, Error> {
    let location = location.trim();
    if let Some((file, line)) = location.rsplit_once(':')
        && !file.is_empty()
        && !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
    {
        return resolve_line(info, file, line);
    }
    if let Some(addr) = location.strip_prefix('*') {
        let pc = parse_offset(addr)
            .ok_or_else(|| invalid!("malformed address {addr:?}: expected *0xOFFSET"))?;
        let func = info.func_containing(pc).ok_or_else(|| {
            let code = info
                .code_section()
                .map(|r| format!(" (the code section is 0x{:x}-0x{:x})", r.start, r.end))
                .unwrap_or_default();
            not_found!("0x{pc:x} is not in the code of any function{code}")
        })?;
        return Ok(Resolved::at(func, pc));
    }
    if let Some((name, off)) = location.rsplit_once('+') {
        let func = function(info, name.trim())?;
        let off = parse_offset(off.trim())
            .ok_or_else(|| invalid!("malformed offset {off:?}: expected NAME+0xOFFSET"))?;
        let body = info
            .func(func)
            .and_then(|f| f.body.clone())
            .ok_or_else(|| imported(info, func))?;
        let pc = body.start.saturating_add(off);
        if pc >= body.end {
            return Err(invalid!(
                "{name}+0x{off:x} is past the end of {name} (its body is 0x{:x} bytes)",
                body.len()
            ));
        }
        return Ok(Resolved::at(func, pc));
    }
    let func = function(info, location)?;
    let pc = *info
        .instruction_offsets(func)
        .first()
        .ok_or_else(|| imported(info, func))?;
    if !location.starts_with("func[")
        && let Some(debug) = info.debug_info()
        && let Some(body) = info.func(func).and_then(|f| f.body.clone())
        && let Some(after) = debug.after_prologue(body)
    {
        return Ok(Resolved {
            source: debug.location(after),
            ..Resolved::at(func, after)
        });
    }
    Ok(Resolved::at(func, pc))
}

/// `FILE:LINE` through the DWARF line tables.
fn resolve_line(info: &ModuleInfo, file: &str, line: &str) -> Result<Resolved, Error> {
    let line: u32 = line
        .parse()
        .ok()
        .filter(|l| *l > 0)
        .ok_or_else(|| invalid!("malformed line number {line:?}"))?;
    let debug = info.debug_info().ok_or_else(|| match info.debug_error() {
        Some(e) => unavailable!("cannot use {file}:{line}: {e}"),
        None => unavailable!("cannot use {file}:{line}: the module has no DWARF line information"),
    })?;
    let found = debug.line_pcs(file, line)?;
    let (&pc, more) = found
        .pcs
        .split_first()
        .ok_or_else(|| not_found!("no code for {file}:{line}"))?;
    let func = info
        .func_containing(pc)
        .ok_or_else(|| not_found!("{file}:{line} is not in the code of any function"))?;
    Ok(Resolved {
        func,
        pc,
        more: more.to_vec(),
        note: (found.line != line).then(|| {
            format!(
                "line {line} of {} has no code; the breakpoint is at line {}",
                found.file, found.line
            )
        }),
        source: Some(SourceLoc {
            file: found.file,
            line: found.line,
            column: None,
        }),
    })
}

fn imported(info: &ModuleInfo, func: u32) -> Error {
    match info.func(func).and_then(|f| f.import.clone()) {
        Some((module, name)) => {
            unavailable!(
                "func[{func}] is imported ({module}.{name}): it has no Wasm code to stop in"
            )
        }
        None => unavailable!("func[{func}] has no code"),
    }
}

/// A function by `func[N]`, name-section name (as shown, demangled) or
/// export name.
pub fn function(info: &ModuleInfo, name: &str) -> Result<u32, Error> {
    if let Some(n) = name.strip_prefix("func[").and_then(|r| r.strip_suffix(']')) {
        let index: u32 = n
            .parse()
            .map_err(|_| invalid!("malformed function index {name:?}"))?;
        if info.func(index).is_none() {
            return Err(not_found!(
                "no function {name}: the module has {} functions",
                info.num_funcs()
            ));
        }
        return Ok(index);
    }
    if name.is_empty() {
        return Err(invalid!("missing location"));
    }
    info.find_func(name).ok_or_else(|| {
        let close = info.closest_funcs(name, 3);
        match close.as_slice() {
            [] => not_found!("no function named {name:?}"),
            [one] => not_found!("no function named {name:?}; did you mean {one:?}?"),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(|c| format!("{c:?}")).collect();
                not_found!(
                    "no function named {name:?}; did you mean {} or {last:?}?",
                    init.join(", ")
                )
            }
        }
    })
}

fn parse_offset(text: &str) -> Option<usize> {
    crate::program::number::parse_address(text).and_then(|n| usize::try_from(n).ok())
}

/// One breakpoint.
#[derive(Clone, Debug)]
pub struct Breakpoint {
    /// Its number.
    pub id: BreakpointId,
    /// The location as typed.
    pub location: String,
    /// The core module it is in.
    pub module: CoreModuleId,
    /// Function index.
    pub func: u32,
    /// Where it really is (after the engine's slip).
    pub pc: usize,
    /// More places it stops at (a source line starting at several places).
    pub more: Vec<usize>,
    /// The source line it was resolved from.
    pub source: Option<SourceLoc>,
    /// What was said when it was set.
    pub note: Option<String>,
    /// Where it was asked for, when that differs from `pc`.
    pub requested: Option<usize>,
    /// Whether it stops the program.
    pub enabled: bool,
    /// `tbreak`: deleted when hit.
    pub temporary: bool,
    /// Times it was reached with its condition true.
    pub hits: u64,
    /// Hits still to ignore.
    pub ignore: u64,
    /// Stop only when this is true.
    pub condition: Option<std::sync::Arc<Condition>>,
    /// Stop only when the hit count meets this.
    pub hit_condition: Option<HitCondition>,
    /// Print this and go on instead of stopping (`dprintf`, logpoints).
    pub log: Option<std::sync::Arc<super::logpoint::LogMessage>>,
}

impl Breakpoint {
    /// Every place it stops at.
    pub fn sites(&self) -> Vec<Pc> {
        std::iter::once(self.pc)
            .chain(self.more.iter().copied())
            .map(|offset| Pc {
                module: self.module,
                offset,
            })
            .collect()
    }

    /// The owned description sent to the front end.
    pub fn info(&self, program: &Program) -> BreakpointInfo {
        BreakpointInfo {
            id: self.id,
            location: self.location.clone(),
            enabled: self.enabled,
            temporary: self.temporary,
            hits: self.hits,
            ignore: self.ignore,
            condition: self.condition.as_ref().map(|c| c.text.clone()),
            hit_condition: self.hit_condition.as_ref().map(|h| h.text.clone()),
            log: self.log.as_ref().map(|l| l.spec.clone()),
            kind: BreakpointKind::Code(CodeBreakpoint {
                module: self.module,
                module_name: program
                    .is_multi()
                    .then(|| program.name(self.module).to_string()),
                func_index: self.func,
                func_name: program.info(self.module).func_name(self.func),
                pc: self.pc,
                requested: self.requested,
                more: self.more.clone(),
                source: self.source.clone(),
                note: self.note.clone(),
            }),
        }
    }
}

/// What a watchpoint reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Watched {
    /// A global, by index.
    Global(u32),
    /// Bytes of memory 0; `ty` when watched as a typed location.
    Memory {
        /// First byte.
        address: u64,
        /// How many bytes.
        len: u64,
        /// The type it was watched as.
        ty: Option<crate::program::expr::LoadType>,
    },
}

/// One watchpoint.
#[derive(Clone, Debug)]
pub struct Watch {
    /// Its number (shared with breakpoints).
    pub id: BreakpointId,
    /// What was typed.
    pub what: String,
    /// The core module whose global or memory it watches.
    pub module: CoreModuleId,
    /// What it reads.
    pub target: Watched,
    /// The places right after each instruction of that module that can
    /// change it, sorted; the engine stops at each while the watch is
    /// enabled.
    pub sites: Vec<Pc>,
    /// The value last seen.
    pub old: WatchValue,
    /// Whether it is armed.
    pub enabled: bool,
    /// Times it changed (with its condition true).
    pub hits: u64,
    /// Stop only when this is true after a change, in the frame that made
    /// it (gdb's `condition N EXPR` on a watchpoint).
    pub condition: Option<std::sync::Arc<Condition>>,
    /// Changes still to pass without stopping (gdb's `ignore N COUNT`).
    pub ignore: u64,
    /// Stop only when the number of changes meets this.
    pub hit_condition: Option<HitCondition>,
}

impl Watch {
    /// The owned description sent to the front end.
    pub fn info(&self) -> BreakpointInfo {
        BreakpointInfo {
            id: self.id,
            location: self.what.clone(),
            enabled: self.enabled,
            temporary: false,
            hits: self.hits,
            ignore: self.ignore,
            condition: self.condition.as_ref().map(|c| c.text.clone()),
            hit_condition: self.hit_condition.as_ref().map(|h| h.text.clone()),
            log: None,
            kind: BreakpointKind::Watch {
                module: self.module,
                sites: self.sites.len(),
            },
        }
    }
}

/// All breakpoints and watchpoints, by id.
#[derive(Debug, Default)]
pub struct Table {
    /// The last number given out.
    last_id: u32,
    by_id: BTreeMap<BreakpointId, Breakpoint>,
    /// Watchpoints, by id (ids shared with breakpoints).
    pub watches: BTreeMap<BreakpointId, Watch>,
}

impl Table {
    fn next_id(&mut self) -> BreakpointId {
        self.last_id += 1;
        BreakpointId(self.last_id)
    }

    /// Adds the breakpoint `make` builds with its new number; returns the
    /// number.
    pub fn add(&mut self, make: impl FnOnce(BreakpointId) -> Breakpoint) -> BreakpointId {
        let id = self.next_id();
        self.by_id.insert(id, make(id));
        id
    }

    /// Adds the watchpoint `make` builds with its new number; returns the
    /// number.
    pub fn add_watch(&mut self, make: impl FnOnce(BreakpointId) -> Watch) -> BreakpointId {
        let id = self.next_id();
        self.watches.insert(id, make(id));
        id
    }

    /// The breakpoint with this id.
    ///
    /// # Errors
    /// `no breakpoint number N`.
    pub fn get_mut(&mut self, id: BreakpointId) -> Result<&mut Breakpoint, Error> {
        self.by_id
            .get_mut(&id)
            .ok_or_else(|| not_found!("no breakpoint number {id}"))
    }

    /// Removes and returns a breakpoint.
    ///
    /// # Errors
    /// `no breakpoint number N`.
    pub fn remove(&mut self, id: BreakpointId) -> Result<Breakpoint, Error> {
        self.by_id
            .remove(&id)
            .ok_or_else(|| not_found!("no breakpoint number {id}"))
    }

    /// All breakpoint ids, ascending.
    pub fn ids(&self) -> Vec<BreakpointId> {
        self.by_id.keys().copied().collect()
    }

    /// All breakpoints, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Breakpoint> {
        self.by_id.values()
    }

    /// Whether any breakpoint or watchpoint is enabled.
    pub fn any_enabled(&self) -> bool {
        self.by_id.values().any(|b| b.enabled) || self.watches.values().any(|w| w.enabled)
    }

    /// Where the engine must stop for the enabled breakpoints and
    /// watchpoints: every breakpoint's sites, then every watchpoint's.
    pub fn armed_sites(&self) -> Vec<Pc> {
        self.by_id
            .values()
            .filter(|b| b.enabled)
            .flat_map(|b| b.sites())
            .chain(
                self.watches
                    .values()
                    .filter(|w| w.enabled)
                    .flat_map(|w| w.sites.iter().copied()),
            )
            .collect()
    }

    /// Enabled breakpoints at `pc`, by id.
    pub fn enabled_at(&self, pc: Pc) -> Vec<BreakpointId> {
        self.by_id
            .values()
            .filter(|b| {
                b.enabled
                    && b.module == pc.module
                    && (b.pc == pc.offset || b.more.contains(&pc.offset))
            })
            .map(|b| b.id)
            .collect()
    }
}
