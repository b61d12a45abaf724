//! `wasmdbg`: parse the command line, run the session, map the result to an
//! exit status (docs/command-line.md's table: the program's status as `wasmtime run`
//! gives it, 125 a debugger command failed, 255 the program had not ended, 2
//! bad usage or the module could not be started, N after `quit N`).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use wasmdbg::cli::{
    Cli, CliCommand, FrontendArgs, Script, crash_scripts_in_order, scripts_in_order,
};
use wasmdbg::console::{Console, Options};
use wasmdbg::debugger::protocol::{Outcome, Response};
use wasmdbg::debugger::{Interrupter, Session};
use wasmdbg::repl::{batch, init, interactive};

fn main() -> ExitCode {
    wasmdbg::panic_guard::install();
    let argv = wasmdbg::cli::normalize_args(std::env::args());
    let matches = match Cli::command().try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    match &cli.command {
        CliCommand::Run(args) => run(&matches, args),
        CliCommand::Record(args) => record(args),
        CliCommand::Replay(args) => replay(&matches, args),
        CliCommand::Core(args) => core(&matches, args),
        CliCommand::Serve(args) => serve(&matches, args),
        CliCommand::Dap(args) => dap(args),
    }
}

/// `wasmdbg dap`: 0 when the client disconnected or the stream ended, 1
/// when the stream could not be followed, 2 when the port cannot be used.
fn dap(args: &wasmdbg::cli::DapArgs) -> ExitCode {
    let status = match args.port {
        Some(port) => match wasmdbg::dap::serve_port(port) {
            Ok(status) => status,
            Err(e) => {
                eprintln!("wasmdbg: {e}");
                2
            }
        },
        None => wasmdbg::dap::serve(
            Box::new(std::io::BufReader::new(std::io::stdin())),
            Box::new(std::io::stdout()),
        ),
    };
    ExitCode::from(status as u8)
}

/// `wasmdbg run`: on plain code while recording, and a debugger session
/// only if the run failed or something is left to do after it (commands,
/// the prompt); a session from the start when something needs instrumented
/// code from the start (or `--instrumented`).
fn run(matches: &clap::ArgMatches, args: &wasmdbg::cli::RunArgs) -> ExitCode {
    let d = &args.debugger;
    let needs_debugger = if args.instrumented {
        Some(("--instrumented", ""))
    } else if !d.breakpoints.is_empty() {
        Some(("-b", PAUSES_BEFORE))
    } else if d.stop_on_entry {
        Some(("--stop-on-entry", PAUSES_BEFORE))
    } else if !args.program.preloads.is_empty() {
        Some((
            "--preload",
            "runs with preloaded modules are not recorded yet",
        ))
    } else {
        None
    };
    match needs_debugger {
        None => run_fast(matches, args),
        Some((option, why)) if args.fast => {
            let theme = args.theme();
            eprintln!(
                "{}",
                theme.error(&format!(
                    "error: {option} cannot be used with --fast: {why}"
                ))
            );
            ExitCode::from(2)
        }
        Some(_) => session(
            matches,
            &args.debugger,
            args.run_config(),
            &args.program.module,
        ),
    }
}

/// Why `-b` and `--stop-on-entry` need instrumented code from the start.
const PAUSES_BEFORE: &str = "plain code runs until the program fails, and cannot pause before that";

/// `wasmdbg serve`: a debugger session whose program is the server.
fn serve(matches: &clap::ArgMatches, args: &wasmdbg::cli::ServeArgs) -> ExitCode {
    match args.run_config() {
        Ok(config) => session(matches, &args.debugger, config, &args.program.module),
        Err(e) => {
            let theme = args.debugger.frontend.theme();
            eprintln!("{}", theme.error(&format!("error: {e}")));
            ExitCode::from(2)
        }
    }
}

