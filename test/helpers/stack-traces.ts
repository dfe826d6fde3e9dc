// Stack traces compared frame by frame with V8's: the same bytes run on V8 and on wasmjit's modules
// compiled eagerly, lazily, deserialized and from the code cache, each trap's
// `error.stack` taken by one helper (`stackOf`), so that the JS frames above the wasm ones are the
// same lines too; everything up to that helper's frame must be identical: the message, every wasm
// frame (name or nameless form, script URL with its hash, function index, byte offset).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parallelStats, startCompileWorkers } from '../../src/compiler/index.js';
import { Instance, Module, watToWasm } from '../../src/index.js';
import { codeCacheStats } from '../../src/runtime/code-cache.js';
import { fastCalls } from '../../src/runtime/fast-calls.js';
import type { BoundsChecks } from '../../src/runtime/signal-handler.js';
import { fastEntryCounts } from '../../src/runtime/state.js';
import { boundsChecks } from '../../src/runtime/signal-handler.js';

type Exports = Record<string, unknown>;
type Imports = Record<string, Record<string, unknown>>;

interface Engine {
  name: string;
  instantiate(bytes: Uint8Array, imports?: Imports): Exports;
}

const modules: Module[] = [];
const wasmjit = (name: string, load: (bytes: Uint8Array) => Module): Engine => ({
  name,
  instantiate: (bytes, imports) => {
    const module = load(bytes);
    modules.push(module);
    return new Instance(module, imports, false).exports;
  },
});

