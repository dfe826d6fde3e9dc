// Bit-exact calls through a wasm wrapper, for values the JS API cannot carry:
// - v128: JS cannot pass or receive one (V8 throws TypeError when JS calls an export whose
//   signature has v128, and reading a v128 global's value throws too);
// - an f32 sNaN (f32 → f64 quietens it), and, from V8 12.4 on, an f64 sNaN that JS passes to an
//   export (wasmjit does the same: src/runtime/v8-conversions.ts).
// The wrapper, compiled and instantiated by the engine under test, imports the export (function
// "f", or global "g") and exports "run", which takes and returns only integer bit patterns: i32
// for i32/f32, i64 for i64/f64, two i64 (low, high) for a v128, put together with
// i64x2.replace_lane and taken apart with i64x2.extract_lane. One wrapper per export and
// signature, kept for the whole script.
import { CommandFailure, describeError, isUnsupported } from './errors.js';
import { exportedFunction, type ScriptSession } from './session.js';
import { argBits } from './values.js';
import type { Instance, WasmBytes } from './engine.js';
import type { SpecAction, SpecCommand, SpecValue } from './types.js';

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };
/** The integer types that carry a value's bit pattern across the JS boundary. */
const BITS_TYPES: Record<string, ('i32' | 'i64')[]> = {
  i32: ['i32'], i64: ['i64'], f32: ['i32'], f64: ['i64'], v128: ['i64', 'i64'],
};
const WRAPPABLE_TYPES = new Set(Object.keys(BITS_TYPES));

const OP = { call: 0x10, localGet: 0x20, localSet: 0x21, globalGet: 0x23, end: 0x0b, simd: 0xfd };
const SIMD = { v128Const: 0x0c, i64x2ExtractLane: 0x1d, i64x2ReplaceLane: 0x1e };
const REINTERPRET_TO_BITS: Record<string, number> = { f32: 0xbc, f64: 0xbd }; // i32/i64.reinterpret_f32/f64
const REINTERPRET_FROM_BITS: Record<string, number> = { f32: 0xbe, f64: 0xbf }; // f32/f64.reinterpret_i32/i64
const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 };
const IMPORT_KIND = { func: 0x00, global: 0x03 };

function isF32SignalingNaN(bits: number): boolean {
  return (bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0 && (bits & 0x400000) === 0;
}

function isF64SignalingNaN(bits: bigint): boolean {
  const exponent = 0x7ff0000000000000n;
  return (bits & exponent) === exponent && (bits & 0xfffffffffffffn) !== 0n && (bits & 0x8000000000000n) === 0n;
}

/** An exact bit pattern (not a nan:canonical/arithmetic pattern) that is a signalling NaN of `type`. */
function isSignalingNaN(v: SpecValue, type: 'f32' | 'f64'): boolean {
  if (v.type !== type || typeof v.value !== 'string' || !/^\d+$/.test(v.value)) return false;
  return type === 'f32' ? isF32SignalingNaN(Number(v.value)) : isF64SignalingNaN(BigInt(v.value));
}

/** The result types of a command's action: `expected` (or the `either` alternatives) give them. */
export function resultTypesOf(cmd: SpecCommand): string[] {
  return (cmd.expected ?? (cmd.either ? [cmd.either[0]] : [])).map((v) => v.type);
}

/**
 * Must this command's action go through the wrapper? When a v128 is an argument or a result, or
 * (assert_return) an f32 sNaN is anywhere or an f64 sNaN is an argument; and only when every value
 * is numeric or v128, which is what the wrapper can carry.
 */
export function needsWrapper(cmd: SpecCommand): boolean {
  const a = cmd.action;
  if (!a) return false;
  const args = a.type === 'invoke' ? (a.args ?? []) : [];
  const results = [...(cmd.expected ?? []), ...(cmd.either ?? [])];
  const all = [...args, ...results];
  if (!all.every((v) => WRAPPABLE_TYPES.has(v.type))) return false;
  if (all.some((v) => v.type === 'v128')) return true;
  return cmd.type === 'assert_return' && a.type === 'invoke'
    && (all.some((v) => isSignalingNaN(v, 'f32')) || args.some((v) => isSignalingNaN(v, 'f64')));
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const funcType = (params: string[], results: string[]): number[] =>
  [0x60, ...vec(params.map((t) => [VALTYPE[t]])), ...vec(results.map((t) => [VALTYPE[t]]))];
const bitsTypes = (types: string[]): string[] => types.flatMap((t) => BITS_TYPES[t]);

/** Rebuilds a value of `type` from the bit-pattern locals starting at `local`. */
function fromBits(type: string, local: number): number[] {
  if (type !== 'v128') return [OP.localGet, ...uleb(local), ...(type in REINTERPRET_FROM_BITS ? [REINTERPRET_FROM_BITS[type]] : [])];
  return [
    OP.simd, SIMD.v128Const, ...new Array<number>(16).fill(0),
    OP.localGet, ...uleb(local), OP.simd, SIMD.i64x2ReplaceLane, 0,
    OP.localGet, ...uleb(local + 1), OP.simd, SIMD.i64x2ReplaceLane, 1,
  ];
}

/** Pushes the bit patterns of the value of `type` held in local `local`. */
function toBits(type: string, local: number): number[] {
  if (type !== 'v128') return [OP.localGet, ...uleb(local), ...(type in REINTERPRET_TO_BITS ? [REINTERPRET_TO_BITS[type]] : [])];
  return [0, 1].flatMap((lane) => [OP.localGet, ...uleb(local), OP.simd, SIMD.i64x2ExtractLane, lane]);
}

/** What the wrapper imports: the function under test, or a global to read. */
type Target =
  | { kind: 'func'; params: string[]; results: string[] }
  | { kind: 'global'; type: string; mutable: boolean };

/** The wrapper module: imports the target as "" "f" / "" "g", exports "run" taking and returning bit patterns. */
function wrapperModule(target: Target): WasmBytes {
  const params = target.kind === 'func' ? target.params : [];
  const results = target.kind === 'func' ? target.results : [target.type];
  const paramLocals: number[] = [];
  for (let i = 0, local = 0; i < params.length; local += BITS_TYPES[params[i]].length, i++) paramLocals.push(local);
  const firstResultLocal = bitsTypes(params).length;
  const body = [
    ...vec(results.map((t) => [1, VALTYPE[t]])), // one local per result, to take them off the stack in order
    ...params.flatMap((t, i) => fromBits(t, paramLocals[i])),
    ...(target.kind === 'func' ? [OP.call, 0] : [OP.globalGet, 0]),
    ...results.map((_, i) => [OP.localSet, ...uleb(firstResultLocal + results.length - 1 - i)]).flat(),
    ...results.flatMap((t, i) => toBits(t, firstResultLocal + i)),
    OP.end,
  ];
  const types = [funcType(bitsTypes(params), bitsTypes(results))];
  if (target.kind === 'func') types.push(funcType(target.params, target.results));
  const imported = target.kind === 'func'
    ? [...name('f'), IMPORT_KIND.func, ...uleb(1)]
    : [...name('g'), IMPORT_KIND.global, VALTYPE[target.type], target.mutable ? 1 : 0];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(SECTION.type, vec(types)),
    ...section(SECTION.import, vec([[...name(''), ...imported]])),
    ...section(SECTION.function, vec([[0]])),
    ...section(SECTION.export, vec([[...name('run'), 0x00, ...uleb(target.kind === 'func' ? 1 : 0)]])),
    ...section(SECTION.code, vec([[...uleb(body.length), ...body]])),
  ]);
}

