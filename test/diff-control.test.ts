// Control flow, locals, calls, traps and JS argument conversion, each compared with V8.
// One module per area; each case is a list of calls. Trap cases call again afterwards, so a trap that
// leaves the instance broken shows up as a mismatch on the next call.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Call, DifferentialInstance, firstLines } from './helpers/differential.js';
import { Random } from './helpers/values.js';

interface Case {
  name: string;
  calls: Call[];
}

interface Area {
  name: string;
  /** Module fields (functions) placed inside `(module …)`. */
  wat: string;
  cases: Case[];
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** `[name, [args]]` for each argument list. */
const callsOf = (name: string, argLists: unknown[][]): Call[] => argLists.map((args) => [name, args]);
const each = (name: string, values: unknown[]): Call[] => values.map((v) => [name, [v]]);

const blocks: Area = {
  name: 'block, loop, if and br',
  wat: `
  (func (export "block result") (param i32) (result i32)
    (block (result i32) (local.get 0)))

  (func (export "br to outer or inner") (param i32) (result i32)
    (i32.add (i32.const 1)
      (block $outer (result i32)
        (i32.mul (i32.const 2)
          (block $inner (result i32)
            (if (i32.eq (local.get 0) (i32.const 1)) (then (br $outer (i32.const 10))))
            (if (i32.eq (local.get 0) (i32.const 2)) (then (br $inner (i32.const 20))))
            (i32.const 30))))))

  (func (export "br discards extra operands") (param i32) (result i32)
    i32.const 1000
    block (result i32)
      i32.const 1
      i32.const 2
      local.get 0
      br 0
    end
    i32.add)

  (func (export "br multi-value over junk") (param i32 i64) (result i64 i32)
    block (result i64 i32)
      i64.const 5
      i32.const 6
      local.get 1
      local.get 0
      br 0
    end
    local.set 0
    i64.const 3
    i64.mul
    local.get 0)

  (func (export "br_if with value") (param i32) (result i32)
    block (result i32)
      i32.const 7
      i32.const 5
      local.get 0
      br_if 0
      i32.add
    end)

  (func (export "br_if i64 value") (param i32 i64) (result i64)
    (block (result i64)
      (i64.add (i64.const 1) (br_if 0 (local.get 1) (local.get 0)))))

  (func (export "loop sum") (param i32) (result i64) (local i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $next)))
    (local.get 1))

  (func (export "loop with result") (param i32) (result i32)
    (loop $again (result i32)
      (local.set 0 (i32.add (local.get 0) (i32.const 3)))
      (br_if $again (i32.lt_s (local.get 0) (i32.const 100)))
      (local.get 0)))

  (func (export "loop with param") (param i32) (result i32)
    local.get 0
    loop $again (param i32) (result i32)
      i32.const 1
      i32.sub
      local.tee 0
      local.get 0
      i32.const 0
      i32.gt_s
      br_if $again
    end)

  (func (export "block with params") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    block (param i32 i32) (result i32)
      i32.sub
    end)

  (func (export "if with param") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    if (param i32) (result i32)
      i32.const 10
      i32.add
    else
      i32.const 10
      i32.sub
    end)

  (func (export "if else result") (param i32) (result i64)
    (if (result i64) (local.get 0) (then (i64.const -1)) (else (i64.const 0x7fffffffffffffff))))

  (func (export "if without else") (param i32) (result i32) (local i32)
    (local.set 1 (i32.const 5))
    (if (local.get 0) (then (local.set 1 (i32.const 6))))
    (local.get 1))

  (func (export "if multi-value") (param i32) (result i32 i64)
    (if (result i32 i64) (local.get 0)
      (then (i32.const 1) (i64.const 2))
      (else (i32.const 3) (i64.const -4))))

  (func (export "nested if sign") (param i64) (result i32)
    (if (result i32) (i64.lt_s (local.get 0) (i64.const 0))
      (then (i32.const -1))
      (else (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0)) (else (i32.const 1))))))

  (func (export "dead code after br") (param i32) (result i32)
    block $out (result i32)
      local.get 0
      br $out
      block (result i32)
        loop
          br 0
        end
        i32.const 1
      end
      if (result i32)
        i32.const 2
      else
        unreachable
      end
      local.get 0
      br_table $out $out
    end
    i32.const 1
    i32.add)

  (func (export "both arms leave") (param i32) (result i32)
    (block $b (result i32)
      (if (local.get 0) (then (br $b (i32.const 10))) (else (return (i32.const 20))))
      (i32.const 30)))

  (func (export "br_if to the function label") (param i32) (result i32)
    (drop (br_if 0 (i32.const 5) (local.get 0)))
    (i32.const 6))

  (func (export "br to the function label over junk") (param i32) (result i64)
    (i32.const 1)
    (block (result i32)
      (i64.const 2)
      (block
        (drop (br_if 2 (i64.const 9) (local.get 0))))
      (drop)
      (i32.const 3))
    (i32.add)
    (i64.extend_i32_u))

  (func (export "multi-value block") (param i32 i64) (result i64)
    (block (result i32 i64 i32) (local.get 0) (local.get 1) (i32.const 3))
    (i64.extend_i32_s)
    (i64.add)
    (local.set 1)
    (i64.extend_i32_s)
    (local.get 1)
    (i64.sub))
  `,
  cases: [
    { name: 'block with a result', calls: each('block result', [0, 1, -1, I32_MIN]) },
    { name: 'br to outer and inner labels with values', calls: each('br to outer or inner', [0, 1, 2, 3]) },
    { name: 'br discards extra operands below its value', calls: each('br discards extra operands', [0, 5, -1000]) },
    {
      name: 'br with several values over junk',
      calls: callsOf('br multi-value over junk', [[1, 2n], [-1, I64_MIN], [I32_MAX, I64_MAX]]),
    },
    { name: 'br_if taken and not taken, with a value', calls: each('br_if with value', [0, 1, -1, I32_MIN, 256]) },
    { name: 'br_if with an i64 value', calls: callsOf('br_if i64 value', [[0, 41n], [1, 41n], [2, -1n], [0, I64_MAX]]) },
    { name: 'loop summing 1..n', calls: each('loop sum', [0, 1, 10, 100_000]) },
    { name: 'loop with a result', calls: each('loop with result', [0, 99, 100, -50, I32_MAX]) },
    { name: 'loop with a param carried by br_if', calls: each('loop with param', [5, 1, 0, -3]) },
    { name: 'block with params', calls: callsOf('block with params', [[10, 3], [3, 10], [I32_MIN, 1]]) },
    { name: 'if with a param', calls: callsOf('if with param', [[1, 1], [1, 0], [I32_MAX, -1], [I32_MIN, 0]]) },
    { name: 'if/else with an i64 result', calls: each('if else result', [0, 1, -1, I32_MIN]) },
    { name: 'if without else', calls: each('if without else', [0, 1, 2]) },
    { name: 'if with several results', calls: each('if multi-value', [0, 1, -7]) },
    { name: 'nested ifs', calls: each('nested if sign', [0n, 1n, -1n, I64_MIN, I64_MAX]) },
    { name: 'code after br is skipped, including nested blocks', calls: each('dead code after br', [0, 1, -1]) },
    { name: 'if whose arms both branch away', calls: each('both arms leave', [0, 1]) },
    { name: 'br_if to the function label', calls: each('br_if to the function label', [0, 1, 2]) },
    { name: 'br to the function label over junk', calls: each('br to the function label over junk', [0, 1]) },
    { name: 'block with several results', calls: callsOf('multi-value block', [[1, 2n], [-5, I64_MAX], [I32_MIN, I64_MIN]]) },
  ],
};

/** A br_table over `count` targets; target i returns i * 7, the default returns -1. */
function bigBrTable(count: number): string {
  const depths = Array.from({ length: count + 1 }, (_, i) => i).join(' ');
  const exits = Array.from({ length: count + 1 }, (_, i) => `end i32.const ${i < count ? i * 7 : -1} return`);
  return `(func (export "br_table ${count}") (param i32) (result i32)
    ${'block '.repeat(count + 1)}
    local.get 0
    br_table ${depths}
    ${exits.join('\n    ')}
    unreachable)`;
}

const BR_TABLE_INDICES = [0, 1, 2, 3, 4, 5, 100, -1, -2, I32_MIN, I32_MAX, 2 ** 32 + 1];

const brTables: Area = {
  name: 'br_table',
  wat: `
  (func (export "br_table") (param i32) (result i32)
    (block $d
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $a $d (local.get 0)))
          (return (i32.const 10)))
        (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 13))

  (func (export "br_table with value") (param i32) (result i32)
    block $x (result i32)
      block $y (result i32)
        i32.const 99
        i32.const 42
        local.get 0
        br_table $y $x $y
      end
      i32.const 1
      i32.add
    end)

  (func (export "br_table i64 value") (param i32 i64) (result i64)
    (block $x (result i64)
      (i64.mul (i64.const 3)
        (block $y (result i64)
          (br_table $x $y (local.get 1) (local.get 0))))))

  (func (export "br_table default only") (param i32) (result i32)
    (block (br_table 0 (local.get 0)))
    (i32.const 5))

  (func (export "br_table to loop") (param i32) (result i32) (local i32)
    (block $exit
      (loop $top
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_table $top $exit (i32.le_s (local.get 0) (i32.const 0)))))
    (local.get 1))

  (func (export "br_table to function") (param i32) (result i32)
    (block (result i32)
      (br_table 0 1 0 (i32.const 4) (local.get 0)))
    (i32.const 100)
    (i32.add))

  (func (export "br_table index from the machine stack") (param i64) (result i32)
    (block $two
      (block $one
        (block $zero
          (i32.wrap_i64 (local.get 0))
          ;; Opening a block materializes the index: br_table pops it from the machine stack.
          (block (param i32) (br_table $zero $one $two)))
        (return (i32.const 10)))
      (return (i32.const 11)))
    (i32.const 12))

  ${bigBrTable(100)}
  `,
  cases: [
    { name: 'in range, out of range, negative and huge indices', calls: each('br_table', BR_TABLE_INDICES) },
    { name: 'carrying a value over junk', calls: each('br_table with value', BR_TABLE_INDICES) },
    { name: 'carrying an i64 value', calls: BR_TABLE_INDICES.map((i) => ['br_table i64 value', [i, -5n]]) },
    { name: 'to the function label', calls: each('br_table to function', BR_TABLE_INDICES) },
    {
      name: 'a wrapped index popped from the machine stack',
      calls: each('br_table index from the machine stack', [0n, 1n, 2n, 3n, 2n ** 32n + 1n, -(2n ** 32n), -1n, I64_MIN]),
    },
    { name: 'default target only', calls: each('br_table default only', [0, 1, -1]) },
    { name: 'branching back to a loop', calls: each('br_table to loop', [0, 1, 10, 1000]) },
    {
      name: 'with 100 targets',
      calls: each('br_table 100', [...Array.from({ length: 102 }, (_, i) => i), -1, I32_MIN, I32_MAX, 2 ** 32 + 99]),
    },
  ],
};

/**
 * A block's single result lands in a register at its label (every branch and the fall-through put
 * it there): each way in, each value class, and what sits below the value.
 */
const labelRegisters: Area = {
  name: 'block results in a register',
  wat: `
  (func $id (param i32) (result i32) (local.get 0))

  (func (export "f64 if else") (param i32 f64) (result f64)
    (if (result f64) (local.get 0)
      (then (f64.mul (local.get 1) (f64.const 2)))
      (else (f64.const -0.5))))

  (func (export "f32 br_if over junk") (param i32 f32) (result f32)
    (f32.add (f32.const 1)
      (block (result f32)
        (drop (f32.const 7))
        (f32.const 3)
        (drop (br_if 0 (local.get 1) (local.get 0)))
        (drop)
        (f32.neg (local.get 1)))))

  (func (export "br_if with its value on the machine stack") (param i32 i64 f64) (result f64)
    ;; The block that computes each condition makes the value below it materialized.
    (f64.add
      (f64.convert_i64_s
        (block (result i64)
          (br_if 0 (i64.mul (local.get 1) (i64.const 3)) (block (result i32) (i32.and (local.get 0) (i32.const 1))))
          (i64.const 1)
          (i64.add)))
      (block (result f64)
        (br_if 0 (f64.mul (local.get 2) (f64.const 3)) (block (result i32) (i32.and (local.get 0) (i32.const 2))))
        (f64.const 0.25)
        (f64.add))))

  (func (export "i64 br over a call result") (param i32 i64) (result i64)
    (block (result i64)
      (i64.extend_i32_u (call $id (local.get 0)))
      (if (i32.eqz (local.get 0)) (then (br 1 (local.get 1))))
      (i64.add (local.get 1))))

  (func (export "br_if with materialized values below") (param i32) (result i32)
    (i32.add (call $id (i32.const 1000))
      (block (result i32)
        (call $id (i32.const 100))
        (call $id (local.get 0))
        (br_if 0 (call $id (i32.const 7)) (local.get 0))
        (drop)
        (i32.add))))

  (func (export "br_if keeps the value for the fall-through") (param i32) (result i32)
    (block (result i32)
      (i32.mul (local.get 0) (i32.const 3))
      (local.get 0)
      (br_if 0)
      (i32.const 5)
      (i32.add)))

  (func (export "br_if with a constant value") (param i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (i32.const 77) (i32.lt_s (local.get 0) (i32.const 10))))
      (i32.const 88)))

  (func (export "nested results side by side") (param i32) (result i32)
    (i32.sub
      (block (result i32) (br_if 0 (i32.const 50) (local.get 0)) (drop) (i32.const 60))
      (block (result i32)
        (block (result i32) (br_if 1 (i32.const 3) (i32.eq (local.get 0) (i32.const 2))) (drop) (i32.const 4)))))

  (func (export "br_table to a block and a loop") (param i32) (result i32) (local i32)
    (block $done (result i32)
      (i32.const 0)
      (loop $again (param i32) (result i32)
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (i32.add (local.get 1))
        ;; 0 and 2 (both $again) in turn until the count passes the param's low bits, then 1 ($done).
        (br_table $again $done $again
          (if (result i32) (i32.gt_u (local.get 1) (i32.and (local.get 0) (i32.const 7)))
            (then (i32.const 1))
            (else (i32.shl (i32.and (local.get 1) (i32.const 1)) (i32.const 1)))))))
    (i32.const 1000)
    (i32.add))

  (func (export "externref through if") (param i32 externref) (result externref)
    (if (result externref) (local.get 0) (then (local.get 1)) (else (ref.null extern))))

  (func (export "unreachable fall-through") (param i32) (result i32)
    (block (result i32)
      (if (local.get 0) (then (br 1 (i32.const 11))))
      (br 0 (i32.const 22))
      (i32.const 33)))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  `,
  cases: [
    { name: 'f64 from both arms of an if', calls: callsOf('f64 if else', [[0, 1.5], [1, 1.5], [1, -0], [7, NaN]]) },
    { name: 'f32 by br_if over junk, and by the fall-through', calls: callsOf('f32 br_if over junk', [[0, 2.5], [1, 2.5], [1, -Infinity]]) },
    {
      name: 'br_if with its value on the machine stack',
      calls: callsOf('br_if with its value on the machine stack', [[0, 5n, 1.5], [1, 5n, 1.5], [2, -7n, 0.1], [3, I64_MAX, -2]]),
    },
    { name: 'i64 by br and by the fall-through after a call', calls: callsOf('i64 br over a call result', [[0, 5n], [3, I64_MAX], [-1, -1n]]) },
    { name: 'br_if with materialized values below its value', calls: each('br_if with materialized values below', [0, 1, -9]) },
    { name: 'br_if not taken keeps its value', calls: each('br_if keeps the value for the fall-through', [0, 1, 2, I32_MIN]) },
    { name: 'br_if with a constant value', calls: each('br_if with a constant value', [0, 9, 10, I32_MAX]) },
    { name: 'blocks whose results are operands of one another', calls: each('nested results side by side', [0, 1, 2, 3]) },
    { name: 'br_table to a register label and to a loop param', calls: each('br_table to a block and a loop', [0, 1, 2, 3, 5, -1]) },
    { name: 'externref from both arms', calls: callsOf('externref through if', [[0, 'x'], [1, 'x'], [1, null]]) },
    { name: 'a label reached by branches only', calls: each('unreachable fall-through', [0, 1]) },
    { name: 'recursion through an if result', calls: each('fib', [0, 1, 2, 10, 20]) },
  ],
};

/** 40 locals of alternating types, each set from the params, then folded in order into one i64. */
function manyLocals(count: number): string {
  const types = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 'i32' : 'i64'));
  const sets = types.map((t, i) => {
    const local = i + 2;
    return t === 'i32'
      ? `(local.set ${local} (i32.add (local.get 0) (i32.const ${i * 1000})))`
      : `(local.set ${local} (i64.mul (local.get 1) (i64.const ${i + 1})))`;
  });
  const fold = types.reduce(
    (acc, t, i) => `(i64.add (i64.mul ${acc} (i64.const 31)) ${t === 'i32' ? `(i64.extend_i32_s (local.get ${i + 2}))` : `(local.get ${i + 2})`})`,
    '(i64.const 0)',
  );
  return `(func (export "many locals") (param i32 i64) (result i64) (local ${types.join(' ')})
    ${sets.join('\n    ')}
    ${fold})`;
}

