//! The command line: `wasmdbg run [OPTIONS] MODULE [ARGS...]`,
//! `wasmdbg record`, `wasmdbg replay TRACE`, `wasmdbg core [OPTIONS] MODULE
//! COREFILE` and `wasmdbg dap`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::debugger::config::{Outgoing, PausedRequests, ServeOptions};
use crate::debugger::{DirSpec, RunConfig};
use crate::render::Theme;

/// A terminal debugger for WebAssembly, running guest code on wasmtime.
#[derive(Debug, Parser)]
#[command(name = "wasmdbg", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: CliCommand,
}

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run MODULE at plain wasmtime's speed, recording it; where it traps,
    /// throws an uncaught exception or a host call fails, replay it under
    /// the debugger and pause there (-b, --stop-on-entry, --preload or
    /// --instrumented: under the debugger from the start).
    Run(Box<RunArgs>),
    /// Run MODULE on plain code (full speed, no debugger) and write every
    /// host call to a trace, for `wasmdbg replay`.
    Record(Box<RecordArgs>),
    /// Run the module a trace recorded under the debugger, every host call
    /// answered from the trace: the same run again, forwards and backwards.
    Replay(Box<ReplayArgs>),
    /// Open a core dump of MODULE: frames, locals, operand stack, globals,
    /// memory and source variables, read-only.
    Core(CoreArgs),
    /// Serve HTTP with a wasi:http/proxy COMPONENT under the debugger, one
    /// instance per request (as `wasmtime serve`); a request pauses at
    /// breakpoints, traps and Ctrl-C, and the prompt comes with it.
    Serve(Box<ServeArgs>),
    /// Serve the Debug Adapter Protocol to one editor, on stdin/stdout (or
    /// a loopback TCP port): the program and its options come in the
    /// `launch` request.
    Dap(DapArgs),
}

/// Arguments of `wasmdbg dap`.
#[derive(Debug, Args)]
pub struct DapArgs {
    /// Listen on 127.0.0.1:PORT for one client instead of using stdin and
    /// stdout (0: a free port, printed on stderr).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
}

/// The options of the debugger itself, for `run` and `core`.
#[derive(Debug, Args)]
pub struct FrontendArgs {
    /// Look for source files in DIR too (repeatable; in order, after the
    /// path DWARF gives). REPL: `directory DIR`.
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    pub directories: Vec<PathBuf>,

    /// Run the debugger commands in FILE (repeatable; in order with -ex).
    #[arg(short = 'x', long = "command", value_name = "FILE")]
    pub command_files: Vec<PathBuf>,

    /// Run one debugger command (repeatable; in order with -x).
    #[arg(long = "ex", value_name = "CMD", allow_hyphen_values = true)]
    pub commands: Vec<String>,

    /// Do not run init files (the user's `~/.config/wasmdbg/init` and a
    /// `.wasmdbginit` in the current directory).
    #[arg(short = 'n', long = "nx")]
    pub no_init: bool,

    /// Exit when the commands from -x/-ex are done instead of prompting.
    #[arg(long)]
    pub batch: bool,

    /// Write JSON lines on stdout instead of text: one object per stop, per
    /// command (its results as data), per chunk of the program's output,
    /// and one for the end (docs/json.md). Implies --batch.
    #[arg(long)]
    pub json: bool,

    /// Colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Arguments of `wasmdbg core`.
#[derive(Debug, Args)]
pub struct CoreArgs {
    /// The DWARF package of a module built with split DWARF (default:
    /// MODULE's name with `.dwp`, beside it, when it exists).
    #[arg(long, value_name = "FILE")]
    pub dwp: Option<PathBuf>,

    /// The modules the run preloaded (`--preload NAME=MODULE` as given to
    /// `wasmdbg run`; repeatable, in order).
    #[arg(long = "preload", value_name = "NAME=MODULE", value_parser = parse_preload)]
    pub preloads: Vec<(String, PathBuf)>,

    /// The debugger's own options.
    #[command(flatten)]
    pub frontend: FrontendArgs,

