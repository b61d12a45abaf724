//! The front end's source view: the line under the stop banner and `frame`,
//! `list`, `directory`, and the text of `info line` and `info sources`.
//! Files are found by [`SourceFiles`]; line facts come from the module's
//! DWARF, asked for by the `Console`, which hands them in: nothing here
//! talks to the session.

use std::collections::HashSet;

use crate::debugger::protocol::{FrameInfo, LineInfo};
use crate::debugger::source::SourceFiles;
use crate::program::dwarf::SourceLoc;
use crate::render::SourceLine;

/// Lines `list` shows at a time (gdb's default `listsize`).
const LIST_SIZE: u32 = 10;

/// What the front end remembers for `list`.
#[derive(Debug, Default)]
pub(crate) struct SourceView {
    pub(crate) files: SourceFiles,
    /// Files already noted as missing (the note is shown once).
    noted: HashSet<String>,
    /// The line to centre the next bare `list` on (set at each stop and
    /// frame selection).
    centre: Option<SourceLoc>,
    /// The listings since the last stop or location: file, and the first
    /// and last line shown (`list` goes on after the last, `list -` before
    /// the first).
    last: Option<(String, u32, u32)>,
}

impl SourceView {
    /// A view looking in `directories` after the DWARF paths.
    pub(crate) fn new(directories: Vec<std::path::PathBuf>) -> SourceView {
        SourceView {
            files: SourceFiles::new(directories),
            ..SourceView::default()
        }
    }

    /// The file `break LINE` and `list LINE` mean: the last listed, else
    /// the last stop's.
    pub(crate) fn current_file(&self) -> Option<String> {
        self.last
            .as_ref()
            .map(|l| l.0.clone())
            .or_else(|| self.centre.as_ref().map(|c| c.file.clone()))
    }
}

/// Where a `list` starts.
#[derive(Debug)]
pub(crate) enum ListFrom {
    /// Bare `list`: around the last stop's line, else after the last
    /// listing.
    Next,
    /// `list -`: before the last listing.
    Back,
    /// `list LOCATION`: around this line.
    At(SourceLoc),
}

impl SourceView {
    /// The source line of frame `f` (its innermost source frame), and makes
    /// it where a bare `list` centres. A missing file is noted once.
    pub(crate) fn source_line(&mut self, f: Option<&FrameInfo>) -> SourceLine {
        let Some(loc) = f
            .and_then(|f| f.source.first())
            .and_then(|s| s.location.clone())
        else {
            return SourceLine::None;
        };
        self.centre = Some(loc.clone());
        self.last = None;
        match self.files.find(&loc.file) {
            Ok(text) => match text.lines.get(loc.line as usize - 1) {
                Some(line) => SourceLine::Text(loc.line, line.clone()),
                None => SourceLine::Note(format!(
                    "(line {} is past the end of {} ({} lines): is it the source the module was built from?)",
                    loc.line,
                    text.path.display(),
                    text.lines.len()
                )),
            },
            Err(note) => {
                if self.noted.insert(loc.file.clone()) {
                    SourceLine::Note(format!("({note})"))
                } else {
                    SourceLine::None
                }
            }
        }
    }

