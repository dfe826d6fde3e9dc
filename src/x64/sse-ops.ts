// The packed SSE instructions (SSE2 … SSE4.2) as one table: each enum member's value is its encoding
// written as the bytes appear in the manuals — the mandatory prefix (66, F2, F3 or none), then the
// opcode in its map (0F xx, 0F 38 xx, 0F 3A xx) — so `Paddb = 0x66_0ffc` reads `66 0F FC`. The
// assembler splits the value back into prefix and opcode; FEATURES below says which CPUID feature
// each one needs beyond x86-64's SSE2.
//
// Legacy-SSE (non-VEX) instructions fault on a 16-byte memory operand that is not 16-byte aligned;
// our frames and wasm memory promise no alignment, so the m128 forms are for constants the code
// aligns itself. Forms that read less (the pmovsx/pmovzx, movq, movddup, cvtps2pd, cvtdq2pd, movss,
// movsd and insertps memory operands: 8 or 4 bytes) take any address.

/** Two-operand packed instructions: `op dst, src` (dst is also the first source). */
export enum SseOp {
  // Moves. movq zeroes the upper lane; movss/movsd between registers replace only the low lane;
  // movhlps/movlhps exist only between registers (their memory forms are other instructions).
  Movdqa = 0x66_0f6f, Movq = 0xf3_0f7e, Movss = 0xf3_0f10, Movsd = 0xf2_0f10,
  Movddup = 0xf2_0f12, Movshdup = 0xf3_0f16, Movhlps = 0x0f12, Movlhps = 0x0f16,
  // Bitwise: the integer forms and the single/double-precision forms (same result, other domains).
  Pand = 0x66_0fdb, Pandn = 0x66_0fdf, Por = 0x66_0feb, Pxor = 0x66_0fef,
  Andps = 0x0f54, Andnps = 0x0f55, Orps = 0x0f56, Xorps = 0x0f57,
  Andpd = 0x66_0f54, Andnpd = 0x66_0f55, Orpd = 0x66_0f56, Xorpd = 0x66_0f57,
  // Integer add and subtract: wrapping, signed saturating, unsigned saturating.
  Paddb = 0x66_0ffc, Paddw = 0x66_0ffd, Paddd = 0x66_0ffe, Paddq = 0x66_0fd4,
  Psubb = 0x66_0ff8, Psubw = 0x66_0ff9, Psubd = 0x66_0ffa, Psubq = 0x66_0ffb,
  Paddsb = 0x66_0fec, Paddsw = 0x66_0fed, Paddusb = 0x66_0fdc, Paddusw = 0x66_0fdd,
  Psubsb = 0x66_0fe8, Psubsw = 0x66_0fe9, Psubusb = 0x66_0fd8, Psubusw = 0x66_0fd9,
  // Integer multiply.
  Pmullw = 0x66_0fd5, Pmulhw = 0x66_0fe5, Pmulhuw = 0x66_0fe4, Pmulld = 0x66_0f3840,
  Pmuludq = 0x66_0ff4, Pmuldq = 0x66_0f3828, Pmulhrsw = 0x66_0f380b,
  Pmaddwd = 0x66_0ff5, Pmaddubsw = 0x66_0f3804,
  // Averages, minima, maxima, absolute values, signs.
  Pavgb = 0x66_0fe0, Pavgw = 0x66_0fe3,
  Pminsb = 0x66_0f3838, Pminsw = 0x66_0fea, Pminsd = 0x66_0f3839,
  Pminub = 0x66_0fda, Pminuw = 0x66_0f383a, Pminud = 0x66_0f383b,
  Pmaxsb = 0x66_0f383c, Pmaxsw = 0x66_0fee, Pmaxsd = 0x66_0f383d,
  Pmaxub = 0x66_0fde, Pmaxuw = 0x66_0f383e, Pmaxud = 0x66_0f383f,
  Pabsb = 0x66_0f381c, Pabsw = 0x66_0f381d, Pabsd = 0x66_0f381e,
  Psignb = 0x66_0f3808, Psignw = 0x66_0f3809, Psignd = 0x66_0f380a,
  // Integer comparisons (all-ones lanes where true).
  Pcmpeqb = 0x66_0f74, Pcmpeqw = 0x66_0f75, Pcmpeqd = 0x66_0f76, Pcmpeqq = 0x66_0f3829,
  Pcmpgtb = 0x66_0f64, Pcmpgtw = 0x66_0f65, Pcmpgtd = 0x66_0f66, Pcmpgtq = 0x66_0f3837,
  // Narrowing with saturation, interleaving.
  Packsswb = 0x66_0f63, Packssdw = 0x66_0f6b, Packuswb = 0x66_0f67, Packusdw = 0x66_0f382b,
  Punpcklbw = 0x66_0f60, Punpcklwd = 0x66_0f61, Punpckldq = 0x66_0f62, Punpcklqdq = 0x66_0f6c,
  Punpckhbw = 0x66_0f68, Punpckhwd = 0x66_0f69, Punpckhdq = 0x66_0f6a, Punpckhqdq = 0x66_0f6d,
  Unpcklps = 0x0f14, Unpckhps = 0x0f15, Unpcklpd = 0x66_0f14, Unpckhpd = 0x66_0f15,
  // Widening of the low half (the memory forms read 8 bytes).
  Pmovsxbw = 0x66_0f3820, Pmovsxwd = 0x66_0f3823, Pmovsxdq = 0x66_0f3825,
  Pmovzxbw = 0x66_0f3830, Pmovzxwd = 0x66_0f3833, Pmovzxdq = 0x66_0f3835,
  // Byte shuffle by a control vector (a set top bit zeroes the byte).
  Pshufb = 0x66_0f3800,
  // Variable blends: each lane from src where the top bit of the same lane of xmm0 (implicit) is set.
  Pblendvb = 0x66_0f3810, Blendvps = 0x66_0f3814, Blendvpd = 0x66_0f3815,
  // Shifts by the count in the low 64 bits of src (counts ≥ the lane width zero the lane, or fill it with the sign).
  Psllw = 0x66_0ff1, Pslld = 0x66_0ff2, Psllq = 0x66_0ff3,
  Psrlw = 0x66_0fd1, Psrld = 0x66_0fd2, Psrlq = 0x66_0fd3,
  Psraw = 0x66_0fe1, Psrad = 0x66_0fe2,
  // ZF = (dst AND src) is all zeros, CF = (src AND NOT dst) is all zeros.
  Ptest = 0x66_0f3817,
  // Float arithmetic.
  Addps = 0x0f58, Subps = 0x0f5c, Mulps = 0x0f59, Divps = 0x0f5e, Minps = 0x0f5d, Maxps = 0x0f5f, Sqrtps = 0x0f51,
  Addpd = 0x66_0f58, Subpd = 0x66_0f5c, Mulpd = 0x66_0f59, Divpd = 0x66_0f5e, Minpd = 0x66_0f5d, Maxpd = 0x66_0f5f, Sqrtpd = 0x66_0f51,
  // Conversions (cvtps2pd and cvtdq2pd read the low 8 bytes; the pd-to-32-bit ones zero the upper half).
  Cvtdq2ps = 0x0f5b, Cvttps2dq = 0xf3_0f5b, Cvtps2pd = 0x0f5a, Cvtpd2ps = 0x66_0f5a,
  Cvtdq2pd = 0xf3_0fe6, Cvttpd2dq = 0x66_0fe6,
}

