;; Recursion N levels deep, then "done\n" on stdout: plain code reaches
;; about 35,000 levels in wasmtime's default 512 KiB stack, instrumented code
;; about 6,000 (every local and operand of a frame is spilled to it). A
;; replay gets 8 times the recorded stack limit, so `--invoke deep 30000`
;; replays to its end, and a recording that exhausted its stack (`deep
;; 40000`) shows the replay diverging when it goes further.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "done\n")
  (func $rec (param $n i32) (result i32)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec
      i32.const 1
      i32.add
    end)
  (func (export "deep") (param $n i32)
    i32.const 0
    i32.const 16
    i32.store
    i32.const 4
    i32.const 5
    i32.store
    local.get $n
    call $rec
    drop
    i32.const 1
    i32.const 0
    i32.const 1
    i32.const 8
    call $fd_write
    drop))
