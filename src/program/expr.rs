//! The one expression language of `print`, breakpoint conditions, `x`,
//! `watch` and `set var`: parsed once into a syntax tree ([`Expr`]), which
//! two evaluators read — over Wasm values (locals, globals, memory loads;
//! [`Expr::eval`]) and over source variables where DWARF describes the pc
//! (`variables.rs`). A breakpoint condition is parsed when it is set.
//!
//! ```text
//! expr    := or
//! or      := and ("||" and)*
//! and     := eq ("&&" eq)*
//! eq      := rel (("==" | "!=") rel)*
//! rel     := sum (("<" | "<=" | ">" | ">=") sum)*
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/" | "%") unary)*
//! unary   := ("!" | "-" | "*" | "&") unary | "(" CTYPE ")" unary
//!          | "{" TYPE "}" unary | "*" "(" TYPE "*" ")" unary      (memory loads)
//!          | postfix
//! postfix := primary ("." NAME | "->" NAME | "[" expr "]")*
//! primary := INT | FLOAT | NAME | "$local" N | "$global" N | "$" NAME
//!          | "$" N | "$" | "$$" | "$$" N                    (value history)
//!          | "(" expr ")"
//! TYPE    := i8 | u8 | i16 | u16 | i32 | u32 | i64 | u64 | f32 | f64
//! ```
//!
//! `$N` is always `print`'s value history, as in gdb: value N (numbered
//! from 1); `$` is the last value, `$$` the one before, `$$N` the one N
//! back. A Wasm local is `$localN` by index, or its name (`$NAME`, `NAME`);
//! a global `$globalN` or its name. The parser reads a history reference
//! as the value it names ([`Expr::parse`] takes the history), when the
//! expression is parsed — for a breakpoint condition, when it is set. `$N`
//! names the same value however long the history grows; `$` and `$$N`
//! count back from the last value at the time of parsing.
//!
//! Integers are decimal or `0x` hex. Over Wasm values, NAME is a local's
//! name-section name, else a global's; values are 32-bit integers (i32
//! locals and globals, narrow loads, literals that fit: decimal ones in
//! i32, hex ones in u32), 64-bit integers, or f64. Arithmetic on two 32-bit
//! integers wraps at 32 bits as in Wasm; otherwise integers widen to 64 bits
//! (sign-extended), and either side being a float makes it float.
//! Comparisons and `&& || !` give 0 or 1 (32-bit). Member access, indexing,
//! `*`, `&` and casts read source variables, so they need DWARF; `$` names
//! and memory loads are Wasm's, so the source evaluator leaves them to it.

use crate::error::{Error, invalid, not_found, unavailable};
use std::fmt;

/// A parsed expression: the text as typed and its syntax tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    text: String,
    root: Ast,
}

/// A variable an expression reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Var {
    /// Local by index (`$local3`).
    Local(u32),
    /// Global by index (`$global0`).
    Global(u32),
    /// A local or global by name.
    Name(String),
    /// A load of `ty` from linear memory at `address`.
    Memory {
        /// What to load.
        ty: LoadType,
        /// Where.
        address: u64,
    },
}

/// The type of a memory load in an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LoadType {
    /// Signed 8-bit.
    I8,
    /// Unsigned 8-bit.
    U8,
    /// Signed 16-bit.
    I16,
    /// Unsigned 16-bit.
    U16,
    /// 32-bit integer.
    I32,
    /// Unsigned 32-bit.
    U32,
    /// 64-bit integer.
    I64,
    /// Unsigned 64-bit.
    U64,
    /// f32.
    F32,
    /// f64.
    F64,
}

impl LoadType {
    /// Parses a type name (`i32`, `u8`, `f64`, ...).
    pub fn parse(name: &str) -> Option<LoadType> {
        Some(match name {
            "i8" => LoadType::I8,
            "u8" => LoadType::U8,
            "i16" => LoadType::I16,
            "u16" => LoadType::U16,
            "i32" => LoadType::I32,
            "u32" => LoadType::U32,
            "i64" => LoadType::I64,
            "u64" => LoadType::U64,
            "f32" => LoadType::F32,
            "f64" => LoadType::F64,
            _ => return None,
        })
    }

