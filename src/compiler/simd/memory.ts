// v128 loads and stores, bounds-checked like every access (memory.ts's emitAddress).
import { emitAddress } from '../memory.js';
import { simdTable } from './op.js';

export const MEMORY_OPS = simdTable((op) => {
  op('v128.load', ['i32'], ['v128'], (env, _align, offset) => {
    const { asm, stack } = env;
    const result = stack.allocXmm();
    asm.loadV128(result, emitAddress(env, offset >>> 0, 16));
    stack.pushV128(result);
  }, 16);
  op('v128.store', ['i32', 'v128'], [], (env, _align, offset) => {
    const { asm, stack } = env;
    const value = stack.popV128();
    asm.storeV128(emitAddress(env, offset >>> 0, 16), value);
    stack.freeXmm(value);
  }, 16);
});
