//! The core's one error type: a kind a front end can act on, one line for
//! people, and a hint when there is something to do about it.
//!
//! Everything in the core ([`crate::program`], [`crate::debugger`]) that can
//! fail for a reason a user should read returns [`Error`]; the front ends
//! map its [`ErrorKind`] to what they speak (an exit status, a DAP error
//! response, a `--json` `Error` object) and print its `Display`. Errors from
//! wasmtime stay `wasmtime::Error` inside the code that calls wasmtime (its
//! host-function and linker signatures require it) and become an [`Error`]
//! where they leave it.
//!
//! The macros `invalid!`, `not_found!`, `unavailable!`,
//! `malformed!` and `io_error!` build an error of their kind from `format!` arguments, so
//! a site says which kind it is in as many characters as `format!`.

use std::fmt;

/// Why something could not be done: a kind a front end can act on, one
/// line for people, and what to do about it when there is something.
/// Displayed, it is the message, then `; ` and the hint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Error {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// One line saying what happened.
    pub message: String,
    /// What the user can do next (a command to run, an option to give).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The kinds of [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The request names a pause that is over: the program has resumed
    /// since (a stale frame).
    Stale,
    /// A frame number past the stack.
    NoSuchFrame,
    /// The request needs the program paused (or running), and it has ended.
    NotPaused,
    /// The program could not be loaded, so nothing can be served.
    NotLoaded,
    /// The worker thread has stopped.
    WorkerGone,
    /// A bug in wasmdbg, caught while serving the request; the session goes
    /// on.
    Internal,
    /// The request or expression itself is wrong: it does not parse, a
    /// number is out of range, an operation does not apply to the value's
    /// type. The message says what.
    Invalid,
    /// The session is a core dump and the request needs a live program
    /// (resume, step, breakpoints, writes).
    NotLive,
    /// A name the program does not have: a function, variable, global,
    /// source file or line, core module, export.
    NotFound,
    /// The program has the thing asked about, but not what the request
    /// needs of it: a value optimized out or held where it cannot be
    /// written, a DWARF operation or type wasmdbg does not read, an address
    /// outside memory.
    Unavailable,
    /// An input file does not parse or contradicts itself: a module, a
    /// component, its DWARF, a core dump, a trace, a cache file.
    Malformed,
    /// The operating system refused: a file or directory could not be
    /// opened, read or written, a socket not bound.
    Io,
}

impl Error {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with `hint`.
    pub fn with_hint(self, hint: impl Into<String>) -> Error {
        Error {
            hint: Some(hint.into()),
            ..self
        }
    }

    /// The same error, its message prefixed with `context` and `: ` (its
    /// kind and hint kept), as `--preload NAME: ...`.
    pub fn context(self, context: impl fmt::Display) -> Error {
        Error {
            message: format!("{context}: {}", self.message),
            ..self
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
    /// A binary that does not parse: [`ErrorKind::Malformed`], with
    /// wasmparser's message and its byte offset.
    fn from(e: wasmparser::BinaryReaderError) -> Error {
        Error::new(ErrorKind::Malformed, e.to_string())
    }
}

/// An [`Error`] of kind `$kind` (an [`ErrorKind`] variant's name) from
/// `format!` arguments; the macros below name the kind.
macro_rules! error_of {
    ($kind:ident, $($arg:tt)*) => {
        $crate::error::Error::new($crate::error::ErrorKind::$kind, format!($($arg)*))
    };
}

/// An [`ErrorKind::Invalid`] [`Error`] from `format!` arguments.
macro_rules! invalid {
    ($($arg:tt)*) => { $crate::error::error_of!(Invalid, $($arg)*) };
}

/// An [`ErrorKind::NotFound`] [`Error`] from `format!` arguments.
macro_rules! not_found {
    ($($arg:tt)*) => { $crate::error::error_of!(NotFound, $($arg)*) };
}

/// An [`ErrorKind::Unavailable`] [`Error`] from `format!` arguments.
macro_rules! unavailable {
    ($($arg:tt)*) => { $crate::error::error_of!(Unavailable, $($arg)*) };
}

/// An [`ErrorKind::Malformed`] [`Error`] from `format!` arguments.
macro_rules! malformed {
    ($($arg:tt)*) => { $crate::error::error_of!(Malformed, $($arg)*) };
}

/// An [`ErrorKind::Io`] [`Error`] from `format!` arguments.
macro_rules! io_error {
    ($($arg:tt)*) => { $crate::error::error_of!(Io, $($arg)*) };
}

pub(crate) use {error_of, invalid, io_error, malformed, not_found, unavailable};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_message_then_hint_and_context_keeps_kind() {
        let e = not_found!("no function {}", "main").with_hint("try `info functions`");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.to_string(), "no function main; try `info functions`");
        let e = malformed!("bad section").context("--preload lib");
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert_eq!(e.message, "--preload lib: bad section");
    }
}
