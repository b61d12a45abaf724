;; Known values for record, replay and reverse execution. `_start` reads the
;; clock (an input only the trace knows), then a loop calls $bump five times
;; (i = 0..4), adding i + 10 to $acc and storing the running total at
;; address 100 (10, 21, 33, 46, 60); it writes "ok\n" to stdout and traps
;; dividing 1 by $acc - 60 = 0.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 16) "ok\n")

  (func $bump (param $x i32) (result i32)
    global.get $calls
    i32.const 1
    i32.add
    global.set $calls
    local.get $x
    i32.const 10
    i32.add)

  (func $main (export "_start")
    (local $i i32) (local $acc i32)
    i32.const 0
    i64.const 1
    i32.const 200
    call $clock_time_get
    drop
    (loop $again
      local.get $acc
      local.get $i
      call $bump
      i32.add
      local.set $acc
      i32.const 100
      local.get $acc
      i32.store
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.const 5
      i32.lt_u
      br_if $again)
    ;; iovec {16, 3} at 0; the count written goes to 8
    i32.const 0
    i32.const 16
    i32.store
    i32.const 4
    i32.const 3
    i32.store
    i32.const 1
    i32.const 0
    i32.const 1
    i32.const 8
    call $fd_write
    drop
    i32.const 1
    local.get $acc
    i32.const 60
    i32.sub
    i32.div_u
    drop))
