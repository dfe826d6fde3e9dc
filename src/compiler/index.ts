// compiler: ModuleIR → x86-64 machine code for every function, a thunk per imported function and
// the entry trampoline, in one buffer (calls inside a module are direct `call rel32`). Functions are
// compiled in chunks (chunk.ts), on worker threads when the module is large (parallel.ts), and
// linked here.
import { Assembler, Label } from '../x64/index.js';
import type { FuncType, GlobalType, ModuleIR, TableType } from '../decode/index.js';
import { contextLayout, MAX_FUNCTION_PARAMS, MAX_FUNCTION_RESULTS, MAX_RUNTIME_CALL_ARGS, slotCount } from './abi.js';
import type { ContextLayout } from './abi.js';
import { ChunkFunction, Relocation } from './chunk.js';
import type { CompiledChunk, ModuleShape } from './chunk.js';
import { emitEntryTrampoline } from './entry.js';
import type { SourceMarks } from './function.js';
import { emitImportThunk } from './host-call.js';
import type { CpuFeatures } from './integer.js';
import { validateModule } from './module-validation.js';
import { compileChunks } from './parallel.js';
import { canonicalTypeId } from './type-ids.js';

export * from './abi.js';
export { compileLazyFunctions, compileLazyModule, validateFunctions } from './lazy.js';
export { bodyLength, ChunkFunction, instructionCount, Relocation } from './chunk.js';
export type { LazyCompiledModule } from './lazy.js';
export type { CpuFeatures } from './integer.js';
export { TrapCode, TRAP_MESSAGES } from './traps.js';
export { canonicalTypeId } from './type-ids.js';
export { emitEntryExit, emitFastEntryTrampoline, emitTrapWalk } from './entry.js';
export { isNativeOnlyFunction, nativeOnlyFunctions } from './native-only.js';
export { CONSTANTS_MARK, formatInstr, PROLOGUE_MARK } from './function.js';
export { parallelStats, startCompileWorkers } from './parallel.js';
export type { SourceMarks } from './function.js';

export interface CompiledFunction {
  index: number;
  type: FuncType;
  /** Offset of the function's first byte in the module's code (the thunk, for an import). */
  offset: number;
  size: number;
  /** Where each wasm instruction's code starts (empty for an import's thunk). */
  marks: SourceMarks;
}

export interface CompiledModule {
  code: Uint8Array;
  entryOffset: number;
  /** Every function by index, imports (their thunks) included. */
  functions: CompiledFunction[];
  layout: ContextLayout;
  /** Types of all functions, globals and tables in their index spaces, imports first. */
  funcTypes: FuncType[];
  globals: GlobalType[];
  tables: TableType[];
  /**
   * What in `code` depends on the process: triples (position, Relocation.typeId or
   * Relocation.runtimeState, type index): the trampoline's first, then the type ids in code order. `restoreModule` writes them again.
   */
  relocations: Int32Array;
  /**
   * Set by `restoreModule`: `code` still holds the values of the process that compiled it, and this
   * writes this process's into the mapped copy (the code is copied once, straight into its pages).
   */
  relocate?: (mapped: Uint8Array) => void;
}

/** A compiled module's code as an artifact keeps it (`portableCode`), to be placed again by `restoreModule`. */
export interface PortableCode {
  code: Uint8Array;
  entryOffset: number;
  /** Per function index, imports first: offset and size. */
  functions: Int32Array;
  /** CompiledModule.relocations. */
  relocations: Int32Array;
}

export interface CompileOptions {
  features: CpuFeatures;
  /** Address of the process-wide runtime state (RuntimeState layout), embedded in the trampoline. */
  runtimeState: bigint;
}

/** The marks of code that has none (import thunks, lazy stubs, loaded code). */
export const NO_MARKS: SourceMarks = new Int32Array(0);

/** A module after its module-level checks: what compiling any of its functions needs. */
export interface PreparedModule {
  shape: ModuleShape;
  layout: ContextLayout;
  funcTypes: FuncType[];
  globals: GlobalType[];
  tables: TableType[];
}

