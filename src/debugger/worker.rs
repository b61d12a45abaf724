//! The worker thread: owns the wasmtime `Engine`, `Module`, `Store` and
//! `Instance`, runs the guest, and serves [`Request`]s while the guest is
//! paused or after it ended.
//!
//! ```text
//!            start / run
//!              │
//!              ▼
//!   ┌──────► running ──── guest returns / exits / fatal error ──► ended
//!   │          │                                                   │
//!   │   debug event (trap, throw, host error, breakpoint, step,    │ serves requests:
//!   │          │     Ctrl-C)                                       │ frames refused,
//!   │          ▼                                                   │ breakpoints edited
//!   │   paused(pause id N) ◄──── Backtrace/Frame/Locals/Stack/...  │ in the table;
//!   │          │                                                   │ `run` starts again
//!   └─ Continue/Step/Finish: drop every FrameHandle of pause N ◄───┘
//! ```
//!
//! While paused, the worker sits inside wasmtime's debug handler
//! ([`super::handler`], [`super::pause`]), blocked on its request channel (no busy wait).
//! Every pause gets a fresh [`PauseId`]; a request naming a frame of another
//! pause is refused before any `FrameHandle` is touched, because on wasmtime
//! 48.0.8 `FrameHandle::is_valid` alone does not notice a resume that made no
//! host call.

use crate::error::{Error, ErrorKind, invalid, io_error, malformed, not_found, unavailable};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Config, Engine, InstancePre, Linker, Module, Result, Store, UpdateDeadline, Val};
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

use super::component::ComponentRunner;
use super::config::RunConfig;
use super::config::{DEFAULT_MAX_WASM_STACK, REPLAY_STACK_FACTOR};
use super::entry::{Entry, default_val, entry_point};
use super::handler::Handler;
use super::host::{MemoryCap, one_line, trap_message, wasi_builder};
use super::imports::UnknownImports;
use super::interrupt::Interrupt;
use super::pause;
use super::protocol::OutputStream;
use super::protocol::{Outcome, Pc, Request, Response};
use super::record::replayer::Cursor;
use super::state::{Channel, Control, Host, Incoming, Shared, lock, module_pc};
use super::stdout::{GuestOutput, Message};
use super::values::value_of;
use crate::program::ModuleInfo;
use crate::program::{CoreModuleId, Program, ProgramKind};

/// Room on the async fiber stack, beyond the guest's frames, for the debug
/// handler (it walks frames and prints instructions on that stack).
const HANDLER_STACK: usize = 15 << 20;

/// Spawns the worker thread for `config`. The first response on the channel
/// is `Stopped` (the guest paused) or `Ended` (it finished, or could not be
/// loaded). With `ran_before`, the program's first run already happened
/// outside the debugger (on plain code, `wasmdbg run`'s fast path) and ended
/// so: the program is loaded but not run, that end is the first response,
/// and `run` runs it under the debugger.
///
/// # Errors
/// Only when the OS refuses to create the thread.
pub(crate) fn spawn(
    config: RunConfig,
    ran_before: Option<Outcome>,
    interrupt: Arc<Interrupt>,
    lasting: Arc<super::history::Lasting>,
    requests: Receiver<Incoming>,
    responses: Sender<Message>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wasmdbg-worker".into())
        .spawn(move || {
            let responses = super::stdout::Outbox::new(responses);
            let output = responses.clone();
            let channel = Arc::new(Mutex::new(Channel {
                requests,
                responses,
            }));
            worker_main(config, ran_before, output, interrupt, lasting, channel)
        })
}

