// Calls out of generated code: into the runtime's host-call callback (System V, 16-byte aligned
// stack) and through the thunks that stand for imported functions.
import { Alu, Assembler, Cond, Label, Reg, Xmm, mem } from '../x64/index.js';
import { CALLER_SAVED_LOCAL_GPRS, Ctx, CTX_REG, ImportSlot, LOCAL_XMMS, MEMORY_BASE_REG } from './abi.js';
import type { ContextLayout } from './abi.js';

/**
 * `hostCall(ctx, index)` with the arguments already in the context's argument area; the results
 * come back in its result area. A non-zero return is a trap code: unwind through the entry's exit.
 */
function emitHostCall(asm: Assembler, index: number, trapExit: Label): void {
  // Align the stack to 16 bytes with the old rsp saved on it (no register survives a host call
  // that we could keep it in without saving that register too).
  asm.movRR(64, Reg.rax, Reg.rsp);
  asm.aluRI(Alu.And, 64, Reg.rsp, -16);
  asm.lea(Reg.rsp, mem(Reg.rsp, -8));
  asm.push(Reg.rax);
  asm.movRR(64, Reg.rdi, CTX_REG);
  asm.movRI(32, Reg.rsi, index);
  asm.load(64, Reg.rax, mem(CTX_REG, Ctx.hostCall));
  asm.callReg(Reg.rax);
  asm.pop(Reg.rsp);
  asm.test(32, Reg.rax, Reg.rax);
  asm.jcc(Cond.NE, trapExit);
}

/** A host call that keeps the given registers (ours, which System V lets the host clobber). */
export function emitHostCallKeeping(asm: Assembler, index: number, trapExit: Label, gprs: readonly Reg[], xmms: readonly Xmm[]): void {
  for (const reg of gprs) asm.push(reg);
  // Whole registers: they may hold v128 locals.
  if (xmms.length > 0) asm.lea(Reg.rsp, mem(Reg.rsp, -16 * xmms.length));
  xmms.forEach((reg, i) => asm.storeV128(mem(Reg.rsp, 16 * i), reg));
  emitHostCall(asm, index, trapExit);
  xmms.forEach((reg, i) => asm.loadV128(reg, mem(Reg.rsp, 16 * i)));
  if (xmms.length > 0) asm.lea(Reg.rsp, mem(Reg.rsp, 16 * xmms.length));
  for (const reg of [...gprs].reverse()) asm.pop(reg);
}

/**
 * The function that stands for imported function `index` (wasm calling convention). A wasm callee
 * from another instance is entered directly with its own context (a tail jump: it returns to our
 * caller, who restores r15); a host function gets its arguments copied to the context and is
 * called through hostCall.
 */
export function emitImportThunk(
  asm: Assembler,
  layout: ContextLayout,
  index: number,
  paramSlots: number,
  trapExit: Label,
): void {
  const slot = layout.importsOffset + ImportSlot.size * index;
  const host = new Label();
  asm.load(64, Reg.rax, mem(CTX_REG, slot + ImportSlot.ctx));
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, host);
  asm.load(64, Reg.rcx, mem(CTX_REG, slot + ImportSlot.code));
  asm.movRR(64, CTX_REG, Reg.rax);
  asm.load(64, MEMORY_BASE_REG, mem(CTX_REG, Ctx.memoryBase));
  asm.jmpReg(Reg.rcx);

  asm.bind(host);
  asm.push(Reg.rbp);
  asm.movRR(64, Reg.rbp, Reg.rsp);
  // Slot by slot (a v128 takes two; a host function with one is refused before it runs).
  for (let i = 0; i < paramSlots; i++) {
    asm.load(64, Reg.rax, mem(Reg.rbp, 16 + 8 * (paramSlots - 1 - i)));
    asm.store(64, mem(CTX_REG, layout.argsOffset + 8 * i), Reg.rax);
  }
  emitHostCallKeeping(asm, index, trapExit, CALLER_SAVED_LOCAL_GPRS, LOCAL_XMMS);
  asm.load(64, Reg.rax, mem(CTX_REG, Ctx.results));
  asm.leave();
  asm.ret(8 * paramSlots);
}
