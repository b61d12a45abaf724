//! The one reader of integers typed by a user or a client: module offsets,
//! addresses, element indexes, `--invoke` arguments, expression literals,
//! DAP references.

/// An integer as written: decimal, or hexadecimal after `0x` or `0X`, with
/// an optional leading `-`; surrounding whitespace is ignored. `None` for
/// anything else (an empty string, a sign alone, other characters, a
/// magnitude past 128 bits).
pub fn parse_integer(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (radix, digits) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, digits),
    };
    // from_str_radix takes a sign of its own; only ours is allowed.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// [`parse_integer`] for a value that cannot be negative and fits in 64
/// bits: an address or a module offset.
pub fn parse_address(text: &str) -> Option<u64> {
    parse_integer(text).and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_hex_either_case_and_nothing_else() {
        assert_eq!(parse_integer("6699"), Some(6699));
        assert_eq!(parse_integer("0x1a2B"), Some(0x1a2b));
        assert_eq!(parse_integer("0X1A2B"), Some(0x1a2b));
        assert_eq!(parse_integer(" -0x10 "), Some(-16));
        assert_eq!(parse_integer("-7"), Some(-7));
        for bad in [
            "", "-", "0x", "+5", "0x-5", "--5", "1e3", "12a", "0xg", "0x+1",
        ] {
            assert_eq!(parse_integer(bad), None, "{bad:?}");
        }
        assert_eq!(parse_address("0xffffffffffffffff"), Some(u64::MAX));
        assert_eq!(parse_address("0x10000000000000000"), None);
        assert_eq!(parse_address("-1"), None);
    }
}
