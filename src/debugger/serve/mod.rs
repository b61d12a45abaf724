//! `wasmdbg serve`: a `wasi:http/proxy` component answering real HTTP
//! requests under the debugger, instantiated once per request as `wasmtime
//! serve` does (wasmtime-wasi-http 48.0.8's `ProxyPre`), each request's
//! store with the debug handler, breakpoints and interrupts of a run.
//!
//! While no breakpoint or watchpoint is set, each request runs on plain
//! code (the component compiled without guest debugging), recorded in
//! memory ([`flight`]); one that traps (or ends with an uncaught exception
//! or a failed host call) is then replayed under the debugger from its
//! recording, and pauses where it failed with full frames. With a
//! breakpoint or watchpoint set, requests run instrumented from the start.
//!
//! The worker thread accepts connections and serves them one at a time,
//! in arrival order; while it is paused an acceptor thread takes them and
//! queues them for the worker (or serves them on plain code). While a
//! request is paused, the others wait (`--paused-requests wait`) or the
//! acceptor serves them at once on plain code, the component compiled
//! without guest debugging (`--paused-requests serve`). A request's trap
//! (or uncaught exception, or failed host call) pauses it like a run's;
//! when it is resumed the request is answered with status 500, and the
//! server goes on. Malformed HTTP is answered by hyper (400) and never
//! reaches the guest or the debugger.

use crate::error::{Error, io_error, not_found, unavailable};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use http_body_util::BodyExt;
use hyper::server::conn::http1;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Result, Store};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtxView, WasiHttpView};

mod flight;
mod log;

pub(crate) use flight::FlightRecorder;
pub(crate) use log::RequestLog;

use super::component::Linking;
use super::config::ServeOptions;
use super::protocol::{Event, Outcome, RequestInfo, RequestRecord};
use super::record::replayer::Cursor;
use super::record::trace::{End, ServedRequest, Sink, Trace};
use super::state::{Host, Shared, lock};
use super::stdout::Message;
use wasmtime::component::Resource;

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing,
        }
    }
}

/// The interface a served component must export.
const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2";

/// A loaded `wasi:http/proxy` component and its bound listener.
pub(crate) struct ServeRunner {
    /// Instrumented code, live WASI: requests while a breakpoint or
    /// watchpoint is set.
    pre: ProxyPre<Host>,
    /// Instrumented code answered from a trace: a failed request replayed.
    replaying: ProxyPre<Host>,
    /// Plain code, every host call recorded: requests while no breakpoint
    /// or watchpoint is set; or why not (a component importing what the
    /// recorder does not cover): then every request runs instrumented.
    recording: std::result::Result<ProxyPre<Host>, String>,
    /// Plain code could not instantiate the component (a limit of its
    /// instance pool, a shared memory): requests run instrumented from then
    /// on.
    plain_failed: AtomicBool,
    /// `--paused-requests serve`: plain code, live WASI, for the requests
    /// that come while one is paused.
    plain: Option<ProxyPre<Host>>,
    /// Where request traces go.
    flight: FlightRecorder,
    listener: TcpListener,
    /// Where it listens (the port filled in when `:0` was asked).
    pub(crate) addr: SocketAddr,
    /// Requests accepted so far, over every run of the server.
    requests: Arc<AtomicU64>,
}

/// A new store's data for a request served on plain code.
pub(crate) type HostFactory = Arc<dyn Fn() -> std::result::Result<Host, Error> + Send + Sync>;

/// The connections the acceptor took while the debugger was paused, oldest
/// first, for the worker, and the signal that one was added.
#[derive(Default)]
struct Queue {
    connections: std::sync::Mutex<std::collections::VecDeque<std::net::TcpStream>>,
    added: tokio::sync::Notify,
}

type Queued = Arc<Queue>;

