//! Owned views of the program's static facts (`info modules`, `info
//! functions/imports/exports/sections/memory/tables/module`, `x/i`), served
//! whether the program is paused or not, so that no front end needs the
//! module's binary.

use super::protocol::{ExportView, FactsRequest, FunctionView, ModuleRef, ModuleView, Response};
use crate::error::{Error, invalid, not_found, unavailable};
use crate::program::ExportKind;
use crate::program::{CoreModuleId, Program};

/// Answers a facts request from the program model (`code`: where the
/// machine code came from, for `info module`; `None` for a core dump).
pub(crate) fn serve(
    program: &Program,
    code: Option<&super::protocol::CodeSource>,
    request: FactsRequest,
) -> Response {
    // The module a request names, resolved, or its one-line error.
    let with = |module: &ModuleRef, answer: &dyn Fn(CoreModuleId) -> Result<Response, Error>| {
        resolve(program, module)
            .and_then(answer)
            .unwrap_or_else(Response::Error)
    };
    match request {
        FactsRequest::Modules => Response::Modules {
            component: program.kind == crate::program::ProgramKind::Component,
            modules: modules(program),
        },
        FactsRequest::Functions { module, filter } => with(&module, &|m| {
            functions(program, m, filter.as_deref()).map(Response::Functions)
        }),
        FactsRequest::Imports { module } => with(&module, &|m| {
            Ok(Response::Imports(program.info(m).imports().to_vec()))
        }),
        FactsRequest::Exports { module } => {
            with(&module, &|m| Ok(Response::Exports(exports(program, m))))
        }
        FactsRequest::Sections { module } => with(&module, &|m| {
            Ok(Response::Sections(program.info(m).sections().to_vec()))
        }),
        FactsRequest::Memories { module } => with(&module, &|m| {
            Ok(Response::Memories(program.info(m).memories().to_vec()))
        }),
        FactsRequest::Tables { module } => with(&module, &|m| {
            Ok(Response::Tables(program.info(m).tables().to_vec()))
        }),
        FactsRequest::ModuleSummary { module } => with(&module, &|m| {
            Ok(Response::ModuleSummary(summary(program, m, code)))
        }),
        FactsRequest::SourceFiles { module } => with(&module, &|m| {
            let debug = program
                .info(m)
                .debug_info()
                .ok_or_else(|| unavailable!("the module has no DWARF line information"))?;
            let mut files = debug.files();
            files.sort();
            Ok(Response::SourceFiles(files))
        }),
        FactsRequest::Instructions {
            module,
            offset,
            count,
        } => with(&module, &|m| {
            instructions(program, m, offset, count).map(Response::Instructions)
        }),
        FactsRequest::SourceLocation { module, location } => {
            source_location(program, &module, &location)
                .map(Response::SourceLocation)
                .unwrap_or_else(Response::Error)
        }
        FactsRequest::LineInfo { module, at } => line_info(program, &module, at)
            .map(Response::LineInfo)
            .unwrap_or_else(Response::Error),
    }
}

