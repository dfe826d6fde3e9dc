// The WebAssembly namespace backed by wasmjit, member by member against V8's own: the same calls on
// both give the same values, the same error classes and the same texts. CompileError texts are
// wasmjit's own after the API prefix (V8's words differ); that prefix and the class are compared.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createWebAssembly, WebAssembly as OnWasmjit, watToWasm } from '../src/index.js';
import { WASM_HEADER } from './helpers/wasm-binary.js';

const V8 = globalThis.WebAssembly;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTER = fileURLToPath(new URL('../dist/register.js', import.meta.url));
const run = promisify(execFile);

const bytesOf = (...parts: number[][]): Uint8Array<ArrayBuffer> => new Uint8Array([...WASM_HEADER, ...parts.flat()]);
const EMPTY = bytesOf();
const BAD_VERSION = new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]);
/** Custom sections "a" (twice) and "\u{FEFF}", a memory exported as "" and as "\u{FEFF}". */
const NAMES = bytesOf(
  [0, 5, 1, 0x61, 1, 2, 3],
  [0, 5, 3, 0xef, 0xbb, 0xbf, 9],
  [5, 3, 1, 0, 1],
  [7, 10, 2, 0, 2, 0, 3, 0xef, 0xbb, 0xbf, 2, 0],
  [0, 3, 1, 0x61, 7],
);
/** `(func (result v128) v128.const 0)`: valid, and beyond what wasmjit compiles today. */
/** A module with an atomic load (threads), which V8 accepts and wasmjit does not compile. */
const ATOMICS = bytesOf([1, 4, 1, 0x60, 0, 0], [3, 2, 1, 0], [5, 3, 1, 0, 1], [10, 11, 1, 9, 0, 0x41, 0, 0xfe, 0x10, 2, 0, 0x1a, 0x0b]);

const LINKED = await watToWasm(`
  (module
    (import "env" "log" (func $log (param i32)))
    (import "env" "g" (global $g i32))
    (memory (export "mem") 1 3)
    (table (export "tab") 2 funcref)
    (global (export "counter") (mut i32) (i32.const 5))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func $start (call $log (global.get $g)))
    (start $start)
    (data (i32.const 0) "hi"))`);

/** LINKED's imports; its start function logs the imported global. */
function imports(logged: unknown[]) {
  return { env: { log: (x: number) => logged.push(x), g: 42 } };
}

const wasmResponse = (bytes: Uint8Array<ArrayBuffer>, init: ResponseInit = {}): Response =>
  new Response(bytes, { ...init, headers: { 'content-type': 'application/wasm', ...init.headers } });

/** What a call did, in terms both engines can be compared by. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return { value: describeValue(await call()) };
  } catch (err) {
    const error = err as Error;
    const message = error instanceof V8.CompileError ? error.message.replace(/\): .*/, '): …') : error.message;
    return { error: error.constructor.name, message, code: (error as { code?: string }).code };
  }
}

function describeValue(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { arrayBuffer: [...new Uint8Array(value)] };
  if (Array.isArray(value)) return value.map(describeValue);
  if (typeof value === 'function') return { function: value.name, length: value.length };
  if (value !== null && typeof value === 'object') {
    const tag = Object.prototype.toString.call(value);
    if (/WebAssembly\.(Module|Instance|Memory|Table|Global)/.test(tag)) return { tag };
    return { tag, entries: Object.entries(value).map(([k, v]) => [k, describeValue(v)]) };
  }
  return typeof value === 'bigint' ? `${value}n` : value;
}

type Case = (W: typeof WebAssembly) => unknown;

/** Runs each case on V8's namespace and on wasmjit's and expects the same outcome. */
function sameAsV8(cases: Record<string, Case>): void {
  for (const [name, call] of Object.entries(cases)) {
    it(name, async () => {
      const expected = await outcome(() => call(V8));
      expect(await outcome(() => call(OnWasmjit))).toEqual(expected);
    });
  }
}

