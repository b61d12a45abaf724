//! [`SourceFiles`]: finding and reading the source files DWARF names, for
//! the stop banner and `list`. Reads the host file system only; knows
//! nothing of the terminal.

use crate::error::{Error, not_found};
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
    /// `set substitute-path FROM TO` rules, in the order given.
    substitutions: Vec<(String, String)>,
    /// The installed Rust toolchain's commit and `rust-src` directory, asked
    /// of `rustc` on the first `/rustc/<commit>/` path (`None` inside: no
    /// `rustc` to ask).
    rust: std::sync::OnceLock<Option<RustToolchain>>,
    cache: HashMap<String, Result<SourceText, Error>>,
}

/// What `rustc -vV` and `rustc --print sysroot` say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustToolchain {
    /// `commit-hash`.
    pub commit: String,
    /// `SYSROOT/lib/rustlib/src/rust`, where the `rust-src` component puts
    /// the standard library's sources.
    pub src: PathBuf,
}

impl RustToolchain {
    /// The toolchain of the compiler cargo would run: `$RUSTC` when set
    /// (cargo's variable), else `rustc` on PATH; `None` when there is none
    /// or it says nothing usable.
    pub fn installed() -> Option<RustToolchain> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let run = |args: &[&str]| {
            let out = std::process::Command::new(&rustc)
                .args(args)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let version = run(&["-vV"])?;
        let commit = version
            .lines()
            .find_map(|l| l.strip_prefix("commit-hash: "))?
            .trim()
            .to_string();
        let sysroot = run(&["--print", "sysroot"])?;
        Some(RustToolchain {
            commit,
            src: Path::new(sysroot.trim()).join("lib/rustlib/src/rust"),
        })
    }
}

/// Where a path of the Rust standard library's sources as rustc records it
/// (`/rustc/<commit>/library/...`) lies in `toolchain`'s `rust-src`:
/// `None` when `file` is not such a path.
pub fn rustc_source(file: &str, toolchain: &RustToolchain) -> Option<RustcSource> {
    let rest = file.strip_prefix("/rustc/")?;
    let (commit, inside) = rest.split_once('/')?;
    if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(if commit == toolchain.commit {
        RustcSource::Here(toolchain.src.join(inside))
    } else {
        RustcSource::OtherCommit(commit.to_string())
    })
}

/// Where [`rustc_source`] places a standard library path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RustcSource {
    /// The commit is the toolchain's: the file's path in its `rust-src`.
    Here(PathBuf),
    /// The path is from another rustc: its commit (40 hex digits).
    OtherCommit(String),
}

/// `file` with the first of `rules` whose FROM is a leading part of it
/// (whole path components, as gdb matches) replaced by its TO.
pub fn substitute(file: &str, rules: &[(String, String)]) -> Option<String> {
    rules.iter().find_map(|(from, to)| {
        let from = from.trim_end_matches('/');
        let rest = file.strip_prefix(from)?;
        (from.is_empty() || rest.is_empty() || rest.starts_with('/'))
            .then(|| format!("{}{rest}", to.trim_end_matches('/')))
    })
}

