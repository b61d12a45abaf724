;; A function whose name-section name is a mangled Rust symbol.
(module
  (func $_ZN4core9panicking5panic17h0123456789abcdefE
    unreachable)
  (func $_ZN7mycrate4main17hfedcba9876543210E
    call $_ZN4core9panicking5panic17h0123456789abcdefE)
  (func (export "_start")
    call $_ZN7mycrate4main17hfedcba9876543210E))
