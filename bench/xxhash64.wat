;; xxhash64.wat — the XXH64 hash (without the tail step: the buffer is a multiple of 32 bytes) over
;; 1 MiB filled by splitmix64: i64 loads, 64-bit multiplies and rotates in four independent lanes.
;;   run(n) -> XXH64 after n passes over the buffer, each pass seeded with the previous hash (i64)
(module
  (memory 16)  ;; the 1 MiB buffer at 0

  (global $length i32 (i32.const 1048576))
  (global $P1 i64 (i64.const 0x9E3779B185EBCA87))
  (global $P2 i64 (i64.const 0xC2B2AE3D27D4EB4F))
  (global $P3 i64 (i64.const 0x165667B19E3779F9))
  (global $P4 i64 (i64.const 0x85EBCA77C2B2AE63))

  (func $fill_data
    (local $state i64)
    (local $z i64)
    (local $p i32)
    (loop $next
      (local.set $state (i64.add (local.get $state) (i64.const 0x9E3779B97F4A7C15)))
      (local.set $z (local.get $state))
      (local.set $z (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 30)))
                             (i64.const 0xBF58476D1CE4E5B9)))
      (local.set $z (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 27)))
                             (i64.const 0x94D049BB133111EB)))
      (i64.store (local.get $p) (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 31))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $next (i32.lt_u (local.get $p) (global.get $length)))))

  (func $round (param $acc i64) (param $input i64) (result i64)
    (i64.mul
      (i64.rotl (i64.add (local.get $acc) (i64.mul (local.get $input) (global.get $P2))) (i64.const 31))
      (global.get $P1)))

  (func $merge (param $acc i64) (param $lane i64) (result i64)
    (i64.add
      (i64.mul (i64.xor (local.get $acc) (call $round (i64.const 0) (local.get $lane))) (global.get $P1))
      (global.get $P4)))

  (func $xxh64 (param $p i32) (param $end i32) (param $seed i64) (result i64)
    (local $v1 i64) (local $v2 i64) (local $v3 i64) (local $v4 i64)
    (local $h i64)
    (local $length i64)
    (local.set $length (i64.extend_i32_u (i32.sub (local.get $end) (local.get $p))))
    (local.set $v1 (i64.add (i64.add (local.get $seed) (global.get $P1)) (global.get $P2)))
    (local.set $v2 (i64.add (local.get $seed) (global.get $P2)))
    (local.set $v3 (local.get $seed))
    (local.set $v4 (i64.sub (local.get $seed) (global.get $P1)))
    (loop $stripe
      (local.set $v1 (call $round (local.get $v1) (i64.load offset=0 (local.get $p))))
      (local.set $v2 (call $round (local.get $v2) (i64.load offset=8 (local.get $p))))
      (local.set $v3 (call $round (local.get $v3) (i64.load offset=16 (local.get $p))))
      (local.set $v4 (call $round (local.get $v4) (i64.load offset=24 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br_if $stripe (i32.lt_u (local.get $p) (local.get $end))))
    (local.set $h
      (i64.add
        (i64.add (i64.rotl (local.get $v1) (i64.const 1)) (i64.rotl (local.get $v2) (i64.const 7)))
        (i64.add (i64.rotl (local.get $v3) (i64.const 12)) (i64.rotl (local.get $v4) (i64.const 18)))))
    (local.set $h (call $merge (local.get $h) (local.get $v1)))
    (local.set $h (call $merge (local.get $h) (local.get $v2)))
    (local.set $h (call $merge (local.get $h) (local.get $v3)))
    (local.set $h (call $merge (local.get $h) (local.get $v4)))
    (local.set $h (i64.add (local.get $h) (local.get $length)))
    ;; avalanche
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))) (global.get $P2)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))) (global.get $P3)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))

  (func (export "run") (param $n i32) (result i64)
    (local $h i64)
    (call $fill_data)
    (block $done
      (loop $pass
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $h (call $xxh64 (i32.const 0) (global.get $length) (local.get $h)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (local.get $h)))