    /// `directory [DIR]`: adds `dir` to the places looked in; the text
    /// saying where files are looked for.
    pub(crate) fn directory(&mut self, dir: Option<std::path::PathBuf>) -> Result<String, String> {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(format!("{} is not a directory", dir.display()));
            }
            self.files.add_directory(dir);
            self.noted.clear();
        }
        let dirs: Vec<String> = self
            .files
            .directories()
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        Ok(if dirs.is_empty() {
            "Source files are looked for at the path DWARF gives only.\n".to_string()
        } else {
            format!(
                "Source files are looked for at the path DWARF gives, then in: {}\n",
                dirs.join(", ")
            )
        })
    }

    /// Turns a bare `LINE` into `FILE:LINE` with the current source file;
    /// other locations are returned as they are.
    pub(crate) fn with_current_file(&self, location: &str) -> Result<String, String> {
        let trimmed = location.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(location.to_string());
        }
        match self.current_file() {
            Some(file) => Ok(format!("{file}:{trimmed}")),
            None => Err(format!(
                "no current source file for line {trimmed}: give FILE:{trimmed}"
            )),
        }
    }

    /// A bare `LINE` of `list LINE` in the current file; `None` for any
    /// other location (the core resolves it).
    pub(crate) fn line_here(&self, loc: &str) -> Option<Result<SourceLoc, String>> {
        let line = loc.parse::<u32>().ok()?;
        Some(
            self.current_file()
                .map(|file| SourceLoc {
                    file,
                    line,
                    column: None,
                })
                .ok_or_else(|| format!("no current source file for line {line}: give FILE:{line}")),
        )
    }

    /// `list`: the lines listed, numbered.
    pub(crate) fn list(&mut self, from: ListFrom) -> Result<String, String> {
        // Which way a series of listings grows: None starts a new one.
        let (file, first, grows) = match from {
            ListFrom::Next => {
                if let Some(c) = self.centre.clone() {
                    (c.file, c.line.saturating_sub(LIST_SIZE / 2).max(1), None)
                } else if let Some((file, _, last)) = &self.last {
                    (file.clone(), last + 1, Some(true))
                } else {
                    return Err("no source to list: the program has not stopped at a line with line information (give a location)".into());
                }
            }
            ListFrom::Back => match &self.last {
                Some((file, first, _)) if *first > 1 => (
                    file.clone(),
                    first.saturating_sub(LIST_SIZE).max(1),
                    Some(false),
                ),
                Some(_) => return Err("already at the start of the file".into()),
                None => return Err("nothing listed yet".into()),
            },
            ListFrom::At(at) => {
                let text = self.files.find(&at.file).map_err(|e| e.to_string())?;
                if at.line as usize > text.lines.len() {
                    return Err(format!(
                        "line {} is out of range: {} has {} lines",
                        at.line,
                        at.file,
                        text.lines.len()
                    ));
                }
                (at.file, at.line.saturating_sub(LIST_SIZE / 2).max(1), None)
            }
        };
        let text = self.files.find(&file).map_err(|e| e.to_string())?;
        let total = text.lines.len() as u32;
        if first > total {
            return Err(format!(
                "line {first} is out of range: {file} has {total} lines"
            ));
        }
        let mut last = (first + LIST_SIZE - 1).min(total);
        if grows == Some(false)
            && let Some((_, top, _)) = &self.last
        {
            last = last.min(top.saturating_sub(1));
        }
        let mut listing = String::new();
        for n in first..=last {
            listing.push_str(&format!("{n}\t{}\n", text.lines[n as usize - 1]));
        }
        self.centre = None;
        self.last = Some(match (grows, self.last.take()) {
            (Some(true), Some((_, top, _))) => (file, top, last),
            (Some(false), Some((_, _, bottom))) => (file, first, bottom),
            _ => (file, first, last),
        });
        Ok(listing)
    }
}

/// `info line`'s text for the core's answer; `dim` styles its note.
pub(crate) fn info_line(info: &LineInfo, dim: impl Fn(&str) -> String) -> String {
    let mut text = String::new();
    if let Some(note) = &info.note {
        text.push_str(&format!("{}\n", dim(&format!("({note})"))));
    }
    let Some(&pc) = info.places.first() else {
        text.push_str("No line information\n");
        return text;
    };
    text.push_str(&if info.places.len() > 1 {
        let list: Vec<String> = info.places.iter().map(|p| format!("0x{p:x}")).collect();
        match &info.line {
            Some(l) => format!(
                "Line {} of \"{}\" starts at {} places: {}\n",
                l.line,
                l.file,
                info.places.len(),
                list.join(", ")
            ),
            None => format!("Starts at {}\n", list.join(", ")),
        }
    } else {
        match (info.row_start, &info.line) {
            (Some(start), Some(l)) => format!(
                "Line {} of \"{}\" starts at 0x{start:x} and contains 0x{pc:x}\n",
                l.line, l.file
            ),
            _ => format!("No line information for 0x{pc:x}\n"),
        }
    });
    text
}

/// `info sources`' text: one file per line.
pub(crate) fn info_sources(files: &[String]) -> String {
    files.iter().map(|f| format!("{f}\n")).collect()
}

/// Whether DWARF path `file` is of the standard library, libc or a
/// toolchain rather than the program's own code: Rust's `/rustc/<commit>/`
/// paths, a URI (`wasisdk://`), wasi-libc's sources (under a `wasi-libc`
/// folder, or its own top folders as Debian's `wasi-libc` package names
/// them: `libc-bottom-half/sources/abort.c`) and cargo's registry sources.
pub fn is_library_source(file: &str) -> bool {
    const WASI_LIBC_TOP: [&str; 3] = ["libc-bottom-half/", "libc-top-half/", "dlmalloc/"];
    file.starts_with("/rustc/")
        || file.contains("://")
        || file.contains("/wasi-libc/")
        || file.contains("/.cargo/registry/")
        || file.contains("/.rustup/toolchains/")
        || WASI_LIBC_TOP
            .iter()
            .any(|top| file.starts_with(top) || file.contains(&format!("/{top}")))
}
