// x64: the x86-64 assembler (registers, encodings, labels and fixups) and the disassembler used for listings.
export { Assembler, Label, Alu, Shift, Unary, BitOp } from './assembler.js';
export { Reg, Cond, invert, mem, regName } from './registers.js';
export type { Mem, Width } from './registers.js';
