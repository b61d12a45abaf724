;; Preloaded by wat/preload-main.wat's tests (`--preload lib=wat/preload-lib.wat`):
;; $double, and $ratio, which traps when its divisor is 0.
(module
  (func $double (export "double") (param $x i32) (result i32)
    local.get $x
    i32.const 2
    i32.mul)
  (func $ratio (export "ratio") (param $n i32) (param $d i32) (result i32)
    local.get $n
    local.get $d
    i32.div_s))
