;; Writes the first $len bytes at 16 to stdout, then exits with $code; the
;; debugger's writes to those globals and that memory change what it does.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $len (mut i32) (i32.const 6))
  (global $code (mut i32) (i32.const 0))
  (data (i32.const 16) "hello\n")
  (func $_start (export "_start")
    i32.const 0 i32.const 16 i32.store
    i32.const 4 global.get $len i32.store
    i32.const 1 i32.const 0 i32.const 1 i32.const 8
    call $fd_write
    drop
    global.get $code
    call $proc_exit))
