;; multivalue.wat — functions, blocks, ifs and loops that produce several values.
;;   divmod(a, b)     -> (a div_s b, a rem_s b); traps like i32.div_s (by zero, and INT_MIN / -1)
;;   divmod_u(a, b)   -> (quotient, remainder) of unsigned i64 division
;;   check_divmod(a, b) -> q*b + r, which gives back a whenever divmod does not trap
;;   swap(a, b)       -> (b, a)
;;   minmax(a, b)     -> (smaller, larger), chosen by an if with two results
;;   fib_pair(n)      -> (fib n, fib n+1), a loop whose parameters carry the pair
(module
  (func $divmod (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_s (local.get $a) (local.get $b))
    (i32.rem_s (local.get $a) (local.get $b)))

  (func (export "divmod_u") (param $a i64) (param $b i64) (result i64 i64)
    (i64.div_u (local.get $a) (local.get $b))
    (i64.rem_u (local.get $a) (local.get $b)))

  (func (export "check_divmod") (param $a i32) (param $b i32) (result i32)
    (local $q i32) (local $r i32)
    (call $divmod (local.get $a) (local.get $b))
    (local.set $r)
    (local.set $q)
    (i32.add (i32.mul (local.get $q) (local.get $b)) (local.get $r)))

  (func (export "swap") (param $a i64) (param $b i64) (result i64 i64)
    (local.get $b)
    (local.get $a))

  (func (export "minmax") (param $a i32) (param $b i32) (result i32 i32)
    (if (result i32 i32) (i32.le_s (local.get $a) (local.get $b))
      (then (local.get $a) (local.get $b))
      (else (local.get $b) (local.get $a))))

  ;; (a, b) -> (b, a + b)
  (func $fib_step (param $a i64) (param $b i64) (result i64 i64)
    (local.get $b)
    (i64.add (local.get $a) (local.get $b)))

  (func (export "fib_pair") (param $n i32) (result i64 i64)
    (i64.const 0)
    (i64.const 1)
    (block $done (param i64 i64) (result i64 i64)
      (loop $step (param i64 i64) (result i64 i64)
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (call $fib_step)
        (br $step)))))
