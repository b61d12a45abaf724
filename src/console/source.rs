//! The front end's source view: the line under the stop banner and `frame`,
//! `list`, `directory`, `info line`, `info sources`. Files are found by
//! [`SourceFiles`]; line facts come from the module's DWARF.

use crate::debugger::protocol::FramesRequest;
use std::collections::HashSet;
use std::io::Write;

use super::{Console, write_out};
use crate::debugger::protocol::{FactsRequest, FrameInfo, LineAt, ModuleRef, Request, Response};
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

impl Console {
    /// The source line of frame `f` (its innermost source frame), and makes
    /// it where a bare `list` centres. A missing file is noted once.
    pub(crate) fn source_line(&mut self, f: Option<&FrameInfo>) -> SourceLine {
        let Some(loc) = f
            .and_then(|f| f.source.first())
            .and_then(|s| s.location.clone())
        else {
            return SourceLine::None;
        };
        self.source.centre = Some(loc.clone());
        self.source.last = None;
        match self.source.files.find(&loc.file) {
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
                if self.source.noted.insert(loc.file.clone()) {
                    SourceLine::Note(format!("({note})"))
                } else {
                    SourceLine::None
                }
            }
        }
    }

    /// `directory [DIR]`.
    pub(crate) fn directory(
        &mut self,
        dir: Option<std::path::PathBuf>,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(format!("{} is not a directory", dir.display()));
            }
            self.source.files.add_directory(dir);
            self.source.noted.clear();
        }
        let dirs: Vec<String> = self
            .source
            .files
            .directories()
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        if dirs.is_empty() {
            write_out(
                out,
                "Source files are looked for at the path DWARF gives only.\n",
            )
        } else {
            write_out(
                out,
                &format!(
                    "Source files are looked for at the path DWARF gives, then in: {}\n",
                    dirs.join(", ")
                ),
            )
        }
    }

    /// Turns a bare `LINE` into `FILE:LINE` with the current source file;
    /// other locations are returned as they are.
    pub(crate) fn with_current_file(&self, location: &str) -> Result<String, String> {
        let trimmed = location.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(location.to_string());
        }
        match self.source.current_file() {
            Some(file) => Ok(format!("{file}:{trimmed}")),
            None => Err(format!(
                "no current source file for line {trimmed}: give FILE:{trimmed}"
            )),
        }
    }

    /// `list [LOCATION | -]`.
    pub(crate) fn list(
        &mut self,
        location: Option<String>,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        // Which way a series of listings grows: None starts a new one.
        let (file, first, grows) = match location.as_deref().map(str::trim) {
            None => {
                if let Some(c) = self.source.centre.clone() {
                    (c.file, c.line.saturating_sub(LIST_SIZE / 2).max(1), None)
                } else if let Some((file, _, last)) = &self.source.last {
                    (file.clone(), last + 1, Some(true))
                } else {
                    return Err("no source to list: the program has not stopped at a line with line information (give a location)".into());
                }
            }
            Some("-") => match &self.source.last {
                Some((file, first, _)) if *first > 1 => (
                    file.clone(),
                    first.saturating_sub(LIST_SIZE).max(1),
                    Some(false),
                ),
                Some(_) => return Err("already at the start of the file".into()),
                None => return Err("nothing listed yet".into()),
            },
            Some(loc) => {
                let at = self.list_location(loc)?;
                let text = self
                    .source
                    .files
                    .find(&at.file)
                    .map_err(|e| e.to_string())?;
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
        let text = self.source.files.find(&file).map_err(|e| e.to_string())?;
        let total = text.lines.len() as u32;
        if first > total {
            return Err(format!(
                "line {first} is out of range: {file} has {total} lines"
            ));
        }
        let mut last = (first + LIST_SIZE - 1).min(total);
        if grows == Some(false)
            && let Some((_, top, _)) = &self.source.last
        {
            last = last.min(top.saturating_sub(1));
        }
        let mut listing = String::new();
        for n in first..=last {
            listing.push_str(&format!("{n}\t{}\n", text.lines[n as usize - 1]));
        }
        self.source.centre = None;
        self.source.last = Some(match (grows, self.source.last.take()) {
            (Some(true), Some((_, top, _))) => (file, top, last),
            (Some(false), Some((_, _, bottom))) => (file, first, bottom),
            _ => (file, first, last),
        });
        write_out(out, &listing)
    }

    /// Where `list LOCATION` centres: `LINE` (current file), `FILE:LINE`,
    /// or a function (its line after the prologue); all but `LINE` are
    /// resolved by the core.
    fn list_location(&self, loc: &str) -> Result<SourceLoc, String> {
        if let Ok(line) = loc.parse::<u32>() {
            let file = self.source.current_file().ok_or_else(|| {
                format!("no current source file for line {line}: give FILE:{line}")
            })?;
            return Ok(SourceLoc {
                file,
                line,
                column: None,
            });
        }
        match self
            .session
            .request(Request::Facts(FactsRequest::SourceLocation {
                module: self.module_ref(None),
                location: loc.to_string(),
            })) {
            Response::SourceLocation(at) => Ok(at),
            other => Err(super::unexpected(other)),
        }
    }

    /// `info line [LOCATION]`: the location's line (``MODULE`LOCATION``, or
    /// wherever it resolves), else the selected frame's.
    pub(crate) fn info_line(
        &mut self,
        location: Option<String>,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let (module, at) = match &location {
            Some(loc) => (
                self.module_ref(None),
                LineAt::Location(self.with_current_file(loc)?),
            ),
            None => {
                let frame = self.selected_frame()?;
                match self
                    .session
                    .request(Request::Frames(FramesRequest::Frame(frame)))
                {
                    Response::Frame(f) => (ModuleRef::Id(f.module), LineAt::Offset(f.pc)),
                    other => return Err(super::unexpected(other)),
                }
            }
        };
        let info = match self
            .session
            .request(Request::Facts(FactsRequest::LineInfo { module, at }))
        {
            Response::LineInfo(info) => info,
            other => return Err(super::unexpected(other)),
        };
        if let Some(note) = &info.note {
            write_out(out, &format!("{}\n", self.theme.dim(&format!("({note})"))))?;
        }
        let pc = info.places[0];
        let text = if info.places.len() > 1 {
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
        };
        write_out(out, &text)
    }

    /// `info sources`: the selected frame's module's source files.
    pub(crate) fn info_sources(&self, out: &mut dyn Write) -> Result<(), String> {
        let module = self.module_ref(None);
        match self
            .session
            .request(Request::Facts(FactsRequest::SourceFiles { module }))
        {
            Response::SourceFiles(files) => {
                let text: String = files.iter().map(|f| format!("{f}\n")).collect();
                write_out(out, &text)
            }
            other => Err(super::unexpected(other)),
        }
    }
}
