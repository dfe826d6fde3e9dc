;; mat4-f32.scalar.wat — the scalar twin of mat4-f32.wat: the same 4×4 f32 matrix products, each
;; element of a row of C as ((a_r0·b_0c + a_r1·b_1c) + a_r2·b_2c) + a_r3·b_3c, the lanes' order.
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

  ;; C at $cp = A at $ap × B at $bp, a row at a time, its four elements written out
  (func $multiply (param $ap i32) (param $bp i32) (param $cp i32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ap) (i32.const 64)))
    (loop $row
      (local.set $a0 (f32.load offset=0 (local.get $ap)))
      (local.set $a1 (f32.load offset=4 (local.get $ap)))
      (local.set $a2 (f32.load offset=8 (local.get $ap)))
      (local.set $a3 (f32.load offset=12 (local.get $ap)))
      (f32.store offset=0 (local.get $cp)
        (f32.add (f32.add (f32.add
          (f32.mul (local.get $a0) (f32.load offset=0 (local.get $bp)))
          (f32.mul (local.get $a1) (f32.load offset=16 (local.get $bp))))
          (f32.mul (local.get $a2) (f32.load offset=32 (local.get $bp))))
          (f32.mul (local.get $a3) (f32.load offset=48 (local.get $bp)))))
      (f32.store offset=4 (local.get $cp)
        (f32.add (f32.add (f32.add
          (f32.mul (local.get $a0) (f32.load offset=4 (local.get $bp)))
          (f32.mul (local.get $a1) (f32.load offset=20 (local.get $bp))))
          (f32.mul (local.get $a2) (f32.load offset=36 (local.get $bp))))
          (f32.mul (local.get $a3) (f32.load offset=52 (local.get $bp)))))
      (f32.store offset=8 (local.get $cp)
        (f32.add (f32.add (f32.add
          (f32.mul (local.get $a0) (f32.load offset=8 (local.get $bp)))
          (f32.mul (local.get $a1) (f32.load offset=24 (local.get $bp))))
          (f32.mul (local.get $a2) (f32.load offset=40 (local.get $bp))))
          (f32.mul (local.get $a3) (f32.load offset=56 (local.get $bp)))))
      (f32.store offset=12 (local.get $cp)
        (f32.add (f32.add (f32.add
          (f32.mul (local.get $a0) (f32.load offset=12 (local.get $bp)))
          (f32.mul (local.get $a1) (f32.load offset=28 (local.get $bp))))
          (f32.mul (local.get $a2) (f32.load offset=44 (local.get $bp))))
          (f32.mul (local.get $a3) (f32.load offset=60 (local.get $bp)))))
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
