;; tak.wat — the Takeuchi function: deep, three-argument recursion whose calls are nested in
;; the arguments of other calls (call overhead with several live values on the operand stack).
;;   tak(x, y, z) = z                                                  if y >= x
;;                = tak(tak(x-1, y, z), tak(y-1, z, x), tak(z-1, x, y)) otherwise
;;   run(n) -> sum of tak(18 + i % 4, 12, 6) for i in 0..n-1   (i32)
(module
  (func $tak (param $x i32) (param $y i32) (param $z i32) (result i32)
    (if (result i32) (i32.ge_s (local.get $y) (local.get $x))
      (then (local.get $z))
      (else
        (call $tak
          (call $tak (i32.sub (local.get $x) (i32.const 1)) (local.get $y) (local.get $z))
          (call $tak (i32.sub (local.get $y) (i32.const 1)) (local.get $z) (local.get $x))
          (call $tak (i32.sub (local.get $z) (i32.const 1)) (local.get $x) (local.get $y))))))

  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum)
            (call $tak
              (i32.add (i32.const 18) (i32.and (local.get $i) (i32.const 3)))
              (i32.const 12)
              (i32.const 6))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
