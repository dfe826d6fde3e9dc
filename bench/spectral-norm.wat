;; spectral-norm.wat — the Computer Language Benchmarks Game spectral norm: ten power iterations of
;; AᵀA for the infinite matrix A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1), cut to n×n. Dominated by f64
;; division and multiply-adds over three vectors in linear memory (u at 0, v at 8n, tmp at 16n).
;;   run(n) -> sqrt(uᵀv / vᵀv)   (f64; 1.274219991 for n = 100; n ≤ 10922)
(module
  (memory 4)

  (func $a (param $i i32) (param $j i32) (result f64)
    (local $ij i32)
    (local.set $ij (i32.add (local.get $i) (local.get $j)))
    (f64.div (f64.const 1)
      (f64.convert_i32_s
        (i32.add (i32.add (i32.shr_u (i32.mul (local.get $ij) (i32.add (local.get $ij) (i32.const 1))) (i32.const 1))
                          (local.get $i))
                 (i32.const 1)))))

  ;; out = A·v (or Aᵀ·v when $transpose is 1), vectors of n f64 at the given addresses
  (func $multiply (param $n i32) (param $v i32) (param $out i32) (param $transpose i32)
    (local $i i32) (local $j i32)
    (local $sum f64)
    (loop $rows
      (local.set $sum (f64.const 0))
      (local.set $j (i32.const 0))
      (loop $columns
        (local.set $sum (f64.add (local.get $sum)
          (f64.mul
            (if (result f64) (local.get $transpose)
              (then (call $a (local.get $j) (local.get $i)))
              (else (call $a (local.get $i) (local.get $j))))
            (f64.load (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $columns (i32.lt_u (local.get $j) (local.get $n))))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $sum))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $n)))))

  ;; out = Aᵀ·A·v
  (func $multiply_ata (param $n i32) (param $v i32) (param $out i32) (param $tmp i32)
    (call $multiply (local.get $n) (local.get $v) (local.get $tmp) (i32.const 0))
    (call $multiply (local.get $n) (local.get $tmp) (local.get $out) (i32.const 1)))

  (func (export "run") (param $n i32) (result f64)
    (local $u i32) (local $v i32) (local $tmp i32)
    (local $i i32)
    (local $ut_v f64) (local $vt_v f64)
    (local $x f64)
    (local.set $v (i32.shl (local.get $n) (i32.const 3)))
    (local.set $tmp (i32.shl (local.get $n) (i32.const 4)))
    (loop $ones
      (f64.store (i32.add (local.get $u) (i32.shl (local.get $i) (i32.const 3))) (f64.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ones (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $iterate
      (call $multiply_ata (local.get $n) (local.get $u) (local.get $v) (local.get $tmp))
      (call $multiply_ata (local.get $n) (local.get $v) (local.get $u) (local.get $tmp))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $iterate (i32.lt_u (local.get $i) (i32.const 10))))
    (local.set $i (i32.const 0))
    (loop $dot
      (local.set $x (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $ut_v (f64.add (local.get $ut_v)
        (f64.mul (f64.load (i32.add (local.get $u) (i32.shl (local.get $i) (i32.const 3)))) (local.get $x))))
      (local.set $vt_v (f64.add (local.get $vt_v) (f64.mul (local.get $x) (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $dot (i32.lt_u (local.get $i) (local.get $n))))
    (f64.sqrt (f64.div (local.get $ut_v) (local.get $vt_v)))))
