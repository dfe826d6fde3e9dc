// Calls from JS through V8's Fast API (src/runtime/fast-calls.ts): available exactly where this Node
// supports them (Node 20, 22 and 24), koffi with a reason anywhere else or when a symbol or a layout
// is not what wasmjit knows; taken for native-only exports and never for the others, with V8's results and
// errors; unbounded recursion, traps and calls from host functions (nesting) on the JS thread's
// stack; the direct call once TurboFan has optimized the caller; in a worker; and off with
// WASMJIT_FAST_CALLS=0 (child processes, from dist/).
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { isNativeOnlyFunction, nativeOnlyFunctions } from '../src/compiler/index.js';
import { decodeModule } from '../src/decode/index.js';
import { instantiate, watToWasm } from '../src/index.js';
import { fastCallApi, fastCalls, resolveV8Functions, usesFastCalls } from '../src/runtime/fast-calls.js';
import type { FastCallHost } from '../src/runtime/fast-calls.js';
import { mmap, munmap, PAGE_SIZE, PROT_READ, PROT_WRITE } from '../src/runtime/libc.js';
import { buildCFunction } from '../src/runtime/v8-fast-api.js';
import { fastEntryCounts } from '../src/runtime/state.js';
import { type Call, firstLines, formatCall, formatOutcome, outcomeOf, sameOutcome } from './helpers/differential.js';

/** The V8 that each supported Node line ships (major.minor). */
const V8_OF_NODE: Record<string, string> = { '20': '11.3', '22': '12.4', '24': '13.6' };

/** Where fast calls must be available: the conditions fast-calls.ts documents, checked independently. */
const SUPPORTED =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  Object.values(V8_OF_NODE).some((v8) => process.versions.v8.startsWith(`${v8}.`)) &&
  !(process.config.variables as Record<string, unknown>)['v8_enable_pointer_compression'] &&
  !(process.config.variables as Record<string, unknown>)['v8_enable_31bit_smis_on_64bit_arch'] &&
  process.env.WASMJIT_FAST_CALLS !== '0';

const WAT = `(module
  (type $unary (func (param i32) (result i32)))
  (import "host" "double" (func $double (param i32) (result i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $i32_unary)
  (global $g (mut i64) (i64.const 7))

  ;; native-only: may use the fast path
  (func $i32_unary (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "i32") (param i32 i32) (result i32) (i32.sub (call $i32_unary (local.get 0)) (local.get 1)))
  (func (export "i64") (param i64 i64) (result i64)
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (i64.rotl (i64.add (local.get 0) (global.get $g)) (local.get 1)))
  (func (export "f32") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
  (func (export "f64") (param f64 f64) (result f64) (f64.min (f64.sqrt (local.get 0)) (local.get 1)))
  (func (export "mixed") (param i32 i64 f32 f64) (result f64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
             (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
  (func (export "multi") (param i64 f32) (result f32 i64 i32) (local.get 1) (local.get 0) (i32.wrap_i64 (local.get 0)))
  (func (export "none"))
  (func (export "five") (param i32 i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3))) (local.get 4)))
  (func (export "unreachable") (unreachable))
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "load") (param i32) (result i64) (i64.load offset=1 (local.get 0)))
  (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (i32.add (memory.size) (table.size 0)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))

  ;; may leave native code: always through koffi
  (func (export "callsImport") (param i32) (result i32) (call $double (local.get 0)))
  (func $helper (param i32) (result i32) (call $double (local.get 0)))
  (func (export "callsTransitively") (param i32) (result i32) (i32.add (call $helper (local.get 0)) (i32.const 1)))
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $unary) (local.get 0) (i32.const 0)))
  (func (export "grows") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fills") (param i32) (memory.fill (i32.const 0) (local.get 0) (i32.const 16)))
  (func $recurseViaImport (export "recurseViaImport") (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const -1)) (then (drop (call $double (i32.const 0)))))
    (i32.add (call $recurseViaImport (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $depthViaImport (export "depthViaImport") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $double (i32.const 0)))
      (else (i32.add (call $depthViaImport (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "nest") (param i32) (result i32) (i32.add (call $reenter (local.get 0)) (call $depth (i32.const 10)))))`;

