//! wasmdbg's test program for components: one source, built as a core
//! module (wasm32-wasip1) and as a component (wasm32-wasip2). The first
//! argument picks what it does:
//!
//! - `panic`: a panic four calls deep (`audit` recursing into `settle`);
//! - `divide N D`: prints `ratio(N, D)`, an integer division (D = 0 panics
//!   with "attempt to divide by zero");
//! - `read FILE`: prints the file;
//! - `exit`: prints a line and exits with `std::process::exit(3)`.

/// A bank account: what the test prints as a struct and by field.
#[derive(Clone, Copy, Debug)]
struct Account {
    id: u32,
    balance: i64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("");
    match mode {
        "panic" => {
            let account = Account { id: 7, balance: -40 };
            let total = audit(account, 3);
            println!("audited {total}");
        }
        "divide" => {
            let n: i32 = number(&args, 2);
            let d: i32 = number(&args, 3);
            println!("{}", ratio(n, d));
        }
        "read" => match std::fs::read_to_string(args.get(2).map_or("", String::as_str)) {
            Ok(text) => print!("{text}"),
            Err(e) => {
                eprintln!("cannot read: {e}");
                std::process::exit(1);
            }
        },
        "exit" => {
            println!("exiting with 3");
            std::process::exit(3);
        }
        _ => {
            eprintln!("usage: app panic | divide N D | read FILE | exit");
            std::process::exit(2);
        }
    }
}

fn number(args: &[String], i: usize) -> i32 {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(0)
}

/// Walks `depth` levels down before settling the account.
fn audit(account: Account, depth: u32) -> i64 {
    if depth == 0 {
        return settle(account);
    }
    let below = audit(account, depth - 1);
    below + 1
}

/// Panics for an overdrawn account.
fn settle(account: Account) -> i64 {
    let balance = account.balance;
    if balance < 0 {
        panic!("account {} is overdrawn by {}", account.id, -balance);
    }
    balance
}

/// `n * 100 / d`.
fn ratio(n: i32, d: i32) -> i32 {
    let scaled = n * 100;
    scaled / d
}
