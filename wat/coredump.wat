;; A program to dump: two pages of memory with bytes far apart, globals of
;; every kind the format can and cannot hold, and a frame with a v128 local,
;; a funcref on the operand stack and an i64 below it. It traps in $crash.
(module
  (memory (export "memory") 2 4)
  (data (i32.const 16) "wasmdbg")
  (data (i32.const 70000) "\01\02\03")
  (global $count (mut i32) (i32.const 41))
  (global $ratio f64 (f64.const 2.5))
  (global $lanes (mut v128) (v128.const i32x4 1 2 3 4))
  (global $fn (mut funcref) (ref.func $crash))
  (elem declare func $crash)
  (func $crash (param $x i32) (param $wide v128) (result i32)
    (local $big i64)
    i64.const -7
    local.set $big
    global.get $count
    i32.const 1
    i32.add
    global.set $count
    i64.const 99
    ref.func $crash
    drop
    drop
    i64.const 5
    ref.func $crash
    local.get $x
    i32.const 0
    i32.div_u
    drop
    drop
    drop
    i32.const 0)
  (func $_start (export "_start")
    i32.const 3
    v128.const i64x2 0x1122334455667788 -1
    call $crash
    drop))