/// `wasmdbg run` on plain code, recording in memory: the program's own
/// status when it ended without a failure and nothing is left to do;
/// otherwise a session, after the run (commands, the prompt) or on its
/// replay up to the failure.
fn run_fast(matches: &clap::ArgMatches, args: &wasmdbg::cli::RunArgs) -> ExitCode {
    let theme = args.theme();
    let d = &args.debugger;
    let json = d.frontend.json;
    let config = args.run_config();
    // Ctrl-C and --timeout reach the recorded run, then the replay (unless
    // --no-interrupts: then nothing stops a running program).
    let interrupter = ctrl_c_interrupter();
    let session = |config, ran_before, ran_on_plain_code| {
        session_with(
            matches,
            &args.debugger,
            config,
            &args.program.module,
            interrupter.clone(),
            After {
                ran_before,
                json_started: json,
                ran_on_plain_code,
            },
        )
    };
    // With --json, the guest's output becomes `output` lines, as in a
    // session, and notes `note` lines.
    let mut out = std::io::stdout();
    let stdio = if json {
        let _ = out.write_all(wasmdbg::console::json::start(&args.program.module, None).as_bytes());
        wasmdbg::debugger::record::stdio::GuestStdio::to(std::sync::Arc::new(|stream, bytes| {
            let event = wasmdbg::debugger::protocol::Event::Output {
                stream,
                bytes: bytes.to_vec(),
            };
            if let Some(line) = wasmdbg::console::json::output(&event) {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
            }
        }))
    } else {
        wasmdbg::debugger::record::stdio::GuestStdio::process()
    };
    let note = |text: &str, stderr_ends_line: bool| {
        if json {
            let _ = std::io::stdout().write_all(wasmdbg::console::json::note(text).as_bytes());
        } else {
            let start = if stderr_ends_line { "" } else { "\n" };
            let _ = writeln!(std::io::stderr(), "{start}wasmdbg: {text}");
        }
    };
    let (recording, cancelled) = std::sync::mpsc::channel::<()>();
    if let Some(seconds) = d.timeout {
        let interrupter = interrupter.clone();
        std::thread::spawn(move || {
            let limit = std::time::Duration::from_secs_f64(seconds);
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                interrupter.interrupt_for_timeout(seconds);
            }
        });
    }
    let recorded = wasmdbg::debugger::record::record(
        &config,
        || Ok(wasmdbg::debugger::record::Sink::Memory(Vec::new())),
        (!d.no_interrupts).then_some(&interrupter),
        stdio,
    );
    // The timeout counts the recorded run; the replay's first run has none
    // (`After::ran_on_plain_code`).
    drop(recording);
    let recorded = match recorded {
        Ok(r) => r,
        // Not recordable (a component importing an interface of its own,
        // a shared memory): it runs under the debugger from the start.
        Err(e) if e.kind == wasmdbg::error::ErrorKind::Unavailable => {
            if args.fast {
                note(
                    &format!(
                        "--fast runs this program under the debugger from the start: {}",
                        e.message
                    ),
                    true,
                );
            }
            // It did not run: --timeout counts this run.
            return session(config, None, false);
        }
        Err(e) => return load_failed(json, theme, &e.to_string()),
    };
    // What wasmdbg prints next on stdout starts a line, as in a session;
    // on stderr, a note does.
    use wasmdbg::debugger::protocol::OutputStream;
    if !json && !recorded.output.ends_line(OutputStream::Stdout) {
        let _ = out.write_all(b"\n");
    }
    let stderr_ends_line = recorded.output.ends_line(OutputStream::Stderr);
    if let Some(outcome) = recorded.outcome {
        // Nothing to do after the end: exit as `wasmtime run`, with the
        // line a session ends with.
        if (d.frontend.batch || json) && scripts_in_order(matches, &d.frontend).is_empty() {
            let status = recorded.status;
            let text = if json {
                let ended = wasmdbg::console::json::ended(&outcome);
                let state = wasmdbg::console::State::Ended(outcome);
                ended + &wasmdbg::console::json::exit(status, &state)
            } else {
                wasmdbg::render::outcome(&theme, &outcome)
            };
            let _ = out.write_all(text.as_bytes());
            return ExitCode::from(status as u8);
        }
        return session(config, Some(outcome), true);
    }
    let config = match recorded.replay_config(config) {
        Ok(config) => config,
        Err(e) => return load_failed(json, theme, &e.to_string()),
    };
    note(
        &wasmdbg::render::replaying(&recorded, "Ctrl-C"),
        stderr_ends_line,
    );
    session(config, None, true)
}