fn worker_main(
    config: RunConfig,
    mut ran_before: Option<Outcome>,
    output: super::stdout::Outbox,
    interrupt: Arc<Interrupt>,
    lasting: Arc<super::history::Lasting>,
    channel: Arc<Mutex<Channel>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let channel = lock(&channel);
            let msg = format!("cannot start the async runtime: {e}");
            channel.send(Response::Ended(Outcome::LoadFailed(msg.clone())));
            serve_unloaded(&channel, &msg);
            return;
        }
    };
    let program = match Loaded::load(&config, output, interrupt, lasting, channel.clone()) {
        Ok(p) => p,
        Err(e) => {
            let channel = lock(&channel);
            let msg = e.to_string();
            channel.send(Response::Ended(Outcome::LoadFailed(msg.clone())));
            serve_unloaded(&channel, &msg);
            return;
        }
    };
    loop {
        let outcome = match ran_before.take() {
            Some(outcome) => outcome,
            None => runtime.block_on(program.run_once()),
        };
        let restart = {
            let mut control = lock(&program.shared.control);
            std::mem::replace(&mut control.killing, false)
        };
        let detached = || lock(&program.shared.control).detached;
        if detached() {
            return;
        }
        if restart {
            continue; // the new run's first event answers the `run` request
        }
        if lock(&program.shared.control).reverse.is_some()
            && matches!(
                super::reverse::events::at_end(&program.shared, None),
                super::reverse::events::AtEnd::ReplayAgain
            )
        {
            continue; // the reverse command's next replay
        }
        let channel = lock(&program.shared.channel);
        channel.send(Response::Ended(outcome.clone()));
        pause::serve_ended(&program.shared, &channel, &outcome);
        // serve_ended returns when the front end asked to run again, or
        // has gone.
        if detached() {
            return;
        }
    }
}

/// Before anything could be loaded: every request gets the load error.
fn serve_unloaded(channel: &Channel, msg: &str) {
    loop {
        match channel.recv() {
            Incoming::Request(Request::Detach) => return,
            Incoming::Request(_) => {}
            Incoming::MaintenancePanic => crate::panic_guard::quiet(|| {
                panic!("panic requested by `maintenance panic worker`")
            }),
        }
        channel.send(Response::error(
            super::protocol::ErrorKind::NotLoaded,
            format!("the program could not be started: {msg}"),
        ));
    }
}

/// How a loaded program is started.
enum Runner {
    /// A core module: instantiate it, call the entry function.
    Module {
        instance_pre: InstancePre<Host>,
        entry: Entry,
    },
    /// A core module with preloaded modules: per run, each preload is
    /// instantiated and defined in a copy of `linker` under its name, then
    /// the main module (core module 0) is instantiated.
    Preloaded {
        linker: Linker<Host>,
        main: Module,
        preloads: Vec<(String, Module)>,
        /// Each preload's name and export names (what it provides).
        provided: Vec<(String, Vec<String>)>,
        unknown_imports: UnknownImports,
        entry: Entry,
    },
    /// A component: `wasi:cli/run`, or an exported function.
    Component(ComponentRunner),
    /// A `wasi:http/proxy` component serving HTTP (`wasmdbg serve`).
    Serve(Box<super::serve::ServeRunner>, Component),
    /// One request `wasmdbg serve --record` recorded, replayed: its
    /// `handle` call answered from the trace.
    Request {
        pre: wasmtime_wasi_http::p2::bindings::ProxyPre<Host>,
        request: super::record::trace::ServedRequest,
        component: Component,
    },
}

/// A loaded, linked program that can be run any number of times.
struct Loaded {
    shared: Arc<Shared>,
    runner: Runner,
    config: RunConfig,
    output: super::stdout::Outbox,
    /// How many runs have started.
    runs: AtomicU64,
}