const locals: Area = {
  name: 'locals, select, drop, nop, return',
  wat: `
  (func (export "zero locals") (result i32 i64 i32 i64) (local i32 i64 i32 i64)
    (local.get 0) (local.get 1) (local.get 2) (local.get 3))

  (func (export "dirty the stack") (param i32 i64) (result i64)
    (local i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64)
    ${Array.from({ length: 16 }, (_, i) => `(local.set ${i + 2} (local.get ${i % 2}))`).join(' ')}
    (i64.add (local.get 17) (i64.extend_i32_u (local.get 16))))

  (func (export "zero locals after a dirty call") (param i32 i64) (result i64)
    (local i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64)
    (drop (call 1 (local.get 0) (local.get 1)))
    (call 3))

  (func (result i64)
    (local i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64 i32 i64)
    ${Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? `(i64.extend_i32_u (local.get ${i}))` : `(local.get ${i})`))
      .reduce((acc, x) => `(i64.or ${acc} ${x})`)})

  (func (export "tee") (param i32) (result i32) (local i32)
    (i32.add (local.tee 1 (i32.mul (local.get 0) (i32.const 3))) (local.get 1)))

  (func (export "set params") (param i32 i64) (result i64 i32)
    (local.set 0 (i32.sub (i32.const 0) (local.get 0)))
    (local.set 1 (i64.xor (local.get 1) (i64.const -1)))
    (local.get 1) (local.get 0))

  (func (export "params reversed") (param i32 i64 i32 i64) (result i64 i32 i64 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))

  ${manyLocals(40)}

  (func (export "select i32") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (local.get 2)))

  (func (export "select i64") (param i64 i64 i32) (result i64)
    (select (local.get 0) (local.get 1) (local.get 2)))

  (func (export "select constants") (param i32) (result i64)
    (select (i64.const 0x123456789) (i64.const -9) (local.get 0)))

  (func (export "drop and nop") (param i32) (result i32)
    (nop)
    (drop (i64.const 5))
    (drop (i32.div_u (local.get 0) (i32.const 3)))
    (nop)
    (local.get 0))

  (func (export "return from nested") (param i32) (result i32)
    (block
      (loop
        (block
          (if (local.get 0) (then (return (i32.const 1)))))))
    (i32.const 2))

  (func (export "return multi over junk") (param i32) (result i32 i64)
    i64.const 99
    block
      loop
        local.get 0
        if
          i32.const 5
          i64.const -6
          return
        end
      end
    end
    drop
    i32.const 7
    i64.const 8)

  (func (export "no result") (param i32))
  `,
  cases: [
    { name: 'locals start at zero', calls: [['zero locals', []]] },
    {
      name: 'locals start at zero after a call left the stack dirty',
      calls: callsOf('zero locals after a dirty call', [[-1, -1n], [I32_MIN, I64_MIN], [12345, 0x1234567890n]]),
    },
    { name: 'local.tee', calls: each('tee', [0, 1, -1, I32_MAX]) },
    { name: 'local.set on params', calls: callsOf('set params', [[5, 5n], [I32_MIN, I64_MIN], [0, 0n]]) },
    {
      name: 'params of both types read back',
      calls: callsOf('params reversed', [[1, 2n, 3, 4n], [-1, I64_MIN, I32_MIN, I64_MAX]]),
    },
    { name: '40 locals of both types', calls: callsOf('many locals', [[0, 0n], [1, 1n], [-7, I64_MAX], [I32_MIN, I64_MIN]]) },
    {
      name: 'select i32',
      calls: callsOf('select i32', [[1, 2, 0], [1, 2, 1], [1, 2, -1], [1, 2, I32_MIN], [I32_MIN, I32_MAX, 2]]),
    },
    { name: 'select i64', calls: callsOf('select i64', [[1n, I64_MIN, 0], [1n, I64_MIN, 1], [I64_MAX, -1n, I32_MIN]]) },
    { name: 'select between constants', calls: each('select constants', [0, 1, -1]) },
    { name: 'drop and nop', calls: each('drop and nop', [0, 7, -1]) },
    { name: 'return from nested blocks', calls: each('return from nested', [0, 1, -1]) },
    { name: 'return with several values over junk', calls: each('return multi over junk', [0, 1]) },
    { name: 'a function without results returns undefined', calls: each('no result', [0, 1]) },
  ],
};

