//! [`RunConfig`]: what to run and how, independent of the command line.

use std::path::PathBuf;
use std::sync::Arc;

/// A host directory made visible to the guest (`--dir HOST[::GUEST]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirSpec {
    /// The directory on the host.
    pub host: PathBuf,
    /// The path the guest opens it by.
    pub guest: String,
    /// The guest may read but not create, change or remove anything.
    pub read_only: bool,
}

impl DirSpec {
    /// Parses `HOST[::GUEST]`, the syntax of `wasmtime run --dir`; without
    /// `::GUEST` the guest sees the directory under the host path as given.
    pub fn parse(spec: &str) -> DirSpec {
        match spec.split_once("::") {
            Some((host, guest)) => DirSpec {
                host: host.into(),
                guest: guest.to_string(),
                read_only: false,
            },
            None => DirSpec {
                host: spec.into(),
                guest: spec.to_string(),
                read_only: false,
            },
        }
    }

    /// The directories of `--dir` (`dirs`) and `--dir-ro` (`read_only`),
    /// in that order, each parsed as [`DirSpec::parse`] does.
    pub fn list(dirs: &[String], read_only: &[String]) -> Vec<DirSpec> {
        dirs.iter()
            .map(|d| DirSpec::parse(d))
            .chain(read_only.iter().map(|d| DirSpec {
                read_only: true,
                ..DirSpec::parse(d)
            }))
            .collect()
    }
}

impl RunConfig {
    /// The argv\[0\] the guest sees: the module's file name.
    pub fn argv0(&self) -> String {
        self.module
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.module.display().to_string())
    }

    /// `args` as the program's arguments, or with `invoke` (an export to
    /// call) as that function's: (program arguments, invocation).
    pub fn program_args(
        invoke: Option<&String>,
        args: &[String],
    ) -> (Vec<String>, Option<(String, Vec<String>)>) {
        match invoke {
            Some(name) => (Vec::new(), Some((name.clone(), args.to_vec()))),
            None => (args.to_vec(), None),
        }
    }
}

/// Everything the worker needs to load and start a program.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// The module file (`.wasm` binary or `.wat` text, told apart by content).
    pub module: PathBuf,
    /// Arguments after argv\[0\] (argv\[0\] is the module's file name).
    pub args: Vec<String>,
    /// Environment variables given to the guest; nothing else of the host
    /// environment is passed.
    pub env: Vec<(String, String)>,
    /// Preopened directories; nothing else of the host file system is
    /// reachable.
    pub dirs: Vec<DirSpec>,
    /// `--inherit-network`: wasi:sockets reaches the host's network (TCP,
    /// UDP, name lookup); otherwise every socket operation is refused.
    pub inherit_network: bool,
    /// `Some((export, values))` to call an export instead of `_start`; the
    /// values are parsed by the export's parameter types.
    pub invoke: Option<(String, Vec<String>)>,
    /// Pause before the entry function's first instruction.
    pub stop_on_entry: bool,
    /// Pause when the guest throws an exception (on by default in the CLI).
    pub stop_on_throw: bool,
    /// Breakpoints set before the program starts (`-b`), each `LOCATION
    /// [if EXPR]` as `break` takes it; one that does not resolve, or whose
    /// condition does not parse, is a load error.
    pub breakpoints: Vec<String>,
    /// Compile without epoch interruption, to measure what it costs. Then
    /// Ctrl-C, `--timeout` and `run` cannot stop a guest that is running
    /// (`run` waits for the current run to end by itself).
    pub without_interrupts: bool,
    /// The guest's stack limit in bytes (`None`: wasmtime's default,
    /// 512 KiB); deeper recursion traps with "call stack exhausted".
    pub max_wasm_stack: Option<usize>,
    /// The most bytes of linear memory the guest may have, all memories
    /// together; growing past it pauses the program (`StopReason::Trap`
    /// with the limit in its message). `None`: no limit beyond the
    /// memories' own.
    pub max_memory: Option<u64>,
    /// What the guest is told when it asks whether its stdout and stderr
    /// are a terminal (the front end knows; the core writes no output
    /// itself, see [`crate::debugger::protocol::Event::Output`]).
    pub output_is_terminal: bool,
    /// A file the guest reads as its stdin instead of the debugger's stdin.
    pub stdin: Option<PathBuf>,
    /// The compiled-code cache directory; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    /// The DWARF package for split DWARF (`--dwp`); `None` uses
    /// `MODULE.dwp` beside the module when it exists.
    pub dwp: Option<PathBuf>,
    /// What to do with imports wasmdbg does not provide (by default, refuse
    /// to start, before compiling).
    pub unknown_imports: super::imports::UnknownImports,
    /// Core modules to instantiate first, each linked under its import
    /// name (`--preload NAME=MODULE`, wasmtime run's), in order.
    pub preloads: Vec<(String, PathBuf)>,
    /// Answer every host call from a recording instead of running WASI
    /// (`wasmdbg replay`, `wasmdbg run`'s fast path after a failure); then files, clocks
    /// and stdin are not touched, and reverse execution works.
    pub replay: Option<Replay>,
    /// Serve HTTP with a `wasi:http/proxy` component instead of running a
    /// program (`wasmdbg serve`): one run is the server, each request its
    /// own instance.
    pub serve: Option<ServeOptions>,
}

