// v128.const: the 16 bytes go into a cache xmm register.
import { Reg, SseLogic, mem } from '../../x64/index.js';
import type { Xmm } from '../../x64/index.js';
import type { LoweringEnv } from '../integer.js';
import { simdTable } from './op.js';

/** The 16 bytes as four little-endian 32-bit words. */
function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return [0, 4, 8, 12].map((at) => view.getInt32(at, true));
}

/**
 * Loads a v128 constant, given as four little-endian 32-bit words, into `reg` (any xmm register,
 * scratch ones included). It is built below rsp and loaded whole: no general-purpose register is
 * needed, whatever the stack holds.
 */
export function loadV128Constant({ asm }: Pick<LoweringEnv, 'asm'>, reg: Xmm, value: readonly number[]): void {
  if (value.every((word) => word === 0)) {
    asm.sseLogic(SseLogic.Xor, reg, reg);
    return;
  }
  asm.lea(Reg.rsp, mem(Reg.rsp, -16));
  value.forEach((word, i) => asm.storeImm(32, mem(Reg.rsp, 4 * i), word | 0));
  asm.loadV128(reg, mem(Reg.rsp));
  asm.lea(Reg.rsp, mem(Reg.rsp, 16));
}

export const CONSTANT_OPS = simdTable((op) => {
  op('v128.const', [], ['v128'], (env, at) => {
    const reg = env.stack.allocXmm();
    loadV128Constant(env, reg, words(env.immediateBytes(at)));
    env.stack.pushV128(reg);
  });
});
