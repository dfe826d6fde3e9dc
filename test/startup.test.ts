// What a process loads when it imports wasmjit: the built package, imported by its name in a fresh
// Node process that records every module it loads (helpers/record-loads.mjs). The entries are
// bundled (scripts/bundle.mjs), and a program pays at start-up only for what it uses: the
// disassembler (capstone) when it disassembles, the text format (wabt, in a worker) when it converts
// a .wat. No timings here: `npm run bench` measures them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RECORDER = fileURLToPath(new URL('./helpers/record-loads.mjs', import.meta.url));

/** Runs `script` (an ES module body) in a fresh process; returns the modules it had loaded at the end, relative to the package. */
function modulesLoadedBy(script: string): string[] {
  const body = `${script}\nprocess.stdout.write(JSON.stringify(globalThis.loadedModules()));`;
  const out = execFileSync(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((file) => (file.startsWith(ROOT) ? path.relative(ROOT, file) : file));
}

/** What must wait until a program uses it, by where it lives. */
const DEFERRED = {
  capstone: /node_modules\/@alexaltea\/capstone-js\//,
  wabt: /node_modules\/wabt\//,
  'the text format converter': /^dist\/wat\/(convert|worker)\.js$/,
  'the spec runner, bench and fuzzer': /^dist\/(spectest|bench|fuzz)\//,
};

function loadedOf(modules: string[], what: keyof typeof DEFERRED): string[] {
  return modules.filter((file) => DEFERRED[what].test(file));
}

describe("import('wasmjit')", () => {
  const modules = modulesLoadedBy("await import('wasmjit');");

  test("loads the package's bundle, not the modules tsc emits one by one", () => {
    expect(modules).toContain('dist/bundle/index.js');
    expect(modules.filter((file) => file.startsWith('dist/') && !file.startsWith('dist/bundle/'))).toEqual([]);
  });

  for (const what of Object.keys(DEFERRED) as Array<keyof typeof DEFERRED>) {
    test(`does not load ${what}`, () => {
      expect(loadedOf(modules, what)).toEqual([]);
    });
  }
});

test('loadDisassembler() loads capstone', () => {
  const modules = modulesLoadedBy("const { loadDisassembler } = await import('wasmjit'); await loadDisassembler();");
  expect(loadedOf(modules, 'capstone')).not.toEqual([]);
});

test("watToWasm converts in a worker: wabt stays out of the program's thread", () => {
  const modules = modulesLoadedBy(`
    const { watToWasm } = await import('wasmjit');
    const bytes = await watToWasm('(module (func (export "f")))');
    if (bytes[0] !== 0) throw new Error('not a module');`);
  expect(loadedOf(modules, 'wabt')).toEqual([]);
});

test("import('wasmjit/register') loads neither capstone nor wabt", () => {
  const modules = modulesLoadedBy("await import('wasmjit/register');");
  expect(modules).toContain('dist/bundle/register.js');
  expect(loadedOf(modules, 'capstone')).toEqual([]);
  expect(loadedOf(modules, 'wabt')).toEqual([]);
  expect(loadedOf(modules, 'the text format converter')).toEqual([]);
});
