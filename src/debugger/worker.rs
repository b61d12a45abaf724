//! The worker thread: owns the wasmtime `Engine`, `Store` and `Instance`,
//! runs the guest, and serves [`Request`]s while the guest is paused.
//!
//! ```text
//!            start
//!              │
//!              ▼
//!   ┌──────► running ──── guest returns / exits / fatal error ──► ended
//!   │          │                                                   │
//!   │   debug event (trap, throw, host error, breakpoint)          │ serves requests:
//!   │          ▼                                                   │ frames refused
//!   │   paused(pause id N) ◄──── Backtrace/Frame/Locals/Stack      ▼ ("not paused")
//!   │          │                                                 (until the
//!   └─ Continue: drop every FrameHandle of pause N                 session ends)
//! ```
//!
//! While paused, the worker sits inside wasmtime's debug handler, blocked on
//! its request channel (no busy wait). Every pause gets a fresh [`PauseId`];
//! a request naming a frame of another pause is refused before any
//! `FrameHandle` is touched, because on wasmtime 48.0.8 `FrameHandle::is_valid`
//! alone does not notice a resume that made no host call.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::error::Context;
use wasmtime::{
    AsContextMut, Config, DebugEvent, DebugHandler, Engine, FrameHandle, Instance, Linker, Module,
    ModulePC, Store, StoreContextMut, Val, ValType,
};
use wasmtime::{Result, bail, format_err as anyhow};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::config::RunConfig;
use super::protocol::{
    Exception, FrameInfo, FrameRef, Local, Outcome, PauseId, Request, Response, Stop, StopReason,
    Value,
};
use super::stdout::{GuestStdout, OpenLine};
use crate::wasm::ModuleInfo;

/// Size of the async fiber stack the guest (and the debug handler) runs on.
/// The handler walks frames and prints instructions on this stack, on top of
/// up to `MAX_WASM_STACK` of guest frames.
const ASYNC_STACK_SIZE: usize = 16 << 20;
/// Guest stack limit (wasmtime's default): deeper recursion traps with
/// "call stack exhausted".
const MAX_WASM_STACK: usize = 512 << 10;

/// The store's data: the WASI preview1 context.
struct Host {
    wasi: WasiP1Ctx,
}

/// The two ends of the channel pair, as the worker sees them.
struct Channel {
    requests: Receiver<Request>,
    responses: Sender<Response>,
}

impl Channel {
    /// Sends a response. A closed channel means the front end is gone; the
    /// worker then has nobody to answer and parks for good (the process is
    /// exiting).
    fn send(&self, response: Response) {
        if self.responses.send(response).is_err() {
            park_forever();
        }
    }

    fn recv(&self) -> Request {
        match self.requests.recv() {
            Ok(r) => r,
            Err(_) => park_forever(),
        }
    }
}

fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// State shared between the debug handler (cloned by wasmtime at every
/// event) and the worker's main loop.
struct Shared {
    channel: Arc<Mutex<Channel>>,
    info: Arc<ModuleInfo>,
    instance: OnceLock<Instance>,
    last_pause: AtomicU64,
    stop_on_throw: AtomicBool,
    /// Module offset of the one-shot `--stop-on-entry` breakpoint, while set.
    entry_breakpoint: Mutex<Option<(Module, usize)>>,
    /// The most recent thrown exception, reported if it escapes to the host.
    last_exception: Mutex<Option<Exception>>,
}

#[derive(Clone)]
struct Handler(Arc<Shared>);

impl DebugHandler for Handler {
    type Data = Host;

    fn handle(
        &self,
        store: StoreContextMut<'_, Host>,
        event: DebugEvent<'_>,
    ) -> impl Future<Output = ()> + Send {
        // All the work happens here, synchronously, while wasmtime holds the
        // guest paused; the returned future is already complete.
        on_event(&self.0, store, event);
        std::future::ready(())
    }
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
    requests: Receiver<Request>,
    responses: Sender<Response>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wasmdbg-worker".into())
        .spawn(move || {
            let channel = Channel {
                requests,
                responses,
            };
            worker_main(config, open_line, channel)
        })
}

