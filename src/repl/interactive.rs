//! The interactive prompt: rustyline with history (XDG state dir), tab
//! completion of command names, Ctrl-D to quit and an empty line repeating
//! the last command.

use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Editor, Helper, Highlighter, Hinter, Validator};

use super::batch::{BatchResult, report};
use crate::console::{Console, Flow, PROMPT};

/// Completes the first word of a line with command names and aliases.
#[derive(Helper, Highlighter, Hinter, Validator)]
struct CommandCompleter {
    names: Vec<String>,
}

impl Completer for CommandCompleter {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        if head.contains(char::is_whitespace) {
            return Ok((pos, Vec::new()));
        }
        let matches = self
            .names
            .iter()
            .filter(|n| n.starts_with(head))
            .map(|n| Pair {
                display: n.clone(),
                replacement: n.clone(),
            })
            .collect();
        Ok((0, matches))
    }
}

/// Where the history file lives: `$XDG_STATE_HOME/wasmdbg/history`, else
/// `~/.local/state/wasmdbg/history`; `None` without either variable.
pub fn history_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/state"),
    };
    Some(base.join("wasmdbg").join("history"))
}

/// Reads and runs commands until `quit` or end of input. Returns how many
/// commands failed and the `quit` that ended it (none at end of input).
pub fn run(fe: &mut Console) -> BatchResult {
    let mut failures = 0;
    let mut quit = None;
    let mut editor: Editor<CommandCompleter, DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            report(
                &mut std::io::stdout(),
                fe,
                &format!("cannot open the prompt: {e}"),
            );
            return BatchResult {
                failures: 1,
                quit: None,
            };
        }
    };
    editor.set_helper(Some(CommandCompleter {
        names: crate::console::command::command_names(),
    }));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let mut last = String::new();
    loop {
        let line = match editor.readline(PROMPT) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                report(
                    &mut std::io::stdout(),
                    fe,
                    &format!("cannot read the prompt: {e}"),
                );
                failures += 1;
                break;
            }
        };
        let line = if line.trim().is_empty() {
            last.clone()
        } else {
            let _ = editor.add_history_entry(line.as_str());
            last = line.clone();
            line
        };
        let mut out = std::io::stdout();
        match fe.execute(&line, &mut out) {
            Ok(Flow::Next) => {}
            Ok(Flow::Quit(status)) => {
                quit = Some(status);
                break;
            }
            Err(e) => {
                report(&mut out, fe, &e);
                failures += 1;
            }
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(path);
    }
    BatchResult { failures, quit }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::history::DefaultHistory;

    #[test]
    fn completes_command_names_at_the_start_of_the_line() {
        let completer = CommandCompleter {
            names: crate::console::command::command_names(),
        };
        let history = DefaultHistory::new();
        let ctx = rustyline::Context::new(&history);
        let (start, found) = completer.complete("disa", 4, &ctx).unwrap();
        let found: Vec<_> = found.iter().map(|p| p.replacement.as_str()).collect();
        assert_eq!((start, found), (0, vec!["disable", "disas", "disassemble"]));
        let (_, found) = completer.complete("bt 3", 4, &ctx).unwrap();
        assert!(found.is_empty());
    }
}