impl ServeRunner {
    /// Checks that `component` exports `wasi:http/incoming-handler`, links
    /// WASI 0.2 and `wasi:http` (live, and answered from a trace), binds
    /// `options.addr`; `plain` is the same component compiled for an engine
    /// without guest debugging (linked recording, and live for
    /// `--paused-requests serve`); `header` starts each request's trace.
    ///
    /// # Errors
    /// One line: a component that exports no incoming handler (naming what
    /// it exports), a link error, an address that cannot be bound, a
    /// `--record` directory that cannot be created.
    pub(crate) fn new(
        engine: &Engine,
        component: &Component,
        plain: (&Engine, &Component),
        options: &ServeOptions,
        header: super::record::trace::Header,
    ) -> std::result::Result<ServeRunner, Error> {
        let exports: Vec<String> = component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_string())
            .collect();
        if !exports.iter().any(|e| e.starts_with(INCOMING_HANDLER)) {
            let list = if exports.is_empty() {
                "nothing".to_string()
            } else {
                exports.join(", ")
            };
            return Err(not_found!(
                "not a wasi:http/proxy component: it does not export \
                 wasi:http/incoming-handler (it exports {list})"
            ));
        }
        let linking = |e: wasmtime::Error| unavailable!("{}", super::host::one_line(&e));
        let pre = proxy_pre(engine, component, Linking::Live).map_err(linking)?;
        let replaying = proxy_pre(engine, component, Linking::Replay).map_err(linking)?;
        let (plain_engine, plain_component) = plain;
        let recording = proxy_pre(plain_engine, plain_component, Linking::Record)
            .map_err(|e| super::host::one_line(&e));
        let plain = match options.paused_requests {
            super::config::PausedRequests::Wait => None,
            super::config::PausedRequests::Serve => {
                Some(proxy_pre(plain_engine, plain_component, Linking::Live).map_err(linking)?)
            }
        };
        let flight = FlightRecorder::new(header, options)?;
        let listening = |e: std::io::Error| io_error!("cannot listen on {}: {e}", options.addr);
        let listener = TcpListener::bind(&options.addr).map_err(listening)?;
        listener.set_nonblocking(true).map_err(listening)?;
        let addr = listener.local_addr().map_err(listening)?;
        Ok(ServeRunner {
            pre,
            replaying,
            recording,
            plain_failed: AtomicBool::new(false),
            plain,
            flight,
            listener,
            addr,
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Serves requests until the server is stopped. The worker (this
    /// thread) accepts connections, in arrival order; while it is paused an
    /// acceptor thread takes them and queues them for it; each gets a store — on plain code, its
    /// data from `new_host`, recorded, while no breakpoint or watchpoint is
    /// set; else from `new_store` (the debug handler, breakpoints,
    /// interrupts of a run) — an instance, and its `handle` call. A
    /// recorded request that fails is replayed in a store from
    /// `new_store`. With `--paused-requests serve`, connections that
    /// arrive or wait while the debugger is paused are served by the
    /// acceptor on plain code (stores from `new_host`). Ends with
    /// [`Outcome::Served`] when Ctrl-C (or the timeout) arrives while no
    /// request runs, or [`Outcome::Killed`] when the front end kills or
    /// leaves the session.
    pub(crate) async fn serve(
        &self,
        shared: &Arc<Shared>,
        new_store: &dyn Fn() -> std::result::Result<Store<Host>, Outcome>,
        new_host: HostFactory,
    ) -> Outcome {
        let listener = match self.listener.try_clone() {
            Ok(l) => l,
            Err(e) => return Outcome::LoadFailed(format!("cannot listen: {e}")),
        };
        let queued: Queued = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = Acceptor {
            listener,
            queued: queued.clone(),
            plain: self.plain.clone().map(|pre| (pre, new_host.clone())),
            shared: shared.clone(),
            requests: self.requests.clone(),
            stop: stop.clone(),
        };
        let thread = match std::thread::Builder::new()
            .name("wasmdbg-serve-accept".into())
            .spawn(move || acceptor.run())
        {
            Ok(t) => t,
            Err(e) => return Outcome::LoadFailed(format!("cannot start the acceptor: {e}")),
        };
        if let Err(why) = &self.recording {
            note(
                shared,
                format!("every request runs instrumented: it cannot be recorded ({why})"),
            );
        }
        let served = Served {
            shared,
            new_store,
            new_host: &new_host,
        };
        let outcome = self.serve_handed(&served, &queued).await;
        stop.store(true, Ordering::SeqCst);
        // Plain guests still running reach an epoch check, and trap.
        shared.interrupt.bump();
        let _ = thread.join();
        outcome
    }

    /// The worker's side of [`ServeRunner::serve`]: take a connection (one
    /// the acceptor holds first), serve it, again.
    async fn serve_handed(&self, served: &Served<'_>, queued: &Queued) -> Outcome {
        let shared = served.shared;
        let first = self.requests.load(Ordering::Relaxed);
        let ended = || {
            let control = lock(&shared.control);
            control.killing || control.detached
        };
        // Connections are accepted here while the debugger is not paused
        // (no thread hop per request), by the acceptor while it is.
        let listener = match self
            .listener
            .try_clone()
            .and_then(tokio::net::TcpListener::from_std)
        {
            Ok(l) => l,
            Err(e) => return Outcome::Failed(format!("cannot listen: {e}")),
        };
        loop {
            // Those the acceptor took while paused come first: they
            // arrived before any still waiting in the kernel.
            let oldest = lock(&queued.connections).pop_front();
            let stream = match oldest {
                Some(stream) => tokio::net::TcpStream::from_std(stream).ok(),
                // Wait for a connection, waking up to notice Ctrl-C and a
                // session that ended.
                None => loop {
                    tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((stream, _)) => break Some(stream),
                            // Out of file descriptors, say: wait a
                            // little rather than spin, noticing Ctrl-C.
                            Err(_) => {
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            }
                        },
                        // The acceptor took one as a pause ended.
                        () = queued.added.notified() => {
                            match lock(&queued.connections).pop_front() {
                                Some(s) => break tokio::net::TcpStream::from_std(s).ok(),
                                None => continue,
                            }
                        }
                        () = tokio::time::sleep(std::time::Duration::from_millis(50)) => {}
                    }
                    if ended() {
                        return Outcome::Killed;
                    }
                    // Ctrl-C (or --timeout) with no request running.
                    if shared.interrupt.take().is_some() {
                        let served = self.requests.load(Ordering::Relaxed) - first;
                        return Outcome::Served { requests: served };
                    }
                },
            };
            let Some(stream) = stream else {
                continue;
            };
            self.connection(served, stream).await;
            if ended() {
                return Outcome::Killed;
            }
        }
    }

    /// Serves one connection (one request: keep-alive is off, so requests
    /// are served one at a time). hyper's side and the guest's run in the
    /// same task: the service hands the request over and waits for the
    /// response the guest sets, and the guest may go on writing the body
    /// after that.
    async fn connection(&self, served: &Served<'_>, stream: tokio::net::TcpStream) {
        let shared = served.shared;
        let (to_guest, mut for_guest) = tokio::sync::mpsc::unbounded_channel::<Handed>();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let to_guest = to_guest.clone();
                let info = request_info(&self.requests, &req);
                async move {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    let response = if to_guest.send((req, info, reply)).is_ok() {
                        answer.await.unwrap_or_else(|_| {
                            text_response(
                                500,
                                "the request was abandoned (the server is stopping)\n",
                            )
                        })
                    } else {
                        text_response(500, "the server is stopping\n")
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
        let connection = http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), service);
        let guest = async {
            // Ends when the connection (and the service's sender) is gone.
            while let Some((req, info, reply)) = for_guest.recv().await {
                let instrumented = lock(&shared.control).table.any_enabled()
                    || self.plain_failed.load(Ordering::Relaxed);
                if let (false, Ok(recording)) = (instrumented, &self.recording) {
                    self.recorded_request(served, recording, req, info, reply)
                        .await;
                } else {
                    match (served.new_store)() {
                        Ok(store) => self.request(shared, store, req, info, reply).await,
                        Err(outcome) => {
                            let _ = reply.send(text_response(500, &format!("{outcome}\n")));
                        }
                    }
                }
            }
        };
        let _ = tokio::join!(connection, guest);
    }

    /// One request in its own store: the response the component sets is
    /// sent on `reply` as soon as it is set; if the component traps or
    /// returns without one, a 500 saying why.
    async fn request(
        &self,
        shared: &Shared,
        mut store: Store<Host>,
        req: hyper::Request<hyper::body::Incoming>,
        info: RequestInfo,
        reply: tokio::sync::oneshot::Sender<hyper::Response<HyperOutgoingBody>>,
    ) {
        {
            lock(&shared.requests).in_flight = Some(info);
        }
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let guest = async {
            let (req, out) = hand_over(&mut store, req, sender)?;
            let proxy = self.pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        };
        let (result, reply) = drive(guest, receiver, Reply::to(reply)).await;
        let status = reply.finish(result.as_ref().err());
        shared.clear_instances();
        lock(&shared.requests).answer(status);
    }

    /// One request on plain code, recorded: answered as soon as it sets
    /// its response. If it fails, the recording is replayed under the
    /// debugger to where it failed (the client waits for its answer until
    /// the pause is resumed, as for a request run instrumented); its trace
    /// is kept as [`FlightRecorder`] says.
    async fn recorded_request(
        &self,
        served: &Served<'_>,
        recording: &ProxyPre<Host>,
        req: hyper::Request<hyper::body::Incoming>,
        info: RequestInfo,
        reply: tokio::sync::oneshot::Sender<hyper::Response<HyperOutgoingBody>>,
    ) {
        let shared = served.shared;
        lock(&shared.requests).in_flight = Some(info.clone());
        let failed_to_start = |reply: tokio::sync::oneshot::Sender<_>, why: String| {
            let _ = reply.send(text_response(500, &format!("{why}\n")));
            lock(&shared.requests).answer(500);
        };
        let host = match (served.new_host)() {
            Ok(host) => host,
            Err(e) => return failed_to_start(reply, e.to_string()),
        };
        let mut store = Store::new(recording.engine(), host);
        store.limiter(|host| &mut host.memory_cap);
        // Ctrl-C, --timeout and the end of the session reach plain code
        // through the engine's epoch, as a trap; one that came before this
        // store existed, at its first check.
        let pending = served.shared.interrupt.pending();
        store.set_epoch_deadline(if pending { 0 } else { 1 });
        let ending = |shared: &Shared| {
            let control = lock(&shared.control);
            control.killing || control.detached
        };
        let watched = served.shared.clone();
        store.epoch_deadline_callback(move |_| {
            if watched.interrupt.pending() || ending(&watched) {
                Ok(wasmtime::UpdateDeadline::Interrupt)
            } else {
                Ok(wasmtime::UpdateDeadline::Continue(1))
            }
        });
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (req, out) = match hand_over(&mut store, req, sender) {
            Ok(handed) => handed,
            Err(e) => return failed_to_start(reply, super::host::one_line(&e)),
        };
        let request = ServedRequest {
            number: info.number,
            method: info.method.clone(),
            path: info.path.clone(),
            request: req.rep(),
            response_out: out.rep(),
        };
        if let Err(e) = self.flight.start(store.data_mut(), &request) {
            return failed_to_start(reply, format!("cannot record the request: {e}"));
        }
        let guest = async {
            let proxy = recording
                .instantiate_async(&mut store)
                .await
                .map_err(super::component::instantiating)?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        };
        let (result, reply) = drive(guest, receiver, Reply::to(reply)).await;
        // A trap while instantiating (Ctrl-C, a start function's) is the
        // request's, replayed like any other.
        if let Err(e) = &result
            && e.is::<super::component::Instantiating>()
            && e.downcast_ref::<wasmtime::Trap>().is_none()
        {
            // Not the guest's failure: plain code cannot hold this
            // component (a limit of its instance pool, a shared memory).
            self.plain_failed.store(true, Ordering::Relaxed);
            note(
                shared,
                format!(
                    "request #{} could not run on plain code ({}); it is answered 500 and the \
                     next requests run instrumented",
                    info.number,
                    super::host::one_line(e)
                ),
            );
            let status = reply.finish(result.as_ref().err());
            lock(&shared.requests).answer(status);
            return;
        }
        let end = match &result {
            Ok(()) => End::Returned,
            Err(e) => super::record::recorder::end_of_error(e).0,
        };
        let crashed = matches!(end, End::Trapped(_) | End::Failed(_));
        let interrupted = matches!(
            result
                .as_ref()
                .map_err(|e| e.downcast_ref::<wasmtime::Trap>()),
            Err(Some(wasmtime::Trap::Interrupt))
        );
        // Not answered yet: it will be, with a 500.
        let failed = crashed || reply.to.is_some() || reply.status.is_some_and(|s| s >= 500);
        let (bytes, calls, trace_problem) = match store.into_data().recording.take() {
            None => (
                None,
                0,
                Some("the recording was lost (a wasmdbg bug)".to_string()),
            ),
            Some(recording) => {
                let calls = recording.writer.calls();
                match recording.write_error {
                    Some(e) => (None, calls, Some(format!("it could not be recorded: {e}"))),
                    None => match recording.writer.finish(end.clone()) {
                        Ok(Sink::Memory(bytes)) => (Some(bytes), calls, None),
                        Ok(Sink::File(_)) => (None, calls, Some("not in memory".into())),
                        Err(e) => (None, calls, Some(format!("its trace failed: {e}"))),
                    },
                }
            }
        };
        let answer = |reply: Reply| {
            let status = reply.finish(result.as_ref().err());
            shared.clear_instances();
            lock(&shared.requests).answer(status);
            status
        };
        // The fast path: nothing to keep.
        if !failed && !self.flight.keeps_successes() && trace_problem.is_none() {
            answer(reply);
            return;
        }
        let (trace, trace_error) = match &bytes {
            Some(bytes) => self.flight.save(&info, bytes, failed),
            None => (None, trace_problem),
        };
        // A success kept (`--keep`) goes without saying, and so does a 5xx
        // answer without `--record`.
        if trace_error.is_none() && (!failed || !crashed && trace.is_none()) {
            answer(reply);
            return;
        }
        // Replayed when it crashed, unless the session is ending.
        let replayed = crashed && !ending(shared) && bytes.is_some();
        let mut record = RequestRecord {
            request: info.clone(),
            ended: if interrupted {
                "was interrupted".to_string()
            } else {
                end.to_string()
            },
            interrupted,
            status: None,
            calls,
            trace,
            core_file: None,
            trace_error,
            replayed,
            replay_error: None,
        };
        match (replayed, &bytes) {
            (true, Some(bytes)) => {
                let core = self
                    .flight
                    .path(&info, "core")
                    .map(|path| (path, self.flight.program_name()));
                lock(&shared.requests).pending_record = Some((record, core));
                let replay = self.replay(served, bytes, &request, interrupted).await;
                // Not taken by a pause: the replay did not stop where the
                // recording failed; said now.
                let pending = lock(&shared.requests).pending_record.take();
                if let Some((mut record, _)) = pending {
                    record.replayed = false;
                    record.replay_error = Some(replay.err().unwrap_or_else(|| {
                        "it ended without stopping (is `catch trap` off?)".to_string()
                    }));
                    announce(shared, record);
                }
                answer(reply);
            }
            _ => {
                record.status = Some(answer(reply));
                announce(shared, record);
            }
        }
    }

    /// Replays a recorded request (`bytes`, its trace) under the debugger:
    /// it pauses where the recording failed, as a request run instrumented
    /// would have (an `interrupted` one at the first call or loop after its last recorded host
    /// call).
    ///
    /// # Errors
    /// The trace or the replay's store could not be made, as one line.
    async fn replay(
        &self,
        served: &Served<'_>,
        bytes: &[u8],
        request: &ServedRequest,
        interrupted: bool,
    ) -> std::result::Result<(), String> {
        let trace = Trace::parse(bytes).map_err(|e| format!("its trace: {e}"))?;
        let trace = std::sync::Arc::new(trace);
        // Ctrl-C or --timeout (taken before the replay's store clears it),
        // to ask again at the same point of the replay.
        let interrupt = interrupted.then(|| served.shared.interrupt.take().unwrap_or(None));
        let mut store = (served.new_store)().map_err(|outcome| outcome.to_string())?;
        // The guest's output was shown when it ran.
        let mut cursor = Cursor::new(trace, None);
        // To where it failed: throws that were caught on plain code did not
        // pause it there.
        cursor.passes_caught_throws = true;
        if let Some(timeout) = interrupt {
            let interrupter = super::interrupt::Interrupter(served.shared.interrupt.clone());
            cursor.interrupt_after_last_call(interrupter, timeout);
        }
        store.data_mut().replay = Some(cursor);
        // How the call ends is the pause's business (it already happened,
        // or the caller says that it did not).
        let _ = call_recorded(&self.replaying, &mut store, request).await;
        Ok(())
    }
}

/// Calls `handle` in `store` with the recorded request's resources: the
/// replay of a served request (`pre` answers from the store's trace).
///
/// # Errors
/// Instantiation's, and the call's (a trap, a divergence).
pub(crate) async fn call_recorded(
    pre: &ProxyPre<Host>,
    store: &mut Store<Host>,
    request: &ServedRequest,
) -> Result<()> {
    let proxy = pre.instantiate_async(&mut *store).await?;
    proxy
        .wasi_http_incoming_handler()
        .call_handle(
            &mut *store,
            Resource::new_own(request.request),
            Resource::new_own(request.response_out),
        )
        .await
}

/// `component` linked with WASI 0.2 and `wasi:http` as `linking` says.
///
/// # Errors
/// A missing import, a component that is not a `wasi:http/proxy`.
pub(crate) fn proxy_pre(
    engine: &Engine,
    component: &Component,
    linking: Linking,
) -> Result<ProxyPre<Host>> {
    use super::record::p2;
    let mut linker: Linker<Host> = Linker::new(engine);
    match linking {
        Linking::Live => {
            wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        }
        Linking::Record => {
            p2::add_recording(&mut linker)?;
            p2::add_recording_http(&mut linker)?;
        }
        Linking::Replay => {
            p2::add_replaying(&mut linker)?;
            p2::add_replaying_http(&mut linker)?;
        }
    }
    ProxyPre::new(linker.instantiate_pre(component)?)
}

/// Puts `req` and its response's way back (`sender`) in `store`'s table, as
/// the resources `handle` takes.
///
/// # Errors
/// The table is full.
fn hand_over(
    store: &mut Store<Host>,
    req: hyper::Request<hyper::body::Incoming>,
    sender: tokio::sync::oneshot::Sender<
        std::result::Result<
            hyper::Response<HyperOutgoingBody>,
            wasmtime_wasi_http::p2::bindings::http::types::ErrorCode,
        >,
    >,
) -> Result<(
    Resource<wasmtime_wasi_http::p2::types::HostIncomingRequest>,
    Resource<wasmtime_wasi_http::p2::types::HostResponseOutparam>,
)> {
    let mut http = store.data_mut().http();
    let req = http.new_incoming_request(Scheme::Http, req)?;
    let out = http.new_response_outparam(sender)?;
    Ok((req, out))
}

/// Tells the front end something outside any request.
fn note(shared: &Shared, text: String) {
    let channel = lock(&shared.channel);
    let _ = channel.responses.send(Message::Event(Event::Note(text)));
}

/// Tells the front end what became of a request's recording.
fn announce(shared: &Shared, record: RequestRecord) {
    let channel = lock(&shared.channel);
    let _ = channel
        .responses
        .send(Message::Event(Event::RequestRecorded(Box::new(record))));
}

/// How the worker makes a request's store: instrumented (`new_store`), or
/// its data for plain code (`new_host`).
struct Served<'a> {
    shared: &'a Arc<Shared>,
    new_store: &'a dyn Fn() -> std::result::Result<Store<Host>, Outcome>,
    new_host: &'a HostFactory,
}

