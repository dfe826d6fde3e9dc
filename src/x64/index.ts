// x64: the x86-64 assembler (registers, encodings, labels and fixups) and the disassembler used for listings.
export { Assembler, Label, Alu, Shift, Unary, BitOp, SseArith, SseLogic, RoundMode, ripMem } from './assembler.js';
export { FloatCompare, MoveMask, SSE_FEATURE_NAMES, SseImmOp, SseOp, SseShiftImm, laneFeature, sseFeature } from './sse-ops.js';
export type { LaneBits, SseFeature } from './sse-ops.js';
export { Reg, Xmm, Cond, invert, mem, memIndexed, regName } from './registers.js';
export type { FloatBits, Mem, Width } from './registers.js';
