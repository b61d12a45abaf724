//! The core driven as a library, without the REPL.

use wasmdbg::debugger::protocol::{BreakpointRequest, FramesRequest, InspectRequest, ThreadId};
use wasmdbg::debugger::protocol::{
    FactsRequest, FrameRef, PrintOptions, Request, Response, StopReason, Value, ValueRef,
};
use wasmdbg::debugger::{RunConfig, Session};
use wasmdbg::render;

use crate::harness::root;

fn start(module: &str) -> (Session, Response) {
    Session::start(RunConfig {
        module: root().join(module),
        stop_on_throw: true,
        ..RunConfig::default()
    })
}

/// A frame from an earlier pause is refused after the program resumed, even
/// though no host call happened in between (wasmtime 48.0.8's
/// `FrameHandle::is_valid` would still say "valid" here).
#[test]
fn frames_of_an_earlier_pause_are_refused() {
    let (session, first) = start("wat/throw_twice.wat");
    let Response::Stopped(stop1) = first else {
        panic!("{first:?}")
    };
    let old = FrameRef::new(stop1.pause, 0);
    let Response::Locals(locals) = session.request(Request::Frames(FramesRequest::Locals(old)))
    else {
        panic!()
    };
    assert_eq!(locals[0].value, Value::I32(10));

    let Response::Stopped(stop2) = session.request(Request::Continue) else {
        panic!()
    };
    assert!(matches!(stop2.reason, StopReason::Exception(_)));
    assert!(stop2.pause > stop1.pause);

    for request in [
        Request::Frames(FramesRequest::Locals(old)),
        Request::Frames(FramesRequest::Stack(old)),
        Request::Frames(FramesRequest::Frame(old)),
        Request::Frames(FramesRequest::Backtrace {
            pause: old.pause,
            thread: ThreadId::MAIN,
            limit: None,
            outermost: false,
        }),
    ] {
        match session.request(request) {
            Response::Error(e) => {
                assert_eq!(
                    e.message,
                    "stale frame: it belongs to pause 1 and the program has resumed since (now at pause 2)"
                );
                assert_eq!(e.hint.as_deref(), Some("run `bt` for the current frames"));
            }
            other => panic!("stale frame answered: {other:?}"),
        }
    }
    // Requests that read a frame's values keep the kind of the frame's
    // refusal too: a stale frame is Stale, another thread NotFound.
    let evaluate = |frame: FrameRef| {
        Request::Inspect(InspectRequest::Evaluate {
            frame,
            expr: "$local0 + 1".into(),
            print: Default::default(),
            record: false,
        })
    };
    let other_thread = FrameRef {
        thread: ThreadId(2),
        ..FrameRef::new(stop2.pause, 0)
    };
    for (request, kind) in [
        (evaluate(old), wasmdbg::error::ErrorKind::Stale),
        (evaluate(other_thread), wasmdbg::error::ErrorKind::NotFound),
    ] {
        match session.request(request) {
            Response::Error(e) => assert_eq!(e.kind, kind, "{e}"),
            other => panic!("answered: {other:?}"),
        }
    }
    let new = FrameRef::new(stop2.pause, 0);
    let Response::Locals(locals) = session.request(Request::Frames(FramesRequest::Locals(new)))
    else {
        panic!()
    };
    assert_eq!(locals[0].value, Value::I32(20));

    // After the end, frames of the last pause are refused too.
    let Response::Ended(outcome) = session.request(Request::Continue) else {
        panic!()
    };
    assert_eq!(outcome.to_string(), "returned from _start");
    let Response::Error(wasmdbg::debugger::protocol::Error { message: msg, .. }) =
        session.request(Request::Frames(FramesRequest::Locals(new)))
    else {
        panic!()
    };
    assert_eq!(msg, "the program is not paused: it returned from _start");
}

