// Bounds checks through guard regions: a guarded memory reserves 8 GiB (+ a guard page) of
// inaccessible address space, which covers `zext(address) + offset + size` for every access (wasm
// offsets are u32), so generated code accesses memory without a check, and an access outside the
// committed size faults. The SIGSEGV/SIGBUS handler below, machine code from our assembler (no JS
// runs in a signal handler), turns such a fault into the `memory access out of bounds` trap: when
// the fault is a real one (si_code > 0), its PC is inside this thread's wasm code and its address
// inside one of this thread's memory reservations, it points the interrupted context's RIP at a
// landing that returns from the innermost entry with TrapCode.MemoryOutOfBounds (as a trap stub
// does: the entry's stack pointer comes from the runtime state) and returns. Every other signal goes
// to the action installed before it, as it would have without wasmjit: an SA_SIGINFO handler (Node's,
// which asks V8's trap handler) is tail-called with the same three arguments, an sa_handler with the
// signal number; SIG_DFL is reinstalled and the signal raised again (it is blocked inside the handler,
// so it arrives on return: the process dies of it, as before); SIG_IGN ignores a signal sent by
// kill() and, for a real fault (which the kernel never lets a process ignore), does as SIG_DFL.
//
// One handler per thread that uses guarded memories (its JS module instance owns the tables): a
// worker's handler is installed above the handlers already there and chains to them. Handlers and
// their tables are never removed or freed (another thread's handler may chain to this one at any
// time); a thread that ends leaves two pages and empty tables behind.
//
// x86-64 glibc layouts, checked with gcc against <signal.h>/<ucontext.h> (offsetof):
// siginfo_t.si_code 8, si_addr 16; ucontext_t.uc_mcontext.gregs[REG_RIP] 168, gregs[REG_RDX] 136;
// struct sigaction is 152 bytes: sa_handler/sa_sigaction 0, sa_mask 8, sa_flags 136, sa_restorer 144.
import { debuglog } from 'node:util';
import koffi from 'koffi';
import { emitEntryExit, emitTrapWalk, TrapCode } from '../compiler/index.js';
import { Alu, Assembler, Cond, Label, Reg, mem } from '../x64/index.js';
import type { Mem } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { dlsym, mmap, munmap, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE, view } from './libc.js';
import { RangeTable } from './signal-table.js';
import { runtimeStateAddress } from './state.js';

const debug = debuglog('wasmjit');

const SIGBUS = 7;
const SIGSEGV = 11;
export const SA_SIGINFO = 4;
export const SA_ONSTACK = 0x0800_0000;
const SIG_IGN = 1;

const SIGINFO_CODE = 8;
const SIGINFO_ADDR = 16;
export const UCONTEXT_RIP = 168;
const UCONTEXT_RDX = 136;
export const SIGACTION_BYTES = 152;
export const SIGACTION_FLAGS = 136;

/** The handler's data page: the two tables' addresses, the actions it chains to, the ones it installs. */
const Data = {
  codeTable: 0,
  reservationTable: 8,
  oldSegv: 32,
  oldBus: 32 + SIGACTION_BYTES,
  defaultAction: 32 + 2 * SIGACTION_BYTES,
  ownAction: 32 + 3 * SIGACTION_BYTES,
} as const;

/** A guarded memory's reservation after its base: 4 GiB of index + 4 GiB of static offset. */
export const GUARDED_RESERVATION_BYTES = 8 * 1024 * 1024 * 1024;

export type BoundsChecks = 'explicit' | 'guard';

/**
 * How generated code checks memory accesses in this thread, decided once: `WASMJIT_BOUNDS_CHECKS`
 * (`explicit` or `guard`), else guard regions where the handler installs and an 8 GiB reservation
 * succeeds. NODE_DEBUG=wasmjit says why explicit checks were chosen.
 */
export function boundsChecks(): BoundsChecks {
  mode ??= decideBoundsChecks();
  return mode;
}

let mode: BoundsChecks | undefined;
let handler: { code: RangeTable; reservations: RangeTable } | undefined;

