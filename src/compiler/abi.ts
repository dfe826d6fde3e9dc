// The native conventions shared by generated code and the runtime.
//
// Registers:
//   r15 = the instance context (below), r14 = the linear memory base (0 without memory), rbp = the
//   current wasm frame: pinned. rbx, r12, r13, r10, r11 hold the function's busiest integer locals
//   and xmm10–15 its busiest float locals; they are callee-saved (a function saves those it uses;
//   host calls save r10/r11 and the xmm ones, which System V does not preserve). rsi, rdi, r8, r9
//   and xmm4–9 cache operand values within straight-line code (see value-stack.ts), and rsi (xmm4 for
//   a float) carries a block's single result to its label; rax, rcx, rdx and xmm0–3 are scratch
//   within one instruction.
// Frame of a wasm function with P param slots, L declared local slots and S saved registers,
// materialized operand stack depth D slots (a v128 value takes two slots, its low half in the
// lower one):
//   [rbp + 16 + 8*(P-1-i)]  param i        (pushed by the caller, popped by the callee's `ret 8*P`)
//   [rbp + 8]               return address
//   [rbp]                   caller's rbp
//   [rbp - 8]               the function's own context (r15), restored after calls that switch it
//                           (only in functions with such calls; the slots below move up otherwise)
//   [rbp - 8*(2+s)]         saved register s (general-purpose ones pushed first, then xmm ones)
//   [rbp - 8*(S+j+2)]       declared local j (zeroed in the prologue; unused if j lives in a register)
//   [rbp - 8*(S+L+k+2)]     operand stack slot k; rsp points at slot D-1
// Every other value occupies one 8-byte slot, always written with 64-bit stores. An i32 (or f32) lives in
// the low half; the high half is undefined, so every consumer of an i32 uses 32-bit operations (or
// zero-extends explicitly). Except an i32 local's register: every write of one (prologue, local.set,
// a lowering aimed at it) leaves its upper half zero, so that it indexes memory as it is.
// Results: result 0 in rax (unless a v128), the others in the result area of the callee's context
// (r15 on return), at the offsets `resultOffsets` gives.
// Calls that may enter another instance (imports, call_indirect) switch r15/r14 to the callee's
// context; the caller pushes the results and then restores r15 from [rbp - 8] and r14 from it.
import { Reg, Xmm } from '../x64/index.js';
import type { ValType } from '../decode/index.js';

export const CTX_REG = Reg.r15;
export const MEMORY_BASE_REG = Reg.r14;
/** Registers for locals, in the order they are handed out. */
export const LOCAL_GPRS: readonly Reg[] = [Reg.rbx, Reg.r12, Reg.r13, Reg.r10, Reg.r11];
/** The local registers a host call (System V) may clobber: saved around every host call. */
export const CALLER_SAVED_LOCAL_GPRS: readonly Reg[] = [Reg.r10, Reg.r11];
/** Registers for float locals: callee-saved in our convention, saved around host calls (System V preserves no xmm). */
export const LOCAL_XMMS: readonly Xmm[] = [Xmm.xmm10, Xmm.xmm11, Xmm.xmm12, Xmm.xmm13, Xmm.xmm14, Xmm.xmm15];

/** Byte offsets of the fixed fields of an instance context; the rest is laid out per module. */
export const Ctx = {
  memoryBase: 0,
  /** Current linear memory size in bytes (kept up to date by every grow of a shared memory). */
  memorySize: 8,
  /** Lowest rsp a function may use (frame included) before it traps with stack exhaustion. */
  stackLimit: 16,
  /** `int hostCall(void *ctx, int index)`: the runtime's single koffi callback. */
  hostCall: 24,
  /**
   * Fuel left (signed 64-bit), for code compiled with `features.fuel` (compiler/metering.ts): each
   * region's charge is subtracted from it, and below zero the code traps with OutOfFuel.
   */
  fuel: 32,
  /** Non-zero once an interrupt was requested (runtime/interrupt.ts); the runtime clears it. */
  interrupt: 40,
  /** Result area: result i of an entry or a call at `results + 8*i`. */
  results: 64,
} as const;

/** The 8-byte slots values of `types` take (a v128 takes two). */
export function slotCount(types: readonly ValType[]): number {
  let slots = types.length;
  for (const type of types) if (type === 'v128') slots++;
  return slots;
}

/**
 * Where each result of a function with `results` is in the result area: at `results + 8*k`, k the
 * slots of the results before it. Result 0 comes in rax instead, unless it is a v128 (no JS caller
 * sees a v128 result: V8 refuses such a call before it is made).
 */
export function resultOffsets(results: readonly ValType[]): number[] {
  let slots = 0;
  return results.map((type) => {
    const at = Ctx.results + 8 * slots;
    slots += type === 'v128' ? 2 : 1;
    return at;
  });
}