/// The core module a request names.
///
/// # Errors
/// An id the program does not have, or a name or index it does not know
/// (listing the modules).
pub(crate) fn resolve(program: &Program, module: &ModuleRef) -> Result<CoreModuleId, Error> {
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
            id: CoreModuleId(i as u32),
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
) -> Result<Vec<FunctionView>, Error> {
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
fn regex_error(pattern: &str, e: &regex::Error) -> Error {
    let text = e.to_string();
    let why = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or("invalid");
    invalid!("bad regular expression {pattern:?}: {why}")
}

/// `info module`'s numbers for core module `module`.
fn summary(
    program: &Program,
    module: CoreModuleId,
    code: Option<&super::protocol::CodeSource>,
) -> super::protocol::ModuleSummary {
    use super::protocol::DebugSummary;
    let info = program.info(module);
    let imported = |k: ExportKind| info.imports().iter().filter(|i| i.kind == k).count();
    let debug = match (info.debug_info(), info.debug_error()) {
        (Some(d), _) => DebugSummary::Dwarf(d.summary()),
        (None, Some(e)) => DebugSummary::Unreadable(e.to_string()),
        (None, None) => DebugSummary::None,
    };
    super::protocol::ModuleSummary {
        id: module,
        program_name: program.is_multi().then(|| program.name(module).to_string()),
        bytes: info.bytes().len(),
        name: info.module_name().map(str::to_string),
        functions: (info.num_funcs(), info.num_imported_funcs()),
        tables: (info.tables().len(), imported(ExportKind::Table)),
        memories: (info.memories().len(), imported(ExportKind::Memory)),
        globals: (info.globals().len(), imported(ExportKind::Global)),
        exports: info.exports().len(),
        name_section: info.sections().iter().any(|s| s.name == "custom \"name\""),
        debug,
        code: code.cloned(),
    }
}

/// `count` instructions from `offset` in the function containing it.
fn instructions(
    program: &Program,
    module: CoreModuleId,
    offset: usize,
    count: u32,
) -> Result<Vec<(usize, String)>, Error> {
    let info = program.info(module);
    let func = info
        .func_containing(offset)
        .ok_or_else(|| not_found!("0x{offset:x} is not in the code of any function"))?;
    let offsets = info.instruction_offsets(func);
    let start = offsets.partition_point(|&o| o < offset);
    Ok(offsets
        .iter()
        .skip(start)
        .take(count as usize)
        .map(|&o| {
            (
                o,
                info.instruction_text(o)
                    .unwrap_or("<cannot print>")
                    .to_string(),
            )
        })
        .collect())
}

/// [`FactsRequest::SourceLocation`].
fn source_location(
    program: &Program,
    module: &ModuleRef,
    location: &str,
) -> Result<crate::program::dwarf::SourceLoc, Error> {
    use crate::program::dwarf::SourceLoc;
    let (module, loc, qualified) = match crate::program::split_qualifier(location) {
        Some((m, rest)) => (program.find(m)?, rest, true),
        None => (resolve(program, module)?, location.trim(), false),
    };
    let info = program.info(module);
    if let Some((file, line)) = loc.rsplit_once(':')
        && let Ok(line) = line.parse::<u32>()
    {
        // The file as the line tables name it, when they do.
        let file = info
            .debug_info()
            .and_then(|d| d.line_pcs(file, 1).ok())
            .map(|m| m.file)
            .unwrap_or_else(|| file.to_string());
        return Ok(SourceLoc {
            file,
            line,
            column: None,
        });
    }
    let (module, resolved) = if qualified {
        (module, super::breakpoints::resolve(info, loc)?)
    } else {
        super::breakpoints::resolve_in(program, loc)?
    };
    resolved
        .source
        .or_else(|| {
            program
                .info(module)
                .debug_info()
                .and_then(|d| d.location(resolved.pc))
        })
        .ok_or_else(|| not_found!("no line information for {loc}"))
}

/// [`FactsRequest::LineInfo`].
fn line_info(
    program: &Program,
    module: &ModuleRef,
    at: super::protocol::LineAt,
) -> Result<super::protocol::LineInfo, Error> {
    use super::protocol::LineAt;
    let (module, note, places) = match at {
        LineAt::Location(loc) => {
            let (m, r) = super::breakpoints::resolve_in(program, &loc)?;
            let mut places = vec![r.pc];
            places.extend(r.more);
            (m, r.note, places)
        }
        LineAt::Offset(pc) => (resolve(program, module)?, None, vec![pc]),
    };
    let debug = program
        .info(module)
        .debug_info()
        .ok_or_else(|| unavailable!("the module has no DWARF line information"))?;
    let pc = places[0];
    Ok(super::protocol::LineInfo {
        note,
        line: debug.location(pc),
        row_start: debug.row_at(pc).map(|r| r.pc),
        places,
    })
}

/// What `info globals` shows of global `index` of a module whose facts are
/// `info`, with its current `value`: its name (name section, else export),
/// type, mutability and import.
pub(crate) fn global_info(
    info: &crate::program::ModuleInfo,
    index: u32,
    value: super::protocol::Value,
) -> super::protocol::GlobalInfo {
    let decl = info.globals().get(index as usize);
    super::protocol::GlobalInfo {
        index,
        name: info.global_name(index).map(str::to_string).or_else(|| {
            info.exports()
                .iter()
                .find(|(_, k, j)| *k == ExportKind::Global && *j == index)
                .map(|(n, _, _)| n.clone())
        }),
        ty: decl.map_or_else(|| value.type_name().to_string(), |d| d.ty.clone()),
        mutable: decl.is_some_and(|d| d.mutable),
        import: decl.and_then(|d| d.import.clone()),
        value,
    }
}
