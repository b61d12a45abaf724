//! Source variables from DWARF, read against the exact Wasm state of a
//! pause: which variables are in scope at a pc, where each one is (a Wasm
//! local, global or operand-stack slot, or linear memory through the frame
//! base), and its value by its DWARF type; and the C-like expressions of
//! `print` and breakpoint conditions over them.
//!
//! A variable whose location list has no entry for the pc, or whose
//! location is empty, is `<optimized out>`; one whose location uses an
//! operation this reader does not know is `<unavailable: ...>`. Nothing is
//! guessed.

use crate::error::{Error, invalid, malformed, not_found, unavailable};
use gimli::{AttributeValue, Operation, Reader as _, UnitOffset, constants as dw};

use crate::program::ModuleInfo;
use crate::program::dwarf::R;
use crate::program::expr::{Ast, Expr};
use crate::program::value::{PrintOptions, SourceValue, Variable};

mod formatters;
mod read;

use formatters::{Common, Formatters};
use read::{Language, Peeled, Place, Read, Scalar, Typed, Unit, le_u64};

/// The paused frame's Wasm state, as the variables reader needs it. Values
/// are little-endian bytes (4 for i32/f32, 8 for i64/f64).
pub(crate) trait Machine {
    /// Wasm local `index` of the frame.
    fn local(&mut self, index: u32) -> Result<Vec<u8>, Error>;
    /// Global `index` of the instance.
    fn global(&mut self, index: u32) -> Result<Vec<u8>, Error>;
    /// The frame's operand stack entry `index`, counted from the bottom
    /// (LLVM's `TI_OPERAND_STACK`).
    fn operand(&mut self, index: u32) -> Result<Vec<u8>, Error>;
    /// `len` bytes of linear memory 0 at `address`.
    fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error>;
}

/// One variable DIE in scope.
struct VarDie {
    name: String,
    is_param: bool,
    ty: Option<UnitOffset>,
    /// Its type is in another compilation unit (`DW_FORM_ref_addr`, as
    /// rustc's release builds write), which this reader does not follow.
    foreign_type: bool,
    location: Option<AttributeValue<R>>,
    const_value: Option<AttributeValue<R>>,
    /// Which function of the pc's inline chain declares it: 0 the
    /// subprogram itself, 1 a function inlined into it, and so on.
    level: usize,
}

/// The scope at a pc: its unit, frame base expression and variables
/// (outermost scope first, so later ones shadow earlier).
struct Scope<'a> {
    unit: Unit<'a>,
    frame_base: Option<AttributeValue<R>>,
    vars: Vec<VarDie>,
    /// Functions in the pc's inline chain: 1 + the `DW_TAG_inlined_subroutine`s
    /// that contain the pc.
    levels: usize,
    /// The unit's source language (`DW_AT_language`), which picks the data
    /// formatters and how values are written.
    language: Language,
}

/// Why a variable whose type is in another compilation unit is not shown.
const FOREIGN_TYPE: &str =
    "its type is described in another compilation unit, which wasmdbg does not follow yet";

/// Most elements shown when `print elements` is unlimited: a guard against
/// a corrupted length, not a limit anyone should meet.
const UNLIMITED_ELEMENTS: u64 = 1 << 20;
/// Most nesting levels when `print max-depth` is unlimited (a cycle of
/// references ends here).
const UNLIMITED_DEPTH: usize = 64;
/// Most values one print reads in all (elements of nested containers
/// multiply): past it, the rest is elided.
const VALUE_BUDGET: u64 = 100_000;

/// The source variables in scope at module offset `pc` (parameters first
/// when `args_only`), read through `machine`; with `inlined`, only those of
/// that function of the pc's inline chain (see
/// [`FrameRef::inlined`](crate::debugger::protocol::FrameRef::inlined)). `Ok(None)`
/// when DWARF has no function at `pc`.
///
/// # Errors
/// `inlined` past the pc's inline chain.
pub(crate) fn frame_variables(
    info: &ModuleInfo,
    pc: usize,
    inlined: Option<usize>,
    machine: &mut dyn Machine,
    args_only: bool,
    print: &PrintOptions,
) -> Result<Option<Vec<Variable>>, Error> {
    in_scope(info, pc, inlined, |scope, address| {
        let mut reader = Reader::new(scope, machine, address, print);
        let mut out: Vec<Variable> = Vec::new();
        for v in &scope.vars {
            if args_only && !v.is_param {
                continue;
            }
            reader.budget = VALUE_BUDGET;
            let value = if v.foreign_type {
                Err(unavailable!("{FOREIGN_TYPE}"))
            } else {
                reader.var_value(v)
            };
            let shown = value.and_then(|t| reader.show(&t, 0));
            let variable = Variable {
                name: v.name.clone(),
                is_param: v.is_param,
                type_name: reader.type_name(v.ty),
                value: shown.unwrap_or_else(|e| SourceValue::Unavailable(e.to_string())),
            };
            // An inner scope's variable hides an outer one of the same name.
            out.retain(|o| o.name != variable.name);
            out.push(variable);
        }
        Ok(Some(out))
    })
}