describe('the namespace object', () => {
  it('has V8’s members, in V8’s order, with V8’s attributes, names and lengths', () => {
    const shape = (W: object) =>
      Reflect.ownKeys(W).map((key) => {
        const { value, writable, enumerable, configurable } = Object.getOwnPropertyDescriptor(W, key)!;
        const fn = typeof value === 'function' ? `${value.name}/${value.length}` : typeof value;
        return [String(key), fn, writable, enumerable, configurable];
      });
    const ours = shape(OnWasmjit).filter(([key]) => key !== 'Symbol(wasmjit.v8WebAssembly)');
    expect(ours).toEqual(shape(V8));
    expect(Object.prototype.toString.call(OnWasmjit)).toBe('[object WebAssembly]');
  });

  it('shares V8’s error classes, so instanceof in glue sees one class', () => {
    expect(OnWasmjit.CompileError).toBe(V8.CompileError);
    expect(OnWasmjit.LinkError).toBe(V8.LinkError);
    expect(OnWasmjit.RuntimeError).toBe(V8.RuntimeError);
  });

  it('gives Module, Instance, Memory, Table and Global objects that look like V8’s', async () => {
    const module = new OnWasmjit.Module(EMPTY);
    const instance = new OnWasmjit.Instance(module);
    const memory = new OnWasmjit.Memory({ initial: 1 });
    const table = new OnWasmjit.Table({ initial: 1, element: 'anyfunc' });
    const global = new OnWasmjit.Global({ value: 'i32', mutable: true }, 3);
    const objects = { Module: module, Instance: instance, Memory: memory, Table: table, Global: global };
    for (const [name, object] of Object.entries(objects)) {
      const constructor = OnWasmjit[name as keyof typeof objects];
      expect(Object.prototype.toString.call(object)).toBe(`[object WebAssembly.${name}]`);
      expect(object).toBeInstanceOf(constructor);
      expect(object.constructor).toBe(constructor);
      expect([constructor.name, constructor.length]).toEqual([name, 1]);
    }
    expect(Object.isFrozen(instance.exports)).toBe(true);
    expect(Object.getPrototypeOf(instance.exports)).toBe(null);
    class Bigger extends OnWasmjit.Memory {
      sizeInPages(): number {
        return this.buffer.byteLength / 65536;
      }
    }
    expect(new Bigger({ initial: 2 }).sizeInPages()).toBe(2);
  });
});

describe('Module', () => {
  sameAsV8({
    'new Module(bytes)': (W) => new W.Module(EMPTY),
    'without new': (W) => (W.Module as unknown as (b: unknown) => unknown)(EMPTY),
    'no argument': (W) => new W.Module(undefined as never),
    'a number': (W) => new W.Module(3 as never),
    'a DataView is no buffer source': (W) => new W.Module(new DataView(EMPTY.buffer) as never),
    'a SharedArrayBuffer is none either': (W) => new W.Module(new SharedArrayBuffer(8) as never),
    'a view of a SharedArrayBuffer is one': (W) => {
      const shared = new Uint8Array(new SharedArrayBuffer(8));
      shared.set(EMPTY);
      return new W.Module(shared as never);
    },
    'an ArrayBuffer': (W) => new W.Module(EMPTY.buffer),
    'malformed bytes': (W) => new W.Module(BAD_VERSION),
    'Module.exports, names keep a leading U+FEFF': (W) => W.Module.exports(new W.Module(NAMES)),
    'Module.imports': (W) => W.Module.imports(new W.Module(LINKED)),
    'Module.exports': (W) => W.Module.exports(new W.Module(LINKED)),
    'Module.exports of a non-module': (W) => W.Module.exports(3 as never),
    'Module.imports of a non-module': (W) => W.Module.imports({} as never),
    'Module.customSections': (W) => W.Module.customSections(new W.Module(NAMES), 'a'),
    'Module.customSections with a BOM name': (W) => W.Module.customSections(new W.Module(NAMES), '\u{FEFF}'),
    'Module.customSections that are absent': (W) => W.Module.customSections(new W.Module(NAMES), 'b'),
    'Module.customSections without a name': (W) => (W.Module.customSections as (m: unknown) => unknown)(new W.Module(EMPTY)),
    'Module.customSections of a non-module': (W) => W.Module.customSections(3 as never, 'a'),
    'Module.customSections with a symbol': (W) => W.Module.customSections(new W.Module(EMPTY), Symbol() as never),
    'Module.customSections with a number name': (W) => W.Module.customSections(new W.Module(EMPTY), 7 as never),
    'custom sections are copies': (W) => {
      const module = new W.Module(NAMES);
      new Uint8Array(W.Module.customSections(module, 'a')[0]!).fill(0);
      return W.Module.customSections(module, 'a');
    },
    'the bytes are copied at the call': (W) => {
      const bytes = LINKED.slice();
      const module = new W.Module(bytes);
      bytes.fill(0);
      const logged: number[] = [];
      const instance = new W.Instance(module, { env: { log: (x: number) => logged.push(x), g: 4 } });
      return [logged, [...new Uint8Array((instance.exports.mem as WebAssembly.Memory).buffer, 0, 2)]];
    },
  });
});

