// Where each operand of the wasm value stack is while a function is being compiled. The bottom of
// the stack is materialized on the machine stack (push/pop, one 8-byte slot each, rsp at the top);
// above it, values stay where they were produced — in a cache register, as a constant, as a
// reference to a local, or as a condition still in the flags — until an instruction consumes them
// or a control-flow point, a call or register pressure forces them onto the machine stack
// (`flush`). Instructions take their operands in whatever form suits them: a constant as an
// immediate, a local as a memory operand, a compare as a conditional jump. A v128 value is a wide
// entry: two slots (16 bytes, the low half at the lower address) on the machine stack, a whole xmm
// register, or a v128 local (in its two frame slots, or in a whole local xmm register).
import { Alu, Assembler, Cond, Reg, SseLogic, Xmm, mem } from '../x64/index.js';
import type { Mem, Width } from '../x64/index.js';
import type { ValType } from '../decode/index.js';
import type { ConstantPool } from './constant-pool.js';

export type Location =
  | { kind: 'stack'; wide: boolean }
  /**
   * `zeroExtended`: the register's upper half is known to be zero, because a 32-bit instruction of
   * this function wrote it last (see `pushWrittenGpr`): it can index memory as it is.
   */
  | { kind: 'gpr'; reg: Reg; zeroExtended: boolean }
  | { kind: 'xmm'; reg: Xmm; wide: boolean }
  | Constant
  | { kind: 'local'; index: number }
  | { kind: 'flags'; cond: Cond };

/**
 * A constant as the two 32-bit halves of its 64-bit pattern (a 32-bit value's high half is its
 * sign extension: `push imm32` and `mov r64, imm32` then give the same pattern). Numbers, not a
 * bigint: most constants are small, and compiling them should cost no bigint arithmetic.
 */
export interface Constant {
  readonly kind: 'const';
  readonly low: number;
  readonly high: number;
}

/** Whether a constant's 64-bit pattern is a sign-extended imm32 (its `low`). */
export const isImm32 = (c: Constant): boolean => c.high === c.low >> 31;

/** Registers that hold values between instructions; rax, rcx, rdx and xmm0–3 are scratch within one. */
export const CACHE_GPRS: readonly Reg[] = [Reg.rsi, Reg.rdi, Reg.r8, Reg.r9];
export const CACHE_XMMS: readonly Xmm[] = [Xmm.xmm4, Xmm.xmm5, Xmm.xmm6, Xmm.xmm7, Xmm.xmm8, Xmm.xmm9];

/**
 * Where a block's single (non-v128) result lands at its label, from every branch to it: a cache
 * register, free there because every other entry is materialized at a label.
 */
export const LABEL_GPR: Reg = Reg.rsi;
export const LABEL_XMM: Xmm = Xmm.xmm4;

/** Where a local lives for the whole function (built with `operand`, as it serves as one). */
export type LocalHome = { kind: 'gpr'; reg: Reg } | { kind: 'xmm'; reg: Xmm } | { kind: 'mem'; mem: Mem };

/**
 * Every location is built here with all fields, in one order: one hidden class for all kinds keeps
 * V8's property accesses on them monomorphic (six shapes made them megamorphic, and slow).
 */
function location(kind: Location['kind'], reg = 0, cond = 0, index = 0, low = 0, high = 0, wide = false, zeroExtended = false): Location {
  return { kind, reg, cond, index, low, high, wide, zeroExtended } as unknown as Location;
}

// Locations are immutable, so all but constants are shared: compiling allocates no object per value.
const STACK: Location = location('stack');
const WIDE_STACK: Location = location('stack', 0, 0, 0, 0, 0, true);
const GPR_LOCATIONS: Location[] = Array.from({ length: 16 }, (_, reg) => location('gpr', reg));
const ZERO_EXTENDED_GPR_LOCATIONS: Location[] = Array.from({ length: 16 }, (_, reg) => location('gpr', reg, 0, 0, 0, 0, false, true));
const XMM_LOCATIONS: Location[] = Array.from({ length: 16 }, (_, reg) => location('xmm', reg));
const WIDE_XMM_LOCATIONS: Location[] = Array.from({ length: 16 }, (_, reg) => location('xmm', reg, 0, 0, 0, 0, true));
const FLAG_LOCATIONS: Location[] = Array.from({ length: 16 }, (_, cond) => location('flags', 0, cond));
/** Shared by every function, by local index, made on first use. */
const LOCAL_LOCATIONS: Location[] = [];
/** Small constants (most are) and their immediate operands are shared too, made on first use. */
const SMALL_MIN = -256;
const SMALL_END = 4096;
const SMALL_CONSTANTS: Location[] = [];
const SMALL_IMMEDIATES: Operand[] = [];

