//! Owned views of the program's static facts (`info modules`, `info
//! functions`, `info imports`, `info exports`, `info sections`), served
//! whether the program is paused or not, so that no front end needs the
//! module's binary.

use super::protocol::{ExportView, FunctionView, ModuleRef, ModuleView, Request, Response};
use crate::wasm::ExportKind;
use crate::wasm::program::{CoreModuleId, Program};

/// Serves the facts requests; hands any other request back.
pub(crate) fn serve(program: &Program, request: Request) -> Result<Response, Request> {
    Ok(match request {
        Request::Modules => Response::Modules {
            component: program.kind == crate::wasm::program::ProgramKind::Component,
            modules: modules(program),
        },
        Request::Functions { module, filter } => {
            match resolve(program, &module).and_then(|m| functions(program, m, filter.as_deref())) {
                Ok(list) => Response::Functions(list),
                Err(e) => Response::invalid(e),
            }
        }
        Request::Imports { module } => match resolve(program, &module) {
            Ok(m) => Response::Imports(program.info(m).imports().to_vec()),
            Err(e) => Response::invalid(e),
        },
        Request::Exports { module } => match resolve(program, &module) {
            Ok(m) => Response::Exports(exports(program, m)),
            Err(e) => Response::invalid(e),
        },
        Request::Sections { module } => match resolve(program, &module) {
            Ok(m) => Response::Sections(program.info(m).sections().to_vec()),
            Err(e) => Response::invalid(e),
        },
        other => return Err(other),
    })
}

/// The core module a request names.
///
/// # Errors
/// An id the program does not have, or a name or index it does not know
/// (listing the modules).
pub(crate) fn resolve(program: &Program, module: &ModuleRef) -> Result<CoreModuleId, String> {
    match module {
        ModuleRef::Id(id) if program.get(*id).is_some() => Ok(*id),
        ModuleRef::Id(id) => program.find(&id.to_string()),
        ModuleRef::Name(text) => program.find(text),
    }
}

fn modules(program: &Program) -> Vec<ModuleView> {
    program
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| ModuleView {
            id: i as CoreModuleId,
            name: m.name.clone(),
            bytes: m.info.bytes().len(),
            functions: m.info.num_funcs(),
            imported_functions: m.info.num_imported_funcs(),
            dwarf: m
                .info
                .sections()
                .iter()
                .any(|s| s.name.starts_with("custom \".debug_")),
        })
        .collect()
}

fn functions(
    program: &Program,
    module: CoreModuleId,
    filter: Option<&str>,
) -> Result<Vec<FunctionView>, String> {
    let filter = filter
        .map(|pattern| regex::Regex::new(pattern).map_err(|e| regex_error(pattern, &e)))
        .transpose()?;
    let info = program.info(module);
    let names = |tys: &[wasmparser::ValType]| tys.iter().map(|t| t.to_string()).collect();
    Ok((0..info.num_funcs())
        .filter_map(|index| {
            let f = info.func(index)?;
            let name = info.func_name(index);
            if let Some(re) = &filter
                && !re.is_match(name.as_deref().unwrap_or(""))
            {
                return None;
            }
            Some(FunctionView {
                index,
                name,
                import: f.import.clone(),
                params: names(&f.params),
                results: names(&f.results),
                code_bytes: f.body.as_ref().map(|b| b.len()),
            })
        })
        .collect())
}

fn exports(program: &Program, module: CoreModuleId) -> Vec<ExportView> {
    let info = program.info(module);
    info.exports()
        .iter()
        .map(|(name, kind, index)| ExportView {
            name: name.clone(),
            kind: *kind,
            index: *index,
            func_name: match kind {
                ExportKind::Func => info.func_name(*index),
                _ => None,
            },
        })
        .collect()
}

/// regex's multi-line message as one line.
fn regex_error(pattern: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let why = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or("invalid");
    format!("bad regular expression {pattern:?}: {why}")
}
