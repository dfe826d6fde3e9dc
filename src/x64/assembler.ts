// x86-64 assembler: the instruction forms the compiler emits, encoded by hand (REX, ModRM, SIB,
// immediates), with labels and forward fixups. It knows nothing of WebAssembly.
import { Cond, FloatBits, Mem, Reg, Width, Xmm } from './registers.js';
import { MoveMask, SseImmOp, SseOp, SseShiftImm } from './sse-ops.js';
import type { LaneBits } from './sse-ops.js';

/** `[rip + label]`: data placed in the code (a constant pool), whatever the code's address. */
export function ripMem(label: Label): Mem {
  return { base: Reg.rbp, index: undefined, scale: 1, disp: 0, label };
}

/** A code position that jumps, calls and tables can refer to before it is bound. */
export class Label {
  /** Offset in the code buffer once bound, -1 before. */
  offset = -1;
  /**
   * Before binding, where the last rel32 that refers to the label was written (-1 if none). Each such
   * placeholder holds the position of the previous one, so bind() patches them all without a list.
   */
  lastReference = -1;
  get bound(): boolean {
    return this.offset >= 0;
  }
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

/** pinsr's opcodes by lane width (`66` prefix; the 64-bit form is the 32-bit one with REX.W). */
const PINSR: Readonly<Record<LaneBits, number>> = { 8: 0x0f3a20, 16: 0x0fc4, 32: 0x0f3a22, 64: 0x0f3a22 };
/** pextr's opcodes by lane width, ModRM.reg holding the xmm source (pextrw's older `0F C5` form is below). */
const PEXTR: Readonly<Record<LaneBits, number>> = { 8: 0x0f3a14, 16: 0x0f3a15, 32: 0x0f3a16, 64: 0x0f3a16 };

const fitsInt8 = (v: number): boolean => v >= -128 && v <= 127;

/**
 * Whether `operand` is a byte register that needs a REX prefix, even an empty one: without it,
 * encodings 4–7 mean ah/ch/dh/bh rather than spl/bpl/sil/dil.
 */
const needsByteRex = (operand: Reg | Mem): boolean => typeof operand === 'number' && operand >= 4 && operand < 8;

/**
 * Room made at the start of every instruction (x86 instructions are at most 15 bytes long), so that
 * the rest of it is written without checking the buffer's capacity.
 */
const MAX_INSTRUCTION = 16;

function grown(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(buffer.length * 2);
  bigger.set(buffer);
  return bigger;
}

/** Writes `value` little-endian at `at` and returns the offset after it. */
function putInt32(buffer: Uint8Array, at: number, value: number): number {
  // Uint8Array stores keep the low 8 bits, so no masking is needed.
  buffer[at] = value;
  buffer[at + 1] = value >> 8;
  buffer[at + 2] = value >> 16;
  buffer[at + 3] = value >> 24;
  return at + 4;
}

function truncateTo(array: unknown[], length: number): void {
  while (array.length > length) array.pop();
}

/** Splits 64-bit immediates into 32-bit halves without the intermediate BigInts of shifts and masks. */
const int64Halves = new DataView(new ArrayBuffer(8));

export class Assembler {
  private buffer: Uint8Array;
  private length = 0;
  /** Forward references not yet patched by bind(). */
  private unresolved = 0;
  /**
   * Jump-table entries and `[rip + label]` displacements to labels not yet bound, filled in by
   * finish(): `label.offset - origin` goes at `at` (pairs in `tableSlots`; a rip operand's origin is
   * its instruction's end). Numbers and the labels, no object per entry: a large module's
   * tables have hundreds of thousands of entries, which would live until the end of the chunk.
   */
  private readonly tableLabels: Label[] = [];
  private readonly tableSlots: number[] = [];

  /** `capacity`: the expected code size; a good guess saves growing the buffer again and again. */
  constructor(capacity = 4096) {
    this.buffer = new Uint8Array(Math.max(capacity, 64));
  }

  get offset(): number {
    return this.length;
  }

  // ---- raw output -------------------------------------------------------------------------------

