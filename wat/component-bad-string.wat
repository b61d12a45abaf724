;; A component whose core function returns a string pointer past the end of
;; its memory: lifting the result fails in the component model's glue.
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      i32.const 0)
    ;; The canonical ABI returns a string through a pointer to
    ;; (pointer, length): here (0xfffff000, 16), outside the 64 KiB memory.
    (func (export "name") (result i32)
      i32.const 8
      i32.const 0xfffff000
      i32.store
      i32.const 12
      i32.const 16
      i32.store
      i32.const 8))
  (core instance $i (instantiate $m))
  (func (export "name") (result string)
    (canon lift (core func $i "name") (memory (core memory $i "memory"))
      (realloc (core func $i "cabi_realloc"))))
)
