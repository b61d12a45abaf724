//! Completion of a line typed in an editor's debug console (DAP
//! `completions`): command names first, then a command's subcommands and
//! options, then the names an expression or location may use — source
//! variables in scope, Wasm locals and globals by name and as `$localN` /
//! `$globalN`, the value history's `$N`, and function names. The names are
//! asked of the session, so what is offered is what exists at this pause.

use super::command;

/// Most completions offered for one word.
pub const MAX_COMPLETIONS: usize = 200;

/// What a completion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompletionKind {
    /// A command or subcommand name.
    Command,
    /// A command's option (`--all`).
    Option,
    /// A source variable, or a Wasm local or global, by name.
    Variable,
    /// A `$` name: `$localN`, `$globalN`, the value history's `$N`.
    Value,
    /// A function name.
    Function,
}

/// One completion: the text that replaces the word, and what it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Completion {
    /// The replacement.
    pub text: String,
    /// What it names.
    pub kind: CompletionKind,
}

/// Whether `c` belongs to a word that completes (a name, `$3`,
/// `$local0`, `std::mem::swap`; `-` only at a word's start, for options).
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | ':')
}

/// The completions of the word that ends at byte `pos` of `line` (the
/// end of the line when `pos` is past it or not a character boundary):
/// the byte where that word starts, and the words that may replace it
/// (those starting with it, by kind then name, at most
/// [`MAX_COMPLETIONS`]). Command names and options come from the
/// command definitions; `names(word)` gives the names an expression or
/// location may use.
pub fn complete(
    line: &str,
    pos: usize,
    names: impl FnOnce(&str) -> Vec<(String, CompletionKind)>,
) -> (usize, Vec<Completion>) {
    let pos = if line.is_char_boundary(pos) {
        pos
    } else {
        line.len()
    };
    let head = &line[..pos];
    let mut start = head
        .char_indices()
        .rev()
        .find(|&(_, c)| !in_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    // An option (`--all`, `-a`): its dashes, after a space.
    let dashes = head[..start].len() - head[..start].trim_end_matches('-').len();
    let option_start = start - dashes;
    if dashes > 0 && (option_start == 0 || head[..option_start].ends_with(char::is_whitespace)) {
        start = option_start;
    }
    let word = &head[start..];
    let before: Vec<&str> = head[..start].split_whitespace().collect();
    let mut found: Vec<Completion> = Vec::new();
    let mut offer = |text: &str, kind: CompletionKind| {
        if text.starts_with(word) {
            found.push(Completion {
                text: text.to_string(),
                kind,
            });
        }
    };
    match before.as_slice() {
        [] => {
            for name in command::command_names() {
                offer(&name, CompletionKind::Command);
            }
        }
        [first, rest @ ..] => {
            let Some((subcommands, options)) = command::words_after(first) else {
                return (start, Vec::new());
            };
            if rest.is_empty() {
                for name in &subcommands {
                    offer(name, CompletionKind::Command);
                }
            }
            if word.starts_with('-') {
                for name in &options {
                    offer(name, CompletionKind::Option);
                }
            } else if subcommands.is_empty() || !rest.is_empty() {
                for (name, kind) in names(word) {
                    offer(&name, kind);
                }
            }
        }
    }
    found.sort_by(|a, b| (a.kind, &a.text).cmp(&(b.kind, &b.text)));
    found.dedup();
    found.truncate(MAX_COMPLETIONS);
    (start, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> (usize, Vec<String>) {
        let names = |word: &str| {
            assert!(!word.contains(' '), "{word:?}");
            vec![
                ("total".to_string(), CompletionKind::Variable),
                ("$local0".to_string(), CompletionKind::Value),
                ("tick".to_string(), CompletionKind::Function),
            ]
        };
        let (start, found) = complete(line, line.len(), names);
        (start, found.into_iter().map(|c| c.text).collect())
    }

    #[test]
    fn commands_subcommands_options_and_names() {
        assert_eq!(texts("backt"), (0, vec!["backtrace".to_string()]));
        assert_eq!(texts("info loc"), (5, vec!["locals".to_string()]));
        assert_eq!(texts("i loc"), (2, vec!["locals".to_string()]));
        assert_eq!(
            texts("disassemble -"),
            (12, vec!["--all".into(), "-a".into()])
        );
        assert_eq!(texts("p t"), (2, vec!["total".into(), "tick".into()]));
        assert_eq!(texts("p 1+$lo"), (4, vec!["$local0".to_string()]));
        assert_eq!(texts("p (t"), (3, vec!["total".into(), "tick".into()]));
        assert_eq!(texts("p 1-t"), (4, vec!["total".into(), "tick".into()]));
        assert_eq!(texts("nosuch t"), (7, Vec::<String>::new()));
        // A position inside a character counts as the end of the line.
        let (start, found) = complete("p é", 3, |_| Vec::new());
        assert_eq!((start, found), (2, Vec::new()));
    }
}
