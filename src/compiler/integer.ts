// Lowering of the integer instructions, one table per family. Each lowering takes its operands from
// the value stack in whatever form they are (register, constant, local) and leaves its result there:
// in a register, or in the flags for comparisons (so that a following br_if/if/select jumps on them).
import { Alu, Assembler, BitOp, Cond, invert, Label, Reg, Shift, Unary, mem, memIndexed } from '../x64/index.js';
import type { Mem, Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import { TrapCode } from './traps.js';
import { emitAluOperand, isImm32 } from './value-stack.js';
import type { Constant, Location, ValueStack } from './value-stack.js';
import type { ConstantPool } from './constant-pool.js';

/** CPU features that change which instructions the compiler may emit (from CPUID at start-up). */
export interface CpuFeatures {
  lzcnt: boolean;
  tzcnt: boolean;
  popcnt: boolean;
  /** roundss/roundsd for ceil, floor, trunc and nearest; the baseline of SIMD (as in V8). */
  sse41: boolean;
  /** The SIMD instructions of these extensions (x64/sse-ops.ts says which needs which). */
  sse3: boolean;
  ssse3: boolean;
  sse42: boolean;
  /** rorx: a rotate by a constant into another register (a local's value rotated costs no copy). */
  bmi2: boolean;
  /**
   * Not a CPU feature but, like one, a property of the code: memory accesses carry no bounds check
   * and rely on guard regions and the signal handler (runtime/signal-handler.ts).
   */
  guardRegions: boolean;
  /** Not CPU features either: the code meters fuel / polls for interrupts (compiler/metering.ts). */
  fuel: boolean;
  interruptible: boolean;
}

export interface LoweringEnv {
  asm: Assembler;
  features: CpuFeatures;
  stack: ValueStack;
  /** The current function's constants, read as `[rip + label]`. */
  constants: ConstantPool;
  /** The size the linear memory has at least (its declared minimum), in bytes. */
  memoryMinBytes: number;
  trap(code: TrapCode): Label;
}

/** A numeric instruction: its operand and result types, and how it is lowered. */
export interface NumericOp {
  params: ValType[];
  results: ValType[];
  lower(env: LoweringEnv): void;
  /** A cheaper lowering when the next instruction only tests the (i32) result for zero, leaving it in the flags. */
  lowerAsCondition?(env: LoweringEnv): void;
  /** A cheaper lowering when the next two instructions are `i32.const mask; i32.and` (the result is masked). */
  lowerMasked?(env: LoweringEnv, mask: number): void;
}

const ALU: Record<string, Alu> = { add: Alu.Add, sub: Alu.Sub, and: Alu.And, or: Alu.Or, xor: Alu.Xor };

const SHIFTS: Record<string, Shift> = {
  shl: Shift.Shl, shr_s: Shift.Sar, shr_u: Shift.Shr, rotl: Shift.Rol, rotr: Shift.Ror,
};

const COMPARISONS: Record<string, Cond> = {
  eq: Cond.E, ne: Cond.NE,
  lt_s: Cond.L, lt_u: Cond.B, gt_s: Cond.G, gt_u: Cond.A,
  le_s: Cond.LE, le_u: Cond.BE, ge_s: Cond.GE, ge_u: Cond.AE,
};

/** The condition that holds for `b op a` when `cond` holds for `a op b` (operands swapped). */
const SWAPPED: Partial<Record<Cond, Cond>> = {
  [Cond.E]: Cond.E, [Cond.NE]: Cond.NE,
  [Cond.L]: Cond.G, [Cond.G]: Cond.L, [Cond.LE]: Cond.GE, [Cond.GE]: Cond.LE,
  [Cond.B]: Cond.A, [Cond.A]: Cond.B, [Cond.BE]: Cond.AE, [Cond.AE]: Cond.BE,
};

interface Division {
  signed: boolean;
  /** The quotient is in rax, the remainder in rdx. */
  result: Reg;
  byZero: TrapCode;
}

const DIVISIONS: Record<string, Division> = {
  div_s: { signed: true, result: Reg.rax, byZero: TrapCode.DivideByZero },
  div_u: { signed: false, result: Reg.rax, byZero: TrapCode.DivideByZero },
  rem_s: { signed: true, result: Reg.rdx, byZero: TrapCode.RemainderByZero },
  rem_u: { signed: false, result: Reg.rdx, byZero: TrapCode.RemainderByZero },
};

const MIN_INT: Record<Width, bigint> = { 32: -0x8000_0000n, 64: -0x8000_0000_0000_0000n };

/** Unary operations on a register, in place (rcx and rdx are free to use). */
const UNARY: Record<string, (env: LoweringEnv, width: Width, reg: Reg) => void> = {
  clz: lowerClz,
  ctz: lowerCtz,
  popcnt: lowerPopcnt,
  extend8_s: (env, width, reg) => env.asm.movsx(width, 8, reg, reg),
  extend16_s: (env, width, reg) => env.asm.movsx(width, 16, reg, reg),
};

const COMMUTATIVE = new Set([Alu.Add, Alu.And, Alu.Or, Alu.Xor]);

const isZero = (loc: Location): boolean => loc.kind === 'const' && loc.low === 0 && loc.high === 0;

function lowerBinaryAlu(env: LoweringEnv, width: Width, op: Alu): void {
  const { stack, asm } = env;
  if (COMMUTATIVE.has(op)) stack.orderCommutative();
  if (op !== Alu.And && isZero(stack.top()!)) {
    // x + 0, x - 0, x | 0, x ^ 0: x (a constant global's 0 base, as in `table + index`).
    stack.dropRead();
    return;
  }
  if ((op === Alu.Add || op === Alu.Sub) && lowerAddAsLea(env, width, op)) return;
  if (op === Alu.And && lowerAndAsMovzx(env, width)) return;
  const right = stack.popOperand(width);
  const left = stack.popToResultGpr(width, right);
  emitAluOperand(asm, op, width, left, right);
  stack.freeOperand(right);
  stack.pushWrittenGpr(left, width);
}

// Operands of lea, shared (like every Mem the compiler passes the assembler, they are immutable):
// `[reg + small displacement]` by register and displacement, `[reg + reg]` by the pair.
const SHARED_DISP_MIN = -256;
const SHARED_DISP_END = 4096;
const DISPLACED: Mem[][] = Array.from({ length: 16 }, () => []);
const INDEXED: Mem[] = [];

function displaced(base: Reg, disp: number): Mem {
  if (disp < SHARED_DISP_MIN || disp >= SHARED_DISP_END) return mem(base, disp);
  return (DISPLACED[base]![disp - SHARED_DISP_MIN] ??= mem(base, disp));
}

function indexed(base: Reg, index: Reg): Mem {
  return (INDEXED[16 * base + index] ??= memIndexed(base, index, 1));
}

/**
 * `local + constant`, `local - constant` and `local + local` for locals in registers: one `lea` into
 * the result register, where `op` would need a copy of the left local first. Likewise a value in a
 * register plus a constant, a local or another such value when the result goes to a local's
 * register (without that target, `op` updates the value's register in place). False when the
 * operands are of another kind (nothing is emitted then).
 */
function lowerAddAsLea(env: LoweringEnv, width: Width, op: Alu): boolean {
  const { stack, asm } = env;
  const toTarget = stack.hasTargetGpr;
  const base = stack.localRegisterAt(1) ?? (toTarget ? stack.valueRegisterAt(1) : undefined);
  if (base === undefined) return false;
  const right = stack.top()!;
  let operand: Mem;
  if (right.kind === 'const') {
    if (width === 64 && !isImm32(right)) return false;
    // -(-2^31) needs 33 bits; at width 32 it wraps back to itself, as the subtraction would.
    if (op === Alu.Sub && width === 64 && right.low === -0x8000_0000) return false;
    operand = displaced(base, op === Alu.Sub ? -right.low | 0 : right.low);
  } else {
    if (op !== Alu.Add) return false;
    const index = stack.localRegisterAt(0) ?? (toTarget ? stack.valueRegisterAt(0) : undefined);
    if (index === undefined) return false;
    operand = indexed(base, index);
  }
  stack.dropRead();
  stack.dropRead();
  // The operands' registers keep their values until the lea has read them (a freed one may be the result).
  const result = stack.allocResultGpr();
  asm.lea(result, operand, width);
  stack.pushWrittenGpr(result, width);
  return true;
}

/** The masks that keep a value's low 8, 16 or 32 bits, and how many (a zero-extending move does it). */
function zeroExtendingMaskBits(width: Width, mask: Constant): 8 | 16 | 32 | undefined {
  if (mask.high !== 0) return undefined;
  if (mask.low === 0xff) return 8;
  if (mask.low === 0xffff) return 16;
  return mask.low === -1 && width === 64 ? 32 : undefined;
}

/**
 * `x & 0xff`, `x & 0xffff` and, at 64 bits, `x & 0xffffffff`: one zero-extending move (`movzx`, or a
 * 32-bit `mov`) into the result register, where `and` needs a copy of a local first (bytes taken out
 * of words in hashes such as adler32 and Blowfish), and the 64-bit mask fits no imm32 (the low half
 * of a 64×64 multiply, in xxhash). False for any other mask (nothing is emitted then).
 */
function lowerAndAsMovzx(env: LoweringEnv, width: Width): boolean {
  const { stack, asm } = env;
  const mask = stack.top()!;
  const bits = mask.kind === 'const' ? zeroExtendingMaskBits(width, mask) : undefined;
  if (bits === undefined) return false;
  stack.dropRead();
  const source = stack.popOperand(width, false);
  stack.freeOperand(source);
  // The source register keeps its value until the move has read it (it may be the result).
  const result = stack.allocResultGpr();
  const from = source.kind === 'mem' ? source.mem : (source as { reg: Reg }).reg;
  if (bits === 32) {
    if (source.kind === 'mem') asm.load(32, result, source.mem);
    else asm.movRR(32, result, from as Reg);
  } else asm.movzx(bits, result, from);
  stack.pushWrittenGpr(result, 32);
  return true;
}

function lowerMul(env: LoweringEnv, width: Width): void {
  const { stack, asm } = env;
  stack.orderCommutative();
  const constant = stack.popConst();
  if (constant !== undefined && (width === 32 || isImm32(constant))) {
    // Three operands: the left one stays where it is (a local's register or slot, or a register).
    const source = stack.popOperand(width, false);
    stack.freeOperand(source);
    const result = stack.allocResultGpr();
    asm.imulRMI(width, result, source.kind === 'mem' ? source.mem : (source as { reg: Reg }).reg, constant.low);
    stack.pushWrittenGpr(result, width);
    return;
  }
  if (constant !== undefined) stack.restoreConst(constant);
  const right = stack.popOperand(width, false);
  const left = stack.popToResultGpr(width, right);
  if (right.kind === 'mem') asm.imulRM(width, left, right.mem);
  else asm.imulRR(width, left, (right as { reg: Reg }).reg);
  stack.freeOperand(right);
  stack.pushWrittenGpr(left, width);
}

function lowerShift(env: LoweringEnv, width: Width, op: Shift): void {
  const { stack, asm } = env;
  const count = stack.popConst();
  if (count !== undefined) {
    const masked = count.low & (width - 1);
    const source = (op === Shift.Rol || op === Shift.Ror) && masked !== 0 && env.features.bmi2 ? rotatedCopySource(stack) : undefined;
    if (source !== undefined) {
      rotateInto(env, width, source, op === Shift.Ror ? masked : width - masked);
      return;
    }
    const value = stack.popToResultGpr(width);
    if (masked === 0) {
      // Nothing written: the value's upper half is what it was.
      stack.pushGpr(value);
      return;
    }
    asm.shiftImm(op, width, value, masked);
    stack.pushWrittenGpr(value, width);
    return;
  }
  stack.popInto(Reg.rcx, 32);
  const value = stack.popToResultGpr(width);
  asm.shiftCl(op, width, value);
  stack.pushGpr(value);
}

/**
 * The register of a rotate's operand when rotating it in place would need a copy first (rorx
 * rotates into another register instead): a local's register (the local keeps its value), or a
 * value's register when the result goes to a local's. A local in a frame slot is left to `mov` and
 * `rol`: rorx with a memory operand made sha1 and sha256 slower on the bench machine.
 */
function rotatedCopySource(stack: ValueStack): Reg | undefined {
  return stack.localRegisterAt(0) ?? (stack.hasTargetGpr ? stack.valueRegisterAt(0) : undefined);
}

/** `rorx` of the top value, read from `source` (its register), right by `bits` into a result register. */
function rotateInto(env: LoweringEnv, width: Width, source: Reg, bits: number): void {
  const { stack } = env;
  stack.dropRead();
  // The source keeps its value until rorx has read it (a freed one may be the result).
  const result = stack.allocResultGpr();
  env.asm.rorx(width, result, source, bits);
  stack.pushWrittenGpr(result, width);
}

/**
 * `(x >>> k) & mask` with `mask < 2^(32-k)`, x a local in a register (a byte or field taken out of
 * a word, as in Blowfish's S-box indices): the bits a rotate brings round to the top are masked off
 * next, so one `rorx r, x, k` (BMI2) replaces `mov r, x; shr r, k`. Anything else: `lowerShift`.
 */
function lowerShrUMasked(env: LoweringEnv, mask: number): void {
  const { stack } = env;
  const count = stack.popConst();
  const k = count === undefined ? 0 : count.low & 31;
  const source = k !== 0 && env.features.bmi2 && mask >>> 0 < 2 ** (32 - k) ? stack.localRegisterAt(0) : undefined;
  if (source !== undefined) {
    rotateInto(env, 32, source, k);
    return;
  }
  if (count !== undefined) stack.restoreConst(count);
  lowerShift(env, 32, Shift.Shr);
}

function lowerDivision(env: LoweringEnv, width: Width, division: Division): void {
  const { stack, asm } = env;
  const divisor = stack.popConst();
  // Written last, after both operands are read.
  const result = stack.allocResultGpr();
  if (divisor === undefined) stack.popInto(Reg.rcx, width);
  else if (width === 32) asm.movRI(32, Reg.rcx, divisor.low >>> 0);
  else asm.movRI64(Reg.rcx, divisor.low, divisor.high);
  stack.popInto(Reg.rax, width);
  // A known divisor other than 0 and -1 can neither trap nor overflow.
  const isKnown = (value: number): boolean => divisor !== undefined && divisor.low === value && (width === 32 || divisor.high === value >> 31);
  if (divisor === undefined || isKnown(0)) {
    asm.test(width, Reg.rcx, Reg.rcx);
    asm.jcc(Cond.E, env.trap(division.byZero));
  }
  if (!division.signed) {
    asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx);
    asm.unary(Unary.Div, width, Reg.rcx);
  } else if (divisor !== undefined && !isKnown(-1)) {
    asm.signExtendAccumulator(width);
    asm.unary(Unary.Idiv, width, Reg.rcx);
  } else {
    // INT_MIN / -1 overflows (and would raise #DE): div_s traps, rem_s is defined as 0.
    const regular = new Label();
    const done = new Label();
    asm.aluRI(Alu.Cmp, width, Reg.rcx, -1);
    asm.jcc(Cond.NE, regular);
    if (division.result === Reg.rax) {
      asm.movRI(64, Reg.rdx, MIN_INT[width]);
      asm.aluRR(Alu.Cmp, width, Reg.rax, Reg.rdx);
      asm.jcc(Cond.E, env.trap(TrapCode.DivideUnrepresentable));
    } else {
      asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx);
      asm.jmp(done);
    }
    asm.bind(regular);
    asm.signExtendAccumulator(width);
    asm.unary(Unary.Idiv, width, Reg.rcx);
    asm.bind(done);
  }
  asm.movRR(64, result, division.result);
  stack.pushGpr(result);
}

