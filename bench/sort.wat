;; sort.wat — quicksort (Hoare partition, middle pivot, insertion sort below 16 elements) of n i32s
;; from an xorshift32 generator, in linear memory: compares, swaps, unpredictable branches, recursion.
;;   run(n) -> hash of the sorted array, h = h·31 + a[i]   (i32; n ≤ 4 194 304; traps if not sorted)
(module
  (memory 256)  ;; 16 MiB: up to 4 Mi elements at 0

  (func $get (param $i i32) (result i32)
    (i32.load (i32.shl (local.get $i) (i32.const 2))))

  (func $set (param $i i32) (param $value i32)
    (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $value)))

  (func $insertion_sort (param $lo i32) (param $hi i32)
    (local $i i32)
    (local $j i32)
    (local $value i32)
    (local.set $i (i32.add (local.get $lo) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.gt_s (local.get $i) (local.get $hi)))
        (local.set $value (call $get (local.get $i)))
        (local.set $j (i32.sub (local.get $i) (i32.const 1)))
        (block $placed
          (loop $shift
            (br_if $placed (i32.lt_s (local.get $j) (local.get $lo)))
            (br_if $placed (i32.le_s (call $get (local.get $j)) (local.get $value)))
            (call $set (i32.add (local.get $j) (i32.const 1)) (call $get (local.get $j)))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $shift)))
        (call $set (i32.add (local.get $j) (i32.const 1)) (local.get $value))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Sorts a[lo..hi] (inclusive): recurses into the smaller part and loops on the larger one.
  (func $quicksort (param $lo i32) (param $hi i32)
    (local $pivot i32)
    (local $i i32)
    (local $j i32)
    (local $t i32)
    (loop $again
      (if (i32.lt_s (i32.sub (local.get $hi) (local.get $lo)) (i32.const 16))
        (then
          (call $insertion_sort (local.get $lo) (local.get $hi))
          (return)))
      (local.set $pivot (call $get (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1))))
      (local.set $i (i32.sub (local.get $lo) (i32.const 1)))
      (local.set $j (i32.add (local.get $hi) (i32.const 1)))
      (block $partitioned
        (loop $partition
          (loop $up
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $up (i32.lt_s (call $get (local.get $i)) (local.get $pivot))))
          (loop $down
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br_if $down (i32.gt_s (call $get (local.get $j)) (local.get $pivot))))
          (br_if $partitioned (i32.ge_s (local.get $i) (local.get $j)))
          (local.set $t (call $get (local.get $i)))
          (call $set (local.get $i) (call $get (local.get $j)))
          (call $set (local.get $j) (local.get $t))
          (br $partition)))
      ;; a[lo..j] <= pivot <= a[j+1..hi]
      (if (i32.lt_s (i32.sub (local.get $j) (local.get $lo)) (i32.sub (local.get $hi) (local.get $j)))
        (then
          (call $quicksort (local.get $lo) (local.get $j))
          (local.set $lo (i32.add (local.get $j) (i32.const 1))))
        (else
          (call $quicksort (i32.add (local.get $j) (i32.const 1)) (local.get $hi))
          (local.set $hi (local.get $j))))
      (br $again)))

  (func (export "run") (param $n i32) (result i32)
    (local $x i32)
    (local $i i32)
    (local $hash i32)
    (local.set $x (i32.const 2463534242))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        (call $set (local.get $i) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (call $quicksort (i32.const 0) (i32.sub (local.get $n) (i32.const 1)))
    (local.set $i (i32.const 0))
    (block $hashed
      (loop $next
        (br_if $hashed (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.gt_u (local.get $i) (i32.const 0))
          (then
            (if (i32.gt_s (call $get (i32.sub (local.get $i) (i32.const 1))) (call $get (local.get $i)))
              (then (unreachable)))))
        (local.set $hash (i32.add (i32.mul (local.get $hash) (i32.const 31)) (call $get (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $hash)))