describe('Instance', () => {
  sameAsV8({
    'new Instance(module, imports): exports, start function': (W) => {
      const logged: unknown[] = [];
      const { exports } = new W.Instance(new W.Module(LINKED), imports(logged));
      return [logged, Object.keys(exports), (exports.add as (a: number, b: number) => number)(2, 3), (exports.counter as WebAssembly.Global).value];
    },
    'without new': (W) => (W.Instance as unknown as (m: unknown) => unknown)(new W.Module(EMPTY)),
    'a non-module': (W) => new W.Instance(3 as never),
    'imports that are no object': (W) => new W.Instance(new W.Module(EMPTY), 3 as never),
    'missing imports': (W) => new W.Instance(new W.Module(LINKED)),
    'an import of the wrong kind': (W) => new W.Instance(new W.Module(LINKED), { env: { log: 3, g: 1 } }),
    'exports keep a leading U+FEFF': (W) => Object.keys(new W.Instance(new W.Module(NAMES)).exports),
  });
});

describe('compile, validate, instantiate', () => {
  sameAsV8({
    'compile(bytes)': (W) => W.compile(EMPTY),
    'compile(malformed)': (W) => W.compile(BAD_VERSION),
    'compile(number)': (W) => W.compile(3 as never),
    'validate(valid)': (W) => W.validate(LINKED),
    'validate(malformed)': (W) => W.validate(BAD_VERSION),
    'validate(what wasmjit does not compile)': (W) => W.validate(ATOMICS),
    'validate(number)': (W) => W.validate(3 as never),
    'instantiate(bytes, imports)': async (W) => {
      const logged: unknown[] = [];
      const { module, instance } = await W.instantiate(LINKED, imports(logged));
      return [logged, W.Module.exports(module), Object.keys(instance.exports)];
    },
    'instantiate(module, imports)': async (W) => {
      const logged: unknown[] = [];
      const instance = await W.instantiate(new W.Module(LINKED), imports(logged));
      return [logged, instance instanceof W.Instance];
    },
    'instantiate(number)': (W) => W.instantiate(3 as never),
    'instantiate(bytes, number)': (W) => W.instantiate(EMPTY, 3 as never),
    'instantiate(malformed)': (W) => W.instantiate(BAD_VERSION),
    'instantiate with a link error': (W) => W.instantiate(LINKED, { env: { log: () => {}, g: 'x' } }),
    'instantiate(bytes) reads imports and runs the start function after the calling code': async (W) => {
      const logged: unknown[] = [];
      const env: Record<string, unknown> = {};
      const pending = W.instantiate(LINKED, { env });
      Object.assign(env, imports(logged).env);
      logged.push('after the call');
      await pending;
      return logged;
    },
  });
});

describe('compileStreaming and instantiateStreaming', () => {
  sameAsV8({
    'a wasm Response': (W) => W.compileStreaming(wasmResponse(NAMES)).then((m) => W.Module.customSections(m, 'a')),
    'a promise of one': (W) => W.compileStreaming(Promise.resolve(wasmResponse(EMPTY))),
    'a rejected promise': (W) => W.compileStreaming(Promise.reject(new Error('no network'))),
    'a number': (W) => W.compileStreaming(3 as never),
    'the wrong MIME type': (W) => W.compileStreaming(new Response(EMPTY, { headers: { 'content-type': 'text/plain' } })),
    'no MIME type': (W) => W.compileStreaming(new Response(EMPTY)),
    'a 404': (W) => W.compileStreaming(wasmResponse(EMPTY, { status: 404 })),
    'a used body': async (W) => {
      const response = wasmResponse(EMPTY);
      await response.arrayBuffer();
      return W.compileStreaming(response);
    },
    'malformed bytes': (W) => W.compileStreaming(wasmResponse(BAD_VERSION)),
    'instantiateStreaming': async (W) => {
      const logged: unknown[] = [];
      const { module, instance } = await W.instantiateStreaming(wasmResponse(LINKED), imports(logged));
      return [logged, W.Module.imports(module), Object.keys(instance.exports)];
    },
    'instantiateStreaming with imports that are no object': (W) => W.instantiateStreaming(wasmResponse(EMPTY), 3 as never),
    'instantiateStreaming with a link error': (W) => W.instantiateStreaming(wasmResponse(LINKED), { env: {} }),
  });
});

