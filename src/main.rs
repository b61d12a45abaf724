//! `wasmdbg`: parse the command line, run the session, map the result to an
//! exit status (the README's table: the program's status as `wasmtime run`
//! gives it, 125 a debugger command failed, 255 the program had not ended, 2
//! bad usage or the module could not be started, N after `quit N`).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use wasmdbg::cli::{Cli, CliCommand, Script, crash_scripts_in_order, scripts_in_order};
use wasmdbg::debugger::protocol::{Outcome, Response};
use wasmdbg::debugger::{Interrupter, Session};
use wasmdbg::repl::{Frontend, batch, init, interactive};

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
    let CliCommand::Run(args) = &cli.command;
    let theme = args.theme();
    let scripts = scripts_in_order(&matches, args);
    let crash_scripts = crash_scripts_in_order(&matches, args);

    // Ctrl-C while the guest runs pauses it; at the prompt rustyline reads
    // it as a key and the session goes on.
    let interrupter = Interrupter::default();
    let on_ctrl_c = interrupter.clone();
    if let Err(e) = ctrlc::set_handler(move || on_ctrl_c.interrupt()) {
        eprintln!("warning: Ctrl-C will not pause the program: {e}");
    }
    let timeout = args.timeout.map(std::time::Duration::from_secs_f64);
    let guest = wasmdbg::repl::output::GuestOutput::default();
    let (session, first) =
        Session::start_with_events(args.run_config(), timeout, interrupter, Some(guest.sink()));
    if let Response::Ended(Outcome::LoadFailed(msg)) = &first {
        eprintln!("{}", theme.error(&format!("error: {msg}")));
        return ExitCode::from(2);
    }
    let mut out = std::io::stdout();
    let mut fe = Frontend::with_coredump(
        session,
        first,
        theme,
        timeout,
        args.directories.clone(),
        guest,
        args.coredump.clone(),
        &mut out,
    );
    let mut failures = 0;
    let mut quit: Option<Option<i32>> = None;
    // Init files first (gdb's order): the user's, then the directory's if
    // the user's allowed it; then -x/-ex; then -k/-K if it crashed.
    let mut run = |fe: &mut Frontend, scripts: &[Script], out: &mut std::io::Stdout| {
        if quit.is_none() {
            let result = batch::run_scripts(fe, scripts, out);
            failures += result.failures;
            quit = result.quit;
        }
    };
    if !args.no_init {
        if let Some(user) = init::user_init().filter(|p| p.is_file()) {
            run(&mut fe, &[Script::File(user)], &mut out);
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        match init::local_init(&cwd, fe.safe_paths()) {
            init::LocalInit::Absent => {}
            init::LocalInit::Run(file) => run(&mut fe, &[Script::File(file)], &mut out),
            init::LocalInit::Declined(warning) => {
                let _ = writeln!(out, "{}", theme.error(&warning));
            }
        }
    }
    run(&mut fe, &scripts, &mut out);
    if fe.state().crashed() {
        run(&mut fe, &crash_scripts, &mut out);
    }
    if quit.is_none() && !args.batch {
        let result = interactive::run(&mut fe);
        failures += result.failures;
        quit = result.quit;
    }
    let _ = out.flush();
    // Quitting ends the guest with the process, wherever it is paused.
    failures += fe.unreported_failures();
    let status = wasmdbg::repl::exit_status(quit.flatten(), failures, fe.state());
    if quit.flatten().is_none() {
        if failures > 0 {
            let s = if failures == 1 { "" } else { "s" };
            eprintln!("wasmdbg: {failures} command{s} failed; exit status {status}");
        } else if args.batch && fe.state().program_status().is_none() {
            eprintln!(
                "wasmdbg: the program had not ended (it was paused) when the session ended; \
                 exit status {status}"
            );
        }
    }
    ExitCode::from(status as u8)
}
