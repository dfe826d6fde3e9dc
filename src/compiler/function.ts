// Single-pass lowering of one function body: validates each instruction against the operand type
// stack and the control stack (the algorithm of the spec's validation appendix) while it emits code
// for it. Operand values are tracked by the ValueStack (registers, constants, locals, flags, or the
// machine stack); at every label the stack is materialized on the machine stack, so control-flow
// joins agree without further bookkeeping — but for a block's single result, which every branch
// leaves in one fixed register (LABEL_GPR or LABEL_XMM). The busiest integer locals live in registers for the
// whole function. Code is not emitted in unreachable stretches (after br, return, unreachable).
import { Alu, Assembler, Cond, invert, Label, Reg, Shift, SseLogic, Xmm, mem, memIndexed } from '../x64/index.js';
import type { Mem } from '../x64/index.js';
import { blockTypeOf, INSTR_WORDS, Opcode, OPCODE_LIMIT, opcodeId, opcodeInfo, valTypeOfCode } from '../decode/index.js';
import type { Func, FuncType, GlobalType, Instr, Limits, MemArg, NumType, RefType, TableType, ValType } from '../decode/index.js';
import { CALLER_SAVED_LOCAL_GPRS, Ctx, CTX_REG, FuncRecord, LOCAL_GPRS, LOCAL_XMMS, MAX_FUNCTION_LOCALS, MEMORY_BASE_REG, resultOffsets, TableDescriptor, WASM_PAGE_SIZE } from './abi.js';
import type { ContextLayout } from './abi.js';
import { emitHostCallKeeping } from './host-call.js';
import { floatOps } from './float.js';
import { emitZeroTest, integerOps } from './integer.js';
import type { CpuFeatures, LoweringEnv, NumericOp } from './integer.js';
import { lowerMemoryAccess, MEMORY_ACCESSES } from './memory.js';
import type { MemoryAccess } from './memory.js';
import { ConstantPool } from './constant-pool.js';
import { RUNTIME_OPS } from './runtime-ops.js';
import { SIMD_OPS } from './simd/index.js';
import type { SimdLoweringEnv, SimdOp } from './simd/index.js';
import { LABEL_GPR, LABEL_XMM, operand, truncate, ValueStack } from './value-stack.js';
import type { FunctionLocals, LocalHome } from './value-stack.js';
import type { Immediates, RuntimeOp, RuntimeOpContext } from './runtime-ops.js';
import { STATUS_IN_EAX, TrapCode } from './traps.js';
import { emitInterruptPoll, FuelMeter } from './metering.js';

/** What a function compiler needs from the module being compiled. */
export interface ModuleEnv {
  asm: Assembler;
  features: CpuFeatures;
  layout: ContextLayout;
  types: readonly FuncType[];
  /**
   * Records that the imm32 at `at` is the canonical id (see type-ids.ts) of type `typeIndex`, which
   * call_indirect checks: ids are per process, so the linker writes them, after a compile or a load.
   */
  typeIdAt(at: number, typeIndex: number): void;
  /** The type of every function, imports included, by function index. */
  funcTypes: readonly FuncType[];
  /** Functions below this index are imports: calling them may switch the context. */
  importedFuncs: number;
  globals: readonly GlobalType[];
  /** ModuleShape.globalConstants: the globals whose value is known when compiling. */
  globalConstants: Int32Array;
  tables: readonly TableType[];
  memory: Limits | undefined;
  /** Element type of every element segment, and the data count (undefined without the section). */
  elemTypes: readonly RefType[];
  dataCount: number | undefined;
  /** Functions `ref.func` may name: those referenced outside function bodies. */
  declaredFuncRefs: ReadonlySet<number>;
  /** The label a trap site of the current instruction jumps to (STATUS_IN_EAX: the code is in eax already). */
  trap(code: TrapCode | typeof STATUS_IN_EAX): Label;
  /** Emits the current function's trap sites (see trap-sites.ts); `start` is its first byte. */
  emitTrapSites(start: number): void;
  /** Emits `call` to function `index` (an import's thunk, or a defined function). */
  callFunction(index: number): void;
  /** The context field that points to global `index`'s cell. */
  globalCell(index: number): Mem;
  /** Where the current function's source marks go. */
  marks: SourceMarkRecorder;
  /** State every function compiler of the module reuses (see `FunctionScratch`). */
  scratch: FunctionScratch;
}

/**
 * Where each wasm instruction's code starts, for disassembly listings: pairs of (offset from the
 * function's first byte, index in the function body), flat; index -1 is the prologue.
 */
export type SourceMarks = Int32Array;

export const PROLOGUE_MARK = -1;
/** Where the function's constants start (data, not code). */
export const CONSTANTS_MARK = -2;

/** Records source marks for every function of a module in one growable buffer. */
export class SourceMarkRecorder {
  // Small until `reserve` says how many: a lazy compile records one function's marks.
  private buffer = new Int32Array(64);
  private length = 0;

  /** Where the next function's marks start. */
  get position(): number {
    return this.length;
  }

  /** Room for about `count` marks before the buffer has to grow. */
  reserve(count: number): void {
    if (2 * count > this.buffer.length) this.grow(2 * count);
  }

  /** The instruction of the last mark (what a trap site belongs to). */
  get lastInstruction(): number {
    return this.buffer[this.length - 1]!;
  }

  add(offset: number, pc: number): void {
    if (this.length + 2 > this.buffer.length) this.grow(2 * this.buffer.length);
    this.buffer[this.length++] = offset;
    this.buffer[this.length++] = pc;
  }

  private grow(size: number): void {
    const grown = new Int32Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** All marks recorded; a function's are the range between its start and end positions. */
  finish(): Int32Array {
    return this.buffer.subarray(0, this.length);
  }
}

type StackType = ValType | 'unknown';

const AT_RAX = mem(Reg.rax);
/** A br_table's jump table entry: `[rcx + rax*4]`. */
const TABLE_OFFSET = memIndexed(Reg.rcx, Reg.rax, 4);

// Frame slots and local homes depend only on a displacement or a register, so every function
// shares them: compiling a function allocates none per local or per operand slot.
const FRAME_SLOTS_BELOW: Mem[] = [];
const FRAME_SLOTS_ABOVE: Mem[] = [];
const FRAME_HOMES_BELOW: LocalHome[] = [];
const FRAME_HOMES_ABOVE: LocalHome[] = [];
const GPR_HOMES: LocalHome[] = [];
const XMM_HOMES: LocalHome[] = [];

/** `[rbp + disp]` (disp a multiple of 8). */
function frameSlot(disp: number): Mem {
  const slots = disp < 0 ? FRAME_SLOTS_BELOW : FRAME_SLOTS_ABOVE;
  return (slots[Math.abs(disp) / 8] ??= mem(Reg.rbp, disp));
}

function frameHome(disp: number): LocalHome {
  const homes = disp < 0 ? FRAME_HOMES_BELOW : FRAME_HOMES_ABOVE;
  return (homes[Math.abs(disp) / 8] ??= operand('mem', 0, frameSlot(disp)));
}

interface Control {
  kind: 'block' | 'loop' | 'if' | 'else' | 'function';
  type: FuncType;
  /** Operand stack height below which this block may not pop (validation). */
  height: number;
  /** Slot where values passed to this block's label land (its params for a loop, results otherwise). */
  base: number;
  /** Branch target: the start of a loop, the end of anything else. */
  label: Label;
  /** Where the values that reach `end` land: on the machine stack, or (one result) a label register. */
  results: LabelValue;
  /** Where a false `if` condition jumps (always present, so that every frame has one shape). */
  elseLabel: Label | undefined;
  /** After br/return/unreachable: the stack is polymorphic and no code is emitted until the end. */
  unreachable: boolean;
  /** Opened inside unreachable code: nothing of it is emitted. */
  dead: boolean;
}

const enum LabelValue {
  Stack,
  Gpr,
  Xmm,
}

/**
 * A block with no params and one result other than a v128 takes it in a register at its end: a
 * materialized result would be stored by every branch and loaded again after the label.
 */
function resultsAt(type: FuncType): LabelValue {
  if (type.params.length !== 0 || type.results.length !== 1) return LabelValue.Stack;
  const result = type.results[0];
  if (result === 'v128') return LabelValue.Stack;
  return result === 'f32' || result === 'f64' ? LabelValue.Xmm : LabelValue.Gpr;
}

/** The label of every dead frame (see Control.dead): nothing jumps to it or binds it. */
const DEAD_LABEL = new Label();

/** Every numeric instruction, each with every field (one hidden class: `numeric` reads them monomorphically). */
const NUMERIC_OPS: ReadonlyMap<string, NumericOp> = new Map(
  [...integerOps(), ...floatOps()].map(([name, { params, results, lower, lowerAsCondition, lowerMasked }]) => [name, { params, results, lower, lowerAsCondition, lowerMasked }]),
);

export function formatInstr(instr: Instr): string {
  const imm = Object.entries(instr)
    .filter(([key]) => key !== 'op')
    .map(([key, value]) => {
      if (key === 'blockType') return formatBlockType(value as FuncType);
      if (key === 'memory') return formatMemArg(value as MemArg);
      if (value instanceof Uint8Array) return `${instr.op === 'v128.const' ? 'i8x16 ' : ''}${value.join(' ')}`;
      return Array.isArray(value) ? value.join(' ') : String(value);
    });
  return [instr.op, ...imm].filter((s) => s !== '').join(' ');
}

function formatMemArg(memarg: MemArg): string {
  return [memarg.offset ? `offset=${memarg.offset}` : '', `align=${2 ** memarg.align}`].filter(Boolean).join(' ');
}

function formatBlockType(type: FuncType): string {
  const params = type.params.length ? `(param ${type.params.join(' ')})` : '';
  const results = type.results.length ? `(result ${type.results.join(' ')})` : '';
  return [params, results].filter(Boolean).join(' ');
}

/** What one function's compile needs for itself, made once per module and emptied per function. */
export class FunctionScratch {
  readonly types: StackType[] = [];
  readonly controls: Control[] = [];
  readonly localHomes: LocalHome[] = [];
  readonly constants = new ConstantPool();
  readonly meter = new FuelMeter();
  readonly stack: ValueStack;
  readonly lowering: LoweringEnv;
  /** The lowering environment of SIMD instructions, with the current function body's `extra`. */
  readonly simd: SimdLoweringEnv & { extra: Int32Array };

