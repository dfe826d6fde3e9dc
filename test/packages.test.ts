// Real npm packages that ship wasm, run through their own unmodified JS glue: each driver in
// test/packages/ runs twice in a child process, once on V8 (`node driver.mjs`) and once with
// `--import wasmjit/register` (the package's own `exports` entry, resolved from the project by
// self-reference), and prints the same bytes both times. NODE_DEBUG=wasmjit names the engine of every
// module, so the test also sees that wasmjit, not V8, compiled each of the package's modules.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers/child.js';
import type { ChildRun } from './helpers/child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = join(ROOT, 'node_modules');

/** Where the bytes of a module the package instantiates come from, to know its size. */
type ModuleSource = { file: string } | { base64In: string };

interface PackageCase {
  /** The npm package. */
  name: string;
  /** Its driver, test/packages/<driver>.mjs (default: the package's name). */
  driver?: string;
  /** The package's own modules, each of which wasmjit must compile. */
  modules: ModuleSource[];
  /** Whether the driver reports (with `watchMemory`) calls during which the memory grows. */
  growsDuringCalls?: boolean;
}


const CASES: PackageCase[] = [
  { name: 'sql.js', modules: [{ file: 'sql.js/dist/sql-wasm.wasm' }] },
  { name: 'brotli-wasm', modules: [{ file: 'brotli-wasm/pkg.node/brotli_wasm_bg.wasm' }], growsDuringCalls: true },
  { name: 'tiktoken', modules: [{ file: 'tiktoken/tiktoken_bg.wasm' }, { file: 'tiktoken/lite/tiktoken_bg.wasm' }], growsDuringCalls: true },
  { name: 'esbuild-wasm', modules: [{ file: 'esbuild-wasm/esbuild.wasm' }] },
  { name: 'vscode-oniguruma', modules: [{ file: 'vscode-oniguruma/release/onig.wasm' }] },
  { name: 're2-wasm', modules: [{ file: 're2-wasm/build/wasm/re2.wasm' }] },
  { name: '@resvg/resvg-wasm', driver: 'resvg-wasm', modules: [{ file: '@resvg/resvg-wasm/index_bg.wasm' }] },
  {
    name: '@vscode/tree-sitter-wasm',
    driver: 'tree-sitter-wasm',
    modules: ['tree-sitter', 'tree-sitter-javascript', 'tree-sitter-python', 'tree-sitter-css', 'tree-sitter-rust'].map((name) => ({ file: `@vscode/tree-sitter-wasm/wasm/${name}.wasm` })),
  },
  { name: 'yoga-layout', modules: [{ base64In: 'yoga-layout/dist/binaries/yoga-wasm-base64-esm.js' }] },
  // The module is embedded in the JS; the package also ships the same bytes as a file (for workerd).
  { name: 'xxhash-wasm', modules: [{ file: 'xxhash-wasm/workerd/xxhash.wasm' }] },
  // Embedded in the JS as base64 too; the file holds the same bytes. 9,349 SIMD instructions of 55 kinds.
  { name: '@dimforge/rapier2d-simd-compat', driver: 'rapier2d-simd-compat', modules: [{ file: '@dimforge/rapier2d-simd-compat/rapier_wasm2d_bg.wasm' }] },
  // llhttp's SIMD build (20 SIMD instructions of 10 kinds), which undici tries before its scalar build.
  { name: 'undici', modules: [{ base64In: 'undici/lib/llhttp/llhttp_simd-wasm.js' }] },
];

function moduleSize(source: ModuleSource): number {
  if ('file' in source) return readFileSync(join(PACKAGES, source.file)).length;
  // A data: URL (emscripten) or a string literal (undici) holding the module's base64, which starts "AGFzbQ" (\0asm).
  const data = /(?:data:application\/octet-stream;base64,|['"])(AGFzbQ[A-Za-z0-9+/=]*)/.exec(readFileSync(join(PACKAGES, source.base64In), 'utf8'));
  if (!data) throw new Error(`no base64 module in ${source.base64In}`);
  return Buffer.from(data[1]!, 'base64').length;
}

/**
 * Runs a driver on this Node. NODE_OPTIONS carries the register entry, so that child processes the
 * package starts itself (esbuild's service) run on wasmjit too; `node` on the PATH is this Node.
 */
function runDriver(driver: string, engine: 'v8' | 'wasmjit'): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_DEBUG: 'wasmjit', PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  delete env.NODE_OPTIONS;
  delete env.WASMJIT_FALLBACK;
  if (engine === 'wasmjit') env.NODE_OPTIONS = '--import wasmjit/register';
  return runNode([join(ROOT, 'test/packages', `${driver}.mjs`)], { cwd: ROOT, env });
}

/** The sizes of the modules NODE_DEBUG=wasmjit says wasmjit compiled, and its lines about any other engine. */
function engineReport(stderr: string): { wasmjit: number[]; v8: string[] } {
  const wasmjit = [...stderr.matchAll(/^WASMJIT \d+: .*: wasmjit compiled a module of (\d+) bytes/gm)].map((m) => Number(m[1]));
  const v8 = stderr.split('\n').filter((line) => /^WASMJIT \d+: .*V8 compiled/.test(line));
  return { wasmjit, v8 };
}

interface MemoryWatch {
  sizeBefore: number;
  sizeAfter: number;
  oldViewDetached: boolean;
}

function memoryWatches(stdout: string): MemoryWatch[] {
  return [...stdout.matchAll(/^memory, [^:]*: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as MemoryWatch);
}

describe('real packages: V8 and wasmjit print the same', () => {
  for (const { name, driver = name, modules, growsDuringCalls } of CASES) {
    it(name, async () => {
      const [v8, wasmjit] = await Promise.all([runDriver(driver, 'v8'), runDriver(driver, 'wasmjit')]);
      expect(v8.status, `V8 run failed:\n${v8.stderr}`).toBe(0);
      expect(v8.stdout).not.toBe('');
      expect(engineReport(v8.stderr).wasmjit, 'the V8 run must not load wasmjit').toEqual([]);

      expect(wasmjit.stdout).toBe(v8.stdout);
      expect(wasmjit.status, wasmjit.stderr).toBe(0);
      const engines = engineReport(wasmjit.stderr);
      expect(engines.v8).toEqual([]);
      for (const source of modules) expect(engines.wasmjit).toContain(moduleSize(source));

      if (growsDuringCalls) {
        // The sizes come from the program itself; in V8 a growth during the call shows as a
        // detached old view, which is what wasm-bindgen's glue relies on.
        const grown = memoryWatches(v8.stdout).filter((watch) => watch.sizeAfter > watch.sizeBefore);
        expect(grown.length).toBeGreaterThan(0);
        for (const watch of grown) expect(watch.oldViewDetached).toBe(true);
      }
    });
  }
});