/// Runs `guest` (a request's `handle` call) on this thread, forwarding the
/// response it sets on `receiver` to `reply` as soon as it is set.
async fn drive(
    guest: impl std::future::Future<Output = Result<()>>,
    mut receiver: tokio::sync::oneshot::Receiver<
        std::result::Result<
            hyper::Response<HyperOutgoingBody>,
            wasmtime_wasi_http::p2::bindings::http::types::ErrorCode,
        >,
    >,
    mut reply: Reply,
) -> (Result<()>, Reply) {
    let mut guest = std::pin::pin!(guest);
    // The guest runs here, on this thread (a pause blocks inside it);
    // its response goes out as soon as it is set.
    let result = tokio::select! {
        biased;
        result = &mut guest => result,
        set = &mut receiver => {
            reply.forward(set);
            guest.await
        }
    };
    if reply.to.is_some() {
        // Set just before returning, or never.
        if let Ok(set) = receiver.try_recv() {
            reply.forward(Ok(set));
        }
    }
    (result, reply)
}

/// What the service hands the guest: the request, its number and text, and
/// where its response goes.
type Handed = (
    hyper::Request<hyper::body::Incoming>,
    RequestInfo,
    tokio::sync::oneshot::Sender<hyper::Response<HyperOutgoingBody>>,
);

