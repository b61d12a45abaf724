//! The data of a reverse command in progress (kept in the worker's
//! `Control` between replays): moments, what a scan keeps, and the phases.

use std::collections::HashMap;

use super::super::protocol::{Pc, ReverseStop, WatchValue};

/// The n-th visit (from 1) of a pc in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Moment {
    pub(crate) pc: Pc,
    pub(crate) visit: u64,
}

/// What identifies the moment a reverse command started from.
#[derive(Clone, Debug)]
pub(crate) struct Fingerprint {
    /// Host calls answered so far.
    pub(crate) calls: usize,
    pub(crate) pc: Pc,
    pub(crate) depth: usize,
    /// Every frame's pc, locals and operand stack, and the globals.
    pub(crate) state: u64,
    /// The linear memory (compared only when the rest matches).
    pub(crate) memory: u64,
}

/// Where a scan ends.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// The moment with this fingerprint.
    Fingerprint(Fingerprint),
    /// This moment.
    Visit(Moment),
    /// The end of the run: the program trapped, failed or ended there.
    /// With a pc (a pause at a trap or a failed host call), the last visit
    /// of that pc at that depth is that moment.
    End(Option<(Pc, usize)>),
}

/// A visit the scan kept.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) moment: Moment,
    pub(crate) depth: usize,
    /// A user breakpoint or watchpoint that stops here (`reverse-continue`).
    pub(crate) stop: Option<ReverseStop>,
    /// The source line that starts here, in the frame the command started
    /// in.
    pub(crate) line: Option<(String, u32)>,
    /// The instruction after a call, in that frame.
    pub(crate) post_call: bool,
}

/// What a scan keeps, and what it leads to.
#[derive(Clone, Debug)]
pub(crate) enum Purpose {
    /// User breakpoints and watchpoints (`reverse-continue`).
    Stops,
    /// A call instruction at depth `depth`: in the caller (`reverse-finish`,
    /// a step back out of a function's first instruction; arriving says
    /// `stop`), or in this frame (`reverse-nexti` right after the call).
    Call {
        site: Pc,
        depth: usize,
        stop: ReverseStop,
    },
    /// Anchors in the current frame (at `depth`), for an instruction step.
    Anchors { over: bool, depth: usize },
    /// Line starts, post-call places and the caller's call, for a line step.
    Lines {
        over: bool,
        depth: usize,
        from: Option<(String, u32)>,
        at_line_start: bool,
        caller: Option<Pc>,
    },
    /// Line starts of a callee at `depth` (`reverse-step` into it), with
    /// the place to go when it has none.
    Callee { depth: usize, fallback: Moment },
}

/// A reverse command's replay in progress.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    Scan {
        sites: Vec<Pc>,
        visits: HashMap<Pc, u64>,
        hits: Vec<Hit>,
        target: Target,
        purpose: Purpose,
        /// `reverse-continue`: each watchpoint's value as last seen.
        watched: HashMap<super::super::protocol::BreakpointId, WatchValue>,
    },
    Goto {
        moment: Moment,
        visits: u64,
        then: Then,
    },
    /// Single-stepping after a goto.
    Stepping {
        then: Then,
        /// Depths of the instructions stepped to (logging).
        log: Vec<usize>,
    },
}

/// What happens at a goto's moment.
#[derive(Clone, Debug)]
pub(crate) enum Then {
    /// Pause there.
    Pause(ReverseStop),
    /// Single-step `n` instructions, then pause.
    Steps(u64, ReverseStop),
    /// Single-step to the target, logging the depth of every instruction;
    /// then go to the one before it (in the frame at `depth` with `over`).
    Log {
        from: Moment,
        target: Target,
        over: bool,
        depth: usize,
    },
}

/// A reverse command in progress (`Control::reverse`).
#[derive(Clone, Debug)]
pub(crate) struct InProgress {
    pub(crate) phase: Phase,
}

impl InProgress {
    /// The engine breakpoints a run of this phase needs.
    pub(crate) fn sites(&self) -> Vec<Pc> {
        match &self.phase {
            Phase::Scan { sites, .. } => sites.clone(),
            Phase::Goto { moment, .. } => vec![moment.pc],
            Phase::Stepping { .. } => Vec::new(),
        }
    }
}
