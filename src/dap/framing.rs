//! The Debug Adapter Protocol's base protocol: each message is a
//! `Content-Length: N` header, a blank line (`\r\n\r\n`), then N bytes of
//! JSON. Written by hand: it is a dozen lines, and the adapter must say
//! what is wrong with a bad header rather than stop at the first one.

use std::io::{BufRead, Write};

/// The largest message accepted (a `setBreakpoints` for a huge file is a
/// few kilobytes; anything near this is not a DAP client).
pub const MAX_MESSAGE: usize = 64 << 20;

/// Why a message could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The stream ended inside a message.
    Truncated,
    /// A header that is not `Name: value`, a `Content-Length` that is not a
    /// number or too large, or none at all: the stream cannot be followed
    /// past it (there is no way to tell where the next message starts).
    BadHeader(String),
    /// Reading failed.
    Io(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Truncated => write!(f, "the stream ended inside a message"),
            FrameError::BadHeader(why) => write!(f, "malformed message header: {why}"),
            FrameError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

/// Reads one message's body; `Ok(None)` at the end of the stream between
/// messages.
///
/// # Errors
/// See [`FrameError`].
pub fn read_message(input: &mut dyn BufRead) -> Result<Option<Vec<u8>>, FrameError> {
    let mut length: Option<usize> = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| FrameError::Io(e.to_string()))?;
        if n == 0 {
            return if first {
                Ok(None)
            } else {
                Err(FrameError::Truncated)
            };
        }
        first = false;
        if line.len() > 1024 {
            return Err(FrameError::BadHeader(
                "a header line over 1024 bytes".into(),
            ));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(FrameError::BadHeader(format!(
                "{text:?} is not `Name: value`"
            )));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            let n: usize = value.parse().map_err(|_| {
                FrameError::BadHeader(format!("Content-Length {value:?} is not a number"))
            })?;
            if n > MAX_MESSAGE {
                return Err(FrameError::BadHeader(format!(
                    "Content-Length {n} is over the {MAX_MESSAGE}-byte limit"
                )));
            }
            length = Some(n);
        }
    }
    let length = length.ok_or_else(|| FrameError::BadHeader("no Content-Length header".into()))?;
    let mut body = vec![0; length];
    input.read_exact(&mut body).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => FrameError::Truncated,
        _ => FrameError::Io(e.to_string()),
    })?;
    Ok(Some(body))
}

/// Writes one message.
///
/// # Errors
/// The writer's.
pub fn write_message(out: &mut dyn Write, body: &[u8]) -> std::io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<Result<Option<Vec<u8>>, FrameError>> {
        let mut input = std::io::BufReader::new(bytes);
        let mut out = Vec::new();
        loop {
            let r = read_message(&mut input);
            let stop = !matches!(r, Ok(Some(_)));
            out.push(r);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn reads_messages_and_refuses_bad_headers() {
        let two = b"Content-Length: 2\r\n\r\n{}Content-Length: 4\r\nX-Other: 1\r\n\r\nnull";
        assert_eq!(
            read_all(two),
            vec![
                Ok(Some(b"{}".to_vec())),
                Ok(Some(b"null".to_vec())),
                Ok(None)
            ]
        );
        assert_eq!(
            read_all(b"Content-Length: 10\r\n\r\n{}"),
            vec![Err(FrameError::Truncated)]
        );
        assert_eq!(
            read_all(b"Content-Length: ten\r\n\r\n{}"),
            vec![Err(FrameError::BadHeader(
                "Content-Length \"ten\" is not a number".into()
            ))]
        );
        assert_eq!(
            read_all(b"\r\n{}"),
            vec![Err(FrameError::BadHeader(
                "no Content-Length header".into()
            ))]
        );
        assert_eq!(
            read_all(b"hello\r\n\r\n"),
            vec![Err(FrameError::BadHeader(
                "\"hello\" is not `Name: value`".into()
            ))]
        );
        assert!(matches!(
            read_all(b"Content-Length: 99999999999\r\n\r\n")[0],
            Err(FrameError::BadHeader(_))
        ));
        let mut out = Vec::new();
        write_message(&mut out, b"{}").unwrap();
        assert_eq!(out, b"Content-Length: 2\r\n\r\n{}");
    }
}