/// Runs `f` on the scope at module offset `pc` (narrowed to inlined
/// function `inlined`, when given) and its DWARF address; `Ok(None)` when
/// DWARF has no function at `pc`.
fn in_scope<T>(
    info: &ModuleInfo,
    pc: usize,
    inlined: Option<usize>,
    f: impl FnOnce(&Scope<'_>, u64) -> Result<Option<T>, Error>,
) -> Result<Option<T>, Error> {
    let Some(debug) = info.debug_info() else {
        return Ok(None);
    };
    let Some(address) = debug.dwarf_address(pc) else {
        return Ok(None);
    };
    debug.with_context(|ctx| {
        let Some(mut scope) = debug
            .resolve(ctx.find_dwarf_and_unit(address))
            .and_then(|unit| scope_at(unit, address))
        else {
            return Ok(None);
        };
        scope.narrow(inlined)?;
        f(&scope, address)
    })
}

/// Evaluates a parsed expression over the source variables in scope at
/// `pc` (with `inlined`, those of that function of the inline chain only):
/// `Ok(None)` when DWARF has no function at `pc` or the expression uses
/// Wasm-only syntax (the caller then evaluates it over Wasm values), else
/// the value's C type and the value.
///
/// # Errors
/// An unknown variable (`no variable named "x" in scope`), a bad operand,
/// a memory read outside memory.
pub(crate) fn evaluate_parsed(
    info: &ModuleInfo,
    pc: usize,
    inlined: Option<usize>,
    machine: &mut dyn Machine,
    expr: &Expr,
    print: &PrintOptions,
) -> Result<Option<(String, SourceValue)>, Error> {
    if !expr.is_source() {
        return Ok(None);
    }
    in_scope(info, pc, inlined, |scope, address| {
        let expr = expr.root();
        let mut reader = Reader::new(scope, machine, address, print);
        if let Ast::AddrOf(inner) = expr {
            // `&x`: a pointer to x's type.
            let value = reader.eval(inner)?;
            let Place::Memory(address) = value.place else {
                return Err(unavailable!(
                    "the value is not in linear memory: it has no address"
                ));
            };
            let ty = format!("{} *", reader.type_name(value.ty));
            return Ok(Some((
                ty,
                SourceValue::Pointer {
                    address,
                    string: None,
                    referent: None,
                },
            )));
        }
        let value = reader.eval(expr)?;
        let ty = match value.place {
            Place::Scalar(Scalar::Int(_)) => "long long".to_string(),
            Place::Scalar(Scalar::Float(_)) => "double".to_string(),
            Place::Rows { elem, ref dims, .. } => {
                let dims: Vec<String> = dims
                    .iter()
                    .map(|d| d.map_or("[]".to_string(), |n| format!("[{n}]")))
                    .collect();
                format!("{} {}", reader.type_name(elem), dims.concat())
            }
            _ => reader.type_name(value.ty),
        };
        Ok(Some((ty, reader.show(&value, 0)?)))
    })
}

fn die_contains(unit: Unit<'_>, die: &gimli::DebuggingInformationEntry<R>, address: u64) -> bool {
    let Ok(mut ranges) = unit.die_ranges(die) else {
        return false;
    };
    while let Ok(Some(r)) = ranges.next() {
        if r.begin <= address && address < r.end {
            return true;
        }
    }
    false
}

/// Finds the subprogram containing `address` and the variables of every
/// scope (lexical blocks, inlined calls) that contains it.
fn scope_at(unit: Unit<'_>, address: u64) -> Option<Scope<'_>> {
    let mut tree = unit.entries_tree(None).ok()?;
    let root = tree.root().ok()?;
    let language = match root.entry().attr_value(dw::DW_AT_language) {
        Some(AttributeValue::Language(dw::DW_LANG_Rust)) => Language::Rust,
        Some(AttributeValue::Language(
            dw::DW_LANG_C_plus_plus
            | dw::DW_LANG_C_plus_plus_03
            | dw::DW_LANG_C_plus_plus_11
            | dw::DW_LANG_C_plus_plus_14,
        )) => Language::Cpp,
        _ => Language::Other,
    };
    let mut scope = Scope {
        unit,
        frame_base: None,
        vars: Vec::new(),
        levels: 1,
        language,
    };
    if find_in(unit, root, address, &mut scope, false, 0) {
        Some(scope)
    } else {
        None
    }
}

impl Scope<'_> {
    /// Keeps only the variables of inlined frame `inlined` (see
    /// [`FrameRef::inlined`](crate::debugger::protocol::FrameRef::inlined): 0 the
    /// innermost function of the inline chain); `None` keeps them all.
    ///
    /// # Errors
    /// `inlined` past the chain.
    fn narrow(&mut self, inlined: Option<usize>) -> Result<(), Error> {
        let Some(k) = inlined else {
            return Ok(());
        };
        let Some(level) = self.levels.checked_sub(1).and_then(|l| l.checked_sub(k)) else {
            return Err(not_found!(
                "no inlined frame {k} here: DWARF places {} function{} at this pc",
                self.levels,
                if self.levels == 1 { "" } else { "s" }
            ));
        };
        self.vars.retain(|v| v.level == level);
        Ok(())
    }
}

/// Searches `node`'s children for the scope of `address`; `inside`: `node`
/// is already a function containing it. Returns whether a function was
/// found.
fn find_in(
    unit: Unit<'_>,
    node: gimli::EntriesTreeNode<'_, '_, R>,
    address: u64,
    scope: &mut Scope<'_>,
    inside: bool,
    level: usize,
) -> bool {
    let mut children = node.children();
    while let Ok(Some(child)) = children.next() {
        let die = child.entry().clone();
        match die.tag() {
            dw::DW_TAG_subprogram if !inside && die_contains(unit, &die, address) => {
                scope.frame_base = die.attr_value(dw::DW_AT_frame_base);
                find_in(unit, child, address, scope, true, 0);
                return true;
            }
            // Methods live inside namespaces and classes.
            dw::DW_TAG_namespace | dw::DW_TAG_class_type | dw::DW_TAG_structure_type if !inside => {
                let found = find_in(unit, child, address, scope, false, level);
                if found {
                    return true;
                }
            }
            dw::DW_TAG_formal_parameter | dw::DW_TAG_variable if inside => {
                if let Some(v) = var_die(unit, &die, level) {
                    scope.vars.push(v);
                }
            }
            dw::DW_TAG_lexical_block if inside && die_contains(unit, &die, address) => {
                find_in(unit, child, address, scope, true, level);
            }
            dw::DW_TAG_inlined_subroutine if inside && die_contains(unit, &die, address) => {
                scope.levels = scope.levels.max(level + 2);
                find_in(unit, child, address, scope, true, level + 1);
            }
            _ => {}
        }
    }
    inside
}

/// Reads a variable DIE, following `DW_AT_abstract_origin` for its name and
/// type (inlined and optimized copies keep them there).
fn var_die(
    unit: Unit<'_>,
    die: &gimli::DebuggingInformationEntry<R>,
    level: usize,
) -> Option<VarDie> {
    let attr = |d: &gimli::DebuggingInformationEntry<R>, at| d.attr_value(at);
    let origin = match attr(die, dw::DW_AT_abstract_origin) {
        Some(AttributeValue::UnitRef(o)) => unit.entry(o).ok(),
        _ => None,
    };
    let get = |at| attr(die, at).or_else(|| origin.as_ref().and_then(|o| attr(o, at)));
    let name = get(dw::DW_AT_name).and_then(|n| {
        unit.attr_string(n)
            .ok()?
            .to_string_lossy()
            .ok()
            .map(|s| s.into_owned())
    })?;
    let ty = match get(dw::DW_AT_type) {
        Some(AttributeValue::UnitRef(o)) => Some(o),
        _ => None,
    };
    Some(VarDie {
        name,
        is_param: die.tag() == dw::DW_TAG_formal_parameter,
        ty,
        location: attr(die, dw::DW_AT_location),
        foreign_type: matches!(get(dw::DW_AT_type), Some(AttributeValue::DebugInfoRef(_))),
        const_value: attr(die, dw::DW_AT_const_value),
        level,
    })
}

struct Reader<'s, 'a, 'm> {
    scope: &'s Scope<'a>,
    machine: &'m mut dyn Machine,
    address: u64,
    print: PrintOptions,
    /// Values this print may still read ([`VALUE_BUDGET`] at the start).
    budget: u64,
}

impl<'s, 'a, 'm> Reader<'s, 'a, 'm> {
    fn new(
        scope: &'s Scope<'a>,
        machine: &'m mut dyn Machine,
        address: u64,
        print: &PrintOptions,
    ) -> Self {
        Reader {
            scope,
            machine,
            address,
            print: *print,
            budget: VALUE_BUDGET,
        }
    }
}

/// What the formatters read, from the reader's own methods.
impl Read for Reader<'_, '_, '_> {
    fn unit(&self) -> Unit<'_> {
        Reader::unit(self)
    }
    fn language(&self) -> Language {
        self.scope.language
    }
    fn attr(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<AttributeValue<R>> {
        Reader::attr(self, offset, at)
    }
    fn udata(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<u64> {
        Reader::udata(self, offset, at)
    }
    fn name(&self, offset: UnitOffset) -> Option<String> {
        Reader::name(self, offset)
    }
    fn type_of(&self, offset: UnitOffset) -> Option<UnitOffset> {
        Reader::type_of(self, offset)
    }
    fn peel(&self, ty: Option<UnitOffset>) -> Option<Peeled> {
        Reader::peel(self, ty)
    }
    fn size_of(&self, ty: Option<UnitOffset>) -> Option<u64> {
        Reader::size_of(self, ty)
    }
    fn children(&self, offset: UnitOffset, tag: gimli::DwTag) -> Vec<UnitOffset> {
        Reader::children(self, offset, tag)
    }
    fn is_static(&self, m: UnitOffset) -> bool {
        Reader::is_static(self, m)
    }
    fn base_type(&self, name: &str) -> Option<UnitOffset> {
        Reader::base_type(self, name)
    }
    fn bytes(&mut self, t: &Typed, len: u64) -> Result<Vec<u8>, Error> {
        Reader::bytes(self, t, len)
    }
    fn scalar(&mut self, t: &Typed) -> Result<Scalar, Error> {
        Reader::scalar(self, t)
    }
    fn dimensions(&self, array: UnitOffset) -> Vec<Option<u64>> {
        Reader::dimensions(self, array)
    }
    fn offset_place(&self, place: &Place, offset: u64, len: u64) -> Result<Place, Error> {
        Reader::offset_place(self, place, offset, len)
    }
    fn member(&mut self, t: &Typed, m: UnitOffset) -> Result<Typed, Error> {
        Reader::member(self, t, m)
    }
    fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.machine.memory(address, len)
    }
    fn show(&mut self, t: &Typed, depth: usize) -> Result<SourceValue, Error> {
        Reader::show(self, t, depth)
    }
    fn max_elements(&self) -> u64 {
        Reader::max_elements(self)
    }
    fn budget(&self) -> u64 {
        self.budget
    }
    fn raw(&self) -> bool {
        self.print.raw
    }
}