const FAST = ['i32', 'i64', 'f32', 'f64', 'mixed', 'multi', 'none', 'five', 'unreachable', 'div_s', 'trunc', 'load', 'store', 'size', 'recurse', 'depth'];
const SLOW = ['callsImport', 'callsTransitively', 'indirect', 'grows', 'fills', 'recurseViaImport', 'depthViaImport', 'nest'];

type Exports = Record<string, (...args: unknown[]) => unknown>;

/**
 * `reenter(n)` calls back into the same instance while its export `nest` is running: exports that
 * trap, overflow the stack and recurse n deep; it returns what it saw, so that both engines agree.
 */
function hostFor(exports: () => Exports) {
  return {
    host: {
      double: (x: number) => 2 * x,
      reenter: (n: number) => {
        const seen = [outcomeOf(() => exports().unreachable!()), outcomeOf(() => exports().recurse!(0)), outcomeOf(() => exports().div_s!(1, 0))];
        const code = seen.map(formatOutcome).join('|');
        const expected = 'WebAssembly.RuntimeError: unreachable|RangeError: Maximum call stack size exceeded|WebAssembly.RuntimeError: divide by zero';
        if (code !== expected) throw new Error(`nested calls: ${code}`);
        return (exports().depth!(n) as number) + (exports().i32!(n, 1) as number);
      },
    },
  };
}

let bytes: Uint8Array;
let v8: Exports;
let wasmjit: Exports;

beforeAll(async () => {
  bytes = await watToWasm(WAT, { filename: 'fast-calls.wat' });
  const v8Instance = (await WebAssembly.instantiate(new Uint8Array(bytes), hostFor(() => v8) as WebAssembly.Imports)).instance;
  v8 = v8Instance.exports as unknown as Exports;
  wasmjit = (await instantiate(bytes, hostFor(() => wasmjit))).instance.exports as unknown as Exports;
});

/** One line per call whose outcome in wasmjit differs from V8's. */
function mismatches(calls: readonly Call[]): string[] {
  return calls.flatMap(([name, args]) => {
    const expected = outcomeOf(() => v8[name]!(...args));
    const actual = outcomeOf(() => wasmjit[name]!(...args));
    return sameOutcome(expected, actual) ? [] : [`${formatCall(name, args)}: V8 → ${formatOutcome(expected)}, wasmjit → ${formatOutcome(actual)}`];
  });
}

test('fast calls are available exactly where this Node supports them', () => {
  const reason = fastCalls.available ? 'available' : fastCalls.reason;
  expect({ available: fastCalls.available, reason }).toMatchObject({ available: SUPPORTED });
});

