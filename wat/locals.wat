;; A function with a local of every value type, stopped by `unreachable`.
(module
  (func $target)
  (elem declare func $target)
  (func $all_types (export "all_types")
        (param $i i32) (param $l i64) (param $f f32) (param $d f64)
    (local $v v128) (local $fn funcref) (local $nofn funcref)
    (local $ext externref) (local $any anyref) (local $exn exnref)
    (local $i31 i31ref)
    v128.const i32x4 1 2 3 -1
    local.set $v
    ref.func $target
    local.set $fn
    i32.const 42
    ref.i31
    local.set $i31
    unreachable))