/** A compile on a worker thread and this one, each with a chunk of the functions (below the size that would by itself). */
function compiledInParallel(bytes: Uint8Array): Module {
  const saved = { min: process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS, threads: process.env.WASMJIT_COMPILE_THREADS };
  process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS = '0';
  process.env.WASMJIT_COMPILE_THREADS = '1';
  try {
    const before = parallelStats.workerChunks;
    const module = Module.fromBytes(bytes, { lazy: false });
    expect(parallelStats.workerChunks, 'a worker compiled a chunk').toBe(before + 1);
    return module;
  } finally {
    restoreEnv('WASMJIT_PARALLEL_MIN_INSTRUCTIONS', saved.min);
    restoreEnv('WASMJIT_COMPILE_THREADS', saved.threads);
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

const V8: Engine = { name: 'v8', instantiate: (bytes, imports) => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports };
const ENGINES: Engine[] = [
  wasmjit('eager', (bytes) => Module.fromBytes(bytes, { lazy: false })),
  wasmjit('lazy', (bytes) => Module.fromBytes(bytes, { lazy: true })),
  wasmjit('artifact', (bytes) => Module.deserialize(Module.fromBytes(bytes, { lazy: false }).serialize())),
  wasmjit('code cache', fromCodeCache),
];

let cacheDir: string | undefined;

/** The module as a code cache gives it back: compiled into the cache first, then loaded from there. */
function fromCodeCache(bytes: Uint8Array): Module {
  cacheDir ??= mkdtempSync(join(tmpdir(), 'wasmjit-traces-'));
  Module.fromBytes(bytes, { cache: cacheDir }).dispose();
  const hits = codeCacheStats.hits;
  const module = Module.fromBytes(bytes, { cache: cacheDir });
  expect(codeCacheStats.hits, 'loaded from the cache').toBe(hits + 1);
  return module;
}

const STACK_OF_FRAME = /^ {4}at stackOf \(/;

/** The stack of what `exports[name](arg)` throws, up to this function's own frame (the JS frames further up are the caller's). */
function stackOf(exports: Exports, name: string, arg: number): string[] {
  try {
    (exports[name] as (a: number) => unknown)(arg);
  } catch (error) {
    const lines = String((error as Error).stack).split('\n');
    const own = lines.findIndex((line) => STACK_OF_FRAME.test(line));
    return own < 0 ? lines : lines.slice(0, own + 1);
  }
  throw new Error(`${name}(${arg}) returned`);
}

function expectSameStacks(bytes: Uint8Array, name: string, arg: number, imports: (engine: Engine) => Imports = () => ({}), engines = ENGINES): string[] {
  const expected = stackOf(V8.instantiate(bytes, imports(V8)), name, arg);
  if (Error.stackTraceLimit > 0) expect(expected.some((line) => line.includes('wasm://wasm/')), 'V8 shows wasm frames').toBe(true);
  for (const engine of engines) {
    expect(stackOf(engine.instantiate(bytes, imports(engine)), name, arg), engine.name).toEqual(expected);
  }
  return expected;
}

/** Function bodies that trap (param 0 is an i32 argument), after an instruction, so that the offset is not the body's first. */
const TRAPS: Record<string, string> = {
  unreachable: 'unreachable',
  'divide by zero': '(drop (i32.div_s (local.get 0) (i32.const 0)))',
  'remainder by zero': '(drop (i64.rem_u (i64.extend_i32_u (local.get 0)) (i64.const 0)))',
  'divide unrepresentable': '(drop (i32.div_s (i32.const 0x80000000) (i32.const -1)))',
  'float unrepresentable': '(drop (i32.trunc_f64_s (f64.const nan)))',
  'load out of bounds': '(drop (i32.load offset=8 (i32.add (local.get 0) (i32.const 65530))))',
  'store out of bounds': '(i64.store (i32.const 65535) (i64.const 1))',
  'memory.copy out of bounds': '(memory.copy (i32.const 0) (i32.const 65500) (local.get 0))',
  'call_indirect signature mismatch': '(call_indirect (type $other) (i32.const 2))',
  'call_indirect null': '(drop (call_indirect (type $chain) (i32.const 0) (i32.const 1)))',
  'table index out of bounds': '(drop (call_indirect (type $chain) (i32.const 0) (local.get 0)))',
};

const NAMES = ['no name section', 'function names', 'module and function names'] as const;
type Naming = (typeof NAMES)[number];

/**
 * `$f0` traps with `trap`; `$fk` calls `$f(k-1)` (through the table with `indirect`), each after
 * a few instructions; `run` is `$f(depth-1)`.
 */
function chainModule(trap: string, depth: number, indirect: boolean, naming: Naming): string {
  const funcs = [`(func $f0 (type $chain) (local.set 0 (i32.add (local.get 0) (i32.const 1))) ${trap} (i32.const 0))`];
  for (let k = 1; k < depth; k++) {
    const call = indirect ? `(call_indirect (type $chain) (i32.add (local.get 0) (i32.const ${k})) (i32.const ${2 + k - 1}))` : `(call $f${k - 1} (i32.add (local.get 0) (i32.const ${k})))`;
    funcs.push(`(func $f${k} (type $chain) (i32.add (i32.const 1) ${call}))`);
  }
  const elems = Array.from({ length: 5 }, (_, k) => (k < depth ? `$f${k}` : '$other'));
  return `(module ${naming === 'module and function names' ? '$traces' : ''}
    (type $chain (func (param i32) (result i32)))
    (type $other (func))
    (memory 1)
    (table 7 funcref)
    (elem (i32.const 0) $other)
    (elem (i32.const 2) ${elems.join(' ')})
    (func $other)
    ${funcs.join('\n    ')}
    (export "run" (func $f${depth - 1})))`;
}

const wasmOf = (text: string, naming: Naming): Promise<Uint8Array> => watToWasm(text, { debugNames: naming !== 'no name section' });

export function describeStackTraces(mode: BoundsChecks): void {
  describe(`stack traces (${mode} bounds checks)`, () => {
    beforeAll(async () => {
      // A compile uses only workers that are loaded already.
      await startCompileWorkers();
    });

    it('are what this process uses', () => {
      expect(boundsChecks()).toBe(mode);
    });

    for (const [kind, trap] of Object.entries(TRAPS)) {
      it(`of a ${kind} trap at depths 1 to 5, called directly and through call_indirect, with and without names`, async () => {
        for (const naming of NAMES) {
          for (const indirect of [false, true]) {
            for (let depth = 1; depth <= 5; depth++) {
              const bytes = await wasmOf(chainModule(trap, depth, indirect, naming), naming);
              const stack = expectSameStacks(bytes, 'run', 100);
              expect(stack.filter((line) => line.includes('wasm://')).length).toBe(depth);
            }
          }
        }
      });
    }

    it('of stack exhaustion: the innermost frames, down a chain into a recursion', async () => {
      for (const naming of NAMES) {
        const text = `(module ${naming === 'module and function names' ? '$deep' : ''}
          (func $recurse (param i32) (result i32) (i32.add (i32.const 1) (call $recurse (i32.add (local.get 0) (i32.const 1)))))
          (func $enter (export "run") (param i32) (result i32) (call $recurse (local.get 0))))`;
        const stack = expectSameStacks(await wasmOf(text, naming), 'run', 0);
        expect(stack[0]).toBe('RangeError: Maximum call stack size exceeded');
      }
    });

    it('through another instance: each frame with its own module', async () => {
      for (const naming of NAMES) {
        const callee = await wasmOf(`(module ${naming === 'module and function names' ? '$callee' : ''}
          (func $deep (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
          (func $shallow (export "f") (param i32) (result i32) (call $deep (i32.sub (local.get 0) (i32.const 1)))))`, naming);
        const caller = await wasmOf(`(module ${naming === 'module and function names' ? '$caller' : ''}
          (import "m" "f" (func $imported (param i32) (result i32)))
          (func $middle (param i32) (result i32) (i32.add (i32.const 2) (call $imported (local.get 0))))
          (func $top (export "run") (param i32) (result i32) (call $middle (local.get 0))))`, naming);
        const stack = expectSameStacks(caller, 'run', 1, (engine) => ({ m: { f: engine.instantiate(callee).f } }));
        expect(new Set(stack.filter((line) => line.includes('wasm://')).map((line) => /wasm:\/\/wasm\/[^:]+/.exec(line)![0])).size).toBe(2);
      }
    });

    it('of a JS exception thrown by an import, through the wasm frames that called it', async () => {
      for (const naming of NAMES) {
        const bytes = await wasmOf(`(module ${naming === 'module and function names' ? '$host' : ''}
          (import "js" "fail" (func $fail (param i32)))
          (func $inner (param i32) (call $fail (i32.mul (local.get 0) (i32.const 3))))
          (func $outer (export "run") (param i32) (local.set 0 (i32.add (local.get 0) (i32.const 1))) (call $inner (local.get 0))))`, naming);
        const fail = function fail(value: number): never {
          throw new Error(`host failure ${value}`);
        };
        const stack = expectSameStacks(bytes, 'run', 4, () => ({ js: { fail } }));
        expect(stack[1]).toMatch(/^ {4}at fail \(/);
      }
    });

    it('of a trap in wasm called by a JS import called by wasm', async () => {
      const inner = await wasmOf(`(module (func $boom (export "boom") (param i32) (drop (i32.rem_s (i32.const 1) (local.get 0)))))`, 'function names');
      const outer = await wasmOf(`(module (import "js" "call" (func $call (param i32)))
        (func $run (export "run") (param i32) (call $call (local.get 0))))`, 'function names');
      const stack = expectSameStacks(outer, 'run', 0, (engine) => {
        const boom = engine.instantiate(inner).boom as (value: number) => void;
        return { js: { call: function call(value: number) { boom(value); } } };
      });
      expect(stack.filter((line) => line.includes('wasm://')).length).toBe(2);
    });

    it('of code compiled on a worker thread and this one: traps in both chunks', async () => {
      const padding = Array.from({ length: 300 }, (_, i) => `(func $pad${i} (param i32) (result i32) ${'(i32.add (local.get 0) '.repeat(12)}(i32.const ${i})${')'.repeat(12)})`);
      const text = `(module
        (memory 1)
        (func $firstTrap (param i32) (result i32) (i32.load (i32.add (local.get 0) (i32.const 65536))))
        (func $first (export "first") (param i32) (result i32) (call $firstTrap (i32.add (local.get 0) (i32.const 7))))
        ${padding.join(' ')}
        (func $lastTrap (param i32) (result i32) (i32.div_u (local.get 0) (i32.const 0)))
        (func $last (export "last") (param i32) (result i32) (i32.mul (call $lastTrap (local.get 0)) (i32.const 3))))`;
      for (const naming of NAMES) {
        const bytes = await wasmOf(text, naming);
        const parallel = wasmjit('parallel', compiledInParallel);
        for (const name of ['first', 'last']) expectSameStacks(bytes, name, 1, () => ({}), [parallel]);
      }
    });

    it('of native-only exports, entered through the fast entry where this Node has the Fast API', async () => {
      const bytes = await wasmOf(chainModule(TRAPS['divide by zero']!, 3, false, 'function names'), 'function names');
      const before = fastEntryCounts().entries;
      expectSameStacks(bytes, 'run', 0);
      expect(fastEntryCounts().entries - before).toBe(fastCalls.available ? ENGINES.length : 0);
    });

    it('cut to Error.stackTraceLimit as V8 cuts them', async () => {
      const bytes = await wasmOf(chainModule(TRAPS.unreachable!, 5, false, 'function names'), 'function names');
      const limit = Error.stackTraceLimit;
      try {
        for (const frames of [0, 1, 3]) {
          Error.stackTraceLimit = frames;
          expectSameStacks(bytes, 'run', 0);
        }
      } finally {
        Error.stackTraceLimit = limit;
      }
    });
  });
}

export function disposeStackTraceModules(): void {
  for (const module of modules.splice(0)) module.dispose();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
}
