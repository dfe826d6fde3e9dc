// The code cache (runtime/code-cache.ts): a second compile, in this process or another, loads the
// module; processes compiling at once leave one whole entry; a corrupt entry is compiled again and
// replaced; the directory stays under its size bound, the least recently used entries going first;
// a directory other users may write to is refused. Hits and misses are read from codeCacheStats or
// from NODE_DEBUG=wasmjit lines, never from timings.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from './helpers/child.js';
import type { ChildRun } from './helpers/child.js';
import { compile, instantiate, Module, watToWasm } from '../src/index.js';
import { codeCacheStats } from '../src/runtime/code-cache.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmjit-cache-test-'));
chmodSync(scratch, 0o700);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
const freshDir = (): string => join(scratch, `cache-${dirs++}`);
const entries = (dir: string): string[] => readdirSync(dir).sort();

const moduleAnswering = (n: number): Promise<Uint8Array> => watToWasm(`(module (func (export "answer") (result i32) i32.const ${n}))`);

async function answerOf(module: Module): Promise<unknown> {
  const instance = await instantiate(module, {});
  try {
    return (instance.exports.answer as () => unknown)();
  } finally {
    instance.dispose();
  }
}

/** What the cache did during `run`. */
async function statsDuring(run: () => Promise<unknown>): Promise<typeof codeCacheStats> {
  const before = { ...codeCacheStats };
  await run();
  return {
    hits: codeCacheStats.hits - before.hits,
    misses: codeCacheStats.misses - before.misses,
    corrupt: codeCacheStats.corrupt - before.corrupt,
    evicted: codeCacheStats.evicted - before.evicted,
  };
}

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  return runNode(args, { cwd: ROOT, env: { ...process.env, ...env } });
}

function compileInChild(file: string, dir: string): Promise<ChildRun> {
  const script = `
    import { readFileSync } from 'node:fs';
    import { compile } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
    import { codeCacheStats } from ${JSON.stringify(join(ROOT, 'dist/runtime/code-cache.js'))};
    const module = await compile(readFileSync(${JSON.stringify(file)}), { cache: ${JSON.stringify(dir)} });
    console.log(JSON.stringify({ functions: module.compiled.functions.length, ...codeCacheStats }));
  `;
  return node(['--input-type=module', '-e', script]);
}

