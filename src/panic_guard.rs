//! Keeps panics that the debugger catches and reports from also being
//! printed by the default panic hook.
//!
//! [`install`] wraps the process's panic hook once; [`quiet`] marks the
//! current thread while it runs code whose panics are caught and turned into
//! one-line errors.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs the wrapping hook (idempotent). Panics outside [`quiet`] are
/// printed as before.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with the panic hook silenced on this thread.
pub fn quiet<R>(f: impl FnOnce() -> R) -> R {
    install();
    let before = QUIET.with(|q| q.replace(true));
    let result = f();
    QUIET.with(|q| q.set(before));
    result
}

/// The text of a caught panic's payload (`panic!`'s message), or "a panic"
/// when it carries none.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}
