//! Drives a debugging session as a library, without the REPL: runs
//! `wat/divide.wat`, prints where it trapped and every frame's locals.
//!
//! Run: `cargo run --example library [MODULE]`

use wasmdbg::debugger::protocol::FramesRequest;
use wasmdbg::debugger::protocol::{Request, Response};
use wasmdbg::debugger::{RunConfig, Session};
use wasmdbg::render::{self, Theme};

fn main() {
    let module = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/wat/divide.wat").to_string());
    let config = RunConfig {
        module: module.into(),
        stop_on_throw: true,
        ..RunConfig::default()
    };
    let (session, first) = Session::start(config);
    let stop = match first {
        Response::Stopped(stop) => stop,
        Response::Ended(outcome) => {
            print!("{}", render::outcome(&Theme::PLAIN, &outcome));
            return;
        }
        other => panic!("unexpected first event: {other:?}"),
    };
    print!(
        "{}",
        render::stop_banner(&Theme::PLAIN, &stop, &render::SourceLine::None)
    );

    let Response::Backtrace { frames, .. } =
        session.request(Request::Frames(FramesRequest::Backtrace {
            pause: stop.pause,
            thread: wasmdbg::debugger::protocol::ThreadId::MAIN,
            limit: None,
            outermost: false,
        }))
    else {
        return;
    };
    for frame in &frames {
        println!("{}", render::frame_line(&Theme::PLAIN, frame));
        let request = Request::Frames(FramesRequest::Locals(frame.frame));
        if let Response::Locals(locals) = session.request(request) {
            print!("{}", render::locals(&locals));
        }
    }
    if let Response::Ended(outcome) = session.request(Request::Continue) {
        print!("{}", render::outcome(&Theme::PLAIN, &outcome));
    }
}
