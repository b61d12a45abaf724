;; A component whose exports pause the debugger in the ways a core module
;; does: `grow` grows memory by N pages (for --max-memory), `spin` loops
;; forever (for --timeout and Ctrl-C), `throw` throws a Wasm exception
;; that nothing catches.
(component
  (core module $m
    (memory 1)
    (tag $oops (param i32))
    (func (export "grow") (param i32) (result i32)
      local.get 0
      memory.grow)
    (func (export "spin")
      (loop $again
        br $again))
    (func (export "throw") (param i32)
      local.get 0
      throw $oops))
  (core instance $i (instantiate $m))
  (func (export "grow") (param "pages" u32) (result s32)
    (canon lift (core func $i "grow")))
  (func (export "spin")
    (canon lift (core func $i "spin")))
  (func (export "throw") (param "value" u32)
    (canon lift (core func $i "throw")))
)
