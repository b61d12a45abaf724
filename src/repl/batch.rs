//! The scripted runner: `-x FILE` and `-ex CMD` commands, echoed after the
//! prompt so the output reads as a transcript.

use std::io::{BufRead, Write};

use crate::cli::Script;
use crate::console::{Console, Flow, PROMPT};

/// The result of running scripted commands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BatchResult {
    /// How many commands failed (each printed its error).
    pub failures: usize,
    /// A `quit` was run, with the status it gave (`quit N`).
    pub quit: Option<Option<i32>>,
}

/// Runs every command of `scripts` in order, echoing each as
/// `(wasmdbg) CMD`. A command runs only after the previous one's effect is
/// complete (after `continue`, at the next pause or at the end). Errors are
/// printed as one line and the run goes on.
pub fn run_scripts(fe: &mut Console, scripts: &[Script], out: &mut dyn Write) -> BatchResult {
    let mut result = BatchResult::default();
    for script in scripts {
        let lines: Vec<String> = match script {
            Script::Command(c) => vec![c.clone()],
            Script::File(path) => match std::fs::File::open(path) {
                Ok(f) => match std::io::BufReader::new(f).lines().collect() {
                    Ok(lines) => lines,
                    Err(e) => {
                        report(out, fe, &format!("cannot read {}: {e}", path.display()));
                        result.failures += 1;
                        continue;
                    }
                },
                Err(e) => {
                    report(out, fe, &format!("cannot read {}: {e}", path.display()));
                    result.failures += 1;
                    continue;
                }
            },
        };
        for line in lines {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !fe.is_json() {
                let _ = writeln!(out, "{PROMPT}{trimmed}");
            }
            match fe.execute(trimmed, out) {
                Ok(Flow::Next) => {}
                Ok(Flow::Quit(status)) => {
                    result.quit = Some(status);
                    return result;
                }
                Err(e) => {
                    // In JSON mode the command's line carries the error.
                    if !fe.is_json() {
                        report(out, fe, &e);
                    }
                    result.failures += 1;
                }
            }
        }
    }
    result
}

/// Prints one error line (in JSON mode an `error` object).
pub fn report(out: &mut dyn Write, fe: &Console, message: &str) {
    if fe.is_json() {
        let _ = out.write_all(crate::console::json::error(message).as_bytes());
        return;
    }
    let _ = writeln!(out, "{}", fe.theme.error(&format!("error: {message}")));
    let _ = out.flush();
}
