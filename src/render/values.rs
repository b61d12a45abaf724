//! One Wasm value as text.

use crate::debugger::protocol::Value;

/// Formats a value: i32/i64 in decimal and hex, f32/f64 as the shortest text
/// that reads back to the same bits (NaN with its bit pattern), v128 as hex
/// and i32x4 lanes, references as `null` or a short description.
pub fn value(v: &Value) -> String {
    match v {
        Value::I32(x) => format!("{x} (0x{:x})", *x as u32),
        Value::I64(x) => format!("{x} (0x{:x})", *x as u64),
        Value::F32(bits) => {
            let f = f32::from_bits(*bits);
            if f.is_nan() {
                format!("nan (0x{bits:08x})")
            } else {
                format!("{f:?}")
            }
        }
        Value::F64(bits) => {
            let f = f64::from_bits(*bits);
            if f.is_nan() {
                format!("nan (0x{bits:016x})")
            } else {
                format!("{f:?}")
            }
        }
        Value::V128(x) => {
            let lanes: Vec<String> = (0..4)
                .map(|i| ((x >> (32 * i)) as u32 as i32).to_string())
                .collect();
            format!("0x{x:032x} i32x4 [{}]", lanes.join(", "))
        }
        Value::Ref { desc: None, .. } => "null".to_string(),
        Value::Ref { desc: Some(d), .. } => format!("<{d}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_type() {
        assert_eq!(value(&Value::I32(-1)), "-1 (0xffffffff)");
        assert_eq!(value(&Value::I64(255)), "255 (0xff)");
        assert_eq!(value(&Value::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(value(&Value::F64(0.1f64.to_bits())), "0.1");
        assert_eq!(value(&Value::F64(f64::INFINITY.to_bits())), "inf");
        assert_eq!(value(&Value::F32(0x7fc0_0000)), "nan (0x7fc00000)");
        assert_eq!(
            value(&Value::V128(
                1 | (2 << 32) | (3 << 64) | (0xffff_ffff << 96)
            )),
            "0xffffffff000000030000000200000001 i32x4 [1, 2, 3, -1]"
        );
        let null = Value::Ref {
            heap: "funcref",
            desc: None,
        };
        assert_eq!(value(&null), "null");
    }
}
