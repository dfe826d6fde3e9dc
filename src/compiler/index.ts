// compiler: ModuleIR → x86-64 machine code for every function, the entry trampoline and the trap
// stubs, in one buffer (calls between functions are direct `call rel32`).
import { Assembler, Label, Reg } from '../x64/index.js';
import type { FuncType, ModuleIR } from '../decode/index.js';
import { contextLayout, MAX_FUNCTION_PARAMS, MAX_FUNCTION_RESULTS } from './abi.js';
import type { ContextLayout } from './abi.js';
import { emitEntryTrampoline } from './entry.js';
import { FunctionCompiler } from './function.js';
import { validateModule } from './module-validation.js';
import type { SourceMark } from './function.js';
import type { CpuFeatures } from './integer.js';
import { ALL_TRAP_CODES, TrapCode } from './traps.js';

export { Ctx, CTX_REG, contextLayout } from './abi.js';
export type { ContextLayout } from './abi.js';
export { BASELINE_X64 } from './integer.js';
export type { CpuFeatures } from './integer.js';
export { TrapCode, TRAP_MESSAGES } from './traps.js';
export type { SourceMark } from './function.js';

export interface CompiledFunction {
  index: number;
  type: FuncType;
  /** Offset of the function's first byte in the module's code. */
  offset: number;
  size: number;
  marks: SourceMark[];
}

export interface CompiledModule {
  code: Uint8Array;
  entryOffset: number;
  functions: CompiledFunction[];
  layout: ContextLayout;
}

export interface CompileOptions {
  features: CpuFeatures;
}

export function compileModule(ir: ModuleIR, options: CompileOptions): CompiledModule {
  if (ir.unsupported.length > 0) {
    throw new WebAssembly.CompileError(`unsupported feature: ${ir.unsupported[0]} (not supported by this version of wasmjit)`);
  }
  if (ir.imports.length > 0) {
    const first = ir.imports[0]!;
    throw new WebAssembly.CompileError(`unsupported feature: function import ${first.module}.${first.name} (not supported by this version of wasmjit)`);
  }
  const funcTypes = [...ir.imports.map((i) => i.type), ...ir.funcs.map((f) => f.type)];
  checkSignatureLimits(funcTypes);
  validateModule(ir, funcTypes);
  const asm = new Assembler();
  const trapLabels = new Map(ALL_TRAP_CODES.map((code) => [code, new Label()] as const));
  const env = {
    asm,
    features: options.features,
    funcLabels: funcTypes.map(() => new Label()),
    funcTypes,
    trap: (code: TrapCode): Label => trapLabels.get(code)!,
  };
  const functions: CompiledFunction[] = ir.funcs.map((func) => {
    const offset = asm.offset;
    const compiler = new FunctionCompiler(env, func);
    compiler.compile();
    return { index: func.index, type: func.type, offset, size: asm.offset - offset, marks: compiler.marks };
  });
  const layout = contextLayout(
    Math.max(0, ...funcTypes.map((t) => t.params.length)),
    Math.max(0, ...funcTypes.map((t) => t.results.length)),
  );
  const exit = new Label();
  for (const [code, label] of trapLabels) {
    asm.bind(label);
    asm.movRI(32, Reg.rax, code);
    asm.jmp(exit);
  }
  const entryOffset = asm.offset;
  emitEntryTrampoline(asm, layout, exit);
  return { code: asm.finish(), entryOffset, functions, layout };
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
