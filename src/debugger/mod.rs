//! The debugger core: a [`Session`] drives a worker thread that owns the
//! wasmtime store, over the typed [`protocol`]. No terminal code lives here.

mod config;
pub mod protocol;
mod session;
mod stdout;
mod worker;

pub use config::{DirSpec, RunConfig};
pub use session::Session;
