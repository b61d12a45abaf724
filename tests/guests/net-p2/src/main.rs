//! Reads a number from a TCP server through wasi:sockets and divides 100 by
//! it (a divide by zero when the server says 0): the recording of a
//! component's socket calls (tests/cli/replay.rs). Usage: net-p2 HOST:PORT.

use std::io::Read;
use std::net::TcpStream;

fn main() {
    let addr = std::env::args().nth(1).expect("usage: net-p2 HOST:PORT");
    let mut stream = TcpStream::connect(&addr).expect("connect");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let n: u32 = text.trim().parse().expect("a number");
    println!("the server said {n}");
    println!("100 / {n} = {}", divide(100, n));
}

#[inline(never)]
fn divide(a: u32, b: u32) -> u32 {
    a / b
}
