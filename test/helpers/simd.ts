// SIMD differential testing: a module per instruction whose operands come from memory (or, when asked,
// from v128.const / i32.const immediates) and whose result is stored to memory, run in V8 and wasmjit
// on the same operand bytes; the result bytes (or the traps) are compared exactly. Values cross the JS
// boundary only as bytes, so NaN payloads survive.
import { DifferentialInstance, type Outcome, formatOutcome, outcomeOf, sameOutcome } from './differential.js';
import { bytesDifference } from './scenario.js';
import type { Random } from './values.js';

/** An operand or result type; a v128 is 16 bytes, the scalars their little-endian bytes. */
export type SimdValType = 'v128' | 'i32' | 'i64' | 'f32' | 'f64';

export interface SimdSignature {
  params: readonly SimdValType[];
  results: readonly SimdValType[];
}

export const BYTES_OF: Readonly<Record<SimdValType, number>> = { v128: 16, i32: 4, i64: 8, f32: 4, f64: 8 };

/** Operand k lives at OPERANDS + 16·k, result k at RESULTS + 16·k; the rest of the page is free for the test. */
export const OPERANDS = 0;
export const RESULTS = 128;
const SLOT = 16;

/** `(v128.const i8x16 …)` for 16 bytes. */
export function v128Const(bytes: Uint8Array): string {
  return `(v128.const i8x16 ${Array.from(bytes.subarray(0, 16), (b) => String(b)).join(' ')})`;
}

/** A scalar's bytes as the `T.const` that produces them bit for bit (floats through reinterpret). */
export function scalarConst(type: Exclude<SimdValType, 'v128'>, bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, BYTES_OF[type]);
  switch (type) {
    case 'i32': return `(i32.const ${view.getInt32(0, true)})`;
    case 'i64': return `(i64.const ${view.getBigInt64(0, true)})`;
    case 'f32': return `(f32.reinterpret_i32 (i32.const ${view.getInt32(0, true)}))`;
    case 'f64': return `(f64.reinterpret_i64 (i64.const ${view.getBigInt64(0, true)}))`;
  }
}

export interface SimdFunctionOptions {
  /** Per operand: bytes to give as a constant instead of a load from memory (undefined: load it). */
  constants?: readonly (Uint8Array | undefined)[];
}

/**
 * `(func (export name) …)`: each operand loaded from its slot (or a constant), then `instruction` (the
 * text after the opening parenthesis, immediates included, e.g. `i8x16.shuffle 0 1 …`), then each result
 * stored to its slot. Needs a memory of at least one page.
 */
export function simdFunction(name: string, instruction: string, signature: SimdSignature, options: SimdFunctionOptions = {}): string {
  const operands = signature.params.map((type, k) => {
    const constant = options.constants?.[k];
    if (constant) return type === 'v128' ? v128Const(constant) : scalarConst(type, constant);
    return `(${type}.load (i32.const ${OPERANDS + SLOT * k}))`;
  });
  const locals = signature.results.map((type, k) => `(local $r${k} ${type})`).join(' ');
  // Results come off the stack last first.
  const sets = signature.results.map((_, k) => `(local.set $r${signature.results.length - 1 - k})`).join(' ');
  const stores = signature.results.map((type, k) => `(${type}.store (i32.const ${RESULTS + SLOT * k}) (local.get $r${k}))`).join(' ');
  return `(func (export "${name}") ${locals} (${instruction} ${operands.join(' ')}) ${sets} ${stores})`;
}

/** A module around `functions` with an exported one-page memory (extra fields: more memory, data…). */
export function simdModule(functions: readonly string[], memory = '(memory (export "memory") 1)'): string {
  return `(module ${memory}\n${functions.join('\n')})`;
}

/** What one engine did: the outcome of the call and the result bytes it stored (if it returned). */
export interface SimdRun {
  outcome: Outcome;
  results: Uint8Array[];
}