async function instantiateWrapper(session: ScriptSession, targets: Target[], imported: Record<string, unknown>): Promise<Instance> {
  let error: unknown;
  for (const target of targets) {
    try {
      return await session.instantiate(wrapperModule(target), { '': imported });
    } catch (e) {
      error ??= e;
    }
  }
  throw new CommandFailure(
    `cannot instantiate the wrapper module that carries v128 values and signalling NaNs (it imports the export): ${describeError(error)}`,
    isUnsupported(error));
}

/** The wrapper for this action's export and types, made on first use and kept for the script. */
function wrapperFor(session: ScriptSession, action: SpecAction, resultTypes: string[]): Promise<Instance> {
  const instance = session.instanceFor(action.module, `run "${action.field}" on`);
  if (action.type === 'invoke') {
    const fn = exportedFunction(instance, action.field);
    const params = (action.args ?? []).map((a) => a.type);
    return session.cachedWrapper(fn, `${params}->${resultTypes}`, () =>
      instantiateWrapper(session, [{ kind: 'func', params, results: resultTypes }], { f: fn }));
  }
  if (!(action.field in instance.exports)) throw new Error(`no export "${action.field}"`);
  const global = instance.exports[action.field] as object;
  const [type] = resultTypes;
  // The import must match the global's mutability, which the JS API does not tell: try both.
  return session.cachedWrapper(global, type, () =>
    instantiateWrapper(session, [false, true].map((mutable) => ({ kind: 'global', type, mutable })), { g: global }));
}

/** Splits the wrapper's results (bit patterns, v128 as two i64) back into one bigint per result. */
function joinBits(out: unknown, resultTypes: string[]): bigint[] {
  const count = bitsTypes(resultTypes).length;
  const parts = count === 1 ? [out] : count === 0 ? [] : out;
  if (!Array.isArray(parts) || parts.length !== count) throw new Error(`the wrapper returned ${String(out)}, not ${count} values`);
  let next = 0;
  const take = (t: 'i32' | 'i64'): bigint => BigInt.asUintN(t === 'i32' ? 32 : 64, BigInt(parts[next++] as number | bigint));
  return resultTypes.map((t) => BITS_TYPES[t].reduce((bits, part, i) => bits | (take(part) << BigInt(64 * i)), 0n));
}

/** Runs the action through its wrapper: the results' bit patterns (a v128 as one 128-bit bigint). */
export async function performWrapped(session: ScriptSession, action: SpecAction, resultTypes: string[]): Promise<bigint[]> {
  const wrapper = await wrapperFor(session, action, resultTypes);
  const args = action.type === 'invoke' ? (action.args ?? []).flatMap(argBits) : [];
  return joinBits(exportedFunction(wrapper, 'run')(...args), resultTypes);
}