export function compileModule(ir: ModuleIR, options: CompileOptions): CompiledModule {
  const prepared = prepareModule(ir, options.features, true);
  const chunks = compileChunks(prepared.shape, ir.funcs);
  // The module's own code goes after the chunks, into the room a lone chunk's buffer has left (see `layOut`).
  const asm = new Assembler();
  const exit = new Label();
  const own = emitModuleCode(asm, prepared, options, exit);
  const { code, ownBase } = layOut(chunks, asm.finish());
  const functions = own.functions.map((thunk) => ({ ...thunk, offset: ownBase + thunk.offset }));
  // The trampoline's runtime-state addresses first, then the type ids link finds.
  const relocations = own.relocations.map((value, i) => (i % Relocation.fields === 0 ? ownBase + value : value));
  link(code, chunks, ownBase + exit.offset, ir, functions, relocations);
  const { layout, funcTypes, globals, tables } = prepared;
  return { code, entryOffset: ownBase + own.entryOffset, functions, layout, funcTypes, globals, tables, relocations: Int32Array.from(relocations) };
}

export function portableCode(compiled: CompiledModule): PortableCode {
  const functions = new Int32Array(2 * compiled.functions.length);
  compiled.functions.forEach((f, i) => {
    functions[2 * i] = f.offset;
    functions[2 * i + 1] = f.size;
  });
  return { code: compiled.code, entryOffset: compiled.entryOffset, functions, relocations: compiled.relocations };
}

/**
 * A module from code compiled before, maybe in another process: the code as it is (not copied),
 * with `relocate` to write what depends on the process into its mapping. `ir` needs no function
 * bodies, and no validation: the code was compiled from it. Listings need source marks, which this
 * leaves out.
 */
export function restoreModule(ir: ModuleIR, portable: PortableCode, options: CompileOptions): CompiledModule {
  const { layout, funcTypes, globals, tables } = prepareModule(ir, options.features, false);
  const relocate = (mapped: Uint8Array): void => writeProcessValues(mapped, portable.relocations, ir.types, options.runtimeState);
  const functions = funcTypes.map((type, index) => ({
    index,
    type,
    offset: portable.functions[2 * index]!,
    size: portable.functions[2 * index + 1]!,
    marks: NO_MARKS,
  }));
  return { code: portable.code, entryOffset: portable.entryOffset, functions, layout, funcTypes, globals, tables, relocations: portable.relocations, relocate };
}

function writeProcessValues(code: Uint8Array, relocations: Int32Array, types: readonly FuncType[], runtimeState: bigint): void {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const typeIds = typeIdsOf(types);
  for (let i = 0; i < relocations.length; i += Relocation.fields) {
    const at = relocations[i]!;
    if (relocations[i + 1] === Relocation.typeId) view.setInt32(at, typeIds[relocations[i + 2]!]!, true);
    else view.setBigUint64(at, runtimeState, true);
  }
}

/** This process's canonical id of each type, by type index. */
export const typeIdsOf = (types: readonly FuncType[]): Int32Array => Int32Array.from(types, canonicalTypeId);

/**
 * The index spaces, the module-level validation (all but the function bodies, if `validate`), the
 * context layout and the shape for the function compiler.
 */