    /// The module or component the core dump came from.
    pub module: PathBuf,

    /// The core dump (`wasmdbg run --coredump`, `generate-core-file`, or
    /// `wasmtime run -D coredump=PATH`).
    #[arg(value_name = "COREFILE")]
    pub core: PathBuf,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Arguments of `wasmdbg run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Insist on what `run` does by default when nothing needs the debugger
    /// from the start: run on plain code, at wasmtime's speed, recording the
    /// host calls in memory, and only if the program traps, throws an
    /// uncaught exception or a host call fails (or Ctrl-C, --timeout), replay
    /// the run under the debugger to that point and pause there. With it,
    /// what would make the run instrumented (-b, --stop-on-entry,
    /// --preload) is an error instead.
    #[arg(long, conflicts_with = "instrumented")]
    pub fast: bool,

    /// Run under the debugger from the start (instrumented code, several
    /// times slower than plain): Ctrl-C pauses where the program is and it
    /// goes on live from there, and `break` at a pause applies to the rest
    /// of this run. Without it, a run with no -b, --stop-on-entry or
    /// --preload runs on plain code and is replayed only if it fails.
    #[arg(long)]
    pub instrumented: bool,

    /// The debugger's options.
    #[command(flatten)]
    pub debugger: DebuggerArgs,

    /// What to run, and how.
    #[command(flatten)]
    pub program: ProgramArgs,
}

/// The debugger's options of `run` and `replay`.
#[derive(Debug, Args)]
pub struct DebuggerArgs {
    /// Pause before the first instruction of the entry function.
    #[arg(long)]
    pub stop_on_entry: bool,

    /// Do not pause when the guest throws an exception a handler catches
    /// (for programs that throw as ordinary control flow); one no handler
    /// catches still pauses. REPL: `set stop-on-throw off`.
    #[arg(long)]
    pub no_stop_on_throw: bool,

    /// Set a breakpoint before the program starts (repeatable): a function
    /// name, `func[N]`, `*0xOFFSET`, `NAME+0xOFFSET` or `FILE:LINE`, then
    /// optionally `if EXPR`, as `break` takes it.
    #[arg(short = 'b', long = "break", value_name = "LOCATION")]
    pub breakpoints: Vec<String>,

    /// Pause the program when it runs longer than SECS after starting or
    /// resuming (for scripted runs: report where a hung program is).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<f64>,

    /// Compile without epoch interruption: tight loops run faster (see
    /// docs/performance.md), but Ctrl-C, --timeout and `run` can no
    /// longer stop a running program.
    #[arg(long, conflicts_with = "timeout")]
    pub no_interrupts: bool,

    /// The DWARF package (.dwp) for a module built with split DWARF
    /// (default: MODULE's name with .dwp beside it, when it exists).
    #[arg(long, value_name = "FILE")]
    pub dwp: Option<PathBuf>,

    /// Write a core dump to PATH when the program stops at a trap, an
    /// uncaught exception or a failed host call (then pause, or go on with the commands); REPL:
    /// `generate-core-file`.
    #[arg(long, value_name = "PATH")]
    pub coredump: Option<PathBuf>,

    /// Run one debugger command if the program crashes: when, after the
    /// -x/-ex commands, it is paused where it would die if let go (a trap, a
    /// failed host call, `--timeout`). Repeatable; in order with -K (lldb's
    /// `--one-line-on-crash`).
    #[arg(
        short = 'k',
        long = "one-line-on-crash",
        value_name = "CMD",
        allow_hyphen_values = true
    )]
    pub crash_commands: Vec<String>,

    /// Run the debugger commands in FILE if the program crashes, as -k does
    /// (lldb's `--source-on-crash`).
    #[arg(short = 'K', long = "source-on-crash", value_name = "FILE")]
    pub crash_command_files: Vec<PathBuf>,

    /// The debugger's own options.
    #[command(flatten)]
    pub frontend: FrontendArgs,
}

/// Where compiled code is kept, for `run`, `record` and `replay`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Keep compiled machine code in DIR (default: $XDG_CACHE_HOME/wasmdbg,
    /// else ~/.cache/wasmdbg), so the next start on the same module skips
    /// compiling.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Compile the module even when the cache has it, and save nothing.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

/// The program and what it is given, for `run` and `record`.
#[derive(Debug, Args)]
pub struct ProgramArgs {
    /// Pass an environment variable to the guest (repeatable): NAME alone
    /// passes the debugger's own value. Nothing else of the host
    /// environment is passed unless --inherit-env.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse_env)]
    pub env: Vec<(String, Option<String>)>,

    /// Pass the debugger's whole environment to the guest (--env entries
    /// still add to it or override it).
    #[arg(long)]
    pub inherit_env: bool,

    /// Let the guest use the host's network through wasi:sockets (TCP, UDP
    /// and name lookup), as `wasmtime run -S inherit-network` does; without
    /// it every socket operation is refused.
    #[arg(long)]
    pub inherit_network: bool,

    /// Give the guest a host directory, as GUEST (default: the host path)
    /// (repeatable); nothing else of the host file system is reachable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,

    /// Like --dir, read-only: the guest can read the directory but not
    /// create, change or remove anything in it (repeatable).
    #[arg(long = "ro-dir", value_name = "HOST[::GUEST]")]
    pub ro_dirs: Vec<String>,

    /// Give the guest FILE as its stdin (default: the debugger's stdin).
    #[arg(long, value_name = "FILE")]
    pub stdin: Option<PathBuf>,

    /// Pause the program when its linear memory would grow past BYTES (all
    /// memories together), instead of letting it grow.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,

    /// Call this exported function instead of `_start`; ARGS are its
    /// arguments, parsed by its parameter types. Its results are printed.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,

    /// Instantiate core module MODULE first and link it under import name
    /// NAME (repeatable, in order; wasmtime run's `--preload`): the main
    /// module may import its exports as `NAME::EXPORT`. Its frames, names
    /// and DWARF are the debugger's like the main module's.
    #[arg(long = "preload", value_name = "NAME=MODULE", value_parser = parse_preload)]
    pub preloads: Vec<(String, PathBuf)>,

    /// Define each function import wasmdbg does not provide as a function
    /// that fails when called, naming the import (wasmtime run's `-W
    /// unknown-imports-trap`); otherwise such a module is refused before it
    /// is compiled.
    #[arg(long, conflicts_with = "default_values_unknown_imports")]
    pub trap_unknown_imports: bool,

