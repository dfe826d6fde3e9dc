// Lane shifts: shl, shr_s, shr_u by an i32 count taken modulo the lane width. A constant count
// becomes an immediate shift; otherwise the masked count goes into xmm1 for the shift-by-register
// forms. Bytes have no shift instructions and i64x2 no arithmetic right shift: V8's sequences.
import { Alu, Reg, SseOp, SseShiftImm, Xmm } from '../../x64/index.js';
import { allOnes, LANE_WIDTHS, SHAPES, splat32 } from './integer-operands.js';
import type { LaneWidth } from './integer-operands.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

type ShiftKind = 'shl' | 'shr_s' | 'shr_u';

/**
 * A shift count, taken modulo the lane width: an immediate (never 0: that shift is no code), or in a
 * general-purpose register the lowering owns, and copied to COUNT for the shifts by register.
 */
type Count = { immediate: number } | { register: Reg };

/** Where the shifts by register find their count (the byte shifts adjust it before they put it there). */
const COUNT = Xmm.xmm1;

/** The word, dword and qword shifts, by immediate and by the count in an xmm register. */
const SHIFTS: Record<ShiftKind, Partial<Record<LaneWidth, [SseShiftImm, SseOp]>>> = {
  shl: { 16: [SseShiftImm.Psllw, SseOp.Psllw], 32: [SseShiftImm.Pslld, SseOp.Pslld], 64: [SseShiftImm.Psllq, SseOp.Psllq] },
  shr_u: { 16: [SseShiftImm.Psrlw, SseOp.Psrlw], 32: [SseShiftImm.Psrld, SseOp.Psrld], 64: [SseShiftImm.Psrlq, SseOp.Psrlq] },
  shr_s: { 16: [SseShiftImm.Psraw, SseOp.Psraw], 32: [SseShiftImm.Psrad, SseOp.Psrad] },
};

/** Shifts every lane of `reg` by the count (an immediate, or the one in COUNT). */
function shiftLanes(env: SimdLoweringEnv, [byImmediate, byRegister]: [SseShiftImm, SseOp], reg: Xmm, count: Count): void {
  if ('immediate' in count) env.asm.sseShiftImm(byImmediate, reg, count.immediate);
  else env.asm.sse(byRegister, reg, COUNT);
}

/**
 * Byte shifts as word shifts. By an immediate, shl and shr_u shift the words and clear the bits that
 * crossed from the neighbouring byte. shr_s, and shr_u by a variable count, put each byte in the high
 * half of a word (punpck), shift the words by 8 more and pack them back (nothing saturates). shl by a
 * variable count first clears the bits that would cross, with a mask of all-ones words shifted and packed.
 */
function shiftBytes(env: SimdLoweringEnv, kind: ShiftKind, reg: Xmm, count: Count): void {
  const { asm } = env;
  if (kind === 'shr_s' || (kind === 'shr_u' && 'register' in count)) {
    const [shift, pack] = kind === 'shr_s' ? [SHIFTS.shr_s[16]!, SseOp.Packsswb] : [SHIFTS.shr_u[16]!, SseOp.Packuswb];
    const high = Xmm.xmm0;
    asm.sse(SseOp.Punpckhbw, high, reg);
    asm.sse(SseOp.Punpcklbw, reg, reg);
    if ('register' in count) {
      asm.aluRI(Alu.Add, 32, count.register, 8);
      asm.movToXmm(32, COUNT, count.register);
    }
    const wordCount = 'immediate' in count ? { immediate: count.immediate + 8 } : count;
    shiftLanes(env, shift, high, wordCount);
    shiftLanes(env, shift, reg, wordCount);
    asm.sse(pack, reg, high);
    return;
  }
  if ('immediate' in count) {
    shiftLanes(env, SHIFTS[kind][16]!, reg, count);
    const byte = kind === 'shl' ? (0xff << count.immediate) & 0xff : 0xff >>> count.immediate;
    splat32(env, Xmm.xmm0, byte * 0x01010101);
    asm.sse(SseOp.Pand, reg, Xmm.xmm0);
    return;
  }
  // shl by a variable count: bytes & (0xff >> count), from words of 0xffff >> (count + 8) packed to bytes.
  const mask = Xmm.xmm0;
  asm.aluRI(Alu.Add, 32, count.register, 8);
  asm.movToXmm(32, COUNT, count.register);
  allOnes(env, mask);
  asm.sse(SseOp.Psrlw, mask, COUNT);
  asm.sse(SseOp.Packuswb, mask, mask);
  asm.sse(SseOp.Pand, reg, mask);
  asm.aluRI(Alu.Sub, 32, count.register, 8);
  asm.movToXmm(32, COUNT, count.register);
  asm.sse(SseOp.Psllw, reg, COUNT);
}

/** i64x2.shr_s: (x + 2⁶³) >>> n − (2⁶³ >>> n), the bias added with pxor. */
function shiftRightSigned64(env: SimdLoweringEnv, reg: Xmm, count: Count): void {
  const { asm } = env;
  const bias = Xmm.xmm0;
  allOnes(env, bias);
  asm.sseShiftImm(SseShiftImm.Psllq, bias, 63);
  asm.sse(SseOp.Pxor, reg, bias);
  const logical = SHIFTS.shr_u[64]!;
  shiftLanes(env, logical, reg, count);
  shiftLanes(env, logical, bias, count);
  asm.sse(SseOp.Psubq, reg, bias);
}

function lowerShift(env: SimdLoweringEnv, width: LaneWidth, kind: ShiftKind): void {
  const { asm, stack } = env;
  const constant = stack.popConst();
  const count: Count = constant === undefined ? { register: stack.popToGpr(32) } : { immediate: constant.low & (width - 1) };
  const reg = stack.popV128();
  if ('register' in count) {
    asm.aluRI(Alu.And, 32, count.register, width - 1);
    // The byte shifts adjust the count first; the others take it as it is.
    if (width !== 8) asm.movToXmm(32, COUNT, count.register);
  }
  if ('immediate' in count && count.immediate === 0) {
    // Nothing to shift.
  } else if (width === 8) {
    shiftBytes(env, kind, reg, count);
  } else if (width === 64 && kind === 'shr_s') {
    shiftRightSigned64(env, reg, count);
  } else {
    shiftLanes(env, SHIFTS[kind][width]!, reg, count);
  }
  if ('register' in count) stack.freeGpr(count.register);
  stack.pushV128(reg);
}

export const INTEGER_SHIFT_OPS = simdTable((op) => {
  for (const width of LANE_WIDTHS) {
    for (const kind of ['shl', 'shr_s', 'shr_u'] as const) {
      op(`${SHAPES[width]}.${kind}`, ['v128', 'i32'], ['v128'], (env) => lowerShift(env, width, kind));
    }
  }
});
