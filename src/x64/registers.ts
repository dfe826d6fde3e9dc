// General-purpose registers by their hardware encoding (the low three bits go in ModRM/SIB, bit 3 in REX).
export enum Reg {
  rax = 0, rcx, rdx, rbx, rsp, rbp, rsi, rdi,
  r8, r9, r10, r11, r12, r13, r14, r15,
}

/** SSE registers by their encoding (ModRM/REX work as for the general-purpose ones). */
export enum Xmm {
  xmm0 = 0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7,
  xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15,
}

/** Width in bits of a scalar float operation: single (ss) or double (sd) precision. */
export type FloatBits = 32 | 64;

/** Operand size in bits of a general-purpose instruction. */
export type Width = 32 | 64;

const NAMES64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const NAMES16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const NAMES8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];

/** The register's name at a given width, as GNU objdump prints it in Intel syntax. */
export function regName(reg: Reg, bits: 8 | 16 | 32 | 64): string {
  const table = bits === 64 ? NAMES64 : bits === 32 ? NAMES32 : bits === 16 ? NAMES16 : NAMES8;
  return table[reg]!;
}

/** x86 condition codes (the low nibble of Jcc/SETcc/CMOVcc opcodes). */
export enum Cond {
  O = 0x0, NO = 0x1, B = 0x2, AE = 0x3, E = 0x4, NE = 0x5, BE = 0x6, A = 0x7,
  S = 0x8, NS = 0x9, P = 0xa, NP = 0xb, L = 0xc, GE = 0xd, LE = 0xe, G = 0xf,
}

/** The condition that holds exactly when `cond` does not. */
export function invert(cond: Cond): Cond {
  return cond ^ 1;
}

/** A memory operand `[base + index*scale + disp]`. */
export interface Mem {
  base: Reg;
  index?: Reg;
  scale?: 1 | 2 | 4 | 8;
  disp?: number;
  /**
   * Set for `[rip + label]`: data in the code (constant pools), addressed relative to the
   * instruction (then `base`, `index` and `disp` mean nothing).
   */
  label?: { offset: number };
}

// The constructors give every operand the same five fields in the same order: one hidden class
// keeps the assembler's reads of them monomorphic.

export function mem(base: Reg, disp = 0): Mem {
  return { base, index: undefined, scale: 1, disp, label: undefined };
}

/** `[base + index*scale + disp]`. */
export function memIndexed(base: Reg, index: Reg, scale: 1 | 2 | 4 | 8, disp = 0): Mem {
  return { base, index, scale, disp, label: undefined };
}
