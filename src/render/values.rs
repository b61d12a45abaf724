//! One Wasm value as text.

use crate::debugger::protocol::{ChildName, SourceValue, Value, Variable};

/// Formats a value: i32/i64 in decimal and hex, f32/f64 as the shortest text
/// that reads back to the same bits (NaN with its bit pattern), v128 as hex
/// and i32x4 lanes, references as `null` or a short description.
pub fn value(v: &Value) -> String {
    match v {
        Value::I32(x) => format!("{x} (0x{:x})", *x as u32),
        Value::I64(x) => format!("{x} (0x{:x})", *x as u64),
        Value::F32(bits) => {
            let f = f32::from_bits(*bits);
            if f.is_nan() {
                format!("nan (0x{bits:08x})")
            } else {
                format!("{f:?}")
            }
        }
        Value::F64(bits) => {
            let f = f64::from_bits(*bits);
            if f.is_nan() {
                format!("nan (0x{bits:016x})")
            } else {
                format!("{f:?}")
            }
        }
        Value::V128(x) => {
            let lanes: Vec<String> = (0..4)
                .map(|i| ((x >> (32 * i)) as u32 as i32).to_string())
                .collect();
            format!("0x{x:032x} i32x4 [{}]", lanes.join(", "))
        }
        Value::Ref { desc: None, .. } => "null".to_string(),
        Value::Ref { desc: Some(d), .. } => format!("<{d}>"),
    }
}

/// [`value`] as an editor's hex display shows it: an integer as `0x...`
/// (its bits at its width) alone; other values as [`value`] does.
pub fn value_hex(v: &Value) -> String {
    match v {
        Value::I32(x) => format!("0x{:x}", *x as u32),
        Value::I64(x) => format!("0x{:x}", *x as u64),
        other => value(other),
    }
}

/// A child's name as debuggers' variable views show it: a member by name,
/// a positional field as `0`, an element as `[3]`, a map entry as
/// `["key"]`, a pointer's target as `*`, a wrapper's held value as
/// `value`.
pub fn child_name(name: &ChildName) -> String {
    match name {
        ChildName::Field(n) | ChildName::Fact(n) => n.clone(),
        ChildName::Position(i) => i.to_string(),
        ChildName::Index(i) => format!("[{i}]"),
        ChildName::Key(k) => format!("[{}]", source_value(k)),
        ChildName::Target => "*".to_string(),
        ChildName::Held => "value".to_string(),
    }
}

/// Formats a source value as gdb prints it: integers in decimal, `char` as
/// `97 'a'`, pointers as `0x...` (with the string for `char *`, the
/// referred-to value for a reference), structs as `{x = 1, y = 2}`, arrays
/// as `{1, 2, 3}`, char arrays as strings, `<optimized out>`; and as
/// rust-gdb prints formatted values: strings as `"text"`, Rust records as
/// `Point {x: 1, y: 2}`, `Some(5)`, `(1, 'x')`, containers as
/// `Vec(size=3) = {1, 2, 3}`, maps as `HashMap(size=1) = {["k"] = 1}`,
/// wrappers as `Rc(strong=1, weak=0) = 5` or `Cell(8)`, Rust arrays as
/// `[1, 2, 3]`.
pub fn source_value(v: &SourceValue) -> String {
    shown(v, false)
}

/// [`source_value`] with every integer in hex, as gdb's `print/x` shows an
/// aggregate (an editor's hex display): integers, characters, bools and
/// enum values as `0x...`, a negative one as its 32-bit two's complement
/// when it fits 32 bits (the width of C's `int`; a source value does not
/// carry its type's size), else 64.
pub fn source_value_hex(v: &SourceValue) -> String {
    shown(v, true)
}

/// An integer of a type `bytes` long in hex for [`source_value_hex`], as
/// gdb's `print/x` writes it: a negative value in two's complement at the
/// type's width (an `i8` -1 is `0xff`). `bytes` 0: the width is not known
/// (an enum's): 32 bits when the value fits, else 64.
pub(crate) fn hex(n: i128, bytes: u8) -> String {
    let bits = u32::from(bytes) * 8;
    if n >= 0 {
        format!("0x{n:x}")
    } else if (1..128).contains(&bits) {
        format!("0x{:x}", (n as u128) & ((1u128 << bits) - 1))
    } else if bits >= 128 {
        format!("0x{:x}", n as u128)
    } else if n >= i128::from(i32::MIN) {
        format!("0x{:x}", n as i32 as u32)
    } else {
        format!("0x{:x}", n as i64 as u64)
    }
}

