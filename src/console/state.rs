//! [`State`]: where the program is, as a front end knows it.

use crate::debugger::protocol::{Outcome, Stop};

/// Where the program is, as the front end knows it.
#[derive(Clone, Debug)]
pub enum State {
    /// Paused at this stop.
    Paused(Box<Stop>),
    /// Ended this way.
    Ended(Outcome),
}

impl State {
    /// The status plain `wasmtime run` would give for where the program is:
    /// its end's ([`Outcome::exit_status`]), or, paused where it would die if
    /// let go, that death's ([`StopReason::fatal_status`]). `None` when it
    /// was paused elsewhere (it had not ended) or ended by the debugger.
    ///
    /// [`StopReason::fatal_status`]: crate::debugger::protocol::StopReason::fatal_status
    pub fn program_status(&self) -> Option<i32> {
        match self {
            State::Ended(outcome) => outcome.exit_status(),
            State::Paused(stop) => stop.reason.fatal_status(),
        }
    }

    /// Paused where the program would die if let go (a crash, see
    /// `StopReason::is_crash`, or the `--timeout`): when `-k`/`-K` commands
    /// run.
    pub fn crashed(&self) -> bool {
        matches!(self, State::Paused(stop) if stop.reason.fatal_status().is_some())
    }
}