describe('which route each Node takes', () => {
  const linux: FastCallHost = { platform: 'linux', arch: 'x64', v8: process.versions.v8, buildVariables: {}, setting: undefined };
  const route = (host: Partial<FastCallHost>): string => {
    const api = fastCallApi({ ...linux, ...host });
    return typeof api === 'string' ? `koffi: ${api}` : `Fast API of V8 for Node ${api.node}`;
  };
  const needs = 'they need V8 11.3 (Node 20), 12.4 (Node 22), 13.6 (Node 24)';

  test('this process runs one of the supported Node lines on the V8 fast-calls.ts expects of it', () => {
    const major = process.versions.node.split('.')[0]!;
    expect({ node: major, v8: process.versions.v8.split('.').slice(0, 2).join('.') }).toEqual({ node: major, v8: V8_OF_NODE[major] });
  });

  test('V8 11.3, 12.4 and 13.6 get the Fast API; any other V8, platform, 31-bit Smis or WASMJIT_FAST_CALLS=0 get koffi, with the reason', () => {
    expect({
      node20: route({ v8: '11.3.244.8-node.38' }),
      node22: route({ v8: '12.4.254.21-node.57' }),
      node24: route({ v8: '13.6.233.17-node.63' }),
      nextV8: route({ v8: '13.7.152.1-node.1' }),
      olderV8: route({ v8: '10.2.154.26-node.26' }),
      darwin: route({ platform: 'darwin', arch: 'arm64' }),
      pointerCompression: route({ v8: '13.6.233.17-node.63', buildVariables: { v8_enable_pointer_compression: 1 } }),
      disabled: route({ setting: '0' }),
    }).toEqual({
      node20: 'Fast API of V8 for Node 20',
      node22: 'Fast API of V8 for Node 22',
      node24: 'Fast API of V8 for Node 24',
      nextV8: `koffi: ${needs}, not V8 13.7.152.1-node.1`,
      olderV8: `koffi: ${needs}, not V8 10.2.154.26-node.26`,
      darwin: 'koffi: they need Linux x64, not darwin arm64',
      pointerCompression: 'koffi: this V8 is built with 31-bit Smis',
      disabled: 'koffi: disabled by WASMJIT_FAST_CALLS=0',
    });
  });

  describe.runIf(SUPPORTED)('on this V8', () => {
    const api = fastCallApi() as Exclude<ReturnType<typeof fastCallApi>, string>;

    test('a symbol the node executable does not export: koffi, naming it', () => {
      const missing = '_ZN2v86Object18NoSuchFunctionHereEv';
      expect(resolveV8Functions({ ...api, symbols: { ...api.symbols, objectSet: missing } })).toBe(`V8 does not export ${missing}`);
      expect(typeof resolveV8Functions(api)).toBe('object');
    });

    test('CFunctionInfo and CFunction as V8 builds them: the layout check passes for the known one and fails for any other', () => {
      const v8 = resolveV8Functions(api);
      if (typeof v8 === 'string') throw new Error(v8);
      const data = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
      try {
        expect(buildCFunction(api, v8, data, 0x1000n)).toBe(data + 32n);
        const shifted = { ...api, cFunctionInfo: { ...api.cFunctionInfo, argCount: api.cFunctionInfo.argCount + 1 } };
        expect(() => buildCFunction(shifted, v8, data, 0x1000n)).toThrow(`V8 ${process.versions.v8} laid out CFunctionInfo/CFunction differently from what wasmjit knows of it`);
        const swapped = { ...api, cFunction: { ...api.cFunction, address: api.cFunction.typeInfo, typeInfo: api.cFunction.address } };
        expect(() => buildCFunction(swapped, v8, data, 0x1000n)).toThrow('laid out CFunctionInfo/CFunction differently');
      } finally {
        munmap(data, PAGE_SIZE);
      }
    });
  });
});