/// Where a request's response goes (until it is sent), and its status.
struct Reply {
    to: Option<tokio::sync::oneshot::Sender<hyper::Response<HyperOutgoingBody>>>,
    status: Option<u16>,
}

impl Reply {
    /// A response not sent yet to `to`.
    fn to(to: tokio::sync::oneshot::Sender<hyper::Response<HyperOutgoingBody>>) -> Reply {
        Reply {
            to: Some(to),
            status: None,
        }
    }

    /// Answers a request the component never answered (a 500 saying why:
    /// its `failure`, else that it returned without a response); the
    /// status it was answered with.
    fn finish(mut self, failure: Option<&wasmtime::Error>) -> u16 {
        if let Some(to) = self.to.take() {
            let _ = to.send(unanswered(failure));
            self.status = Some(500);
        }
        self.status.unwrap_or(500)
    }

    /// Sends the response the component set (or a 500 for the error it
    /// set), once, keeping its status; a response that was never set is
    /// left for the caller to answer.
    fn forward(
        &mut self,
        set: std::result::Result<
            std::result::Result<
                hyper::Response<HyperOutgoingBody>,
                wasmtime_wasi_http::p2::bindings::http::types::ErrorCode,
            >,
            tokio::sync::oneshot::error::RecvError,
        >,
    ) {
        let response = match set {
            Ok(set) => set_response(set),
            Err(_) => return,
        };
        if let Some(to) = self.to.take() {
            self.status = Some(response.status().as_u16());
            let _ = to.send(response);
        }
    }
}

