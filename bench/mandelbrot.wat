;; mandelbrot.wat — escape-time iteration over an n×n grid of [-2, 1] × [-1.5, 1.5], at most 100
;; iterations per point: f64 multiply/add chains in registers, an int→float conversion per pixel.
;;   run(n) -> total iterations over all points   (i32)
(module
  (func $escape_time (param $cr f64) (param $ci f64) (result i32)
    (local $zr f64) (local $zi f64)
    (local $zr2 f64) (local $zi2 f64)
    (local $i i32)
    (block $escaped
      (loop $iterate
        (br_if $escaped (i32.ge_u (local.get $i) (i32.const 100)))
        (local.set $zr2 (f64.mul (local.get $zr) (local.get $zr)))
        (local.set $zi2 (f64.mul (local.get $zi) (local.get $zi)))
        (br_if $escaped (f64.gt (f64.add (local.get $zr2) (local.get $zi2)) (f64.const 4)))
        (local.set $zi (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $zr)) (local.get $zi)) (local.get $ci)))
        (local.set $zr (f64.add (f64.sub (local.get $zr2) (local.get $zi2)) (local.get $cr)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iterate)))
    (local.get $i))

  (func (export "run") (param $n i32) (result i32)
    (local $x i32) (local $y i32)
    (local $scale f64)
    (local $ci f64)
    (local $total i32)
    (local.set $scale (f64.div (f64.const 3) (f64.convert_i32_s (local.get $n))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $y) (local.get $n)))
        (local.set $ci (f64.sub (f64.mul (f64.convert_i32_s (local.get $y)) (local.get $scale)) (f64.const 1.5)))
        (local.set $x (i32.const 0))
        (block $row_done
          (loop $column
            (br_if $row_done (i32.ge_s (local.get $x) (local.get $n)))
            (local.set $total (i32.add (local.get $total)
              (call $escape_time
                (f64.sub (f64.mul (f64.convert_i32_s (local.get $x)) (local.get $scale)) (f64.const 2))
                (local.get $ci))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $column)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
    (local.get $total)))
