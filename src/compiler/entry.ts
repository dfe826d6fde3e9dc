// The entry trampoline, System V: `int entry(int slot)`, where the entry slot in the runtime state
// names the context, the function and its argument count (runtime/koffi-entry.ts reaches it from
// koffi with no argument at all, the slot written to a cell). It saves the callee-saved registers
// and the previous entry's stack pointer (entries nest through host calls), pins the context in r15
// and the memory base in r14, pushes the arguments from the context's argument area, calls the wasm
// function and stores result 0 (the others are already in the result area). It returns 0, or the trap code when a trap stub jumps to `exit` with the code
// in eax: `exit` restores the stack pointer of the innermost entry, kept in the runtime state.
//
// The fast entry, `int fastEntry(int slot)`, is what V8 Fast API calls reach (runtime/fast-calls.ts):
// it runs on the JS thread's own stack instead of koffi's, so it swaps the context's stack limit for
// the one measured on that stack, calls the module's entry trampoline named by the slot, and puts
// the limit back. A trap unwinds through the module's `exit` to the module trampoline, which returns
// to the fast entry like a normal exit: both paths restore the limit. It depends on no module (the
// slot names the module's trampoline), so one copy per isolate (per runtime state) serves them all.
import { Alu, Assembler, Cond, Label, Reg, Shift, mem, memIndexed } from '../x64/index.js';
import { Ctx, CTX_REG, EntrySlot, FAST_ENTRY_NOT_ON_STACK, MEMORY_BASE_REG, RuntimeState } from './abi.js';
import type { ContextLayout } from './abi.js';

const SAVED = [Reg.rbx, Reg.r12, Reg.r13, Reg.r14, Reg.r15] as const;
const STATE_REG = Reg.r12;

/**
 * Binds `trapExit` (a trap stub's way out: the trap code in eax, the site's PC in rdx) and
 * `hostExit` (a thunk's or lazy stub's: the code in eax, no PC of a site). Returns where the
 * runtime state's address is in the code: an artifact's loader writes its own.
 */
export function emitEntryTrampoline(asm: Assembler, layout: ContextLayout, runtimeState: bigint, trapExit: Label, hostExit: Label): number[] {
  const entrySp = mem(STATE_REG, RuntimeState.entrySp);
  asm.push(Reg.rbp);
  asm.movRR(64, Reg.rbp, Reg.rsp);
  for (const reg of SAVED) asm.push(reg);
  const stateAt = [asm.movabs(STATE_REG, runtimeState)];
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
  // Two 32-bit loads per slot rather than one push from memory: JS has just written the slot with a
  // 4-byte (i32, f32) or an 8-byte store, and a load can take its data from a smaller store only if
  // it fits inside it; otherwise it waits for the store to retire (≈ 3 ns per i32 argument).
  asm.load(32, Reg.rcx, memIndexed(CTX_REG, Reg.rax, 8, layout.argsOffset));
  asm.load(32, Reg.r8, memIndexed(CTX_REG, Reg.rax, 8, layout.argsOffset + 4));
  asm.shiftImm(Shift.Shl, 64, Reg.r8, 32);
  asm.aluRR(Alu.Or, 64, Reg.rcx, Reg.r8);
  asm.push(Reg.rcx);
  asm.aluRI(Alu.Add, 32, Reg.rax, 1);
  asm.aluRR(Alu.Cmp, 32, Reg.rax, Reg.rdx);
  asm.jcc(Cond.B, pushArgs);
  asm.bind(call);
  asm.callReg(Reg.rsi);
  asm.store(64, mem(CTX_REG, Ctx.results), Reg.rax);
  asm.aluRR(Alu.Xor, 32, Reg.rax, Reg.rax);

  const exit = new Label();
  asm.bind(exit);
  stateAt.push(emitEntryExit(asm, runtimeState));

  asm.bind(hostExit);
  asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx);
  asm.bind(trapExit);
  stateAt.push(emitTrapWalk(asm, runtimeState));
  asm.jmp(exit);
  return stateAt;
}

/**
 * Records where a trap happened, for stack traces (runtime/stack-trace.ts): the PC in rdx (0 when
 * unknown), then the return address of every wasm frame up the rbp chain — each frame's caller's
 * rbp at [rbp], its return address at [rbp + 8] — up to the innermost entry's, whose frame is above
 * the entry's stack pointer. Keeps eax and rbp; returns where the state's address is in the code.
 */