impl SourceFiles {
    /// Looks in `directories` (in order) after the path DWARF gives.
    pub fn new(directories: Vec<PathBuf>) -> SourceFiles {
        SourceFiles {
            directories,
            ..SourceFiles::default()
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

    /// `set substitute-path FROM TO`: a rule that rewrites a leading FROM of
    /// a DWARF path into TO (a rule for the same FROM is replaced); files
    /// are looked for again.
    pub fn set_substitution(&mut self, from: String, to: String) {
        match self.substitutions.iter_mut().find(|(f, _)| *f == from) {
            Some(rule) => rule.1 = to,
            None => self.substitutions.push((from, to)),
        }
        self.cache.clear();
    }

    /// `unset substitute-path [FROM]`: removes FROM's rule, or every rule.
    ///
    /// # Errors
    /// When there is no rule for FROM.
    pub fn unset_substitution(&mut self, from: Option<&str>) -> Result<(), Error> {
        match from {
            None => self.substitutions.clear(),
            Some(from) => {
                let before = self.substitutions.len();
                self.substitutions.retain(|(f, _)| f != from);
                if self.substitutions.len() == before {
                    return Err(not_found!("no substitution rule for {from:?}"));
                }
            }
        }
        self.cache.clear();
        Ok(())
    }

    /// The substitution rules, in order.
    pub fn substitutions(&self) -> &[(String, String)] {
        &self.substitutions
    }

    /// The file DWARF calls `file`: rewritten by the first substitution rule
    /// that matches, the path itself (relative to the current directory
    /// when relative), for the Rust standard library's `/rustc/<commit>/`
    /// paths the installed toolchain's `rust-src` when the commit is its,
    /// then for each directory DIR: DIR/PATH and DIR/BASENAME.
    ///
    /// # Errors
    /// A one-line note naming the file and where it was looked for.
    pub fn find(&mut self, file: &str) -> Result<SourceText, Error> {
        if let Some(found) = self.cache.get(file) {
            return found.clone();
        }
        let found = self.look(file);
        self.cache.insert(file.to_string(), found.clone());
        found
    }

    fn look(&self, file: &str) -> Result<SourceText, Error> {
        let path = Path::new(file);
        let relative = path.strip_prefix("/").unwrap_or(path);
        let mut candidates: Vec<PathBuf> = substitute(file, &self.substitutions)
            .map(PathBuf::from)
            .into_iter()
            .collect();
        candidates.push(path.to_path_buf());
        let rust = if file.starts_with("/rustc/") {
            self.rust.get_or_init(RustToolchain::installed).as_ref()
        } else {
            None
        };
        let mapped = rust.and_then(|t| rustc_source(file, t));
        if let Some(RustcSource::Here(p)) = &mapped {
            candidates.push(p.clone());
        }
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
        let why = match (&mapped, rust) {
            (Some(RustcSource::Here(p)), _) => format!(
                "; the Rust standard library's sources are not installed at {} (`rustup component add rust-src`)",
                p.display()
            ),
            (Some(RustcSource::OtherCommit(commit)), Some(t)) => format!(
                "; it is from rustc {}, and the installed toolchain is {}, so its rust-src does not match",
                &commit[..8],
                &t.commit[..t.commit.len().min(8)]
            ),
            _ => String::new(),
        };
        Err(not_found!(
            "source file {file} not found{why}; `directory DIR` or `set substitute-path FROM TO` adds a place to look"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_paths_map_to_the_matching_toolchains_rust_src() {
        let dir = tempfile::tempdir().unwrap();
        let commit = "59807616e1fa2540724bfbac14d7976d7e4a3860";
        let toolchain = RustToolchain {
            commit: commit.into(),
            src: dir.path().join("lib/rustlib/src/rust"),
        };
        let file = format!("/rustc/{commit}/library/core/src/panicking.rs");
        let want = dir
            .path()
            .join("lib/rustlib/src/rust/library/core/src/panicking.rs");
        assert_eq!(
            rustc_source(&file, &toolchain),
            Some(RustcSource::Here(want.clone()))
        );
        let other = "/rustc/0123456789abcdef0123456789abcdef01234567/library/core/src/lib.rs";
        assert_eq!(
            rustc_source(other, &toolchain),
            Some(RustcSource::OtherCommit(
                "0123456789abcdef0123456789abcdef01234567".into()
            ))
        );
        assert_eq!(rustc_source("/rustc/short/library/x.rs", &toolchain), None);
        assert_eq!(rustc_source("src/main.rs", &toolchain), None);

        // Found through a fake sysroot with the file in it.
        std::fs::create_dir_all(want.parent().unwrap()).unwrap();
        std::fs::write(&want, "line one\nline two\n").unwrap();
        let mut files = SourceFiles::new(Vec::new());
        files.rust.set(Some(toolchain)).unwrap();
        let found = files.find(&file).unwrap();
        assert_eq!(found.path, want);
        assert_eq!(found.lines[1], "line two");
        let e = files.find(other).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::NotFound);
        let e = e.message;
        assert!(
            e.contains("it is from rustc 01234567, and the installed toolchain is 59807616"),
            "{e}"
        );
    }

    #[test]
    fn substitution_rules_match_whole_leading_components() {
        let rules = vec![
            ("/build/src".to_string(), "/home/me/src".to_string()),
            ("wasisdk://v30.0/".to_string(), "/opt/wasi-sdk".to_string()),
        ];
        assert_eq!(
            substitute("/build/src/a.c", &rules).as_deref(),
            Some("/home/me/src/a.c")
        );
        assert_eq!(substitute("/build/srcx/a.c", &rules), None);
        assert_eq!(
            substitute("wasisdk://v30.0/src/wasi-libc/abort.c", &rules).as_deref(),
            Some("/opt/wasi-sdk/src/wasi-libc/abort.c")
        );
        let mut files = SourceFiles::new(Vec::new());
        files.set_substitution("/a".into(), "/b".into());
        files.set_substitution("/a".into(), "/c".into());
        assert_eq!(
            files.substitutions(),
            [("/a".to_string(), "/c".to_string())]
        );
        assert!(files.unset_substitution(Some("/x")).is_err());
        files.unset_substitution(None).unwrap();
        assert!(files.substitutions().is_empty());
    }
}
