// Regression cases: a reduced finding saved under test/regressions/ as a module (.wasm, or .wat for
// malformed text) and a JSON file with the seed that found it, the calls, and what V8 did; and the
// replay of one case, which `npm test` runs for every case (test/regressions.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { watToWasm } from '../index.js';
import { runJob } from './jobs.js';
import type { Generator } from './jobs.js';
import { judgeBytes } from './malformed.js';
import type { CallSpec, CallTrace, Mismatch, RunOptions } from './runner.js';

export interface RegressionCase {
  /** One line: what went wrong. */
  title: string;
  generator: Generator;
  /** `npm run fuzz -- --seed <runSeed>` made module number <index>, generated from <seed>. */
  runSeed: number;
  index: number;
  seed: number;
  /** The module file, next to this one. */
  module: string;
  /**
   * `run`: the calls are replayed in both engines; `compile`: both engines only compile the module;
   * `wat`: the .wat text must convert, or fail with an Error located at file:line:col.
   */
  check: 'run' | 'compile' | 'wat';
  beforeCall?: RunOptions['beforeCall'];
  calls?: CallSpec[];
  /** What V8 did for each call (outcome, host-call log, state digest), when it was recorded. */
  expected?: CallTrace[];
  /** compile: V8's verdict (`valid` or its error). */
  expectedV8?: string;
  finding: { signature: string; mismatch?: Mismatch; crash?: string };
}

export interface Verdict {
  pass: boolean;
  problems: string[];
}

async function moduleBytes(c: RegressionCase, dir: string): Promise<Uint8Array> {
  const file = path.join(dir, c.module);
  if (file.endsWith('.wat')) return watToWasm(fs.readFileSync(file, 'utf8'), { filename: c.module });
  return new Uint8Array(fs.readFileSync(file));
}

/** Replays a case in this process: wasmjit must now agree with V8, and V8 with what it did before. */
export async function replay(caseFile: string): Promise<Verdict> {
  const c = JSON.parse(fs.readFileSync(caseFile, 'utf8')) as RegressionCase;
  const dir = path.dirname(caseFile);
  const problems: string[] = [];
  if (c.check === 'wat') {
    try {
      await watToWasm(fs.readFileSync(path.join(dir, c.module), 'utf8'), { filename: c.module });
    } catch (e) {
      if (!(e instanceof Error && e.constructor === Error && /:\d+:\d+/.test(e.message))) problems.push(`not a located wat error: ${String(e)}`);
    }
    return { pass: problems.length === 0, problems };
  }
  if (c.check === 'compile') {
    let judged: { v8: string; wasmjit: string; problem?: string };
    try {
      judged = await judgeBytes(await moduleBytes(c, dir));
    } catch (e) {
      return { pass: false, problems: [`the module did not load: ${String(e)}`] };
    }
    if (judged.problem) problems.push(`${judged.problem} (V8: ${judged.v8}; wasmjit: ${judged.wasmjit})`);
    if (c.expectedV8 !== undefined && (judged.v8 === 'valid') !== (c.expectedV8 === 'valid')) problems.push(`V8 changed its verdict: was ${c.expectedV8}, now ${judged.v8}`);
    return { pass: problems.length === 0, problems };
  }
  const bytes = await moduleBytes(c, dir);
  const result = await runJob({ kind: 'case', bytes: Buffer.from(bytes).toString('base64'), calls: c.calls ?? [], beforeCall: c.beforeCall ?? 'hang-limit' }, () => {});
  const m = result.mismatch;
  if (m) problems.push(`${m.kind} at call ${m.callIndex}${m.call ? ` ${m.call.export}(${m.call.args.join(', ')})` : ''}: V8 ${m.v8}; wasmjit ${m.wasmjit}`);
  for (const [i, want] of (c.expected ?? []).entries()) {
    const got = result.trace?.[i];
    if (!got) break;
    if (got.outcome !== want.outcome || got.state !== want.state || JSON.stringify(got.log) !== JSON.stringify(want.log)) {
      problems.push(`V8 no longer does what it did at call ${i}: was ${want.outcome}, now ${got.outcome}`);
    }
  }
  return { pass: problems.length === 0, problems };
}

/** Signatures of the cases already saved, so that a known finding is not saved twice. */
export function knownSignatures(dir: string): Set<string> {
  if (!fs.existsSync(dir)) return new Set();
  return new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RegressionCase).finding.signature));
}

/** Writes `<name>.json` and its module file; returns the JSON file's path. */
export function saveCase(dir: string, name: string, c: Omit<RegressionCase, 'module'>, module: { bytes?: Uint8Array; text?: string }): string {
  fs.mkdirSync(dir, { recursive: true });
  const moduleFile = `${name}.${module.text !== undefined ? 'wat' : 'wasm'}`;
  fs.writeFileSync(path.join(dir, moduleFile), module.text ?? module.bytes!);
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ ...c, module: moduleFile }, null, 2)}\n`);
  return file;
}
