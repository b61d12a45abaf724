//! The compiled-code cache: a second start loads what the first compiled,
//! and a corrupt, foreign or truncated cache file, or a cache directory that
//! cannot be written, means compiling again with a note.

use std::path::{Path, PathBuf};

use crate::harness::{root, run_with_home};

/// `run --instrumented --batch -ex 'info module' -ex bt [EXTRA]
/// wat/divide.wat` with HOME set to `home`: the module traps, so the
/// transcript also shows that the loaded code behaves as the compiled code
/// did. (Instrumented: one compile, the session's; a run on plain code
/// caches its plain code and, when it fails, the replay's code too.)
fn start(home: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        "--instrumented",
        "--batch",
        "-ex",
        "info module",
        "-ex",
        "bt",
    ];
    args.extend_from_slice(extra);
    args.push("wat/divide.wat");
    run_with_home(home, &root(), &args)
}

/// The files in `home`'s cache directory: a `.check` and a `.cwasm` per
/// module and configuration.
fn cache_files(home: &Path) -> Vec<PathBuf> {
    let dir = home.join(".cache/wasmdbg");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Only the lines about code and the cache, and the frames.
fn code_lines(text: &str) -> String {
    text.lines()
        .filter(|l| {
            l.starts_with("code:")
                || l.starts_with("note:")
                || l.contains("cache file not used")
                || l.starts_with('#')
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn second_start_loads_the_compiled_code() {
    let home = tempfile::tempdir().unwrap();
    let first = start(home.path(), &[]);
    let files = cache_files(home.path());
    let names: Vec<_> = files
        .iter()
        .map(|f| f.extension().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names, ["check", "cwasm"], "{files:?}");
    let second = start(home.path(), &[]);
    insta::assert_snapshot!(format!("{first}\n{second}"));
    // Apart from where the code came from, the two sessions are the same.
    let without_code = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("code:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_code(&first), without_code(&second));
    assert!(
        second.contains("code:       loaded from the cache"),
        "{second}"
    );
    assert_eq!(cache_files(home.path()), files);
}

#[test]
fn corrupt_cache_file_is_compiled_again_and_replaced() {
    let home = tempfile::tempdir().unwrap();
    start(home.path(), &[]);
    let file = cache_files(home.path()).remove(1);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();

    let corrupt = start(home.path(), &[]);
    let after = start(home.path(), &[]);
    insta::assert_snapshot!(format!("{}\n{}", code_lines(&corrupt), code_lines(&after)));
    assert!(corrupt.contains("checksum mismatch"), "{corrupt}");
    assert!(after.contains("loaded from the cache"), "{after}");
}

#[test]
fn truncated_and_foreign_cache_files_are_not_used() {
    let home = tempfile::tempdir().unwrap();
    start(home.path(), &[]);
    let [check, code] = <[PathBuf; 2]>::try_from(cache_files(home.path())).unwrap();

    // Half a code file, as a torn write would leave it.
    let bytes = std::fs::read(&code).unwrap();
    std::fs::write(&code, &bytes[..bytes.len() / 2]).unwrap();
    let truncated = code_lines(&start(home.path(), &[]));

    // The files of the same module compiled without epoch interruption
    // (another engine configuration) under this configuration's names:
    // first both, then only the code.
    start(home.path(), &["--no-interrupts"]);
    let other = |ext: &str| {
        cache_files(home.path())
            .into_iter()
            .find(|f| *f != check && *f != code && f.extension().unwrap() == ext)
            .expect("the other configuration's file")
    };
    std::fs::copy(other("check"), &check).unwrap();
    std::fs::copy(other("cwasm"), &code).unwrap();
    let foreign = code_lines(&start(home.path(), &[]));
    std::fs::copy(other("cwasm"), &code).unwrap();
    let foreign_code = code_lines(&start(home.path(), &[]));

    // A check file that is not one.
    std::fs::write(&check, vec![0u8; 88]).unwrap();
    let zeros = code_lines(&start(home.path(), &[]));
    insta::assert_snapshot!(format!("{truncated}\n{foreign}\n{foreign_code}\n{zeros}"));
    let after = start(home.path(), &[]);
    assert!(after.contains("loaded from the cache"), "{after}");
}

#[test]
fn no_cache_and_an_unwritable_cache_dir() {
    let home = tempfile::tempdir().unwrap();
    let off = code_lines(&start(home.path(), &["--no-cache"]));
    assert!(cache_files(home.path()).is_empty());
    // A cache directory below a regular file cannot be created.
    let blocker = home.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let dir = blocker.join("cache");
    let unwritable = code_lines(&start(home.path(), &["--cache-dir", dir.to_str().unwrap()]));
    insta::assert_snapshot!(format!("{off}\n{unwritable}"));
}
