;; fib.wat — Fibonacci numbers, the naive doubly recursive way (a call-heavy benchmark).
;;   fib(n) = n                      for n < 2
;;   fib(n) = fib(n-1) + fib(n-2)    otherwise
;; Example: fib 30 = 832040. Negative n counts as n < 2 and returns n.
(module
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2))))))))