export function prepareModule(ir: ModuleIR, features: CpuFeatures, validate: boolean): PreparedModule {
  const funcTypes: FuncType[] = [];
  const globals: GlobalType[] = [];
  const tables: TableType[] = [];
  let memoryCount = ir.memories.length;
  for (const imp of ir.imports) {
    if (imp.kind === 'func') funcTypes.push(imp.type);
    else if (imp.kind === 'global') globals.push(imp.global);
    else if (imp.kind === 'table') tables.push(imp.table);
    else memoryCount++;
  }
  const importedFuncs = funcTypes.length;
  const importedGlobals = globals.length;
  funcTypes.push(...ir.funcs.map((f) => f.type));
  globals.push(...ir.globals.map((g) => g.global));
  tables.push(...ir.tables);
  checkSignatureLimits(funcTypes);
  if (validate) validateModule(ir, { funcTypes, globals, tables, memoryCount, importedGlobals });

  const layout = contextLayout({
    maxParams: Math.max(MAX_RUNTIME_CALL_ARGS, ...funcTypes.map((t) => slotCount(t.params))),
    maxResults: Math.max(0, ...funcTypes.map((t) => slotCount(t.results))),
    importedFuncs,
    tables: tables.length,
    globals: globals.length,
    definedGlobalSlots: slotCount(ir.globals.map((g) => g.global.type)),
    funcs: funcTypes.length,
  });
  const shape: ModuleShape = {
    features,
    layout,
    types: ir.types,
    funcTypes,
    importedFuncs,
    globals,
    tables,
    memory: ir.memories[0] ?? ir.imports.find((i) => i.kind === 'memory')?.limits,
    elemTypes: ir.elems.map((e) => e.type),
    dataCount: ir.dataCount,
    declaredFuncRefs: [...declaredFuncRefs(ir)],
    globalConstants: globalConstants(ir, importedGlobals),
  };
  return { shape, layout, funcTypes, globals, tables };
}

/**
 * The module's own code, the same for an eager and a lazy module: a thunk per import, then the
 * entry trampoline, whose trap exit `exit` is (the chunks' veneers jump there, the site's PC in
 * rdx) and whose `hostExit` the thunks (and a lazy module's stubs) take, with no PC. `relocations` are the trampoline's runtime-state
 * addresses (Relocation triples). Offsets are in `asm`.
 */
export function emitModuleCode(asm: Assembler, prepared: PreparedModule, options: CompileOptions, exit: Label, hostExit = new Label()): { functions: CompiledFunction[]; entryOffset: number; relocations: number[] } {
  const { layout, funcTypes, shape } = prepared;
  const functions: CompiledFunction[] = [];
  for (let index = 0; index < shape.importedFuncs; index++) {
    const offset = asm.offset;
    emitImportThunk(asm, layout, index, slotCount(funcTypes[index]!.params), hostExit);
    functions.push({ index, type: funcTypes[index]!, offset, size: asm.offset - offset, marks: NO_MARKS });
  }
  const entryOffset = asm.offset;
  const stateAt = emitEntryTrampoline(asm, layout, options.runtimeState, exit, hostExit);
  return { functions, entryOffset, relocations: stateAt.flatMap((at) => [at, Relocation.runtimeState, 0]) };
}

/**
 * The module's code: the chunks in order, then its own code (at `ownBase`). A lone chunk's code is
 * a view of a buffer sized for more than it holds: its own code goes into that room and the chunk
 * is not copied (a copy of Go's esbuild.wasm's 29 MB of code next to the 38 MB buffer raised the
 * peak memory of the compile by as much).
 */
function layOut(chunks: readonly CompiledChunk[], own: Uint8Array): { code: Uint8Array; ownBase: number } {
  const ownBase = chunks.reduce((size, chunk) => size + chunk.code.length, 0);
  const size = ownBase + own.length;
  const first = chunks[0]?.code;
  if (chunks.length === 1 && first!.buffer.byteLength - first!.byteOffset >= size) {
    const code = new Uint8Array(first!.buffer, first!.byteOffset, size);
    code.set(own, ownBase);
    return { code, ownBase };
  }
  const code = new Uint8Array(size);
  let base = 0;
  for (const chunk of chunks) {
    code.set(chunk.code, base);
    base += chunk.code.length;
  }
  code.set(own, ownBase);
  return { code, ownBase };
}

/**
 * Points the chunks' calls and exit veneers at their targets in the laid-out code, writes the type
 * ids, and records where each defined function ended up (`functions` has the imports already) and
 * where the type ids are (appended to `processRelocations`).
 */
