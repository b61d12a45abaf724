//! A `wasi:http/proxy` component for `wasmdbg serve`'s tests (see
//! ../README.md for the build command): `/hello` answers a greeting,
//! `/sum?n=N` the sum 1 + ... + N (computed in `sum_to`, a place for a
//! breakpoint with locals), `/trap` traps (a Rust panic), `/fetch?url=URL`
//! makes an outgoing request and answers its status and body or the error;
//! anything else is a 404.

wit_bindgen::generate!({ world: "test-proxy", path: "wit", generate_all });

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
    Scheme,
};

struct Proxy;

impl Guest for Proxy {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let (path, query) = match path_with_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_with_query, String::new()),
        };
        let (status, body) = route(&path, &query);
        respond(out, status, &body);
    }
}

/// The status and body for `path` with `query`.
fn route(path: &str, query: &str) -> (u16, String) {
    match path {
        "/hello" => (200, "hello from the test proxy\n".to_string()),
        "/sum" => {
            let n = param(query, "n").and_then(|v| v.parse().ok()).unwrap_or(10);
            (200, format!("sum {}\n", sum_to(n)))
        }
        "/trap" => {
            let divisor = param(query, "d").and_then(|v| v.parse().ok()).unwrap_or(0u32);
            (200, format!("{}\n", 100 / divisor))
        }
        "/fetch" => match param(query, "url") {
            Some(url) => fetch(&url),
            None => (400, "fetch needs ?url=\n".to_string()),
        },
        _ => (404, format!("no route {path}\n")),
    }
}

/// 1 + 2 + ... + n.
#[inline(never)]
fn sum_to(n: u64) -> u64 {
    let mut total = 0;
    for i in 1..=n {
        total += i;
    }
    total
}

fn param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// GETs `url` (`http://HOST[:PORT]/PATH`): its status and body, or why not.
fn fetch(url: &str) -> (u16, String) {
    let Some(rest) = url.strip_prefix("http://") else {
        return (400, format!("not an http:// url: {url}\n"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    let future = match outgoing_handler::handle(request, None) {
        Ok(f) => f,
        Err(e) => return (502, format!("outgoing request refused: {e:?}\n")),
    };
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return (502, format!("outgoing request failed: {e:?}\n")),
        _ => return (502, "outgoing request failed\n".to_string()),
    };
    let status = response.status();
    let mut text = Vec::new();
    if let Ok(body) = response.consume()
        && let Ok(stream) = body.stream()
    {
        while let Ok(chunk) = stream.blocking_read(64 * 1024) {
            text.extend_from_slice(&chunk);
        }
    }
    (200, format!("upstream {status}: {}", String::from_utf8_lossy(&text)))
}

fn respond(out: ResponseOutparam, status: u16, body: &str) {
    let headers = Fields::new();
    let _ = headers.set("content-type", &[b"text/plain".to_vec()]);
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let outgoing = response.body().expect("a response body");
    ResponseOutparam::set(out, Ok(response));
    let stream = outgoing.write().expect("the body's stream");
    let _ = stream.blocking_write_and_flush(body.as_bytes());
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

export!(Proxy);
