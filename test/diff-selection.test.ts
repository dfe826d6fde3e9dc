// The shapes instruction selection picks other code for, each compared with V8: results computed
// straight into the register of the local the next local.set/tee writes (with the local also read by
// the operands, or by entries below them), local.tee to a local in memory, add/sub as lea, the
// commutative operand order, imul by a constant or from memory, i32.and as a branch condition, zero
// tests of locals, and float constants from the constant pool (as memory operands, both f32 and f64,
// NaN payloads included). Each function runs once with its locals in registers (few locals) and once
// with the same locals in frame slots (many busier locals take the registers first).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Call, DifferentialInstance, firstLines } from './helpers/differential.js';
import { I32_EDGES, I64_EDGES, Random } from './helpers/values.js';

/** Locals $x $y (of `type`), then $z: the body reads params 0 and 1 into them first. */
interface Shape {
  name: string;
  type: 'i32' | 'i64' | 'f32' | 'f64';
  /** Instructions after `$x = param 0; $y = param 1`, leaving one value of `type`. */
  body: string;
}

const I32_SHAPES: Shape[] = [
  { name: 'x = x + c', type: 'i32', body: '(local.set $x (i32.add (local.get $x) (i32.const 7))) (local.get $x)' },
  { name: 'x = c + x', type: 'i32', body: '(local.set $x (i32.add (i32.const -9) (local.get $x))) (local.get $x)' },
  { name: 'x = y + x', type: 'i32', body: '(local.set $x (i32.add (local.get $y) (local.get $x))) (local.get $x)' },
  { name: 'x = y - x', type: 'i32', body: '(local.set $x (i32.sub (local.get $y) (local.get $x))) (local.get $x)' },
  { name: 'x = y - INT_MIN', type: 'i32', body: '(local.set $x (i32.sub (local.get $y) (i32.const 0x80000000))) (local.get $x)' },
  { name: 'z = x + y, z = x - 5', type: 'i32', body: '(local.set $z (i32.add (local.get $x) (local.get $y))) (i32.xor (local.get $z) (i32.sub (local.get $x) (i32.const 5)))' },
  { name: 'x = x * x', type: 'i32', body: '(local.set $x (i32.mul (local.get $x) (local.get $x))) (local.get $x)' },
  { name: 'x = 1000 * y', type: 'i32', body: '(local.set $x (i32.mul (i32.const 1000) (local.get $y))) (i32.add (local.get $x) (local.get $y))' },
  { name: 'x = y * -3, y = x * y', type: 'i32', body: '(local.set $x (i32.mul (local.get $y) (i32.const -3))) (local.set $y (i32.mul (local.get $x) (local.get $y))) (local.get $y)' },
  { name: 'z = x & 0xff, x = 0xffff & (x ^ y), y = y & 0xff (movzx)', type: 'i32', body: '(local.set $z (i32.and (local.get $x) (i32.const 0xff))) (local.set $x (i32.and (i32.const 0xffff) (i32.xor (local.get $x) (local.get $y)))) (local.set $y (i32.and (local.get $y) (i32.const 0xff))) (i32.add (i32.add (local.get $z) (local.get $x)) (i32.mul (local.get $y) (i32.const 65599)))' },
  { name: 'x & 0x1ff, x & 0xfffe, (x >>> 8) & 0xff as an address', type: 'i32', body: '(i32.store8 (i32.const 40) (local.get $y)) (i32.add (i32.add (i32.and (local.get $x) (i32.const 0x1ff)) (i32.and (local.get $x) (i32.const 0xfffe))) (i32.load8_u offset=40 (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff))))' },
  { name: 'x = y << x', type: 'i32', body: '(local.set $x (i32.shl (local.get $y) (local.get $x))) (local.get $x)' },
  { name: 'x = y rotl 13', type: 'i32', body: '(local.set $x (i32.rotl (local.get $y) (i32.const 13))) (local.get $x)' },
  { name: 'z = (x ^ y) + x, z = (x ^ y) + (z - y)', type: 'i32', body: '(local.set $z (i32.add (i32.xor (local.get $x) (local.get $y)) (local.get $x))) (local.set $z (i32.add (i32.xor (local.get $x) (local.get $y)) (i32.sub (local.get $z) (local.get $y)))) (local.get $z)' },
  { name: 'z = (x ^ y) + 0x50a28be6, x = z rotl 9', type: 'i32', body: '(local.set $z (i32.add (i32.xor (local.get $x) (local.get $y)) (i32.const 0x50a28be6))) (local.set $x (i32.rotl (local.get $z) (i32.const 9))) (i32.add (local.get $x) (local.get $z))' },
  { name: 'x = (x ^ y) rotr 30, y = x rotl 5', type: 'i32', body: '(local.set $x (i32.rotr (i32.xor (local.get $x) (local.get $y)) (i32.const 30))) (local.set $y (i32.rotl (local.get $x) (i32.const 5))) (i32.sub (local.get $x) (local.get $y))' },
  { name: 'x = y / x (traps on 0)', type: 'i32', body: '(local.set $x (i32.div_u (local.get $y) (local.get $x))) (local.get $x)' },
  { name: 'x = y % 7', type: 'i32', body: '(local.set $x (i32.rem_s (local.get $y) (i32.const 7))) (local.get $x)' },
  { name: 'old x below the operands', type: 'i32', body: 'local.get $x local.get $x i32.const 1 i32.add local.set $x local.get $x i32.sub' },
  { name: 'old x below a tee', type: 'i32', body: 'local.get $x local.get $y local.get $x i32.mul local.tee $x i32.add local.get $x i32.xor' },
  { name: 'tee chain', type: 'i32', body: '(i32.add (local.tee $z (i32.add (local.tee $x (i32.xor (local.get $x) (local.get $y))) (local.get $y))) (i32.mul (local.get $z) (local.get $x)))' },
  { name: 'x = clz(y) + load', type: 'i32', body: '(i32.store (i32.const 8) (local.get $y)) (local.set $x (i32.load (i32.const 8))) (local.set $x (i32.add (i32.clz (local.get $x)) (local.get $x))) (local.get $x)' },
  { name: 'x = eqz(y), x = (y == x)', type: 'i32', body: '(local.set $z (i32.eqz (local.get $y))) (local.set $x (i32.eq (local.get $y) (local.get $x))) (i32.add (local.get $x) (i32.shl (local.get $z) (i32.const 1)))' },
  { name: '(x >> 22) & 0x3fc, (x >> 8) & 0xff (rorx)', type: 'i32', body: '(i32.add (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 0x3fc)) (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff)))' },
  { name: '(x >> 24) & 0xff, (y >> 31) & 1', type: 'i32', body: '(i32.xor (i32.and (i32.shr_u (local.get $x) (i32.const 24)) (i32.const 0xff)) (i32.and (i32.shr_u (local.get $y) (i32.const 31)) (i32.const 1)))' },
  { name: 'masks too wide for a rotate: (x >> 22) & 0x400, (x >> 4) & -1', type: 'i32', body: '(i32.add (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 0x400)) (i32.and (i32.shr_u (local.get $x) (i32.const 4)) (i32.const -1)))' },
  { name: '(x >> 32) & 0xff, (x >> 33) & 0xff, (x >> y) & 0xff', type: 'i32', body: '(i32.add (i32.and (i32.shr_u (local.get $x) (i32.const 32)) (i32.const 0xff)) (i32.add (i32.and (i32.shr_u (local.get $x) (i32.const 33)) (i32.const 0xff)) (i32.and (i32.shr_u (local.get $x) (local.get $y)) (i32.const 0xff))))' },
  { name: 'br_if (x & y)', type: 'i32', body: '(block (result i32) (br_if 0 (i32.const 1) (i32.and (local.get $x) (local.get $y))) (drop) (i32.const 2))' },
  { name: 'if (x & 0x10)', type: 'i32', body: '(if (result i32) (i32.and (i32.const 0x10) (local.get $x)) (then (i32.const 3)) (else (i32.const 4)))' },
  { name: 'select by (x & y)', type: 'i32', body: '(select (local.get $x) (local.get $y) (i32.and (local.get $y) (local.get $x)))' },
  { name: 'eqz (x & 1)', type: 'i32', body: '(i32.eqz (i32.and (local.get $x) (i32.const 1)))' },
  { name: 'br_if x', type: 'i32', body: '(block (result i32) (br_if 0 (i32.const 5) (local.get $x)) (drop) (i32.const 6))' },
  {
    name: 'stores of constants and locals',
    type: 'i32',
    body: `(i32.store8 (i32.const 16) (i32.const 0x1ff)) (i32.store16 offset=2 (i32.const 16) (i32.const -2))
      (i32.store8 offset=1 (local.get $y) (local.get $x)) (i32.store16 offset=6 (local.get $y) (local.get $x))
      (i32.store offset=20 (i32.const 0) (i32.const 0x80000000)) (i32.store offset=8 (local.get $y) (local.get $x))
      (i32.xor (i32.xor (i32.load (i32.const 16)) (i32.load (i32.const 20)))
        (i32.add (i32.load offset=8 (local.get $y)) (i32.load (local.get $y))))`,
  },
];

