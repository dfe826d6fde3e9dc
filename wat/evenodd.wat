;; evenodd.wat — parity by mutual recursion: is_even(n) = is_odd(n-1), is_odd(n) = is_even(n-1),
;; with is_even(0) = 1 and is_odd(0) = 0. Negative n is folded to -n first (wrapping, so
;; -2147483648 stays negative and recurses until the stack runs out).
;; Every call nests one deeper, so large n exhausts the stack: a RangeError, as in any engine.
(module
  (func $abs (param $n i32) (result i32)
    (select
      (i32.sub (i32.const 0) (local.get $n))
      (local.get $n)
      (i32.lt_s (local.get $n) (i32.const 0))))

  (func $even (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (call $odd (i32.sub (local.get $n) (i32.const 1))))))

  (func $odd (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (call $even (i32.sub (local.get $n) (i32.const 1))))))

  (func (export "is_even") (param $n i32) (result i32)
    (call $even (call $abs (local.get $n))))

  (func (export "is_odd") (param $n i32) (result i32)
    (call $odd (call $abs (local.get $n)))))
