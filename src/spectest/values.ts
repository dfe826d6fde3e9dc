// Spec values ⇄ JS values: decoding arguments from their bit patterns, checking results by bit
// pattern (including nan:canonical / nan:arithmetic), and formatting both for failure messages.
import { Skip } from './errors.js';
import type { SpecValue } from './types.js';

const scratch = new DataView(new ArrayBuffer(8));
const f32FromBits = (bits: number): number => (scratch.setUint32(0, bits >>> 0, true), scratch.getFloat32(0, true));
const f64FromBits = (bits: bigint): number => (scratch.setBigUint64(0, bits, true), scratch.getFloat64(0, true));
const f32Bits = (x: number): number => (scratch.setFloat32(0, x, true), scratch.getUint32(0, true));
const f64Bits = (x: number): bigint => (scratch.setFloat64(0, x, true), scratch.getBigUint64(0, true));

export const NUMERIC_TYPES = new Set(['i32', 'i64', 'f32', 'f64']);

/** The `value` string of a scalar spec value (v128 values hold a lane list instead). */
export function scalar(v: SpecValue): string {
  if (typeof v.value !== 'string') throw new Skip(`${v.type} value ${JSON.stringify(v.value)}`);
  return v.value;
}

// One host object per externref number, so identity survives a round trip through wasm.
const externrefs = new Map<string, object>();
function externref(n: string): object {
  let ref = externrefs.get(n);
  if (!ref) externrefs.set(n, (ref = { externref: n }));
  return ref;
}

/** A command argument as the JS API takes it; floats are rebuilt from their bit patterns. */
export function decodeArg(a: SpecValue): unknown {
  switch (a.type) {
    case 'i32': return Number(scalar(a)) | 0;
    case 'i64': return BigInt.asIntN(64, BigInt(scalar(a)));
    case 'f32': return f32FromBits(Number(scalar(a)));
    case 'f64': return f64FromBits(BigInt(scalar(a)));
    case 'externref': return a.value === 'null' ? null : externref(scalar(a));
    case 'funcref':
      if (a.value === 'null') return null;
      throw new Skip(`non-null ${a.type} argument`);
    default: throw new Skip(`argument type ${a.type}`);
  }
}

/** Lane width in bits of each v128 lane type. */
const LANE_BITS: Record<string, number> = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 };

function laneBitsOf(v: SpecValue): number {
  const bits = LANE_BITS[v.lane_type ?? ''];
  if (!bits || !Array.isArray(v.value) || v.value.length * bits !== 128) throw new Skip(`v128 value ${JSON.stringify(v)}`);
  return bits;
}

/** The lanes of a v128 value's bit pattern, each as an unsigned bigint of the lane width. */
const lanesOf = (bits: bigint, laneBits: number): bigint[] =>
  Array.from({ length: 128 / laneBits }, (_, i) => BigInt.asUintN(laneBits, bits >> BigInt(i * laneBits)));

/** A v128 argument's 128 bits from its lanes (lane 0 in the low bits). */
function v128Bits(v: SpecValue): bigint {
  const laneBits = laneBitsOf(v);
  return (v.value as string[]).reduce((bits, lane, i) => bits | (BigInt.asUintN(laneBits, BigInt(lane)) << BigInt(i * laneBits)), 0n);
}

/** An argument as the integer bit patterns the wrapper (wrapper.ts) takes: i32/f32 as i32, i64/f64 as i64, v128 as two i64. */
export function argBits(a: SpecValue): (number | bigint)[] {
  switch (a.type) {
    case 'i32':
    case 'f32': return [Number(scalar(a)) | 0];
    case 'i64':
    case 'f64': return [BigInt.asIntN(64, BigInt(scalar(a)))];
    case 'v128': {
      const bits = v128Bits(a);
      return [BigInt.asIntN(64, bits), BigInt.asIntN(64, bits >> 64n)];
    }
    default: throw new Skip(`argument type ${a.type} through the wrapper`);
  }
}