/// `wasmdbg record`: the program's own exit status (as `wasmtime run`
/// gives it), 2 when it could not be started or the trace not written.
fn record(args: &wasmdbg::cli::RecordArgs) -> ExitCode {
    let theme = wasmdbg::render::Theme {
        color: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let config = args.program.run_config();
    let path = args.output.clone().unwrap_or_else(|| {
        let name = config.module.file_stem().unwrap_or_default();
        std::path::PathBuf::from(name).with_extension("trace")
    });
    // Created (and so to be removed after a failure) only once the module
    // was read and checked.
    let created = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (at, made) = (path.clone(), created.clone());
    let open = move || {
        let file = std::fs::File::create(&at).map_err(|e| {
            wasmdbg::error::Error::new(
                wasmdbg::error::ErrorKind::Io,
                format!("cannot create the trace {}: {e}", at.display()),
            )
        })?;
        made.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(wasmdbg::debugger::record::Sink::File(
            std::io::BufWriter::new(file),
        ))
    };
    let output = wasmdbg::debugger::record::stdio::GuestStdio::process();
    match wasmdbg::debugger::record::record(&config, open, None, output) {
        Ok(recorded) => {
            print_results(recorded.outcome.as_ref());
            use wasmdbg::debugger::record::trace::End;
            if let End::Trapped(_) | End::Failed(_) = &recorded.end {
                eprintln!(
                    "{}",
                    theme.error(&format!("error: the program {}", recorded.end))
                );
            }
            eprintln!(
                "wasmdbg: recorded {} host call{} to {}",
                recorded.calls,
                if recorded.calls == 1 { "" } else { "s" },
                path.display()
            );
            ExitCode::from(recorded.status as u8)
        }
        Err(e) => {
            if created.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::fs::remove_file(&path);
            }
            load_failed(false, theme, &e.to_string())
        }
    }
}

/// `wasmdbg replay`: as `wasmdbg run`; 2 when the trace cannot be read.
fn replay(matches: &clap::ArgMatches, args: &wasmdbg::cli::ReplayArgs) -> ExitCode {
    let theme = args.debugger.frontend.theme();
    let trace = match wasmdbg::debugger::record::Trace::read(&args.trace) {
        Ok(t) => std::sync::Arc::new(t),
        Err(e) => return load_failed(args.debugger.frontend.json, theme, &e.to_string()),
    };
    let base = wasmdbg::debugger::record::Replay::run_config(trace, args.module.clone());
    let d = &args.debugger;
    let config = wasmdbg::debugger::RunConfig {
        stop_on_entry: d.stop_on_entry,
        stop_on_throw: !d.no_stop_on_throw,
        breakpoints: d.breakpoints.clone(),
        without_interrupts: d.no_interrupts,
        dwp: d.dwp.clone(),
        cache_dir: args.cache.dir(),
        output_is_terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        ..base
    };
    let module = config.module.clone();
    session(matches, &args.debugger, config, &module)
}

/// The results of an `--invoke`d function, one per line, as `wasmtime run
/// --invoke` prints them.
fn print_results(outcome: Option<&Outcome>) {
    match outcome {
        Some(Outcome::Returned { results, .. }) => {
            for v in results {
                println!("{}", wasmdbg::render::value(v));
            }
        }
        Some(Outcome::ComponentReturned { results, .. }) => {
            for v in results {
                println!("{v}");
            }
        }
        _ => {}
    }
}

