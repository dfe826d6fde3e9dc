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
