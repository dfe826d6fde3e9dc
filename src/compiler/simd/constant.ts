// v128.const: the 16 bytes go into a cache xmm register.
import { Reg, SseLogic, mem } from '../../x64/index.js';
import { simdTable } from './op.js';

/** The 16 bytes as four little-endian 32-bit words. */
function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return [0, 4, 8, 12].map((at) => view.getInt32(at, true));
}

export const CONSTANT_OPS = simdTable((op) => {
  op('v128.const', [], ['v128'], (env, at) => {
    const { asm, stack } = env;
    const reg = stack.allocXmm();
    const value = words(env.immediateBytes(at));
    if (value.every((word) => word === 0)) {
      asm.sseLogic(SseLogic.Xor, reg, reg);
    } else {
      // Built below rsp and loaded whole: no scratch register needed, whatever the stack holds.
      asm.lea(Reg.rsp, mem(Reg.rsp, -16));
      value.forEach((word, i) => asm.storeImm(32, mem(Reg.rsp, 4 * i), word));
      asm.loadV128(reg, mem(Reg.rsp));
      asm.lea(Reg.rsp, mem(Reg.rsp, 16));
    }
    stack.pushV128(reg);
  });
});
