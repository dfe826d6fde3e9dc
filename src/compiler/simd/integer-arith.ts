// Integer lane arithmetic and comparisons: add, sub, mul, neg, abs, min, max, avgr_u, the saturating
// add and sub, q15mulr_sat_s, dot_i16x8_s, popcnt, eq … ge_u. Most are one SSE instruction; the rest
// are V8's sequences (macro-assembler-shared-ia32-x64.cc and Liftoff's x64 emit_* functions).
import { SseOp, SseShiftImm, Xmm } from '../../x64/index.js';
import { loadV128Constant } from './constant.js';
import { allOnes, binary, instruction, LANE_WIDTHS, SHAPES, splat32, unary } from './integer-operands.js';
import type { BinaryEmitter, LaneWidth, UnaryEmitter } from './integer-operands.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

type PerWidth<T> = Partial<Record<LaneWidth, T>>;

/** The instructions that are a wasm instruction by themselves, by wasm name and lane width. */
const SINGLE: Record<string, PerWidth<SseOp>> = {
  add: { 8: SseOp.Paddb, 16: SseOp.Paddw, 32: SseOp.Paddd, 64: SseOp.Paddq },
  sub: { 8: SseOp.Psubb, 16: SseOp.Psubw, 32: SseOp.Psubd, 64: SseOp.Psubq },
  mul: { 16: SseOp.Pmullw, 32: SseOp.Pmulld },
  add_sat_s: { 8: SseOp.Paddsb, 16: SseOp.Paddsw },
  add_sat_u: { 8: SseOp.Paddusb, 16: SseOp.Paddusw },
  sub_sat_s: { 8: SseOp.Psubsb, 16: SseOp.Psubsw },
  sub_sat_u: { 8: SseOp.Psubusb, 16: SseOp.Psubusw },
  min_s: { 8: SseOp.Pminsb, 16: SseOp.Pminsw, 32: SseOp.Pminsd },
  min_u: { 8: SseOp.Pminub, 16: SseOp.Pminuw, 32: SseOp.Pminud },
  max_s: { 8: SseOp.Pmaxsb, 16: SseOp.Pmaxsw, 32: SseOp.Pmaxsd },
  max_u: { 8: SseOp.Pmaxub, 16: SseOp.Pmaxuw, 32: SseOp.Pmaxud },
  avgr_u: { 8: SseOp.Pavgb, 16: SseOp.Pavgw },
};

const EQUAL: Record<LaneWidth, SseOp> = { 8: SseOp.Pcmpeqb, 16: SseOp.Pcmpeqw, 32: SseOp.Pcmpeqd, 64: SseOp.Pcmpeqq };
const ABS: PerWidth<SseOp> = { 8: SseOp.Pabsb, 16: SseOp.Pabsw, 32: SseOp.Pabsd };
const SIGN: PerWidth<SseOp> = { 8: SseOp.Psignb, 16: SseOp.Psignw, 32: SseOp.Psignd };

/** Bitwise not of `reg` (xmm0 is clobbered). */
function invert(env: SimdLoweringEnv, reg: Xmm): void {
  allOnes(env, Xmm.xmm0);
  env.asm.sse(SseOp.Pxor, reg, Xmm.xmm0);
}

/**
 * i64x2.gt_s into lhs. pcmpgtq is SSE4.2; without it (V8's SSE3 sequence) the high dwords decide,
 * unless they are equal: then the borrow of rhs − lhs, which is in the high dword of the difference.
 */
const greaterThan64: BinaryEmitter = (env, lhs, rhs) => {
  const { asm } = env;
  if (env.features.sse42) {
    asm.sse(SseOp.Pcmpgtq, lhs, rhs);
    return;
  }
  const [difference, high] = [Xmm.xmm0, Xmm.xmm1];
  asm.movXmm(difference, rhs);
  asm.sse(SseOp.Psubq, difference, lhs);
  asm.movXmm(high, lhs);
  asm.sse(SseOp.Pcmpeqd, high, rhs);
  asm.sse(SseOp.Pand, difference, high);
  asm.movXmm(high, lhs);
  asm.sse(SseOp.Pcmpgtd, high, rhs);
  asm.sse(SseOp.Por, difference, high);
  asm.sse(SseOp.Movshdup, lhs, difference);
};

