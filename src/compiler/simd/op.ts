// What every SIMD family's table holds: the operand and result types of an instruction and how it
// is lowered, with the instruction's two immediate words (see the decode layer's `Body`: a lane
// index, a memarg, `log2(align) | lane << 8`, or the position of 16 immediate bytes in `extra`).
import type { ValType } from '../../decode/index.js';
import type { Mem } from '../../x64/index.js';
import type { LoweringEnv } from '../integer.js';

export interface SimdLoweringEnv extends LoweringEnv {
  /** The 16 immediate bytes (v128.const, i8x16.shuffle) at position `at` of the body's `extra`. */
  immediateBytes(at: number): Uint8Array;
  /**
   * A 16-byte constant of the function (four little-endian 32-bit words), as `[rip + label]`: for
   * `loadV128`, or any SSE instruction's source (the pool is 16-byte aligned).
   */
  v128Constant(words: readonly number[]): Mem;
}

export interface SimdOp {
  params: readonly ValType[];
  results: readonly ValType[];
  /** Memory instructions: the bytes an access covers, which its alignment may not exceed. */
  accessBytes?: number;
  lower(env: SimdLoweringEnv, a: number, b: number): void;
}

/** Builds one family's table: `op(name, params, results, lower)`. */
export function simdTable(define: (op: (name: string, params: readonly ValType[], results: readonly ValType[], lower: SimdOp['lower'], accessBytes?: number) => void) => void): Map<string, SimdOp> {
  const table = new Map<string, SimdOp>();
  define((name, params, results, lower, accessBytes) => {
    if (table.has(name)) throw new Error(`internal error: ${name} defined twice`);
    table.set(name, accessBytes === undefined ? { params, results, lower } : { params, results, lower, accessBytes });
  });
  return table;
}
