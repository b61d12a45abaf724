;; Throws $boom twice; the first throw is caught in $guarded, the second
;; escapes to the host.
(module
  (tag $boom (export "boom") (param i32 i64))
  (func $thrower (param $n i32)
    local.get $n
    i64.const -5
    throw $boom)
  (func $guarded (result i32)
    (block $handler (result i32 i64)
      (try_table (catch $boom $handler)
        i32.const 1
        call $thrower)
      i32.const 0
      i64.const 0
      br $handler)
    drop)
  (func $_start (export "_start")
    call $guarded
    drop
    i32.const 2
    call $thrower))
