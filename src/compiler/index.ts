// compiler: ModuleIR → x86-64 machine code for every function, a thunk per imported function and
// the entry trampoline, in one buffer (calls inside a module are direct `call rel32`). Functions are
// compiled in chunks (chunk.ts), on worker threads when the module is large (parallel.ts), and
// linked here.
import { Assembler, Label } from '../x64/index.js';
import type { FuncType, GlobalType, ModuleIR, TableType } from '../decode/index.js';
import { contextLayout, MAX_FUNCTION_PARAMS, MAX_FUNCTION_RESULTS, MAX_RUNTIME_CALL_ARGS } from './abi.js';
import type { ContextLayout } from './abi.js';
import { ChunkFunction, EXIT_TARGET } from './chunk.js';
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
}

export interface CompileOptions {
  features: CpuFeatures;
  /** Address of the process-wide runtime state (RuntimeState layout), embedded in the trampoline. */
  runtimeState: bigint;
}

const NO_MARKS: SourceMarks = new Int32Array(0);

export function compileModule(ir: ModuleIR, options: CompileOptions): CompiledModule {
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
  validateModule(ir, { funcTypes, globals, tables, memoryCount, importedGlobals });

  const layout = contextLayout({
    maxParams: Math.max(MAX_RUNTIME_CALL_ARGS, ...funcTypes.map((t) => t.params.length)),
    maxResults: Math.max(0, ...funcTypes.map((t) => t.results.length)),
    importedFuncs,
    tables: tables.length,
    globals: globals.length,
    definedGlobals: ir.globals.length,
    funcs: funcTypes.length,
  });
  const shape: ModuleShape = {
    features: options.features,
    layout,
    types: ir.types,
    typeIds: ir.types.map(canonicalTypeId),
    funcTypes,
    importedFuncs,
    globals,
    tables,
    memory: ir.memories[0] ?? ir.imports.find((i) => i.kind === 'memory')?.limits,
    elemTypes: ir.elems.map((e) => e.type),
    dataCount: ir.dataCount,
    declaredFuncRefs: [...declaredFuncRefs(ir)],
  };
  const chunks = compileChunks(shape, ir.funcs);

  // The module's own code: a thunk per import, then the entry trampoline. It goes after the chunks,
  // into the room a lone chunk's buffer has left (see `layOut`).
  const asm = new Assembler();
  const exit = new Label();
  const thunks: { offset: number; size: number }[] = [];
  for (let index = 0; index < importedFuncs; index++) {
    const offset = asm.offset;
    emitImportThunk(asm, layout, index, funcTypes[index]!.params.length, exit);
    thunks.push({ offset, size: asm.offset - offset });
  }
  const entryOffset = asm.offset;
  emitEntryTrampoline(asm, layout, options.runtimeState, exit);
  const { code, ownBase } = layOut(chunks, asm.finish());
  const functions: CompiledFunction[] = thunks.map(({ offset, size }, index) => ({ index, type: funcTypes[index]!, offset: ownBase + offset, size, marks: NO_MARKS }));
  link(code, chunks, ownBase + exit.offset, ir, functions);
  return { code, entryOffset: ownBase + entryOffset, functions, layout, funcTypes, globals, tables };
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
 * Points the chunks' calls and exit veneers at their targets in the laid-out code, and records where
 * each defined function ended up (`functions` has the imports already).
 */
function link(code: Uint8Array, chunks: readonly CompiledChunk[], exitOffset: number, ir: ModuleIR, functions: CompiledFunction[]): void {
  let base = 0;
  let next = 0;
  for (const chunk of chunks) {
    const records = chunk.functions;
    for (let at = 0; at < records.length; at += ChunkFunction.fields, next++) {
      const func = ir.funcs[next]!;
      const marks = chunk.marks.subarray(records[at + ChunkFunction.marksStart], records[at + ChunkFunction.marksEnd]);
      functions.push({ index: func.index, type: func.type, offset: base + records[at + ChunkFunction.offset]!, size: records[at + ChunkFunction.size]!, marks });
    }
    base += chunk.code.length;
  }
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  base = 0;
  for (const chunk of chunks) {
    const { relocations } = chunk;
    for (let i = 0; i < relocations.length; i += 2) {
      const at = base + relocations[i]!;
      const target = relocations[i + 1]!;
      const targetOffset = target === EXIT_TARGET ? exitOffset : functions[target]!.offset;
      view.setInt32(at, targetOffset - (at + 4), true);
    }
    base += chunk.code.length;
  }
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