/** Does the bit pattern of a numeric result match the expected value string? */
export function matchBits(type: string, bits: number | bigint, expected: string): boolean {
  switch (type) {
    case 'f32':
      if (expected === 'nan:canonical') return ((bits as number) & 0x7fffffff) === 0x7fc00000;
      if (expected === 'nan:arithmetic') return ((bits as number) & 0x7fc00000) === 0x7fc00000;
      return bits === Number(expected) >>> 0;
    case 'f64':
      if (expected === 'nan:canonical') return ((bits as bigint) & 0x7fffffffffffffffn) === 0x7ff8000000000000n;
      if (expected === 'nan:arithmetic') return ((bits as bigint) & 0x7ff8000000000000n) === 0x7ff8000000000000n;
      return bits === BigInt(expected);
    case 'i32': return bits === Number(expected) >>> 0;
    case 'i64': return bits === BigInt(expected);
    default: return false;
  }
}

/** Does a v128 result (128 bits) match the expected lanes? Float lanes follow the NaN rules of matchBits. */
function matchV128(bits: bigint, e: SpecValue): boolean {
  const laneBits = laneBitsOf(e);
  const type = e.lane_type as string;
  const expected = e.value as string[];
  return lanesOf(bits, laneBits).every((lane, i) => {
    if (type === 'f32') return matchBits('f32', Number(lane), expected[i]);
    if (type === 'f64') return matchBits('f64', lane, expected[i]);
    return lane === BigInt.asUintN(laneBits, BigInt(expected[i]));
  });
}

/** A result's bit pattern in the shape of the expected value, for failure messages. */
function formatBits(bits: bigint, e: SpecValue): string {
  if (e.type !== 'v128') return `0x${bits.toString(16)}`;
  const laneBits = LANE_BITS[e.lane_type ?? ''] ?? 32;
  return `v128:${e.lane_type}:[${lanesOf(bits, laneBits).join(',')}] (0x${bits.toString(16).padStart(32, '0')})`;
}

function checkBits(bits: bigint, e: SpecValue): string | null {
  if (e.value === undefined) return null; // only the type is given (an action's results)
  const ok = e.type === 'v128' ? matchV128(bits, e)
    : matchBits(e.type, e.type === 'i32' || e.type === 'f32' ? Number(bits) : bits, scalar(e));
  return ok ? null : `expected ${formatSpecValue(e)}, got ${formatBits(bits, e)}`;
}

/** Checks the results' bit patterns (from the wrapper) against `expected`; null when they match. */
export function checkResultBits(actual: bigint[], expected: SpecValue[]): string | null {
  for (let i = 0; i < expected.length; i++) {
    const reason = checkBits(actual[i], expected[i]);
    if (reason) return expected.length === 1 ? reason : `result ${i}: ${reason}`;
  }
  return null;
}

/** A result for a failure message; never throws (a broken engine may return anything). */
export function formatValue(type: string, v: unknown): string {
  try {
    return formatUnchecked(type, v);
  } catch {
    return '?';
  }
}

function formatUnchecked(type: string, v: unknown): string {
  if (type === 'f32' && typeof v === 'number') return `${v} (0x${f32Bits(v).toString(16)})`;
  if (type === 'f64' && typeof v === 'number') return `${v} (0x${f64Bits(v).toString(16)})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[function ${v.name}]`;
  if (Array.isArray(v)) return `[${v.map((x) => formatUnchecked(type, x)).join(', ')}]`;
  if (v && typeof v === 'object' && 'externref' in v) return `ref.extern ${String(v.externref)}`;
  return String(v);
}

export function formatSpecValue(e: SpecValue): string {
  if (e.value === undefined) return e.type;
  if (e.type === 'v128') return `v128:${e.lane_type}:[${e.value}]`;
  if ((e.type === 'f32' || e.type === 'f64') && typeof e.value === 'string' && !e.value.startsWith('nan')) {
    const x = e.type === 'f32' ? f32FromBits(Number(e.value)) : f64FromBits(BigInt(e.value));
    return `${e.type}:${x} (0x${BigInt(e.value).toString(16)})`;
  }
  return `${e.type}:${e.value}`;
}

