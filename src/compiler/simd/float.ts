// f32x4 and f64x2 lane arithmetic, min/max, pmin/pmax, rounding and comparisons, as V8 lowers them
// on x64 (Liftoff's emit_f32x4_*/emit_f64x2_* and the shared macro-assembler's F32x4Min & co.):
// where wasm leaves a NaN open, the hardware picks it from the operand order, so the operands go in
// V8's order (lhs first: V8 uses the AVX three-operand forms, `vaddps dst, lhs, rhs`) and every NaN
// result has V8's bits.
import { FloatCompare, RoundMode, SseImmOp, SseOp, SseShiftImm, Xmm } from '../../x64/index.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

/** The instructions of one float shape: the single- or the double-precision form of each. */
interface FloatShape {
  shape: 'f32x4' | 'f64x2';
  add: SseOp; sub: SseOp; mul: SseOp; div: SseOp; min: SseOp; max: SseOp; sqrt: SseOp;
  or: SseOp; xor: SseOp; andNot: SseOp; and: SseOp;
  compare: SseImmOp;
  round: SseImmOp;
  /** The lane-wise logical right shift. */
  shiftRight: SseShiftImm;
  laneBits: 32 | 64;
  /**
   * min/max keep the sign, the exponent and the quiet bit of a NaN and clear the rest of its
   * payload with a mask of all ones shifted right by this much.
   */
  payloadShift: number;
}

const SHAPES: readonly FloatShape[] = [
  {
    shape: 'f32x4', add: SseOp.Addps, sub: SseOp.Subps, mul: SseOp.Mulps, div: SseOp.Divps,
    min: SseOp.Minps, max: SseOp.Maxps, sqrt: SseOp.Sqrtps,
    or: SseOp.Orps, xor: SseOp.Xorps, andNot: SseOp.Andnps, and: SseOp.Andps,
    compare: SseImmOp.Cmpps, round: SseImmOp.Roundps,
    shiftRight: SseShiftImm.Psrld, laneBits: 32, payloadShift: 10,
  },
  {
    shape: 'f64x2', add: SseOp.Addpd, sub: SseOp.Subpd, mul: SseOp.Mulpd, div: SseOp.Divpd,
    min: SseOp.Minpd, max: SseOp.Maxpd, sqrt: SseOp.Sqrtpd,
    or: SseOp.Orpd, xor: SseOp.Xorpd, andNot: SseOp.Andnpd, and: SseOp.Andpd,
    compare: SseImmOp.Cmppd, round: SseImmOp.Roundpd,
    shiftRight: SseShiftImm.Psrlq, laneBits: 64, payloadShift: 13,
  },
];

/** The register min/max use for their second value (xmm0–3 are free within one instruction). */
const SCRATCH = Xmm.xmm0;

/**
 * Pops rhs, then lhs; `emit(dst, src)` leaves the result in dst, which is lhs — or rhs when
 * `swapped` (pmin/pmax, gt/ge: V8 gives the operands to the instruction the other way round).
 * src is only read, so it may be a v128 local's own register.
 */
function binary(env: SimdLoweringEnv, emit: (dst: Xmm, src: Xmm) => void, swapped = false): void {
  const { stack } = env;
  const rhs = swapped ? stack.popV128() : stack.popV128Source();
  const lhs = stack.popV128();
  const [dst, src] = swapped ? [rhs, lhs] : [lhs, rhs];
  emit(dst, src);
  stack.freeXmm(src);
  stack.pushV128(dst);
}

/** Pops the operand, `emit` turns it into the result in place. */
function unary(env: SimdLoweringEnv, emit: (reg: Xmm) => void): void {
  const reg = env.stack.popV128();
  emit(reg);
  env.stack.pushV128(reg);
}

/**
 * wasm's min: minps/minpd return their second operand when either is NaN and when both are zeros,
 * so V8 takes the minimum both ways and merges the two (V8's F32x4Min/F64x2Min): `or` propagates
 * -0 and NaNs, cmpunord marks the NaN lanes, which become sign | exponent | quiet bit (the `or` of
 * all-ones into them, then the payload cleared). Which of the two orders lands in which register
 * does not matter: every step after the two minima treats them symmetrically.
 */
function emitMin({ asm }: SimdLoweringEnv, s: FloatShape, lhs: Xmm, rhs: Xmm): void {
  asm.movXmm(SCRATCH, rhs);
  asm.sse(s.min, SCRATCH, lhs);
  asm.sse(s.min, lhs, rhs);
  asm.sse(s.or, SCRATCH, lhs);
  asm.sseImm(s.compare, lhs, SCRATCH, FloatCompare.Unord);
  asm.sse(s.or, SCRATCH, lhs);
  asm.sseShiftImm(s.shiftRight, lhs, s.payloadShift);
  asm.sse(s.andNot, lhs, SCRATCH);
}