/** A right-hand operand: a register, a memory operand or an immediate (a local's home is one too). */
export type Operand = { kind: 'gpr'; reg: Reg } | { kind: 'mem'; mem: Mem } | { kind: 'imm'; value: number };
const maskOf = (regs: readonly number[]): number => regs.reduce((mask, reg) => mask | (1 << reg), 0);
const CACHE_GPR_MASK = maskOf(CACHE_GPRS);
const CACHE_XMM_MASK = maskOf(CACHE_XMMS);


/** Operands and local homes, like locations, share one hidden class. */
export function operand<T extends Operand | LocalHome>(kind: T['kind'], reg = 0, memory: Mem | undefined = undefined, value = 0): T {
  return { kind, reg, mem: memory, value } as unknown as T;
}

const GPR_OPERANDS: Operand[] = Array.from({ length: 16 }, (_, reg) => operand('gpr', reg));

/** Shrinks an array: pops, which V8 inlines, where setting `length` is a call into its runtime. */
export function truncate(array: unknown[], length: number): void {
  while (array.length > length) array.pop();
}

/**
 * Where a function's locals live, for the value stack. The function compiler itself, rather than
 * closures made for every function.
 */
export interface FunctionLocals {
  localHome(index: number): LocalHome;
  localType(index: number): ValType;
}

const NO_LOCALS: FunctionLocals = {
  localHome() {
    throw new Error('internal error: value stack used before reset');
  },
  localType: () => 'i32',
};

export class ValueStack {
  private readonly locs: Location[] = [];
  /** How many entries at the bottom are on the machine stack. */
  private materialized = 0;
  /** Free cache registers, one bit per register number. */
  private freeGprs = CACHE_GPR_MASK;
  private freeXmms = CACHE_XMM_MASK;
  /** False when no entry is a condition in the flags (true may be stale: it only saves a scan). */
  mayHoldFlags = false;
  /** False while no wide (v128) entry was pushed since `reset`: every entry is then one slot. */
  private mayHoldWide = false;

  /** The current function's locals (set by `reset`). */
  private locals: FunctionLocals = NO_LOCALS;

  /** Where local `index` lives: its register, or its slot in the frame. */
  localHome(index: number): LocalHome {
    return this.locals.localHome(index);
  }

  /** Whether local `index` is a v128 (two slots, in memory). */
  private isWideLocal(index: number): boolean {
    return this.locals.localType(index) === 'v128';
  }

  /**
   * The local that the next instruction stores the one being lowered to (-1: none), when it lives
   * in a register: a lowering that takes its result register from `popToResultGpr`/`allocResultGpr`
   * (or the xmm twins) computes straight into that register, and the store becomes no move at all.
   */
  private targetLocal = -1;
  private targetReg = 0;
  private targetIsXmm = false;

  constructor(
    private readonly asm: Assembler,
    private readonly constants: ConstantPool,
  ) {}

  /**
   * Aims the next lowering's result at local `index`'s register. Entries below the instruction's
   * `operands` that stand for the local get their copy now: the register may change before the store.
   */
  aimAt(index: number, home: LocalHome, operands: number): void {
    if (home.kind === 'mem' || this.isWideLocal(index)) return;
    const below = this.locs.length - operands;
    if (below > this.materialized) this.captureLocal(index, below);
    this.targetLocal = index;
    this.targetReg = home.reg;
    this.targetIsXmm = home.kind === 'xmm';
  }

  /** Forgets the target (after the lowering, whether it took it or not). */
  clearTarget(): void {
    this.targetLocal = -1;
  }

  /** The target register of a class, taken (undefined when there is none or `read` is that register). */
  private takeTarget(xmm: boolean, read: number | undefined): number | undefined {
    if (this.targetLocal < 0 || this.targetIsXmm !== xmm || read === this.targetReg) return undefined;
    this.targetLocal = -1;
    return this.targetReg;
  }

  /**
   * Like popToGpr, for the operand whose register becomes the result: the target local's register if
   * there is one (`reads`: an operand popped before, still to be read, that must not be overwritten).
   */
  popToResultGpr(width: Width, reads?: Operand): Reg {
    const loc = this.top()!;
    const index = this.targetLocal;
    const target = this.takeTarget(false, reads?.kind === 'gpr' ? reads.reg : undefined);
    if (target === undefined) return this.popToGpr(width);
    this.take();
    if (!(loc.kind === 'local' && loc.index === index)) this.load(loc, target, width);
    this.release(loc);
    return target;
  }

  /**
   * For a commutative operation: swaps its two operands when the one on top suits the left side
   * (the destination) better — the target local, then a cache register — or when only the left
   * one is a constant (an immediate goes on the right).
   */
  orderCommutative(): void {
    const { locs } = this;
    const n = locs.length;
    const left = locs[n - 2]!;
    const right = locs[n - 1]!;
    if (left.kind === 'stack' || right.kind === 'stack' || right.kind === 'const') return;
    if (left.kind === 'const' || this.destinationRank(right) > this.destinationRank(left)) {
      locs[n - 2] = right;
      locs[n - 1] = left;
    }
  }

