//! A `dprintf` or logpoint message as text: printf conversions formatted
//! as C's printf formats them, `{EXPRESSION}` values as `print` shows them,
//! a value that could not be read as `<error: WHY>` in its place (as gdb
//! shows one).
//!
//! The formatting is written here: the one Rust crate for runtime printf
//! formats found (`sprintf` 0.4.3) panics on `%g` of 0 and prints `%e` of
//! 0 and `%g` of 1 wrongly, and `printf-compat` formats C varargs. Floats
//! come from Rust's exact formatting (`{:.*}`, `{:.*e}`), put into C's
//! shapes.

use crate::debugger::protocol::{Conversion, LogPart, Logged, LoggedValue, SourceValue};
use crate::program::expr::Num;

/// The message of one hit: a printf format's text as formatted (its own
/// newlines only), a logpoint's message as one line. Bytes that are not
/// UTF-8 (a `%c` or `%s` of other text) are shown as U+FFFD.
pub fn logged(l: &Logged) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut values = l.values.iter();
    for part in &l.message.parts {
        let (conversion, value) = match part {
            LogPart::Text(text) => {
                out.extend_from_slice(text.as_bytes());
                continue;
            }
            LogPart::Value { conversion, .. } => (conversion, values.next()),
        };
        let text = match (conversion, value) {
            (_, None) => Err("no value was sent".to_string()),
            (_, Some(Err(e))) => Err(e.clone()),
            (None, Some(Ok(v))) => Ok(shown(v).into_bytes()),
            (Some(c), Some(Ok(v))) => formatted(c, v),
        };
        match text {
            Ok(bytes) => out.extend_from_slice(&bytes),
            Err(e) => out.extend_from_slice(format!("<error: {e}>").as_bytes()),
        }
    }
    if !l.message.printf {
        out.push(b'\n');
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value as `print` shows it.
fn shown(v: &LoggedValue) -> String {
    match v {
        LoggedValue::Number(n) => n.to_string(),
        LoggedValue::Source { value, .. } => super::source_value(value),
        LoggedValue::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The number a conversion formats.
fn number(v: &LoggedValue, c: &Conversion) -> Result<Num, String> {
    match v {
        LoggedValue::Number(n) => Ok(*n),
        LoggedValue::Source { value, type_name } => match value.as_ref() {
            SourceValue::Unavailable(why) => Err(why.clone()),
            SourceValue::OptimizedOut => Err("optimized out".to_string()),
            value => value.number().ok_or_else(|| {
                format!(
                    "a value of type {type_name} cannot be printed with {}",
                    c.spec
                )
            }),
        },
        LoggedValue::Text(_) => Err(format!("a string cannot be printed with {}", c.spec)),
    }
}

/// An integer as C converts an argument of `bits` bits: signed (two's
/// complement, sign-extended) or unsigned.
fn integer(n: Num, bits: u32, signed: bool) -> i128 {
    let n: i128 = match n {
        Num::Int32(i) => i128::from(i),
        Num::Int(i) => i128::from(i),
        // C would read the bits of a double as an integer: the value, cut
        // toward zero, is what was meant.
        Num::Float(f) => f as i128,
    };
    let mask = (1i128 << bits) - 1;
    let low = n & mask;
    if signed && low >> (bits - 1) & 1 == 1 {
        low - (1i128 << bits)
    } else {
        low
    }
}

fn float(n: Num) -> f64 {
    match n {
        Num::Int32(i) => f64::from(i),
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// One conversion of one value, as C's printf does it.
fn formatted(c: &Conversion, v: &LoggedValue) -> Result<Vec<u8>, String> {
    Ok(match c.letter {
        's' => {
            let LoggedValue::Text(bytes) = v else {
                return Err(format!("{} needs a string", c.spec));
            };
            let cut = c
                .precision
                .map_or(bytes.len(), |p| bytes.len().min(p as usize));
            padded(c, b"", bytes[..cut].to_vec(), false)
        }
        'c' => {
            let byte = integer(number(v, c)?, 8, false) as u8;
            padded(c, b"", vec![byte], false)
        }
        'd' | 'i' => {
            let n = integer(number(v, c)?, c.bits, true);
            let sign: &[u8] = if n < 0 {
                b"-"
            } else if c.plus {
                b"+"
            } else if c.space {
                b" "
            } else {
                b""
            };
            let digits = digits(c, n.unsigned_abs().to_string());
            padded(c, sign, digits, c.precision.is_none())
        }
        'u' | 'x' | 'X' | 'o' | 'p' => {
            let bits = if c.letter == 'p' {
                32.max(c.bits)
            } else {
                c.bits
            };
            let n = integer(number(v, c)?, bits, false);
            let text = match c.letter {
                'x' | 'p' => format!("{n:x}"),
                'X' => format!("{n:X}"),
                'o' => format!("{n:o}"),
                _ => n.to_string(),
            };
            let mut digits = digits(c, text);
            let prefix: &[u8] = match c.letter {
                'p' => b"0x",
                'x' if c.alt && n != 0 => b"0x",
                'X' if c.alt && n != 0 => b"0X",
                _ => b"",
            };
            if c.letter == 'o' && c.alt && digits.first() != Some(&b'0') {
                digits.insert(0, b'0');
            }
            padded(c, prefix, digits, c.precision.is_none())
        }
        _ => {
            let x = float(number(v, c)?);
            let sign: &[u8] = if x.is_sign_negative() && !x.is_nan() {
                b"-"
            } else if c.plus {
                b"+"
            } else if c.space {
                b" "
            } else {
                b""
            };
            let upper = c.letter.is_ascii_uppercase();
            if !x.is_finite() {
                let text = if x.is_nan() { "nan" } else { "inf" };
                let text = if upper {
                    text.to_uppercase()
                } else {
                    text.to_string()
                };
                return Ok(padded(c, sign, text.into_bytes(), false));
            }
            let text = float_text(c, x.abs());
            let text = if upper { text.to_uppercase() } else { text };
            padded(c, sign, text.into_bytes(), true)
        }
    })
}

/// An integer's digits with C's precision: at least that many (zeros in
/// front); a precision of 0 prints no digit for 0.
fn digits(c: &Conversion, text: String) -> Vec<u8> {
    match c.precision {
        Some(0) if text == "0" => Vec::new(),
        Some(p) if text.len() < p as usize => {
            let mut out = vec![b'0'; p as usize - text.len()];
            out.extend_from_slice(text.as_bytes());
            out
        }
        _ => text.into_bytes(),
    }
}

/// `%f`, `%e` or `%g` of a finite, non-negative `x`, lower case.
fn float_text(c: &Conversion, x: f64) -> String {
    let p = c.precision.unwrap_or(6) as usize;
    match c.letter.to_ascii_lowercase() {
        'f' => point(format!("{x:.p$}"), c.alt && p == 0),
        'e' => exponent(x, p, c.alt),
        _ => {
            // C's %g: P significant digits (0 means 1); the exponent X that
            // %e would show picks %f (P > X >= -4) or %e; trailing zeros go
            // unless `#`.
            let p = p.max(1);
            let x_exp = if x == 0.0 {
                0
            } else {
                let e = format!("{x:.*e}", p - 1);
                e.split_once('e')
                    .and_then(|(_, e)| e.parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let text = if (p as i64) > x_exp && x_exp >= -4 {
                let decimals = (p as i64 - 1 - x_exp) as usize;
                point(format!("{x:.decimals$}"), c.alt)
            } else {
                exponent(x, p - 1, c.alt)
            };
            if c.alt {
                text
            } else {
                without_trailing_zeros(&text)
            }
        }
    }
}

/// `text` with a decimal point added when `keep` and it has none.
fn point(mut text: String, keep: bool) -> String {
    if keep && !text.contains('.') {
        text.push('.');
    }
    text
}

/// `%e`: one digit, `p` decimals, `e`, the exponent's sign and at least two
/// digits (Rust writes `1.5e3`, C `1.500000e+03`).
fn exponent(x: f64, p: usize, alt: bool) -> String {
    let text = format!("{x:.p$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!(
        "{}e{sign}{:02}",
        point(mantissa.to_string(), alt && p == 0),
        exp.unsigned_abs()
    )
}

/// `%g` without `#`: the fraction's trailing zeros and a bare point go.
fn without_trailing_zeros(text: &str) -> String {
    let (number, exp) = match text.find('e') {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{exp}")
}

/// `body` after `prefix` (a sign, `0x`), padded to the width: on the right
/// with `-`, with zeros after the prefix with `0` when `zeros` allows, else
/// with spaces on the left.
fn padded(c: &Conversion, prefix: &[u8], body: Vec<u8>, zeros: bool) -> Vec<u8> {
    let fill = (c.width as usize).saturating_sub(prefix.len() + body.len());
    let mut out = Vec::with_capacity(fill + prefix.len() + body.len());
    if c.left {
        out.extend_from_slice(prefix);
        out.extend_from_slice(&body);
        out.resize(out.len() + fill, b' ');
    } else if c.zero && zeros {
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(&body);
    } else {
        out.resize(fill, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(&body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debugger::logpoint::conversion_at;
    use crate::debugger::protocol::{BreakpointId, LogMessageParts};

    fn message(
        printf: bool,
        parts: Vec<LogPart>,
        values: Vec<Result<LoggedValue, String>>,
    ) -> Logged {
        Logged {
            breakpoint: BreakpointId(1),
            message: std::sync::Arc::new(LogMessageParts {
                source: None,
                printf,
                parts,
            }),
            values: values.into(),
        }
    }

    fn one(spec: &str, v: LoggedValue) -> String {
        let (Some(conversion), "") = conversion_at(spec).unwrap() else {
            panic!("{spec} is not one conversion")
        };
        let part = LogPart::Value {
            expr: "x".into(),
            conversion: Some(conversion),
        };
        logged(&message(true, vec![part], vec![Ok(v)]))
    }

    /// Each expected text is what C's printf prints for a `double` or an
    /// integer of the conversion's width (checked with the shell's
    /// `printf`, which is C's, except for the 8-, 16- and 32-bit
    /// conversions, which the shell does not have, and the smallest
    /// subnormal, which the shell reads as a `long double`).
    #[test]
    fn conversions_follow_c() {
        let float = |x: f64| LoggedValue::Number(Num::Float(x));
        let int = |n: i64| LoggedValue::Number(Num::Int(n));
        let cases: &[(&str, LoggedValue, &str)] = &[
            ("%e", float(0.0), "0.000000e+00"),
            ("%g", float(0.0), "0"),
            ("%g", float(1.0), "1"),
            ("%g", float(1e6), "1e+06"),
            ("%g", float(1e5), "100000"),
            ("%g", float(0.0001), "0.0001"),
            ("%g", float(0.00001), "1e-05"),
            ("%.25f", float(0.5), "0.5000000000000000000000000"),
            ("%.0f", float(2.5), "2"),
            ("%.0f", float(3.5), "4"),
            ("%#.0f", float(2.0), "2."),
            ("%#g", float(1.0), "1.00000"),
            ("%.3g", float(1234.5), "1.23e+03"),
            ("%10.3e", float(-1234.5), "-1.234e+03"),
            ("%-10.2f", float(1.23456), "1.23      "),
            ("%+.1f", float(2.0), "+2.0"),
            ("% .2e", float(12345.678), " 1.23e+04"),
            ("%08.2f", float(-3.5), "-0003.50"),
            ("%G", float(0.000012345), "1.2345E-05"),
            ("%E", float(1e100), "1.000000E+100"),
            ("%g", float(123456789.0), "1.23457e+08"),
            ("%.10g", float(0.1), "0.1"),
            ("%f", float(1e20), "100000000000000000000.000000"),
            ("%e", float(5e-324), "4.940656e-324"),
            ("%f", float(f64::INFINITY), "inf"),
            ("%5F", float(-f64::INFINITY), " -INF"),
            ("%f", float(f64::NAN), "nan"),
            ("%.3d", int(5), "005"),
            ("%#x", int(0), "0"),
            ("%#o", int(0), "0"),
            ("%#o", int(8), "010"),
            ("%+d", int(5), "+5"),
            ("% d", int(5), " 5"),
            ("%05d", int(-42), "-0042"),
            ("%-5d", int(42), "42   "),
            ("%.0d", int(0), ""),
            ("%5.3d", int(-7), " -007"),
            ("%#X", int(255), "0XFF"),
            ("%x", int(255), "ff"),
            ("%o", int(8), "10"),
            ("%f", int(3), "3.000000"),
            ("%d", float(-2.9), "-2"),
            // C's `int` and `unsigned`: 32 bits unless `ll`.
            ("%d", int(-1), "-1"),
            ("%u", int(-1), "4294967295"),
            ("%llu", int(-1), "18446744073709551615"),
            ("%d", int(1 << 40), "0"),
            ("%lld", int(1 << 40), "1099511627776"),
            ("%lld", int(i64::MIN), "-9223372036854775808"),
            ("%hhd", int(255), "-1"),
            ("%hu", int(-1), "65535"),
            ("%x", LoggedValue::Number(Num::Int32(-1)), "ffffffff"),
            ("%p", int(0x1f00), "0x1f00"),
            ("%p", LoggedValue::Number(Num::Int32(-16)), "0xfffffff0"),
            ("%c", int(97), "a"),
            ("%3c", int(0x161), "  a"),
            ("%.3s", LoggedValue::Text(b"hello".to_vec()), "hel"),
            ("%-7s|", LoggedValue::Text(b"hi".to_vec()), "hi     "),
            (
                "%d",
                LoggedValue::Source {
                    type_name: "char".into(),
                    value: Box::new(SourceValue::Char(65)),
                },
                "65",
            ),
            (
                "%d",
                LoggedValue::Source {
                    type_name: "struct point".into(),
                    value: Box::new(SourceValue::Struct(vec![])),
                },
                "<error: a value of type struct point cannot be printed with %d>",
            ),
            (
                "%d",
                LoggedValue::Source {
                    type_name: "int".into(),
                    value: Box::new(SourceValue::OptimizedOut),
                },
                "<error: optimized out>",
            ),
            ("%s", int(1), "<error: %s needs a string>"),
        ];
        for (spec, value, expected) in cases {
            let spec = spec.trim_end_matches('|');
            assert_eq!(one(spec, value.clone()), *expected, "{spec} of {value:?}");
        }
    }

    #[test]
    fn a_logpoint_is_one_line_with_values_as_print_shows_them() {
        let value = |expr: &str| LogPart::Value {
            expr: expr.into(),
            conversion: None,
        };
        let l = message(
            false,
            vec![
                LogPart::Text("p=".into()),
                value("p"),
                LogPart::Text(" q=".into()),
                value("q"),
            ],
            vec![
                Ok(LoggedValue::Source {
                    type_name: "struct point".into(),
                    value: Box::new(SourceValue::Struct(vec![
                        ("x".into(), SourceValue::Int { value: 1, bytes: 4 }),
                        ("y".into(), SourceValue::Int { value: 2, bytes: 4 }),
                    ])),
                }),
                Err("no variable named \"q\"".into()),
            ],
        );
        assert_eq!(
            logged(&l),
            "p={x = 1, y = 2} q=<error: no variable named \"q\">\n"
        );
    }
}
