;; Writes "tick" and a newline to stdout, counts to 2^25, and again,
;; forever: a program that runs until it is interrupted and says that it
;; runs, so Ctrl-C and `pause` tests wait for its output instead of
;; sleeping.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "tick\n")
  (func $spin (export "_start") (local $i i64)
    ;; One iovec at 0: the 5 bytes at 16.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 5))
    (loop $again
      (if (i64.eqz (i64.and (local.get $i) (i64.const 0x1ffffff)))
        (then
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $again))))