fn shown(v: &SourceValue, hexed: bool) -> String {
    let source_value = |v: &SourceValue| shown(v, hexed);
    match v {
        SourceValue::Int { value, bytes } if hexed => hex(*value, *bytes),
        SourceValue::Char(c) if hexed => {
            format!("{} {}", hex(i128::from(*c), 1), quoted(&[*c as u8], '\''))
        }
        SourceValue::Bool(b) if hexed => hex(i128::from(*b), 1),
        SourceValue::Enum { value, .. } if hexed => hex(i128::from(*value), 0),
        SourceValue::Int { value, .. } => value.to_string(),
        SourceValue::Char(c) => format!("{c} {}", quoted(&[*c as u8], '\'')),
        SourceValue::Bool(b) => b.to_string(),
        SourceValue::Float(f) => float_text(*f, f.to_string(), format!("{f:e}")),
        SourceValue::Float32(f) => float_text(*f as f64, f.to_string(), format!("{f:e}")),
        SourceValue::Enum { value, name } => name.clone().unwrap_or_else(|| value.to_string()),
        SourceValue::Pointer {
            address,
            string,
            referent,
        } => {
            let mut out = format!("0x{address:x}");
            match string {
                Some(Ok(s)) => out.push_str(&format!(" {}", quoted(s, '"'))),
                Some(Err(e)) => out.push_str(&format!(" <error: {e}>")),
                None => {}
            }
            if let Some(r) = referent {
                out = format!("@{out}: {}", source_value(r));
            }
            out
        }
        SourceValue::Struct(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(n, v)| format!("{n} = {}", source_value(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        SourceValue::Array { items, more } => {
            let mut parts: Vec<String> = items.iter().map(&source_value).collect();
            if *more > 0 {
                parts.push(format!("...({more} more)"));
            }
            format!("{{{}}}", parts.join(", "))
        }
        SourceValue::CharArray(bytes) => {
            let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            quoted(&bytes[..end], '"')
        }
        SourceValue::Unicode(c) => match char::from_u32(*c) {
            Some(ch) => format!("'{}'", ch.escape_debug()),
            None => format!("<invalid char 0x{c:x}>"),
        },
        SourceValue::Str { bytes, more } => {
            let text = format!("{:?}", String::from_utf8_lossy(bytes));
            if *more > 0 {
                format!("{text}...")
            } else {
                text
            }
        }
        SourceValue::Record { name, fields } => record(name, fields, hexed),
        SourceValue::Sequence {
            name,
            len,
            items,
            more,
        } => {
            let mut parts: Vec<String> = items.iter().map(&source_value).collect();
            if name.is_empty() {
                // A Rust array.
                if *more > 0 {
                    parts.push("...".into());
                    return format!("[{}] (length {len})", parts.join(", "));
                }
                return format!("[{}]", parts.join(", "));
            }
            if *more > 0 {
                parts.push(format!("...({more} more)"));
            }
            format!("{name}(size={len}) = {{{}}}", parts.join(", "))
        }
        SourceValue::Map {
            name,
            len,
            entries,
            more,
        } => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("[{}] = {}", source_value(k), source_value(v)))
                .collect();
            if *more > 0 {
                parts.push(format!("...({more} more)"));
            }
            format!("{name}(size={len}) = {{{}}}", parts.join(", "))
        }
        SourceValue::Wrapper { name, facts, value } => {
            if facts.is_empty() {
                return format!("{name}({})", source_value(value));
            }
            let facts: Vec<String> = facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{name}({}) = {}", facts.join(", "), source_value(value))
        }
        SourceValue::TooDeep => "{...}".to_string(),
        SourceValue::Corrupted(why) => format!("<corrupted: {why}>"),
        SourceValue::OptimizedOut => "<optimized out>".to_string(),
        SourceValue::Unavailable(why) => format!("<unavailable: {why}>"),
    }
}

/// A Rust record as Rust writes it: `Point {x: 1, y: 2}`, `Some(5)`,
/// `(1, 'x')`, `(7,)`, `None`, `()`.
fn record(name: &str, fields: &[(String, SourceValue)], hexed: bool) -> String {
    let source_value = |v: &SourceValue| shown(v, hexed);
    if fields.is_empty() {
        return if name.is_empty() {
            "()".to_string()
        } else {
            name.to_string()
        };
    }
    let positional = fields.iter().all(|(f, _)| {
        f.strip_prefix("__")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if positional {
        let parts: Vec<String> = fields.iter().map(|(_, v)| source_value(v)).collect();
        let comma = if name.is_empty() && parts.len() == 1 {
            ","
        } else {
            ""
        };
        return format!("{name}({}{comma})", parts.join(", "));
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(f, v)| format!("{f}: {}", source_value(v)))
        .collect();
    format!("{name} {{{}}}", parts.join(", "))
}

/// A float as gdb shows it: plain digits for ordinary magnitudes,
/// exponent form for very small or large ones (`plain`/`exp` are the
/// shortest texts that read back to the same value).
fn float_text(f: f64, plain: String, exp: String) -> String {
    let a = f.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        exp
    } else {
        plain
    }
}

/// Bytes as a C literal in `quote`s, escaping what is not printable ASCII.
fn quoted(bytes: &[u8], quote: char) -> String {
    let mut out = String::from(quote);
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(quote);
    out
}

/// `info locals` / `info args` / `frame variable`: one `NAME = VALUE` line
/// per variable (lldb's form with the type: `(TYPE) NAME = VALUE`).
pub fn variables(vars: &[Variable], with_types: bool) -> String {
    let mut out = String::new();
    for v in vars {
        if with_types {
            out.push_str(&format!("({}) ", v.type_name));
        }
        out.push_str(&format!("{} = {}\n", v.name, source_value(&v.value)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_type() {
        assert_eq!(value(&Value::I32(-1)), "-1 (0xffffffff)");
        assert_eq!(value(&Value::I64(255)), "255 (0xff)");
        assert_eq!(value(&Value::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(value(&Value::F64(0.1f64.to_bits())), "0.1");
        assert_eq!(value(&Value::F64(f64::INFINITY.to_bits())), "inf");
        assert_eq!(value(&Value::F32(0x7fc0_0000)), "nan (0x7fc00000)");
        assert_eq!(
            value(&Value::V128(
                1 | (2 << 32) | (3 << 64) | (0xffff_ffff << 96)
            )),
            "0xffffffff000000030000000200000001 i32x4 [1, 2, 3, -1]"
        );
        let null = Value::Ref {
            heap: crate::debugger::protocol::RefType::Func,
            desc: None,
        };
        assert_eq!(value(&null), "null");
    }

    #[test]
    fn formats_formatted_values() {
        let int = |value| SourceValue::Int { value, bytes: 4 };
        let record = |name: &str, fields: Vec<(&str, SourceValue)>| SourceValue::Record {
            name: name.into(),
            fields: fields.into_iter().map(|(f, v)| (f.into(), v)).collect(),
        };
        assert_eq!(
            source_value(&record("Some", vec![("__0", int(5))])),
            "Some(5)"
        );
        assert_eq!(source_value(&record("None", vec![])), "None");
        assert_eq!(source_value(&record("", vec![])), "()");
        assert_eq!(source_value(&record("", vec![("__0", int(7))])), "(7,)");
        assert_eq!(
            source_value(&record("Point", vec![("x", int(1)), ("y", int(2))])),
            "Point {x: 1, y: 2}"
        );
        let text = |s: &str, more| SourceValue::Str {
            bytes: s.as_bytes().to_vec(),
            more,
        };
        assert_eq!(source_value(&text("a\"b\n", 0)), "\"a\\\"b\\n\"");
        assert_eq!(source_value(&text("wasm", 3)), "\"wasm\"...");
        assert_eq!(source_value(&SourceValue::Unicode(0xe9)), "'é'");
        assert_eq!(
            source_value(&SourceValue::Unicode(0xd800)),
            "<invalid char 0xd800>"
        );
        let seq = |name: &str, more| SourceValue::Sequence {
            name: name.into(),
            len: 2 + more,
            items: vec![int(1), int(2)],
            more,
        };
        assert_eq!(source_value(&seq("Vec", 0)), "Vec(size=2) = {1, 2}");
        assert_eq!(
            source_value(&seq("Vec", 3)),
            "Vec(size=5) = {1, 2, ...(3 more)}"
        );
        assert_eq!(source_value(&seq("", 0)), "[1, 2]");
        assert_eq!(source_value(&seq("", 3)), "[1, 2, ...] (length 5)");
        let map = SourceValue::Map {
            name: "HashMap".into(),
            len: 1,
            entries: vec![(text("k", 0), int(1))],
            more: 0,
        };
        assert_eq!(source_value(&map), "HashMap(size=1) = {[\"k\"] = 1}");
        let rc = SourceValue::Wrapper {
            name: "Rc".into(),
            facts: vec![("strong".into(), 2), ("weak".into(), 0)],
            value: Box::new(int(5)),
        };
        assert_eq!(source_value(&rc), "Rc(strong=2, weak=0) = 5");
        let cell = SourceValue::Wrapper {
            name: "Cell".into(),
            facts: vec![],
            value: Box::new(int(8)),
        };
        assert_eq!(source_value(&cell), "Cell(8)");
        assert_eq!(source_value(&SourceValue::TooDeep), "{...}");
        assert_eq!(
            source_value(&SourceValue::Corrupted("a cycle".into())),
            "<corrupted: a cycle>"
        );
    }

    #[test]
    fn hex_shows_every_integer_in_hex() {
        let int = |value, bytes| SourceValue::Int { value, bytes };
        let v = SourceValue::Struct(vec![
            ("x".into(), int(-1, 4)),
            ("big".into(), int(-(1 << 40), 8)),
            ("small".into(), int(-1, 1)),
            ("short".into(), int(-2, 2)),
            ("wide".into(), int(-1, 16)),
            ("c".into(), SourceValue::Char(97)),
            ("ok".into(), SourceValue::Bool(true)),
            ("f".into(), SourceValue::Float(2.5)),
            (
                "v".into(),
                SourceValue::Record {
                    name: "Some".into(),
                    fields: vec![("__0".into(), int(255, 1))],
                },
            ),
        ]);
        assert_eq!(
            source_value_hex(&v),
            "{x = 0xffffffff, big = 0xffffff0000000000, small = 0xff, short = 0xfffe, wide = 0xffffffffffffffffffffffffffffffff, c = 0x61 'a', ok = 0x1, f = 2.5, v = Some(0xff)}"
        );
        assert_eq!(value_hex(&Value::I32(-1)), "0xffffffff");
        assert_eq!(value_hex(&Value::F64(2.5f64.to_bits())), "2.5");
    }
}
