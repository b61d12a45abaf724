//! The worker's state, shared by the debug handler and every part of the
//! engine side: the store's data ([`Host`]), the request channel, what the
//! debugger controls across events ([`Control`]), the loaded program
//! ([`Shared`]), and the helpers every part uses (locking, error lines,
//! ending a run). It depends on none of the parts that use it (checked by
//! tests/cli/structure.rs).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::component::ResourceTable;
use wasmtime::{AsContextMut, Engine, Instance, Module, ModulePC, Result, Store, StoreContextMut};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::breakpoints::Table;
use super::host::{MemoryCap, one_line};
use super::interrupt::Interrupt;
use super::protocol::{Exception, Pc, Request, Response};
use super::record::replayer::{Cursor, Replaying};
use super::stdout::Message;
use crate::program::ModuleInfo;
use crate::program::{CoreModuleId, Program};

/// The store's data: the WASI contexts (preview 1 for a core module, 0.2
/// for a component; the other one is empty) and the memory limit.
pub(crate) struct Host {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) p2: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) memory_cap: MemoryCap,
    /// Where a replayed run is in its trace (`None`: not replaying).
    pub(crate) replay: Option<Cursor>,
    /// A recorded component's trace (`None`: not recording).
    pub(crate) recording: Option<super::record::p2::ComponentRecorder>,
    /// `wasi:http`'s context (`wasmdbg serve`).
    pub(crate) http: wasmtime_wasi_http::WasiHttpCtx,
    /// Which outgoing HTTP requests may go out (`wasmdbg serve`).
    pub(crate) outgoing: super::host::OutgoingPolicy,
}

impl Replaying for Host {
    fn cursor(&mut self) -> Option<&mut Cursor> {
        self.replay.as_mut()
    }
}

impl super::record::p2::host::ComponentHost for Host {
    fn record(
        &mut self,
        func: u16,
        args: super::record::p2::saved::Saved,
        result: super::record::trace::Returned,
    ) {
        if let Some(recording) = self.recording.as_mut() {
            recording.call(func, args, result);
        }
    }

    fn cursor(&mut self) -> Option<&mut Cursor> {
        self.replay.as_mut()
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.p2,
            table: &mut self.table,
        }
    }
}

/// What the front end sends the worker: a request, or the test hook that
/// makes the worker thread panic (`maintenance panic worker`), kept out of
/// the public [`Request`].
pub(crate) enum Incoming {
    /// A request of the protocol.
    Request(Request),
    /// Panic in the worker thread (ending it when the program has ended;
    /// while paused the panic is caught and answered as an error).
    MaintenancePanic,
}

/// The worker's ends of the channel pair.
pub(crate) struct Channel {
    pub(crate) requests: Receiver<Incoming>,
    pub(crate) responses: super::stdout::Outbox,
}

impl Channel {
    /// Sends a response. A closed channel means the front end is gone: the
    /// response is dropped, and the next `recv` says `Detach`.
    pub(crate) fn send(&self, response: Response) {
        let _ = self.responses.send(Message::Response(Box::new(response)));
    }

    /// Blocks for the next request.
    pub(crate) fn recv(&self) -> Incoming {
        // No sender: the `Session` was dropped.
        self.requests
            .recv()
            .unwrap_or(Incoming::Request(Request::Detach))
    }
}

/// What the debugger controls across events: breakpoints, the step in
/// progress, the entry breakpoint, and whether the run is being ended.
#[derive(Default)]
pub(crate) struct Control {
    /// User breakpoints; they outlive runs.
    pub table: Table,
    /// The step, `nexti` or `finish` in progress.
    pub step: Option<Step>,
    /// Where the `--stop-on-entry` breakpoint is while it is set.
    pub entry: Option<Pc>,
    /// The run is being ended (`run` restarts): events are ignored and the
    /// next epoch check traps.
    pub killing: bool,
    /// The reverse command being carried out (replay sessions): its
    /// replays arm its own sites, and it gets every event.
    pub reverse: Option<super::reverse::plan::InProgress>,
    /// The front end has gone (its `Session` was dropped): the run is being
    /// ended and the worker thread ends after it.
    pub detached: bool,
}

/// State shared between the debug handler (cloned by wasmtime at every
/// event) and the worker's main loop.
pub(crate) struct Shared {
    pub channel: Arc<Mutex<Channel>>,
    /// What was loaded: its core modules and their facts.
    pub program: Arc<Program>,
    pub engine: Engine,
    /// The compiled core modules, in `program.modules` order.
    pub modules: Arc<Vec<Module>>,
    /// Where the program's machine code came from.
    pub code: super::cache::CodeSource,
    /// The current run's instance of each core module, found on first
    /// need (`instance`).
    pub instances: Mutex<Vec<Option<Instance>>>,
    /// What every worker of the [`super::Session`] shares: the last pause
    /// id given out (so ids never repeat across worker restarts) and the
    /// value history.
    pub lasting: Arc<super::history::Lasting>,
    /// Pause at a caught throw; at a trap; at a failed host call
    /// ([`super::protocol::StopEvent`]).
    pub stop_on_throw: AtomicBool,
    pub stop_on_trap: AtomicBool,
    pub stop_on_hostcall_error: AtomicBool,
    pub control: Mutex<Control>,
    pub interrupt: Arc<Interrupt>,
    /// The most recent thrown exception, reported if it escapes to the host.
    pub last_exception: Mutex<Option<Exception>>,
    /// A store that never runs, used to learn where the engine slips a
    /// breakpoint to.
    pub probe: Mutex<Store<()>>,
    /// Every host call is answered from a trace: reverse execution works.
    pub replaying: bool,
    /// The entry function's first instruction: the start of a recording.
    pub entry_pc: Option<Pc>,
    /// Under `wasmdbg serve`: the request being served now and the latest
    /// answered.
    pub requests: Mutex<super::serve::RequestLog>,
}

