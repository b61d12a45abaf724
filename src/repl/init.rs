//! Init files: the user's own (`$XDG_CONFIG_HOME/wasmdbg/init`), always
//! run, and `.wasmdbginit` in the current directory, run only when the user
//! allowed that directory (gdb's auto-load safe-path): a checkout of
//! someone else's project must not run commands by being the directory
//! wasmdbg was started in.

use std::path::{Path, PathBuf};

/// The name of the per-directory init file.
pub const LOCAL_INIT: &str = ".wasmdbginit";

/// The user's init file: `$XDG_CONFIG_HOME/wasmdbg/init`, else
/// `$HOME/.config/wasmdbg/init`; `None` without either variable. The file
/// may not exist.
pub fn user_init() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".config"),
    };
    Some(base.join("wasmdbg/init"))
}

/// What to do with `dir`'s `.wasmdbginit`.
#[derive(Debug, PartialEq, Eq)]
pub enum LocalInit {
    /// There is none.
    Absent,
    /// Run this file: its directory is at or below a safe path.
    Run(PathBuf),
    /// Do not run it; the message says why and how to allow it.
    Declined(String),
}

/// Decides about `dir`'s `.wasmdbginit` given the canonical `safe` paths.
pub fn local_init(dir: &Path, safe: &[PathBuf]) -> LocalInit {
    let file = dir.join(LOCAL_INIT);
    if !file.is_file() {
        return LocalInit::Absent;
    }
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if safe.iter().any(|s| canonical.starts_with(s)) {
        return LocalInit::Run(file);
    }
    let user = user_init().map_or("your init file".to_string(), |p| p.display().to_string());
    LocalInit::Declined(format!(
        "warning: not running {}: {} is not a safe path; to allow it, add \
         \"add-auto-load-safe-path {}\" to {user}",
        canonical.join(LOCAL_INIT).display(),
        canonical.display(),
        canonical.display(),
    ))
}