    /// Its size in bytes.
    pub fn size(self) -> usize {
        match self {
            LoadType::I8 | LoadType::U8 => 1,
            LoadType::I16 | LoadType::U16 => 2,
            LoadType::I32 | LoadType::U32 | LoadType::F32 => 4,
            LoadType::I64 | LoadType::U64 | LoadType::F64 => 8,
        }
    }

    /// The value of little-endian `bytes` (exactly `size()` of them).
    pub fn decode(self, bytes: &[u8]) -> Num {
        let mut raw = [0u8; 8];
        raw[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        let u = u64::from_le_bytes(raw);
        match self {
            LoadType::I8 => Num::Int32(u as u8 as i8 as i32),
            LoadType::U8 => Num::Int32(u as u8 as i32),
            LoadType::I16 => Num::Int32(u as u16 as i16 as i32),
            LoadType::U16 => Num::Int32(u as u16 as i32),
            LoadType::I32 => Num::Int32(u as u32 as i32),
            LoadType::U32 => Num::Int(u as u32 as i64),
            LoadType::I64 | LoadType::U64 => Num::Int(u as i64),
            LoadType::F32 => Num::Float(f32::from_bits(u as u32) as f64),
            LoadType::F64 => Num::Float(f64::from_bits(u)),
        }
    }

    /// `value` as this type's little-endian bytes.
    ///
    /// # Errors
    /// A float stored into an integer type.
    pub fn encode(self, value: Num) -> Result<Vec<u8>, Error> {
        let int = |v: Num| match v {
            Num::Int32(i) => Ok(i as i64),
            Num::Int(i) => Ok(i),
            Num::Float(f) => Err(invalid!(
                "type mismatch: cannot store the float {f:?} as an integer"
            )),
        };
        Ok(match self {
            LoadType::I8 | LoadType::U8 => vec![int(value)? as u8],
            LoadType::I16 | LoadType::U16 => (int(value)? as u16).to_le_bytes().to_vec(),
            LoadType::I32 | LoadType::U32 => (int(value)? as u32).to_le_bytes().to_vec(),
            LoadType::I64 | LoadType::U64 => int(value)?.to_le_bytes().to_vec(),
            LoadType::F32 => (as_f64(value) as f32).to_le_bytes().to_vec(),
            LoadType::F64 => as_f64(value).to_le_bytes().to_vec(),
        })
    }
}

/// A value during evaluation.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Num {
    /// A 32-bit integer.
    Int32(i32),
    /// A 64-bit integer.
    Int(i64),
    /// f32 or f64, as f64.
    Float(f64),
}

impl Num {
    /// The value used as a memory address: an i32 as unsigned, an i64 that
    /// is not negative.
    ///
    /// # Errors
    /// A negative number or a float.
    pub fn as_address(self) -> Result<u64, Error> {
        match self {
            Num::Int32(a) => Ok(a as u32 as u64),
            Num::Int(a) if a >= 0 => Ok(a as u64),
            Num::Int(a) => Err(invalid!("the address {a} is negative")),
            Num::Float(f) => Err(invalid!("the address {f} is not an integer")),
        }
    }

