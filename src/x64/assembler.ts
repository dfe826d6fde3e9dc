// x86-64 assembler: the instruction forms the compiler emits, encoded by hand (REX, ModRM, SIB,
// immediates), with labels and forward fixups. It knows nothing of WebAssembly.
import { Cond, FloatBits, Mem, Reg, Width, Xmm } from './registers.js';

/** A code position that jumps, calls and tables can refer to before it is bound. */
export class Label {
  /** Offset in the code buffer once bound, -1 before. */
  offset = -1;
  get bound(): boolean {
    return this.offset >= 0;
  }
}

interface Fixup {
  label: Label;
  /** Where the little-endian displacement is written. */
  at: number;
  size: 1 | 4;
  /** The displacement is `label.offset - origin` (end of instruction, or a jump table's start). */
  origin: number;
}

/** Two-operand integer ALU instructions; the value is the /digit of the `0x81`/`0x83` immediate forms. */
export enum Alu { Add = 0, Or = 1, And = 4, Sub = 5, Xor = 6, Cmp = 7 }

/** Shift and rotate group (`0xC1`/`0xD3` /digit). */
export enum Shift { Rol = 0, Ror = 1, Shl = 4, Shr = 5, Sar = 7 }

/** One-operand group 3 instructions (`0xF7` /digit). */
export enum Unary { Not = 2, Neg = 3, Mul = 4, Imul = 5, Div = 6, Idiv = 7 }

/** Scalar SSE arithmetic (`F3`/`F2 0F op`: ss for 32-bit floats, sd for 64-bit ones). */
export enum SseArith { Sqrt = 0x51, Add = 0x58, Mul = 0x59, Sub = 0x5c, Min = 0x5d, Div = 0x5e, Max = 0x5f }

/** Packed bitwise SSE operations (`0F op`, ps forms): on the low lane they serve both float widths. */
export enum SseLogic { And = 0x54, AndNot = 0x55, Or = 0x56, Xor = 0x57 }

/** roundss/roundsd immediate: the rounding mode, exceptions suppressed. */
export enum RoundMode { Nearest = 0x8, Floor = 0x9, Ceil = 0xa, Trunc = 0xb }

const scalarPrefix = (bits: FloatBits): number => (bits === 32 ? 0xf3 : 0xf2);

/** Bit-scan family: `[mandatory prefix, second opcode byte]` after `0x0F`. */
export enum BitOp { Bsf = 0xbc, Bsr = 0xbd, Tzcnt = 0xf3bc, Lzcnt = 0xf3bd, Popcnt = 0xf3b8 }

const fitsInt8 = (v: number): boolean => v >= -128 && v <= 127;
const fitsInt32 = (v: bigint): boolean => v >= -0x8000_0000n && v <= 0x7fff_ffffn;

export class Assembler {
  private buffer = new Uint8Array(4096);
  private length = 0;
  private readonly fixups: Fixup[] = [];

  get offset(): number {
    return this.length;
  }

  // ---- raw output -------------------------------------------------------------------------------

  byte(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value & 0xff;
  }

  private bytes(values: readonly number[]): void {
    for (const v of values) this.byte(v);
  }

  private int32(value: number): void {
    for (let i = 0; i < 4; i++) this.byte(value >> (8 * i));
  }

  private int64(value: bigint): void {
    const unsigned = BigInt.asUintN(64, value);
    this.int32(Number(unsigned & 0xffff_ffffn));
    this.int32(Number(unsigned >> 32n));
  }

  /** Overwrites four bytes already emitted (used for values known only at the end of a function). */
  patchInt32(at: number, value: number): void {
    for (let i = 0; i < 4; i++) this.buffer[at + i] = (value >> (8 * i)) & 0xff;
  }

  // ---- encoding core ----------------------------------------------------------------------------

