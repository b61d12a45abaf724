//! The small expression language of breakpoint conditions, evaluated in the
//! worker against the stopped frame.
//!
//! ```text
//! expr    := or
//! or      := and ("||" and)*
//! and     := cmp ("&&" cmp)*
//! cmp     := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/" | "%") unary)*
//! unary   := ("!" | "-") unary | primary
//! primary := INT | FLOAT | "$" N | "$local" N | "$global" N | NAME | "(" expr ")"
//!          | "{" TYPE "}" unary | "*" "(" TYPE "*" ")" unary      (memory loads)
//! TYPE    := i8 | u8 | i16 | u16 | i32 | u32 | i64 | u64 | f32 | f64
//! ```
//!
//! Integers are decimal or `0x` hex; NAME is a local's name-section name, else
//! a global's. Values are 32-bit integers (i32 locals and globals, narrow
//! loads, literals that fit), 64-bit integers, or f64. Arithmetic on two
//! 32-bit integers wraps at 32 bits as in Wasm; otherwise integers widen to
//! 64 bits (sign-extended), and either side being a float makes it float.
//! Comparisons and `&& || !` give 0 or 1 (32-bit).

use std::fmt;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    text: String,
    root: Node,
}

/// A variable an expression reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Var {
    /// Local by index (`$3`, `$local3`).
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
    pub fn encode(self, value: Num) -> Result<Vec<u8>, String> {
        let int = |v: Num| match v {
            Num::Int32(i) => Ok(i as i64),
            Num::Int(i) => Ok(i),
            Num::Float(f) => Err(format!(
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

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Num(Num),
    Var(Var),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    Load(LoadType, Box<Node>),
    /// Not a Wasm expression (kept for the DWARF evaluator); the message
    /// says why.
    Unparsed(String),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Expr {
    /// The variable the expression is, when it is one alone (`$3`,
    /// `$global0`, `$calls`, `calls`): what `set var` may write.
    pub fn as_var(&self) -> Option<&Var> {
        match &self.root {
            Node::Var(v) => Some(v),
            _ => None,
        }
    }

    /// Parses `text`.
    ///
    /// # Errors
    /// `malformed expression: ...` with what was expected and where.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, pos: 0 };
        let root = p.or()?;
        if let Some(t) = p.tokens.get(p.pos) {
            return Err(format!("malformed expression: unexpected {t} in {text:?}"));
        }
        Ok(Expr {
            text: text.trim().to_string(),
            root,
        })
    }

    /// A condition the Wasm expression parser rejected but the source
    /// (DWARF) evaluator may take, e.g. `p->x == 3`: it keeps `text`, and
    /// evaluating it over Wasm values gives `why`.
    pub fn unparsed(text: &str, why: String) -> Expr {
        Expr {
            text: text.trim().to_string(),
            root: Node::Unparsed(why),
        }
    }

    /// Evaluates the expression, reading variables through `read`.
    ///
    /// # Errors
    /// A variable that cannot be read (its message), division by zero.
    pub fn eval(&self, read: &mut dyn FnMut(&Var) -> Result<Num, String>) -> Result<Num, String> {
        eval(&self.root, read)
    }
}

fn eval(node: &Node, read: &mut dyn FnMut(&Var) -> Result<Num, String>) -> Result<Num, String> {
    Ok(match node {
        Node::Num(n) => *n,
        Node::Unparsed(why) => return Err(why.clone()),
        Node::Var(v) => read(v)?,
        Node::Not(e) => Num::Int32(!eval(e, read)?.truthy() as i32),
        Node::Neg(e) => match eval(e, read)? {
            Num::Int32(i) => Num::Int32(i.wrapping_neg()),
            Num::Int(i) => Num::Int(i.wrapping_neg()),
            Num::Float(f) => Num::Float(-f),
        },
        Node::Binary(Op::Or, a, b) => {
            Num::Int32((eval(a, read)?.truthy() || eval(b, read)?.truthy()) as i32)
        }
        Node::Binary(Op::And, a, b) => {
            Num::Int32((eval(a, read)?.truthy() && eval(b, read)?.truthy()) as i32)
        }
        Node::Load(ty, addr) => {
            let address = match eval(addr, read)? {
                Num::Int32(a) => a as u32 as u64,
                Num::Int(a) if a >= 0 => a as u64,
                other => return Err(format!("{other} is not a memory address")),
            };
            read(&Var::Memory { ty: *ty, address })?
        }
        Node::Binary(op, a, b) => binary(*op, eval(a, read)?, eval(b, read)?)?,
    })
}

fn binary(op: Op, a: Num, b: Num) -> Result<Num, String> {
    let cmp = |o: std::cmp::Ordering| -> bool {
        use std::cmp::Ordering::*;
        match op {
            Op::Eq => o == Equal,
            Op::Ne => o != Equal,
            Op::Lt => o == Less,
            Op::Le => o != Greater,
            Op::Gt => o == Greater,
            Op::Ge => o != Less,
            _ => unreachable!("not a comparison"),
        }
    };
    let is_cmp = matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge);
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
                Op::Add => x.wrapping_add(y),
                Op::Sub => x.wrapping_sub(y),
                Op::Mul => x.wrapping_mul(y),
                Op::Div | Op::Rem if y == 0 => return Err("division by zero".into()),
                Op::Div => x.wrapping_div(y),
                Op::Rem => x.wrapping_rem(y),
                _ => unreachable!("handled above"),
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
                    None => op == Op::Ne,
                } as i32));
            }
            Ok(Num::Float(match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div => x / y,
                Op::Rem => x % y,
                _ => unreachable!("handled above"),
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
    Num(Num),
    Var(Var),
    Op(&'static str),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Num(n) => write!(f, "number {n}"),
            Token::Var(Var::Name(n)) => write!(f, "name {n:?}"),
            Token::Var(v) => write!(f, "{v:?}"),
            Token::Op(o) => write!(f, "{o:?}"),
        }
    }
}