impl Reader<'_, '_, '_> {
    /// Most elements of one container shown (`print elements`, at most
    /// [`UNLIMITED_ELEMENTS`]).
    fn max_elements(&self) -> u64 {
        self.print
            .elements
            .unwrap_or(UNLIMITED_ELEMENTS)
            .min(UNLIMITED_ELEMENTS)
    }

    /// Deepest nesting shown (`print max-depth`).
    fn max_depth(&self) -> usize {
        self.print
            .max_depth
            .map_or(UNLIMITED_DEPTH, |d| d.min(UNLIMITED_DEPTH as u64) as usize)
    }

    fn is_rust(&self) -> bool {
        self.scope.language == Language::Rust
    }

    fn unit(&self) -> Unit<'_> {
        self.scope.unit
    }

    fn entry(&self, offset: UnitOffset) -> Result<gimli::DebuggingInformationEntry<R>, Error> {
        self.unit().entry(offset).map_err(|e| malformed!("{e}"))
    }

    fn attr(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<AttributeValue<R>> {
        self.entry(offset).ok()?.attr_value(at)
    }

    fn udata(&self, offset: UnitOffset, at: gimli::DwAt) -> Option<u64> {
        self.attr(offset, at).and_then(|a| a.udata_value())
    }

    fn name(&self, offset: UnitOffset) -> Option<String> {
        let n = self.attr(offset, dw::DW_AT_name)?;
        Some(
            self.unit()
                .attr_string(n)
                .ok()?
                .to_string_lossy()
                .ok()?
                .into_owned(),
        )
    }

    fn type_of(&self, offset: UnitOffset) -> Option<UnitOffset> {
        match self.attr(offset, dw::DW_AT_type) {
            Some(AttributeValue::UnitRef(o)) => Some(o),
            _ => None,
        }
    }

    /// Follows typedefs, const, volatile, restrict, atomic.
    fn peel(&self, ty: Option<UnitOffset>) -> Option<Peeled> {
        let mut offset = ty?;
        for _ in 0..32 {
            let tag = self.entry(offset).ok()?.tag();
            match tag {
                dw::DW_TAG_typedef
                | dw::DW_TAG_const_type
                | dw::DW_TAG_volatile_type
                | dw::DW_TAG_restrict_type
                | dw::DW_TAG_atomic_type => offset = self.type_of(offset)?,
                _ => return Some(Peeled { tag, offset }),
            }
        }
        None
    }

    /// The type as its language writes it: C's `int`, `char *`, `struct
    /// point`, `int [4]`; Rust's `Shape`, `[i32; 5]`.
    fn type_name(&self, ty: Option<UnitOffset>) -> String {
        self.type_name_depth(ty, 0)
    }

    fn type_name_depth(&self, ty: Option<UnitOffset>, depth: usize) -> String {
        let Some(offset) = ty else {
            return "void".to_string();
        };
        if depth > 8 {
            return "...".to_string();
        }
        let Ok(die) = self.entry(offset) else {
            return "?".to_string();
        };
        let inner = || self.type_name_depth(self.type_of(offset), depth + 1);
        if let Some(name) = self.name(offset) {
            // Rust names its pointer types (`&shapes::Shape`); C does not.
            if matches!(
                die.tag(),
                dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type
            ) {
                return name;
            }
        }
        if self.is_rust() {
            match die.tag() {
                dw::DW_TAG_array_type => {
                    let dims: Vec<String> = self
                        .dimensions(offset)
                        .iter()
                        .map(|d| d.map_or("?".to_string(), |n| n.to_string()))
                        .collect();
                    let mut text = inner();
                    for d in dims.iter().rev() {
                        text = format!("[{text}; {d}]");
                    }
                    return text;
                }
                dw::DW_TAG_structure_type | dw::DW_TAG_union_type | dw::DW_TAG_enumeration_type => {
                    return self.name(offset).unwrap_or_else(|| "?".into());
                }
                _ => {}
            }
        }
        match die.tag() {
            dw::DW_TAG_pointer_type => format!("{} *", inner()),
            dw::DW_TAG_reference_type => format!("{} &", inner()),
            dw::DW_TAG_const_type => format!("const {}", inner()),
            dw::DW_TAG_volatile_type => format!("volatile {}", inner()),
            dw::DW_TAG_array_type => {
                let dims: Vec<String> = self
                    .dimensions(offset)
                    .iter()
                    .map(|d| d.map_or("[]".to_string(), |n| format!("[{n}]")))
                    .collect();
                format!("{} {}", inner(), dims.concat())
            }
            dw::DW_TAG_structure_type | dw::DW_TAG_class_type => {
                format!(
                    "struct {}",
                    self.name(offset).unwrap_or_else(|| "{...}".into())
                )
            }
            dw::DW_TAG_union_type => {
                format!(
                    "union {}",
                    self.name(offset).unwrap_or_else(|| "{...}".into())
                )
            }
            dw::DW_TAG_enumeration_type => {
                format!(
                    "enum {}",
                    self.name(offset).unwrap_or_else(|| "{...}".into())
                )
            }
            _ => self.name(offset).unwrap_or_else(|| "?".to_string()),
        }
    }

    /// The byte size of a type.
    fn size_of(&self, ty: Option<UnitOffset>) -> Option<u64> {
        let p = self.peel(ty)?;
        if let Some(n) = self.udata(p.offset, dw::DW_AT_byte_size) {
            return Some(n);
        }
        match p.tag {
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => Some(4),
            dw::DW_TAG_array_type => {
                let n = product(&self.dimensions(p.offset))?;
                n.checked_mul(self.size_of(self.type_of(p.offset))?)
            }
            _ => None,
        }
    }

    /// Element counts of an array type's dimensions (`None`: unknown).
    fn dimensions(&self, array: UnitOffset) -> Vec<Option<u64>> {
        self.children(array, dw::DW_TAG_subrange_type)
            .into_iter()
            .map(|range| {
                self.udata(range, dw::DW_AT_count).or_else(|| {
                    self.udata(range, dw::DW_AT_upper_bound)
                        .and_then(|u| u.checked_add(1))
                })
            })
            .collect()
    }

    /// The children of a type DIE with the given tag.
    fn children(&self, offset: UnitOffset, tag: gimli::DwTag) -> Vec<UnitOffset> {
        let mut out = Vec::new();
        let Ok(mut tree) = self.unit().entries_tree(Some(offset)) else {
            return out;
        };
        let Ok(root) = tree.root() else {
            return out;
        };
        let mut children = root.children();
        while let Ok(Some(child)) = children.next() {
            if child.entry().tag() == tag {
                out.push(child.entry().offset());
            }
        }
        out
    }

    fn var_value(&mut self, v: &VarDie) -> Result<Typed, Error> {
        if let Some(c) = &v.const_value {
            let bytes = match c {
                AttributeValue::Block(b) => b.to_slice().map_err(|e| malformed!("{e}"))?.to_vec(),
                AttributeValue::Sdata(n) => n.to_le_bytes().to_vec(),
                other => match other.udata_value() {
                    Some(n) => n.to_le_bytes().to_vec(),
                    None => return Err(unavailable!("unsupported DW_AT_const_value")),
                },
            };
            return Ok(Typed {
                ty: v.ty,
                place: Place::Bytes(bytes),
            });
        }
        let place = match &v.location {
            None => Place::OptimizedOut,
            Some(AttributeValue::Exprloc(expr)) => self.run_expr(expr.clone())?,
            Some(attr) => {
                let offset = self
                    .unit()
                    .attr_locations_offset(attr.clone())
                    .map_err(|e| malformed!("{e}"))?
                    .ok_or_else(|| unavailable!("unsupported DW_AT_location form"))?;
                let mut list = self
                    .unit()
                    .locations(offset)
                    .map_err(|e| malformed!("{e}"))?;
                let mut place = Place::OptimizedOut;
                while let Some(entry) = list.next().map_err(|e| malformed!("{e}"))? {
                    if entry.range.begin <= self.address && self.address < entry.range.end {
                        place = self.run_expr(entry.data)?;
                        break;
                    }
                }
                place
            }
        };
        Ok(Typed { ty: v.ty, place })
    }

    /// Runs a DWARF location expression: Wasm locations, frame base,
    /// constants, arithmetic, `DW_OP_deref`, `DW_OP_stack_value`.
    fn run_expr(&mut self, expr: gimli::Expression<R>) -> Result<Place, Error> {
        let encoding = self.unit().encoding();
        let mut ops = expr.operations(encoding);
        let mut stack: Vec<u64> = Vec::new();
        // A Wasm location pushed last (its value is the variable's).
        let mut wasm: Option<Vec<u8>> = None;
        let mut is_value = false;
        let mut any = false;
        let mut pieces: Option<Vec<u8>> = None;
        let mut whole_gone = false;
        while let Some(op) = ops
            .next()
            .map_err(|e| malformed!("bad DWARF expression: {e}"))?
        {
            any = true;
            match op {
                Operation::WasmLocal { index } => {
                    let b = self.machine.local(index)?;
                    stack.push(le_u64(&b));
                    wasm = Some(b);
                }
                Operation::WasmGlobal { index } => {
                    let b = self.machine.global(index)?;
                    stack.push(le_u64(&b));
                    wasm = Some(b);
                }
                Operation::WasmStack { index } => {
                    let b = self.machine.operand(index)?;
                    stack.push(le_u64(&b));
                    wasm = Some(b);
                }
                Operation::FrameOffset { offset } => {
                    let base = self.frame_base()?;
                    stack.push(base.wrapping_add(offset as u64));
                    wasm = None;
                }
                Operation::UnsignedConstant { value } => {
                    stack.push(value);
                    wasm = None;
                }
                Operation::SignedConstant { value } => {
                    stack.push(value as u64);
                    wasm = None;
                }
                Operation::Address { address } => {
                    stack.push(address);
                    wasm = None;
                }
                Operation::PlusConstant { value } => {
                    let a = stack
                        .pop()
                        .ok_or_else(|| unavailable!("DWARF stack underflow"))?;
                    stack.push(a.wrapping_add(value));
                    wasm = None;
                }
                Operation::Plus
                | Operation::Minus
                | Operation::Mul
                | Operation::And
                | Operation::Or
                | Operation::Xor
                | Operation::Shl
                | Operation::Shr => {
                    let b = stack
                        .pop()
                        .ok_or_else(|| unavailable!("DWARF stack underflow"))?;
                    let a = stack
                        .pop()
                        .ok_or_else(|| unavailable!("DWARF stack underflow"))?;
                    stack.push(match op {
                        Operation::Plus => a.wrapping_add(b),
                        Operation::Minus => a.wrapping_sub(b),
                        Operation::Mul => a.wrapping_mul(b),
                        Operation::And => a & b,
                        Operation::Or => a | b,
                        Operation::Xor => a ^ b,
                        Operation::Shl => a.wrapping_shl(b as u32),
                        _ => a.wrapping_shr(b as u32),
                    });
                    wasm = None;
                }
                Operation::Deref { size, .. } => {
                    let a = stack
                        .pop()
                        .ok_or_else(|| unavailable!("DWARF stack underflow"))?;
                    let bytes = self.machine.memory(a, size as u64)?;
                    stack.push(le_u64(&bytes));
                    wasm = None;
                }
                Operation::Pick { index: 0 } => {
                    let a = *stack
                        .last()
                        .ok_or_else(|| unavailable!("DWARF stack underflow"))?;
                    stack.push(a);
                }
                Operation::StackValue => is_value = true,
                Operation::Piece {
                    size_in_bits,
                    bit_offset: None,
                } if size_in_bits % 8 == 0 => {
                    // One piece of a composite location: its bytes, then
                    // the stack starts over for the next piece.
                    let len = size_in_bits / 8;
                    let piece = match (wasm.take(), stack.pop()) {
                        (Some(bytes), _) => Some(bytes),
                        (None, Some(top)) if is_value => Some(top.to_le_bytes().to_vec()),
                        (None, Some(address)) => Some(self.machine.memory(address, len)?),
                        (None, None) => None,
                    };
                    match piece {
                        Some(mut bytes) => {
                            bytes.resize(len as usize, 0);
                            pieces.get_or_insert_with(Vec::new).extend(bytes);
                        }
                        // A piece with no location: part of the value is
                        // gone, so all of it is shown as optimized out.
                        None => whole_gone = true,
                    }
                    pieces.get_or_insert_with(Vec::new);
                    stack.clear();
                    is_value = false;
                }
                other => return Err(unavailable!("unsupported DWARF operation {other:?}")),
            }
        }
        if !any || whole_gone {
            return Ok(Place::OptimizedOut);
        }
        if let Some(bytes) = pieces {
            return Ok(Place::Bytes(bytes));
        }
        if let Some(bytes) = wasm {
            // `DW_OP_WASM_location` names where the value is.
            return Ok(Place::Bytes(bytes));
        }
        let top = stack
            .pop()
            .ok_or_else(|| unavailable!("empty DWARF location"))?;
        Ok(if is_value {
            Place::Bytes(top.to_le_bytes().to_vec())
        } else {
            Place::Memory(top)
        })
    }

    /// The frame base: the enclosing function's `DW_AT_frame_base`, as a
    /// value (LLVM: a Wasm local or global holding the stack pointer).
    fn frame_base(&mut self) -> Result<u64, Error> {
        let Some(AttributeValue::Exprloc(expr)) = self.scope.frame_base.clone() else {
            return Err(unavailable!("the function has no frame base"));
        };
        match self.run_expr(expr)? {
            Place::Bytes(b) => Ok(le_u64(&b) & 0xffff_ffff),
            Place::Memory(a) => Ok(a),
            Place::OptimizedOut => Err(unavailable!("the frame base is unavailable")),
            Place::Rows { .. } => Err(invalid!("the frame base is not a number")),
            Place::Scalar(s) => Ok(s.as_i128() as u64),
        }
    }

    /// `len` bytes of a value.
    fn bytes(&mut self, t: &Typed, len: u64) -> Result<Vec<u8>, Error> {
        match &t.place {
            Place::Memory(a) => self.machine.memory(*a, len),
            Place::Bytes(b) => {
                let mut b = b.clone();
                b.resize(len as usize, 0);
                Ok(b)
            }
            Place::OptimizedOut => Err(unavailable!(
                "a value it needs is <optimized out> at this pc"
            )),
            Place::Rows { .. } => Err(invalid!("an array is not a number")),
            Place::Scalar(s) => Ok(match s {
                Scalar::Int(n) => (*n as i64).to_le_bytes().to_vec(),
                Scalar::Float(f) => f.to_le_bytes().to_vec(),
            }),
        }
    }

    /// A scalar value as a number: (integer bits, as float, is float).
    fn scalar(&mut self, t: &Typed) -> Result<Scalar, Error> {
        if let Place::Scalar(s) = t.place {
            return Ok(s);
        }
        let p = self.peel(t.ty);
        let size = self.size_of(t.ty).unwrap_or(4).min(8);
        let bytes = self.bytes(t, size)?;
        let raw = le_u64(&bytes);
        let Some(p) = p else {
            return Ok(Scalar::Int(raw as i64 as i128));
        };
        match p.tag {
            dw::DW_TAG_base_type => {
                let enc = self
                    .attr(p.offset, dw::DW_AT_encoding)
                    .and_then(|a| match a {
                        AttributeValue::Encoding(e) => Some(e),
                        _ => None,
                    })
                    .unwrap_or(dw::DW_ATE_signed);
                Ok(match enc {
                    dw::DW_ATE_float if size == 4 => {
                        Scalar::Float(f32::from_bits(raw as u32) as f64)
                    }
                    dw::DW_ATE_float => Scalar::Float(f64::from_bits(raw)),
                    dw::DW_ATE_signed | dw::DW_ATE_signed_char => {
                        Scalar::Int(sign_extend(raw, size))
                    }
                    _ => Scalar::Int(raw as i128),
                })
            }
            dw::DW_TAG_enumeration_type => Ok(Scalar::Int(sign_extend(raw, size))),
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => {
                Ok(Scalar::Int((raw & 0xffff_ffff) as i128))
            }
            _ => Err(invalid!("{} is not a number", self.type_name(t.ty))),
        }
    }

    /// The value as data for the renderer: through a data formatter when
    /// one knows the type (unless `print/r`), else by its DWARF structure.
    fn show(&mut self, t: &Typed, depth: usize) -> Result<SourceValue, Error> {
        if depth > self.max_depth() {
            return Ok(SourceValue::TooDeep);
        }
        if self.budget == 0 {
            return Ok(SourceValue::Unavailable(format!(
                "not read: this print already read {VALUE_BUDGET} values"
            )));
        }
        self.budget -= 1;
        match t.place {
            Place::OptimizedOut => return Ok(SourceValue::OptimizedOut),
            Place::Scalar(Scalar::Int(n)) => {
                // An expression's computed result is a `long long` (it is
                // named so, and computed in 64 bits).
                let bytes = self.size_of(t.ty).map_or(8, |s| s.min(16) as u8);
                return Ok(SourceValue::Int { value: n, bytes });
            }
            Place::Scalar(Scalar::Float(f)) => return Ok(SourceValue::Float(f)),
            Place::Rows {
                ref at,
                elem,
                ref dims,
            } => {
                let inner = product(&dims[1..]).unwrap_or(u64::MAX);
                let size = self.size_of(elem).unwrap_or(0);
                let stride = if dims.len() > 1 {
                    inner.saturating_mul(size)
                } else {
                    size
                };
                return Ok(self.show_array(at, elem, dims, stride, depth));
            }
            _ => {}
        }
        let Some(p) = self.peel(t.ty) else {
            return Ok(SourceValue::Unavailable("no type".into()));
        };
        match p.tag {
            dw::DW_TAG_base_type => {
                let enc = self.attr(p.offset, dw::DW_AT_encoding);
                let size = self.size_of(t.ty).unwrap_or(4);
                if size == 0 && self.is_rust() {
                    // `()`.
                    return Ok(SourceValue::Record {
                        name: String::new(),
                        fields: Vec::new(),
                    });
                }
                let s = match self.scalar(t) {
                    Ok(s) => s,
                    Err(e) => return Ok(SourceValue::Unavailable(e.to_string())),
                };
                Ok(match (enc, s) {
                    (Some(AttributeValue::Encoding(dw::DW_ATE_boolean)), Scalar::Int(n)) => {
                        SourceValue::Bool(n != 0)
                    }
                    (Some(AttributeValue::Encoding(dw::DW_ATE_UTF)), Scalar::Int(n))
                        if size == 4 =>
                    {
                        SourceValue::Unicode(n as u32)
                    }
                    (
                        Some(AttributeValue::Encoding(
                            dw::DW_ATE_signed_char | dw::DW_ATE_unsigned_char,
                        )),
                        Scalar::Int(n),
                    ) if size == 1 => SourceValue::Char(n as i64),
                    (_, Scalar::Int(n)) => SourceValue::Int {
                        value: n,
                        bytes: size.clamp(1, 16) as u8,
                    },
                    (_, Scalar::Float(f)) if size == 4 => SourceValue::Float32(f as f32),
                    (_, Scalar::Float(f)) => SourceValue::Float(f),
                })
            }
            dw::DW_TAG_enumeration_type => {
                let Scalar::Int(n) = self.scalar(t)? else {
                    return Err(malformed!("bad enum"));
                };
                let name = self
                    .children(p.offset, dw::DW_TAG_enumerator)
                    .into_iter()
                    .find(|e| {
                        self.attr(*e, dw::DW_AT_const_value).is_some_and(|v| {
                            v.sdata_value()
                                .map(i128::from)
                                .or(v.udata_value().map(i128::from))
                                == Some(n)
                        })
                    })
                    .and_then(|e| self.name(e));
                Ok(SourceValue::Enum {
                    value: n as i64,
                    name,
                })
            }
            dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type => {
                let Scalar::Int(addr) = self.scalar(t)? else {
                    return Err(malformed!("bad pointer"));
                };
                let addr = addr as u64;
                let target = self.peel(self.type_of(p.offset));
                let is_char = target.as_ref().is_some_and(|tp| {
                    tp.tag == dw::DW_TAG_base_type
                        && self.udata(tp.offset, dw::DW_AT_byte_size) == Some(1)
                        && matches!(
                            self.attr(tp.offset, dw::DW_AT_encoding),
                            Some(AttributeValue::Encoding(
                                dw::DW_ATE_signed_char | dw::DW_ATE_unsigned_char
                            ))
                        )
                });
                let string = if is_char && addr != 0 {
                    Some(self.c_string(addr))
                } else {
                    None
                };
                // A C++ reference, and a Rust reference or Box (named
                // pointers), show what they point to.
                let follows = p.tag == dw::DW_TAG_reference_type
                    || !self.print.raw
                        && addr != 0
                        && target.is_some()
                        && self.is_rust_ref(p.offset);
                let referent = if follows && depth < self.max_depth() {
                    let r = Typed {
                        ty: self.type_of(p.offset),
                        place: Place::Memory(addr),
                    };
                    Some(Box::new(self.show(&r, depth + 1)?))
                } else {
                    None
                };
                Ok(SourceValue::Pointer {
                    address: addr,
                    string: string.map(|r| r.map_err(|e| e.to_string())),
                    referent,
                })
            }
            dw::DW_TAG_structure_type | dw::DW_TAG_class_type | dw::DW_TAG_union_type => {
                if depth >= self.max_depth() {
                    return Ok(SourceValue::TooDeep);
                }
                // A Rust enum's active variant is DWARF's own meaning (a
                // variant part), shown even raw.
                if (!self.print.raw || self.has_child(p.offset, dw::DW_TAG_variant_part))
                    && let Some(v) = self.format(t, p.offset, depth)?
                {
                    return Ok(v);
                }
                let mut fields = Vec::new();
                // Base classes first, as gdb shows them: `<Base> = {...}`.
                for base in self.children(p.offset, dw::DW_TAG_inheritance) {
                    let offset = self
                        .udata(base, dw::DW_AT_data_member_location)
                        .unwrap_or(0);
                    let ty = self.type_of(base);
                    let v = Typed {
                        ty,
                        place: self.offset_place(
                            &t.place,
                            offset,
                            self.size_of(ty).unwrap_or(0),
                        )?,
                    };
                    let shown = self
                        .show(&v, depth + 1)
                        .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string()));
                    fields.push((
                        format!("<{}>", self.name(ty.unwrap_or(base)).unwrap_or_default()),
                        shown,
                    ));
                }
                for m in self.children(p.offset, dw::DW_TAG_member) {
                    if self.is_static(m) {
                        continue;
                    }
                    let name = self.name(m).unwrap_or_else(|| "<anonymous>".into());
                    let member = self.member(t, m)?;
                    let v = self
                        .show(&member, depth + 1)
                        .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string()));
                    fields.push((name, v));
                }
                if self.is_rust() && !self.print.raw {
                    let name = self.name(p.offset).unwrap_or_default();
                    let name = if name.starts_with('(') {
                        String::new()
                    } else {
                        name
                    };
                    return Ok(SourceValue::Record { name, fields });
                }
                Ok(SourceValue::Struct(fields))
            }
            dw::DW_TAG_array_type => {
                let dims = self.dimensions(p.offset);
                let elem_ty = self.type_of(p.offset);
                let count = dims.first().copied().flatten().unwrap_or(0);
                // A char array is shown as a string, as gdb does.
                let elem = self.peel(elem_ty);
                let elem_size = if dims.len() > 1 {
                    let rest = product(&dims[1..]).unwrap_or(u64::MAX);
                    rest.saturating_mul(self.size_of(elem_ty).unwrap_or(0))
                } else {
                    self.size_of(elem_ty).unwrap_or(0)
                };
                if dims.len() == 1
                    && elem_size == 1
                    && elem.as_ref().is_some_and(|e| {
                        matches!(
                            self.attr(e.offset, dw::DW_AT_encoding),
                            Some(AttributeValue::Encoding(
                                dw::DW_ATE_signed_char | dw::DW_ATE_unsigned_char
                            ))
                        )
                    })
                {
                    let bytes = self.bytes(t, count.min(self.max_elements()))?;
                    return Ok(SourceValue::CharArray(bytes));
                }
                Ok(self.show_array(&t.place, elem_ty, &dims, elem_size, depth))
            }
            _ => Ok(SourceValue::Unavailable(format!(
                "cannot show a {}",
                self.type_name(t.ty)
            ))),
        }
    }

    /// A member DIE that is a static member (a declaration with no place in
    /// the object: C++'s `npos`).
    fn is_static(&self, m: UnitOffset) -> bool {
        self.attr(m, dw::DW_AT_data_member_location).is_none()
            && self.attr(m, dw::DW_AT_data_bit_offset).is_none()
            && (self.attr(m, dw::DW_AT_external).is_some()
                || self.attr(m, dw::DW_AT_declaration).is_some())
    }

    /// A pointer type Rust names: a reference (`&T`, `&mut T`) or a `Box`.
    fn is_rust_ref(&self, ty: UnitOffset) -> bool {
        self.is_rust()
            && self
                .name(ty)
                .is_some_and(|n| n.starts_with('&') || n.starts_with("alloc::boxed::Box<"))
    }

    /// The place `offset` bytes into `place`, `len` bytes long.
    fn offset_place(&self, place: &Place, offset: u64, len: u64) -> Result<Place, Error> {
        Ok(match place {
            Place::Memory(a) => Place::Memory(a.saturating_add(offset)),
            Place::Bytes(b) => Place::Bytes(slice(b, offset, len)),
            Place::OptimizedOut => Place::OptimizedOut,
            Place::Scalar(_) | Place::Rows { .. } => {
                return Err(invalid!("only structs have members"));
            }
        })
    }

    /// Element `i` of an array at `place` of `dims` (outermost first) of
    /// `elem`: a value of `elem`, or for several dimensions a row.
    fn index_rows(
        &mut self,
        place: &Place,
        elem: Option<UnitOffset>,
        dims: &[Option<u64>],
        i: i64,
    ) -> Result<Typed, Error> {
        if let Some(Some(n)) = dims.first()
            && (i < 0 || i as u64 >= *n)
        {
            return Err(invalid!(
                "index {i} is out of bounds (the array has {n} elements)"
            ));
        }
        let inner = dims.get(1..).unwrap_or_default();
        let row = product(inner).unwrap_or(u64::MAX);
        let stride = row.saturating_mul(self.size_of(elem).unwrap_or(0));
        let stride = if inner.is_empty() {
            self.size_of(elem).unwrap_or(0)
        } else {
            stride
        };
        // `i` is in bounds when the dimension is known; with an unknown
        // one, an offset past the address space reads nothing.
        let offset = (i as u64).saturating_mul(stride);
        let at = match place {
            Place::Memory(a) => Place::Memory(a.saturating_add(offset)),
            Place::Bytes(b) => Place::Bytes(slice(b, offset, stride)),
            Place::OptimizedOut => Place::OptimizedOut,
            _ => return Err(invalid!("cannot index this value")),
        };
        Ok(if inner.is_empty() {
            Typed {
                ty: elem,
                place: at,
            }
        } else {
            Typed {
                ty: None,
                place: Place::Rows {
                    at: Box::new(at),
                    elem,
                    dims: inner.to_vec(),
                },
            }
        })
    }

    /// An array at `place` of `dims` (outermost first) of `elem_ty`, each
    /// outermost element `stride` bytes: nested `{{...}, {...}}` for
    /// several dimensions.
    fn show_array(
        &mut self,
        place: &Place,
        elem_ty: Option<UnitOffset>,
        dims: &[Option<u64>],
        stride: u64,
        depth: usize,
    ) -> SourceValue {
        let count = dims.first().copied().flatten().unwrap_or(0);
        let inner = dims.get(1..).unwrap_or_default();
        let inner_stride = if inner.is_empty() {
            0
        } else {
            stride / inner.first().copied().flatten().unwrap_or(1).max(1)
        };
        let mut items = Vec::new();
        let shown = count.min(self.max_elements()).min(self.budget);
        for i in 0..shown {
            let offset = i.saturating_mul(stride);
            let at = match place {
                Place::Memory(a) => Place::Memory(a.saturating_add(offset)),
                Place::Bytes(b) => Place::Bytes(slice(b, offset, stride)),
                other => other.clone(),
            };
            let item = if inner.is_empty() || depth >= self.max_depth() {
                self.show(
                    &Typed {
                        ty: elem_ty,
                        place: at,
                    },
                    depth + 1,
                )
                .unwrap_or_else(|e| SourceValue::Unavailable(e.to_string()))
            } else {
                self.show_array(&at, elem_ty, inner, inner_stride, depth + 1)
            };
            items.push(item);
        }
        let more = count.saturating_sub(shown);
        if self.is_rust() && !self.print.raw {
            return SourceValue::Sequence {
                name: String::new(),
                len: count,
                items,
                more,
            };
        }
        SourceValue::Array { items, more }
    }

    /// A NUL-terminated string at `addr` (at most `print elements` bytes).
    fn c_string(&mut self, addr: u64) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        while (out.len() as u64) < self.max_elements() {
            let chunk = self
                .machine
                .memory(addr.saturating_add(out.len() as u64), 1)?;
            if chunk[0] == 0 {
                return Ok(out);
            }
            out.push(chunk[0]);
        }
        Ok(out)
    }

    /// Member `m` of struct value `t`. A bit field (`DW_AT_bit_size` with
    /// `DW_AT_data_bit_offset`, bits counted from the struct's first byte's
    /// least significant bit, as on little-endian Wasm) is read out into a
    /// value of its own.
    fn member(&mut self, t: &Typed, m: UnitOffset) -> Result<Typed, Error> {
        let ty = self.type_of(m);
        if let Some(bits) = self.udata(m, dw::DW_AT_bit_size) {
            let start = self
                .udata(m, dw::DW_AT_data_bit_offset)
                .ok_or_else(|| malformed!("a bit field without DW_AT_data_bit_offset"))?;
            if bits == 0 || bits > 64 {
                return Err(unavailable!("a bit field of {bits} bits"));
            }
            let first = start / 8;
            let len = (start % 8 + bits).div_ceil(8);
            let bytes = self.bytes(
                &Typed {
                    ty: None,
                    place: self.offset_place(&t.place, first, len)?,
                },
                len,
            )?;
            let mut raw = 0u128;
            for (i, b) in bytes.iter().enumerate().take(9) {
                raw |= u128::from(*b) << (8 * i);
            }
            let value = (raw >> (start % 8)) as u64 & (u64::MAX >> (64 - bits));
            return Ok(Typed {
                ty,
                place: Place::Bytes(value.to_le_bytes().to_vec()),
            });
        }
        let offset = self
            .attr(m, dw::DW_AT_data_member_location)
            .and_then(|a| a.udata_value())
            .unwrap_or(0);
        let place = self.offset_place(&t.place, offset, self.size_of(ty).unwrap_or(0))?;
        Ok(Typed { ty, place })
    }

    /// Looks up a variable in scope by name.
    /// A variable in scope by name, else an enumerator of the unit (`p
    /// s->kind == TRIANGLE`).
    fn variable(&mut self, name: &str) -> Result<Typed, Error> {
        let scope = self.scope;
        if let Some(v) = scope.vars.iter().rev().find(|v| v.name == name) {
            if v.foreign_type {
                return Err(unavailable!("cannot read {name}: {FOREIGN_TYPE}"));
            }
            return self.var_value(v);
        }
        match self.enumerator(name) {
            Some(value) => self.number(Scalar::Int(value)),
            None => Err(not_found!("no variable named {name:?} in scope")),
        }
    }

    /// The value of the unit's enumerator called `name`.
    fn enumerator(&self, name: &str) -> Option<i128> {
        let mut entries = self.unit().entries();
        while let Ok(Some(e)) = entries.next_dfs() {
            if e.tag() == dw::DW_TAG_enumerator && self.name(e.offset()).as_deref() == Some(name) {
                let v = e.attr_value(dw::DW_AT_const_value)?;
                return v
                    .sdata_value()
                    .map(i128::from)
                    .or(v.udata_value().map(i128::from));
            }
        }
        None
    }

    /// A base type of the unit by C name (`int`, `unsigned int`, `char`,
    /// `double`, ...), for casts.
    fn base_type(&self, name: &str) -> Option<UnitOffset> {
        let mut entries = self.unit().entries();
        while let Ok(Some(e)) = entries.next_dfs() {
            if e.tag() == dw::DW_TAG_base_type && self.name(e.offset()).as_deref() == Some(name) {
                return Some(e.offset());
            }
        }
        None
    }

    fn eval(&mut self, e: &Ast) -> Result<Typed, Error> {
        match e {
            Ast::Var(name) => self.variable(name),
            Ast::Int { value, .. } => self.number(Scalar::Int(*value)),
            Ast::Value(n) => self.number(match *n {
                crate::program::expr::Num::Int32(i) => Scalar::Int(i.into()),
                crate::program::expr::Num::Int(i) => Scalar::Int(i.into()),
                crate::program::expr::Num::Float(f) => Scalar::Float(f),
            }),
            Ast::Load(..) => Err(invalid!("a Wasm memory load is not a source expression")),
            Ast::Float(f) => self.number(Scalar::Float(*f)),
            Ast::Member(base, field, arrow) => {
                let v = self.eval(base)?;
                self.member_named(v, field, *arrow)
            }
            Ast::Index(base, index) => {
                let mut v = self.eval(base)?;
                let i = match self.eval(index).and_then(|i| self.scalar(&i))? {
                    Scalar::Int(i) => i as i64,
                    Scalar::Float(_) => return Err(invalid!("an index must be an integer")),
                };
                if let Place::Rows { at, elem, dims } = &v.place {
                    return self.index_rows(at, *elem, dims, i);
                }
                // Indexing goes through a reference (`v[1]` of a `&Vec`
                // or a `const std::vector<T> &`).
                if let Some(p) = self.peel(v.ty)
                    && (p.tag == dw::DW_TAG_reference_type || self.is_rust_ref(p.offset))
                    && self.peel(self.type_of(p.offset)).is_some_and(|t| {
                        matches!(
                            t.tag,
                            dw::DW_TAG_structure_type
                                | dw::DW_TAG_class_type
                                | dw::DW_TAG_array_type
                        )
                    })
                {
                    v = self.deref(&v)?;
                }
                if !self.print.raw {
                    match self.elements(&v) {
                        Ok(Some(e)) => return self.element(&e, i),
                        Ok(None) | Err(formatters::Failure::Layout) => {}
                        Err(f @ formatters::Failure::Corrupted(_)) => return Err(f.into()),
                    }
                }
                let p = self
                    .peel(v.ty)
                    .ok_or_else(|| invalid!("cannot index a void value"))?;
                match p.tag {
                    dw::DW_TAG_array_type => {
                        let elem_ty = self.type_of(p.offset);
                        let dims = self.dimensions(p.offset);
                        self.index_rows(&v.place, elem_ty, &dims, i)
                    }
                    dw::DW_TAG_pointer_type => {
                        let Scalar::Int(a) = self.scalar(&v)? else {
                            unreachable!()
                        };
                        let elem_ty = self.type_of(p.offset);
                        let size = self
                            .size_of(elem_ty)
                            .ok_or_else(|| invalid!("cannot index a void pointer"))?;
                        let offset = i64::try_from(size)
                            .ok()
                            .and_then(|size| i.checked_mul(size))
                            .ok_or_else(|| invalid!("index {i} is too large for a pointer"))?;
                        Ok(Typed {
                            ty: elem_ty,
                            place: Place::Memory((a as i64).wrapping_add(offset) as u64),
                        })
                    }
                    _ => Err(invalid!("cannot index a {}", self.type_name(v.ty))),
                }
            }
            Ast::Deref(inner) => {
                let v = self.eval(inner)?;
                let is_pointer = self.peel(v.ty).is_some_and(|p| {
                    matches!(p.tag, dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type)
                });
                if !is_pointer
                    && !self.print.raw
                    && let Some(target) = self.deref_formatted(&v)?
                {
                    return Ok(target);
                }
                self.deref(&v)
            }
            Ast::AddrOf(inner) => {
                let v = self.eval(inner)?;
                match v.place {
                    Place::Memory(a) => Ok(Typed {
                        ty: None,
                        place: Place::Bytes((a as u32).to_le_bytes().to_vec()),
                    }),
                    _ => Err(unavailable!(
                        "the value is not in memory: it has no address"
                    )),
                }
            }
            Ast::Cast(ty, inner) => {
                let v = self.eval(inner)?;
                let s = self.scalar(&v)?;
                let (float, size, signed) = cast_target(ty);
                let converted = if float {
                    Scalar::Float(if size == 4 {
                        s.as_f64() as f32 as f64
                    } else {
                        s.as_f64()
                    })
                } else {
                    let n = s.as_i128();
                    let bits = size * 8;
                    let masked = if bits >= 64 {
                        n as i64 as i128
                    } else {
                        n & ((1i128 << bits) - 1)
                    };
                    Scalar::Int(if signed && bits < 64 {
                        sign_extend(masked as u64, size)
                    } else if !signed && bits >= 64 {
                        n as u64 as i128
                    } else {
                        masked
                    })
                };
                match self.base_type(ty) {
                    Some(target) => Ok(Typed {
                        ty: Some(target),
                        place: Place::Bytes(match converted {
                            Scalar::Float(f) if size == 4 => (f as f32).to_le_bytes().to_vec(),
                            Scalar::Float(f) => f.to_le_bytes().to_vec(),
                            Scalar::Int(n) => (n as i64).to_le_bytes().to_vec(),
                        }),
                    }),
                    None => self.number(converted),
                }
            }
            Ast::Neg(inner) => {
                let v = self.eval(inner)?;
                let s = self.scalar(&v)?;
                self.number(match s {
                    Scalar::Int(n) => Scalar::Int(-n),
                    Scalar::Float(f) => Scalar::Float(-f),
                })
            }
            Ast::Not(inner) => {
                let v = self.eval(inner)?;
                let s = self.scalar(&v)?;
                self.number(Scalar::Int((s.as_f64() == 0.0) as i128))
            }
            Ast::Binary(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                let (x, y) = (self.scalar(&a)?, self.scalar(&b)?);
                let r = match (x, y) {
                    (Scalar::Int(x), Scalar::Int(y)) => Scalar::Int(match *op {
                        "+" => x.wrapping_add(y),
                        "-" => x.wrapping_sub(y),
                        "*" => x.wrapping_mul(y),
                        "/" | "%" if y == 0 => return Err(invalid!("division by zero")),
                        "/" => x.wrapping_div(y),
                        "%" => x.wrapping_rem(y),
                        _ => compare(op, x.cmp(&y)),
                    }),
                    (x, y) => {
                        let (x, y) = (x.as_f64(), y.as_f64());
                        match *op {
                            "+" => Scalar::Float(x + y),
                            "-" => Scalar::Float(x - y),
                            "*" => Scalar::Float(x * y),
                            "/" => Scalar::Float(x / y),
                            "%" => Scalar::Float(x % y),
                            _ => Scalar::Int(match x.partial_cmp(&y) {
                                Some(o) => compare(op, o),
                                None => (*op == "!=") as i128,
                            }),
                        }
                    }
                };
                self.number(r)
            }
            Ast::Logic(and, a, b) => {
                let a = self.eval(a)?;
                let x = self.scalar(&a)?.as_f64() != 0.0;
                let r = if *and && !x {
                    false
                } else if !*and && x {
                    true
                } else {
                    let b = self.eval(b)?;
                    self.scalar(&b)?.as_f64() != 0.0
                };
                self.number(Scalar::Int(r as i128))
            }
        }
    }

    /// A computed number (no DWARF type).
    fn number(&self, s: Scalar) -> Result<Typed, Error> {
        Ok(Typed {
            ty: None,
            place: Place::Scalar(s),
        })
    }

    /// `v.field` (`v->field` when `arrow`): a member, found through
    /// pointers, references, base classes and anonymous members; through
    /// an `Rc`/`Arc` to its value (Rust's auto-deref); `len` of a
    /// container its length (unless `print/r`).
    fn member_named(&mut self, mut v: Typed, field: &str, arrow: bool) -> Result<Typed, Error> {
        for _ in 0..8 {
            // `->`, and `.` on a pointer or reference (gdb allows it; Rust
            // writes `s.x` for a `&Shape`).
            let is_pointer = self.peel(v.ty).is_some_and(|p| {
                matches!(p.tag, dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type)
            });
            if arrow || is_pointer {
                // `p->x` of a smart pointer (`std::shared_ptr`) too.
                v = match (is_pointer, self.print.raw) {
                    (false, false) => match self.deref_formatted(&v)? {
                        Some(inner) => inner,
                        None => self.deref(&v)?,
                    },
                    _ => self.deref(&v)?,
                };
                if arrow {
                    break;
                }
                continue;
            }
            break;
        }
        for _ in 0..8 {
            let p = self
                .peel(v.ty)
                .filter(|p| {
                    matches!(
                        p.tag,
                        dw::DW_TAG_structure_type | dw::DW_TAG_class_type | dw::DW_TAG_union_type
                    )
                })
                .ok_or_else(|| invalid!("{} has no members", self.type_name(v.ty)))?;
            if !self.print.raw && field == "len" && self.find_member(p.offset, field, 0).is_none() {
                let len = match self.format(&v, p.offset, 0)? {
                    Some(SourceValue::Sequence { len, .. } | SourceValue::Map { len, .. }) => {
                        Some(len)
                    }
                    Some(SourceValue::Str { bytes, more }) => Some(bytes.len() as u64 + more),
                    _ => None,
                };
                if let Some(len) = len {
                    return self.number(Scalar::Int(i128::from(len)));
                }
            }
            if let Some(found) = self.find_member(p.offset, field, 0) {
                return match found {
                    (at, formatters::MemberAt::Plain(ty)) => {
                        let len = self.size_of(ty).unwrap_or(0);
                        Ok(Typed {
                            ty,
                            place: self.offset_place(&v.place, at, len)?,
                        })
                    }
                    (_, formatters::MemberAt::BitField(m, base)) => {
                        let holder = Typed {
                            ty: None,
                            place: self.offset_place(&v.place, base, 16)?,
                        };
                        self.member(&holder, m)
                    }
                };
            }
            match self.deref_formatted(&v)? {
                Some(inner) if !self.print.raw && inner.ty != v.ty => v = inner,
                _ => {
                    return Err(not_found!(
                        "{} has no member named {field}",
                        self.type_name(v.ty)
                    ));
                }
            }
        }
        Err(not_found!(
            "{} has no member named {field}",
            self.type_name(v.ty)
        ))
    }

    fn deref(&mut self, v: &Typed) -> Result<Typed, Error> {
        let p = self
            .peel(v.ty)
            .filter(|p| matches!(p.tag, dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type))
            .ok_or_else(|| invalid!("cannot dereference a {}", self.type_name(v.ty)))?;
        let Scalar::Int(a) = self.scalar(v)? else {
            unreachable!("pointers are integers")
        };
        let target = self.type_of(p.offset);
        if target.is_none() {
            return Err(invalid!("cannot dereference a void pointer"));
        }
        Ok(Typed {
            ty: target,
            place: Place::Memory(a as u64),
        })
    }
}

