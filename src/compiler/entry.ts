// The entry trampoline, System V: `int entry(int slot)`, where the entry slot in the runtime state
// names the context, the function and its argument count (one integer argument keeps koffi's call
// cheap). It saves the callee-saved registers and the previous entry's stack pointer (entries nest
// through host calls), pins the context in r15 and the memory base in r14, pushes the arguments from
// the context's argument area, calls the wasm function and stores result 0 (the others are already
// in the result area). It returns 0, or the trap code when a trap stub jumps to `exit` with the code
// in eax: `exit` restores the stack pointer of the innermost entry, kept in the runtime state.
import { Alu, Assembler, Cond, Label, Reg, Shift, mem, memIndexed } from '../x64/index.js';
import { Ctx, CTX_REG, EntrySlot, MEMORY_BASE_REG, RuntimeState } from './abi.js';
import type { ContextLayout } from './abi.js';

const SAVED = [Reg.rbx, Reg.r12, Reg.r13, Reg.r14, Reg.r15] as const;
const STATE_REG = Reg.r12;

export function emitEntryTrampoline(asm: Assembler, layout: ContextLayout, runtimeState: bigint, exit: Label): void {
  const entrySp = mem(STATE_REG, RuntimeState.entrySp);
  asm.push(Reg.rbp);
  asm.movRR(64, Reg.rbp, Reg.rsp);
  for (const reg of SAVED) asm.push(reg);
  asm.movRI(64, STATE_REG, runtimeState);
  asm.movRR(32, Reg.rdi, Reg.rdi);
  asm.shiftImm(Shift.Shl, 64, Reg.rdi, EntrySlot.sizeLog2);
  asm.lea(Reg.rax, memIndexed(STATE_REG, Reg.rdi, 1, RuntimeState.entries));
  asm.load(64, CTX_REG, mem(Reg.rax, EntrySlot.ctx));
  asm.load(64, Reg.rsi, mem(Reg.rax, EntrySlot.fn));
  asm.load(32, Reg.rdx, mem(Reg.rax, EntrySlot.argCount));
  asm.load(64, MEMORY_BASE_REG, mem(CTX_REG, Ctx.memoryBase));
  asm.pushMem(entrySp);
  asm.store(64, entrySp, Reg.rsp);

  const pushArgs = new Label();
  const call = new Label();
  asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);
  asm.test(32, Reg.rdx, Reg.rdx);
  asm.jcc(Cond.E, call);
  asm.bind(pushArgs);
  asm.pushMem(memIndexed(CTX_REG, Reg.rax, 8, layout.argsOffset));
  asm.aluRI(Alu.Add, 32, Reg.rax, 1);
  asm.aluRR(Alu.Cmp, 32, Reg.rax, Reg.rdx);
  asm.jcc(Cond.B, pushArgs);
  asm.bind(call);
  asm.callReg(Reg.rsi);
  asm.store(64, mem(CTX_REG, Ctx.results), Reg.rax);
  asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);

  asm.bind(exit);
  asm.movRI(64, STATE_REG, runtimeState);
  asm.load(64, Reg.rsp, entrySp);
  asm.popMem(entrySp);
  for (const reg of [...SAVED].reverse()) asm.pop(reg);
  asm.pop(Reg.rbp);
  asm.ret();
}
