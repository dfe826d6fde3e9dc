;; crc32.wat — table-driven CRC-32 (the zlib polynomial, reflected 0xEDB88320) over 1 MiB of
;; pseudo-random bytes: a byte load, a table load and shifts/xors per byte, one serial dependency.
;;   run(n) -> the CRC after n passes over the buffer, each pass continuing from the previous CRC (i32)
(module
  (memory 17)  ;; the 1 KiB table at 0, the 1 MiB buffer at 1024

  (global $table i32 (i32.const 0))
  (global $data i32 (i32.const 1024))
  (global $length i32 (i32.const 1048576))

  (func $make_table
    (local $i i32)
    (local $c i32)
    (local $bit i32)
    (loop $entry
      (local.set $c (local.get $i))
      (local.set $bit (i32.const 8))
      (loop $shift
        (local.set $c
          (if (result i32) (i32.and (local.get $c) (i32.const 1))
            (then (i32.xor (i32.const 0xedb88320) (i32.shr_u (local.get $c) (i32.const 1))))
            (else (i32.shr_u (local.get $c) (i32.const 1)))))
        (local.set $bit (i32.sub (local.get $bit) (i32.const 1)))
        (br_if $shift (local.get $bit)))
      (i32.store (i32.add (global.get $table) (i32.shl (local.get $i) (i32.const 2))) (local.get $c))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $entry (i32.lt_u (local.get $i) (i32.const 256)))))

  ;; The buffer, four bytes at a time from an xorshift32 generator.
  (func $fill_data
    (local $x i32)
    (local $p i32)
    (local.set $x (i32.const 0x12345678))
    (loop $next
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store (i32.add (global.get $data) (local.get $p)) (local.get $x))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $p) (global.get $length)))))

  (func $crc32 (param $crc i32) (param $p i32) (param $end i32) (result i32)
    (local.set $crc (i32.xor (local.get $crc) (i32.const -1)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $crc
          (i32.xor
            (i32.load (i32.add (global.get $table)
              (i32.shl (i32.and (i32.xor (local.get $crc) (i32.load8_u (local.get $p))) (i32.const 0xff))
                       (i32.const 2))))
            (i32.shr_u (local.get $crc) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i32.xor (local.get $crc) (i32.const -1)))

  (func (export "run") (param $n i32) (result i32)
    (local $crc i32)
    (call $make_table)
    (call $fill_data)
    (block $done
      (loop $pass
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $crc (call $crc32 (local.get $crc) (global.get $data)
                                     (i32.add (global.get $data) (global.get $length))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $pass)))
    (local.get $crc)))