export function emitTrapWalk(asm: Assembler, runtimeState: bigint): number {
  const frame = Reg.rdi;
  const caller = Reg.r8;
  const count = Reg.rsi;
  const stateAt = asm.movabs(STATE_REG, runtimeState);
  const loop = new Label();
  const done = new Label();
  asm.load(64, Reg.rcx, mem(STATE_REG, RuntimeState.entrySp));
  asm.store(64, mem(STATE_REG, RuntimeState.trapFrames), Reg.rdx);
  asm.movRI(32, count, 1);
  asm.movRR(64, frame, Reg.rbp);
  asm.bind(loop);
  asm.aluRI(Alu.Cmp, 32, count, RuntimeState.maxTrapFrames);
  asm.jcc(Cond.AE, done);
  asm.load(64, caller, mem(frame, 0));
  asm.aluRR(Alu.Cmp, 64, caller, Reg.rcx);
  asm.jcc(Cond.AE, done);
  // Frames only go up the stack: anything else is not a frame of ours.
  asm.aluRR(Alu.Cmp, 64, caller, frame);
  asm.jcc(Cond.BE, done);
  asm.load(64, Reg.rdx, mem(frame, 8));
  asm.store(64, memIndexed(STATE_REG, count, 8, RuntimeState.trapFrames), Reg.rdx);
  asm.aluRI(Alu.Add, 32, count, 1);
  asm.movRR(64, frame, caller);
  asm.jmp(loop);
  asm.bind(done);
  asm.store(64, mem(STATE_REG, RuntimeState.trapFrameCount), count);
  return stateAt;
}

/**
 * Returns from the innermost entry with the status in eax, from any depth of wasm frames: the stack
 * pointer comes from the runtime state. Returns where the state's address is in the code. The signal
 * handler's landing (runtime/signal-handler.ts) ends with the same sequence.
 */
export function emitEntryExit(asm: Assembler, runtimeState: bigint): number {
  const entrySp = mem(STATE_REG, RuntimeState.entrySp);
  const stateAt = asm.movabs(STATE_REG, runtimeState);
  asm.load(64, Reg.rsp, entrySp);
  asm.popMem(entrySp);
  for (const reg of [...SAVED].reverse()) asm.pop(reg);
  asm.pop(Reg.rbp);
  asm.ret();
  return stateAt;
}

/**
 * `int fastEntry(int slot)`. Fast calls nest inside koffi entries (a host function calling an export)
 * and never the other way round: fast-path code cannot reach JS. So the context's limit it replaces
 * is the koffi one or its own, and restoring it on return is enough. An rsp outside the stack span
 * measured for this thread (another stack, or deeper than the limit already) gets
 * FAST_ENTRY_NOT_ON_STACK, and the caller enters through koffi instead.
 */
export function emitFastEntryTrampoline(asm: Assembler, runtimeState: bigint): void {
  const state = Reg.rcx;
  const ctx = Reg.rbx;
  const notOnStack = new Label();
  asm.movRI(64, state, runtimeState);
  asm.movRR(64, Reg.rax, Reg.rsp);
  asm.aluRM(Alu.Sub, 64, Reg.rax, mem(state, RuntimeState.fastStackLimit));
  asm.aluRM(Alu.Cmp, 64, Reg.rax, mem(state, RuntimeState.fastStackSpan));
  asm.jcc(Cond.AE, notOnStack);
  asm.aluRI(Alu.Add, 64, mem(state, RuntimeState.fastEntries), 1);
  asm.push(ctx);
  asm.movRR(32, Reg.rax, Reg.rdi);
  asm.shiftImm(Shift.Shl, 64, Reg.rax, EntrySlot.sizeLog2);
  asm.lea(Reg.rax, memIndexed(state, Reg.rax, 1, RuntimeState.entries));
  asm.load(64, ctx, mem(Reg.rax, EntrySlot.ctx));
  asm.pushMem(mem(ctx, Ctx.stackLimit));
  asm.load(64, Reg.rdx, mem(state, RuntimeState.fastStackLimit));
  asm.store(64, mem(ctx, Ctx.stackLimit), Reg.rdx);
  // Two pushes after the return address: 8 more bytes keep the call 16-byte aligned.
  asm.lea(Reg.rsp, mem(Reg.rsp, -8));
  asm.load(64, Reg.rax, mem(Reg.rax, EntrySlot.entry));
  asm.callReg(Reg.rax);
  asm.lea(Reg.rsp, mem(Reg.rsp, 8));
  asm.popMem(mem(ctx, Ctx.stackLimit));
  asm.pop(ctx);
  asm.ret();

  asm.bind(notOnStack);
  asm.movRI(32, Reg.rax, FAST_ENTRY_NOT_ON_STACK);
  asm.ret();
}