  /**
   * Emits `[prefix] REX opcode ModRM [SIB] [disp]` for an instruction whose ModRM.reg field holds
   * `reg` (a register or an opcode extension) and whose r/m operand is `rm`.
   * `byteOperand` names the operand that is a byte register: a REX prefix then makes encodings 4–7
   * mean spl/bpl/sil/dil rather than ah/ch/dh/bh.
   */
  private modrm(
    prefix: number,
    opcode: number,
    wide: boolean,
    reg: number,
    rm: Reg | Xmm | Mem,
    byteOperand: 'reg' | 'rm' | undefined = undefined,
  ): void {
    if (prefix !== 0) this.byte(prefix);
    const isReg = typeof rm === 'number';
    const base = isReg ? rm : rm.base;
    const index = isReg ? undefined : rm.index;
    let rex = 0x40 | (wide ? 8 : 0) | ((reg & 8) >> 1) | (((index ?? 0) & 8) >> 2) | ((base & 8) >> 3);
    const isHighByteEncoding = (r: number): boolean => r >= 4 && r < 8;
    const needsByteRex =
      (byteOperand === 'rm' && isReg && isHighByteEncoding(base)) || (byteOperand === 'reg' && isHighByteEncoding(reg));
    if (rex !== 0x40 || needsByteRex) this.byte(rex);
    if (opcode > 0xffff) this.byte(opcode >> 16);
    if (opcode > 0xff) this.byte(opcode >> 8);
    this.byte(opcode);
    if (isReg) {
      this.byte(0xc0 | ((reg & 7) << 3) | (base & 7));
      return;
    }
    const disp = rm.disp ?? 0;
    const mod = disp === 0 && (base & 7) !== Reg.rbp ? 0 : fitsInt8(disp) ? 1 : 2;
    const needsSib = index !== undefined || (base & 7) === Reg.rsp;
    this.byte((mod << 6) | ((reg & 7) << 3) | (needsSib ? 4 : base & 7));
    if (needsSib) {
      if (index === Reg.rsp) throw new Error('rsp cannot be an index register');
      const scaleBits = { 1: 0, 2: 1, 4: 2, 8: 3 }[rm.scale ?? 1];
      this.byte((scaleBits << 6) | (((index ?? Reg.rsp) & 7) << 3) | (base & 7));
    }
    if (mod === 1) this.byte(disp);
    else if (mod === 2) this.int32(disp);
  }

  /** Emits a rel32 (or rel8) displacement to `label`, relative to the end of the instruction. */
  private relative(label: Label, size: 1 | 4): void {
    const at = this.length;
    const origin = at + size;
    if (label.bound) {
      const delta = label.offset - origin;
      if (size === 1) this.byte(delta);
      else this.int32(delta);
      return;
    }
    this.fixups.push({ label, at, size, origin });
    if (size === 1) this.byte(0);
    else this.int32(0);
  }

  // ---- data movement ----------------------------------------------------------------------------

  movRR(width: Width, dst: Reg, src: Reg): void {
    this.modrm(0, 0x89, width === 64, src, dst);
  }

  /** `mov dst, imm`, choosing the shortest form: `mov r32, imm32` zero-extends, `0xC7` sign-extends. */
  movRI(width: Width, dst: Reg, value: bigint | number): void {
    const v = BigInt(value);
    const asUnsigned32 = BigInt.asUintN(32, v);
    if (width === 32 || (v >= 0n && v <= 0xffff_ffffn)) {
      if (dst & 8) this.byte(0x41);
      this.byte(0xb8 | (dst & 7));
      this.int32(Number(asUnsigned32));
    } else if (fitsInt32(v)) {
      this.modrm(0, 0xc7, true, 0, dst);
      this.int32(Number(v));
    } else {
      this.byte(0x48 | ((dst & 8) >> 3));
      this.byte(0xb8 | (dst & 7));
      this.int64(v);
    }
  }

  load(width: Width, dst: Reg, src: Mem): void {
    this.modrm(0, 0x8b, width === 64, dst, src);
  }