  private destinationRank(loc: Location): number {
    if (loc.kind === 'local' && loc.index === this.targetLocal) return 2;
    return loc.kind === 'gpr' ? 1 : 0;
  }

  /**
   * The register of the entry `offset` below the top when it is a local that lives in a
   * general-purpose register (and is not the target, which is better updated in place).
   */
  localRegisterAt(offset: number): Reg | undefined {
    const loc = this.top(offset);
    if (loc?.kind !== 'local' || loc.index === this.targetLocal) return undefined;
    const home = this.localHome(loc.index);
    return home.kind === 'gpr' ? home.reg : undefined;
  }

  /** The register of the entry `offset` below the top when it is a value of its own in a register (not a local). */
  valueRegisterAt(offset: number): Reg | undefined {
    const loc = this.top(offset);
    return loc?.kind === 'gpr' ? loc.reg : undefined;
  }

  /** Whether the lowering has a local's general-purpose register to compute its result into. */
  get hasTargetGpr(): boolean {
    return this.targetLocal >= 0 && !this.targetIsXmm;
  }

  /**
   * Pops the top entry, a local, a constant or a value in a register, which the caller has read
   * from its home, value or register (a register then is free again).
   */
  dropRead(): void {
    const loc = this.locs.pop()!;
    if (loc.kind === 'gpr') this.freeGpr(loc.reg);
  }

  /** A register for a result written after every operand has been read: the target's, or a cache register. */
  allocResultGpr(): Reg {
    return this.takeTarget(false, undefined) ?? this.allocGpr();
  }

  /** popToResultGpr for xmm registers. */
  popToResultXmm(reads?: Xmm | Mem): Xmm {
    const loc = this.top()!;
    const index = this.targetLocal;
    const target = this.takeTarget(true, typeof reads === 'number' ? reads : undefined);
    if (target === undefined) return this.popToXmm();
    this.take();
    if (!(loc.kind === 'local' && loc.index === index)) this.loadXmm(loc, target);
    this.release(loc);
    return target;
  }

  /** allocResultGpr for xmm registers. */
  allocResultXmm(): Xmm {
    return this.takeTarget(true, undefined) ?? this.allocXmm();
  }

  /** Empties the stack for the next function, whose locals live where `locals` says. */
  reset(locals: FunctionLocals): void {
    truncate(this.locs, 0);
    this.materialized = 0;
    this.freeGprs = CACHE_GPR_MASK;
    this.freeXmms = CACHE_XMM_MASK;
    this.mayHoldFlags = false;
    this.mayHoldWide = false;
    this.locals = locals;
  }

  /** Whether an entry is a v128 value. */
  private isWide(loc: Location): boolean {
    return loc.kind === 'local' ? this.isWideLocal(loc.index) : (loc as { wide?: boolean }).wide === true;
  }

  /** The 8-byte slots the entries below `height` take on the machine stack once materialized. */
  slotHeight(height: number): number {
    if (!this.mayHoldWide) return height;
    let slots = height;
    for (let i = 0; i < height; i++) if (this.isWide(this.locs[i]!)) slots++;
    return slots;
  }

  get depth(): number {
    return this.locs.length;
  }

  top(offset = 0): Location | undefined {
    return this.locs[this.locs.length - 1 - offset];
  }

  // ---- pushing ----------------------------------------------------------------------------------

  pushGpr(reg: Reg): void {
    this.locs.push(GPR_LOCATIONS[reg]!);
  }

  /**
   * The result of a `width`-bit instruction (ALU, lea, imul, shift by a constant, load) that has just
   * written `reg`. At 32 bits the processor zeroed the upper half, so an access can use the register
   * as its index without `mov eax, r32` first. Only lowerings that know their last write was such an
   * instruction push this; `pushGpr` forgets it (a register's upper half is otherwise unknown:
   * parameters, call results, `i32.wrap_i64`, 64-bit copies of another value).
   */
  pushWrittenGpr(reg: Reg, width: Width): void {
    this.locs.push((width === 32 ? ZERO_EXTENDED_GPR_LOCATIONS : GPR_LOCATIONS)[reg]!);
  }

  /**
   * Pops the top value when it is in a register known to be zero-extended and returns that register:
   * a cache register a 32-bit instruction wrote (see `pushWrittenGpr`), freed — the caller must read
   * it before allocating another register —, or an i32 local's own register, which every write
   * leaves zero-extended (see `popToLocal` and the prologue).
   */
  popZeroExtendedRegister(): Reg | undefined {
    if (!this.topIsZeroExtended()) return undefined;
    const top = this.locs.pop()!;
    if (top.kind === 'local') return (this.localHome(top.index) as { reg: Reg }).reg;
    const { reg } = top as { reg: Reg };
    this.freeGpr(reg);
    return reg;
  }

