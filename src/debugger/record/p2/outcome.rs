//! The conversion of each kind of result wasmtime-wasi's host traits
//! and wasmtime-wasi-http's return to and from how a trace keeps it
//! ([`Returned`]): [`Outcome`].

use wasmtime::format_err;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p2::bindings::filesystem::types::ErrorCode;
use wasmtime_wasi::p2::{FsError, SocketError, StreamError};
use wasmtime_wasi_http::p2::{HeaderError, HttpError};

use super::saved::Save;
use crate::debugger::host::one_line;
use crate::debugger::record::trace::Returned;

/// A host trait method's result type: what a trace keeps of it, and the
/// same result rebuilt from the trace.
pub(crate) trait Outcome: Sized {
    /// The result as recorded.
    fn returned(&self) -> Returned;
    /// The result a replay returns for `returned`; `None` when it does not
    /// have this type's shape.
    fn replayed(returned: &Returned) -> Option<Self>;
    /// A trap with `message` (a replay that diverged).
    fn trap(message: String) -> Self;
}

/// A trap's or exit's record.
fn error_returned(e: &wasmtime::Error) -> Returned {
    match e.downcast_ref::<I32Exit>() {
        Some(I32Exit(code)) => Returned::Exit(*code),
        None => Returned::Trap(one_line(e)),
    }
}

/// The error a replay raises for a recorded trap or exit.
fn error_replayed(returned: &Returned) -> Option<wasmtime::Error> {
    match returned {
        Returned::Exit(code) => Some(I32Exit(*code).into()),
        Returned::Trap(message) => Some(format_err!("{message}")),
        _ => None,
    }
}

impl<T: Save> Outcome for wasmtime::Result<T> {
    fn returned(&self) -> Returned {
        match self {
            Ok(value) => Returned::Value(value.save()),
            Err(e) => error_returned(e),
        }
    }
    fn replayed(returned: &Returned) -> Option<Self> {
        match returned {
            Returned::Value(v) => Some(Ok(T::load(v)?)),
            other => Some(Err(error_replayed(other)?)),
        }
    }
    fn trap(message: String) -> Self {
        Err(format_err!("{message}"))
    }
}

/// [`Outcome`] for a result whose error is wasmtime-wasi's "trappable"
/// pair: a WASI error code the guest sees, or a trap
/// (`trappable!(FsError => ErrorCode)`).
macro_rules! trappable {
    ($error:ty => $code:ty) => {
        impl<T: Save> Outcome for Result<T, $error> {
            fn returned(&self) -> Returned {
                match self {
                    Ok(value) => Returned::Value(value.save()),
                    Err(e) => match e.downcast_ref() {
                        Some(code) => Returned::Error(<$code>::save(code)),
                        // The error's chain on one line, as `one_line`
                        // writes a `wasmtime::Error`.
                        None => Returned::Trap(format!("{e:#}").replace('\n', " ")),
                    },
                }
            }
            fn replayed(returned: &Returned) -> Option<Self> {
                match returned {
                    Returned::Value(v) => Some(Ok(T::load(v)?)),
                    Returned::Error(code) => Some(Err(<$code>::load(code)?.into())),
                    other => Some(Err(<$error>::trap(error_replayed(other)?))),
                }
            }
            fn trap(message: String) -> Self {
                Err(<$error>::trap(format_err!("{message}")))
            }
        }
    };
}

trappable!(FsError => ErrorCode);
trappable!(SocketError => wasmtime_wasi::p2::bindings::sockets::network::ErrorCode);
trappable!(HttpError => wasmtime_wasi_http::p2::bindings::http::types::ErrorCode);
trappable!(HeaderError => wasmtime_wasi_http::p2::bindings::http::types::HeaderError);

impl<T: Save> Outcome for Result<T, StreamError> {
    fn returned(&self) -> Returned {
        match self {
            Ok(value) => Returned::Value(value.save()),
            Err(StreamError::Closed) => Returned::StreamClosed,
            Err(StreamError::LastOperationFailed(e)) => Returned::StreamFailed(one_line(e)),
            Err(StreamError::Trap(e)) => error_returned(e),
        }
    }
    fn replayed(returned: &Returned) -> Option<Self> {
        match returned {
            Returned::Value(v) => Some(Ok(T::load(v)?)),
            Returned::StreamClosed => Some(Err(StreamError::Closed)),
            Returned::StreamFailed(message) => Some(Err(StreamError::LastOperationFailed(
                format_err!("{message}"),
            ))),
            other => Some(Err(StreamError::Trap(error_replayed(other)?))),
        }
    }
    fn trap(message: String) -> Self {
        Err(StreamError::Trap(format_err!("{message}")))
    }
}
