;; Counts calls in a global and stores a running sum in memory; for
;; watchpoints on a global and on memory.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func $bump (param $n i32)
    global.get $calls
    i32.const 1
    i32.add
    global.set $calls
    i32.const 64
    i32.const 64
    i32.load
    local.get $n
    i32.add
    i32.store
    i32.const 100
    local.get $n
    i32.store8)
  (func $_start (export "_start")
    i32.const 5
    call $bump
    i32.const 7
    call $bump))
