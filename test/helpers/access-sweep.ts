// The access sweep of test/guard-*.test.ts, for the mode the test file has chosen: every scalar and
// SIMD access form at static offsets near and far, at dynamic and constant addresses around the end
// of memory and far beyond it, compared with V8 (result or trap, and the whole memory after every
// store); again after memory.grow; through an imported memory; from a lazily compiled module; from
// wasm called by a host function called by wasm.
import { describe, expect, it } from 'vitest';
import { compile, instantiate, loadDisassembler, Memory, watToWasm } from '../../src/index.js';
import { detectCpuFeatures } from '../../src/runtime/cpu.js';
import { boundsChecks } from '../../src/runtime/signal-handler.js';
import type { BoundsChecks } from '../../src/runtime/signal-handler.js';
import { asyncOutcomeOf, firstLines, formatOutcome, instantiateInV8, outcomeOf, sameOutcome } from './differential.js';

const PAGE = 65536;
const U32 = 2 ** 32;

/** One access form: its instruction text, bytes touched, and how a function around it looks. */
interface Form {
  name: string;
  bytes: number;
  store: boolean;
  /** `(result …)` of a load, `(param …)` of a store's value. */
  type: string;
  /** The instruction with its memarg, `address` and (stores) the value. */
  body(memarg: string, address: string): string;
}

const scalar = (name: string, bytes: number): Form => {
  const type = name.slice(0, 3);
  const store = name.includes('.store');
  return { name, bytes, store, type, body: (memarg, address) => (store ? `(${name} ${memarg} ${address} (local.get 1))` : `(${name} ${memarg} ${address})`) };
};

const VECTOR = '(v128.const i64x2 0x0102030405060708 0x1112131415161718)';
/** v128 results cross to JS as two i64 lanes. */
const lanes = (v128: string): string => `(local.set $v ${v128}) (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))`;
const simdLoad = (name: string, bytes: number, lane?: number): Form => ({
  name: lane === undefined ? name : `${name} lane ${lane}`, bytes, store: false, type: 'v128',
  body: (memarg, address) => lanes(lane === undefined ? `(${name} ${memarg} ${address})` : `(${name} ${memarg} ${lane} ${address} ${VECTOR})`),
});
const simdStore = (name: string, bytes: number, lane?: number): Form => ({
  name: lane === undefined ? name : `${name} lane ${lane}`, bytes, store: true, type: 'v128',
  body: (memarg, address) => (lane === undefined ? `(${name} ${memarg} ${address} ${VECTOR})` : `(${name} ${memarg} ${lane} ${address} ${VECTOR})`),
});

const FORMS: readonly Form[] = [
  ...([
    ['i32.load', 4], ['i64.load', 8], ['f32.load', 4], ['f64.load', 8],
    ['i32.load8_s', 1], ['i32.load8_u', 1], ['i32.load16_s', 2], ['i32.load16_u', 2],
    ['i64.load8_s', 1], ['i64.load8_u', 1], ['i64.load16_s', 2], ['i64.load16_u', 2], ['i64.load32_s', 4], ['i64.load32_u', 4],
    ['i32.store', 4], ['i64.store', 8], ['f32.store', 4], ['f64.store', 8],
    ['i32.store8', 1], ['i32.store16', 2], ['i64.store8', 1], ['i64.store16', 2], ['i64.store32', 4],
  ] as const).map(([name, bytes]) => scalar(name, bytes)),
  simdLoad('v128.load', 16), simdStore('v128.store', 16),
  ...['v128.load8x8_s', 'v128.load8x8_u', 'v128.load16x4_s', 'v128.load16x4_u', 'v128.load32x2_s', 'v128.load32x2_u'].map((name) => simdLoad(name, 8)),
  ...[8, 16, 32, 64].map((bits) => simdLoad(`v128.load${bits}_splat`, bits / 8)),
  ...[32, 64].map((bits) => simdLoad(`v128.load${bits}_zero`, bits / 8)),
  ...[8, 16, 32, 64].flatMap((bits) => [simdLoad(`v128.load${bits}_lane`, bits / 8, 1), simdStore(`v128.store${bits}_lane`, bits / 8, 0), simdStore(`v128.store${bits}_lane`, bits / 8, 1)]),
];

/** Static offsets: none, small, around a page, past a signed disp32, and the largest. */
const OFFSETS = [0, 1, 7, 0xfff0, PAGE, 0x7fff_fff0, 0x8000_0000, 0xffff_fff0, 0xffff_ffff];

const params = (form: Form): string => (form.store && form.type !== 'v128' ? `(param i32 ${form.type})` : '(param i32)');
const results = (form: Form): string => (form.store ? '' : form.type === 'v128' ? '(result i64 i64) (local $v v128)' : `(result ${form.type})`);
/** Float values cross as numbers, so f32/f64 loads of NaN bits would compare by value; the memory is filled with bytes that make none. */
const fnName = (form: Form, offset: number, constant?: number): string => `${form.name} offset=${offset}${constant === undefined ? '' : ` at ${constant}`}`;
/** The same access at an address a 32-bit instruction computed: it indexes memory from its own register. */
const computedName = (form: Form, offset: number): string => `${fnName(form, offset)} computed`;
const COMPUTED_ADDRESS = '(i32.or (local.get 0) (local.get 0))';

