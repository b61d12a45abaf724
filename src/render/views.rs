//! The debugger's views: stop banner, backtrace, frame line, locals, operand
//! stack, program outcome.

use comfy_table::{Table, presets};

use super::{Theme, value};
use crate::debugger::protocol::{
    BreakpointInfo, BreakpointKind, DisasmLine, Exception, FrameInfo, Local, LogSpec, Outcome,
    PanicKind, PanicMessage, ReverseStop, Stop, StopReason, Value, WatchValue,
};
use crate::program::dwarf::SourceLoc;

/// A source line to show under a frame, as the front end found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceLine {
    /// Nothing to show (no line information, or not asked for).
    None,
    /// The line's number and text.
    Text(u32, String),
    /// A note saying why the text cannot be shown (file not found).
    Note(String),
}

/// `FILE:LINE[:COL]`.
fn source_location(theme: &Theme, l: &SourceLoc) -> String {
    let mut text = format!("{}:{}", l.file, l.line);
    if let Some(c) = l.column {
        text.push_str(&format!(":{c}"));
    }
    theme.file(&text)
}

/// `#i  NAME (func[IDX]) at 0xPC` without source information; with it, as
/// gdb: `#i  0xPC in NAME (func[IDX]) at FILE:LINE:COL`, and a line of its
/// own (no number: same Wasm frame) for each function DWARF says was
/// inlined there, innermost first.
///
/// When the program has several core modules, the function is qualified
/// with its module as lldb writes it: ``MODULE`NAME``.
pub fn frame_line(theme: &Theme, f: &FrameInfo) -> String {
    let name = qualified_func_label(
        theme,
        f.module_name.as_deref(),
        f.func_index,
        f.func_name.as_deref(),
    );
    let pc = theme.addr(&format!("0x{:x}", f.pc));
    let number = format!("#{:<2}", f.frame.index);
    if f.source.is_empty() {
        return format!("{number} {name} at {pc}");
    }
    let mut lines = Vec::new();
    for (i, s) in f.source.iter().enumerate() {
        let label = if s.inlined {
            // Qualified with the module, as the frame's own line is.
            let prefix = f
                .module_name
                .as_deref()
                .map(|m| format!("{m}`"))
                .unwrap_or_default();
            let function = s.function.as_deref().unwrap_or("??");
            format!("{} [inlined]", theme.func(&format!("{prefix}{function}")))
        } else {
            name.clone()
        };
        let at = s
            .location
            .as_ref()
            .map(|l| format!(" at {}", source_location(theme, l)))
            .unwrap_or_default();
        let prefix = if i == 0 {
            number.clone()
        } else {
            "   ".to_string()
        };
        lines.push(format!("{prefix} {pc} in {label}{at}"));
    }
    lines.join("\n")
}

/// The frame line, the source line (`LINE<TAB>TEXT`, or a note), then
/// `=> 0xPC: INSTRUCTION` when the instruction's text is known; as `frame`
/// prints it and the stop banner shows frame #0.
pub fn frame_detail(theme: &Theme, f: &FrameInfo, source: &SourceLine) -> String {
    let mut out = frame_line(theme, f);
    out.push('\n');
    match source {
        SourceLine::None => {}
        SourceLine::Text(n, text) => out.push_str(&format!("{n}\t{text}\n")),
        SourceLine::Note(note) => {
            out.push_str(&theme.dim(note));
            out.push('\n');
        }
    }
    if let Some(text) = f.instruction.as_deref() {
        out.push_str(&format!(
            "=> {}: {text}\n",
            theme.addr(&format!("0x{:x}", f.pc))
        ));
    }
    out
}

/// A backtrace, innermost first; says when it was cut short by a limit.
pub fn backtrace(theme: &Theme, frames: &[FrameInfo], total: Option<usize>) -> String {
    let mut out = String::new();
    for f in frames {
        out.push_str(&frame_line(theme, f));
        out.push('\n');
    }
    if frames.is_empty() {
        out.push_str("No frames of the module on the stack.\n");
    } else if total.is_none() {
        out.push_str(&theme.dim("(more frames follow)"));
        out.push('\n');
    }
    out
}