describe('which exports take the fast path', () => {
  test('native-only exports do (when available); exports that may reach a host call never do', () => {
    const uses = (names: string[]) => Object.fromEntries(names.map((name) => [name, usesFastCalls(wasmjit[name])]));
    expect(uses(FAST)).toEqual(Object.fromEntries(FAST.map((name) => [name, SUPPORTED])));
    expect(uses(SLOW)).toEqual(Object.fromEntries(SLOW.map((name) => [name, false])));
  });

  test('nativeOnlyFunctions follows direct calls, through cycles, to imports, call_indirect and runtime calls', async () => {
    const ir = decodeModule(
      await watToWasm(`(module
        (import "m" "f" (func $import))
        (memory 1)
        (table 1 funcref)
        (func $leaf)
        (func $even (call $odd)) (func $odd (call $even) (call $leaf))
        (func $a (call $b)) (func $b (call $a) (call $import))
        (func $c (call $b))
        (func $indirect (call_indirect (i32.const 0)))
        (func $grow (drop (memory.grow (i32.const 0))))
        (func $copy (memory.copy (i32.const 0) (i32.const 0) (i32.const 0)))
        (func $tableGrow (drop (table.grow (ref.null func) (i32.const 0))))
        (func $native (drop (table.size)) (drop (memory.size)) (drop (ref.func $leaf)) (drop (i32.load (i32.const 0))))
        (elem declare func $leaf))`),
    );
    const expected = [false, true, true, true, false, false, false, false, false, false, false, true];
    expect(nativeOnlyFunctions(ir)).toEqual(expected);
    // A lazy module's walk from one function gives the same answers.
    expect(expected.map((_, index) => isNativeOnlyFunction(ir, index))).toEqual(expected);
  });

  test('every call to a fast-path export goes through the fast entry', () => {
    const before = fastEntryCounts();
    for (let i = 0; i < 10; i++) wasmjit.i32!(i, 1);
    wasmjit.callsImport!(1);
    expect(fastEntryCounts().entries - before.entries).toBe(SUPPORTED ? 10 : 0);
  });
});

describe('the same results and errors as V8', () => {
  test('i32, i64, f32 and f64 parameters and results; several results; 0 and 5 parameters', () => {
    const calls: Call[] = [
      ['i32', [5, 2]], ['i32', [-0x80000000, 1]], ['i32', [0x7fffffff, -1]], ['i32', [2.9, '7']], ['i32', [undefined, null]],
      ['i64', [1n, 0n]], ['i64', [-(2n ** 63n), 63n]], ['i64', [2n ** 64n + 5n, 1n]], ['i64', [5, 1n]],
      ['f32', [1, 3]], ['f32', [-0, 1]], ['f32', [1, 0]], ['f32', [NaN, 1]], ['f32', [1e40, 1]],
      ['f64', [2, 1]], ['f64', [-1, 0]], ['f64', [Infinity, -0]], ['f64', [0.5, NaN]],
      ['mixed', [-7, 2n ** 53n + 1n, 0.1, -2.5]],
      ['multi', [-(2n ** 40n) - 3n, 1.5]],
      ['none', []],
      ['five', [1, 2, 3, 4, 0x7fffffff]],
      ['size', []],
      ['store', [8, -2n]], ['load', [7]], ['load', [65535 - 8]],
      ['callsImport', [21]], ['callsTransitively', [4]], ['indirect', [-3]], ['fills', [7]], ['load', [0]],
    ];
    expect(firstLines(mismatches(calls))).toBe('');
  });

  test('traps: unreachable, division, conversion, out-of-bounds memory', () => {
    const calls: Call[] = [
      ['unreachable', []],
      ['div_s', [1, 0]], ['div_s', [-0x80000000, -1]], ['div_s', [7, -2]],
      ['trunc', [NaN]], ['trunc', [3e9]], ['trunc', [-2.5]],
      ['load', [65536 - 8]], ['load', [-1]], ['store', [65536 - 7, 1n]], ['store', [65536 - 8, 1n]],
      ['i32', [1, 2]],
    ];
    expect(firstLines(mismatches(calls))).toBe('');
  });

  test('unbounded recursion: the same RangeError on the fast path, through koffi and in V8; both keep working', () => {
    expect(firstLines(mismatches([['recurse', [0]], ['recurseViaImport', [0]], ['depth', [10_000]], ['depthViaImport', [10_000]]]))).toBe('');
    // Each path must have put the other's stack limit back: a wrong one traps at once or never.
    expect(firstLines(mismatches([['recurseViaImport', [0]], ['depth', [10_000]], ['recurse', [0]], ['depthViaImport', [10_000]]]))).toBe('');
  });

  test('a host function calling fast-path exports while a koffi entry runs (nesting), traps and overflow included', () => {
    expect(firstLines(mismatches([['nest', [5]], ['nest', [3000]], ['depth', [3]], ['depthViaImport', [3]]]))).toBe('');
  });
});

