// Checks every instruction-emitting method of the x86-64 Assembler against GNU binutils. All cases are
// emitted into one code blob; one objdump run decodes it and each case must decode, at exactly its own
// byte boundaries, to the Intel text this file builds from the case's arguments. One `as` run encodes
// those same texts, and the bytes must match ours except where a case says why `as` picks a different,
// equivalent encoding.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Alu, Assembler, BitOp, Cond, FloatCompare, Label, MoveMask, Reg, RoundMode, Shift, SseArith, SseImmOp, SseLogic, SseOp,
  SseShiftImm, Unary, Xmm, laneFeature, mem, memIndexed, regName, ripMem, sseFeature,
} from '../src/x64/index.js';
import type { FloatBits, LaneBits, Mem, SseFeature, Width } from '../src/x64/index.js';
import { gasAssemble, gasRejects, objdump, type DecodedInstruction } from './helpers/objdump.js';

// ---- expected text ------------------------------------------------------------------------------

/** One instruction (or datum) a case must produce. */
interface Expected {
  /** objdump's Intel rendering; absent for data, which objdump would decode as garbage. */
  objdump?: string;
  /** The same thing in GNU `as` syntax. */
  gas: string;
  /** Required length where the text alone does not fix the form (rel8 vs rel32 branches). */
  length?: number;
}

const insn = (text: string, length?: number): Expected => ({ objdump: text, gas: text, length });

const SIZE = { 8: 'BYTE', 16: 'WORD', 32: 'DWORD', 64: 'QWORD', 128: 'XMMWORD' } as const;

/** An immediate as objdump prints it: hex of the two's-complement value at the operand size. */
const hex = (value: number | bigint, bits: number): string => `0x${BigInt.asUintN(bits, BigInt(value)).toString(16)}`;
const signedHex = (value: number): string => (value < 0 ? `-0x${(-value).toString(16)}` : `+0x${value.toString(16)}`);
const signedDecimal = (value: number): string => (value < 0 ? `${value}` : `+${value}`);

function address(m: Mem): string {
  const index = m.index === undefined ? '' : `+${regName(m.index, 64)}*${m.scale ?? 1}`;
  const disp = m.disp ?? 0;
  // objdump prints the displacement whenever the encoding carries one, and rbp/r13 bases always need one.
  const shownDisp = disp !== 0 || (m.base & 7) === Reg.rbp ? signedHex(disp) : '';
  return `[${regName(m.base, 64)}${index}${shownDisp}]`;
}

const memory = (m: Mem, bits: 8 | 16 | 32 | 64 | 128): string => `${SIZE[bits]} PTR ${address(m)}`;
const r = regName;
const x = (reg: Xmm): string => Xmm[reg];

/** The scalar mnemonic suffix: ss for single precision, sd for double. */
const scalar = (bits: FloatBits): string => (bits === 32 ? 'ss' : 'sd');
/** The packed-single mnemonics of the bitwise operations (`AndNot` is `andnps`). */
const LOGIC_MNEMONIC: Record<SseLogic, string> = {
  [SseLogic.And]: 'andps',
  [SseLogic.AndNot]: 'andnps',
  [SseLogic.Or]: 'orps',
  [SseLogic.Xor]: 'xorps',
};
/** `movd` moves 32 bits between a general-purpose and an xmm register, `movq` 64. */
const movdq = (width: Width): string => (width === 32 ? 'movd' : 'movq');

/** A relative branch at `from` to `to`; `as` gets `.±n` (relative to the instruction start). */
function branch(mnemonic: string, from: number, to: number, rel: 8 | 32, length: number): Expected {
  const forceRel32 = rel === 32 ? '{disp32} ' : '';
  return { objdump: `${mnemonic} ${hex(to, 64)}`, gas: `${forceRel32}${mnemonic} .${signedDecimal(to - from)}`, length };
}

// ---- operand tables -----------------------------------------------------------------------------

const REGS: Reg[] = Array.from({ length: 16 }, (_, i) => i as Reg);
const INDEX_REGS = REGS.filter((reg) => reg !== Reg.rsp);
const WIDTHS: Width[] = [32, 64];
const SCALES = [1, 2, 4, 8] as const;
const DISPS = [0, 1, -1, 0x7f, -0x80, 0x80, -0x81, 0x7fff_ffff, -0x8000_0000];
const IMM32 = [0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x7fff_ffff, -0x8000_0000];

const numericValues = <E extends number>(e: Record<string, string | number>): E[] =>
  Object.values(e).filter((v): v is E => typeof v === 'number');
const ALU_OPS = numericValues<Alu>(Alu);
const SHIFTS = numericValues<Shift>(Shift);
const UNARIES = numericValues<Unary>(Unary);
const BIT_OPS = numericValues<BitOp>(BitOp);
const CONDS = numericValues<Cond>(Cond);
const SSE_ARITHS = numericValues<SseArith>(SseArith);
const SSE_LOGICS = numericValues<SseLogic>(SseLogic);
const ROUND_MODES = numericValues<RoundMode>(RoundMode);
const cc = (cond: Cond): string => Cond[cond].toLowerCase();
const SSE_OPS = numericValues<SseOp>(SseOp);
const SSE_IMM_OPS = numericValues<SseImmOp>(SseImmOp);
const SSE_SHIFTS = numericValues<SseShiftImm>(SseShiftImm);
const MOVE_MASKS = numericValues<MoveMask>(MoveMask);
const LANE_BITS: LaneBits[] = [8, 16, 32, 64];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

/**
 * Memory operands: every base with every displacement class (none, disp8, disp32, both signs, at the
 * boundaries), then every base with every index, the scale and displacement rotating so each base
 * and each index meets every scale and displacement class. Covers the rsp/r12 (SIB) and rbp/r13
 * (no disp-less form) bases and the REX.X/REX.B extensions.
 */
