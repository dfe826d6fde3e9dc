;; blend-u8.scalar.wat — the scalar twin of blend-u8.wat: the same blend and saturating brightening,
;; one channel at a time in i32 arithmetic.
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
    (local $pass i32) (local $alpha i32) (local $beta i32) (local $p i32) (local $v i32)
    (call $fill (i32.const 0) (global.get $length) (i32.const 0x12345678))
    (call $fill (global.get $length) (i32.shl (global.get $length) (i32.const 1)) (i32.const 0x9e3779b9))
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $alpha (i32.add (i32.and (i32.mul (local.get $pass) (i32.const 29)) (i32.const 0xff)) (i32.const 1)))
        (local.set $beta (i32.sub (i32.const 256) (local.get $alpha)))
        (local.set $p (i32.const 0))
        (loop $channel
          (local.set $v
            (i32.add
              (i32.shr_u
                (i32.add (i32.mul (i32.load8_u (local.get $p)) (local.get $alpha))
                         (i32.mul (i32.load8_u offset=262144 (local.get $p)) (local.get $beta)))
                (i32.const 8))
              (i32.const 3)))
          (i32.store8 offset=262144 (local.get $p)
            (select (i32.const 255) (local.get $v) (i32.gt_u (local.get $v) (i32.const 255))))
          (br_if $channel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (global.get $length))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash)))