impl Loaded {
    /// Reads, compiles and links the module, checks the entry point and
    /// resolves `-b` breakpoints.
    fn load(
        config: &RunConfig,
        output: super::stdout::Outbox,
        interrupt: Arc<Interrupt>,
        lasting: Arc<super::history::Lasting>,
        channel: Arc<Mutex<Channel>>,
    ) -> Result<Loaded, Error> {
        let bytes = crate::program::load_module_bytes(&config.module)?;
        if let Some(replay) = &config.replay {
            super::record::recorder::check_recordable(&bytes, config)?;
            let hash = super::record::trace::module_hash(&bytes);
            if hash != replay.trace.header.module_hash {
                return Err(invalid!(
                    "{} is not the module the trace recorded: its BLAKE3 is {hash}, the trace's \
                     is {} (recorded from {})",
                    config.module.display(),
                    replay.trace.header.module_hash,
                    replay.trace.header.module
                ));
            }
        }
        let kind = super::preflight::program_kind(config, &bytes)?;
        // Preloaded modules: their bytes, and what each provides to the
        // ones after it (its import name and exports).
        let mut preload_bytes = Vec::new();
        let mut provided: Vec<(String, Vec<String>)> = Vec::new();
        for (name, path) in &config.preloads {
            let bytes = crate::program::load_module_bytes(path)
                .map_err(|e| e.context(format_args!("--preload {name}")))?;
            if crate::program::is_component(&bytes) {
                return Err(invalid!(
                    "--preload {name}: {} is a component; preloads are core modules",
                    path.display()
                ));
            }
            if config.unknown_imports == UnknownImports::Refuse {
                super::imports::check_module_imports(&bytes, &provided)
                    .map_err(|e| e.context(format_args!("--preload {name}")))?;
            }
            provided.push((name.clone(), export_names(&bytes)));
            preload_bytes.push((name.clone(), bytes));
        }
        if kind == ProgramKind::Module && config.unknown_imports == UnknownImports::Refuse {
            super::imports::check_module_imports(&bytes, &provided)?;
        }
        let bytes = Arc::new(bytes);
        // Reading the program's facts and compiling (or loading cached
        // code) are independent: on a big module each takes tens of
        // milliseconds.
        let dwp = match kind {
            ProgramKind::Module => read_dwp(config)?,
            ProgramKind::Component => None,
        };
        let parsing = {
            let bytes = bytes.clone();
            let preloads = preload_bytes.clone();
            std::thread::spawn(move || match kind {
                ProgramKind::Module => {
                    let main = ModuleInfo::parse(bytes)
                        .map_err(|e| malformed!("malformed module: {e:#}"))?
                        .with_dwp(dwp);
                    let preloads = preloads
                        .into_iter()
                        .map(|(name, bytes)| {
                            ModuleInfo::parse(bytes)
                                .map(|info| (name.clone(), info))
                                .map_err(|e| invalid!("--preload {name}: malformed module: {e:#}"))
                        })
                        .collect::<std::result::Result<Vec<_>, Error>>()?;
                    Ok(Program::with_preloads(main, preloads))
                }
                ProgramKind::Component => {
                    Program::component(&bytes).map_err(|e| malformed!("malformed component: {e:#}"))
                }
            })
        };

        // The limit plain code runs with (`serve`'s requests).
        let plain_stack = config.max_wasm_stack.unwrap_or(DEFAULT_MAX_WASM_STACK);
        let mut max_wasm_stack = plain_stack;
        if config.replay.is_some() || config.serve.is_some() {
            // Instrumented frames are larger than the recorded run's plain
            // ones: with the same limit a replay (`serve` replays the
            // requests that failed on plain code) could exhaust its stack
            // where the recording did not.
            max_wasm_stack = max_wasm_stack.saturating_mul(REPLAY_STACK_FACTOR);
        }
        let mut engine_config = Config::new();
        engine_config
            .guest_debug(true)
            .wasm_exceptions(true)
            .shared_memory(true)
            .epoch_interruption(!config.without_interrupts)
            .async_stack_size(max_wasm_stack.saturating_add(HANDLER_STACK))
            .max_wasm_stack(max_wasm_stack);
        // A replay's code computes the recording's bits (`serve` replays
        // the requests that failed on plain code).
        if config.replay.is_some() || config.serve.is_some() {
            super::record::recorder::deterministic(&mut engine_config);
        }
        let engine = Engine::new(&engine_config).map_err(|e| internal(&e))?;
        interrupt.attach(engine.clone());
        let cache = config.cache_dir.as_deref();
        let compiled = match kind {
            ProgramKind::Module => super::cache::load_or_compile::<Module>(&engine, &bytes, cache)
                .map(|(m, code)| (Compiled::Module(m), code)),
            ProgramKind::Component => {
                super::cache::load_or_compile::<Component>(&engine, &bytes, cache)
                    .map(|(c, code)| (Compiled::Component(c), code))
            }
        };
        let program = parsing.join().map_err(|_| {
            Error::new(
                ErrorKind::Internal,
                "reading the program failed unexpectedly",
            )
        })??;
        let program = Arc::new(program);
        let what = match kind {
            ProgramKind::Module => "invalid module",
            ProgramKind::Component => "invalid component",
        };
        let (compiled, code) = compiled.map_err(|e| malformed!("{what}: {}", one_line(&e)))?;
        // Check the preopened directories once, so a bad --dir is a load
        // error rather than a failure of every run.
        build_wasi(config, output.clone(), kind, false)
            .map_err(|e| io_error!("{}", one_line(&e)))?;

        let (modules, runner, probe) = match compiled {
            Compiled::Module(module) if !preload_bytes.is_empty() => {
                let mut linker: Linker<Host> = Linker::new(&engine);
                wasmtime_wasi::p1::add_to_linker_async(&mut linker, |h: &mut Host| &mut h.wasi)
                    .map_err(|e| internal(&e))?;
                let mut preloads = Vec::new();
                for (name, bytes) in &preload_bytes {
                    let (m, _) = super::cache::load_or_compile::<Module>(&engine, bytes, cache)
                        .map_err(|e| {
                            malformed!("--preload {name}: invalid module: {}", one_line(&e))
                        })?;
                    preloads.push((name.clone(), m));
                }
                let entry = entry_point(&**program.info(CoreModuleId::FIRST), config)?;
                let mut modules = vec![module.clone()];
                modules.extend(preloads.iter().map(|(_, m)| m.clone()));
                (
                    modules,
                    Runner::Preloaded {
                        linker,
                        main: module,
                        preloads,
                        provided: provided.clone(),
                        unknown_imports: config.unknown_imports,
                        entry,
                    },
                    Store::new(&engine, ()),
                )
            }
            Compiled::Module(module) => {
                let mut linker: Linker<Host> = Linker::new(&engine);
                if config.replay.is_some() {
                    let imports = super::record::recorder::wasi_imports(&module);
                    super::record::replayer::define(&mut linker, imports)
                        .map_err(|e| internal(&e))?;
                } else {
                    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |h: &mut Host| &mut h.wasi)
                        .map_err(|e| internal(&e))?;
                }
                super::imports::define_unknown(&mut linker, &module, config.unknown_imports, &[])
                    .map_err(|e| unavailable!("{}", one_line(&e)))?;
                let instance_pre = linker
                    .instantiate_pre(&module)
                    .map_err(|e| unavailable!("{}", one_line(&e)))?;
                let entry = entry_point(&**program.info(CoreModuleId::FIRST), config)?;
                (
                    vec![module],
                    Runner::Module {
                        instance_pre,
                        entry,
                    },
                    Store::new(&engine, ()),
                )
            }
            Compiled::Component(component) => {
                let replayed_request = config.replay.as_ref().and_then(|r| r.trace.request.clone());
                let (modules, probe) =
                    super::component::core_modules(&engine, &component, &program)
                        .map_err(|e| internal(&e))?;
                let runner = match (&config.serve, &replayed_request) {
                    (Some(options), _) => {
                        // Requests run on plain code (recorded) while no
                        // breakpoint is set: the component compiled again,
                        // for an engine without guest debugging.
                        let mut plain_config = Config::new();
                        super::record::recorder::deterministic(&mut plain_config)
                            .wasm_exceptions(true)
                            .shared_memory(true)
                            .epoch_interruption(true)
                            // No debug handler runs on this stack.
                            .async_stack_size(plain_stack.saturating_add(1 << 20))
                            .max_wasm_stack(plain_stack);
                        // Instances from a pool: no memory, table or
                        // stack is mapped and unmapped per request (an
                        // unmap stops every thread of the process to flush
                        // its TLB). Limits beyond wasmtime's defaults for
                        // what a module may declare.
                        let mut pooling = wasmtime::PoolingAllocationConfig::new();
                        pooling
                            .max_memories_per_module(16)
                            .max_tables_per_module(16)
                            .table_elements(1 << 20)
                            // Reset by writing zeros rather than giving the
                            // pages back (which flushes TLBs too).
                            .linear_memory_keep_resident(64 << 10)
                            .table_keep_resident(64 << 10)
                            .async_stack_keep_resident(64 << 10);
                        let on_demand = plain_config.clone();
                        plain_config.allocation_strategy(
                            wasmtime::InstanceAllocationStrategy::Pooling(pooling),
                        );
                        // A pool reserves address space up front; where
                        // that is refused (`ulimit -v`), instances are
                        // allocated one by one.
                        let plain_engine = Engine::new(&plain_config)
                            .or_else(|_| Engine::new(&on_demand))
                            .map_err(|e| internal(&e))?;
                        interrupt.attach_also(plain_engine.clone());
                        let (plain, _) = super::cache::load_or_compile::<Component>(
                            &plain_engine,
                            &bytes,
                            cache,
                        )
                        .map_err(|e| malformed!("{what}: {}", one_line(&e)))?;
                        let functions = super::record::p2::interfaces::all_functions()
                            .into_iter()
                            .map(String::from)
                            .collect();
                        let header = super::record::recorder::header(config, &bytes, functions);
                        let server = super::serve::ServeRunner::new(
                            &engine,
                            &component,
                            (&plain_engine, &plain),
                            options,
                            header,
                        )?;
                        let _ = output.send(Message::Event(super::protocol::Event::Serving {
                            addr: server.addr.to_string(),
                        }));
                        Runner::Serve(Box::new(server), component)
                    }
                    (None, Some(request)) => {
                        let pre = super::serve::proxy_pre(
                            &engine,
                            &component,
                            super::component::Linking::Replay,
                        )
                        .map_err(|e| unavailable!("{}", one_line(&e)))?;
                        Runner::Request {
                            pre,
                            request: request.clone(),
                            component,
                        }
                    }
                    (None, None) => {
                        let linking = if config.replay.is_some() {
                            super::component::Linking::Replay
                        } else {
                            super::component::Linking::Live
                        };
                        Runner::Component(ComponentRunner::new(
                            &engine, component, config, linking,
                        )?)
                    }
                };
                (modules, runner, probe)
            }
        };