  constructor(asm: Assembler, features: CpuFeatures, memory: Limits | undefined, trap: (code: TrapCode) => Label) {
    this.stack = new ValueStack(asm, this.constants);
    this.lowering = { asm, features, stack: this.stack, constants: this.constants, memoryMinBytes: (memory?.min ?? 0) * WASM_PAGE_SIZE, trap };
    const pool = this.constants;
    this.simd = {
      ...this.lowering,
      extra: new Int32Array(0),
      immediateBytes(at) {
        return new Uint8Array(this.extra.buffer, this.extra.byteOffset + 4 * at, 16);
      },
      v128Constant: (words) => pool.v128(words),
    };
  }
}

export class FunctionCompiler implements FunctionLocals {
  private readonly asm: Assembler;
  private readonly types: StackType[];
  private readonly controls: Control[];
  /** Parameters, then declared locals: the local index space. */
  private readonly localTypes: LocalTypes;
  private readonly paramCount: number;
  private readonly declaredLocals: number;
  /** Locals that live in a register, and the registers the function must save for that. */
  private readonly localRegs: LocalRegister<Reg>[];
  private readonly localXmms: LocalRegister<Xmm>[];
  private readonly savedRegs: Reg[];
  private readonly savedXmms: Xmm[];
  /** Only a function that may call into another instance keeps its context in its frame. */
  private readonly savesContext: boolean;
  /** How each local is first used (see `FirstUse`): the prologue zeroes only those read first. */
  private readonly firstUses: Uint8Array;
  private readonly stack: ValueStack;
  private maxDepth = 0;
  /** Whether a v128 was on the operand stack: its slots then count twice in the frame size. */
  private pushedV128 = false;
  /** Where each local is in the frame, in 8-byte slots. */
  private readonly localSlots: LocalSlots;
  private pc = 0;
  private readonly localHomes: LocalHome[];
  /** Set when the code meters fuel (and code is emitted). */
  private readonly meter: FuelMeter | undefined;

  /**
   * `emit` false validates the body without emitting any code (lazy compilation validates every
   * function up front): the function's own frame is dead, so every instruction only checks its types.
   */
  constructor(
    private readonly env: ModuleEnv,
    private readonly func: Func,
    private readonly emit = true,
  ) {
    this.asm = env.asm;
    this.paramCount = func.type.params.length;
    this.declaredLocals = func.locals.length;
    this.localTypes = new LocalTypes(func.type.params, func.locals);
    if (this.localTypes.count > MAX_FUNCTION_LOCALS) {
      throw this.error(`too many locals: ${this.localTypes.count} (the limit is ${MAX_FUNCTION_LOCALS})`);
    }
    const isFloat = (type: ValType): boolean => type === 'f32' || type === 'f64';
    const fitsGpr = (type: ValType): boolean => !isFloat(type) && type !== 'v128';
    const { weights, firstUses, switchesInstance } = emit ? prescan(func, this.localTypes.count, env.importedFuncs) : NOTHING_TO_EMIT;
    this.firstUses = firstUses;
    this.savesContext = switchesInstance;
    this.localRegs = assignLocalRegisters(weights, this.localTypes, fitsGpr, LOCAL_GPRS);
    this.localXmms = assignLocalRegisters(weights, this.localTypes, (type) => isFloat(type) || type === 'v128', LOCAL_XMMS);
    this.savedRegs = this.localRegs.map((local) => local.reg);
    this.savedXmms = this.localXmms.map((local) => local.reg);
    // The module's functions are compiled one after another: they share these, emptied.
    const { scratch } = env;
    this.types = scratch.types;
    this.controls = scratch.controls;
    this.localHomes = scratch.localHomes;
    // Pops, not `length = 0`, which would drop their backing stores for the next function to grow again.
    truncate(this.types, 0);
    truncate(this.controls, 0);
    truncate(this.localHomes, 0);
    scratch.constants.clear();
    scratch.meter.reset();
    this.meter = emit && env.features.fuel ? scratch.meter : undefined;
    this.stack = scratch.stack;
    this.stack.reset(this);
    this.localSlots = new LocalSlots(func.type.params, func.locals, [this.localRegs, this.localXmms], weights, NEAR_FRAME_SLOTS - this.headerSlots);
  }

  /** Compiles the function, or with `emit` false only validates it (see the constructor). */
  compile(): void {
    const { asm, emit } = this;
    const { marks } = this.env;
    const start = asm.offset;
    if (emit) marks.add(0, PROLOGUE_MARK);
    const frameSizeAt = emit ? this.emitPrologue() : -1;
    this.meter?.open(asm, this.env.trap(TrapCode.OutOfFuel));
    this.controls.push({
      kind: 'function',
      type: this.func.type,
      height: 0,
      base: 0,
      label: emit ? new Label() : DEAD_LABEL,
      results: LabelValue.Stack,
      elseLabel: undefined,
      unreachable: false,
      dead: !emit,
    });
    this.frameChanged();
    this.compileBody(start);
    if (this.controls.length > 0) throw this.error('the function body does not end with `end`');
    if (!emit) return;
    this.env.emitTrapSites(start);
    const operandSlots = this.pushedV128 ? 2 * this.maxDepth : this.maxDepth;
    asm.patchInt32(frameSizeAt, -8 * (this.headerSlots + this.localSlots.declared + operandSlots + 1));
    const { constants } = this.env.scratch;
    if (!constants.isEmpty) {
      marks.add(asm.offset - start, CONSTANTS_MARK);
      constants.emit(asm);
    }
    // Every label a br_table of this function jumps to is bound now.
    asm.fillTableEntries();
  }

  /**
   * The instructions, in a method of their own that ends with the loop: V8 enters a long loop's
   * optimized (on-stack replacement) code mid-call, and that code, compiled before anything after
   * the loop had run, deoptimized at the first statement after it. Every function compiled paid a
   * deoptimization, in every compile of the process, not only the first.
   */
  private compileBody(start: number): void {
    const { asm } = this;
    const { marks } = this.env;
    const { code } = this.func.body;
    const { meter } = this;
    const count = code.length / INSTR_WORDS;
    for (this.pc = 0; this.pc < count; this.pc++) {
      if (this.controls.length === 0) throw this.error('instructions after the end of the function');
      const at = INSTR_WORDS * this.pc;
      if (this.emitting) marks.add(asm.offset - start, this.pc);
      meter?.count();
      this.compileInstr(code[at]!, code[at + 1]!, code[at + 2]!);
    }
  }

  /** Whether code is being emitted: the innermost frame is neither unreachable nor dead. */
  private emitting = true;

  /** Call after the innermost frame, or its reachability, changed. */
  private frameChanged(): void {
    const top = this.controls[this.controls.length - 1];
    this.emitting = top !== undefined && !top.unreachable && !top.dead;
  }

  // ---- errors -----------------------------------------------------------------------------------

  unsupported(id: number): WebAssembly.CompileError {
    return this.error(`unsupported instruction ${opcodeInfo(id)?.name ?? id}`);
  }

  /** Variable-length immediates of the current instruction (br_table targets, select types). */
  extra(at: number, count: number): Int32Array {
    return this.func.body.extra.subarray(at, at + count);
  }

  private error(message: string): WebAssembly.CompileError {
    const id = this.func.body.code[INSTR_WORDS * this.pc];
    const where = id !== undefined ? ` at instruction ${this.pc} (${opcodeInfo(id)!.name})` : '';
    return new WebAssembly.CompileError(`function ${this.func.index}${where}: ${message}`);
  }

