//! Views of program state: globals, memory contents (`x`), and the module's
//! static facts (`info functions/imports/exports/sections/module/memory/tables`).

use super::value;
use super::views::table;
use crate::debugger::config::PausedRequests;
use crate::debugger::protocol::{
    CodeSource, DebugSummary, ExportView, FunctionView, GlobalInfo, ModuleSummary, ModuleView,
    RequestsView,
};
use crate::program::{ExportKind, Import, MemoryDecl, Section, TableDecl};

fn kind_name(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Func => "func",
        ExportKind::Table => "table",
        ExportKind::Memory => "memory",
        ExportKind::Global => "global",
        ExportKind::Tag => "tag",
    }
}

/// A `print` result: decimal (floats as the shortest text that reads back),
/// or in FMT (x hex, d signed, u unsigned, t binary, f float, c char), at
/// the value's width.
pub fn number(n: crate::program::expr::Num, fmt: Option<char>) -> String {
    use crate::program::expr::Num;
    let (bits, raw): (u32, u64) = match n {
        Num::Int32(i) => (32, i as u32 as u64),
        Num::Int(i) => (64, i as u64),
        Num::Float(f) => (64, f.to_bits()),
    };
    let signed = |raw: u64| {
        if bits == 32 {
            raw as u32 as i32 as i64
        } else {
            raw as i64
        }
    };
    match (fmt, n) {
        (None, n) => n.to_string(),
        (Some('f'), Num::Int32(i)) => format!("{:?}", i as f64),
        (Some('f'), Num::Int(i)) => format!("{:?}", i as f64),
        (Some('f'), Num::Float(f)) => format!("{f:?}"),
        (Some(_), Num::Float(f)) => format!("{f:?}"),
        (Some('x'), _) => format!("0x{raw:x}"),
        (Some('u'), _) => raw.to_string(),
        (Some('t'), _) => format!("{raw:b}"),
        (Some('c'), _) => {
            let c = raw as u8;
            if c.is_ascii_graphic() || c == b' ' {
                format!("{} '{}'", signed(raw), c as char)
            } else {
                format!("{} '\\x{c:02x}'", signed(raw))
            }
        }
        (Some(_), _) => signed(raw).to_string(),
    }
}

/// A source integer of a type `bytes` long (1 to 16) in FMT, as gdb's
/// `print/FMT` writes it at the type's width: `x`, `u`, `t` of a negative
/// value in two's complement at that width (`p/x` of an `i8` -1 is `0xff`,
/// of an `int` -1 `0xffffffff`), `d` and `c` signed at that width; other
/// formats, and `bytes` 0 (a width not known), as [`number`] writes the
/// 64-bit value.
pub fn sized_int(value: i128, bytes: u8, fmt: Option<char>) -> String {
    let bits = u32::from(bytes.min(16)) * 8;
    if bits == 0 {
        return number(crate::program::expr::Num::Int(value as i64), fmt);
    }
    let raw = (value as u128) & (u128::MAX >> (128 - bits));
    let signed = ((raw << (128 - bits)) as i128) >> (128 - bits);
    match fmt {
        Some('x') => super::values::hex(value, bytes),
        Some('u') => raw.to_string(),
        Some('t') => format!("{raw:b}"),
        Some('d') => signed.to_string(),
        Some('c') => number(crate::program::expr::Num::Int(signed as i64), fmt),
        _ => number(crate::program::expr::Num::Int(value as i64), fmt),
    }
}

/// `info globals`.
pub fn globals(list: &[GlobalInfo]) -> String {
    if list.is_empty() {
        return "No globals.\n".to_string();
    }
    let mut t = table(&["index", "name", "type", "mut", "value"]);
    for g in list {
        let mut name = g.name.clone().unwrap_or_default();
        if let Some((m, n)) = &g.import {
            name = format!("{name} (import {m}.{n})").trim_start().to_string();
        }
        t.add_row(vec![
            g.index.to_string(),
            name,
            g.ty.clone(),
            if g.mutable { "mut" } else { "const" }.to_string(),
            value(&g.value),
        ]);
    }
    format!("{t}\n")
}

/// A memory format for `x`: count, format letter and unit size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    /// How many units (or strings, or instructions).
    pub count: u32,
    /// x d u t c f s i.
    pub letter: char,
    /// 1, 2, 4 or 8 bytes.
    pub unit: u8,
}

