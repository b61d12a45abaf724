//! Record and replay: `wasmdbg record` runs a core module on plain code and
//! writes every host call to a trace ([`trace`]); `wasmdbg replay` and
//! `wasmdbg run` (after a failure on plain code) run it again under the
//! debugger with every host call answered from the trace (the `replayer`
//! module), so the run repeats exactly —
//! which is also how reverse execution goes back: by replaying to an
//! earlier moment.
//!
//! A Wasm program's only inputs are its host calls, and with NaN results
//! canonicalised and relaxed SIMD deterministic on both sides
//! (`recorder::deterministic`) plain and instrumented code compute the same
//! values, so the trace is all a replay needs.

pub mod p1;
pub mod p2;
pub(crate) mod recorder;
pub(crate) mod replayer;
pub mod stdio;
pub mod trace;

pub use super::config::Replay;
pub use recorder::{Recorded, record};
pub use trace::Sink;
pub use trace::Trace;
