// Byte offsets in a module's code section, for stack traces (V8 reports a frame's position as the
// byte offset of its instruction from the module's start).
import { instructionOffsets } from './body.js';
import type { FuncType } from './ir.js';
import { Reader } from './reader.js';

const CODE_SECTION = 10;
const HEADER_BYTES = 8;

/**
 * Where each defined function's body starts (at its locals' count, after the size) and where its
 * instructions start, by defined-function index; read from bytes that decoded already.
 */
export class CodeOffsets {
  private readonly bodies: Int32Array;
  private readonly instructions = new Map<number, Int32Array>();

  constructor(
    private readonly wasm: Uint8Array,
    private readonly types: readonly FuncType[],
  ) {
    this.bodies = bodyRanges(wasm);
  }

  /** The byte offset of the body of defined function `defined`: V8's position of its prologue (a stack overflow). */
  bodyStart(defined: number): number {
    return this.bodies[2 * defined]!;
  }

  /** The byte offset of instruction `instruction` of defined function `defined`. */
  instruction(defined: number, instruction: number): number {
    let offsets = this.instructions.get(defined);
    if (!offsets) {
      const reader = new Reader(this.wasm, this.bodies[2 * defined]!, this.bodies[2 * defined + 1]!);
      reader.vec(() => {
        reader.u32('local count');
        reader.u8();
      }, 'local declarations');
      offsets = instructionOffsets(reader, this.types);
      this.instructions.set(defined, offsets);
    }
    return offsets[instruction]!;
  }
}

/** Pairs (start, end) of every function body in the code section. */
function bodyRanges(wasm: Uint8Array): Int32Array {
  const reader = new Reader(wasm, HEADER_BYTES);
  while (!reader.atEnd) {
    const id = reader.u8();
    const size = reader.u32('section size');
    const end = reader.pos + size;
    if (id !== CODE_SECTION) {
      reader.pos = end;
      continue;
    }
    const count = reader.u32('function count');
    const ranges = new Int32Array(2 * count);
    for (let i = 0; i < count; i++) {
      const bodySize = reader.u32('body size');
      ranges[2 * i] = reader.pos;
      ranges[2 * i + 1] = reader.pos + bodySize;
      reader.pos += bodySize;
    }
    return ranges;
  }
  return new Int32Array(0);
}