/** Param i of a function with mixed types: every third param is an i64. */
const paramType = (i: number) => (i % 3 === 1 ? 'i64' : 'i32');
const MAX_ARITY = 12;

/** `$sum_n` folds its params in order into an i64 (so swapped arguments change the result). */
function arityFunctions(n: number): string {
  const types = Array.from({ length: n }, (_, i) => paramType(i));
  const fold = types.reduce(
    (acc, t, i) => `(i64.add (i64.mul ${acc} (i64.const 1000003)) ${t === 'i32' ? `(i64.extend_i32_s (local.get ${i}))` : `(local.get ${i})`})`,
    `(i64.const ${n})`,
  );
  const params = n > 0 ? `(param ${types.join(' ')})` : '';
  const args = types.map((_, i) => `(local.get ${i})`).join(' ');
  const shifted = types.map((t, i) => `(${t}.add (local.get ${i}) (${t}.const ${i + 1}))`).join(' ');
  return `
  (func $sum_${n} (export "sum ${n}") ${params} (result i64) ${fold})
  (func (export "call sum ${n}") ${params} (result i64)
    (i64.sub (call $sum_${n} ${args}) (i64.mul (i64.const 3) (call $sum_${n} ${shifted}))))`;
}

function arityArgs(n: number, random: Random): unknown[] {
  return Array.from({ length: n }, (_, i) => (paramType(i) === 'i64' ? random.i64() : random.i32()));
}