/** Packed instructions with an 8-bit immediate: `op dst, src, imm`. */
export enum SseImmOp {
  // Shuffles: dwords of src; words of src's low or high half; lanes of dst then src; byte alignment of dst:src.
  Pshufd = 0x66_0f70, Pshuflw = 0xf2_0f70, Pshufhw = 0xf3_0f70,
  Shufps = 0x0fc6, Shufpd = 0x66_0fc6, Palignr = 0x66_0f3a0f,
  /** Words from src where the immediate's bit is set. */
  Pblendw = 0x66_0f3a0e,
  /** Immediate: `FloatCompare`. */
  Cmpps = 0x0fc2, Cmppd = 0x66_0fc2,
  /** Immediate: `RoundMode`. */
  Roundps = 0x66_0f3a08, Roundpd = 0x66_0f3a09,
  /** Immediate: source lane << 6 | destination lane << 4 | lanes to zero. */
  Insertps = 0x66_0f3a21,
}

/** cmpps/cmppd predicates (lanes become all ones where true; every predicate but the negated ones is false for NaN). */
export enum FloatCompare { Eq = 0, Lt = 1, Le = 2, Unord = 3, Neq = 4, Nlt = 5, Nle = 6, Ord = 7 }

/** Shifts of each lane (or, for the dq forms, the whole register by bytes) by an immediate: `0x66 0F op /digit ib`. */
export enum SseShiftImm {
  Psrlw = 0x7102, Psraw = 0x7104, Psllw = 0x7106,
  Psrld = 0x7202, Psrad = 0x7204, Pslld = 0x7206,
  Psrlq = 0x7302, Psllq = 0x7306,
  Psrldq = 0x7303, Pslldq = 0x7307,
}

