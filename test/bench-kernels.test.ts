// The bench's SIMD kernels (bench/simd/) are timed against their scalar twins, which must compute the
// same checksum: here on a few passes, V8 and wasmjit run both modules of every kernel, so a twin that
// drifts from its kernel (or a lowering that changes a checksum) fails here rather than stopping
// `npm run bench`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_ENTRY, KERNELS, kernelFiles } from '../src/bench/kernels.js';
import { watToWasm } from '../src/index.js';
import { instantiateInV8, instantiateInWasmjit } from './helpers/differential.js';
import type { EngineInstance } from './helpers/differential.js';

const BENCH_DIR = new URL('../bench/', import.meta.url);
/** Enough passes for every kernel's checksum to depend on more than one. */
const PASSES = 3;

async function checksum(file: string, instantiate: (bytes: Uint8Array) => Promise<EngineInstance>): Promise<unknown> {
  const bytes = await watToWasm(readFileSync(new URL(file, BENCH_DIR), 'utf8'), { filename: `bench/${file}` });
  const instance = await instantiate(bytes);
  try {
    return (instance.exports[KERNEL_ENTRY] as (n: number) => unknown)(PASSES);
  } finally {
    instance.dispose();
  }
}

describe('SIMD bench kernels and their scalar twins return the same checksum', () => {
  for (const kernel of KERNELS.filter((k) => k.kind === 'simd')) {
    it(kernel.name, async () => {
      const files = kernelFiles(kernel);
      expect(files.scalarTwin).toBeDefined();
      const twin = files.scalarTwin ?? '';
      const simd = await checksum(files.kernel, instantiateInV8);
      expect(await checksum(twin, instantiateInV8)).toBe(simd);
      expect(await checksum(twin, instantiateInWasmjit)).toBe(simd);
      expect(await checksum(files.kernel, instantiateInWasmjit)).toBe(simd);
    });
  }
});
