;; hex-encode.wat — 64 KiB of pseudo-random bytes to 128 KiB of lower-case hex digits, table lookups
;; in registers: per 16 bytes the high nibbles (i8x16.shr_u) and low nibbles (v128.and) index the
;; digits "0123456789abcdef" with i8x16.swizzle, and two i8x16.shuffle interleave them into 32 digits.
;; Scalar twin: hex-encode.scalar.wat.
;;   run(n) -> a hash of 32 bytes of each pass's output, at a place that changes, and of the last output (i32)
(module
  (memory 4)  ;; the bytes at 0, the digits at 64 KiB

  (global $length i32 (i32.const 65536))  ;; bytes in

  ;; the bytes from an xorshift32 generator
  (func $fill
    (local $x i32) (local $p i32)
    (local.set $x (i32.const 0x12345678))
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (local.get $p) (local.get $x))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (global.get $length)))))

  ;; the words from $p to $end, each rotated into $h
  (func $hash (param $h i32) (param $p i32) (param $end i32) (result i32)
    (loop $word
      (local.set $h (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (local.get $p))))
      (br_if $word (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))
    (local.get $h))


  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $p i32) (local $bytes v128) (local $high v128) (local $low v128)
    (local $h i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $p (i32.const 0))
        (loop $sixteen
          (local.set $bytes (v128.load (local.get $p)))
          (local.set $high (i8x16.swizzle (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
                                          (i8x16.shr_u (local.get $bytes) (i32.const 4))))
          (local.set $low (i8x16.swizzle (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
                                         (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
          (v128.store offset=65536 (i32.shl (local.get $p) (i32.const 1))
            (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $high) (local.get $low)))
          (v128.store offset=65552 (i32.shl (local.get $p) (i32.const 1))
            (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $high) (local.get $low)))
          (br_if $sixteen (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (global.get $length))))
        (local.set $h (call $hash (local.get $h)
          (i32.add (global.get $length) (i32.and (i32.mul (local.get $pass) (i32.const 4128)) (i32.const 0x1ffe0)))
          (i32.add (global.get $length) (i32.add (i32.and (i32.mul (local.get $pass) (i32.const 4128)) (i32.const 0x1ffe0)) (i32.const 32)))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash (local.get $h) (global.get $length) (i32.mul (global.get $length) (i32.const 3)))))