    /// Define each function import wasmdbg does not provide as a function
    /// that returns zeros (wasmtime run's `-W unknown-imports-default`; core
    /// modules only).
    #[arg(long)]
    pub default_values_unknown_imports: bool,

    /// The guest's stack limit in bytes (default: 524288, wasmtime's);
    /// deeper recursion traps with "call stack exhausted".
    #[arg(long, value_name = "BYTES", value_parser = parse_stack)]
    pub max_wasm_stack: Option<usize>,

    /// Where compiled code is kept.
    #[command(flatten)]
    pub cache: CacheArgs,

    /// The module: a `.wasm` binary or `.wat` text (told apart by content).
    pub module: PathBuf,

    /// Arguments for the program (its first argument, argv 0, is the
    /// module's file name), or the values for --invoke.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Arguments of `wasmdbg serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen on ADDR (port 0: a free port; the address is printed on
    /// stderr).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Let the component make outgoing HTTP requests
    /// (wasi:http/outgoing-handler): to any host, or only to the HOSTS
    /// given (`--allow-outgoing-http=a.example,127.0.0.1`). Without it an
    /// outgoing request fails inside the guest with HTTP-request-denied.
    #[arg(
        long,
        value_name = "HOSTS",
        num_args = 0..=1,
        require_equals = true,
        value_delimiter = ','
    )]
    pub allow_outgoing_http: Option<Vec<String>>,

    /// What requests do while one is paused: `wait` (handled under the
    /// debugger, in order, after it is answered) or `serve` (served at once
    /// on plain code, without pausing, while it stays paused).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = PausedRequestsArg::Wait)]
    pub paused_requests: PausedRequestsArg,

    /// Write the trace of every request that traps or answers 5xx, and a
    /// core dump of each that traps, to DIR (created if missing), named by
    /// request number, method and path; `wasmdbg replay DIR/TRACE` runs
    /// that request again under the debugger.
    #[arg(long, value_name = "DIR")]
    pub record: Option<std::path::PathBuf>,

    /// With --record: also keep the traces of the last N requests that
    /// succeeded.
    #[arg(long, value_name = "N", requires = "record", default_value_t = 0)]
    pub keep: usize,

    /// The debugger's options.
    #[command(flatten)]
    pub debugger: DebuggerArgs,

    /// The component and its environment and directories (--env,
    /// --inherit-env, --dir, --ro-dir, --max-memory, --max-wasm-stack, the
    /// cache).
    #[command(flatten)]
    pub program: ProgramArgs,
}

