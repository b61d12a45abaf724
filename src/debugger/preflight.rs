//! What a run is refused for from the options and the program's own
//! sections, before anything is compiled: the same checks, in the same
//! words, whether the program then runs under the debugger (`Loaded::load`)
//! or on plain code while recording (`wasmdbg run`'s fast path, `record`).

use super::config::RunConfig;
use super::imports::UnknownImports;
use crate::error::{Error, invalid, io_error};
use crate::program::ProgramKind;

/// Whether `bytes` (the program `config` names) is a core module or a
/// component, after the refusals that need nothing compiled: `serve` of a
/// core module, a component importing what wasmdbg does not provide
/// (unless `--trap-unknown-imports`), options that are for core modules
/// only (`--default-values-unknown-imports`, `--preload`, `--dwp`), a
/// `--dwp` that cannot be opened.
///
/// # Errors
/// One line naming the refused option or import.
pub(crate) fn program_kind(config: &RunConfig, bytes: &[u8]) -> Result<ProgramKind, Error> {
    let is_component = crate::program::is_component(bytes);
    if config.serve.is_some() && !is_component {
        return Err(invalid!(
            "{} is a core module; `wasmdbg serve` serves a wasi:http/proxy component",
            config.module.display()
        ));
    }
    if !is_component {
        // A package that was asked for but cannot be read (a session reads
        // it in full later; a run on plain code does not need it).
        if let Some(path) = &config.dwp
            && let Err(e) = std::fs::File::open(path)
        {
            return Err(io_error!("cannot read --dwp {}: {e}", path.display()));
        }
        // No `_start` and no `--invoke`, an `--invoke` of a missing export,
        // or arguments that do not fit it: from the export section, not
        // after a compile (ruby's 49 MB module compiled for 47 s before
        // saying it has no `_start`). A module that does not parse is
        // refused as before, by the full reading.
        if let Ok(exports) = crate::program::ExportedFuncs::parse(bytes) {
            super::entry::entry_point(&exports, config)?;
        }
        return Ok(ProgramKind::Module);
    }
    // Imports wasmdbg cannot provide are refused before anything is
    // compiled.
    match config.unknown_imports {
        UnknownImports::Refuse => {
            // `serve`, and the replay of a request it recorded, link
            // wasi:http.
            let http = config.serve.is_some()
                || config
                    .replay
                    .as_ref()
                    .is_some_and(|r| r.trace.request.is_some());
            super::component::check_imports(bytes, http)?
        }
        UnknownImports::Trap => {}
        UnknownImports::DefaultValues => {
            return Err(invalid!(
                "--default-values-unknown-imports is for core modules (wasmtime has default values for a core module's imports only); --trap-unknown-imports works for components"
            ));
        }
    }
    if !config.preloads.is_empty() {
        return Err(invalid!(
            "--preload is for core modules; a component links its own"
        ));
    }
    if config.dwp.is_some() {
        return Err(invalid!(
            "--dwp is for a core module built with split DWARF; a component's core modules carry their own DWARF"
        ));
    }
    Ok(ProgramKind::Component)
}