/// Locks a mutex, recovering it if a panic poisoned it (every panic is
/// caught and reported; the state it guards stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A module offset as wasmtime's [`ModulePC`].
pub(crate) fn module_pc(pc: usize) -> ModulePC {
    ModulePC::new(u32::try_from(pc).unwrap_or(u32::MAX))
}

/// The instance of `module` in the store, when it has been instantiated
/// (the first one, should a component instantiate it twice).
pub(crate) fn instance_of<T: 'static>(
    store: &mut StoreContextMut<'_, T>,
    module: &Module,
) -> Option<Instance> {
    store
        .as_context_mut()
        .debug_all_instances()
        .into_iter()
        .find(|i| Module::same(i.module(&*store), module))
}

impl Shared {
    /// The facts of core module `module`.
    pub(crate) fn info(&self, module: CoreModuleId) -> &Arc<ModuleInfo> {
        self.program.info(module)
    }

    /// The compiled core module `module` (an id the program gave out).
    pub(crate) fn module(&self, module: CoreModuleId) -> &Module {
        // As `Program::info`: the ids are the program's own.
        &self.modules[module.index()]
    }

    /// The current run's instance of core module `module`.
    pub(crate) fn instance<T: 'static>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        module: CoreModuleId,
    ) -> Option<Instance> {
        let mut instances = lock(&self.instances);
        let slot = instances.get_mut(module.index())?;
        if slot.is_none() {
            *slot = instance_of(store, self.module(module));
        }
        *slot
    }

    /// Forgets the instances (a new run makes new ones).
    pub(crate) fn clear_instances(&self) {
        lock(&self.instances).iter_mut().for_each(|i| *i = None);
    }
}

/// An error from the engine side as the core's: the core error it carries
/// (anywhere in its chain) gives the kind, and is returned whole, hint
/// included, when nothing was added on the way; else
/// [`crate::error::ErrorKind::Invalid`]. One line.
pub(crate) fn core_error(e: &wasmtime::Error) -> crate::error::Error {
    if let Some(error) = e.downcast_ref::<crate::error::Error>()
        && e.chain().count() == 1
    {
        return error.clone();
    }
    let kind = e
        .chain()
        .find_map(|c| c.downcast_ref::<crate::error::Error>())
        .map_or(crate::error::ErrorKind::Invalid, |k| k.kind);
    crate::error::Error::new(kind, one_line(e))
}

/// The response for an error from the engine side ([`core_error`]).
pub(crate) fn error_response(e: &wasmtime::Error) -> Response {
    Response::Error(core_error(e))
}

/// Runs `f`, turning a panic into an error message. wasmtime aborts the
/// process if a panic unwinds out of the debug handler during a trap, so
/// every store access made while paused goes through here.
pub(crate) fn guarded<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
    crate::panic_guard::quiet(|| catch_unwind(AssertUnwindSafe(f))).unwrap_or_else(|payload| {
        Err(crate::error::Error::new(
            crate::error::ErrorKind::Internal,
            format!("internal error: {}", panic_message(&payload)),
        )
        .into())
    })
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Whether the run is being ended.
pub(crate) fn killing(shared: &Shared) -> bool {
    lock(&shared.control).killing
}

/// Marks the run as being ended and makes the guest reach an epoch check
/// (which then traps).
pub(crate) fn start_killing(shared: &Shared) {
    lock(&shared.control).killing = true;
    shared.engine.increment_epoch();
    // `serve`'s plain code too.
    shared.interrupt.bump();
}

/// A step in progress.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) kind: StepKind,
    /// Instructions still to count.
    pub(crate) remaining: u64,
    /// Stack depth (frames of the module) when the step started.
    pub(crate) start_depth: usize,
    /// Said at the end of the step (e.g. a host function was stepped over).
    pub(crate) note: Option<String>,
    /// Running at full speed (single-stepping off) to a return site: an
    /// engine breakpoint at this place, reached when the stack is this deep
    /// again. Stepping over a call, or `finish`, would otherwise
    /// single-step through the whole callee.
    pub(crate) returning: Option<(Pc, usize)>,
}

#[derive(Clone, Debug)]
pub(crate) enum StepKind {
    /// `stepi`: every instruction counts.
    Into,
    /// `nexti`: only instructions at the start depth or shallower count.
    Over,
    /// `finish`: stop when the depth drops below `target`.
    Finish {
        target: usize,
        module: CoreModuleId,
        func: u32,
        results: usize,
    },
    /// `step`/`next`/`until` by source line.
    Line(LineStep),
    /// `advance`: stop at one of `sites` (armed as engine breakpoints), or
    /// at the return site (`Step::returning`) of the frame it started in.
    Advance { sites: Vec<Pc> },
}

/// A source-line step in progress.
#[derive(Clone, Debug)]
pub(crate) struct LineStep {
    pub(crate) over: bool,
    pub(crate) until: bool,
    /// The line the step started on (file, line), when the pc had one.
    pub(crate) from: Option<(String, u32)>,
}

impl Shared {
    /// The switch for `event`.
    pub(crate) fn stop_on(&self, event: super::protocol::StopEvent) -> &AtomicBool {
        use super::protocol::StopEvent as E;
        match event {
            E::Throw => &self.stop_on_throw,
            E::Trap => &self.stop_on_trap,
            E::HostcallError => &self.stop_on_hostcall_error,
        }
    }
}
