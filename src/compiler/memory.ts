// Loads and stores, one table: access size, value type, extension. With explicit bounds checks, every
// access is checked against the memory size in the context: `zext(addr) + offset + size <= memorySize`,
// computed in 64 bits so that `addr + offset` cannot wrap; a failed check jumps to the out-of-bounds
// trap stub. Only a constant address below the memory's minimum size (which it can never shrink under)
// skips it. With guard regions (`features.guardRegions`) no access is checked: see `guardedAddress`.
import { Alu, Cond, Reg, mem, memIndexed } from '../x64/index.js';
import type { Mem, Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import { Ctx, CTX_REG, MEMORY_BASE_REG } from './abi.js';
import type { LoweringEnv } from './integer.js';
import { TrapCode } from './traps.js';

export interface MemoryAccess {
  kind: 'load' | 'store';
  type: ValType;
  bytes: 1 | 2 | 4 | 8;
  /** Narrow loads: sign- or zero-extend to the value type. */
  signed: boolean;
}

const access = (kind: MemoryAccess['kind'], type: ValType, bytes: MemoryAccess['bytes'], signed = false): MemoryAccess => ({
  kind, type, bytes, signed,
});

export const MEMORY_ACCESSES: ReadonlyMap<string, MemoryAccess> = new Map([
  ['i32.load', access('load', 'i32', 4)],
  ['i64.load', access('load', 'i64', 8)],
  ['f32.load', access('load', 'f32', 4)],
  ['f64.load', access('load', 'f64', 8)],
  ['i32.load8_s', access('load', 'i32', 1, true)],
  ['i32.load8_u', access('load', 'i32', 1)],
  ['i32.load16_s', access('load', 'i32', 2, true)],
  ['i32.load16_u', access('load', 'i32', 2)],
  ['i64.load8_s', access('load', 'i64', 1, true)],
  ['i64.load8_u', access('load', 'i64', 1)],
  ['i64.load16_s', access('load', 'i64', 2, true)],
  ['i64.load16_u', access('load', 'i64', 2)],
  ['i64.load32_s', access('load', 'i64', 4, true)],
  ['i64.load32_u', access('load', 'i64', 4)],
  ['i32.store', access('store', 'i32', 4)],
  ['i64.store', access('store', 'i64', 8)],
  ['f32.store', access('store', 'f32', 4)],
  ['f64.store', access('store', 'f64', 8)],
  ['i32.store8', access('store', 'i32', 1)],
  ['i32.store16', access('store', 'i32', 2)],
  ['i64.store8', access('store', 'i64', 1)],
  ['i64.store16', access('store', 'i64', 2)],
  ['i64.store32', access('store', 'i64', 4)],
]);

/**
 * Displacements below this share their operands (immutable, like every Mem the compiler passes the
 * assembler): a memory access then allocates none, which is most of them.
 */
const SHARED_DISPLACEMENTS = 4096;
/** By index register, then displacement. */
const ACCESS_OPERANDS: Mem[][] = Array.from({ length: 16 }, () => []);
const END_OPERANDS: Mem[][] = Array.from({ length: 16 }, () => []);
const MEMORY_SIZE = mem(CTX_REG, Ctx.memorySize);

/** `[memory base + index + offset]`; `index` holds the zero-extended address. */
function accessOperand(offset: number, index: Reg = Reg.rax): Mem {
  if (offset >= SHARED_DISPLACEMENTS) return memIndexed(MEMORY_BASE_REG, index, 1, offset);
  return (ACCESS_OPERANDS[index]![offset] ??= memIndexed(MEMORY_BASE_REG, index, 1, offset));
}

/** `[index + end]`, whose address is the end of the access. */
function endOperand(end: number, index: Reg): Mem {
  if (end >= SHARED_DISPLACEMENTS) return mem(index, end);
  return (END_OPERANDS[index]![end] ??= mem(index, end));
}

/**
 * Pops the address into a register that holds it zero-extended: its own, when a 32-bit instruction
 * wrote it last (`ValueStack.pushWrittenGpr`) and `end` fits a disp32, else rax (`mov eax, r32`).
 * A freed own register is read by the check and the access before anything is allocated.
 */
function popIndex(env: LoweringEnv, end: number): Reg {
  const own = end <= 0x7fff_ffff ? env.stack.popZeroExtendedRegister() : undefined;
  if (own !== undefined) return own;
  env.stack.popZeroExtended(Reg.rax);
  return Reg.rax;
}

/**
 * Checks `[address + offset, address + offset + bytes)` against the memory size (in 64 bits, so
 * that the sum cannot wrap) and returns the operand of the access, indexed by the zero-extended address
 * (in rax, or in the address's own register when a 32-bit instruction wrote it). A constant address
 * inside the memory's minimum size needs no check at all.
 */
export function emitAddress(env: LoweringEnv, offset: number, bytes: number): Mem {
  if (env.features.guardRegions) return guardedAddress(env, offset);
  const { asm, stack } = env;
  const constant = stack.popConst();
  if (constant !== undefined) {
    const effective = (constant.low >>> 0) + offset;
    if (effective + bytes <= env.memoryMinBytes && effective <= 0x7fff_ffff) return mem(MEMORY_BASE_REG, effective);
    stack.restoreConst(constant);
  }
  const end = offset + bytes;
  const index = popIndex(env, end);
  if (end > 0x7fff_ffff) {
    asm.movRI(64, Reg.rdx, offset);
    asm.aluRR(Alu.Add, 64, Reg.rax, Reg.rdx);
    asm.lea(Reg.rdx, mem(Reg.rax, bytes));
  } else {
    asm.lea(Reg.rdx, endOperand(end, index));
  }
  asm.aluRM(Alu.Cmp, 64, Reg.rdx, MEMORY_SIZE);
  asm.jcc(Cond.A, env.trap(TrapCode.MemoryOutOfBounds));
  return accessOperand(end > 0x7fff_ffff ? 0 : offset, index);
}

/**
 * With guard regions: the operand `[memory base + zext(address) + offset]`, unchecked. It stays below
 * base + 8 GiB, inside the memory's reservation, so an access outside the memory faults on it and the
 * signal handler turns the fault into the trap. An offset beyond a signed disp32 is added in rax.
 */
function guardedAddress(env: LoweringEnv, offset: number): Mem {
  const { asm, stack } = env;
  const constant = stack.popConst();
  if (constant !== undefined) {
    const effective = (constant.low >>> 0) + offset;
    if (effective <= 0x7fff_ffff) return mem(MEMORY_BASE_REG, effective);
    stack.restoreConst(constant);
  }
  const index = popIndex(env, offset);
  if (offset <= 0x7fff_ffff) return accessOperand(offset, index);
  asm.movRI(64, Reg.rdx, offset);
  asm.aluRR(Alu.Add, 64, Reg.rax, Reg.rdx);
  return accessOperand(0);
}

const isFloat = (type: ValType): boolean => type === 'f32' || type === 'f64';
const widthOf = (type: ValType): Width => (type === 'i32' || type === 'f32' ? 32 : 64);

/** `offset` is the access's static offset (its memarg immediate). */
export function lowerMemoryAccess(env: LoweringEnv, op: MemoryAccess, offset: number): void {
  const { asm, stack } = env;
  if (op.kind === 'store') {
    // A float constant is stored as its bit pattern, like an integer one.
    if (isFloat(op.type) && stack.top()?.kind !== 'const') {
      const value = stack.popFloatStoreSource();
      asm.storeFloat(op.bytes === 4 ? 32 : 64, emitAddress(env, offset, op.bytes), value);
      stack.freeXmm(value);
      return;
    }
    // The value as an immediate or in a local's own register where it can be, else in a register.
    const value = stack.popStoreOperand(widthOf(op.type));
    const target = emitAddress(env, offset, op.bytes);
    const narrow = op.bytes === 1 ? 8 : 16;
    const width = op.bytes === 8 ? 64 : 32;
    if (value.kind === 'imm') {
      if (op.bytes === 1 || op.bytes === 2) asm.storeImmNarrow(narrow, target, value.value);
      else asm.storeImm(width, target, value.value);
    } else {
      const reg = (value as { reg: Reg }).reg;
      if (op.bytes === 1 || op.bytes === 2) asm.storeNarrow(narrow, target, reg);
      else asm.store(width, target, reg);
      stack.freeOperand(value);
    }
    return;
  }
  if (isFloat(op.type)) {
    const result = stack.allocResultXmm();
    asm.loadFloat(op.bytes === 4 ? 32 : 64, result, emitAddress(env, offset, op.bytes));
    stack.pushXmm(result);
    return;
  }
  // The target local's register (see ValueStack.aimAt) is written only by the load itself.
  const result = stack.allocResultGpr();
  const source = emitAddress(env, offset, op.bytes);
  if (op.bytes === 8) asm.load(64, result, source);
  else if (op.bytes === 4 && !op.signed) asm.load(32, result, source);
  else if (op.signed) asm.movsx(widthOf(op.type), op.bytes === 1 ? 8 : op.bytes === 2 ? 16 : 32, result, source);
  else asm.movzx(op.bytes === 1 ? 8 : 16, result, source);
  // An i32 load writes 32 bits (movsx too: its destination is the 32-bit register).
  stack.pushWrittenGpr(result, widthOf(op.type));
}