test('in a loop of 1e6 calls TurboFan calls the fast entry directly, not only the slow callback', () => {
  const f = wasmjit.i32!;
  const batch = (from: number): number => {
    let sum = 0;
    for (let i = from; i < from + 100_000; i++) sum = (sum + (f(i, 1) as number)) | 0;
    return sum;
  };
  const before = fastEntryCounts();
  let sum = 0;
  for (let from = 0; from < 1_000_000; from += 100_000) sum = (sum + batch(from)) | 0;
  const after = fastEntryCounts();
  let expected = 0;
  for (let i = 0; i < 1_000_000; i++) expected = (expected + ((Math.imul(i, 3) - 1) | 0)) | 0;
  expect(sum).toBe(expected);
  if (!SUPPORTED) return;
  expect(after.entries - before.entries).toBe(1_000_000);
  expect(after.slowCallbacks - before.slowCallbacks).toBeLessThan(500_000);
});

/**
 * Runs both engines side by side in a fresh node (from dist/), in its main thread or in a worker,
 * and reports whether fast calls were available there, which exports used them and every mismatch.
 */
const CHILD = `
  import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
  const [dist, wasmBase64, mode] = isMainThread ? process.argv.slice(1) : [workerData.dist, workerData.wasmBase64, 'main'];
  if (mode === 'worker') {
    const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(process.argv[4])), { workerData: { dist, wasmBase64 } });
    worker.on('message', (report) => process.stdout.write(report));
    worker.on('error', (error) => { console.error(error); process.exit(3); });
  } else {
    const { instantiate } = await import(dist + '/index.js');
    const { fastCalls, usesFastCalls } = await import(dist + '/runtime/fast-calls.js');
    const wasm = Buffer.from(wasmBase64, 'base64');
    const format = (v) => Array.isArray(v) ? '[' + v.map(format) + ']' : typeof v === 'bigint' ? v + 'n' : Object.is(v, -0) ? '-0' : String(v);
    const outcome = (run) => {
      try { return format(run()); }
      catch (e) { return (e instanceof WebAssembly.RuntimeError ? 'WebAssembly.' : '') + e.constructor.name + ': ' + e.message; }
    };
    const host = (exports) => ({ host: {
      double: (x) => 2 * x,
      reenter: (n) => [outcome(() => exports().unreachable()), outcome(() => exports().recurse(0))].join().length + exports().depth(n),
    } });
    let mine, theirs;
    mine = (await instantiate(wasm, host(() => mine))).instance.exports;
    theirs = (await WebAssembly.instantiate(wasm, host(() => theirs))).instance.exports;
    const calls = [['i32', [7, 1]], ['i64', [-5n, 3n]], ['f32', [1, 3]], ['f64', [2, 0.5]], ['multi', [9n, 0.25]], ['div_s', [1, 0]],
      ['load', [65535]], ['unreachable', []], ['recurse', [0]], ['recurseViaImport', [0]], ['depth', [1000]], ['nest', [100]],
      ['callsImport', [4]], ['grows', [1]], ['size', []]];
    const mismatches = calls.map(([name, args]) => [name, outcome(() => theirs[name](...args)), outcome(() => mine[name](...args))])
      .filter(([, expected, actual]) => expected !== actual).map((m) => m.join(' → '));
    let sum = 0;
    for (let i = 0; i < 200000; i++) sum = (sum + mine.i32(i, 1)) | 0;
    let expected = 0;
    for (let i = 0; i < 200000; i++) expected = (expected + ((Math.imul(i, 3) - 1) | 0)) | 0;
    if (sum !== expected) mismatches.push('loop sum ' + sum + ' instead of ' + expected);
    const fast = Object.keys(mine).filter((name) => usesFastCalls(mine[name]));
    // Called from JS recursing to its limit: below the fast calls' stack limit they go through koffi.
    const { fastEntryCounts } = await import(dist + '/runtime/state.js');
    const entriesBefore = fastEntryCounts().entries;
    let returned = 0, other = 0;
    const deep = () => {
      try { deep(); } catch {}
      try { if (mine.depth(50) === 50) returned++; else other++; } catch (e) { if (!(e instanceof RangeError)) other++; }
    };
    deep();
    const deepJs = { viaKoffi: returned > fastEntryCounts().entries - entriesBefore, other };
    const report = JSON.stringify({ available: fastCalls.available, reason: fastCalls.reason, fast, mismatches, deepJs });
    if (isMainThread) process.stdout.write(report); else parentPort.postMessage(report);
  }`;