function lowerCompare(env: LoweringEnv, width: Width, cond: Cond): void {
  const { stack, asm } = env;
  const right = stack.popOperand(width);
  const leftLoc = stack.top()!;
  if (leftLoc.kind === 'const' && right.kind === 'gpr') {
    // const op x: compare x with the constant and swap the condition.
    const value = stack.popConst()!;
    if (width === 32 || isImm32(value)) {
      asm.aluRI(Alu.Cmp, width, right.reg, value.low);
      stack.freeOperand(right);
      stack.pushFlags(SWAPPED[cond]!);
      return;
    }
    stack.restoreConst(value);
  }
  const left = stack.popCompareOperand(width);
  if (typeof left === 'number') {
    emitAluOperand(asm, Alu.Cmp, width, left, right);
  } else if (right.kind === 'mem') {
    // Memory on both sides: one of them goes through a register.
    asm.load(width, Reg.rax, right.mem);
    asm.aluRR(Alu.Cmp, width, left, Reg.rax);
  } else if (right.kind === 'imm') {
    asm.aluRI(Alu.Cmp, width, left, right.value);
  } else {
    asm.aluRR(Alu.Cmp, width, left, right.reg);
  }
  stack.freeOperand(right);
  stack.freeOperand(left);
  stack.pushFlags(cond);
}