#[test]
fn out_of_range_frame_is_an_error_not_a_panic() {
    let (session, first) = start("wat/divide.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let far = FrameRef::new(stop.pause, 3);
    let Response::Error(wasmdbg::debugger::protocol::Error { message: msg, .. }) =
        session.request(Request::Frames(FramesRequest::Locals(far)))
    else {
        panic!()
    };
    assert_eq!(msg, "no frame #3: the stack has 3 frames (#0-#2)");
    let Response::Backtrace { frames, total } =
        session.request(Request::Frames(FramesRequest::Backtrace {
            pause: stop.pause,
            thread: ThreadId::MAIN,
            limit: None,
            outermost: false,
        }))
    else {
        panic!()
    };
    assert_eq!(total, Some(3));
    let names: Vec<_> = frames
        .iter()
        .map(|f| f.func_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["divide", "compute", "_start"]);

    // Frames and backtraces name their thread; the program has one.
    assert_eq!(FrameRef::new(stop.pause, 0).thread, ThreadId::MAIN);
    let other = FrameRef {
        thread: ThreadId(2),
        ..FrameRef::new(stop.pause, 0)
    };
    for request in [
        Request::Frames(FramesRequest::Locals(other)),
        Request::Frames(FramesRequest::Backtrace {
            pause: stop.pause,
            thread: ThreadId(2),
            limit: None,
            outermost: false,
        }),
    ] {
        let Response::Error(e) = session.request(request) else {
            panic!("another thread was served")
        };
        assert_eq!(e.kind, wasmdbg::error::ErrorKind::NotFound);
        assert_eq!(e.message, "no thread 2: the program is thread 1");
    }
}

/// `Detach` (what dropping a `Session` amounts to) ends the run and the
/// worker thread, paused or after the end, instead of leaving it parked.
#[test]
fn detach_ends_the_worker_thread() {
    for module in ["wat/divide.wat", "wat/hello.wat"] {
        let (session, first) = start(module);
        assert!(session.worker_alive(), "{first:?}");
        match session.request(Request::Detach) {
            Response::Error(e) => assert_eq!(e.message, "the debugger's worker thread has stopped"),
            other => panic!("{other:?}"),
        }
        let waited = std::time::Instant::now();
        while session.worker_alive() && waited.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(
            !session.worker_alive(),
            "{module}: the worker is still there"
        );
    }
}

/// Issue 18: pause ids are unique for the whole session. A frame from a
/// pause before the worker thread died is refused after `restart`, even
/// though the new worker's first pause is at the same place (before, the
/// new worker counted from 1 again and answered with the new frame).
#[test]
fn issue_18_a_frame_from_before_a_worker_restart_is_refused() {
    let (mut session, first) = start("wat/throw_twice.wat");
    let Response::Stopped(before) = first else {
        panic!("{first:?}")
    };
    let old = FrameRef::new(before.pause, 0);
    assert!(matches!(
        session.request(Request::Frames(FramesRequest::Frame(old))),
        Response::Frame(_)
    ));
    // Run to the end, then `maintenance panic worker`: the worker thread
    // ends (while paused, a panic is caught and the worker goes on).
    while let Response::Stopped(_) = session.request(Request::Continue) {}
    let _ = session.maintenance_panic_worker();
    assert!(!session.worker_alive());
    let Response::Stopped(after) = session.restart() else {
        panic!("the new worker did not pause")
    };
    assert!(after.pause > before.pause, "{after:?} {before:?}");
    match session.request(Request::Frames(FramesRequest::Frame(old))) {
        Response::Error(e) => assert_eq!(
            e.kind,
            wasmdbg::debugger::protocol::ErrorKind::Stale,
            "{e:?}"
        ),
        other => panic!("a frame of the old worker was answered: {other:?}"),
    }
    let new = FrameRef::new(after.pause, 0);
    assert!(matches!(
        session.request(Request::Frames(FramesRequest::Frame(new))),
        Response::Frame(_)
    ));
}

/// Issue 18: the guest's output reaches the front end as events, in order
/// before the response that follows it; the core writes nothing to the
/// terminal. Without a sink they are queued; with one, each is handed over
/// as it happens. Both for a core module and for a component's stdout and
/// stderr.
#[test]
fn issue_18_guest_output_is_delivered_as_events() {
    use wasmdbg::debugger::protocol::{Event, OutputStream};
    let (session, first) = start("wat/hello.wat");
    assert!(matches!(first, Response::Ended(_)), "{first:?}");
    let Response::Ended(outcome) = first.clone() else {
        panic!()
    };
    assert_eq!(
        session.take_events(),
        vec![
            Event::Output {
                stream: OutputStream::Stdout,
                bytes: b"hello\n".to_vec(),
            },
            Event::Ended(Box::new(outcome)),
        ]
    );
    assert!(session.take_events().is_empty());

    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        Box::new(move |e: Event| {
            seen.lock().unwrap().push(e);
            None
        })
    };
    let (session, first) = Session::start_with_events(
        RunConfig {
            module: root().join("tests/guests/app-p2.wasm"),
            args: vec!["panic".into()],
            ..RunConfig::default()
        },
        None,
        Default::default(),
        Some(sink),
    );
    // The panic message is on stderr before the trap's pause.
    assert!(matches!(first, Response::Stopped(_)), "{first:?}");
    let seen = seen.lock().unwrap();
    let stderr: Vec<u8> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Output {
                stream: OutputStream::Stderr,
                bytes,
            } => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        String::from_utf8_lossy(&stderr).contains("account 7 is overdrawn by 40"),
        "{seen:?}"
    );
    assert!(session.take_events().is_empty());
}

/// Issue 18: the protocol is serde-serializable: a real stop, backtrace,
/// locals and request round-trip through JSON unchanged, and the JSON
/// names things by the protocol's fields.
#[test]
fn issue_18_the_protocol_round_trips_through_json() {
    let (session, first) = start("wat/throw_twice.wat");
    let Response::Stopped(stop) = first.clone() else {
        panic!("{first:?}")
    };
    let frame = FrameRef::new(stop.pause, 0);
    let request = Request::Frames(FramesRequest::Backtrace {
        pause: stop.pause,
        thread: ThreadId::MAIN,
        limit: Some(5),
        outermost: false,
    });
    let responses = [
        first,
        session.request(request.clone()),
        session.request(Request::Frames(FramesRequest::Locals(frame))),
        session.request(Request::Frames(FramesRequest::Frame(FrameRef::new(
            stop.pause, 99,
        )))),
    ];
    for response in responses {
        let json = serde_json::to_string(&response).unwrap();
        let back: Response = serde_json::from_str(&json).unwrap();
        assert_eq!(format!("{back:?}"), format!("{response:?}"), "{json}");
    }
    let json = serde_json::to_value(&stop).unwrap();
    assert_eq!(json["frame"]["func_name"], "throw_and_catch");
    assert_eq!(json["frame"]["module"], 0);
    let json = serde_json::to_string(&request).unwrap();
    let back: Request = serde_json::from_str(&json).unwrap();
    assert_eq!(format!("{back:?}"), format!("{request:?}"));
}

