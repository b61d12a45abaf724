//! `dprintf` and logpoints: a breakpoint that, at each hit, reads the
//! values of its message's expressions in frame #0, sends the message as
//! an [`Event::Logged`](super::protocol::Event::Logged) and lets the
//! program go on. The message is parsed when the breakpoint is set, so a
//! malformed format or expression is refused then; a value that cannot be
//! read at a hit is sent as the reason, in its place.
//!
//! The printf conversions are read here, when the breakpoint is set (gdb's
//! `dprintf` checks them then, and `%s` needs memory read at the hit); the
//! renderer formats them. The values are read by `target::log_values`, over
//! any target.

use std::sync::Arc;

use super::protocol::{Conversion, LogMessageParts, LogPart, LogSpec};
use crate::error::{Error, invalid};
use crate::program::dwarf::SourceLoc;
use crate::program::expr::{Expr, Num};

/// Longest string a `%s` reads, in bytes.
pub const MAX_STRING: u64 = 4096;

/// A breakpoint's message, parsed.
#[derive(Debug)]
pub struct LogMessage {
    /// As the front end gave it.
    pub spec: LogSpec,
    /// Its parts, sent with every hit's values (shared, not copied).
    pub parts: Arc<LogMessageParts>,
    /// The expression of each [`LogPart::Value`], in order.
    pub(crate) exprs: Vec<Expr>,
}

impl LogMessage {
    /// Parses `spec`, its expressions' value-history references read from
    /// `history` now; `source` is the breakpoint's source line.
    ///
    /// # Errors
    /// A conversion that is not one of [`LogSpec::Printf`]'s, a `*` width
    /// or precision, one over [`MAX_WIDTH`], a conversion cut off at the
    /// end of the format, a count of arguments other than the count of
    /// conversions, an unclosed or empty `{}` in a message, and the
    /// expression parser's errors (naming the expression).
    pub fn parse(
        spec: LogSpec,
        history: &[Num],
        source: Option<SourceLoc>,
    ) -> Result<Arc<LogMessage>, Error> {
        let mut exprs = Vec::new();
        let mut value = |text: &str, conversion: Option<Conversion>| {
            let text = text.trim();
            exprs.push(Expr::parse(text, history).map_err(|e| invalid!("in {text:?}: {e}"))?);
            Ok::<_, Error>(LogPart::Value {
                expr: text.to_string(),
                conversion,
            })
        };
        let parts = match &spec {
            LogSpec::Printf { format, args } => {
                let parts = scan_format(format)?;
                let wanted = parts
                    .iter()
                    .filter(|p| matches!(p, Part::Conversion(_)))
                    .count();
                if wanted != args.len() {
                    return Err(invalid!(
                        "the format has {wanted} conversion{} but {} argument{} given",
                        if wanted == 1 { "" } else { "s" },
                        args.len(),
                        if args.len() == 1 { " was" } else { "s were" }
                    ));
                }
                let mut args = args.iter();
                let mut out = Vec::new();
                for part in parts {
                    out.push(match part {
                        Part::Text(text) => LogPart::Text(text),
                        Part::Conversion(conversion) => value(
                            args.next().map(String::as_str).unwrap_or_default(),
                            Some(conversion),
                        )?,
                    });
                }
                out
            }
            LogSpec::Message(message) => scan_message(message)?
                .into_iter()
                .map(|(is_expr, text)| {
                    if is_expr {
                        value(&text, None)
                    } else {
                        Ok(LogPart::Text(text))
                    }
                })
                .collect::<Result<_, Error>>()?,
        };
        let printf = matches!(spec, LogSpec::Printf { .. });
        Ok(Arc::new(LogMessage {
            spec,
            parts: Arc::new(LogMessageParts {
                source,
                printf,
                parts,
            }),
            exprs,
        }))
    }
}

/// A piece of a printf format.
#[derive(Debug, PartialEq)]
enum Part {
    /// Text, `%%` already made `%`.
    Text(String),
    /// A conversion, taking the next argument.
    Conversion(Conversion),
}

/// Largest width or precision a conversion may ask for: C has no limit,
/// but a message padded to millions of bytes at every hit is a mistake.
pub const MAX_WIDTH: u32 = 1024;

