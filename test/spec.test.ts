// The official WebAssembly core testsuite (test/spec), run by the built spec runner in a child
// process (npm test builds first). wasmjit must pass at least the counts recorded in
// test/spec/expected.json (`node bin/wasmjit.js spec --record` rewrites them), and every command
// of every .json file must be counted: passed, failed, or skipped only as a text module. The same
// holds when every module goes through an AOT artifact first. After the runs, a table shows, per
// SIMD file, how many commands each wasmjit engine passed next to V8's count.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileResult, SuiteResult } from '../src/spectest/index.js';
import type { EngineName } from '../src/spectest/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC_DIR = path.join(ROOT, 'test', 'spec');
const EXPECTED_FILE = path.join(SPEC_DIR, 'expected.json');
const RUNNER = path.join(ROOT, 'dist', 'spectest', 'main.js');
const SUITE_TIMEOUT_MS = 600_000;

interface OnDisk {
  commands: number;
  /** assert_malformed on text modules: the only commands the runner may skip. */
  textModules: number;
}

/** Every spec file's command counts, read straight from test/spec/<name>/<name>.json. */
function suiteOnDisk(): Map<string, OnDisk> {
  const suite = new Map<string, OnDisk>();
  for (const name of fs.readdirSync(SPEC_DIR).sort()) {
    const file = path.join(SPEC_DIR, name, `${name}.json`);
    if (!fs.existsSync(file)) continue;
    const commands = (JSON.parse(fs.readFileSync(file, 'utf8')) as { commands: { module_type?: string }[] }).commands;
    suite.set(name, { commands: commands.length, textModules: commands.filter((c) => c.module_type === 'text').length });
  }
  return suite;
}

/** Runs the whole suite; exit status 1 (some commands failed) is a normal outcome here. */
function runSuite(engine: EngineName): Promise<SuiteResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUNNER, '--engine', engine, '--json', SPEC_DIR],
      { maxBuffer: 512 * 1024 * 1024, timeout: SUITE_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && code !== 1) {
          reject(new Error(`spec runner (${engine}) failed: ${error.message}\n${stderr.trim().split('\n').slice(-5).join('\n')}`));
          return;
        }
        resolve(JSON.parse(stdout) as SuiteResult);
      });
  });
}

const ON_DISK = suiteOnDisk();
const NAMES = [...ON_DISK.keys()];
const SIMD_NAMES = NAMES.filter((name) => name.startsWith('simd_'));

/** Pass counts per engine and file, for the progress table of the SIMD files. */
const passedBy = new Map<EngineName, Map<string, number>>();
async function runAndKeepCounts(engine: EngineName): Promise<SuiteResult> {
  const result = await runSuite(engine);
  passedBy.set(engine, new Map(result.files.map((f) => [f.name, f.passed])));
  return result;
}

afterAll(() => {
  const engines = [...passedBy.keys()].filter((e) => e !== 'v8');
  const v8 = passedBy.get('v8');
  if (!v8 || engines.length === 0) return;
  const recorded = JSON.parse(fs.readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, number>;
  const lines = SIMD_NAMES.map((name) => {
    const counts = engines.map((e) => `${passedBy.get(e)?.get(name) ?? '-'}`).join(' / ');
    const better = engines.some((e) => (passedBy.get(e)?.get(name) ?? 0) > (recorded[name] ?? 0));
    return `  ${name}: ${counts} / ${v8.get(name)}${better ? ` (recorded ${recorded[name]}: run \`wasmjit spec --record\`)` : ''}`;
  });
  console.log([`SIMD spec files, commands passed: ${[...engines, 'v8'].join(' / ')}`, ...lines].join('\n'));
});

function expectEveryCommandCounted(result: SuiteResult): void {
  expect(result.files.map((f) => f.name)).toEqual(NAMES);
  for (const f of result.files) {
    const disk = ON_DISK.get(f.name) as OnDisk;
    const context = `${f.name}: ${f.notes.join('; ')}`;
    expect(f.commands, context).toBe(disk.commands);
    expect(f.passed + f.failed + f.skipped, context).toBe(disk.commands);
    expect(f.skipped, context).toBe(disk.textModules);
  }
  const total = [...ON_DISK.values()].reduce((n, d) => n + d.commands, 0);
  expect(result.totals.commands).toBe(total);
  expect(result.totals.passed + result.totals.failed + result.totals.skipped).toBe(total);
}

// V8 11.3 (Node 20) passes all of the WebAssembly 2.0 suite; later V8s implement 3.0 features
// (multi-memory, ...) that some 2.0 assert_invalid commands expect to be rejected.
const V8_PASSES_ALL = process.versions.node.split('.')[0] === '20';

describe('spec testsuite on V8 (checks the runner itself)', () => {
  it('counts every command, and on Node 20 passes all that a binary engine can run', async () => {
    const result = await runAndKeepCounts('v8');
    expectEveryCommandCounted(result);
    if (V8_PASSES_ALL) expect(result.totals.failed).toBe(0);
  }, SUITE_TIMEOUT_MS);
});

// wasmjit-artifact: every module serialized and deserialized before use (AOT artifacts must run as the
// code they came from); wasmjit-lazy: every module compiled lazily (functions compiled on first call).
describe.each(['wasmjit', 'wasmjit-artifact', 'wasmjit-lazy'] as const)('spec testsuite on %s', (engine) => {
  let result: SuiteResult;
  let expected: Record<string, number>;
  const fileResult = (name: string): FileResult => result.files.find((f) => f.name === name) as FileResult;

  beforeAll(async () => {
    expect(fs.existsSync(EXPECTED_FILE), `${EXPECTED_FILE} is missing: run \`npm run build && node bin/wasmjit.js spec --record\``).toBe(true);
    expected = JSON.parse(fs.readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, number>;
    result = await runAndKeepCounts(engine);
  }, SUITE_TIMEOUT_MS);

  it('counts every command of every spec file (no silent skipping)', () => {
    expectEveryCommandCounted(result);
  });

  it('has a recorded pass count for every spec file', () => {
    expect(Object.keys(expected).sort()).toEqual(NAMES);
  });

  it.each(NAMES)('%s passes at least the recorded number of commands', (name) => {
    const f = fileResult(name);
    const failures = f.failures.slice(0, 5).map((x) => `${name}.wast:${x.line}: ${x.type}: ${x.reason}`);
    expect(f.passed, [...f.notes, ...failures].join('\n')).toBeGreaterThanOrEqual(expected[name] ?? 0);
  });
});
