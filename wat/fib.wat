;; Recursive Fibonacci with a helper; for breakpoints, stepping and finish.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func $fib (param $n i32) (result i32)
    global.get $calls
    i32.const 1
    i32.add
    global.set $calls
    local.get $n
    i32.const 2
    i32.lt_s
    if (result i32)
      local.get $n
    else
      local.get $n
      i32.const 1
      i32.sub
      call $fib
      local.get $n
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (func $pair (result i64 f64)
    i64.const -1
    f64.const 2.5)
  (func $_start (export "_start")
    (local $r i32)
    i32.const 6
    call $fib
    local.set $r
    call $pair
    drop
    drop
    local.get $r
    call $proc_exit))
