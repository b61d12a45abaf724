;; Counts forever: for Ctrl-C and --timeout.
(module
  (func $spin (export "_start") (local $i i64)
    (loop $again
      local.get $i
      i64.const 1
      i64.add
      local.set $i
      br $again)))
