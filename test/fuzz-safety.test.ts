// The native safety properties the fuzzer checks on every module, tested head-on: W^X (and that the
// check itself sees a writable+executable page), loads, stores and bulk operations at and past the
// end of memory trap as in V8 without touching the canary pages around the memory, and running out
// of native stack (deep recursion, big frames, indirect calls, host re-entry) ends in a RangeError.
import koffi from 'koffi';
import { describe, expect, test } from 'vitest';
import { compile, instantiate, Memory, watToWasm } from '../src/index.js';
import { runModule } from '../src/fuzz/runner.js';
import type { CallSpec } from '../src/fuzz/runner.js';
import { checkWriteXorExecute, MemoryCanaries } from '../src/fuzz/safety.js';
import { generateTypedModule } from '../src/fuzz/typed-generator.js';
import { unsupportedSimd } from '../src/fuzz/simd-instructions.js';
import { encodeModule } from '../src/fuzz/typed-module.js';

const LOADS = [
  ['i32.load', 'i32'], ['i64.load', 'i64'], ['f32.load', 'f32'], ['f64.load', 'f64'], ['i32.load8_s', 'i32'], ['i32.load8_u', 'i32'],
  ['i32.load16_s', 'i32'], ['i32.load16_u', 'i32'], ['i64.load8_s', 'i64'], ['i64.load8_u', 'i64'], ['i64.load16_s', 'i64'],
  ['i64.load16_u', 'i64'], ['i64.load32_s', 'i64'], ['i64.load32_u', 'i64'],
] as const;
const STORES = [
  ['i32.store', 'i32'], ['i64.store', 'i64'], ['f32.store', 'f32'], ['f64.store', 'f64'], ['i32.store8', 'i32'], ['i32.store16', 'i32'],
  ['i64.store8', 'i64'], ['i64.store16', 'i64'], ['i64.store32', 'i64'],
] as const;
const OFFSETS = [0, 1, 7, 65535, 65536, 0x7fffffff, 0xfffffff0, 0xffffffff];
/** Addresses around the end of memory (`end` bytes), and the ones that wrap or sign-extend wrongly. */
const addresses = (end: number) => [0, 1, end - 9, end - 8, end - 5, end - 4, end - 3, end - 2, end - 1, end, end + 1, 0x7fffffff, -0x80000000, -8, -1];

function boundsModule(memory: string): string {
  const funcs: string[] = [];
  for (const offset of OFFSETS) {
    for (const [op, type] of LOADS) funcs.push(`(func (export "${op} ${offset}") (param i32) (result ${type}) (${op} offset=${offset} (local.get 0)))`);
    for (const [op, type] of STORES) funcs.push(`(func (export "${op} ${offset}") (param i32) (${op} offset=${offset} (local.get 0) (${type}.const -1)))`);
  }
  funcs.push('(func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0xab) (local.get 1)))');
  funcs.push('(func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))');
  funcs.push('(func (export "init") (param i32 i32 i32) (memory.init 0 (local.get 0) (local.get 1) (local.get 2)))');
  funcs.push('(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))');
  return `(module (memory ${memory}) ${funcs.join('\n')} (data "0123456789abcdef"))`;
}

function boundsCalls(end: number): CallSpec[] {
  const calls: CallSpec[] = [];
  for (const offset of OFFSETS) {
    for (const [op] of [...LOADS, ...STORES]) for (const a of addresses(end)) calls.push({ export: `${op} ${offset}`, args: [`i32:${a}`] });
  }
  for (const [d, n] of [[end - 1, 1], [end - 1, 2], [end, 0], [end + 1, 0], [0, end + 1], [-1, 1], [end - 16, 0x7fffffff]]) calls.push({ export: 'fill', args: [`i32:${d}`, `i32:${n}`] });
  for (const [d, s, n] of [[end - 4, 0, 4], [end - 4, 0, 5], [0, end - 4, 5], [end, end, 0], [end + 1, 0, 0], [-1, 0, 1], [0, 1, end]]) calls.push({ export: 'copy', args: [`i32:${d}`, `i32:${s}`, `i32:${n}`] });
  for (const [d, s, n] of [[end - 4, 0, 4], [end - 4, 0, 5], [0, 12, 5], [end, 16, 0], [end + 1, 0, 0], [-1, 0, 1]]) calls.push({ export: 'init', args: [`i32:${d}`, `i32:${s}`, `i32:${n}`] });
  return calls;
}

