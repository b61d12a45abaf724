;; Throws and catches twice with no host call in between: the second pause
;; must refuse frames of the first.
(module
  (tag $t (param i32))
  (func $throw_and_catch (param $n i32) (result i32)
    (block $h (result i32)
      (try_table (catch $t $h)
        local.get $n
        throw $t)
      i32.const -1))
  (func $_start (export "_start")
    i32.const 10
    call $throw_and_catch
    i32.const 20
    call $throw_and_catch
    i32.add
    drop))
