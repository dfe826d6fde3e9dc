// Compiling a module's functions in chunks on worker threads must not change what the module does:
// the same modules, compiled with workers forced on for any size (WASMJIT_PARALLEL_MIN_INSTRUCTIONS=0),
// run against V8. The generated benchmark module has calls and call_indirect across chunks, traps,
// memory and globals; the samples have forward and backward calls between few functions.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateModule } from '../src/bench/generate.js';
import { decodeModule } from '../src/decode/index.js';
import type { ValType } from '../src/decode/index.js';
import { compileModule, parallelStats, startCompileWorkers } from '../src/compiler/index.js';
import { detectCpuFeatures } from '../src/runtime/cpu.js';
import { runtimeStateAddress } from '../src/runtime/state.js';
import { DifferentialInstance, firstLines, toBytes } from './helpers/differential.js';
import type { Call } from './helpers/differential.js';

const ARGUMENTS: Record<string, unknown[]> = {
  i32: [0, 1, -1, 0x7fff_ffff, -0x8000_0000, 12345],
  i64: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 987654321n],
  f32: [0, -0, 1.5, -2.25, Infinity, NaN],
  f64: [0, -0, 1.5, -2.25, -Infinity, NaN],
};

function argumentsFor(params: readonly ValType[], variant: number): unknown[] {
  return params.map((type, i) => {
    const values = ARGUMENTS[type]!;
    return values[(variant + i) % values.length];
  });
}

const options = { features: detectCpuFeatures(), runtimeState: runtimeStateAddress };

for (const threads of [1, 3]) {
  describe(`compiled on ${threads} worker thread(s) and this one`, () => {
    const saved = { ...process.env };
    beforeEach(async () => {
      process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS = '0';
      process.env.WASMJIT_COMPILE_THREADS = String(threads);
      // A compile uses only workers that are loaded already.
      await startCompileWorkers();
    });
    afterEach(() => {
      process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS = saved.WASMJIT_PARALLEL_MIN_INSTRUCTIONS;
      process.env.WASMJIT_COMPILE_THREADS = saved.WASMJIT_COMPILE_THREADS;
      if (saved.WASMJIT_PARALLEL_MIN_INSTRUCTIONS === undefined) delete process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS;
      if (saved.WASMJIT_COMPILE_THREADS === undefined) delete process.env.WASMJIT_COMPILE_THREADS;
    });

    it('lays functions out in order, each after the last, and marks them relative to their start', () => {
      const { bytes } = generateModule(120, 7);
      const before = parallelStats.workerChunks;
      const compiled = compileModule(decodeModule(bytes), options);
      expect(parallelStats.workerChunks - before).toBe(threads);
      const defined = compiled.functions.filter((f) => f.marks.length > 0);
      expect(defined).toHaveLength(120);
      for (let i = 1; i < defined.length; i++) expect(defined[i]!.offset).toBeGreaterThanOrEqual(defined[i - 1]!.offset + defined[i - 1]!.size);
      for (const f of defined) {
        expect(f.marks[0]).toBe(0);
        expect(f.marks[f.marks.length - 2]).toBeLessThan(f.size);
      }
    });

    it('runs the generated benchmark module as V8 does', async () => {
      const { bytes } = generateModule(240, 3);
      const ir = decodeModule(bytes);
      const pair = await DifferentialInstance.of(bytes);
      try {
        const calls: Call[] = [];
        for (const exp of ir.exports) {
          if (exp.kind !== 'func') continue;
          const params = ir.funcs[exp.index]!.type.params;
          for (let variant = 0; variant < ARGUMENTS.i32!.length; variant++) calls.push([exp.name, argumentsFor(params, variant)]);
        }
        expect(calls.length).toBeGreaterThan(20);
        expect(firstLines(pair.mismatches(calls))).toBe('');
      } finally {
        pair.dispose();
      }
    });

    it('reports the first invalid function, whichever thread compiled it', () => {
      const { bytes } = generateModule(60, 5);
      const ir = decodeModule(bytes);
      // Two functions end early (a body that does not end with `end`): the lower index is reported.
      for (const index of [50, 20]) {
        const func = ir.funcs[index]!;
        func.body = { code: func.body.code.subarray(0, func.body.code.length - 3), extra: func.body.extra };
      }
      expect(() => compileModule(ir, options)).toThrow(/^function 20: the function body does not end with `end`$/);
    });
  });
}

describe('samples compiled in chunks', () => {
  beforeEach(async () => {
    process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS = '0';
    process.env.WASMJIT_COMPILE_THREADS = '2';
    await startCompileWorkers();
  });
  afterEach(() => {
    delete process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS;
    delete process.env.WASMJIT_COMPILE_THREADS;
  });

  // Small arguments only: some samples loop as many times as they are told.
  const SMALL: Record<string, unknown[]> = { i32: [0, 1, 7, 3], i64: [0n, 1n, 7n, 3n], f32: [0, 1.5, -2, 3], f64: [0, 1.5, -2, 3] };
  const dir = new URL('../wat/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    it(file, async () => {
      const bytes = await toBytes(readFileSync(new URL(file, dir), 'utf8'), file);
      const ir = decodeModule(bytes);
      const pair = await DifferentialInstance.of(bytes);
      try {
        const calls: Call[] = [];
        for (const exp of ir.exports) {
          if (exp.kind !== 'func' || exp.index < ir.imports.length) continue;
          const params = ir.funcs[exp.index - ir.imports.length]!.type.params;
          for (let variant = 0; variant < 4; variant++) calls.push([exp.name, params.map((type) => SMALL[type]![variant])]);
        }
        expect(calls.length).toBeGreaterThan(0);
        expect(firstLines(pair.mismatches(calls))).toBe('');
      } finally {
        pair.dispose();
      }
    });
  }
});
