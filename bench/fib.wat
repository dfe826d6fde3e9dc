;; fib.wat — Fibonacci numbers, the naive doubly recursive way: almost nothing but calls,
;; compares and returns, so it measures the cost of a wasm→wasm call and a function's prologue.
;;   run(n) -> fib(n)   (i32; fib(37) = 24157817)
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func (export "run") (param $n i32) (result i32)
    (call $fib (local.get $n))))