function lowerEqz(env: LoweringEnv, width: Width): void {
  const { stack, asm } = env;
  const cond = width === 32 ? stack.popFlags() : undefined;
  if (cond !== undefined) {
    stack.pushFlags(invert(cond));
    return;
  }
  emitZeroTest(env, width);
  stack.pushFlags(Cond.E);
}

/** Sets ZF from the top value (popped) being zero: `test` of its register, or `cmp` of its slot with 0. */
export function emitZeroTest(env: LoweringEnv, width: Width): void {
  const { stack, asm } = env;
  const value = stack.popCompareOperand(width);
  if (typeof value === 'number') asm.test(width, value, value);
  else asm.aluRI(Alu.Cmp, width, value, 0);
  stack.freeOperand(value);
}

/**
 * `i32.and` whose only use is the zero test of the next instruction (br_if, if, select, eqz): a
 * `test`, leaving "nonzero" in the flags and no value in a register.
 */
function lowerAndAsCondition(env: LoweringEnv): void {
  const { stack, asm } = env;
  stack.orderCommutative();
  const right = stack.popOperand(32);
  const left = stack.popCompareOperand(32);
  if (right.kind === 'imm') {
    asm.testRI(32, left, right.value);
  } else if (right.kind === 'gpr') {
    asm.test(32, left, right.reg);
  } else if (typeof left === 'number') {
    asm.test(32, right.mem, left);
  } else {
    // Memory on both sides: one of them goes through a register.
    asm.load(32, Reg.rax, right.mem);
    asm.test(32, left, Reg.rax);
  }
  stack.freeOperand(right);
  stack.freeOperand(left);
  stack.pushFlags(Cond.NE);
}