  // ---- frame ------------------------------------------------------------------------------------

  /** Returns the offset of the (negated) frame size displacement, patched once the operand stack depth is known. */
  private emitPrologue(): number {
    const { asm } = this;
    asm.push(Reg.rbp);
    asm.movRR(64, Reg.rbp, Reg.rsp);
    if (this.savesContext) asm.push(CTX_REG);
    for (const reg of this.savedRegs) asm.push(reg);
    // Whole registers: a caller may keep a v128 local in one.
    if (this.savedXmms.length > 0) asm.lea(Reg.rsp, mem(Reg.rsp, -16 * this.savedXmms.length));
    this.savedXmms.forEach((reg, i) => asm.storeV128(mem(Reg.rsp, 16 * i), reg));
    // The displacement is patched once the frame size is known: one that does not fit a byte keeps the 4-byte form.
    asm.lea(Reg.rax, mem(Reg.rsp, -0x1000_0000));
    const frameSizeAt = asm.offset - 4;
    asm.aluRM(Alu.Cmp, 64, Reg.rax, mem(CTX_REG, Ctx.stackLimit));
    asm.jcc(Cond.B, this.env.trap(TrapCode.StackOverflow));
    this.emitDeclaredSlots();
    const { firstUses } = this;
    for (const { index, reg } of this.localRegs) {
      // An i32 with a 32-bit load: a caller's slot may hold junk above it (see ValueStack.popToLocal).
      if (index < this.paramCount) asm.load(this.localTypes.at(index) === 'i32' ? 32 : 64, reg, this.localSlot(index));
      else if (firstUses[index] === FirstUse.Read) asm.aluRR(Alu.Xor, 32, reg, reg);
    }
    for (const { index, reg } of this.localXmms) {
      if (index >= this.paramCount) {
        if (firstUses[index] === FirstUse.Read) asm.sseLogic(SseLogic.Xor, reg, reg);
      } else if (this.localTypes.at(index) === 'v128') asm.loadV128(reg, this.localSlot(index));
      else asm.loadFloat(64, reg, this.localSlot(index));
    }
    return frameSizeAt;
  }

  /**
   * Makes room for the declared locals' frame slots and zeroes those a read may reach before any
   * write (`FirstUse.Read`): hash functions write their dozens of locals before reading them, and
   * `rep stos` costs tens of cycles per call.
   */
  private emitDeclaredSlots(): void {
    const { asm, firstUses } = this;
    const declaredSlots = this.localSlots.declared;
    if (declaredSlots === 0) return;
    let zeroed = 0;
    for (let index = this.paramCount; index < this.localTypes.count; index++) {
      if (firstUses[index] === FirstUse.Read && this.localHome(index).kind === 'mem') zeroed += this.localTypes.at(index) === 'v128' ? 2 : 1;
    }
    if (zeroed === 0) {
      asm.aluRI(Alu.Sub, 64, Reg.rsp, 8 * declaredSlots);
      return;
    }
    asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);
    if (declaredSlots <= 8) {
      for (let i = 0; i < declaredSlots; i++) asm.push(Reg.rax);
    } else if (zeroed <= 8) {
      asm.aluRI(Alu.Sub, 64, Reg.rsp, 8 * declaredSlots);
      for (let index = this.paramCount; index < this.localTypes.count; index++) {
        if (firstUses[index] !== FirstUse.Read || this.localHome(index).kind !== 'mem') continue;
        const disp = this.localSlotDisp(index);
        asm.store(64, frameSlot(disp), Reg.rax);
        if (this.localTypes.at(index) === 'v128') asm.store(64, frameSlot(disp + 8), Reg.rax);
      }
    } else {
      asm.aluRI(Alu.Sub, 64, Reg.rsp, 8 * declaredSlots);
      asm.movRR(64, Reg.rdi, Reg.rsp);
      asm.movRI(32, Reg.rcx, declaredSlots);
      asm.repStosq();
    }
  }

  private get headerSlots(): number {
    return (this.savesContext ? 1 : 0) + this.savedRegs.length + 2 * this.savedXmms.length;
  }

  localHome(index: number): LocalHome {
    return this.localHomes[index] ?? this.findLocalHome(index);
  }

  localType(index: number): ValType {
    return this.localTypes.at(index)!;
  }

  // Loops, not closures: a closure over `index` would make every call allocate a context, and the
  // value stack asks for a local's home at almost every use of it.
  private findLocalHome(index: number): LocalHome {
    let home: LocalHome | undefined;
    for (const { index: local, reg } of this.localRegs) if (local === index) home = (GPR_HOMES[reg] ??= operand('gpr', reg));
    for (const { index: local, reg } of this.localXmms) if (local === index) home = (XMM_HOMES[reg] ??= operand('xmm', reg));
    home ??= frameHome(this.localSlotDisp(index));
    this.localHomes[index] = home;
    return home;
  }

  private localSlot(index: number): Mem {
    return frameSlot(this.localSlotDisp(index));
  }

  /**
   * A local's offset from rbp (of its low half, for a v128): parameters above the return address,
   * declared locals below rbp.
   */
  private localSlotDisp(index: number): number {
    const { localSlots } = this;
    const end = localSlots.end(index);
    return index < this.paramCount ? 16 + 8 * (localSlots.params - end) : -8 * (this.headerSlots + end - localSlots.params);
  }

  /** Operand stack slot `k` (the low half of a v128 that starts at slot k - 1). */
  private operandSlot(k: number): Mem {
    return frameSlot(-8 * (this.headerSlots + this.localSlots.declared + k + 1));
  }

  // ---- the type stack ---------------------------------------------------------------------------

  private push(type: StackType): void {
    this.types.push(type);
    if (this.types.length > this.maxDepth) this.maxDepth = this.types.length;
    if (type === 'v128') this.pushedV128 = true;
  }

  private pop(expected?: ValType): StackType {
    const frame = this.controls[this.controls.length - 1]!;
    if (this.types.length === frame.height) {
      if (frame.unreachable) return expected ?? 'unknown';
      throw this.error(`type mismatch: expected ${expected ?? 'a value'} but the stack is empty`);
    }
    const actual = this.types.pop()!;
    if (expected !== undefined && actual !== expected && actual !== 'unknown') {
      throw this.error(`type mismatch: expected ${expected}, got ${actual}`);
    }
    return actual;
  }

  /** Pops `types` (the last on top), checked as `pop` checks each. */
  private popAll(types: readonly ValType[]): void {
    this.checkTop(types);
    const frame = this.controls[this.controls.length - 1]!;
    truncate(this.types, Math.max(frame.height, this.types.length - types.length));
  }

  private pushAll(types: readonly ValType[]): void {
    for (const type of types) this.push(type);
  }

