// test/spec/expected.json: for each spec file, the number of commands wasmjit is known to pass.
// test/spec.test.ts asserts that no file passes fewer; `wasmjit spec --record` rewrites it.
import fs from 'node:fs';
import path from 'node:path';
import { EXPECTED_FILE_NAME } from './paths.js';
import type { FileResult } from './types.js';

type ExpectedCounts = Record<string, number>;

export const expectedFile = (suiteDir: string): string => path.join(suiteDir, EXPECTED_FILE_NAME);

function readExpected(file: string): ExpectedCounts {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ExpectedCounts;
  } catch {
    return {};
  }
}

/** Writes the pass counts of `results` to `file`; returns a warning for each file that got worse. */
export function recordExpected(file: string, results: FileResult[]): string[] {
  const before = readExpected(file);
  const counts: ExpectedCounts = Object.fromEntries(
    [...results].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => [r.name, r.passed]));
  fs.writeFileSync(file, `${JSON.stringify(counts, null, 2)}\n`);
  return results
    .filter((r) => r.passed < (before[r.name] ?? 0))
    .map((r) => `${r.name}: recorded ${r.passed} passed, down from ${before[r.name]}`);
}
