//! A small library whose unit tests wasmdbg runs as cargo's runner, for
//! wasm32-wasip1 (a core module) and wasm32-wasip2 (a component). With the
//! `failing` feature one test fails.

/// How many whole times `part` fits in `total`.
pub fn ratio(total: u32, part: u32) -> u32 {
    total / part
}

#[cfg(test)]
mod tests {
    use super::ratio;

    #[test]
    fn ten_holds_two_five_times() {
        assert_eq!(ratio(10, 2), 5);
    }

    #[cfg(feature = "failing")]
    #[test]
    fn ten_holds_three_four_times() {
        let times = ratio(10, 3);
        assert_eq!(times, 4, "10 / 3");
    }
}
