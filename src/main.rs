//! `wasmdbg`: parse the command line, run the session, map the result to an
//! exit status (the README's table: the program's status as `wasmtime run`
//! gives it, 125 a debugger command failed, 255 the program had not ended, 2
//! bad usage or the module could not be started, N after `quit N`).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use wasmdbg::cli::{
    Cli, CliCommand, FrontendArgs, Script, crash_scripts_in_order, scripts_in_order,
};
use wasmdbg::debugger::protocol::{Outcome, Response};
use wasmdbg::debugger::{Interrupter, Session};
use wasmdbg::repl::{Frontend, Options, batch, init, interactive};

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
        CliCommand::Core(args) => core(&matches, args),
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

/// `wasmdbg run`.
fn run(matches: &clap::ArgMatches, args: &wasmdbg::cli::RunArgs) -> ExitCode {
    let theme = args.theme();
    let scripts = scripts_in_order(matches, &args.frontend);
    let crash_scripts = crash_scripts_in_order(matches, args);

    // Ctrl-C while the guest runs pauses it; at the prompt rustyline reads
    // it as a key and the session goes on.
    let interrupter = Interrupter::default();
    let on_ctrl_c = interrupter.clone();
    if let Err(e) = ctrlc::set_handler(move || on_ctrl_c.interrupt()) {
        eprintln!("warning: Ctrl-C will not pause the program: {e}");
    }
    let timeout = args.timeout.map(std::time::Duration::from_secs_f64);
    let json = args.frontend.json;
    let guest = wasmdbg::repl::output::GuestOutput::default();
    let sink = if json {
        guest.json_sink()
    } else {
        guest.sink()
    };
    let mut out = std::io::stdout();
    if json {
        let _ = out.write_all(wasmdbg::repl::json::start(&args.module, None).as_bytes());
    }
    let (session, first) =
        Session::start_with_events(args.run_config(), timeout, interrupter, Some(sink));
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
    let mut fe = Frontend::with_options(session, first, options, guest, &mut out);
    let (quit, failures) = drive(&mut fe, &args.frontend, &scripts, &crash_scripts, &mut out);
    // Quitting ends the guest with the process, wherever it is paused.
    let status = wasmdbg::repl::exit_status(quit, failures, fe.state());
    if json {
        let _ = out.write_all(wasmdbg::repl::json::exit(status, fe.state()).as_bytes());
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
        let start = wasmdbg::repl::json::start(&args.module, Some(&args.core));
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
    let mut fe = Frontend::with_options(session, first, options, Default::default(), &mut out);
    let (quit, failures) = drive(&mut fe, &args.frontend, &scripts, &[], &mut out);
    let status = match quit {
        Some(status) => status,
        None if failures > 0 => wasmdbg::repl::COMMAND_FAILED_STATUS,
        None => 0,
    };
    if json {
        let _ = out.write_all(wasmdbg::repl::json::exit(status, fe.state()).as_bytes());
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
        let line = wasmdbg::repl::json::error(msg);
        let _ = std::io::stdout().write_all(line.as_bytes());
    }
    ExitCode::from(2)
}

/// Runs the init files (gdb's order: the user's, then the directory's if the
/// user's allowed it), then -x/-ex, then the crash scripts if the program
/// is paused where it would die, then the prompt unless --batch. Returns
/// the status `quit N` gave and how many commands failed.
fn drive(
    fe: &mut Frontend,
    args: &FrontendArgs,
    scripts: &[Script],
    crash_scripts: &[Script],
    out: &mut std::io::Stdout,
) -> (Option<i32>, usize) {
    let mut failures = 0;
    let mut quit: Option<Option<i32>> = None;
    let mut run = |fe: &mut Frontend, scripts: &[Script], out: &mut std::io::Stdout| {
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
                let _ = out.write_all(wasmdbg::repl::json::note(&warning).as_bytes());
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
