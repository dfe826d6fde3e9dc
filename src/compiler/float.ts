// Lowering of the f32/f64 instructions on SSE, one table per family. Operands live in their stack
// slots as bit patterns; each lowering loads them into xmm0/xmm1, computes, and stores the result
// back into the slot. Where the spec leaves a NaN open, the result is the one V8 produces with the
// same instructions (operand order included), so differential tests can compare bits.
import { Alu, Cond, Label, Reg, RoundMode, Shift, SseArith, SseLogic, Unary, Xmm, mem } from '../x64/index.js';
import type { FloatBits, Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import type { LoweringEnv, NumericOp } from './integer.js';
import { TrapCode } from './traps.js';

const TOP = mem(Reg.rsp);
const SECOND = mem(Reg.rsp, 8);

const FLOATS = [['f32', 32], ['f64', 64]] as const;
const INTS = [['i32', 32], ['i64', 64]] as const;

const SIGN_BIT: Record<FloatBits, bigint> = { 32: 0x8000_0000n, 64: 0x8000_0000_0000_0000n };

/** The bit pattern of a float constant of the given width. */
function floatBits(value: number, bits: FloatBits): bigint {
  if (bits === 32) return BigInt(new Uint32Array(new Float32Array([value]).buffer)[0]!);
  return new BigUint64Array(new Float64Array([value]).buffer)[0]!;
}

/** Loads a float constant into an xmm register (through rax). */
function loadConstant(env: LoweringEnv, bits: FloatBits, xmm: Xmm, value: number): void {
  env.asm.movRI(64, Reg.rax, floatBits(value, bits));
  env.asm.movToXmm(bits === 32 ? 32 : 64, xmm, Reg.rax);
}

const ARITH: Record<string, SseArith> = { add: SseArith.Add, sub: SseArith.Sub, mul: SseArith.Mul, div: SseArith.Div };

/** `a op b` with a in the second slot and b on top; the result replaces a. */
function lowerArith(env: LoweringEnv, bits: FloatBits, op: SseArith): void {
  const { asm } = env;
  asm.loadFloat(bits, Xmm.xmm0, SECOND);
  asm.sseArith(op, bits, Xmm.xmm0, TOP);
  asm.aluRI(Alu.Add, 64, Reg.rsp, 8);
  asm.storeFloat(bits, TOP, Xmm.xmm0);
}

/**
 * min/max with wasm's rules: NaN if either operand is NaN (V8's 0/0 default NaN), and -0 below +0
 * (for equal operands `or` of the bits gives min, `and` gives max).
 */
function lowerMinMax(env: LoweringEnv, bits: FloatBits, isMin: boolean): void {
  const { asm } = env;
  const nan = new Label();
  const takeB = new Label();
  const done = new Label();
  asm.loadFloat(bits, Xmm.xmm0, SECOND);
  asm.loadFloat(bits, Xmm.xmm1, TOP);
  asm.aluRI(Alu.Add, 64, Reg.rsp, 8);
  asm.ucomis(bits, Xmm.xmm0, Xmm.xmm1);
  asm.jcc(Cond.P, nan);
  asm.jcc(isMin ? Cond.A : Cond.B, takeB);
  asm.jcc(isMin ? Cond.B : Cond.A, done);
  asm.sseLogic(isMin ? SseLogic.Or : SseLogic.And, Xmm.xmm0, Xmm.xmm1);
  asm.jmp(done);
  asm.bind(takeB);
  asm.movXmm(Xmm.xmm0, Xmm.xmm1);
  asm.jmp(done);
  asm.bind(nan);
  asm.sseLogic(SseLogic.Xor, Xmm.xmm0, Xmm.xmm0);
  asm.sseArith(SseArith.Div, bits, Xmm.xmm0, Xmm.xmm0);
  asm.bind(done);
  asm.storeFloat(bits, TOP, Xmm.xmm0);
}

/** abs, neg and copysign only touch the sign bit: integer operations on the slot. */
function lowerSignOp(env: LoweringEnv, bits: FloatBits, op: 'abs' | 'neg' | 'copysign'): void {
  const { asm } = env;
  const width: Width = bits;
  if (op === 'copysign') {
    asm.pop(Reg.rcx);
    asm.movRI(64, Reg.rdx, SIGN_BIT[bits]);
    asm.aluRR(Alu.And, width, Reg.rcx, Reg.rdx);
    asm.unary(Unary.Not, width, Reg.rdx);
    asm.aluRR(Alu.And, width, TOP, Reg.rdx);
    asm.aluRR(Alu.Or, width, TOP, Reg.rcx);
    return;
  }
  asm.movRI(64, Reg.rcx, op === 'neg' ? SIGN_BIT[bits] : SIGN_BIT[bits] - 1n);
  asm.aluRR(op === 'neg' ? Alu.Xor : Alu.And, width, TOP, Reg.rcx);
}

const ROUNDINGS: Record<string, RoundMode> = {
  ceil: RoundMode.Ceil, floor: RoundMode.Floor, trunc: RoundMode.Trunc, nearest: RoundMode.Nearest,
};

function lowerRounding(env: LoweringEnv, bits: FloatBits, mode: RoundMode): void {
  const { asm } = env;
  asm.loadFloat(bits, Xmm.xmm0, TOP);
  if (env.features.sse41) asm.round(bits, Xmm.xmm0, Xmm.xmm0, mode);
  else emitRoundingWithoutSse41(env, bits, mode);
  asm.storeFloat(bits, TOP, Xmm.xmm0);
}

/**
 * SSE2 rounding of xmm0 (CPUs without SSE4.1). NaN is quietened (x + x, as roundsd does); values of
 * magnitude 2^mantissa and above and infinities are integral already. Smaller magnitudes round to
 * nearest, ties to even, by adding and subtracting 2^mantissa; trunc, floor and ceil then step by one
 * where that went the wrong way, and the sign of the input is put back so that -0.5 gives -0.
 */
function emitRoundingWithoutSse41(env: LoweringEnv, bits: FloatBits, mode: RoundMode): void {
  const { asm } = env;
  const done = new Label();
  const nan = new Label();
  const small = new Label();
  emitAbs(env, bits, Xmm.xmm1, Xmm.xmm0);
  loadConstant(env, bits, Xmm.xmm2, 2 ** (bits === 32 ? 23 : 52));
  asm.ucomis(bits, Xmm.xmm1, Xmm.xmm2);
  asm.jcc(Cond.P, nan);
  asm.jcc(Cond.B, small);
  asm.jmp(done);
  asm.bind(nan);
  asm.sseArith(SseArith.Add, bits, Xmm.xmm0, Xmm.xmm0);
  asm.jmp(done);

  asm.bind(small);
  asm.movXmm(Xmm.xmm3, Xmm.xmm1);
  asm.sseArith(SseArith.Add, bits, Xmm.xmm3, Xmm.xmm2);
  asm.sseArith(SseArith.Sub, bits, Xmm.xmm3, Xmm.xmm2);
  loadConstant(env, bits, Xmm.xmm2, 1);
  const rounded = new Label();
  if (mode === RoundMode.Trunc) {
    // |r| must not exceed |x|.
    asm.ucomis(bits, Xmm.xmm3, Xmm.xmm1);
    asm.jcc(Cond.BE, rounded);
    asm.sseArith(SseArith.Sub, bits, Xmm.xmm3, Xmm.xmm2);
  }
  emitCopySign(env, bits, Xmm.xmm3, Xmm.xmm0);
  if (mode === RoundMode.Floor) {
    asm.ucomis(bits, Xmm.xmm3, Xmm.xmm0);
    asm.jcc(Cond.BE, rounded);
    asm.sseArith(SseArith.Sub, bits, Xmm.xmm3, Xmm.xmm2);
  } else if (mode === RoundMode.Ceil) {
    asm.ucomis(bits, Xmm.xmm0, Xmm.xmm3);
    asm.jcc(Cond.BE, rounded);
    asm.sseArith(SseArith.Add, bits, Xmm.xmm3, Xmm.xmm2);
  }
  asm.bind(rounded);
  emitCopySign(env, bits, Xmm.xmm3, Xmm.xmm0);
  asm.movXmm(Xmm.xmm0, Xmm.xmm3);
  asm.bind(done);
}

/** dst = |src| (through rax and rcx). */
function emitAbs(env: LoweringEnv, bits: FloatBits, dst: Xmm, src: Xmm): void {
  const { asm } = env;
  asm.movFromXmm(bits, Reg.rax, src);
  asm.movRI(64, Reg.rcx, SIGN_BIT[bits] - 1n);
  asm.aluRR(Alu.And, bits, Reg.rax, Reg.rcx);
  asm.movToXmm(bits, dst, Reg.rax);
}

/** dst = copysign(dst, signSource) (through rax, rcx and rdx). */
function emitCopySign(env: LoweringEnv, bits: FloatBits, dst: Xmm, signSource: Xmm): void {
  const { asm } = env;
  asm.movFromXmm(bits, Reg.rax, dst);
  asm.movRI(64, Reg.rcx, SIGN_BIT[bits] - 1n);
  asm.aluRR(Alu.And, bits, Reg.rax, Reg.rcx);
  asm.movFromXmm(bits, Reg.rdx, signSource);
  asm.unary(Unary.Not, bits, Reg.rcx);
  asm.aluRR(Alu.And, bits, Reg.rdx, Reg.rcx);
  asm.aluRR(Alu.Or, bits, Reg.rax, Reg.rdx);
  asm.movToXmm(bits, dst, Reg.rax);
}

/** Comparisons: which operand goes first in ucomis, and the condition on the flags (NaN is false). */
const COMPARISONS: Record<string, { swap: boolean; cond: Cond }> = {
  lt: { swap: true, cond: Cond.A },
  gt: { swap: false, cond: Cond.A },
  le: { swap: true, cond: Cond.AE },
  ge: { swap: false, cond: Cond.AE },
};

function lowerCompare(env: LoweringEnv, bits: FloatBits, name: string): void {
  const { asm } = env;
  asm.loadFloat(bits, Xmm.xmm0, SECOND);
  asm.loadFloat(bits, Xmm.xmm1, TOP);
  asm.aluRI(Alu.Add, 64, Reg.rsp, 16);
  asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);
  asm.aluRR(Alu.Xor, 32, Reg.rcx, Reg.rcx);
  const ordered = COMPARISONS[name];
  if (ordered) {
    if (ordered.swap) asm.ucomis(bits, Xmm.xmm1, Xmm.xmm0);
    else asm.ucomis(bits, Xmm.xmm0, Xmm.xmm1);
    asm.setcc(ordered.cond, Reg.rax);
  } else {
    // eq: equal and ordered; ne: not equal or unordered.
    asm.ucomis(bits, Xmm.xmm0, Xmm.xmm1);
    asm.setcc(name === 'eq' ? Cond.E : Cond.NE, Reg.rax);
    asm.setcc(name === 'eq' ? Cond.NP : Cond.P, Reg.rcx);
    asm.aluRR(name === 'eq' ? Alu.And : Alu.Or, 32, Reg.rax, Reg.rcx);
  }
  asm.push(Reg.rax);
}

