;; gcd.wat — greatest common divisor by Euclid's algorithm.
;;   gcd      i32, iterative: (a, b) -> (b, a rem_u b) until b = 0; operands taken as unsigned
;;   gcd64    i64, recursive, same steps
;;   lcm      i32: a / gcd(a, b) * b, which traps "divide by zero" when a = b = 0
(module
  (func $gcd (export "gcd") (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $b)))
        (local.set $t (i32.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $step)))
    (local.get $a))

  (func $gcd64 (export "gcd64") (param $a i64) (param $b i64) (result i64)
    (if (result i64) (i64.eqz (local.get $b))
      (then (local.get $a))
      (else (call $gcd64 (local.get $b) (i64.rem_u (local.get $a) (local.get $b))))))

  (func (export "lcm") (param $a i32) (param $b i32) (result i32)
    (i32.mul
      (i32.div_u (local.get $a) (call $gcd (local.get $a) (local.get $b)))
      (local.get $b))))