    /// Whether the value counts as true (non-zero).
    pub fn truthy(self) -> bool {
        match self {
            Num::Int32(i) => i != 0,
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int32(i) => write!(f, "{i}"),
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// The syntax tree of an expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ast {
    /// A name: a source variable, or over Wasm values a local or global
    /// (`$local3`, `$global0`, `$name`, `name`).
    Var(String),
    /// A value of the history (`$2`, `$`, `$$3`), as the parser read it.
    Value(Num),
    /// An integer literal; `hex` when written `0x...` (over Wasm values a
    /// hex literal that fits u32 is an i32).
    Int {
        /// Its value.
        value: i128,
        /// Written in hex.
        hex: bool,
    },
    /// A float literal.
    Float(f64),
    /// `BASE.FIELD` (`arrow`: `BASE->FIELD`).
    Member(Box<Ast>, String, bool),
    /// `BASE[INDEX]`.
    Index(Box<Ast>, Box<Ast>),
    /// `*E`.
    Deref(Box<Ast>),
    /// `&E`.
    AddrOf(Box<Ast>),
    /// `(TYPE) E` for a C or Rust base type.
    Cast(String, Box<Ast>),
    /// A Wasm memory load: `{TYPE} ADDR` or `*(TYPE*) ADDR`.
    Load(LoadType, Box<Ast>),
    /// `-E`.
    Neg(Box<Ast>),
    /// `!E`.
    Not(Box<Ast>),
    /// An arithmetic or comparison operator.
    Binary(&'static str, Box<Ast>, Box<Ast>),
    /// `&&` (true) or `||` (false).
    Logic(bool, Box<Ast>, Box<Ast>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Expr {
    /// The variable the expression is, when it is one alone (`$local3`,
    /// `$global0`, `$calls`, `calls`): what `set var` may write.
    pub fn as_var(&self) -> Option<Var> {
        match &self.root {
            Ast::Var(name) => wasm_var(name),
            _ => None,
        }
    }

    /// Parses `text`, reading its value-history references (`$N`, `$`,
    /// `$$`, `$$N`) from `history` (`$1` first).
    ///
    /// # Errors
    /// `malformed expression: ...` with what was expected and where; a
    /// history reference to a value the history does not have.
    pub fn parse(text: &str, history: &[Num]) -> Result<Expr, Error> {
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            text,
            history,
        };
        let root = p.binary(0)?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(invalid!("malformed expression: unexpected {t} in {text:?}"));
        }
        Ok(Expr {
            text: text.trim().to_string(),
            root,
        })
    }

    /// The syntax tree.
    pub(crate) fn root(&self) -> &Ast {
        &self.root
    }

    /// Whether the source evaluator can read it: it uses no Wasm-only
    /// syntax (`$` names, memory loads), which only the Wasm evaluator
    /// reads.
    pub(crate) fn is_source(&self) -> bool {
        fn source(a: &Ast) -> bool {
            match a {
                Ast::Var(name) => !name.starts_with('$'),
                Ast::Load(..) => false,
                Ast::Int { .. } | Ast::Float(_) | Ast::Value(_) => true,
                Ast::Member(e, ..)
                | Ast::Deref(e)
                | Ast::AddrOf(e)
                | Ast::Cast(_, e)
                | Ast::Neg(e)
                | Ast::Not(e) => source(e),
                Ast::Index(a, b) | Ast::Binary(_, a, b) | Ast::Logic(_, a, b) => {
                    source(a) && source(b)
                }
            }
        }
        source(&self.root)
    }

    /// Evaluates the expression over Wasm values, reading variables through
    /// `read`.
    ///
    /// # Errors
    /// A variable that cannot be read (its message), division by zero, a
    /// literal too large for 64 bits, source-only syntax (member access,
    /// indexing, `*`, `&`, casts), which needs DWARF.
    pub fn eval(&self, read: &mut dyn FnMut(&Var) -> Result<Num, Error>) -> Result<Num, Error> {
        eval(&self.root, read)
    }
}

/// The Wasm variable a name stands for: `$localN` a local by index,
/// `$globalN` a global by index, `$NAME` and `NAME` by name.
fn wasm_var(name: &str) -> Option<Var> {
    let Some(v) = name.strip_prefix('$') else {
        return Some(Var::Name(name.to_string()));
    };
    for (prefix, make) in [
        ("local", Var::Local as fn(u32) -> Var),
        ("global", Var::Global as fn(u32) -> Var),
    ] {
        if let Some(n) = v.strip_prefix(prefix).and_then(|n| n.parse().ok()) {
            return Some(make(n));
        }
    }
    (!v.is_empty()).then(|| Var::Name(v.to_string()))
}

/// Why source-only syntax has no value over Wasm values.
fn needs_dwarf(what: &str) -> Error {
    unavailable!("{what} reads source variables, and no DWARF describes this pc")
}

fn eval(node: &Ast, read: &mut dyn FnMut(&Var) -> Result<Num, Error>) -> Result<Num, Error> {
    Ok(match node {
        Ast::Int { value, hex } => literal(*value, *hex)?,
        Ast::Float(f) => Num::Float(*f),
        Ast::Value(n) => *n,
        Ast::Var(name) => {
            let var = wasm_var(name).ok_or_else(|| invalid!("cannot read {name:?}"))?;
            read(&var)?
        }
        Ast::Not(e) => Num::Int32(!eval(e, read)?.truthy() as i32),
        Ast::Neg(e) => match eval(e, read)? {
            Num::Int32(i) => Num::Int32(i.wrapping_neg()),
            Num::Int(i) => Num::Int(i.wrapping_neg()),
            Num::Float(f) => Num::Float(-f),
        },
        Ast::Logic(false, a, b) => {
            Num::Int32((eval(a, read)?.truthy() || eval(b, read)?.truthy()) as i32)
        }
        Ast::Logic(true, a, b) => {
            Num::Int32((eval(a, read)?.truthy() && eval(b, read)?.truthy()) as i32)
        }
        Ast::Load(ty, addr) => {
            let address = eval(addr, read)?.as_address()?;
            read(&Var::Memory { ty: *ty, address })?
        }
        Ast::Binary(op, a, b) => binary(op, eval(a, read)?, eval(b, read)?)?,
        Ast::Member(_, field, arrow) => {
            let op = if *arrow { "->" } else { "." };
            return Err(needs_dwarf(&format!("member access `{op}{field}`")));
        }
        Ast::Index(..) => return Err(needs_dwarf("indexing `[...]`")),
        Ast::Deref(_) => return Err(needs_dwarf("`*` (dereference)")),
        Ast::AddrOf(_) => return Err(needs_dwarf("`&` (address of)")),
        Ast::Cast(ty, _) => return Err(needs_dwarf(&format!("the cast `({ty})`"))),
    })
}

/// An integer literal's Wasm value: a 32-bit integer when it fits (a hex
/// one as u32), else a 64-bit one.
fn literal(value: i128, hex: bool) -> Result<Num, Error> {
    if hex {
        if let Ok(small) = u32::try_from(value) {
            return Ok(Num::Int32(small as i32));
        }
        if let Ok(wide) = u64::try_from(value) {
            return Ok(Num::Int(wide as i64));
        }
    } else {
        if let Ok(small) = i32::try_from(value) {
            return Ok(Num::Int32(small));
        }
        if let Ok(wide) = i64::try_from(value) {
            return Ok(Num::Int(wide));
        }
    }
    Err(invalid!("the number {value} does not fit in 64 bits"))
}

fn binary(op: &str, a: Num, b: Num) -> Result<Num, Error> {
    let cmp = |o: std::cmp::Ordering| -> bool {
        use std::cmp::Ordering::*;
        match op {
            "==" => o == Equal,
            "!=" => o != Equal,
            "<" => o == Less,
            "<=" => o != Greater,
            ">" => o == Greater,
            _ => o != Less, // ">="
        }
    };
    let is_cmp = matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=");
    match (a, b) {
        (Num::Int(_) | Num::Int32(_), Num::Int(_) | Num::Int32(_)) => {
            // Computed in 64 bits; two 32-bit operands give the low 32 bits,
            // which is what Wasm's wrapping i32 arithmetic gives.
            let (x, y) = (as_i64(a), as_i64(b));
            let narrow = matches!((a, b), (Num::Int32(_), Num::Int32(_)));
            if is_cmp {
                return Ok(Num::Int32(cmp(x.cmp(&y)) as i32));
            }
            let r = match op {
                "+" => x.wrapping_add(y),
                "-" => x.wrapping_sub(y),
                "*" => x.wrapping_mul(y),
                "/" | "%" if y == 0 => return Err(invalid!("division by zero")),
                "/" => x.wrapping_div(y),
                _ => x.wrapping_rem(y), // "%"
            };
            Ok(if narrow {
                Num::Int32(r as i32)
            } else {
                Num::Int(r)
            })
        }
        _ => {
            let (x, y) = (as_f64(a), as_f64(b));
            if is_cmp {
                // NaN compares unequal to everything, as in Wasm.
                return Ok(Num::Int32(match x.partial_cmp(&y) {
                    Some(o) => cmp(o),
                    None => op == "!=",
                } as i32));
            }
            Ok(Num::Float(match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" => x / y,
                _ => x % y, // "%"
            }))
        }
    }
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int32(i) => i as f64,
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

fn as_i64(n: Num) -> i64 {
    match n {
        Num::Int32(i) => i as i64,
        Num::Int(i) => i,
        Num::Float(f) => f as i64,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// A number as written.
    Num(String),
    /// A name (may start with `$`).
    Name(String),
    Op(&'static str),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Num(n) => write!(f, "number {n}"),
            Token::Name(n) => write!(f, "name {n:?}"),
            Token::Op(o) => write!(f, "{o:?}"),
        }
    }
}

/// Operators, longest first.
const OPS: &[&str] = &[
    "->", "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "&", "(",
    ")", "[", "]", "{", "}", ".",
];

fn lex(text: &str) -> Result<Vec<Token>, Error> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut rest = text.trim_start();
    while let Some(c) = rest.chars().next() {
        // A number: a digit, or `.5` where no operand ends before it.
        let after_operand = matches!(
            tokens.last(),
            Some(Token::Num(_) | Token::Name(_) | Token::Op(")" | "]"))
        );
        let number = c.is_ascii_digit()
            || c == '.' && !after_operand && rest[1..].starts_with(|d: char| d.is_ascii_digit());
        if number || c.is_alphabetic() || c == '_' || c == '$' {
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, d)| {
                    !(d.is_alphanumeric() || d == '_' || d == '$' || number && d == '.')
                })
                .map_or(rest.len(), |(i, _)| i);
            let word = &rest[..end];
            tokens.push(if number {
                Token::Num(word.to_string())
            } else {
                Token::Name(word.to_string())
            });
            rest = rest[end..].trim_start();
            continue;
        }
        match OPS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                tokens.push(Token::Op(op));
                rest = rest[op.len()..].trim_start();
            }
            None => {
                return Err(invalid!(
                    "malformed expression: unexpected {c:?} in {text:?}"
                ));
            }
        }
    }
    Ok(tokens)
}

