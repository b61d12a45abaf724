//! The recorded run: the program on plain code (no guest debugging), every
//! WASI preview 1 call made through wasmtime-wasi and written to a trace
//! with its arguments, result and the memory it wrote.

use crate::error::{Error, ErrorKind, invalid, io_error, malformed, not_found, unavailable};
use std::sync::Arc;

use wasmtime::{
    AsContextMut, Caller, Config, Engine, Extern, Linker, Module, Store, Val, format_err,
};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;

use super::p1::{self, Bits, Sizes, WASI, bits};
use super::trace::{Call, CallResult, End, Header, Sink, TraceWriter, module_hash};
use crate::debugger::config::DEFAULT_MAX_WASM_STACK;
use crate::debugger::config::RunConfig;
use crate::debugger::host::{MemoryCap, one_line, wasi_builder};
use crate::debugger::protocol::Outcome;

/// How a recorded run went.
pub struct Recorded {
    /// How the program ended.
    pub end: End,
    /// The exit status `wasmtime run` gives for that end: the code of
    /// `proc_exit`, 134 for a trap, 1 for another failure, else 0.
    pub status: i32,
    /// How it ended as a session reports an end (`Outcome::Returned` with
    /// the entry function's results, `ComponentReturned`, `Exited`), when it
    /// ended without a failure; `None` after a trap, an uncaught exception,
    /// a failed host call or an interrupt.
    pub outcome: Option<Outcome>,
    /// How many host calls were recorded.
    pub calls: u64,
    /// The trace (its bytes, for [`Sink::Memory`]).
    pub sink: Sink,
    /// The run was interrupted: by Ctrl-C (`Some(None)`) or a timeout
    /// (`Some(Some(seconds))`), through the `Interrupter` given to
    /// [`record`].
    pub interrupted: Option<Option<f64>>,
    /// Where the guest's stdout and stderr went, and whether each ended a
    /// line.
    pub output: super::stdio::GuestStdio,
}

impl Recorded {
    /// `config` (the run this recorded, into memory) as the replay of this
    /// recording: it does not show the output again, and an interrupted
    /// recording is interrupted again after its last call.
    ///
    /// # Errors
    /// The recording was not made into memory, or does not parse (a
    /// wasmdbg bug).
    pub fn replay_config(&self, config: RunConfig) -> Result<RunConfig, Error> {
        let Sink::Memory(bytes) = &self.sink else {
            return Err(Error::new(
                ErrorKind::Internal,
                "the recording was not made in memory",
            ));
        };
        let trace = super::Trace::parse(bytes).map_err(|e| {
            Error::new(ErrorKind::Internal, format!("the in-memory recording: {e}"))
        })?;
        Ok(RunConfig {
            replay: Some(crate::debugger::config::Replay {
                trace: Arc::new(trace),
                quiet_first_run: true,
                interrupted: self.interrupted,
            }),
            ..config
        })
    }
}

/// The store's data while recording.
struct Recorder {
    wasi: WasiP1Ctx,
    writer: Option<TraceWriter<Sink>>,
    /// The first write error; the recording stops being written, the
    /// program goes on, and the error is reported at the end.
    write_error: Option<std::io::Error>,
    args: Sizes,
    env: Sizes,
    memory_cap: MemoryCap,
}

/// The engine both sides of a recording use, with or without guest
/// debugging: NaN results canonicalised and relaxed SIMD deterministic, so
/// plain and instrumented code compute the same bits.
pub(crate) fn deterministic(config: &mut Config) -> &mut Config {
    config
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true)
}

/// Refusals that apply before anything runs: a component importing an
/// interface the recorder does not cover, preloads, shared memories
/// (threads), which a single trace of host calls cannot replay.
pub(crate) fn check_recordable(bytes: &[u8], config: &RunConfig) -> Result<(), Error> {
    if crate::program::is_component(bytes) {
        if config.serve.is_some() {
            return Err(unavailable!("`wasmdbg serve` cannot be recorded yet"));
        }
        // A request `serve --record` recorded links wasi:http too.
        let request = config
            .replay
            .as_ref()
            .is_some_and(|r| r.trace.request.is_some());
        return super::p2::check_recordable_imports(bytes, request);
    }
    if !config.preloads.is_empty() {
        return Err(unavailable!(
            "--preload cannot be recorded yet: record a single module"
        ));
    }
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let shared = match payload {
            Ok(wasmparser::Payload::ImportSection(reader)) => reader
                .into_imports()
                .flatten()
                .any(|i| matches!(i.ty, wasmparser::TypeRef::Memory(m) if m.shared)),
            Ok(wasmparser::Payload::MemorySection(reader)) => {
                reader.into_iter().flatten().any(|m| m.shared)
            }
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => break,
            _ => false,
        };
        if shared {
            return Err(unavailable!(
                "the module has a shared memory (threads): the order its threads ran in cannot \
                 be recorded, so it cannot be replayed"
            ));
        }
    }
    Ok(())
}

