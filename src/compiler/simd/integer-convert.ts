// Integer lane conversions between widths: narrow (saturating packs), extend (pmovsx/pmovzx of the
// low half; the high half moved down first, or unpacked with zeros), extmul, extadd_pairwise, as V8
// lowers them (macro-assembler-shared-ia32-x64.cc).
import { SseImmOp, SseOp, SseShiftImm, Xmm } from '../../x64/index.js';
import { allOnes, binary, instruction, splat32, unary } from './integer-operands.js';
import type { BinaryEmitter, UnaryEmitter } from './integer-operands.js';
import { simdTable } from './op.js';

type Sign = 's' | 'u';

/** A widening from lanes of `from` bits to lanes twice as wide. */
interface Widening {
  /** The wide and the narrow shape: `i16x8` and `i8x16`. */
  wide: string;
  narrow: string;
  signExtend: SseOp;
  zeroExtend: SseOp;
  /** Interleaves the high halves (with zeros: a zero extension of the high half). */
  unpackHigh: SseOp;
}

const WIDENINGS: readonly Widening[] = [
  { wide: 'i16x8', narrow: 'i8x16', signExtend: SseOp.Pmovsxbw, zeroExtend: SseOp.Pmovzxbw, unpackHigh: SseOp.Punpckhbw },
  { wide: 'i32x4', narrow: 'i16x8', signExtend: SseOp.Pmovsxwd, zeroExtend: SseOp.Pmovzxwd, unpackHigh: SseOp.Punpckhwd },
  { wide: 'i64x2', narrow: 'i32x4', signExtend: SseOp.Pmovsxdq, zeroExtend: SseOp.Pmovzxdq, unpackHigh: SseOp.Punpckhdq },
];

const extendLow = (extend: SseOp): UnaryEmitter => ({ asm }, reg) => asm.sse(extend, reg, reg);

/** The high half: sign-extended after movhlps brings it down, zero-extended by interleaving it with zeros. */
const extendHigh = ({ signExtend, unpackHigh }: Widening, sign: Sign): UnaryEmitter => ({ asm }, reg) => {
  if (sign === 's') {
    asm.sse(SseOp.Movhlps, reg, reg);
    asm.sse(signExtend, reg, reg);
  } else {
    asm.sse(SseOp.Pxor, Xmm.xmm0, Xmm.xmm0);
    asm.sse(unpackHigh, reg, Xmm.xmm0);
  }
};

/** i16x8.extmul_*_i8x16: both operands' halves widened to words, pmullw. */
const extMul16 = (half: 'low' | 'high', sign: Sign): BinaryEmitter => ({ asm }, lhs, rhs) => {
  const other = Xmm.xmm0;
  if (half === 'low') {
    const extend = sign === 's' ? SseOp.Pmovsxbw : SseOp.Pmovzxbw;
    asm.sse(extend, other, rhs);
    asm.sse(extend, lhs, lhs);
  } else if (sign === 's') {
    // Each byte in the high half of a word (interleaved with itself), shifted down arithmetically.
    asm.movXmm(other, rhs);
    asm.sse(SseOp.Punpckhbw, lhs, lhs);
    asm.sseShiftImm(SseShiftImm.Psraw, lhs, 8);
    asm.sse(SseOp.Punpckhbw, other, other);
    asm.sseShiftImm(SseShiftImm.Psraw, other, 8);
  } else {
    asm.sse(SseOp.Pxor, other, other);
    asm.sse(SseOp.Punpckhbw, lhs, other);
    asm.sse(SseOp.Punpckhbw, other, rhs);
    asm.sseShiftImm(SseShiftImm.Psrlw, other, 8);
  }
  asm.sse(SseOp.Pmullw, lhs, other);
};

/** i32x4.extmul_*_i16x8: the low and high words of the 32-bit products (pmullw, pmulhw/pmulhuw), interleaved. */
const extMul32 = (half: 'low' | 'high', sign: Sign): BinaryEmitter => ({ asm }, lhs, rhs) => {
  const high = Xmm.xmm0;
  asm.movXmm(high, lhs);
  asm.sse(SseOp.Pmullw, lhs, rhs);
  asm.sse(sign === 's' ? SseOp.Pmulhw : SseOp.Pmulhuw, high, rhs);
  asm.sse(half === 'low' ? SseOp.Punpcklwd : SseOp.Punpckhwd, lhs, high);
};

