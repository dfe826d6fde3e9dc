// Entering wasm through koffi: one `int enter(void)` per isolate that reads the entry slot from a
// cell JS has just written and jumps to that slot's module trampoline (`int entry(int slot)`, which
// returns to koffi). koffi calls a function without arguments about 6 ns faster than one taking an
// int (koffi 3.3.4, a trivial function: 17 against 23 ns on Node 20, 22 and 24), and the slot only
// serves to find the trampoline. Calls nest (a host function calling an export), but the cell is
// read before anything else can run, so one cell serves them all.
import koffi from 'koffi';
import { EntrySlot, RuntimeState } from '../compiler/index.js';
import { Assembler, Reg, Shift, mem, memIndexed } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { mmap, PAGE_SIZE, PROT_READ, PROT_WRITE, view } from './libc.js';
import { runtimeStateAddress } from './state.js';

const slotCellAddress = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
/** Written as 4 bytes and read as 4 bytes: the load takes its value straight from the store. */
const slotCell = new Int32Array(view(slotCellAddress, Int32Array.BYTES_PER_ELEMENT));

function emitEnter(): CodePage {
  const asm = new Assembler();
  asm.movRI(64, Reg.rax, slotCellAddress);
  asm.load(32, Reg.rdi, mem(Reg.rax, 0));
  asm.movRR(32, Reg.rax, Reg.rdi);
  asm.shiftImm(Shift.Shl, 64, Reg.rax, EntrySlot.sizeLog2);
  asm.movRI(64, Reg.rcx, runtimeStateAddress);
  asm.load(64, Reg.rax, memIndexed(Reg.rcx, Reg.rax, 1, RuntimeState.entries + EntrySlot.entry));
  asm.jmpReg(Reg.rax);
  return CodePage.map(asm.finish()).name('wasmjit koffi entry');
}

// Permanent, like the runtime state it reads.
const enter = koffi.decode(emitEnter().address, koffi.proto('int wasmjit_enter(void)')) as () => number;

/** Calls the function of entry slot `slot` through koffi: 0, or the trap code. */
export function enterThroughKoffi(slot: number): number {
  slotCell[0] = slot;
  return enter();
}