/// The trace's header for `config` and the module `bytes`.
pub(crate) fn header(config: &RunConfig, bytes: &[u8], functions: Vec<String>) -> Header {
    Header {
        module: config.module.display().to_string(),
        module_hash: module_hash(bytes),
        argv0: config.argv0(),
        args: config.args.clone(),
        env: config.env.clone(),
        dirs: config
            .dirs
            .iter()
            .map(|d| (d.host.display().to_string(), d.guest.clone(), d.read_only))
            .collect(),
        invoke: config.invoke.clone(),
        max_memory: config.max_memory,
        max_wasm_stack: config.max_wasm_stack,
        functions,
        recorder: format!("wasmdbg {} on wasmtime 48.0.8", env!("CARGO_PKG_VERSION")),
    }
}

/// The `wasi_snapshot_preview1` functions `module` imports.
pub(crate) fn wasi_imports(module: &Module) -> Vec<(String, wasmtime::FuncType)> {
    let mut imports: Vec<(String, wasmtime::FuncType)> = Vec::new();
    // A module may import one function twice; it is defined once.
    for import in module.imports() {
        if import.module() == WASI
            && p1::FUNCTIONS.contains(&import.name())
            && !imports.iter().any(|(name, _)| name == import.name())
            && let Some(ty) = import.ty().func()
        {
            imports.push((import.name().to_string(), ty.clone()));
        }
    }
    imports
}

/// Refuses a module whose WASI imports are not wasmtime-wasi's types (the
/// recording host defines each import with the type the module declares),
/// as a session refuses it: linked against wasmtime-wasi itself, with the
/// same message.
///
/// # Errors
/// The first import wasmtime finds incompatible, or another link error.
fn check_wasi_types(engine: &Engine, module: &Module, config: &RunConfig) -> Result<(), Error> {
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |cx| cx)
        .map_err(|e| Error::new(ErrorKind::Internal, one_line(&e)))?;
    crate::debugger::imports::define_unknown(&mut linker, module, config.unknown_imports, &[])
        .map_err(|e| not_found!("{}", one_line(&e)))?;
    linker
        .instantiate_pre(module)
        .map(drop)
        .map_err(|e| invalid!("{}", one_line(&e)))
}