const I64_SHAPES: Shape[] = [
  { name: 'x = x + big', type: 'i64', body: '(local.set $x (i64.add (local.get $x) (i64.const 0x123456789))) (local.get $x)' },
  { name: 'x = y - INT32_MIN', type: 'i64', body: '(local.set $x (i64.sub (local.get $y) (i64.const -0x80000000))) (local.get $x)' },
  { name: 'x = y + -1', type: 'i64', body: '(local.set $x (i64.add (local.get $y) (i64.const -1))) (local.get $x)' },
  { name: 'z = x & 0xffffffff, x = (z ^ y) & 0xffffffff', type: 'i64', body: '(local.set $z (i64.and (local.get $x) (i64.const 0xffffffff))) (local.set $x (i64.and (i64.const 0xffffffff) (i64.xor (local.get $z) (local.get $y)))) (i64.add (i64.and (local.get $y) (i64.const 0xffffffff)) (i64.mul (local.get $x) (local.get $z)))' },
  { name: 'z = x & 0xff, x = (x ^ y) & 0xffff, y & 0xffffffff00 (movzx)', type: 'i64', body: '(local.set $z (i64.and (local.get $x) (i64.const 0xff))) (local.set $x (i64.and (i64.xor (local.get $x) (local.get $y)) (i64.const 0xffff))) (i64.add (i64.add (local.get $z) (local.get $x)) (i64.and (local.get $y) (i64.const 0xffffffff00)))' },
  { name: 'z = (x ^ y) + y rotl 40', type: 'i64', body: '(local.set $z (i64.rotl (i64.add (i64.xor (local.get $x) (local.get $y)) (local.get $y)) (i64.const 40))) (i64.add (local.get $z) (i64.rotr (local.get $z) (i64.const 63)))' },
  { name: 'z = x + y', type: 'i64', body: '(local.set $z (i64.add (local.get $x) (local.get $y))) (i64.sub (local.get $z) (local.get $x))' },
  { name: 'x = y * big', type: 'i64', body: '(local.set $x (i64.mul (local.get $y) (i64.const 0x9E3779B97F4A7C15))) (local.get $x)' },
  { name: 'x = y * -7', type: 'i64', body: '(local.set $x (i64.mul (i64.const -7) (local.get $y))) (local.get $x)' },
  { name: 'x = (x ^ y) rotl 31', type: 'i64', body: '(local.set $x (i64.rotl (i64.xor (local.get $y) (local.get $x)) (i64.const 31))) (local.get $x)' },
  { name: 'x = y >> x', type: 'i64', body: '(local.set $x (i64.shr_s (local.get $y) (local.get $x))) (local.get $x)' },
  { name: 'eqz x', type: 'i64', body: '(i64.extend_i32_u (i64.eqz (local.get $x)))' },
  {
    name: 'i64 stores of constants and locals',
    type: 'i64',
    body: `(i64.store (i32.const 32) (i64.const -5)) (i64.store offset=8 (i32.const 32) (i64.const 0x123456789abc))
      (i64.store32 offset=16 (i32.const 32) (i64.const -1)) (i64.store8 offset=17 (i32.const 32) (local.get $x))
      (i64.store offset=24 (i32.const 32) (local.get $y))
      (i64.add (i64.add (i64.load (i32.const 32)) (i64.load offset=8 (i32.const 32)))
        (i64.xor (i64.load offset=16 (i32.const 32)) (i64.load offset=24 (i32.const 32))))`,
  },
];

