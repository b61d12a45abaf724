//! Reading the paused program's state beyond frames: globals, memory and
//! table sizes, and memory contents for `x`.

use wasmtime::{StoreContextMut, Val};

use super::expr::{Expr, Num};
use super::frames::Paused;
use super::handler::eval_in;
use super::protocol::{Examine, GlobalInfo, Response};
use super::values::ValueReader;
use super::worker::{Host, Shared, lock};

/// Serves the state requests; hands any other request back.
pub(crate) fn serve(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    request: super::protocol::Request,
) -> Result<Response, super::protocol::Request> {
    use super::protocol::Request as R;
    let instance = *lock(&shared.instance);
    let no_instance = || Response::Error("the module is not instantiated yet".to_string());
    Ok(match request {
        R::Globals => match instance {
            None => no_instance(),
            Some(instance) => {
                let mut values = ValueReader::new(Some(instance), shared.info.clone());
                let globals = shared
                    .info
                    .globals()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, decl)| {
                        let index = i as u32;
                        let global = instance.debug_global(&mut *store, index)?;
                        let val: Val = global.get(&mut *store);
                        Some(GlobalInfo {
                            index,
                            name: shared.info.global_name(index).map(str::to_string).or_else(
                                || {
                                    shared
                                        .info
                                        .exports()
                                        .iter()
                                        .find(|(_, k, j)| {
                                            *k == crate::wasm::ExportKind::Global && *j == index
                                        })
                                        .map(|(n, _, _)| n.clone())
                                },
                            ),
                            ty: decl.ty.clone(),
                            mutable: decl.mutable,
                            import: decl.import.clone(),
                            value: values.read(store, &val),
                        })
                    })
                    .collect();
                Response::Globals(globals)
            }
        },
        R::MemorySizes => match instance {
            None => no_instance(),
            Some(instance) => Response::Sizes(
                (0..shared.info.memories().len() as u32)
                    .map(|i| {
                        instance
                            .debug_memory(&mut *store, i)
                            .map(|m| m.data_size(&*store) as u64)
                            .or_else(|| {
                                instance
                                    .debug_shared_memory(&mut *store, i)
                                    .map(|m| m.data_size() as u64)
                            })
                    })
                    .collect(),
            ),
        },
        R::TableSizes => match instance {
            None => no_instance(),
            Some(instance) => Response::Sizes(
                (0..shared.info.tables().len() as u32)
                    .map(|i| {
                        instance
                            .debug_table(&mut *store, i)
                            .map(|t| t.size(&*store))
                    })
                    .collect(),
            ),
        },
        R::Examine(x) => examine(shared, store, paused, &x).unwrap_or_else(Response::Error),
        other => return Err(other),
    })
}

/// Reads memory for `x`: evaluates the address in the frame, checks the
/// range against the memory's current size.
fn examine(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    x: &Examine,
) -> Result<Response, String> {
    paused
        .check_pause(x.frame.pause)
        .map_err(|e| e.to_string())?;
    let (handle, func, _) = paused
        .frame(store, x.frame.index)
        .map_err(|e| e.to_string())?
        .clone();
    let expr = Expr::parse(&x.address)?;
    let address = match eval_in(shared, store, &handle, func, &expr)? {
        Num::Int(a) if a >= 0 => a as u64,
        Num::Int(a) => return Err(format!("the address {a} is negative")),
        Num::Float(f) => return Err(format!("the address {f} is not an integer")),
    };
    let instance = lock(&shared.instance).ok_or("the module is not instantiated yet")?;
    let count = shared.info.memories().len();
    let Some(memory) = instance.debug_memory(&mut *store, x.memory) else {
        return Err(match count {
            0 => "the module has no memory".to_string(),
            n if (x.memory as usize) < n => {
                format!(
                    "memory {} is shared; reading shared memory is not supported",
                    x.memory
                )
            }
            n => format!("no memory {}: the module has {n} (0-{})", x.memory, n - 1),
        });
    };
    let data = memory.data(&*store);
    let size = data.len() as u64;
    if let Some(n) = x.strings {
        let mut strings = Vec::new();
        let mut at = address;
        for _ in 0..n {
            if at >= size {
                return Err(format!(
                    "0x{at:x} is past the end of memory {} ({size} bytes)",
                    x.memory
                ));
            }
            let rest = &data[at as usize..];
            let limit = rest.len().min(x.len as usize);
            let end = rest[..limit].iter().position(|b| *b == 0).unwrap_or(limit);
            strings.push((at, rest[..end].to_vec()));
            at += end as u64 + 1;
        }
        return Ok(Response::Memory {
            address,
            bytes: Vec::new(),
            strings,
        });
    }
    let end = address.saturating_add(x.len);
    if end > size {
        return Err(format!(
            "cannot read {} bytes at 0x{address:x}: memory {} is {size} bytes (0x{size:x})",
            x.len, x.memory
        ));
    }
    Ok(Response::Memory {
        address,
        bytes: data[address as usize..end as usize].to_vec(),
        strings: Vec::new(),
    })
}