/// Runs `config`'s module on plain code, writing its trace to the sink
/// `open` makes (called on a thread of its own while the module is read
/// and its code loaded: creating a file costs about half a millisecond,
/// a tenth of a short program's run).
/// The guest's stdout and stderr go where `output` says (the process's, as
/// under `wasmtime run`, or a front end's sink); its stdin is the
/// process's or `--stdin`. With an `interrupter`, Ctrl-C or a timeout it is
/// given ends the run at the guest's next loop or call
/// ([`Recorded::interrupted`]).
///
/// # Errors
/// One line when the program cannot be started (unreadable or invalid
/// module, refused imports, a component, a shared memory, a bad `--dir`)
/// or the trace cannot be written.
pub fn record(
    config: &RunConfig,
    open: impl FnOnce() -> Result<Sink, Error> + Send + 'static,
    interrupter: Option<&crate::debugger::Interrupter>,
    output: super::stdio::GuestStdio,
) -> Result<Recorded, Error> {
    let bytes = crate::program::map_module_bytes(&config.module)?;
    let kind = crate::debugger::preflight::program_kind(config, &bytes)?;
    check_recordable(&bytes, config)?;
    if kind == crate::program::ProgramKind::Component {
        return record_component(
            config,
            &bytes,
            std::thread::spawn(open),
            interrupter,
            output,
        );
    }
    if config.unknown_imports == crate::debugger::imports::UnknownImports::Refuse {
        crate::debugger::imports::check_module_imports(&bytes, &[])?;
    }
    let opening = std::thread::spawn(open);
    let compiled = (|| {
        let engine = recording_engine(config, interrupter)?;
        let (module, _) = crate::debugger::cache::load_or_compile::<Module>(
            &engine,
            &bytes,
            config.cache_dir.as_deref(),
        )
        .map_err(|e| malformed!("invalid module: {}", one_line(&e)))?;
        Ok::<_, Error>((engine, module))
    })();
    // Joined before any return: the sink exists (or failed) before the
    // caller cleans up.
    let sink = joined(opening)?;
    let (engine, module) = compiled?;
    let sink = sink?;
    check_wasi_types(&engine, &module, config)?;
    let imports = wasi_imports(&module);
    let header = header(
        config,
        &bytes,
        imports.iter().map(|(n, _)| n.clone()).collect(),
    );
    let writer =
        TraceWriter::new(sink, &header).map_err(|e| io_error!("cannot write the trace: {e}"))?;

    let mut linker: Linker<Recorder> = Linker::new(&engine);
    for (index, (name, ty)) in imports.into_iter().enumerate() {
        let name: &'static str = p1::FUNCTIONS
            .iter()
            .find(|f| **f == name)
            .copied()
            .unwrap_or("?");
        let func = index as u16;
        linker
            .func_new_async(WASI, name, ty, move |caller, params, results| {
                Box::new(recorded_call(caller, name, func, params, results))
            })
            .map_err(|e| Error::new(ErrorKind::Internal, one_line(&e)))?;
    }
    crate::debugger::imports::define_unknown(&mut linker, &module, config.unknown_imports, &[])
        .map_err(|e| not_found!("{}", one_line(&e)))?;

    let mut wasi = wasi_builder(config)?;
    wasi.stdout(output.stream(crate::debugger::protocol::OutputStream::Stdout))
        .stderr(output.stream(crate::debugger::protocol::OutputStream::Stderr));
    let argv0 = config.argv0();
    let host = Recorder {
        wasi: wasi.build_p1(),
        writer: Some(writer),
        write_error: None,
        args: Sizes::of(
            std::iter::once(argv0.as_str()).chain(config.args.iter().map(String::as_str)),
        ),
        env: Sizes::of(env_strings(config).iter().map(String::as_str)),
        memory_cap: MemoryCap::new(config.max_memory),
    };
    let mut store = Store::new(&engine, host);
    if config.max_memory.is_some() {
        store.limiter(|host| &mut host.memory_cap);
    }
    interruptible(&mut store, interrupter);
    // I/O and timers: wasmtime-wasi's sockets and sleeps run on them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| invalid!("cannot start the async runtime: {e}"))?;
    let entry = match &config.invoke {
        Some(_) => {
            let info = crate::program::ModuleInfo::parse(Arc::new(bytes.to_vec()))
                .map_err(|e| malformed!("malformed module: {e:#}"))?;
            Some(crate::debugger::entry::entry_point(&info, config)?)
        }
        None => {
            // `_start`, refused as a session refuses it (with the exports
            // that could be invoked) without reading the whole module.
            let functions: Vec<&str> = module
                .exports()
                .filter(|e| e.ty().func().is_some())
                .map(|e| e.name())
                .collect();
            if !functions.contains(&"_start") {
                return Err(not_found!(
                    "the module has no _start (not a WASI command); use --invoke NAME; {}",
                    crate::debugger::entry::exports_listing(&functions)
                ));
            }
            None
        }
    };
    let result: wasmtime::Result<Vec<Val>> = runtime.block_on(async {
        let instance = linker.instantiate_async(&mut store, &module).await?;
        let (name, args) = match &entry {
            Some(e) => (e.name.as_str(), e.args.clone()),
            None => ("_start", Vec::new()),
        };
        let func = instance
            .get_func(&mut store, name)
            .ok_or_else(|| format_err!("internal error: the entry function {name} is gone"))?;
        let ty = func.ty(&store);
        let mut results: Vec<Val> = ty
            .results()
            .map(|t| crate::debugger::entry::default_val(&t))
            .collect();
        func.call_async(&mut store, &args, &mut results).await?;
        Ok(results)
    });
    let (end, status) = match &result {
        Ok(_) => (End::Returned, 0),
        Err(e) => end_of_error(e),
    };
    let outcome = match (&result, &end) {
        (Ok(results), _) => Some(Outcome::Returned {
            entry: entry
                .as_ref()
                .map_or("_start", |e| e.name.as_str())
                .to_string(),
            results: results
                .iter()
                .map(crate::debugger::values::value_of)
                .collect(),
        }),
        (Err(_), End::Exited(code)) => Some(Outcome::Exited(*code)),
        (Err(_), _) => None,
    };
    let host = store.into_data();
    if let Some(e) = host.write_error {
        return Err(io_error!("cannot write the trace: {e}"));
    }
    let writer = host
        .writer
        .ok_or_else(|| Error::new(ErrorKind::Internal, "the trace writer was lost"))?;
    let interrupted = interruption(result.as_ref().err(), interrupter);
    finish(writer, end, status, outcome, interrupted, output)
}