/// The thread that accepts connections while the debugger is paused: it
/// queues them for the worker, which takes the oldest first (the worker
/// accepts the rest itself); with a plain component (`--paused-requests
/// serve`), they are served here instead, on plain code.
struct Acceptor {
    listener: TcpListener,
    queued: Queued,
    plain: Option<(ProxyPre<Host>, HostFactory)>,
    shared: Arc<Shared>,
    requests: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Acceptor {
    fn run(self) {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(self.accept());
    }

    async fn accept(self) {
        let Ok(listener) = self
            .listener
            .try_clone()
            .and_then(tokio::net::TcpListener::from_std)
        else {
            return;
        };
        // Requests being served on plain code (`--paused-requests serve`).
        let mut serving = tokio::task::JoinSet::new();
        while !self.stop.load(Ordering::SeqCst) {
            // Connections are the worker's to accept while it is not
            // paused; while it is, they are taken here.
            let paused = lock(&self.shared.requests).paused;
            tokio::select! {
                accepted = listener.accept(), if paused => match accepted {
                    Ok((stream, _)) => self.take(stream, &mut serving),
                    // Out of file descriptors, say: wait rather than spin.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                },
                // Reaps the requests that were answered.
                Some(_) = serving.join_next(), if !serving.is_empty() => {}
                () = tokio::time::sleep(std::time::Duration::from_millis(10)) => {}
            }
        }
        // Serving stops: those still running get a few seconds to be
        // answered; any left then are cut off, and no longer listed.
        let answered = async { while serving.join_next().await.is_some() {} };
        if tokio::time::timeout(std::time::Duration::from_secs(5), answered)
            .await
            .is_err()
        {
            serving.abort_all();
            lock(&self.shared.requests).bypassing.clear();
        }
    }

    /// A connection that arrived while the debugger is paused: served at
    /// once on plain code (`--paused-requests serve`, if still paused; a
    /// task in `serving`), else queued for the worker.
    fn take(&self, stream: tokio::net::TcpStream, serving: &mut tokio::task::JoinSet<()>) {
        // The pause may have ended while this one was accepted: then it is
        // the worker's, to debug.
        let paused = lock(&self.shared.requests).paused;
        match &self.plain {
            Some((pre, new_host)) if paused => {
                let served = Plain {
                    pre: pre.clone(),
                    new_host: new_host.clone(),
                    shared: self.shared.clone(),
                    requests: self.requests.clone(),
                    stop: self.stop.clone(),
                };
                serving.spawn(served.connection(stream));
            }
            _ => {
                if let Ok(stream) = stream.into_std() {
                    lock(&self.queued.connections).push_back(stream);
                    self.queued.added.notify_one();
                }
            }
        }
    }
}

/// Requests served on plain code while the debugger is paused.
#[derive(Clone)]
struct Plain {
    pre: ProxyPre<Host>,
    new_host: HostFactory,
    shared: Arc<Shared>,
    requests: Arc<AtomicU64>,
    /// Serving stops: a guest still running traps at its next epoch check.
    stop: Arc<AtomicBool>,
}

impl Plain {
    /// One connection (one request), as `wasmtime serve` serves it: the
    /// guest in a task of its own, the response when it sets it.
    async fn connection(self, stream: tokio::net::TcpStream) {
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let this = self.clone();
                async move { Ok::<_, std::convert::Infallible>(this.request(req).await) }
            });
        let _ = http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(stream), service)
            .await;
    }

    async fn request(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let info = request_info(&self.requests, &req);
        lock(&self.shared.requests).bypassing.push(info.clone());
        let response = self.answer(req).await;
        let mut log = lock(&self.shared.requests);
        log.bypassing.retain(|r| r.number != info.number);
        log.answered_with(info, response.status().as_u16());
        response
    }

    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let host = match (self.new_host)() {
            Ok(host) => host,
            Err(e) => return text_response(500, &format!("{e}\n")),
        };
        let mut store = Store::new(self.pre.engine(), host);
        // They run while the debugger is paused, so Ctrl-C is not theirs;
        // when serving stops, one still running traps (and is answered).
        store.set_epoch_deadline(1);
        let stop = self.stop.clone();
        store.epoch_deadline_callback(move |_| {
            Ok(if stop.load(Ordering::SeqCst) {
                wasmtime::UpdateDeadline::Interrupt
            } else {
                wasmtime::UpdateDeadline::Continue(1)
            })
        });
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (req, out) = match hand_over(&mut store, req, sender) {
            Ok(h) => h,
            Err(e) => return text_response(500, &format!("{}\n", super::host::one_line(&e))),
        };
        let pre = self.pre.clone();
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        });
        match receiver.await {
            Ok(set) => set_response(set),
            Err(_) => match task.await {
                Ok(Err(e)) => unanswered(Some(&e)),
                _ => unanswered(None),
            },
        }
    }
}