  private local(index: number): ValType {
    const type = this.localTypes.at(index);
    if (type === undefined) throw this.error(`unknown local ${index}`);
    return type;
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  /** One instruction: its id and its two immediate words (see `Body` in decode/ir.ts). */
  private compileInstr(id: number, a: number, b: number): void {
    // A condition left in the flags survives only until the next instruction that is not one of
    // its consumers (and a consumer takes it from the top).
    const { stack } = this;
    if (this.emitting && stack.mayHoldFlags && (!FLAG_CONSUMERS[id] || stack.top()?.kind !== 'flags')) stack.materializeFlags();
    DISPATCH[id]!(this, a, b);
  }

  numeric(op: NumericOp): void {
    this.popAll(op.params);
    this.pushAll(op.results);
    if (!this.emitting) return;
    const next = INSTR_WORDS * (this.pc + 1);
    const { code } = this.func.body;
    if (op.lowerAsCondition && FLAG_CONSUMERS[code[next]!]) {
      op.lowerAsCondition(this.loweringEnv);
      return;
    }
    if (op.lowerMasked && code[next] === Opcode.i32Const && code[next + INSTR_WORDS] === Opcode.i32And) {
      op.lowerMasked(this.loweringEnv, code[next + 1]!);
      return;
    }
    this.aimResult(op.params.length);
    op.lower(this.loweringEnv);
    this.stack.clearTarget();
  }

  /**
   * When the next instruction is a `local.set`/`local.tee` of a local in a register, lets the
   * current one (which pops `operands` values) compute its result into that register.
   */
  private aimResult(operands: number): void {
    const next = INSTR_WORDS * (this.pc + 1);
    const { code } = this.func.body;
    const id = code[next];
    if (id !== Opcode.localSet && id !== Opcode.localTee) return;
    const index = code[next + 1]! >>> 0;
    if (index >= this.localTypes.count) return;
    this.stack.aimAt(index, this.localHome(index), operands);
  }

  simd(op: SimdOp, a: number, b: number): void {
    // As V8 does on such a CPU: no SIMD at all, reachable or not, eager or lazy.
    if (!this.env.features.sse41) throw this.error('SIMD needs SSE4.1, which this CPU does not have');
    if (op.accessBytes !== undefined) {
      this.requireMemory();
      // A lane access keeps its lane in the bits above the alignment.
      const align = a & 0xff;
      if (2 ** align > op.accessBytes) throw this.error(`alignment 2^${align} must not be larger than natural (${op.accessBytes})`);
    }
    this.popAll(op.params);
    this.pushAll(op.results);
    if (this.emitting) op.lower(this.simdEnv, a, b);
  }

  private get simdEnv(): SimdLoweringEnv {
    const env = this.env.scratch.simd;
    env.extra = this.func.body.extra;
    return env;
  }

  memoryAccess(access: MemoryAccess, align: number, offset: number): void {
    this.requireMemory();
    const natural = Math.log2(access.bytes);
    if (align > natural) throw this.error(`alignment 2^${align} must not be larger than natural (${access.bytes})`);
    if (access.kind === 'store') this.pop(access.type);
    this.pop('i32');
    if (access.kind === 'load') this.push(access.type);
    if (!this.emitting) return;
    if (access.kind === 'load') this.aimResult(1);
    lowerMemoryAccess(this.loweringEnv, access, offset);
    this.stack.clearTarget();
  }

  refNull(type: RefType): void {
    this.push(type);
    if (this.emitting) this.stack.pushConst(0, 0);
  }

  drop(): void {
    this.pop();
    if (this.emitting) this.stack.drop();
  }

  unreachable(): void {
    if (this.emitting) this.asm.jmp(this.env.trap(TrapCode.Unreachable));
    this.markUnreachable();
  }

  return(): void {
    this.popAll(this.func.type.results);
    if (this.emitting) this.emitReturn();
    this.markUnreachable();
  }

  private get loweringEnv(): LoweringEnv {
    return this.env.scratch.lowering;
  }

  /**
   * Constants stay constants until used: immediates, or bit patterns for floats. `low` and `high`
   * are the 32-bit halves of the value (see `Constant`).
   */
  constant(type: NumType, low: number, high: number): void {
    this.push(type);
    if (this.emitting) this.stack.pushConst(low, high);
  }

  variable(op: 'local.get' | 'local.set' | 'local.tee', index: number): void {
    const type = this.local(index);
    if (op === 'local.get') this.push(type);
    else this.pop(type);
    if (op === 'local.tee') this.push(type);
    if (!this.emitting) return;
    const { stack } = this;
    if (op === 'local.get') {
      stack.pushLocal(index);
      return;
    }
    stack.captureLocal(index);
    const home = this.localHome(index);
    if (op === 'local.tee' && home.kind === 'mem' && type !== 'v128') {
      stack.teeToMemory(home.mem);
      return;
    }
    stack.popToLocal(home, type);
    if (op === 'local.tee') stack.pushLocal(index);
  }

  /** `typeCodes`: the type codes of a typed select, undefined for the untyped one. */
  select(typeCodes: Int32Array | undefined): void {
    if (typeCodes) {
      if (typeCodes.length !== 1) throw this.error(`invalid result arity: select takes one type, got ${typeCodes.length}`);
      const type = valTypeOfCode(typeCodes[0]!);
      this.pop('i32');
      this.pop(type);
      this.pop(type);
      this.push(type);
    } else {
      this.selectUntyped();
    }
    if (!this.emitting) return;
    const { asm, stack } = this;
    const type = this.types[this.types.length - 1]!;
    const flags = stack.popFlags();
    const condition = flags === undefined ? stack.popToGpr(32) : undefined;
    if (type === 'f32' || type === 'f64' || type === 'v128') {
      const wide = type === 'v128';
      const second = wide ? stack.popV128() : stack.popToXmm();
      const first = wide ? stack.popV128() : stack.popToXmm();
      const keep = new Label();
      if (condition !== undefined) asm.test(32, condition, condition);
      asm.jcc(flags ?? Cond.NE, keep);
      asm.movXmm(first, second);
      asm.bind(keep);
      stack.freeXmm(second);
      if (wide) stack.pushV128(first);
      else stack.pushXmm(first);
    } else {
      const second = stack.popToGpr();
      const first = stack.popToGpr();
      if (condition !== undefined) asm.test(32, condition, condition);
      asm.cmov(invert(flags ?? Cond.NE), 64, first, second);
      stack.freeGpr(second);
      stack.pushGpr(first);
    }
    if (condition !== undefined) stack.freeGpr(condition);
  }

  private selectUntyped(): void {
    this.pop('i32');
    const second = this.pop();
    const first = this.pop();
    const isNumeric = (t: StackType): boolean => t === 'i32' || t === 'i64' || t === 'f32' || t === 'f64' || t === 'v128' || t === 'unknown';
    if (!isNumeric(first) || !isNumeric(second)) throw this.error('select without a type needs numeric or vector operands');
    if (first !== second && first !== 'unknown' && second !== 'unknown') {
      throw this.error(`type mismatch in select: ${first} and ${second}`);
    }
    this.push(first === 'unknown' ? second : first);
  }

  call(index: number): void {
    const type = this.env.funcTypes[index];
    if (!type) throw this.error(`unknown function ${index}`);
    this.popAll(type.params);
    this.pushAll(type.results);
    if (!this.emitting) return;
    this.stack.flush();
    this.env.callFunction(index);
    this.afterCall(type, type.params.length, index < this.env.importedFuncs);
  }

  /**
   * After a call returned: the arguments are gone; result 0 is in rax, the others in the (callee's)
   * context's result area. Then our context again, if the call may have switched it.
   */
  private afterCall(type: FuncType, argumentCount: number, switchesContext: boolean): void {
    const { asm, stack } = this;
    stack.resetMaterialized(stack.depth - argumentCount);
    const { results } = type;
    if (results.length === 1 && results[0] !== 'v128') {
      this.aimResult(0);
      const reg = stack.allocResultGpr();
      stack.clearTarget();
      asm.movRR(64, reg, Reg.rax);
      stack.pushGpr(reg);
    } else if (results.length > 0) {
      const offsets = resultOffsets(results);
      results.forEach((result, i) => {
        if (result === 'v128') {
          asm.pushMem(mem(CTX_REG, offsets[i]! + 8));
          asm.pushMem(mem(CTX_REG, offsets[i]!));
        } else if (i === 0) {
          asm.push(Reg.rax);
        } else {
          asm.pushMem(mem(CTX_REG, offsets[i]!));
        }
      });
      stack.pushMaterialized(results);
    }
    if (switchesContext) {
      asm.load(64, CTX_REG, mem(Reg.rbp, -8));
      asm.load(64, MEMORY_BASE_REG, mem(CTX_REG, Ctx.memoryBase));
    }
  }

  callIndirect(typeIndex: number, tableIndex: number): void {
    const type = this.env.types[typeIndex];
    if (!type) throw this.error(`unknown type ${typeIndex}`);
    const table = this.env.tables[tableIndex];
    if (!table) throw this.error(`unknown table ${tableIndex}`);
    if (table.element !== 'funcref') throw this.error(`call_indirect needs a funcref table, table ${tableIndex} holds ${table.element}`);
    this.pop('i32');
    this.popAll(type.params);
    this.pushAll(type.results);
    if (!this.emitting) return;
    const { asm, stack } = this;
    const mismatch = this.env.trap(TrapCode.IndirectCallMismatch);
    stack.popZeroExtended(Reg.rax);
    stack.flush();
    const entry = this.emitTableIndex(tableIndex);
    asm.load(64, Reg.rax, entry);
    asm.test(64, Reg.rax, Reg.rax);
    asm.jcc(Cond.E, mismatch);
    this.env.typeIdAt(asm.aluRI32(Alu.Cmp, 64, mem(Reg.rax, FuncRecord.typeId), 0), typeIndex);
    asm.jcc(Cond.NE, mismatch);
    asm.load(64, Reg.rcx, mem(Reg.rax, FuncRecord.code));
    asm.load(64, CTX_REG, mem(Reg.rax, FuncRecord.ctx));
    asm.load(64, MEMORY_BASE_REG, mem(CTX_REG, Ctx.memoryBase));
    asm.callReg(Reg.rcx);
    this.afterCall(type, type.params.length, true);
  }

  global(op: 'global.get' | 'global.set', index: number): void {
    const global = this.env.globals[index];
    if (!global) throw this.error(`unknown global ${index}`);
    if (op === 'global.get') {
      this.push(global.type);
    } else {
      if (!global.mutable) throw this.error(`global ${index} is immutable: global.set is not allowed`);
      this.pop(global.type);
    }
    if (!this.emitting) return;
    const { asm, stack } = this;
    const constants = this.env.globalConstants;
    if (op === 'global.get' && constants[3 * index] === 1) {
      stack.pushConst(constants[3 * index + 1]!, constants[3 * index + 2]!);
      return;
    }
    const cell = this.env.globalCell(index);
    if (global.type === 'v128') {
      asm.load(64, Reg.rax, cell);
      if (op === 'global.get') {
        const reg = stack.allocXmm();
        asm.loadV128(reg, AT_RAX);
        stack.pushV128(reg);
      } else {
        const reg = stack.popV128();
        asm.storeV128(AT_RAX, reg);
        stack.freeXmm(reg);
      }
      return;
    }
    const isFloat = global.type === 'f32' || global.type === 'f64';
    if (op === 'global.get') {
      this.aimResult(0);
      const reg = isFloat ? stack.allocResultXmm() : stack.allocResultGpr();
      stack.clearTarget();
      asm.load(64, Reg.rax, cell);
      if (isFloat) {
        asm.loadFloat(64, reg as Xmm, AT_RAX);
        stack.pushXmm(reg as Xmm);
      } else {
        asm.load(64, reg as Reg, AT_RAX);
        stack.pushGpr(reg as Reg);
      }
    } else if (isFloat) {
      const reg = stack.popToXmm();
      asm.load(64, Reg.rax, cell);
      asm.storeFloat(64, AT_RAX, reg);
      stack.freeXmm(reg);
    } else {
      const reg = stack.popToGpr();
      asm.load(64, Reg.rax, cell);
      asm.store(64, AT_RAX, reg);
      stack.freeGpr(reg);
    }
  }

  private requireMemory(): void {
    if (!this.env.memory) throw this.error('unknown memory 0: the module has no memory');
  }

  memorySize(): void {
    this.requireMemory();
    this.push('i32');
    if (!this.emitting) return;
    const reg = this.stack.allocGpr();
    this.asm.load(64, reg, mem(CTX_REG, Ctx.memorySize));
    this.asm.shiftImm(Shift.Shr, 64, reg, 16);
    this.stack.pushGpr(reg);
  }

  /**
   * Instructions the runtime carries out: the immediates, then the operands, go to the argument
   * area; the runtime returns 0 or a trap code, and puts a result in the result area.
   */
  runtimeCall(op: RuntimeOp, immediates: Immediates): void {
    let signature: { params: ValType[]; results: ValType[] };
    try {
      signature = op.signature(immediates, this.runtimeOpContext);
    } catch (err) {
      throw this.error((err as Error).message);
    }
    this.popAll(signature.params);
    this.pushAll(signature.results);
    if (!this.emitting) return;
    const { asm, stack } = this;
    stack.flush();
    const args = this.env.layout.argsOffset;
    const values = op.immediates(immediates);
    values.forEach((value, i) => asm.storeImm(64, mem(CTX_REG, args + 8 * i), value));
    const count = signature.params.length;
    for (let i = 0; i < count; i++) {
      asm.load(64, Reg.rax, mem(Reg.rsp, 8 * (count - 1 - i)));
      asm.store(64, mem(CTX_REG, args + 8 * (values.length + i)), Reg.rax);
    }
    if (count > 0) asm.aluRI(Alu.Add, 64, Reg.rsp, 8 * count);
    stack.resetMaterialized(stack.depth - count);
    // Every local register a host call may clobber, not only ours: our callers' are callee-saved too.
    emitHostCallKeeping(asm, op.call, this.env.trap(STATUS_IN_EAX), CALLER_SAVED_LOCAL_GPRS, LOCAL_XMMS);
    if (signature.results.length > 0) {
      const reg = stack.allocGpr();
      asm.load(64, reg, mem(CTX_REG, Ctx.results));
      stack.pushGpr(reg);
    }
  }

  private get runtimeOpContext(): RuntimeOpContext {
    const { env } = this;
    return {
      hasMemory: env.memory !== undefined,
      tableType: (index) => {
        const table = env.tables[index];
        if (!table) throw new Error(`unknown table ${index}`);
        return table.element;
      },
      elemType: (index) => {
        const type = env.elemTypes[index];
        if (!type) throw new Error(`unknown elem segment ${index}`);
        return type;
      },
      dataSegment: (index) => {
        if (env.dataCount === undefined) throw new Error('data count section required');
        if (index >= env.dataCount) throw new Error(`unknown data segment ${index}`);
      },
    };
  }

  refIsNull(): void {
    const type = this.pop();
    if (type !== 'funcref' && type !== 'externref' && type !== 'unknown') throw this.error(`type mismatch: ref.is_null needs a reference, got ${type}`);
    this.push('i32');
    if (!this.emitting) return;
    const reg = this.stack.popToGpr();
    this.asm.test(64, reg, reg);
    this.stack.freeGpr(reg);
    this.stack.pushFlags(Cond.E);
  }

  refFunc(index: number): void {
    if (this.env.funcTypes[index] === undefined) throw this.error(`unknown function ${index}`);
    if (!this.env.declaredFuncRefs.has(index)) throw this.error(`undeclared function reference ${index}`);
    this.push('funcref');
    if (!this.emitting) return;
    const reg = this.stack.allocGpr();
    this.asm.load(64, reg, mem(CTX_REG, this.env.layout.funcRefsOffset + 8 * index));
    this.stack.pushGpr(reg);
  }

  /**
   * Checks the (zero-extended) index in rax against table `tableIndex`, trapping when out of bounds,
   * and returns the operand of its entry.
   */
  private emitTableIndex(tableIndex: number): Mem {
    const { asm } = this;
    asm.load(64, Reg.rdx, mem(CTX_REG, this.env.layout.tablesOffset + 8 * tableIndex));
    asm.aluRM(Alu.Cmp, 64, Reg.rax, mem(Reg.rdx, TableDescriptor.length));
    asm.jcc(Cond.AE, this.env.trap(TrapCode.TableOutOfBounds));
    asm.load(64, Reg.rdx, mem(Reg.rdx, TableDescriptor.entries));
    return memIndexed(Reg.rdx, Reg.rax, 8);
  }

  tableAccess(op: 'table.get' | 'table.set' | 'table.size', tableIndex: number): void {
    const table = this.env.tables[tableIndex];
    if (!table) throw this.error(`unknown table ${tableIndex}`);
    if (op === 'table.get') {
      this.pop('i32');
      this.push(table.element);
    } else if (op === 'table.set') {
      this.pop(table.element);
      this.pop('i32');
    } else {
      this.push('i32');
    }
    if (!this.emitting) return;
    const { asm, stack } = this;
    if (op === 'table.size') {
      const reg = stack.allocGpr();
      asm.load(64, reg, mem(CTX_REG, this.env.layout.tablesOffset + 8 * tableIndex));
      asm.load(64, reg, mem(reg, TableDescriptor.length));
      stack.pushGpr(reg);
      return;
    }
    if (op === 'table.get') {
      const reg = stack.allocGpr();
      stack.popZeroExtended(Reg.rax);
      asm.load(64, reg, this.emitTableIndex(tableIndex));
      stack.pushGpr(reg);
      return;
    }
    const value = stack.popToGpr();
    stack.popZeroExtended(Reg.rax);
    asm.store(64, this.emitTableIndex(tableIndex), value);
    stack.freeGpr(value);
  }

  // ---- control ----------------------------------------------------------------------------------

  private markUnreachable(): void {
    const frame = this.controls[this.controls.length - 1]!;
    truncate(this.types, frame.height);
    frame.unreachable = true;
    this.emitting = false;
  }

  /** A condition for a branch: in the flags already, or tested from a register. */
  private popCondition(): Cond {
    const { stack } = this;
    const flags = stack.popFlags();
    if (flags !== undefined) return flags;
    emitZeroTest(this.loweringEnv, 32);
    return Cond.NE;
  }

  /** `blockType`: the block type word (see `Body` in decode/ir.ts). */
  open(kind: 'block' | 'loop' | 'if', blockType: number): void {
    const type = blockTypeOf(blockType, this.env.types);
    const emitting = this.emitting;
    const frame: Control = {
      kind,
      type,
      height: 0,
      base: 0,
      label: emitting ? new Label() : DEAD_LABEL,
      results: resultsAt(type),
      elseLabel: undefined,
      unreachable: false,
      dead: !emitting,
    };
    if (kind === 'if') {
      this.pop('i32');
      frame.elseLabel = emitting ? new Label() : DEAD_LABEL;
      if (emitting) {
        // The flush between the test and the jump changes no flags.
        const cond = this.popCondition();
        this.stack.flush();
        this.asm.jcc(invert(cond), frame.elseLabel);
      }
    } else if (emitting) {
      this.stack.flush();
    }
    this.popAll(type.params);
    frame.base = this.types.length;
    this.pushAll(type.params);
    frame.height = frame.base;
    if (kind === 'if' && type.params.length > 0) {
      // The then-branch works on copies of the params: the else-branch needs the originals.
      frame.height = this.types.length;
      if (emitting) {
        const { stack } = this;
        const end = stack.slotHeight(frame.base + type.params.length);
        for (let k = stack.slotHeight(frame.base); k < end; k++) this.asm.pushMem(this.operandSlot(k));
        stack.pushMaterialized(type.params);
      }
      this.pushAll(type.params);
    }
    if (kind === 'loop') this.openLoop(frame.label, emitting);
    this.controls.push(frame);
    this.frameChanged();
  }

  /** A loop's start: its label, then the interrupt poll and the fuel charge every iteration passes. */
  private openLoop(label: Label, emitting: boolean): void {
    const { asm, env } = this;
    if (emitting) {
      asm.bind(label);
      if (env.features.interruptible) emitInterruptPoll(asm, env.trap(TrapCode.Interrupted));
    }
    this.meter?.open(asm, emitting ? env.trap(TrapCode.OutOfFuel) : undefined);
  }

  /** Checks that the stack holds exactly the block's results (unless unreachable). */
  private popBlockResults(frame: Control): void {
    this.popAll(frame.type.results);
    if (this.types.length !== frame.height) {
      throw this.error(`type mismatch: ${this.types.length - frame.height} value(s) left on the stack at the end of the block`);
    }
  }

  else(): void {
    const frame = this.controls[this.controls.length - 1]!;
    if (frame.kind !== 'if') throw this.error('else without a matching if');
    const fallsThrough = this.emitting;
    this.popBlockResults(frame);
    if (fallsThrough) {
      this.passValues(frame, frame.results, frame.type.results.length);
      this.asm.jmp(frame.label);
    }
    if (!frame.dead) this.asm.bind(frame.elseLabel!);
    frame.elseLabel = undefined;
    frame.kind = 'else';
    frame.unreachable = false;
    this.frameChanged();
    truncate(this.types, frame.base);
    this.pushAll(frame.type.params);
    frame.height = frame.base;
    if (!frame.dead) this.stack.resetMaterialized(frame.base, frame.type.params);
  }

  end(): void {
    const frame = this.controls[this.controls.length - 1]!;
    const fallsThrough = this.emitting;
    this.popBlockResults(frame);
    const resultCount = frame.type.results.length;
    if (frame.kind === 'loop' || frame.kind === 'function') this.meter?.close(this.asm);
    if (frame.kind === 'function') {
      if (fallsThrough) this.emitReturn();
      this.controls.pop();
      this.frameChanged();
      return;
    }
    if (frame.kind === 'if' && !sameTypes(frame.type.params, frame.type.results)) {
      throw this.error('type mismatch: an if without else must leave its params as its results');
    }
    if (fallsThrough) this.passValues(frame, frame.results, resultCount);
    if (!frame.dead) {
      if (frame.elseLabel) {
        if (fallsThrough) this.asm.jmp(frame.label);
        this.asm.bind(frame.elseLabel);
        // The false path arrives with the params (= results) where the block's values land.
      }
      if (frame.kind !== 'loop') this.asm.bind(frame.label);
    }
    this.controls.pop();
    this.frameChanged();
    truncate(this.types, frame.base);
    this.pushAll(frame.type.results);
    if (frame.dead) return;
    if (frame.results === LabelValue.Stack) {
      this.stack.resetMaterialized(frame.base, frame.type.results);
    } else {
      this.stack.resetMaterialized(frame.base);
      this.stack.pushLabelValue(frame.results === LabelValue.Xmm);
    }
  }

  private target(depth: number): Control {
    const frame = this.controls[this.controls.length - 1 - depth];
    if (!frame) throw this.error(`unknown label ${depth}`);
    return frame;
  }

  private labelTypes(frame: Control): ValType[] {
    return frame.kind === 'loop' ? frame.type.params : frame.type.results;
  }

  /** Where the values of a branch to `frame` land (a loop's params are always on the machine stack). */
  private labelValue(frame: Control): LabelValue {
    return frame.kind === 'loop' ? LabelValue.Stack : frame.results;
  }

  /**
   * Puts the top `count` values where `frame`'s label (`at`: its kind of values) takes them, from a
   * stack in any state, and sets rsp to the label's height. Changes no flags.
   */
  private passValues(frame: Control, at: LabelValue, count: number): void {
    const { stack } = this;
    if (at === LabelValue.Stack) {
      stack.flush();
      this.moveValues(stack.depth, count, frame.base);
      return;
    }
    stack.flushBelowTop();
    stack.popToLabel(at === LabelValue.Xmm);
    this.dropTo(frame.base);
  }

  /** Drops the machine-stack slots above the entries below `base` (with `lea`: the flags may still be needed). */
  private dropTo(base: number): void {
    const drop = this.stack.machineSlots - this.stack.slotHeight(base);
    if (drop > 0) this.asm.lea(Reg.rsp, mem(Reg.rsp, 8 * drop));
  }

  /**
   * Moves the top `count` values of a materialized operand stack of height `depth` to where
   * entries `base…` go and sets rsp to just above them (with `lea`: the flags may still be needed).
   */
  private moveValues(depth: number, count: number, base: number): void {
    const { stack } = this;
    const top = stack.slotHeight(depth);
    const from = stack.slotHeight(depth - count);
    const to = stack.slotHeight(base);
    if (from !== to) {
      for (let k = 0; k < top - from; k++) {
        this.asm.load(64, Reg.rax, this.operandSlot(from + k));
        this.asm.store(64, this.operandSlot(to + k), Reg.rax);
      }
    }
    const drop = from - to;
    if (drop > 0) this.asm.lea(Reg.rsp, mem(Reg.rsp, 8 * drop));
  }

  /** Emits the jump to `frame`'s label from a materialized operand stack of height `depth`. */
  private emitBranch(frame: Control, depth: number): void {
    if (frame.kind === 'function') {
      this.emitReturn();
      return;
    }
    const at = this.labelValue(frame);
    if (at === LabelValue.Stack) {
      this.moveValues(depth, this.labelTypes(frame).length, frame.base);
    } else {
      const { asm, stack } = this;
      const top = this.operandSlot(stack.slotHeight(depth) - 1);
      if (at === LabelValue.Xmm) asm.loadFloat(64, LABEL_XMM, top);
      else asm.load(64, LABEL_GPR, top);
      const drop = stack.slotHeight(depth) - stack.slotHeight(frame.base);
      if (drop > 0) asm.lea(Reg.rsp, mem(Reg.rsp, 8 * drop));
    }
    this.asm.jmp(frame.label);
  }

  /** True when branching to `frame` needs no moves and no stack adjustment. */
  private isPlainJump(frame: Control, depth: number): boolean {
    return frame.kind !== 'function' && this.labelValue(frame) === LabelValue.Stack && depth === frame.base + this.labelTypes(frame).length;
  }

  br(depth: number): void {
    const frame = this.target(depth);
    const types = this.labelTypes(frame);
    this.popAll(types);
    if (this.emitting) {
      const at = this.labelValue(frame);
      if (frame.kind === 'function' || at === LabelValue.Stack) {
        this.stack.flush();
        this.emitBranch(frame, this.stack.depth);
      } else {
        this.passValues(frame, at, 1);
        this.asm.jmp(frame.label);
      }
    }
    this.markUnreachable();
  }

  brIf(depth: number): void {
    const frame = this.target(depth);
    const types = this.labelTypes(frame);
    this.pop('i32');
    this.popAll(types);
    this.pushAll(types);
    if (!this.emitting) return;
    const { asm, stack } = this;
    const cond = this.popCondition();
    const at = this.labelValue(frame);
    if (frame.kind !== 'function' && at !== LabelValue.Stack) {
      // The value goes to the label's register on both paths: the copy costs the fall-through a move at most.
      stack.flushBelowTop();
      stack.copyToLabel(at === LabelValue.Xmm);
      if (stack.machineSlots === stack.slotHeight(frame.base)) {
        asm.jcc(cond, frame.label);
        return;
      }
      const notTaken = new Label();
      asm.jcc(invert(cond), notTaken);
      this.dropTo(frame.base);
      asm.jmp(frame.label);
      asm.bind(notTaken);
      return;
    }
    stack.flush();
    if (this.isPlainJump(frame, stack.depth)) {
      asm.jcc(cond, frame.label);
      return;
    }
    const notTaken = new Label();
    asm.jcc(invert(cond), notTaken);
    // A return from here goes through emitReturn, which takes the results without popping them.
    this.emitBranch(frame, stack.depth);
    asm.bind(notTaken);
  }

  brTable(targets: Int32Array, defaultTarget: number): void {
    this.pop('i32');
    const defaultFrame = this.target(defaultTarget);
    const arity = this.labelTypes(defaultFrame).length;
    for (let i = 0; i < targets.length; i++) {
      const frame = this.target(targets[i]! >>> 0);
      if (this.labelTypes(frame).length !== arity) throw this.error('br_table targets have different arities');
      this.checkTop(this.labelTypes(frame));
    }
    this.checkTop(this.labelTypes(defaultFrame));
    this.popAll(this.labelTypes(defaultFrame));
    if (this.emitting) {
      this.stack.popZeroExtended(Reg.rax);
      this.stack.flush();
      this.emitBrTable(targets, defaultTarget, this.stack.depth);
    }
    this.markUnreachable();
  }

  /** Checks that the top of the stack matches `types` (the last on top) without popping: `pop`'s rules and errors. */
  private checkTop(types: readonly ValType[]): void {
    const frame = this.controls[this.controls.length - 1]!;
    let height = this.types.length;
    for (let i = types.length - 1; i >= 0; i--) {
      const expected = types[i]!;
      if (height === frame.height) {
        if (frame.unreachable) continue;
        throw this.error(`type mismatch: expected ${expected} but the stack is empty`);
      }
      const actual = this.types[--height]!;
      if (actual !== expected && actual !== 'unknown') throw this.error(`type mismatch: expected ${expected}, got ${actual}`);
    }
  }

  /** Index zero-extended in rax; a jump table of 32-bit offsets, one stub per distinct target that needs moves. */
  private emitBrTable(targets: Int32Array, defaultTarget: number, depth: number): void {
    const { asm } = this;
    /** By label depth: where the table sends it (its label, or a stub that moves the values first). */
    const destinations: (Label | undefined)[] = [];
    /** Depths that need a stub, in the order of their first use. */
    const stubs: number[] = [];
    asm.aluRI(Alu.Cmp, 32, Reg.rax, targets.length);
    asm.jcc(Cond.AE, this.brTableDestination(defaultTarget, depth, destinations, stubs));
    if (targets.length > 0) {
      const table = new Label();
      asm.leaLabel(Reg.rcx, table);
      asm.movsx(64, 32, Reg.rax, TABLE_OFFSET);
      asm.aluRR(Alu.Add, 64, Reg.rax, Reg.rcx);
      asm.jmpReg(Reg.rax);
      asm.bind(table);
      for (let i = 0; i < targets.length; i++) asm.tableEntry(table, this.brTableDestination(targets[i]! >>> 0, depth, destinations, stubs));
    }
    for (const targetDepth of stubs) {
      asm.bind(destinations[targetDepth]!);
      this.emitBranch(this.target(targetDepth), depth);
    }
  }

  private brTableDestination(targetDepth: number, depth: number, destinations: (Label | undefined)[], stubs: number[]): Label {
    let label = destinations[targetDepth];
    if (label) return label;
    const frame = this.target(targetDepth);
    if (this.isPlainJump(frame, depth)) {
      label = frame.label;
    } else {
      label = new Label();
      stubs.push(targetDepth);
    }
    destinations[targetDepth] = label;
    return label;
  }

  /**
   * Returns the function's results from the top of the value stack (which it leaves as it is, for a
   * br_if that may not be taken): result 0 in rax, the others in the context's result area.
   */
  private emitReturn(): void {
    const { asm, stack } = this;
    const { results } = this.func.type;
    const count = results.length;
    if (count === 1 && results[0] !== 'v128' && !stack.isFlushed) {
      stack.loadTopInto(Reg.rax);
    } else {
      stack.flush();
      const depth = stack.depth;
      const offsets = resultOffsets(results);
      for (let i = 0; i < count; i++) {
        // Slot k holds the high half of a v128 whose low half is in slot k + 1.
        const k = stack.slotHeight(depth - count + i);
        if (results[i] === 'v128') {
          asm.load(64, Reg.rax, this.operandSlot(k + 1));
          asm.store(64, mem(CTX_REG, offsets[i]!), Reg.rax);
          asm.load(64, Reg.rax, this.operandSlot(k));
          asm.store(64, mem(CTX_REG, offsets[i]! + 8), Reg.rax);
        } else if (i > 0) {
          asm.load(64, Reg.rax, this.operandSlot(k));
          asm.store(64, mem(CTX_REG, offsets[i]!), Reg.rax);
        }
      }
      if (count > 0 && results[0] !== 'v128') asm.load(64, Reg.rax, this.operandSlot(stack.slotHeight(depth - count)));
    }
    // rsp is known here, as at every instruction: the frame header, the declared locals, then the
    // materialized operands. With nothing above the saved registers, they pop straight off.
    let above = this.localSlots.declared + stack.machineSlots;
    if (this.savedRegs.length + this.savedXmms.length > 0) {
      if (above > 0) asm.lea(Reg.rsp, mem(Reg.rbp, -8 * this.headerSlots));
      this.savedXmms.forEach((reg, i) => asm.loadV128(reg, mem(Reg.rsp, 16 * i)));
      if (this.savedXmms.length > 0) asm.lea(Reg.rsp, mem(Reg.rsp, 16 * this.savedXmms.length));
      for (let i = this.savedRegs.length - 1; i >= 0; i--) asm.pop(this.savedRegs[i]!);
      above = 0;
    }
    if (this.savesContext || above > 0) asm.leave();
    else asm.pop(Reg.rbp);
    asm.ret(8 * this.localSlots.params);
  }
}

/** An instruction's handler gets its two immediate words (see `Body` in decode/ir.ts). */
type Handler = (compiler: FunctionCompiler, a: number, b: number) => void;

/** Every instruction's handler by id, built once: the families' tables, then the rest. */
const DISPATCH: readonly Handler[] = (() => {
  const table: Handler[] = Array.from({ length: OPCODE_LIMIT }, (_, id) => (c) => {
    throw c.unsupported(id);
  });
  const set = (name: string, handler: Handler): void => {
    table[opcodeId(name)] = handler;
  };
  for (const [name, op] of NUMERIC_OPS) set(name, (c) => c.numeric(op));
  for (const [name, op] of SIMD_OPS) set(name, (c, a, b) => c.simd(op, a, b));
  for (const [name, op] of RUNTIME_OPS) set(name, (c, a, b) => c.runtimeCall(op, [a >>> 0, b >>> 0]));
  for (const [name, access] of MEMORY_ACCESSES) set(name, (c, align, offset) => c.memoryAccess(access, align >>> 0, offset >>> 0));
  for (const type of ['i32', 'f32'] as const) set(`${type}.const`, (c, value) => c.constant(type, value, value >> 31));
  for (const type of ['i64', 'f64'] as const) set(`${type}.const`, (c, low, high) => c.constant(type, low, high));
  const handlers: Record<string, Handler> = {
    'local.get': (c, index) => c.variable('local.get', index >>> 0),
    'local.set': (c, index) => c.variable('local.set', index >>> 0),
    'local.tee': (c, index) => c.variable('local.tee', index >>> 0),
    'global.get': (c, index) => c.global('global.get', index >>> 0),
    'global.set': (c, index) => c.global('global.set', index >>> 0),
    'memory.size': (c) => c.memorySize(),
    'ref.null': (c, code) => c.refNull(valTypeOfCode(code) as RefType),
    'ref.is_null': (c) => c.refIsNull(),
    'ref.func': (c, index) => c.refFunc(index >>> 0),
    'table.get': (c, index) => c.tableAccess('table.get', index >>> 0),
    'table.set': (c, index) => c.tableAccess('table.set', index >>> 0),
    'table.size': (c, index) => c.tableAccess('table.size', index >>> 0),
    call_indirect: (c, typeIndex, tableIndex) => c.callIndirect(typeIndex >>> 0, tableIndex >>> 0),
    nop: () => {},
    drop: (c) => c.drop(),
    select: (c) => c.select(undefined),
    unreachable: (c) => c.unreachable(),
    block: (c, type) => c.open('block', type),
    loop: (c, type) => c.open('loop', type),
    if: (c, type) => c.open('if', type),
    else: (c) => c.else(),
    end: (c) => c.end(),
    br: (c, depth) => c.br(depth >>> 0),
    br_if: (c, depth) => c.brIf(depth >>> 0),
    br_table: (c, at, count) => c.brTable(c.extra(at, count), c.extra(at + count, 1)[0]! >>> 0),
    return: (c) => c.return(),
    call: (c, index) => c.call(index >>> 0),
  };
  for (const [name, handler] of Object.entries(handlers)) set(name, handler);
  table[Opcode.selectTyped] = (c, at, count) => c.select(c.extra(at, count));
  return table;
})();

/** Flag consumers: they take a condition from the top of the stack as a jump or a cmov. */
const FLAG_CONSUMERS: Uint8Array = (() => {
  const consumers = new Uint8Array(OPCODE_LIMIT);
  for (const name of ['if', 'br_if', 'select', 'i32.eqz']) consumers[opcodeId(name)] = 1;
  consumers[Opcode.selectTyped] = 1;
  return consumers;
})();

/**
 * One look at the body before any code is emitted: how busy each local is (its uses, each counted
 * eight times more for each loop around it), and whether a call may enter another instance.
 */
function prescan(func: Func, localCount: number, importedFuncs: number): { weights: Float64Array; firstUses: Uint8Array; switchesInstance: boolean } {
  const weights = localWeights(localCount);
  const firstUses = localFirstUses(localCount);
  let switchesInstance = false;
  let loopDepth = 0;
  const loops: boolean[] = [];
  const { code } = func.body;
  for (let at = 0; at < code.length; at += INSTR_WORDS) {
    const role = PRESCAN_ROLES[code[at]!]!;
    if (role === PrescanRole.None) continue;
    const a = code[at + 1]! >>> 0;
    switch (role) {
      case PrescanRole.Block:
        loops.push(false);
        break;
      case PrescanRole.Loop:
        loops.push(true);
        loopDepth++;
        break;
      case PrescanRole.End:
        if (loops.pop()) loopDepth--;
        break;
      case PrescanRole.Local:
        // An index out of range is left for the compiler to report.
        if (a < localCount) {
          weights[a]! += LOOP_WEIGHTS[Math.min(loopDepth, LOOP_WEIGHTS.length - 1)]!;
          // A write outside every block runs before anything after it: nothing reads the local unset.
          if (firstUses[a] === FirstUse.None) firstUses[a] = code[at] !== Opcode.localGet && loops.length === 0 ? FirstUse.Write : FirstUse.Read;
        }
        break;
      case PrescanRole.CallIndirect:
        switchesInstance = true;
        break;
      case PrescanRole.Call:
        if (a < importedFuncs) switchesInstance = true;
        break;
    }
  }
  return { weights, firstUses, switchesInstance };
}

/**
 * Zeroed room for `count` weights, reused by every function: a typed array of its own per function
 * costs an ArrayBuffer allocation, more than the scan. Valid until the next call.
 */
function localWeights(count: number): Float64Array {
  if (weightScratch.length < count) weightScratch = new Float64Array(Math.max(count, 2 * weightScratch.length));
  const weights = weightScratch.subarray(0, count);
  weights.fill(0);
  return weights;
}

let weightScratch = new Float64Array(256);

/** How a local is first used, in the order of the body. */
const enum FirstUse {
  None,
  /** Written by local.set or local.tee outside every block: never read before that write. */
  Write,
  /** Anything else (read, or written inside a block that a branch may skip): zeroed at entry. */
  Read,
}

/** Like `localWeights`: zeroed (FirstUse.None) room for `count` locals, reused by every function. */
function localFirstUses(count: number): Uint8Array {
  if (firstUseScratch.length < count) firstUseScratch = new Uint8Array(Math.max(count, 2 * firstUseScratch.length));
  const firstUses = firstUseScratch.subarray(0, count);
  firstUses.fill(FirstUse.None);
  return firstUses;
}

let firstUseScratch = new Uint8Array(256);

/** The types of a function's locals without copying params and declared locals into one array. */
class LocalTypes {
  readonly count: number;