/** Integer → float, in place in the top slot. */
function lowerConvertFromInt(env: LoweringEnv, bits: FloatBits, intWidth: Width, signed: boolean): void {
  const { asm } = env;
  // A 32-bit load zero-extends: an unsigned i32 converts exactly as a signed i64.
  asm.load(intWidth, Reg.rax, TOP);
  if (signed && intWidth === 32) {
    asm.convertIntToFloat(bits, 32, Xmm.xmm0, Reg.rax);
  } else if (signed || intWidth === 32) {
    asm.convertIntToFloat(bits, 64, Xmm.xmm0, Reg.rax);
  } else {
    // u64 at or above 2^63: halve it (keeping the low bit, so rounding stays right) and double back.
    const big = new Label();
    const done = new Label();
    asm.test(64, Reg.rax, Reg.rax);
    asm.jcc(Cond.S, big);
    asm.convertIntToFloat(bits, 64, Xmm.xmm0, Reg.rax);
    asm.jmp(done);
    asm.bind(big);
    asm.movRR(64, Reg.rcx, Reg.rax);
    asm.shiftImm(Shift.Shr, 64, Reg.rcx, 1);
    asm.aluRI(Alu.And, 32, Reg.rax, 1);
    asm.aluRR(Alu.Or, 64, Reg.rcx, Reg.rax);
    asm.convertIntToFloat(bits, 64, Xmm.xmm0, Reg.rcx);
    asm.sseArith(SseArith.Add, bits, Xmm.xmm0, Xmm.xmm0);
    asm.bind(done);
  }
  asm.storeFloat(bits, TOP, Xmm.xmm0);
}

