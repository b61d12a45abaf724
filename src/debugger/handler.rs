//! The debug handler wasmtime calls at every event: it hands the event to
//! [`super::events`], which decides whether it is a pause
//! ([`super::pause`]).

use std::sync::Arc;

use wasmtime::{DebugEvent, DebugHandler, StoreContextMut};

use super::events::on_event;
use super::state::{Host, Shared};

/// The handler wasmtime calls at every debug event; cheap to clone.
#[derive(Clone)]
pub(crate) struct Handler(pub(crate) Arc<Shared>);

impl DebugHandler for Handler {
    type Data = Host;

    fn handle(
        &self,
        store: StoreContextMut<'_, Host>,
        event: DebugEvent<'_>,
    ) -> impl Future<Output = ()> + Send {
        // All the work happens here, synchronously, while wasmtime holds the
        // guest paused; the returned future is already complete.
        on_event(&self.0, store, event);
        std::future::ready(())
    }
}
