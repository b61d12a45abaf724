//! The compiled-code cache: a module's machine code, saved after its first
//! compilation so that the next start on the same module skips Cranelift
//! (on the 21.5 MB flite.wasm: about 1 s of compiling against a few tens of
//! milliseconds of reading).
//!
//! Two files per (module, engine configuration, wasmtime version, wasmdbg
//! version), named by the BLAKE3 key of all four:
//!
//! ```text
//! DIR/KEY.cwasm   exactly what Module::serialize produced
//! DIR/KEY.check   MAGIC (16 bytes) | KEY (32) | length of KEY.cwasm (8, LE)
//!                 | BLAKE3 of KEY and KEY.cwasm (32)
//! ```
//!
//! The code is used only when the check file's magic and key match and the
//! `.cwasm` file has that length and checksum; wasmtime then checks its own
//! header (version, target, engine settings) and refuses anything foreign.
//! Any doubt means compiling again and overwriting both files. The `.cwasm`
//! file is mapped into memory by wasmtime (`Module::deserialize_open_file`),
//! not copied, from the same open file that was checked; files are only
//! ever replaced by renaming, never written in place.
//!
//! The checksum guards against corrupt files (torn writes, disk errors,
//! another program's file under the name), not against someone who can
//! write to the user's cache directory on purpose: such a person can
//! equally replace the `wasmdbg` binary.

use std::hash::Hash;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use wasmtime::component::Component;
use wasmtime::error::Context;
use wasmtime::{Engine, Module};
use wasmtime::{Result, format_err};

/// Compiled code the cache can hold: a core module or a component.
pub trait Artifact: Sized {
    /// Compiles `wasm` (Cranelift).
    fn compile(engine: &Engine, wasm: &[u8]) -> Result<Self>;
    /// wasmtime's serialized machine code.
    fn serialize(&self) -> Result<Vec<u8>>;
    /// Loads code that [`Artifact::serialize`] produced from `file`, whose
    /// contents `mapped` has just been checked.
    fn deserialize(engine: &Engine, file: std::fs::File, mapped: &[u8]) -> Result<Self>;
}

impl Artifact for Module {
    fn compile(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        Module::new(engine, wasm)
    }
    fn serialize(&self) -> Result<Vec<u8>> {
        Module::serialize(self)
    }
    fn deserialize(engine: &Engine, file: std::fs::File, _mapped: &[u8]) -> Result<Self> {
        deserialize_module(engine, file)
    }
}

impl Artifact for Component {
    fn compile(engine: &Engine, wasm: &[u8]) -> Result<Self> {
        Component::new(engine, wasm)
    }
    fn serialize(&self) -> Result<Vec<u8>> {
        Component::serialize(self)
    }
    fn deserialize(engine: &Engine, _file: std::fs::File, mapped: &[u8]) -> Result<Self> {
        deserialize_component(engine, mapped)
    }
}

/// The first bytes of every check file (version 3 of the layout above).
const MAGIC: &[u8; 16] = b"wasmdbg-cache-3\n";
/// The length of a check file.
const CHECK_LEN: usize = MAGIC.len() + 32 + 8 + 32;

/// When the cache directory holds more than this many bytes of `.cwasm`
/// files after a save, the least recently used are removed.
pub const SIZE_LIMIT: u64 = 2 << 30;

/// Where a module's machine code came from, for `info module` and for the
/// note about a refused cache file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CodeSource {
    /// Seconds it took: compiling, or reading, checking and loading the
    /// cache file.
    pub seconds: f64,
    /// The cache file the code was loaded from; `None` when compiled.
    pub loaded_from: Option<PathBuf>,
    /// After compiling with the cache on: the file it was saved to, or why
    /// it could not be saved (a note for `info module`, as `refused` is).
    /// `None` when loaded or when the cache is off.
    pub saved: Option<std::result::Result<PathBuf, String>>,
    /// A cache file that was there but not used, and why.
    pub refused: Option<String>,
}