const MEMS: Mem[] = [
  ...REGS.flatMap((base) => DISPS.map((disp) => mem(base, disp))),
  ...REGS.flatMap((base) =>
    INDEX_REGS.map((index, i) => ({ base, index, scale: pick(SCALES, base + i), disp: pick(DISPS, base + 3 * i) })),
  ),
  { base: Reg.rbx },
  { base: Reg.r13, index: Reg.r12 },
];

const REG_PAIRS: [Reg, Reg][] = REGS.flatMap((a) => REGS.map((b): [Reg, Reg] => [a, b]));

const XMMS: Xmm[] = Array.from({ length: 16 }, (_, i) => i as Xmm);
const XMM_PAIRS: [Xmm, Xmm][] = XMMS.flatMap((a) => XMMS.map((b): [Xmm, Xmm] => [a, b]));
/** Every xmm register with every general-purpose one (xmm first), so REX.R and REX.B each meet both. */
const XMM_REG_PAIRS: [Xmm, Reg][] = XMMS.flatMap((a) => REGS.map((b): [Xmm, Reg] => [a, b]));
const FLOAT_BITS: FloatBits[] = [32, 64];

// ---- SIMD expectations --------------------------------------------------------------------------

/** Memory operands for the packed instructions: the SIB bases (rsp, r12), the bases without a disp-less form (rbp, r13), disp8/disp32 at their edges, indices with REX.X. */
const SIMD_MEMS: Mem[] = [
  mem(Reg.rax), mem(Reg.rsp), mem(Reg.rbp), mem(Reg.r12), mem(Reg.r13), mem(Reg.r15),
  mem(Reg.rcx, 0x7f), mem(Reg.r12, -0x80), mem(Reg.r13, 0x80), mem(Reg.rsp, -0x81), mem(Reg.rbp, 0x7fff_ffff), mem(Reg.r8, -0x8000_0000),
  memIndexed(Reg.rax, Reg.rbx, 1), memIndexed(Reg.rsp, Reg.r9, 2, 1), memIndexed(Reg.rbp, Reg.r12, 4), memIndexed(Reg.r12, Reg.rbp, 8, 0x100),
  memIndexed(Reg.r13, Reg.r15, 8, -1), memIndexed(Reg.r11, Reg.r10, 4, 0x7fff_ffff),
];

/** Instructions whose memory operand is narrower than 16 bytes, by its width in bits. */
const SSE_MEMORY_BITS = new Map<SseOp, 32 | 64>([
  ...[SseOp.Pmovsxbw, SseOp.Pmovsxwd, SseOp.Pmovsxdq, SseOp.Pmovzxbw, SseOp.Pmovzxwd, SseOp.Pmovzxdq].map((op) => [op, 64] as const),
  ...[SseOp.Movq, SseOp.Movddup, SseOp.Cvtps2pd, SseOp.Cvtdq2pd, SseOp.Movsd].map((op) => [op, 64] as const),
  [SseOp.Movss, 32],
]);
/** movhlps/movlhps: their memory encodings are movlps/movhps. */
const REGISTER_ONLY = new Set([SseOp.Movhlps, SseOp.Movlhps]);
/** blendv* take xmm0 as an implicit third operand, which objdump and `as` spell out. */
const IMPLICIT_XMM0 = new Set([SseOp.Pblendvb, SseOp.Blendvps, SseOp.Blendvpd]);

const sseText = (op: SseOp, dst: Xmm, src: string): string =>
  `${SseOp[op].toLowerCase()} ${x(dst)},${src}${IMPLICIT_XMM0.has(op) ? ',xmm0' : ''}`;

const SHIFT_COUNTS = [0, 1, 7, 8, 15, 16, 31, 63, 64, 0xff];
const IMM8 = [0, 1, 0x1b, 0x4e, 0x7f, 0x80, 0xb1, 0xe4, 0xff];
const FLOAT_COMPARES = numericValues<FloatCompare>(FloatCompare);
const SSE_IMMEDIATES = new Map<SseImmOp, readonly number[]>([
  [SseImmOp.Cmpps, FLOAT_COMPARES],
  [SseImmOp.Cmppd, FLOAT_COMPARES],
  [SseImmOp.Roundps, ROUND_MODES],
  [SseImmOp.Roundpd, ROUND_MODES],
]);

/** cmpps/cmppd show their predicate in the mnemonic (`cmpunordps`); the rest take the immediate last. */
function sseImmText(op: SseImmOp, dst: Xmm, src: string, imm: number): string {
  const name = SseImmOp[op].toLowerCase();
  if (op === SseImmOp.Cmpps || op === SseImmOp.Cmppd) return `cmp${FloatCompare[imm]!.toLowerCase()}${name.slice(3)} ${x(dst)},${src}`;
  return `${name} ${x(dst)},${src},${hex(imm, 8)}`;
}

const LANE_SUFFIX: Record<LaneBits, string> = { 8: 'b', 16: 'w', 32: 'd', 64: 'q' };
const MOVE_MASK_MNEMONIC: Record<MoveMask, string> = {
  [MoveMask.Bytes]: 'pmovmskb',
  [MoveMask.Singles]: 'movmskps',
  [MoveMask.Doubles]: 'movmskpd',
};

// ---- cases --------------------------------------------------------------------------------------

interface Case {
  method: string;
  /** The call, shown when the case fails. */
  call: string;
  emit(a: Assembler): Expected[];
  /** Why `as` encodes this differently but equivalently; the bytes are then checked through objdump only. */
  gasDiffers?: string;
  /** Emits data rather than code (jump tables): checked against `as` only, and laid out after all code. */
  data?: boolean;
}

type Emitter = {
  [K in keyof Assembler]: Assembler[K] extends (...args: never[]) => void ? K : never;
}[keyof Assembler];

const describeArg = (arg: unknown): string =>
  typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'object' ? JSON.stringify(arg) : String(arg);