  constructor(
    private readonly params: readonly ValType[],
    private readonly declared: readonly ValType[],
  ) {
    this.count = params.length + declared.length;
  }

  at(index: number): ValType | undefined {
    return index < this.params.length ? this.params[index] : this.declared[index - this.params.length];
  }
}

/** Frame slots below rbp that an 8-bit displacement reaches (`[rbp - 128]` is the last). */
const NEAR_FRAME_SLOTS = 16;

/**
 * Where a function's locals are, in 8-byte slots (a v128 takes two): parameters from the first
 * pushed, declared locals from rbp down. A declared local that lives in a register has no slot (the
 * prologue zeroes only the slots). When more declared locals live in the frame than `near` slots
 * (those an 8-bit displacement reaches) hold, the busiest of them take those slots: every access
 * to them is then three bytes shorter, which counts in long straight-line code such as a hash
 * round. Without v128 locals, declared locals in registers or such a choice, local i of either
 * kind ends at slot i + 1 of its group, with no table.
 */
class LocalSlots {
  /** Slots of all parameters, and of all declared locals. */
  readonly params: number;
  readonly declared: number;
  /** The end slot (exclusive) of each local within its group, when any local is a v128. */
  private readonly ends: Int32Array | undefined;
  private readonly paramCount: number;

