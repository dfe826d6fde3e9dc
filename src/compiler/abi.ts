// The native conventions shared by generated code and the runtime.
//
// Pinned registers (never used as scratch by generated code):
//   r15 = the instance context (below), rbp = the current wasm frame.
// Frame of a wasm function with P params and L declared locals, operand stack depth D:
//   [rbp + 16 + 8*(P-1-i)]  param i        (pushed by the caller, popped by the callee's `ret 8*P`)
//   [rbp + 8]               return address
//   [rbp]                   caller's rbp
//   [rbp - 8*(j+1)]         declared local j (zeroed in the prologue)
//   [rbp - 8*(L+k+1)]       operand stack slot k; rsp points at slot D-1
// Every value occupies one 8-byte slot. An i32 lives in the low half; the high half is undefined,
// so every consumer of an i32 uses 32-bit operations (or zero-extends explicitly).
// Results: result 0 in rax, results 1.. in the context's result area; the caller pushes them.
import { Reg } from '../x64/index.js';

export const CTX_REG = Reg.r15;

/** Byte offsets of the fields of the instance context, a page of native memory per instance. */
export const Ctx = {
  /** rsp of the innermost entry trampoline: a trap unwinds to it. */
  entrySp: 0,
  /** Lowest rsp a function may use (frame included) before it traps with stack exhaustion. */
  stackLimit: 8,
  /** Result area: result i of an entry or a call at `results + 8*i`. */
  results: 64,
} as const;

/** Native stack one outermost entry may use; koffi runs native code on its own 2 MiB stack. */
export const STACK_BUDGET = 1024 * 1024;

/** V8's limits, so that the same modules are accepted and refused. */
export const MAX_FUNCTION_PARAMS = 1000;
export const MAX_FUNCTION_RESULTS = 1000;
export const MAX_FUNCTION_LOCALS = 50_000;

/** Layout of one module's context: the argument area follows the result area. */
export interface ContextLayout {
  argsOffset: number;
  size: number;
}

export function contextLayout(maxParams: number, maxResults: number): ContextLayout {
  const argsOffset = Ctx.results + 8 * Math.max(1, maxResults);
  return { argsOffset, size: argsOffset + 8 * Math.max(1, maxParams) };
}