/// Compiles `wasm` for `engine`, or loads it from the cache in `dir` (when
/// given) and saves it there after compiling.
///
/// # Errors
/// Only compilation errors (an invalid module); every cache problem falls
/// back to compiling and is reported in the [`CodeSource`].
pub fn load_or_compile<A: Artifact>(
    engine: &Engine,
    wasm: &[u8],
    dir: Option<&Path>,
) -> Result<(A, CodeSource)> {
    let start = Instant::now();
    let Some(dir) = dir else {
        let module = A::compile(engine, wasm)?;
        return Ok((module, source(start, None, None, None)));
    };
    let key = key(engine, wasm);
    let path = dir.join(format!("{}.cwasm", hex(&key)));
    let refused = match read(engine, &path, &key) {
        Ok(Some(module)) => {
            // Mark it used, for the size limit's least-recently-used order.
            let _ = std::fs::File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()));
            return Ok((module, source(start, Some(path), None, None)));
        }
        Ok(None) => None,
        Err(e) => Some(format!("{}: {e:#}", path.display())),
    };
    let module = A::compile(engine, wasm)?;
    let saved = save(&module, dir, &path, &key)
        .map(|()| path.clone())
        .map_err(|e| format!("{}: {e:#}", path.display()));
    if saved.is_ok() {
        let _ = trim(dir, SIZE_LIMIT);
    }
    Ok((module, source(start, None, Some(saved), refused)))
}

fn source(
    start: Instant,
    loaded_from: Option<PathBuf>,
    saved: Option<std::result::Result<PathBuf, String>>,
    refused: Option<String>,
) -> CodeSource {
    CodeSource {
        seconds: start.elapsed().as_secs_f64(),
        loaded_from,
        saved,
        refused,
    }
}