const FLOAT_SHAPES: Shape[] = (['f32', 'f64'] as const).flatMap((t): Shape[] => [
  { name: `${t} x = x * 2.5 + y`, type: t, body: `(local.set $x (${t}.add (${t}.mul (local.get $x) (${t}.const 2.5)) (local.get $y))) (local.get $x)` },
  { name: `${t} x = 0.5 - x`, type: t, body: `(local.set $x (${t}.sub (${t}.const 0.5) (local.get $x))) (local.get $x)` },
  { name: `${t} x = y / 3, with 0`, type: t, body: `(local.set $x (${t}.div (local.get $y) (${t}.const 3))) (${t}.add (local.get $x) (${t}.const 0))` },
  { name: `${t} x + nan:0x12345`, type: t, body: `(${t}.add (local.get $x) (${t}.const nan:0x12345))` },
  { name: `${t} -nan:0x2 + x`, type: t, body: `(${t}.add (${t}.const -nan:0x2) (local.get $x))` },
  { name: `${t} x = sqrt(y), tee`, type: t, body: `(${t}.mul (local.tee $x (${t}.sqrt (local.get $y))) (local.get $x))` },
  { name: `${t} x = min(x, y)`, type: t, body: `(local.set $x (${t}.min (local.get $x) (local.get $y))) (local.get $x)` },
  ...(['lt', 'gt', 'le', 'ge', 'eq', 'ne'] as const).flatMap((op): Shape[] => [
    { name: `${t} x ${op} 1.5`, type: t, body: `(${t}.convert_i32_u (${t}.${op} (local.get $x) (${t}.const 1.5)))` },
    { name: `${t} -0 ${op} x`, type: t, body: `(${t}.convert_i32_u (${t}.${op} (${t}.const -0) (local.get $x)))` },
    { name: `${t} x ${op} y`, type: t, body: `(${t}.convert_i32_u (${t}.${op} (local.get $x) (local.get $y)))` },
  ]),
  { name: `${t} global`, type: t, body: `(global.set $g${t} (${t}.add (global.get $g${t}) (local.get $x))) (global.get $g${t})` },
  {
    name: `${t} stores of constants and locals`,
    type: t,
    body: `(${t}.store (i32.const 64) (${t}.const -nan:0x3)) (${t}.store offset=8 (i32.const 64) (${t}.const 0))
      (${t}.store offset=16 (i32.const 64) (${t}.const -1.75)) (${t}.store offset=24 (i32.const 64) (local.get $x))
      (${t}.add (${t}.add (${t}.load (i32.const 64)) (${t}.load offset=8 (i32.const 64)))
        (${t}.mul (${t}.load offset=16 (i32.const 64)) (${t}.load offset=24 (i32.const 64))))`,
  },
]);

