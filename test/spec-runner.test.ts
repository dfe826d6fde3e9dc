// The spec runner's v128 handling (src/spectest/wrapper.ts), on V8, with commands the SIMD files
// of test/spec do not have: `get` of v128 globals (immutable and mutable), several results mixing
// v128 and an f32 signalling NaN, assert_trap and action with v128 values; and that wrong lanes fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../src/index.js';
import type { FileResult, SuiteResult } from '../src/spectest/index.js';
import { runNode } from './helpers/child.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER = path.join(ROOT, 'dist', 'spectest', 'main.js');

const WAT = `(module
  (global (export "g") v128 (v128.const i32x4 1 2 3 4))
  (global (export "gm") (mut v128) (v128.const f32x4 nan -0 inf 1.5))
  (func (export "add") (param v128 v128) (result v128) (i64x2.add (local.get 0) (local.get 1)))
  (func (export "swap") (param f32 v128) (result v128 f32) (local.get 1) (local.get 0))
  (func (export "trap") (param v128) (result v128) unreachable))`;

const v128 = (laneType: string, value: string[]) => ({ type: 'v128', lane_type: laneType, value });
const F32_SNAN = '2139095041'; // 0x7f800001
const BYTES = Array.from({ length: 16 }, (_, i) => String(i * 17));
const getG = { type: 'get', field: 'g' };
const getGm = { type: 'get', field: 'gm' };
const add = { type: 'invoke', field: 'add', args: [v128('i64', ['1', '18446744073709551615']), v128('i64', ['1', '1'])] };
const swap = { type: 'invoke', field: 'swap', args: [{ type: 'f32', value: F32_SNAN }, v128('i8', BYTES)] };

const PASSING = [
  { type: 'assert_return', action: getG, expected: [v128('i32', ['1', '2', '3', '4'])] },
  { type: 'assert_return', action: getG, expected: [v128('i8', ['1', '0', '0', '0', '2', '0', '0', '0', '3', '0', '0', '0', '4', '0', '0', '0'])] },
  { type: 'assert_return', action: getGm, expected: [v128('f32', ['nan:canonical', '2147483648', '2139095040', '1069547520'])] },
  { type: 'assert_return', action: getGm, expected: [v128('f32', ['nan:arithmetic', '2147483648', '2139095040', '1069547520'])] },
  { type: 'assert_return', action: add, expected: [v128('i64', ['2', '0'])] },
  { type: 'assert_return', action: swap, expected: [v128('i8', BYTES), { type: 'f32', value: F32_SNAN }] },
  { type: 'assert_trap', action: { type: 'invoke', field: 'trap', args: [v128('i32', ['0', '0', '0', '0'])] }, expected: [{ type: 'v128' }], text: 'unreachable' },
  { type: 'action', action: add, expected: [{ type: 'v128' }] },
];

const FAILING = [
  { type: 'assert_return', action: getG, expected: [v128('i32', ['1', '2', '3', '5'])] },
  { type: 'assert_return', action: getGm, expected: [v128('f32', ['2143289345', '2147483648', '2139095040', '1069547520'])] },
  { type: 'assert_return', action: add, expected: [v128('i64', ['2', '1'])] },
  { type: 'assert_return', action: swap, expected: [v128('i8', BYTES), { type: 'f32', value: '2143289345' }] },
  { type: 'assert_trap', action: add, expected: [{ type: 'v128' }], text: 'unreachable' },
];

let dir: string;
let files: Map<string, FileResult>;

/** Writes a spec folder `<name>/<name>.json` whose first command instantiates the module above. */
function writeSpecFolder(name: string, wasm: Uint8Array, commands: object[]): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, `${name}.0.wasm`), wasm);
  const all = [{ type: 'module', filename: `${name}.0.wasm` }, ...commands].map((c, i) => ({ line: i + 1, ...c }));
  fs.writeFileSync(path.join(dir, name, `${name}.json`), JSON.stringify({ source_filename: `${name}.wast`, commands: all }));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmjit-spec-runner-'));
  const wasm = await watToWasm(WAT);
  writeSpecFolder('passing', wasm, PASSING);
  writeSpecFolder('failing', wasm, FAILING);
  const run = await runNode([RUNNER, '--engine', 'v8', '--json', dir], { cwd: ROOT, env: process.env });
  expect(run.status, run.stderr).toBe(1);
  files = new Map((JSON.parse(run.stdout) as SuiteResult).files.map((f) => [f.name, f]));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('spec runner: v128 values through the wrapper module (on V8)', () => {
  it('passes correct v128 results, globals, sNaN results next to v128, traps and actions', () => {
    const f = files.get('passing') as FileResult;
    expect(f.failures).toEqual([]);
    expect(f.passed).toBe(PASSING.length + 1);
  });

  it('fails a wrong lane, a NaN lane expected to be exact, a wrong high half, a quietened sNaN, a missing trap', () => {
    const f = files.get('failing') as FileResult;
    expect(f.passed).toBe(1);
    expect(f.failures.map((x) => x.line)).toEqual([2, 3, 4, 5, 6]);
    expect(f.failures[0].reason).toContain('expected v128:i32:[1,2,3,5], got v128:i32:[1,2,3,4]');
    expect(f.failures[1].reason).toContain('expected v128:f32:[2143289345,');
    expect(f.failures[2].reason).toContain('got v128:i64:[2,0]');
    expect(f.failures[3].reason).toContain('result 1: expected f32:');
    expect(f.failures[4].reason).toContain('expected trap');
  });
});