/// A debugger session on `config`: `-x`/`-ex`, crash commands, the prompt.
fn session(
    matches: &clap::ArgMatches,
    args: &wasmdbg::cli::DebuggerArgs,
    config: wasmdbg::debugger::RunConfig,
    module: &std::path::Path,
) -> ExitCode {
    session_with(
        matches,
        args,
        config,
        module,
        ctrl_c_interrupter(),
        After::default(),
    )
}

/// What came before a session ([`session_with`]): the program's run on
/// plain code, and what was already written.
#[derive(Default)]
struct After {
    /// That run ended so, without a failure ([`Session::after_run`]).
    ran_before: Option<Outcome>,
    /// The `--json` start line was written.
    json_started: bool,
    /// The program ran on plain code first: `--timeout` counted that run,
    /// and does not cut short the replay up to where it ended (which runs
    /// instrumented, several times slower); it counts each resume after.
    ran_on_plain_code: bool,
}

/// Ctrl-C while the guest runs pauses it (through the interrupter this
/// returns, the process's one handler); at the prompt rustyline reads it
/// as a key and the session goes on.
fn ctrl_c_interrupter() -> Interrupter {
    let interrupter = Interrupter::default();
    let on_ctrl_c = interrupter.clone();
    if let Err(e) = ctrlc::set_handler(move || on_ctrl_c.interrupt()) {
        eprintln!("warning: Ctrl-C will not pause the program: {e}");
    }
    interrupter
}

/// [`session`] with Ctrl-C reaching `interrupter`, after what `after`
/// says.
fn session_with(
    matches: &clap::ArgMatches,
    args: &wasmdbg::cli::DebuggerArgs,
    config: wasmdbg::debugger::RunConfig,
    module: &std::path::Path,
    interrupter: Interrupter,
    after: After,
) -> ExitCode {
    let theme = args.frontend.theme();
    let scripts = scripts_in_order(matches, &args.frontend);
    let crash_scripts = crash_scripts_in_order(matches, args);
    let timeout = args.timeout.map(std::time::Duration::from_secs_f64);
    let json = args.frontend.json;
    let guest = wasmdbg::console::output::GuestOutput::default();
    let sink = if json {
        guest.json_sink()
    } else {
        guest.sink()
    };
    let mut out = std::io::stdout();
    if json && !after.json_started {
        let _ = out.write_all(wasmdbg::console::json::start(module, None).as_bytes());
    }
    let (session, first) = match after.ran_before {
        Some(ended) => Session::after_run(config, ended, interrupter, Some(sink)),
        None => {
            let first_run = if after.ran_on_plain_code {
                None
            } else {
                timeout
            };
            Session::start_with_events(config, first_run, interrupter, Some(sink))
        }
    };
    if let Response::Ended(Outcome::LoadFailed(msg)) = &first {
        return load_failed(json, theme, msg);
    }
    let options = Options {
        theme,
        timeout,
        directories: args.frontend.directories.clone(),
        coredump: args.coredump.clone(),
        json,
    };
    let mut fe = Console::with_options(session, options, guest, &mut out);
    let (quit, failures) = drive(&mut fe, &args.frontend, &scripts, &crash_scripts, &mut out);
    // Quitting ends the guest with the process, wherever it is paused.
    let status = wasmdbg::console::exit_status(quit, failures, fe.state());
    if json {
        let _ = out.write_all(wasmdbg::console::json::exit(status, fe.state()).as_bytes());
    }
    if quit.is_none() {
        if failures > 0 {
            report_failures(failures, status);
        } else if (args.frontend.batch || json) && fe.state().program_status().is_none() {
            eprintln!(
                "wasmdbg: the program had not ended (it was paused) when the session ended; \
                 exit status {status}"
            );
        }
    }
    ExitCode::from(status as u8)
}