/** A case that is one plain call with fixed arguments. */
function call<M extends Emitter>(
  method: M,
  args: Parameters<Assembler[M]>,
  expected: Expected | Expected[],
  gasDiffers?: string,
): Case {
  return {
    method,
    call: `${method}(${args.map(describeArg).join(', ')})`,
    emit(a) {
      (a[method] as (...xs: unknown[]) => void)(...args);
      return Array.isArray(expected) ? expected : [expected];
    },
    gasDiffers,
  };
}

function nops(a: Assembler, count: number): Expected[] {
  for (let i = 0; i < count; i++) a.byte(0x90);
  return Array.from({ length: count }, () => insn('nop'));
}

/**
 * A branch to a label `gap` bytes of nops away: bound before the branch (backward, so the assembler
 * may pick rel8) or after it (forward, an unresolved fixup).
 */
function labelCase(
  method: Emitter,
  what: string,
  direction: 'backward' | 'forward',
  gap: number,
  emitBranch: (a: Assembler, label: Label) => void,
  expectBranch: (from: number, to: number) => Expected,
): Case {
  return {
    method,
    call: `${method}(${what}) to a label ${gap} bytes ${direction}`,
    emit(a) {
      const label = new Label();
      const before: Expected[] = [];
      let to = -1;
      if (direction === 'backward') {
        to = a.offset;
        a.bind(label);
        before.push(...nops(a, gap));
      }
      const from = a.offset;
      emitBranch(a, label);
      const after = direction === 'forward' ? nops(a, gap) : [];
      if (direction === 'forward') {
        to = a.offset;
        a.bind(label);
      }
      return [...before, expectBranch(from, to), ...after];
    },
  };
}

const BACKWARD_GAPS = [0, 1, 126, 127, 300];
const FORWARD_GAPS = [0, 1, 127, 128, 300];
const DIRECTIONS = [
  ...BACKWARD_GAPS.map((gap) => ({ direction: 'backward' as const, gap })),
  ...FORWARD_GAPS.map((gap) => ({ direction: 'forward' as const, gap })),
];
/** A short jump/jcc (2 bytes) reaches a label bound `gap` bytes before it when the rel8 fits. */
const shortReaches = (direction: 'backward' | 'forward', gap: number): boolean => direction === 'backward' && gap + 2 <= 128;

const fitsInt8 = (v: number): boolean => v >= -128 && v <= 127;

function movRIExpected(width: Width, dst: Reg, value: number | bigint): Expected {
  const v = BigInt(value);
  if (width === 32 || (v >= 0n && v <= 0xffff_ffffn)) return insn(`mov ${r(dst, 32)},${hex(v, 32)}`);
  if (v >= -0x8000_0000n && v <= 0x7fff_ffffn) return insn(`mov ${r(dst, 64)},${hex(v, 64)}`);
  return insn(`movabs ${r(dst, 64)},${hex(v, 64)}`);
}

const MOV64_VALUES: (number | bigint)[] = [
  ...IMM32,
  0x8000_0000, 0xffff_ffff, 0x1_0000_0000, -0x8000_0001, 2 ** 53,
  0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 0x1234_5678_9abc_def0n, -2n, 0xffff_ffffn,
];
/** A 64-bit pattern's 32-bit halves, low first, as signed numbers. */
const halvesOf = (value: number | bigint): [number, number] => {
  const v = BigInt(value);
  return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
};
const MOV32_VALUES: (number | bigint)[] = [...IMM32, 0x8000_0000, 0xffff_ffff, -1n];

function tableCase(backGap: number, forwardGap: number): Case {
  return {
    method: 'tableEntry',
    call: `tableEntry ×3 (label ${backGap} bytes before the table, the table start, a label ${forwardGap} bytes after)`,
    data: true,
    emit(a) {
      const back = new Label();
      const start = new Label();
      const forward = new Label();
      const backAt = a.offset;
      a.bind(back);
      const before = nops(a, backGap);
      const startAt = a.offset;
      a.bind(start);
      a.tableEntry(start, back);
      a.tableEntry(start, start);
      a.tableEntry(start, forward);
      const after = nops(a, forwardGap);
      const forwardAt = a.offset;
      a.bind(forward);
      const entry = (target: number): Expected => ({ gas: `.long ${target - startAt}` });
      return [...before, entry(backAt), entry(startAt), entry(forwardAt), ...after];
    },
  };
}

