// v128 loads and stores, bounds-checked like every access (memory.ts's emitAddress checks the bytes the
// access really touches: 8 for the extending loads, one lane for splat/zero/lane forms; with guard
// regions, the one instruction faults instead). Each form reads or writes memory in a single
// instruction, as V8 does: pmovsx/pmovzx, movss/movq/movddup and
// pinsr/pextr all take the memory operand at any alignment.
import { SseImmOp, SseOp, Xmm } from '../../x64/index.js';
import type { LaneBits, Mem } from '../../x64/index.js';
import { emitAddress } from '../memory.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

/** `(env, result register, access operand)`: fills the result from memory. */
type LoadInto = (env: SimdLoweringEnv, dst: Xmm, src: Mem) => void;

/** `v128.load8x8_s` … `v128.load32x2_u`: eight bytes widened lane by lane. */
const EXTENDING_LOADS: readonly [string, SseOp][] = [
  ['v128.load8x8_s', SseOp.Pmovsxbw], ['v128.load8x8_u', SseOp.Pmovzxbw],
  ['v128.load16x4_s', SseOp.Pmovsxwd], ['v128.load16x4_u', SseOp.Pmovzxwd],
  ['v128.load32x2_s', SseOp.Pmovsxdq], ['v128.load32x2_u', SseOp.Pmovzxdq],
];

/** One lane read from memory, then copied to every lane (V8's sequences). */
const SPLAT_LOADS: readonly [LaneBits, LoadInto][] = [
  [8, ({ asm }, dst, src) => {
    // pshufb with an all-zero control copies byte 0 everywhere.
    asm.pinsr(8, dst, src, 0);
    asm.sse(SseOp.Pxor, Xmm.xmm0, Xmm.xmm0);
    asm.sse(SseOp.Pshufb, dst, Xmm.xmm0);
  }],
  [16, ({ asm }, dst, src) => {
    asm.pinsr(16, dst, src, 0);
    asm.sseImm(SseImmOp.Pshuflw, dst, dst, 0);
    asm.sse(SseOp.Punpcklqdq, dst, dst);
  }],
  [32, ({ asm }, dst, src) => {
    asm.loadFloat(32, dst, src);
    asm.sseImm(SseImmOp.Shufps, dst, dst, 0);
  }],
  [64, ({ asm }, dst, src) => asm.sse(SseOp.Movddup, dst, src)],
];

/** One 32- or 64-bit lane read into lane 0, the rest zeroed: movss and movq from memory do exactly that. */
const ZERO_LOADS: readonly [32 | 64, LoadInto][] = [
  [32, ({ asm }, dst, src) => asm.loadFloat(32, dst, src)],
  [64, ({ asm }, dst, src) => asm.sse(SseOp.Movq, dst, src)],
];

const LANE_BITS: readonly LaneBits[] = [8, 16, 32, 64];

/** The lane index of a lane memory instruction's first word (`log2(align) | lane << 8`). */
const laneOf = (alignAndLane: number): number => alignAndLane >>> 8;

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

  /** A load producing a fresh v128 from `bytes` bytes of memory. */
  const load = (name: string, bytes: number, into: LoadInto): void => {
    op(name, ['i32'], ['v128'], (env, _align, offset) => {
      const result = env.stack.allocXmm();
      into(env, result, emitAddress(env, offset >>> 0, bytes));
      env.stack.pushV128(result);
    }, bytes);
  };
  for (const [name, widen] of EXTENDING_LOADS) load(name, 8, ({ asm }, dst, src) => asm.sse(widen, dst, src));
  for (const [bits, into] of SPLAT_LOADS) load(`v128.load${bits}_splat`, bits / 8, into);
  for (const [bits, into] of ZERO_LOADS) load(`v128.load${bits}_zero`, bits / 8, into);

  for (const bits of LANE_BITS) {
    const bytes = bits / 8;
    op(`v128.load${bits}_lane`, ['i32', 'v128'], ['v128'], (env, alignAndLane, offset) => {
      const vector = env.stack.popV128();
      env.asm.pinsr(bits, vector, emitAddress(env, offset >>> 0, bytes), laneOf(alignAndLane));
      env.stack.pushV128(vector);
    }, bytes);
    op(`v128.store${bits}_lane`, ['i32', 'v128'], [], (env, alignAndLane, offset) => {
      const { asm, stack } = env;
      const vector = stack.popV128();
      const target = emitAddress(env, offset >>> 0, bytes);
      const lane = laneOf(alignAndLane);
      // Lane 0 of the wide shapes is a plain scalar store (V8's movss/movsd).
      if (lane === 0 && bits >= 32) asm.storeFloat(bits as 32 | 64, target, vector);
      else asm.pextr(bits, target, vector, lane);
      stack.freeXmm(vector);
    }, bytes);
  }
});