/** The sign bits of each lane into a general-purpose register: pmovmskb, movmskps, movmskpd. */
export enum MoveMask { Bytes = 0x66_0fd7, Singles = 0x0f50, Doubles = 0x66_0f50 }

/** Lane widths of pinsr/pextr. */
export type LaneBits = 8 | 16 | 32 | 64;

/** CPUID features, named as `CpuFeatures` names them; SSE2 is part of x86-64. */
export type SseFeature = 'sse2' | 'sse3' | 'ssse3' | 'sse41' | 'sse42';

/** How the manuals (and CompileError messages) name each feature. */
export const SSE_FEATURE_NAMES: Readonly<Record<SseFeature, string>> = {
  sse2: 'SSE2', sse3: 'SSE3', ssse3: 'SSSE3', sse41: 'SSE4.1', sse42: 'SSE4.2',
};

/** Every instruction above SSE2; the rest need nothing beyond x86-64. */
const FEATURES = new Map<SseOp | SseImmOp, SseFeature>([
  ...[SseOp.Movddup, SseOp.Movshdup].map((op) => [op, 'sse3'] as const),
  ...[
    SseOp.Pshufb, SseOp.Pmulhrsw, SseOp.Pmaddubsw, SseOp.Pabsb, SseOp.Pabsw, SseOp.Pabsd,
    SseOp.Psignb, SseOp.Psignw, SseOp.Psignd, SseImmOp.Palignr,
  ].map((op) => [op, 'ssse3'] as const),
  ...[
    SseOp.Pmulld, SseOp.Pmuldq, SseOp.Pminsb, SseOp.Pminsd, SseOp.Pminuw, SseOp.Pminud,
    SseOp.Pmaxsb, SseOp.Pmaxsd, SseOp.Pmaxuw, SseOp.Pmaxud, SseOp.Pcmpeqq, SseOp.Packusdw,
    SseOp.Pmovsxbw, SseOp.Pmovsxwd, SseOp.Pmovsxdq, SseOp.Pmovzxbw, SseOp.Pmovzxwd, SseOp.Pmovzxdq,
    SseOp.Pblendvb, SseOp.Blendvps, SseOp.Blendvpd, SseOp.Ptest,
    SseImmOp.Pblendw, SseImmOp.Roundps, SseImmOp.Roundpd, SseImmOp.Insertps,
  ].map((op) => [op, 'sse41'] as const),
  [SseOp.Pcmpgtq, 'sse42'],
]);

/** The CPU feature an instruction needs. */
export function sseFeature(op: SseOp | SseImmOp): SseFeature {
  return FEATURES.get(op) ?? 'sse2';
}

/**
 * The CPU feature of `pinsr`/`pextr` at a lane width: SSE4.1, but pinsrw and pextrw into a register
 * are SSE2 (pextrw into memory is SSE4.1).
 */
export function laneFeature(bits: LaneBits, toMemory = false): SseFeature {
  return bits === 16 && !toMemory ? 'sse2' : 'sse41';
}
