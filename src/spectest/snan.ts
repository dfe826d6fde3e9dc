// Signalling NaNs through a wasm wrapper. A JS number cannot carry an f32 sNaN (f32 → f64 quiets
// it), and from V8 12.4 on an f64 sNaN that JS passes to an export arrives quietened (in wasmjit too:
// src/runtime/v8-conversions.ts). So an assert_return with an f32 sNaN argument or expected result,
// or with an f64 sNaN argument, runs through a small generated module: it imports the export as
// function "f", calls it with constant arguments and returns the results as i32/i64 bit patterns.
import { CommandFailure, describeError, isUnsupported } from './errors.js';
import { disposeQuietly, exportedFunction, type ScriptSession } from './session.js';
import { formatSpecValue, matchBits, NUMERIC_TYPES, scalar } from './values.js';
import type { Instance, WasmBytes } from './engine.js';
import type { SpecAction, SpecCommand, SpecValue } from './types.js';

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
/** The integer type that carries a result's bit pattern out of the wrapper. */
const BITS_TYPE: Record<string, 'i32' | 'i64'> = { i32: 'i32', i64: 'i64', f32: 'i32', f64: 'i64' };
const REINTERPRET: Record<string, number[]> = { f32: [0xbc], f64: [0xbd] }; // i32/i64.reinterpret_f32/f64

const OP = { call: 0x10, localGet: 0x20, localSet: 0x21, end: 0x0b };
const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 };

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

/** Does this command need the wrapper (all values numeric; an f32 sNaN anywhere, or an f64 sNaN argument)? */
export function needsWrapper(cmd: SpecCommand): boolean {
  const a = cmd.action;
  if (cmd.type !== 'assert_return' || !a || a.type !== 'invoke' || !cmd.expected) return false;
  const args = a.args ?? [];
  const all = [...args, ...cmd.expected];
  if (!all.every((v) => NUMERIC_TYPES.has(v.type))) return false;
  return all.some((v) => isSignalingNaN(v, 'f32')) || args.some((v) => isSignalingNaN(v, 'f64'));
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

function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const littleEndian = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

const CONST: Record<string, (v: string) => number[]> = {
  i32: (v) => [0x41, ...sleb(BigInt.asIntN(32, BigInt(v)))],
  i64: (v) => [0x42, ...sleb(BigInt.asIntN(64, BigInt(v)))],
  f32: (v) => [0x43, ...littleEndian(BigInt(v), 4)],
  f64: (v) => [0x44, ...littleEndian(BigInt(v), 8)],
};

/** The wrapper module: `(import "" "f" (func (params) (results)))`, export "run" returning bit patterns. */
export function wrapperModule(args: SpecValue[], resultTypes: string[]): WasmBytes {
  const params = args.map((a) => [VALTYPE[a.type]]);
  const results = resultTypes.map((t) => [VALTYPE[t]]);
  const bitsResults = resultTypes.map((t) => [VALTYPE[BITS_TYPE[t]]]);
  const body = [
    ...vec(resultTypes.map((t) => [1, VALTYPE[t]])), // one local per result
    ...args.flatMap((a) => CONST[a.type](scalar(a))),
    OP.call, 0,
    ...resultTypes.flatMap((_, i) => [OP.localSet, ...uleb(resultTypes.length - 1 - i)]),
    ...resultTypes.flatMap((t, i) => [OP.localGet, ...uleb(i), ...(REINTERPRET[t] ?? [])]),
    OP.end,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(SECTION.type, vec([[0x60, ...vec(params), ...vec(results)], [0x60, ...vec([]), ...vec(bitsResults)]])),
    ...section(SECTION.import, vec([[...name(''), ...name('f'), 0x00, ...uleb(0)]])),
    ...section(SECTION.function, vec([[1]])),
    ...section(SECTION.export, vec([[...name('run'), 0x00, ...uleb(1)]])),
    ...section(SECTION.code, vec([[...uleb(body.length), ...body]])),
  ]);
}

async function instantiateWrapper(session: ScriptSession, fn: Function, cmd: SpecCommand, types: string[]): Promise<Instance> {
  try {
    return await session.engine.instantiate(wrapperModule(cmd.action?.args ?? [], types), { '': { f: fn } });
  } catch (e) {
    throw new CommandFailure(
      `cannot instantiate the sNaN wrapper module (it imports the export as a function): ${describeError(e)}`,
      isUnsupported(e));
  }
}

/** Runs an assert_return through the wrapper; null when every result has the expected bits, else why not. */
export async function checkThroughWrapper(session: ScriptSession, cmd: SpecCommand): Promise<string | null> {
  const action = cmd.action as SpecAction;
  const expected = cmd.expected ?? [];
  const fn = exportedFunction(session.instanceFor(action.module, `run "${action.field}" on`), action.field);
  const types = expected.map((e) => e.type);
  const wrapper = await instantiateWrapper(session, fn, cmd, types);
  let out: unknown;
  try {
    out = exportedFunction(wrapper, 'run')();
  } finally {
    disposeQuietly(wrapper);
  }
  if (types.length > 1 && (!Array.isArray(out) || out.length !== types.length)) throw new Error('wrapper returned a bad result array');
  const values = types.length === 1 ? [out] : types.length === 0 ? [] : (out as unknown[]);
  for (let i = 0; i < types.length; i++) {
    const bits = BITS_TYPE[types[i]] === 'i32' ? (values[i] as number) >>> 0 : BigInt.asUintN(64, values[i] as bigint);
    if (!matchBits(types[i], bits, scalar(expected[i]))) {
      return `result ${i}: expected ${formatSpecValue(expected[i])}, got bits 0x${bits.toString(16)} (checked in wasm: signalling NaN)`;
    }
  }
  return null;
}