  // Every instruction starts with byte() or modrm(), which make room for all of it: the immediates
  // and displacements that follow (int32, int64, relative) are written unchecked.

  byte(value: number): void {
    if (this.length + MAX_INSTRUCTION > this.buffer.length) this.buffer = grown(this.buffer);
    this.buffer[this.length++] = value;
  }

  private int32(value: number): void {
    this.length = putInt32(this.buffer, this.length, value);
  }

  private int64(value: bigint): void {
    int64Halves.setBigUint64(0, value, true);
    this.int32(int64Halves.getInt32(0, true));
    this.int32(int64Halves.getInt32(4, true));
  }

  /** Overwrites four bytes already emitted (used for values known only at the end of a function). */
  patchInt32(at: number, value: number): void {
    putInt32(this.buffer, at, value);
  }

  // ---- encoding core ----------------------------------------------------------------------------

  /**
   * Emits `[prefix] REX opcode ModRM [SIB] [disp]` for an instruction whose ModRM.reg field holds
   * `reg` (a register or an opcode extension) and whose r/m operand is `rm`.
   * `forceRex` emits the REX prefix even when it sets no bit (see `needsByteRex`). `trailing` is the
   * size of the immediate that follows: a `[rip + label]` operand counts from the instruction's end.
   */
  private modrm(
    prefix: number,
    opcode: number,
    wide: boolean,
    reg: number,
    rm: Reg | Xmm | Mem,
    forceRex = false,
    trailing = 0,
  ): void {
    if (this.length + MAX_INSTRUCTION > this.buffer.length) this.buffer = grown(this.buffer);
    const buffer = this.buffer;
    let n = this.length;
    if (prefix !== 0) buffer[n++] = prefix;
    const isReg = typeof rm === 'number';
    const base = isReg ? rm : rm.base;
    const index = isReg ? undefined : rm.index;
    // The SIB byte says "no index" with rsp's encoding (and REX.X stays clear for it).
    if (index === Reg.rsp) throw new Error('rsp cannot be an index register');
    const indexBits = index ?? Reg.rsp;
    const rex = 0x40 | (wide ? 8 : 0) | ((reg & 8) >> 1) | ((indexBits & 8) >> 2) | ((base & 8) >> 3);
    if (rex !== 0x40 || forceRex) buffer[n++] = rex;
    if (opcode > 0xffff) buffer[n++] = opcode >> 16;
    if (opcode > 0xff) buffer[n++] = opcode >> 8;
    buffer[n++] = opcode;
    if (isReg) {
      buffer[n++] = 0xc0 | ((reg & 7) << 3) | (base & 7);
    } else if (rm.label !== undefined) {
      buffer[n++] = ((reg & 7) << 3) | 5;
      // Filled in like a jump-table entry, relative to the instruction's end.
      this.tableLabels.push(rm.label as Label);
      this.tableSlots.push(n, n + 4 + trailing);
      n += 4;
    } else {
      const disp = rm.disp ?? 0;
      const mod = disp === 0 && (base & 7) !== Reg.rbp ? 0 : fitsInt8(disp) ? 1 : 2;
      const needsSib = index !== undefined || (base & 7) === Reg.rsp;
      buffer[n++] = (mod << 6) | ((reg & 7) << 3) | (needsSib ? 4 : base & 7);
      // Scales 1, 2, 4, 8 are encoded as their log2.
      if (needsSib) buffer[n++] = ((31 - Math.clz32(rm.scale ?? 1)) << 6) | ((indexBits & 7) << 3) | (base & 7);
      if (mod === 1) buffer[n++] = disp;
      else if (mod === 2) n = putInt32(buffer, n, disp);
    }
    this.length = n;
  }

  /** Emits a rel32 displacement to `label`, relative to the end of the instruction. */
  private relative(label: Label): void {
    if (label.bound) {
      this.int32(label.offset - (this.length + 4));
      return;
    }
    const at = this.length;
    this.int32(label.lastReference);
    label.lastReference = at;
    this.unresolved++;
  }

  // ---- data movement ----------------------------------------------------------------------------

