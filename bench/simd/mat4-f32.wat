;; mat4-f32.wat — 4×4 f32 matrix products over arrays of 2048 matrices (row-major, 64 bytes each):
;; C[i] = A[i] × B[(i + pass) mod 2048], each row of C as Σk splat(A[i][r][k]) · B row k, with
;; v128.load32_splat, f32x4.mul and f32x4.add. Scalar twin: mat4-f32.scalar.wat.
;;   run(n) -> a hash of the words of C after n passes (i32)
(module
  (memory 6)  ;; A at 0, B at 128 KiB, C at 256 KiB

  (global $bytes i32 (i32.const 131072))  ;; of each array
  (global $b i32 (i32.const 131072))
  (global $c i32 (i32.const 262144))

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

  ;; the words of C, each rotated into the hash
  (func $hash (result i32)
    (local $p i32) (local $h i32)
    (local.set $p (global.get $c))
    (loop $word
      (local.set $h (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (local.get $p))))
      (br_if $word (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4)))
                             (i32.add (global.get $c) (global.get $bytes)))))
    (local.get $h))

  ;; C at $cp = A at $ap × B at $bp: row r of C = ((a_r0·B0 + a_r1·B1) + a_r2·B2) + a_r3·B3
  (func $multiply (param $ap i32) (param $bp i32) (param $cp i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $end i32)
    (local.set $b0 (v128.load offset=0 (local.get $bp)))
    (local.set $b1 (v128.load offset=16 (local.get $bp)))
    (local.set $b2 (v128.load offset=32 (local.get $bp)))
    (local.set $b3 (v128.load offset=48 (local.get $bp)))
    (local.set $end (i32.add (local.get $ap) (i32.const 64)))
    (loop $row
      (v128.store (local.get $cp)
        (f32x4.add
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load32_splat offset=0 (local.get $ap)) (local.get $b0))
              (f32x4.mul (v128.load32_splat offset=4 (local.get $ap)) (local.get $b1)))
            (f32x4.mul (v128.load32_splat offset=8 (local.get $ap)) (local.get $b2)))
          (f32x4.mul (v128.load32_splat offset=12 (local.get $ap)) (local.get $b3))))
      (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
      (br_if $row (i32.lt_u (local.tee $ap (i32.add (local.get $ap) (i32.const 16))) (local.get $end)))))

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $i i32)
    (call $fill (i32.const 0) (global.get $bytes) (i32.const 0x12345678))
    (call $fill (global.get $b) (i32.add (global.get $b) (global.get $bytes)) (i32.const 0x9e3779b9))
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $i (i32.const 0))
        (loop $matrix
          (call $multiply
            (i32.shl (local.get $i) (i32.const 6))
            (i32.add (global.get $b) (i32.shl (i32.and (i32.add (local.get $i) (local.get $pass)) (i32.const 2047)) (i32.const 6)))
            (i32.add (global.get $c) (i32.shl (local.get $i) (i32.const 6))))
          (br_if $matrix (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2048))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash)))