/**
 * wasm's max, as V8's F32x4Max/F64x2Max: both orders of maxps/maxpd; `xor` finds the lanes where
 * they differ (a NaN, or +0 against -0), `or` then `sub` propagates NaNs (quieted, the sign as the
 * subtraction leaves it) and turns +0/-0 into +0; the NaN lanes' payloads are cleared.
 */
function emitMax({ asm }: SimdLoweringEnv, s: FloatShape, lhs: Xmm, rhs: Xmm): void {
  asm.movXmm(SCRATCH, rhs);
  asm.sse(s.max, SCRATCH, lhs);
  asm.sse(s.max, lhs, rhs);
  asm.sse(s.xor, lhs, SCRATCH);
  asm.sse(s.or, SCRATCH, lhs);
  asm.sse(s.sub, SCRATCH, lhs);
  asm.sseImm(s.compare, lhs, SCRATCH, FloatCompare.Unord);
  asm.sseShiftImm(s.shiftRight, lhs, s.payloadShift);
  asm.sse(s.andNot, lhs, SCRATCH);
}

/** abs and neg: and with the lanes' non-sign bits, xor with their sign bits (V8's Absps/Negps & co.). */
function emitSignOp(env: SimdLoweringEnv, s: FloatShape, reg: Xmm, op: 'abs' | 'neg'): void {
  // The high 32-bit word of a lane holds its sign; an f64 lane's low word is all payload.
  const high = op === 'abs' ? 0x7fff_ffff : 0x8000_0000 | 0;
  const low = s.laneBits === 32 ? high : op === 'abs' ? -1 : 0;
  env.asm.sse(op === 'abs' ? s.and : s.xor, reg, env.v128Constant([low, high, low, high]));
}

const ROUNDING: Readonly<Record<string, RoundMode>> = {
  ceil: RoundMode.Ceil, floor: RoundMode.Floor, trunc: RoundMode.Trunc, nearest: RoundMode.Nearest,
};

/** cmpps/cmppd predicates; gt and ge compare the swapped operands with lt and le, as V8 does. */
const COMPARISONS: Readonly<Record<string, { predicate: FloatCompare; swapped: boolean }>> = {
  eq: { predicate: FloatCompare.Eq, swapped: false },
  ne: { predicate: FloatCompare.Neq, swapped: false },
  lt: { predicate: FloatCompare.Lt, swapped: false },
  le: { predicate: FloatCompare.Le, swapped: false },
  gt: { predicate: FloatCompare.Lt, swapped: true },
  ge: { predicate: FloatCompare.Le, swapped: true },
};

export const FLOAT_OPS = simdTable((op) => {
  const binaryOp = (name: string, lower: (env: SimdLoweringEnv) => void): void =>
    op(name, ['v128', 'v128'], ['v128'], lower);
  const unaryOp = (name: string, lower: (env: SimdLoweringEnv) => void): void => op(name, ['v128'], ['v128'], lower);

  for (const s of SHAPES) {
    for (const name of ['add', 'sub', 'mul', 'div'] as const) {
      binaryOp(`${s.shape}.${name}`, (env) => binary(env, (dst, src) => env.asm.sse(s[name], dst, src)));
    }
    binaryOp(`${s.shape}.min`, (env) => binary(env, (lhs, rhs) => emitMin(env, s, lhs, rhs)));
    binaryOp(`${s.shape}.max`, (env) => binary(env, (lhs, rhs) => emitMax(env, s, lhs, rhs)));
    // pmin(a, b) = b < a ? b : a, which is minps b, a (the second operand unless the first is less).
    binaryOp(`${s.shape}.pmin`, (env) => binary(env, (dst, src) => env.asm.sse(s.min, dst, src), true));
    binaryOp(`${s.shape}.pmax`, (env) => binary(env, (dst, src) => env.asm.sse(s.max, dst, src), true));
    for (const [name, { predicate, swapped }] of Object.entries(COMPARISONS)) {
      binaryOp(`${s.shape}.${name}`, (env) => binary(env, (dst, src) => env.asm.sseImm(s.compare, dst, src, predicate), swapped));
    }
    unaryOp(`${s.shape}.sqrt`, (env) => unary(env, (reg) => env.asm.sse(s.sqrt, reg, reg)));
    unaryOp(`${s.shape}.abs`, (env) => unary(env, (reg) => emitSignOp(env, s, reg, 'abs')));
    unaryOp(`${s.shape}.neg`, (env) => unary(env, (reg) => emitSignOp(env, s, reg, 'neg')));
    for (const [name, mode] of Object.entries(ROUNDING)) {
      unaryOp(`${s.shape}.${name}`, (env) => unary(env, (reg) => env.asm.sseImm(s.round, reg, reg, mode)));
    }
  }
});
