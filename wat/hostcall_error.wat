;; Calls WASI fd_write without exporting a memory: the host call fails.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (func $_start (export "_start")
    i32.const 1 i32.const 0 i32.const 1 i32.const 8
    call $fd_write
    drop))