function lowerClz(env: LoweringEnv, width: Width, reg: Reg): void {
  const { asm } = env;
  if (env.features.lzcnt) {
    asm.bitOp(BitOp.Lzcnt, width, reg, reg);
    return;
  }
  // bsr gives the index of the highest set bit (ZF set and the destination undefined for 0):
  // clz = (width-1) ^ index, and for 0 the value 2*width-1 makes that formula give width.
  asm.movRI(32, Reg.rcx, 2 * width - 1);
  asm.bitOp(BitOp.Bsr, width, reg, reg);
  asm.cmov(Cond.E, width, reg, Reg.rcx);
  asm.aluRI(Alu.Xor, 32, reg, width - 1);
}

function lowerCtz(env: LoweringEnv, width: Width, reg: Reg): void {
  const { asm } = env;
  if (env.features.tzcnt) {
    asm.bitOp(BitOp.Tzcnt, width, reg, reg);
    return;
  }
  asm.movRI(32, Reg.rcx, width);
  asm.bitOp(BitOp.Bsf, width, reg, reg);
  asm.cmov(Cond.E, width, reg, Reg.rcx);
}

/** Repeats a byte pattern across the operand width (0x55 → 0x5555…). */
function splat(byte: number, width: Width): bigint {
  let value = 0n;
  for (let i = 0; i < width / 8; i++) value = (value << 8n) | BigInt(byte);
  return value;
}