describe('code cache', () => {
  it('a second compile loads the module instead of compiling it', async () => {
    const dir = freshDir();
    const wasm = await moduleAnswering(42);
    let first: Module | undefined;
    expect(await statsDuring(async () => (first = await compile(wasm, { cache: dir })))).toEqual({ hits: 0, misses: 1, corrupt: 0, evicted: 0 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    let second: Module | undefined;
    expect(await statsDuring(async () => (second = await compile(wasm, { cache: dir })))).toEqual({ hits: 1, misses: 0, corrupt: 0, evicted: 0 });
    expect(await answerOf(first!)).toBe(42);
    expect(await answerOf(second!)).toBe(42);
    // Other bytes, or other CPU features, are other entries.
    expect(await statsDuring(() => compile(wasm, { cache: dir, cpuFeatures: { popcnt: false } }))).toMatchObject({ misses: 1 });
    expect(await statsDuring(async () => answerOf(await compile(await moduleAnswering(43), { cache: dir })))).toMatchObject({ misses: 1 });
    expect(entries(dir).filter((name) => name.endsWith('.wjit'))).toHaveLength(3);
  });

  it('processes compiling the same module at once leave one whole entry, which a later process loads', async () => {
    const dir = freshDir();
    const file = join(ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm');
    const runs = await Promise.all([compileInChild(file, dir), compileInChild(file, dir), compileInChild(file, dir)]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const results = runs.map((run) => JSON.parse(run.stdout) as { functions: number; hits: number; misses: number; corrupt: number });
    for (const result of results) {
      expect(result.corrupt).toBe(0);
      expect(result.hits + result.misses).toBe(1);
    }
    expect(entries(dir)).toHaveLength(1);
    expect(entries(dir)[0]).toMatch(/^[0-9a-f]{64}\.wjit$/);
    const later = JSON.parse((await compileInChild(file, dir)).stdout) as { functions: number; hits: number };
    expect(later).toMatchObject({ hits: 1, functions: results[0]!.functions });
    // Whole (its checksum holds) but without the wasm bytes, which only the cache's reader has.
    expect(() => Module.deserialize(readFileSync(join(dir, entries(dir)[0]!)))).toThrow(/\(malformed\): it holds no wasm bytes: it is a code cache entry/);
  }, 60_000);

  it('a corrupt entry is compiled again and replaced', async () => {
    const dir = freshDir();
    const wasm = await moduleAnswering(7);
    await compile(wasm, { cache: dir });
    const [name] = entries(dir);
    const file = join(dir, name!);
    const damaged = readFileSync(file);
    damaged[damaged.length - 5] ^= 0xff;
    writeFileSync(file, damaged);
    let module: Module | undefined;
    expect(await statsDuring(async () => (module = await compile(wasm, { cache: dir })))).toEqual({ hits: 0, misses: 1, corrupt: 1, evicted: 0 });
    expect(await answerOf(module!)).toBe(7);
    writeFileSync(file, 'not an artifact');
    expect(await statsDuring(() => compile(wasm, { cache: dir }))).toMatchObject({ corrupt: 1, misses: 1 });
    expect(await statsDuring(() => compile(wasm, { cache: dir }))).toEqual({ hits: 1, misses: 0, corrupt: 0, evicted: 0 });
  });

  it('stays under its size bound, the least recently used entries going first', async () => {
    const dir = freshDir();
    const [a, b, c] = await Promise.all([moduleAnswering(1), moduleAnswering(2), moduleAnswering(3)]);
    await compile(a, { cache: dir });
    const [entryA] = entries(dir);
    const size = statSync(join(dir, entryA!)).size;
    const bound = { cache: dir, cacheMaxBytes: 2 * size + size / 2 };
    await compile(b, bound);
    const entryB = entries(dir).find((name) => name !== entryA)!;
    const now = Date.now() / 1000;
    utimesSync(join(dir, entryA!), now - 100, now - 100);
    utimesSync(join(dir, entryB), now - 50, now - 50);
    // A hit on a makes b the least recently used.
    expect(await statsDuring(() => compile(a, bound))).toMatchObject({ hits: 1 });
    expect(await statsDuring(() => compile(c, bound))).toEqual({ hits: 0, misses: 1, corrupt: 0, evicted: 1 });
    const left = entries(dir);
    expect(left).toHaveLength(2);
    expect(left).toContain(entryA);
    expect(left).not.toContain(entryB);
  });

  it('refuses a directory that other users may write to', async () => {
    const wasm = await moduleAnswering(5);
    for (const mode of [0o777, 0o770, 0o1777, 0o702]) {
      const dir = freshDir();
      mkdirSync(dir);
      chmodSync(dir, mode);
      await expect(compile(wasm, { cache: dir }), `mode ${mode.toString(8)}`).rejects.toThrow(
        `refusing the code cache directory ${dir}: other users may write to it (mode ${(mode & 0o777).toString(8)})`,
      );
      expect(entries(dir)).toEqual([]);
    }
  });

  it('serves the WebAssembly namespace of wasmjit/register through WASMJIT_CACHE_DIR', async () => {
    const dir = freshDir();
    const file = join(scratch, 'answer.wasm');
    writeFileSync(file, await moduleAnswering(99));
    const script = `
      import { readFileSync } from 'node:fs';
      const { instance } = await WebAssembly.instantiate(readFileSync(${JSON.stringify(file)}));
      console.log(instance.exports.answer());
    `;
    const env = { NODE_OPTIONS: '--import wasmjit/register', NODE_DEBUG: 'wasmjit', WASMJIT_CACHE_DIR: dir };
    const first = await node(['--input-type=module', '-e', script], env);
    expect(first).toMatchObject({ status: 0, stdout: '99\n' });
    expect(first.stderr).toMatch(/^WASMJIT \d+: code cache: miss [0-9a-f]{64}, stored$/m);
    const second = await node(['--input-type=module', '-e', script], env);
    expect(second).toMatchObject({ status: 0, stdout: '99\n' });
    expect(second.stderr).toMatch(/^WASMJIT \d+: code cache: hit [0-9a-f]{64} \(\d+ bytes\)$/m);
    expect(second.stderr).not.toMatch(/code cache: miss/);
  });
});
