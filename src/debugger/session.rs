//! [`Session`]: the front end's handle on one debugged program.

use crate::debugger::protocol::{BreakpointRequest, InspectRequest};
use std::sync::mpsc::{Receiver, Sender, channel};

use std::collections::VecDeque;
use std::sync::Mutex;

use super::config::RunConfig;
use super::interrupt::Interrupter;
use super::protocol::{Event, Request, Response};
use super::state::Incoming;
use super::stdout::Message;
use super::worker;

/// A front end's first look at a [`Session`]'s events: called with each
/// event on the thread that waits for a response, in order, before that
/// response is returned. It returns the events it did not take in (the
/// terminal's sink shows the guest's output and gives back stops, ends and
/// breakpoint changes); those are queued for [`Session::take_events`].
pub type EventSink = Box<dyn FnMut(Event) -> Option<Event> + Send>;

/// A session's events not yet taken: the sink's (if any) first, then the
/// queue [`Session::take_events`] drains.
struct Events {
    sink: Option<EventSink>,
    queue: VecDeque<Event>,
}

/// One debugged program, running on its own worker thread.
///
/// [`Session::start`] loads and starts the program and returns with its first
/// event; [`Session::request`] sends one request and blocks until the answer
/// (for `Continue`, until the next pause or the end of the program).
///
/// Dropping a session while the guest is paused leaves the worker thread
/// parked (it uses no CPU); it ends with the process.
pub struct Session {
    requests: Sender<Incoming>,
    responses: Receiver<Message>,
    events: Mutex<Events>,
    interrupter: Interrupter,
    config: RunConfig,
    /// A post-mortem session: the core dump file it reads.
    core: Option<std::path::PathBuf>,
    /// How the program's first run, made before the session on plain code,
    /// ended; taken by the first worker (see [`Session::after_run`]).
    ran_before: Option<super::protocol::Outcome>,
    worker: Option<std::thread::JoinHandle<()>>,
    /// The worker's channel closed: it is gone even while its thread is
    /// still unwinding.
    gone: std::sync::atomic::AtomicBool,
    /// What outlives this session's workers: the last pause id given out
    /// (a frame of a pause before a worker restart can never name a new
    /// one) and `print`'s value history, for every front end.
    lasting: std::sync::Arc<super::history::Lasting>,
}

impl Session {
    /// Starts `config`'s program and waits for its first event: a
    /// `Response::Stopped` (it paused) or `Response::Ended` (it finished, or
    /// could not be loaded: `Outcome::LoadFailed`).
    ///
    /// Events (the guest's output) are queued for [`Session::take_events`].
    pub fn start(config: RunConfig) -> (Session, Response) {
        Self::start_with(config, None, Interrupter::default())
    }

    /// Like [`Session::start`], with the [`Interrupter`] the front end
    /// already wired to Ctrl-C (so the program can be paused before its first
    /// event), and a `timeout` after which a program that has not paused yet
    /// is interrupted (that pause is then the first event).
    pub fn start_with(
        config: RunConfig,
        timeout: Option<std::time::Duration>,
        interrupter: Interrupter,
    ) -> (Session, Response) {
        Self::start_with_events(config, timeout, interrupter, None)
    }

    /// Like [`Session::start_with`], offering every event to `sink` first
    /// (from the first one, before the first response); what it gives back
    /// is queued.
    pub fn start_with_events(
        config: RunConfig,
        timeout: Option<std::time::Duration>,
        interrupter: Interrupter,
        sink: Option<EventSink>,
    ) -> (Session, Response) {
        Self::start_inner(config, None, timeout, interrupter, sink)
    }

    /// A session on `config`'s program whose first run already happened
    /// before it, on plain code (`wasmdbg run`'s fast path), and ended as
    /// `ended` says: a returned entry function or an exit; a failure is
    /// replayed instead. The program is loaded but not run again, the first
    /// response is `Response::Ended(ended)` (or `Ended(LoadFailed)`), and
    /// `run` runs it under the debugger. `sink` as in
    /// [`Session::start_with_events`].
    pub fn after_run(
        config: RunConfig,
        ended: super::protocol::Outcome,
        interrupter: Interrupter,
        sink: Option<EventSink>,
    ) -> (Session, Response) {
        Self::start_inner(config, Some(ended), None, interrupter, sink)
    }

    fn start_inner(
        config: RunConfig,
        ran_before: Option<super::protocol::Outcome>,
        timeout: Option<std::time::Duration>,
        interrupter: Interrupter,
        sink: Option<EventSink>,
    ) -> (Session, Response) {
        let (requests, _) = channel();
        let (_, responses) = channel();
        let events = Events {
            sink,
            queue: VecDeque::new(),
        };
        let mut session = Session {
            requests,
            responses,
            events: Mutex::new(events),
            interrupter,
            config,
            core: None,
            ran_before,
            worker: None,
            gone: std::sync::atomic::AtomicBool::new(false),
            lasting: Default::default(),
        };
        let first = session.spawn(timeout);
        (session, first)
    }

