;; A NaN from 0/0 whose bits the program prints as 8 hex digits: recorded
;; and replayed with NaN results canonicalised, both print 7fc00000 (plain
;; code on x86-64 gives the default NaN, ffc00000).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "0123456789abcdef")
  (func (export "_start")
    (local $bits i32) (local $i i32)
    f32.const 0
    f32.const 0
    f32.div
    i32.reinterpret_f32
    local.set $bits
    (loop $digits
      (i32.store8
        (i32.add (i32.const 16) (local.get $i))
        (i32.load8_u offset=64
          (i32.and
            (i32.shr_u (local.get $bits)
              (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2))))
            (i32.const 15))))
      (br_if $digits
        (i32.lt_u
          (local.tee $i (i32.add (local.get $i) (i32.const 1)))
          (i32.const 8))))
    (i32.store8 (i32.const 24) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))
