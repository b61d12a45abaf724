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
//! ([`super::handler`]), blocked on its request channel (no busy wait).
//! Every pause gets a fresh [`PauseId`]; a request naming a frame of another
//! pause is refused before any `FrameHandle` is touched, because on wasmtime
//! 48.0.8 `FrameHandle::is_valid` alone does not notice a resume that made no
//! host call.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::{
    Config, Engine, Instance, InstancePre, Linker, Module, ModulePC, Result, Store, UpdateDeadline,
    Val, format_err as anyhow,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::breakpoints::Table;
use super::config::RunConfig;
use super::entry::{Entry, default_val, entry_point};
use super::handler::{self, Handler, Step};
use super::interrupt::Interrupt;
use super::protocol::{Exception, Outcome, Request, Response};
use super::stdout::{GuestStdout, OpenLine};
use super::values::value_of;
use crate::wasm::ModuleInfo;

/// Room on the async fiber stack, beyond the guest's frames, for the debug
/// handler (it walks frames and prints instructions on that stack).
const HANDLER_STACK: usize = 15 << 20;
/// Guest stack limit unless `RunConfig::max_wasm_stack` says otherwise
/// (wasmtime's default, so a program exhausts its stack at the same depth
/// as on plain wasmtime): deeper recursion traps with "call stack
/// exhausted".
pub const DEFAULT_MAX_WASM_STACK: usize = 512 << 10;

/// The store's data: the WASI preview1 context.
pub(crate) struct Host {
    wasi: WasiP1Ctx,
    memory_cap: MemoryCap,
}

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
struct MemoryCap {
    max: Option<u64>,
    total: u64,
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

/// The worker's ends of the channel pair.
pub(crate) struct Channel {
    requests: Receiver<Request>,
    responses: Sender<Response>,
}

impl Channel {
    /// Sends a response. A closed channel means the front end is gone: the
    /// response is dropped, and the next `recv` says `Detach`.
    pub(crate) fn send(&self, response: Response) {
        let _ = self.responses.send(response);
    }

