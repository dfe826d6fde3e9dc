// Conversions between float and integer lanes and between f32x4 and f64x2, as V8 lowers them on x64
// (Liftoff's emit_*convert*/trunc_sat/demote/promote and the shared macro-assembler's sequences).
// The integer results are what the spec says (saturated, NaN → 0); the float ones are correctly
// rounded, and NaNs go through cvtpd2ps/cvtps2pd, which quieten them as V8's code does.
import { FloatCompare, RoundMode, SseImmOp, SseOp, SseShiftImm, Xmm } from '../../x64/index.js';
import { splat32Constant, splat64Constant } from './constant.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

const SCRATCH = Xmm.xmm0;
const SCRATCH2 = Xmm.xmm1;

/** Constants the sequences below need, as the lane patterns V8 keeps in memory for them. */
const INT32_MAX_AS_DOUBLE = 0x41df_ffff_ffc0_0000n;
const UINT32_MAX_AS_DOUBLE = 0x41ef_ffff_ffe0_0000n;
/** 2^52: its significand holds any uint32 exactly in its low bits. */
const TWO_POW_52 = 0x4330_0000_0000_0000n;
/** The high half of 2^52. */
const TWO_POW_52_HIGH = 0x4330_0000;
/** 2^31 as an f32: the first value above the i32 range. */
const INT32_OVERFLOW_AS_FLOAT = 0x4f00_0000;


/**
 * f32x4.convert_i32x4_u, V8's split: the low 16 bits and the high 16 bits of each lane convert
 * exactly (the high part halved first, to stay in signed range, then doubled); only their sum rounds.
 */
function convertU32ToF32(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.sse(SseOp.Pxor, SCRATCH, SCRATCH);
  asm.sseImm(SseImmOp.Pblendw, SCRATCH, v, 0x55);
  asm.sse(SseOp.Psubd, v, SCRATCH);
  asm.sse(SseOp.Cvtdq2ps, SCRATCH, SCRATCH);
  asm.sseShiftImm(SseShiftImm.Psrld, v, 1);
  asm.sse(SseOp.Cvtdq2ps, v, v);
  asm.sse(SseOp.Addps, v, v);
  asm.sse(SseOp.Addps, v, SCRATCH);
}

/**
 * i32x4.trunc_sat_f32x4_s (V8's I32x4SConvertF32x4): NaN lanes zeroed first; cvttps2dq gives
 * 0x80000000 for every lane out of range, right for the negative ones; the lanes ≥ 2^31 are
 * flipped to 0x7fffffff by an xor with their all-ones compare mask.
 */
function truncSatF32ToS32(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.movXmm(SCRATCH, v);
  asm.sseImm(SseImmOp.Cmpps, SCRATCH, SCRATCH, FloatCompare.Eq);
  asm.sse(SseOp.Andps, v, SCRATCH);
  asm.loadV128(SCRATCH, splat32Constant(env, INT32_OVERFLOW_AS_FLOAT));
  asm.sseImm(SseImmOp.Cmpps, SCRATCH, v, FloatCompare.Le);
  asm.sse(SseOp.Cvttps2dq, v, v);
  asm.sse(SseOp.Xorps, v, SCRATCH);
}

/**
 * i32x4.trunc_sat_f32x4_u (V8's I32x4TruncF32x4U): maxps with 0 sends NaNs and negatives to 0;
 * lanes below 2^31 convert directly; for the others, v - 2^31 is converted (saturating to
 * 0x7fffffff where it is ≥ 2^31 too, clamped at 0 where it was below) and added to the 0x80000000
 * that cvttps2dq gave them.
 */
function truncSatF32ToU32(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.sse(SseOp.Pxor, SCRATCH, SCRATCH);
  asm.sse(SseOp.Maxps, v, SCRATCH);
  // 2^31 in every lane, made as V8 makes it here: INT32_MAX, converted (it rounds up).
  asm.sse(SseOp.Pcmpeqd, SCRATCH, SCRATCH);
  asm.sseShiftImm(SseShiftImm.Psrld, SCRATCH, 1);
  asm.sse(SseOp.Cvtdq2ps, SCRATCH, SCRATCH);
  asm.movXmm(SCRATCH2, v);
  asm.sse(SseOp.Subps, SCRATCH2, SCRATCH);
  asm.sseImm(SseImmOp.Cmpps, SCRATCH, SCRATCH2, FloatCompare.Le);
  asm.sse(SseOp.Cvttps2dq, SCRATCH2, SCRATCH2);
  asm.sse(SseOp.Pxor, SCRATCH2, SCRATCH);
  asm.sse(SseOp.Pxor, SCRATCH, SCRATCH);
  asm.sse(SseOp.Pmaxsd, SCRATCH2, SCRATCH);
  asm.sse(SseOp.Cvttps2dq, v, v);
  asm.sse(SseOp.Paddd, v, SCRATCH2);
}

