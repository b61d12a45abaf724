;; No _start: only exported functions, for --invoke.
(module
  (func (export "add") (param $a i32) (param $b i64) (result i64)
    local.get $a
    i64.extend_i32_s
    local.get $b
    i64.add)
  (func (export "half") (param $x f64) (result f64 f32)
    local.get $x
    f64.const 0.5
    f64.mul
    f32.const 1.5))
