;; A component using a component-model feature (async's
;; `backpressure.inc`) that wasmdbg's wasmtime 48 engine does not enable.
(component
  (core func $bp (canon backpressure.inc))
  (core module $m (func (export "f")))
)
