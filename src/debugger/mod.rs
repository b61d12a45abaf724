//! The debugger core: a [`Session`] drives a worker thread that owns the
//! wasmtime store, over the typed [`protocol`]. No terminal code lives here.

pub mod answer;
mod breakpoint_requests;
pub mod breakpoints;
mod cache;
pub mod children;
mod component;
pub mod config;
pub mod coredump;
mod entry;
mod events;

mod facts;
mod frames;
mod handler;
pub mod history;
mod host;
pub mod imports;
mod inspect;
mod interrupt;
mod live;
pub mod logpoint;
mod machine;
mod pause;
mod postmortem;
mod preflight;
pub mod protocol;
pub mod record;
mod reverse;
pub mod serve;
mod session;
pub mod source;
mod state;
mod stdout;
mod stepping;
mod target;
mod values;
mod watch;
mod worker;

pub use config::{DirSpec, RunConfig};
pub use interrupt::Interrupter;
pub use session::{EventSink, Session};