function link(code: Uint8Array, chunks: readonly CompiledChunk[], exitOffset: number, ir: ModuleIR, functions: CompiledFunction[], processRelocations: number[]): void {
  let base = 0;
  let next = 0;
  for (const chunk of chunks) {
    const records = chunk.functions;
    for (let at = 0; at < records.length; at += ChunkFunction.fields, next++) {
      const func = ir.funcs[next]!;
      const marksStart = records[at + ChunkFunction.marksStart]!;
      const marksEnd = records[at + ChunkFunction.marksEnd]!;
      // A loaded chunk has no marks: no view each (a few thousand functions).
      const marks = marksStart === marksEnd ? NO_MARKS : chunk.marks.subarray(marksStart, marksEnd);
      functions.push({ index: func.index, type: func.type, offset: base + records[at + ChunkFunction.offset]!, size: records[at + ChunkFunction.size]!, marks });
    }
    base += chunk.code.length;
  }
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const typeIds = typeIdsOf(ir.types);
  const offsets = Int32Array.from(functions, (f) => f.offset);
  const targets: LinkTargets = { exitOffset, functionOffset: (index) => offsets[index]! };
  base = 0;
  for (const chunk of chunks) {
    patchRelocations(view, base, chunk, typeIds, targets, processRelocations);
    base += chunk.code.length;
  }
}

/** Where a chunk's calls and exit veneer go, as offsets in the code the chunk is linked into. */
export interface LinkTargets {
  exitOffset: number;
  functionOffset(index: number): number;
}

/**
 * Writes a chunk's relocations, its code being at `base` in `code`: calls and the exit veneer point
 * at their `targets`, type ids are this process's. Where the type ids went is appended to
 * `processRelocations`, when given.
 */
export function patchRelocations(
  code: DataView,
  base: number,
  chunk: CompiledChunk,
  typeIds: Int32Array,
  targets: LinkTargets,
  processRelocations?: number[],
): void {
  const { relocations } = chunk;
  for (let i = 0; i < relocations.length; i += Relocation.fields) {
    const at = base + relocations[i]!;
    const kind = relocations[i + 1]!;
    const index = relocations[i + 2]!;
    if (kind === Relocation.typeId) {
      code.setInt32(at, typeIds[index]!, true);
      processRelocations?.push(at, kind, index);
    } else {
      const target = kind === Relocation.exit ? targets.exitOffset : targets.functionOffset(index);
      code.setInt32(at, target - (at + 4), true);
    }
  }
}

/**
 * `ModuleShape.globalConstants`: an immutable global that the module defines with a numeric constant
 * has that value in every instance, so `global.get` of it is the constant (no load through its cell).
 */
function globalConstants(ir: ModuleIR, importedGlobals: number): Int32Array {
  const constants = new Int32Array(3 * (importedGlobals + ir.globals.length));
  ir.globals.forEach(({ global, init }, i) => {
    if (global.mutable) return;
    const at = 3 * (importedGlobals + i);
    let low: number;
    let high: number;
    if (init.op === 'i32.const' || init.op === 'f32.const') {
      low = (init.op === 'i32.const' ? init.value : init.bits) | 0;
      high = low >> 31;
    } else if (init.op === 'i64.const' || init.op === 'f64.const') {
      const bits = init.op === 'i64.const' ? init.value : init.bits;
      low = Number(BigInt.asIntN(32, bits));
      high = Number(BigInt.asIntN(32, bits >> 32n));
    } else return;
    constants[at] = 1;
    constants[at + 1] = low;
    constants[at + 2] = high;
  });
  return constants;
}

/** Functions referenced outside function bodies (exports, element segments, global initialisers). */
function declaredFuncRefs(ir: ModuleIR): Set<number> {
  const refs = new Set<number>();
  for (const exp of ir.exports) if (exp.kind === 'func') refs.add(exp.index);
  const exprs = [...ir.elems.flatMap((e) => e.items), ...ir.globals.map((g) => g.init)];
  for (const expr of exprs) if (expr.op === 'ref.func') refs.add(expr.index);
  return refs;
}

function checkSignatureLimits(types: FuncType[]): void {
  types.forEach((type, index) => {
    if (type.params.length > MAX_FUNCTION_PARAMS || type.results.length > MAX_FUNCTION_RESULTS) {
      throw new WebAssembly.CompileError(
        `function ${index}: ${type.params.length} params and ${type.results.length} results exceed the limit of ${MAX_FUNCTION_PARAMS}`,
      );
    }
  });
}