    /// Blocks for the next request.
    pub(crate) fn recv(&self) -> Request {
        // No sender: the `Session` was dropped.
        self.requests.recv().unwrap_or(Request::Detach)
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
    /// Module offset of the `--stop-on-entry` breakpoint while it is set.
    pub entry: Option<usize>,
    /// The run is being ended (`run` restarts): events are ignored and the
    /// next epoch check traps.
    pub killing: bool,
    /// The front end has gone (its `Session` was dropped): the run is being
    /// ended and the worker thread ends after it.
    pub detached: bool,
}

/// State shared between the debug handler (cloned by wasmtime at every
/// event) and the worker's main loop.
pub(crate) struct Shared {
    pub channel: Arc<Mutex<Channel>>,
    pub info: Arc<ModuleInfo>,
    pub engine: Engine,
    pub module: Module,
    /// Where `module`'s machine code came from.
    pub code: super::cache::CodeSource,
    /// The current run's instance.
    pub instance: Mutex<Option<Instance>>,
    pub last_pause: AtomicU64,
    pub stop_on_throw: AtomicBool,
    pub control: Mutex<Control>,
    pub interrupt: Arc<Interrupt>,
    /// The most recent thrown exception, reported if it escapes to the host.
    pub last_exception: Mutex<Option<Exception>>,
    /// A store that never runs, used to learn where the engine slips a
    /// breakpoint to.
    pub probe: Mutex<Store<()>>,
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

/// Spawns the worker thread for `config`. The first response on the channel
/// is `Stopped` (the guest paused) or `Ended` (it finished, or could not be
/// loaded).
///
/// # Errors
/// Only when the OS refuses to create the thread.
pub(crate) fn spawn(
    config: RunConfig,
    open_line: OpenLine,
    interrupt: Arc<Interrupt>,
    requests: Receiver<Request>,
    responses: Sender<Response>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wasmdbg-worker".into())
        .spawn(move || {
            let channel = Arc::new(Mutex::new(Channel {
                requests,
                responses,
            }));
            worker_main(config, open_line, interrupt, channel)
        })
}

fn worker_main(
    config: RunConfig,
    open_line: OpenLine,
    interrupt: Arc<Interrupt>,
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
    let program = match Program::load(&config, open_line, interrupt, channel.clone()) {
        Ok(p) => p,
        Err(e) => {
            let channel = lock(&channel);
            let msg = one_line(&e);
            channel.send(Response::Ended(Outcome::LoadFailed(msg.clone())));
            serve_unloaded(&channel, &msg);
            return;
        }
    };
    loop {
        let outcome = runtime.block_on(program.run_once());
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
        let channel = lock(&program.shared.channel);
        channel.send(Response::Ended(outcome.clone()));
        handler::serve_ended(&program.shared, &channel, &outcome);
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
        if let Request::Detach = channel.recv() {
            return;
        }
        channel.send(Response::Error(format!(
            "the program could not be started: {msg}"
        )));
    }
}

/// A loaded, linked program that can be run any number of times.
struct Program {
    shared: Arc<Shared>,
    instance_pre: InstancePre<Host>,
    entry: Entry,
    config: RunConfig,
    open_line: OpenLine,
}

impl Program {
    /// Reads, compiles and links the module, checks the entry point and
    /// resolves `-b` breakpoints.
    fn load(
        config: &RunConfig,
        open_line: OpenLine,
        interrupt: Arc<Interrupt>,
        channel: Arc<Mutex<Channel>>,
    ) -> Result<Program> {
        let bytes = crate::wasm::load_module_bytes(&config.module).map_err(|e| anyhow!("{e:#}"))?;
        let bytes = Arc::new(bytes);
        // Reading the module's facts and compiling (or loading cached code)
        // are independent: on a big module each takes tens of milliseconds.
        let dwp = read_dwp(config)?;
        let parsing = {
            let bytes = bytes.clone();
            std::thread::spawn(move || {
                ModuleInfo::parse(bytes)
                    .map(|info| info.with_dwp(dwp))
                    .map_err(|e| format!("{e:#}"))
            })
        };

        let max_wasm_stack = config.max_wasm_stack.unwrap_or(DEFAULT_MAX_WASM_STACK);
        let mut engine_config = Config::new();
        engine_config
            .guest_debug(true)
            .wasm_exceptions(true)
            .shared_memory(true)
            .epoch_interruption(!config.without_interrupts)
            .async_stack_size(max_wasm_stack.saturating_add(HANDLER_STACK))
            .max_wasm_stack(max_wasm_stack);
        let engine = Engine::new(&engine_config)?;
        interrupt.attach(engine.clone());
        let compiled = super::cache::load_or_compile(&engine, &bytes, config.cache_dir.as_deref());
        let info = parsing
            .join()
            .map_err(|_| anyhow!("reading the module failed unexpectedly"))?
            .map_err(|e| anyhow!("malformed module: {e}"))?;
        let info = Arc::new(info);
        let (module, code) =
            compiled.map_err(|e| anyhow!("{}", one_line(&e)).context("invalid module"))?;

        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |h: &mut Host| &mut h.wasi)?;
        let instance_pre = linker
            .instantiate_pre(&module)
            .map_err(|e| anyhow!("{}", one_line(&e)))?;
        let entry = entry_point(&info, config)?;
        // Check the preopened directories once, so a bad --dir is a load
        // error rather than a failure of every run.
        build_wasi(config, open_line.clone())?;

        let probe = Store::new(&engine, ());
        let shared = Arc::new(Shared {
            channel,
            info,
            engine,
            module,
            code,
            instance: Mutex::new(None),
            last_pause: AtomicU64::new(0),
            stop_on_throw: AtomicBool::new(config.stop_on_throw),
            control: Mutex::new(Control::default()),
            interrupt,
            last_exception: Mutex::new(None),
            probe: Mutex::new(probe),
        });
        for location in &config.breakpoints {
            handler::add_breakpoint(&shared, None, location, false, None)
                .map_err(|e| anyhow!("-b {location}: {e}"))?;
        }
        Ok(Program {
            shared,
            instance_pre,
            entry,
            config: config.clone(),
            open_line,
        })
    }

