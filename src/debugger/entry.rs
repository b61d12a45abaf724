//! The entry point: `_start` or `--invoke NAME VALUES...`, with the values
//! parsed by the export's parameter types.

use wasmtime::{Result, Val, ValType, bail, error::Context, format_err as anyhow};

use super::config::RunConfig;
use crate::wasm::ModuleInfo;

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
/// invoke values by the export's parameter types.
pub(crate) fn entry_point(info: &ModuleInfo, config: &RunConfig) -> Result<Entry> {
    let (name, values) = match &config.invoke {
        Some((name, values)) => (name.as_str(), values.as_slice()),
        None => ("_start", &[][..]),
    };
    let Some(func_index) = info.exported_func(name) else {
        let exported = info.exported_func_names();
        let listing = if exported.is_empty() {
            "it exports no functions".to_string()
        } else {
            format!("its exported functions: {}", exported.join(", "))
        };
        if config.invoke.is_some() {
            bail!("the module exports no function named {name:?}; {listing}");
        }
        bail!("the module has no _start (not a WASI command); use --invoke NAME; {listing}");
    };
    let func = info
        .func(func_index)
        .ok_or_else(|| anyhow!("export {name} names a missing function"))?;
    if values.len() != func.params.len() {
        let types: Vec<String> = func.params.iter().map(|t| t.to_string()).collect();
        bail!(
            "{name} takes {} argument{} ({}), {} given",
            func.params.len(),
            if func.params.len() == 1 { "" } else { "s" },
            types.join(", "),
            values.len()
        );
    }
    let args = func
        .params
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (ty, text))| {
            parse_value(*ty, text)
                .with_context(|| format!("argument {} of {name} ({ty}): {text:?}", i + 1))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Entry {
        name: name.to_string(),
        func_index,
        args,
    })
}

/// Parses a command-line value as a Wasm value of type `ty`: integers in
/// decimal or `0x` hex (negative allowed), floats as Rust parses them
/// (`inf`, `nan` included).
fn parse_value(ty: wasmparser::ValType, text: &str) -> Result<Val> {
    use wasmparser::ValType as T;
    Ok(match ty {
        T::I32 => Val::I32(parse_int(text, 32)? as i32),
        T::I64 => Val::I64(parse_int(text, 64)? as i64),
        T::F32 => Val::F32(
            text.parse::<f32>()
                .map_err(|_| anyhow!("not a number"))?
                .to_bits(),
        ),
        T::F64 => Val::F64(
            text.parse::<f64>()
                .map_err(|_| anyhow!("not a number"))?
                .to_bits(),
        ),
        T::V128 | T::Ref(_) => bail!("values of type {ty} cannot be given on the command line"),
    })
}

/// Parses a signed or unsigned integer that fits in `bits` bits.
fn parse_int(text: &str, bits: u32) -> Result<i128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| anyhow!("not an integer"))?;
    let value = if neg { -magnitude } else { magnitude };
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    if value < min || value > max {
        bail!("out of range for i{bits}");
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
