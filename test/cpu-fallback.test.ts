// The bit-counting instructions without lzcnt/tzcnt/popcnt (CPUs that lack them): the bsr/bsf and
// parallel-count fallbacks against V8.
import { expect, test } from 'vitest';
import { compile, instantiate, loadDisassembler, watToWasm } from '../src/index.js';
import { I32_EDGES, I64_EDGES, Random } from './helpers/values.js';

const OPS = ['clz', 'ctz', 'popcnt'] as const;
const WAT = `(module ${['i32', 'i64']
  .flatMap((t) => OPS.map((op) => `(func (export "${t}.${op}") (param ${t}) (result ${t}) (${t}.${op} (local.get 0)))`))
  .join(' ')})`;

test('clz, ctz and popcnt on baseline x86-64 agree with V8', async () => {
  const bytes = await watToWasm(WAT, { filename: 'bits.wat' });
  const v8 = (await WebAssembly.instantiate(bytes)).instance.exports as Record<string, (x: unknown) => unknown>;
  const module = await compile(bytes, { cpuFeatures: { lzcnt: false, tzcnt: false, popcnt: false } });
  const instance = await instantiate(module);
  const random = new Random(7);
  const i32 = [...I32_EDGES, ...Array.from({ length: 300 }, () => random.i32())];
  const i64 = [...I64_EDGES, ...Array.from({ length: 300 }, () => random.i64())];
  for (const op of OPS) {
    for (const [type, values] of [['i32', i32], ['i64', i64]] as const) {
      const name = `${type}.${op}`;
      const ours = instance.exports[name] as (x: unknown) => unknown;
      for (const value of values) expect(ours(value), `${name}(${value})`).toBe(v8[name]!(value));
    }
  }
  await loadDisassembler();
  expect(module.disassemble('i32.popcnt')).not.toContain('popcnt ');
  expect(module.disassemble('i64.clz')).toContain('bsr');
  instance.dispose();
  module.dispose();
});