/// Issue 18: errors carry a kind a front end can act on, not only text:
/// a frame past the stack, a stale frame, a request that needs a paused
/// program after the end, a malformed location.
#[test]
fn issue_18_errors_have_kinds() {
    use wasmdbg::debugger::protocol::ErrorKind;
    let kind = |r: Response| match r {
        Response::Error(e) => e.kind,
        other => panic!("not an error: {other:?}"),
    };
    let (session, first) = start("wat/throw_twice.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let far = FrameRef::new(stop.pause, 99);
    assert_eq!(
        kind(session.request(Request::Frames(FramesRequest::Frame(far)))),
        ErrorKind::NoSuchFrame
    );
    assert_eq!(
        kind(
            session.request(Request::Breakpoint(BreakpointRequest::Break {
                location: "*zz".into(),
                temporary: false,
                condition: None,
                hit_condition: None,
                log: None,
            }))
        ),
        ErrorKind::Invalid
    );
    let old = FrameRef::new(stop.pause, 0);
    assert!(matches!(
        session.request(Request::Continue),
        Response::Stopped(_)
    ));
    assert_eq!(
        kind(session.request(Request::Frames(FramesRequest::Locals(old)))),
        ErrorKind::Stale
    );
    while let Response::Stopped(_) = session.request(Request::Continue) {}
    assert_eq!(
        kind(session.request(Request::Frames(FramesRequest::Locals(old)))),
        ErrorKind::NotPaused
    );
}

/// Issue 18: the static facts come back as owned views, by module id or
/// name, paused or not, and serialize: no front end needs the binary for
/// `info modules/functions/imports/exports/sections`.
#[test]
fn issue_18_module_facts_are_owned_views() {
    use wasmdbg::debugger::protocol::ModuleRef;
    let (session, _) = Session::start(RunConfig {
        module: root().join("tests/guests/app-p2.wasm"),
        args: vec!["exit".into()],
        ..RunConfig::default()
    });
    let Response::Modules { component, modules } =
        session.request(Request::Facts(FactsRequest::Modules))
    else {
        panic!()
    };
    assert!(component);
    let names: Vec<&str> = modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["main", "wit-component-shim-module", "wit-component-fixup"]
    );
    assert!(modules[0].dwarf && !modules[1].dwarf);
    let Response::Functions(settle) = session.request(Request::Facts(FactsRequest::Functions {
        module: ModuleRef::Name("main".into()),
        filter: Some("^app::settle$".into()),
    })) else {
        panic!()
    };
    assert_eq!(settle.len(), 1);
    // `Account { id: u32, balance: i64 }` passed by value, fields in
    // layout order.
    assert_eq!(settle[0].params, ["i64", "i32"]);
    let Response::Imports(imports) = session.request(Request::Facts(FactsRequest::Imports {
        module: ModuleRef::Id(wasmdbg::program::CoreModuleId(2)),
    })) else {
        panic!()
    };
    assert_eq!(imports.len(), 18);
    let unknown = session.request(Request::Facts(FactsRequest::Exports {
        module: ModuleRef::Name("nope".into()),
    }));
    assert!(matches!(unknown, Response::Error(_)), "{unknown:?}");
    let json = serde_json::to_string(&session.request(Request::Facts(FactsRequest::Sections {
        module: ModuleRef::Id(wasmdbg::program::CoreModuleId(1)),
    })))
    .unwrap();
    assert!(json.starts_with(r#"{"Sections":[{"name":"type""#), "{json}");
}

/// A core dump opened as a `Session`: the same requests as a live pause;
/// those that need a live program are refused as `NotLive`; after a restart
/// (a new reading of the dump) a frame of the first reading is stale.
#[test]
fn a_core_dump_is_a_session_too() {
    use wasmdbg::debugger::protocol::ErrorKind;
    let (session, first) = start("wat/coredump.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.core");
    let written = session.request(Request::GenerateCoreFile {
        pause: stop.pause,
        path: path.clone(),
        name: "coredump.wat".into(),
    });
    assert!(
        matches!(written, Response::CoreFileWritten(_)),
        "{written:?}"
    );

    let (mut core, first) = Session::open_core(root().join("wat/coredump.wat"), path, None);
    assert!(core.is_core_dump());
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        stop.reason,
        StopReason::Trap("integer divide by zero".into())
    );
    let frame = FrameRef::new(stop.pause, 0);
    let Response::Locals(locals) = core.request(Request::Frames(FramesRequest::Locals(frame)))
    else {
        panic!()
    };
    assert_eq!(locals[2].value, Value::I64(-7));
    let Response::Error(e) = core.request(Request::Continue) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::NotLive);
    let Response::Error(e) = core.request(Request::Frames(FramesRequest::Frame(FrameRef::new(
        stop.pause, 9,
    )))) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::NoSuchFrame);

    let Response::Stopped(again) = core.restart() else {
        panic!()
    };
    assert_ne!(again.pause, stop.pause);
    let Response::Error(e) = core.request(Request::Frames(FramesRequest::Locals(frame))) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Stale);
}