/**
 * A comparison as `test(lhs, rhs)`, then optionally `== rhs` (a ≥ b ⇔ min(a, b) = b, which is how
 * the unsigned comparisons are done: SSE has no unsigned pcmpgt), optionally inverted; `swapped`
 * computes test(rhs, lhs) instead.
 */
interface Comparison {
  test: BinaryEmitter;
  thenEqual?: boolean;
  inverted?: boolean;
  swapped?: boolean;
}

const GREATER: Record<LaneWidth, BinaryEmitter> = {
  8: instruction(SseOp.Pcmpgtb), 16: instruction(SseOp.Pcmpgtw), 32: instruction(SseOp.Pcmpgtd), 64: greaterThan64,
};

/** Through min/max for 8 … 32-bit lanes; i64x2 has neither, nor unsigned comparisons. */
const ordered = (minMax: 'min_s' | 'max_s' | 'min_u' | 'max_u', inverted: boolean) => (width: LaneWidth): Comparison | undefined =>
  width === 64 ? undefined : { test: instruction(SINGLE[minMax]![width]!), thenEqual: true, inverted };

const COMPARISONS: Record<string, (width: LaneWidth) => Comparison | undefined> = {
  eq: (width) => ({ test: instruction(EQUAL[width]) }),
  ne: (width) => ({ test: instruction(EQUAL[width]), inverted: true }),
  gt_s: (width) => ({ test: GREATER[width] }),
  lt_s: (width) => ({ test: GREATER[width], swapped: true }),
  // For i64x2: a ≤ b is not a > b, a ≥ b is not b > a.
  le_s: (width) => (width === 64 ? { test: GREATER[64], inverted: true } : ordered('max_s', false)(width)),
  ge_s: (width) => (width === 64 ? { test: GREATER[64], inverted: true, swapped: true } : ordered('min_s', false)(width)),
  le_u: ordered('max_u', false),
  ge_u: ordered('min_u', false),
  gt_u: ordered('max_u', true),
  lt_u: ordered('min_u', true),
};

function comparison(width: LaneWidth, { test, thenEqual, inverted, swapped }: Comparison): BinaryEmitter {
  return (env, lhs, rhs) => {
    const [dst, src] = swapped ? [rhs, lhs] : [lhs, rhs];
    test(env, dst, src);
    if (thenEqual) env.asm.sse(EQUAL[width], dst, src);
    if (inverted) invert(env, dst);
    return dst;
  };
}

/** Lane negation: psign by −1 (all ones); i64x2, which has no psignq, as 0 − x. */
const negate = (width: LaneWidth): UnaryEmitter => (env, reg) => {
  const { asm } = env;
  if (width === 64) {
    asm.sse(SseOp.Pxor, Xmm.xmm0, Xmm.xmm0);
    asm.sse(SseOp.Psubq, Xmm.xmm0, reg);
    asm.movXmm(reg, Xmm.xmm0);
  } else {
    allOnes(env, Xmm.xmm0);
    asm.sse(SIGN[width]!, reg, Xmm.xmm0);
  }
};

/** Absolute value: pabs; i64x2 (no pabsq) as (x ^ s) − s with s the sign of each lane spread over it. */
const absolute = (width: LaneWidth): UnaryEmitter => ({ asm }, reg) => {
  if (width !== 64) {
    asm.sse(ABS[width]!, reg, reg);
    return;
  }
  const sign = Xmm.xmm0;
  asm.sse(SseOp.Movshdup, sign, reg);
  asm.sseShiftImm(SseShiftImm.Psrad, sign, 31);
  asm.sse(SseOp.Pxor, reg, sign);
  asm.sse(SseOp.Psubq, reg, sign);
};