  /** Whether the top value is in a register whose upper half is zero (see `popZeroExtendedRegister`). */
  topIsZeroExtended(): boolean {
    const top = this.top();
    if (top?.kind === 'local') return this.localHome(top.index).kind === 'gpr' && this.locals.localType(top.index) === 'i32';
    return top?.kind === 'gpr' && top.zeroExtended;
  }

  pushXmm(reg: Xmm): void {
    this.locs.push(XMM_LOCATIONS[reg]!);
  }

  /** A v128 value in a cache xmm register. */
  pushV128(reg: Xmm): void {
    this.mayHoldWide = true;
    this.locs.push(WIDE_XMM_LOCATIONS[reg]!);
  }

  /** A constant from its halves (see `Constant`; for a 32-bit value, `high` is `low >> 31`). */
  pushConst(low: number, high: number): void {
    low |= 0;
    high |= 0;
    const shared = high === low >> 31 && low >= SMALL_MIN && low < SMALL_END;
    this.locs.push(shared ? (SMALL_CONSTANTS[low - SMALL_MIN] ??= location('const', 0, 0, 0, low, high)) : location('const', 0, 0, 0, low, high));
  }

  /** Puts back a constant taken with `popConst`. */
  restoreConst(constant: Constant): void {
    this.locs.push(constant);
  }

  pushLocal(index: number): void {
    if (this.isWideLocal(index)) this.mayHoldWide = true;
    this.locs.push((LOCAL_LOCATIONS[index] ??= location('local', 0, 0, index)));
  }

  /** A boolean still in the flags: at most one such entry exists (see `materializeFlags`). */
  pushFlags(cond: Cond): void {
    this.materializeFlags();
    this.locs.push(FLAG_LOCATIONS[cond]!);
    this.mayHoldFlags = true;
  }

  /** Values of `types` a call or `end` left on the machine stack. */
  pushMaterialized(types: readonly ValType[]): void {
    if (this.materialized !== this.locs.length) throw new Error('internal error: materialized values above cached ones');
    for (const type of types) {
      if (type === 'v128') this.mayHoldWide = true;
      this.locs.push(type === 'v128' ? WIDE_STACK : STACK);
    }
    this.materialized += types.length;
  }

  // ---- popping ----------------------------------------------------------------------------------

  /** Removes the top entry and gives back its location (the caller takes over a register). */
  private take(): Location {
    const loc = this.locs.pop();
    if (!loc) throw new Error('internal error: value stack underflow');
    if (loc.kind === 'stack') this.materialized--;
    return loc;
  }

  /** Drops the top value. */
  drop(): void {
    const loc = this.take();
    if (loc.kind === 'stack') this.asm.lea(Reg.rsp, mem(Reg.rsp, loc.wide ? 16 : 8));
    else this.release(loc);
  }

  /** The top value as a constant, popped, or undefined (and nothing popped) if it is not one. */
  popConst(): Constant | undefined {
    const loc = this.top();
    if (loc?.kind !== 'const') return undefined;
    this.locs.pop();
    return loc;
  }

  /** The top value in a cache register that the caller owns (and must push or release). */
  popToGpr(width: Width = 64): Reg {
    const loc = this.take();
    if (loc.kind === 'gpr') return loc.reg;
    const reg = this.allocGpr();
    this.load(loc, reg, width);
    this.release(loc);
    return reg;
  }

  /** The top value into a given scratch register. */
  popInto(reg: Reg, width: Width = 64): void {
    const loc = this.take();
    this.load(loc, reg, width);
    this.release(loc);
  }

  /**
   * The top value as a right-hand operand: an immediate (if it fits), the local's register or slot,
   * or a register. `release` frees whatever it held.
   */
  popOperand(width: Width, allowImmediate = true): Operand {
    const loc = this.top()!;
    if (loc.kind === 'const' && allowImmediate && (width === 32 || isImm32(loc))) {
      this.locs.pop();
      const value = loc.low;
      if (value < SMALL_MIN || value >= SMALL_END) return operand('imm', 0, undefined, value);
      return (SMALL_IMMEDIATES[value - SMALL_MIN] ??= operand('imm', 0, undefined, value));
    }
    const home = this.popLocalHomeOutside('xmm');
    if (home) return home;
    return GPR_OPERANDS[this.popToGpr(width)]!;
  }

  /**
   * The top value as the source of a store of `width` bits: an immediate when it is a constant
   * that fits, the register of a local that lives in one, or a register (`freeOperand` frees it).
   */
  popStoreOperand(width: Width): Operand {
    const loc = this.top()!;
    if (loc.kind === 'const') return this.popOperand(width);
    if (loc.kind === 'local') {
      const home = this.localHome(loc.index);
      if (home.kind === 'gpr') {
        this.locs.pop();
        return home;
      }
    }
    return GPR_OPERANDS[this.popToGpr(width)]!;
  }

  /** The top (float) value as the source of a store: a local's xmm register, or a register. */
  popFloatStoreSource(): Xmm {
    const loc = this.top()!;
    if (loc.kind === 'local') {
      const home = this.localHome(loc.index);
      if (home.kind === 'xmm') {
        this.locs.pop();
        return home.reg;
      }
    }
    return this.popToXmm();
  }

