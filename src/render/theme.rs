//! [`Theme`]: colour on or off, decided once by the front end.

use owo_colors::OwoColorize;

/// How text is styled. `plain` output contains no escape sequences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    /// Whether to emit ANSI colour.
    pub color: bool,
}

impl Theme {
    /// A theme without colour, for files, pipes and tests.
    pub const PLAIN: Theme = Theme { color: false };

    /// A function name.
    pub fn func(&self, s: &str) -> String {
        if self.color {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }

    /// An address or offset.
    pub fn addr(&self, s: &str) -> String {
        if self.color {
            s.blue().to_string()
        } else {
            s.to_string()
        }
    }

    /// A source file location (gdb colours these green).
    pub fn file(&self, s: &str) -> String {
        if self.color {
            s.green().to_string()
        } else {
            s.to_string()
        }
    }

    /// Why the program stopped or ended.
    pub fn event(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }

    /// An error message.
    pub fn error(&self, s: &str) -> String {
        if self.color {
            s.red().to_string()
        } else {
            s.to_string()
        }
    }

    /// Secondary text (notes).
    pub fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
}
