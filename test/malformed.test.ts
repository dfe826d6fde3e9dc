// Malformed and huge input: mutated, truncated and spliced modules, random bytes behind a valid
// header, and nonsense .wat must end in a CompileError (or a wat error located at file:line:col) or
// in the same verdict as V8 — never a crash, a hang, or another kind of exception. Mutated inputs
// run in worker processes with a time limit (dist/, built by `pretest`), so a crash or a hang fails
// its test instead of the test run. Huge but valid modules compile and run, within time and memory.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { instantiate } from '../src/index.js';
import { judgeBytes, nonsenseWat } from '../src/fuzz/malformed.js';
import { Random } from '../src/fuzz/random.js';
import { generateTypedModule } from '../src/fuzz/typed-generator.js';
import { encodeModule } from '../src/fuzz/typed-module.js';
import { section, uleb, WASM_MAGIC_VERSION } from '../src/fuzz/wasm-encoding.js';
import { listSections } from '../src/fuzz/wasm-sections.js';
import { Pool } from '../dist/fuzz/pool.js';
import type { Job } from '../dist/fuzz/jobs.js';
import type { PoolOutcome } from '../dist/fuzz/pool.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pool = new Pool(2);
afterAll(() => pool.dispose());
const TIME_LIMIT_MS = 20_000;

/** Problems in a pool outcome: a crash, a hang, a harness error, or a malformed-input verdict that is wrong. */
function problemOf(label: string, outcome: PoolOutcome): string | null {
  if (outcome.kind === 'crash') return `${label}: crash (${outcome.exit}) during ${outcome.progress}\n${outcome.stderr.slice(-1500)}`;
  if (outcome.kind === 'hang') return `${label}: hang during ${outcome.progress}`;
  if (outcome.kind === 'error') return `${label}: ${outcome.error}`;
  const m = outcome.result.mismatch;
  const malformed = outcome.result.malformed;
  if (malformed?.problem) return `${label}: ${malformed.problem} (${malformed.mutation}; V8: ${malformed.v8}; wasmjit: ${malformed.wasmjit})`;
  if (m) return `${label}: ${m.kind} at call ${m.callIndex}: V8 ${m.v8}; wasmjit ${m.wasmjit}`;
  return null;
}

async function problemsOf(jobs: Array<[string, Job]>): Promise<string[]> {
  const outcomes = await Promise.all(jobs.map(async ([label, job]) => problemOf(label, await pool.run(job, TIME_LIMIT_MS))));
  return outcomes.filter((p): p is string => p !== null);
}

