// Replays every fuzz finding saved under test/regressions/ (see src/fuzz/regressions.ts): each case
// runs in a child process with a time limit, so that a crash or a hang fails its test instead of
// taking the test run down. A case fails until wasmjit agrees with V8 on it again.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { generateTypedModule } from '../src/fuzz/typed-generator.js';
import { encodeModule } from '../src/fuzz/typed-module.js';
import { exportAllState, readExports } from '../src/fuzz/wasm-sections.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const casesDir = path.join(root, 'test', 'regressions');
const replayScript = path.join(root, 'dist', 'fuzz', 'replay.js');
const cases = fs.readdirSync(casesDir).filter((f) => f.endsWith('.json')).sort();
const TIME_LIMIT_MS = 30_000;

function replay(file: string): { pass: boolean; report: string } {
  const run = spawnSync(process.execPath, [replayScript, file], { encoding: 'utf8', timeout: TIME_LIMIT_MS });
  const how = run.error?.message.includes('ETIMEDOUT')
    ? `still running after ${TIME_LIMIT_MS / 1000} s (a hang)`
    : run.signal
      ? `the process died of ${run.signal} (a crash)`
      : `exit code ${run.status}`;
  return { pass: run.status === 0, report: `${how}\n${run.stdout}${run.stderr.slice(-3000)}` };
}

describe('fuzz regressions', () => {
  test('the regression folder holds cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  test.each(cases)('%s', (file) => {
    const c = JSON.parse(fs.readFileSync(path.join(casesDir, file), 'utf8')) as { title: string; runSeed: number; seed: number; generator: string };
    const { pass, report } = replay(path.join(casesDir, file));
    expect(pass, `${c.title}\n(found by ${c.generator} seed ${c.seed}, run seed ${c.runSeed})\n${report}`).toBe(true);
  });
});

describe('the fuzzer itself', () => {
  test('our generator makes valid modules, and exporting all their state keeps them valid', () => {
    for (let seed = 0; seed < 300; seed++) {
      const bytes = exportAllState(encodeModule(generateTypedModule(seed)));
      expect(WebAssembly.validate(bytes), `typed seed ${seed}`).toBe(true);
      const kinds = new Set(readExports(bytes).map((e) => e.kind));
      expect(kinds.has('func'), `typed seed ${seed}`).toBe(true);
    }
  });

  test('the same seed makes the same module', () => {
    expect(encodeModule(generateTypedModule(42))).toEqual(encodeModule(generateTypedModule(42)));
  });
});
