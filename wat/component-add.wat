;; A component with no WASI at all: one core module exporting `add`,
;; lifted as the component function `add: func(a: u32, b: u32) -> u32`.
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      local.get 0
      local.get 1
      i32.add))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
)
