;; reduce-i32.scalar.wat — the scalar twin of reduce-i32.wat: the same sum, minimum and maximum, one
;; number at a time (branch-free, with select).
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

  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $key i32) (local $p i32) (local $x i32)
    (local $sum i32) (local $min i32) (local $max i32)
    (local $hash i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $key (i32.mul (local.get $pass) (i32.const 0x9e3779b9)))
        (local.set $sum (i32.const 0))
        (local.set $min (i32.const 0x7fffffff))
        (local.set $max (i32.const 0x80000000))
        (local.set $p (i32.const 0))
        (loop $one
          (local.set $x (i32.xor (i32.load (local.get $p)) (local.get $key)))
          (local.set $sum (i32.add (local.get $sum) (local.get $x)))
          (local.set $min (select (local.get $x) (local.get $min) (i32.lt_s (local.get $x) (local.get $min))))
          (local.set $max (select (local.get $x) (local.get $max) (i32.gt_s (local.get $x) (local.get $max))))
          (br_if $one (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (global.get $length))))
        (local.set $hash
          (i32.add
            (i32.mul (i32.xor (local.get $hash) (local.get $sum)) (i32.const 0x01000193))
            (i32.xor (local.get $min) (i32.rotl (local.get $max) (i32.const 16)))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (local.get $hash)))
