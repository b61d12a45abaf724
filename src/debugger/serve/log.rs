//! What `info requests` shows of a server: the request in flight, those
//! served on plain code meanwhile, the latest answered. Kept in the
//! worker's shared state, written by the server.

use crate::debugger::config::PausedRequests;
use crate::debugger::protocol::{RequestInfo, RequestRecord, RequestsView};

/// Most answered requests `info requests` remembers.
const ANSWERED_KEPT: usize = 16;

/// The requests of a server: the one in flight, the latest answered.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    serving: Option<PausedRequests>,
    pub(crate) in_flight: Option<RequestInfo>,
    /// Served on plain code while another was paused, not answered yet.
    pub(super) bypassing: Vec<RequestInfo>,
    answered: std::collections::VecDeque<(RequestInfo, u16)>,
    /// The debugger is paused (in a request, under `serve`).
    pub(crate) paused: bool,
    /// A failed request being replayed: what to announce at its pause,
    /// after writing its core dump to the path given with the program's
    /// name for it (`--record`).
    pub(crate) pending_record: Option<(RequestRecord, Option<(std::path::PathBuf, String)>)>,
}

impl RequestLog {
    /// The log of a session that serves (with `serving` for paused
    /// requests) or runs a program (`None`).
    pub(crate) fn new(serving: Option<PausedRequests>) -> RequestLog {
        RequestLog {
            serving,
            ..RequestLog::default()
        }
    }

    /// Whether the session serves (`wasmdbg serve`).
    pub(crate) fn serving(&self) -> bool {
        self.serving.is_some()
    }

    /// What `info requests` shows.
    pub(crate) fn view(&self) -> RequestsView {
        RequestsView {
            paused_requests: self.serving,
            in_flight: self.in_flight.clone(),
            served_plain: self.bypassing.clone(),
            answered: self.answered.iter().cloned().collect(),
        }
    }

    /// The request in flight, for a pause's banner.
    pub(crate) fn current(&self) -> Option<RequestInfo> {
        self.in_flight.clone()
    }

    pub(super) fn answer(&mut self, status: u16) {
        if let Some(info) = self.in_flight.take() {
            self.answered_with(info, status);
        }
    }

    pub(super) fn answered_with(&mut self, info: RequestInfo, status: u16) {
        if self.answered.len() == ANSWERED_KEPT {
            self.answered.pop_front();
        }
        self.answered.push_back((info, status));
    }
}