const SHAPES = [...I32_SHAPES, ...I64_SHAPES, ...FLOAT_SHAPES];

/** Busy i32, i64 and f64 locals that take every local register when `many` (they run in a loop). */
function busyLocals(many: boolean): { decl: string; code: string } {
  if (!many) return { decl: '', code: '' };
  const types = ['i32', 'i64', 'f64'] as const;
  const decl = types.map((t) => `(local ${Array(8).fill(t).join(' ')})`).join(' ');
  const uses = Array.from({ length: 24 }, (_, i) => `(local.set ${5 + i} (local.get ${5 + i}))`).join(' ');
  return { decl, code: `(loop ${uses} ${uses})` };
}

function shapeFunction(shape: Shape, i: number, many: boolean): string {
  const { decl, code } = busyLocals(many);
  const t = shape.type;
  return `
  (func (export "${i}${many ? ' many' : ''}") (param ${t} ${t}) (result ${t}) (local $x ${t}) (local $y ${t}) (local $z ${t}) ${decl}
    ${code}
    (local.set $x (local.get 0)) (local.set $y (local.get 1))
    ${shape.body})`;
}

const f32 = [0, -0, 1, -1.5, 2.5, 0.1, 1e30, -Infinity, NaN, 3.4e38];
const f64 = [0, -0, 1, -1.5, 2.5, 0.1, 1e300, Infinity, NaN, 5e-324];

function argumentsOf(type: Shape['type'], random: Random): unknown[][] {
  const values: readonly unknown[] =
    type === 'i32' ? [...I32_EDGES, random.i32(), random.i32()] : type === 'i64' ? [...I64_EDGES, random.i64()] : type === 'f32' ? f32 : f64;
  const pairs: unknown[][] = [];
  for (let i = 0; i < values.length; i++) pairs.push([values[i], values[(i * 7 + 3) % values.length]]);
  return pairs;
}

describe('instruction selection shapes', () => {
  let pair: DifferentialInstance;
  beforeAll(async () => {
    const functions = SHAPES.flatMap((shape, i) => [shapeFunction(shape, i, false), shapeFunction(shape, i, true)]);
    const globals = '(global $gf32 (mut f32) (f32.const 1.25)) (global $gf64 (mut f64) (f64.const -2.5))';
    pair = await DifferentialInstance.of(`(module (memory 1) ${globals} ${functions.join('\n')})`, {}, 'selection.wat');
  });
  afterAll(() => pair?.dispose());

  test.each(SHAPES.map((shape, i) => [shape.name, shape, i] as const))('%s', (_, shape, i) => {
    const random = new Random(i + 1);
    const calls: Call[] = argumentsOf(shape.type, random).flatMap((args) => [
      [`${i}`, args] as const,
      [`${i} many`, args] as const,
    ]);
    expect(firstLines(pair.mismatches(calls))).toBe('');
  });
});