/// A backtrace with frames left out between `inner` (the innermost) and
/// `outer` (the outermost) of a stack `total` frames deep.
pub fn backtrace_elided(
    theme: &Theme,
    inner: &[FrameInfo],
    outer: &[FrameInfo],
    total: usize,
) -> String {
    let mut out = backtrace(theme, inner, Some(inner.len()));
    let omitted = total.saturating_sub(inner.len() + outer.len());
    out.push_str(&theme.dim(&format!(
        "({omitted} frames not shown of {total}: `bt N` shows the innermost N, `bt -N` the outermost)"
    )));
    out.push('\n');
    out.push_str(&backtrace(theme, outer, Some(outer.len())));
    out
}

/// A thrown exception: `tag N "name" (payload)`.
pub fn exception(e: &Exception) -> String {
    let tag = match (e.tag_index, &e.tag_name) {
        (Some(i), Some(n)) => format!("tag {i} \"{n}\""),
        (Some(i), None) => format!("tag {i}"),
        (None, _) => "unknown tag".to_string(),
    };
    let payload: Vec<String> = e
        .payload
        .iter()
        .map(|v| format!("{} {}", v.type_name(), value(v)))
        .collect();
    format!("{tag}, payload ({})", payload.join(", "))
}

/// The banner printed at every pause: why, the HTTP request it belongs to
/// (`wasmdbg serve`), frame #0, its source line (as the front end found
/// it), its instruction.
pub fn stop_banner(theme: &Theme, stop: &Stop, source: &SourceLine) -> String {
    let why = stop_reason(&stop.reason);
    let mut out = String::new();
    if !why.is_empty() {
        out.push_str(&theme.event(&why));
        out.push('\n');
    }
    if let Some(p) = &stop.panic {
        out.push_str(&theme.event(&panic_message(p)));
        out.push('\n');
    }
    if let Some(r) = &stop.request {
        out.push_str(&theme.event(&format!(
            "in request #{}: {} {}",
            r.number, r.method, r.path
        )));
        out.push('\n');
    }
    match (&stop.frame, &stop.reason) {
        (Some(f), _) => out.push_str(&frame_detail(theme, f, source)),
        // `wasmdbg serve --stop-on-entry`: loaded, not serving yet.
        (None, StopReason::Entry) => out.push_str("Not serving yet: `continue` starts serving.\n"),
        (None, _) => out.push_str("No Wasm frames on the stack.\n"),
    }
    out
}

/// Where a reverse command arrived, as its banner says it (gdb's words
/// where gdb has them).
fn reverse_stop(stop: &ReverseStop) -> String {
    match stop {
        ReverseStop::Breakpoint { id } => {
            format!("Breakpoint {id} (going back: its last hit before)")
        }
        ReverseStop::Watchpoint { id, what, old, new } => format!(
            "Watchpoint {id}: {what} (going back: its last change before)\nOld value = {}\nNew value = {}",
            watch_value(old),
            watch_value(new)
        ),
        ReverseStop::Step => String::new(),
        ReverseStop::Call => "Run back to the call".to_string(),
        ReverseStop::Start => {
            "No more reverse-execution history: at the start of the recording".to_string()
        }
        ReverseStop::Unfinished { why } => format!("Program stopped: {why}"),
    }
}

/// A panic or failed assertion as the program wrote it, on one line where
/// the program's own message has one: `panicked at src/main.rs:4:5:
/// attempt to divide by zero`, `Assertion failed: n > 0 (main.c: check:
/// 12)`.
pub fn panic_message(p: &PanicMessage) -> String {
    match p.kind {
        PanicKind::RustPanic => format!("panicked at {}: {}", p.location, p.message),
        PanicKind::CAssert => {
            let (file, line) = p.location.rsplit_once(':').unwrap_or((&p.location, "?"));
            format!(
                "Assertion failed: {} ({file}: {}: {line})",
                p.message,
                p.function.as_deref().unwrap_or("?")
            )
        }
    }
}

