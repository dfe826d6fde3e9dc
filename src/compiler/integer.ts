// Lowering of the integer instructions, one table per family. Each lowering pops its operands from
// the machine stack and pushes its result (the push/pop model; see abi.ts for the slot conventions).
import { Alu, Assembler, BitOp, Cond, Label, Reg, Shift, Unary, mem } from '../x64/index.js';
import type { Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import { TrapCode } from './traps.js';

/** CPU features that change which instructions the compiler may emit (from CPUID at start-up). */
export interface CpuFeatures {
  lzcnt: boolean;
  tzcnt: boolean;
  popcnt: boolean;
  /** roundss/roundsd for ceil, floor, trunc and nearest. */
  sse41: boolean;
}

export const BASELINE_X64: CpuFeatures = { lzcnt: false, tzcnt: false, popcnt: false, sse41: false };

export interface LoweringEnv {
  asm: Assembler;
  features: CpuFeatures;
  trap(code: TrapCode): Label;
}

/** A numeric instruction: its operand and result types, and how it is lowered. */
export interface NumericOp {
  params: ValType[];
  results: ValType[];
  lower(env: LoweringEnv): void;
}

const TOP = mem(Reg.rsp);

const ALU: Record<string, Alu> = { add: Alu.Add, sub: Alu.Sub, and: Alu.And, or: Alu.Or, xor: Alu.Xor };

const SHIFTS: Record<string, Shift> = {
  shl: Shift.Shl, shr_s: Shift.Sar, shr_u: Shift.Shr, rotl: Shift.Rol, rotr: Shift.Ror,
};

const COMPARISONS: Record<string, Cond> = {
  eq: Cond.E, ne: Cond.NE,
  lt_s: Cond.L, lt_u: Cond.B, gt_s: Cond.G, gt_u: Cond.A,
  le_s: Cond.LE, le_u: Cond.BE, ge_s: Cond.GE, ge_u: Cond.AE,
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

/** Unary operations on rax that leave their result in rax. */
const UNARY: Record<string, (env: LoweringEnv, width: Width) => void> = {
  clz: lowerClz,
  ctz: lowerCtz,
  popcnt: lowerPopcnt,
  eqz: (env, width) => {
    env.asm.test(width, Reg.rax, Reg.rax);
    booleanFromFlags(env.asm, Cond.E);
  },
  extend8_s: (env, width) => env.asm.movsx(width, 8, Reg.rax, Reg.rax),
  extend16_s: (env, width) => env.asm.movsx(width, 16, Reg.rax, Reg.rax),
};

const MIN_INT: Record<Width, bigint> = { 32: -0x8000_0000n, 64: -0x8000_0000_0000_0000n };

function booleanFromFlags(asm: Assembler, cond: Cond): void {
  asm.setcc(cond, Reg.rax);
  asm.movzx8(Reg.rax, Reg.rax);
}

function lowerDivision(env: LoweringEnv, width: Width, division: Division): void {
  const { asm } = env;
  asm.pop(Reg.rcx);
  asm.pop(Reg.rax);
  asm.test(width, Reg.rcx, Reg.rcx);
  asm.jcc(Cond.E, env.trap(division.byZero));
  if (!division.signed) {
    asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx);
    asm.unary(Unary.Div, width, Reg.rcx);
    asm.push(division.result);
    return;
  }
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
  asm.push(division.result);
}

function lowerClz(env: LoweringEnv, width: Width): void {
  const { asm } = env;
  if (env.features.lzcnt) {
    asm.bitOp(BitOp.Lzcnt, width, Reg.rax, Reg.rax);
    return;
  }
  // bsr gives the index of the highest set bit (flags ZF and leaves rax undefined for 0):
  // clz = (width-1) ^ index, and for 0 the value 2*width-1 makes that formula give width.
  asm.movRI(32, Reg.rcx, 2 * width - 1);
  asm.bitOp(BitOp.Bsr, width, Reg.rax, Reg.rax);
  asm.cmov(Cond.E, width, Reg.rax, Reg.rcx);
  asm.aluRI(Alu.Xor, 32, Reg.rax, width - 1);
}

function lowerCtz(env: LoweringEnv, width: Width): void {
  const { asm } = env;
  if (env.features.tzcnt) {
    asm.bitOp(BitOp.Tzcnt, width, Reg.rax, Reg.rax);
    return;
  }
  asm.movRI(32, Reg.rcx, width);
  asm.bitOp(BitOp.Bsf, width, Reg.rax, Reg.rax);
  asm.cmov(Cond.E, width, Reg.rax, Reg.rcx);
}

/** Repeats a byte pattern across the operand width (0x55 → 0x5555…). */
function splat(byte: number, width: Width): bigint {
  let value = 0n;
  for (let i = 0; i < width / 8; i++) value = (value << 8n) | BigInt(byte);
  return value;
}

function lowerPopcnt(env: LoweringEnv, width: Width): void {
  const { asm } = env;
  if (env.features.popcnt) {
    asm.bitOp(BitOp.Popcnt, width, Reg.rax, Reg.rax);
    return;
  }
  // Parallel bit count: pairs, nibbles, bytes, then a multiply sums the bytes into the top byte.
  const masked = (pattern: number, shift: number): void => {
    asm.movRR(width, Reg.rcx, Reg.rax);
    asm.shiftImm(Shift.Shr, width, Reg.rcx, shift);
    asm.movRI(width, Reg.rdx, splat(pattern, width));
    asm.aluRR(Alu.And, width, Reg.rcx, Reg.rdx);
  };
  masked(0x55, 1);
  asm.aluRR(Alu.Sub, width, Reg.rax, Reg.rcx);
  masked(0x33, 2);
  asm.aluRR(Alu.And, width, Reg.rax, Reg.rdx);
  asm.aluRR(Alu.Add, width, Reg.rax, Reg.rcx);
  asm.movRR(width, Reg.rcx, Reg.rax);
  asm.shiftImm(Shift.Shr, width, Reg.rcx, 4);
  asm.aluRR(Alu.Add, width, Reg.rax, Reg.rcx);
  asm.movRI(width, Reg.rdx, splat(0x0f, width));
  asm.aluRR(Alu.And, width, Reg.rax, Reg.rdx);
  asm.movRI(width, Reg.rdx, splat(0x01, width));
  asm.imulRR(width, Reg.rax, Reg.rdx);
  asm.shiftImm(Shift.Shr, width, Reg.rax, width - 8);
}

function unaryOnTop(lower: (env: LoweringEnv) => void): (env: LoweringEnv) => void {
  return (env) => {
    env.asm.pop(Reg.rax);
    lower(env);
    env.asm.push(Reg.rax);
  };
}

/** Every integer instruction by its text-format name (`i32.add`, `i64.extend_i32_u`, …). */
export function integerOps(): Map<string, NumericOp> {
  const ops = new Map<string, NumericOp>();
  for (const [type, width] of [['i32', 32], ['i64', 64]] as const) {
    const binary = (name: string, lower: (env: LoweringEnv) => void): void => {
      ops.set(`${type}.${name}`, { params: [type, type], results: [type], lower });
    };
    for (const [name, alu] of Object.entries(ALU)) {
      binary(name, ({ asm }) => {
        asm.pop(Reg.rcx);
        asm.aluRR(alu, width, TOP, Reg.rcx);
      });
    }
    binary('mul', ({ asm }) => {
      asm.pop(Reg.rcx);
      asm.pop(Reg.rax);
      asm.imulRR(width, Reg.rax, Reg.rcx);
      asm.push(Reg.rax);
    });
    for (const [name, shift] of Object.entries(SHIFTS)) {
      binary(name, ({ asm }) => {
        asm.pop(Reg.rcx);
        asm.shiftCl(shift, width, TOP);
      });
    }
    for (const [name, division] of Object.entries(DIVISIONS)) {
      binary(name, (env) => lowerDivision(env, width, division));
    }
    for (const [name, cond] of Object.entries(COMPARISONS)) {
      ops.set(`${type}.${name}`, {
        params: [type, type],
        results: ['i32'],
        lower: ({ asm }) => {
          asm.pop(Reg.rcx);
          asm.pop(Reg.rax);
          asm.aluRR(Alu.Cmp, width, Reg.rax, Reg.rcx);
          booleanFromFlags(asm, cond);
          asm.push(Reg.rax);
        },
      });
    }
    for (const [name, lower] of Object.entries(UNARY)) {
      ops.set(`${type}.${name}`, {
        params: [type],
        results: [name === 'eqz' ? 'i32' : type],
        lower: unaryOnTop((env) => lower(env, width)),
      });
    }
  }
  const conversion = (name: string, from: ValType, to: ValType, lower: (env: LoweringEnv) => void): void => {
    ops.set(name, { params: [from], results: [to], lower });
  };
  conversion('i64.extend32_s', 'i64', 'i64', unaryOnTop(({ asm }) => asm.movsx(64, 32, Reg.rax, Reg.rax)));
  conversion('i64.extend_i32_s', 'i32', 'i64', unaryOnTop(({ asm }) => asm.movsx(64, 32, Reg.rax, Reg.rax)));
  conversion('i64.extend_i32_u', 'i32', 'i64', unaryOnTop(({ asm }) => asm.movRR(32, Reg.rax, Reg.rax)));
  // An i32 only reads the low half of its slot, so wrapping leaves the slot as it is; and a slot holds
  // a float as its bit pattern, so reinterpreting changes only the static type.
  const unchanged = (): void => {};
  conversion('i32.wrap_i64', 'i64', 'i32', unchanged);
  conversion('i32.reinterpret_f32', 'f32', 'i32', unchanged);
  conversion('i64.reinterpret_f64', 'f64', 'i64', unchanged);
  conversion('f32.reinterpret_i32', 'i32', 'f32', unchanged);
  conversion('f64.reinterpret_i64', 'i64', 'f64', unchanged);
  return ops;
}