/// Arms `store` for `interrupter`: the guest's next epoch check after a
/// request (or at once, for one made before) traps with `Interrupt`.
fn interruptible<T: 'static>(
    store: &mut Store<T>,
    interrupter: Option<&crate::debugger::Interrupter>,
) {
    let Some(interrupter) = interrupter else {
        return;
    };
    let interrupt = interrupter.0.clone();
    store.set_epoch_deadline(if interrupt.pending() { 0 } else { 1 });
    store.epoch_deadline_callback(move |_| {
        Ok(if interrupt.pending() {
            wasmtime::UpdateDeadline::Interrupt
        } else {
            wasmtime::UpdateDeadline::Continue(1)
        })
    });
}

/// How `interrupter` interrupted a run that failed with `error`, if it did
/// (the request is taken).
fn interruption(
    error: Option<&wasmtime::Error>,
    interrupter: Option<&crate::debugger::Interrupter>,
) -> Option<Option<f64>> {
    let trap = error?.downcast_ref::<wasmtime::Trap>()?;
    if *trap != wasmtime::Trap::Interrupt {
        return None;
    }
    Some(interrupter?.0.take().unwrap_or(None))
}

/// The trace's sink from the thread that opened it (or why it could not).
///
/// # Errors
/// The thread panicked (a wasmdbg bug).
fn joined(
    opening: std::thread::JoinHandle<Result<Sink, Error>>,
) -> Result<Result<Sink, Error>, Error> {
    opening
        .join()
        .map_err(|_| Error::new(ErrorKind::Internal, "opening the trace failed unexpectedly"))
}

/// The recording engine for `config`: plain code, deterministic
/// ([`deterministic`]), with exceptions and the stack limit; with epoch
/// checks, and the `interrupter`'s requests reaching it, when there is one.
fn recording_engine(
    config: &RunConfig,
    interrupter: Option<&crate::debugger::Interrupter>,
) -> Result<Engine, Error> {
    let max_wasm_stack = config.max_wasm_stack.unwrap_or(DEFAULT_MAX_WASM_STACK);
    let mut engine_config = Config::new();
    deterministic(&mut engine_config)
        .wasm_exceptions(true)
        .epoch_interruption(interrupter.is_some())
        .max_wasm_stack(max_wasm_stack)
        .async_stack_size(max_wasm_stack.saturating_add(1 << 20));
    let engine = Engine::new(&engine_config).map_err(|e| invalid!("{}", one_line(&e)))?;
    if let Some(interrupter) = interrupter {
        // Beside, not instead of, a session's engine (the DAP has one
        // loaded while this runs, and goes on with it if this fails).
        interrupter.0.attach_also(engine.clone());
    }
    Ok(engine)
}

/// How a run that failed with `e` ended, and the status `wasmtime run`
/// gives for it: `proc_exit`'s or `exit`'s code, 134 for a trap, 1 for
/// another failure.
pub(crate) fn end_of_error(e: &wasmtime::Error) -> (End, i32) {
    match e.downcast_ref::<I32Exit>() {
        Some(exit) => (End::Exited(exit.0), exit.0),
        None => match e.downcast_ref::<wasmtime::Trap>() {
            Some(trap) => (End::Trapped(crate::debugger::host::trap_message(trap)), 134),
            None => (End::Failed(one_line(e)), 1),
        },
    }
}

/// Writes the end record and hands back the recording.
fn finish(
    writer: TraceWriter<Sink>,
    end: End,
    status: i32,
    outcome: Option<Outcome>,
    interrupted: Option<Option<f64>>,
    output: super::stdio::GuestStdio,
) -> Result<Recorded, Error> {
    let calls = writer.calls();
    let sink = writer
        .finish(end.clone())
        .map_err(|e| io_error!("cannot write the trace: {e}"))?;
    Ok(Recorded {
        end,
        status,
        outcome,
        calls,
        sink,
        interrupted,
        output,
    })
}