const calls: Area = {
  name: 'calls and recursion',
  wat: `
  ${Array.from({ length: MAX_ARITY + 1 }, (_, n) => arityFunctions(n)).join('\n')}

  (func $swap (export "swap") (param i32 i64) (result i64 i32)
    (local.get 1) (local.get 0))

  (func $three (export "three") (param i32) (result i32 i64 i32)
    (local.get 0) (i64.extend_i32_s (local.get 0)) (i32.mul (local.get 0) (i32.const -2)))

  (func (export "use several results") (param i32 i64) (result i32 i64 i32) (local i32 i64 i32)
    (call $swap (local.get 0) (local.get 1))
    (drop)
    (call $three (i32.wrap_i64))
    (local.set 4)
    (local.set 3)
    (local.set 2)
    (local.get 2) (local.get 3) (local.get 4))

  (func $clobber (param i32) (result i32) (local i32 i32 i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 7)))
    (local.set 2 (i32.div_s (local.get 1) (i32.const 3)))
    (local.set 3 (i32.shl (local.get 2) (local.get 0)))
    (i32.xor (local.get 3) (local.get 1)))

  (func (export "call with live values") (param i32 i32) (result i32)
    (i32.add (local.get 0)
      (i32.sub (i32.mul (local.get 1) (i32.const 5)) (call $clobber (local.get 1)))))

  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get 0) (i32.const 1)))))))

  (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
      (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))

  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (call $even (i32.sub (local.get 0) (i32.const 1))))))

  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (i32.const 1) (call $forever (i32.add (local.get 0) (i32.const 1)))))

  (func $forever_wide (export "forever wide") (param i64 i32 i64 i32 i64 i32 i64 i32) (result i64)
    (local i64 i64 i64 i64)
    (call $forever_wide (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                        (local.get 4) (local.get 5) (local.get 6) (local.get 7)))
  `,
  cases: [
    ...Array.from({ length: MAX_ARITY + 1 }, (_, n): Case => {
      const random = new Random(1000 + n);
      const argLists = Array.from({ length: 20 }, () => arityArgs(n, random));
      return { name: `${n} params, mixed i32 and i64`, calls: [...callsOf(`sum ${n}`, argLists), ...callsOf(`call sum ${n}`, argLists)] };
    }),
    {
      name: 'several results, to JS and between functions',
      calls: [
        ...callsOf('swap', [[1, 2n], [I32_MIN, I64_MAX]]),
        ...each('three', [0, -1, I32_MAX]),
        ...callsOf('use several results', [[1, 2n], [-1, I64_MIN], [I32_MAX, 0x1_0000_0005n]]),
      ],
    },
    {
      name: 'values live across a call',
      calls: callsOf('call with live values', [[1, 2], [-1, 31], [I32_MIN, I32_MAX], [100, -100]]),
    },
    { name: 'recursion 10,000 deep', calls: each('depth', [0, 1, 10_000]) },
    { name: 'recursive fib', calls: each('fib', [0n, 1n, 2n, 10n, 20n]) },
    { name: 'mutual recursion', calls: each('even', [0, 1, 10, 1001]) },
    {
      name: 'unbounded recursion throws RangeError and the instance keeps working',
      calls: [['forever', [0]], ['depth', [10_000]], ['forever', [1]], ['fib', [15n]]],
    },
    {
      name: 'unbounded recursion with wide frames',
      calls: [['forever wide', [1n, 2, 3n, 4, 5n, 6, 7n, 8]], ['depth', [10_000]], ['sum 12', arityArgs(12, new Random(7))]],
    },
  ],
};