function decideBoundsChecks(): BoundsChecks {
  const asked = process.env.WASMJIT_BOUNDS_CHECKS ?? '';
  if (asked !== '' && asked !== 'explicit' && asked !== 'guard') {
    throw new Error(`wasmjit: WASMJIT_BOUNDS_CHECKS is '${asked}'; it takes 'explicit' or 'guard'`);
  }
  if (asked === 'explicit') {
    debug('bounds checks: explicit (WASMJIT_BOUNDS_CHECKS=explicit)');
    return 'explicit';
  }
  try {
    const trial = mmap(GUARDED_RESERVATION_BYTES + 2 * PAGE_SIZE, PROT_NONE);
    munmap(trial, GUARDED_RESERVATION_BYTES + 2 * PAGE_SIZE);
  } catch (err) {
    debug('bounds checks: explicit (no room for guard regions: %s)', (err as Error).message);
    return 'explicit';
  }
  try {
    handler = installHandler();
  } catch (err) {
    debug('bounds checks: explicit (the signal handler could not be installed: %s)', (err as Error).message);
    return 'explicit';
  }
  debug('bounds checks: guard regions');
  return 'guard';
}

/**
 * This thread's wasm code `[start, start + size)`, where the handler may take a fault for a trap;
 * returns what removes it (before the code is unmapped). Does nothing without guard regions.
 */
export function registerCode(start: bigint, size: number): () => void {
  return register(handler?.code, start, size);
}

/** A guarded memory's reservation, registered likewise. */
export function registerReservation(start: bigint, size: number): () => void {
  return register(handler?.reservations, start, size);
}

function register(table: RangeTable | undefined, start: bigint, size: number): () => void {
  if (!table) return () => {};
  const slot = table.add(start, start + BigInt(size));
  return () => table.remove(slot);
}

function installHandler(): { code: RangeTable; reservations: RangeTable } {
  const sigaction = dlsym('sigaction');
  const raise = dlsym('raise');
  if (sigaction === undefined || raise === undefined) throw new Error('sigaction or raise not found in the process');
  const dataAddress = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
  const data = new BigInt64Array(view(dataAddress, PAGE_SIZE));
  const publish = (offset: number) => (address: bigint): void => void Atomics.store(data, offset / 8, address);
  const tables = { code: new RangeTable(publish(Data.codeTable)), reservations: new RangeTable(publish(Data.reservationTable)) };

  const page = CodePage.map(emitHandler(dataAddress, sigaction, raise)).name('wasmjit SIGSEGV handler');
  data[Data.ownAction / 8] = page.address;
  new Int32Array(data.buffer, Data.ownAction + SIGACTION_FLAGS, 1)[0] = SA_SIGINFO | SA_ONSTACK;

  const sigactionNative = koffi.decode(sigaction, koffi.proto('int wasmjit_sigaction(int signum, void *act, void *oldact)')) as (signum: number, act: bigint | null, old: bigint | null) => number;
  // The previous actions are read before ours goes in: from the moment it is in, a fault on any
  // thread may chain to them.
  for (const [signal, old] of [[SIGSEGV, Data.oldSegv], [SIGBUS, Data.oldBus]] as const) {
    if (sigactionNative(signal, null, dataAddress + BigInt(old)) !== 0) throw new Error(`sigaction(${signal}) could not be read`);
  }
  for (const signal of [SIGSEGV, SIGBUS]) {
    if (sigactionNative(signal, dataAddress + BigInt(Data.ownAction), null) !== 0) throw new Error(`sigaction(${signal}) could not be installed`);
  }
  return tables;
}

