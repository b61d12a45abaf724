//! Components: checking a component's imports before compiling, finding its
//! compiled core modules, and running it — as a `wasi:cli/command` (its
//! `wasi:cli/run` export) or by calling an exported function with WAVE
//! arguments (`--invoke`).

use crate::error::{Error, ErrorKind, invalid, malformed, not_found, unavailable};
use wasmtime::component::{Component, Func, Linker, Val};
use wasmtime::{Engine, Module, Result, Store, format_err};
use wasmtime_wasi::p2::bindings::CommandPre;

use super::config::RunConfig;
use super::entry::exports_listing;
use super::host::one_line;
use super::protocol::Outcome;
use super::state::Host;
use crate::program::{CoreModuleId, Program};

/// The WASI 0.2 interfaces wasmtime-wasi 48's `p2::add_to_linker_async`
/// provides (`wasmtime-wasi/src/p2/mod.rs`), as `package/interface`; any
/// 0.2.x version of them links (wasmtime matches semver-compatible
/// versions).
const WASI_P2: &[&str] = &[
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:cli/exit",
    "wasi:cli/environment",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:sockets/tcp",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/instance-network",
    "wasi:sockets/network",
    "wasi:sockets/ip-name-lookup",
];

/// Refuses a component that imports anything but WASI 0.2 interfaces (and,
/// when `http`, `wasi:http`'s types and outgoing handler, as `wasmdbg
/// serve` provides them), naming the first such import by its full WIT
/// name; reads only the top-level import section (nothing is compiled).
///
/// # Errors
/// The unsupported import, or a malformed binary.
pub(crate) fn check_imports(bytes: &[u8], http: bool) -> Result<(), Error> {
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| malformed!("malformed component: {e}"))?;
        match payload {
            wasmparser::Payload::Version { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(|e| malformed!("malformed component: {e}"))?;
                    let name = import.name.name;
                    // Type imports (a world's own records and resources)
                    // need no host; instances and functions do.
                    if matches!(import.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        continue;
                    }
                    if !(is_wasi_p2(name) || http && is_wasi_http(name)) {
                        let provided = if http {
                            "the WASI 0.2 interfaces of wasi:cli/command and wasi:http/proxy"
                        } else {
                            "the WASI 0.2 interfaces of wasi:cli/command"
                        };
                        return Err(unavailable!(
                            "the component imports {name}, which wasmdbg does not provide \
                             (it provides {provided})"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `name` (`wasi:cli/stdout@0.2.6`) is one of [`WASI_P2`] at a
/// 0.2.x version.
fn is_wasi_p2(name: &str) -> bool {
    let (interface, version) = name.split_once('@').unwrap_or((name, ""));
    WASI_P2.contains(&interface) && version.starts_with("0.2.")
}

/// Whether `name` is `wasi:http/types` or `wasi:http/outgoing-handler` at a
/// 0.2.x version (what wasmtime-wasi-http 48's `add_only_http_to_linker_async`
/// provides).
fn is_wasi_http(name: &str) -> bool {
    let (interface, version) = name.split_once('@').unwrap_or((name, ""));
    matches!(interface, "wasi:http/types" | "wasi:http/outgoing-handler")
        && version.starts_with("0.2.")
}

/// The component's compiled core modules in `program`'s order, matched by
/// their bytes (wasmtime keeps each one's original binary with guest
/// debugging on), and a store that never runs with the component
/// registered (where breakpoints are tried to learn where the engine
/// slips them).
///
/// # Errors
/// When wasmtime's modules and the binary's do not match up (a wasmdbg
/// bug, reported rather than guessed around).
pub(crate) fn core_modules(
    engine: &Engine,
    component: &Component,
    program: &Program,
) -> Result<(Vec<Module>, Store<()>)> {
    let mut probe = Store::new(engine, ());
    probe.debug_register_component(component)?;
    let compiled = probe.debug_all_modules();
    let modules = program
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            compiled
                .iter()
                .find(|c| c.debug_bytecode() == Some(m.info.bytes()))
                .cloned()
                .ok_or_else(|| {
                    format_err!(
                        "core module {i} ({}) of the component was not compiled by wasmtime",
                        m.name
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((modules, probe))
}

/// What running the component does.
pub(crate) enum ComponentEntry {
    /// Call `wasi:cli/run.run` (a command).
    Run(Box<CommandPre<Host>>),
    /// Call an exported function.
    Invoke {
        /// The export's name as given.
        name: String,
        /// The call as WAVE text, for messages.
        call: String,
        /// The arguments, typed.
        args: Vec<Val>,
    },
}

/// The first core module's function whose export name is `wanted`, as
/// wit-component names the core exports behind a component's functions
/// (`wasi:cli/run@0.2.0#run`, `wasi:http/incoming-handler@0.2.0#handle`).
pub(crate) fn core_export(
    program: &Program,
    wanted: impl Fn(&str) -> bool,
) -> Option<(CoreModuleId, u32)> {
    for (m, module) in program.modules.iter().enumerate() {
        for (export, kind, index) in module.info.exports() {
            if *kind == crate::program::ExportKind::Func && wanted(export) {
                return Some((CoreModuleId(m as u32), *index));
            }
        }
    }
    None
}

/// How a component's WASI imports are linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Linking {
    /// wasmtime-wasi's implementation.
    Live,
    /// wasmtime-wasi's implementation, every call recorded
    /// ([`crate::debugger::record::p2`]).
    Record,
    /// Every call answered from the store's trace.
    Replay,
}

/// A compiled, linked component and how to start it.
pub(crate) struct ComponentRunner {
    component: Component,
    pre: wasmtime::component::InstancePre<Host>,
    entry: ComponentEntry,
}

impl ComponentRunner {
    /// Links `component` with WASI 0.2 (`linking` says how) and chooses its entry: `--invoke`'s
    /// function with its WAVE arguments, else `wasi:cli/run`.
    ///
    /// # Errors
    /// A missing import, no `wasi:cli/run` and no `--invoke` (the message
    /// lists the exported functions), an unknown function, arguments that
    /// do not parse as the function's parameter types.
    pub(crate) fn new(
        engine: &Engine,
        component: Component,
        config: &RunConfig,
        linking: Linking,
    ) -> std::result::Result<ComponentRunner, Error> {
        let internal = |e: wasmtime::Error| Error::new(ErrorKind::Internal, one_line(&e));
        let mut linker: Linker<Host> = Linker::new(engine);
        match linking {
            Linking::Live => wasmtime_wasi::p2::add_to_linker_async(&mut linker),
            Linking::Record => crate::debugger::record::p2::add_recording(&mut linker),
            Linking::Replay => crate::debugger::record::p2::add_replaying(&mut linker),
        }
        .map_err(internal)?;
        if config.unknown_imports == super::imports::UnknownImports::Trap {
            linker
                .define_unknown_imports_as_traps(&component)
                .map_err(internal)?;
        }
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| unavailable!("{}", one_line(&e)))?;
        let entry = match &config.invoke {
            Some((name, values)) => invoke_entry(engine, &component, name, values)?,
            None => match CommandPre::new(pre.clone()) {
                Ok(command) => ComponentEntry::Run(Box::new(command)),
                Err(_) => {
                    let listing = exports_listing(&exported_funcs(engine, &component));
                    return Err(not_found!(
                        "the component is not a command (it does not export wasi:cli/run); \
                         use --invoke 'NAME(ARGS)'; {listing}"
                    ));
                }
            },
        };
        Ok(ComponentRunner {
            component,
            pre,
            entry,
        })
    }

    /// The compiled component.
    pub(crate) fn component(&self) -> &Component {
        &self.component
    }

    /// The entry as users name it.
    pub(crate) fn entry_name(&self) -> String {
        match &self.entry {
            ComponentEntry::Run(_) => "wasi:cli/run".to_string(),
            ComponentEntry::Invoke { name, .. } => name.clone(),
        }
    }

    /// The core function the entry's lifting calls: the core export named
    /// as wit-component names it (`wasi:cli/run@0.2.0#run`, `add`,
    /// `my:pkg/iface#func`), found in whichever core module exports it.
    ///
    /// # Errors
    /// When no core module exports such a function.
    pub(crate) fn entry_core_func(
        &self,
        program: &Program,
    ) -> std::result::Result<(CoreModuleId, u32), Error> {
        let wanted = |export: &str| match &self.entry {
            ComponentEntry::Run(_) => {
                export.starts_with("wasi:cli/run@0.2.") && export.ends_with("#run")
            }
            ComponentEntry::Invoke { name, .. } => export == name,
        };
        core_export(program, wanted).ok_or_else(|| {
            unavailable!(
                "cannot stop on entry: no core module exports the function behind {}",
                self.entry_name()
            )
        })
    }

    /// Instantiates the component and calls its entry.
    ///
    /// # Errors
    /// What instantiation or the call returned (traps, exits, host errors),
    /// for the caller to classify; an error while instantiating is wrapped
    /// in [`Instantiating`].
    pub(crate) async fn run(&self, store: &mut Store<Host>) -> Result<Outcome> {
        match &self.entry {
            ComponentEntry::Run(command) => {
                let command = command
                    .instantiate_async(&mut *store)
                    .await
                    .map_err(instantiating)?;
                match command.wasi_cli_run().call_run(&mut *store).await? {
                    Ok(()) => Ok(Outcome::Returned {
                        entry: "wasi:cli/run".to_string(),
                        results: Vec::new(),
                    }),
                    // What `wasmtime run` does with `run` returning an
                    // error: exit status 1.
                    Err(()) => Ok(Outcome::Exited(1)),
                }
            }
            ComponentEntry::Invoke { name, call, args } => {
                let instance = self
                    .pre
                    .instantiate_async(&mut *store)
                    .await
                    .map_err(instantiating)?;
                let func = find_func(&instance, &mut *store, name)
                    .ok_or_else(|| format_err!("no exported function {name}"))?;
                let mut results = vec![Val::Bool(false); func.ty(&*store).results().len()];
                func.call_async(&mut *store, args, &mut results).await?;
                let results = results
                    .iter()
                    .map(|v| wasm_wave::to_string(v).unwrap_or_else(|e| format!("<{e}>")))
                    .collect();
                Ok(Outcome::ComponentReturned {
                    call: call.clone(),
                    results,
                })
            }
        }
    }
}

/// Marks an error as raised while instantiating (before the entry was
/// called): the program never started, as for a core module.
#[derive(Debug)]
pub(crate) struct Instantiating;

impl std::fmt::Display for Instantiating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("instantiating the component")
    }
}

impl std::error::Error for Instantiating {}

/// `e` marked as an error while instantiating (see [`Instantiating`]).
pub(crate) fn instantiating(e: wasmtime::Error) -> wasmtime::Error {
    e.context(Instantiating)
}

/// Finds an exported function by name: `NAME` at the top level, or
/// `INTERFACE#NAME` inside an exported instance.
fn find_func(
    instance: &wasmtime::component::Instance,
    store: &mut Store<Host>,
    name: &str,
) -> Option<Func> {
    match name.rsplit_once('#') {
        Some((interface, func)) => {
            let index = instance.get_export_index(&mut *store, None, interface)?;
            let index = instance.get_export_index(&mut *store, Some(&index), func)?;
            instance.get_func(&mut *store, index)
        }
        None => instance.get_func(&mut *store, name),
    }
}

/// The component's exported functions by WIT name: `NAME` for top-level
/// functions, `INTERFACE#NAME` for functions of exported interfaces.
pub(crate) fn exported_funcs(engine: &Engine, component: &Component) -> Vec<String> {
    use wasmtime::component::types::ComponentItem;
    let ty = component.component_type();
    let mut names = Vec::new();
    for (name, item) in ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(_) => names.push(name.to_string()),
            ComponentItem::ComponentInstance(instance) => {
                for (func, item) in instance.exports(engine) {
                    if matches!(item.ty, ComponentItem::ComponentFunc(_)) {
                        names.push(format!("{name}#{func}"));
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// `--invoke NAME ARGS...` or `--invoke 'NAME(ARGS)'` (wasmtime run's WAVE
/// call syntax): the function's type from the component, the arguments
/// parsed by it.
fn invoke_entry(
    engine: &Engine,
    component: &Component,
    name: &str,
    values: &[String],
) -> std::result::Result<ComponentEntry, Error> {
    use wasmtime::component::types::ComponentItem;
    let call = if name.contains('(') {
        if !values.is_empty() {
            return Err(invalid!(
                "give the arguments either inside NAME(...) or after it, not both"
            ));
        }
        name.to_string()
    } else {
        format!("{name}({})", values.join(", "))
    };
    let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&call)
        .map_err(|e| invalid!("--invoke {call}: {e}"))?;
    let func_name = parsed.name().to_string();
    let ty = component.component_type();
    let func_ty = match func_name.rsplit_once('#') {
        Some((interface, func)) => match ty.get_export(engine, interface).map(|e| e.ty) {
            Some(ComponentItem::ComponentInstance(i)) => {
                match i.get_export(engine, func).map(|e| e.ty) {
                    Some(ComponentItem::ComponentFunc(f)) => Some(f),
                    _ => None,
                }
            }
            _ => None,
        },
        None => match ty.get_export(engine, &func_name).map(|e| e.ty) {
            Some(ComponentItem::ComponentFunc(f)) => Some(f),
            _ => None,
        },
    };
    let Some(func_ty) = func_ty else {
        let listing = exports_listing(&exported_funcs(engine, component));
        return Err(not_found!(
            "the component exports no function named {func_name:?}; {listing}"
        ));
    };
    let params: Vec<wasmtime::component::Type> = func_ty.params().map(|(_, t)| t).collect();
    let args = parsed
        .to_wasm_params::<Val>(params.iter())
        .map_err(|e| invalid!("--invoke {call}: {e}"))?;
    Ok(ComponentEntry::Invoke {
        name: func_name,
        call,
        args,
    })
}