/// A run answered from a trace.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The trace.
    pub trace: Arc<super::record::trace::Trace>,
    /// The first replayed run does not show the guest's output again (it
    /// was shown while recording: `wasmdbg run`'s fast path).
    pub quiet_first_run: bool,
    /// The recording was interrupted (`wasmdbg run`'s fast path): by Ctrl-C (`Some(None)`)
    /// or `--timeout` (`Some(Some(seconds))`). The first replayed run is
    /// interrupted the same way once its last recorded host call has been
    /// answered: how far the recording ran after it is not recorded.
    pub interrupted: Option<Option<f64>>,
}

impl Replay {
    /// The run `trace` recorded, as a [`RunConfig`] with everything else
    /// default: the module (`module` when given, else the path the trace
    /// names), its arguments, environment, directories (names only: a replay
    /// opens none), `--invoke` and limits.
    pub fn run_config(
        trace: Arc<super::record::trace::Trace>,
        module: Option<PathBuf>,
    ) -> RunConfig {
        let h = &trace.header;
        RunConfig {
            module: module.unwrap_or_else(|| PathBuf::from(&h.module)),
            args: h.args.clone(),
            env: h.env.clone(),
            dirs: h
                .dirs
                .iter()
                .map(|(host, guest, read_only)| DirSpec {
                    host: host.into(),
                    guest: guest.clone(),
                    read_only: *read_only,
                })
                .collect(),
            invoke: h.invoke.clone(),
            max_memory: h.max_memory,
            max_wasm_stack: h.max_wasm_stack,
            replay: Some(Replay {
                trace: trace.clone(),
                quiet_first_run: false,
                interrupted: None,
            }),
            ..RunConfig::default()
        }
    }
}

/// Guest stack limit unless `RunConfig::max_wasm_stack` says otherwise
/// (wasmtime's default, so a program exhausts its stack at the same depth
/// as on plain wasmtime): deeper recursion traps with "call stack
/// exhausted".
pub const DEFAULT_MAX_WASM_STACK: usize = 512 << 10;

/// How much more stack a replay gets than the recorded run had (see
/// `Loaded::load`): guest debugging spills every local and operand to the
/// frame: a recursion test with four i64 locals (`tests/cli/replay.rs`) reaches
/// about 35,000 levels on plain code and 6,000 instrumented.
pub const REPLAY_STACK_FACTOR: usize = 8;

/// How `wasmdbg serve` serves: where, what the component may reach, and
/// what happens to requests while one is paused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeOptions {
    /// The address to listen on (`127.0.0.1:8080`, as `wasmtime serve`).
    pub addr: String,
    /// Outgoing HTTP from the component (`wasi:http/outgoing-handler`).
    pub outgoing: Outgoing,
    /// Requests that arrive, or wait, while one is paused.
    pub paused_requests: PausedRequests,
    /// `--record DIR`: where the traces (and core dumps) of failed
    /// requests are written.
    pub record: Option<std::path::PathBuf>,
    /// `--keep N`: how many traces of the latest successful requests are
    /// kept in the `--record` directory too (0: none).
    pub keep: usize,
}

/// What requests do while another is paused (`--paused-requests`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PausedRequests {
    /// They wait, in the order they arrived, and are handled under the
    /// debugger after the paused one is answered (the default: every
    /// request can stop at a breakpoint).
    #[default]
    Wait,
    /// They are served at once on plain code (the component compiled
    /// without guest debugging), without pausing, concurrently with each
    /// other, until the paused request resumes.
    Serve,
}

/// Which outgoing requests a served component may make.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Outgoing {
    /// None: the guest's request fails with `HTTP-request-denied`.
    #[default]
    Denied,
    /// Any host.
    Any,
    /// Only these hosts (names or addresses, without ports).
    Hosts(Vec<String>),
}

impl Outgoing {
    /// `--allow-outgoing-http`'s value: absent denies, given without hosts
    /// (or only empty names) allows any host, else the hosts named.
    pub fn from_hosts(hosts: Option<&[String]>) -> Outgoing {
        match hosts {
            None => Outgoing::Denied,
            Some(hosts) if hosts.iter().all(|h| h.is_empty()) => Outgoing::Any,
            Some(hosts) => {
                Outgoing::Hosts(hosts.iter().filter(|h| !h.is_empty()).cloned().collect())
            }
        }
    }

    /// Whether a request to `host` may go out.
    pub(crate) fn allows(&self, host: &str) -> bool {
        match self {
            Outgoing::Denied => false,
            Outgoing::Any => true,
            Outgoing::Hosts(hosts) => hosts.iter().any(|h| h.eq_ignore_ascii_case(host)),
        }
    }
}
