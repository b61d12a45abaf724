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
//! ```
//!
//! Integers are decimal or `0x` hex; NAME is a local's name-section name, else
//! a global's. Values are 64-bit integers (i32 locals sign-extended, integer
//! arithmetic wrapping) or f64 when either side is a float; comparisons and
//! `&& || !` give 0 or 1.

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
}

/// A value during evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// Any integer type, as a 64-bit integer.
    Int(i64),
    /// f32 or f64, as f64.
    Float(f64),
}

impl Num {
    /// Whether the value counts as true (non-zero).
    pub fn truthy(self) -> bool {
        match self {
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Expr {
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
        Node::Var(v) => read(v)?,
        Node::Not(e) => Num::Int(!eval(e, read)?.truthy() as i64),
        Node::Neg(e) => match eval(e, read)? {
            Num::Int(i) => Num::Int(i.wrapping_neg()),
            Num::Float(f) => Num::Float(-f),
        },
        Node::Binary(Op::Or, a, b) => {
            Num::Int((eval(a, read)?.truthy() || eval(b, read)?.truthy()) as i64)
        }
        Node::Binary(Op::And, a, b) => {
            Num::Int((eval(a, read)?.truthy() && eval(b, read)?.truthy()) as i64)
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
        (Num::Int(x), Num::Int(y)) => {
            if is_cmp {
                return Ok(Num::Int(cmp(x.cmp(&y)) as i64));
            }
            Ok(Num::Int(match op {
                Op::Add => x.wrapping_add(y),
                Op::Sub => x.wrapping_sub(y),
                Op::Mul => x.wrapping_mul(y),
                Op::Div | Op::Rem if y == 0 => return Err("division by zero".into()),
                Op::Div => x.wrapping_div(y),
                Op::Rem => x.wrapping_rem(y),
                _ => unreachable!("handled above"),
            }))
        }
        _ => {
            let (x, y) = (as_f64(a), as_f64(b));
            if is_cmp {
                // NaN compares unequal to everything, as in Wasm.
                return Ok(Num::Int(match x.partial_cmp(&y) {
                    Some(o) => cmp(o),
                    None => op == Op::Ne,
                } as i64));
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
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
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
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")",
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
            return u64::from_str_radix(hex, 16)
                .ok()
                .map(|v| Token::Num(Num::Int(v as i64)));
        }
        if let Ok(i) = word.parse::<i64>() {
            return Some(Token::Num(Num::Int(i)));
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

    fn unary(&mut self) -> Result<Node, String> {
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
            other => Err(format!("unknown {other:?}")),
        })
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(eval_with("1 + 2 * 3", &[]), Ok(Num::Int(7)));
        assert_eq!(eval_with("(1 + 2) * 3", &[]), Ok(Num::Int(9)));
        assert_eq!(eval_with("7 % 4 == 3 && !0", &[]), Ok(Num::Int(1)));
        assert_eq!(eval_with("1 < 2 || 1 / 0", &[]), Ok(Num::Int(1)));
        assert_eq!(eval_with("-3 - -3", &[]), Ok(Num::Int(0)));
        assert_eq!(eval_with("0x10 >= 16", &[]), Ok(Num::Int(1)));
        assert_eq!(eval_with("$global0 * 2", &[]), Ok(Num::Float(5.0)));
        assert_eq!(eval_with("1.5 < 2", &[]), Ok(Num::Int(1)));
    }

    #[test]
    fn variables() {
        assert_eq!(eval_with("$1 == 20", &[10, 20]), Ok(Num::Int(1)));
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
