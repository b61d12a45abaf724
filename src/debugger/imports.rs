//! A core module's imports against what wasmdbg provides (WASI preview 1),
//! checked from the import section alone before anything is compiled, so an
//! import wasmdbg cannot satisfy is reported in milliseconds on a module of
//! any size; and what to do with such imports when the user asks to run the
//! module anyway (`wasmtime run`'s `-W unknown-imports-trap` and
//! `-W unknown-imports-default`).

use crate::error::{Error, malformed, unavailable};
use wasmparser::{Parser, Payload, TypeRef};
use wasmtime::{Linker, Module, Val};

/// What wasmdbg does with a core module's imports it does not provide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownImports {
    /// Refuse to start, naming them (before compiling).
    #[default]
    Refuse,
    /// Define each unknown function import as a function that fails when
    /// called, naming the import (`--trap-unknown-imports`).
    Trap,
    /// Define each unknown function import as a function that returns zeros
    /// (or nulls) (`--default-values-unknown-imports`).
    DefaultValues,
}

impl UnknownImports {
    /// From `--trap-unknown-imports` and `--default-values-unknown-imports`
    /// (the first wins; neither: refuse).
    pub fn from_flags(trap: bool, default_values: bool) -> UnknownImports {
        if trap {
            UnknownImports::Trap
        } else if default_values {
            UnknownImports::DefaultValues
        } else {
            UnknownImports::Refuse
        }
    }
}

/// The functions of `wasi_snapshot_preview1` that wasmtime-wasi 48.0.8's
/// `p1::add_to_linker_async` defines (its `WasiSnapshotPreview1` trait; a
/// unit test checks this list against the linker).
pub(crate) const WASI_P1: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "environ_get",
    "environ_sizes_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_dir_name",
    "fd_prestat_get",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "random_get",
    "sched_yield",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// The WASI module name the functions are imported from.
const WASI_P1_MODULE: &str = "wasi_snapshot_preview1";

/// How many unknown imports the refusal names before "and N more".
const NAMED: usize = 5;

/// Checks a core module's imports from its import section (nothing else of
/// the module is read) against WASI preview 1 and `provided`: each
/// preloaded module's import name and exported names.
///
/// # Errors
/// One line naming the imports wasmdbg does not provide, in full
/// (`` `env::log` (a function) ``), and how to run the module anyway; a
/// malformed import section's error.
pub(crate) fn check_module_imports(
    bytes: &[u8],
    provided: &[(String, Vec<String>)],
) -> Result<(), Error> {
    let mut unknown = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| malformed!("malformed module: {e}"))?;
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| malformed!("malformed module: {e}"))?;
                    let func = matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_));
                    if !provides(provided, import.module, import.name, func) {
                        let kind = match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => "a function",
                            TypeRef::Table(_) => "a table",
                            TypeRef::Memory(_) => "a memory",
                            TypeRef::Global(_) => "a global",
                            TypeRef::Tag(_) => "a tag",
                        };
                        unknown.push(format!("`{}::{}` ({kind})", import.module, import.name));
                    }
                }
                break;
            }
            // The import section comes before these: none means no imports.
            Payload::FunctionSection(_)
            | Payload::TableSection(_)
            | Payload::MemorySection(_)
            | Payload::GlobalSection(_)
            | Payload::ExportSection(_)
            | Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let more = unknown.len().saturating_sub(NAMED);
    let mut named = unknown[..unknown.len().min(NAMED)].join(", ");
    if more > 0 {
        named.push_str(&format!(" and {more} more"));
    }
    Err(unavailable!(
        "the module imports {named}, which wasmdbg does not provide (it provides WASI preview 1, `{WASI_P1_MODULE}`); \
         --trap-unknown-imports or --default-values-unknown-imports run it anyway"
    ))
}

