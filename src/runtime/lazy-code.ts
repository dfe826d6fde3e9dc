// Lazy compilation, the runtime's side (compiler/lazy.ts has the stubs): the module's code lives in a
// reservation of address space, its own code (thunks, trampoline, stubs) at the start and each
// batch's code appended when a function of it is first called (the function and direct callees of
// it), the pages written only while not executable (CodePage.write). Once a function is compiled,
// its record in every live instance of the module points at the code: calls through records,
// tables and call_indirect then reach it directly.
import { bodyLength, ChunkFunction, compileLazyFunctions, FuncRecord, instructionCount, patchRelocations } from '../compiler/index.js';
import type { CompiledFunction, LazyCompiledModule } from '../compiler/index.js';
import { INSTR_WORDS, Opcode } from '../decode/index.js';
import type { ModuleIR } from '../decode/index.js';
import { CodePage } from './code-page.js';
import type { InstanceContext } from './context.js';
import { roundToPages } from './libc.js';
import type { ModuleCodeNames } from './perf-map.js';

/**
 * Modules of this many bytes or more are compiled lazily unless `lazy` says otherwise (see README,
 * "Lazy compilation", for the measurements behind it).
 */
export const LAZY_THRESHOLD_BYTES = 256 * 1024;

/** Whether a module of `size` bytes is compiled lazily when its options do not say: WASMJIT_LAZY=0|1, else by size. */
export function lazyByDefault(size: number): boolean {
  const setting = process.env.WASMJIT_LAZY;
  if (setting === '1') return true;
  if (setting === '0') return false;
  if (setting !== undefined && setting !== '') throw new RangeError(`WASMJIT_LAZY must be 0 or 1, got "${setting}"`);
  return size >= LAZY_THRESHOLD_BYTES;
}

/** What lazy compiles have cost this process so far, all lazy modules together. */
export interface LazyCompileStats {
  /** Functions compiled lazily. */
  functions: number;
  /** Times code was written: each makes the pages it touches writable, then executable again. */
  writes: number;
  /** Milliseconds spent compiling them and writing their code (the host calls' own cost aside). */
  ms: number;
}

const processStats: LazyCompileStats = { functions: 0, writes: 0, ms: 0 };

/** A copy of this process's lazy compile figures (the bench's first-run part reads them). */
export function lazyCompileStats(): LazyCompileStats {
  return { ...processStats };
}

/**
 * Address space reserved per module for its code: far more than any function needs (about 10 bytes
 * per instruction here), address space costs nothing until written, and `call rel32` reaches 2 GiB.
 */
const RESERVE_BYTES_PER_INSTRUCTION = 128;
const RESERVE_BYTES_PER_FUNCTION = 1024;
const MAX_RESERVE = 2 ** 31 - 2 ** 24;

/**
 * Instructions a first call's batch may hold: the function called, then its direct callees while
 * they fit (`batchFor`). In the bench's first runs (sql.js, resvg, tiktoken) batches of 2,000 halve
 * the code writes and compile 15–20% more functions, for about the same CPU time (budgets of 500
 * and 8,000 measured the same).
 */
export const LAZY_BATCH_INSTRUCTIONS = 2000;

/** Each batch's chunk starts at this alignment (fetch and the decoders like aligned starts). */
const CODE_ALIGN = 16;

export class LazyCode {
  readonly page: CodePage;
  /** By function index: the compiled function, or its stub (imports: their thunks). */
  private readonly functions: CompiledFunction[];
  private readonly compiled: boolean[];
  private compiledCount = 0;
  private writeCount = 0;
  private end: number;
  /** The contexts of the module's live instances, whose records follow the compiles. */
  private readonly contexts = new Set<InstanceContext>();

  constructor(
    private readonly ir: ModuleIR,
    private readonly lazy: LazyCompiledModule,
    /** Set when profilers get the names of the module's code: each batch is named as it is written. */
    private readonly names?: ModuleCodeNames,
  ) {
    const { code, functions } = lazy.compiled;
    const instructions = instructionCount(ir.funcs);
    const reserve = Math.min(MAX_RESERVE, roundToPages(code.length) + RESERVE_BYTES_PER_INSTRUCTION * instructions + RESERVE_BYTES_PER_FUNCTION * ir.funcs.length);
    this.page = CodePage.reserve(code, reserve);
    this.functions = functions.slice();
    this.compiled = functions.map(() => false);
    // Compiled code starts on a page of its own: the own code's pages are never written again.
    this.end = roundToPages(code.length);
  }

  /** How many of the module's defined functions have been compiled. */
  get compiledFunctions(): number {
    return this.compiledCount;
  }

  isCompiled(index: number): boolean {
    return this.compiled[index] === true;
  }

  /** The compiled function, or while not compiled its stub (an import: its thunk). */
  function(index: number): CompiledFunction | undefined {
    return this.functions[index];
  }

  address(index: number): bigint {
    return this.page.address + BigInt(this.functions[index]!.offset);
  }

  /** Records of this instance's context follow the compiles from now on (until `detach`). */
  attach(context: InstanceContext): void {
    this.contexts.add(context);
  }

