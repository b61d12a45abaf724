//! [`Session`]: the front end's handle on one debugged program.

use std::sync::mpsc::{Receiver, Sender, channel};

use super::config::RunConfig;
use super::interrupt::Interrupter;
use super::protocol::{Request, Response};
use super::stdout::OpenLine;
use super::worker;

/// One debugged program, running on its own worker thread.
///
/// [`Session::start`] loads and starts the program and returns with its first
/// event; [`Session::request`] sends one request and blocks until the answer
/// (for `Continue`, until the next pause or the end of the program).
///
/// Dropping a session while the guest is paused leaves the worker thread
/// parked (it uses no CPU); it ends with the process.
pub struct Session {
    requests: Sender<Request>,
    responses: Receiver<Response>,
    open_line: OpenLine,
    interrupter: Interrupter,
    config: RunConfig,
    worker: Option<std::thread::JoinHandle<()>>,
    /// The worker's channel closed: it is gone even while its thread is
    /// still unwinding.
    gone: std::sync::atomic::AtomicBool,
    /// The last pause id given out, by any of this session's workers: a
    /// frame of a pause before a worker restart can never name a new one.
    last_pause: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Session {
    /// Starts `config`'s program and waits for its first event: a
    /// `Response::Stopped` (it paused) or `Response::Ended` (it finished, or
    /// could not be loaded: `Outcome::LoadFailed`).
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
        let (requests, _) = channel();
        let (_, responses) = channel();
        let mut session = Session {
            requests,
            responses,
            open_line: OpenLine::default(),
            interrupter,
            config,
            worker: None,
            gone: std::sync::atomic::AtomicBool::new(false),
            last_pause: Default::default(),
        };
        let first = session.spawn(timeout);
        (session, first)
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
        let spawned = worker::spawn(
            self.config.clone(),
            self.open_line.clone(),
            self.interrupter.0.clone(),
            self.last_pause.clone(),
            req_rx,
            resp_tx,
        );
        match spawned {
            Ok(handle) => self.worker = Some(handle),
            Err(e) => {
                let outcome = super::protocol::Outcome::LoadFailed(format!(
                    "cannot start the worker thread: {e}"
                ));
                return Response::Ended(outcome);
            }
        }
        self.wait_with_timeout(timeout)
    }

    /// Sends `request` and blocks until the worker answers.
    pub fn request(&self, request: Request) -> Response {
        if self.requests.send(request).is_err() {
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
        let Some(timeout) = timeout else {
            return self.request(request);
        };
        if self.requests.send(request).is_err() {
            return self.worker_gone();
        }
        self.wait_with_timeout(Some(timeout))
    }

    fn wait_with_timeout(&self, timeout: Option<std::time::Duration>) -> Response {
        let Some(timeout) = timeout else {
            return self.wait();
        };
        match self.responses.recv_timeout(timeout) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                self.interrupter
                    .interrupt_for_timeout(timeout.as_secs_f64());
                self.wait()
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => self.worker_gone(),
        }
    }

    /// Whether the guest's stdout output so far ends without a newline
    /// (clears the flag): a front end printing on the same terminal starts a
    /// new line first.
    pub fn take_guest_open_line(&self) -> bool {
        self.open_line.take()
    }

    /// Notes that the worker has gone and says so.
    fn worker_gone(&self) -> Response {
        self.gone.store(true, std::sync::atomic::Ordering::Relaxed);
        Response::Error("the debugger's worker thread has stopped".to_string())
    }

    fn wait(&self) -> Response {
        self.responses.recv().unwrap_or_else(|_| self.worker_gone())
    }
}
