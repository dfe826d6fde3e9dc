// Lowering of the f32/f64 instructions on SSE, one table per family. Operands come from the value
// stack into xmm registers (or as memory operands, for locals); results stay in xmm registers, or in
// the flags for comparisons. Where the spec leaves a NaN open, the result is the one V8 produces with
// the same instructions (operand order included), so differential tests can compare bits.
import { Alu, Cond, Label, Reg, RoundMode, Shift, SseArith, SseLogic, Unary, Xmm } from '../x64/index.js';
import type { FloatBits, Mem, Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import type { LoweringEnv, NumericOp } from './integer.js';
import { TrapCode } from './traps.js';


const FLOATS = [['f32', 32], ['f64', 64]] as const;
const INTS = [['i32', 32], ['i64', 64]] as const;

const SIGN_BIT: Record<FloatBits, bigint> = { 32: 0x8000_0000n, 64: 0x8000_0000_0000_0000n };
/** All bits but the sign (abs), made once rather than subtracted per instruction. */
const MAGNITUDE_BITS: Record<FloatBits, bigint> = { 32: 0x7fff_ffffn, 64: 0x7fff_ffff_ffff_ffffn };

const float32 = new Float32Array(1);
const float64 = new Float64Array(1);
const float32Bits = new Int32Array(float32.buffer);
/** The 32-bit halves of `float64`, low first (x86 is little-endian): no bigint per constant. */
const float64Halves = new Int32Array(float64.buffer);

/** A float constant's operand in the constant pool. */
function floatConstant(env: LoweringEnv, bits: FloatBits, value: number): Mem {
  if (bits === 32) {
    float32[0] = value;
    return env.constants.bits32(float32Bits[0]!);
  }
  float64[0] = value;
  return env.constants.bits64(float64Halves[0]!, float64Halves[1]!);
}

/** Loads a float constant into an xmm register. */
function loadConstant(env: LoweringEnv, bits: FloatBits, xmm: Xmm, value: number): void {
  env.asm.loadFloat(bits, xmm, floatConstant(env, bits, value));
}

const ARITH: Record<string, SseArith> = { add: SseArith.Add, sub: SseArith.Sub, mul: SseArith.Mul, div: SseArith.Div };

/** `a op b`; the result replaces a. */
function lowerArith(env: LoweringEnv, bits: FloatBits, op: SseArith): void {
  const { stack, asm } = env;
  const right = stack.popXmmOperand(bits);
  const left = stack.popToResultXmm(right);
  asm.sseArith(op, bits, left, right);
  stack.freeOperand(right, true);
  stack.pushXmm(left);
}

/**
 * min/max with wasm's rules: NaN if either operand is NaN (V8's 0/0 default NaN), and -0 below +0
 * (for equal operands `or` of the bits gives min, `and` gives max).
 */
function lowerMinMax(env: LoweringEnv, bits: FloatBits, isMin: boolean): void {
  const { stack, asm } = env;
  const nan = new Label();
  const takeB = new Label();
  const done = new Label();
  const b = stack.popToXmm();
  const a = stack.popToResultXmm(b);
  asm.ucomis(bits, a, b);
  asm.jcc(Cond.P, nan);
  asm.jcc(isMin ? Cond.A : Cond.B, takeB);
  asm.jcc(isMin ? Cond.B : Cond.A, done);
  asm.sseLogic(isMin ? SseLogic.Or : SseLogic.And, a, b);
  asm.jmp(done);
  asm.bind(takeB);
  asm.movXmm(a, b);
  asm.jmp(done);
  asm.bind(nan);
  asm.sseLogic(SseLogic.Xor, a, a);
  asm.sseArith(SseArith.Div, bits, a, a);
  asm.bind(done);
  stack.freeXmm(b);
  stack.pushXmm(a);
}

/** abs, neg and copysign only touch the sign bit: integer operations on the bit pattern. */
function lowerSignOp(env: LoweringEnv, bits: FloatBits, op: 'abs' | 'neg' | 'copysign'): void {
  const { stack, asm } = env;
  const width: Width = bits;
  if (op === 'copysign') {
    stack.popInto(Reg.rcx);
    const value = stack.popToGpr();
    asm.movRI(64, Reg.rdx, SIGN_BIT[bits]);
    asm.aluRR(Alu.And, width, Reg.rcx, Reg.rdx);
    asm.unary(Unary.Not, width, Reg.rdx);
    asm.aluRR(Alu.And, width, value, Reg.rdx);
    asm.aluRR(Alu.Or, width, value, Reg.rcx);
    stack.pushGpr(value);
    return;
  }
  const value = stack.popToGpr();
  asm.movRI(64, Reg.rcx, op === 'neg' ? SIGN_BIT[bits] : MAGNITUDE_BITS[bits]);
  asm.aluRR(op === 'neg' ? Alu.Xor : Alu.And, width, value, Reg.rcx);
  stack.pushGpr(value);
}

const ROUNDINGS: Record<string, RoundMode> = {
  ceil: RoundMode.Ceil, floor: RoundMode.Floor, trunc: RoundMode.Trunc, nearest: RoundMode.Nearest,
};

function lowerRounding(env: LoweringEnv, bits: FloatBits, mode: RoundMode): void {
  const { stack, asm } = env;
  const value = stack.popToResultXmm();
  if (env.features.sse41) {
    asm.round(bits, value, value, mode);
  } else {
    asm.movXmm(Xmm.xmm0, value);
    emitRoundingWithoutSse41(env, bits, mode);
    asm.movXmm(value, Xmm.xmm0);
  }
  stack.pushXmm(value);
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
  asm.movRI(64, Reg.rcx, MAGNITUDE_BITS[bits]);
  asm.aluRR(Alu.And, bits, Reg.rax, Reg.rcx);
  asm.movToXmm(bits, dst, Reg.rax);
}

/** dst = copysign(dst, signSource) (through rax, rcx and rdx). */
function emitCopySign(env: LoweringEnv, bits: FloatBits, dst: Xmm, signSource: Xmm): void {
  const { asm } = env;
  asm.movFromXmm(bits, Reg.rax, dst);
  asm.movRI(64, Reg.rcx, MAGNITUDE_BITS[bits]);
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
  const { stack, asm } = env;
  const ordered = COMPARISONS[name];
  if (ordered) {
    // ucomis compares a register with a register or memory: the operand that goes second may be a
    // local's slot or a constant.
    if (ordered.swap) {
      const b = stack.popToXmm();
      const a = stack.popXmmOperand(bits);
      asm.ucomis(bits, b, a);
      stack.freeOperand(a, true);
      stack.freeXmm(b);
    } else {
      const b = stack.popXmmOperand(bits);
      const a = stack.popToXmm();
      asm.ucomis(bits, a, b);
      stack.freeXmm(a);
      stack.freeOperand(b, true);
    }
    stack.pushFlags(ordered.cond);
    return;
  }
  // eq: equal and ordered; ne: not equal or unordered — two conditions, combined in a register.
  const b = stack.popXmmOperand(bits);
  const a = stack.popToXmm();
  const result = stack.allocResultGpr();
  asm.ucomis(bits, a, b);
  asm.setcc(name === 'eq' ? Cond.E : Cond.NE, result);
  asm.setcc(name === 'eq' ? Cond.NP : Cond.P, Reg.rcx);
  asm.movzx(8, result, result);
  asm.movzx(8, Reg.rcx, Reg.rcx);
  asm.aluRR(name === 'eq' ? Alu.And : Alu.Or, 32, result, Reg.rcx);
  stack.freeOperand(b, true);
  stack.freeXmm(a);
  stack.pushGpr(result);
}

/** Integer → float. */
function lowerConvertFromInt(env: LoweringEnv, bits: FloatBits, intWidth: Width, signed: boolean): void {
  const { stack, asm } = env;
  const value = stack.popToGpr(intWidth);
  const result = stack.allocResultXmm();
  // cvtsi2ss/sd write only the low lanes, so they wait for the register's last writer (a division,
  // say): zeroing it first breaks that false dependency, as V8's Cvtlsi2sd does.
  asm.sseLogic(SseLogic.Xor, result, result);
  if (signed && intWidth === 32) {
    asm.convertIntToFloat(bits, 32, result, value);
  } else if (signed || intWidth === 32) {
    // A 32-bit move zero-extends: an unsigned i32 converts exactly as a signed i64.
    if (intWidth === 32) asm.movRR(32, value, value);
    asm.convertIntToFloat(bits, 64, result, value);
  } else {
    // u64 at or above 2^63: halve it (keeping the low bit, so rounding stays right) and double back.
    const big = new Label();
    const done = new Label();
    asm.test(64, value, value);
    asm.jcc(Cond.S, big);
    asm.convertIntToFloat(bits, 64, result, value);
    asm.jmp(done);
    asm.bind(big);
    asm.movRR(64, Reg.rcx, value);
    asm.shiftImm(Shift.Shr, 64, Reg.rcx, 1);
    asm.aluRI(Alu.And, 32, value, 1);
    asm.aluRR(Alu.Or, 64, Reg.rcx, value);
    asm.convertIntToFloat(bits, 64, result, Reg.rcx);
    asm.sseArith(SseArith.Add, bits, result, result);
    asm.bind(done);
  }
  stack.freeGpr(value);
  stack.pushXmm(result);
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

/** Every range, made once: its bigint bounds cost allocations a truncation should not pay. */
const INT_RANGES: Record<Width, Record<'signed' | 'unsigned', Record<FloatBits, IntRange>>> = {
  32: { signed: { 32: intRange(32, true, 32), 64: intRange(32, true, 64) }, unsigned: { 32: intRange(32, false, 32), 64: intRange(32, false, 64) } },
  64: { signed: { 32: intRange(64, true, 32), 64: intRange(64, true, 64) }, unsigned: { 32: intRange(64, false, 32), 64: intRange(64, false, 64) } },
};

/**
 * Float → integer, truncating. Out of range and NaN jump to `outOfRange` (the trap), or, when
 * saturating, give 0 for NaN and the nearest bound otherwise.
 */
function lowerTruncate(env: LoweringEnv, bits: FloatBits, intWidth: Width, signed: boolean, saturating: boolean): void {
  const { asm } = env;
  const range = INT_RANGES[intWidth][signed ? 'signed' : 'unsigned'][bits];
  const trap = env.trap(TrapCode.FloatUnrepresentable);
  const done = new Label();
  const belowRange = saturating ? new Label() : trap;
  const aboveRange = saturating ? new Label() : trap;
  const nan = saturating ? new Label() : trap;
  const value = env.stack.popToXmm();
  const result = env.stack.allocResultGpr();
  asm.movXmm(Xmm.xmm0, value);
  env.stack.freeXmm(value);
  asm.ucomis(bits, Xmm.xmm0, Xmm.xmm0);
  asm.jcc(Cond.P, nan);
  asm.ucomis(bits, Xmm.xmm0, floatConstant(env, bits, range.lower));
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
    const twoTo63 = floatConstant(env, bits, 2 ** 63);
    asm.ucomis(bits, Xmm.xmm0, twoTo63);
    asm.jcc(Cond.B, small);
    asm.sseArith(SseArith.Sub, bits, Xmm.xmm0, twoTo63);
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
  asm.movRR(64, result, Reg.rax);
  env.stack.pushGpr(result);
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
    op(`${type}.sqrt`, [type], [type], ({ asm, stack }) => {
      const value = stack.popToResultXmm();
      asm.sseArith(SseArith.Sqrt, bits, value, value);
      stack.pushXmm(value);
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
  for (const [name, from] of [['f32.demote_f64', 64], ['f64.promote_f32', 32]] as const) {
    op(name, [from === 64 ? 'f64' : 'f32'], [from === 64 ? 'f32' : 'f64'], ({ asm, stack }) => {
      const value = stack.popToResultXmm();
      asm.convertFloat(from, value, value);
      stack.pushXmm(value);
    });
  }
  return ops;
}