/// Why the program paused, as the stop banner's first line says it
/// (`Program stopped: trap: integer divide by zero`, `Breakpoint 1, hit 2
/// times`); empty for a plain step.
pub fn stop_reason(reason: &StopReason) -> String {
    match reason {
        StopReason::Trap(msg) => format!("Program stopped: trap: {msg}"),
        StopReason::Exception(e) => match e.caught {
            Some(false) => format!(
                "Program stopped: uncaught exception thrown: {} (no handler on the stack catches it)",
                exception(e)
            ),
            Some(true) => format!(
                "Program stopped: exception thrown: {} (a handler on the stack catches it)",
                exception(e)
            ),
            None => format!(
                "Program stopped: exception thrown: {} (whether it will be caught cannot be told)",
                exception(e)
            ),
        },
        StopReason::HostcallError(msg) => format!("Program stopped: host call failed: {msg}"),
        StopReason::MemoryLimit(msg) => format!("Program stopped: memory limit reached: {msg}"),
        StopReason::Entry => "Program stopped at entry".to_string(),
        StopReason::CoreDump => "Program stopped (the core dump does not record why)".to_string(),
        StopReason::Breakpoint {
            id,
            hits,
            temporary,
        } => {
            let times = if *hits == 1 { "time" } else { "times" };
            if *temporary {
                format!("Temporary breakpoint {id}, hit {hits} {times} (now deleted)")
            } else {
                format!("Breakpoint {id}, hit {hits} {times}")
            }
        }
        StopReason::Step { note } => note.clone().unwrap_or_default(),
        StopReason::Finished {
            func_index,
            func_name,
            results,
        } => {
            let name = func_name
                .clone()
                .unwrap_or_else(|| format!("func[{func_index}]"));
            if results.is_empty() {
                format!("Run till exit: {name} returned")
            } else {
                let shown: Vec<String> = results
                    .iter()
                    .map(|v| format!("{} {}", v.type_name(), value(v)))
                    .collect();
                format!("Run till exit: {name} returned {}", shown.join(", "))
            }
        }
        StopReason::Interrupted { timeout: None } => "Program interrupted".to_string(),
        StopReason::Interrupted {
            timeout: Some(secs),
        } => format!("Program interrupted: it ran longer than --timeout {secs}s"),
        StopReason::Reversed(stop) => reverse_stop(stop),
        StopReason::Watchpoint { id, what, old, new } => format!(
            "Watchpoint {id}: {what}\nOld value = {}\nNew value = {}",
            watch_value(old),
            watch_value(new)
        ),
        StopReason::ConditionError {
            id: Some(id),
            message,
        } => format!(
            "Program stopped at breakpoint {id}: its condition could not be evaluated: {message}"
        ),
        StopReason::ConditionError { id: None, message } => format!(
            "Program stopped at a breakpoint: its condition could not be evaluated: {message}"
        ),
    }
}

/// `Saved a core dump to PATH: 3 frames, 1 memory (65536 bytes), 1234 bytes.`
pub fn core_file_written(w: &crate::debugger::protocol::CoreFileWritten) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "Saved a core dump to {}: {}, {} ({} bytes); {} bytes.\n",
        w.path.display(),
        plural(w.frames, "frame", "frames"),
        plural(w.memories, "memory", "memories"),
        w.memory_bytes,
        w.bytes
    )
}

/// What `wasmdbg serve` did with a request's recording, one line:
/// `wasmdbg: request #3 GET /trap?d=0 trapped: ... on plain code after 12
/// host calls; trace: DIR/0003-GET-trap_d_0.trace; replaying it under the
/// debugger to there`.
pub fn request_recorded(r: &crate::debugger::protocol::RequestRecord) -> String {
    let request = format!(
        "request #{} {} {}",
        r.request.number, r.request.method, r.request.path
    );
    let how = match r.status {
        Some(status) => format!("answered {status} ({})", r.ended),
        None => r.ended.clone(),
    };
    let mut line = format!(
        "wasmdbg: {request} {how} on plain code after {} host call{}",
        r.calls,
        if r.calls == 1 { "" } else { "s" }
    );
    if let Some(trace) = &r.trace {
        line.push_str(&format!("; trace: {}", trace.display()));
    }
    if let Some(e) = &r.trace_error {
        line.push_str(&format!("; the trace was not written: {e}"));
    }
    match &r.core_file {
        Some(Ok(core)) => line.push_str(&format!("; core dump: {}", core.display())),
        Some(Err(e)) => line.push_str(&format!("; no core dump: {e}")),
        None => {}
    }
    if let Some(e) = &r.replay_error {
        line.push_str(&format!("; its replay did not pause there: {e}"));
    }
    match (r.replayed, r.interrupted) {
        (true, false) => line.push_str("; replaying it under the debugger to there"),
        // Where the replay can pause: wasmtime checks for an interrupt
        // at each function entry and loop back edge.
        (true, true) if r.calls == 0 => line.push_str(
            "; replaying it under the debugger to the first call or loop after its start (how \
             far it ran is not recorded)",
        ),
        (true, true) => line.push_str(
            "; replaying it under the debugger to the first call or loop after that host call \
             (how far it ran after it is not recorded)",
        ),
        (false, _) => {}
    }
    line.push('\n');
    line
}

