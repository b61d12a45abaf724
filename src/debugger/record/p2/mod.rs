//! WASI 0.2 as the recorder sees it: every host call a component makes,
//! typed, through wasmtime-wasi's own per-interface host traits.
//!
//! Recording links each interface with [`Recording`], which calls
//! wasmtime-wasi's implementation and logs the call (its WIT name, its
//! arguments and how it returned, resources as their host `rep`s) through
//! [`ComponentHost::record`]. Replaying links them with [`Replaying`],
//! which checks each call against the next one in the trace and returns
//! what the recording returned; no WASI code runs, so files, clocks, random and the
//! network are never touched, and owned resources come back as the same
//! `rep`s — the guest's handle numbers, which its own tables allocate,
//! repeat with the same sequence of results and drops.

pub(crate) mod host;
pub(crate) mod interfaces;
pub mod outcome;
pub mod saved;

use wasmtime::component::{HasData, Linker};

use super::trace::{ComponentCall, Returned, Sink, TraceWriter};
use host::{ComponentHost, Recording, Replaying};
use interfaces::HttpHost;
use saved::Saved;

/// Refuses a component that imports an interface the recorder does not
/// cover (wasi:http's types and outgoing handler unless `http`: `wasmdbg
/// serve` links them; anything that is not WASI 0.2), naming the first;
/// reads only the top-level import section.
///
/// # Errors
/// That import, or a malformed binary.
pub(crate) fn check_recordable_imports(
    bytes: &[u8],
    http: bool,
) -> Result<(), crate::error::Error> {
    use crate::error::{malformed, unavailable};
    let http_functions: &[&str] = if http {
        interfaces::HTTP_FUNCTIONS
    } else {
        &[]
    };
    let covered: std::collections::BTreeSet<&str> = interfaces::FUNCTIONS
        .iter()
        .chain(interfaces::SOCKETS_FUNCTIONS)
        .chain(http_functions)
        .filter_map(|f| f.split_once('#').map(|(interface, _)| interface))
        .collect();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| malformed!("malformed component: {e}"))? {
            wasmparser::Payload::Version { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(|e| malformed!("malformed component: {e}"))?;
                    if matches!(import.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        continue;
                    }
                    let name = import.name.name;
                    let interface = name.split_once('@').map_or(name, |(i, _)| i);
                    if !covered.contains(interface) {
                        let http = if http { ", wasi:http" } else { "" };
                        return Err(unavailable!(
                            "the component imports {name}, which cannot be recorded yet \
                             (recording covers wasi:cli, wasi:clocks, wasi:filesystem{http}, \
                             wasi:io, wasi:random and wasi:sockets)"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A recording component's calls, written to its trace as they are made
/// (a recording that is killed keeps the calls before it).
pub(crate) struct ComponentRecorder {
    /// The trace being written.
    pub writer: TraceWriter<Sink>,
    /// The first write error: the trace stops being written, the program
    /// goes on, and the error is reported at the end.
    pub write_error: Option<std::io::Error>,
}

impl ComponentRecorder {
    /// Writes one call: `func` is its index in
    /// [`interfaces::all_functions`].
    pub(crate) fn call(&mut self, func: u16, args: Saved, result: Returned) {
        if self.write_error.is_some() {
            return;
        }
        if let Err(e) = self
            .writer
            .component_call(ComponentCall { func, args, result })
        {
            self.write_error = Some(e);
        }
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
        b::sockets::tcp_create_socket::add_to_linker::<H, $data>(l, $get)?;
        b::sockets::instance_network::add_to_linker::<H, $data>(l, $get)?;
        b::sockets::network::add_to_linker::<H, $data>(
            l,
            &(&b::LinkOptions::default()).into(),
            $get,
        )?;
        b::sockets::ip_name_lookup::add_to_linker::<H, $data>(l, $get)?;
        b::sockets::tcp::add_to_linker::<H, $data>(l, $get)?;
        b::sockets::udp::add_to_linker::<H, $data>(l, $get)?;
        b::sockets::udp_create_socket::add_to_linker::<H, $data>(l, $get)?;
        Ok(())
    }};
}

/// `wasi:http`'s interfaces with the host traits of `$data`.
macro_rules! add_http {
    ($linker:ident, $data:ty, $get:expr) => {{
        use wasmtime_wasi_http::p2::bindings::{LinkOptions, http};
        let options = LinkOptions::default();
        http::outgoing_handler::add_to_linker::<H, $data>($linker, $get)?;
        http::types::add_to_linker::<H, $data>($linker, &(&options).into(), $get)?;
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

/// Links `wasi:http`'s types and outgoing handler (what wasmtime-wasi-http's
/// `add_only_http_to_linker_async` links) so that each call runs
/// wasmtime-wasi-http's implementation and is logged.
///
/// # Errors
/// A name defined twice in `linker`.
pub(crate) fn add_recording_http<H: HttpHost>(linker: &mut Linker<H>) -> wasmtime::Result<()> {
    add_http!(linker, Recorded<H>, |h: &mut H| Recording { host: h })
}

/// Links `wasi:http`'s types and outgoing handler so that each call is
/// answered from the store's [`Cursor`].
///
/// # Errors
/// A name defined twice in `linker`.
pub(crate) fn add_replaying_http<H: HttpHost>(linker: &mut Linker<H>) -> wasmtime::Result<()> {
    add_http!(linker, Replayed<H>, |h: &mut H| Replaying { host: h })
}

/// Links every covered interface so that each call is answered from the
/// store's [`Cursor`].
///
/// # Errors
/// A name defined twice in `linker`.
pub(crate) fn add_replaying<H: ComponentHost>(linker: &mut Linker<H>) -> wasmtime::Result<()> {
    add_all!(linker, Replayed<H>, |h: &mut H| Replaying { host: h })
}

#[cfg(test)]
mod tests;
