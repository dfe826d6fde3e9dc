;; axpy-f64.scalar.wat — the scalar twin of axpy-f64.wat: the same y ← a·x + y, four f64s per
;; iteration as the vector loop's four lanes.
;;   run(n) -> a hash of the words of y after n passes (i32)
(module
  (memory 4)  ;; x at 0, y at 128 KiB

  (global $length i32 (i32.const 131072))  ;; bytes of each vector

  ;; doubles in [-1, 1) from an xorshift32 generator: 24 random bits each
  (func $fill (param $p i32) (param $end i32) (param $x i32)
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (f64.store (local.get $p)
        (f64.sub (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 8))) (f64.const 0x1p-23))
                 (f64.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))

  ;; the words of y, each rotated into the hash
  (func $hash (result i32)
    (local $p i32) (local $h i32)
    (local.set $p (global.get $length))
    (loop $word
      (local.set $h (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (local.get $p))))
      (br_if $word (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4)))
                             (i32.shl (global.get $length) (i32.const 1)))))
    (local.get $h))

  ;; (pass mod 8 − 3.5) / 64: a zero-sum cycle of multipliers
  (func $multiplier (param $pass i32) (result f64)
    (f64.mul (f64.sub (f64.convert_i32_u (i32.and (local.get $pass) (i32.const 7))) (f64.const 3.5))
             (f64.const 0x1p-6)))

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $a f64) (local $p i32)
    (call $fill (i32.const 0) (global.get $length) (i32.const 0x12345678))
    (call $fill (global.get $length) (i32.shl (global.get $length) (i32.const 1)) (i32.const 0x9e3779b9))
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $a (call $multiplier (local.get $pass)))
        (local.set $p (i32.const 0))
        (loop $four
          (f64.store offset=131072 (local.get $p)
            (f64.add (f64.mul (local.get $a) (f64.load (local.get $p))) (f64.load offset=131072 (local.get $p))))
          (f64.store offset=131080 (local.get $p)
            (f64.add (f64.mul (local.get $a) (f64.load offset=8 (local.get $p))) (f64.load offset=131080 (local.get $p))))
          (f64.store offset=131088 (local.get $p)
            (f64.add (f64.mul (local.get $a) (f64.load offset=16 (local.get $p))) (f64.load offset=131088 (local.get $p))))
          (f64.store offset=131096 (local.get $p)
            (f64.add (f64.mul (local.get $a) (f64.load offset=24 (local.get $p))) (f64.load offset=131096 (local.get $p))))
          (br_if $four (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 32))) (global.get $length))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash)))
