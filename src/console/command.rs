//! The command language: one clap-derive enum defines every command typed at
//! the prompt or read from a command file. Parsing, `help`, aliases,
//! unambiguous prefixes and tab completion all come from it.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::debugger::protocol::BreakpointId;

/// One line typed at the prompt or read from a command file.
#[derive(Debug, Parser)]
#[command(
    multicall = true,
    infer_subcommands = true,
    disable_help_flag = true,
    help_template = "{subcommands}"
)]
pub struct Line {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Every debugger command.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Print the call stack, innermost frame first (N: the innermost N, -N:
    /// the outermost N)
    ///
    /// Without N, a stack deeper than 120 frames shows its 100 innermost and
    /// 10 outermost frames.
    #[command(visible_alias = "bt", alias = "where")]
    Backtrace {
        /// Show this many frames: innermost when positive, outermost when
        /// negative.
        #[arg(allow_negative_numbers = true)]
        n: Option<i64>,
    },
    /// Select frame N (0 = innermost) for `locals` and `stack`, and print it;
    /// without N, print the selected frame.
    #[command(visible_alias = "f")]
    Frame {
        /// Frame number, as `bt` shows it.
        n: Option<usize>,
    },
    /// Select the frame N levels up (towards the caller; default 1).
    Up {
        /// How many frames to move.
        n: Option<usize>,
    },
    /// Select the frame N levels down (towards the innermost; default 1).
    Down {
        /// How many frames to move.
        n: Option<usize>,
    },
    /// Show the selected frame's locals: index, name, type, value.
    Locals,
    /// Show the selected frame's operand stack, bottom to top.
    Stack,
    /// Resume the program until the next pause or its end.
    #[command(visible_alias = "c")]
    Continue,
    /// Execute N Wasm instructions (default 1), entering calls.
    #[command(visible_alias = "si")]
    Stepi {
        /// How many instructions.
        n: Option<u64>,
    },
    /// Execute N Wasm instructions (default 1), stepping over calls.
    #[command(visible_alias = "ni")]
    Nexti {
        /// How many instructions.
        n: Option<u64>,
    },
    /// Step N times into calls; by instruction (as stepi) when the module
    /// has no line information.
    #[command(visible_alias = "s")]
    Step {
        /// How many steps.
        n: Option<u64>,
    },
    /// Step N times over calls; by instruction (as nexti) when the module
    /// has no line information.
    #[command(visible_alias = "n")]
    Next {
        /// How many steps.
        n: Option<u64>,
    },
    /// Run until the selected frame returns, and print what it returned.
    #[command(visible_alias = "fin")]
    Finish,
    /// Replay sessions: run backwards to the last breakpoint hit or
    /// watchpoint change before now, or to the start of the recording.
    #[command(visible_alias = "rc")]
    ReverseContinue,
    /// Replay sessions: back to the beginning of the previous source line,
    /// entering a function that line called (its last line).
    #[command(visible_alias = "rs")]
    ReverseStep,
    /// Replay sessions: back to the beginning of the previous source line
    /// executed in this frame.
    #[command(visible_alias = "rn")]
    ReverseNext,
    /// Replay sessions: back one Wasm instruction, entering a call that just
    /// returned (its last instruction).
    #[command(visible_alias = "rsi")]
    ReverseStepi,
    /// Replay sessions: back one Wasm instruction in this frame.
    #[command(visible_alias = "rni")]
    ReverseNexti,
    /// Replay sessions: back to the call of the selected frame's function.
    ReverseFinish,
    /// Write the paused program as a core dump (the tool-conventions
    /// format, every frame's locals and operand stack) to PATH (default
    /// `core.PID`, gdb's).
    #[command(visible_alias = "gcore")]
    GenerateCoreFile {
        /// The file to write.
        path: Option<std::path::PathBuf>,
    },
    /// Step over calls until a source line greater than the current one is
    /// reached in this frame (loops run to their end), or the frame
    /// returns; with LOCATION, run until LOCATION or the frame returns.
    #[command(visible_alias = "u")]
    Until {
        /// A location, as for `break`.
        location: Option<String>,
    },
    /// Run until LOCATION (as for `break`) is reached, or the selected frame
    /// returns.
    Advance {
        /// A location, as for `break`.
        location: String,
    },
    /// lldb's `frame variable [NAME...]`: the selected frame's source
    /// arguments and locals with their types (`frame variable` routes
    /// here).
    #[command(hide = true)]
    FrameVariable {
        /// Only these variables.
        names: Vec<String>,
    },
    /// Show source lines: around the current line, around LOCATION
    /// (`LINE`, `FILE:LINE`, `FUNCTION`), or after the last listing when
    /// repeated; `list -` shows the lines before the last listing.
    #[command(visible_alias = "l")]
    List {
        /// Where to list.
        #[arg(allow_hyphen_values = true)]
        location: Option<String>,
    },
    /// Add DIR to the front of the list of places source files are looked
    /// for (after the path DWARF gives); without DIR, show the list.
    #[command(alias = "dir")]
    Directory {
        /// The directory.
        dir: Option<std::path::PathBuf>,
    },
    /// Start the program again from the beginning (breakpoints are kept).
    #[command(visible_alias = "r")]
    Run,
    /// Set a breakpoint: `break LOCATION [if EXPR]`. LOCATION is a function
    /// name (after its prologue, with DWARF), `func[N]`, `*0xOFFSET` (module
    /// offset), `NAME+0xOFFSET` (from the start of NAME's body), `FILE:LINE`
    /// or `LINE` (in the current source file).
    #[command(visible_alias = "b")]
    Break {
        /// LOCATION, then optionally `if` and a condition.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        spec: Vec<String>,
    },
    /// Set a breakpoint that is deleted when first hit.
    Tbreak {
        /// LOCATION, then optionally `if` and a condition.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        spec: Vec<String>,
    },
    /// Print a message each time LOCATION is reached and go on (gdb's
    /// `dprintf LOCATION,"FORMAT",ARG...`): FORMAT is C's printf format
    /// (`%d %i %u %x %X %o %c %s %f %e %g %p`, with flags, width,
    /// precision; `\n` for a newline), each ARG an expression as `print`
    /// takes it. Listed, enabled, disabled, conditioned and deleted like a
    /// breakpoint.
    Dprintf {
        /// LOCATION,"FORMAT",ARG... as one text.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        spec: Vec<String>,
    },
    /// Stop right after an instruction changes a global (`watch NAME`), a
    /// typed location (`watch {i32} ADDR`) or a range of memory (`watch -l
    /// ADDR LEN`); shows the old and new value.
    Watch {
        /// `-l ADDRESS LEN`: a range of memory 0.
        #[arg(short = 'l', long = "location", num_args = 2, value_names = ["ADDRESS", "LEN"])]
        location: Option<Vec<String>>,
        /// A global's name or `{TYPE} ADDRESS`.
        #[arg(num_args = 0.., allow_hyphen_values = true)]
        expr: Vec<String>,
    },
    /// Delete breakpoints (all without IDs).
    #[command(visible_alias = "d")]
    Delete {
        /// Breakpoint ids.
        ids: Vec<BreakpointId>,
    },
    /// Disable breakpoints (all without IDs).
    Disable {
        /// Breakpoint ids.
        ids: Vec<BreakpointId>,
    },
    /// Enable breakpoints (all without IDs).
    Enable {
        /// Breakpoint ids.
        ids: Vec<BreakpointId>,
    },
    /// Stop at breakpoint ID only when EXPR is true; without EXPR, always.
    Condition {
        /// Breakpoint id.
        id: BreakpointId,
        /// The condition (locals `$local0`/names, globals, numbers, + - * / %,
        /// comparisons, && || !, parentheses).
        #[arg(num_args = 0.., allow_hyphen_values = true)]
        expr: Vec<String>,
    },
    /// Ignore the next N hits of breakpoint ID.
    Ignore {
        /// Breakpoint id.
        id: BreakpointId,
        /// How many hits to ignore.
        count: u64,
    },
    /// Show the instructions of the selected frame's function, or of
    /// FUNCTION, with `=>` at the current instruction.
    #[command(visible_alias = "disas")]
    Disassemble {
        /// A function name or `func[N]`.
        function: Option<String>,
        /// Every instruction, not a window around the current one.
        #[arg(short, long)]
        all: bool,
    },
    /// Show every global: index, name, type, mutability, value.
    Globals {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// Evaluate EXPR in the selected frame: `print[/FMT] EXPR`, FMT one of
    /// x d u t f c, or r for the raw structure without data formatters.
    /// Locals by name or `$localN`, globals by name, memory as `{i32} ADDR`
    /// or `*(i32*)ADDR`; each result is kept as `$N` (`$` is the last) for
    /// later expressions.
    #[command(visible_alias = "p")]
    Print {
        /// FMT, as in `p/x` (the parser moves it here).
        #[arg(long, hide = true)]
        fmt: Option<String>,
        /// The expression.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        expr: Vec<String>,
    },
    /// `set var NAME = EXPR` (a mutable global) or `set {TYPE} ADDR = EXPR`
    /// (memory); `set` routes these here.
    #[command(hide = true)]
    Assign {
        /// What is assigned to.
        target: String,
        /// The new value.
        value: String,
    },
    /// Examine memory: `x/FMT ADDRESS`. FMT is a count, a format (x hex, d
    /// signed, u unsigned, t binary, c char, f float, s string, i
    /// instruction at a module offset) and a unit (b 1, h 2, w 4, g 8
    /// bytes); without FMT, a hexdump of 64 bytes. ADDRESS is an expression
    /// (`0x1000`, `$sp + 16`, a local's name).
    X {
        /// FMT, as in `x/16xb` (the parser moves it here).
        #[arg(long, hide = true)]
        fmt: Option<String>,
        /// Memory index, for modules with several memories.
        #[arg(short, long, default_value_t = 0)]
        memory: u32,
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,

        /// Read elements of this table instead of memory (ADDRESS is the
        /// first element's index; FMT's count says how many).
        #[arg(short, long)]
        table: Option<u32>,
        /// The address expression.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        address: Vec<String>,
    },
    /// Commands for testing wasmdbg itself.
    #[command(alias = "mt", hide = true)]
    Maintenance {
        /// What to do.
        #[command(subcommand)]
        what: Maintenance,
    },
    /// Show facts about the session.
    #[command(visible_alias = "i")]
    Info {
        /// What to show.
        #[command(subcommand)]
        what: Info,
    },
    /// Allow `.wasmdbginit` files in DIR and below to run (for your user
    /// init file, as gdb's command of that name). Left out of the `help`
    /// list, whose columns it would widen; `help add-auto-load-safe-path`
    /// and docs/command-line.md describe it.
    #[command(hide = true)]
    AddAutoLoadSafePath {
        /// The directory.
        dir: std::path::PathBuf,
    },
    /// Change a debugger setting.
    Set {
        /// The setting.
        #[command(subcommand)]
        setting: Setting,
    },
    /// Remove a debugger setting's value.
    Unset {
        /// The setting.
        #[command(subcommand)]
        setting: UnsetSetting,
    },
    /// Show a debugger setting.
    Show {
        /// The setting.
        #[command(subcommand)]
        setting: ShowSetting,
    },
    /// End the program and the debugger; with STATUS, wasmdbg exits with it
    /// (gdb's `quit [EXPR]`) whatever the program did.
    #[command(visible_alias = "q", alias = "exit")]
    Quit {
        /// The exit status (its low 8 bits on Unix).
        #[arg(allow_negative_numbers = true)]
        status: Option<i32>,
    },
}

/// `maintenance` subcommands: for testing wasmdbg itself (gdb's
/// `maintenance internal-error`).
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Maintenance {
    /// Panic in the front end, or with `worker` in the worker thread (which
    /// ends it), to check that the session survives.
    Panic {
        /// Where: `frontend` (default) or `worker`.
        #[arg(value_parser = ["frontend", "worker"], default_value = "frontend")]
        place: String,
    },
}

/// What `info` shows.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Info {
    /// The breakpoints: id, enabled, type, location, pc, hits, condition.
    #[command(visible_alias = "b")]
    Breakpoints,
    /// The selected frame's source variables from DWARF (without DWARF for
    /// its pc: its Wasm locals, as `locals`).
    Locals,
    /// The selected frame's source arguments, from DWARF.
    Args,
    /// The source line at LOCATION (default: the selected frame's pc):
    /// file, line and its module offsets.
    Line {
        /// A location, as for `break`.
        location: Option<String>,
    },
    /// The source files the DWARF line tables name.
    Sources,
    /// The selected frame (as `frame`).
    Frame,
    /// Every global (as `globals`).
    Globals {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// Each memory: index, min/max pages, current size, shared or not.
    Memory {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// Each table: index, element type, min/max, current size.
    Tables {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// Functions whose name matches REGEX (all without one).
    Functions {
        /// A regular expression.
        regex: Option<String>,
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// The module's imports.
    Imports {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// The module's exports.
    Exports {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// The sections of the module binary, custom ones too.
    Sections {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// The module: file, size, name, counts, debug info.
    Module {
        /// The core module (index or name from `info modules`; default:
        /// the selected frame's).
        #[arg(short = 'M', long = "module", value_name = "MODULE")]
        module: Option<String>,
    },
    /// The program's core modules: index, name, size, functions, DWARF
    /// (a component has several; a module, one).
    Modules,
    /// `wasmdbg serve`'s HTTP requests: the one being handled (and
    /// whether it is paused), the latest answered with their status.
    Requests,
}

/// Settings changed with `set`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Setting {
    /// Pause when the guest throws an exception (on or off).
    StopOnThrow {
        /// on or off.
        value: OnOff,
    },
    /// Look for a source file whose DWARF path starts with FROM (whole path
    /// components) under TO instead (gdb's; a rule for the same FROM is
    /// replaced; rules are tried in the order given).
    SubstitutePath {
        /// The leading part of DWARF paths to replace.
        from: String,
        /// What to put instead.
        to: String,
    },
    /// How values are printed: `set print elements N`, `set print
    /// max-depth N` (N a number or `unlimited`).
    Print {
        /// Which print setting.
        #[command(subcommand)]
        setting: PrintSetting,
    },
}

/// `set print` subcommands (gdb's).
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum PrintSetting {
    /// Most elements of an array or container, and characters of a
    /// string, shown (default 200; 0 or `unlimited`: all, up to 1,048,576).
    Elements {
        /// A number or `unlimited`.
        limit: Limit,
    },
    /// How deeply nested values are shown (default 20; `unlimited`: no
    /// limit); deeper ones are `{...}`.
    MaxDepth {
        /// A number or `unlimited`.
        limit: Limit,
    },
}

/// `show print` subcommands.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum ShowPrintSetting {
    /// The element limit.
    Elements,
    /// The depth limit.
    MaxDepth,
}

/// A limit as gdb takes it: a number, or `unlimited` (`None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit(pub Option<u64>);

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "unlimited" => Ok(Limit(None)),
            _ => s
                .parse::<u64>()
                .map(|n| Limit(Some(n)))
                .map_err(|_| format!("expected a number or \"unlimited\", not {s:?}")),
        }
    }
}

/// `unset` subcommands.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum UnsetSetting {
    /// Remove FROM's substitution rule, or every rule.
    SubstitutePath {
        /// The rule's FROM.
        from: Option<String>,
    },
}

/// `show` subcommands.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum ShowSetting {
    /// The source path substitution rules, in the order they are tried.
    SubstitutePath,
    /// A print setting.
    Print {
        /// Which.
        #[command(subcommand)]
        setting: ShowPrintSetting,
    },
}

/// A boolean setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// What a line turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A command to run.
    Command(Command),
    /// Help text to print (from `help` or `help COMMAND`).
    Help(String),
}