function lowerPopcnt(env: LoweringEnv, width: Width, reg: Reg): void {
  const { asm } = env;
  if (env.features.popcnt) {
    asm.bitOp(BitOp.Popcnt, width, reg, reg);
    return;
  }
  // Parallel bit count: pairs, nibbles, bytes, then a multiply sums the bytes into the top byte.
  const masked = (pattern: number, shift: number): void => {
    asm.movRR(width, Reg.rcx, reg);
    asm.shiftImm(Shift.Shr, width, Reg.rcx, shift);
    asm.movRI(width, Reg.rdx, splat(pattern, width));
    asm.aluRR(Alu.And, width, Reg.rcx, Reg.rdx);
  };
  masked(0x55, 1);
  asm.aluRR(Alu.Sub, width, reg, Reg.rcx);
  masked(0x33, 2);
  asm.aluRR(Alu.And, width, reg, Reg.rdx);
  asm.aluRR(Alu.Add, width, reg, Reg.rcx);
  asm.movRR(width, Reg.rcx, reg);
  asm.shiftImm(Shift.Shr, width, Reg.rcx, 4);
  asm.aluRR(Alu.Add, width, reg, Reg.rcx);
  asm.movRI(width, Reg.rdx, splat(0x0f, width));
  asm.aluRR(Alu.And, width, reg, Reg.rdx);
  asm.movRI(width, Reg.rdx, splat(0x01, width));
  asm.imulRR(width, reg, Reg.rdx);
  asm.shiftImm(Shift.Shr, width, reg, width - 8);
}