/// [`record`] for a component: linked through the recording host traits
/// ([`super::p2`]), run as `wasi:cli/run` or `--invoke`'s function.
fn record_component(
    config: &RunConfig,
    bytes: &[u8],
    opening: std::thread::JoinHandle<Result<Sink, Error>>,
    interrupter: Option<&crate::debugger::Interrupter>,
    output: super::stdio::GuestStdio,
) -> Result<Recorded, Error> {
    use crate::debugger::component::{ComponentRunner, Linking};
    let compiled = (|| {
        let engine = recording_engine(config, interrupter)?;
        let (component, _) = crate::debugger::cache::load_or_compile::<
            wasmtime::component::Component,
        >(&engine, bytes, config.cache_dir.as_deref())
        .map_err(|e| malformed!("invalid component: {}", one_line(&e)))?;
        let runner = ComponentRunner::new(&engine, component, config, Linking::Record)?;
        Ok::<_, Error>((engine, runner))
    })();
    let sink = joined(opening)?;
    let (engine, runner) = compiled?;
    let sink = sink?;
    let functions = super::p2::interfaces::all_functions()
        .into_iter()
        .map(String::from)
        .collect();
    let header = header(config, bytes, functions);
    let writer =
        TraceWriter::new(sink, &header).map_err(|e| io_error!("cannot write the trace: {e}"))?;
    let mut wasi = wasi_builder(config)?;
    wasi.stdout(output.stream(crate::debugger::protocol::OutputStream::Stdout))
        .stderr(output.stream(crate::debugger::protocol::OutputStream::Stderr));
    let host = crate::debugger::state::Host {
        wasi: wasmtime_wasi::WasiCtxBuilder::new().build_p1(),
        p2: wasi.build(),
        table: wasmtime_wasi::ResourceTable::new(),
        memory_cap: MemoryCap::new(config.max_memory),
        replay: None,
        recording: Some(super::p2::ComponentRecorder {
            writer,
            write_error: None,
        }),
        http: wasmtime_wasi_http::WasiHttpCtx::new(),
        outgoing: Default::default(),
    };
    let mut store = Store::new(&engine, host);
    if config.max_memory.is_some() {
        store.limiter(|host| &mut host.memory_cap);
    }
    interruptible(&mut store, interrupter);
    // I/O and timers: wasmtime-wasi's sockets and sleeps run on them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| invalid!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(runner.run(&mut store));
    let interrupted = interruption(result.as_ref().err(), interrupter);
    let (end, status, outcome) = match result {
        Ok(Outcome::Exited(code)) => (End::Exited(code), code, Some(Outcome::Exited(code))),
        Ok(outcome) => (End::Returned, 0, Some(outcome)),
        Err(e) => {
            let (end, status) = end_of_error(&e);
            let outcome = match end {
                End::Exited(code) => Some(Outcome::Exited(code)),
                _ => None,
            };
            (end, status, outcome)
        }
    };
    let host = store.into_data();
    let recording = host
        .recording
        .ok_or_else(|| Error::new(ErrorKind::Internal, "the trace writer was lost"))?;
    if let Some(e) = recording.write_error {
        return Err(io_error!("cannot write the trace: {e}"));
    }
    finish(recording.writer, end, status, outcome, interrupted, output)
}

/// A WASI call made through wasmtime-wasi, recorded.
async fn recorded_call(
    mut caller: Caller<'_, Recorder>,
    name: &'static str,
    func: u16,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let args: Vec<Bits> = params.iter().map(bits).collect();
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(format_err!("missing required memory export"));
    };
    let buffers = p1::read_buffers(name, &args, memory.data(&caller));
    let fuel = caller.as_context_mut().hostcall_fuel();
    let result = {
        let (data, host) = memory.data_and_store_mut(&mut caller);
        host.wasi.set_hostcall_fuel(fuel);
        let mut guest = wiggle::GuestMemory::Unshared(data);
        p1::call(name, &mut host.wasi, &mut guest, &args).await
    };
    let (data, host) = memory.data_and_store_mut(&mut caller);
    let writes = match &result {
        Ok(Some(0)) => p1::written(name, &args, data, &buffers, host.args, host.env)
            .into_iter()
            .map(|(at, len)| (at, data[at as usize..(at + len) as usize].to_vec()))
            .collect(),
        _ => Vec::new(),
    };
    let recorded = match &result {
        Ok(errno) => CallResult::Returned(*errno),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => CallResult::Exit(exit.0),
            None => CallResult::Failed(one_line(e)),
        },
    };
    if let Some(writer) = host.writer.as_mut()
        && host.write_error.is_none()
        && let Err(e) = writer.call(Call {
            func,
            args,
            result: recorded,
            writes,
        })
    {
        host.write_error = Some(e);
    }
    if let (Some(errno), Some(slot)) = (result?, results.first_mut()) {
        *slot = Val::I32(errno);
    }
    Ok(())
}

/// The environment as the guest reads it: `NAME=VALUE` strings.
pub(crate) fn env_strings(config: &RunConfig) -> Vec<String> {
    config.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
}