/// Parses one line. Comments (`#`) and blank lines give `Ok(None)`.
///
/// # Errors
/// One line of text: an unknown command (with the closest name when there is
/// one), a bad argument, unbalanced quotes.
pub fn parse(line: &str) -> Result<Option<Parsed>, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    // `dprintf LOCATION,"FORMAT",ARG...` (or a prefix of the name, `dp`
    // on): the format's quotes and backslashes are its own, not the
    // shell's, so the line is not split.
    let first = trimmed.split_whitespace().next().unwrap_or_default();
    if first.len() >= 2 && "dprintf".starts_with(first) {
        let rest = trimmed[first.len()..].trim().to_string();
        if rest.is_empty() {
            return Err(DPRINTF_USAGE.to_string());
        }
        return Ok(Some(Parsed::Command(Command::Dprintf { spec: vec![rest] })));
    }
    let mut words =
        shell_words::split(trimmed).map_err(|e| format!("cannot split the line: {e}"))?;
    // gdb's `x/16xb ADDR` and `p/x EXPR`: the format is glued to the
    // command name.
    for name in ["x", "p", "print"] {
        if let Some(fmt) = words[0]
            .strip_prefix(&format!("{name}/"))
            .map(str::to_string)
        {
            words[0] = name.to_string();
            words.insert(1, "--fmt".to_string());
            words.insert(2, fmt);
            break;
        }
    }
    // `set var X = 1`, `set variable X = 1`, `set {i32} ADDR = 1`.
    if words[0] == "set"
        && words.len() > 1
        && (words[1] == "var" || words[1] == "variable" || words[1].starts_with('{'))
    {
        let rest = if words[1].starts_with('{') {
            &words[1..]
        } else {
            &words[2..]
        };
        let text = rest.join(" ");
        let split = text
            .char_indices()
            .find(|&(i, c)| {
                c == '='
                    && !text[i + 1..].starts_with('=')
                    && !text[..i].ends_with(['=', '!', '<', '>'])
            })
            .map(|(i, _)| i);
        return match split {
            Some(i) if !text[..i].trim().is_empty() && !text[i + 1..].trim().is_empty() => {
                Ok(Some(Parsed::Command(Command::Assign {
                    target: text[..i].trim().to_string(),
                    value: text[i + 1..].trim().to_string(),
                })))
            }
            _ => Err("usage: set var NAME = EXPR, or set {TYPE} ADDRESS = EXPR".to_string()),
        };
    }
    // lldb's `frame variable [NAME...]` (also `fr v`).
    if words.len() > 1
        && words[0].len() >= 2
        && "frame".starts_with(words[0].as_str())
        && ["variable", "var", "v"].contains(&words[1].as_str())
    {
        return Ok(Some(Parsed::Command(Command::FrameVariable {
            names: words[2..].to_vec(),
        })));
    }
    match Line::try_parse_from(&words) {
        Ok(line) => Ok(Some(Parsed::Command(line.command))),
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                Ok(Some(Parsed::Help(e.render().to_string())))
            }
            _ => Err(one_line_error(&e, &words[0])),
        },
    }
}

