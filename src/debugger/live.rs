//! [`LiveTarget`]: a live pause — a run's, or a replay's (a run whose
//! host calls are answered from a trace) — as a [`Target`], read through
//! wasmtime's debug API.

use crate::error::{Error, not_found, unavailable};
use wasmtime::StoreContextMut;

use super::frames::{Paused, WasmFrame};
use super::protocol::{CoreModuleId, Value};
use super::state::{Host, Shared};
use super::target::{Place, Target, memory_range};
use super::values::{ValueReader, value_of};
use crate::program::expr::Num;

/// A live pause's store as a [`Target`].
pub(crate) struct LiveTarget<'a, 'b> {
    shared: &'a Shared,
    store: &'a mut StoreContextMut<'b, Host>,
    /// The instance looked up last (an expression reads one module's).
    instance: Option<(CoreModuleId, Option<wasmtime::Instance>)>,
    /// Each core module's value reader (references described by their
    /// instance: a funcref's function, an i31's value), made when needed.
    readers: Vec<Option<ValueReader>>,
}

impl<'a, 'b> LiveTarget<'a, 'b> {
    pub(crate) fn new(shared: &'a Shared, store: &'a mut StoreContextMut<'b, Host>) -> Self {
        LiveTarget {
            shared,
            store,
            instance: None,
            readers: Vec::new(),
        }
    }

    /// `v`, a value of `module`'s code, as an owned value: numbers as they
    /// are, references described through the module's instance.
    fn value(&mut self, module: CoreModuleId, v: &wasmtime::Val) -> Value {
        use wasmtime::Val;
        if !matches!(v, Val::FuncRef(Some(_)) | Val::AnyRef(Some(_))) {
            return value_of(v);
        }
        let i = module.index();
        if self.readers.len() <= i {
            self.readers.resize_with(i + 1, || None);
        }
        let mut reader = match self.readers[i].take() {
            Some(reader) => reader,
            None => ValueReader::new(
                self.instance(module).ok(),
                self.shared.program.info(module).clone(),
            ),
        };
        let value = reader.read(self.store, v);
        self.readers[i] = Some(reader);
        value
    }

    fn instance(&mut self, module: CoreModuleId) -> Result<wasmtime::Instance, Error> {
        let instance = match self.instance {
            Some((m, instance)) if m == module => instance,
            _ => {
                let instance = self.shared.instance(self.store, module);
                self.instance = Some((module, instance));
                instance
            }
        };
        instance.ok_or_else(|| unavailable!("the module is not instantiated yet"))
    }

    fn memory(&mut self, module: CoreModuleId, memory: u32) -> Result<wasmtime::Memory, Error> {
        let instance = self.instance(module)?;
        instance
            .debug_memory(&mut *self.store, memory)
            .ok_or_else(|| match self.shared.info(module).memories().len() {
                0 => not_found!("the module has no memory"),
                n if (memory as usize) < n => {
                    unavailable!(
                        "memory {memory} is shared; reading shared memory is not supported"
                    )
                }
                n => not_found!("no memory {memory}: the module has {n} (0-{})", n - 1),
            })
    }
}

impl Target for LiveTarget<'_, '_> {
    type Frame = WasmFrame;

    fn program(&self) -> &crate::program::Program {
        &self.shared.program
    }

    fn history(&self) -> Vec<Num> {
        self.shared.lasting.history()
    }

    fn place(&self, frame: &WasmFrame) -> Place {
        Place {
            module: frame.module,
            func: frame.func,
            pc: frame.pc,
        }
    }

    fn num_locals(&mut self, frame: &WasmFrame) -> Result<u32, Error> {
        frame
            .handle
            .num_locals(&mut *self.store)
            .map_err(|e| unavailable!("{e}"))
    }

    fn stack_depth(&mut self, frame: &WasmFrame) -> Result<u32, Error> {
        frame
            .handle
            .num_stacks(&mut *self.store)
            .map_err(|e| unavailable!("{e}"))
    }

    fn local(&mut self, frame: &WasmFrame, index: u32) -> Result<Value, Error> {
        let n = frame
            .handle
            .num_locals(&mut *self.store)
            .map_err(|e| unavailable!("{e}"))?;
        if index >= n {
            return Err(not_found!("no local {index}: the function has {n}"));
        }
        let v = frame
            .handle
            .local(&mut *self.store, index)
            .map_err(|e| unavailable!("{e}"))?;
        Ok(self.value(frame.module, &v))
    }

    fn operand(&mut self, frame: &WasmFrame, index: u32) -> Result<Value, Error> {
        let n = frame
            .handle
            .num_stacks(&mut *self.store)
            .map_err(|e| unavailable!("{e}"))?;
        if index >= n {
            return Err(not_found!(
                "no operand stack entry {index}: the stack has {n}"
            ));
        }
        let v = frame
            .handle
            .stack(&mut *self.store, index)
            .map_err(|e| unavailable!("{e}"))?;
        Ok(self.value(frame.module, &v))
    }

    fn global(&mut self, module: CoreModuleId, index: u32) -> Result<Value, Error> {
        let instance = self.instance(module)?;
        let global = instance
            .debug_global(&mut *self.store, index)
            .ok_or_else(|| not_found!("no global {index}"))?;
        let v = global.get(&mut *self.store);
        Ok(self.value(module, &v))
    }

    fn memory_size(&mut self, module: CoreModuleId, memory: u32) -> Result<u64, Error> {
        let m = self.memory(module, memory)?;
        Ok(m.data(&*self.store).len() as u64)
    }

    fn read_memory(
        &mut self,
        module: CoreModuleId,
        memory: u32,
        address: u64,
        len: u64,
    ) -> Result<Vec<u8>, Error> {
        let m = self.memory(module, memory)?;
        memory_range(m.data(&*self.store), memory, address, len).map(<[u8]>::to_vec)
    }
}

/// Frame `index` of `paused` with its locals (all of them, in index order)
/// and its operand stack (bottom to top), read through the live target:
/// what a core dump records of a frame, and what a reverse command's state
/// hash covers.
///
/// # Errors
/// Past the stack; a value the engine refuses to read.
pub(crate) fn frame_values(
    shared: &Shared,
    store: &mut StoreContextMut<'_, Host>,
    paused: &mut Paused,
    index: usize,
) -> wasmtime::Result<(WasmFrame, Vec<Value>, Vec<Value>)> {
    let frame = paused.frame(store, index)?.clone();
    let mut target = LiveTarget::new(shared, store);
    let locals = super::target::locals(&mut target, &frame)?
        .into_iter()
        .map(|l| l.value)
        .collect();
    let stack = super::target::operand_stack(&mut target, &frame)?;
    Ok((frame, locals, stack))
}
