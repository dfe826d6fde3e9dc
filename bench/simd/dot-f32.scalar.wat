;; dot-f32.scalar.wat — the scalar twin of dot-f32.wat: the same f32 dot product, four f32 partial
;; sums in locals taking the four lanes' products in the same order, so the result is the same bits.
;;   run(n) -> the bits of the dot product's sum over n passes (i32)
(module
  (memory 4)  ;; x at 0, y at 128 KiB

  (global $length i32 (i32.const 131072))  ;; bytes of each vector

  ;; floats in [-1, 1) from an xorshift32 generator: 24 random bits each, so every one is exact
  (func $fill (param $p i32) (param $end i32) (param $x i32)
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (f32.store (local.get $p)
        (f32.sub (f32.mul (f32.convert_i32_u (i32.shr_u (local.get $x) (i32.const 8))) (f32.const 0x1p-23))
                 (f32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))

  (func (export "run") (param $n i32) (result i32)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32)
    (local $p i32)
    (call $fill (i32.const 0) (global.get $length) (i32.const 0x12345678))
    (call $fill (global.get $length) (i32.shl (global.get $length) (i32.const 1)) (i32.const 0x9e3779b9))
    (block $done
      (loop $pass
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $p (i32.const 0))
        (loop $four
          (local.set $s0 (f32.add (local.get $s0)
            (f32.mul (f32.load offset=0 (local.get $p)) (f32.load offset=131072 (local.get $p)))))
          (local.set $s1 (f32.add (local.get $s1)
            (f32.mul (f32.load offset=4 (local.get $p)) (f32.load offset=131076 (local.get $p)))))
          (local.set $s2 (f32.add (local.get $s2)
            (f32.mul (f32.load offset=8 (local.get $p)) (f32.load offset=131080 (local.get $p)))))
          (local.set $s3 (f32.add (local.get $s3)
            (f32.mul (f32.load offset=12 (local.get $p)) (f32.load offset=131084 (local.get $p)))))
          (br_if $four (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (global.get $length))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (i32.reinterpret_f32
      (f32.add (f32.add (local.get $s0) (local.get $s1)) (f32.add (local.get $s2) (local.get $s3))))))
