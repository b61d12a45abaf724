//! The store's data as the WASI 0.2 host traits see it while recording
//! ([`Recording`]) or replaying ([`Replaying`]), and how a replay answers a
//! call from the trace.

use super::outcome::Outcome;
use super::saved::Saved;
use crate::debugger::record::replayer::Cursor;
use crate::debugger::record::trace::Returned;
use wasmtime_wasi::WasiView;

/// A component store's data that can record or replay.
pub(crate) trait ComponentHost: WasiView + Send + 'static {
    /// Logs a call made while recording: `func` is its index in
    /// [`super::interfaces::all_functions`] ([`super::interfaces::index_of`]).
    fn record(&mut self, func: u16, args: Saved, result: Returned);
    /// The replay's position (`None`: not replaying, and every call traps).
    fn cursor(&mut self) -> Option<&mut Cursor>;
}

/// The store's data as recording host traits see it.
pub(crate) struct Recording<'a, H> {
    /// The store's data.
    pub(crate) host: &'a mut H,
}

/// The store's data as replaying host traits see it.
pub(crate) struct Replaying<'a, H> {
    /// The store's data.
    pub(crate) host: &'a mut H,
}

impl<H: ComponentHost> Replaying<'_, H> {
    /// The answer to call `func` with `args`: what the recording returned
    /// to the same call at this point, or a trap naming the divergence.
    pub(crate) fn answer<R: Outcome>(&mut self, func: &'static str, args: Saved) -> R {
        let Some(cursor) = self.host.cursor() else {
            return R::trap(format!("{func}: not replaying"));
        };
        let n = cursor.next + 1;
        let trace = cursor.trace.clone();
        let Some(call) = trace.component_calls.get(cursor.next) else {
            return R::trap(cursor.past_the_end(&format!("{func}{}", call_text(&args))));
        };
        let recorded = trace.function_name(call.func);
        if recorded != func || call.args != args {
            return R::trap(format!(
                "the replay diverged at host call #{n}: the program calls {func}{}, the \
                 recording has {recorded}{}",
                call_text(&args),
                call_text(&call.args)
            ));
        }
        cursor.advance();
        echo(cursor, func, &args, &call.result);
        R::replayed(&call.result).unwrap_or_else(|| {
            R::trap(format!(
                "the replay diverged at host call #{n}: the recording's result of {func} ({:?}) \
                 is not of its type",
                call.result
            ))
        })
    }
}

/// Shows again what a replayed call wrote to the guest's stdout or stderr
/// (`write`, `blocking-write-and-flush`, the `write-zeroes` pair; not
/// `splice`, whose bytes the trace does not hold), and follows which
/// stream `rep`s those are.
fn echo(cursor: &mut Cursor, func: &str, args: &Saved, result: &Returned) {
    let args: &[Saved] = match args {
        Saved::Tuple(items) => items,
        _ => &[],
    };
    let stream = |streams: &[(u32, usize)], rep: &Saved| match rep {
        Saved::Borrow(rep) | Saved::Own(rep) => {
            streams.iter().find(|(r, _)| r == rep).map(|(_, s)| *s)
        }
        _ => None,
    };
    let bytes: Vec<u8> = match (func, args, result) {
        ("wasi:cli/stdout#get-stdout", _, Returned::Value(Saved::Own(rep))) => {
            cursor.streams.push((*rep, 0));
            return;
        }
        ("wasi:cli/stderr#get-stderr", _, Returned::Value(Saved::Own(rep))) => {
            cursor.streams.push((*rep, 1));
            return;
        }
        ("wasi:io/streams#[drop]output-stream", [Saved::Own(rep)], _) => {
            cursor.streams.retain(|(r, _)| r != rep);
            return;
        }
        (
            "wasi:io/streams#[method]output-stream.write"
            | "wasi:io/streams#[method]output-stream.blocking-write-and-flush",
            [_, Saved::Bytes(bytes)],
            Returned::Value(Saved::Unit),
        ) => bytes.clone(),
        (
            "wasi:io/streams#[method]output-stream.write-zeroes"
            | "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush",
            [_, Saved::U64(n)],
            Returned::Value(Saved::Unit),
        ) => vec![0; (*n).min(1 << 20) as usize],
        _ => return,
    };
    let which = args.first().and_then(|rep| stream(&cursor.streams, rep));
    let (Some(which), Some(echo)) = (which, &cursor.echo) else {
        return;
    };
    let out = if which == 0 { &echo.0 } else { &echo.1 };
    out.send(&bytes);
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
