;; isqrt.wat — integer square root: the largest r with r*r <= n, for unsigned 64-bit n.
;;   isqrt_newton  Newton's iteration x' = (x + n/x) / 2 from x = n, stopping when it no longer shrinks
;;   isqrt_bisect  bisection over [0, 2^32), comparing mid*mid with n as unsigned numbers
;; Both take n as unsigned (so -1 means 2^64 - 1, whose root is 4294967295).
(module
  (func (export "isqrt_newton") (param $n i64) (result i64)
    (local $x i64) (local $next i64)
    (if (i64.lt_u (local.get $n) (i64.const 2)) (then (return (local.get $n))))
    (local.set $x (local.get $n))
    ;; the first step (n + n/n)/2, written as n/2 + n%2 because n + 1 wraps for n = 2^64-1
    (local.set $next
      (i64.add (i64.shr_u (local.get $n) (i64.const 1)) (i64.and (local.get $n) (i64.const 1))))
    (block $done
      (loop $refine
        (br_if $done (i64.ge_u (local.get $next) (local.get $x)))
        (local.set $x (local.get $next))
        (local.set $next
          (i64.shr_u
            (i64.add (local.get $x) (i64.div_u (local.get $n) (local.get $x)))
            (i64.const 1)))
        (br $refine)))
    (local.get $x))

  (func (export "isqrt_bisect") (param $n i64) (result i64)
    (local $lo i64) (local $hi i64) (local $mid i64)
    ;; invariant: lo*lo <= n < hi*hi, with hi = 2^32 whose square does not fit but exceeds any n
    (local.set $hi (i64.const 0x1_0000_0000))
    (block $done
      (loop $halve
        (br_if $done (i64.le_u (i64.sub (local.get $hi) (local.get $lo)) (i64.const 1)))
        (local.set $mid (i64.shr_u (i64.add (local.get $lo) (local.get $hi)) (i64.const 1)))
        (if (i64.le_u (i64.mul (local.get $mid) (local.get $mid)) (local.get $n))
          (then (local.set $lo (local.get $mid)))
          (else (local.set $hi (local.get $mid))))
        (br $halve)))
    (local.get $lo)))