  store(width: Width, dst: Mem, src: Reg): void {
    this.modrm(0, 0x89, width === 64, src, dst);
  }

  /** `mov qword/dword [mem], imm32` (sign-extended to 64 bits in the qword form). */
  storeImm(width: Width, dst: Mem, value: number): void {
    this.modrm(0, 0xc7, width === 64, 0, dst);
    this.int32(value);
  }

  /** `movzx dst32, byte/word [src]`: a zero-extending narrow load. */
  loadZeroExtended(fromBits: 8 | 16, dst: Reg, src: Mem): void {
    this.modrm(0, 0x0f00 | (fromBits === 8 ? 0xb6 : 0xb7), false, dst, src);
  }

  /** `mov byte/word [dst], src8/src16`: a narrow store. */
  storeNarrow(bits: 8 | 16, dst: Mem, src: Reg): void {
    if (bits === 8) this.modrm(0, 0x88, false, src, dst, 'reg');
    else this.modrm(0x66, 0x89, false, src, dst);
  }

  lea(dst: Reg, src: Mem): void {
    this.modrm(0, 0x8d, true, dst, src);
  }

  /** `lea dst, [rip + label]`. */
  leaLabel(dst: Reg, label: Label): void {
    this.byte(0x48 | ((dst & 8) >> 1));
    this.bytes([0x8d, 0x05 | ((dst & 7) << 3)]);
    this.relative(label, 4);
  }

  push(src: Reg): void {
    if (src & 8) this.byte(0x41);
    this.byte(0x50 | (src & 7));
  }

  pop(dst: Reg): void {
    if (dst & 8) this.byte(0x41);
    this.byte(0x58 | (dst & 7));
  }

  /** `push imm`: the value is sign-extended to 64 bits. */
  pushImm(value: number): void {
    if (fitsInt8(value)) {
      this.bytes([0x6a, value]);
    } else {
      this.byte(0x68);
      this.int32(value);
    }
  }

  pushMem(src: Mem): void {
    this.modrm(0, 0xff, false, 6, src);
  }

  popMem(dst: Mem): void {
    this.modrm(0, 0x8f, false, 0, dst);
  }

  /** `movzx dst32, src8`. */
  movzx8(dst: Reg, src: Reg): void {
    this.modrm(0, 0x0fb6, false, dst, src, 'rm');
  }

  /** Sign extension of the low 8, 16 or 32 bits of `src` into `dst` (`movsx`/`movsxd`). */
  movsx(width: Width, fromBits: 8 | 16 | 32, dst: Reg, src: Reg | Mem): void {
    if (fromBits === 32) this.modrm(0, 0x63, true, dst, src);
    else this.modrm(0, 0x0f00 | (fromBits === 8 ? 0xbe : 0xbf), width === 64, dst, src, fromBits === 8 ? 'rm' : undefined);
  }

  // ---- arithmetic -------------------------------------------------------------------------------

  /** `op dst, src` where dst is a register or memory. */
  aluRR(op: Alu, width: Width, dst: Reg | Mem, src: Reg): void {
    this.modrm(0, (op << 3) | 1, width === 64, src, dst);
  }

  /** `op dst, imm32` (sign-extended in the 64-bit form), using the imm8 form when it fits. */
  aluRI(op: Alu, width: Width, dst: Reg | Mem, value: number): void {
    if (fitsInt8(value)) {
      this.modrm(0, 0x83, width === 64, op, dst);
      this.byte(value);
    } else {
      this.modrm(0, 0x81, width === 64, op, dst);
      this.int32(value);
    }
  }

  /**
   * `op dst, imm32` always in the 4-byte immediate form, so that the value can be patched later.
   * Returns the offset of the immediate.
   */
  aluRI32(op: Alu, width: Width, dst: Reg, value: number): number {
    this.modrm(0, 0x81, width === 64, op, dst);
    const at = this.length;
    this.int32(value);
    return at;
  }

