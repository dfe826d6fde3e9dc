// One lane in or out of a v128: splat, extract_lane, replace_lane. Integer lanes go through a
// general-purpose register (pinsr/pextr, movd/movq), float lanes stay in xmm registers (shuffles,
// insertps, movsd/movlhps), as V8 lowers them.
import { SseImmOp, SseOp, Xmm } from '../../x64/index.js';
import type { LaneBits, Width } from '../../x64/index.js';
import type { ValType } from '../../decode/index.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

interface IntShape {
  shape: string;
  bits: LaneBits;
  /** The scalar type of a lane. */
  scalar: ValType;
}

const INT_SHAPES: readonly IntShape[] = [
  { shape: 'i8x16', bits: 8, scalar: 'i32' },
  { shape: 'i16x8', bits: 16, scalar: 'i32' },
  { shape: 'i32x4', bits: 32, scalar: 'i32' },
  { shape: 'i64x2', bits: 64, scalar: 'i64' },
];

const widthOf = (bits: LaneBits): Width => (bits === 64 ? 64 : 32);

/** Broadcasts lane 0 of `reg` (holding the scalar in its low bits) to every lane. */
function broadcastInt(env: SimdLoweringEnv, bits: LaneBits, reg: number): void {
  const { asm } = env;
  switch (bits) {
    case 8: {
      // pshufb with an all-zero control copies byte 0 everywhere.
      const zero = Xmm.xmm0;
      asm.sse(SseOp.Pxor, zero, zero);
      asm.sse(SseOp.Pshufb, reg, zero);
      break;
    }
    case 16:
      asm.sseImm(SseImmOp.Pshuflw, reg, reg, 0);
      asm.sseImm(SseImmOp.Pshufd, reg, reg, 0);
      break;
    case 32:
      asm.sseImm(SseImmOp.Pshufd, reg, reg, 0);
      break;
    case 64:
      asm.sse(SseOp.Punpcklqdq, reg, reg);
      break;
  }
}

export const LANE_OPS = simdTable((op) => {
  for (const { shape, bits, scalar } of INT_SHAPES) {
    const width = widthOf(bits);
    op(`${shape}.splat`, [scalar], ['v128'], (env) => {
      const { asm, stack } = env;
      const value = stack.popToGpr(width);
      const result = stack.allocXmm();
      asm.movToXmm(width, result, value);
      stack.freeGpr(value);
      broadcastInt(env, bits, result);
      stack.pushV128(result);
    });
    const extract = (suffix: string, signed: boolean): void => {
      op(`${shape}.extract_lane${suffix}`, ['v128'], [scalar], (env, lane) => {
        const { asm, stack } = env;
        const vector = stack.popV128();
        const result = stack.allocGpr();
        if (bits >= 32 && lane === 0) asm.movFromXmm(width, result, vector);
        else asm.pextr(bits, result, vector, lane);
        if (signed) asm.movsx(32, bits as 8 | 16, result, result);
        stack.freeXmm(vector);
        stack.pushGpr(result);
      });
    };
    if (bits <= 16) {
      extract('_s', true);
      extract('_u', false);
    } else {
      extract('', false);
    }
    op(`${shape}.replace_lane`, ['v128', scalar], ['v128'], (env, lane) => {
      const { asm, stack } = env;
      const value = stack.popToGpr(width);
      const vector = stack.popV128();
      asm.pinsr(bits, vector, value, lane);
      stack.freeGpr(value);
      stack.pushV128(vector);
    });
  }

  op('f32x4.splat', ['f32'], ['v128'], ({ asm, stack }) => {
    const value = stack.popToXmm();
    asm.sseImm(SseImmOp.Shufps, value, value, 0);
    stack.pushV128(value);
  });
  op('f64x2.splat', ['f64'], ['v128'], ({ asm, stack }) => {
    const value = stack.popToXmm();
    asm.sse(SseOp.Movlhps, value, value);
    stack.pushV128(value);
  });
  op('f32x4.extract_lane', ['v128'], ['f32'], ({ asm, stack }, lane) => {
    const vector = stack.popV128();
    // The scalar is the low lane; the other lanes of the register do not matter.
    if (lane !== 0) asm.sseImm(SseImmOp.Pshufd, vector, vector, lane);
    stack.pushXmm(vector);
  });
  op('f64x2.extract_lane', ['v128'], ['f64'], ({ asm, stack }, lane) => {
    const vector = stack.popV128();
    if (lane !== 0) asm.sse(SseOp.Movhlps, vector, vector);
    stack.pushXmm(vector);
  });
  op('f32x4.replace_lane', ['v128', 'f32'], ['v128'], ({ asm, stack }, lane) => {
    const value = stack.popToXmm();
    const vector = stack.popV128();
    asm.sseImm(SseImmOp.Insertps, vector, value, lane << 4);
    stack.freeXmm(value);
    stack.pushV128(vector);
  });
  op('f64x2.replace_lane', ['v128', 'f64'], ['v128'], ({ asm, stack }, lane) => {
    const value = stack.popToXmm();
    const vector = stack.popV128();
    asm.sse(lane === 0 ? SseOp.Movsd : SseOp.Movlhps, vector, value);
    stack.freeXmm(value);
    stack.pushV128(vector);
  });
});
