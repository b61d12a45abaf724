;; A three-deep call chain that divides by zero: _start -> compute -> divide.
;; compute leaves a value on its operand stack across the call.
(module
  (func $divide (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.div_s)
  (func $compute (param $n i32) (result i32)
    (local $x i32)
    i32.const 100
    local.set $x
    i32.const 7
    local.get $x
    local.get $n
    call $divide
    i32.add)
  (func $_start (export "_start")
    i32.const 0
    call $compute
    drop))
