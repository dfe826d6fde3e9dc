// compiler: ModuleIR → x86-64 machine code for every function, a thunk per imported function, the
// entry trampoline and the trap stubs, in one buffer (calls inside a module are direct `call rel32`).
import { Assembler, Label, Reg, mem } from '../x64/index.js';
import type { Mem } from '../x64/index.js';
import { INSTR_WORDS } from '../decode/index.js';
import type { FuncType, GlobalType, ModuleIR, TableType } from '../decode/index.js';
import { contextLayout, CTX_REG, MAX_FUNCTION_PARAMS, MAX_FUNCTION_RESULTS, MAX_RUNTIME_CALL_ARGS } from './abi.js';
import type { ContextLayout } from './abi.js';
import { emitEntryTrampoline } from './entry.js';
import { FunctionCompiler, FunctionScratch, SourceMarkRecorder } from './function.js';
import type { ModuleEnv, SourceMarks } from './function.js';
import { emitImportThunk } from './host-call.js';
import type { CpuFeatures } from './integer.js';
import { validateModule } from './module-validation.js';
import { ALL_TRAP_CODES, TrapCode } from './traps.js';

export * from './abi.js';
export type { CpuFeatures } from './integer.js';
export { TrapCode, TRAP_MESSAGES } from './traps.js';
export { canonicalTypeId } from './type-ids.js';
export { emitFastEntryTrampoline } from './entry.js';
export { nativeOnlyFunctions } from './native-only.js';
export { formatInstr, PROLOGUE_MARK } from './function.js';
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
  const memory = ir.memories[0] ?? ir.imports.find((i) => i.kind === 'memory')?.limits;
  const instructions = ir.funcs.reduce((count, f) => count + f.body.code.length / INSTR_WORDS, 0);
  // About 10 bytes of code per instruction (generated and hash-wasm modules): sized once, the
  // buffer is not copied again and again while it grows.
  const asm = new Assembler(12 * instructions + 64 * ir.funcs.length + 4096);
  const marks = new SourceMarkRecorder();
  marks.reserve(instructions + ir.funcs.length);
  const exit = new Label();
  const moduleStart = new Label();
  asm.bind(moduleStart);
  const pendingCalls: number[] = [];
  const globalCells: Mem[] = [];
  const trapLabels = new Map(ALL_TRAP_CODES.map((code) => [code, new Label()] as const));
  const env: ModuleEnv = {
    asm,
    features: options.features,
    layout,
    types: ir.types,
    funcLabels: funcTypes.map(() => new Label()),
    funcTypes,
    importedFuncs,
    globals,
    tables,
    memory,
    elemTypes: ir.elems.map((e) => e.type),
    dataCount: ir.dataCount,
    declaredFuncRefs: declaredFuncRefs(ir),
    trap: (code: TrapCode): Label => trapLabels.get(code)!,
    trapExit: exit,
    callFunction: (index) => {
      const label = env.funcLabels[index]!;
      if (label.bound) {
        asm.call(label);
        return;
      }
      // A call to a function not compiled yet: patched at the end, in code order (see the trap stubs).
      asm.call(moduleStart);
      pendingCalls.push(asm.offset - 4, index);
    },
    globalCell: (index) => (globalCells[index] ??= mem(CTX_REG, layout.globalsOffset + 8 * index)),
    marks,
    scratch: new FunctionScratch(asm, options.features, memory, (code) => trapLabels.get(code)!),
  };
  // The trap stubs come first, so that every jump to them is backward: a forward reference would be
  // patched through a chain over the whole code, a cache miss per step.
  for (const [code, label] of trapLabels) {
    asm.bind(label);
    asm.movRI(32, Reg.rax, code);
    asm.jmp(exit);
  }
  const functions: CompiledFunction[] = [];
  const markRanges: number[] = [];
  for (let index = 0; index < importedFuncs; index++) {
    const offset = asm.offset;
    asm.bind(env.funcLabels[index]!);
    emitImportThunk(asm, layout, index, funcTypes[index]!.params.length, exit);
    functions.push({ index, type: funcTypes[index]!, offset, size: asm.offset - offset, marks: NO_MARKS });
  }
  for (const func of ir.funcs) {
    const offset = asm.offset;
    markRanges.push(env.marks.position);
    new FunctionCompiler(env, func).compile();
    markRanges.push(env.marks.position);
    functions.push({ index: func.index, type: func.type, offset, size: asm.offset - offset, marks: NO_MARKS });
  }
  // Views into one buffer: a copy per function (its own ArrayBuffer) costs more than its compile.
  const allMarks = marks.finish();
  for (let i = 0; i < ir.funcs.length; i++) {
    functions[importedFuncs + i]!.marks = allMarks.subarray(markRanges[2 * i], markRanges[2 * i + 1]);
  }
  for (let i = 0; i < pendingCalls.length; i += 2) {
    const at = pendingCalls[i]!;
    asm.patchInt32(at, env.funcLabels[pendingCalls[i + 1]!]!.offset - (at + 4));
  }
  const entryOffset = asm.offset;
  emitEntryTrampoline(asm, layout, options.runtimeState, exit);
  return { code: asm.finish(), entryOffset, functions, layout, funcTypes, globals, tables };
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