/// A printf format as text and conversions, C's syntax:
/// `%[flags][width][.precision][length]letter`.
fn scan_format(format: &str) -> Result<Vec<Part>, Error> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        text.push_str(&rest[..at]);
        let (conversion, after) = conversion_at(&rest[at..])?;
        rest = after;
        match conversion {
            None => text.push('%'),
            Some(c) => {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Conversion(c));
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// A conversion's width or precision (`what`): its digits.
fn number(
    chars: &mut std::iter::Peekable<impl Iterator<Item = (usize, char)>>,
    what: &str,
) -> Result<u32, Error> {
    let mut n: u32 = 0;
    while let Some(&(_, d)) = chars.peek() {
        if d == '*' {
            return Err(invalid!(
                "a {what} taken from an argument (`*`) is not supported; write the number"
            ));
        }
        let Some(digit) = d.to_digit(10) else { break };
        n = n.saturating_mul(10).saturating_add(digit);
        chars.next();
    }
    if n > MAX_WIDTH {
        return Err(invalid!("a {what} over {MAX_WIDTH} is not supported"));
    }
    Ok(n)
}

/// The conversion `spec` starts with (`None` for `%%`) and the text after
/// it.
pub(crate) fn conversion_at(spec: &str) -> Result<(Option<Conversion>, &str), Error> {
    let mut c = Conversion {
        spec: String::new(),
        letter: 'd',
        left: false,
        zero: false,
        plus: false,
        space: false,
        alt: false,
        width: 0,
        precision: None,
        bits: 32,
    };
    let mut chars = spec.char_indices().skip(1).peekable();
    while let Some(&(_, f)) = chars.peek() {
        match f {
            '-' => c.left = true,
            '0' => c.zero = true,
            '+' => c.plus = true,
            ' ' => c.space = true,
            '#' => c.alt = true,
            _ => break,
        }
        chars.next();
    }
    c.width = number(&mut chars, "width")?;
    if chars.peek().is_some_and(|&(_, d)| d == '.') {
        chars.next();
        c.precision = Some(number(&mut chars, "precision")?);
    }
    let mut length = String::new();
    while let Some(&(_, l)) = chars.peek() {
        if !"hlLqjzZt".contains(l) {
            break;
        }
        length.push(l);
        chars.next();
    }
    c.bits = match length.as_str() {
        "hh" => 8,
        "h" => 16,
        "" | "l" | "z" | "Z" | "t" | "L" => 32,
        "ll" | "j" | "q" => 64,
        other => return Err(invalid!("unknown length modifier {other:?} in the format")),
    };
    let Some((at, letter)) = chars.next() else {
        return Err(invalid!("the format ends inside the conversion {spec:?}"));
    };
    let end = at + letter.len_utf8();
    c.spec = spec[..end].to_string();
    c.letter = letter;
    match letter {
        '%' => Ok((None, &spec[end..])),
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c' | 's' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'p' => {
            Ok((Some(c), &spec[end..]))
        }
        'n' => Err(invalid!("{}: %n (store a count) is not supported", c.spec)),
        'a' | 'A' => Err(invalid!(
            "{}: hexadecimal floats (%a) are not supported; use %e or %f",
            c.spec
        )),
        _ => Err(invalid!(
            "unknown conversion {}: expected one of %d %i %u %x %X %o %c %s %f %F %e %E %g %G %p %%",
            c.spec
        )),
    }
}

/// A logpoint message as (is an expression, text) pieces: `{EXPR}` an
/// expression, `{{` and `}}` braces.
fn scan_message(message: &str) -> Result<Vec<(bool, String)>, Error> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut expr = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => expr.push(c),
                        None => {
                            return Err(invalid!(
                                "unclosed {{ in the log message (write {{{{ for a brace)"
                            ));
                        }
                    }
                }
                if expr.trim().is_empty() {
                    return Err(invalid!("empty {{}} in the log message"));
                }
                if !text.is_empty() {
                    parts.push((false, std::mem::take(&mut text)));
                }
                parts.push((true, expr));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push((false, text));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printf(format: &str, args: &[&str]) -> Result<Arc<LogMessage>, Error> {
        LogMessage::parse(
            LogSpec::Printf {
                format: format.into(),
                args: args.iter().map(|a| a.to_string()).collect(),
            },
            &[],
            None,
        )
    }

    #[test]
    fn a_format_is_split_into_text_and_conversions() {
        let parts = scan_format("x=%-5lld, %%s %.3s\n").unwrap();
        let [
            Part::Text(a),
            Part::Conversion(d),
            Part::Text(b),
            Part::Conversion(s),
            Part::Text(c),
        ] = parts.as_slice()
        else {
            panic!("{parts:?}")
        };
        assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("x=", ", %s ", "\n"));
        assert_eq!(
            (d.spec.as_str(), d.letter, d.left, d.width, d.bits),
            ("%-5lld", 'd', true, 5, 64)
        );
        assert_eq!(
            (s.spec.as_str(), s.letter, s.precision),
            ("%.3s", 's', Some(3))
        );
    }

    #[test]
    fn bad_formats_are_refused_when_set() {
        let message = |f: &str, args: &[&str]| printf(f, args).unwrap_err().to_string();
        assert_eq!(
            message("%d %d", &["x"]),
            "the format has 2 conversions but 1 argument was given"
        );
        assert_eq!(
            message("%y", &["x"]),
            "unknown conversion %y: expected one of %d %i %u %x %X %o %c %s %f %F %e %E %g %G %p %%"
        );
        assert_eq!(
            message("%*d", &["x"]),
            "a width taken from an argument (`*`) is not supported; write the number"
        );
        assert_eq!(
            message("%99999999999d", &["x"]),
            "a width over 1024 is not supported"
        );
        assert_eq!(
            message("%.2000f", &["x"]),
            "a precision over 1024 is not supported"
        );
        assert_eq!(
            message("%lhd", &["x"]),
            "unknown length modifier \"lh\" in the format"
        );
        assert_eq!(
            message("x=%", &["x"]),
            "the format ends inside the conversion \"%\""
        );
        assert_eq!(
            message("%d", &["x +"]),
            format!("in \"x +\": {}", Expr::parse("x +", &[]).unwrap_err())
        );
        assert!(printf("%d%%", &["x"]).is_ok());
    }

    #[test]
    fn a_message_interpolates_braces() {
        assert_eq!(
            scan_message("a={a} {{b}} }").unwrap(),
            vec![
                (false, "a=".to_string()),
                (true, "a".to_string()),
                (false, " {b} }".to_string()),
            ]
        );
        assert_eq!(
            scan_message("x={x").unwrap_err().to_string(),
            "unclosed { in the log message (write {{ for a brace)"
        );
        assert_eq!(
            scan_message("x={ }").unwrap_err().to_string(),
            "empty {} in the log message"
        );
    }
}
