//! [`SourceFiles`]: finding and reading the source files DWARF names, for
//! the stop banner and `list`. Reads the host file system only; knows
//! nothing of the terminal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The text of one source file, split into lines (without line ends).
#[derive(Clone, Debug)]
pub struct SourceText {
    /// Where it was found.
    pub path: PathBuf,
    /// Its lines; line N is `lines[N - 1]`.
    pub lines: Arc<Vec<String>>,
}

/// Source files by their DWARF path, read on first use and kept.
#[derive(Debug, Default)]
pub struct SourceFiles {
    directories: Vec<PathBuf>,
    cache: HashMap<String, Result<SourceText, String>>,
}

impl SourceFiles {
    /// Looks in `directories` (in order) after the path DWARF gives.
    pub fn new(directories: Vec<PathBuf>) -> SourceFiles {
        SourceFiles {
            directories,
            cache: HashMap::new(),
        }
    }

    /// Adds DIR to the front of the search list (gdb's `directory DIR`);
    /// forgets files not found so far so they are looked for again.
    pub fn add_directory(&mut self, dir: PathBuf) {
        self.directories.retain(|d| *d != dir);
        self.directories.insert(0, dir);
        self.cache.retain(|_, found| found.is_ok());
    }

    /// The search list, in order.
    pub fn directories(&self) -> &[PathBuf] {
        &self.directories
    }

    /// The file DWARF calls `file`: the path itself (relative to the
    /// current directory when relative), then for each directory DIR:
    /// DIR/PATH and DIR/BASENAME.
    ///
    /// # Errors
    /// A one-line note naming the file and where it was looked for.
    pub fn find(&mut self, file: &str) -> Result<SourceText, String> {
        if let Some(found) = self.cache.get(file) {
            return found.clone();
        }
        let found = self.look(file);
        self.cache.insert(file.to_string(), found.clone());
        found
    }

    fn look(&self, file: &str) -> Result<SourceText, String> {
        let path = Path::new(file);
        let relative = path.strip_prefix("/").unwrap_or(path);
        let mut candidates = vec![path.to_path_buf()];
        for dir in &self.directories {
            candidates.push(dir.join(relative));
            if let Some(name) = path.file_name() {
                candidates.push(dir.join(name));
            }
        }
        for candidate in candidates {
            if let Ok(bytes) = std::fs::read(&candidate) {
                let text = String::from_utf8_lossy(&bytes);
                let lines = text
                    .lines()
                    .map(|l| l.trim_end_matches('\r').to_string())
                    .collect();
                return Ok(SourceText {
                    path: candidate,
                    lines: Arc::new(lines),
                });
            }
        }
        Err(format!(
            "source file {file} not found; `directory DIR` adds a place to look"
        ))
    }
}
