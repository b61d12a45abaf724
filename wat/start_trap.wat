;; The start function traps while the module is being instantiated.
(module
  (func $init (local $i i32)
    i32.const 5
    local.set $i
    unreachable)
  (start $init)
  (func (export "_start")))