interface ChildReport {
  available: boolean;
  reason?: string;
  fast: string[];
  mismatches: string[];
  deepJs: { viaKoffi: boolean; other: number };
}

function runChild(mode: 'main' | 'worker', env: NodeJS.ProcessEnv): ChildReport {
  const dist = new URL('../dist', import.meta.url).href;
  const args = ['--input-type=module', '-e', CHILD, dist, Buffer.from(bytes).toString('base64'), mode, CHILD];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (child.signal || child.status !== 0) throw new Error(`child ${child.signal ?? `exit ${child.status}`}: ${child.stderr}`);
  return JSON.parse(child.stdout) as ChildReport;
}

describe.runIf(process.platform === 'linux')('fresh processes (dist/)', () => {
  test('WASMJIT_FAST_CALLS=0: every call goes through koffi, with the same results', () => {
    const report = runChild('main', { WASMJIT_FAST_CALLS: '0' });
    expect(report).toEqual({ available: false, reason: 'disabled by WASMJIT_FAST_CALLS=0', fast: [], mismatches: [], deepJs: { viaKoffi: true, other: 0 } });
  });

  test('in a worker thread: registered for its own isolate, on its own (4 MiB) stack, with koffi below its limit', () => {
    const report = runChild('worker', { WASMJIT_FAST_CALLS: '' });
    const fast = SUPPORTED ? [...FAST].sort() : [];
    expect({ ...report, fast: report.fast.sort() }).toMatchObject({ available: SUPPORTED, fast, mismatches: [], deepJs: { viaKoffi: true, other: 0 } });
  });

  test('a garbage collection inside the registration (young generation full before each V8 call) runs on the thread’s stack, in the main thread and a worker', () => {
    // V8 13 (Node 24) aborts the process when it collects garbage off the thread's stack, as on koffi's.
    const script = `
      import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
      import { PerformanceObserver } from 'node:perf_hooks';
      const dist = isMainThread ? process.argv[1] : workerData;
      if (isMainThread) new Worker(new URL('data:text/javascript,' + encodeURIComponent(process.argv[2])), { workerData: dist }).on('message', (m) => console.log(m));
      const { registerFunctions, resolveSymbols, REGISTRATION_SYMBOLS } = await import(dist + '/runtime/v8-registration.js');
      let collections = 0;
      const observer = new PerformanceObserver((list) => { collections += list.getEntries().length; });
      observer.observe({ entryTypes: ['gc'] });
      const made = registerFunctions(resolveSymbols(REGISTRATION_SYMBOLS), Array.from({ length: 20 }, () => ({ callback: 1n, cFunction: 0n, length: 2 })),
        () => %SimulateNewspaceFull());
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      const report = (isMainThread ? 'main' : 'worker') + ' ' + (typeof made === 'string' ? made : made.map((f) => typeof f + f.length).join()) + ' ' + (collections >= 10);
      if (isMainThread) console.log(report); else parentPort.postMessage(report);`;
    const dist = new URL('../dist', import.meta.url).href;
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script, dist, script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
    const made = Array(20).fill('function2').join();
    expect(child.stdout.trim().split('\n').sort()).toEqual([`main ${made} true`, `worker ${made} true`]);
  });
});
