//! Instruction text from `wasmprinter`, one function at a time.
//!
//! wasmprinter prints whole modules; printing all of a big module takes
//! seconds (1.2 s for the 21.5 MB flite.wasm), and a stop needs the text of
//! one function. So we print a copy of the module in which every other
//! function body is empty and the data and custom sections (except `name`)
//! are dropped: the types, imports and names that the function's text
//! refers to are all still there, and the copy prints in milliseconds.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::error::{Error, malformed, not_found};
use wasmparser::{Parser, Payload};

/// The instruction text of one function, keyed by module offset.
#[derive(Debug, Default)]
pub struct Disassembly {
    lines: BTreeMap<usize, String>,
}

/// The data section's id in the binary format.
const DATA: u8 = 11;

/// A function body that only ends: no locals, `end`.
const EMPTY_BODY: [u8; 2] = [0x00, 0x0b];

impl Disassembly {
    /// Prints the `defined`-th function body of `wasm` (a module binary;
    /// 0 is the first body of the code section, whatever the number of
    /// imported functions). Keys are offsets in `wasm` itself.
    ///
    /// # Errors
    /// The module cannot be parsed, has no such body, or wasmprinter cannot
    /// print it.
    pub fn function(wasm: &[u8], defined: usize) -> Result<Disassembly, Error> {
        let (copy, original) = one_body_module(wasm, defined)?;
        let copied = body_range(&copy, defined)?;
        let mut storage = String::new();
        let mut config = wasmprinter::Config::new();
        config.print_offsets(false).fold_instructions(false);
        let mut lines = BTreeMap::new();
        for (offset, line) in config
            .offsets_and_lines(&copy, &mut storage)
            .map_err(|e| malformed!("{e:#}"))?
        {
            let Some(offset) = offset.filter(|o| copied.contains(o)) else {
                continue;
            };
            // A function's final `end` prints as the closing parenthesis
            // of the `(func ...)` form.
            let text = match line.trim() {
                ")" => "end",
                t => t,
            };
            lines.insert(offset - copied.start + original.start, text.to_string());
        }
        Ok(Disassembly { lines })
    }

    /// The text of the instruction that starts at module offset `pc`,
    /// without indentation.
    pub fn instruction(&self, pc: usize) -> Option<&str> {
        self.lines.get(&pc).map(String::as_str)
    }
}

/// A copy of `wasm` whose code section keeps only body `defined` (the others
/// are empty), without data or custom sections other than `name`; and the
/// range of that body in `wasm`.
fn one_body_module(wasm: &[u8], defined: usize) -> Result<(Vec<u8>, Range<usize>), Error> {
    // Sections to copy, in their order; `None` is where the code goes.
    let mut kept: Vec<Option<(u8, Range<usize>)>> = Vec::new();
    let mut code = wasm_encoder::CodeSection::new();
    let mut original = None;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::CodeSectionStart { .. } => kept.push(None),
            Payload::CodeSectionEntry(body) => {
                if code.len() as usize == defined {
                    original = Some(body.range());
                    code.raw(&wasm[body.range()]);
                } else {
                    code.raw(&EMPTY_BODY);
                }
            }
            Payload::CustomSection(c) if c.name() != "name" => {}
            other => match other.as_section() {
                Some((DATA, _)) | None => {}
                Some(section) => kept.push(Some(section)),
            },
        }
    }
    let original = original.ok_or_else(|| not_found!("no function body {defined}"))?;
    let mut module = wasm_encoder::Module::new();
    for section in kept {
        match section {
            Some((id, range)) => module.section(&wasm_encoder::RawSection {
                id,
                data: &wasm[range],
            }),
            None => module.section(&code),
        };
    }
    Ok((module.finish(), original))
}

/// The range of body `defined` in the code section of `wasm`.
fn body_range(wasm: &[u8], defined: usize) -> Result<Range<usize>, Error> {
    let mut index = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload? {
            if index == defined {
                return Ok(body.range());
            }
            index += 1;
        }
    }
    Err(not_found!("no function body {defined} in the copy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function printed on its own gives, at every offset, the same
    /// text as wasmprinter's print of the whole module: a C program with
    /// imports, data, a name section and DWARF custom sections.
    #[test]
    fn one_function_prints_as_in_the_whole_module() {
        let wasm = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/wasi-testsuite/c/lseek.wasm"
        ))
        .unwrap();
        let mut storage = String::new();
        let mut config = wasmprinter::Config::new();
        config.print_offsets(false).fold_instructions(false);
        let whole: BTreeMap<usize, String> = config
            .offsets_and_lines(&wasm, &mut storage)
            .unwrap()
            .filter_map(|(offset, line)| Some((offset?, line.trim().to_string())))
            .collect();
        let bodies: Vec<Range<usize>> = Parser::new(0)
            .parse_all(&wasm)
            .filter_map(|p| match p.unwrap() {
                Payload::CodeSectionEntry(body) => Some(body.range()),
                _ => None,
            })
            .collect();
        assert!(bodies.len() > 10, "{} bodies", bodies.len());
        let mut compared = 0;
        for (defined, body) in bodies.iter().enumerate() {
            let one = Disassembly::function(&wasm, defined).unwrap();
            let expected: Vec<_> = whole.range(body.clone()).collect();
            assert_eq!(one.lines.len(), expected.len(), "body {defined}");
            for (offset, text) in expected {
                let text = if text == ")" { "end" } else { text.as_str() };
                assert_eq!(one.instruction(*offset), Some(text), "at {offset:#x}");
                compared += 1;
            }
        }
        assert!(compared > 1000, "{compared} instructions");
    }

    #[test]
    fn a_body_that_is_not_there_is_an_error() {
        let wasm = wat::parse_str("(module (func))").unwrap();
        assert!(Disassembly::function(&wasm, 0).is_ok());
        let err = Disassembly::function(&wasm, 1).unwrap_err();
        assert_eq!(err.to_string(), "no function body 1");
    }
}