  movRR(width: Width, dst: Reg, src: Reg): void {
    this.modrm(0, 0x89, width === 64, src, dst);
  }

  /** `mov dst, imm64` always in the 10-byte form, so that the value can be patched later; returns the immediate's offset. */
  movabs(dst: Reg, value: bigint): number {
    this.byte(0x48 | ((dst & 8) >> 3));
    this.byte(0xb8 | (dst & 7));
    const at = this.length;
    this.int64(value);
    return at;
  }

  /** `mov dst, imm`, choosing the shortest form: `mov r32, imm32` zero-extends, `0xC7` sign-extends. */
  movRI(width: Width, dst: Reg, value: bigint | number): void {
    // BigInt only for values that may need more than 32 bits (and non-integers, which BigInt() rejects).
    if (typeof value !== 'number' || !(value >= -0x8000_0000 && value <= 0xffff_ffff && Number.isInteger(value))) {
      const v = BigInt(value);
      if (width === 64 && (v < -0x8000_0000n || v > 0xffff_ffffn)) {
        this.byte(0x48 | ((dst & 8) >> 3));
        this.byte(0xb8 | (dst & 7));
        this.int64(v);
        return;
      }
      // The value fits in 32 bits, or only its low 32 bits matter.
      value = Number(width === 64 ? v : BigInt.asIntN(32, v));
    }
    if (width === 32 || value >= 0) {
      if (dst & 8) this.byte(0x41);
      this.byte(0xb8 | (dst & 7));
    } else {
      this.modrm(0, 0xc7, true, 0, dst);
    }
    this.int32(value);
  }

  /**
   * `mov dst, imm64` of the pattern whose 32-bit halves are `low` and `high`, in movRI's shortest
   * form, without the bigint movRI would need for it.
   */
  movRI64(dst: Reg, low: number, high: number): void {
    low |= 0;
    if ((high | 0) === low >> 31 || high === 0) {
      this.movRI(64, dst, high === 0 ? low >>> 0 : low);
      return;
    }
    this.byte(0x48 | ((dst & 8) >> 3));
    this.byte(0xb8 | (dst & 7));
    this.int32(low);
    this.int32(high);
  }

  load(width: Width, dst: Reg, src: Mem): void {
    this.modrm(0, 0x8b, width === 64, dst, src);
  }

  store(width: Width, dst: Mem, src: Reg): void {
    this.modrm(0, 0x89, width === 64, src, dst);
  }

  /** `mov qword/dword [mem], imm32` (sign-extended to 64 bits in the qword form). */
  storeImm(width: Width, dst: Mem, value: number): void {
    this.modrm(0, 0xc7, width === 64, 0, dst, false, 4);
    this.int32(value);
  }

  /** `mov byte/word [dst], imm8/imm16`: a narrow store of a constant (its low bits). */
  storeImmNarrow(bits: 8 | 16, dst: Mem, value: number): void {
    if (bits === 8) {
      this.modrm(0, 0xc6, false, 0, dst, false, 1);
      this.byte(value);
    } else {
      this.modrm(0x66, 0xc7, false, 0, dst, false, 2);
      this.byte(value);
      this.byte(value >> 8);
    }
  }


  /** `mov byte/word [dst], src8/src16`: a narrow store. */
  storeNarrow(bits: 8 | 16, dst: Mem, src: Reg): void {
    if (bits === 8) this.modrm(0, 0x88, false, src, dst, needsByteRex(src));
    else this.modrm(0x66, 0x89, false, src, dst);
  }

  /** `lea dst, [src]`; at width 32 the address is computed in 64 bits and its low half kept. */
  lea(dst: Reg, src: Mem, width: Width = 64): void {
    this.modrm(0, 0x8d, width === 64, dst, src);
  }

