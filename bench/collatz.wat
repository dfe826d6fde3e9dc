;; collatz.wat — the longest Collatz chain for a start below n: a data-dependent branch per step,
;; i64 arithmetic (chains starting below 2 000 000 climb past 2^32) and no memory.
;;   steps(x): x → x/2 if x is even, 3x+1 if odd, counted until x = 1
;;   run(n) -> start · 2^16 + steps of the longest chain for starts in 1..n-1 (i64; the first start wins ties)
(module
  (func $steps (param $x i64) (result i32)
    (local $count i32)
    (block $done
      (loop $step
        (br_if $done (i64.le_u (local.get $x) (i64.const 1)))
        (local.set $x
          (if (result i64) (i32.wrap_i64 (i64.and (local.get $x) (i64.const 1)))
            (then (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1)))
            (else (i64.shr_u (local.get $x) (i64.const 1)))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $step)))
    (local.get $count))

  (func (export "run") (param $n i32) (result i64)
    (local $start i32)
    (local $steps i32)
    (local $best i32)
    (local $best_start i32)
    (local.set $start (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $n)))
        (local.set $steps (call $steps (i64.extend_i32_u (local.get $start))))
        (if (i32.gt_u (local.get $steps) (local.get $best))
          (then
            (local.set $best (local.get $steps))
            (local.set $best_start (local.get $start))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $best_start)) (i64.const 16))
            (i64.extend_i32_u (local.get $best)))))
