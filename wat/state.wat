;; Globals of several kinds, two memories with data, a table; stops at
;; `unreachable` so the state can be read.
(module $state
  (memory $main 1 2)
  (memory $extra 1)
  (table $fns 3 funcref)
  (elem (table $fns) (i32.const 0) func $get $stop)
  (global $counter (mut i32) (i32.const 42))
  (global $limit i64 (i64.const -7))
  (global $ratio (mut f64) (f64.const 0.5))
  (global $msg i32 (i32.const 16))
  (data (memory $main) (i32.const 16) "hello, wasm\00second\00")
  (data (memory $main) (i32.const 48) "\01\00\00\00\ff\ff\ff\ff\00\00\c0\3f")
  (data (memory $extra) (i32.const 0) "other memory")
  (func $get (export "get") (result i32) global.get $counter)
  (func $stop (export "_start") (local $p i32)
    i32.const 16
    local.set $p
    unreachable))