const traps: Area = {
  name: 'traps',
  wat: `
  (func (export "unreachable") (param i32) (result i32)
    (if (local.get 0) (then unreachable))
    (local.get 0))
  (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "i32.div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "i32.rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "i64.rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))

  (func $dive (export "trap at depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.div_u (i32.const 1) (local.get 0)))
      (else (i32.add (i32.const 1) (call $dive (i32.sub (local.get 0) (i32.const 1)))))))

  (func (export "trap in loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.div_s (i32.const 100) (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get 0) (i32.const -3))))
    (local.get 1))

  (func (export "trap under operands") (param i64) (result i64)
    (i64.add (i64.const 1) (i64.add (local.get 0) (i64.rem_u (i64.const 7) (local.get 0)))))
  `,
  cases: [
    { name: 'unreachable', calls: each('unreachable', [1, 0, 1, 5]) },
    ...['div_s', 'div_u', 'rem_s', 'rem_u'].map((op): Case => ({
      name: `i32.${op} by zero, then again`,
      calls: callsOf(`i32.${op}`, [[1, 0], [7, 2], [0, 0], [I32_MIN, 0], [-7, 2]]),
    })),
    ...['div_s', 'div_u', 'rem_s', 'rem_u'].map((op): Case => ({
      name: `i64.${op} by zero, then again`,
      calls: callsOf(`i64.${op}`, [[1n, 0n], [7n, 2n], [0n, 0n], [I64_MIN, 0n], [-7n, 2n]]),
    })),
    {
      name: 'signed division overflow traps, signed remainder overflow is 0',
      calls: [
        ...callsOf('i32.div_s', [[I32_MIN, -1], [I32_MIN, 1], [I32_MIN, -1], [I32_MIN, 2]]),
        ...callsOf('i32.rem_s', [[I32_MIN, -1], [I32_MIN, 3]]),
        ...callsOf('i64.div_s', [[I64_MIN, -1n], [I64_MIN, 1n], [I64_MIN, -1n], [I64_MIN, 2n]]),
        ...callsOf('i64.rem_s', [[I64_MIN, -1n], [I64_MIN, 3n]]),
        ...callsOf('i32.div_u', [[I32_MIN, -1]]),
        ...callsOf('i64.div_u', [[I64_MIN, -1n]]),
      ],
    },
    { name: 'trap 1000 calls deep, then again', calls: each('trap at depth', [1000, 0, 1000, 10, 5000]) },
    { name: 'trap inside a loop', calls: each('trap in loop', [5, -4, 1, -1, 3]) },
    { name: 'trap with operands on the stack', calls: each('trap under operands', [0n, 3n, 0n, -1n]) },
    {
      name: 'every kind of trap in turn, then normal calls',
      calls: [
        ['unreachable', [1]],
        ['i32.div_s', [1, 0]],
        ['i64.rem_u', [1n, 0n]],
        ['i64.div_s', [I64_MIN, -1n]],
        ['trap at depth', [100]],
        ['unreachable', [0]],
        ['i64.div_s', [I64_MIN, 2n]],
        ['trap in loop', [10]],
      ],
    },
  ],
};