/// C and Rust base types a cast may name.
const CAST_TYPES: &[&str] = &[
    "char",
    "signed char",
    "unsigned char",
    "short",
    "unsigned short",
    "int",
    "unsigned int",
    "long",
    "unsigned long",
    "long long",
    "unsigned long long",
    "float",
    "double",
    "_Bool",
    "bool",
    "unsigned",
    "i8",
    "u8",
    "i16",
    "u16",
    "i32",
    "u32",
    "i64",
    "u64",
    "f32",
    "f64",
    "usize",
    "isize",
];

/// Binary operators by precedence, loosest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["==", "!="],
    &["<", "<=", ">", ">="],
    &["+", "-"],
    &["*", "/", "%"],
];

struct Parser<'t> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'t str,
    /// The value history, `$1` first.
    history: &'t [Num],
}

impl Parser<'_> {
    fn peek_op(&self, ops: &[&'static str]) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(o)) if ops.contains(o) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &'static str) -> bool {
        let found = self.peek_op(&[op]).is_some();
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, op: &'static str) -> Result<(), Error> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(invalid!("malformed expression: expected {op:?}"))
        }
    }

    fn binary(&mut self, level: usize) -> Result<Ast, Error> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.peek_op(ops) {
            self.pos += 1;
            let right = Box::new(self.binary(level + 1)?);
            let left_box = Box::new(left);
            left = match op {
                "&&" => Ast::Logic(true, left_box, right),
                "||" => Ast::Logic(false, left_box, right),
                _ => Ast::Binary(op, left_box, right),
            };
        }
        Ok(left)
    }

    /// A load type's name at `at`, if there is one.
    fn load_type_at(&self, at: usize) -> Option<LoadType> {
        match self.tokens.get(at) {
            Some(Token::Name(n)) => LoadType::parse(n),
            _ => None,
        }
    }

    fn load_type(&mut self) -> Result<LoadType, Error> {
        match self.tokens.get(self.pos) {
            Some(Token::Name(n)) => {
                let ty = LoadType::parse(n)
                    .ok_or_else(|| invalid!("malformed expression: {n:?} is not a load type (i8, u8, i16, u16, i32, u32, i64, u64, f32, f64)"))?;
                self.pos += 1;
                Ok(ty)
            }
            _ => Err(invalid!(
                "malformed expression: expected a type such as i32"
            )),
        }
    }

    fn unary(&mut self) -> Result<Ast, Error> {
        if self.eat("{") {
            // `{TYPE} ADDR`: a memory load.
            let ty = self.load_type()?;
            self.expect("}")?;
            return Ok(Ast::Load(ty, Box::new(self.unary()?)));
        }
        if self.eat("*") {
            // `*(TYPE*) ADDR` with a load type: a memory load; else `*E`.
            let is_load = matches!(self.tokens.get(self.pos), Some(Token::Op("(")))
                && self.load_type_at(self.pos + 1).is_some()
                && matches!(self.tokens.get(self.pos + 2), Some(Token::Op("*")))
                && matches!(self.tokens.get(self.pos + 3), Some(Token::Op(")")));
            if is_load {
                self.pos += 1;
                let ty = self.load_type()?;
                self.pos += 2;
                return Ok(Ast::Load(ty, Box::new(self.unary()?)));
            }
            return Ok(Ast::Deref(Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(Ast::Neg(Box::new(self.unary()?)));
        }
        if self.eat("!") {
            return Ok(Ast::Not(Box::new(self.unary()?)));
        }
        if self.eat("&") {
            return Ok(Ast::AddrOf(Box::new(self.unary()?)));
        }
        if self.peek_op(&["("]).is_some() {
            // A cast: `(TYPE WORDS) EXPR`.
            let mut words = Vec::new();
            let mut j = self.pos + 1;
            while let Some(Token::Name(w)) = self.tokens.get(j) {
                words.push(w.as_str());
                j += 1;
            }
            let name = words.join(" ");
            if matches!(self.tokens.get(j), Some(Token::Op(")")))
                && CAST_TYPES.contains(&name.as_str())
            {
                self.pos = j + 1;
                return Ok(Ast::Cast(name, Box::new(self.unary()?)));
            }
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Ast, Error> {
        let mut e = self.primary()?;
        loop {
            if let Some(op) = self.peek_op(&[".", "->"]) {
                self.pos += 1;
                let field = match self.tokens.get(self.pos) {
                    Some(Token::Name(n)) if !n.starts_with('$') => n.clone(),
                    _ => return Err(invalid!("malformed expression: expected a member name")),
                };
                self.pos += 1;
                e = Ast::Member(Box::new(e), field, op == "->");
            } else if self.eat("[") {
                let index = self.binary(0)?;
                self.expect("]")?;
                e = Ast::Index(Box::new(e), Box::new(index));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Ast, Error> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match token {
            Some(Token::Num(n)) => number(&n).ok_or_else(|| {
                invalid!("malformed expression: cannot read {n:?} in {:?}", self.text)
            }),
            Some(Token::Name(n)) => match history_ref(&n) {
                Some(r) => r.resolve(self.history).map(Ast::Value),
                None => Ok(Ast::Var(n)),
            },
            Some(Token::Op("(")) => {
                let inner = self.binary(0)?;
                if self.eat(")") {
                    Ok(inner)
                } else {
                    Err(invalid!("malformed expression: missing \")\""))
                }
            }
            Some(t) => Err(invalid!("malformed expression: unexpected {t}")),
            None => Err(invalid!("malformed expression: it ends too early")),
        }
    }
}

/// A reference to the value history, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HistoryRef {
    /// `$N`: value N, numbered from 1.
    Number(u64),
    /// `$` (0), `$$` (1), `$$N` (N): N values back from the last.
    Back(u64),
}

/// Whether `name` is a value-history reference (`$N`, `$`, `$$`, `$$N`)
/// rather than a variable.
pub(crate) fn is_history_ref(name: &str) -> bool {
    history_ref(name).is_some()
}

/// The history reference a name is: `$N`, `$`, `$$`, `$$N` (digits only
/// after the `$`s); `None` for any other name.
fn history_ref(name: &str) -> Option<HistoryRef> {
    let digits = |d: &str| -> Option<u64> {
        (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .then(|| d.parse().unwrap_or(u64::MAX))
    };
    if let Some(rest) = name.strip_prefix("$$") {
        return if rest.is_empty() {
            Some(HistoryRef::Back(1))
        } else {
            digits(rest).map(HistoryRef::Back)
        };
    }
    let rest = name.strip_prefix('$')?;
    if rest.is_empty() {
        return Some(HistoryRef::Back(0));
    }
    digits(rest).map(HistoryRef::Number)
}

impl HistoryRef {
    /// The value it names in `history`.
    fn resolve(self, history: &[Num]) -> Result<Num, Error> {
        let len = history.len() as u64;
        let index = match self {
            HistoryRef::Number(0) => {
                return Err(invalid!(
                    "$0 is not a value: the value history is numbered from $1 (a local by index is $local0)"
                ));
            }
            HistoryRef::Number(n) if n > len => {
                return Err(not_found!("history has not yet reached ${n}"));
            }
            HistoryRef::Number(n) => n - 1,
            HistoryRef::Back(_) if len == 0 => {
                return Err(invalid!("the value history is empty"));
            }
            HistoryRef::Back(k) if k >= len => {
                return Err(not_found!("history has not yet reached $${k}"));
            }
            HistoryRef::Back(k) => len - 1 - k,
        };
        Ok(history[index as usize])
    }
}

/// A number literal: decimal or `0x` hex integer, else a float.
fn number(word: &str) -> Option<Ast> {
    if let Some(value) = crate::program::number::parse_integer(word) {
        let hex = word.starts_with("0x") || word.starts_with("0X");
        return Some(Ast::Int { value, hex });
    }
    word.parse::<f64>().ok().map(Ast::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_with(text: &str, locals: &[i64]) -> Result<Num, Error> {
        let e = Expr::parse(text, &[])?;
        e.eval(&mut |v| match v {
            Var::Local(i) => locals
                .get(*i as usize)
                .map(|x| Num::Int(*x))
                .ok_or_else(|| not_found!("no local {i}")),
            Var::Name(n) if n == "n" => Ok(Num::Int(locals[0])),
            Var::Global(0) => Ok(Num::Float(2.5)),
            Var::Memory { ty, address } => {
                let memory = [0u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xc0, 0x3f];
                let at = *address as usize;
                Ok(ty.decode(&memory[at..at + ty.size()]))
            }
            other => Err(not_found!("unknown {other:?}")),
        })
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(eval_with("1 + 2 * 3", &[]), Ok(Num::Int32(7)));
        assert_eq!(eval_with("(1 + 2) * 3", &[]), Ok(Num::Int32(9)));
        assert_eq!(eval_with("7 % 4 == 3 && !0", &[]), Ok(Num::Int32(1)));
        assert_eq!(eval_with("1 < 2 || 1 / 0", &[]), Ok(Num::Int32(1)));
        assert_eq!(eval_with("-3 - -3", &[]), Ok(Num::Int32(0)));
        assert_eq!(eval_with("0x10 >= 16", &[]), Ok(Num::Int32(1)));
        assert_eq!(eval_with("$global0 * 2", &[]), Ok(Num::Float(5.0)));
        assert_eq!(eval_with("1.5 < 2", &[]), Ok(Num::Int32(1)));
    }

    #[test]
    fn widths_and_loads() {
        assert_eq!(eval_with("2147483647 + 1", &[]), Ok(Num::Int32(i32::MIN)));
        assert_eq!(eval_with("2147483648 + 1", &[]), Ok(Num::Int(2147483649)));
        assert_eq!(eval_with("{i32} 4", &[]), Ok(Num::Int32(-1)));
        assert_eq!(eval_with("{u32} 4", &[]), Ok(Num::Int(0xffff_ffff)));
        assert_eq!(eval_with("{u8} 4 + 1", &[]), Ok(Num::Int32(256)));
        assert_eq!(eval_with("*(f32*)8 * 2", &[]), Ok(Num::Float(3.0)));
        assert_eq!(
            eval_with("{i64} (2 + 2)", &[]),
            Ok(Num::Int(0x3fc0_0000_ffff_ffff))
        );
        assert!(
            Expr::parse("{i33} 4", &[])
                .unwrap_err()
                .message
                .contains("not a load type")
        );
        // Not a load (no `*` in the cast): a C dereference of a cast, which
        // needs DWARF.
        assert_eq!(
            eval_with("*(i32) 4", &[]),
            Err(unavailable!(
                "`*` (dereference) reads source variables, and no DWARF describes this pc"
            ))
        );
        assert_eq!(LoadType::I16.encode(Num::Int32(-2)), Ok(vec![0xfe, 0xff]));
        assert!(LoadType::I32.encode(Num::Float(1.5)).is_err());
    }

    #[test]
    fn variables() {
        assert_eq!(eval_with("$local1 == 20", &[10, 20]), Ok(Num::Int32(1)));
        assert_eq!(eval_with("$local0 + n", &[10, 20]), Ok(Num::Int(20)));
        assert_eq!(eval_with("$local5", &[1]), Err(not_found!("no local 5")));
    }

    /// `$N` is the value history whatever its length, as in gdb; `$`,
    /// `$$`, `$$N` count back from the last value.
    #[test]
    fn history_references_name_values_of_the_history() {
        let history = [Num::Int32(7), Num::Int(-2), Num::Float(0.5)];
        let eval = |t: &str, h: &[Num]| {
            Expr::parse(t, h).and_then(|e| e.eval(&mut |v| Err(invalid!("reads {v:?}"))))
        };
        assert_eq!(eval("$1 * 2", &history), Ok(Num::Int32(14)));
        assert_eq!(eval("$2", &history), Ok(Num::Int(-2)));
        assert_eq!(eval("$", &history), Ok(Num::Float(0.5)));
        assert_eq!(eval("$$", &history), Ok(Num::Int(-2)));
        assert_eq!(eval("$$2 + $3", &history), Ok(Num::Float(7.5)));
        assert_eq!(eval("$$0", &history), Ok(Num::Float(0.5)));
        assert_eq!(
            eval("$4", &history),
            Err(not_found!("history has not yet reached $4"))
        );
        assert_eq!(
            eval("$$3", &history),
            Err(not_found!("history has not yet reached $$3"))
        );
        assert_eq!(
            eval("$1", &[]),
            Err(not_found!("history has not yet reached $1"))
        );
        assert_eq!(eval("$", &[]), Err(invalid!("the value history is empty")));
        assert!(
            eval("$0", &history)
                .unwrap_err()
                .message
                .contains("$local0")
        );
        // A value of the history is read by the source evaluator too.
        assert!(Expr::parse("xs[$1]", &history).unwrap().is_source());
        assert_eq!(Expr::parse("$1", &history).unwrap().as_var(), None);
    }

    #[test]
    fn malformed() {
        for bad in [
            "", "1 +", "(1", "1 2", "1 @ 2", "== 1", "a.", "a[1", "s->$0", "{i33} 4", "1x",
        ] {
            let e = Expr::parse(bad, &[]).unwrap_err();
            assert!(
                e.message.starts_with("malformed expression"),
                "{bad:?}: {e}"
            );
        }
        assert_eq!(eval_with("1 / 0", &[]), Err(invalid!("division by zero")));
        assert_eq!(
            eval_with("a.b", &[]),
            Err(unavailable!(
                "member access `.b` reads source variables, and no DWARF describes this pc"
            ))
        );
        assert_eq!(
            eval_with("0x10000000000000000", &[]),
            Err(invalid!(
                "the number 18446744073709551616 does not fit in 64 bits"
            ))
        );
    }

    /// One tree for both languages: C's member access, indexing, casts and
    /// precedence; Wasm's `$` names and loads; which evaluator may read it.
    #[test]
    fn parses_c_and_wasm_syntax() {
        let tree = |t: &str| format!("{:?}", Expr::parse(t, &[]).unwrap().root);
        assert_eq!(
            tree("p->next->value + a[i * 2] == (double)n && !done"),
            "Logic(true, Binary(\"==\", Binary(\"+\", Member(Member(Var(\"p\"), \"next\", true), \"value\", true), Index(Var(\"a\"), Binary(\"*\", Var(\"i\"), Int { value: 2, hex: false }))), Cast(\"double\", Var(\"n\"))), Not(Var(\"done\")))"
        );
        assert_eq!(tree("s.x"), "Member(Var(\"s\"), \"x\", false)");
        assert_eq!(tree("*p"), "Deref(Var(\"p\"))");
        assert_eq!(tree(".5"), "Float(0.5)");
        assert_eq!(tree("*(u8*)$local0"), "Load(U8, Var(\"$local0\"))");
        assert_eq!(
            tree("a < b == c"),
            "Binary(\"==\", Binary(\"<\", Var(\"a\"), Var(\"b\")), Var(\"c\"))"
        );
        let source = |t: &str| Expr::parse(t, &[]).unwrap().is_source();
        assert!(source("p->x[2] + (int)y"));
        assert!(!source("$local0 == 1"));
        assert!(!source("total + {i32} 8"));
        assert_eq!(
            Expr::parse("$global2", &[]).unwrap().as_var(),
            Some(Var::Global(2))
        );
        assert_eq!(
            Expr::parse("n", &[]).unwrap().as_var(),
            Some(Var::Name("n".into()))
        );
        assert_eq!(Expr::parse("n + 1", &[]).unwrap().as_var(), None);
    }
}