  /**
   * When the top value is a local that lives in memory or in a register of the other class than
   * `excluded`, pops it and gives its home (an instruction can use that directly); else undefined.
   */
  private popLocalHomeOutside<K extends 'gpr' | 'xmm'>(excluded: K): Exclude<LocalHome, { kind: K }> | undefined {
    const loc = this.top();
    if (loc?.kind !== 'local') return undefined;
    const home = this.localHome(loc.index);
    if (home.kind === excluded) return undefined;
    this.locs.pop();
    return home as Exclude<LocalHome, { kind: K }>;
  }

  /** Gives back an operand's cache register, if it holds one (a local's register stays the local's). */
  freeOperand(operand: Operand | Reg | Xmm | Mem, xmm = false): void {
    if (typeof operand === 'number') {
      if (xmm) this.freeXmm(operand as Xmm);
      else this.freeGpr(operand as Reg);
    } else if ('kind' in operand && operand.kind === 'gpr') {
      this.freeGpr(operand.reg);
    }
  }

  /** The top value in a cache xmm register the caller owns. */
  popToXmm(): Xmm {
    const loc = this.take();
    if (loc.kind === 'xmm') return loc.reg;
    const reg = this.allocXmm();
    this.loadXmm(loc, reg);
    this.release(loc);
    return reg;
  }

  /**
   * The top value as an xmm right-hand operand: a register, the local's slot, or for a constant
   * (when `bits` says its width) its entry in the constant pool.
   */
  popXmmOperand(bits?: 32 | 64): Xmm | Mem {
    const loc = this.top();
    if (bits !== undefined && loc?.kind === 'const') {
      this.locs.pop();
      return bits === 32 ? this.constants.bits32(loc.low) : this.constants.bits64(loc.low, loc.high);
    }
    const home = this.popLocalHomeOutside('gpr');
    if (home) return home.kind === 'xmm' ? home.reg : home.mem;
    return this.popToXmm();
  }

  /**
   * The top (v128) value as a read-only source register: a v128 local's own register (not to be
   * written), or a cache register the caller owns. `freeXmm` gives either back (a local's is kept).
   */
  popV128Source(): Xmm {
    const loc = this.top();
    if (loc?.kind === 'local') {
      const home = this.localHome(loc.index);
      if (home.kind === 'xmm') {
        this.locs.pop();
        return home.reg;
      }
    }
    return this.popV128();
  }

  /** The top (v128) value in a cache xmm register the caller owns. */
  popV128(): Xmm {
    const loc = this.take();
    if (loc.kind === 'xmm') return loc.reg;
    const reg = this.allocXmm();
    this.loadV128(loc, reg);
    return reg;
  }

  /** The top value when it is a condition in the flags (popped), or undefined. */
  popFlags(): Cond | undefined {
    const loc = this.top();
    if (loc?.kind !== 'flags') return undefined;
    this.locs.pop();
    return loc.cond;
  }

  // ---- registers --------------------------------------------------------------------------------

  allocGpr(): Reg {
    if (this.freeGprs === 0) this.spillOne('gpr');
    return this.takeFree('gpr');
  }

  allocXmm(): Xmm {
    if (this.freeXmms === 0) this.spillOne('xmm');
    return this.takeFree('xmm');
  }

  freeGpr(reg: Reg): void {
    const bit = 1 << reg;
    if ((CACHE_GPR_MASK & bit) === 0) return;
    if (this.freeGprs & bit) throw new Error(`internal error: register ${reg} freed twice`);
    this.freeGprs |= bit;
  }

  freeXmm(reg: Xmm): void {
    const bit = 1 << reg;
    if ((CACHE_XMM_MASK & bit) === 0) return;
    if (this.freeXmms & bit) throw new Error(`internal error: xmm register ${reg} freed twice`);
    this.freeXmms |= bit;
  }

  private release(loc: Location): void {
    if (loc.kind === 'gpr') this.freeGpr(loc.reg);
    else if (loc.kind === 'xmm') this.freeXmm(loc.reg);
  }

  /** Pushes cached entries from the bottom up until one that `holds` a register has gone. */
  private spillOne(kind: 'gpr' | 'xmm'): void {
    while (this.materialized < this.locs.length) {
      const loc = this.locs[this.materialized]!;
      this.materializeNext();
      if (loc.kind === kind) return;
    }
    throw new Error('internal error: no register to spill');
  }

  /** The highest-numbered free cache register of a class (there must be one), now in use. */
  private takeFree(kind: 'gpr' | 'xmm'): number {
    const free = kind === 'gpr' ? this.freeGprs : this.freeXmms;
    const reg = 31 - Math.clz32(free);
    if (kind === 'gpr') this.freeGprs &= ~(1 << reg);
    else this.freeXmms &= ~(1 << reg);
    return reg;
  }

