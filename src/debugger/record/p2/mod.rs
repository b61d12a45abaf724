//! WASI 0.2 as the recorder sees it: every host call a component makes,
//! typed, through wasmtime-wasi's own per-interface host traits.
//!
//! Recording links each interface with [`Recording`], which calls
//! wasmtime-wasi's implementation and logs the call (its WIT name, its
//! arguments and how it returned, resources as their host `rep`s) in the
//! store's [`CallLog`]. Replaying links them with [`Replaying`], which
//! checks each call against the next one logged and returns what the
//! recording returned; no WASI code runs, so files, clocks, random and the
//! network are never touched, and owned resources come back as the same
//! `rep`s — the guest's handle numbers, which its own tables allocate,
//! repeat with the same sequence of results and drops.

pub(crate) mod interfaces;
pub(crate) mod outcome;
pub(crate) mod saved;

use serde::{Deserialize, Serialize};
use wasmtime::component::{HasData, Linker};
use wasmtime_wasi::WasiView;

use outcome::{Outcome, Returned};
use saved::Saved;

/// One host call of a component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentCall {
    /// The function's WIT name (one of [`interfaces::all_functions`]).
    pub func: String,
    /// The arguments, a [`Saved::Tuple`].
    pub args: Saved,
    /// How it returned.
    pub result: Returned,
}

/// The calls of a recorded run, in order.
#[derive(Debug, Default)]
pub struct CallLog {
    /// The calls so far.
    pub calls: Vec<ComponentCall>,
}

impl CallLog {
    /// Logs one call.
    pub(crate) fn push(&mut self, func: &'static str, args: Saved, result: Returned) {
        self.calls.push(ComponentCall {
            func: func.to_string(),
            args,
            result,
        });
    }
}

/// Where a replay is in its calls.
#[derive(Debug, Default)]
pub struct CallCursor {
    /// The recorded calls.
    pub calls: std::sync::Arc<Vec<ComponentCall>>,
    /// The index of the next call to answer.
    pub next: usize,
}

/// A component store's data that can record or replay.
pub(crate) trait ComponentHost: WasiView + Send + 'static {
    /// Where recorded calls go.
    fn log(&mut self) -> &mut CallLog;
    /// The replay's position.
    fn cursor(&mut self) -> &mut CallCursor;
}

/// The store's data as recording host traits see it.
pub(crate) struct Recording<'a, H> {
    host: &'a mut H,
}

/// The store's data as replaying host traits see it.
pub(crate) struct Replaying<'a, H> {
    host: &'a mut H,
}

impl<H: ComponentHost> Replaying<'_, H> {
    /// The answer to call `func` with `args`: what the recording returned
    /// to the same call at this point, or a trap naming the divergence.
    fn answer<R: Outcome>(&mut self, func: &'static str, args: Saved) -> R {
        let cursor = self.host.cursor();
        let n = cursor.next + 1;
        let Some(call) = cursor.calls.get(cursor.next) else {
            return R::trap(format!(
                "the replay diverged at host call #{n}: the program calls {func}{}, after the \
                 last of the {} recorded calls",
                call_text(&args),
                cursor.calls.len()
            ));
        };
        if call.func != func || call.args != args {
            return R::trap(format!(
                "the replay diverged at host call #{n}: the program calls {func}{}, the \
                 recording has {}{}",
                call_text(&args),
                call.func,
                call_text(&call.args)
            ));
        }
        cursor.next += 1;
        R::replayed(&call.result).unwrap_or_else(|| {
            R::trap(format!(
                "the replay diverged at host call #{n}: the recording's result of {func} ({:?}) \
                 is not of its type",
                call.result
            ))
        })
    }
}

/// Arguments as a call's text: `(1, "a")`; long byte lists elided.
fn call_text(args: &Saved) -> String {
    match args {
        Saved::Tuple(items) => {
            let items: Vec<String> = items.iter().map(short).collect();
            format!("({})", items.join(", "))
        }
        other => format!("({})", short(other)),
    }
}

/// One argument's text: bytes as an escaped byte string (the first 64 of
/// a longer list, and its length), the rest as saved.
fn short(value: &Saved) -> String {
    match value {
        Saved::Bytes(b) if b.len() > 64 => {
            format!("b\"{}\"... ({} bytes)", b[..64].escape_ascii(), b.len())
        }
        Saved::Bytes(b) => format!("b\"{}\"", b.escape_ascii()),
        other => format!("{other:?}"),
    }
}

struct Recorded<H>(std::marker::PhantomData<H>);
impl<H: 'static> HasData for Recorded<H> {
    type Data<'a> = Recording<'a, H>;
}

struct Replayed<H>(std::marker::PhantomData<H>);
impl<H: 'static> HasData for Replayed<H> {
    type Data<'a> = Replaying<'a, H>;
}

/// Every interface [`interfaces`] covers, with the host traits of `$data`.
macro_rules! add_all {
    ($linker:ident, $data:ty, $get:expr) => {{
        use wasmtime_wasi::p2::bindings as b;
        let l = $linker;
        b::io::error::add_to_linker::<H, $data>(l, $get)?;
        b::io::poll::add_to_linker::<H, $data>(l, $get)?;
        b::io::streams::add_to_linker::<H, $data>(l, $get)?;
        b::clocks::wall_clock::add_to_linker::<H, $data>(l, $get)?;
        b::clocks::monotonic_clock::add_to_linker::<H, $data>(l, $get)?;
        b::filesystem::types::add_to_linker::<H, $data>(l, $get)?;
        b::filesystem::preopens::add_to_linker::<H, $data>(l, $get)?;
        b::random::random::add_to_linker::<H, $data>(l, $get)?;
        b::random::insecure::add_to_linker::<H, $data>(l, $get)?;
        b::random::insecure_seed::add_to_linker::<H, $data>(l, $get)?;
        b::cli::exit::add_to_linker::<H, $data>(l, $get)?;
        b::cli::environment::add_to_linker::<H, $data>(l, $get)?;
        b::cli::stdin::add_to_linker::<H, $data>(l, $get)?;
        b::cli::stdout::add_to_linker::<H, $data>(l, $get)?;
        b::cli::stderr::add_to_linker::<H, $data>(l, $get)?;
        b::cli::terminal_input::add_to_linker::<H, $data>(l, $get)?;
        b::cli::terminal_output::add_to_linker::<H, $data>(l, $get)?;
        b::cli::terminal_stdin::add_to_linker::<H, $data>(l, $get)?;
        b::cli::terminal_stdout::add_to_linker::<H, $data>(l, $get)?;
        b::cli::terminal_stderr::add_to_linker::<H, $data>(l, $get)?;
        Ok(())
    }};
}

/// Links every covered interface so that each call runs wasmtime-wasi's
/// implementation and is logged.
///
/// # Errors
/// A name defined twice in `linker`.
pub(crate) fn add_recording<H: ComponentHost>(linker: &mut Linker<H>) -> wasmtime::Result<()> {
    add_all!(linker, Recorded<H>, |h: &mut H| Recording { host: h })
}

/// Links every covered interface so that each call is answered from the
/// store's [`CallCursor`].
///
/// # Errors
/// A name defined twice in `linker`.
pub(crate) fn add_replaying<H: ComponentHost>(linker: &mut Linker<H>) -> wasmtime::Result<()> {
    add_all!(linker, Replayed<H>, |h: &mut H| Replaying { host: h })
}

#[cfg(test)]
mod tests;
