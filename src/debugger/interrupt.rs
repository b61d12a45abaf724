//! Interrupting a running guest (Ctrl-C, `--timeout`): a request flag plus an
//! engine epoch increment, which makes the guest reach an epoch check and
//! hand the debugger an `EpochYield` event where it pauses.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wasmtime::Engine;

const NONE: u64 = 0;
const USER: u64 = u64::MAX;

/// The shared interrupt state of one session.
#[derive(Default)]
pub struct Interrupt {
    /// `NONE`, `USER`, or a timeout in milliseconds.
    requested: AtomicU64,
    /// The engines whose epoch a request increments: the worker's, and
    /// `serve`'s plain one.
    engines: Mutex<Vec<Engine>>,
}

impl Interrupt {
    /// Makes `engine` (a new worker's) the one a request interrupts.
    pub(crate) fn attach(&self, engine: Engine) {
        *self.engines.lock().unwrap_or_else(|p| p.into_inner()) = vec![engine];
    }

    /// Makes a request interrupt `engine` too (`serve`'s plain code).
    pub(crate) fn attach_also(&self, engine: Engine) {
        self.engines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(engine);
    }

    fn request(&self, what: u64) {
        self.requested.store(what, Ordering::SeqCst);
        self.bump();
    }

    /// Makes every attached engine's guests reach an epoch check.
    pub(crate) fn bump(&self) {
        for engine in self
            .engines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            engine.increment_epoch();
        }
    }

    /// Whether a request is pending (it stays pending).
    pub(crate) fn pending(&self) -> bool {
        self.requested.load(Ordering::SeqCst) != NONE
    }

    /// Takes a pending request: `None` when there is none, `Some(None)` for
    /// the user's, `Some(Some(seconds))` for a timeout.
    pub(crate) fn take(&self) -> Option<Option<f64>> {
        match self.requested.swap(NONE, Ordering::SeqCst) {
            NONE => None,
            USER => Some(None),
            ms => Some(Some(ms as f64 / 1000.0)),
        }
    }

    /// Forgets a request made while the guest was not running.
    pub(crate) fn clear(&self) {
        self.requested.store(NONE, Ordering::SeqCst);
    }
}

/// A handle the front end uses to pause a running guest; cheap to clone, and
/// usable from a signal handler's thread.
#[derive(Clone, Default)]
pub struct Interrupter(pub(crate) Arc<Interrupt>);

impl Interrupter {
    /// Pauses the running guest at its next epoch check (a loop back-edge or
    /// function entry) with "interrupted". No effect when it is not running
    /// Wasm code; a guest blocked in a host call pauses when the call returns.
    pub fn interrupt(&self) {
        self.0.request(USER);
    }

    /// Like [`Interrupter::interrupt`], reporting that `seconds` ran out.
    pub fn interrupt_for_timeout(&self, seconds: f64) {
        let ms = ((seconds * 1000.0) as u64).clamp(1, USER - 1);
        self.0.request(ms);
    }
}