/**
 * f64x2.convert_low_i32x4_u (V8's F64x2ConvertLowI32x4U): each uint32 becomes the low half of a
 * double whose high half is 0x43300000, which is 2^52 + the integer, exactly; minus 2^52.
 */
function convertLowU32ToF64(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.sse(SseOp.Unpcklps, v, splat32Constant(env, TWO_POW_52_HIGH));
  asm.sse(SseOp.Subpd, v, splat64Constant(env, TWO_POW_52));
}

/**
 * i32x4.trunc_sat_f64x2_s_zero (V8's I32x4TruncSatF64x2SZero): minpd with INT32_MAX (0 for NaN
 * lanes: minpd then returns that second operand) saturates above; cvttpd2dq's 0x80000000 saturates
 * below and zeroes the upper lanes.
 */
function truncSatF64ToS32(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.movXmm(SCRATCH, v);
  asm.sseImm(SseImmOp.Cmppd, SCRATCH, v, FloatCompare.Eq);
  asm.sse(SseOp.Andpd, SCRATCH, splat64Constant(env, INT32_MAX_AS_DOUBLE));
  asm.sse(SseOp.Minpd, v, SCRATCH);
  asm.sse(SseOp.Cvttpd2dq, v, v);
}

/**
 * i32x4.trunc_sat_f64x2_u_zero (V8's I32x4TruncSatF64x2UZero): clamped to [0, UINT32_MAX] (maxpd
 * with 0 sends NaNs to 0), truncated, plus 2^52 so that the integer is the low half of each double;
 * shufps gathers the two low halves and zeroes the upper lanes.
 */
function truncSatF64ToU32(env: SimdLoweringEnv, v: Xmm): void {
  const { asm } = env;
  asm.sse(SseOp.Xorps, SCRATCH, SCRATCH);
  asm.sse(SseOp.Maxpd, v, SCRATCH);
  asm.sse(SseOp.Minpd, v, splat64Constant(env, UINT32_MAX_AS_DOUBLE));
  asm.sseImm(SseImmOp.Roundpd, v, v, RoundMode.Trunc);
  asm.sse(SseOp.Addpd, v, splat64Constant(env, TWO_POW_52));
  asm.sseImm(SseImmOp.Shufps, v, SCRATCH, 0x88);
}

export const FLOAT_CONVERSION_OPS = simdTable((op) => {
  const conversion = (name: string, emit: (env: SimdLoweringEnv, v: Xmm) => void): void => {
    op(name, ['v128'], ['v128'], (env) => {
      const v = env.stack.popV128();
      emit(env, v);
      env.stack.pushV128(v);
    });
  };
  const single = (instruction: SseOp) => (env: SimdLoweringEnv, v: Xmm): void => env.asm.sse(instruction, v, v);

  conversion('f32x4.convert_i32x4_s', single(SseOp.Cvtdq2ps));
  conversion('f32x4.convert_i32x4_u', convertU32ToF32);
  conversion('i32x4.trunc_sat_f32x4_s', truncSatF32ToS32);
  conversion('i32x4.trunc_sat_f32x4_u', truncSatF32ToU32);
  conversion('f64x2.convert_low_i32x4_s', single(SseOp.Cvtdq2pd));
  conversion('f64x2.convert_low_i32x4_u', convertLowU32ToF64);
  conversion('i32x4.trunc_sat_f64x2_s_zero', truncSatF64ToS32);
  conversion('i32x4.trunc_sat_f64x2_u_zero', truncSatF64ToU32);
  // cvtpd2ps rounds by MXCSR (to nearest) and zeroes the upper lanes; both quieten NaNs.
  conversion('f32x4.demote_f64x2_zero', single(SseOp.Cvtpd2ps));
  conversion('f64x2.promote_low_f32x4', single(SseOp.Cvtps2pd));
});
