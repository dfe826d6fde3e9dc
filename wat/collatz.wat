;; collatz.wat — the Collatz (3n+1) problem.
;;   steps(n)     how many steps n takes to reach 1 (n -> n/2 if even, 3n+1 if odd); i64 arithmetic
;;   max_steps(k) the start value in 1..k with the most steps (the first one on ties), 0 if k < 1
;; steps traps with "unreachable" for n < 1, where the sequence never reaches 1.
(module
  (func $steps (export "steps") (param $n i64) (result i32)
    (local $count i32)
    (if (i64.lt_s (local.get $n) (i64.const 1)) (then (unreachable)))
    (block $done
      (loop $next
        (br_if $done (i64.eq (local.get $n) (i64.const 1)))
        (local.set $n
          (if (result i64) (i64.eqz (i64.and (local.get $n) (i64.const 1)))
            (then (i64.shr_u (local.get $n) (i64.const 1)))
            (else (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $next)))
    (local.get $count))

  (func (export "max_steps") (param $k i32) (result i32)
    (local $n i32) (local $best i32) (local $best_steps i32) (local $s i32)
    (local.set $n (i32.const 1))
    (local.set $best_steps (i32.const -1))
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (local.get $n) (local.get $k)))
        (local.set $s (call $steps (i64.extend_i32_u (local.get $n))))
        (if (i32.gt_s (local.get $s) (local.get $best_steps))
          (then
            (local.set $best (local.get $n))
            (local.set $best_steps (local.get $s))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $best)))
