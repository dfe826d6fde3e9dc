;; sieve.wat — the sieve of Eratosthenes over one byte per number in linear memory: byte loads and
;; stores in tight loops with a stride, plus a word-wide clearing loop.
;;   run(n) -> sum over n passes of the number of primes below 4 194 304 (i32; one pass finds 295 947)
(module
  (memory 64)  ;; 4 MiB: the flags, one byte per number

  (global $limit i32 (i32.const 4194304))

  ;; Counts the primes below $limit; flag byte i becomes 1 once i is known to be composite.
  (func $sieve (result i32)
    (local $i i32)
    (local $j i32)
    (local $count i32)
    ;; clear the flags four bytes at a time
    (loop $clear
      (i32.store (local.get $i) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $clear (i32.lt_u (local.get $i) (global.get $limit))))
    (local.set $i (i32.const 2))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $limit)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            ;; start crossing off at i*i (done in i64: i*i overflows i32 for the larger primes)
            (if (i64.lt_u (i64.mul (i64.extend_i32_u (local.get $i)) (i64.extend_i32_u (local.get $i)))
                          (i64.extend_i32_u (global.get $limit)))
              (then
                (local.set $j (i32.mul (local.get $i) (local.get $i)))
                (loop $cross
                  (i32.store8 (local.get $j) (i32.const 1))
                  (local.set $j (i32.add (local.get $j) (local.get $i)))
                  (br_if $cross (i32.lt_u (local.get $j) (global.get $limit))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $count))

  (func (export "run") (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $pass
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $sum (i32.add (local.get $sum) (call $sieve)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (local.get $sum)))