    /// Opens core dump `core` of the program in `module` (with the DWARF
    /// package `dwp`, else `MODULE.dwp` when there is one) and returns its
    /// first event: `Stopped` at the dump's innermost frame, or
    /// `Ended(LoadFailed)` when the module or dump cannot be read or do not
    /// belong together. Requests that read the program are answered from
    /// the dump; those that need a live program get
    /// [`ErrorKind::NotLive`](super::protocol::ErrorKind::NotLive).
    pub fn open_core(
        module: std::path::PathBuf,
        core: std::path::PathBuf,
        dwp: Option<std::path::PathBuf>,
    ) -> (Session, Response) {
        Session::open_core_with(
            RunConfig {
                module,
                dwp,
                ..RunConfig::default()
            },
            core,
        )
    }

    /// [`Session::open_core`] for the program `config` describes: its
    /// module, `dwp` and `preloads` (a dump of a run with `--preload` holds
    /// the preloaded modules too); the rest of `config` is not used.
    pub fn open_core_with(config: RunConfig, core: std::path::PathBuf) -> (Session, Response) {
        let (requests, _) = channel();
        let (_, responses) = channel();
        let mut session = Session {
            requests,
            responses,
            events: Mutex::new(Events {
                sink: None,
                queue: VecDeque::new(),
            }),
            interrupter: Interrupter::default(),
            config,
            core: Some(core),
            ran_before: None,
            worker: None,
            gone: std::sync::atomic::AtomicBool::new(false),
            lasting: Default::default(),
        };
        let first = session.spawn(None);
        (session, first)
    }

    /// Whether this session reads a core dump (nothing runs).
    pub fn is_core_dump(&self) -> bool {
        self.core.is_some()
    }

    /// Starts a new worker thread for the same program (after the old one
    /// died) and waits for its first event, as [`Session::start`].
    pub fn restart(&mut self) -> Response {
        self.spawn(None)
    }

    /// Whether the worker thread is still there to answer requests.
    pub fn worker_alive(&self) -> bool {
        !self.gone.load(std::sync::atomic::Ordering::Relaxed)
            && self.worker.as_ref().is_some_and(|w| !w.is_finished())
    }

    fn spawn(&mut self, timeout: Option<std::time::Duration>) -> Response {
        let (req_tx, req_rx) = channel();
        let (resp_tx, resp_rx) = channel();
        self.requests = req_tx;
        self.gone.store(false, std::sync::atomic::Ordering::Relaxed);
        self.responses = resp_rx;
        let spawned = match &self.core {
            Some(core) => super::postmortem::spawn(
                self.config.module.clone(),
                core.clone(),
                self.config.dwp.clone(),
                self.config.preloads.clone(),
                self.lasting.clone(),
                req_rx,
                resp_tx,
            ),
            None => worker::spawn(
                self.config.clone(),
                self.ran_before.take(),
                self.interrupter.0.clone(),
                self.lasting.clone(),
                req_rx,
                resp_tx,
            ),
        };
        match spawned {
            Ok(handle) => self.worker = Some(handle),
            Err(e) => {
                let outcome = super::protocol::Outcome::LoadFailed(format!(
                    "cannot start the worker thread: {e}"
                ));
                let response = Response::Ended(outcome);
                self.announce(&response, false);
                return response;
            }
        }
        let response = self.wait_with_timeout(timeout);
        self.announce(&response, false);
        response
    }

    /// How many values `print` has numbered so far (`$1` to `$N`).
    pub fn history_len(&self) -> usize {
        self.lasting.history().len()
    }

    /// Sends `request` and blocks until the worker answers.
    pub fn request(&self, request: Request) -> Response {
        self.request_with_timeout(request, None)
    }

    /// A recorded `print`'s answer: a number becomes the next history entry.
    fn recorded(&self, response: Response) -> Response {
        let mut history = self
            .lasting
            .history
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match history.record(&response) {
            Some(n) => Response::Printed {
                history: n,
                value: Box::new(response),
            },
            None => response,
        }
    }

    /// Delivers the events a response stands for: a stop, an end, a change
    /// of the breakpoint table.
    fn announce(&self, response: &Response, changed_breakpoints: bool) {
        match response {
            Response::Stopped(stop) => {
                if matches!(
                    stop.reason,
                    super::protocol::StopReason::Breakpoint {
                        temporary: true,
                        ..
                    }
                ) {
                    self.deliver(Event::BreakpointsChanged);
                }
                self.deliver(Event::Stopped(Box::new(stop.clone())));
            }
            Response::Ended(outcome) => self.deliver(Event::Ended(Box::new(outcome.clone()))),
            Response::Error(_) => {}
            _ if changed_breakpoints => self.deliver(Event::BreakpointsChanged),
            _ => {}
        }
    }