const OPS: &[&str] = &[
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")", "{", "}",
];

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = rest[op.len()..].trim_start();
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.')))
            .unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            return Err(format!(
                "malformed expression: unexpected {c:?} in {text:?}"
            ));
        }
        let word = &rest[..end];
        tokens
            .push(word_token(word).ok_or_else(|| {
                format!("malformed expression: cannot read {word:?} in {text:?}")
            })?);
        rest = rest[end..].trim_start();
    }
    Ok(tokens)
}

fn word_token(word: &str) -> Option<Token> {
    if let Some(v) = word.strip_prefix('$') {
        for (prefix, make) in [
            ("local", Var::Local as fn(u32) -> Var),
            ("global", Var::Global as fn(u32) -> Var),
            ("", Var::Local as fn(u32) -> Var),
        ] {
            if let Some(n) = v.strip_prefix(prefix).and_then(|n| n.parse().ok()) {
                return Some(Token::Var(make(n)));
            }
        }
        return (!v.is_empty()).then(|| Token::Var(Var::Name(v.to_string())));
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
            return u64::from_str_radix(hex, 16).ok().map(|v| {
                Token::Num(match u32::try_from(v) {
                    Ok(small) => Num::Int32(small as i32),
                    Err(_) => Num::Int(v as i64),
                })
            });
        }
        if let Ok(i) = word.parse::<i64>() {
            return Some(Token::Num(match i32::try_from(i) {
                Ok(small) => Num::Int32(small),
                Err(_) => Num::Int(i),
            }));
        }
        return word.parse::<f64>().ok().map(|f| Token::Num(Num::Float(f)));
    }
    if word.contains('.') {
        return None;
    }
    Some(Token::Var(Var::Name(word.to_string())))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_op(&self, ops: &[&'static str]) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(o)) if ops.contains(o) => Some(o),
            _ => None,
        }
    }

    fn binary_level(
        &mut self,
        ops: &[(&'static str, Op)],
        next: fn(&mut Parser) -> Result<Node, String>,
        chain: bool,
    ) -> Result<Node, String> {
        let names: Vec<&'static str> = ops.iter().map(|(s, _)| *s).collect();
        let mut left = next(self)?;
        while let Some(o) = self.peek_op(&names) {
            self.pos += 1;
            let op = ops
                .iter()
                .find(|(s, _)| *s == o)
                .map(|(_, op)| *op)
                .unwrap_or(Op::Add);
            let right = next(self)?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
            if !chain {
                break;
            }
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Node, String> {
        self.binary_level(&[("||", Op::Or)], Parser::and, true)
    }

    fn and(&mut self) -> Result<Node, String> {
        self.binary_level(&[("&&", Op::And)], Parser::cmp, true)
    }

    fn cmp(&mut self) -> Result<Node, String> {
        let ops = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        self.binary_level(&ops, Parser::sum, false)
    }

    fn sum(&mut self) -> Result<Node, String> {
        self.binary_level(&[("+", Op::Add), ("-", Op::Sub)], Parser::product, true)
    }

    fn product(&mut self) -> Result<Node, String> {
        let ops = [("*", Op::Mul), ("/", Op::Div), ("%", Op::Rem)];
        self.binary_level(&ops, Parser::unary, true)
    }

    fn load_type(&mut self) -> Result<LoadType, String> {
        match self.tokens.get(self.pos) {
            Some(Token::Var(Var::Name(n))) => {
                let ty = LoadType::parse(n)
                    .ok_or_else(|| format!("malformed expression: {n:?} is not a load type (i8, u8, i16, u16, i32, u32, i64, u64, f32, f64)"))?;
                self.pos += 1;
                Ok(ty)
            }
            _ => Err("malformed expression: expected a type such as i32".to_string()),
        }
    }

    fn expect(&mut self, op: &'static str) -> Result<(), String> {
        match self.peek_op(&[op]) {
            Some(_) => {
                self.pos += 1;
                Ok(())
            }
            None => Err(format!("malformed expression: expected {op:?}")),
        }
    }

    fn unary(&mut self) -> Result<Node, String> {
        // `{TYPE} ADDR` and `*(TYPE*)ADDR`: memory loads.
        if self.peek_op(&["{"]).is_some() {
            self.pos += 1;
            let ty = self.load_type()?;
            self.expect("}")?;
            return Ok(Node::Load(ty, Box::new(self.unary()?)));
        }
        if self.peek_op(&["*"]).is_some() {
            self.pos += 1;
            self.expect("(")?;
            let ty = self.load_type()?;
            self.expect("*")?;
            self.expect(")")?;
            return Ok(Node::Load(ty, Box::new(self.unary()?)));
        }
        match self.peek_op(&["!", "-"]) {
            Some("!") => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(_) => {
                self.pos += 1;
                Ok(Node::Neg(Box::new(self.unary()?)))
            }
            None => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match token {
            Some(Token::Num(n)) => Ok(Node::Num(n)),
            Some(Token::Var(v)) => Ok(Node::Var(v)),
            Some(Token::Op("(")) => {
                let inner = self.or()?;
                match self.tokens.get(self.pos) {
                    Some(Token::Op(")")) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err("malformed expression: missing \")\"".to_string()),
                }
            }
            Some(t) => Err(format!("malformed expression: unexpected {t}")),
            None => Err("malformed expression: it ends too early".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_with(text: &str, locals: &[i64]) -> Result<Num, String> {
        let e = Expr::parse(text)?;
        e.eval(&mut |v| match v {
            Var::Local(i) => locals
                .get(*i as usize)
                .map(|x| Num::Int(*x))
                .ok_or_else(|| format!("no local {i}")),
            Var::Name(n) if n == "n" => Ok(Num::Int(locals[0])),
            Var::Global(0) => Ok(Num::Float(2.5)),
            Var::Memory { ty, address } => {
                let memory = [0u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xc0, 0x3f];
                let at = *address as usize;
                Ok(ty.decode(&memory[at..at + ty.size()]))
            }
            other => Err(format!("unknown {other:?}")),
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
            Expr::parse("{i33} 4")
                .unwrap_err()
                .contains("not a load type")
        );
        assert!(
            Expr::parse("*(i32) 4")
                .unwrap_err()
                .starts_with("malformed")
        );
        assert_eq!(LoadType::I16.encode(Num::Int32(-2)), Ok(vec![0xfe, 0xff]));
        assert!(LoadType::I32.encode(Num::Float(1.5)).is_err());
    }

    #[test]
    fn variables() {
        assert_eq!(eval_with("$1 == 20", &[10, 20]), Ok(Num::Int32(1)));
        assert_eq!(eval_with("$local0 + n", &[10, 20]), Ok(Num::Int(20)));
        assert_eq!(eval_with("$5", &[1]), Err("no local 5".to_string()));
    }

    #[test]
    fn malformed() {
        for bad in ["", "1 +", "(1", "1 2", "a.b", "$", "1 @ 2", "== 1"] {
            let e = Expr::parse(bad).unwrap_err();
            assert!(e.starts_with("malformed expression"), "{bad:?}: {e}");
        }
        assert_eq!(eval_with("1 / 0", &[]), Err("division by zero".to_string()));
    }
}