/// Issue 18: a front end can be driven by events alone: every stop and end
/// comes as an event just before the response, and every change of the
/// breakpoint table (set, deleted, a temporary breakpoint used up) as
/// `BreakpointsChanged`.
#[test]
fn issue_18_stops_ends_and_breakpoint_changes_are_events() {
    use wasmdbg::debugger::protocol::Event;
    let (session, first) = Session::start(RunConfig {
        module: root().join("wat/fib.wat"),
        stop_on_entry: true,
        ..RunConfig::default()
    });
    let Response::Stopped(entry) = first else {
        panic!("{first:?}")
    };
    assert_eq!(session.take_events(), vec![Event::Stopped(Box::new(entry))]);

    let set = session.request(Request::Breakpoint(BreakpointRequest::Break {
        location: "fib".into(),
        temporary: true,
        condition: None,
        hit_condition: None,
        log: None,
    }));
    assert!(matches!(set, Response::BreakpointSet(_)), "{set:?}");
    assert_eq!(session.take_events(), vec![Event::BreakpointsChanged]);
    // A refused request changes nothing.
    let refused = session.request(Request::Breakpoint(BreakpointRequest::Break {
        location: "nosuch".into(),
        temporary: false,
        condition: None,
        hit_condition: None,
        log: None,
    }));
    assert!(matches!(refused, Response::Error(_)), "{refused:?}");
    assert!(session.take_events().is_empty());

    // The temporary breakpoint is hit and deleted: a change, then the stop.
    let Response::Stopped(hit) = session.request(Request::Continue) else {
        panic!()
    };
    assert!(matches!(
        hit.reason,
        StopReason::Breakpoint {
            temporary: true,
            ..
        }
    ));
    assert_eq!(
        session.take_events(),
        vec![Event::BreakpointsChanged, Event::Stopped(Box::new(hit))]
    );
    let Response::Ended(outcome) = session.request(Request::Continue) else {
        panic!()
    };
    let events = session.take_events();
    assert_eq!(events.last(), Some(&Event::Ended(Box::new(outcome))));
}

