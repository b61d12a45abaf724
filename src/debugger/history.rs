//! `print`'s value history (gdb's `$1`, `$2`, ... and `$` for the last),
//! kept by the [`super::Session`] for every front end: expressions sent in
//! requests have their history references replaced by the values, and a
//! number a recorded `print` returns becomes the next entry. It outlives
//! worker restarts, as gdb's outlives `run`.

use super::expr::Num;
use super::protocol::{Request, Response, SourceValue, WatchSpec};

/// The values `print` has shown, `$1` first.
#[derive(Debug, Default)]
pub struct ValueHistory {
    values: Vec<Num>,
}

impl ValueHistory {
    /// `text` with each history reference (`$N` for N from 1 to the
    /// history's length, `$` alone for the last value) replaced by its
    /// value in parentheses; `$NAME` and numbers past the history are left
    /// alone (locals and globals by name or index).
    ///
    /// # Errors
    /// `$` alone while the history is empty.
    pub fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let next_is_word = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            let index = if !digits.is_empty() {
                digits
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= self.values.len())
            } else if next_is_word {
                None
            } else if self.values.is_empty() {
                return Err("the value history is empty".to_string());
            } else {
                Some(self.values.len())
            };
            match index {
                Some(n) => {
                    out.push_str(&format!("({})", self.values[n - 1]));
                    rest = &after[digits.len()..];
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `request` with the history references in its expressions replaced
    /// (`print`, `set var`, `set {TYPE}`, `x`, `watch`).
    ///
    /// # Errors
    /// As [`ValueHistory::expand`].
    pub fn expand_request(&self, request: Request) -> Result<Request, String> {
        Ok(match request {
            Request::Evaluate {
                frame,
                expr,
                print,
                record,
            } => Request::Evaluate {
                frame,
                expr: self.expand(&expr)?,
                print,
                record,
            },
            Request::SetVariable { frame, name, expr } => Request::SetVariable {
                frame,
                name,
                expr: self.expand(&expr)?,
            },
            Request::SetMemory {
                frame,
                ty,
                address,
                expr,
            } => Request::SetMemory {
                frame,
                ty,
                address: self.expand(&address)?,
                expr: self.expand(&expr)?,
            },
            Request::Examine(mut x) => {
                x.address = self.expand(&x.address)?;
                Request::Examine(x)
            }
            Request::Watch { frame, target } => Request::Watch {
                frame,
                target: match target {
                    WatchSpec::Expr(e) => WatchSpec::Expr(self.expand(&e)?),
                    WatchSpec::Range { address, len } => WatchSpec::Range {
                        address: self.expand(&address)?,
                        len,
                    },
                },
            },
            other => other,
        })
    }

    /// Records the number `response` (to a `print`) holds, if it holds one:
    /// its history number.
    pub fn record(&mut self, response: &Response) -> Option<usize> {
        let n = number(response)?;
        self.values.push(n);
        Some(self.values.len())
    }
}

/// The number an evaluation answered: a Wasm number, or a source value
/// that is one (an integer, character, boolean, enumerator, float or
/// pointer).
pub fn number(response: &Response) -> Option<Num> {
    use SourceValue as S;
    match response {
        Response::Number(n) => Some(*n),
        Response::SourceValue(_, value) => match value {
            S::Int(n) => Some(Num::Int(*n as i64)),
            S::Char(c) => Some(Num::Int(*c)),
            S::Unicode(c) => Some(Num::Int(i64::from(*c))),
            S::Bool(b) => Some(Num::Int32(*b as i32)),
            S::Enum { value, .. } => Some(Num::Int(*value)),
            S::Float(f) => Some(Num::Float(*f)),
            S::Float32(f) => Some(Num::Float(*f as f64)),
            S::Pointer { address, .. } => Some(Num::Int(*address as i64)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_replaced_by_values() {
        let mut h = ValueHistory::default();
        assert_eq!(h.expand("$ + 1"), Err("the value history is empty".into()));
        assert_eq!(h.expand("$sp + $1"), Ok("$sp + $1".into()));
        h.record(&Response::Number(Num::Int32(7)));
        h.record(&Response::Number(Num::Int(-2)));
        assert_eq!(
            h.expand("$1 * $ + $local0 + $9"),
            Ok("(7) * (-2) + $local0 + $9".into())
        );
    }
}
