//! The guest's host side that a debugged run, a recording and a served
//! request share, apart from the worker's state: the WASI context a
//! [`RunConfig`] describes, the memory limit ([`MemoryCap`]), which
//! outgoing HTTP requests may go out ([`OutgoingPolicy`]), and errors as
//! one line. Depends only on the configuration.

use crate::error::{Error, io_error};
use http_body_util::BodyExt;
use wasmtime::Result;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use super::config::{Outgoing, RunConfig};

/// The error [`MemoryCap`] stops a `memory.grow` with; its text says by how
/// much the limit would be passed.
#[derive(Debug)]
pub(crate) struct MemoryLimitReached(pub String);

impl std::fmt::Display for MemoryLimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "memory limit reached: {}", self.0)
    }
}

impl std::error::Error for MemoryLimitReached {}

/// `RunConfig::max_memory` as a wasmtime resource limiter: the bytes of
/// linear memory of all the instance's memories together.
pub(crate) struct MemoryCap {
    max: Option<u64>,
    total: u64,
}

impl MemoryCap {
    /// A limit of `max` bytes (`None`: none).
    pub(crate) fn new(max: Option<u64>) -> MemoryCap {
        MemoryCap { max, total: 0 }
    }
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        let after = self.total.saturating_add((desired - current) as u64);
        match self.max {
            Some(max) if after > max => Err(wasmtime::Error::new(MemoryLimitReached(format!(
                "growing a memory from {current} to {desired} bytes would make {after} bytes \
                 of linear memory, over the limit of {max}"
            )))),
            _ => {
                self.total = after;
                Ok(true)
            }
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        Ok(true)
    }
}

/// The WASI context `config` describes, without stdout and stderr: argv
/// (argv\[0\] the file name), the given environment, preopened
/// directories, stdin (`--stdin FILE` or the terminal's).
///
/// # Errors
/// `--stdin` or a `--dir` cannot be opened.
pub(crate) fn wasi_builder(config: &RunConfig) -> Result<WasiCtxBuilder, Error> {
    let mut wasi = WasiCtxBuilder::new();
    // As `wasmtime run` (its `configure_wasip2`): a run is the only thing
    // on its thread, so a file operation may block it rather than go
    // through tokio's blocking pool and back. A server's requests share
    // the worker's runtime, so they do not.
    if config.serve.is_none() {
        wasi.allow_blocking_current_thread(true);
    }
    match &config.stdin {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| io_error!("cannot open --stdin {}: {e}", path.display()))?;
            wasi.stdin(wasmtime_wasi::cli::InputFile::new(file));
        }
        None => {
            wasi.inherit_stdin();
        }
    }
    wasi.arg(config.argv0());
    wasi.args(&config.args);
    for (k, v) in &config.env {
        wasi.env(k, v);
    }
    if config.inherit_network {
        wasi.inherit_network()
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true);
    }
    for dir in &config.dirs {
        let perms = if dir.read_only {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        wasi.preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(|e| io_error!("cannot open --dir {}: {e:#}", dir.host.display()))?;
    }
    Ok(wasi)
}

/// The first line of an error with its causes, `: `-joined.
pub(crate) fn one_line(e: &wasmtime::Error) -> String {
    let chain: Vec<String> = e
        .chain()
        .map(|c| {
            c.to_string()
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        // wasmtime adds the guest backtrace as a context; the debugger shows
        // frames itself.
        .filter(|s| !s.is_empty() && !s.starts_with("error while executing at wasm backtrace"))
        .collect();
    chain.join(": ")
}

/// The `wasi:http` hooks of a served request's store: outgoing requests
/// as [`Outgoing`] allows, sent by wasmtime-wasi-http's own client.
#[derive(Clone, Debug, Default)]
pub(crate) struct OutgoingPolicy(pub(crate) Outgoing);

/// A future of `wasi:http`'s hooks.
type HookFuture<T> = Box<dyn Future<Output = wasmtime_wasi_http::Result<T>> + Send>;

impl WasiHttpHooks for OutgoingPolicy {
    fn send_request(
        &mut self,
        request: hyper::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: HookFuture<()>,
    ) -> HookFuture<(hyper::Response<WasiBody>, HookFuture<()>)> {
        // The body's own errors are wasmtime-wasi-http's concern (its
        // default hook ignores `fut` too).
        drop(fut);
        let host = request.uri().host().unwrap_or_default().to_string();
        if !self.0.allows(&host) {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as HookFuture<()>,
            ))
        })
    }
}

/// wasmtime's description of a trap without its "wasm trap: " prefix.
pub(crate) fn trap_message(trap: &wasmtime::Trap) -> String {
    let text = trap.to_string();
    text.strip_prefix("wasm trap: ")
        .unwrap_or(&text)
        .to_string()
}