const CASES: Case[] = [
  // raw output and patching
  call('byte', [0x90], insn('nop')),
  call('byte', [0xcc], insn('int3')),
  call('byte', [0xc3], insn('ret')),
  ...[0x1234_5678, -1, -0x8000_0000, 0x7fff_ffff].flatMap((value) =>
    REGS.map((dst): Case => ({
      method: 'patchInt32',
      call: `movRI(32, ${dst}, 0) then patchInt32(its imm32, ${value})`,
      emit(a) {
        a.movRI(32, dst, 0);
        a.patchInt32(a.offset - 4, value);
        return [insn(`mov ${r(dst, 32)},${hex(value, 32)}`)];
      },
    })),
  ),

  // data movement
  ...WIDTHS.flatMap((w) => REG_PAIRS.map(([dst, src]) => call('movRR', [w, dst, src], insn(`mov ${r(dst, w)},${r(src, w)}`)))),
  ...REGS.flatMap((dst) => [
    ...MOV32_VALUES.map((v) => call('movRI', [32, dst, v], movRIExpected(32, dst, v))),
    ...MOV64_VALUES.map((v) => call('movRI', [64, dst, v], movRIExpected(64, dst, v))),
    ...MOV64_VALUES.map((v) => call('movRI64', [dst, ...halvesOf(v)], movRIExpected(64, dst, v))),
    // Always the 10-byte form, whatever the value: an artifact's loader patches the immediate.
    ...[0n, 1n, 0xffff_ffffn, 0x1234_5678_9abc_def0n].map((v) => call('movabs', [dst, v], insn(`movabs ${r(dst, 64)},${hex(v, 64)}`, 10))),
  ]),
  ...WIDTHS.flatMap((w) =>
    MEMS.flatMap((m, j) => {
      const reg = pick(REGS, j + w);
      const value = pick(IMM32, j);
      return [
        call('load', [w, reg, m], insn(`mov ${r(reg, w)},${memory(m, w)}`)),
        call('store', [w, m, reg], insn(`mov ${memory(m, w)},${r(reg, w)}`)),
        call('storeImm', [w, m, value], insn(`mov ${memory(m, w)},${hex(value, w)}`)),
      ];
    }),
  ),
  ...WIDTHS.flatMap((w) => IMM32.map((v) => call('storeImm', [w, mem(Reg.r13), v], insn(`mov ${memory(mem(Reg.r13), w)},${hex(v, w)}`)))),
  ...MEMS.map((m, j) => call('lea', [pick(REGS, j), m], insn(`lea ${r(pick(REGS, j), 64)},${address(m)}`))),
  ...MEMS.map((m, j) => call('lea', [pick(REGS, j + 3), m, 32], insn(`lea ${r(pick(REGS, j + 3), 32)},${address(m)}`))),
  ...REGS.flatMap((dst) =>
    DIRECTIONS.map(({ direction, gap }) =>
      labelCase('leaLabel', `${dst}, label`, direction, gap, (a, label) => a.leaLabel(dst, label), (from, to) => {
        const disp = to - (from + 7);
        return {
          objdump: `lea ${r(dst, 64)},[rip+${hex(disp, 64)}] # ${hex(to, 64)}`,
          gas: `lea ${r(dst, 64)},[rip${signedHex(disp)}]`,
          length: 7,
        };
      }),
    ),
  ),
  ...REGS.flatMap((reg) => [call('push', [reg], insn(`push ${r(reg, 64)}`)), call('pop', [reg], insn(`pop ${r(reg, 64)}`))]),
  ...IMM32.map((v) => call('pushImm', [v], insn(`push ${hex(v, 64)}`))),
  ...MEMS.flatMap((m) => [
    call('pushMem', [m], insn(`push ${memory(m, 64)}`)),
    call('popMem', [m], insn(`pop ${memory(m, 64)}`)),
  ]),
  ...REG_PAIRS.flatMap(([dst, src]) => ([8, 16] as const).map((from) => call('movzx', [from, dst, src], insn(`movzx ${r(dst, 32)},${r(src, from)}`)))),
  ...REG_PAIRS.flatMap(([dst, src]) => [
    ...WIDTHS.flatMap((w) =>
      ([8, 16] as const).map((from) => call('movsx', [w, from, dst, src], insn(`movsx ${r(dst, w)},${r(src, from)}`))),
    ),
    call('movsx', [64, 32, dst, src], insn(`movsxd ${r(dst, 64)},${r(src, 32)}`)),
  ]),
  ...MEMS.flatMap((m, j) => {
    const dst = pick(REGS, j + 3);
    return [
      ...WIDTHS.flatMap((w) =>
        ([8, 16] as const).map((from) => call('movsx', [w, from, dst, m], insn(`movsx ${r(dst, w)},${memory(m, from)}`))),
      ),
      call('movsx', [64, 32, dst, m], insn(`movsxd ${r(dst, 64)},${memory(m, 32)}`)),
      ...([8, 16] as const).map((from) => call('movzx', [from, dst, m], insn(`movzx ${r(dst, 32)},${memory(m, from)}`))),
    ];
  }),
  ...MEMS.flatMap((m, j) =>
    ([8, 16] as const).flatMap((bits) => [
      ...[pick(REGS, j), pick(REGS, j + 5)].map((src) => call('storeNarrow', [bits, m, src], insn(`mov ${memory(m, bits)},${r(src, bits)}`))),
      ...[pick(IMM32, j), pick(IMM32, j + 4)].map((v) => call('storeImmNarrow', [bits, m, v], insn(`mov ${memory(m, bits)},${hex(v, bits)}`))),
    ]),
  ),

  // arithmetic
  ...WIDTHS.flatMap((w) =>
    REG_PAIRS.flatMap(([dst, src], j) => {
      const op = pick(ALU_OPS, j);
      const name = Alu[op].toLowerCase();
      return [
        call('aluRR', [op, w, dst, src], insn(`${name} ${r(dst, w)},${r(src, w)}`)),
        call('test', [w, dst, src], insn(`test ${r(dst, w)},${r(src, w)}`)),
        call('imulRR', [w, dst, src], insn(`imul ${r(dst, w)},${r(src, w)}`)),
        ...IMM32.filter((_, i) => (i + j) % 3 === 0).flatMap((v) => [
          call('imulRMI', [w, dst, src, v], insn(`imul ${r(dst, w)},${r(src, w)},${hex(v, w)}`)),
          call(
            'testRI',
            [w, dst, v],
            insn(`test ${r(dst, w)},${hex(v, w)}`),
            dst === Reg.rax ? 'as uses the one-byte-shorter accumulator form (no ModRM)' : undefined,
          ),
        ]),
      ];
    }),
  ),
  ...ALU_OPS.flatMap((op) =>
    WIDTHS.flatMap((w) =>
      REGS.flatMap((dst) =>
        IMM32.map((v) =>
          call(
            'aluRI',
            [op, w, dst, v],
            insn(`${Alu[op].toLowerCase()} ${r(dst, w)},${hex(v, w)}`),
            dst === Reg.rax && !fitsInt8(v) ? 'as uses the one-byte-shorter accumulator form (no ModRM)' : undefined,
          ),
        ),
      ),
    ),
  ),
  ...WIDTHS.flatMap((w) =>
    MEMS.flatMap((m, j) => {
      const op = pick(ALU_OPS, j);
      const name = Alu[op].toLowerCase();
      const reg = pick(REGS, j + 5);
      const value = pick(IMM32, j + w);
      return [
        call('aluRI', [op, w, m, value], insn(`${name} ${memory(m, w)},${hex(value, w)}`)),
        call('aluRM', [op, w, reg, m], insn(`${name} ${r(reg, w)},${memory(m, w)}`)),
        call('test', [w, m, reg], insn(`test ${memory(m, w)},${r(reg, w)}`)),
        call('testRI', [w, m, value], insn(`test ${memory(m, w)},${hex(value, w)}`)),
        call('imulRM', [w, reg, m], insn(`imul ${r(reg, w)},${memory(m, w)}`)),
        call('imulRMI', [w, reg, m, value], insn(`imul ${r(reg, w)},${memory(m, w)},${hex(value, w)}`)),
        call('aluRR', [op, w, m, reg], insn(`${name} ${memory(m, w)},${r(reg, w)}`)),
        call('shiftCl', [pick(SHIFTS, j), w, m], insn(`${Shift[pick(SHIFTS, j)].toLowerCase()} ${memory(m, w)},cl`)),
      ];
    }),
  ),
  ...ALU_OPS.flatMap((op) =>
    WIDTHS.flatMap((w) =>
      REGS.flatMap((dst) => {
        const text = (value: number): string => `${Alu[op].toLowerCase()} ${r(dst, w)},${hex(value, w)}`;
        // Always the 0x81 form: optional REX, opcode, ModRM, imm32.
        const length = (w === 64 || dst >= 8 ? 1 : 0) + 6;
        return [
          ...IMM32.map((v) =>
            call(
              'aluRI32',
              [op, w, dst, v],
              insn(text(v), length),
              fitsInt8(v) || dst === Reg.rax ? 'as picks the imm8 or accumulator form; aluRI32 must keep imm32' : undefined,
            ),
          ),
          {
            method: 'aluRI32',
            call: `aluRI32(${op}, ${w}, ${dst}, 1) then patchInt32(the returned offset, 0x12345678)`,
            emit(a: Assembler) {
              a.patchInt32(a.aluRI32(op, w, dst, 1), 0x1234_5678);
              return [insn(text(0x1234_5678), length)];
            },
            gasDiffers: dst === Reg.rax ? 'as uses the one-byte-shorter accumulator form (no ModRM)' : undefined,
          },
        ];
      }),
    ),
  ),
  // call_indirect's signature check: the canonical type id, patched by the linker, compared in memory.
  ...MEMS.filter((_, i) => i % 7 === 0).map((m) => call('aluRI32', [Alu.Cmp, 64, m, 0x1234_5678], insn(`cmp ${memory(m, 64)},0x12345678`))),
  ...UNARIES.flatMap((op) =>
    WIDTHS.flatMap((w) => REGS.map((x) => call('unary', [op, w, x], insn(`${Unary[op].toLowerCase()} ${r(x, w)}`)))),
  ),
  call('signExtendAccumulator', [32], insn('cdq')),
  call('signExtendAccumulator', [64], insn('cqo')),
  ...SHIFTS.flatMap((op) =>
    WIDTHS.flatMap((w) =>
      REGS.flatMap((x) => [
        call('shiftCl', [op, w, x], insn(`${Shift[op].toLowerCase()} ${r(x, w)},cl`)),
        ...[0, 1, 2, w - 1].map((count) =>
          call(
            'shiftImm',
            [op, w, x, count],
            insn(`${Shift[op].toLowerCase()} ${r(x, w)},${hex(count, 8)}`),
            count === 1 ? 'as uses the shorter shift-by-one opcode 0xD1' : undefined,
          ),
        ),
      ]),
    ),
  ),
  ...WIDTHS.flatMap((w) => [
    ...REG_PAIRS.map(([dst, src], j) => {
      const count = pick([1, 7, w - 1], j);
      return call('rorx', [w, dst, src, count], insn(`rorx ${r(dst, w)},${r(src, w)},${hex(count, 8)}`));
    }),
    ...MEMS.map((m, j) => call('rorx', [w, pick(REGS, j), m, 5], insn(`rorx ${r(pick(REGS, j), w)},${memory(m, w)},${hex(5, 8)}`))),
  ]),
  ...BIT_OPS.flatMap((op) =>
    WIDTHS.flatMap((w) =>
      REG_PAIRS.map(([dst, src]) =>
        call('bitOp', [op, w, dst, src], insn(`${BitOp[op].toLowerCase()} ${r(dst, w)},${r(src, w)}`)),
      ),
    ),
  ),
  ...CONDS.flatMap((cond) => REGS.map((dst) => call('setcc', [cond, dst], insn(`set${cc(cond)} ${r(dst, 8)}`)))),
  ...WIDTHS.flatMap((w) =>
    REG_PAIRS.map(([dst, src], j) => {
      const cond = pick(CONDS, j + w);
      return call('cmov', [cond, w, dst, src], insn(`cmov${cc(cond)} ${r(dst, w)},${r(src, w)}`));
    }),
  ),

  // SSE
  ...FLOAT_BITS.flatMap((bits) =>
    MEMS.flatMap((m, j) => {
      const reg = pick(XMMS, j + bits);
      const op = pick(SSE_ARITHS, j);
      const mov = `mov${scalar(bits)}`;
      return [
        call('loadFloat', [bits, reg, m], insn(`${mov} ${x(reg)},${memory(m, bits)}`)),
        ...(bits === 64 ? [call('loadV128', [reg, m], insn(`movdqu ${x(reg)},${memory(m, 128)}`)), call('storeV128', [m, reg], insn(`movdqu ${memory(m, 128)},${x(reg)}`))] : []),
        call('storeFloat', [bits, m, reg], insn(`${mov} ${memory(m, bits)},${x(reg)}`)),
        call('sseArith', [op, bits, reg, m], insn(`${SseArith[op].toLowerCase()}${scalar(bits)} ${x(reg)},${memory(m, bits)}`)),
        call('ucomis', [bits, reg, m], insn(`ucomi${scalar(bits)} ${x(reg)},${memory(m, bits)}`)),
      ];
    }),
  ),
  ...XMM_PAIRS.flatMap(([dst, src], j) => [
    call('movXmm', [dst, src], insn(`movaps ${x(dst)},${x(src)}`)),
    ...SSE_LOGICS.map((op) => call('sseLogic', [op, dst, src], insn(`${LOGIC_MNEMONIC[op]} ${x(dst)},${x(src)}`))),
    ...FLOAT_BITS.flatMap((bits) => {
      // 7 operations and 16 registers are coprime, so each operation meets every register on both sides.
      const op = pick(SSE_ARITHS, j + bits);
      // dst + src (not j) rotates the four modes so that each meets every register on both sides.
      const mode = pick(ROUND_MODES, dst + src + bits);
      return [
        call('sseArith', [op, bits, dst, src], insn(`${SseArith[op].toLowerCase()}${scalar(bits)} ${x(dst)},${x(src)}`)),
        call('ucomis', [bits, dst, src], insn(`ucomi${scalar(bits)} ${x(dst)},${x(src)}`)),
        call('convertFloat', [bits, dst, src], insn(`cvt${scalar(bits)}2${scalar(bits === 32 ? 64 : 32)} ${x(dst)},${x(src)}`)),
        call('round', [bits, dst, src, mode], insn(`round${scalar(bits)} ${x(dst)},${x(src)},${hex(mode, 8)}`)),
      ];
    }),
  ]),
  ...WIDTHS.flatMap((w) =>
    XMM_REG_PAIRS.flatMap(([xmm, reg]) => [
      call('movToXmm', [w, xmm, reg], insn(`${movdq(w)} ${x(xmm)},${r(reg, w)}`)),
      call('movFromXmm', [w, reg, xmm], insn(`${movdq(w)} ${r(reg, w)},${x(xmm)}`)),
      ...FLOAT_BITS.flatMap((bits) => [
        call('convertIntToFloat', [bits, w, xmm, reg], insn(`cvtsi2${scalar(bits)} ${x(xmm)},${r(reg, w)}`)),
        call('truncateFloatToInt', [bits, w, reg, xmm], insn(`cvtt${scalar(bits)}2si ${r(reg, w)},${x(xmm)}`)),
      ]),
    ]),
  ),

  // SIMD
  ...SSE_OPS.flatMap((op, k) => [
    ...XMM_PAIRS.map(([dst, src]) => call('sse', [op, dst, src], insn(`${sseText(op, dst, x(src))}`))),
    ...(REGISTER_ONLY.has(op)
      ? []
      : SIMD_MEMS.map((m, j) => {
          const dst = pick(XMMS, j + k);
          return call('sse', [op, dst, m], insn(sseText(op, dst, memory(m, SSE_MEMORY_BITS.get(op) ?? 128))));
        })),
  ]),
  ...SSE_IMM_OPS.flatMap((op, k) => {
    const imms = SSE_IMMEDIATES.get(op) ?? IMM8;
    return [
      ...XMM_PAIRS.map(([dst, src], j) => {
        const imm = pick(imms, j + k);
        return call('sseImm', [op, dst, src, imm], insn(sseImmText(op, dst, x(src), imm)));
      }),
      ...SIMD_MEMS.map((m, j) => {
        const dst = pick(XMMS, j + k);
        const imm = pick(imms, j);
        return call('sseImm', [op, dst, m, imm], insn(sseImmText(op, dst, memory(m, op === SseImmOp.Insertps ? 32 : 128), imm)));
      }),
    ];
  }),
  ...SSE_SHIFTS.flatMap((op, k) =>
    XMMS.flatMap((dst) =>
      // Ten counts and sixteen registers: every op meets every count, on two registers each.
      [pick(SHIFT_COUNTS, dst + k), pick(SHIFT_COUNTS, dst + k + 5)].map((count) =>
        call('sseShiftImm', [op, dst, count], insn(`${SseShiftImm[op].toLowerCase()} ${x(dst)},${hex(count, 8)}`)),
      ),
    ),
  ),
  ...LANE_BITS.flatMap((bits) => {
    const lanes = 128 / bits;
    const gp = bits === 64 ? 64 : 32;
    return [
      ...XMM_REG_PAIRS.flatMap(([xmm, reg], j) => {
        const lane = pick([0, lanes - 1, 1, lanes >> 1], j);
        return [
          call('pinsr', [bits, xmm, reg, lane], insn(`pinsr${LANE_SUFFIX[bits]} ${x(xmm)},${r(reg, gp)},${hex(lane, 8)}`)),
          call('pextr', [bits, reg, xmm, lane], insn(`pextr${LANE_SUFFIX[bits]} ${r(reg, gp)},${x(xmm)},${hex(lane, 8)}`)),
        ];
      }),
      ...SIMD_MEMS.flatMap((m, j) => {
        const xmm = pick(XMMS, j + bits);
        const lane = pick([0, lanes - 1, 1], j);
        return [
          call('pinsr', [bits, xmm, m, lane], insn(`pinsr${LANE_SUFFIX[bits]} ${x(xmm)},${memory(m, bits)},${hex(lane, 8)}`)),
          call('pextr', [bits, m, xmm, lane], insn(`pextr${LANE_SUFFIX[bits]} ${memory(m, bits)},${x(xmm)},${hex(lane, 8)}`)),
        ];
      }),
    ];
  }),
  ...MOVE_MASKS.flatMap((kind) =>
    XMM_REG_PAIRS.map(([xmm, reg]) => call('movmsk', [kind, reg, xmm], insn(`${MOVE_MASK_MNEMONIC[kind]} ${r(reg, 32)},${x(xmm)}`))),
  ),

  // control flow
  ...DIRECTIONS.map(({ direction, gap }) =>
    labelCase('jmp', 'label', direction, gap, (a, label) => a.jmp(label), (from, to) =>
      shortReaches(direction, gap) ? branch('jmp', from, to, 8, 2) : branch('jmp', from, to, 32, 5),
    ),
  ),
  ...CONDS.flatMap((cond) =>
    DIRECTIONS.map(({ direction, gap }) =>
      labelCase('jcc', `${cond}, label`, direction, gap, (a, label) => a.jcc(cond, label), (from, to) =>
        shortReaches(direction, gap) ? branch(`j${cc(cond)}`, from, to, 8, 2) : branch(`j${cc(cond)}`, from, to, 32, 6),
      ),
    ),
  ),
  ...DIRECTIONS.map(({ direction, gap }) =>
    labelCase('call', 'label', direction, gap, (a, label) => a.call(label), (from, to) => branch('call', from, to, 32, 5)),
  ),
  ...REGS.flatMap((target) => [
    call('callReg', [target], insn(`call ${r(target, 64)}`)),
    call('jmpReg', [target], insn(`jmp ${r(target, 64)}`)),
  ]),
  ...MEMS.map((m) => call('callMem', [m], insn(`call ${memory(m, 64)}`))),
  call('ret', [], insn('ret')),
  ...[0, 1, 8, 0x7f, 0x80, 0xff, 0x100, 0x1234, 0xffff].map((n) => call('ret', [n], insn(n === 0 ? 'ret' : `ret ${hex(n, 16)}`))),
  ...[0, 1, 300].flatMap((backGap) => [0, 1, 300].map((forwardGap) => tableCase(backGap, forwardGap))),
  call('leave', [], insn('leave')),
  call('repStosq', [], { objdump: 'rep stos QWORD PTR es:[rdi],rax', gas: 'rep stosq' }),
  call('cpuid', [], insn('cpuid')),
  call('ud2', [], insn('ud2')),
];

