//! wasmdbg's recording test for components (tests/cli/replay.rs): reads
//! every kind of input a WASI 0.2 command has — the wall clock, random
//! numbers (through std's hash keys), stdin, an environment variable, its
//! arguments and a file in a preopened directory — prints what it read,
//! writes a file, then divides by the number the file held (0 panics with
//! "attempt to divide by zero"). Recording it and replaying it after the
//! inputs changed or were deleted must give the same output, the same
//! values and the same panic.

use std::hash::BuildHasher;
use std::io::BufRead;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let random = std::collections::hash_map::RandomState::new().hash_one(0u8);
    println!("time {secs}.{:09}", now.subsec_nanos());
    println!("random {random:016x}");

    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let line = line.trim_end().to_string();
    println!("stdin {line:?} ({} bytes)", line.len());

    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args {}: {}", args.len(), args.join(" "));
    let who = std::env::var("WHO").unwrap_or_else(|_| "(unset)".to_string());
    println!("WHO={who}");

    let number = match std::fs::read_to_string("data/divisor.txt") {
        Ok(text) => text,
        Err(e) => {
            println!("cannot read data/divisor.txt: {e}");
            std::process::exit(2);
        }
    };
    let divisor: u64 = number.trim().parse().unwrap_or(0);
    let report = format!("{line} / {divisor}\n");
    if let Err(e) = std::fs::write("data/report.txt", &report) {
        println!("cannot write data/report.txt: {e}");
    }
    println!("total {}", share(line.len() as u64 + secs % 7, divisor));
}

/// `total / divisor`: the division that panics on a zero divisor.
fn share(total: u64, divisor: u64) -> u64 {
    total / divisor
}
