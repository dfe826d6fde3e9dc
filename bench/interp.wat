;; interp.wat — a tiny stack-machine bytecode interpreter: a dispatch loop around one br_table, the
;; operand stack and the variables in linear memory. Measures br_table, deeply nested blocks, byte loads.
;;
;; Bytecode: one opcode byte, then one operand byte for push/load/store/jz/jmp.
;;   0 halt (returns the top of stack)   1 push imm   2 load var   3 store var   4 add   5 sub
;;   6 mul   7 xor   8 shr_u   9 jz target (pops)   10 jmp target          anything else traps
;; The program (at address 0) runs, with var0 = n and var1 = 0:
;;   while (var0 != 0) { var1 = (var1 * 31 + var0) ^ (var1 >> 3); var0 = var0 - 1 }  return var1
;; which is 16 bytecode instructions per iteration.
;;   run(n) -> var1   (i32)
(module
  (memory 1)
  (data (i32.const 0)
    "\02\00\09\1d"                          ;;  0: load 0; jz 29
    "\02\01\01\1f\06\02\00\04"              ;;  4: load 1; push 31; mul; load 0; add
    "\02\01\01\03\08\07\03\01"              ;; 12: load 1; push 3; shr_u; xor; store 1
    "\02\00\01\01\05\03\00\0a\00"           ;; 20: load 0; push 1; sub; store 0; jmp 0
    "\02\01\00")                            ;; 29: load 1; halt

  (global $stack i32 (i32.const 256))  ;; operand stack, growing up; $sp addresses the top element
  (global $vars i32 (i32.const 512))

  (func $var_address (param $index i32) (result i32)
    (i32.add (global.get $vars) (i32.shl (local.get $index) (i32.const 2))))

  (func $interpret (param $pc i32) (result i32)
    (local $sp i32)
    (local $b i32)  ;; the right operand of a binary instruction, popped first
    (local.set $sp (i32.sub (global.get $stack) (i32.const 4)))
    (loop $dispatch
      (block $bad
        (block $jmp
          (block $jz
            (block $shr_u
              (block $xor
                (block $mul
                  (block $sub
                    (block $add
                      (block $store
                        (block $load
                          (block $push
                            (block $halt
                              (br_table $halt $push $load $store $add $sub $mul $xor $shr_u $jz $jmp $bad
                                (i32.load8_u (local.get $pc))))
                            ;; halt
                            (return (i32.load (local.get $sp))))
                          ;; push imm
                          (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
                          (i32.store (local.get $sp) (i32.load8_u offset=1 (local.get $pc)))
                          (local.set $pc (i32.add (local.get $pc) (i32.const 2)))
                          (br $dispatch))
                        ;; load var
                        (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
                        (i32.store (local.get $sp) (i32.load (call $var_address (i32.load8_u offset=1 (local.get $pc)))))
                        (local.set $pc (i32.add (local.get $pc) (i32.const 2)))
                        (br $dispatch))
                      ;; store var
                      (i32.store (call $var_address (i32.load8_u offset=1 (local.get $pc))) (i32.load (local.get $sp)))
                      (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                      (local.set $pc (i32.add (local.get $pc) (i32.const 2)))
                      (br $dispatch))
                    ;; add: each binary instruction pops b, then replaces a with (a op b)
                    (local.set $b (i32.load (local.get $sp)))
                    (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                    (i32.store (local.get $sp) (i32.add (i32.load (local.get $sp)) (local.get $b)))
                    (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
                    (br $dispatch))
                  ;; sub
                  (local.set $b (i32.load (local.get $sp)))
                  (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                  (i32.store (local.get $sp) (i32.sub (i32.load (local.get $sp)) (local.get $b)))
                  (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
                  (br $dispatch))
                ;; mul
                (local.set $b (i32.load (local.get $sp)))
                (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
                (i32.store (local.get $sp) (i32.mul (i32.load (local.get $sp)) (local.get $b)))
                (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
                (br $dispatch))
              ;; xor
              (local.set $b (i32.load (local.get $sp)))
              (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
              (i32.store (local.get $sp) (i32.xor (i32.load (local.get $sp)) (local.get $b)))
              (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
              (br $dispatch))
            ;; shr_u
            (local.set $b (i32.load (local.get $sp)))
            (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
            (i32.store (local.get $sp) (i32.shr_u (i32.load (local.get $sp)) (local.get $b)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
            (br $dispatch))
          ;; jz target
          (local.set $pc
            (if (result i32) (i32.load (local.get $sp))
              (then (i32.add (local.get $pc) (i32.const 2)))
              (else (i32.load8_u offset=1 (local.get $pc)))))
          (local.set $sp (i32.sub (local.get $sp) (i32.const 4)))
          (br $dispatch))
        ;; jmp target
        (local.set $pc (i32.load8_u offset=1 (local.get $pc)))
        (br $dispatch))
      ;; bad opcode
      (unreachable))
    (unreachable))

  (func (export "run") (param $n i32) (result i32)
    (i32.store (call $var_address (i32.const 0)) (local.get $n))
    (i32.store (call $var_address (i32.const 1)) (i32.const 0))
    (call $interpret (i32.const 0))))
