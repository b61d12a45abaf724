//! `print`'s value history (gdb's `$1`, `$2`, ... and `$`, `$$`, `$$N`
//! counted back from the last), kept for the [`super::Session`] and its
//! workers in [`Lasting`]: a number a recorded `print` returns becomes the
//! next entry, and the expression parser reads references to it
//! ([`crate::program::expr`]) as the values they name. It outlives worker
//! restarts, as gdb's outlives `run`.

use crate::program::expr::Num;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use super::protocol::{Response, SourceValue};

/// What a session keeps across its workers (a worker that died is
/// replaced by `Session::restart`): the pause ids given out and the value
/// history.
#[derive(Debug, Default)]
pub struct Lasting {
    /// The last pause id given out, so ids never repeat in a session.
    pub last_pause: AtomicU64,
    /// `print`'s values.
    pub history: Mutex<ValueHistory>,
}

impl Lasting {
    /// A copy of the history's values, for the expression parser.
    pub fn history(&self) -> Vec<Num> {
        self.history
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .to_vec()
    }
}

/// The values `print` has shown, `$1` first.
#[derive(Debug, Default)]
pub struct ValueHistory {
    values: Vec<Num>,
}

impl ValueHistory {
    /// The values, `$1` first.
    pub fn values(&self) -> &[Num] {
        &self.values
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
    match response {
        Response::Number(n) => Some(*n),
        Response::SourceValue(_, value) => source_number(value),
        _ => None,
    }
}

/// The number a source value stands for (an integer, a character, a
/// bool, an enum, a float, a pointer's address), when it is one.
pub fn source_number(value: &SourceValue) -> Option<Num> {
    use SourceValue as S;
    match value {
        S::Int { value, .. } => Some(Num::Int(*value as i64)),
        S::Char(c) => Some(Num::Int(*c)),
        S::Unicode(c) => Some(Num::Int(i64::from(*c))),
        S::Bool(b) => Some(Num::Int32(*b as i32)),
        S::Enum { value, .. } => Some(Num::Int(*value)),
        S::Float(f) => Some(Num::Float(*f)),
        S::Float32(f) => Some(Num::Float(*f as f64)),
        S::Pointer { address, .. } => Some(Num::Int(*address as i64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_numbers_are_numbered_from_1() {
        let mut h = ValueHistory::default();
        assert_eq!(h.record(&Response::Number(Num::Int32(7))), Some(1));
        assert_eq!(h.record(&Response::Number(Num::Int(-2))), Some(2));
        assert_eq!(h.values(), &[Num::Int32(7), Num::Int(-2)]);
    }
}