  // ---- materializing ----------------------------------------------------------------------------

  /** Puts every cached value on the machine stack, in order. Emits nothing that changes the flags. */
  flush(): void {
    while (this.materialized < this.locs.length) this.materializeNext();
  }

  /** `flush` for every entry but the top one, which stays where it is. */
  flushBelowTop(): void {
    while (this.materialized < this.locs.length - 1) this.materializeNext();
  }

  /** The 8-byte slots the materialized entries take on the machine stack. */
  get machineSlots(): number {
    return this.slotHeight(this.materialized);
  }

  // ---- a label's value in a register -------------------------------------------------------------

  /**
   * Pops the top value into a label's register (`LABEL_GPR`, or `LABEL_XMM` for a float), which the
   * caller has made the only cached entry: every entry below is materialized. Changes no flags.
   */
  popToLabel(xmm: boolean): void {
    const loc = this.take();
    if (xmm) {
      if (!(loc.kind === 'xmm' && loc.reg === LABEL_XMM)) this.loadXmm(loc, LABEL_XMM);
    } else if (!(loc.kind === 'gpr' && loc.reg === LABEL_GPR)) {
      this.load(loc, LABEL_GPR, 64);
    }
    this.release(loc);
  }

  /** Copies the top value into a label's register, leaving the stack as it is (see `popToLabel`). */
  copyToLabel(xmm: boolean): void {
    const loc = this.top()!;
    if (!xmm) {
      if (!(loc.kind === 'gpr' && loc.reg === LABEL_GPR)) this.loadTopInto(LABEL_GPR);
    } else if (loc.kind === 'stack') {
      this.asm.loadFloat(64, LABEL_XMM, mem(Reg.rsp));
    } else if (!(loc.kind === 'xmm' && loc.reg === LABEL_XMM)) {
      this.loadXmm(loc, LABEL_XMM);
    }
  }

  /** At a label whose value every branch left in its register: that value, on a stack with no other cached entry. */
  pushLabelValue(xmm: boolean): void {
    if (xmm) {
      if ((this.freeXmms & (1 << LABEL_XMM)) === 0) throw new Error('internal error: the label register is taken');
      this.freeXmms &= ~(1 << LABEL_XMM);
      this.pushXmm(LABEL_XMM);
    } else {
      if ((this.freeGprs & (1 << LABEL_GPR)) === 0) throw new Error('internal error: the label register is taken');
      this.freeGprs &= ~(1 << LABEL_GPR);
      this.pushGpr(LABEL_GPR);
    }
  }

  private materializeNext(): void {
    const index = this.materialized;
    const loc = this.locs[index]!;
    const { asm } = this;
    switch (loc.kind) {
      case 'gpr':
        asm.push(loc.reg);
        this.freeGpr(loc.reg);
        break;
      case 'xmm':
        asm.lea(Reg.rsp, mem(Reg.rsp, loc.wide ? -16 : -8));
        if (loc.wide) asm.storeV128(mem(Reg.rsp), loc.reg);
        else asm.storeFloat(64, mem(Reg.rsp), loc.reg);
        this.freeXmm(loc.reg);
        break;
      case 'const':
        if (isImm32(loc)) {
          asm.pushImm(loc.low);
        } else {
          // No scratch register: this may run in the middle of another instruction's lowering.
          asm.lea(Reg.rsp, mem(Reg.rsp, -8));
          asm.storeImm(32, mem(Reg.rsp), loc.low);
          asm.storeImm(32, mem(Reg.rsp, 4), loc.high);
        }
        break;
      case 'local': {
        const home = this.localHome(loc.index);
        if (home.kind === 'gpr') {
          asm.push(home.reg);
        } else if (home.kind === 'mem' && this.isWideLocal(loc.index)) {
          asm.pushMem(highHalf(home.mem));
          asm.pushMem(home.mem);
        } else if (home.kind === 'mem') {
          asm.pushMem(home.mem);
        } else if (this.isWideLocal(loc.index)) {
          asm.lea(Reg.rsp, mem(Reg.rsp, -16));
          asm.storeV128(mem(Reg.rsp), home.reg);
        } else {
          asm.lea(Reg.rsp, mem(Reg.rsp, -8));
          asm.storeFloat(64, mem(Reg.rsp), home.reg);
        }
        break;
      }
      case 'flags':
        asm.pushImm(0);
        asm.setcc(loc.cond, mem(Reg.rsp));
        break;
      case 'stack':
        break;
    }
    this.locs[index] = this.isWide(loc) ? WIDE_STACK : STACK;
    this.materialized++;
  }

