//! wasmdbg: a terminal debugger for WebAssembly on wasmtime.
//!
//! The [`debugger`] core owns a worker thread that runs the guest in a
//! wasmtime `Store` with guest debugging on and answers typed requests
//! ([`debugger::protocol`]) while the guest is paused; what happens while
//! it runs (its output) comes as events on the same channel. [`program`] is
//! what is known without running: a [`program::Program`] is a core module
//! or a component of several core modules, each with its names, code
//! layout, instruction text and DWARF, the expression language and the
//! DWARF value reader; code is named by (core module, offset) everywhere. A session can also read a core dump instead of running
//! ([`debugger::Session::open_core`], [`debugger::coredump`]): the same
//! requests, answered from the dump, or replay a recording
//! ([`debugger::record`]): every host call answered from a trace, so the run
//! repeats exactly and reverse commands can go back by replaying. `print`'s
//! value history, typed errors ([`error`]: kind, message, hint), frame ids that can
//! name an inlined function, and a structured value's children in pages
//! ([`debugger::children`]) are the core's, for every front end.
//! [`console`] is the command language and the `Console` that runs it on
//! a session (with the guest's output on the terminal and `--json`
//! lines); [`render`] holds pure functions from protocol data to text.
//! Two front ends drive them: [`repl`] (the interactive prompt, the batch
//! runner, init files) and [`dap`] (the Debug Adapter Protocol for
//! editors, `wasmdbg dap`, whose debug console is a `Console`); `dap`
//! imports nothing from `repl`.
//! The core knows nothing of the terminal; the front ends nothing of
//! wasmtime.

pub mod cli;
pub mod console;
pub mod dap;
pub mod debugger;
pub mod error;
pub mod panic_guard;
pub mod program;
pub mod render;
pub mod repl;