  constructor(
    params: readonly ValType[],
    declared: readonly ValType[],
    inRegisters: readonly LocalRegister<unknown>[][],
    weights: Float64Array,
    near: number,
  ) {
    this.paramCount = params.length;
    const wide = params.includes('v128') || declared.includes('v128');
    let registerDeclared = 0;
    for (const group of inRegisters) for (const { index } of group) if (index >= params.length) registerDeclared++;
    // v128 locals keep their order: a two-slot local would not split the near slots so simply.
    const nearFirst = !wide && near > 0 && declared.length - registerDeclared > near && weights.length > 0;
    if (!wide && registerDeclared === 0 && !nearFirst) {
      this.params = params.length;
      this.declared = declared.length;
      this.ends = undefined;
      return;
    }
    const ends = new Int32Array(params.length + declared.length);
    let slots = 0;
    params.forEach((type, i) => (ends[i] = slots += type === 'v128' ? 2 : 1));
    this.params = slots;
    // Marked first: a declared local in a register (-1) takes no slot; one of the busiest (-1 - its
    // end) has its near slot.
    for (const group of inRegisters) for (const { index } of group) if (index >= params.length) ends[index] = -1;
    slots = nearFirst ? markBusiest(ends, weights, params.length, near) : 0;
    declared.forEach((type, i) => {
      const at = params.length + i;
      const mark = ends[at]!;
      if (mark < -1) {
        ends[at] = -1 - mark;
        return;
      }
      if (mark !== -1) slots += type === 'v128' ? 2 : 1;
      ends[at] = slots;
    });
    this.declared = slots;
    this.ends = ends;
  }