fn worker_main(config: RunConfig, open_line: OpenLine, channel: Channel) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            channel.send(Response::Ended(Outcome::LoadFailed(format!(
                "cannot start the async runtime: {e}"
            ))));
            return;
        }
    };
    let channel = Arc::new(Mutex::new(channel));
    let outcome = match Prepared::new(&config, open_line, channel.clone()) {
        Ok(prepared) => runtime.block_on(prepared.run()),
        Err(e) => Outcome::LoadFailed(one_line(&e)),
    };
    let channel = lock(&channel);
    channel.send(Response::Ended(outcome.clone()));
    serve_ended(&channel, &outcome);
}

/// After the program ended: every request is answered, frames are refused.
fn serve_ended(channel: &Channel, outcome: &Outcome) {
    loop {
        let response = match channel.recv() {
            Request::Continue => {
                Response::Error(format!("the program is not being run: it {outcome}"))
            }
            Request::SetStopOnThrow(_) => Response::Done,
            Request::Backtrace { .. }
            | Request::Frame(_)
            | Request::Locals(_)
            | Request::Stack(_) => {
                Response::Error(format!("the program is not paused: it {outcome}"))
            }
        };
        channel.send(response);
    }
}

/// A loaded, linked program ready to run.
struct Prepared {
    store: Store<Host>,
    instance_pre: wasmtime::InstancePre<Host>,
    module: Module,
    shared: Arc<Shared>,
    entry: Entry,
    stop_on_entry: bool,
}

struct Entry {
    name: String,
    func_index: u32,
    args: Vec<Val>,
}

impl Prepared {
    /// Reads, compiles and links the module and checks the entry point.
    fn new(
        config: &RunConfig,
        open_line: OpenLine,
        channel: Arc<Mutex<Channel>>,
    ) -> Result<Prepared> {
        let bytes = crate::wasm::load_module_bytes(&config.module).map_err(|e| anyhow!("{e:#}"))?;
        let info = ModuleInfo::parse(bytes).map_err(|e| anyhow!("malformed module: {e:#}"))?;
        let info = Arc::new(info);
        let shared = Arc::new(Shared {
            channel,
            info,
            instance: OnceLock::new(),
            last_pause: AtomicU64::new(0),
            stop_on_throw: AtomicBool::new(config.stop_on_throw),
            entry_breakpoint: Mutex::new(None),
            last_exception: Mutex::new(None),
        });
        Self::build(config, open_line, shared)
    }

