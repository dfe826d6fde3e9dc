;; memchr.wat — every occurrence of a byte in 256 KiB of pseudo-random bytes, memchr-style: per 16
;; bytes an i8x16.eq against the splatted needle and an i8x16.bitmask; a non-zero mask is walked
;; with i32.ctz. The needle changes with each pass. Scalar twin: memchr.scalar.wat.
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
    (local $pass i32) (local $needle v128) (local $p i32) (local $mask i32)
    (local $count i32) (local $sum i32) (local $hash i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $needle (i8x16.splat (i32.mul (local.get $pass) (i32.const 37))))
        (local.set $count (i32.const 0))
        (local.set $sum (i32.const 0))
        (local.set $p (i32.const 0))
        (loop $block
          (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $needle))))
          (if (local.get $mask)
            (then
              (loop $found
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (local.set $sum (i32.add (local.get $sum) (i32.add (local.get $p) (i32.ctz (local.get $mask)))))
                (br_if $found (local.tee $mask
                  (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))))))
          (br_if $block (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (global.get $length))))
        (local.set $hash (i32.add (i32.mul (i32.xor (local.get $hash) (local.get $count)) (i32.const 0x01000193))
                                  (local.get $sum)))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (local.get $hash)))
