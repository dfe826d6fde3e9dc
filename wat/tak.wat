;; tak.wat — the Takeuchi function, a classic benchmark of deep recursion and calls (i32).
;;   tak(x, y, z) = z                                                if y >= x
;;   tak(x, y, z) = tak(tak(x-1, y, z), tak(y-1, z, x), tak(z-1, x, y))  otherwise
;; Example: tak 18 12 6 = 7 (63609 calls).
(module
  (func $tak (export "tak") (param $x i32) (param $y i32) (param $z i32) (result i32)
    (if (result i32) (i32.ge_s (local.get $y) (local.get $x))
      (then (local.get $z))
      (else
        (call $tak
          (call $tak (i32.sub (local.get $x) (i32.const 1)) (local.get $y) (local.get $z))
          (call $tak (i32.sub (local.get $y) (i32.const 1)) (local.get $z) (local.get $x))
          (call $tak (i32.sub (local.get $z) (i32.const 1)) (local.get $x) (local.get $y)))))))