function sweepModule(forms: readonly Form[], constants: readonly number[], memory: string): string {
  const funcs = forms.flatMap((form) => OFFSETS.flatMap((offset) => {
    const memarg = `offset=${offset}`;
    const dynamic = `(func (export "${fnName(form, offset)}") ${params(form)} ${results(form)} ${form.body(memarg, '(local.get 0)')})`;
    const computed = `(func (export "${computedName(form, offset)}") ${params(form)} ${results(form)} ${form.body(memarg, COMPUTED_ADDRESS)})`;
    const fixed = constants.map((address) => `(func (export "${fnName(form, offset, address)}") ${params(form)} ${results(form)} ${form.body(memarg, `(i32.const ${address | 0})`)})`);
    return [dynamic, computed, ...fixed];
  }));
  return `(module ${memory}
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    ${funcs.join('\n')})`;
}

/** Addresses around `size` (the memory's end) for an access of `bytes` at `offset`, and far ones. */
function addressesFor(size: number, bytes: number, offset: number): number[] {
  const end = size - offset;
  const around = [end - bytes - 1, end - bytes, end - bytes + 1, end - 1, end, end + 1].filter((a) => a >= 0 && a < U32);
  return [...new Set([0, 1, ...around, 2 ** 31, U32 - bytes, U32 - 1])];
}

const storeValue = (form: Form): unknown => (form.type === 'i64' ? 0x0102030405060708n : form.type === 'f32' || form.type === 'f64' ? 1.5 : 0x01020304);

interface Pair {
  wasmjit: Record<string, unknown>;
  v8: Record<string, unknown>;
}

function compareCall(pair: Pair, name: string, args: unknown[], mismatches: string[], memoryOf: (exports: Record<string, unknown>) => Uint8Array): void {
  const call = (exports: Record<string, unknown>) => outcomeOf(() => (exports[name] as (...a: unknown[]) => unknown)(...args));
  const ours = call(pair.wasmjit);
  const theirs = call(pair.v8);
  if (!sameOutcome(ours, theirs)) mismatches.push(`${name}(${args.join(', ')}): wasmjit ${formatOutcome(ours)}, V8 ${formatOutcome(theirs)}`);
  else if (Buffer.compare(memoryOf(pair.wasmjit), memoryOf(pair.v8)) !== 0) mismatches.push(`${name}(${args.join(', ')}): the memories differ afterwards`);
}

const exportedMemory = (exports: Record<string, unknown>): Uint8Array => new Uint8Array((exports.memory as WebAssembly.Memory).buffer);

/** Runs every form at every offset and address around the memory's end, then grows and does it again. */
async function sweep(pair: Pair, constants: readonly number[], memoryOf = exportedMemory): Promise<string[]> {
  const mismatches: string[] = [];
  const fill = (exports: Record<string, unknown>) => memoryOf(exports).forEach((_, i, bytes) => (bytes[i] = (i * 7 + 3) & 0x3f));
  for (let round = 0; round < 2; round++) {
    fill(pair.wasmjit);
    fill(pair.v8);
    const size = memoryOf(pair.v8).length;
    for (const form of FORMS) {
      for (const offset of OFFSETS) {
        const extra = form.store && form.type !== 'v128' ? [storeValue(form)] : [];
        for (const address of addressesFor(size, form.bytes, offset)) {
          compareCall(pair, fnName(form, offset), [address | 0, ...extra], mismatches, memoryOf);
          compareCall(pair, computedName(form, offset), [address | 0, ...extra], mismatches, memoryOf);
        }
        for (const address of constants) compareCall(pair, fnName(form, offset, address), [0, ...extra], mismatches, memoryOf);
      }
    }
    compareCall(pair, 'grow', [1], mismatches, memoryOf);
  }
  return mismatches;
}

/** Constant addresses: inside, at the end of one and two pages, far out. */
const CONSTANTS = [0, PAGE - 8, PAGE, 2 * PAGE - 4, 0x7fff_fff0, -16, -1];

