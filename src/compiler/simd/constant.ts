// v128.const, and the v128 constants other lowerings need: all zeros and all ones are made in the
// register (xorps, pcmpeqd), anything else is loaded from the function's constant pool.
import { SseLogic, SseOp } from '../../x64/index.js';
import type { Mem, Xmm } from '../../x64/index.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

/** 16 bytes as the four little-endian 32-bit words the constant pool takes. */
export function wordsOf(bytes: ArrayLike<number>): number[] {
  return [0, 4, 8, 12].map((at) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24));
}

/** A pool constant with `value` in every 32-bit lane. */
export const splat32Constant = (env: SimdLoweringEnv, value: number): Mem => env.v128Constant([value, value, value, value]);

/** A pool constant with the 64-bit pattern `bits` in both 64-bit lanes. */
export function splat64Constant(env: SimdLoweringEnv, bits: bigint): Mem {
  const low = Number(BigInt.asIntN(32, bits));
  const high = Number(BigInt.asIntN(32, bits >> 32n));
  return env.v128Constant([low, high, low, high]);
}

/** Puts the constant `value` (four little-endian 32-bit words) into `reg`. */
export function loadV128Constant(env: SimdLoweringEnv, reg: Xmm, value: readonly number[]): void {
  const { asm } = env;
  if (value.every((word) => word === 0)) asm.sseLogic(SseLogic.Xor, reg, reg);
  else if (value.every((word) => (word | 0) === -1)) asm.sse(SseOp.Pcmpeqd, reg, reg);
  else asm.loadV128(reg, env.v128Constant(value));
}

export const CONSTANT_OPS = simdTable((op) => {
  op('v128.const', [], ['v128'], (env, at) => {
    const reg = env.stack.allocXmm();
    loadV128Constant(env, reg, wordsOf(env.immediateBytes(at)));
    env.stack.pushV128(reg);
  });
});