impl ServeArgs {
    /// The server, as the debugger core takes it; or why these options
    /// cannot serve (one line).
    ///
    /// # Errors
    /// Program arguments, `--invoke`, `--preload` or `--stdin`, which
    /// serving has no use for.
    pub fn run_config(&self) -> Result<RunConfig, String> {
        let p = &self.program;
        let refused = if !p.args.is_empty() {
            Some("program arguments")
        } else if p.invoke.is_some() {
            Some("--invoke")
        } else if !p.preloads.is_empty() {
            Some("--preload")
        } else if p.stdin.is_some() {
            Some("--stdin")
        } else {
            None
        };
        if let Some(what) = refused {
            return Err(format!(
                "{what} cannot be used with `wasmdbg serve`: each request calls the \
                 component's wasi:http/incoming-handler"
            ));
        }
        let outgoing = Outgoing::from_hosts(self.allow_outgoing_http.as_deref());
        let d = &self.debugger;
        Ok(RunConfig {
            // Pause before serving: breakpoints can be set at the prompt.
            stop_on_entry: d.stop_on_entry,
            stop_on_throw: !d.no_stop_on_throw,
            breakpoints: d.breakpoints.clone(),
            without_interrupts: d.no_interrupts,
            serve: Some(ServeOptions {
                addr: self.addr.clone(),
                outgoing,
                paused_requests: match self.paused_requests {
                    PausedRequestsArg::Wait => PausedRequests::Wait,
                    PausedRequestsArg::Serve => PausedRequests::Serve,
                },
                record: self.record.clone(),
                keep: self.keep,
            }),
            ..p.run_config()
        })
    }
}

/// `--paused-requests`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PausedRequestsArg {
    /// Wait until the paused request is answered.
    Wait,
    /// Be served on plain code without pausing.
    Serve,
}

/// Arguments of `wasmdbg record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Write the trace to TRACE (default: MODULE's file name with
    /// `.trace`, in the current directory).
    #[arg(short = 'o', long = "output", value_name = "TRACE")]
    pub output: Option<PathBuf>,

    /// What to run, and how.
    #[command(flatten)]
    pub program: ProgramArgs,
}

/// Arguments of `wasmdbg replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recorded module, when it is no longer where the trace says
    /// (its hash must match).
    #[arg(long, value_name = "MODULE")]
    pub module: Option<PathBuf>,

    /// Where compiled code is kept.
    #[command(flatten)]
    pub cache: CacheArgs,

    /// The debugger's options.
    #[command(flatten)]
    pub debugger: DebuggerArgs,

    /// The trace `wasmdbg record` wrote.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

/// `$XDG_CACHE_HOME/wasmdbg`, else `$HOME/.cache/wasmdbg` (the XDG base
/// directory rules); `None` without either variable.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    Some(base.join("wasmdbg"))
}