/// The next request number, and what `info requests` shows of `req`.
fn request_info<B>(requests: &AtomicU64, req: &hyper::Request<B>) -> RequestInfo {
    RequestInfo {
        number: requests.fetch_add(1, Ordering::Relaxed) + 1,
        method: req.method().to_string(),
        path: req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.to_string()),
    }
}

/// The response a component set, or a 500 for the error code it set.
fn set_response(
    set: std::result::Result<
        hyper::Response<HyperOutgoingBody>,
        wasmtime_wasi_http::p2::bindings::http::types::ErrorCode,
    >,
) -> hyper::Response<HyperOutgoingBody> {
    set.unwrap_or_else(|code| {
        text_response(500, &format!("the component answered an error: {code:?}\n"))
    })
}

/// The 500 for a request the component never answered: why (its failure,
/// else that it returned without setting a response).
fn unanswered(failure: Option<&wasmtime::Error>) -> hyper::Response<HyperOutgoingBody> {
    let why = match failure {
        Some(e) => format!("the component failed: {}\n", super::host::one_line(e)),
        None => "the component returned without setting a response\n".to_string(),
    };
    text_response(500, &why)
}

/// A response with status `status` and `text` as its body.
fn text_response(status: u16, text: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = http_body_util::Full::new(bytes::Bytes::from(text.to_string()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
}
