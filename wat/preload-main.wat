;; Imports two functions from a module preloaded as `lib`
;; (`--preload lib=wat/preload-lib.wat`): double(21), then ratio(42, 0),
;; which traps in lib.
(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "lib" "ratio" (func $ratio (param i32 i32) (result i32)))
  (func $main (export "_start")
    (local $twice i32)
    i32.const 21
    call $double
    local.set $twice
    local.get $twice
    i32.const 0
    call $ratio
    drop))