  /** Turns a condition left in the flags into a register, before anything else changes the flags. */
  materializeFlags(): void {
    // Called before almost every instruction: the scan runs only while a flags entry may exist.
    if (!this.mayHoldFlags) return;
    this.mayHoldFlags = false;
    const index = this.locs.findIndex((loc) => loc.kind === 'flags');
    if (index < 0) return;
    if (this.freeGprs === 0) {
      while (this.materialized <= index) this.materializeNext();
      return;
    }
    const loc = this.locs[index] as { kind: 'flags'; cond: Cond };
    const reg = this.takeFree('gpr');
    this.setBoolean(loc.cond, reg);
    this.locs[index] = GPR_LOCATIONS[reg]!;
  }

  /** reg = cond ? 1 : 0 without touching the flags (setcc, then movzx). */
  private setBoolean(cond: Cond, reg: Reg): void {
    this.asm.setcc(cond, reg);
    this.asm.movzx(8, reg, reg);
  }

  /**
   * Before local `index` changes: entries that stand for its current value get a copy of it.
   */
  captureLocal(index: number, below = this.locs.length): void {
    for (let i = this.materialized; i < below; i++) {
      const loc = this.locs[i]!;
      if (loc.kind !== 'local' || loc.index !== index) continue;
      if (this.isWideLocal(index)) {
        const xmm = this.allocXmm();
        if (i < this.materialized) {
          // Making room pushed this entry itself: it holds its copy on the machine stack already.
          this.freeXmm(xmm);
          continue;
        }
        this.loadV128(loc, xmm);
        this.locs[i] = WIDE_XMM_LOCATIONS[xmm]!;
        continue;
      }
      const reg = this.allocGpr();
      if (i < this.materialized) {
        // Making room pushed this entry itself: it holds its copy on the machine stack already.
        this.freeGpr(reg);
        continue;
      }
      this.load(loc, reg, 64);
      this.locs[i] = GPR_LOCATIONS[reg]!;
    }
  }

  /** Loads any location into a general-purpose register (a 'stack' one must be the top: pop). */
  private load(loc: Location, reg: Reg, width: Width): void {
    const { asm } = this;
    switch (loc.kind) {
      case 'stack':
        asm.pop(reg);
        break;
      case 'gpr':
        asm.movRR(width, reg, loc.reg);
        break;
      case 'xmm':
        // movd for a 32-bit value: the upper half of the register is then zero, as callers expect.
        asm.movFromXmm(width, reg, loc.reg);
        break;
      case 'const':
        if (width === 32) asm.movRI(32, reg, loc.low >>> 0);
        else asm.movRI64(reg, loc.low, loc.high);
        break;
      case 'local': {
        const home = this.localHome(loc.index);
        if (home.kind === 'gpr') asm.movRR(width, reg, home.reg);
        else if (home.kind === 'mem') asm.load(width, reg, home.mem);
        else asm.movFromXmm(width, reg, home.reg);
        break;
      }
      case 'flags':
        this.setBoolean(loc.cond, reg);
        break;
    }
  }

  /** The top value, as a 32-bit value zero-extended to 64 bits, into a scratch register. */
  popZeroExtended(reg: Reg): void {
    const stacked = this.top()?.kind === 'stack';
    this.popInto(reg, 32);
    if (stacked) this.asm.movRR(32, reg, reg);
  }

  /** The top value as the left operand of a compare: a local's own register or slot, or a register. */
  popCompareOperand(width: Width): Reg | Mem {
    const home = this.popLocalHomeOutside('xmm');
    if (home) return home.kind === 'gpr' ? home.reg : home.mem;
    return this.popToGpr(width);
  }

  /** Loads a v128 location into an xmm register (a 'stack' one must be the top: popped). */
  private loadV128(loc: Location, reg: Xmm): void {
    const { asm } = this;
    switch (loc.kind) {
      case 'stack':
        asm.loadV128(reg, mem(Reg.rsp));
        asm.lea(Reg.rsp, mem(Reg.rsp, 16));
        break;
      case 'xmm':
        asm.movXmm(reg, loc.reg);
        break;
      case 'local': {
        const home = this.localHome(loc.index);
        if (home.kind === 'mem') asm.loadV128(reg, home.mem);
        else if (home.kind === 'xmm') asm.movXmm(reg, home.reg);
        else throw new Error('internal error: a v128 local in a general-purpose register');
        break;
      }
      default:
        throw new Error(`internal error: a ${loc.kind} entry is no v128`);
    }
  }

  private loadXmm(loc: Location, reg: Xmm): void {
    const { asm } = this;
    switch (loc.kind) {
      case 'stack':
        asm.loadFloat(64, reg, mem(Reg.rsp));
        asm.lea(Reg.rsp, mem(Reg.rsp, 8));
        break;
      case 'local': {
        const home = this.localHome(loc.index);
        if (home.kind === 'gpr') asm.movToXmm(64, reg, home.reg);
        else if (home.kind === 'mem') asm.loadFloat(64, reg, home.mem);
        else asm.movXmm(reg, home.reg);
        break;
      }
      case 'xmm':
        asm.movXmm(reg, loc.reg);
        break;
      case 'const':
        // xorps changes no flags (a flush may run between a compare and its jump).
        if (loc.low === 0 && loc.high === 0) asm.sseLogic(SseLogic.Xor, reg, reg);
        else asm.loadFloat(64, reg, this.constants.bits64(loc.low, loc.high));
        break;
      default:
        this.load(loc, Reg.rax, 64);
        asm.movToXmm(64, reg, Reg.rax);
    }
  }