impl Format {
    /// Parses gdb's FMT (`16xb`, `s`, `2g`, `i`): a count, then a format
    /// letter and a unit letter in any order; missing parts default to 1,
    /// `x` and `w` (`b` for `c`).
    ///
    /// # Errors
    /// `malformed format "...": ...`.
    pub fn parse(text: &str) -> Result<Format, String> {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        let count = if digits.is_empty() {
            1
        } else {
            digits
                .parse::<u32>()
                .ok()
                .filter(|c| *c > 0)
                .ok_or_else(|| format!("malformed format {text:?}: bad count"))?
        };
        let (mut letter, mut unit) = (None, None);
        for c in text[digits.len()..].chars() {
            match c {
                'x' | 'd' | 'u' | 't' | 'c' | 'f' | 's' | 'i' if letter.is_none() => {
                    letter = Some(c)
                }
                'b' | 'h' | 'w' | 'g' if unit.is_none() => {
                    unit = Some(match c {
                        'b' => 1,
                        'h' => 2,
                        'w' => 4,
                        _ => 8,
                    })
                }
                _ => {
                    return Err(format!(
                        "malformed format {text:?}: expected a count, one of x d u t c f s i and one of b h w g"
                    ));
                }
            }
        }
        let letter = letter.unwrap_or('x');
        let unit = unit.unwrap_or(if letter == 'c' { 1 } else { 4 });
        if letter == 'f' && unit < 4 {
            return Err(format!("malformed format {text:?}: f needs unit w or g"));
        }
        Ok(Format {
            count,
            letter,
            unit,
        })
    }
}

/// A hexdump: 16 bytes a line with an ASCII column.
pub fn hexdump(address: u64, bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!(
            "0x{:08x}: {:<47}  |{ascii}|\n",
            address + 16 * i as u64,
            hex.join(" ")
        ));
    }
    out
}

/// Units of memory in a format, 16 bytes' worth a line (8 for `t`).
pub fn units(address: u64, bytes: &[u8], fmt: Format) -> String {
    let size = fmt.unit as usize;
    let per_line = if fmt.letter == 't' {
        8 / size.min(8)
    } else {
        16 / size
    }
    .max(1);
    let mut out = String::new();
    for (line, chunk) in bytes.chunks(size * per_line).enumerate() {
        out.push_str(&format!(
            "0x{:08x}:",
            address + (line * size * per_line) as u64
        ));
        for unit in chunk.chunks(size) {
            let mut raw = [0u8; 8];
            raw[..unit.len()].copy_from_slice(unit);
            let u = u64::from_le_bytes(raw);
            let bits = 8 * size as u32;
            let signed = if bits == 64 {
                u as i64
            } else {
                ((u << (64 - bits)) as i64) >> (64 - bits)
            };
            let text = match fmt.letter {
                'x' => format!("0x{u:0width$x}", width = 2 * size),
                'd' => signed.to_string(),
                'u' => u.to_string(),
                't' => format!("{u:0width$b}", width = 8 * size),
                'c' => {
                    let c = u as u8;
                    let shown = if c.is_ascii_graphic() || c == b' ' {
                        format!("'{}'", c as char)
                    } else {
                        format!("'\\x{c:02x}'")
                    };
                    format!("{signed} {shown}")
                }
                'f' if size == 4 => format!("{:?}", f32::from_bits(u as u32)),
                'f' => format!("{:?}", f64::from_bits(u)),
                _ => format!("0x{u:x}"),
            };
            out.push(' ');
            out.push_str(&text);
        }
        out.push('\n');
    }
    out
}

/// NUL-terminated strings, as gdb's `x/s`.
pub fn strings(list: &[(u64, Vec<u8>)]) -> String {
    list.iter()
        .map(|(at, bytes)| format!("0x{at:08x}: {:?}\n", String::from_utf8_lossy(bytes)))
        .collect()
}

