// v128.const, and the v128 constants other lowerings need: all zeros and all ones are made in the
// register (xorps, pcmpeqd), anything else is loaded from the function's constant pool.
import { SseLogic, SseOp } from '../../x64/index.js';
import type { Xmm } from '../../x64/index.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

/** The 16 bytes as four little-endian 32-bit words. */
function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return [0, 4, 8, 12].map((at) => view.getInt32(at, true));
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
    loadV128Constant(env, reg, words(env.immediateBytes(at)));
    env.stack.pushV128(reg);
  });
});
