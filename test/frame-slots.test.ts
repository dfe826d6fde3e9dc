// Where locals live in the frame: in a function with more busy locals than registers and near
// frame slots (those `[rbp - disp8]` reaches), the busiest of the rest take the near slots. Every
// local must still read back what was written to it, against V8, with params, register locals,
// near and far slots mixed (and a v128 local, which keeps the declared order).
import { expect, test } from 'vitest';
import { compile, instantiate, loadDisassembler, watToWasm } from '../src/index.js';
import { I32_EDGES, Random } from './helpers/values.js';

const LOCALS = 40;

/** How often local i is updated: 30–34 most (registers), 35–39 next (near slots), the rest once. */
const updates = (i: number): number => (i >= 35 ? 40 : i >= 30 ? 60 : i % 3);

/**
 * Locals 0 and 1 are the params; local i ≥ 2 is set from the params, then updated from itself and a
 * light local `updates(i)` times; the result mixes every local.
 */
function module(withV128: boolean): string {
  const lines: string[] = [];
  for (let i = 2; i < LOCALS; i++) {
    lines.push(`(local.set ${i} (i32.add (i32.mul (local.get ${i % 2}) (i32.const ${i * 2654435761 | 0})) (i32.const ${i})))`);
  }
  for (let i = 2; i < LOCALS; i++) {
    for (let use = 0; use < updates(i); use++) {
      const other = 2 + ((i * 13 + use) % 28);
      lines.push(`(local.set ${i} (i32.xor (i32.rotl (local.get ${i}) (i32.const ${use + 1})) (local.get ${other})))`);
    }
  }
  let sum = '(local.get 0)';
  for (let i = 1; i < LOCALS; i++) sum = `(i32.add (i32.rotl ${sum} (i32.const 3)) (local.get ${i}))`;
  const vector = withV128 ? '(local v128)' : '';
  const vectorUse = withV128 ? `(local.set ${LOCALS} (i32x4.splat (local.get 5))) (local.set 6 (i32.add (local.get 6) (i32x4.extract_lane 3 (local.get ${LOCALS}))))` : '';
  return `(module (func (export "f") (param i32 i32) (result i32) (local ${'i32 '.repeat(LOCALS - 2)}) ${vector}
    ${lines.join('\n    ')}
    ${vectorUse}
    ${sum}))`;
}

test('busy locals in near and far frame slots read back what was written, as in V8', async () => {
  await loadDisassembler();
  const random = new Random(5);
  const values = [...I32_EDGES, ...Array.from({ length: 60 }, () => random.i32())];
  for (const withV128 of [false, true]) {
    const bytes = await watToWasm(module(withV128), { filename: 'frame-slots.wat' });
    const v8 = (await WebAssembly.instantiate(bytes)).instance.exports.f as (a: number, b: number) => number;
    const compiled = await compile(bytes);
    const instance = await instantiate(compiled);
    const ours = instance.exports.f as (a: number, b: number) => number;
    values.forEach((a, i) => {
      const b = values[(i * 5 + 1) % values.length]!;
      expect(ours(a, b), `f(${a}, ${b}) with v128: ${withV128}`).toBe(v8(a, b));
    });
    // Locals 35–39 sit near rbp without a v128 local; with one, the declared order puts them far.
    const listing = compiled.disassemble('f').split('\n');
    for (let i = 35; i < LOCALS; i++) {
      const read = listing.find((line) => line.includes(`local.get ${i};`) || line.endsWith(`local.get ${i}`)) ?? '';
      expect(/ptr \[rbp - 0x[0-7][0-9a-f]\]/.test(read), `local ${i}: ${read}`).toBe(!withV128);
    }
    instance.dispose();
    compiled.dispose();
  }
});

/**
 * A function with `count` i64 locals (and a v128 one) whose locals `unset` are written only inside a
 * block that `skip` branches over, or read before any write; the others are written first, outside
 * every block. It answers a hash of every local, so an unset one must read as zero.
 */
function reader(name: string, count: number, unset: readonly number[]): string {
  const writes: string[] = [];
  for (let i = 1; i <= count; i++) {
    if (!unset.includes(i)) writes.push(`(local.set ${i} (i64.mul (i64.extend_i32_u (local.get 0)) (i64.const ${i})))`);
  }
  const late = unset.map((i, k) =>
    k % 3 === 0
      ? `(block (br_if 0 (local.get 0)) (local.set ${i} (i64.const -7)))`
      : k % 3 === 1
        ? `(local.set ${i} (i64.add (local.get ${i}) (i64.const 3)))`
        : `(loop (local.set ${i} (i64.const 11)) (br_if 0 (i32.const 0)))`,
  );
  // Kept busy, so that they take registers and near slots ahead of the rest.
  const busy = unset.map((i) => `(local.set ${i} (i64.xor (local.get ${i}) (i64.const 0)))`.repeat(3));
  let hash = '(i64.const 0)';
  for (let i = 1; i <= count; i++) hash = `(i64.add (i64.rotl ${hash} (i64.const 7)) (local.get ${i}))`;
  const vector = count + 1;
  return `(func (export "${name}") (param i32) (result i64) (local ${'i64 '.repeat(count)}) (local v128)
    ${late.join(' ')} ${busy.join(' ')} ${writes.join(' ')}
    (if (i32.eqz (local.get 0)) (then (local.set ${vector} (v128.const i64x2 5 6))))
    (i64.add ${hash} (i64x2.extract_lane 1 (local.get ${vector}))))`;
}

const READERS: [name: string, count: number, unset: number[]][] = [
  ['none unset', 40, []],
  ['few locals', 5, [2, 4]],
  ['a few unset', 40, [3, 17, 33]],
  ['many unset', 40, Array.from({ length: 20 }, (_, i) => 2 * i + 1)],
];

test('locals a read may reach before a write read zero over a frame of junk; the others need no zeroing', async () => {
  // $junk fills the stack below it with ones; the readers' frames then lie on that junk.
  const junk = `(func $junk (local ${'i64 '.repeat(60)}) ${Array.from({ length: 60 }, (_, i) => `(local.set ${i} (i64.const -1))`).join(' ')})`;
  const calls = READERS.map(([name]) => `(func (export "after junk: ${name}") (param i32) (result i64) (call $junk) (call $${name.replaceAll(' ', '_')} (local.get 0)))`);
  const readers = READERS.map(([name, count, unset]) => reader(name, count, unset).replace('(func (export', `(func $${name.replaceAll(' ', '_')} (export`));
  const bytes = await watToWasm(`(module ${junk} ${readers.join('\n')} ${calls.join('\n')})`, { filename: 'zeroing.wat' });
  const v8 = (await WebAssembly.instantiate(bytes)).instance.exports as Record<string, (p: number) => bigint>;
  const compiled = await compile(bytes);
  const instance = await instantiate(compiled);
  for (const [name] of READERS) {
    for (const p of [0, 1, 0x7fffffff, -1]) {
      const ours = instance.exports[`after junk: ${name}`] as (p: number) => bigint;
      expect(ours(p), `${name}(${p})`).toBe(v8[`after junk: ${name}`]!(p));
    }
  }
  await loadDisassembler();
  expect(compiled.disassemble('none unset')).not.toContain('rep stos');
  expect(compiled.disassemble('a few unset')).not.toContain('rep stos');
  expect(compiled.disassemble('many unset')).toContain('rep stos');
  instance.dispose();
  compiled.dispose();
});
