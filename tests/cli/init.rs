//! Init files: the user's runs first; a `.wasmdbginit` in the current
//! directory runs only below a directory the user's init file allowed with
//! `add-auto-load-safe-path`; `--nx` runs neither.

use std::path::Path;

use crate::harness::{root, run_with_home};

/// A HOME with a project directory `work` holding divide.wat and a
/// `.wasmdbginit`; the user's init file has `user_init` when given.
fn setup(user_init: Option<&str>) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::copy(root().join("wat/divide.wat"), work.join("divide.wat")).unwrap();
    std::fs::write(work.join(".wasmdbginit"), "# the project's init\nbt 1\n").unwrap();
    if let Some(text) = user_init {
        let config = home.path().join(".config/wasmdbg");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("init"), text).unwrap();
    }
    home
}

fn start(home: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", "--batch", "-ex", "info breakpoints"];
    args.extend_from_slice(extra);
    args.push("divide.wat");
    run_with_home(home, &home.join("work"), &args)
}

#[test]
fn directory_init_runs_only_where_allowed() {
    let untrusted = setup(None);
    let declined = start(untrusted.path(), &[]);
    // `~` is HOME, as in gdb.
    let allowed_home = setup(Some("add-auto-load-safe-path ~/work\n"));
    let tilde = start(allowed_home.path(), &[]);
    let elsewhere = setup(Some("add-auto-load-safe-path /nonexistent/dir\n"));
    let missing = start(elsewhere.path(), &[]);
    let home = setup(None);
    std::fs::create_dir_all(home.path().join(".config/wasmdbg")).unwrap();
    std::fs::write(
        home.path().join(".config/wasmdbg/init"),
        format!(
            "add-auto-load-safe-path {}\nbreak compute\n",
            home.path().display()
        ),
    )
    .unwrap();
    let allowed = start(home.path(), &[]);
    let nx = start(home.path(), &["--nx"]);
    insta::assert_snapshot!(format!("{declined}\n{tilde}\n{missing}\n{allowed}\n{nx}"));
}
