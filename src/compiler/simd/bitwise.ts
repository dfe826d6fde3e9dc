// Bitwise and boolean v128 instructions: not/and/andnot/or/xor/bitselect, any_true and all_true (left
// in the flags after a ptest, so `br_if`/`if`/`select` use them directly) and bitmask — V8's sequences.
import { Cond, MoveMask, Shift, SseOp, Xmm } from '../../x64/index.js';
import { simdTable } from './op.js';

/** `dst op= src` with the result in dst: the bitwise operations that commute. */
const BINARY: readonly [string, SseOp][] = [
  ['v128.and', SseOp.Pand], ['v128.or', SseOp.Por], ['v128.xor', SseOp.Pxor],
];

/** all_true: a lane equal to zero makes pcmpeq's lane all ones, so ptest finds it. */
const ALL_TRUE: readonly [string, SseOp][] = [
  ['i8x16.all_true', SseOp.Pcmpeqb], ['i16x8.all_true', SseOp.Pcmpeqw],
  ['i32x4.all_true', SseOp.Pcmpeqd], ['i64x2.all_true', SseOp.Pcmpeqq],
];

export const BITWISE_OPS = simdTable((op) => {
  op('v128.not', ['v128'], ['v128'], ({ asm, stack }) => {
    const vector = stack.popV128();
    asm.sse(SseOp.Pcmpeqd, Xmm.xmm0, Xmm.xmm0);
    asm.sse(SseOp.Pxor, vector, Xmm.xmm0);
    stack.pushV128(vector);
  });
  for (const [name, sseOp] of BINARY) {
    op(name, ['v128', 'v128'], ['v128'], ({ asm, stack }) => {
      const rhs = stack.popV128Source();
      const lhs = stack.popV128();
      asm.sse(sseOp, lhs, rhs);
      stack.freeXmm(rhs);
      stack.pushV128(lhs);
    });
  }
  op('v128.andnot', ['v128', 'v128'], ['v128'], ({ asm, stack }) => {
    // lhs & ~rhs: pandn inverts its destination, so the result lands in rhs's register.
    const rhs = stack.popV128();
    const lhs = stack.popV128();
    asm.sse(SseOp.Pandn, rhs, lhs);
    stack.freeXmm(lhs);
    stack.pushV128(rhs);
  });
  op('v128.bitselect', ['v128', 'v128', 'v128'], ['v128'], ({ asm, stack }) => {
    // (v1 & c) | (v2 & ~c), V8's S128Select: the mask's register becomes the result.
    const mask = stack.popV128();
    const v2 = stack.popV128Source();
    const v1 = stack.popV128Source();
    asm.movXmm(Xmm.xmm0, mask);
    asm.sse(SseOp.Pandn, Xmm.xmm0, v2);
    asm.sse(SseOp.Pand, mask, v1);
    asm.sse(SseOp.Por, mask, Xmm.xmm0);
    stack.freeXmm(v1);
    stack.freeXmm(v2);
    stack.pushV128(mask);
  });

  op('v128.any_true', ['v128'], ['i32'], ({ asm, stack }) => {
    const vector = stack.popV128Source();
    asm.sse(SseOp.Ptest, vector, vector);
    stack.freeXmm(vector);
    stack.pushFlags(Cond.NE);
  });
  for (const [name, compare] of ALL_TRUE) {
    op(name, ['v128'], ['i32'], ({ asm, stack }) => {
      const vector = stack.popV128();
      asm.sse(SseOp.Pxor, Xmm.xmm0, Xmm.xmm0);
      asm.sse(compare, Xmm.xmm0, vector);
      asm.sse(SseOp.Ptest, Xmm.xmm0, Xmm.xmm0);
      stack.freeXmm(vector);
      stack.pushFlags(Cond.E);
    });
  }

  const bitmask = (name: string, kind: MoveMask): void => {
    op(name, ['v128'], ['i32'], ({ asm, stack }) => {
      const vector = stack.popV128();
      const result = stack.allocGpr();
      asm.movmsk(kind, result, vector);
      stack.freeXmm(vector);
      stack.pushGpr(result);
    });
  };
  bitmask('i8x16.bitmask', MoveMask.Bytes);
  bitmask('i32x4.bitmask', MoveMask.Singles);
  bitmask('i64x2.bitmask', MoveMask.Doubles);
  op('i16x8.bitmask', ['v128'], ['i32'], ({ asm, stack }) => {
    // packsswb keeps each word's sign in a byte (of the upper half here: the lower half is whatever
    // xmm0 held), then pmovmskb's upper 8 bits are the mask.
    const vector = stack.popV128();
    asm.sse(SseOp.Packsswb, Xmm.xmm0, vector);
    stack.freeXmm(vector);
    const result = stack.allocGpr();
    asm.movmsk(MoveMask.Bytes, result, Xmm.xmm0);
    asm.shiftImm(Shift.Shr, 32, result, 8);
    stack.pushGpr(result);
  });
});