/// `wasmdbg core`: 0 when every command succeeded, 125 when one failed, 2
/// when the dump cannot be opened, N after `quit N`.
fn core(matches: &clap::ArgMatches, args: &wasmdbg::cli::CoreArgs) -> ExitCode {
    let theme = args.frontend.theme();
    let scripts = scripts_in_order(matches, &args.frontend);
    let json = args.frontend.json;
    let mut out = std::io::stdout();
    if json {
        let start = wasmdbg::console::json::start(&args.module, Some(&args.core));
        let _ = out.write_all(start.as_bytes());
    }
    let config = wasmdbg::debugger::RunConfig {
        module: args.module.clone(),
        dwp: args.dwp.clone(),
        preloads: args.preloads.clone(),
        ..Default::default()
    };
    let (session, first) = Session::open_core_with(config, args.core.clone());
    if let Response::Ended(Outcome::LoadFailed(msg)) = &first {
        return load_failed(json, theme, msg);
    }
    if !json {
        let _ = writeln!(
            out,
            "Core dump {} of {}.",
            args.core.display(),
            args.module.display()
        );
    }
    let options = Options {
        theme,
        directories: args.frontend.directories.clone(),
        json,
        ..Options::default()
    };
    let mut fe = Console::with_options(session, options, Default::default(), &mut out);
    let (quit, failures) = drive(&mut fe, &args.frontend, &scripts, &[], &mut out);
    let status = match quit {
        Some(status) => status,
        None if failures > 0 => wasmdbg::console::COMMAND_FAILED_STATUS,
        None => 0,
    };
    if json {
        let _ = out.write_all(wasmdbg::console::json::exit(status, fe.state()).as_bytes());
    }
    if quit.is_none() && failures > 0 {
        report_failures(failures, status);
    }
    ExitCode::from(status as u8)
}

/// The program or dump could not be opened: one line (on stderr, and as the
/// JSON `exit` line's error with --json); status 2.
fn load_failed(json: bool, theme: wasmdbg::render::Theme, msg: &str) -> ExitCode {
    eprintln!("{}", theme.error(&format!("error: {msg}")));
    if json {
        let line = wasmdbg::console::json::error(msg);
        let _ = std::io::stdout().write_all(line.as_bytes());
    }
    ExitCode::from(2)
}

/// Runs the init files (gdb's order: the user's, then the directory's if the
/// user's allowed it), then -x/-ex, then the crash scripts if the program
/// is paused where it would die, then the prompt unless --batch. Returns
/// the status `quit N` gave and how many commands failed.
fn drive(
    fe: &mut Console,
    args: &FrontendArgs,
    scripts: &[Script],
    crash_scripts: &[Script],
    out: &mut std::io::Stdout,
) -> (Option<i32>, usize) {
    let mut failures = 0;
    let mut quit: Option<Option<i32>> = None;
    let mut run = |fe: &mut Console, scripts: &[Script], out: &mut std::io::Stdout| {
        if quit.is_none() {
            let result = batch::run_scripts(fe, scripts, out);
            failures += result.failures;
            quit = result.quit;
        }
    };
    if !args.no_init {
        if let Some(user) = init::user_init().filter(|p| p.is_file()) {
            run(fe, &[Script::File(user)], out);
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        match init::local_init(&cwd, fe.safe_paths()) {
            init::LocalInit::Absent => {}
            init::LocalInit::Run(file) => run(fe, &[Script::File(file)], out),
            init::LocalInit::Declined(warning) if fe.is_json() => {
                let _ = out.write_all(wasmdbg::console::json::note(&warning).as_bytes());
            }
            init::LocalInit::Declined(warning) => {
                let _ = writeln!(out, "{}", fe.theme().error(&warning));
            }
        }
    }
    run(fe, scripts, out);
    if fe.state().crashed() {
        run(fe, crash_scripts, out);
    }
    if quit.is_none() && !args.batch && !args.json {
        let result = interactive::run(fe);
        failures += result.failures;
        quit = result.quit;
    }
    let _ = out.flush();
    (quit.flatten(), failures + fe.unreported_failures())
}

fn report_failures(failures: usize, status: i32) {
    let s = if failures == 1 { "" } else { "s" };
    eprintln!("wasmdbg: {failures} command{s} failed; exit status {status}");
}