/// A stack limit: at least 64 KiB, at most 1 GiB (wasmtime needs the
/// fiber stack to be larger still).
fn parse_stack(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(v) if (64 << 10..=1 << 30).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected a number of bytes from 65536 to 1073741824, got {s:?}"
        )),
    }
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("expected a positive number of seconds, got {s:?}")),
    }
}

fn parse_preload(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_string(), PathBuf::from(path)))
        }
        _ => Err(format!("expected NAME=MODULE, got {s:?}")),
    }
}

fn parse_env(s: &str) -> Result<(String, Option<String>), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), Some(v.to_string()))),
        None if !s.is_empty() => Ok((s.to_string(), None)),
        _ => Err(format!("expected NAME or NAME=VALUE, got {s:?}")),
    }
}

/// A byte count: decimal, or with a K, M or G suffix (powers of 1024).
fn parse_bytes(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => {
            return Err(format!(
                "expected a number of bytes (like 65536 or 64M), got {s:?}"
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("expected a number of bytes (like 65536 or 64M), got {s:?}"))
}

impl RunArgs {
    /// The program to run, as the debugger core takes it.
    pub fn run_config(&self) -> RunConfig {
        let d = &self.debugger;
        RunConfig {
            stop_on_entry: d.stop_on_entry,
            stop_on_throw: !d.no_stop_on_throw,
            breakpoints: d.breakpoints.clone(),
            without_interrupts: d.no_interrupts,
            dwp: d.dwp.clone(),
            ..self.program.run_config()
        }
    }

    /// The theme, decided once: `--color` beats `NO_COLOR`, which beats
    /// whether stdout is a terminal.
    pub fn theme(&self) -> Theme {
        self.debugger.frontend.theme()
    }
}

impl CacheArgs {
    /// The cache directory to use: `None` with --no-cache.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(default_cache_dir)
        }
    }
}

impl ProgramArgs {
    /// The program and its inputs, as the debugger core takes it (the
    /// debugger's options default).
    pub fn run_config(&self) -> RunConfig {
        let (args, invoke) = RunConfig::program_args(self.invoke.as_ref(), &self.args);
        RunConfig {
            module: self.module.clone(),
            args,
            env: self.guest_env(),
            dirs: DirSpec::list(&self.dirs, &self.ro_dirs),
            max_memory: self.max_memory,
            stdin: self.stdin.clone(),
            output_is_terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            invoke,
            stop_on_throw: true,
            max_wasm_stack: self.max_wasm_stack,
            cache_dir: self.cache.dir(),
            preloads: self.preloads.clone(),
            unknown_imports: crate::debugger::imports::UnknownImports::from_flags(
                self.trap_unknown_imports,
                self.default_values_unknown_imports,
            ),
            inherit_network: self.inherit_network,
            ..RunConfig::default()
        }
    }

    /// The guest's environment: the debugger's own with --inherit-env,
    /// then each --env in order (NAME alone takes the debugger's value, and
    /// is left out when the debugger has none).
    pub fn guest_env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = if self.inherit_env {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        } else {
            Vec::new()
        };
        for (name, value) in &self.env {
            let value = match value {
                Some(v) => Some(v.clone()),
                None => std::env::var(name).ok(),
            };
            env.retain(|(k, _)| k != name);
            if let Some(value) = value {
                env.push((name.clone(), value));
            }
        }
        env
    }
}

impl FrontendArgs {
    /// The output theme `--color` asks for.
    pub fn theme(&self) -> Theme {
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Theme { color }
    }
}

/// One scripted command source, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// `-x FILE`.
    File(PathBuf),
    /// `-ex CMD`.
    Command(String),
}

/// The `-x` and `-ex` arguments of `run` or `core` in the order they were
/// given.
pub fn scripts_in_order(matches: &clap::ArgMatches, args: &FrontendArgs) -> Vec<Script> {
    in_order(
        matches,
        ("command_files", &args.command_files),
        ("commands", &args.commands),
    )
}

