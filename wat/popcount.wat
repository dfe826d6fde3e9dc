;; popcount.wat — count the set bits of a 64-bit value, three ways that must agree:
;;   popcnt_builtin  the i64.popcnt instruction
;;   popcnt_loop     test the low bit and shift right, 64 times at most
;;   popcnt_kernighan clear the lowest set bit (x & (x-1)) until x is 0
;; and popcnt32, the i32.popcnt of the low half, for the narrower instruction.
(module
  (func (export "popcnt_builtin") (param $x i64) (result i64)
    (i64.popcnt (local.get $x)))

  (func (export "popcnt_loop") (param $x i64) (result i64)
    (local $count i64)
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $x)))
        (local.set $count (i64.add (local.get $count) (i64.and (local.get $x) (i64.const 1))))
        (local.set $x (i64.shr_u (local.get $x) (i64.const 1)))
        (br $next)))
    (local.get $count))

  (func (export "popcnt_kernighan") (param $x i64) (result i64)
    (local $count i64)
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $x)))
        (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
        (local.set $count (i64.add (local.get $count) (i64.const 1)))
        (br $next)))
    (local.get $count))

  (func (export "popcnt32") (param $x i64) (result i32)
    (i32.popcnt (i32.wrap_i64 (local.get $x)))))