/** Process-wide runtime state (one native block), addressed absolutely by generated code. */
export const RuntimeState = {
  /** rsp of the innermost entry trampoline: a trap unwinds to it. */
  entrySp: 0,
  /**
   * Fast calls (V8 Fast API, runtime/fast-calls.ts) run on the JS thread's own stack: the stack limit
   * the fast entry puts in the context while it runs, and how far above it the thread's stack goes
   * (a fast entry whose rsp is not within that span returns FAST_ENTRY_NOT_ON_STACK).
   */
  fastStackLimit: 8,
  fastStackSpan: 16,
  /** Calls through the fast entry, and how many of them came through the Fast API's slow callback. */
  fastEntries: 24,
  slowCallbacks: 32,
  /** How many PCs the last trap recorded at `trapFrames` (see entry.ts `emitTrapWalk`). */
  trapFrameCount: 40,
  /** Entry slots: what `entry(slot)` calls, one slot per function handed to JS. */
  entries: 64,
  maxEntries: 65536,
  /** The last trap's PCs, innermost first: the trap site's, then each wasm frame's return address. */
  get trapFrames(): number {
    return this.entries + EntrySlot.size * this.maxEntries;
  },
  /** More than a stack trace shows (Error.stackTraceLimit is 10 by default). */
  maxTrapFrames: 256,
  get size(): number {
    return this.trapFrames + 8 * this.maxTrapFrames;
  },
} as const;

/**
 * An entry slot: `{ctx, fn, nargs, entry}`, so that JS calls the trampoline with one integer argument;
 * `entry` is the module's entry trampoline, which the process-wide fast entry calls.
 */
export const EntrySlot = { ctx: 0, fn: 8, argCount: 16, entry: 24, size: 32, sizeLog2: 5 } as const;

/** What the fast entry returns, instead of 0 or a trap code, when it is not on the JS thread's stack. */
export const FAST_ENTRY_NOT_ON_STACK = -1;

/**
 * Negative host-call indices are runtime services; non-negative ones are function imports. The
 * operands are in the argument area in wasm order (args[0] is the deepest), the result in results[0].
 * The host call returns 0, or the trap code to raise (HostException after a JS exception).
 */
export enum RuntimeCall {
  MemoryGrow = -1,
  MemoryCopy = -2,
  MemoryFill = -3,
  MemoryInit = -4,
  DataDrop = -5,
  TableGrow = -6,
  TableFill = -7,
  TableCopy = -8,
  TableInit = -9,
  ElemDrop = -10,
  /** Lazy compilation (compiler/lazy.ts): compile function args[0] now; results[0] gets its code's address. */
  CompileFunction = -11,
}

/** The most arguments a runtime call takes (table.init: table, segment, destination, source, count). */
export const MAX_RUNTIME_CALL_ARGS = 5;

/**
 * A funcref value is the address of a function record `{code, typeId, ctx}` (0 is null): enough to
 * check the signature and call the function in its own instance. Each instance keeps a record for
 * every function it defines or imports from the host, in its context.
 * An externref value is a handle the runtime maps to the JS value (0 is null).
 */
export const FuncRecord = { code: 0, typeId: 8, ctx: 16, size: 32 } as const;

/** A table is a descriptor `{entries, length}` over an array of 8-byte reference values. */
export const TableDescriptor = { entries: 0, length: 8, size: 16 } as const;

/** Import slots: `{code, ctx}`; ctx 0 means a host (JS) function reached through hostCall. */
export const ImportSlot = { code: 0, ctx: 8, size: 16 } as const;

/** V8's limits, so that the same modules are accepted and refused. */
export const MAX_FUNCTION_PARAMS = 1000;
export const MAX_FUNCTION_RESULTS = 1000;
export const MAX_FUNCTION_LOCALS = 50_000;
export const WASM_PAGE_SIZE = 65536;
export const MAX_MEMORY_PAGES = 65536;

/** Where each per-module region of the context starts. */
export interface ContextLayout {
  argsOffset: number;
  /** ImportSlot per imported function. */
  importsOffset: number;
  /** One pointer to a TableDescriptor per table. */
  tablesOffset: number;
  /** One pointer to the value cell per global (imported or defined). */
  globalsOffset: number;
  /** The value cells of the module's own globals. */
  globalCellsOffset: number;
  /** The funcref value of every function in the index space (what `ref.func` pushes). */
  funcRefsOffset: number;
  /** FuncRecord per function, for the functions whose records this instance provides. */
  funcRecordsOffset: number;
  size: number;
}

export interface ContextCounts {
  maxParams: number;
  maxResults: number;
  importedFuncs: number;
  tables: number;
  globals: number;
  /** The 8-byte slots of the module's own globals' cells (a v128 global's takes two). */
  definedGlobalSlots: number;
  funcs: number;
}

export function contextLayout(counts: ContextCounts): ContextLayout {
  const argsOffset = Ctx.results + 8 * Math.max(1, counts.maxResults);
  const importsOffset = argsOffset + 8 * Math.max(1, counts.maxParams);
  const tablesOffset = importsOffset + ImportSlot.size * counts.importedFuncs;
  const globalsOffset = tablesOffset + 8 * counts.tables;
  const globalCellsOffset = globalsOffset + 8 * counts.globals;
  const funcRefsOffset = globalCellsOffset + 8 * counts.definedGlobalSlots;
  const funcRecordsOffset = funcRefsOffset + 8 * counts.funcs;
  const size = funcRecordsOffset + FuncRecord.size * counts.funcs;
  return { argsOffset, importsOffset, tablesOffset, globalsOffset, globalCellsOffset, funcRefsOffset, funcRecordsOffset, size };
}