  detach(context: InstanceContext): void {
    this.contexts.delete(context);
  }

  /** How many times code was written (each a batch of functions, with one pair of protection changes). */
  get writes(): number {
    return this.writeCount;
  }

  /** Compiles function `index` unless it is compiled already (in a batch, see `batchFor`); gives its code's address. */
  compile(index: number): bigint {
    if (!this.compiled[index] && index >= this.lazy.shape.importedFuncs) this.compileBatch(this.batchFor(index));
    return this.address(index);
  }

  /** Compiles every function not compiled yet, as one batch. */
  compileAll(): void {
    this.compileBatch(this.ir.funcs.map((func) => func.index).filter((index) => !this.compiled[index]));
  }

  /** Compiles `index` and every function it reaches through direct calls, as one batch. */
  compileReachable(index: number): void {
    if (index < this.lazy.shape.importedFuncs) return;
    const batch: number[] = [];
    const pending = [index];
    const seen = new Set(pending);
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (!this.compiled[next]) batch.push(next);
      this.forEachDirectCallee(next, (callee) => {
        if (seen.has(callee)) return;
        seen.add(callee);
        pending.push(callee);
      });
    }
    this.compileBatch(batch);
  }

  /**
   * What a first call of `index` compiles: the function, then those of its direct callees not compiled
   * yet, in the order its code calls them, while the batch stays within LAZY_BATCH_INSTRUCTIONS. Most
   * direct callees of a function that runs are called soon after (about 80% of them in sql.js's
   * first run); each batch saves their host calls and protection changes, and its calls are direct.
   */
  private batchFor(index: number): number[] {
    const batch = new Set([index]);
    let budget = LAZY_BATCH_INSTRUCTIONS - this.instructions(index);
    this.forEachDirectCallee(index, (callee) => {
      if (this.compiled[callee] || batch.has(callee)) return;
      const size = this.instructions(callee);
      if (size > budget) return;
      batch.add(callee);
      budget -= size;
    });
    return [...batch];
  }

  private instructions(index: number): number {
    return bodyLength(this.ir.funcs[index - this.lazy.shape.importedFuncs]!);
  }

  /** Calls `visit` with each defined function `index`'s code calls directly, in code order (repeats included). */
  private forEachDirectCallee(index: number, visit: (callee: number) => void): void {
    const importedFuncs = this.lazy.shape.importedFuncs;
    const { code } = this.ir.funcs[index - importedFuncs]!.body;
    for (let at = 0; at < code.length; at += INSTR_WORDS) {
      if (code[at] !== Opcode.call) continue;
      const callee = code[at + 1]! >>> 0;
      if (callee >= importedFuncs) visit(callee);
    }
  }

  /** Compiles `indices` (none compiled yet) as one chunk, written with one pair of protection changes. */
  private compileBatch(indices: number[]): void {
    if (indices.length === 0) return;
    const start = performance.now();
    const { shape, exitOffset, typeIds } = this.lazy;
    const funcs = indices.map((index) => this.ir.funcs[index - shape.importedFuncs]!);
    const chunk = compileLazyFunctions(shape, funcs, (i) => this.compiled[i] === true);
    const base = alignUp(this.end, CODE_ALIGN);
    if (base + chunk.code.length > this.page.size) {
      throw new RangeError(`wasmjit: the code of function${indices.length > 1 ? 's' : ''} ${indices.join(', ')} does not fit the ${this.page.size} bytes reserved for this lazy module's code; compile it with { lazy: false }`);
    }
    const inChunk = new Map(indices.map((index, i) => [index, base + chunk.functions[ChunkFunction.fields * i + ChunkFunction.offset]!]));
    const view = new DataView(chunk.code.buffer, chunk.code.byteOffset, chunk.code.byteLength);
    // The chunk's displacements are from its own start: link it as if it were at offset 0.
    patchRelocations(view, 0, chunk, typeIds, {
      exitOffset: exitOffset - base,
      functionOffset: (target) => (inChunk.get(target) ?? this.functions[target]!.offset) - base,
    });
    this.page.write(base, chunk.code);
    this.end = base + chunk.code.length;
    this.writeCount++;
    const recordsOffset = this.lazy.compiled.layout.funcRecordsOffset;
    funcs.forEach((func, i) => {
      const record = ChunkFunction.fields * i;
      const marks = chunk.marks.subarray(chunk.functions[record + ChunkFunction.marksStart], chunk.functions[record + ChunkFunction.marksEnd]);
      this.functions[func.index] = { index: func.index, type: func.type, offset: inChunk.get(func.index)!, size: chunk.functions[record + ChunkFunction.size]!, marks };
      this.compiled[func.index] = true;
      const address = this.address(func.index);
      const field = recordsOffset + FuncRecord.size * func.index + FuncRecord.code;
      for (const context of this.contexts) context.setField(field, address);
    });
    if (this.names) this.page.name(this.names.ranges(this.page.address, base, this.end, this.functions, -1));
    this.compiledCount += funcs.length;
    processStats.functions += funcs.length;
    processStats.writes++;
    processStats.ms += performance.now() - start;
  }
}

const alignUp = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;