describe('memory accesses stay inside linear memory', () => {
  // Memories whose reservation ends at their size (a maximum equal to the minimum), that can grow, and empty ones.
  test.each([['1 1', 65536], ['1', 65536], ['2 3', 131072], ['0 0', 0], ['0', 0]])('memory %s: every access at and past the end traps as in V8', async (memory, end) => {
    const bytes = await watToWasm(boundsModule(memory));
    const report = await runModule({ bytes, calls: boundsCalls(end), beforeCall: 'fuel', checkSafety: true });
    expect(report.mismatch, JSON.stringify(report.mismatch)).toBeUndefined();
    expect(report.calls).toBe(boundsCalls(end).length);
    // Grown memory: the same accesses at the old end now succeed, at the new end trap.
    if (memory !== '1 1' && memory !== '0 0') {
      const grown = await runModule({ bytes, calls: [{ export: 'grow', args: ['i32:1'] }, ...boundsCalls(end + 65536)], beforeCall: 'fuel', checkSafety: true });
      expect(grown.mismatch, JSON.stringify(grown.mismatch)).toBeUndefined();
    }
  });
});

describe('the safety checks themselves', () => {
  const libc = koffi.load('libc.so.6');
  const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
  const munmap = libc.func('int munmap(void *addr, size_t length)');

  test('W^X holds for compiled code and memory, and a writable+executable page is reported', async () => {
    // Twenty modules wasmjit compiles (it refuses those with a SIMD instruction it does not compile yet).
    for (let seed = 0, compiled = 0; compiled < 20; seed++) {
      const module = await compile(encodeModule(generateTypedModule(seed))).catch((error: unknown) => {
        if (error instanceof WebAssembly.CompileError && unsupportedSimd(error.message)) return undefined;
        throw error;
      });
      if (!module) continue;
      compiled++;
      expect(checkWriteXorExecute({ code: [{ address: module.code.address, size: module.code.size }], data: [] })).toEqual([]);
      module.dispose();
    }
    const rwx = BigInt(mmap(null, 4096, 7, 0x22, -1, 0) as bigint);
    try {
      expect(checkWriteXorExecute({ code: [{ address: rwx, size: 4096 }], data: [{ address: rwx, size: 4096, what: 'test page' }] }).length).toBeGreaterThan(0);
    } finally {
      munmap(rwx, 4096);
    }
  });

  test('a write into a canary page is reported', () => {
    const memory = new Memory({ initial: 1, maximum: 1 });
    const canaries = new MemoryCanaries(memory.address, 65536);
    try {
      expect(canaries.damaged()).toEqual([]);
      if (canaries.placed === 0) return;
      // Below or above, beyond the guard pages: a byte into each canary that was placed.
      for (const at of canaries.addresses) new Uint8Array(koffi.view(at, 1) as ArrayBuffer)[0] = 0;
      expect(canaries.damaged().length).toBeGreaterThan(0);
    } finally {
      canaries.remove();
    }
  });
});

describe('the native stack limit holds', () => {
  const recursive = `(module
    (type $t (func (param i32) (result i32)))
    (table 1 funcref) (elem (i32.const 0) $indirect)
    (func $plain (export "plain") (param i32) (result i32) (call $plain (i32.add (local.get 0) (i32.const 1))))
    (func $big (export "big frames") (param i32) (result i32) (local ${'i64 '.repeat(2000)})
      (local.set 100 (i64.extend_i32_u (local.get 0)))
      (i32.add (call $big (i32.add (local.get 0) (i32.const 1))) (i32.wrap_i64 (local.get 100))))
    (func $indirect (export "indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
    (func $many (export "many operands") (param i32) (result i32)
      (i32.add (i32.add (local.get 0) (i32.const 1)) (i32.add (i32.const 2) (i32.add (i32.const 3) (call $many (local.get 0)))))))`;

  test.each(['plain', 'big frames', 'indirect', 'many operands'])('%s recursion ends in RangeError in both engines', async (name) => {
    const bytes = await watToWasm(recursive);
    const report = await runModule({ bytes, calls: [{ export: name, args: ['i32:0'] }, { export: name, args: ['i32:5'] }], beforeCall: 'fuel', checkSafety: true });
    expect(report.mismatch, JSON.stringify(report.mismatch)).toBeUndefined();
    expect(report.hostLimited).toBe(true);
  });

  test('recursion through a host import ends in RangeError, and the instance still works', async () => {
    const bytes = await watToWasm(`(module (import "env" "again" (func $again (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (call $again (i32.add (local.get 0) (i32.const 1))))
      (func (export "ok") (result i32) (i32.const 42)))`);
    const exportsHolder: { f?: (n: number) => number } = {};
    const { instance } = await instantiate(bytes, { env: { again: (n: number) => exportsHolder.f!(n) } });
    exportsHolder.f = instance.exports.f as (n: number) => number;
    expect(() => exportsHolder.f!(0)).toThrow(RangeError);
    expect((instance.exports.ok as () => number)()).toBe(42);
    instance.dispose();
  });
});