/// Whether wasmdbg links `module::name` (`func`: imported as a function):
/// one of WASI preview 1's functions, or an export of a module preloaded
/// under `module` (`provided`: each preload's import name and export
/// names).
fn provides(provided: &[(String, Vec<String>)], module: &str, name: &str, func: bool) -> bool {
    (func && module == WASI_P1_MODULE && WASI_P1.contains(&name))
        || provided
            .iter()
            .any(|(preload, exports)| preload == module && exports.iter().any(|e| e == name))
}

/// Defines the function imports of `module` that the linker lacks (it has
/// WASI preview 1 and the preloads in `provided`, as for
/// [`check_module_imports`]) as `policy` says: failing when called (the
/// error names the import, as wasmtime's `define_unknown_imports_as_traps`),
/// or returning each result type's default (zero, null). Other unknown
/// imports (memories, tables, globals, tags) are left undefined, so
/// instantiation names them.
pub(crate) fn define_unknown<T: 'static>(
    linker: &mut Linker<T>,
    module: &Module,
    policy: UnknownImports,
    provided: &[(String, Vec<String>)],
) -> wasmtime::Result<()> {
    match policy {
        UnknownImports::Refuse => Ok(()),
        UnknownImports::Trap => linker.define_unknown_imports_as_traps(module),
        UnknownImports::DefaultValues => {
            let unknown: Vec<_> = module
                .imports()
                .filter_map(|i| {
                    let ty = i.ty().func()?.clone();
                    (!provides(provided, i.module(), i.name(), true))
                        .then(|| (i.module().to_string(), i.name().to_string(), ty))
                })
                .collect();
            for (module_name, name, ty) in unknown {
                let results: Vec<Option<Val>> =
                    ty.results().map(|r| Val::default_for_ty(&r)).collect();
                let what = format!("{module_name}::{name}");
                linker.func_new(&module_name, &name, ty, move |_, _, out| {
                    for (slot, value) in out.iter_mut().zip(&results) {
                        *slot = (*value).ok_or_else(|| {
                            wasmtime::format_err!(
                                "unknown import `{what}` has a result type with no default value"
                            )
                        })?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list is what wasmtime-wasi's preview 1 linker defines, no more,
    /// no less.
    #[test]
    fn the_wasi_list_is_what_the_linker_defines() {
        let engine = wasmtime::Engine::default();
        let mut linker: Linker<wasmtime_wasi::p1::WasiP1Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |t| t).unwrap();
        let ctx = wasmtime_wasi::WasiCtxBuilder::new().build_p1();
        let mut store = wasmtime::Store::new(&engine, ctx);
        let mut defined: Vec<String> = linker
            .iter(&mut store)
            .map(|(module, name, _)| {
                assert_eq!(module, WASI_P1_MODULE);
                name.to_string()
            })
            .collect();
        defined.sort();
        assert_eq!(defined, WASI_P1);
    }

    fn check_module_imports_t(bytes: &[u8]) -> Result<(), Error> {
        check_module_imports(bytes, &[])
    }

    #[test]
    fn unknown_imports_are_named_in_full_and_counted() {
        let module = |imports: &str| wat::parse_str(format!("(module {imports})")).unwrap();
        assert_eq!(
            check_module_imports_t(&module(
                r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#
            )),
            Ok(())
        );
        let many: String = (0..7)
            .map(|i| format!(r#"(import "env" "f{i}" (func))"#))
            .collect();
        let e = check_module_imports_t(&module(&format!(
            r#"(import "env" "memory" (memory 1)) {many}"#
        )))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the module imports `env::memory` (a memory), `env::f0` (a function), `env::f1` (a function), `env::f2` (a function), `env::f3` (a function) and 3 more, which wasmdbg does not provide (it provides WASI preview 1, `wasi_snapshot_preview1`); --trap-unknown-imports or --default-values-unknown-imports run it anyway"
        );
        // A WASI name imported as something else is not WASI's.
        assert!(
            check_module_imports_t(&module(
                r#"(import "wasi_snapshot_preview1" "fd_write" (global i32))"#
            ))
            .is_err()
        );
    }
}