/// `info functions [REGEX]`: index, name, kind, signature, body size.
pub fn functions(list: &[FunctionView]) -> String {
    if list.is_empty() {
        return "No functions match.\n".to_string();
    }
    let mut t = table(&["index", "name", "kind", "signature", "code bytes"]);
    for f in list {
        let signature = format!("({}) -> ({})", f.params.join(", "), f.results.join(", "));
        let (kind, size) = match (&f.import, f.code_bytes) {
            (Some((m, n)), _) => (format!("import {m}.{n}"), String::new()),
            (None, Some(b)) => ("defined".to_string(), b.to_string()),
            (None, None) => ("defined".to_string(), String::new()),
        };
        t.add_row(vec![
            format!("func[{}]", f.index),
            f.name.clone().unwrap_or_default(),
            kind,
            signature,
            size,
        ]);
    }
    format!("{t}\n")
}

/// `info imports`.
pub fn imports(list: &[Import]) -> String {
    if list.is_empty() {
        return "No imports.\n".to_string();
    }
    let mut t = table(&["kind", "index", "module", "name"]);
    for i in list {
        t.add_row(vec![
            kind_name(i.kind).to_string(),
            i.index.to_string(),
            i.module.clone(),
            i.name.clone(),
        ]);
    }
    format!("{t}\n")
}

/// `info exports`.
pub fn exports(list: &[ExportView]) -> String {
    if list.is_empty() {
        return "No exports.\n".to_string();
    }
    let mut t = table(&["name", "kind", "index", "function"]);
    for e in list {
        t.add_row(vec![
            e.name.clone(),
            kind_name(e.kind).to_string(),
            e.index.to_string(),
            e.func_name.clone().unwrap_or_default(),
        ]);
    }
    format!("{t}\n")
}

/// `info sections`.
pub fn sections(list: &[Section]) -> String {
    let mut t = table(&["section", "start", "end", "size"]);
    for s in list {
        t.add_row(vec![
            s.name.clone(),
            format!("0x{:x}", s.range.start),
            format!("0x{:x}", s.range.end),
            s.range.len().to_string(),
        ]);
    }
    format!("{t}\n")
}

/// `info modules`: one row per core module of the program: index, name,
/// size in bytes, function count (defined + imported), DWARF yes/no.
pub fn modules(component: bool, list: &[ModuleView]) -> String {
    let mut t = table(&["#", "name", "bytes", "functions", "DWARF"]);
    for m in list {
        t.add_row(vec![
            m.id.to_string(),
            m.name.clone(),
            m.bytes.to_string(),
            format!("{} ({} imported)", m.functions, m.imported_functions),
            if m.dwarf { "yes" } else { "no" }.to_string(),
        ]);
    }
    let kind = match (component, list.len()) {
        (true, _) => "a component".to_string(),
        (false, 1) => "a core module".to_string(),
        (false, 2) => "a core module and a module preloaded for it".to_string(),
        (false, n) => format!("a core module and {} modules preloaded for it", n - 1),
    };
    format!("The program is {kind}.\n{t}\n")
}

/// `info requests`: the request being handled (paused, since the prompt
/// is up while one runs only when it is paused) and the latest answered,
/// newest last.
pub fn requests(view: &RequestsView) -> String {
    let Some(mode) = view.paused_requests else {
        return "No HTTP requests: this session does not serve (`wasmdbg serve` does).\n"
            .to_string();
    };
    let mut t = table(&["#", "method", "path", "state"]);
    let mut rows = 0;
    let mut add = |r: &crate::debugger::protocol::RequestInfo, state: String| {
        t.add_row(vec![
            r.number.to_string(),
            r.method.clone(),
            r.path.clone(),
            state,
        ]);
        rows += 1;
    };
    for (r, status) in &view.answered {
        add(r, format!("answered {status}"));
    }
    if let Some(r) = &view.in_flight {
        add(r, "paused (in flight)".to_string());
    }
    for r in &view.served_plain {
        add(r, "running on plain code".to_string());
    }
    if rows == 0 {
        return "No requests yet.\n".to_string();
    }
    let others = match mode {
        PausedRequests::Wait => "Other requests wait until this one is answered.",
        PausedRequests::Serve => {
            "Other requests are served on plain code, without pausing, until it resumes."
        }
    };
    match &view.in_flight {
        None => format!("{t}\n"),
        Some(_) => format!("{t}\n{others}\n"),
    }
}