/** `void handler(int signal, siginfo_t *info, ucontext_t *context)`, then the landing. */
function emitHandler(dataAddress: bigint, sigaction: bigint, raise: bigint): Uint8Array {
  const asm = new Assembler();
  const data = Reg.r11;
  const chain = new Label();
  const landing = new Label();
  asm.movabs(data, dataAddress);
  asm.aluRI(Alu.Cmp, 32, mem(Reg.rsi, SIGINFO_CODE), 0);
  asm.jcc(Cond.LE, chain);
  asm.load(64, Reg.r8, mem(Reg.rdx, UCONTEXT_RIP));
  asm.load(64, Reg.r9, mem(Reg.rsi, SIGINFO_ADDR));
  emitFind(asm, mem(data, Data.codeTable), Reg.r8, chain);
  emitFind(asm, mem(data, Data.reservationTable), Reg.r9, chain);
  // The landing records the trap's PC as a trap site's (its return address: one past the access).
  asm.lea(Reg.rax, mem(Reg.r8, 1));
  asm.store(64, mem(Reg.rdx, UCONTEXT_RDX), Reg.rax);
  asm.leaLabel(Reg.rax, landing);
  asm.store(64, mem(Reg.rdx, UCONTEXT_RIP), Reg.rax);
  asm.ret();

  // Not ours: the previous action of this signal, in r10.
  const siginfoHandler = new Label();
  const ignored = new Label();
  const byDefault = new Label();
  asm.bind(chain);
  asm.lea(Reg.r10, mem(data, Data.oldSegv));
  asm.aluRI(Alu.Cmp, 32, Reg.rdi, SIGBUS);
  const segv = new Label();
  asm.jcc(Cond.NE, segv);
  asm.lea(Reg.r10, mem(data, Data.oldBus));
  asm.bind(segv);
  asm.load(32, Reg.rax, mem(Reg.r10, SIGACTION_FLAGS));
  asm.aluRI(Alu.And, 32, Reg.rax, SA_SIGINFO);
  asm.jcc(Cond.NE, siginfoHandler);
  asm.load(64, Reg.rax, mem(Reg.r10, 0));
  asm.aluRI(Alu.Cmp, 64, Reg.rax, SIG_IGN);
  asm.jcc(Cond.E, ignored);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, byDefault);
  asm.jmpReg(Reg.rax);
  asm.bind(siginfoHandler);
  asm.load(64, Reg.rax, mem(Reg.r10, 0));
  asm.jmpReg(Reg.rax);
  asm.bind(ignored);
  asm.aluRI(Alu.Cmp, 32, mem(Reg.rsi, SIGINFO_CODE), 0);
  const fault = new Label();
  asm.jcc(Cond.G, fault);
  asm.ret();
  asm.bind(fault);
  asm.bind(byDefault);
  // One push makes the stack 16-byte aligned for the calls.
  asm.push(Reg.rdi);
  asm.lea(Reg.rsi, mem(data, Data.defaultAction));
  asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx);
  asm.movabs(Reg.rax, sigaction);
  asm.callReg(Reg.rax);
  asm.load(64, Reg.rdi, mem(Reg.rsp, 0));
  asm.movabs(Reg.rax, raise);
  asm.callReg(Reg.rax);
  asm.pop(Reg.rdi);
  asm.ret();

  // Where a trapped access resumes: a trap stub's way out, with this thread's exit.
  asm.bind(landing);
  asm.movRI(32, Reg.rax, TrapCode.MemoryOutOfBounds);
  emitTrapWalk(asm, runtimeStateAddress);
  emitEntryExit(asm, runtimeStateAddress);
  return asm.finish();
}

/** Falls through when `value` is inside a range of the table whose address is at `tableAt`; else jumps to `notFound`. */
function emitFind(asm: Assembler, tableAt: Mem, value: Reg, notFound: Label): void {
  const entry = Reg.rax;
  const left = Reg.rcx;
  const loop = new Label();
  const next = new Label();
  const found = new Label();
  asm.load(64, entry, tableAt);
  asm.load(64, left, mem(entry, 0));
  asm.bind(loop);
  asm.test(64, left, left);
  asm.jcc(Cond.E, notFound);
  asm.aluRI(Alu.Add, 64, entry, 16);
  asm.aluRI(Alu.Sub, 64, left, 1);
  asm.aluRM(Alu.Cmp, 64, value, mem(entry, -8));
  asm.jcc(Cond.B, next);
  asm.aluRM(Alu.Cmp, 64, value, mem(entry, 0));
  asm.jcc(Cond.B, found);
  asm.bind(next);
  asm.jmp(loop);
  asm.bind(found);
}
