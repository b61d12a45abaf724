//! Wasm values from wasmtime to the protocol's owned [`Value`].

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::{Instance, StoreContextMut, Val};

use super::protocol::{RefType, Value};
use crate::program::ModuleInfo;

/// Converts a wasmtime value to an owned [`Value`].
pub(crate) fn value_of(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(*v),
        Val::F64(v) => Value::F64(*v),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::Ref {
            heap: RefType::Func,
            desc: f.as_ref().map(|_| "function".to_string()),
        },
        Val::ExternRef(r) => Value::Ref {
            heap: RefType::Extern,
            desc: r.as_ref().map(|_| "host reference".to_string()),
        },
        Val::AnyRef(r) => Value::Ref {
            heap: RefType::Any,
            desc: r.as_ref().map(|_| "GC object".to_string()),
        },
        Val::ExnRef(r) => Value::Ref {
            heap: RefType::Exn,
            desc: r.as_ref().map(|_| "exception".to_string()),
        },
        Val::ContRef(r) => Value::Ref {
            heap: RefType::Cont,
            desc: r.as_ref().map(|_| "continuation".to_string()),
        },
    }
}

/// Converts values that need the store to describe: an i31 reference's
/// value, a funcref's function. Kept per pause and core module by whoever
/// reads values (a pause's frame walk, a live target): the map from funcref
/// to function index is built on first need.
pub(crate) struct ValueReader {
    instance: Option<Instance>,
    info: Arc<ModuleInfo>,
    /// `Func::to_raw` pointer (as an address) -> function index.
    funcs: Option<HashMap<usize, u32>>,
}

impl ValueReader {
    pub(crate) fn new(instance: Option<Instance>, info: Arc<ModuleInfo>) -> ValueReader {
        ValueReader {
            instance,
            info,
            funcs: None,
        }
    }

    pub(crate) fn read<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        val: &Val,
    ) -> Value {
        match val {
            Val::AnyRef(Some(r)) => {
                if let Ok(Some(i31)) = r.as_i31(&*store) {
                    return Value::Ref {
                        heap: RefType::Any,
                        desc: Some(format!("i31 {}", i31.get_i32())),
                    };
                }
            }
            Val::FuncRef(Some(f)) => {
                let raw = f.to_raw(&mut *store) as usize;
                if let Some(index) = self.func_index(store, raw) {
                    let desc = match self.info.func_name(index) {
                        Some(name) => format!("func[{index}] {name}"),
                        None => format!("func[{index}]"),
                    };
                    return Value::Ref {
                        heap: RefType::Func,
                        desc: Some(desc),
                    };
                }
            }
            _ => {}
        }
        value_of(val)
    }

    fn func_index<T: 'static>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        raw: usize,
    ) -> Option<u32> {
        let instance = self.instance?;
        let funcs = self.funcs.get_or_insert_with(|| {
            (0..self.info.num_funcs())
                .filter_map(|i| {
                    let f = instance.debug_function(&mut *store, i)?;
                    Some((f.to_raw(&mut *store) as usize, i))
                })
                .collect()
        });
        funcs.get(&raw).copied()
    }
}