describe('Memory, Table, Global', () => {
  sameAsV8({
    'Memory without new': (W) => (W.Memory as unknown as (d: unknown) => unknown)({ initial: 1 }),
    'Memory without a descriptor': (W) => new W.Memory(undefined as never),
    'Memory: maximum below initial': (W) => new W.Memory({ initial: 2, maximum: 1 }),
    'Memory: shared without maximum': (W) => new W.Memory({ initial: 1, shared: true } as never),
    'Memory: grow and buffer': (W) => {
      const memory = new W.Memory({ initial: 1, maximum: 2 });
      return [memory.grow(1), memory.buffer.byteLength, outcomeOfSync(() => memory.grow(1))];
    },
    'Table': (W) => {
      const table = new W.Table({ initial: 2, element: 'anyfunc' });
      return [table.length, table.get(0), table.grow(1), table.length];
    },
    'Table without a descriptor': (W) => new W.Table(3 as never),
    'Table of an unknown element type': (W) => new W.Table({ initial: 1, element: 'nothing' } as never),
    'Global': (W) => {
      const global = new W.Global({ value: 'i64', mutable: true }, 5n);
      global.value = 7n;
      return [global.value, global.valueOf()];
    },
    'Global without a descriptor': (W) => new W.Global(undefined as never),
    'Global of type v128': (W) => new W.Global({ value: 'v128' } as never),
    'Global of an unknown type': (W) => new W.Global({ value: 'i8' } as never),
  });
});

function outcomeOfSync(call: () => unknown): unknown {
  try {
    return call();
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
}

describe('what wasmjit lacks', () => {
  it('is a CompileError that says so, unless the namespace falls back to V8', async () => {
    const error = await OnWasmjit.compile(ATOMICS).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(V8.CompileError);
    expect((error as Error).message).toMatch(/^WebAssembly\.compile\(\): wasmjit cannot compile this module, which V8 accepts: .*WASMJIT_FALLBACK=v8/);
    expect(() => new OnWasmjit.Memory({ initial: 1, maximum: 1, shared: true } as never)).toThrow(
      /WebAssembly\.Memory\(\): wasmjit does not support shared memories/,
    );
  });

  it('goes to V8 with fallback: "v8", which says so on stderr', async () => {
    const withFallback = createWebAssembly({ fallback: 'v8' });
    const said: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => said.push(text)) as typeof process.stderr.write;
    try {
      const { module, instance } = (await withFallback.instantiate(ATOMICS)) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
      expect(module).toBeInstanceOf(V8.Module);
      expect(module).toBeInstanceOf(withFallback.Module);
      expect(instance).toBeInstanceOf(withFallback.Instance);
      expect(withFallback.Module.exports(module)).toEqual(V8.Module.exports(module));
      const memory = new withFallback.Memory({ initial: 1, maximum: 2, shared: true } as never);
      expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(memory).toBeInstanceOf(withFallback.Memory);
    } finally {
      process.stderr.write = write;
    }
    expect(said).toEqual([
      expect.stringMatching(/^wasmjit: WebAssembly\.instantiate\(\): a module of 36 bytes handed to V8: /),
      expect.stringMatching(/^wasmjit: WebAssembly\.Memory\(\): the object handed to V8: wasmjit does not support shared memories/),
    ]);
  });
});

describe('wasmjit/register', () => {
  const script = `
    const m = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    console.log(Object.getOwnPropertySymbols(WebAssembly).map(String).join(), Object.keys(Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')).join());`;

  it('installs the namespace as globalThis.WebAssembly, and NODE_DEBUG=wasmjit says which engine got each module', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, NODE_DEBUG: 'wasmjit' },
    });
    expect(stdout).toBe('Symbol(Symbol.toStringTag),Symbol(wasmjit.v8WebAssembly) value,writable,enumerable,configurable\n');
    expect(stderr).toMatch(/WASMJIT \d+: WebAssembly\.Module\(\): wasmjit compiled a module of 8 bytes, 0 functions/);
  });

  it('runs Node’s own fetch, whose HTTP parser (undici’s llhttp) is wasm, on wasmjit', async () => {
    const fetchScript = `
      import http from 'node:http';
      const server = http.createServer((req, res) => { res.setHeader('x-echo', req.url); res.end('body '.repeat(3000)); });
      await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
      const response = await fetch('http://127.0.0.1:' + server.address().port + '/path?q=1');
      console.log(response.status, response.headers.get('x-echo'), (await response.text()).length);
      server.close();`;
    const { stdout, stderr } = await run(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', fetchScript], {
      cwd: ROOT,
      env: { ...process.env, NODE_DEBUG: 'wasmjit' },
    });
    expect(stdout).toBe('200 /path?q=1 15000\n');
    expect(stderr).toMatch(/wasmjit compiled a module of \d+ bytes/);
  });

  it('is what the package exports as wasmjit/register', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'wasmjit/register', '--input-type=module', '-e', script], { cwd: ROOT });
    expect(stdout).toContain('Symbol(wasmjit.v8WebAssembly)');
  });
});