        let instances = Mutex::new(vec![None; program.modules.len()]);
        let shared = Arc::new(Shared {
            channel,
            program,
            engine,
            modules: Arc::new(modules),
            code,
            instances,
            lasting,
            stop_on_throw: AtomicBool::new(config.stop_on_throw),
            stop_on_trap: AtomicBool::new(true),
            stop_on_hostcall_error: AtomicBool::new(true),
            control: Mutex::new(Control::default()),
            interrupt,
            last_exception: Mutex::new(None),
            probe: Mutex::new(probe),
            replaying: config.replay.is_some(),
            entry_pc: None,
            requests: Mutex::new(super::serve::RequestLog::new(
                config.serve.as_ref().map(|s| s.paused_requests),
            )),
        });
        for spec in &config.breakpoints {
            super::breakpoints::split_condition(spec)
                .and_then(|(location, condition)| {
                    super::breakpoint_requests::add_breakpoint(
                        &shared, None, &location, false, condition, None, None,
                    )
                })
                .map_err(|e| e.context(format_args!("-b {spec}")))?;
        }
        let mut loaded = Loaded {
            shared,
            runner,
            config: config.clone(),
            output,
            runs: AtomicU64::new(0),
        };
        let entry_pc = loaded.entry_pc().ok();
        if let Some(shared) = Arc::get_mut(&mut loaded.shared) {
            shared.entry_pc = entry_pc;
        }
        Ok(loaded)
    }

    /// One run: a fresh store and instance, the breakpoints applied, the
    /// entry function called.
    async fn run_once(&self) -> Outcome {
        let shared = &self.shared;
        let kind = shared.program.kind;
        let first = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
        // `wasmdbg run`'s fast path showed the output already; a reverse command's
        // replays do not show it again.
        let quiet = first
            && self
                .config
                .replay
                .as_ref()
                .is_some_and(|r| r.quiet_first_run);
        let echo = !quiet && lock(&shared.control).reverse.is_none();
        if let Runner::Serve(server, _) = &self.runner {
            if self.config.stop_on_entry && !pause::before_serving(shared) {
                return Outcome::Killed;
            }
            let new_host: super::serve::HostFactory = {
                let config = self.config.clone();
                let output = self.output.clone();
                Arc::new(move || {
                    build_wasi(&config, output.clone(), kind, echo)
                        .map_err(|e| io_error!("{}", one_line(&e)))
                })
            };
            let outcome = server
                .serve(shared, &|| self.new_store(kind, echo), new_host)
                .await;
            shared.clear_instances();
            if lock(&shared.control).killing {
                return Outcome::Killed;
            }
            return outcome;
        }
        let mut store = match self.new_store(kind, echo) {
            Ok(store) => store,
            Err(outcome) => return outcome,
        };
        // The replay of a run on plain code goes to where it failed.
        if quiet && let Some(cursor) = store.data_mut().replay.as_mut() {
            cursor.passes_caught_throws = true;
        }
        // A recording Ctrl-C or --timeout interrupted (`wasmdbg run`'s fast path): the
        // first replay is interrupted again once it has answered the last
        // recorded call.
        if let (true, Some(Some(timeout)), Some(cursor)) = (
            first,
            self.config.replay.as_ref().map(|r| r.interrupted),
            store.data_mut().replay.as_mut(),
        ) {
            let interrupter = super::interrupt::Interrupter(shared.interrupt.clone());
            cursor.interrupt_after_last_call(interrupter, timeout);
        }
        let outcome = match &self.runner {
            Runner::Module {
                instance_pre,
                entry,
            } => self.run_module(&mut store, instance_pre, entry).await,
            Runner::Preloaded {
                linker,
                main,
                preloads,
                provided,
                unknown_imports,
                entry,
            } => {
                match self
                    .instantiate_preloaded(
                        &mut store,
                        linker,
                        main,
                        preloads,
                        provided,
                        *unknown_imports,
                    )
                    .await
                {
                    Ok(pre) => self.run_module(&mut store, &pre, entry).await,
                    Err(e) => match outcome_of_error(shared, e) {
                        Outcome::Failed(msg) => Outcome::LoadFailed(msg),
                        other => other,
                    },
                }
            }
            Runner::Serve(..) => {
                Outcome::Failed("internal error: a server run without serving".into())
            }
            Runner::Request { pre, request, .. } => {
                // Pauses name the request, as they did while serving.
                lock(&shared.requests).in_flight = Some(super::protocol::RequestInfo {
                    number: request.number,
                    method: request.method.clone(),
                    path: request.path.clone(),
                });
                match super::serve::call_recorded(pre, &mut store, request).await {
                    Ok(()) => Outcome::ComponentReturned {
                        call: format!(
                            "wasi:http/incoming-handler#handle({} {})",
                            request.method, request.path
                        ),
                        results: Vec::new(),
                    },
                    Err(e) => outcome_of_error(shared, e),
                }
            }
            Runner::Component(runner) => match runner.run(&mut store).await {
                Ok(outcome) => outcome,
                Err(e) if e.is::<super::component::Instantiating>() => {
                    match outcome_of_error(shared, e) {
                        Outcome::Failed(msg) => Outcome::LoadFailed(msg),
                        other => other,
                    }
                }
                Err(e) => outcome_of_error(shared, e),
            },
        };
        shared.clear_instances();
        if lock(&shared.control).killing {
            return Outcome::Killed;
        }
        // A replay that ended normally before its last recorded call did not
        // repeat the recording.
        if let (Outcome::Returned { .. } | Outcome::Exited(_), Some(cursor)) =
            (&outcome, &store.data().replay)
            && let Some(why) = cursor.unfinished()
        {
            return Outcome::Failed(why);
        }
        outcome
    }

    /// A fresh store for one run (or one served request): the WASI
    /// context, the debug handler, interrupts, the breakpoints armed.
    fn new_store(
        &self,
        kind: ProgramKind,
        echo: bool,
    ) -> std::result::Result<Store<Host>, Outcome> {
        let shared = &self.shared;
        let host = match build_wasi(&self.config, self.output.clone(), kind, echo) {
            Ok(host) => host,
            Err(e) => return Err(Outcome::LoadFailed(one_line(&e))),
        };
        let mut store = Store::new(&shared.engine, host);
        let component = match &self.runner {
            Runner::Component(runner) => Some(runner.component()),
            Runner::Serve(_, component) | Runner::Request { component, .. } => Some(component),
            _ => None,
        };
        if let Some(component) = component
            && let Err(e) = store.debug_register_component(component)
        {
            return Err(Outcome::LoadFailed(one_line(&e)));
        }
        if self.config.max_memory.is_some() {
            store.limiter(|host| &mut host.memory_cap);
        }
        store.set_debug_handler(Handler(shared.clone()));
        if !self.config.without_interrupts {
            self.arm_epoch(&mut store);
        }
        *lock(&shared.last_exception) = None;
        shared.clear_instances();
        shared.interrupt.clear();
        {
            let mut control = lock(&shared.control);
            control.step = None;
            control.entry = None;
            if let Some(reverse) = &control.reverse {
                // A reverse command's replay: only its own sites.
                let sites = reverse.sites();
                let Some(mut edit) = store.edit_breakpoints() else {
                    return Err(Outcome::LoadFailed("guest debugging is off".into()));
                };
                for pc in sites {
                    if let Err(e) =
                        edit.add_breakpoint(shared.module(pc.module), module_pc(pc.offset))
                    {
                        return Err(Outcome::LoadFailed(format!("cannot set a breakpoint: {e}")));
                    }
                }
            } else if let Err(e) = self.arm_user(&mut store, &mut control) {
                return Err(Outcome::LoadFailed(e.to_string()));
            }
        }
        Ok(store)
    }

    /// Arms the user's breakpoints, watchpoints and the entry stop
    /// (`--stop-on-entry`) for a new run.
    fn arm_user(
        &self,
        store: &mut Store<Host>,
        control: &mut Control,
    ) -> std::result::Result<(), Error> {
        let shared = &self.shared;
        // A server's entry stop is before serving, not in each request.
        if self.config.stop_on_entry && !matches!(self.runner, Runner::Serve(..)) {
            control.entry = Some(self.entry_pc()?);
        }
        let Some(mut edit) = store.edit_breakpoints() else {
            return Err(unavailable!("guest debugging is off"));
        };
        for pc in control
            .table
            .armed_sites()
            .iter()
            .chain(control.entry.iter())
        {
            edit.add_breakpoint(shared.module(pc.module), module_pc(pc.offset))
                .map_err(|e| invalid!("cannot set a breakpoint: {e}"))?;
        }
        Ok(())
    }

    /// The main module ready to instantiate in `store`, after each preload
    /// was instantiated and defined under its name (in a copy of `linker`,
    /// since the definitions belong to this run's store). `provided`: each
    /// preload's name and export names, in the same order.
    async fn instantiate_preloaded(
        &self,
        store: &mut Store<Host>,
        linker: &Linker<Host>,
        main: &Module,
        preloads: &[(String, Module)],
        provided: &[(String, Vec<String>)],
        unknown_imports: UnknownImports,
    ) -> Result<InstancePre<Host>> {
        let mut linker = linker.clone();
        for (i, (name, module)) in preloads.iter().enumerate() {
            super::imports::define_unknown(&mut linker, module, unknown_imports, &provided[..i])?;
            let instance = linker.instantiate_async(&mut *store, module).await?;
            linker.instance(&mut *store, name, instance)?;
        }
        super::imports::define_unknown(&mut linker, main, unknown_imports, provided)?;
        linker.instantiate_pre(main)
    }

    /// Instantiates the core module and calls its entry function.
    async fn run_module(
        &self,
        store: &mut Store<Host>,
        instance_pre: &InstancePre<Host>,
        entry: &Entry,
    ) -> Outcome {
        let shared = &self.shared;

        let instance = match instance_pre.instantiate_async(&mut *store).await {
            Ok(i) => i,
            Err(e) => {
                return match outcome_of_error(shared, e) {
                    Outcome::Failed(msg) => Outcome::LoadFailed(msg),
                    other => other,
                };
            }
        };
        let Some(func) = instance.get_func(&mut *store, &entry.name) else {
            return Outcome::LoadFailed(format!("no exported function {}", entry.name));
        };
        let ty = func.ty(&*store);
        let mut results: Vec<Val> = ty.results().map(|t| default_val(&t)).collect();
        match func
            .call_async(&mut *store, &entry.args, &mut results)
            .await
        {
            Ok(()) => Outcome::Returned {
                entry: entry.name.clone(),
                results: results.iter().map(value_of).collect(),
            },
            Err(e) => outcome_of_error(shared, e),
        }
    }

    /// The next engine epoch reaches the guest's deadline: the guest then
    /// gives the debug handler an `EpochYield` (Ctrl-C pauses there), or
    /// traps when the run is being ended.
    fn arm_epoch(&self, store: &mut Store<Host>) {
        store.set_epoch_deadline(1);
        let shared = self.shared.clone();
        store.epoch_deadline_callback(move |_| {
            if lock(&shared.control).killing {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
    }

    /// Where `--stop-on-entry` stops: the first instruction of the entry
    /// function (for a component's `wasi:cli/run`, of the core function
    /// its lifting calls).
    fn entry_pc(&self) -> std::result::Result<Pc, Error> {
        let (module, func, name) = match &self.runner {
            Runner::Module { entry, .. } | Runner::Preloaded { entry, .. } => {
                (CoreModuleId::FIRST, entry.func_index, entry.name.clone())
            }
            Runner::Component(runner) => {
                let (module, func) = runner.entry_core_func(&self.shared.program)?;
                (module, func, runner.entry_name())
            }
            Runner::Request { .. } => {
                let handle = |export: &str| {
                    export.starts_with("wasi:http/incoming-handler@0.2.")
                        && export.ends_with("#handle")
                };
                let (module, func) = super::component::core_export(&self.shared.program, handle)
                    .ok_or_else(|| {
                        unavailable!(
                            "no core module exports the function behind \
                             wasi:http/incoming-handler's handle"
                        )
                    })?;
                (
                    module,
                    func,
                    "wasi:http/incoming-handler#handle".to_string(),
                )
            }
            Runner::Serve(..) => {
                return Err(not_found!(
                    "a served component has no entry function: each request calls \
                            wasi:http/incoming-handler's handle (set a breakpoint in it)"
                ));
            }
        };
        self.shared
            .info(module)
            .instruction_offsets(func)
            .first()
            .map(|&offset| Pc { module, offset })
            .ok_or_else(|| unavailable!("cannot stop on entry: {name} is an imported function"))
    }
}

/// What compiling produced.
enum Compiled {
    Module(Module),
    Component(Component),
}

/// A wasmtime error that is wasmdbg's own failure (an engine or linker
/// that could not be set up), as [`ErrorKind::Internal`].
fn internal(e: &wasmtime::Error) -> Error {
    Error::new(ErrorKind::Internal, one_line(e))
}

/// The DWARF package: `--dwp FILE` (a missing file is an error), else
/// `MODULE.dwp` beside the module when there is one.
fn read_dwp(config: &RunConfig) -> Result<Option<(Vec<u8>, String)>, Error> {
    let (path, given) = match &config.dwp {
        Some(p) => (p.clone(), true),
        None => (config.module.with_extension("dwp"), false),
    };
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some((bytes, path.display().to_string()))),
        Err(e) if given => Err(io_error!("cannot read --dwp {}: {e}", path.display())),
        Err(_) => Ok(None),
    }
}