/** Hex bytes, lane 0 first, grouped by `laneBytes`. */
export function hexBytes(bytes: Uint8Array, laneBytes = 1): string {
  const lanes: string[] = [];
  for (let at = 0; at < bytes.length; at += laneBytes) {
    // Little-endian lanes written most significant byte first, as numbers read.
    lanes.push(Array.from(bytes.subarray(at, at + laneBytes)).reverse().map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return lanes.join(' ');
}

/** One module in both engines; runs its functions on operand bytes and compares results byte for byte. */
export class SimdPair {
  private constructor(readonly pair: DifferentialInstance) {}

  static async of(source: string): Promise<SimdPair> {
    return new SimdPair(await DifferentialInstance.of(source));
  }

  private memoryOf(engine: 'v8' | 'wasmjit'): Uint8Array {
    const memory = this.pair[engine].exports.memory as WebAssembly.Memory | undefined;
    if (!memory) throw new Error('test bug: the module exports no "memory"');
    return new Uint8Array(memory.buffer);
  }

  /** Writes `bytes` at `address` in both memories (for operands and for data a load reads). */
  write(address: number, bytes: Uint8Array): void {
    this.memoryOf('v8').set(bytes, address);
    this.memoryOf('wasmjit').set(bytes, address);
  }

  /** Runs `name(...args)` in one engine after writing `operands` into their slots. */
  private runIn(engine: 'v8' | 'wasmjit', name: string, operands: readonly Uint8Array[], args: readonly unknown[], resultBytes: readonly number[]): SimdRun {
    const memory = this.memoryOf(engine);
    operands.forEach((bytes, k) => memory.set(bytes, OPERANDS + SLOT * k));
    memory.fill(0xa5, RESULTS, RESULTS + SLOT * Math.max(1, resultBytes.length));
    const f = this.pair[engine].exports[name];
    if (typeof f !== 'function') throw new Error(`test bug: no exported function "${name}"`);
    const outcome = outcomeOf(() => (f as (...a: unknown[]) => unknown)(...args));
    const after = this.memoryOf(engine);
    return { outcome, results: resultBytes.map((n, k) => after.slice(RESULTS + SLOT * k, RESULTS + SLOT * k + n)) };
  }

  /**
   * Runs `name` in both engines on the same operands; a line describing the difference, or undefined
   * when both threw the same error or stored the same bytes. `resultBytes`: bytes of each result.
   */
  compare(name: string, operands: readonly Uint8Array[], resultBytes: readonly number[], args: readonly unknown[] = [], laneBytes = 1): string | undefined {
    const v8 = this.runIn('v8', name, operands, args, resultBytes);
    const wasmjit = this.runIn('wasmjit', name, operands, args, resultBytes);
    const sameBytes = v8.results.every((bytes, k) => Buffer.from(bytes).equals(Buffer.from(wasmjit.results[k]!)));
    if (sameOutcome(v8.outcome, wasmjit.outcome) && (v8.outcome.kind === 'throw' || sameBytes)) return undefined;
    const show = (run: SimdRun) =>
      run.outcome.kind === 'throw' ? formatOutcome(run.outcome) : run.results.map((bytes) => `[${hexBytes(bytes, laneBytes)}]`).join(' ');
    const inputs = operands.map((bytes) => `[${hexBytes(bytes, laneBytes)}]`).join(' ');
    const argText = args.length ? ` args (${args.join(', ')})` : '';
    return `${name} ${inputs}${argText}: V8 → ${show(v8)}, wasmjit → ${show(wasmjit)}`;
  }

  /** How the two whole memories differ (after stores, trapping or not), or undefined. */
  memoryDifference(): string | undefined {
    return bytesDifference(this.memoryOf('v8'), this.memoryOf('wasmjit'));
  }

  dispose(): void {
    this.pair.dispose();
  }
}

/** The byte sizes of a signature's results, for `SimdPair.compare`. */
export const resultSizes = (signature: SimdSignature): number[] => signature.results.map((type) => BYTES_OF[type]);

/** 16 bytes from lane values of `laneBytes` bytes each (numbers or bigints, taken modulo the lane width). */
export function vectorOf(laneBytes: 1 | 2 | 4 | 8, lanes: readonly (number | bigint)[]): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  lanes.forEach((lane, i) => {
    const value = BigInt.asUintN(laneBytes * 8, BigInt(lane));
    for (let b = 0; b < laneBytes; b++) view.setUint8(i * laneBytes + b, Number((value >> BigInt(8 * b)) & 0xffn));
  });
  return bytes;
}

/** Integer edge vectors for lanes of `laneBytes`: zeros, ones, lane minima/maxima, ±1, single set lanes, mixtures. */
export function integerEdgeVectors(laneBytes: 1 | 2 | 4 | 8): Uint8Array[] {
  const count = 16 / laneBytes;
  const bits = BigInt(laneBytes * 8);
  const min = -(1n << (bits - 1n));
  const max = (1n << (bits - 1n)) - 1n;
  const all = (value: bigint) => vectorOf(laneBytes, Array(count).fill(value));
  const vectors = [all(0n), all(-1n), all(1n), all(min), all(max), all(min + 1n)];
  for (let lane = 0; lane < count; lane++) {
    vectors.push(vectorOf(laneBytes, Array.from({ length: count }, (_, i) => (i === lane ? min : 0n))));
    vectors.push(vectorOf(laneBytes, Array.from({ length: count }, (_, i) => (i === lane ? 0n : -1n))));
  }
  vectors.push(vectorOf(laneBytes, Array.from({ length: count }, (_, i) => [0n, -1n, min, max, 1n][i % 5]!)));
  return vectors;
}

/** 16 random bytes; a share of them made of whole-lane edges (0, all ones, sign bit only). */
export function randomVector(random: Random): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const kind = random.below(4);
    bytes[i] = kind === 0 ? [0, 0xff, 0x80, 0x7f][random.below(4)]! : random.below(256);
  }
  return bytes;
}