  /**
   * For a parameter, how many slots from the first pushed one to its end; for a declared local, the
   * same from the first declared one, plus `params` (so both count in one index space).
   */
  end(index: number): number {
    if (this.ends) return index < this.paramCount ? this.ends[index]! : this.params + this.ends[index]!;
    return index < this.paramCount ? index + 1 : index + 1 - this.paramCount + this.params;
  }
}

/**
 * Marks the `count` busiest declared locals not marked yet (0, from `first` on) for slots 1, 2, …
 * in order of weight (ties: the lower index first) as `-1 - slot`; returns how many it marked.
 */
function markBusiest(ends: Int32Array, weights: Float64Array, first: number, count: number): number {
  let given = 0;
  for (; given < count; given++) {
    let busiest = -1;
    for (let at = first; at < ends.length; at++) {
      if (ends[at] === 0 && weights[at]! > 0 && (busiest < 0 || weights[at]! > weights[busiest]!)) busiest = at;
    }
    if (busiest < 0) break;
    ends[busiest] = -2 - given;
  }
  return given;
}

/** What the pre-scan looks at; most instructions are None and cost one table lookup. */
const enum PrescanRole { None, Block, Loop, End, Local, CallIndirect, Call }

const PRESCAN_ROLES: Uint8Array = (() => {
  const roles = new Uint8Array(OPCODE_LIMIT);
  roles[Opcode.block] = roles[Opcode.if] = PrescanRole.Block;
  roles[Opcode.loop] = PrescanRole.Loop;
  roles[Opcode.end] = PrescanRole.End;
  roles[Opcode.localGet] = roles[Opcode.localSet] = roles[Opcode.localTee] = PrescanRole.Local;
  roles[Opcode.callIndirect] = PrescanRole.CallIndirect;
  roles[Opcode.call] = PrescanRole.Call;
  return roles;
})();

/** The pre-scan's answer for a function that is only validated: no local needs a register. */
const NOTHING_TO_EMIT = { weights: new Float64Array(0), firstUses: new Uint8Array(0), switchesInstance: false };

/** A use counts eight times more for each loop around it, up to four loops. */
const LOOP_WEIGHTS = [1, 8, 64, 512, 4096];

interface LocalRegister<R> {
  index: number;
  reg: R;
}

/** The busiest locals whose type `fits` get the registers, in order (ties: the lower index first). */
function assignLocalRegisters<R>(
  weights: Float64Array,
  localTypes: LocalTypes,
  fits: (type: ValType) => boolean,
  registers: readonly R[],
): LocalRegister<R>[] {
  const chosen: number[] = [];
  for (let index = 0; index < weights.length; index++) {
    const weight = weights[index]!;
    if (weight === 0 || !fits(localTypes.at(index)!)) continue;
    let at = Math.min(chosen.length, registers.length - 1);
    if (at === registers.length - 1 && chosen.length === registers.length && weights[chosen[at]!]! >= weight) continue;
    while (at > 0 && weights[chosen[at - 1]!]! < weight) {
      chosen[at] = chosen[at - 1]!;
      at--;
    }
    chosen[at] = index;
  }
  return chosen.map((index, i) => ({ index, reg: registers[i]! }));
}

function sameTypes(a: readonly ValType[], b: readonly ValType[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