/** i64x2.extmul_*_i32x4: the half's dwords moved to the even lanes (pshufd), multiplied by pmuldq/pmuludq. */
const extMul64 = (half: 'low' | 'high', sign: Sign): BinaryEmitter => ({ asm }, lhs, rhs) => {
  const order = half === 'low' ? 0x50 : 0xfa;
  asm.sseImm(SseImmOp.Pshufd, Xmm.xmm0, lhs, order);
  asm.sseImm(SseImmOp.Pshufd, lhs, rhs, order);
  asm.sse(sign === 's' ? SseOp.Pmuldq : SseOp.Pmuludq, lhs, Xmm.xmm0);
};

const EXTMUL: Record<string, (half: 'low' | 'high', sign: Sign) => BinaryEmitter> = { i16x8: extMul16, i32x4: extMul32, i64x2: extMul64 };

/**
 * extadd_pairwise: pmaddubsw and pmaddwd multiply by a splat of 1 and add pairs (pmaddubsw takes
 * its first operand unsigned, so the signed byte form multiplies the ones by the value). The unsigned
 * word form has no such instruction: the odd words shifted down, added to the even ones.
 */
const EXTADD: Record<string, UnaryEmitter> = {
  'i16x8.extadd_pairwise_i8x16_s': (env, reg) => {
    const ones = Xmm.xmm0;
    splat32(env, ones, 0x01010101);
    env.asm.sse(SseOp.Pmaddubsw, ones, reg);
    env.asm.movXmm(reg, ones);
  },
  'i16x8.extadd_pairwise_i8x16_u': (env, reg) => {
    splat32(env, Xmm.xmm0, 0x01010101);
    env.asm.sse(SseOp.Pmaddubsw, reg, Xmm.xmm0);
  },
  'i32x4.extadd_pairwise_i16x8_s': (env, reg) => {
    const ones = Xmm.xmm0;
    allOnes(env, ones);
    env.asm.sseShiftImm(SseShiftImm.Psrlw, ones, 15);
    env.asm.sse(SseOp.Pmaddwd, reg, ones);
  },
  'i32x4.extadd_pairwise_i16x8_u': ({ asm }, reg) => {
    const odd = Xmm.xmm0;
    asm.movXmm(odd, reg);
    asm.sseShiftImm(SseShiftImm.Psrld, odd, 16);
    asm.sseImm(SseImmOp.Pblendw, reg, odd, 0xaa);
    asm.sse(SseOp.Paddd, reg, odd);
  },
};

const NARROW: Record<string, SseOp> = {
  'i8x16.narrow_i16x8_s': SseOp.Packsswb,
  'i8x16.narrow_i16x8_u': SseOp.Packuswb,
  'i16x8.narrow_i32x4_s': SseOp.Packssdw,
  'i16x8.narrow_i32x4_u': SseOp.Packusdw,
};

export const INTEGER_CONVERT_OPS = simdTable((op) => {
  for (const [name, pack] of Object.entries(NARROW)) op(name, ['v128', 'v128'], ['v128'], binary(instruction(pack)));
  for (const widening of WIDENINGS) {
    const { wide, narrow } = widening;
    for (const sign of ['s', 'u'] as const) {
      op(`${wide}.extend_low_${narrow}_${sign}`, ['v128'], ['v128'], unary(extendLow(sign === 's' ? widening.signExtend : widening.zeroExtend)));
      op(`${wide}.extend_high_${narrow}_${sign}`, ['v128'], ['v128'], unary(extendHigh(widening, sign)));
      for (const half of ['low', 'high'] as const) {
        op(`${wide}.extmul_${half}_${narrow}_${sign}`, ['v128', 'v128'], ['v128'], binary(EXTMUL[wide]!(half, sign)));
      }
    }
  }
  for (const [name, emit] of Object.entries(EXTADD)) op(name, ['v128'], ['v128'], unary(emit));
});