/// Issue 25: the console learns where the program is from the session's
/// events, not from the answers it received: a stop and an end caused by
/// requests another front end sent on the same session (as the DAP server
/// does) become the console's state, with its banner, when it follows the
/// events.
#[test]
fn issue_25_the_console_follows_stops_and_ends_it_did_not_ask_for() {
    use wasmdbg::console::{Console, State};
    let (session, _) = Session::start(RunConfig {
        module: root().join("wat/fib.wat"),
        stop_on_entry: true,
        ..RunConfig::default()
    });
    let mut out = Vec::new();
    let mut fe = Console::new(
        session,
        wasmdbg::render::Theme::PLAIN,
        None,
        Vec::new(),
        Default::default(),
        &mut out,
    );
    assert!(
        matches!(fe.state(), State::Paused(s) if s.reason == StopReason::Entry),
        "{:?}",
        fe.state()
    );
    let set = fe
        .session()
        .request(Request::Breakpoint(BreakpointRequest::Break {
            location: "fib".into(),
            temporary: false,
            condition: None,
            hit_condition: None,
            log: None,
        }));
    assert!(matches!(set, Response::BreakpointSet(_)), "{set:?}");
    // Another front end continues; the console has not looked yet.
    let Response::Stopped(hit) = fe.session().request(Request::Continue) else {
        panic!()
    };
    assert!(matches!(fe.state(), State::Paused(s) if s.reason == StopReason::Entry));
    out.clear();
    fe.follow_events(&mut out).unwrap();
    assert!(matches!(fe.state(), State::Paused(s) if **s == hit));
    insta::assert_snapshot!(String::from_utf8(out.clone()).unwrap(), @r"
    Breakpoint 1, hit 1 time
    #0  fib (func[1]) at 0x6f
    => 0x6f: global.get $calls
    ");
    // An end, followed the same way; nothing is left to follow after it.
    fe.session()
        .request(Request::Breakpoint(BreakpointRequest::Delete(
            wasmdbg::debugger::protocol::Selection::All,
        )));
    let Response::Ended(outcome) = fe.session().request(Request::Continue) else {
        panic!()
    };
    out.clear();
    fe.follow_events(&mut out).unwrap();
    assert!(matches!(fe.state(), State::Ended(o) if *o == outcome));
    insta::assert_snapshot!(String::from_utf8(out.clone()).unwrap(), @"[program exited with code 8]");
    out.clear();
    fe.follow_events(&mut out).unwrap();
    assert!(out.is_empty());
}

/// `print`'s value history lives in the `Session`, for every front end:
/// a recorded evaluation is numbered, `$N` and `$` in later requests read
/// it, a hover-style evaluation is not recorded, and the history outlives
/// a worker restart.
#[test]
fn the_value_history_is_the_sessions() {
    use wasmdbg::debugger::protocol::PrintOptions;
    use wasmdbg::program::expr::Num;
    let (mut session, first) = start("wat/divide.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let frame = FrameRef::new(stop.pause, 1);
    let eval = |session: &Session, expr: &str, record: bool| {
        session.request(Request::Inspect(InspectRequest::Evaluate {
            frame,
            expr: expr.into(),
            print: PrintOptions::default(),
            record,
        }))
    };
    let same = |got: Response, want: Response| assert_eq!(format!("{got:?}"), format!("{want:?}"));
    let printed = |history: usize, n: Num| Response::Printed {
        history,
        value: Box::new(Response::Number(n)),
    };
    let error = |got: Response| match got {
        Response::Error(e) => e.message,
        other => panic!("{other:?}"),
    };
    // `$1` is the history's first value, never local 1 (gdb's rule): before
    // any print it is an error, and it keeps its meaning as the history
    // grows. Locals are `$localN` or their names.
    assert_eq!(
        error(eval(&session, "$1 + 1", false)),
        "history has not yet reached $1"
    );
    assert_eq!(
        error(eval(&session, "$", true)),
        "the value history is empty"
    );
    // Local 1 is 100; the first value is 105, so `$1` cannot be read as
    // local 1 by accident.
    same(
        eval(&session, "$local1 + 5", true),
        printed(1, Num::Int32(105)),
    );
    same(
        eval(&session, "$1 * 2", false),
        Response::Number(Num::Int32(210)),
    );
    same(
        eval(&session, "$ + $local0 + 7", true),
        printed(2, Num::Int32(112)),
    );
    same(eval(&session, "$1", true), printed(3, Num::Int32(105)));
    same(
        eval(&session, "$2", false),
        Response::Number(Num::Int32(112)),
    );
    same(
        eval(&session, "$$", false),
        Response::Number(Num::Int32(112)),
    );
    same(
        eval(&session, "$$2 - 1", false),
        Response::Number(Num::Int32(104)),
    );
    assert!(error(eval(&session, "$0", false)).contains("$local0"));

    // A new worker (after the old one died) keeps the history.
    let _ = session.maintenance_panic_worker();
    let Response::Stopped(stop) = session.restart() else {
        panic!("no stop after the restart")
    };
    let frame = FrameRef::new(stop.pause, 1);
    same(
        session.request(Request::Inspect(InspectRequest::Evaluate {
            frame,
            expr: "$2 + $1".into(),
            print: PrintOptions::default(),
            record: true,
        })),
        printed(4, Num::Int32(217)),
    );
}

/// A frame id can name one function of an inline chain: its source
/// variables and expressions see that function's variables only; the whole
/// Wasm frame sees them all; a place past the chain is refused.
#[test]
fn an_inlined_frame_has_its_own_variables() {
    let (session, first) = Session::start(RunConfig {
        module: root().join("tests/guests/values/values-rs-release.wasm"),
        breakpoints: vec!["values::sum".into()],
        ..RunConfig::default()
    });
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let Response::Frame(info) = session.request(Request::Frames(FramesRequest::Frame(
        FrameRef::new(stop.pause, 0),
    ))) else {
        panic!()
    };
    let chain: Vec<_> = info.source.iter().map(|s| s.function.clone()).collect();
    assert_eq!(
        chain,
        [
            Some("<i64 as core::ops::arith::AddAssign<&i64>>::add_assign".to_string()),
            Some("values::sum".to_string())
        ]
    );
    let names = |inlined: Option<usize>| -> Result<Vec<String>, String> {
        let frame = FrameRef {
            inlined,
            ..FrameRef::new(stop.pause, 0)
        };
        match session.request(Request::Inspect(InspectRequest::SourceVariables {
            frame,
            args_only: false,
            print: PrintOptions::default(),
        })) {
            Response::Variables(Some(vars)) => Ok(vars.into_iter().map(|v| v.name).collect()),
            Response::Error(e) => Err(e.message),
            other => panic!("{other:?}"),
        }
    };
    let inner = names(Some(0)).unwrap();
    let outer = names(Some(1)).unwrap();
    let whole = names(None).unwrap();
    assert_eq!(inner, ["other"]);
    assert_eq!(outer, ["xs", "total", "iter", "x"]);
    assert_eq!(whole, ["xs", "total", "iter", "x", "other"]);
    let eval = |inlined: Option<usize>, expr: &str| {
        let frame = FrameRef {
            inlined,
            ..FrameRef::new(stop.pause, 0)
        };
        match session.request(Request::Inspect(InspectRequest::Evaluate {
            frame,
            expr: expr.into(),
            print: PrintOptions::default(),
            record: false,
        })) {
            Response::SourceValue(ty, v) => Ok(format!("({ty}) {v:?}")),
            Response::Error(e) => Err(e.message),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        eval(Some(1), "xs.len").unwrap(),
        "(long long) Int { value: 3, bytes: 8 }"
    );
    assert_eq!(
        eval(None, "xs.len").unwrap(),
        "(long long) Int { value: 3, bytes: 8 }"
    );
    assert_eq!(
        eval(Some(0), "xs.len").unwrap_err(),
        "no variable named \"xs\" in scope"
    );
    assert!(
        eval(Some(0), "other")
            .unwrap()
            .starts_with("(&i64) Pointer {"),
    );
    assert_eq!(
        names(Some(2)).unwrap_err(),
        "no inlined frame 2 here: DWARF places 2 functions at this pc"
    );
}

/// Children of a source value come from the core in pages, past the `print
/// elements` limit; a child the expression language cannot name (a map
/// entry) is reached by position; a handle from an earlier pause is stale.
#[test]
fn value_children_are_fetched_in_pages() {
    let (session, first) = Session::start(RunConfig {
        module: root().join("tests/guests/values/values-rs-debug.wasm"),
        breakpoints: vec!["values.rs:84".into()],
        ..RunConfig::default()
    });
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let frame = FrameRef::new(stop.pause, 0);
    let page = |expr: &str, path: Vec<u64>, start: u64, count: Option<u64>| {
        let value = ValueRef {
            frame,
            expr: expr.into(),
            path,
        };
        match session.request(Request::Children {
            value,
            start,
            count,
        }) {
            Response::Children { total, children } => Ok((
                total,
                children
                    .into_iter()
                    .map(|c| {
                        let handle = c.children.map(|h| (h.expr, h.path));
                        (
                            render::child_name(&c.name),
                            render::source_value(&c.value),
                            c.expr,
                            handle,
                        )
                    })
                    .collect::<Vec<_>>(),
            )),
            Response::Error(e) => Err(e.message),
            other => panic!("{other:?}"),
        }
    };
    // 300 elements; the page at 250 is past the 200 one print reads.
    let (total, kids) = page("long", vec![], 250, Some(2)).unwrap();
    assert_eq!(total, 300);
    assert_eq!(
        kids,
        [
            (
                "[250]".into(),
                "250".into(),
                Some("(long)[250]".into()),
                None
            ),
            (
                "[251]".into(),
                "251".into(),
                Some("(long)[251]".into()),
                None
            ),
        ]
    );
    // A reference: its target, then the Vec's elements, then a struct.
    let (total, kids) = page("accounts", vec![], 0, None).unwrap();
    assert_eq!(total, 1);
    assert_eq!(kids[0].0, "*");
    assert_eq!(kids[0].3, Some(("*(accounts)".into(), vec![])));
    let (_, kids) = page("*(accounts)", vec![], 1, Some(1)).unwrap();
    assert_eq!(kids[0].1, "Account {name: \"bob\", balance: -5}");
    let (_, fields) = page(&kids[0].3.clone().unwrap().0, vec![], 0, None).unwrap();
    let fields: Vec<_> = fields
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str()))
        .collect();
    assert_eq!(fields, [("name", "\"bob\""), ("balance", "-5")]);
    // A map's entries have no expression: by position.
    let (total, kids) = page("map", vec![], 0, None).unwrap();
    assert_eq!(total, 2);
    assert!(kids.iter().all(|k| k.2.is_none()), "{kids:?}");
    let names: Vec<_> = kids.iter().map(|k| format!("{} = {}", k.0, k.1)).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"[\"one\"] = 1".to_string()), "{names:?}");
    // An Rc: its counts and the held value.
    let (_, kids) = page("rc", vec![], 0, None).unwrap();
    let kids: Vec<_> = kids.iter().map(|k| format!("{} = {}", k.0, k.1)).collect();
    assert_eq!(kids, ["strong = 2", "weak = 1", "value = \"shared\""]);
    // Bad handles: a position past the children, a Wasm value.
    assert_eq!(
        page("map", vec![5], 0, None).unwrap_err(),
        "the value has no child 5: it has 2"
    );
    assert_eq!(page("map", vec![0], 0, None).unwrap(), (0, vec![]));
    assert_eq!(
        page("$global0", vec![], 0, None).unwrap_err(),
        "$global0 is a Wasm value: it has no children"
    );
    assert_eq!(
        page("long", vec![], 100_000, Some(1)).unwrap_err(),
        "cannot show children past 100000: one page reads at most 100000 elements"
    );
    // In the next run's pause at the same place, the handle is stale.
    let Response::Stopped(again) = session.request(Request::Run) else {
        panic!()
    };
    assert!(again.pause > stop.pause);
    assert_eq!(
        page("long", vec![], 0, Some(1)).unwrap_err(),
        format!(
            "stale frame: it belongs to pause {} and the program has resumed since (now at pause {})",
            stop.pause.0, again.pause.0
        )
    );
}

