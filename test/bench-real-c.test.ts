// The bench's C programs (bench/c/), built with clang to wasm32-wasi as `npm run bench` builds them,
// must print the same output under V8 and wasmjit, through the bench's WASI shim, as their gcc -O2
// native build (all scaled down, bench/c/scale.h): a program that drifts or a lowering that changes a result fails here rather than
// stopping the bench. Needs clang, lld, wasi-libc and the wasm32 builtins (.ci/run installs them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { WASI_INSTALL, cSources, compileC, wasiToolchainWorks } from '../src/bench/real-c.js';
import { runWasiStart, wasiImportNames, wasiShim } from '../src/bench/real-wasi.js';
import { instantiateInV8, instantiateInWasmjit } from './helpers/differential.js';
import type { EngineInstance, Imports } from './helpers/differential.js';

/** bench/c/scale.h: problems a quarter of the bench's size in each dimension. */
const SCALED_DOWN = ['-DBENCH_SCALE_DOWN=4'];
const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmjit-real-c-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function printed(name: string, bytes: Uint8Array, instantiate: (bytes: Uint8Array, imports: Imports) => Promise<EngineInstance>): Promise<string> {
  const shim = wasiShim(wasiImportNames(WebAssembly.Module.imports(new WebAssembly.Module(bytes))));
  const instance = await instantiate(bytes, shim.imports as unknown as Imports);
  try {
    return runWasiStart(instance.exports, shim, name).stdout;
  } finally {
    instance.dispose();
  }
}

describe('the bench\'s C programs print the same under V8, wasmjit and natively', () => {
  it('clang compiles C to wasm32-wasi', () => {
    const probe = wasiToolchainWorks(dir);
    expect(probe.ok, `clang cannot compile to wasm32-wasi (${probe.output}); install with: ${WASI_INSTALL}`).toBe(true);
  });

  for (const { name, group, file } of cSources()) {
    it(`${group}/${name}`, async () => {
      const wasm = path.join(dir, `${name}.wasm`);
      const native = path.join(dir, `${name}.native`);
      for (const [build, output] of [['wasm', wasm], ['native', native]] as const) {
        const built = compileC(build, file, output, SCALED_DOWN);
        expect(built.ok, `${built.command} ${file}: ${built.output}`).toBe(true);
      }
      const expected = spawnSync(native, [], { encoding: 'utf8' }).stdout.trim();
      expect(expected).toMatch(new RegExp(`^${name} \\S+$`));
      const bytes = new Uint8Array(readFileSync(wasm));
      expect(await printed(name, bytes, instantiateInV8)).toBe(expected);
      expect(await printed(name, bytes, instantiateInWasmjit)).toBe(expected);
    }, 60_000);
  }
});