function inPlace(width: Width, lower: (env: LoweringEnv, width: Width, reg: Reg) => void): (env: LoweringEnv) => void {
  return (env) => {
    const reg = env.stack.popToResultGpr(width);
    lower(env, width, reg);
    env.stack.pushGpr(reg);
  };
}

const zeroExtendInPlace = inPlace(32, (env, _, reg) => env.asm.movRR(32, reg, reg));

/**
 * i64.extend_i32_u: nothing to do for a value whose upper half is zero already (a register a 32-bit
 * instruction wrote, an i32 local's register); a constant's high half becomes zero.
 */
function lowerExtendU(env: LoweringEnv): void {
  const { stack } = env;
  const constant = stack.popConst();
  if (constant !== undefined) stack.pushConst(constant.low, 0);
  else if (!stack.topIsZeroExtended()) zeroExtendInPlace(env);
}

/** Every integer instruction by its text-format name (`i32.add`, `i64.extend_i32_u`, …). */
export function integerOps(): Map<string, NumericOp> {
  const ops = new Map<string, NumericOp>();
  for (const [type, width] of [['i32', 32], ['i64', 64]] as const) {
    const binary = (name: string, lower: (env: LoweringEnv) => void): void => {
      ops.set(`${type}.${name}`, { params: [type, type], results: [type], lower });
    };
    for (const [name, alu] of Object.entries(ALU)) binary(name, (env) => lowerBinaryAlu(env, width, alu));
    if (type === 'i32') ops.get('i32.and')!.lowerAsCondition = lowerAndAsCondition;
    binary('mul', (env) => lowerMul(env, width));
    for (const [name, shift] of Object.entries(SHIFTS)) binary(name, (env) => lowerShift(env, width, shift));
    if (type === 'i32') ops.get('i32.shr_u')!.lowerMasked = lowerShrUMasked;
    for (const [name, division] of Object.entries(DIVISIONS)) binary(name, (env) => lowerDivision(env, width, division));
    for (const [name, cond] of Object.entries(COMPARISONS)) {
      ops.set(`${type}.${name}`, { params: [type, type], results: ['i32'], lower: (env) => lowerCompare(env, width, cond) });
    }
    ops.set(`${type}.eqz`, { params: [type], results: ['i32'], lower: (env) => lowerEqz(env, width) });
    for (const [name, lower] of Object.entries(UNARY)) {
      ops.set(`${type}.${name}`, { params: [type], results: [type], lower: inPlace(width, lower) });
    }
  }
  const conversion = (name: string, from: ValType, to: ValType, lower: (env: LoweringEnv) => void): void => {
    ops.set(name, { params: [from], results: [to], lower });
  };
  const signExtend32 = inPlace(64, (env, _, reg) => env.asm.movsx(64, 32, reg, reg));
  conversion('i64.extend32_s', 'i64', 'i64', signExtend32);
  conversion('i64.extend_i32_s', 'i32', 'i64', signExtend32);
  conversion('i64.extend_i32_u', 'i32', 'i64', lowerExtendU);
  // An i32 only reads the low half of its slot or register, so wrapping leaves the value where it
  // is; a float's bit pattern moves between register classes as needed, so reinterpreting changes
  // only the static type.
  const unchanged = (): void => {};
  conversion('i32.wrap_i64', 'i64', 'i32', unchanged);
  conversion('i32.reinterpret_f32', 'f32', 'i32', unchanged);
  conversion('i64.reinterpret_f64', 'f64', 'i64', unchanged);
  conversion('f32.reinterpret_i32', 'i32', 'f32', unchanged);
  conversion('f64.reinterpret_i64', 'i64', 'f64', unchanged);
  return ops;
}
