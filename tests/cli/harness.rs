//! Runs the real binary hermetically and renders what it did as one block of
//! text: stdout, stderr (when not empty) and the exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the tests set `RUSTC` to: a command that does not exist, so no
/// session finds a Rust toolchain (and its `rust-src`) on the machine that
/// runs the tests; `/rustc/<commit>/` paths read the same everywhere.
/// tests/cli/dwarf.rs gives one test a toolchain of its own.
pub const NO_RUSTC: &str = "wasmdbg-tests-have-no-rustc";

/// The project root; tests run from there so paths in transcripts are short.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `wasmdbg ARGS` in `dir` with a cleared environment (NO_COLOR=1, a
/// temporary HOME, so an empty compiled-code cache; RUSTC=[`NO_RUSTC`]),
/// no stdin, and returns the transcript.
pub fn run_in(dir: &Path, args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("temp HOME");
    run_with_home(home.path(), dir, args)
}

/// Like [`run_in`] with HOME set to `home` (so runs can share a cache). In
/// the transcript `home` reads `$HOME`, a cache key (64 hex digits) `KEY`
/// and a time "in 0.12 s" "in T s".
pub fn run_with_home(home: &Path, dir: &Path, args: &[&str]) -> String {
    run_with_env(home, dir, args, &[("RUSTC", NO_RUSTC.as_ref())])
}

/// Like [`run_with_home`] with the variables `env` set (after the defaults,
/// so they can replace RUSTC).
pub fn run_with_env(
    home: &Path,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUSTC", NO_RUSTC)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run wasmdbg");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&stderr);
    }
    let code = output
        .status
        .code()
        .map_or("killed by a signal".to_string(), |c| c.to_string());
    text.push_str(&format!("[exit status: {code}]\n"));
    let text = text.replace(&home.display().to_string(), "$HOME");
    let text = regex::Regex::new("[0-9a-f]{64}")
        .unwrap()
        .replace_all(&text, "KEY");
    regex::Regex::new(r"in [0-9]+\.[0-9]+ s\b")
        .unwrap()
        .replace_all(&text, "in T s")
        .into_owned()
}

/// Runs `wasmdbg ARGS` from the project root.
pub fn run(args: &[&str]) -> String {
    run_in(&root(), args)
}

/// `run --batch -ex C1 -ex C2 ... EXTRA... MODULE MODULE_ARGS...`
pub fn batch(module: &str, extra: &[&str], commands: &[&str], module_args: &[&str]) -> String {
    let mut args = vec!["run", "--batch"];
    for c in commands {
        args.push("-ex");
        args.push(c);
    }
    args.extend_from_slice(extra);
    args.push(module);
    args.extend_from_slice(module_args);
    run(&args)
}

/// `core --batch -ex C1 -ex C2 ... EXTRA... MODULE COREFILE`.
pub fn core_batch(module: &str, core: &str, extra: &[&str], commands: &[&str]) -> String {
    let mut args = vec!["core", "--batch"];
    for c in commands {
        args.push("-ex");
        args.push(c);
    }
    args.extend_from_slice(extra);
    args.push(module);
    args.push(core);
    run(&args)
}
