//! Instruction text from `wasmprinter`, indexed by module offset.

use std::collections::BTreeMap;

/// The module printed once by wasmprinter, one line per instruction, keyed
/// by the instruction's module offset.
pub struct Disassembly {
    lines: BTreeMap<usize, String>,
}

impl Disassembly {
    /// Prints `wasm` (a module binary) with offsets.
    ///
    /// # Errors
    /// wasmprinter's error for a binary it cannot print.
    pub fn new(wasm: &[u8]) -> anyhow::Result<Disassembly> {
        let mut storage = String::new();
        let mut config = wasmprinter::Config::new();
        config.print_offsets(false).fold_instructions(false);
        let mut lines = BTreeMap::new();
        for (offset, line) in config.offsets_and_lines(wasm, &mut storage)? {
            if let Some(offset) = offset {
                // A function's final `end` prints as the closing parenthesis
                // of the folded `(func ...)`.
                let text = match line.trim() {
                    ")" => "end",
                    t => t,
                };
                lines.insert(offset, text.to_string());
            }
        }
        Ok(Disassembly { lines })
    }

    /// The text of the instruction (or other item) that starts at module
    /// offset `pc`, without indentation.
    pub fn instruction(&self, pc: usize) -> Option<&str> {
        self.lines.get(&pc).map(String::as_str)
    }
}
