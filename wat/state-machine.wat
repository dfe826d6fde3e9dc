;; state-machine.wat — a tiny lexer driven by br_table, run over text packed into an i64.
;; The text is up to 8 ASCII bytes, first character in the lowest byte; a zero byte ends it early.
;; Tokens: a run of digits is a number, a run of letters is a word, any other non-space byte is a
;; symbol on its own, and spaces separate tokens. So "ab 12+x" has 2 words, 1 number, 1 symbol.
;;   count_words, count_numbers, count_symbols  (text) -> count of that kind of token
;;   count_tokens                                (text) -> all tokens
(module
  ;; character classes; they double as the token kinds counted by $lex
  ;;   0 end of text, 1 space, 2 digit, 3 letter, 4 anything else
  (func $class (param $c i32) (result i32)
    (if (i32.eqz (local.get $c)) (then (return (i32.const 0))))
    (if (i32.eq (local.get $c) (i32.const 0x20)) (then (return (i32.const 1))))
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 10)) (then (return (i32.const 2))))
    ;; c | 0x20 folds upper case onto lower case
    (if (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)) (i32.const 26))
      (then (return (i32.const 3))))
    (i32.const 4))

  ;; Counts the tokens whose class is $kind; $kind 0 counts every token.
  (func $lex (param $text i64) (param $kind i32) (result i32)
    (local $state i32)  ;; class of the token being read (2 or 3), or 1 between tokens
    (local $class i32)
    (local $count i32)
    (local.set $state (i32.const 1))
    (block $end
      (loop $next
        (local.set $class (call $class (i32.wrap_i64 (i64.and (local.get $text) (i64.const 0xff)))))
        (local.set $text (i64.shr_u (local.get $text) (i64.const 8)))
        (block $starts_token
          (block $symbol
            (block $alnum
              (block $space
                (br_table $end $space $alnum $alnum $symbol (local.get $class)))
              ;; a space ends the current token
              (local.set $state (i32.const 1))
              (br $next))
            ;; a digit or letter continues a token of its own class, or starts one
            (br_if $next (i32.eq (local.get $state) (local.get $class)))
            (local.set $state (local.get $class))
            (br $starts_token))
          ;; a symbol is a token by itself and ends the current one
          (local.set $state (i32.const 1)))
        (if (i32.or (i32.eqz (local.get $kind)) (i32.eq (local.get $class) (local.get $kind)))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (br $next)))
    (local.get $count))

  (func (export "count_tokens") (param $text i64) (result i32)
    (call $lex (local.get $text) (i32.const 0)))
  (func (export "count_numbers") (param $text i64) (result i32)
    (call $lex (local.get $text) (i32.const 2)))
  (func (export "count_words") (param $text i64) (result i32)
    (call $lex (local.get $text) (i32.const 3)))
  (func (export "count_symbols") (param $text i64) (result i32)
    (call $lex (local.get $text) (i32.const 4))))