interface IntRange {
  /** The smallest float that is still in range, or the largest that is below it. */
  lower: number;
  lowerInclusive: boolean;
  /** The first float past the range (exclusive). */
  upper: number;
  min: bigint;
  max: bigint;
}

function intRange(intWidth: Width, signed: boolean, bits: FloatBits): IntRange {
  if (!signed) return { lower: -1, lowerInclusive: false, upper: 2 ** intWidth, min: 0n, max: (1n << BigInt(intWidth)) - 1n };
  const half = 2 ** (intWidth - 1);
  // -2^31 - 1 is a double but not a float; -2^63 - 1 is neither: the bound is then -2^(n-1) itself.
  const exclusiveBelow = intWidth === 32 && bits === 64;
  return {
    lower: exclusiveBelow ? -half - 1 : -half,
    lowerInclusive: !exclusiveBelow,
    upper: half,
    min: -(1n << BigInt(intWidth - 1)),
    max: (1n << BigInt(intWidth - 1)) - 1n,
  };
}

/**
 * Float → integer, truncating. Out of range and NaN jump to `outOfRange` (the trap), or, when
 * saturating, give 0 for NaN and the nearest bound otherwise.
 */
function lowerTruncate(env: LoweringEnv, bits: FloatBits, intWidth: Width, signed: boolean, saturating: boolean): void {
  const { asm } = env;
  const range = intRange(intWidth, signed, bits);
  const trap = env.trap(TrapCode.FloatUnrepresentable);
  const done = new Label();
  const belowRange = saturating ? new Label() : trap;
  const aboveRange = saturating ? new Label() : trap;
  const nan = saturating ? new Label() : trap;
  asm.loadFloat(bits, Xmm.xmm0, TOP);
  asm.ucomis(bits, Xmm.xmm0, Xmm.xmm0);
  asm.jcc(Cond.P, nan);
  loadConstant(env, bits, Xmm.xmm1, range.lower);
  asm.ucomis(bits, Xmm.xmm0, Xmm.xmm1);
  asm.jcc(range.lowerInclusive ? Cond.B : Cond.BE, belowRange);
  loadConstant(env, bits, Xmm.xmm1, range.upper);
  asm.ucomis(bits, Xmm.xmm1, Xmm.xmm0);
  asm.jcc(Cond.BE, aboveRange);
  if (signed || intWidth === 32) {
    asm.truncateFloatToInt(bits, signed ? intWidth : 64, Reg.rax, Xmm.xmm0);
  } else {
    // u64 at or above 2^63: subtract 2^63 first and set the top bit after.
    const small = new Label();
    const converted = new Label();
    loadConstant(env, bits, Xmm.xmm1, 2 ** 63);
    asm.ucomis(bits, Xmm.xmm0, Xmm.xmm1);
    asm.jcc(Cond.B, small);
    asm.sseArith(SseArith.Sub, bits, Xmm.xmm0, Xmm.xmm1);
    asm.truncateFloatToInt(bits, 64, Reg.rax, Xmm.xmm0);
    asm.movRI(64, Reg.rcx, SIGN_BIT[64]);
    asm.aluRR(Alu.Xor, 64, Reg.rax, Reg.rcx);
    asm.jmp(converted);
    asm.bind(small);
    asm.truncateFloatToInt(bits, 64, Reg.rax, Xmm.xmm0);
    asm.bind(converted);
  }
  if (saturating) {
    asm.jmp(done);
    asm.bind(nan);
    asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);
    asm.jmp(done);
    asm.bind(belowRange as Label);
    asm.movRI(64, Reg.rax, range.min);
    asm.jmp(done);
    asm.bind(aboveRange as Label);
    asm.movRI(64, Reg.rax, range.max);
  }
  asm.bind(done);
  asm.store(64, TOP, Reg.rax);
}