/// What a run on plain code that did not end normally is, and what
/// happens next: `the program trapped after 3 host calls (integer divide by
/// zero); replaying it under the debugger to there`, or for an interrupted
/// one where the replay pauses (one line, no newline). `interrupt` names
/// what interrupts a run for this front end (`Ctrl-C`, the DAP's `pause`).
pub fn replaying(recorded: &crate::debugger::record::Recorded, interrupt: &str) -> String {
    use crate::debugger::record::trace::End;
    let calls = format!(
        "{} host call{}",
        recorded.calls,
        if recorded.calls == 1 { "" } else { "s" }
    );
    if let Some(how) = recorded.interrupted {
        // Where the replay can pause: wasmtime checks for an interrupt at
        // each function entry and loop back edge.
        return format!(
            "the program was interrupted ({}) after {calls}; replaying it under the debugger to \
             the first call or loop after {} (how far it ran after that is not recorded)",
            match how {
                Some(seconds) => format!("--timeout {seconds}s"),
                None => interrupt.to_string(),
            },
            if recorded.calls == 0 {
                "its start"
            } else {
                "the last"
            }
        );
    }
    let (how, why) = match &recorded.end {
        End::Trapped(why) => ("trapped", why.as_str()),
        End::Failed(why) => ("failed", why.as_str()),
        // Not replayed: a run that ended so is over.
        End::Returned => ("returned", ""),
        End::Exited(_) => ("exited", ""),
    };
    format!("the program {how} after {calls} ({why}); replaying it under the debugger to there")
}

/// How the program ended, in brackets as gdb prints it.
pub fn outcome(theme: &Theme, o: &Outcome) -> String {
    let text = match o {
        Outcome::Returned { entry, results } if results.is_empty() => {
            format!("[{entry} returned]")
        }
        Outcome::Returned { entry, results } => {
            let shown: Vec<String> = results
                .iter()
                .map(|v| format!("{} {}", v.type_name(), value(v)))
                .collect();
            format!("[{entry} returned {}]", shown.join(", "))
        }
        Outcome::ComponentReturned { call, results } if results.is_empty() => {
            format!("[{call} returned]")
        }
        Outcome::ComponentReturned { call, results } => {
            format!("[{call} returned {}]", results.join(", "))
        }
        Outcome::Exited(code) => format!("[program exited with code {code}]"),
        Outcome::Trapped(msg) => format!("[program terminated by a trap: {msg}]"),
        Outcome::UncaughtException(Some(e)) => {
            format!(
                "[program terminated by an uncaught exception: {}]",
                exception(e)
            )
        }
        Outcome::UncaughtException(None) => {
            "[program terminated by an uncaught exception]".to_string()
        }
        Outcome::Failed(msg) => format!("[program failed: {msg}]"),
        Outcome::LoadFailed(msg) => return format!("{}\n", theme.error(&format!("error: {msg}"))),
        Outcome::Killed => "[program ended by the debugger]".to_string(),
        Outcome::Served { requests } => format!(
            "[stopped serving after {requests} request{}]",
            if *requests == 1 { "" } else { "s" }
        ),
    };
    format!("{}\n", theme.event(&text))
}

/// A table in the debugger's one style: ASCII borders, no terminal
/// probing (so transcripts are stable).
pub(super) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_BORDERS_ONLY_CONDENSED)
        .force_no_tty()
        .set_header(header.iter().copied());
    t
}