  /** `op dst, [mem]`. */
  aluRM(op: Alu, width: Width, dst: Reg, src: Mem): void {
    this.modrm(0, (op << 3) | 3, width === 64, dst, src);
  }

  test(width: Width, a: Reg, b: Reg): void {
    this.modrm(0, 0x85, width === 64, b, a);
  }

  imulRR(width: Width, dst: Reg, src: Reg): void {
    this.modrm(0, 0x0faf, width === 64, dst, src);
  }

  unary(op: Unary, width: Width, operand: Reg): void {
    this.modrm(0, 0xf7, width === 64, op, operand);
  }

  /** `cdq` (32) or `cqo` (64): sign-extends eax/rax into edx/rdx before a signed division. */
  signExtendAccumulator(width: Width): void {
    if (width === 64) this.byte(0x48);
    this.byte(0x99);
  }

  shiftCl(op: Shift, width: Width, dst: Reg | Mem): void {
    this.modrm(0, 0xd3, width === 64, op, dst);
  }

  shiftImm(op: Shift, width: Width, dst: Reg, count: number): void {
    this.modrm(0, 0xc1, width === 64, op, dst);
    this.byte(count);
  }

  bitOp(op: BitOp, width: Width, dst: Reg, src: Reg): void {
    this.modrm(op > 0xff ? op >> 8 : 0, 0x0f00 | (op & 0xff), width === 64, dst, src);
  }

  setcc(cond: Cond, dst: Reg | Mem): void {
    this.modrm(0, 0x0f90 | cond, false, 0, dst, 'rm');
  }

  cmov(cond: Cond, width: Width, dst: Reg, src: Reg): void {
    this.modrm(0, 0x0f40 | cond, width === 64, dst, src);
  }

  // ---- SSE ----------------------------------------------------------------------------------------

  /** `movss`/`movsd xmm, [mem]`. */
  loadFloat(bits: FloatBits, dst: Xmm, src: Mem): void {
    this.modrm(scalarPrefix(bits), 0x0f10, false, dst, src);
  }

  /** `movss`/`movsd [mem], xmm`. */
  storeFloat(bits: FloatBits, dst: Mem, src: Xmm): void {
    this.modrm(scalarPrefix(bits), 0x0f11, false, src, dst);
  }

  /** `movaps dst, src`: copies a whole register. */
  movXmm(dst: Xmm, src: Xmm): void {
    this.modrm(0, 0x0f28, false, dst, src);
  }

  /** `movd`/`movq xmm, r32/r64`. */
  movToXmm(width: Width, dst: Xmm, src: Reg): void {
    this.modrm(0x66, 0x0f6e, width === 64, dst, src);
  }

  /** `movd`/`movq r32/r64, xmm`. */
  movFromXmm(width: Width, dst: Reg, src: Xmm): void {
    this.modrm(0x66, 0x0f7e, width === 64, src, dst);
  }

  sseArith(op: SseArith, bits: FloatBits, dst: Xmm, src: Xmm | Mem): void {
    this.modrm(scalarPrefix(bits), 0x0f00 | op, false, dst, src);
  }

  sseLogic(op: SseLogic, dst: Xmm, src: Xmm): void {
    this.modrm(0, 0x0f00 | op, false, dst, src);
  }

  /** `ucomiss`/`ucomisd a, b`: unordered compare into ZF/PF/CF (PF set for NaN). */
  ucomis(bits: FloatBits, a: Xmm, b: Xmm | Mem): void {
    this.modrm(bits === 64 ? 0x66 : 0, 0x0f2e, false, a, b);
  }

  /** `cvtsi2ss`/`cvtsi2sd xmm, r32/r64`: signed integer to float, rounding to nearest. */
  convertIntToFloat(bits: FloatBits, width: Width, dst: Xmm, src: Reg): void {
    this.modrm(scalarPrefix(bits), 0x0f2a, width === 64, dst, src);
  }