/// The cache key: BLAKE3 over the layout version, wasmdbg's and wasmtime's
/// versions, the engine's compilation settings (wasmtime's
/// `precompile_compatibility_hash`) and the module binary.
pub fn key(engine: &Engine, wasm: &[u8]) -> [u8; 32] {
    /// Feeds `Hash` output into BLAKE3.
    struct Feed(blake3::Hasher);
    impl std::hash::Hasher for Feed {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut feed = Feed(blake3::Hasher::new());
    feed.0.update(MAGIC);
    env!("CARGO_PKG_VERSION").hash(&mut feed);
    engine.precompile_compatibility_hash().hash(&mut feed);
    feed.0.update(&(wasm.len() as u64).to_le_bytes());
    update(&mut feed.0, wasm);
    feed.0.finalize().into()
}

/// The check file that goes with the code file `path`.
fn check_path(path: &Path) -> PathBuf {
    path.with_extension("check")
}

/// The module in the cache file at `path`: `Ok(None)` when there is no
/// file, an error when there is one that cannot be used.
fn read<A: Artifact>(engine: &Engine, path: &Path, key: &[u8; 32]) -> Result<Option<A>> {
    let check = match std::fs::read(check_path(path)) {
        Ok(b) => b,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    if check.len() != CHECK_LEN || &check[..MAGIC.len()] != MAGIC {
        return Err(format_err!("not a wasmdbg cache file"));
    }
    let (stored_key, rest) = check[MAGIC.len()..].split_at(32);
    let (stored_len, stored_sum) = rest.split_at(8);
    if stored_key != key {
        return Err(format_err!("it belongs to another module or configuration"));
    }
    let file = std::fs::File::open(path)?;
    let len = u64::from_le_bytes(stored_len.try_into().unwrap_or_default());
    if file.metadata()?.len() != len {
        return Err(format_err!("wrong length (a torn or foreign file)"));
    }
    let mapped = map(&file)?;
    if stored_sum != checksum(key, &mapped) {
        return Err(format_err!("checksum mismatch (corrupt file)"));
    }
    A::deserialize(engine, file, &mapped)
        .map(Some)
        .context("wasmtime refused it")
}

/// BLAKE3 of `key` and `code`.
fn checksum(key: &[u8; 32], code: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(key);
    update(&mut hasher, code);
    hasher.finalize().into()
}

/// Hashes `bytes` on all cores when there are enough of them to be worth
/// starting threads for (blake3 suggests 128 KiB at least).
fn update(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    if bytes.len() >= 1 << 20 {
        hasher.update_rayon(bytes);
    } else {
        hasher.update(bytes);
    }
}

/// `file`'s contents, mapped read-only (no copy, no fresh pages).
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: a mapped file that changes while mapped breaks Rust's rules
    // for the slice. wasmdbg replaces cache files by renaming, never in
    // place, so the open file does not change (see the module comment).
    unsafe { memmap2::Mmap::map(file) }
}

/// Maps machine code that [`Module::serialize`] produced.
#[allow(unsafe_code)]
fn deserialize_module(engine: &Engine, file: std::fs::File) -> Result<Module> {
    // SAFETY: wasmtime requires the exact, unmodified output of
    // `Module::serialize`, and a file that does not change while mapped.
    // `read` passes only the open file whose length and BLAKE3 (with this
    // module's and engine's key) it has just checked against what `save`
    // wrote after the output of `Module::serialize`; wasmdbg replaces cache
    // files by renaming, never in place, so the open file stays as checked.
    // wasmtime itself refuses output of another version or engine
    // configuration with an error.
    unsafe { Module::deserialize_open_file(engine, file) }
}

/// Loads a component from machine code that [`Component::serialize`]
/// produced. wasmtime 48 has no `deserialize_open_file` for components, so
/// the checked bytes are copied into wasmtime's own memory.
#[allow(unsafe_code)]
fn deserialize_component(engine: &Engine, mapped: &[u8]) -> Result<Component> {
    // SAFETY: wasmtime requires the exact, unmodified output of
    // `Component::serialize`. `read` passes only bytes whose length and
    // BLAKE3 (with this component's and engine's key) it has just checked
    // against what `save` wrote after `Component::serialize`; wasmtime
    // copies them, so later changes to the file cannot reach it. wasmtime
    // itself refuses output of another version or engine configuration.
    unsafe { Component::deserialize(engine, mapped) }
}

/// Writes `module`'s machine code to `path` in `dir`, then its check file,
/// each through a temporary file and a rename, so that a reader never sees
/// half a file (and a code file without its check file is not used).
fn save<A: Artifact>(module: &A, dir: &Path, path: &Path, key: &[u8; 32]) -> Result<()> {
    let payload = module.serialize()?;
    std::fs::create_dir_all(dir).context("cannot create the cache directory")?;
    let mut check = Vec::with_capacity(CHECK_LEN);
    check.extend_from_slice(MAGIC);
    check.extend_from_slice(key);
    check.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    check.extend_from_slice(&checksum(key, &payload));
    // The old check file goes first: until the new one is in place, the
    // code file has none.
    match std::fs::remove_file(check_path(path)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    replace(path, &payload)?;
    replace(&check_path(path), &check)?;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Removes the least recently used `.cwasm` files of `dir` until the rest
/// add up to at most `limit` bytes.
fn trim(dir: &Path, limit: u64) -> std::io::Result<()> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            let meta = entry.metadata()?;
            files.push((meta.modified()?, meta.len(), path));
        }
    }
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= limit {
            break;
        }
        let _ = std::fs::remove_file(check_path(&path));
        std::fs::remove_file(path)?;
        total -= len;
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(guest_debug: bool) -> Engine {
        let mut config = wasmtime::Config::new();
        config.guest_debug(guest_debug);
        Engine::new(&config).unwrap()
    }

    /// A file with the right magic, key and checksum whose payload was
    /// compiled by another engine configuration: wasmtime's own check
    /// refuses it, and the module is compiled again and saved over it.
    #[test]
    fn wasmtime_refuses_code_of_another_configuration() {
        let wasm =
            wat::parse_str("(module (func (export \"f\") (result i32) i32.const 7))").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let debug = engine(true);
        let key = key(&debug, &wasm);
        let path = dir.path().join(format!("{}.cwasm", hex(&key)));
        let plain = Module::new(&engine(false), &wasm).unwrap();
        save(&plain, dir.path(), &path, &key).unwrap();

        let refused = read::<Module>(&debug, &path, &key).unwrap_err();
        assert!(
            format!("{refused:#}").starts_with("wasmtime refused it: "),
            "{refused:#}"
        );
        let (_, source) = load_or_compile::<Module>(&debug, &wasm, Some(dir.path())).unwrap();
        assert_eq!(source.loaded_from, None);
        assert_eq!(source.saved, Some(Ok(path.clone())));
        assert!(source.refused.unwrap().contains("wasmtime refused it"));
        let (_, again) = load_or_compile::<Module>(&debug, &wasm, Some(dir.path())).unwrap();
        assert_eq!(again.loaded_from, Some(path));
        assert_eq!(again.refused, None);
    }

    #[test]
    fn keys_differ_by_module_and_configuration() {
        let a = wat::parse_str("(module)").unwrap();
        let b = wat::parse_str("(module (func))").unwrap();
        let debug = engine(true);
        assert_eq!(key(&debug, &a), key(&engine(true), &a));
        assert_ne!(key(&debug, &a), key(&debug, &b));
        assert_ne!(key(&debug, &a), key(&engine(false), &a));
    }

    /// Least recently used files go first, until the rest fit.
    #[test]
    fn trim_removes_the_oldest_files_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now();
        for (name, age) in [("old", 30), ("mid", 20), ("new", 10)] {
            let path = dir.path().join(format!("{name}.cwasm"));
            std::fs::write(&path, [0u8; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(now - std::time::Duration::from_secs(age))
                .unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), [0u8; 1000]).unwrap();
        trim(dir.path(), 250).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["mid.cwasm", "new.cwasm", "other.txt"]);
    }
}
