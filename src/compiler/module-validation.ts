// Module-level validation (everything outside function bodies, which FunctionCompiler validates).
import type { FuncType, ModuleIR } from '../decode/index.js';

export function validateModule(ir: ModuleIR, funcTypes: readonly FuncType[]): void {
  const names = new Set<string>();
  for (const exp of ir.exports) {
    if (names.has(exp.name)) throw new WebAssembly.CompileError(`duplicate export name "${exp.name}"`);
    names.add(exp.name);
    if (exp.kind === 'func' && funcTypes[exp.index] === undefined) {
      throw new WebAssembly.CompileError(`export "${exp.name}": unknown function ${exp.index}`);
    }
  }
  if (ir.start !== undefined) {
    const type = funcTypes[ir.start];
    if (type === undefined) throw new WebAssembly.CompileError(`start function: unknown function ${ir.start}`);
    if (type.params.length > 0 || type.results.length > 0) {
      throw new WebAssembly.CompileError(`start function ${ir.start} must take no params and return no results`);
    }
  }
}