    fn build(config: &RunConfig, open_line: OpenLine, shared: Arc<Shared>) -> Result<Prepared> {
        let mut engine_config = Config::new();
        engine_config
            .guest_debug(true)
            .wasm_exceptions(true)
            .shared_memory(true)
            .async_stack_size(ASYNC_STACK_SIZE)
            .max_wasm_stack(MAX_WASM_STACK);
        let engine = Engine::new(&engine_config)?;
        let module = Module::new(&engine, shared.info.bytes())
            .map_err(|e| anyhow!("{}", one_line(&e)).context("invalid module"))?;

        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdin()
            .inherit_stderr()
            .stdout(GuestStdout { open_line });
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
            wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
                .with_context(|| format!("cannot open --dir {}", dir.host.display()))?;
        }
        let mut store = Store::new(
            &engine,
            Host {
                wasi: wasi.build_p1(),
            },
        );
        store.set_debug_handler(Handler(shared.clone()));

        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |h: &mut Host| &mut h.wasi)?;
        let instance_pre = linker
            .instantiate_pre(&module)
            .map_err(|e| anyhow!("{}", one_line(&e)))?;

        let entry = entry_point(&shared.info, config)?;
        Ok(Prepared {
            store,
            instance_pre,
            module,
            shared,
            entry,
            stop_on_entry: config.stop_on_entry,
        })
    }

    async fn run(mut self) -> Outcome {
        let instance = match self.instance_pre.instantiate_async(&mut self.store).await {
            Ok(i) => i,
            Err(e) => {
                return match outcome_of_error(&self.shared, e) {
                    Outcome::Failed(msg) => Outcome::LoadFailed(msg),
                    other => other,
                };
            }
        };
        let _ = self.shared.instance.set(instance);
        let func = match instance.get_func(&mut self.store, &self.entry.name) {
            Some(f) => f,
            None => {
                return Outcome::LoadFailed(format!("no exported function {}", self.entry.name));
            }
        };
        if self.stop_on_entry {
            let first = self
                .shared
                .info
                .instruction_offsets(self.entry.func_index)
                .first()
                .copied();
            match first {
                Some(pc) => {
                    let added = match self.store.edit_breakpoints() {
                        Some(mut edit) => edit.add_breakpoint(&self.module, module_pc(pc)),
                        None => Err(anyhow!("guest debugging is off")),
                    };
                    if let Err(e) = added {
                        return Outcome::LoadFailed(format!("cannot stop on entry: {e}"));
                    }
                    *lock(&self.shared.entry_breakpoint) = Some((self.module.clone(), pc));
                }
                None => {
                    return Outcome::LoadFailed(format!(
                        "cannot stop on entry: {} is an imported function",
                        self.entry.name
                    ));
                }
            }
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().map(|t| default_val(&t)).collect();
        match func
            .call_async(&mut self.store, &self.entry.args, &mut results)
            .await
        {
            Ok(()) => Outcome::Returned {
                entry: self.entry.name.clone(),
                results: results.iter().map(value_of).collect(),
            },
            Err(e) => outcome_of_error(&self.shared, e),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn module_pc(pc: usize) -> ModulePC {
    ModulePC::new(u32::try_from(pc).unwrap_or(u32::MAX))
}

/// Chooses the entry function: `--invoke NAME` or `_start`, and parses the
/// invoke values by the export's parameter types.
fn entry_point(info: &ModuleInfo, config: &RunConfig) -> Result<Entry> {
    let (name, values) = match &config.invoke {
        Some((name, values)) => (name.as_str(), values.as_slice()),
        None => ("_start", &[][..]),
    };
    let Some(func_index) = info.exported_func(name) else {
        let exported = info.exported_func_names();
        let listing = if exported.is_empty() {
            "it exports no functions".to_string()
        } else {
            format!("its exported functions: {}", exported.join(", "))
        };
        if config.invoke.is_some() {
            bail!("the module exports no function named {name:?}; {listing}");
        }
        bail!("the module has no _start (not a WASI command); use --invoke NAME; {listing}");
    };
    let func = info
        .func(func_index)
        .ok_or_else(|| anyhow!("export {name} names a missing function"))?;
    if values.len() != func.params.len() {
        let types: Vec<String> = func.params.iter().map(|t| t.to_string()).collect();
        bail!(
            "{name} takes {} argument{} ({}), {} given",
            func.params.len(),
            if func.params.len() == 1 { "" } else { "s" },
            types.join(", "),
            values.len()
        );
    }
    let args = func
        .params
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (ty, text))| {
            parse_value(*ty, text)
                .with_context(|| format!("argument {} of {name} ({ty}): {text:?}", i + 1))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Entry {
        name: name.to_string(),
        func_index,
        args,
    })
}

/// Parses a command-line value as a Wasm value of type `ty`: integers in
/// decimal or `0x` hex (negative allowed), floats as Rust parses them
/// (`inf`, `nan` included).
fn parse_value(ty: wasmparser::ValType, text: &str) -> Result<Val> {
    use wasmparser::ValType as T;
    Ok(match ty {
        T::I32 => Val::I32(parse_int(text, 32)? as i32),
        T::I64 => Val::I64(parse_int(text, 64)? as i64),
        T::F32 => Val::F32(
            text.parse::<f32>()
                .map_err(|_| anyhow!("not a number"))?
                .to_bits(),
        ),
        T::F64 => Val::F64(
            text.parse::<f64>()
                .map_err(|_| anyhow!("not a number"))?
                .to_bits(),
        ),
        T::V128 | T::Ref(_) => bail!("values of type {ty} cannot be given on the command line"),
    })
}

/// Parses a signed or unsigned integer that fits in `bits` bits.
fn parse_int(text: &str, bits: u32) -> Result<i128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| anyhow!("not an integer"))?;
    let value = if neg { -magnitude } else { magnitude };
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    if value < min || value > max {
        bail!("out of range for i{bits}");
    }
    Ok(value)
}

