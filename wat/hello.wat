;; Prints "hello" through WASI fd_write and returns normally.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func $_start (export "_start")
    ;; iovec at 0: base 16, len 6
    i32.const 0 i32.const 16 i32.store
    i32.const 4 i32.const 6 i32.store
    i32.const 1 i32.const 0 i32.const 1 i32.const 8
    call $fd_write
    drop))