  /** `lea dst, [rip + label]`. */
  leaLabel(dst: Reg, label: Label): void {
    this.byte(0x48 | ((dst & 8) >> 1));
    this.byte(0x8d);
    this.byte(0x05 | ((dst & 7) << 3));
    this.relative(label);
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
      this.byte(0x6a);
      this.byte(value);
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

  /** `movzx dst32, src8/src16`, from a register or memory (a zero-extending narrow load). */
  movzx(fromBits: 8 | 16, dst: Reg, src: Reg | Mem): void {
    this.modrm(0, 0x0f00 | (fromBits === 8 ? 0xb6 : 0xb7), false, dst, src, fromBits === 8 && needsByteRex(src));
  }

  /** Sign extension of the low 8, 16 or 32 bits of `src` into `dst` (`movsx`/`movsxd`). */
  movsx(width: Width, fromBits: 8 | 16 | 32, dst: Reg, src: Reg | Mem): void {
    if (fromBits === 32) this.modrm(0, 0x63, true, dst, src);
    else this.modrm(0, 0x0f00 | (fromBits === 8 ? 0xbe : 0xbf), width === 64, dst, src, fromBits === 8 && needsByteRex(src));
  }

  // ---- arithmetic -------------------------------------------------------------------------------

  /** `op dst, src` where dst is a register or memory. */
  aluRR(op: Alu, width: Width, dst: Reg | Mem, src: Reg): void {
    this.modrm(0, (op << 3) | 1, width === 64, src, dst);
  }

  /** `op dst, imm32` (sign-extended in the 64-bit form), using the imm8 form when it fits. */
  aluRI(op: Alu, width: Width, dst: Reg | Mem, value: number): void {
    if (fitsInt8(value)) {
      this.modrm(0, 0x83, width === 64, op, dst, false, 1);
      this.byte(value);
    } else {
      this.modrm(0, 0x81, width === 64, op, dst, false, 4);
      this.int32(value);
    }
  }

  /**
   * `op dst, imm32` always in the 4-byte immediate form, so that the value can be patched later.
   * Returns the offset of the immediate.
   */
  aluRI32(op: Alu, width: Width, dst: Reg | Mem, value: number): number {
    this.modrm(0, 0x81, width === 64, op, dst, false, 4);
    const at = this.length;
    this.int32(value);
    return at;
  }

  /** `op dst, [mem]`. */
  aluRM(op: Alu, width: Width, dst: Reg, src: Mem): void {
    this.modrm(0, (op << 3) | 3, width === 64, dst, src);
  }

  test(width: Width, a: Reg | Mem, b: Reg): void {
    this.modrm(0, 0x85, width === 64, b, a);
  }

  /** `test a, imm32` (sign-extended in the 64-bit form; there is no imm8 form). */
  testRI(width: Width, a: Reg | Mem, value: number): void {
    this.modrm(0, 0xf7, width === 64, 0, a, false, 4);
    this.int32(value);
  }

  imulRR(width: Width, dst: Reg, src: Reg): void {
    this.modrm(0, 0x0faf, width === 64, dst, src);
  }

  /** `imul dst, [mem]`. */
  imulRM(width: Width, dst: Reg, src: Mem): void {
    this.modrm(0, 0x0faf, width === 64, dst, src);
  }

  /** `imul dst, src, imm32` (sign-extended in the 64-bit form), using the imm8 form when it fits. */
  imulRMI(width: Width, dst: Reg, src: Reg | Mem, value: number): void {
    if (fitsInt8(value)) {
      this.modrm(0, 0x6b, width === 64, dst, src, false, 1);
      this.byte(value);
    } else {
      this.modrm(0, 0x69, width === 64, dst, src, false, 4);
      this.int32(value);
    }
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

  /**
   * `rorx dst, src, count` (BMI2): rotates right into another register, flags untouched. VEX-encoded:
   * modrm() lays out `REX F0 ModRM…`, and the VEX prefix takes the place of the REX byte, carrying
   * its R, X and B bits (inverted).
   */
  rorx(width: Width, dst: Reg, src: Reg | Mem, count: number): void {
    if (typeof src !== 'number' && src.label !== undefined) throw new Error('rorx takes no [rip + label] operand');
    const start = this.length;
    this.modrm(0, 0xf0, false, dst, src, true);
    const buffer = this.buffer;
    const rex = buffer[start]!;
    buffer.copyWithin(start + 4, start + 2, this.length);
    buffer[start] = 0xc4;
    // ~R ~X ~B, map 0F 3A; then W, no second source (vvvv 1111), 128-bit, prefix F2.
    buffer[start + 1] = ((~rex & 7) << 5) | 0x03;
    buffer[start + 2] = (width === 64 ? 0x80 : 0) | 0x7b;
    buffer[start + 3] = 0xf0;
    this.length += 2;
    this.byte(count);
  }

  bitOp(op: BitOp, width: Width, dst: Reg, src: Reg): void {
    this.modrm(op > 0xff ? op >> 8 : 0, 0x0f00 | (op & 0xff), width === 64, dst, src);
  }

  setcc(cond: Cond, dst: Reg | Mem): void {
    this.modrm(0, 0x0f90 | cond, false, 0, dst, needsByteRex(dst));
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

  /** `movdqu xmm, [mem]`: a whole v128 from memory at any alignment (our frames keep none). */
  loadV128(dst: Xmm, src: Mem): void {
    this.modrm(0xf3, 0x0f6f, false, dst, src);
  }

  /** `movdqu [mem], xmm`. */
  storeV128(dst: Mem, src: Xmm): void {
    this.modrm(0xf3, 0x0f7f, false, src, dst);
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

  // ---- SIMD --------------------------------------------------------------------------------------

  /**
   * Emits a packed SSE instruction from its sse-ops.ts encoding: `0x66_0f3800` is prefix 66 and
   * opcode 0F 38 00, `0x66_0ffc` prefix 66 and opcode 0F FC, `0x0f58` no prefix.
   */
  private packed(encoding: number, wide: boolean, reg: number, rm: Reg | Xmm | Mem, trailing = 0): void {
    const map = (encoding >>> 8) & 0xffff;
    const threeByte = map === 0x0f38 || map === 0x0f3a;
    this.modrm(threeByte ? encoding >>> 24 : encoding >>> 16, encoding & (threeByte ? 0xffffff : 0xffff), wide, reg, rm, false, trailing);
  }

  /** `op dst, src` (see `SseOp`: blendv* read xmm0 too; m128 operands must be 16-byte aligned). */
  sse(op: SseOp, dst: Xmm, src: Xmm | Mem): void {
    if (typeof src !== 'number' && (op === SseOp.Movhlps || op === SseOp.Movlhps)) {
      throw new Error(`${SseOp[op].toLowerCase()} has no memory operand form`);
    }
    this.packed(op, false, dst, src);
  }

  /** `op dst, src, imm8`. */
  sseImm(op: SseImmOp, dst: Xmm, src: Xmm | Mem, imm: number): void {
    this.packed(op, false, dst, src, 1);
    this.byte(imm);
  }

  /** `op dst, count`: shifts each lane (pslldq/psrldq: the whole register, by bytes) by an immediate. */
  sseShiftImm(op: SseShiftImm, dst: Xmm, count: number): void {
    this.modrm(0x66, 0x0f00 | (op >> 8), false, op & 7, dst);
    this.byte(count);
  }

  /** `pinsrb/w/d/q dst, src, lane`: replaces one lane with the low bits of a register or with memory. */
  pinsr(bits: LaneBits, dst: Xmm, src: Reg | Mem, lane: number): void {
    this.modrm(0x66, PINSR[bits], bits === 64, dst, src, false, 1);
    this.byte(lane);
  }

  /**
   * `pextrb/w/d/q dst, src, lane`: one lane, zero-extended into a 32-bit register (64-bit for q), or
   * stored to memory at its own width.
   */
  pextr(bits: LaneBits, dst: Reg | Mem, src: Xmm, lane: number): void {
    // pextrw has an SSE2 register form; the SSE4.1 one is needed only for memory.
    if (bits === 16 && typeof dst === 'number') this.modrm(0x66, 0x0fc5, false, dst, src);
    else this.modrm(0x66, PEXTR[bits], bits === 64, src, dst, false, 1);
    this.byte(lane);
  }

  /** `pmovmskb`/`movmskps`/`movmskpd dst32, src`: the sign bit of each lane, lane 0 in bit 0. */
  movmsk(kind: MoveMask, dst: Reg, src: Xmm): void {
    this.packed(kind, false, dst, src);
  }

  // ---- control flow -----------------------------------------------------------------------------

  bind(label: Label): void {
    if (label.bound) throw new Error('label bound twice');
    label.offset = this.length;
    const buffer = this.buffer;
    let at = label.lastReference;
    while (at >= 0) {
      const previous = buffer[at]! | (buffer[at + 1]! << 8) | (buffer[at + 2]! << 16) | (buffer[at + 3]! << 24);
      putInt32(buffer, at, label.offset - (at + 4));
      this.unresolved--;
      at = previous;
    }
    label.lastReference = -1;
  }

  /** `jmp label`: rel8 when the label is bound and near, else rel32. */
  jmp(label: Label): void {
    const rel8 = label.offset - (this.length + 2);
    if (label.bound && fitsInt8(rel8)) {
      this.byte(0xeb);
      this.byte(rel8);
    } else {
      this.byte(0xe9);
      this.relative(label);
    }
  }

  jcc(cond: Cond, label: Label): void {
    const rel8 = label.offset - (this.length + 2);
    if (label.bound && fitsInt8(rel8)) {
      this.byte(0x70 | cond);
      this.byte(rel8);
    } else {
      this.byte(0x0f);
      this.byte(0x80 | cond);
      this.relative(label);
    }
  }

  call(label: Label): void {
    this.byte(0xe8);
    this.relative(label);
  }

  callReg(target: Reg): void {
    this.modrm(0, 0xff, false, 2, target);
  }

  /** `call qword [mem]`: a call through a pointer in memory (lazy compilation's function records). */
  callMem(target: Mem): void {
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
    // Not int32(): that relies on the room made by an instruction's first byte.
    for (let i = 0; i < 4; i++) this.byte(0);
    if (label.bound) {
      putInt32(this.buffer, at, label.offset - tableStart.offset);
    } else {
      this.tableLabels.push(label);
      this.tableSlots.push(at, tableStart.offset);
    }
  }

  /**
   * Fills in the jump-table entries and `[rip + label]` displacements whose labels are bound by
   * now, and forgets them (finish() does it too; a caller that binds all its labels early can let
   * them go sooner).
   */
  fillTableEntries(): void {
    const { tableLabels, tableSlots } = this;
    let kept = 0;
    for (let i = 0; i < tableLabels.length; i++) {
      const label = tableLabels[i]!;
      const at = tableSlots[2 * i]!;
      const origin = tableSlots[2 * i + 1]!;
      if (label.bound) {
        putInt32(this.buffer, at, label.offset - origin);
      } else {
        tableLabels[kept] = label;
        tableSlots[2 * kept] = at;
        tableSlots[2 * kept + 1] = origin;
        kept++;
      }
    }
    truncateTo(tableLabels, kept);
    truncateTo(tableSlots, 2 * kept);
  }

  /** `rep stosq`: stores rax to [rdi], rcx times. */
  repStosq(): void {
    this.byte(0xf3);
    this.byte(0x48);
    this.byte(0xab);
  }

  cpuid(): void {
    this.byte(0x0f);
    this.byte(0xa2);
  }

  ud2(): void {
    this.byte(0x0f);
    this.byte(0x0b);
  }

  // ---- output -----------------------------------------------------------------------------------

  /**
   * Fills in the jump tables and returns the code: a view of the buffer, not a copy (a module's
   * code is copied once more anyway, into its pages or next to other chunks), so the assembler is
   * done. Throws if a referenced label was never bound.
   */
  finish(): Uint8Array {
    if (this.unresolved > 0) throw new Error('jump to a label that was never bound');
    this.fillTableEntries();
    if (this.tableLabels.length > 0) throw new Error('a reference to a label that was never bound');
    return this.buffer.subarray(0, this.length);
  }
}