/// Which breakpoints a request edits is said, never implied by an empty
/// list: `Selection::Ids(vec![])` edits none, `Selection::All` every one;
/// numbers are `BreakpointId`s and an unknown one is an error.
#[test]
fn breakpoint_selections_say_which() {
    use wasmdbg::debugger::protocol::WatchSpec;
    use wasmdbg::debugger::protocol::{BreakpointId, Selection};
    let (session, first) = start("wat/state.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let set =
        |location: &str| match session.request(Request::Breakpoint(BreakpointRequest::Break {
            location: location.into(),
            temporary: false,
            condition: None,
            hit_condition: None,
            log: None,
        })) {
            Response::BreakpointSet(info) => info.id,
            other => panic!("{other:?}"),
        };
    assert_eq!(set("get"), BreakpointId(1));
    match session.request(Request::Watch {
        frame: FrameRef::new(stop.pause, 0),
        target: WatchSpec::Expr("counter".into()),
    }) {
        Response::BreakpointSet(info) => assert_eq!(info.id, BreakpointId(2)),
        other => panic!("{other:?}"),
    }
    let listed = |session: &Session| match session
        .request(Request::Breakpoint(BreakpointRequest::Breakpoints))
    {
        Response::Breakpoints(list) => list.iter().map(|b| b.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    session.request(Request::Breakpoint(BreakpointRequest::Delete(
        Selection::Ids(vec![]),
    )));
    assert_eq!(listed(&session), [BreakpointId(1), BreakpointId(2)]);
    match session.request(Request::Breakpoint(BreakpointRequest::Delete(
        Selection::Ids(vec![BreakpointId(7)]),
    ))) {
        Response::Error(e) => assert_eq!(e.message, "no breakpoint number 7"),
        other => panic!("{other:?}"),
    }
    session.request(Request::Breakpoint(BreakpointRequest::Enable(
        Selection::All,
        false,
    )));
    match session.request(Request::Breakpoint(BreakpointRequest::Breakpoints)) {
        Response::Breakpoints(list) => assert!(list.iter().all(|b| !b.enabled)),
        other => panic!("{other:?}"),
    }
    session.request(Request::Breakpoint(BreakpointRequest::Delete(
        Selection::All,
    )));
    assert_eq!(listed(&session), []);
    // Numbers are not reused.
    assert_eq!(set("get"), BreakpointId(3));
}

/// What inspection reads of one stop, as text: every frame (module,
/// function, pc, instruction, source places), its locals and operand
/// stack, the first core module's globals, source variables and values,
/// Wasm expressions and memory at `$sp`. Pause ids are left out: each
/// session numbers its own.
fn inspection_view(session: &Session, pause: wasmdbg::debugger::protocol::PauseId) -> String {
    use std::fmt::Write;
    use wasmdbg::debugger::protocol::{Examine, ModuleRef};
    use wasmdbg::program::CoreModuleId;
    let mut out = String::new();
    let Response::Backtrace { frames, total } =
        session.request(Request::Frames(FramesRequest::Backtrace {
            pause,
            thread: ThreadId::MAIN,
            limit: None,
            outermost: false,
        }))
    else {
        panic!("no backtrace")
    };
    writeln!(out, "{} frames ({total:?})", frames.len()).unwrap();
    for f in &frames {
        let r = f.frame;
        writeln!(
            out,
            "#{} module {} func[{}] {:?} pc {:#x} {:?} {:?}",
            r.index, f.module, f.func_index, f.func_name, f.pc, f.instruction, f.source
        )
        .unwrap();
        writeln!(
            out,
            "  locals {:?}",
            session.request(Request::Frames(FramesRequest::Locals(r)))
        )
        .unwrap();
        writeln!(
            out,
            "  stack {:?}",
            session.request(Request::Frames(FramesRequest::Stack(r)))
        )
        .unwrap();
        writeln!(
            out,
            "  source {:?}",
            session.request(Request::Inspect(InspectRequest::SourceVariables {
                frame: r,
                args_only: false,
                print: PrintOptions::default(),
            }))
        )
        .unwrap();
    }
    writeln!(
        out,
        "globals {:?}",
        session.request(Request::Inspect(InspectRequest::Globals {
            module: ModuleRef::Id(CoreModuleId::FIRST),
        }))
    )
    .unwrap();
    let top = FrameRef::new(pause, 0);
    for expr in [
        "scaled",
        "f",
        "f.denominator",
        "scaled / 7",
        "$sp",
        "{i32} ($sp + 8)",
        "$local0 + 1",
    ] {
        let answer = session.request(Request::Inspect(InspectRequest::Evaluate {
            frame: top,
            expr: expr.into(),
            print: PrintOptions::default(),
            record: false,
        }));
        writeln!(out, "print {expr}: {answer:?}").unwrap();
    }
    let x = session.request(Request::Inspect(InspectRequest::Examine(Examine {
        frame: top,
        module: None,
        memory: 0,
        address: "$sp".into(),
        len: 32,
        strings: None,
    })));
    writeln!(out, "x/32xb $sp: {x:?}").unwrap();
    out
}

/// Issue 25's proof of one inspection over three targets: ratio-p1.wasm
/// (C with DWARF) trapping in `ratio` (7 / 0), as a live pause, as the core
/// dump written at that pause (`gcore`), and as the replay of a recording
/// of the same run, gives the same frames, locals, operand stacks,
/// globals, source variables and values, Wasm expressions and memory.
#[test]
fn one_moment_as_a_live_pause_a_core_dump_and_a_replay() {
    use wasmdbg::debugger::record::{Replay, Trace};
    let module = root().join("tests/guests/ratio-p1.wasm");
    let args: Vec<String> = ["ratio", "7", "0"].map(String::from).to_vec();
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("ratio.core");
    let trace = dir.path().join("ratio.trace");

    let (live, first) = Session::start(RunConfig {
        module: module.clone(),
        args: args.clone(),
        ..RunConfig::default()
    });
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        stop.reason,
        StopReason::Trap("integer divide by zero".into())
    );
    match live.request(Request::GenerateCoreFile {
        pause: stop.pause,
        path: core.clone(),
        name: "ratio-p1.wasm".into(),
    }) {
        Response::CoreFileWritten(_) => {}
        other => panic!("{other:?}"),
    }
    let live_view = inspection_view(&live, stop.pause);

    let (dump, first) = Session::open_core(module.clone(), core, None);
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let dump_view = inspection_view(&dump, stop.pause);

    let recorded = std::process::Command::new(env!("CARGO_BIN_EXE_wasmdbg"))
        .arg("record")
        .arg("-o")
        .arg(&trace)
        .arg(&module)
        .args(&args)
        .env("RUSTC", crate::harness::NO_RUSTC)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(recorded.status.code(), Some(134), "{recorded:?}");
    let trace = std::sync::Arc::new(Trace::read(&trace).unwrap());
    let (replay, first) = Session::start(Replay::run_config(trace, Some(module)));
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let replay_view = inspection_view(&replay, stop.pause);

    assert_eq!(live_view, dump_view, "live pause and core dump differ");
    assert_eq!(live_view, replay_view, "live pause and replay differ");
    // What they agree on is the program's state, not errors: ratio's
    // `scaled` (7 * 100), the Fraction's denominator, `$sp` and memory.
    for expected in [
        "print scaled: SourceValue(\"int\", Int { value: 700, bytes: 4 })",
        "print f.denominator: SourceValue(\"int\", Int { value: 0, bytes: 4 })",
        "print scaled / 7: SourceValue(\"long long\", Int { value: 100, bytes: 8 })",
        "print {i32} ($sp + 8): Number(Int32(7))",
        "print $sp: Number(Int32(",
        "x/32xb $sp: Memory { address: ",
        "#0 module 0 func[10] Some(\"ratio\") pc 0x49a Some(\"i32.div_s\")",
    ] {
        assert!(
            live_view.contains(expected),
            "missing {expected:?} in:\n{live_view}"
        );
    }
    assert!(!live_view.contains("Error"), "{live_view}");
}

/// Which events pause is the core's (`SetStopOn`; the DAP server's
/// exception filters send it): with traps off a trap ends the run as under
/// `wasmtime run`, with failed host calls off the failure does; back on,
/// they pause again.
#[test]
fn traps_and_failed_host_calls_pause_only_when_asked() {
    use wasmdbg::debugger::protocol::{Outcome, StopEvent};
    let at_entry = |args: &[&str]| {
        let (session, first) = Session::start(RunConfig {
            module: root().join("tests/guests/ratio-p1.wasm"),
            args: args.iter().map(|a| a.to_string()).collect(),
            stop_on_entry: true,
            ..RunConfig::default()
        });
        assert!(matches!(first, Response::Stopped(_)), "{first:?}");
        session
    };
    let trapping = at_entry(&["ratio", "7", "0"]);
    assert_eq!(
        format!(
            "{:?}",
            trapping.request(Request::SetStopOn(StopEvent::Trap, false))
        ),
        "Done"
    );
    match trapping.request(Request::Continue) {
        Response::Ended(Outcome::Trapped(why)) => assert_eq!(why, "integer divide by zero"),
        other => panic!("{other:?}"),
    }
    let failing = at_entry(&["bad-write"]);
    failing.request(Request::SetStopOn(StopEvent::HostcallError, false));
    match failing.request(Request::Continue) {
        Response::Ended(Outcome::Failed(why)) => {
            assert!(why.contains("Pointer out of bounds"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // On again (the default): the next run pauses there.
    failing.request(Request::SetStopOn(StopEvent::HostcallError, true));
    match failing.request(Request::Run) {
        Response::Stopped(stop) => assert!(matches!(stop.reason, StopReason::Entry), "{stop:?}"),
        other => panic!("{other:?}"),
    }
    match failing.request(Request::Continue) {
        Response::Stopped(stop) => {
            assert!(
                matches!(stop.reason, StopReason::HostcallError(_)),
                "{stop:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// The typed requests: each answers with its own type, and an answer of
/// another shape cannot reach the caller (it would be an Internal error).
#[test]
fn typed_requests_answer_with_their_own_types() {
    use wasmdbg::debugger::answer::{Listed, Ran};
    let (session, first) = start("wat/divide.wat");
    let Response::Stopped(stop) = first else {
        panic!("{first:?}")
    };
    let bt = session
        .backtrace(stop.pause, ThreadId::MAIN, None, false)
        .expect("a backtrace");
    assert_eq!(bt.total, Some(3));
    let top = FrameRef::new(stop.pause, 0);
    assert_eq!(
        session.frame(top).expect("frame 0").func_name.as_deref(),
        Some("divide")
    );
    let Listed::Values(locals) = session.locals(top).expect("locals") else {
        panic!("a live frame's locals are recorded")
    };
    assert_eq!(locals.len(), 2);
    let (component, modules) = session.modules().expect("modules");
    assert!(!component);
    assert_eq!(modules.len(), 1);
    // A request that fails answers with its error, kind included.
    let stale = FrameRef::new(wasmdbg::debugger::protocol::PauseId(stop.pause.0 + 7), 0);
    assert_eq!(
        session.frame(stale).unwrap_err().kind,
        wasmdbg::error::ErrorKind::Stale
    );
    // The wrong answer for a shape is an internal error, never a panic.
    assert_eq!(
        Response::Done.into_frame().unwrap_err().kind,
        wasmdbg::error::ErrorKind::Internal
    );
    match session.resume(Request::Continue).expect("continue") {
        Ran::Ended(outcome) => assert!(outcome.to_string().contains("trap"), "{outcome}"),
        Ran::Stopped(stop) => panic!("stopped again: {stop:?}"),
    }
}