fn default_val(ty: &ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
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
fn trap_message(trap: &wasmtime::Trap) -> String {
    let text = trap.to_string();
    text.strip_prefix("wasm trap: ")
        .unwrap_or(&text)
        .to_string()
}

/// The first line of an error with its causes, `: `-joined.
fn one_line(e: &wasmtime::Error) -> String {
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

/// Converts a wasmtime value to an owned [`Value`].
fn value_of(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(*v),
        Val::F64(v) => Value::F64(*v),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::Ref {
            heap: "funcref",
            desc: f.as_ref().map(|_| "function".to_string()),
        },
        Val::ExternRef(r) => Value::Ref {
            heap: "externref",
            desc: r.as_ref().map(|_| "host reference".to_string()),
        },
        Val::AnyRef(r) => Value::Ref {
            heap: "anyref",
            desc: r.as_ref().map(|_| "GC object".to_string()),
        },
        Val::ExnRef(r) => Value::Ref {
            heap: "exnref",
            desc: r.as_ref().map(|_| "exception".to_string()),
        },
        Val::ContRef(r) => Value::Ref {
            heap: "contref",
            desc: r.as_ref().map(|_| "continuation".to_string()),
        },
    }
}

/// Converts values that need the store to describe: an i31 reference's
/// value, a funcref's function. One per pause: the map from funcref to
/// function index is built on first need.
struct ValueReader {
    instance: Option<Instance>,
    info: Arc<ModuleInfo>,
    /// `Func::to_raw` pointer (as an address) -> function index.
    funcs: Option<HashMap<usize, u32>>,
}

impl ValueReader {
    fn new(shared: &Shared) -> ValueReader {
        ValueReader {
            instance: shared.instance.get().copied(),
            info: shared.info.clone(),
            funcs: None,
        }
    }

    fn read(&mut self, store: &mut StoreContextMut<'_, Host>, val: &Val) -> Value {
        match val {
            Val::AnyRef(Some(r)) => {
                if let Ok(Some(i31)) = r.as_i31(&*store) {
                    return Value::Ref {
                        heap: "anyref",
                        desc: Some(format!("i31 {}", i31.get_i32())),
                    };
                }
            }
            Val::FuncRef(Some(f)) => {
                let raw = f.to_raw(&mut *store) as usize;
                if let Some(index) = self.func_index(store, raw) {
                    let desc = match self.info.func_name(index) {
                        Some(name) => format!("func[{index}] {name}"),
                        None => format!("func[{index}]"),
                    };
                    return Value::Ref {
                        heap: "funcref",
                        desc: Some(desc),
                    };
                }
            }
            _ => {}
        }
        value_of(val)
    }

    fn func_index(&mut self, store: &mut StoreContextMut<'_, Host>, raw: usize) -> Option<u32> {
        let instance = self.instance?;
        let funcs = self.funcs.get_or_insert_with(|| {
            (0..self.info.num_funcs())
                .filter_map(|i| {
                    let f = instance.debug_function(&mut *store, i)?;
                    Some((f.to_raw(&mut *store) as usize, i))
                })
                .collect()
        });
        funcs.get(&raw).copied()
    }
}

/// Runs `f`, turning a panic into an error message. wasmtime aborts the
/// process if a panic unwinds out of the debug handler during a trap, so
/// every store access made while paused goes through here.
fn guarded<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
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

/// Handles one debug event: decides whether it is a pause, and if so serves
/// requests until the front end says `Continue`.
fn on_event(shared: &Arc<Shared>, mut store: StoreContextMut<'_, Host>, event: DebugEvent<'_>) {
    let reason = match event {
        DebugEvent::HostcallError(e) => {
            if e.downcast_ref::<I32Exit>().is_some() {
                return; // proc_exit is how a WASI program ends, not a failure
            }
            StopReason::HostcallError(one_line(e))
        }
        DebugEvent::Exception(exn) => {
            let exception =
                guarded(|| read_exception(shared, &mut store, &exn)).unwrap_or(Exception {
                    tag_index: None,
                    tag_name: None,
                    payload: Vec::new(),
                });
            *lock(&shared.last_exception) = Some(exception.clone());
            if !shared.stop_on_throw.load(Ordering::Relaxed) {
                return;
            }
            StopReason::Exception(exception)
        }
        DebugEvent::Trap(trap) => StopReason::Trap(trap_message(&trap)),
        DebugEvent::Breakpoint => match take_entry_breakpoint(shared, &mut store) {
            true => StopReason::Entry,
            false => StopReason::Breakpoint,
        },
        DebugEvent::EpochYield => return,
    };
    let pause = PauseId(shared.last_pause.fetch_add(1, Ordering::Relaxed) + 1);
    let mut paused = Paused {
        pause,
        info: shared.info.clone(),
        frames: Vec::new(),
        complete: false,
        // After a failed host call, frame #0 is the guest function that
        // made the call, and wasmtime reports the pc after it.
        innermost_in_call: matches!(reason, StopReason::HostcallError(_)),
        values: ValueReader::new(shared),
    };
    let frame = guarded(|| paused.frame_info(&mut store, 0)).ok();
    let channel = lock(&shared.channel);
    channel.send(Response::Stopped(Stop {
        pause,
        reason,
        frame,
    }));
    loop {
        let request = channel.recv();
        let response = match request {
            Request::Continue => break,
            Request::SetStopOnThrow(on) => {
                shared.stop_on_throw.store(on, Ordering::Relaxed);
                Response::Done
            }
            other => guarded(|| paused.serve(&mut store, other))
                .unwrap_or_else(|e| Response::Error(one_line(&e))),
        };
        channel.send(response);
    }
    // Resuming: every FrameHandle of this pause is dropped with `paused`.
}

/// If the breakpoint just hit is the `--stop-on-entry` one, removes it and
/// returns true.
fn take_entry_breakpoint(shared: &Shared, store: &mut StoreContextMut<'_, Host>) -> bool {
    let mut slot = lock(&shared.entry_breakpoint);
    let Some((module, pc)) = slot.as_ref() else {
        return false;
    };
    let here = guarded(|| {
        let Some(frame) = store.debug_exit_frames().next() else {
            return Ok(None);
        };
        Ok(frame
            .wasm_function_index_and_pc(&mut *store)?
            .map(|(_, pc)| pc.raw() as usize))
    });
    if !matches!(here, Ok(Some(p)) if p == *pc) {
        return false;
    }
    if let Some(mut edit) = store.as_context_mut().edit_breakpoints() {
        let _ = edit.remove_breakpoint(module, module_pc(*pc));
    }
    *slot = None;
    true
}

/// Reads a thrown exception's tag and payload.
fn read_exception(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    exn: &wasmtime::OwnedRooted<wasmtime::ExnRef>,
) -> Result<Exception> {
    let tag = exn.tag(&mut *store)?;
    let mut tag_index = None;
    if let Some(instance) = shared.instance.get() {
        for i in 0..u32::MAX {
            match instance.debug_tag(&mut *store, i) {
                Some(t) if wasmtime::Tag::eq(&t, &tag, &*store) => {
                    tag_index = Some(i);
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    let count = exn.ty(&*store)?.fields().len();
    let mut values = ValueReader::new(shared);
    let payload = (0..count)
        .map(|i| {
            let v = exn.field(&mut *store, i)?;
            Ok(values.read(store, &v))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Exception {
        tag_name: tag_index.and_then(|i| shared.info.tag_name(i)),
        tag_index,
        payload,
    })
}

/// The frames of one pause, walked lazily from the innermost one.
struct Paused {
    pause: PauseId,
    info: Arc<ModuleInfo>,
    /// (handle, function index, pc to show: the current instruction, or for
    /// a frame waiting on a call, the call).
    frames: Vec<(FrameHandle, u32, usize)>,
    /// The walk reached the end of the module's frames.
    complete: bool,
    /// Frame #0 is stopped in a call (to a host function) rather than at its
    /// own instruction.
    innermost_in_call: bool,
    values: ValueReader,
}

impl Paused {
    fn serve(
        &mut self,
        store: &mut StoreContextMut<'_, Host>,
        request: Request,
    ) -> Result<Response> {
        match request {
            Request::Backtrace { pause, limit } => {
                self.check_pause(pause)?;
                let limit = limit.unwrap_or(usize::MAX);
                let mut frames = Vec::new();
                while frames.len() < limit {
                    match self.frame_info(store, frames.len()) {
                        Ok(f) => frames.push(f),
                        Err(_) if self.complete => break,
                        Err(e) => return Err(e),
                    }
                }
                let total = if self.complete && frames.len() < limit {
                    Some(frames.len())
                } else {
                    None
                };
                Ok(Response::Backtrace { frames, total })
            }
            Request::Frame(r) => {
                self.check_pause(r.pause)?;
                Ok(Response::Frame(self.frame_info(store, r.index)?))
            }
            Request::Locals(r) => {
                self.check_pause(r.pause)?;
                let (handle, func, _) = self.frame(store, r.index)?.clone();
                let n = handle.num_locals(&mut *store)?;
                let locals = (0..n)
                    .map(|i| {
                        Ok(Local {
                            index: i,
                            name: self.info.local_name(func, i).map(str::to_string),
                            declared_type: self.info.local_type(func, i),
                            value: {
                                let v = handle.local(&mut *store, i)?;
                                self.values.read(store, &v)
                            },
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Response::Locals(locals))
            }
            Request::Stack(r) => {
                self.check_pause(r.pause)?;
                let (handle, _, _) = self.frame(store, r.index)?.clone();
                let n = handle.num_stacks(&mut *store)?;
                let values = (0..n)
                    .map(|i| {
                        let v = handle.stack(&mut *store, i)?;
                        Ok(self.values.read(store, &v))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Response::Stack(values))
            }
            Request::Continue | Request::SetStopOnThrow(_) => {
                unreachable!("handled by the pause loop")
            }
        }
    }

    /// Refuses a frame of another pause before any handle is touched.
    fn check_pause(&self, pause: PauseId) -> Result<()> {
        if pause != self.pause {
            bail!(
                "stale frame: it belongs to pause {} and the program has resumed since (now at pause {}); run `bt` for the current frames",
                pause.0,
                self.pause.0
            );
        }
        Ok(())
    }

    /// The `index`th frame, walking further up the stack as needed.
    fn frame(
        &mut self,
        store: &mut StoreContextMut<'_, Host>,
        index: usize,
    ) -> Result<&(FrameHandle, u32, usize)> {
        while self.frames.len() <= index && !self.complete {
            let next = match self.frames.last() {
                None => store.debug_exit_frames().next(),
                Some((h, _, _)) => h.parent(&mut *store)?,
            };
            let Some(handle) = next else {
                self.complete = true;
                break;
            };
            // Stop at a frame that is not a function of this module (e.g.
            // the frame wasmtime makes for module start-up, whose instance
            // slot is garbage). A frame waiting on a call must be just past a
            // call instruction; the innermost may also be at its function's
            // entry (the prologue that exhausted the stack).
            let Some((defined, pc)) = handle.wasm_function_index_and_pc(&mut *store)? else {
                self.complete = true;
                break;
            };
            let func = self.info.num_imported_funcs() + defined.as_u32();
            let pc = pc.raw() as usize;
            let in_call = !self.frames.is_empty() || self.innermost_in_call;
            let shown = if in_call {
                self.info.call_site(func, pc)
            } else {
                (self.info.is_instruction(func, pc) || self.info.is_entry(func, pc)).then_some(pc)
            };
            let Some(pc) = shown else {
                self.complete = true;
                break;
            };
            self.frames.push((handle, func, pc));
        }
        let depth = self.frames.len();
        self.frames.get(index).ok_or_else(|| match depth {
            0 => anyhow!("no frame #{index}: no frames of the module are on the stack"),
            1 => anyhow!("no frame #{index}: the stack has 1 frame (#0)"),
            n => anyhow!(
                "no frame #{index}: the stack has {n} frames (#0-#{})",
                n - 1
            ),
        })
    }

    fn frame_info(
        &mut self,
        store: &mut StoreContextMut<'_, Host>,
        index: usize,
    ) -> Result<FrameInfo> {
        let (handle, func, pc) = self.frame(store, index)?.clone();
        if !handle.is_valid(&mut *store) {
            bail!("frame #{index} is no longer valid");
        }
        Ok(FrameInfo {
            frame: FrameRef {
                pause: self.pause,
                index,
            },
            func_index: func,
            func_name: self.info.func_name(func),
            pc,
            instruction: self
                .info
                .is_instruction(func, pc)
                .then(|| self.info.instruction_text(pc))
                .flatten()
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_by_width() {
        assert_eq!(parse_int("-1", 32).unwrap(), -1);
        assert_eq!(parse_int("0xffffffff", 32).unwrap(), 0xffff_ffff);
        assert!(parse_int("0x100000000", 32).is_err());
        assert!(parse_int("-2147483649", 32).is_err());
        assert!(parse_int("12a", 32).is_err());
        assert_eq!(
            parse_int("-9223372036854775808", 64).unwrap(),
            i64::MIN as i128
        );
    }
}