/** Every float instruction by its text-format name. */
export function floatOps(): Map<string, NumericOp> {
  const ops = new Map<string, NumericOp>();
  const op = (name: string, params: ValType[], results: ValType[], lower: (env: LoweringEnv) => void): void => {
    ops.set(name, { params, results, lower });
  };
  for (const [type, bits] of FLOATS) {
    for (const [name, arith] of Object.entries(ARITH)) op(`${type}.${name}`, [type, type], [type], (env) => lowerArith(env, bits, arith));
    op(`${type}.min`, [type, type], [type], (env) => lowerMinMax(env, bits, true));
    op(`${type}.max`, [type, type], [type], (env) => lowerMinMax(env, bits, false));
    op(`${type}.sqrt`, [type], [type], ({ asm }) => {
      asm.sseArith(SseArith.Sqrt, bits, Xmm.xmm0, TOP);
      asm.storeFloat(bits, TOP, Xmm.xmm0);
    });
    for (const sign of ['abs', 'neg'] as const) op(`${type}.${sign}`, [type], [type], (env) => lowerSignOp(env, bits, sign));
    op(`${type}.copysign`, [type, type], [type], (env) => lowerSignOp(env, bits, 'copysign'));
    for (const [name, mode] of Object.entries(ROUNDINGS)) op(`${type}.${name}`, [type], [type], (env) => lowerRounding(env, bits, mode));
    for (const name of ['eq', 'ne', 'lt', 'gt', 'le', 'ge']) op(`${type}.${name}`, [type, type], ['i32'], (env) => lowerCompare(env, bits, name));
    for (const [intType, intWidth] of INTS) {
      for (const signed of [true, false]) {
        const s = signed ? 's' : 'u';
        op(`${type}.convert_${intType}_${s}`, [intType], [type], (env) => lowerConvertFromInt(env, bits, intWidth, signed));
        op(`${intType}.trunc_${type}_${s}`, [type], [intType], (env) => lowerTruncate(env, bits, intWidth, signed, false));
        op(`${intType}.trunc_sat_${type}_${s}`, [type], [intType], (env) => lowerTruncate(env, bits, intWidth, signed, true));
      }
    }
  }
  op('f32.demote_f64', ['f64'], ['f32'], ({ asm }) => {
    asm.loadFloat(64, Xmm.xmm0, TOP);
    asm.convertFloat(64, Xmm.xmm0, Xmm.xmm0);
    asm.storeFloat(32, TOP, Xmm.xmm0);
  });
  op('f64.promote_f32', ['f32'], ['f64'], ({ asm }) => {
    asm.loadFloat(32, Xmm.xmm0, TOP);
    asm.convertFloat(32, Xmm.xmm0, Xmm.xmm0);
    asm.storeFloat(64, TOP, Xmm.xmm0);
  });
  return ops;
}
