// global.get of an immutable global that the module defines with a numeric constant compiles to the
// constant (its value is the same in every instance); any other global is read through its cell.
// Each kind, with edge values and NaN payloads, in arithmetic, as an address and as a stored value,
// next to mutable, imported and global.get-initialised globals — and the identities x + 0, x - 0,
// x | 0, x ^ 0 that such constants produce, which leave x as it is — compared with V8.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Call, DifferentialInstance, firstLines } from './helpers/differential.js';
import { I32_EDGES, I64_EDGES } from './helpers/values.js';
import { compile, loadDisassembler, watToWasm } from '../src/index.js';

const SOURCE = `(module
  (import "env" "imported" (global $imported i32))
  (global $zero i32 (i32.const 0))
  (global $base i32 (i32.const 1024))
  (global $min i32 (i32.const 0x80000000))
  (global $m1 i32 (i32.const -1))
  (global $big i64 (i64.const 0x8000000000000001))
  (global $neg i64 (i64.const -2))
  (global $nan f32 (f32.const nan:0x200001))
  (global $nz f32 (f32.const -0))
  (global $dnan f64 (f64.const -nan:0x8000000000001))
  (global $half f64 (f64.const 1.5))
  (global $mut (mut i32) (i32.const 7))
  (global $copy i32 (global.get $imported))
  (global (export "exported") i32 (i32.const 99))
  (memory (export "memory") 1)
  (func (export "i32s") (param $x i32) (result i32)
    (i32.add (i32.add (global.get $zero) (local.get $x))
      (i32.xor (i32.sub (local.get $x) (global.get $min)) (i32.mul (global.get $m1) (global.get $base)))))
  (func (export "i64s") (param $x i64) (result i64)
    (i64.add (i64.xor (local.get $x) (global.get $big)) (i64.or (i64.shl (global.get $neg) (i64.const 3)) (i64.const 0))))
  (func (export "nan bits") (result i32) (i32.reinterpret_f32 (global.get $nan)))
  (func (export "-0") (param $x f32) (result f32) (f32.mul (global.get $nz) (local.get $x)))
  (func (export "f64 nan bits") (result i64) (i64.reinterpret_f64 (global.get $dnan)))
  (func (export "f64s") (param $x f64) (result f64) (f64.add (f64.mul (global.get $half) (local.get $x)) (global.get $half)))
  (func (export "table") (param $i i32) (result i32)
    (i32.store (i32.add (global.get $base) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
    (i32.load (i32.add (global.get $zero) (i32.add (global.get $base) (i32.shl (local.get $i) (i32.const 2))))))
  (func (export "at a constant address") (param $v i32) (result i32)
    (i32.store8 offset=3 (global.get $base) (local.get $v))
    (i32.add (i32.load offset=1024 (global.get $zero)) (i32.load8_u offset=3 (global.get $base))))
  (func (export "others") (param $x i32) (result i32)
    (global.set $mut (i32.add (global.get $mut) (local.get $x)))
    (i32.add (i32.add (global.get $mut) (global.get $imported)) (i32.add (global.get $copy) (global.get $mut))))
  (func (export "identities") (param $x i32) (param $y i64) (result i64)
    (i64.add
      (i64.extend_i32_u (i32.or (i32.sub (i32.xor (i32.const 0) (local.get $x)) (i32.const 0)) (i32.const 0)))
      (i64.sub (i64.add (i64.const 0) (local.get $y)) (i64.const 0)))))`;

let pair: DifferentialInstance;
beforeAll(async () => {
  pair = await DifferentialInstance.of(SOURCE, { env: { imported: 5 } }, 'constant-globals.wat');
});
afterAll(() => pair?.dispose());

test('constant globals and the identities they produce, against V8', () => {
  const calls: Call[] = [
    ...I32_EDGES.map((x) => ['i32s', [x]] as const),
    ...I64_EDGES.map((x) => ['i64s', [x]] as const),
    ['nan bits', []],
    ['f64 nan bits', []],
    ...[1, -1, 0, Infinity, NaN].map((x) => ['-0', [x]] as const),
    ...[0, -0.5, 1e308, NaN].map((x) => ['f64s', [x]] as const),
    ...[0, 1, 255, 16127, 16128, 16129, 0x3fffffff, -1].map((i) => ['table', [i]] as const),
    ...[0, 0x7f, 0xff, -1].map((v) => ['at a constant address', [v]] as const),
    ...[1, -3, 0x7fffffff].map((x) => ['others', [x]] as const),
    ...I32_EDGES.flatMap((x) => I64_EDGES.slice(0, 4).map((y) => ['identities', [x, y]] as const)),
  ];
  expect(firstLines(pair.mismatches(calls))).toBe('');
  expect(pair.mismatches([['others', [0]]])).toEqual([]);
});

test('a constant global is an immediate; a mutable or imported one is read through its cell', async () => {
  await loadDisassembler();
  const module = await compile(await watToWasm(SOURCE, { filename: 'constant-globals.wat' }));
  // $base is 1024, an immediate (the add itself stays: i32 addresses wrap); $zero adds nothing.
  expect(module.disassemble('table').match(/add\s+\w+, 0x400\b/g)).toHaveLength(2);
  expect(module.disassemble('table')).not.toMatch(/mov\s+rax, qword ptr \[r15 \+/);
  expect(module.disassemble('others')).toMatch(/mov\s+rax, qword ptr \[r15 \+/);
  module.dispose();
});