describe('malformed binaries', () => {
  test('mutated, truncated, spliced and random-bodied modules: CompileError or V8’s verdict, never a crash or hang', async () => {
    const jobs: Array<[string, Job]> = Array.from({ length: 300 }, (_, i) => [`malformed binary seed ${i}`, { kind: 'generate', generator: 'malformed', seed: i, input: 'binary' }]);
    expect((await problemsOf(jobs)).join('\n')).toBe('');
  });

  test('every prefix of a valid module is judged as V8 judges it', async () => {
    for (const seed of [1, 2, 3]) {
      const bytes = encodeModule(generateTypedModule(seed));
      const problems: string[] = [];
      for (let length = 0; length < bytes.length; length += Math.max(1, Math.floor(bytes.length / 400))) {
        const verdict = await judgeBytes(bytes.subarray(0, length));
        if (verdict.problem) problems.push(`prefix of ${length} bytes: ${verdict.problem} (V8: ${verdict.v8}; wasmjit: ${verdict.wasmjit})`);
      }
      // Cut exactly at each section boundary too: some of those prefixes are valid modules.
      for (const s of listSections(bytes)) {
        const verdict = await judgeBytes(bytes.subarray(0, s.end));
        if (verdict.problem) problems.push(`prefix up to section ${s.id}: ${verdict.problem}`);
      }
      expect(problems.join('\n')).toBe('');
    }
  });

  test('runaway LEB128s, huge counts and section sizes are CompileErrors', async () => {
    const header = [...WASM_MAGIC_VERSION];
    const cases = [
      [...header, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
      [...header, ...section(1, [...uleb(0xffffffff)])],
      [...header, ...section(3, [...uleb(100000000)])],
      [...header, ...section(5, [1, 0x01, ...uleb(0xffffffff), ...uleb(0xffffffff)])],
      [...header, ...section(10, [...uleb(1), ...uleb(0x7fffffff)])],
      [...header, 1, 0xff, 0xff, 0xff, 0xff, 0x0f],
      [...header, ...section(1, [1, 0x60, ...uleb(0xffffffff)])],
      [...header, ...section(0, [...uleb(0xfffffff)])],
    ];
    for (const bytes of cases) {
      const verdict = await judgeBytes(Uint8Array.from(bytes));
      expect(verdict.problem, `${Buffer.from(bytes).toString('hex')}: V8 ${verdict.v8}; wasmjit ${verdict.wasmjit}`).toBeUndefined();
    }
  });
});

describe('nonsense .wat', () => {
  test('mangled sample programs: a located error or a module judged as V8 judges it', async () => {
    const samples = fs.readdirSync(path.join(root, 'wat')).filter((f) => f.endsWith('.wat'));
    const rnd = new Random(5);
    const jobs: Array<[string, Job]> = [];
    for (const sample of samples) {
      const text = fs.readFileSync(path.join(root, 'wat', sample), 'utf8');
      for (let i = 0; i < 15; i++) jobs.push([`${sample} mangled #${i}`, { kind: 'wat', text: nonsenseWat(rnd, text) }]);
    }
    jobs.push(['random bytes as text', { kind: 'wat', text: Buffer.from(rnd.bytes(300)).toString('latin1') }]);
    jobs.push(['unbalanced parentheses', { kind: 'wat', text: '('.repeat(5000) }]);
    expect((await problemsOf(jobs)).join('\n')).toBe('');
  });
});

describe('huge inputs compile or are refused clearly, within time and memory', () => {
  const func = (locals: number[], body: number[]) => {
    const code = [...locals, ...body, 0x0b];
    return Uint8Array.from([
      ...WASM_MAGIC_VERSION, ...section(1, [1, 0x60, 0, 1, 0x7f]), ...section(3, [1, 0]), ...section(7, [1, 1, 0x66, 0, 0]),
      ...section(10, [1, ...uleb(code.length), ...code]),
    ]);
  };
  const cases: Array<[string, Uint8Array]> = [
    ['a function of 100,000 instructions', func([0], [0x41, 1, ...Array.from({ length: 49_999 }, () => [0x41, 1, 0x6a]).flat()])],
    ['10,000 nested blocks', func([0], [...Array.from({ length: 10_000 }, () => [0x02, 0x7f]).flat(), 0x41, 7, ...Array(10_000).fill(0x0b)])],
    ['10,000 nested loops and ifs', func([0], [...Array.from({ length: 5_000 }, () => [0x03, 0x7f, 0x41, 1, 0x04, 0x7f]).flat(), 0x41, 7, ...Array.from({ length: 5_000 }, () => [0x05, 0x41, 0, 0x0b, 0x0b]).flat()])],
    ['50,000 locals', func([1, ...uleb(50_000), 0x7e], [0x20, ...uleb(49_999), 0xa7])],
    ['50,000 locals, 10,000 of them used', func([1, ...uleb(50_000), 0x7f], [0x41, 0, ...Array.from({ length: 10_000 }, (_, i) => [0x20, ...uleb(i * 5), 0x6a]).flat()])],
    ['an operand stack 20,000 deep', func([0], [...Array(20_000).fill([0x41, 3]).flat(), ...Array(19_999).fill(0x6a)])],
  ];

  test.each(cases)('%s', async (_, bytes) => {
    const started = Date.now();
    const rssBefore = process.memoryUsage().rss;
    const v8 = (await WebAssembly.instantiate(bytes)).instance.exports.f as () => number;
    let outcome: string;
    try {
      const { instance } = await instantiate(bytes);
      outcome = String((instance.exports.f as () => number)());
      instance.dispose();
    } catch (e) {
      // Refusing is allowed, but only as a CompileError that says why.
      expect(e).toBeInstanceOf(WebAssembly.CompileError);
      expect((e as Error).message.length).toBeGreaterThan(10);
      outcome = String(v8());
    }
    expect(outcome).toBe(String(v8()));
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 * 1024 * 1024);
  });
});
