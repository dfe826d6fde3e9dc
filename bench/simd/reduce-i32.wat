;; reduce-i32.wat — the sum, minimum and maximum of 65536 i32s (256 KiB), each first xored with a
;; key that changes with each pass: i32x4.add, i32x4.min_s, i32x4.max_s in three vector accumulators,
;; reduced across the lanes at the end of the pass. Scalar twin: reduce-i32.scalar.wat.
;;   run(n) -> a hash of each pass's sum, minimum and maximum (i32)
(module
  (memory 4)  ;; the numbers at 0

  (global $length i32 (i32.const 262144))

  ;; the numbers from an xorshift32 generator
  (func $fill
    (local $x i32) (local $p i32)
    (local.set $x (i32.const 0x12345678))
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (local.get $p) (local.get $x))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (global.get $length)))))

  (func $min (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))

  (func $max (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_s (local.get $a) (local.get $b))))

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $key v128) (local $p i32) (local $x v128)
    (local $sum v128) (local $min v128) (local $max v128)
    (local $hash i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $key (i32x4.splat (i32.mul (local.get $pass) (i32.const 0x9e3779b9))))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $min (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
        (local.set $max (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
        (local.set $p (i32.const 0))
        (loop $four
          (local.set $x (v128.xor (v128.load (local.get $p)) (local.get $key)))
          (local.set $sum (i32x4.add (local.get $sum) (local.get $x)))
          (local.set $min (i32x4.min_s (local.get $min) (local.get $x)))
          (local.set $max (i32x4.max_s (local.get $max) (local.get $x)))
          (br_if $four (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (global.get $length))))
        (local.set $hash
          (i32.add
            (i32.mul
              (i32.xor (local.get $hash)
                (i32.add (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
                         (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
              (i32.const 0x01000193))
            (i32.xor
              (call $min (call $min (i32x4.extract_lane 0 (local.get $min)) (i32x4.extract_lane 1 (local.get $min)))
                         (call $min (i32x4.extract_lane 2 (local.get $min)) (i32x4.extract_lane 3 (local.get $min))))
              (i32.rotl
                (call $max (call $max (i32x4.extract_lane 0 (local.get $max)) (i32x4.extract_lane 1 (local.get $max)))
                           (call $max (i32x4.extract_lane 2 (local.get $max)) (i32x4.extract_lane 3 (local.get $max))))
                (i32.const 16)))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (local.get $hash)))