/// Turns clap's multi-line error into one line.
fn one_line_error(e: &clap::Error, first: &str) -> String {
    use clap::error::ErrorKind;
    if e.kind() == ErrorKind::InvalidSubcommand && !known_command(first) {
        let ambiguous: Vec<String> = command_names()
            .into_iter()
            .filter(|n| n.starts_with(first))
            .collect();
        if ambiguous.len() > 1 {
            return format!("ambiguous command \"{first}\": {}", ambiguous.join(", "));
        }
        return match closest_command(first) {
            Some(s) => format!("unknown command \"{first}\"; did you mean \"{s}\"? (try `help`)"),
            None => format!("unknown command \"{first}\" (try `help`)"),
        };
    }
    let text = e.render().to_string();
    let msg = text
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("invalid command")
        .trim_start_matches("error: ")
        .to_string();
    format!("{msg} (try `help {first}`)")
}

/// The command name most like `word`, when one is close enough
/// (Jaro-Winkler similarity above 0.8, as clap uses for its suggestions).
fn closest_command(word: &str) -> Option<String> {
    command_names()
        .into_iter()
        .map(|n| (strsim::jaro_winkler(word, &n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

fn known_command(word: &str) -> bool {
    command_names().iter().any(|n| n == word)
}

/// What may follow command `first` (a name, an alias or an unambiguous
/// prefix), for completion: its subcommands' names and aliases (`info
/// breakpoints`), and its options (`--all`, `-a`). `None` for a word that
/// names no command.
pub fn words_after(first: &str) -> Option<(Vec<String>, Vec<String>)> {
    let cmd = Line::command();
    let named: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|c| c.get_name() == first || c.get_all_aliases().any(|a| a == first))
        .collect();
    let prefixed: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|c| c.get_name().starts_with(first))
        .collect();
    let sub = match (named.as_slice(), prefixed.as_slice()) {
        ([one], _) | ([], [one]) => *one,
        _ => return None,
    };
    let mut subcommands = Vec::new();
    for s in sub.get_subcommands() {
        subcommands.push(s.get_name().to_string());
        subcommands.extend(s.get_all_aliases().map(str::to_string));
    }
    let mut options = Vec::new();
    for arg in sub.get_arguments() {
        options.extend(arg.get_long().map(|l| format!("--{l}")));
        options.extend(arg.get_short().map(|s| format!("-{s}")));
    }
    Some((subcommands, options))
}

/// Every command name and alias, for completion.
pub fn command_names() -> Vec<String> {
    let cmd = Line::command();
    let mut names = Vec::new();
    for sub in cmd.get_subcommands() {
        names.push(sub.get_name().to_string());
        names.extend(sub.get_all_aliases().map(str::to_string));
    }
    names.push("help".to_string());
    names.sort();
    names
}

const DPRINTF_USAGE: &str = "usage: dprintf LOCATION,\"FORMAT\",ARG...";

/// gdb's `dprintf` arguments, `LOCATION,"FORMAT",ARG...`, split: the
/// location (up to the first comma), the format with its C escapes
/// decoded (`\n \t \r \a \b \f \v \e \\ \" \'`, octal `\NNN`), and
/// the arguments (split at commas outside parentheses, brackets, braces and
/// quotes).
///
/// # Errors
/// No comma after the location, a format that is not one quoted string,
/// an unknown escape, an empty argument.
pub fn dprintf_args(text: &str) -> Result<(String, String, Vec<String>), String> {
    const USAGE: &str = DPRINTF_USAGE;
    let (location, rest) = text
        .split_once(',')
        .ok_or_else(|| format!("{USAGE} (no comma after the location)"))?;
    let location = location.trim();
    if location.is_empty() {
        return Err(format!("{USAGE} (no location)"));
    }
    let rest = rest.trim_start();
    let mut chars = rest.char_indices();
    if chars.next().map(|(_, c)| c) != Some('"') {
        return Err(format!("{USAGE} (the format must be a quoted string)"));
    }
    let mut format = String::new();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                end = Some(i + 1);
                break;
            }
            '\\' => {
                let (_, e) = chars
                    .next()
                    .ok_or_else(|| "the format ends in a backslash".to_string())?;
                match e {
                    'n' => format.push('\n'),
                    't' => format.push('\t'),
                    'r' => format.push('\r'),
                    'a' => format.push('\u{7}'),
                    'b' => format.push('\u{8}'),
                    'f' => format.push('\u{c}'),
                    'v' => format.push('\u{b}'),
                    'e' => format.push('\u{1b}'),
                    '\\' | '"' | '\'' => format.push(e),
                    '0'..='7' => {
                        let mut code = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.clone().next() {
                                Some((_, d @ '0'..='7')) => {
                                    chars.next();
                                    code = code * 8 + d.to_digit(8).unwrap_or(0);
                                }
                                _ => break,
                            }
                        }
                        match code {
                            0 => return Err("\\0 in the format would end it (as in C)".to_string()),
                            1..=0x7f => format.push(char::from_u32(code).unwrap_or('?')),
                            _ => {
                                return Err(format!(
                                    "the octal escape \\{code:o} is not ASCII; write the character itself"
                                ));
                            }
                        }
                    }
                    other => return Err(format!("unknown escape \\{other} in the format")),
                }
            }
            c => format.push(c),
        }
    }
    let end = end.ok_or_else(|| "the format's closing quote is missing".to_string())?;
    let after = rest[end..].trim();
    if after.is_empty() {
        return Ok((location.to_string(), format, Vec::new()));
    }
    let Some(after) = after.strip_prefix(',') else {
        return Err(format!("{USAGE} (a comma must follow the format)"));
    };
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut quote = None;
    let mut current = String::new();
    for c in after.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                args.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    args.push(current);
    let args: Vec<String> = args.into_iter().map(|a| a.trim().to_string()).collect();
    if args.iter().any(String::is_empty) {
        return Err(format!("{USAGE} (an argument is empty)"));
    }
    Ok((location.to_string(), format, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Command {
        match parse(line) {
            Ok(Some(Parsed::Command(c))) => c,
            other => panic!("{line:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn names_aliases_and_prefixes() {
        let table: &[(&str, Command)] = &[
            ("backtrace", Command::Backtrace { n: None }),
            ("bt", Command::Backtrace { n: None }),
            ("bt 3", Command::Backtrace { n: Some(3) }),
            ("bt -3", Command::Backtrace { n: Some(-3) }),
            ("back", Command::Backtrace { n: None }),
            ("where", Command::Backtrace { n: None }),
            ("f 2", Command::Frame { n: Some(2) }),
            ("frame", Command::Frame { n: None }),
            ("up", Command::Up { n: None }),
            ("do 2", Command::Down { n: Some(2) }),
            ("loc", Command::Locals),
            ("sta", Command::Stack),
            ("si 3", Command::Stepi { n: Some(3) }),
            ("s", Command::Step { n: None }),
            ("n 2", Command::Next { n: Some(2) }),
            ("ni", Command::Nexti { n: None }),
            ("fin", Command::Finish),
            ("rc", Command::ReverseContinue),
            ("rsi", Command::ReverseStepi),
            ("rni", Command::ReverseNexti),
            ("rs", Command::ReverseStep),
            ("rn", Command::ReverseNext),
            ("reverse-finish", Command::ReverseFinish),
            ("r", Command::Run),
            (
                "b fib",
                Command::Break {
                    spec: vec!["fib".into()],
                },
            ),
            (
                "tb *0x10",
                Command::Tbreak {
                    spec: vec!["*0x10".into()],
                },
            ),
            (
                "d 1 2",
                Command::Delete {
                    ids: vec![BreakpointId(1), BreakpointId(2)],
                },
            ),
            (
                "disas",
                Command::Disassemble {
                    function: None,
                    all: false,
                },
            ),
            (
                "info b",
                Command::Info {
                    what: Info::Breakpoints,
                },
            ),
            (
                "i breakpoints",
                Command::Info {
                    what: Info::Breakpoints,
                },
            ),
            ("c", Command::Continue),
            ("cont", Command::Continue),
            ("q", Command::Quit { status: None }),
            ("quit", Command::Quit { status: None }),
            ("quit 3", Command::Quit { status: Some(3) }),
            (
                "set stop-on-throw off",
                Command::Set {
                    setting: Setting::StopOnThrow { value: OnOff::Off },
                },
            ),
        ];
        for (line, expected) in table {
            assert_eq!(&cmd(line), expected, "{line}");
        }
    }

    #[test]
    fn comments_and_blank_lines_are_nothing() {
        assert_eq!(parse("  # a comment"), Ok(None));
        assert_eq!(parse(""), Ok(None));
    }

    #[test]
    fn unknown_and_bad_input_is_one_line() {
        assert_eq!(
            parse("bactrace").unwrap_err(),
            "unknown command \"bactrace\"; did you mean \"backtrace\"? (try `help`)"
        );
        assert_eq!(
            parse("xyzzy").unwrap_err(),
            "unknown command \"xyzzy\" (try `help`)"
        );
        let e = parse("frame abc").unwrap_err();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("invalid value 'abc'"), "{e}");
        assert!(
            parse("frame \"abc")
                .unwrap_err()
                .starts_with("cannot split")
        );
    }

    #[test]
    fn help_comes_from_the_definitions() {
        let Ok(Some(Parsed::Help(text))) = parse("help") else {
            panic!()
        };
        assert!(text.contains("backtrace"), "{text}");
        assert!(text.contains("Print the call stack"), "{text}");
        let Ok(Some(Parsed::Help(text))) = parse("help bt") else {
            panic!()
        };
        assert!(text.contains("Show this many frames"), "{text}");
    }
}