/// The locals of a frame: index, name, type, value.
pub fn locals(locals: &[Local]) -> String {
    if locals.is_empty() {
        return "No locals.\n".to_string();
    }
    let mut t = table(&["index", "name", "type", "value"]);
    for l in locals {
        t.add_row(vec![
            l.index.to_string(),
            l.name.clone().unwrap_or_default(),
            l.declared_type
                .clone()
                .unwrap_or_else(|| l.value.type_name().to_string()),
            value(&l.value),
        ]);
    }
    format!("{t}\n")
}

/// The operand stack, bottom (depth 0) to top. `at_trap` adds the note that
/// a trapping instruction's operands are gone.
pub fn stack(values: &[Value], at_trap: bool) -> String {
    let mut out = String::new();
    if values.is_empty() {
        out.push_str("The operand stack is empty.\n");
    } else {
        let mut t = table(&["depth", "type", "value"]);
        for (i, v) in values.iter().enumerate() {
            t.add_row(vec![i.to_string(), v.type_name().to_string(), value(v)]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if at_trap {
        out.push_str("Note: at a trap the operands the trapping instruction consumed are no longer on the stack.\n");
    }
    out
}

/// A watched value: a value, or a range's bytes in hex.
pub fn watch_value(v: &WatchValue) -> String {
    match v {
        WatchValue::Value(v) => value(v),
        WatchValue::Bytes(bytes) => bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// `Breakpoint 1 at 0x5a: fib (func[2])`, as printed when it is set.
pub fn breakpoint_set(theme: &Theme, b: &BreakpointInfo) -> String {
    let c = match &b.kind {
        BreakpointKind::Watch { sites, .. } => {
            return format!(
                "Watchpoint {}: {} (checked after {sites} instruction{} that can change it)\n",
                b.id,
                b.location,
                if *sites == 1 { "" } else { "s" }
            );
        }
        BreakpointKind::Code(c) => c,
    };
    let kind = match (&b.log, b.temporary) {
        (Some(LogSpec::Printf { .. }), _) => "Dprintf",
        (Some(LogSpec::Message(_)), _) => "Logpoint",
        (None, true) => "Temporary breakpoint",
        (None, false) => "Breakpoint",
    };
    let mut out = format!(
        "{kind} {} at {}: {}",
        b.id,
        theme.addr(&format!("0x{:x}", c.pc)),
        qualified_func_label(
            theme,
            c.module_name.as_deref(),
            c.func_index,
            c.func_name.as_deref()
        )
    );
    if let Some(l) = &c.source {
        out.push_str(&format!(", file {}, line {}", theme.file(&l.file), l.line));
    }
    if let Some(requested) = c.requested
        && c.source.is_none()
    {
        out.push_str(&format!(
            " (moved from 0x{requested:x}, not an instruction boundary)"
        ));
    }
    if !c.more.is_empty() {
        let more: Vec<String> = c.more.iter().map(|p| format!("0x{p:x}")).collect();
        out.push_str(&format!(" (also at {})", more.join(", ")));
    }
    if let Some(c) = &b.condition {
        out.push_str(&format!(" if {c}"));
    }
    if let Some(h) = &b.hit_condition {
        out.push_str(&format!(" (hit count {h})"));
    }
    out.push('\n');
    if let Some(note) = &c.note {
        out.push_str(&theme.dim(&format!("({note})")));
        out.push('\n');
    }
    out
}

/// `NAME (func[N])`, or ``MODULE`NAME (func[N])`` with a module.
fn qualified_func_label(
    theme: &Theme,
    module: Option<&str>,
    index: u32,
    name: Option<&str>,
) -> String {
    let prefix = module.map(|m| format!("{m}`")).unwrap_or_default();
    match name {
        Some(n) => format!("{} (func[{index}])", theme.func(&format!("{prefix}{n}"))),
        None => theme.func(&format!("{prefix}func[{index}]")),
    }
}

/// The `info breakpoints` table.
pub fn breakpoints(list: &[BreakpointInfo]) -> String {
    if list.is_empty() {
        return "No breakpoints.\n".to_string();
    }
    let mut t = table(&[
        "id",
        "enabled",
        "type",
        "location",
        "pc",
        "hits",
        "condition",
    ]);
    for b in list {
        let mut condition = b.condition.clone().unwrap_or_default();
        let mut also = |text: String| {
            if !condition.is_empty() {
                condition.push_str("; ");
            }
            condition.push_str(&text);
        };
        if b.ignore > 0 {
            also(format!("ignore next {} hits", b.ignore));
        }
        if let Some(h) = &b.hit_condition {
            also(format!("hit count {h}"));
        }
        match &b.log {
            Some(LogSpec::Printf { format, args }) => {
                let mut text = format!("printf {}", c_quoted(format));
                for a in args {
                    text.push(',');
                    text.push_str(a);
                }
                also(text);
            }
            Some(LogSpec::Message(m)) => also(format!("log {}", c_quoted(m))),
            None => {}
        }
        let (kind, location, pc) = match &b.kind {
            BreakpointKind::Watch { sites, .. } => {
                ("watch", b.location.clone(), format!("{sites} sites"))
            }
            BreakpointKind::Code(c) => {
                let prefix = c
                    .module_name
                    .as_deref()
                    .map(|m| format!("{m}`"))
                    .unwrap_or_default();
                let at = match &c.func_name {
                    Some(n) => format!("{prefix}{n} (func[{}])", c.func_index),
                    None => format!("{prefix}func[{}]", c.func_index),
                };
                (
                    match (&b.log, b.temporary) {
                        (Some(LogSpec::Printf { .. }), _) => "dprintf",
                        (Some(LogSpec::Message(_)), _) => "logpoint",
                        (None, true) => "tbreak",
                        (None, false) => "break",
                    },
                    format!("{} in {at}", b.location),
                    std::iter::once(c.pc)
                        .chain(c.more.iter().copied())
                        .map(|p| format!("0x{p:x}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }
        };
        t.add_row(vec![
            b.id.to_string(),
            if b.enabled { "yes" } else { "no" }.to_string(),
            kind.to_string(),
            location,
            pc,
            b.hits.to_string(),
            condition,
        ]);
    }
    format!("{t}\n")
}

/// A printf format as C writes it in quotes (`"x=%d\n"`), as gdb lists a
/// dprintf.
fn c_quoted(format: &str) -> String {
    let mut out = String::from("\"");
    for c in format.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A function's disassembly, `=>` marking the current instruction.
pub fn disassembly(
    theme: &Theme,
    module_name: Option<&str>,
    func_index: u32,
    func_name: Option<&str>,
    lines: &[DisasmLine],
    omitted: (usize, usize),
) -> String {
    let mut out = format!(
        "Function {}:\n",
        qualified_func_label(theme, module_name, func_index, func_name)
    );
    if omitted.0 > 0 {
        out.push_str(&theme.dim(&format!(
            "   ... {} earlier instructions (disassemble -a shows all)\n",
            omitted.0
        )));
    }
    for l in lines {
        let marker = if l.current { "=>" } else { "  " };
        out.push_str(&format!(
            "{marker} {}: {}\n",
            theme.addr(&format!("0x{:x}", l.pc)),
            l.text
        ));
    }
    if omitted.1 > 0 {
        out.push_str(&theme.dim(&format!(
            "   ... {} later instructions (disassemble -a shows all)\n",
            omitted.1
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debugger::protocol::{FrameRef, PauseId};
    use crate::program::dwarf::SourceFrame;

    #[test]
    fn inlined_frames_of_a_component_are_qualified_with_their_module() {
        let at = |line| {
            Some(SourceLoc {
                file: "lib.rs".into(),
                line,
                column: None,
            })
        };
        let frame = FrameInfo {
            frame: FrameRef::new(PauseId(1), 3),
            module: crate::program::CoreModuleId::FIRST,
            module_name: Some("main".into()),
            func_index: 7,
            func_name: Some("outer".into()),
            pc: 0x40,
            instruction: None,
            source: vec![
                SourceFrame {
                    function: Some("inner".into()),
                    location: at(2),
                    inlined: true,
                },
                SourceFrame {
                    function: Some("outer".into()),
                    location: at(9),
                    inlined: false,
                },
            ],
        };
        assert_eq!(
            frame_line(&Theme::PLAIN, &frame),
            "#3  0x40 in main`inner [inlined] at lib.rs:2\n    0x40 in main`outer (func[7]) at lib.rs:9"
        );
    }
}