/// The `-K` and `-k` arguments of `run` (commands for a crash) in the order
/// they were given.
pub fn crash_scripts_in_order(matches: &clap::ArgMatches, args: &DebuggerArgs) -> Vec<Script> {
    in_order(
        matches,
        ("crash_command_files", &args.crash_command_files),
        ("crash_commands", &args.crash_commands),
    )
}

/// Files and one-line commands of two repeatable options (given by clap id)
/// merged in command-line order.
fn in_order(
    matches: &clap::ArgMatches,
    files: (&str, &[PathBuf]),
    commands: (&str, &[String]),
) -> Vec<Script> {
    let Some((_, m)) = matches.subcommand() else {
        return Vec::new();
    };
    let mut all: Vec<(usize, Script)> = Vec::new();
    if let Some(idx) = m.indices_of(files.0) {
        all.extend(idx.zip(files.1).map(|(i, f)| (i, Script::File(f.clone()))));
    }
    if let Some(idx) = m.indices_of(commands.0) {
        all.extend(
            idx.zip(commands.1)
                .map(|(i, c)| (i, Script::Command(c.clone()))),
        );
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, s)| s).collect()
}

/// Rewrites gdb's single-dash `-ex CMD` to `--ex CMD` (clap has no
/// multi-letter short options). Only tokens before MODULE are touched, so the
/// guest's own arguments pass through unchanged.
pub fn normalize_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    // Options that take a value, from clap's definition of `run`.
    let command = Cli::command();
    let mut takes_value = vec!["-ex".to_string()];
    for sub in command.get_subcommands() {
        for arg in sub.get_arguments() {
            // A value after `=` only (`--allow-outgoing-http=HOSTS`) is
            // never the next word.
            if arg.get_action().takes_values()
                && !arg.is_positional()
                && !arg.is_require_equals_set()
            {
                takes_value.extend(arg.get_long().map(|l| format!("--{l}")));
                takes_value.extend(arg.get_short().map(|s| format!("-{s}")));
            }
        }
    }
    let mut out = Vec::new();
    let mut subcommand: Option<String> = None;
    let mut in_options = true;
    let mut expect_value = false;
    for (i, arg) in args.into_iter().enumerate() {
        if i == 0 || !in_options {
            out.push(arg);
            continue;
        }
        if expect_value {
            expect_value = false;
            out.push(arg);
            continue;
        }
        if arg == "--" {
            in_options = false;
        } else if !arg.starts_with('-') {
            // The first plain word is the subcommand, the second MODULE
            // (after which `run` and `record` pass the program its own
            // arguments; `replay` and `core` take none).
            match &subcommand {
                Some(sub) if sub == "run" || sub == "record" => in_options = false,
                Some(_) => {}
                None => subcommand = Some(arg.clone()),
            }
        } else if takes_value.contains(&arg) {
            expect_value = true;
        }
        out.push(if in_options && arg == "-ex" {
            "--ex".to_string()
        } else {
            arg
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn rewrites_ex_before_the_module_only() {
        assert_eq!(
            normalize_args(words("wasmdbg run -ex bt -x f m.wasm -ex y")),
            words("wasmdbg run --ex bt -x f m.wasm -ex y")
        );
        assert_eq!(
            normalize_args(words("wasmdbg run --ex -ex m.wasm")),
            words("wasmdbg run --ex -ex m.wasm")
        );
        // Every option's value is skipped, whatever the option.
        assert_eq!(
            normalize_args(words(
                "wasmdbg run --cache-dir d --env A=1 -b f m.wasm -ex y"
            )),
            words("wasmdbg run --cache-dir d --env A=1 -b f m.wasm -ex y")
        );
        assert_eq!(
            normalize_args(words("wasmdbg run --cache-dir d -ex bt m.wasm")),
            words("wasmdbg run --cache-dir d --ex bt m.wasm")
        );
        // `replay` has no program arguments: options may follow TRACE.
        assert_eq!(
            normalize_args(words("wasmdbg replay t.trace -ex bt -b f")),
            words("wasmdbg replay t.trace --ex bt -b f")
        );
    }
}
