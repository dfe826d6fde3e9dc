;; matmul-i32.wat — dense n×n i32 matrix multiply, C = A × B, in linear memory (row-major, i-k-j
;; loop order): address arithmetic, i32 loads/stores and multiply-adds in a three-deep loop nest.
;; A and B are filled from an xorshift32 generator; the checksum mixes every element of C.
;;   run(n) -> checksum of C for n×n matrices   (i32; n ≤ 724: the three matrices need 3·4·n² bytes)
(module
  (memory 96)  ;; 6 MiB

  (global $seed (mut i32) (i32.const 0))

  ;; xorshift32; the values are kept small so that products sum without much wrapping
  (func $random (result i32)
    (local $x i32)
    (local.set $x (global.get $seed))
    (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
    (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
    (global.set $seed (local.get $x))
    (i32.sub (i32.and (local.get $x) (i32.const 1023)) (i32.const 512)))

  ;; Fills $count i32s from $addr with random values.
  (func $fill (param $addr i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $addr) (call $random))
        (local.set $addr (i32.add (local.get $addr) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func (export "run") (param $n i32) (result i32)
    (local $size i32)   ;; bytes in one matrix
    (local $a i32) (local $b i32) (local $c i32)
    (local $row i32)    ;; n·4: bytes in one row
    (local $i i32) (local $k i32) (local $j i32)
    (local $aik i32)
    (local $crow i32) (local $brow i32)
    (local $sum i32)
    (global.set $seed (i32.const 2463534242))
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $size (i32.mul (local.get $row) (local.get $n)))
    (local.set $b (local.get $size))
    (local.set $c (i32.shl (local.get $size) (i32.const 1)))
    (call $fill (local.get $a) (i32.mul (local.get $n) (local.get $n)))
    (call $fill (local.get $b) (i32.mul (local.get $n) (local.get $n)))
    ;; C = 0
    (local.set $i (i32.const 0))
    (block $cleared
      (loop $clear
        (br_if $cleared (i32.ge_u (local.get $i) (local.get $size)))
        (i32.store (i32.add (local.get $c) (local.get $i)) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $clear)))
    ;; for i, for k: C[i][*] += A[i][k] * B[k][*]
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $row))))
      (local.set $k (i32.const 0))
      (loop $inner
        (local.set $aik (i32.load (i32.add (local.get $a) (i32.add (i32.mul (local.get $i) (local.get $row))
                                                                   (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $brow (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $row))))
        (local.set $j (i32.const 0))
        (loop $cols
          (i32.store (i32.add (local.get $crow) (local.get $j))
            (i32.add (i32.load (i32.add (local.get $crow) (local.get $j)))
                     (i32.mul (local.get $aik) (i32.load (i32.add (local.get $brow) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $cols (i32.lt_u (local.get $j) (local.get $row))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $k) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $n))))
    ;; checksum: sum = sum * 31 + C[i], over all elements
    (local.set $i (i32.const 0))
    (block $summed
      (loop $sum_next
        (br_if $summed (i32.ge_u (local.get $i) (local.get $size)))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31))
                                 (i32.load (i32.add (local.get $c) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sum_next)))
    (local.get $sum)))
