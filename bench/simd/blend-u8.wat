;; blend-u8.wat — alpha blending of a 256×256 RGBA image (u8 channels) into another, in place, then
;; brightened with saturation: d = sat_u8(((s·α + d·(256 − α)) >> 8) + 3), α from 1 to 256 changing with
;; each pass. Per 16 channels: i16x8.extend_low/high_i8x16_u, i16x8.mul, i16x8.add, i16x8.shr_u,
;; i8x16.narrow_i16x8_u and i8x16.add_sat_u. Scalar twin: blend-u8.scalar.wat.
;;   run(n) -> a hash of the destination image's words after n passes (i32)
(module
  (memory 8)  ;; the source image at 0, the destination at 256 KiB

  (global $length i32 (i32.const 262144))  ;; bytes of each image

  ;; pseudo-random channels, four at a time from an xorshift32 generator
  (func $fill (param $p i32) (param $end i32) (param $x i32)
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (local.get $p) (local.get $x))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end)))))

  ;; the destination's words, each rotated into the hash
  (func $hash (result i32)
    (local $p i32) (local $h i32)
    (local.set $p (global.get $length))
    (loop $word
      (local.set $h (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (local.get $p))))
      (br_if $word (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4)))
                             (i32.shl (global.get $length) (i32.const 1)))))
    (local.get $h))

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $alpha i32) (local $p i32)
    (local $source v128) (local $destination v128)
    (local $a v128) (local $b v128)
    (call $fill (i32.const 0) (global.get $length) (i32.const 0x12345678))
    (call $fill (global.get $length) (i32.shl (global.get $length) (i32.const 1)) (i32.const 0x9e3779b9))
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $alpha (i32.add (i32.and (i32.mul (local.get $pass) (i32.const 29)) (i32.const 0xff)) (i32.const 1)))
        (local.set $a (i16x8.splat (local.get $alpha)))
        (local.set $b (i16x8.splat (i32.sub (i32.const 256) (local.get $alpha))))
        (local.set $p (i32.const 0))
        (loop $sixteen
          (local.set $source (v128.load (local.get $p)))
          (local.set $destination (v128.load offset=262144 (local.get $p)))
          (v128.store offset=262144 (local.get $p)
            (i8x16.add_sat_u
              (i8x16.narrow_i16x8_u
                (i16x8.shr_u
                  (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $source)) (local.get $a))
                             (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $destination)) (local.get $b)))
                  (i32.const 8))
                (i16x8.shr_u
                  (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $source)) (local.get $a))
                             (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $destination)) (local.get $b)))
                  (i32.const 8)))
              (v128.const i8x16 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3)))
          (br_if $sixteen (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (global.get $length))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash)))