/** Assembler members that emit nothing (or are private encoding helpers reached through the others). */
const NOT_EMITTERS = new Set(['constructor', 'offset', 'bind', 'finish', 'fillTableEntries', 'bytes', 'int32', 'int64', 'modrm', 'packed', 'relative']);

// ---- checking -----------------------------------------------------------------------------------

interface Placed {
  case: Case;
  start: number;
  end: number;
  expected: Expected[];
}

/** Collapses runs of equal items (the nop padding around branches) to `item ×n` to keep failures readable. */
function collapseRuns(items: readonly string[], separator: string): string {
  const out: string[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    out.push(j - i > 2 ? `${items[i]} ×${j - i}` : items.slice(i, j).join(separator));
    i = j;
  }
  return out.join(separator);
}

const toHex = (bytes: Uint8Array): string => collapseRuns(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')), ' ');

/** Returns the failures of every case, keyed by method. */
function checkAll(): Map<string, string[]> {
  const a = new Assembler();
  const placed: Placed[] = [];
  // Data goes last so that objdump's decoding of it cannot run into code that follows.
  for (const c of [...CASES.filter((c) => !c.data), ...CASES.filter((c) => c.data)]) {
    const start = a.offset;
    const expected = c.emit(a);
    placed.push({ case: c, start, end: a.offset, expected });
  }
  const code = a.finish();

  const decodedAt = new Map<number, DecodedInstruction>(objdump(code).map((d) => [d.offset, d]));
  const gasBytes = gasAssemble(placed.flatMap((p) => p.expected.map((e) => e.gas)));

  const failures = new Map<string, string[]>();
  let gasLine = 0;
  for (const p of placed) {
    const ours = code.subarray(p.start, p.end);
    const problems: string[] = [];
    const decodedTexts: string[] = [];
    if (!p.case.data) {
      let at = p.start;
      for (const e of p.expected) {
        const decoded = decodedAt.get(at);
        if (!decoded) {
          problems.push(`no instruction starts at offset ${at - p.start} (expected \`${e.objdump}\`)`);
          break;
        }
        decodedTexts.push(decoded.text);
        if (decoded.text !== e.objdump) problems.push(`decodes as \`${decoded.text}\`, expected \`${e.objdump}\``);
        if (e.length !== undefined && decoded.length !== e.length) {
          problems.push(`\`${decoded.text}\` is ${decoded.length} bytes, expected ${e.length}`);
        }
        at += decoded.length;
      }
      if (problems.length === 0 && at !== p.end) {
        problems.push(`the expected ${p.expected.length} instruction(s) cover ${at - p.start} of its ${p.end - p.start} bytes`);
      }
    }
    const gasParts = gasBytes.slice(gasLine, gasLine + p.expected.length);
    gasLine += p.expected.length;
    const gas = Uint8Array.from(gasParts.flatMap((part) => Array.from(part)));
    if (!p.case.gasDiffers && toHex(gas) !== toHex(ours)) {
      problems.push(`as encodes \`${collapseRuns(p.expected.map((e) => e.gas), '; ')}\` as ${toHex(gas)}`);
    }
    if (problems.length > 0) {
      const reading = decodedTexts.length > 0 ? `; objdump reads \`${collapseRuns(decodedTexts, '; ')}\`` : '';
      const list = failures.get(p.case.method) ?? [];
      list.push(`${p.case.call}: ours ${toHex(ours)}${reading}: ${problems.join('; ')}`);
      failures.set(p.case.method, list);
    }
  }
  return failures;
}

describe('Assembler encodings match GNU binutils', () => {
  let failures = new Map<string, string[]>();
  beforeAll(() => {
    failures = checkAll();
  });

  const methods = [...new Set(CASES.map((c) => c.method))];
  for (const method of methods) {
    const count = CASES.filter((c) => c.method === method).length;
    it(`${method} (${count} cases)`, () => {
      expect(failures.get(method) ?? []).toEqual([]);
    });
  }

  it('has cases for every emitting method', () => {
    const emitting = Object.getOwnPropertyNames(Assembler.prototype).filter((name) => !NOT_EMITTERS.has(name));
    expect(emitting.filter((name) => !methods.includes(name))).toEqual([]);
  });
});

/** Feature levels in the order each includes the previous, with `as`'s name for them. */
const FEATURE_LEVELS: [SseFeature, string][] = [['sse2', 'sse2'], ['sse3', 'sse3'], ['ssse3', 'ssse3'], ['sse41', 'sse4.1'], ['sse42', 'sse4.2']];
const featureRank = (feature: SseFeature): number => FEATURE_LEVELS.findIndex(([f]) => f === feature);

describe('SSE instruction features match GNU as', () => {
  // One instruction of every kind with the feature the assembler says it needs; at each level `as`
  // must accept exactly those at or below it.
  const instructions: { text: string; feature: SseFeature }[] = [
    ...SSE_OPS.map((op) => ({ text: sseText(op, Xmm.xmm1, 'xmm2'), feature: sseFeature(op) })),
    ...SSE_IMM_OPS.map((op) => ({ text: sseImmText(op, Xmm.xmm1, 'xmm2', 1), feature: sseFeature(op) })),
    ...LANE_BITS.flatMap((bits) => {
      const gp = r(Reg.rax, bits === 64 ? 64 : 32);
      const suffix = LANE_SUFFIX[bits];
      return [
        { text: `pinsr${suffix} xmm1,${gp},0x1`, feature: laneFeature(bits) },
        { text: `pextr${suffix} ${gp},xmm1,0x1`, feature: laneFeature(bits) },
        { text: `pextr${suffix} ${memory(mem(Reg.rax), bits)},xmm1,0x1`, feature: laneFeature(bits, true) },
      ];
    }),
  ];
  for (const [level, gasName] of FEATURE_LEVELS) {
    it(`at ${gasName}`, () => {
      const directives = ['.arch generic64', ...(level === 'sse2' ? [] : [`.arch .${gasName}`])];
      const rejected = gasRejects(directives, instructions.map((i) => i.text));
      const texts = (keep: (i: number) => boolean) => instructions.filter((_, i) => keep(i)).map((i) => `${i.text} (${i.feature})`);
      expect(texts((i) => rejected.has(i))).toEqual(texts((i) => featureRank(instructions[i]!.feature) > featureRank(level)));
    });
  }
});

describe('[rip + label] operands', () => {
  it('reach the label from every form, whatever immediate follows, as objdump computes the address', () => {
    const a = new Assembler();
    const data = new Label();
    const at = ripMem(data);
    const forms: [string, (a: Assembler) => void][] = [
      ['loadV128', (a) => a.loadV128(Xmm.xmm3, at)],
      ['sse', (a) => a.sse(SseOp.Paddb, Xmm.xmm9, at)],
      ['sseImm', (a) => a.sseImm(SseImmOp.Pshufd, Xmm.xmm2, at, 0x1b)],
      ['loadFloat', (a) => a.loadFloat(64, Xmm.xmm12, at)],
      ['load', (a) => a.load(64, Reg.r11, at)],
      ['aluRI imm8', (a) => a.aluRI(Alu.Cmp, 64, at, 5)],
      ['aluRI imm32', (a) => a.aluRI(Alu.Cmp, 32, at, 0x12345)],
      ['aluRI32', (a) => a.aluRI32(Alu.Cmp, 64, at, 7)],
      ['storeImm', (a) => a.storeImm(32, at, 7)],
      ['pinsr', (a) => a.pinsr(32, Xmm.xmm1, at, 2)],
      ['pextr', (a) => a.pextr(64, at, Xmm.xmm14, 1)],
      ['sseArith', (a) => a.sseArith(SseArith.Mul, 64, Xmm.xmm9, at)],
      ['ucomis', (a) => a.ucomis(32, Xmm.xmm2, at)],
      ['imulRM', (a) => a.imulRM(64, Reg.rsi, at)],
      ['imulRMI imm8', (a) => a.imulRMI(32, Reg.r9, at, -3)],
      ['imulRMI imm32', (a) => a.imulRMI(64, Reg.rdi, at, 0x10000)],
      ['testRI', (a) => a.testRI(32, at, 0xff)],
      ['storeImmNarrow 8', (a) => a.storeImmNarrow(8, at, 0x7f)],
      ['storeImmNarrow 16', (a) => a.storeImmNarrow(16, at, 0x1234)],
    ];
    for (const [, emit] of forms) emit(a);
    expect(() => a.finish(), 'a rip operand whose label is never bound').toThrow('never bound');
    const b = new Assembler();
    for (const [, emit] of forms) emit(b);
    b.bind(data);
    for (let i = 0; i < 16; i++) b.byte(i);
    const code = b.finish();
    const decoded = objdump(code).slice(0, forms.length);
    expect(decoded.map((d, i) => `${forms[i]![0]}: ${/# (0x[0-9a-f]+)/.exec(d.text)?.[1]}`)).toEqual(
      forms.map(([name]) => `${name}: 0x${data.offset.toString(16)}`),
    );
    expect(decoded.every((d) => d.text.includes('[rip+'))).toBe(true);
  });
});

describe('Assembler misuse', () => {
  it('rejects memory operands for movhlps and movlhps', () => {
    for (const op of REGISTER_ONLY) expect(() => new Assembler().sse(op, Xmm.xmm1, mem(Reg.rax))).toThrow('has no memory operand form');
  });

  it('rejects binding a label twice', () => {
    const a = new Assembler();
    const label = new Label();
    a.bind(label);
    expect(() => a.bind(label)).toThrow('label bound twice');
  });

  it('rejects finishing with a jump to an unbound label', () => {
    const a = new Assembler();
    a.jmp(new Label());
    expect(() => a.finish()).toThrow('never bound');
  });

  it('rejects rsp as an index register', () => {
    expect(() => new Assembler().load(64, Reg.rax, { base: Reg.rax, index: Reg.rsp })).toThrow('rsp cannot be an index');
  });

  it('rejects a jump-table entry before the table start is bound', () => {
    expect(() => new Assembler().tableEntry(new Label(), new Label())).toThrow('must be bound first');
  });
});
