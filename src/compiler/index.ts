// compiler: ModuleIR → x86-64 machine code for every function, a thunk per imported function and
// the entry trampoline, in one buffer (calls inside a module are direct `call rel32`). Functions are
// compiled in chunks (chunk.ts), on worker threads when the module is large (parallel.ts), and
// linked here.
import { Assembler, Label } from '../x64/index.js';
import type { FuncType, GlobalType, ModuleIR, TableType } from '../decode/index.js';
import { contextLayout, MAX_FUNCTION_PARAMS, MAX_FUNCTION_RESULTS, MAX_RUNTIME_CALL_ARGS } from './abi.js';
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
export type { CpuFeatures } from './integer.js';
export { TrapCode, TRAP_MESSAGES } from './traps.js';
export { canonicalTypeId } from './type-ids.js';
export { emitFastEntryTrampoline } from './entry.js';
export { nativeOnlyFunctions } from './native-only.js';
export { formatInstr, PROLOGUE_MARK } from './function.js';
export { parallelStats, startCompileWorkers } from './parallel.js';
export type { SourceMarks } from './function.js';
export { ChunkFunction, Relocation } from './chunk.js';
export type { CompiledChunk } from './chunk.js';

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
  /** Where each chunk starts in `code`, and its relocations: what `asOneChunk` gives an artifact. */
  chunks: Array<{ base: number; relocations: Int32Array }>;
}

export interface CompileOptions {
  features: CpuFeatures;
  /** Address of the process-wide runtime state (RuntimeState layout), embedded in the trampoline. */
  runtimeState: bigint;
}

const NO_MARKS: SourceMarks = new Int32Array(0);

export function compileModule(ir: ModuleIR, options: CompileOptions): CompiledModule {
  const shape = moduleShape(ir, options.features, true);
  return linkModule(ir, shape, compileChunks(shape, ir.funcs), options.runtimeState);
}

/**
 * A module from code compiled before, maybe in another process (`asOneChunk` of its CompiledModule):
 * the module's own code is generated again and the chunk linked after it. `ir` needs no bodies.
 */
export function relinkModule(ir: ModuleIR, chunk: CompiledChunk, options: CompileOptions): CompiledModule {
  // Validated when it was compiled (the artifact's hash says these are the same bytes).
  return linkModule(ir, moduleShape(ir, options.features, false), [chunk], options.runtimeState);
}

/**
 * A compiled module's chunks as one, without the source marks (a listing can have them by compiling
 * again): what an artifact stores.
 */
export function asOneChunk(compiled: CompiledModule): CompiledChunk {
  const base = compiled.chunks[0]?.base ?? compiled.code.length;
  const defined = compiled.functions.filter((f) => f.offset >= base);
  const functions = new Int32Array(ChunkFunction.fields * defined.length);
  defined.forEach((f, i) => {
    functions[ChunkFunction.fields * i + ChunkFunction.offset] = f.offset - base;
    functions[ChunkFunction.fields * i + ChunkFunction.size] = f.size;
  });
  const relocations = new Int32Array(compiled.chunks.reduce((length, c) => length + c.relocations.length, 0));
  let next = 0;
  for (const chunk of compiled.chunks) {
    for (let i = 0; i < chunk.relocations.length; i += Relocation.fields, next += Relocation.fields) {
      relocations[next] = chunk.relocations[i]! + chunk.base - base;
      relocations[next + 1] = chunk.relocations[i + 1]!;
      relocations[next + 2] = chunk.relocations[i + 2]!;
    }
  }
  return { code: compiled.code.subarray(base), functions, marks: NO_MARKS, relocations };
}

/** What compiling and linking need of the module (validated here, all but the function bodies, if `validate`). */
function moduleShape(ir: ModuleIR, features: CpuFeatures, validate: boolean): ModuleShape {
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
    maxParams: Math.max(MAX_RUNTIME_CALL_ARGS, ...funcTypes.map((t) => t.params.length)),
    maxResults: Math.max(0, ...funcTypes.map((t) => t.results.length)),
    importedFuncs,
    tables: tables.length,
    globals: globals.length,
    definedGlobals: ir.globals.length,
    funcs: funcTypes.length,
  });
  return {
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
  };
}

function linkModule(ir: ModuleIR, shape: ModuleShape, chunks: readonly CompiledChunk[], runtimeState: bigint): CompiledModule {
  const { layout, funcTypes, importedFuncs, globals, tables } = shape;
  // The module's own code: a thunk per import, then the entry trampoline; the chunks follow.
  const asm = new Assembler();
  const exit = new Label();
  const functions: CompiledFunction[] = [];
  for (let index = 0; index < importedFuncs; index++) {
    const offset = asm.offset;
    emitImportThunk(asm, layout, index, funcTypes[index]!.params.length, exit);
    functions.push({ index, type: funcTypes[index]!, offset, size: asm.offset - offset, marks: NO_MARKS });
  }
  const entryOffset = asm.offset;
  emitEntryTrampoline(asm, layout, runtimeState, exit);
  const own = asm.finish();
  const code = link(own, chunks, exit.offset, ir, functions);
  let base = own.length;
  const placed = chunks.map(({ code: chunkCode, relocations }) => {
    const chunk = { base, relocations };
    base += chunkCode.length;
    return chunk;
  });
  return { code, entryOffset, functions, layout, funcTypes, globals, tables, chunks: placed };
}

/**
 * Places the chunks after the module's own code, points their calls and exit veneers at their
 * targets, and records where each defined function ended up (`functions` has the imports already).
 */
function link(own: Uint8Array, chunks: readonly CompiledChunk[], exitOffset: number, ir: ModuleIR, functions: CompiledFunction[]): Uint8Array {
  const code = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.code.length, own.length));
  code.set(own);
  let base = own.length;
  let next = 0;
  for (const chunk of chunks) {
    code.set(chunk.code, base);
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
  const view = new DataView(code.buffer);
  const typeIds = Int32Array.from(ir.types, canonicalTypeId);
  const offsets = Int32Array.from(functions, (f) => f.offset);
  base = own.length;
  for (const chunk of chunks) {
    const { relocations } = chunk;
    for (let i = 0; i < relocations.length; i += Relocation.fields) {
      const at = base + relocations[i]!;
      const kind = relocations[i + 1]!;
      const index = relocations[i + 2]!;
      if (kind === Relocation.typeId) view.setInt32(at, typeIds[index]!, true);
      else view.setInt32(at, (kind === Relocation.exit ? exitOffset : offsets[index]!) - (at + 4), true);
    }
    base += chunk.code.length;
  }
  return code;
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