/// `info module`: the core module's file, size, name, counts, debug info,
/// and where its machine code came from.
pub fn module(m: &ModuleSummary, path: &str) -> String {
    let code = &m.code;
    let mut out = String::new();
    let file = match &m.program_name {
        Some(name) => format!("{path}, core module {} {name}", m.id),
        None => path.to_string(),
    };
    out.push_str(&format!("file:       {file} ({} bytes)\n", m.bytes));
    out.push_str(&format!(
        "name:       {}\n",
        m.name.as_deref().unwrap_or("(none in the name section)")
    ));
    let counts = [
        (
            "functions",
            (m.functions.0 as usize, m.functions.1 as usize),
        ),
        ("tables", m.tables),
        ("memories", m.memories),
        ("globals", m.globals),
    ];
    for (what, (all, imported)) in counts {
        out.push_str(&format!(
            "{:<12}{all} ({imported} imported)\n",
            format!("{what}:")
        ));
    }
    out.push_str(&format!("exports:    {}\n", m.exports));
    out.push_str(&format!(
        "names:      {}\n",
        if m.name_section {
            "yes (name section)"
        } else {
            "no"
        }
    ));
    let debug = match &m.debug {
        DebugSummary::Dwarf(s) => {
            let versions: Vec<String> = s.versions.iter().map(u16::to_string).collect();
            let mut text = format!(
                "DWARF {} ({} unit{})",
                versions.join(", "),
                s.units,
                if s.units == 1 { "" } else { "s" }
            );
            if s.split_units > 0 {
                text.push_str(&match &s.package {
                    Some(p) => format!("; split DWARF from {p}"),
                    None => format!(
                        "; split DWARF of {} unit(s) not found (give --dwp FILE): no variables there",
                        s.split_units
                    ),
                });
            }
            text
        }
        DebugSummary::Unreadable(e) => format!("unreadable DWARF: {e}"),
        DebugSummary::None => "none".to_string(),
    };
    out.push_str(&format!("debug info: {debug}\n"));
    let Some(code) = code else {
        out.push_str("code:       none (a core dump: nothing runs)\n");
        return out;
    };
    let how = match (&code.loaded_from, &code.saved) {
        (Some(path), _) => format!(
            "loaded from the cache in {:.2} s ({})",
            code.seconds,
            path.display()
        ),
        (None, Some(Ok(path))) => format!(
            "compiled in {:.2} s; saved to the cache ({})",
            code.seconds,
            path.display()
        ),
        (None, Some(Err(why))) => format!("compiled in {:.2} s; not saved: {why}", code.seconds),
        (None, None) => format!("compiled in {:.2} s (cache off)", code.seconds),
    };
    out.push_str(&format!("code:       {how}\n"));
    if let Some(why) = &code.refused {
        out.push_str(&format!("            cache file not used: {why}\n"));
    }
    out
}

/// Notes for the start of a session when the compiled-code cache did not
/// work as it should: a file that was there but not used, or a save that
/// failed. Empty when all went well or the cache is off.
pub fn cache_notes(code: &CodeSource) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(why) = &code.refused {
        notes.push(format!(
            "note: compiled-code cache file not used ({why}); compiled again"
        ));
    }
    if let Some(Err(why)) = &code.saved {
        notes.push(format!("note: compiled code not saved to the cache: {why}"));
    }
    notes
}

/// `info memory`: declared limits, and the current size when paused.
pub fn memories(decls: &[MemoryDecl], sizes: Option<&[Option<u64>]>) -> String {
    if decls.is_empty() {
        return "No memories.\n".to_string();
    }
    let mut t = table(&[
        "index",
        "min pages",
        "max pages",
        "current",
        "shared",
        "import",
    ]);
    for (i, m) in decls.iter().enumerate() {
        let current = match sizes.and_then(|s| s.get(i).copied().flatten()) {
            Some(bytes) => {
                let pages = bytes / 65536;
                let unit = if pages == 1 { "page" } else { "pages" };
                format!("{pages} {unit} ({bytes} bytes)")
            }
            None => "(not running)".to_string(),
        };
        t.add_row(vec![
            i.to_string(),
            m.min.to_string(),
            m.max.map_or("none".to_string(), |x| x.to_string()),
            current,
            if m.shared { "yes" } else { "no" }.to_string(),
            m.import
                .as_ref()
                .map_or(String::new(), |(a, b)| format!("{a}.{b}")),
        ]);
    }
    format!("{t}\n")
}

