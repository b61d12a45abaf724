//! Record and replay: `wasmdbg record` runs a core module on plain code and
//! writes every host call to a trace ([`trace`]); `wasmdbg replay` and
//! `run --fast` run it again under the debugger with every host call
//! answered from the trace (the `replayer` module), so the run repeats exactly —
//! which is also how reverse execution goes back: by replaying to an
//! earlier moment.
//!
//! A Wasm program's only inputs are its host calls, and with NaN results
//! canonicalised and relaxed SIMD deterministic on both sides
//! (`recorder::deterministic`) plain and instrumented code compute the same
//! values, so the trace is all a replay needs.

pub mod p1;
pub(crate) mod recorder;
pub(crate) mod replayer;
pub mod trace;

use std::path::PathBuf;
use std::sync::Arc;

pub use recorder::{Recorded, Sink, record};
pub use trace::Trace;

use super::config::{DirSpec, RunConfig};

/// A run answered from a trace.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The trace.
    pub trace: Arc<Trace>,
    /// The first replayed run does not show the guest's output again (it
    /// was shown while recording: `run --fast`).
    pub quiet_first_run: bool,
}

impl Replay {
    /// The run `trace` recorded, as a [`RunConfig`] with everything else
    /// default: the module (`module` when given, else the path the trace
    /// names), its arguments, environment, directories (names only: a replay
    /// opens none), `--invoke` and limits.
    pub fn run_config(trace: Arc<Trace>, module: Option<PathBuf>) -> RunConfig {
        let h = &trace.header;
        RunConfig {
            module: module.unwrap_or_else(|| PathBuf::from(&h.module)),
            args: h.args.clone(),
            env: h.env.clone(),
            dirs: h
                .dirs
                .iter()
                .map(|(host, guest, read_only)| DirSpec {
                    host: host.into(),
                    guest: guest.clone(),
                    read_only: *read_only,
                })
                .collect(),
            invoke: h.invoke.clone(),
            max_memory: h.max_memory,
            max_wasm_stack: h.max_wasm_stack,
            replay: Some(Replay {
                trace: trace.clone(),
                quiet_first_run: false,
            }),
            ..RunConfig::default()
        }
    }
}
