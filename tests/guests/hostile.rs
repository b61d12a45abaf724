//! A WASI program for wasmdbg's sandbox and hostile-guest tests. Each
//! argument is one action, done in order:
//!
//! - `env`: print the environment, sorted
//! - `read:PATH`, `write:PATH`: read or create a file, print what happened
//! - `stdin`: read stdin to its end, print how many bytes
//! - `junk:N`: write N bytes of binary junk (every byte value, escape
//!   sequences included) to stdout, without a final newline
//! - `grow:MIB`: allocate MIB mebibytes, 1 MiB at a time, touching each
//!
//! Built with (rustc 1.95, wasm32-wasip1):
//! `rustc --target wasm32-wasip1 -C opt-level=1 -C strip=debuginfo tests/guests/hostile.rs -o tests/guests/hostile.wasm`

use std::io::{Read, Write};

fn main() {
    let mut failed = false;
    for arg in std::env::args().skip(1) {
        let (action, rest) = arg.split_once(':').unwrap_or((&arg, ""));
        match action {
            "env" => {
                let mut vars: Vec<(String, String)> = std::env::vars().collect();
                vars.sort();
                println!("env: {} variables", vars.len());
                for (k, v) in vars {
                    println!("  {k}={v}");
                }
            }
            "read" => match std::fs::read(rest) {
                Ok(bytes) => println!("read {rest}: {} bytes", bytes.len()),
                Err(e) => {
                    println!("read {rest}: {e}");
                    failed = true;
                }
            },
            "write" => match std::fs::write(rest, "written by the guest\n") {
                Ok(()) => println!("write {rest}: ok"),
                Err(e) => {
                    println!("write {rest}: {e}");
                    failed = true;
                }
            },
            "stdin" => {
                let mut buf = Vec::new();
                match std::io::stdin().read_to_end(&mut buf) {
                    Ok(n) => println!("stdin: {n} bytes"),
                    Err(e) => println!("stdin: {e}"),
                }
            }
            "junk" => {
                let n: usize = rest.parse().unwrap_or(0);
                let junk: Vec<u8> = (0..n).map(|i| (i * 7 % 256) as u8).collect();
                std::io::stdout().write_all(&junk).unwrap();
                std::io::stdout().flush().unwrap();
            }
            "grow" => {
                let mib: usize = rest.parse().unwrap_or(0);
                let mut blocks = Vec::new();
                for i in 0..mib {
                    blocks.push(vec![i as u8; 1 << 20]);
                }
                println!("grow: {} MiB allocated", blocks.len());
            }
            _ => {
                println!("unknown action {arg}");
                failed = true;
            }
        }
    }
    std::process::exit(if failed { 1 } else { 0 });
}
