//! A benchmark workload for recording components (benches/debug_costs.rs,
//! figure 13): counts the words of a text file read line by line, prints
//! each line's number and word count (one host call per line), then the
//! ten most frequent words. `wordfreq FILE`.

use std::collections::HashMap;
use std::io::{BufRead, Write};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot open {path}: {e}");
            std::process::exit(2);
        }
    };
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut out = std::io::stdout().lock();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.unwrap_or_default();
        let mut words = 0;
        for word in line.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            if !word.is_empty() {
                *counts.entry(word).or_default() += 1;
                words += 1;
            }
        }
        // One write per line: `println!` to a locked stdout flushes at
        // every newline.
        let _ = writeln!(out, "{n} {words}");
    }
    let mut top: Vec<(&String, &u64)> = counts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (word, count) in top.iter().take(10) {
        let _ = writeln!(out, "{word} {count}");
    }
}