type ValueCheck = (actual: unknown, e: SpecValue) => string | null;

const mismatch = (actual: unknown, e: SpecValue): string =>
  `expected ${formatSpecValue(e)}, got ${formatValue(e.type, actual)}`;

// Per result type: null when `actual` is the expected value, else why not.
const VALUE_CHECKS: Record<string, ValueCheck> = {
  i32: (actual, e) => {
    if (typeof actual !== 'number' || actual !== (actual | 0)) return `expected i32 (signed 32-bit number), got ${formatValue(e.type, actual)}`;
    return matchBits('i32', actual >>> 0, scalar(e)) ? null : mismatch(actual, e);
  },
  i64: (actual, e) => {
    if (typeof actual !== 'bigint' || BigInt.asIntN(64, actual) !== actual) return `expected i64 (signed 64-bit BigInt), got ${formatValue(e.type, actual)}`;
    return matchBits('i64', BigInt.asUintN(64, actual), scalar(e)) ? null : mismatch(actual, e);
  },
  f32: (actual, e) => {
    if (typeof actual !== 'number') return `expected f32 number, got ${formatValue(e.type, actual)}`;
    if (!Number.isNaN(actual) && Math.fround(actual) !== actual) return `expected f32, got a value that is not an f32: ${actual}`;
    return matchBits('f32', f32Bits(actual), scalar(e)) ? null : mismatch(actual, e);
  },
  f64: (actual, e) => {
    if (typeof actual !== 'number') return `expected f64 number, got ${formatValue(e.type, actual)}`;
    return matchBits('f64', f64Bits(actual), scalar(e)) ? null : mismatch(actual, e);
  },
  externref: (actual, e) => {
    if (e.value === undefined) return actual !== null ? null : `expected non-null externref, got ${formatValue(e.type, actual)}`;
    const want = e.value === 'null' ? null : externref(scalar(e));
    return actual === want ? null : mismatch(actual, e);
  },
  funcref: (actual, e) => {
    if (e.value === 'null') return actual === null ? null : `expected ref.null func, got ${formatValue(e.type, actual)}`;
    return typeof actual === 'function' ? null : `expected a function reference, got ${formatValue(e.type, actual)}`;
  },
};

function checkValue(actual: unknown, e: SpecValue): string | null {
  const check = VALUE_CHECKS[e.type];
  if (check) return check(actual, e);
  if (e.value === 'null') return actual === null ? null : `expected null ${e.type}, got ${formatValue(e.type, actual)}`;
  throw new Skip(`result type ${e.type}`);
}

/** Checks what an export returned (undefined, one value, or an array for several). Null when it matches. */
export function checkResults(actual: unknown, expected: SpecValue[]): string | null {
  if (expected.length === 0) return actual === undefined ? null : `expected no result, got ${formatValue('', actual)}`;
  if (expected.length === 1) return checkValue(actual, expected[0]);
  if (!Array.isArray(actual) || actual.length !== expected.length) {
    return `expected ${expected.length} results (array), got ${formatValue('', actual)}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const reason = checkValue(actual[i], expected[i]);
    if (reason) return `result ${i}: ${reason}`;
  }
  return null;
}

type Caller = (fn: Function, decode: typeof decodeArg, args: SpecValue[]) => unknown;
const callers: Caller[] = [];

/**
 * Calls fn with each argument decoded straight into an argument slot. V8 canonicalises NaNs
 * stored in double arrays, so an array or spread would lose f64 signalling-NaN payloads.
 */
export function callWith(fn: Function, args: SpecValue[]): unknown {
  const n = args.length;
  const slots = Array.from({ length: n }, (_, i) => `decode(args[${i}])`).join(', ');
  callers[n] ??= new Function('fn', 'decode', 'args', `return fn(${slots});`) as Caller;
  return callers[n](fn, decodeArg, args);
}
