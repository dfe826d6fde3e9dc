// The bit-counting instructions without lzcnt/tzcnt/popcnt (CPUs that lack them): the bsr/bsf and
// parallel-count fallbacks against V8.
import { expect, test } from 'vitest';
import { compile, instantiate, loadDisassembler, watToWasm } from '../src/index.js';
import { detectCpuFeatures } from '../src/runtime/cpu.js';
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

test('SIMD on a CPU without SSE4.1 is a CompileError that names it, eager or lazy; the rest of wasm compiles there', async () => {
  const bytes = await watToWasm(
    `(module
       (func (export "scalar") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
       (func (export "vector") (param i32) (result i32) (i32x4.extract_lane 0 (i32x4.splat (local.get 0)))))`,
    { filename: 'simd.wat' },
  );
  for (const lazy of [false, true]) {
    await expect(compile(bytes, { cpuFeatures: { sse41: false }, lazy })).rejects.toThrow(
      new WebAssembly.CompileError('function 1 at instruction 1 (i32x4.splat): SIMD needs SSE4.1, which this CPU does not have'),
    );
  }
  const scalarOnly = await watToWasm('(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))');
  const module = await compile(scalarOnly, { cpuFeatures: { sse41: false } });
  const instance = await instantiate(module);
  expect((instance.exports.f as (x: number) => number)(41)).toBe(42);
  instance.dispose();
  module.dispose();
});

// Rotates by a constant of a local (in a register or in the frame) or into a local: rorx with BMI2,
// a copy and rol/ror without it.
const ROTATES_WAT = `(module
  (func (export "i32") (param i32 i32) (result i32) (local i32 i32 i32 i32 i32 i32)
    (local.set 2 (i32.rotl (local.get 0) (i32.const 10)))
    (local.set 3 (i32.rotr (local.get 1) (i32.const 7)))
    (local.set 4 (i32.rotl (i32.add (local.get 2) (local.get 3)) (i32.const 5)))
    (local.set 5 (i32.rotl (local.get 4) (i32.const 32)))
    (local.set 6 (i32.rotr (local.get 5) (i32.const 33)))
    (local.set 7 (i32.xor (i32.rotl (local.get 6) (i32.const 1)) (local.get 0)))
    (i32.add (i32.add (i32.add (local.get 2) (local.get 3)) (i32.add (local.get 4) (local.get 5)))
             (i32.add (i32.add (local.get 6) (local.get 7)) (i32.rotl (local.get 7) (i32.const 31)))))
  (func (export "i64") (param i64 i64) (result i64) (local i64 i64)
    (local.set 2 (i64.rotl (local.get 0) (i64.const 13)))
    (local.set 3 (i64.rotr (i64.add (local.get 1) (local.get 2)) (i64.const 63)))
    (i64.xor (i64.rotl (local.get 3) (i64.const 40)) (i64.rotr (local.get 2) (i64.const 3)))))`;

test('rotates by a constant with and without BMI2 agree with V8', async () => {
  const bytes = await watToWasm(ROTATES_WAT, { filename: 'rotates.wat' });
  const v8 = (await WebAssembly.instantiate(bytes)).instance.exports as Record<string, (a: unknown, b: unknown) => unknown>;
  const random = new Random(11);
  await loadDisassembler();
  for (const cpuFeatures of [{}, { bmi2: false }]) {
    const module = await compile(bytes, { cpuFeatures });
    const instance = await instantiate(module);
    for (const [name, values] of [['i32', [...I32_EDGES, ...Array.from({ length: 100 }, () => random.i32())]], ['i64', [...I64_EDGES, ...Array.from({ length: 100 }, () => random.i64())]]] as const) {
      const ours = instance.exports[name] as (a: unknown, b: unknown) => unknown;
      values.forEach((a, i) => {
        const b = values[(i * 7 + 3) % values.length]!;
        expect(ours(a, b), `${name}(${a}, ${b}) ${JSON.stringify(cpuFeatures)}`).toBe(v8[name]!(a, b));
      });
    }
    const bmi2 = detectCpuFeatures().bmi2 && !('bmi2' in cpuFeatures);
    expect(module.disassemble('i32').includes('rorx')).toBe(bmi2);
    expect(module.disassemble('i64').includes('rorx')).toBe(bmi2);
    instance.dispose();
    module.dispose();
  }
});
