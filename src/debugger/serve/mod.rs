//! `wasmdbg serve`: a `wasi:http/proxy` component answering real HTTP
//! requests under the debugger, instantiated once per request as `wasmtime
//! serve` does (wasmtime-wasi-http 48.0.8's `ProxyPre`), each request's
//! store with the debug handler, breakpoints and interrupts of a run.
//!
//! An acceptor thread takes connections; the worker thread asks it for one
//! at a time and serves it under the debugger, in arrival order. While a
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

mod log;

pub(crate) use log::RequestLog;

use super::config::ServeOptions;
use super::protocol::{Outcome, RequestInfo};
use super::state::{Host, Shared, lock};

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
    pre: ProxyPre<Host>,
    /// `--paused-requests serve`: the component on an engine without guest
    /// debugging, for the requests that come while one is paused.
    plain: Option<ProxyPre<Host>>,
    listener: TcpListener,
    /// Where it listens (the port filled in when `:0` was asked).
    pub(crate) addr: SocketAddr,
    /// Requests accepted so far, over every run of the server.
    requests: Arc<AtomicU64>,
}

/// A new store's data for a request served on plain code.
pub(crate) type HostFactory = Arc<dyn Fn() -> std::result::Result<Host, Error> + Send + Sync>;

/// Where the acceptor hands the worker a connection it asked for.
type Give = tokio::sync::oneshot::Sender<std::net::TcpStream>;

impl ServeRunner {
    /// Checks that `component` exports `wasi:http/incoming-handler`, links
    /// WASI 0.2 and `wasi:http`, binds `options.addr`; with
    /// `--paused-requests serve`, `plain` is the same component compiled
    /// for an engine without guest debugging.
    ///
    /// # Errors
    /// One line: a component that exports no incoming handler (naming what
    /// it exports), a link error, an address that cannot be bound.
    pub(crate) fn new(
        engine: &Engine,
        component: &Component,
        plain: Option<(&Engine, &Component)>,
        options: &ServeOptions,
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
        let pre_for = |engine: &Engine, component: &Component| -> Result<ProxyPre<Host>> {
            let mut linker: Linker<Host> = Linker::new(engine);
            wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
            ProxyPre::new(linker.instantiate_pre(component)?)
        };
        let linking = |e: wasmtime::Error| unavailable!("{}", super::host::one_line(&e));
        let pre = pre_for(engine, component).map_err(linking)?;
        let plain = plain
            .map(|(e, c)| pre_for(e, c))
            .transpose()
            .map_err(linking)?;
        let listening = |e: std::io::Error| io_error!("cannot listen on {}: {e}", options.addr);
        let listener = TcpListener::bind(&options.addr).map_err(listening)?;
        listener.set_nonblocking(true).map_err(listening)?;
        let addr = listener.local_addr().map_err(listening)?;
        Ok(ServeRunner {
            pre,
            plain,
            listener,
            addr,
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Serves requests until the server is stopped. An acceptor thread
    /// takes connections and hands the worker (this thread) one whenever
    /// it asks, in arrival order; each gets a store from `new_store` (the
    /// debug handler, breakpoints, interrupts of a run), an instance, and
    /// its `handle` call. With `--paused-requests serve`, connections that
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
        let (want, wants) = tokio::sync::mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = Acceptor {
            listener,
            wants,
            plain: self.plain.clone().map(|pre| (pre, new_host)),
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
        let outcome = self.serve_handed(shared, new_store, &want).await;
        stop.store(true, Ordering::SeqCst);
        let _ = thread.join();
        outcome
    }

    /// The worker's side of [`ServeRunner::serve`]: ask for a connection,
    /// serve it, again.
    async fn serve_handed(
        &self,
        shared: &Shared,
        new_store: &dyn Fn() -> std::result::Result<Store<Host>, Outcome>,
        want: &tokio::sync::mpsc::UnboundedSender<Give>,
    ) -> Outcome {
        let first = self.requests.load(Ordering::Relaxed);
        let ended = || {
            let control = lock(&shared.control);
            control.killing || control.detached
        };
        loop {
            let (give, mut given) = tokio::sync::oneshot::channel();
            if want.send(give).is_err() {
                return Outcome::Failed("the acceptor thread has stopped".into());
            }
            // Wait for a connection, waking up to notice Ctrl-C and a
            // session that ended.
            let stream = loop {
                tokio::select! {
                    s = &mut given => break s.ok(),
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
            };
            let Some(stream) = stream.and_then(|s| tokio::net::TcpStream::from_std(s).ok()) else {
                continue;
            };
            self.connection(shared, stream, new_store).await;
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
    async fn connection(
        &self,
        shared: &Shared,
        stream: tokio::net::TcpStream,
        new_store: &dyn Fn() -> std::result::Result<Store<Host>, Outcome>,
    ) {
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
                match new_store() {
                    Ok(store) => self.request(shared, store, req, info, reply).await,
                    Err(outcome) => {
                        let _ = reply.send(text_response(500, &format!("{outcome}\n")));
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
        let (sender, mut receiver) = tokio::sync::oneshot::channel();
        let guest = async {
            let req = store
                .data_mut()
                .http()
                .new_incoming_request(Scheme::Http, req)?;
            let out = store.data_mut().http().new_response_outparam(sender)?;
            let proxy = self.pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        };
        let mut guest = std::pin::pin!(guest);
        let mut reply = Reply {
            to: Some(reply),
            status: None,
        };
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
        if let Some(to) = reply.to.take() {
            let _ = to.send(unanswered(result.as_ref().err()));
            reply.status = Some(500);
        }
        let status = reply.status.unwrap_or(500);
        shared.clear_instances();
        lock(&shared.requests).answer(status);
    }
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

/// The thread that accepts connections: it hands one to the worker each
/// time the worker asks, in arrival order; with a plain component
/// (`--paused-requests serve`), the connections that arrive or wait while
/// the debugger is paused are served here, on plain code.
struct Acceptor {
    listener: TcpListener,
    wants: tokio::sync::mpsc::UnboundedReceiver<Give>,
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

    async fn accept(mut self) {
        let Ok(listener) = self
            .listener
            .try_clone()
            .and_then(tokio::net::TcpListener::from_std)
        else {
            return;
        };
        let mut waiting: std::collections::VecDeque<tokio::net::TcpStream> = Default::default();
        let mut asking: Option<Give> = None;
        while !self.stop.load(Ordering::SeqCst) {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        waiting.push_back(stream);
                    }
                }
                wanted = self.wants.recv(), if asking.is_none() => match wanted {
                    Some(give) => asking = Some(give),
                    None => return,
                },
                () = tokio::time::sleep(std::time::Duration::from_millis(10)) => {}
            }
            let paused = lock(&self.shared.requests).paused;
            if let (true, Some((pre, new_host))) = (paused, &self.plain) {
                while let Some(stream) = waiting.pop_front() {
                    let served = Plain {
                        pre: pre.clone(),
                        new_host: new_host.clone(),
                        shared: self.shared.clone(),
                        requests: self.requests.clone(),
                    };
                    tokio::task::spawn(served.connection(stream));
                }
                continue;
            }
            if asking.is_some()
                && let Some(stream) = waiting.pop_front()
                && let Ok(stream) = stream.into_std()
                && let Some(give) = asking.take()
            {
                let _ = give.send(stream);
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
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let handed = (|| -> Result<_> {
            let req = store
                .data_mut()
                .http()
                .new_incoming_request(Scheme::Http, req)?;
            let out = store.data_mut().http().new_response_outparam(sender)?;
            Ok((req, out))
        })();
        let (req, out) = match handed {
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