/**
 * i64x2.mul (no SSE instruction multiplies 64-bit lanes): from 32×32→64 products (pmuludq),
 * lo(a)·lo(b) + ((hi(a)·lo(b) + lo(a)·hi(b)) << 32).
 */
const multiply64: BinaryEmitter = ({ asm }, lhs, rhs) => {
  const [cross1, cross2] = [Xmm.xmm0, Xmm.xmm1];
  asm.movXmm(cross1, lhs);
  asm.movXmm(cross2, rhs);
  asm.sseShiftImm(SseShiftImm.Psrlq, cross1, 32);
  asm.sse(SseOp.Pmuludq, cross1, rhs);
  asm.sseShiftImm(SseShiftImm.Psrlq, cross2, 32);
  asm.sse(SseOp.Pmuludq, cross2, lhs);
  asm.sse(SseOp.Paddq, cross2, cross1);
  asm.sseShiftImm(SseShiftImm.Psllq, cross2, 32);
  asm.sse(SseOp.Pmuludq, lhs, rhs);
  asm.sse(SseOp.Paddq, lhs, cross2);
};

/** pmulhrsw rounds and scales like q15mulr but gives 0x8000 for 0x8000 × 0x8000, which saturates to 0x7fff. */
const q15MultiplyRounded: BinaryEmitter = (env, lhs, rhs) => {
  const { asm } = env;
  const overflow = Xmm.xmm0;
  allOnes(env, overflow);
  asm.sseShiftImm(SseShiftImm.Psllw, overflow, 15);
  asm.sse(SseOp.Pmulhrsw, lhs, rhs);
  asm.sse(SseOp.Pcmpeqw, overflow, lhs);
  asm.sse(SseOp.Pxor, lhs, overflow);
};

/** The bit count of each value 0 … 15: pshufb looks up both nibbles of every byte in it. */
const NIBBLE_POPCOUNTS = [0x02010100, 0x03020201, 0x03020201, 0x04030302];

/** i8x16.popcnt: the counts of the low and of the high nibbles, looked up with pshufb, added. */
const populationCount: UnaryEmitter = (env, reg) => {
  const { asm } = env;
  const [low, high, table] = [Xmm.xmm0, Xmm.xmm1, Xmm.xmm2];
  splat32(env, low, 0x0f0f0f0f);
  asm.movXmm(high, low);
  asm.sse(SseOp.Pand, low, reg);
  asm.sse(SseOp.Pandn, high, reg);
  asm.sseShiftImm(SseShiftImm.Psrlw, high, 4);
  loadV128Constant(env, table, NIBBLE_POPCOUNTS);
  asm.movXmm(reg, table);
  asm.sse(SseOp.Pshufb, reg, low);
  asm.sse(SseOp.Pshufb, table, high);
  asm.sse(SseOp.Paddb, reg, table);
};

export const INTEGER_ARITH_OPS = simdTable((op) => {
  const binaryOp = (name: string, emit: BinaryEmitter): void => op(name, ['v128', 'v128'], ['v128'], binary(emit));
  const unaryOp = (name: string, emit: UnaryEmitter): void => op(name, ['v128'], ['v128'], unary(emit));

  for (const width of LANE_WIDTHS) {
    const shape = SHAPES[width];
    for (const [name, ops] of Object.entries(SINGLE)) {
      const sseOp = ops[width];
      if (sseOp !== undefined) binaryOp(`${shape}.${name}`, instruction(sseOp));
    }
    for (const [name, spec] of Object.entries(COMPARISONS)) {
      const compare = spec(width);
      if (compare) binaryOp(`${shape}.${name}`, comparison(width, compare));
    }
    unaryOp(`${shape}.neg`, negate(width));
    unaryOp(`${shape}.abs`, absolute(width));
  }
  binaryOp('i64x2.mul', multiply64);
  binaryOp('i16x8.q15mulr_sat_s', q15MultiplyRounded);
  binaryOp('i32x4.dot_i16x8_s', instruction(SseOp.Pmaddwd));
  unaryOp('i8x16.popcnt', populationCount);
});