    /// One run: a fresh store and instance, the breakpoints applied, the
    /// entry function called.
    async fn run_once(&self) -> Outcome {
        let shared = &self.shared;
        let wasi = match build_wasi(&self.config, self.open_line.clone()) {
            Ok(w) => w,
            Err(e) => return Outcome::LoadFailed(one_line(&e)),
        };
        let memory_cap = MemoryCap {
            max: self.config.max_memory,
            total: 0,
        };
        let mut store = Store::new(&shared.engine, Host { wasi, memory_cap });
        if self.config.max_memory.is_some() {
            store.limiter(|host| &mut host.memory_cap);
        }
        store.set_debug_handler(Handler(shared.clone()));
        if !self.config.without_interrupts {
            self.arm_epoch(&mut store);
        }
        *lock(&shared.last_exception) = None;
        shared.interrupt.clear();
        {
            let mut control = lock(&shared.control);
            control.step = None;
            control.entry = None;
            let pcs: Vec<usize> = control
                .table
                .iter()
                .filter(|b| b.enabled)
                .flat_map(|b| b.sites())
                .collect();
            if self.config.stop_on_entry {
                match self.entry_pc() {
                    Some(pc) => control.entry = Some(pc),
                    None => {
                        return Outcome::LoadFailed(format!(
                            "cannot stop on entry: {} is an imported function",
                            self.entry.name
                        ));
                    }
                }
            }
            let Some(mut edit) = store.edit_breakpoints() else {
                return Outcome::LoadFailed("guest debugging is off".into());
            };
            let sites: Vec<usize> = control
                .table
                .watches
                .values()
                .filter(|w| w.enabled)
                .flat_map(|w| w.sites.iter().copied())
                .collect();
            for pc in pcs.iter().chain(control.entry.iter()).chain(sites.iter()) {
                if let Err(e) = edit.add_breakpoint(&shared.module, module_pc(*pc)) {
                    return Outcome::LoadFailed(format!("cannot set a breakpoint: {e}"));
                }
            }
        }

        let instance = match self.instance_pre.instantiate_async(&mut store).await {
            Ok(i) => i,
            Err(e) => {
                return match outcome_of_error(shared, e) {
                    Outcome::Failed(msg) => Outcome::LoadFailed(msg),
                    other => other,
                };
            }
        };
        *lock(&shared.instance) = Some(instance);
        let Some(func) = instance.get_func(&mut store, &self.entry.name) else {
            return Outcome::LoadFailed(format!("no exported function {}", self.entry.name));
        };
        let ty = func.ty(&store);
        let mut results: Vec<Val> = ty.results().map(|t| default_val(&t)).collect();
        let outcome = match func
            .call_async(&mut store, &self.entry.args, &mut results)
            .await
        {
            Ok(()) => Outcome::Returned {
                entry: self.entry.name.clone(),
                results: results.iter().map(value_of).collect(),
            },
            Err(e) => outcome_of_error(shared, e),
        };
        *lock(&shared.instance) = None;
        if lock(&shared.control).killing {
            return Outcome::Killed;
        }
        outcome
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

    fn entry_pc(&self) -> Option<usize> {
        self.shared
            .info
            .instruction_offsets(self.entry.func_index)
            .first()
            .copied()
    }
}

/// The WASI context for one run: argv (argv\[0\] the module's file name),
/// the given environment, preopened directories, the terminal's stdio.
/// The DWARF package: `--dwp FILE` (a missing file is an error), else
/// `MODULE.dwp` beside the module when there is one.
fn read_dwp(config: &RunConfig) -> Result<Option<(Vec<u8>, String)>> {
    let (path, given) = match &config.dwp {
        Some(p) => (p.clone(), true),
        None => (config.module.with_extension("dwp"), false),
    };
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some((bytes, path.display().to_string()))),
        Err(e) if given => Err(anyhow!("cannot read --dwp {}: {e}", path.display())),
        Err(_) => Ok(None),
    }
}

fn build_wasi(config: &RunConfig, open_line: OpenLine) -> Result<WasiP1Ctx> {
    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stderr().stdout(GuestStdout { open_line });
    match &config.stdin {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| anyhow!("cannot open --stdin {}: {e}", path.display()))?;
            wasi.stdin(wasmtime_wasi::cli::InputFile::new(file));
        }
        None => {
            wasi.inherit_stdin();
        }
    }
    let argv0 = config
        .module
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| config.module.display().to_string());
    wasi.arg(&argv0);
    wasi.args(&config.args);
    for (k, v) in &config.env {
        wasi.env(k, v);
    }
    for dir in &config.dirs {
        let perms = if dir.read_only {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        wasi.preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(|e| anyhow!("cannot open --dir {}: {e}", dir.host.display()))?;
    }
    Ok(wasi.build_p1())
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

/// wasmtime's description of a trap without its "wasm trap: " prefix.
pub(crate) fn trap_message(trap: &wasmtime::Trap) -> String {
    let text = trap.to_string();
    text.strip_prefix("wasm trap: ")
        .unwrap_or(&text)
        .to_string()
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

/// Runs `f`, turning a panic into an error message. wasmtime aborts the
/// process if a panic unwinds out of the debug handler during a trap, so
/// every store access made while paused goes through here.
pub(crate) fn guarded<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
    crate::panic_guard::quiet(|| catch_unwind(AssertUnwindSafe(f)))
        .unwrap_or_else(|payload| Err(anyhow!("internal error: {}", panic_message(&payload))))
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
}
