;; hex-encode.scalar.wat — the scalar twin of hex-encode.wat: the same hex digits, a byte at a time,
;; each nibble looked up in a 16-byte table in memory.
;;   run(n) -> a hash of 32 bytes of each pass's output, at a place that changes, and of the last output (i32)
(module
  (memory 4)  ;; the bytes at 0, the digits at 64 KiB, the table at 192 KiB
  (data (i32.const 196608) "0123456789abcdef")

  (global $length i32 (i32.const 65536))  ;; bytes in
  (global $digits i32 (i32.const 196608))

  ;; the bytes from an xorshift32 generator
  (func $fill
    (local $x i32) (local $p i32)
    (local.set $x (i32.const 0x12345678))
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (local.get $p) (local.get $x))
      (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (global.get $length)))))

  ;; the words from $p to $end, each rotated into $h
  (func $hash (param $h i32) (param $p i32) (param $end i32) (result i32)
    (loop $word
      (local.set $h (i32.xor (i32.rotl (local.get $h) (i32.const 5)) (i32.load (local.get $p))))
      (br_if $word (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))
    (local.get $h))


  (func (export "run") (param $n i32) (result i32)
    (local $pass i32) (local $p i32) (local $byte i32) (local $out i32)
    (local $h i32)
    (call $fill)
    (block $done
      (loop $pass
        (br_if $done (i32.ge_s (local.get $pass) (local.get $n)))
        (local.set $p (i32.const 0))
        (loop $one
          (local.set $byte (i32.load8_u (local.get $p)))
          (local.set $out (i32.add (global.get $length) (i32.shl (local.get $p) (i32.const 1))))
          (i32.store8 (local.get $out)
            (i32.load8_u (i32.add (global.get $digits) (i32.shr_u (local.get $byte) (i32.const 4)))))
          (i32.store8 offset=1 (local.get $out)
            (i32.load8_u (i32.add (global.get $digits) (i32.and (local.get $byte) (i32.const 15)))))
          (br_if $one (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (global.get $length))))
        (local.set $h (call $hash (local.get $h)
          (i32.add (global.get $length) (i32.and (i32.mul (local.get $pass) (i32.const 4128)) (i32.const 0x1ffe0)))
          (i32.add (global.get $length) (i32.add (i32.and (i32.mul (local.get $pass) (i32.const 4128)) (i32.const 0x1ffe0)) (i32.const 32)))))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass)))
    (call $hash (local.get $h) (global.get $length) (i32.mul (global.get $length) (i32.const 3)))))
