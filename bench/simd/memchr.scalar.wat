;; memchr.scalar.wat — the scalar twin of memchr.wat: the same occurrences of a byte, found with one
;; byte load and compare at a time.
;;   run(n) -> a hash of each pass's count and sum of positions (i32)
(module
  (memory 4)  ;; the bytes at 0

  (global $length i32 (i32.const 262144))

  ;; the bytes, four at a time from an xorshift32 generator
  (func $fill
    (local $x i32) (local $p i32)
    (local.set $x (i32.const 0x12345678))
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (local.get $p) (local.get $x))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (global.get $length)))))

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $needle i32) (local $p i32)
    (local $count i32) (local $sum i32) (local $hash i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $needle (i32.and (i32.mul (local.get $pass) (i32.const 37)) (i32.const 0xff)))
        (local.set $count (i32.const 0))
        (local.set $sum (i32.const 0))
        (local.set $p (i32.const 0))
        (loop $byte
          (if (i32.eq (i32.load8_u (local.get $p)) (local.get $needle))
            (then
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (local.set $sum (i32.add (local.get $sum) (local.get $p)))))
          (br_if $byte (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (global.get $length))))
        (local.set $hash (i32.add (i32.mul (i32.xor (local.get $hash) (local.get $count)) (i32.const 0x01000193))
                                  (local.get $sum)))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (local.get $hash)))