  /** `cvttss2si`/`cvttsd2si r32/r64, xmm`: float to signed integer, truncating. */
  truncateFloatToInt(bits: FloatBits, width: Width, dst: Reg, src: Xmm): void {
    this.modrm(scalarPrefix(bits), 0x0f2c, width === 64, dst, src);
  }

  /** `cvtss2sd` (from 32) or `cvtsd2ss` (from 64). */
  convertFloat(fromBits: FloatBits, dst: Xmm, src: Xmm): void {
    this.modrm(scalarPrefix(fromBits), 0x0f5a, false, dst, src);
  }

  /** SSE4.1 `roundss`/`roundsd dst, src, mode`. */
  round(bits: FloatBits, dst: Xmm, src: Xmm, mode: RoundMode): void {
    this.modrm(0x66, 0x0f3a00 | (bits === 32 ? 0x0a : 0x0b), false, dst, src);
    this.byte(mode);
  }

  // ---- control flow -----------------------------------------------------------------------------

  bind(label: Label): void {
    if (label.bound) throw new Error('label bound twice');
    label.offset = this.length;
  }

  /** `jmp label`: rel8 when the label is bound and near, else rel32. */
  jmp(label: Label): void {
    if (label.bound && fitsInt8(label.offset - (this.length + 2))) {
      this.byte(0xeb);
      this.relative(label, 1);
    } else {
      this.byte(0xe9);
      this.relative(label, 4);
    }
  }

  jcc(cond: Cond, label: Label): void {
    if (label.bound && fitsInt8(label.offset - (this.length + 2))) {
      this.byte(0x70 | cond);
      this.relative(label, 1);
    } else {
      this.bytes([0x0f, 0x80 | cond]);
      this.relative(label, 4);
    }
  }

  call(label: Label): void {
    this.byte(0xe8);
    this.relative(label, 4);
  }

  callReg(target: Reg): void {
    this.modrm(0, 0xff, false, 2, target);
  }

  jmpReg(target: Reg): void {
    this.modrm(0, 0xff, false, 4, target);
  }

  /** `ret`, or `ret imm16` which also pops `popBytes` of arguments. */
  ret(popBytes = 0): void {
    if (popBytes === 0) {
      this.byte(0xc3);
    } else {
      this.byte(0xc2);
      this.byte(popBytes);
      this.byte(popBytes >> 8);
    }
  }

  /** `leave`: `mov rsp, rbp; pop rbp`. */
  leave(): void {
    this.byte(0xc9);
  }

  /** A jump-table entry: the 32-bit offset of `label` from `tableStart`. */
  tableEntry(tableStart: Label, label: Label): void {
    if (!tableStart.bound) throw new Error('jump table start must be bound first');
    const at = this.length;
    this.int32(0);
    this.fixups.push({ label, at, size: 4, origin: tableStart.offset });
  }

  /** `rep stosq`: stores rax to [rdi], rcx times. */
  repStosq(): void {
    this.bytes([0xf3, 0x48, 0xab]);
  }

  cpuid(): void {
    this.bytes([0x0f, 0xa2]);
  }

  ud2(): void {
    this.bytes([0x0f, 0x0b]);
  }

  // ---- output -----------------------------------------------------------------------------------

  /** Resolves every fixup and returns the code. Throws if a referenced label was never bound. */
  finish(): Uint8Array {
    for (const fixup of this.fixups) {
      if (!fixup.label.bound) throw new Error('jump to a label that was never bound');
      const delta = fixup.label.offset - fixup.origin;
      if (fixup.size === 1) {
        if (!fitsInt8(delta)) throw new Error('rel8 displacement out of range');
        this.buffer[fixup.at] = delta & 0xff;
      } else {
        this.patchInt32(fixup.at, delta);
      }
    }
    this.fixups.length = 0;
    return this.buffer.slice(0, this.length);
  }
}