const conversions: Area = {
  name: 'JS argument and result conversion',
  wat: `
  (func (export "id i32") (param i32) (result i32) (local.get 0))
  (func (export "id i64") (param i64) (result i64) (local.get 0))
  (func (export "i32 and i64") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "i32 and i32") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "pair") (param i32 i64) (result i32 i64) (local.get 0) (local.get 1))
  `,
  cases: [
    {
      name: 'i32 params apply ToInt32',
      calls: [
        ...each('id i32', ['7', ' 12 ', '0x10', 'abc', '', 3.9, -3.9, -0, NaN, Infinity, -Infinity, 1e20, 2 ** 32 + 5]),
        ...each('id i32', [2 ** 31, -(2 ** 31) - 1, true, false, null, [], [9], { valueOf: () => 42 }]),
        ['id i32', []],
      ],
    },
    {
      name: 'i32 params that cannot convert throw TypeError',
      calls: [...each('id i32', [Symbol('s'), 5n]), ['id i32', [{ valueOf: () => { throw new RangeError('from valueOf'); } }]]],
    },
    {
      name: 'i64 params take BigInts and wrap them to 64 bits',
      calls: each('id i64', [0n, -1n, I64_MAX, I64_MIN, I64_MAX + 1n, I64_MIN - 1n, 2n ** 64n, 2n ** 70n + 3n, -(2n ** 64n) - 1n]),
    },
    {
      name: 'i64 params convert with ToBigInt',
      calls: [...each('id i64', ['5', '-0x10', ' 7 ', true, false]), ...each('id i64', ['abc', '1.5', null, {}])],
    },
    {
      name: 'a Number or a missing argument for an i64 param is a TypeError',
      calls: [...each('id i64', [2, 0, -0, 1.5, NaN, undefined, Symbol('s')]), ['id i64', []], ['i32 and i64', [1]]],
    },
    {
      name: 'arguments convert in order',
      calls: callsOf('i32 and i64', [[Symbol('first'), 2], [{ valueOf: () => 3 }, 4n], ['x', '0x20']]),
    },
    {
      name: 'extra arguments are ignored',
      calls: [['id i32', [1, 2, 3]], ['id i64', [5n, 6, 'x']], ['i32 and i32', [10, 3, 99n, Symbol('extra')]]],
    },
    {
      name: 'results are signed; several results are an array',
      calls: [...callsOf('pair', [[-1, -1n], [I32_MIN, I64_MIN], [I32_MAX, I64_MAX]]), ...callsOf('i32 and i32', [[I32_MIN, 1]])],
    },
  ],
};