/// The store's data for one run: the WASI context (preview 1 for a module,
/// 0.2 for a component) of [`wasi_builder`] with stdout and stderr as
/// events; the memory limit. A replayed run gets an empty WASI context (no
/// host file, clock or stdin is touched) and a cursor at the start of its
/// trace, showing the guest's output when `echo`.
fn build_wasi(
    config: &RunConfig,
    output: super::stdout::Outbox,
    kind: ProgramKind,
    echo: bool,
) -> Result<Host> {
    output.forget_stderr();
    let stream = |stream, shown| GuestOutput {
        stream,
        sender: output.clone(),
        terminal: config.output_is_terminal,
        shown,
    };
    let (wasi, p2, replay) = match &config.replay {
        Some(replay) => {
            let echo = (
                stream(OutputStream::Stdout, echo),
                stream(OutputStream::Stderr, echo),
            );
            (
                WasiCtxBuilder::new().build_p1(),
                WasiCtxBuilder::new().build(),
                Some(Cursor::new(replay.trace.clone(), Some(echo))),
            )
        }
        None => {
            let mut wasi = wasi_builder(config)?;
            wasi.stdout(stream(OutputStream::Stdout, true))
                .stderr(stream(OutputStream::Stderr, true));
            match kind {
                ProgramKind::Module => (wasi.build_p1(), WasiCtxBuilder::new().build(), None),
                ProgramKind::Component => (WasiCtxBuilder::new().build_p1(), wasi.build(), None),
            }
        }
    };
    Ok(Host {
        wasi,
        p2,
        table: ResourceTable::new(),
        memory_cap: MemoryCap::new(config.max_memory),
        replay,
        recording: None,
        http: wasmtime_wasi_http::WasiHttpCtx::new(),
        outgoing: super::host::OutgoingPolicy(
            config
                .serve
                .as_ref()
                .map(|s| s.outgoing.clone())
                .unwrap_or_default(),
        ),
    })
}

/// How an error from instantiation or the entry call ends the program.
fn outcome_of_error(shared: &Shared, e: wasmtime::Error) -> Outcome {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return Outcome::Exited(exit.0);
    }
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return Outcome::Trapped(trap_message(trap));
    }
    if e.is::<wasmtime::ThrownException>() {
        return Outcome::UncaughtException(lock(&shared.last_exception).take());
    }
    Outcome::Failed(one_line(&e))
}

/// The names a core module exports (for checking the imports of modules
/// preloaded after it); none when its export section cannot be read (the
/// compile that follows names the fault).
fn export_names(bytes: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(wasmparser::Payload::ExportSection(reader)) => {
                names.extend(
                    reader
                        .into_iter()
                        .filter_map(|e| Some(e.ok()?.name.to_string())),
                );
                break;
            }
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => break,
            _ => {}
        }
    }
    names
}
