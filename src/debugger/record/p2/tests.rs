//! Recording and replaying `tests/guests/app-p2.wasm` (a Rust
//! `wasm32-wasip2` command) through [`add_recording`] and
//! [`add_replaying`], on plain code.

use super::*;
use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView};

struct TestHost {
    ctx: WasiCtx,
    table: ResourceTable,
    log: CallLog,
    cursor: CallCursor,
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
    fn log(&mut self) -> &mut CallLog {
        &mut self.log
    }
    fn cursor(&mut self) -> &mut CallCursor {
        &mut self.cursor
    }
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

fn host(ctx: WasiCtx, cursor: CallCursor) -> TestHost {
    TestHost {
        ctx,
        table: ResourceTable::new(),
        log: CallLog::default(),
        cursor,
    }
}

/// The bytes the guest wrote with `blocking-write-and-flush`, in order.
fn written(calls: &[ComponentCall]) -> Vec<u8> {
    calls
        .iter()
        .filter(|c| {
            c.func.ends_with("output-stream.blocking-write-and-flush")
                || c.func.ends_with("output-stream.write")
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
    let (recorded, result) = run(&engine, host(ctx, CallCursor::default()), false);
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    assert_eq!(&stdout.contents()[..], b"recorded text\n");
    let calls = recorded.log.calls;
    let names: Vec<&str> = calls.iter().map(|c| c.func.as_str()).collect();
    assert_eq!(written(&calls), b"recorded text\n", "{names:#?}");
    for name in [
        "wasi:cli/environment#get-arguments",
        "wasi:filesystem/preopens#get-directories",
        "wasi:filesystem/types#[method]descriptor.open-at",
        "wasi:filesystem/types#[drop]descriptor",
    ] {
        assert!(
            calls.iter().any(|c| c.func == name),
            "no {name} in {calls:#?}"
        );
    }

    // The file is gone and the replay's context has nothing: no
    // arguments, no directory. Every call is answered from the log.
    std::fs::remove_dir_all(&dir).unwrap();
    let calls = std::sync::Arc::new(calls);
    let cursor = CallCursor {
        calls: calls.clone(),
        next: 0,
    };
    let (replayed, result) = run(&engine, host(WasiCtx::builder().build(), cursor), true);
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    assert_eq!(replayed.cursor.next, calls.len());
    assert!(replayed.table.is_empty());

    // Another file content in the trace: the guest prints it, which the
    // recording did not: the replay stops there, naming the call.
    let mut changed = (*calls).clone();
    for call in &mut changed {
        if call.func.ends_with("input-stream.blocking-read")
            || call.func.ends_with("input-stream.read")
            || call.func.ends_with("descriptor.read")
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
    assert_ne!(changed, *calls, "no read of the file's bytes in {calls:#?}");
    let cursor = CallCursor {
        calls: std::sync::Arc::new(changed),
        next: 0,
    };
    let (_, result) = run(&engine, host(WasiCtx::builder().build(), cursor), true);
    let message = format!("{:#}", result.unwrap_err());
    assert!(
        message.contains("the replay diverged at host call #") && message.contains("RECORDED TEXT"),
        "{message}"
    );
}
