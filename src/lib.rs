//! wasmdbg: a terminal debugger for WebAssembly on wasmtime.
//!
//! The [`debugger`] core owns a worker thread that runs the guest in a
//! wasmtime `Store` with guest debugging on and answers typed requests
//! ([`debugger::protocol`]) while the guest is paused. [`wasm`] reads facts
//! from the module binary (names, code layout, instruction text). The front
//! end is [`repl`] (the command language, the interactive prompt and the
//! batch runner) and [`render`] (pure functions from protocol data to text).
//! The core knows nothing of the terminal; the front end nothing of wasmtime.

pub mod cli;
pub mod debugger;
pub mod panic_guard;
pub mod render;
pub mod repl;
pub mod wasm;