/// `info tables`: element type, declared limits, current size when paused.
pub fn tables(decls: &[TableDecl], sizes: Option<&[Option<u64>]>) -> String {
    if decls.is_empty() {
        return "No tables.\n".to_string();
    }
    let mut t = table(&["index", "element", "min", "max", "current", "import"]);
    for (i, tb) in decls.iter().enumerate() {
        t.add_row(vec![
            i.to_string(),
            tb.element.clone(),
            tb.min.to_string(),
            tb.max.map_or("none".to_string(), |x| x.to_string()),
            sizes
                .and_then(|s| s.get(i).copied().flatten())
                .map_or("(not running)".to_string(), |n| n.to_string()),
            tb.import
                .as_ref()
                .map_or(String::new(), |(a, b)| format!("{a}.{b}")),
        ]);
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected texts are what gdb 13.1 printed for `p/FMT` of native C
    /// variables of those sizes holding those values (an `int8_t`, `short`,
    /// `int`, `long long`, `uint8_t`, `char`). Not `p/f` of an integer:
    /// gdb reinterprets the bits, this converts the value.
    #[test]
    fn source_integers_print_at_their_type_width() {
        assert_eq!(sized_int(-1, 1, Some('x')), "0xff");
        assert_eq!(sized_int(-2, 2, Some('x')), "0xfffe");
        assert_eq!(sized_int(-1, 4, Some('x')), "0xffffffff");
        assert_eq!(sized_int(-1, 8, Some('x')), "0xffffffffffffffff");
        assert_eq!(sized_int(255, 1, Some('x')), "0xff");
        assert_eq!(sized_int(-1, 1, Some('u')), "255");
        assert_eq!(sized_int(-1, 2, Some('t')), "1111111111111111");
        assert_eq!(sized_int(255, 1, Some('d')), "-1");
        assert_eq!(sized_int(-3, 4, Some('d')), "-3");
        assert_eq!(sized_int(65, 1, Some('c')), "65 'A'");
        assert_eq!(sized_int(7, 4, None), "7");
        // 128-bit types keep their high bits; an unknown width (0) is the
        // 64-bit value.
        assert_eq!(sized_int(-1, 16, Some('u')), u128::MAX.to_string());
        assert_eq!(sized_int(i128::MIN, 16, Some('d')), i128::MIN.to_string());
        assert_eq!(sized_int(-1, 0, Some('x')), "0xffffffffffffffff");
    }

    #[test]
    fn formats() {
        assert_eq!(
            Format::parse("16xb"),
            Ok(Format {
                count: 16,
                letter: 'x',
                unit: 1
            })
        );
        assert_eq!(
            Format::parse("bx"),
            Ok(Format {
                count: 1,
                letter: 'x',
                unit: 1
            })
        );
        assert_eq!(
            Format::parse("s"),
            Ok(Format {
                count: 1,
                letter: 's',
                unit: 4
            })
        );
        assert_eq!(
            Format::parse("2c"),
            Ok(Format {
                count: 2,
                letter: 'c',
                unit: 1
            })
        );
        assert!(Format::parse("q").is_err());
        assert!(Format::parse("0x").is_err());
        assert!(Format::parse("fb").is_err());
        assert!(Format::parse("xx").is_err());
    }

    #[test]
    fn unit_views() {
        let bytes = [0x68, 0x69, 0xff, 0x00, 0, 0, 0xc0, 0x3f];
        assert_eq!(
            units(
                0x10,
                &bytes,
                Format {
                    count: 2,
                    letter: 'x',
                    unit: 4
                }
            ),
            "0x00000010: 0x00ff6968 0x3fc00000\n"
        );
        assert_eq!(
            units(
                0x10,
                &bytes[..3],
                Format {
                    count: 3,
                    letter: 'd',
                    unit: 1
                }
            ),
            "0x00000010: 104 105 -1\n"
        );
        assert_eq!(
            units(
                0x14,
                &bytes[4..],
                Format {
                    count: 1,
                    letter: 'f',
                    unit: 4
                }
            ),
            "0x00000014: 1.5\n"
        );
        assert_eq!(
            hexdump(0, b"hi\n"),
            "0x00000000: 68 69 0a                                         |hi.|\n"
        );
    }
}
