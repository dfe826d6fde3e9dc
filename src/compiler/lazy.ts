// Lazy compilation, the compiler's side. A lazy module is decoded and validated whole up front (the
// function compiler in validate-only mode: the same rules, no code), and its own code gets, in place
// of each defined function, a stub `mov eax, index; jmp common`. Every instance's function record
// for the function points at its stub until the function is compiled (runtime/lazy-code.ts).
//
// The common stub runs with the callee's context in r15 and the caller's arguments on the stack, as
// the function itself would. It first reads the function's record in that context: a record that
// points past the stubs names compiled code (an entry or import slot made before the compile still
// names the stub), and the stub jumps there. Otherwise it checks the stack, then compiles through the
// host call RuntimeCall.CompileFunction (keeping, as every host call does, the local registers
// System V does not preserve), which returns the code's address, and jumps to it.
//
// A first call compiles a batch as one chunk (chunk.ts): the function and those of its direct callees
// not compiled yet, within a budget (runtime/lazy-code.ts). Calls to functions compiled already, to
// the batch's own and to import thunks are `call rel32` (the runtime places the code after the
// module's own code, within reach); calls to functions not compiled yet go through the callee's
// record in the caller's context, `call [r15 + record.code]`, which the runtime points at the code
// once compiled.
import { Alu, Assembler, Cond, Label, Reg, Shift, mem, memIndexed } from '../x64/index.js';
import type { Func, ModuleIR } from '../decode/index.js';
import { CALLER_SAVED_LOCAL_GPRS, Ctx, CTX_REG, FuncRecord, LOCAL_XMMS, RuntimeCall } from './abi.js';
import { compileChunk, declaredFuncRefsOf } from './chunk.js';
import type { CompiledChunk, ModuleShape } from './chunk.js';
import { FunctionCompiler, FunctionScratch, SourceMarkRecorder } from './function.js';
import type { ModuleEnv } from './function.js';
import { emitHostCallKeeping } from './host-call.js';
import { emitModuleCode, NO_MARKS, prepareModule, typeIdsOf } from './index.js';
import type { CompiledFunction, CompiledModule, CompileOptions } from './index.js';
import { TrapCode } from './traps.js';

/** A lazy module: its own code with the stubs, and what compiling one of its functions later needs. */
export interface LazyCompiledModule {
  /** `functions` gives each defined function's stub. */
  compiled: CompiledModule;
  shape: ModuleShape;
  /** Offset of the entry trampoline's exit, where a compiled function's trap veneer jumps. */
  exitOffset: number;
  /** This process's canonical type ids, by type index, which call_indirect compares. */
  typeIds: Int32Array;
}

/**
 * Stack the common stub needs below the caller's frame before its host call (its saved registers
 * and alignment): the same guarantee a prologue's check gives, the runtime's reserve below the limit.
 */
const STUB_STACK_BYTES = 128;

export function compileLazyModule(ir: ModuleIR, options: CompileOptions): LazyCompiledModule {
  const prepared = prepareModule(ir, options.features, true);
  validateFunctions(prepared.shape, ir.funcs);
  const asm = new Assembler(1024 + 16 * ir.funcs.length);
  const exit = new Label();
  const hostExit = new Label();
  const { functions, entryOffset, relocations } = emitModuleCode(asm, prepared, options, exit, hostExit);
  for (const stub of emitStubs(asm, prepared.shape, ir.funcs, hostExit)) functions.push(stub);
  const { layout, funcTypes, globals, tables } = prepared;
  const compiled = { code: asm.finish(), entryOffset, functions, layout, funcTypes, globals, tables, relocations: Int32Array.from(relocations) };
  return { compiled, shape: prepared.shape, exitOffset: exit.offset, typeIds: typeIdsOf(ir.types) };
}

/** Validates every function body without generating code; the first invalid one throws its CompileError. */
export function validateFunctions(shape: ModuleShape, funcs: readonly Func[]): void {
  const asm = new Assembler(64);
  const noLabel = new Label();
  const trap = (): Label => noLabel;
  const env: ModuleEnv = {
    ...shape,
    declaredFuncRefs: declaredFuncRefsOf(shape),
    asm,
    trap,
    emitTrapSites: () => {},
    callFunction: () => {
      throw new Error('wasmjit: validation emitted a call');
    },
    typeIdAt: () => {
      throw new Error('wasmjit: validation emitted a type check');
    },
    globalCell: (index) => mem(CTX_REG, shape.layout.globalsOffset + 8 * index),
    marks: new SourceMarkRecorder(),
    scratch: new FunctionScratch(asm, shape.features, shape.memory, trap),
  };
  for (const func of funcs) new FunctionCompiler(env, func, false).compile();
}

/**
 * Compiles functions of a lazy module as one chunk: calls to defined functions outside the chunk
 * that `isCompiled` denies go through their records, the others are linked directly.
 */
export function compileLazyFunctions(shape: ModuleShape, funcs: readonly Func[], isCompiled: (index: number) => boolean): CompiledChunk {
  const inChunk = new Set(funcs.map((func) => func.index));
  return compileChunk(shape, funcs, (index) => index >= shape.importedFuncs && !inChunk.has(index) && !isCompiled(index));
}

function emitStubs(asm: Assembler, shape: ModuleShape, funcs: readonly Func[], exit: Label): CompiledFunction[] {
  const { layout } = shape;
  const common = new Label();
  const stubsEnd = new Label();
  const compile = new Label();
  const overflow = new Label();
  asm.bind(common);
  if (FuncRecord.size !== 1 << 5) throw new Error('FuncRecord.size must be 32 for the stub');
  asm.movRR(32, Reg.rcx, Reg.rax);
  asm.shiftImm(Shift.Shl, 64, Reg.rcx, 5);
  asm.load(64, Reg.rcx, memIndexed(CTX_REG, Reg.rcx, 1, layout.funcRecordsOffset + FuncRecord.code));
  asm.leaLabel(Reg.rdx, stubsEnd);
  asm.aluRR(Alu.Cmp, 64, Reg.rcx, Reg.rdx);
  asm.jcc(Cond.B, compile);
  asm.jmpReg(Reg.rcx);
  asm.bind(compile);
  asm.lea(Reg.rcx, mem(Reg.rsp, -STUB_STACK_BYTES));
  asm.aluRM(Alu.Cmp, 64, Reg.rcx, mem(CTX_REG, Ctx.stackLimit));
  asm.jcc(Cond.B, overflow);
  asm.store(64, mem(CTX_REG, layout.argsOffset), Reg.rax);
  emitHostCallKeeping(asm, RuntimeCall.CompileFunction, exit, CALLER_SAVED_LOCAL_GPRS, LOCAL_XMMS);
  asm.load(64, Reg.rax, mem(CTX_REG, Ctx.results));
  asm.jmpReg(Reg.rax);
  asm.bind(overflow);
  asm.movRI(32, Reg.rax, TrapCode.StackOverflow);
  asm.jmp(exit);

  const stubs = funcs.map((func): CompiledFunction => {
    const offset = asm.offset;
    asm.movRI(32, Reg.rax, func.index);
    asm.jmp(common);
    return { index: func.index, type: func.type, offset, size: asm.offset - offset, marks: NO_MARKS };
  });
  asm.bind(stubsEnd);
  return stubs;
}
