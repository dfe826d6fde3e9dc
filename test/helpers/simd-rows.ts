// Differential testing of one SIMD instruction over many rows at once (simd.ts tests one call at a time): a module whose exported functions apply
// the instruction to rows of operands read from memory (or to constants built into the code) and
// store the results; the same rows run in V8 and in wasmjit, and the result bytes must be equal.
import { compile, instantiate } from '../../src/index.js';
import type { ModuleOptions } from '../../src/index.js';
import { engineUnderTest, instantiateInV8, toBytes } from './differential.js';
import type { EngineInstance } from './differential.js';

export type SimdValType = 'v128' | 'i32' | 'i64' | 'f32' | 'f64';

/** An operand: 16 bytes for a v128, else the scalar (bigint for i64). */
export type SimdOperand = Uint8Array | number | bigint;

export interface SimdSignature {
  params: readonly SimdValType[];
  result: SimdValType;
}

/** One exported function: every operand from the rows, or the ones given here as constants in the code. */
export interface SimdVariant {
  name: string;
  constants?: readonly (SimdOperand | undefined)[];
}

/** Operand k of row i is at REGION·k + 16·i, the result of row i at REGION·3 + 16·i (one 64 KiB page). */
const REGION = 0x4000;
export const MAX_ROWS = REGION / 16;
const RESULT_BASE = 3 * REGION;

const SCALAR_BYTES: Record<Exclude<SimdValType, 'v128'>, number> = { i32: 4, i64: 8, f32: 4, f64: 8 };

/** `v128.const` of 16 bytes, or `t.const` of a scalar (floats as bit patterns). */
function constant(type: SimdValType, value: SimdOperand): string {
  if (type === 'v128') return `(v128.const i8x16 ${[...(value as Uint8Array)].join(' ')})`;
  if (type === 'f32') return `(f32.reinterpret_i32 (i32.const ${value}))`;
  if (type === 'f64') return `(f64.reinterpret_i64 (i64.const ${value}))`;
  return `(${type}.const ${value})`;
}

/** The module text: `instr` (with any immediates, e.g. `i8x16.extract_lane_s 3`) in one function per variant. */
export function simdModuleText(instr: string, signature: SimdSignature, variants: readonly SimdVariant[]): string {
  const funcs = variants.map(({ name, constants = [] }) => {
    const operands = signature.params.map((type, k) => {
      const fixed = constants[k];
      if (fixed !== undefined) return constant(type, fixed);
      return `(${type}.load (i32.add (i32.const ${k * REGION}) (local.get $at)))`;
    });
    const result = `(${signature.result}.store (i32.add (i32.const ${RESULT_BASE}) (local.get $at)) (${instr} ${operands.join(' ')}))`;
    return `(func (export "${name}") (param $rows i32) (local $at i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $at) (i32.mul (local.get $rows) (i32.const 16))))
      ${result}
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $next))))`;
  });
  return `(module (memory (export "memory") 1)\n  ${funcs.join('\n  ')})`;
}

/** Writes one operand at `at` in its little-endian form. */
function writeOperand(view: DataView, at: number, type: SimdValType, value: SimdOperand): void {
  if (type === 'v128') new Uint8Array(view.buffer, view.byteOffset + at, 16).set(value as Uint8Array);
  else if (type === 'i64' || type === 'f64') view.setBigUint64(at, BigInt.asUintN(64, BigInt(value as number | bigint)), true);
  else view.setUint32(at, Number(value) >>> 0, true);
}

/** The instruction's module in both engines, ready to run rows. */
export class SimdPair {
  private constructor(
    readonly signature: SimdSignature,
    private readonly variants: readonly SimdVariant[],
    private readonly v8: EngineInstance,
    private readonly wasmjit: EngineInstance,
  ) {}

  /** `options` are wasmjit's (e.g. `{cpuFeatures: {sse42: false}}` to test a fallback). */
  static async create(instr: string, signature: SimdSignature, variants: readonly SimdVariant[], options: ModuleOptions = {}): Promise<SimdPair> {
    const bytes = await toBytes(simdModuleText(instr, signature, variants));
    const v8 = await instantiateInV8(bytes);
    if (engineUnderTest === 'v8') return new SimdPair(signature, variants, v8, await instantiateInV8(bytes));
    const instance = await instantiate(await compile(bytes, options));
    return new SimdPair(signature, variants, v8, { exports: instance.exports as Record<string, unknown>, dispose: () => instance.dispose() });
  }

  /** Runs variant `name` on `rows` (operands given as constants are ignored) in both engines: the result bytes of each. */
  run(name: string, rows: readonly (readonly SimdOperand[])[]): { v8: Uint8Array; wasmjit: Uint8Array } {
    if (rows.length > MAX_ROWS) throw new Error(`at most ${MAX_ROWS} rows at once`);
    const [v8, wasmjit] = [this.v8, this.wasmjit].map((engine) => {
      const memory = engine.exports.memory as WebAssembly.Memory;
      const view = new DataView(memory.buffer);
      new Uint8Array(memory.buffer).fill(0);
      rows.forEach((row, i) => this.signature.params.forEach((type, k) => writeOperand(view, k * REGION + 16 * i, type, row[k]!)));
      (engine.exports[name] as (rows: number) => void)(rows.length);
      return new Uint8Array(memory.buffer.slice(RESULT_BASE, RESULT_BASE + 16 * rows.length));
    });
    return { v8: v8!, wasmjit: wasmjit! };
  }

  /** The rows whose result bytes differ, described (at most `limit`); empty when all agree. */
  mismatches(name: string, rows: readonly (readonly SimdOperand[])[], limit = 5): string[] {
    const { v8, wasmjit } = this.run(name, rows);
    const size = this.signature.result === 'v128' ? 16 : SCALAR_BYTES[this.signature.result];
    const constants = this.variants.find((variant) => variant.name === name)?.constants ?? [];
    const found: string[] = [];
    rows.forEach((row, i) => {
      const expected = v8.subarray(16 * i, 16 * i + size);
      const actual = wasmjit.subarray(16 * i, 16 * i + size);
      if (found.length < limit && expected.some((byte, j) => byte !== actual[j])) {
        found.push(`${name} row ${i}: operands ${row.map((operand, k) => describeOperand(constants[k] ?? operand)).join(', ')}: V8 ${hex(expected)}, wasmjit ${hex(actual)}`);
      }
    });
    return found;
  }

  dispose(): void {
    this.wasmjit.dispose();
    this.v8.dispose();
  }
}

/** Bytes as hex, lane 0 first (one group per 4 bytes). */
export function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte, i) => (i > 0 && i % 4 === 0 ? ' ' : '') + byte.toString(16).padStart(2, '0')).join('');
}

function describeOperand(operand: SimdOperand): string {
  return operand instanceof Uint8Array ? `[${hex(operand)}]` : String(operand);
}

/** 16 bytes from lanes of `bits` bits (numbers or bigints, wrapped to the lane). */
export function v128FromLanes(bits: 8 | 16 | 32 | 64, lanes: readonly (number | bigint)[]): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  lanes.forEach((lane, i) => {
    const value = BigInt.asUintN(bits, BigInt(lane));
    for (let b = 0; b < bits / 8; b++) view.setUint8((i * bits) / 8 + b, Number((value >> BigInt(8 * b)) & 0xffn));
  });
  return bytes;
}