    /// Makes the worker thread panic, to test how a front end recovers
    /// (`maintenance panic worker`): the thread ends when the program has
    /// ended; while paused the panic is caught and answered as an error.
    /// Not part of the protocol.
    #[doc(hidden)]
    pub fn maintenance_panic_worker(&self) -> Response {
        if self.requests.send(Incoming::MaintenancePanic).is_err() {
            return self.worker_gone();
        }
        self.wait()
    }

    /// The module file as given.
    pub fn module_path(&self) -> &std::path::Path {
        &self.config.module
    }

    /// A handle that pauses the running guest (for Ctrl-C and timeouts);
    /// usable from any thread.
    pub fn interrupter(&self) -> Interrupter {
        self.interrupter.clone()
    }

    /// Sends `request` and waits for the answer; when `timeout` passes
    /// first, interrupts the guest (reporting the timeout) and goes on
    /// waiting for the pause that follows.
    pub fn request_with_timeout(
        &self,
        request: Request,
        timeout: Option<std::time::Duration>,
    ) -> Response {
        if let Request::Children {
            value,
            start,
            count,
        } = &request
        {
            let ask = |r: Request| self.request_with_timeout(r, timeout);
            return super::children::children(&ask, value, *start, *count);
        }
        let record = matches!(
            request,
            Request::Inspect(InspectRequest::Evaluate { record: true, .. })
        );
        let changes_breakpoints = changes_breakpoints(&request);
        if self.requests.send(Incoming::Request(request)).is_err() {
            return self.worker_gone();
        }
        let response = self.wait_with_timeout(timeout);
        self.announce(&response, changes_breakpoints);
        if record {
            self.recorded(response)
        } else {
            response
        }
    }

    fn wait_with_timeout(&self, timeout: Option<std::time::Duration>) -> Response {
        let Some(timeout) = timeout else {
            return self.wait();
        };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.responses.recv_timeout(left) {
                Ok(message) => {
                    if let Some(response) = self.take(message) {
                        return response;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    self.interrupter
                        .interrupt_for_timeout(timeout.as_secs_f64());
                    return self.wait();
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return self.worker_gone();
                }
            }
        }
    }

    /// The events queued so far (those the sink, if any, gave back),
    /// oldest first. Every request that ran the program delivered its
    /// [`Event::Stopped`] or [`Event::Ended`] before it returned (queued
    /// unless the sink kept it): a front end that follows these knows where
    /// the program is, whoever ran it.
    pub fn take_events(&self) -> Vec<Event> {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        events.queue.drain(..).collect()
    }

    fn deliver(&self, event: Event) {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let kept = match &mut events.sink {
            Some(sink) => sink(event),
            None => Some(event),
        };
        events.queue.extend(kept);
    }

    /// Notes that the worker has gone and says so.
    fn worker_gone(&self) -> Response {
        self.gone.store(true, std::sync::atomic::Ordering::Relaxed);
        Response::error(
            super::protocol::ErrorKind::WorkerGone,
            "the debugger's worker thread has stopped",
        )
    }

    fn wait(&self) -> Response {
        loop {
            match self.responses.recv() {
                Ok(message) => {
                    if let Some(response) = self.take(message) {
                        return response;
                    }
                }
                Err(_) => return self.worker_gone(),
            }
        }
    }

    /// One message from the worker: a response is returned; events (a
    /// batch of dprintf hits one by one) are delivered.
    fn take(&self, message: Message) -> Option<Response> {
        match message {
            Message::Response(r) => return Some(*r),
            Message::Event(e) => self.deliver(e),
            Message::Logged(batch) => {
                for logged in batch {
                    self.deliver(Event::Logged(Box::new(logged)));
                }
            }
        }
        None
    }
}

/// Whether a request changes the breakpoint table when it succeeds.
fn changes_breakpoints(request: &Request) -> bool {
    match request {
        // Every breakpoint request but the listing edits the table (an
        // exhaustive match: a new request must say which it is).
        Request::Breakpoint(b) => match b {
            BreakpointRequest::Break { .. }
            | BreakpointRequest::Delete(_)
            | BreakpointRequest::Enable(..)
            | BreakpointRequest::Condition(..)
            | BreakpointRequest::Ignore(..)
            | BreakpointRequest::HitCondition(..) => true,
            BreakpointRequest::Breakpoints => false,
        },
        Request::Watch { .. } => true,
        _ => false,
    }
}
