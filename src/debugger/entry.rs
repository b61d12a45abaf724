//! The entry point: `_start` or `--invoke NAME VALUES...`, with the values
//! parsed by the export's parameter types.

use crate::error::{Error, invalid, not_found};
use wasmtime::{Val, ValType};

use super::config::RunConfig;
use crate::program::EntryFacts;

/// The function to call and its arguments.
pub(crate) struct Entry {
    /// Export name.
    pub name: String,
    /// Function index.
    pub func_index: u32,
    /// Arguments, parsed.
    pub args: Vec<Val>,
}

/// Chooses the entry function: `--invoke NAME` or `_start`, and parses the
/// invoke values by the export's parameter types. `info` is the program
/// model's [`crate::program::ModuleInfo`], or before anything is compiled
/// the lighter [`crate::program::ExportedFuncs`]: the same refusals either
/// way.
pub(crate) fn entry_point(info: &impl EntryFacts, config: &RunConfig) -> Result<Entry, Error> {
    let (name, values) = match &config.invoke {
        Some((name, values)) => (name.as_str(), values.as_slice()),
        None => ("_start", &[][..]),
    };
    let Some(func_index) = info.exported_func(name) else {
        let listing = exports_listing(&info.exported_func_names());
        if config.invoke.is_some() {
            return Err(not_found!(
                "the module exports no function named {name:?}; {listing}"
            ));
        }
        return Err(not_found!(
            "the module has no _start (not a WASI command); use --invoke NAME; {listing}"
        ));
    };
    let params = info
        .func_params(func_index)
        .ok_or_else(|| not_found!("export {name} names a missing function"))?;
    if values.len() != params.len() {
        let types: Vec<String> = params.iter().map(|t| t.to_string()).collect();
        return Err(invalid!(
            "{name} takes {} argument{} ({}), {} given",
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            types.join(", "),
            values.len()
        ));
    }
    let args = params
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (ty, text))| {
            parse_value(*ty, text).map_err(|e| {
                e.context(format_args!(
                    "argument {} of {name} ({ty}): {text:?}",
                    i + 1
                ))
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Entry {
        name: name.to_string(),
        func_index,
        args,
    })
}

/// The most exported functions an error names (a big module exports
/// thousands).
const LISTED_EXPORTS: usize = 20;

/// `its exported functions: a, b` (or that there are none; past
/// [`LISTED_EXPORTS`], `and N more`), for the errors that tell a user what
/// can be invoked.
pub(crate) fn exports_listing<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "it exports no functions".to_string();
    }
    let shown: Vec<&str> = names
        .iter()
        .take(LISTED_EXPORTS)
        .map(AsRef::as_ref)
        .collect();
    let more = match names.len().saturating_sub(LISTED_EXPORTS) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!("its exported functions: {}{more}", shown.join(", "))
}

/// Parses a command-line value as a Wasm value of type `ty`: integers in
/// decimal or `0x` hex (negative allowed), floats as Rust parses them
/// (`inf`, `nan` included) or, for a NaN with a payload, in the text
/// format's `nan:0xPAYLOAD` / `-nan:0xPAYLOAD`.
fn parse_value(ty: wasmparser::ValType, text: &str) -> Result<Val, Error> {
    use wasmparser::ValType as T;
    Ok(match ty {
        T::I32 => Val::I32(parse_int(text, 32)? as i32),
        T::I64 => Val::I64(parse_int(text, 64)? as i64),
        T::F32 => Val::F32(match nan_bits(text, 23)? {
            Some(bits) => bits as u32,
            None => text
                .parse::<f32>()
                .map_err(|_| invalid!("not a number"))?
                .to_bits(),
        }),
        T::F64 => Val::F64(match nan_bits(text, 52)? {
            Some(bits) => bits,
            None => text
                .parse::<f64>()
                .map_err(|_| invalid!("not a number"))?
                .to_bits(),
        }),
        T::V128 | T::Ref(_) => {
            return Err(invalid!(
                "values of type {ty} cannot be given on the command line"
            ));
        }
    })
}

/// The bits of `[-]nan:0xPAYLOAD` for a float with `mantissa` fraction
/// bits; `None` when `text` is not in that form.
fn nan_bits(text: &str, mantissa: u32) -> Result<Option<u64>, Error> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let Some(payload) = rest.strip_prefix("nan:0x") else {
        return Ok(None);
    };
    let payload = u64::from_str_radix(&payload.replace('_', ""), 16)
        .map_err(|_| invalid!("not a NaN payload"))?;
    if payload == 0 || payload >> mantissa != 0 {
        return Err(invalid!(
            "a NaN payload must be from 1 to 0x{:x}",
            (1u64 << mantissa) - 1
        ));
    }
    let exponent_bits = if mantissa == 23 { 8 } else { 11 };
    let exponent = ((1u64 << exponent_bits) - 1) << mantissa;
    let sign = u64::from(negative) << (mantissa + exponent_bits);
    Ok(Some(sign | exponent | payload))
}

/// Parses a signed or unsigned integer that fits in `bits` bits.
fn parse_int(text: &str, bits: u32) -> Result<i128, Error> {
    let value =
        crate::program::number::parse_integer(text).ok_or_else(|| invalid!("not an integer"))?;
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    if value < min || value > max {
        return Err(invalid!("out of range for i{bits}"));
    }
    Ok(value)
}

pub(crate) fn default_val(ty: &ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nan_payloads_as_the_text_format_writes_them() {
        let f32_bits = |t| match parse_value(wasmparser::ValType::F32, t).unwrap() {
            Val::F32(b) => b,
            _ => unreachable!(),
        };
        assert_eq!(f32_bits("nan:0x200000"), 0x7fa0_0000);
        assert_eq!(f32_bits("-nan:0x1"), 0xff80_0001);
        assert_eq!(f32_bits("1.5"), 1.5f32.to_bits());
        assert!(parse_value(wasmparser::ValType::F32, "nan:0x800000").is_err());
        assert!(parse_value(wasmparser::ValType::F32, "nan:0x0").is_err());
        match parse_value(wasmparser::ValType::F64, "-nan:0x8000000000000").unwrap() {
            Val::F64(b) => assert_eq!(b, 0xfff8_0000_0000_0000),
            _ => unreachable!(),
        }
    }

    #[test]
    fn parses_integers_by_width() {
        assert_eq!(parse_int("-1", 32).unwrap(), -1);
        assert_eq!(parse_int("0xffffffff", 32).unwrap(), 0xffff_ffff);
        assert!(parse_int("0x100000000", 32).is_err());
        assert!(parse_int("-2147483649", 32).is_err());
        assert!(parse_int("12a", 32).is_err());
        assert_eq!(
            parse_int("-9223372036854775808", 64).unwrap(),
            i64::MIN as i128
        );
    }
}
