//! Recording and replaying `tests/guests/app-p2.wasm` (a Rust
//! `wasm32-wasip2` command) through [`add_recording`] and
//! [`add_replaying`], on plain code.

use super::host::ComponentHost;
use super::*;
use crate::debugger::record::replayer::Cursor;
use crate::debugger::record::trace::{ComponentCall, End, Header, Trace};
use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

struct TestHost {
    ctx: WasiCtx,
    table: ResourceTable,
    log: Vec<ComponentCall>,
    cursor: Option<Cursor>,
}

impl WasiView for TestHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl ComponentHost for TestHost {
    fn record(&mut self, func: u16, args: Saved, result: Returned) {
        self.log.push(ComponentCall { func, args, result });
    }
    fn cursor(&mut self) -> Option<&mut Cursor> {
        self.cursor.as_mut()
    }
}

/// A trace of `calls` (the header's other fields are not read here).
fn trace(calls: Vec<ComponentCall>) -> Cursor {
    let header = Header {
        module: "app-p2.wasm".into(),
        module_hash: String::new(),
        argv0: "app".into(),
        args: vec![],
        env: vec![],
        dirs: vec![],
        invoke: None,
        max_memory: None,
        max_wasm_stack: None,
        functions: interfaces::all_functions()
            .into_iter()
            .map(String::from)
            .collect(),
        recorder: "test".into(),
    };
    let trace = Trace {
        header,
        calls: vec![],
        component_calls: calls,
        request: None,
        end: End::Returned,
    };
    Cursor::new(std::sync::Arc::new(trace), None)
}

fn component(engine: &Engine) -> Component {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guests/app-p2.wasm");
    Component::from_file(engine, path).unwrap()
}

/// Runs the command; `Ok(Ok(()))` when `run` returned ok.
fn run(
    engine: &Engine,
    host: TestHost,
    replaying: bool,
) -> (TestHost, wasmtime::Result<Result<(), ()>>) {
    let mut linker = Linker::new(engine);
    if replaying {
        add_replaying(&mut linker).unwrap();
    } else {
        add_recording(&mut linker).unwrap();
    }
    let mut store = Store::new(engine, host);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let command = Command::instantiate_async(&mut store, &component(engine), &linker).await?;
        command.wasi_cli_run().call_run(&mut store).await
    });
    (store.into_data(), result)
}

fn host(ctx: WasiCtx, cursor: Option<Cursor>) -> TestHost {
    TestHost {
        ctx,
        table: ResourceTable::new(),
        log: Vec::new(),
        cursor,
    }
}

fn name(call: &ComponentCall) -> &'static str {
    interfaces::all_functions()[usize::from(call.func)]
}

/// The bytes the guest wrote with `blocking-write-and-flush`, in order.
fn written(calls: &[ComponentCall]) -> Vec<u8> {
    calls
        .iter()
        .filter(|c| {
            name(c).ends_with("output-stream.blocking-write-and-flush")
                || name(c).ends_with("output-stream.write")
        })
        .flat_map(|c| match &c.args {
            Saved::Tuple(args) => match args.get(1) {
                Some(Saved::Bytes(b)) => b.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_recorded_read_replays_without_the_file_and_a_changed_result_diverges() {
    let engine = Engine::new(&Config::new()).unwrap();
    let dir = std::env::temp_dir().join(format!("wasmdbg-p2-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("note.txt"), "recorded text\n").unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = WasiCtxBuilder::new()
        .args(&["app", "read", "note.txt"])
        .preopened_dir(&dir, ".", wasmtime_wasi::FsPerms::ReadWrite)
        .unwrap()
        .stdout(stdout.clone())
        .build();
    let (recorded, result) = run(&engine, host(ctx, None), false);
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    assert_eq!(&stdout.contents()[..], b"recorded text\n");
    let calls = recorded.log;
    let names: Vec<&str> = calls.iter().map(name).collect();
    assert_eq!(written(&calls), b"recorded text\n", "{names:#?}");
    for wanted in [
        "wasi:cli/environment#get-arguments",
        "wasi:filesystem/preopens#get-directories",
        "wasi:filesystem/types#[method]descriptor.open-at",
        "wasi:filesystem/types#[drop]descriptor",
    ] {
        assert!(
            calls.iter().any(|c| name(c) == wanted),
            "no {wanted} in {names:#?}"
        );
    }

    // The file is gone and the replay's context has nothing: no
    // arguments, no directory. Every call is answered from the log.
    std::fs::remove_dir_all(&dir).unwrap();
    let (replayed, result) = run(
        &engine,
        host(WasiCtx::builder().build(), Some(trace(calls.clone()))),
        true,
    );
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    assert_eq!(replayed.cursor.map(|c| c.next), Some(calls.len()));
    assert!(replayed.table.is_empty());

    // Another file content in the trace: the guest prints it, which the
    // recording did not: the replay stops there, naming the call.
    let mut changed = calls.clone();
    for call in &mut changed {
        if name(call).ends_with("input-stream.blocking-read")
            || name(call).ends_with("input-stream.read")
            || name(call).ends_with("descriptor.read")
        {
            call.result = match &call.result {
                Returned::Value(Saved::Bytes(b)) if !b.is_empty() => {
                    Returned::Value(Saved::Bytes(b.to_ascii_uppercase()))
                }
                Returned::Value(Saved::Tuple(t)) => match t.as_slice() {
                    [Saved::Bytes(b), end] if !b.is_empty() => Returned::Value(Saved::Tuple(vec![
                        Saved::Bytes(b.to_ascii_uppercase()),
                        end.clone(),
                    ])),
                    _ => call.result.clone(),
                },
                other => other.clone(),
            };
        }
    }
    assert_ne!(changed, calls, "no read of the file's bytes in {names:#?}");
    let (_, result) = run(
        &engine,
        host(WasiCtx::builder().build(), Some(trace(changed))),
        true,
    );
    let message = format!("{:#}", result.unwrap_err());
    assert!(
        message.contains("the replay diverged at host call #") && message.contains("RECORDED TEXT"),
        "{message}"
    );
}

/// The index a call is logged under (computed while compiling) is its
/// function's place in the trace header's list, for every function, and no
/// name is listed twice (the first place would win).
#[test]
fn every_function_is_logged_under_its_place_in_the_header() {
    let all = interfaces::all_functions();
    for (place, name) in all.iter().enumerate() {
        assert_eq!(usize::from(interfaces::index_of(name)), place, "{name}");
    }
    assert!(all.len() > 200, "{}", all.len());
}
