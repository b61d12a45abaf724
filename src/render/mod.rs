//! Renderers: pure functions from protocol data to text. They know nothing
//! of wasmtime or of the terminal beyond the [`Theme`] chosen once at start.

mod log;
mod theme;
mod values;
mod views;

pub use log::logged;
pub use theme::Theme;
pub use values::{child_name, source_value, source_value_hex, value, value_hex, variables};
pub mod inspect;

pub use views::{
    SourceLine, backtrace, backtrace_elided, breakpoint_set, breakpoints, core_file_written,
    disassembly, exception, frame_detail, frame_line, locals, outcome, panic_message, replaying,
    request_recorded, stack, stop_banner, stop_reason,
};