/** The tests of one mode, which the calling test file has chosen (WASMJIT_BOUNDS_CHECKS, set before wasmjit decides). */
export function describeAccessSweep(mode: BoundsChecks): void {
  describe(`${mode} bounds checks`, () => {
    it('are what this process uses; only explicit ones are in the code', async () => {
      expect(boundsChecks()).toBe(mode);
      expect(detectCpuFeatures().guardRegions).toBe(mode === 'guard');
      const module = await compile(await watToWasm(`(module (memory 1)
        (func (export "f") (param i64) (result i32) (i32.load offset=8 (i32.wrap_i64 (local.get 0))))
        (func (export "param") (param i32) (result i32) (i32.load offset=8 (local.get 0)))
        (func (export "computed") (param i32) (result i32) (i32.load offset=8 ${COMPUTED_ADDRESS})))`));
      await loadDisassembler();
      const listing = module.disassemble('f');
      // A wrapped i64's upper half is unknown: it goes through eax. An xor's result and an i32
      // local's register (a parameter here) index as they are.
      expect(listing).toMatch(/mov\s+\w+, dword ptr \[r14 \+ rax \+ 8\]/);
      expect(listing).toMatch(/mov\s+eax, \w+/);
      expect(module.disassemble('param')).toMatch(/mov\s+\w+, dword ptr \[r14 \+ (rbx|r1[0-5]) \+ 8\]/);
      expect(module.disassemble('computed')).toMatch(/mov\s+\w+, dword ptr \[r14 \+ (rsi|rdi|r8|r9) \+ 8\]/);
      // The explicit check compares the access's end with the memory size in the context.
      if (mode === 'guard') expect(listing).not.toMatch(/\[r15 \+ 8\]/);
      else expect(listing).toMatch(/cmp\s+rdx, qword ptr \[r15 \+ 8\]/);
    });

    it('every access form, every offset, addresses near and far, before and after memory.grow: as V8', async () => {
      const bytes = await watToWasm(sweepModule(FORMS, CONSTANTS, '(memory (export "memory") 1 3)'));
      const pair = { wasmjit: (await instantiate(bytes)).instance.exports as Record<string, unknown>, v8: (await instantiateInV8(bytes)).exports };
      const mismatches = await sweep(pair, CONSTANTS);
      expect(mismatches, firstLines(mismatches)).toEqual([]);
    });

    it('through an imported memory, compiled lazily', async () => {
      const forms = FORMS.filter((_, i) => i % 5 === 0);
      const bytes = await watToWasm(sweepModule(forms, [PAGE], '(import "env" "memory" (memory 1 3))'));
      const ourMemory = new Memory({ initial: 1, maximum: 3 });
      const v8Memory = new WebAssembly.Memory({ initial: 1, maximum: 3 });
      const module = await compile(bytes, { lazy: true });
      const ours = (await instantiate(module, { env: { memory: ourMemory } })).exports as Record<string, unknown>;
      const theirs = (await WebAssembly.instantiate(new Uint8Array(bytes), { env: { memory: v8Memory } })).instance.exports as Record<string, unknown>;
      const memoryOf = (exports: Record<string, unknown>) => new Uint8Array((exports === ours ? ourMemory : v8Memory).buffer);
      const mismatches: string[] = [];
      for (const form of forms) {
        const extra = form.store && form.type !== 'v128' ? [storeValue(form)] : [];
        for (const offset of OFFSETS) {
          for (const address of addressesFor(PAGE, form.bytes, offset)) compareCall({ wasmjit: ours, v8: theirs }, fnName(form, offset), [address | 0, ...extra], mismatches, memoryOf);
        }
      }
      // The JS API's grow commits the next page on both.
      ourMemory.grow(1);
      v8Memory.grow(1);
      for (const address of [PAGE, 2 * PAGE - 4, 2 * PAGE - 3, 2 * PAGE]) compareCall({ wasmjit: ours, v8: theirs }, fnName(scalar('i32.load', 4), 0), [address], mismatches, memoryOf);
      expect(mismatches, firstLines(mismatches)).toEqual([]);
      expect(module.lazy?.compiledFunctions).toBeGreaterThan(0);
    });

    it('a trap in wasm called by a host function called by wasm: caught by the host, or reaching the outer caller', async () => {
      const inner = await watToWasm(`(module (memory 1)
        (func (export "oob") (param i32) (result i32) (i32.load (local.get 0))))`);
      const outer = await watToWasm(`(module (import "env" "host" (func $host (param i32) (result i32))) (memory 1)
        (func (export "f") (param i32) (result i32) (i32.add (call $host (local.get 0)) (i32.load (i32.const 8)))))`);
      const results = [];
      for (const engine of ['wasmjit', 'v8'] as const) {
        const load = async (bytes: Uint8Array, imports = {}) => (engine === 'wasmjit' ? (await instantiate(bytes, imports)).instance.exports : (await WebAssembly.instantiate(new Uint8Array(bytes), imports)).instance.exports) as Record<string, (x: number) => number>;
        const { oob } = await load(inner);
        const catching = await load(outer, { env: { host: (x: number) => { try { return oob(x); } catch (error) { return String(error).length; } } } });
        const passing = await load(outer, { env: { host: (x: number) => oob(x) } });
        results.push([
          ...[0, PAGE - 4, PAGE - 3, -1].map((x) => formatOutcome(outcomeOf(() => catching.f!(x)))),
          ...[0, PAGE, -1].map((x) => formatOutcome(outcomeOf(() => passing.f!(x)))),
          // The instance works after the trap.
          formatOutcome(await asyncOutcomeOf(async () => passing.f!(4))),
        ]);
      }
      expect(results[0]).toEqual(results[1]);
      expect(results[0]!.filter((outcome) => outcome.includes('memory access out of bounds'))).toHaveLength(2);
    });
  });
}
