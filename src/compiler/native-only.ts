// Which functions stay in native code until they return or trap: no path through direct calls
// reaches an imported function (a host function, or another instance's code), `call_indirect`
// (any function, imported ones included) or an instruction the runtime carries out through a host
// call (RUNTIME_OPS). Only such functions may be entered through V8's Fast API, whose callee must not
// call into JS, allocate on the JS heap or throw.
import { INSTR_WORDS, Opcode, opcodeId } from '../decode/index.js';
import type { ModuleIR } from '../decode/index.js';
import { RUNTIME_OPS } from './runtime-ops.js';

const LEAVES_NATIVE_CODE: ReadonlySet<number> = new Set([Opcode.callIndirect, ...[...RUNTIME_OPS.keys()].map(opcodeId)]);

const importedFuncsOf = (ir: ModuleIR): number => ir.imports.filter((imp) => imp.kind === 'func').length;

/** Whether each function, by index (imports first), is native-only. */
export function nativeOnlyFunctions(ir: ModuleIR): boolean[] {
  const importedFuncs = importedFuncsOf(ir);
  const count = importedFuncs + ir.funcs.length;
  const nativeOnly = new Array<boolean>(count).fill(true);
  const callers: number[][] = Array.from({ length: count }, () => []);
  const leaving: number[] = [];
  for (let index = 0; index < importedFuncs; index++) leaving.push(index);
  for (const func of ir.funcs) {
    const { code } = func.body;
    let leaves = false;
    for (let at = 0; at < code.length; at += INSTR_WORDS) {
      const op = code[at]!;
      if (op === Opcode.call) callers[code[at + 1]! >>> 0]!.push(func.index);
      else if (LEAVES_NATIVE_CODE.has(op)) leaves = true;
    }
    if (leaves) leaving.push(func.index);
  }
  // Whatever calls a function that may leave native code may leave it too.
  for (const index of leaving) nativeOnly[index] = false;
  while (leaving.length > 0) {
    for (const caller of callers[leaving.pop()!]!) {
      if (!nativeOnly[caller]) continue;
      nativeOnly[caller] = false;
      leaving.push(caller);
    }
  }
  return nativeOnly;
}

/**
 * Whether function `index` is native-only, by a walk over what it reaches through direct calls that
 * stops at the first function leaving native code: for a few functions (a lazy module's exports),
 * cheaper than `nativeOnlyFunctions`, which reads every body.
 */
export function isNativeOnlyFunction(ir: ModuleIR, index: number): boolean {
  const importedFuncs = importedFuncsOf(ir);
  const pending = [index];
  const seen = new Set(pending);
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next < importedFuncs) return false;
    const { code } = ir.funcs[next - importedFuncs]!.body;
    for (let at = 0; at < code.length; at += INSTR_WORDS) {
      const op = code[at]!;
      if (op === Opcode.call) {
        const callee = code[at + 1]! >>> 0;
        if (!seen.has(callee)) {
          seen.add(callee);
          pending.push(callee);
        }
      } else if (LEAVES_NATIVE_CODE.has(op)) {
        return false;
      }
    }
  }
  return true;
}