/// What a cast to C or Rust base type `name` makes: (float, byte size,
/// signed). `long` is 4 bytes, as on wasm32.
fn cast_target(name: &str) -> (bool, u64, bool) {
    match name {
        "float" | "f32" => (true, 4, true),
        "double" | "f64" => (true, 8, true),
        "char" | "signed char" | "i8" => (false, 1, true),
        "unsigned char" | "u8" | "_Bool" | "bool" => (false, 1, false),
        "short" | "i16" => (false, 2, true),
        "unsigned short" | "u16" => (false, 2, false),
        "unsigned int" | "unsigned" | "unsigned long" | "u32" | "usize" => (false, 4, false),
        "long long" | "i64" => (false, 8, true),
        "unsigned long long" | "u64" => (false, 8, false),
        _ => (false, 4, true),
    }
}

fn compare(op: &str, o: std::cmp::Ordering) -> i128 {
    use std::cmp::Ordering::*;
    (match op {
        "==" => o == Equal,
        "!=" => o != Equal,
        "<" => o == Less,
        "<=" => o != Greater,
        ">" => o == Greater,
        _ => o != Less,
    }) as i128
}

fn sign_extend(raw: u64, size: u64) -> i128 {
    match size {
        1 => raw as u8 as i8 as i128,
        2 => raw as u16 as i16 as i128,
        4 => raw as u32 as i32 as i128,
        _ => raw as i64 as i128,
    }
}