  /** Copies the top value into a register, leaving the stack as it is. */
  loadTopInto(reg: Reg): void {
    const loc = this.top()!;
    if (loc.kind === 'stack') this.asm.load(64, reg, mem(Reg.rsp));
    else this.load(loc, reg, 64);
  }

  /**
   * Writes the top value to a local's register or slot (64-bit stores; two for a v128 local). An i32
   * local's register is written with 32-bit moves only, so that its upper half is always zero and
   * the register can index memory as it is (`popZeroExtendedRegister`): junk there would reach
   * outside the memory's reservation.
   */
  popToLocal(home: LocalHome, type: ValType): void {
    const loc = this.top()!;
    if (type === 'v128') {
      if (home.kind === 'gpr') throw new Error('internal error: a v128 local in a general-purpose register');
      if (home.kind === 'xmm') {
        const taken = this.take();
        this.loadV128(taken, home.reg);
        this.release(taken);
        return;
      }
      if (loc.kind === 'stack') {
        this.take();
        this.asm.popMem(home.mem);
        this.asm.popMem(highHalf(home.mem));
        return;
      }
      const reg = this.popV128();
      this.asm.storeV128(home.mem, reg);
      this.freeXmm(reg);
      return;
    }
    if ((loc.kind === 'gpr' || loc.kind === 'xmm') && loc.kind === home.kind && loc.reg === home.reg) {
      // Computed in place (see `aimAt`).
      this.take();
      if (home.kind === 'gpr' && type === 'i32' && !(loc as { zeroExtended: boolean }).zeroExtended) this.asm.movRR(32, home.reg, home.reg);
      return;
    }
    if (home.kind === 'gpr') {
      if (type === 'i32') this.popZeroExtended(home.reg);
      else this.popInto(home.reg);
      return;
    }
    if (home.kind === 'xmm') {
      const taken = this.take();
      this.loadXmm(taken, home.reg);
      this.release(taken);
      return;
    }
    if (this.storeTop(home.mem)) {
      this.release(this.take());
      return;
    }
    const reg = this.popToGpr();
    this.asm.store(64, home.mem, reg);
    this.freeGpr(reg);
  }

  /**
   * `local.tee` to a local in memory: stores the top value and leaves it where it is (in its
   * register: reading the local back would be a load).
   */
  teeToMemory(slot: Mem): void {
    if (this.storeTop(slot)) return;
    const reg = this.popToGpr();
    this.asm.store(64, slot, reg);
    this.pushGpr(reg);
  }

  /** Stores the top value to a slot when that needs no scratch register (the entry stays); else false. */
  private storeTop(slot: Mem): boolean {
    const loc = this.top()!;
    const { asm } = this;
    if (loc.kind === 'const' && isImm32(loc)) asm.storeImm(64, slot, loc.low);
    else if (loc.kind === 'gpr') asm.store(64, slot, loc.reg);
    else if (loc.kind === 'xmm') asm.storeFloat(64, slot, loc.reg);
    else if (loc.kind !== 'local') return false;
    else {
      const home = this.localHome(loc.index);
      if (home.kind === 'gpr') asm.store(64, slot, home.reg);
      else if (home.kind === 'xmm') asm.storeFloat(64, slot, home.reg);
      else return false;
    }
    return true;
  }

  /**
   * Sets the stack to a known materialized state (after control flow joins): the entries below
   * `height`, which are materialized, then values of `types` on the machine stack.
   */
  resetMaterialized(height: number, types: readonly ValType[] = NO_TYPES): void {
    const { locs } = this;
    // Only cached entries can hold registers; the materialized ones below them stay as they are.
    for (let i = this.materialized; i < locs.length; i++) this.release(locs[i]!);
    if (this.materialized < height) throw new Error('internal error: cached values below a join');
    truncate(locs, height);
    this.materialized = height;
    this.pushMaterialized(types);
  }

  get isFlushed(): boolean {
    return this.materialized === this.locs.length;
  }
}

const NO_TYPES: readonly ValType[] = [];

/** The upper 8 bytes of a v128 in memory at `low`. */
function highHalf(low: Mem): Mem {
  return mem(low.base, (low.disp ?? 0) + 8);
}

/** `op dst, operand` for the ALU family, whatever the operand's form. */
export function emitAluOperand(asm: Assembler, op: Alu, width: Width, dst: Reg, operand: Operand): void {
  if (operand.kind === 'imm') asm.aluRI(op, width, dst, operand.value);
  else if (operand.kind === 'mem') asm.aluRM(op, width, dst, operand.mem);
  else asm.aluRR(op, width, dst, operand.reg);
}