/** Params of alternating types, i32 first. */
const alternating = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'i32' : 'i64'));
const alternatingArgs = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i * 3 - 7 : BigInt(i) ** 5n));

/** V8 accepts up to 1000 params, 1000 results and 50,000 locals (params included) per function. */
const limits: Area = {
  name: 'V8 limits',
  wat: `
  (func $wide (export "1000 params") (param ${alternating(1000).join(' ')}) (result i64)
    (i64.add (i64.extend_i32_s (local.get 998)) (i64.add (local.get 1) (local.get 999))))
  (func (export "call 1000 params") (param i32) (result i64)
    (call $wide ${alternating(1000).map((t, i) => (t === 'i32' ? `(i32.add (local.get 0) (i32.const ${i}))` : `(i64.const ${i})`)).join(' ')}))
  (func $tall (export "1000 results") (param i32) (result ${'i32 '.repeat(1000)})
    ${Array.from({ length: 1000 }, (_, i) => `(i32.add (local.get 0) (i32.const ${i}))`).join(' ')})
  (func (export "call 1000 results") (param i32) (result i32 i32)
    (call $tall (local.get 0))
    ${'(drop) '.repeat(997)}
    (i32.sub))
  (func (export "50000 locals") (param i32) (result i64) (local ${'i64 '.repeat(49_999)})
    (local.set 49999 (i64.const 5))
    (i64.add (local.get 49999) (local.get 49998)))
  (func $huge (export "unbounded recursion with 5000 locals") (param i32) (result i32) (local ${'i64 '.repeat(5000)})
    (call $huge (i32.add (local.get 0) (i32.const 1))))
  `,
  cases: [
    { name: '1000 params from JS', calls: [['1000 params', alternatingArgs(1000)], ['1000 params', alternatingArgs(999)]] },
    { name: '1000 params from wasm', calls: each('call 1000 params', [0, -1]) },
    { name: '1000 results to JS', calls: each('1000 results', [0, I32_MAX]) },
    { name: '1000 results to wasm', calls: each('call 1000 results', [0, I32_MIN]) },
    { name: '50,000 locals', calls: each('50000 locals', [1]) },
    { name: 'unbounded recursion with 40 KB frames', calls: [['unbounded recursion with 5000 locals', [0]], ['50000 locals', [0]]] },
  ],
};

for (const area of [blocks, brTables, labelRegisters, locals, calls, traps, conversions, limits]) {
  describe(area.name, () => {
    let pair: DifferentialInstance;
    beforeAll(async () => {
      pair = await DifferentialInstance.of(`(module${area.wat})`, {}, `${area.name}.wat`);
    });
    afterAll(() => pair?.dispose());

    test.each(area.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      expect(firstLines(pair.mismatches(c.calls))).toBe('');
    });
  });
}

describe('typed select', () => {
  // Its own module: the wasm parser wasmjit uses rejects opcode 0x1c, which must not hide the cases above.
  test('select (result i64) and (result i32)', async () => {
    const pair = await DifferentialInstance.of(`(module
      (func (export "i64") (param i64 i64 i32) (result i64) (select (result i64) (local.get 0) (local.get 1) (local.get 2)))
      (func (export "i32") (param i32 i32 i32) (result i32) (select (result i32) (local.get 0) (local.get 1) (local.get 2))))`);
    try {
      expect(firstLines(pair.mismatches([['i64', [1n, 2n, 0]], ['i64', [1n, 2n, 1]], ['i32', [1, 2, 0]], ['i32', [1, 2, -5]]]))).toBe('');
    } finally {
      pair.dispose();
    }
  });
});
