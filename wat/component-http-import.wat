;; A component that imports wasi:http's outgoing handler, which wasmdbg
;; does not provide: refused before anything is compiled.
(component
  (import "wasi:http/outgoing-handler@0.2.0" (instance))
  (core module $m (func (export "f")))
)