/// The product of array dimensions (an unknown one counts as 0); `None`
/// when it overflows (DWARF from a file is untrusted input).
fn product(dims: &[Option<u64>]) -> Option<u64> {
    dims.iter()
        .try_fold(1u64, |n, d| n.checked_mul(d.unwrap_or(0)))
}

/// `len` bytes of `bytes` from `start`, or as many as there are; empty
/// when `start` is out of range.
fn slice(bytes: &[u8], start: u64, len: u64) -> Vec<u8> {
    let Ok(start) = usize::try_from(start) else {
        return Vec::new();
    };
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| start.checked_add(len))
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    bytes.get(start..end).unwrap_or_default().to_vec()
}

/// The DWARF variables reader against a fake frame, without wasmtime: a
/// frame whose Wasm locals, globals, operand stack and memory are
/// patterns the test chooses, so what the reader makes of DWARF's
/// locations and types is checked on its own.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{CoreModuleId, Program};

    /// Locals and globals hold `base + 8 * index`; memory byte at address
    /// `a` is `a & 0xff` (so an i32 read at `a` shows where it was read),
    /// except the words `words` places.
    struct FakeFrame {
        base: u32,
        words: Vec<(u64, u32)>,
        reads: Vec<(u64, u64)>,
    }

    impl Machine for FakeFrame {
        fn local(&mut self, index: u32) -> Result<Vec<u8>, Error> {
            Ok((self.base + 8 * index).to_le_bytes().to_vec())
        }
        fn global(&mut self, index: u32) -> Result<Vec<u8>, Error> {
            Ok((self.base + 8 * index).to_le_bytes().to_vec())
        }
        fn operand(&mut self, index: u32) -> Result<Vec<u8>, Error> {
            Err(not_found!(
                "no operand stack entry {index} in the fake frame"
            ))
        }
        fn memory(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Error> {
            self.reads.push((address, len));
            let mut bytes: Vec<u8> = (address..address + len).map(|a| a as u8).collect();
            for (at, word) in &self.words {
                for (k, b) in word.to_le_bytes().iter().enumerate() {
                    let a = at + k as u64;
                    if (address..address + len).contains(&a) {
                        bytes[(a - address) as usize] = *b;
                    }
                }
            }
            Ok(bytes)
        }
    }

    fn program(path: &str) -> Program {
        let bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .expect("test program");
        Program::module(ModuleInfo::parse(bytes).expect("a module"))
    }

    /// The module offset of function `name` after its prologue (where
    /// `break NAME` stops), read from the program's DWARF.
    fn after_prologue(program: &Program, name: &str) -> usize {
        let info = program.info(CoreModuleId::FIRST);
        let body = info
            .find_func(name)
            .and_then(|f| info.func(f))
            .and_then(|f| f.body.clone())
            .expect("a defined function");
        info.debug_info()
            .and_then(|d| d.after_prologue(body))
            .expect("a prologue end in DWARF")
    }

    /// shapes-O0.wasm's `area2(const struct shape *s)` after its prologue:
    /// its frame base is `__stack_pointer` (global 0, here 0x1000), `s` and
    /// `sum` live in the frame; `s` points where the fake memory says.
    #[test]
    fn locations_in_the_frame_and_memory_read_from_a_fake_frame() {
        let program = program("tests/guests/dwarf/shapes-O0.wasm");
        let at = after_prologue(&program, "area2");
        let info = program.info(CoreModuleId::FIRST);
        let mut frame = FakeFrame {
            base: 0x1000,
            words: Vec::new(),
            reads: Vec::new(),
        };
        let vars = frame_variables(info, at, None, &mut frame, false, &PrintOptions::default())
            .unwrap()
            .unwrap();
        let shown: Vec<String> = vars
            .iter()
            .map(|v| format!("{} {}: {:?}", v.type_name, v.name, v.value))
            .collect();
        // Each value is read where DWARF says, from the fake frame: `s` at
        // 0x1034 and `sum` at 0x1030 (the frame base the fake gives plus
        // DW_OP_fbreg offsets), and the pattern there is the value: the
        // bytes 0x34..0x37 are the pointer 0x37363534.
        assert_eq!(frame.reads, [(0x1034, 4), (0x1030, 4)]);
        assert_eq!(
            shown,
            [
                "const struct shape * s: Pointer { address: 926299444, string: None, referent: None }",
                "int sum: Int { value: 858927408, bytes: 4 }",
            ]
        );
        // A word placed where `sum` lives is what `sum` shows.
        let mut placed = FakeFrame {
            base: 0x1000,
            words: vec![(0x1030, 4242)],
            reads: Vec::new(),
        };
        let again = frame_variables(info, at, None, &mut placed, false, &PrintOptions::default())
            .unwrap()
            .unwrap();
        let sum = again.iter().find(|v| v.name == "sum").unwrap();
        assert_eq!(
            sum.value,
            SourceValue::Int {
                value: 4242,
                bytes: 4
            },
            "{again:?}"
        );
    }

    /// A pc with no DWARF function: no variables, not an error; an inlined
    /// frame past the chain: an error naming the chain.
    #[test]
    fn no_function_and_no_such_inlined_frame() {
        let program = program("tests/guests/dwarf/shapes-O0.wasm");
        let info = program.info(crate::program::CoreModuleId::FIRST);
        let mut frame = FakeFrame {
            base: 0x1000,
            words: Vec::new(),
            reads: Vec::new(),
        };
        assert_eq!(
            frame_variables(info, 0, None, &mut frame, false, &PrintOptions::default()),
            Ok(None)
        );
        let at = after_prologue(&program, "area2");
        let past = frame_variables(
            info,
            at,
            Some(5),
            &mut frame,
            false,
            &PrintOptions::default(),
        );
        assert!(
            past.unwrap_err()
                .message
                .starts_with("no inlined frame 5 here")
        );
    }
}
