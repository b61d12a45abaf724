;; Compute kernels for the benchmarks.
(module
  ;; Loop-heavy: a linear congruential generator iterated $n times.
  (func $loop (export "loop") (param $n i64) (result i64)
    (local $x i64)
    (local.set $x (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                               (i64.const 1442695040888963407)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $x))
  ;; Call-heavy: naive recursive Fibonacci.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; Store-heavy: writes $n words round a 4 KiB buffer.
  (memory 1)
  (func $fill (export "fill") (param $n i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store (i32.and (i32.shl (local.get $n) (i32.const 2)) (i32.const 4095))
                   (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.load (i32.const 0)))
  ;; Call-heavy, flat: calls $tick $n times (the conditional-breakpoint
  ;; figure puts its breakpoint on $tick).
  (func $tick (export "tick") (param $i i32) (result i32)
    (i32.add (local.get $i) (i32.const 1)))
  (func $calls (export "calls") (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $tick (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  ;; Memory-heavy: grows memory to $pages 64 KiB pages, fills all of it
  ;; with a non-zero byte, then calls $filled (the core dump figure pauses
  ;; there and dumps every byte).
  (func $filled (param $bytes i32) (result i32) (local.get $bytes))
  (func $big (export "big") (param $pages i32) (result i32)
    (drop (memory.grow (i32.sub (local.get $pages) (memory.size))))
    (memory.fill (i32.const 0) (i32.const 0x5a)
                 (i32.mul (memory.size) (i32.const 65536)))
    (call $filled (i32.mul (memory.size) (i32.const 65536))))
  ;; Never called: where the never-hit breakpoint goes.
  (func $cold (export "cold") (result i32) (i32.const 7)))
