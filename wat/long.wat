;; A function longer than the disassembly window (40 instructions).
(module
  (func $long (export "_start") (local $x i32)
    i32.const 1 local.set $x  i32.const 2 local.set $x  i32.const 3 local.set $x
    i32.const 4 local.set $x  i32.const 5 local.set $x  i32.const 6 local.set $x
    i32.const 7 local.set $x  i32.const 8 local.set $x  i32.const 9 local.set $x
    i32.const 10 local.set $x i32.const 11 local.set $x i32.const 12 local.set $x
    i32.const 13 local.set $x i32.const 14 local.set $x i32.const 15 local.set $x
    i32.const 16 local.set $x i32.const 17 local.set $x i32.const 18 local.set $x
    i32.const 19 local.set $x i32.const 20 local.set $x))
