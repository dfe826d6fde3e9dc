// The SIGPROF sampler (runtime/sampler.ts) and `wasmjit run --profile`: a program whose hot function
// runs eight times as long as its other one is profiled with the hot one first, by name.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { instantiate, watToWasm } from '../src/index.js';
import { startCodeNaming } from '../src/runtime/perf-map.js';
import { OUTSIDE, Sampler } from '../src/runtime/sampler.js';
import type { Profile } from '../src/runtime/sampler.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmjit-sampler-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// $hot runs `n` iterations, $cold n/8 of the same cost.
const TWO_FUNCTIONS = `(module $two
  (func $spin (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 3))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
    (local.get 1))
  (func $hot (param i32) (result i32) (call $spin (local.get 0)))
  (func $cold (param i32) (result i32)
    (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 3))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
    (local.get 1))
  (func (export "main") (param i32) (result i32)
    (i32.add (call $hot (local.get 0)) (call $cold (i32.div_u (local.get 0) (i32.const 8))))))`;

/** Iterations for about half a second of CPU time in $spin: enough samples at a 250 Hz kernel tick. */
const ITERATIONS = 1_000_000_000;

function expectHotFirst(profile: Profile): void {
  const wasm = profile.functions.filter((f) => f.name !== OUTSIDE);
  expect(wasm[0]!.name).toBe('two.spin');
  const count = (name: string): number => profile.functions.find((f) => f.name === name)?.samples ?? 0;
  expect(count('two.spin')).toBeGreaterThan(2 * count('two.cold'));
  expect(profile.functions.reduce((sum, f) => sum + f.samples, 0)).toBe(profile.kept);
  expect(profile.kept).toBe(profile.taken);
}

describe('sampler', () => {
  it('counts a two-function program\'s samples by function, the hot one first', async () => {
    startCodeNaming();
    const { instance } = await instantiate(await watToWasm(TWO_FUNCTIONS, { debugNames: true }), {});
    const sampler = Sampler.start();
    let result: unknown;
    try {
      result = instance.exports.main(ITERATIONS);
    } finally {
      expectHotFirst(sampler.stop());
    }
    const v8 = await WebAssembly.instantiate(await watToWasm(TWO_FUNCTIONS), {});
    expect(result).toBe((v8.instance.exports.main as (n: number) => number)(ITERATIONS));
    instance.dispose();
  });

  it('refuses a second sampler while one runs, and a bad interval', () => {
    const sampler = Sampler.start();
    try {
      expect(() => Sampler.start()).toThrow('a sampler is running already');
    } finally {
      sampler.stop();
    }
    expect(() => sampler.stop()).toThrow('stopped already');
    expect(() => Sampler.start(0)).toThrow('positive whole number of microseconds, got 0');
  });

  it('wasmjit run --profile prints the hottest functions (JSON with --json) on stderr', () => {
    const file = join(scratch, 'two.wat');
    writeFileSync(file, TWO_FUNCTIONS);
    const cli = join(ROOT, 'bin/wasmjit.js');
    const json = spawnSync(process.execPath, [cli, 'run', file, 'main', String(ITERATIONS), '--profile', '--json'], { encoding: 'utf8' });
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(1);
    expectHotFirst(JSON.parse(json.stderr) as Profile);

    const text = spawnSync(process.execPath, [cli, 'run', file, 'main', '8000', '--profile'], { encoding: 'utf8' });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/^wasmjit profile: \d+ samples in \d+ ms of CPU time \(asked: one per 1000 µs\); \d+ in wasm code\n {2}samples {7}% {2}function\n/);
    expect(text.stderr.trimEnd().split('\n').at(-1)).toMatch(/^ +\d+ +\d+\.\d% {2}\(outside wasm code\)$/);
  });
});
