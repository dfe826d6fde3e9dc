// The code ranges of this thread's modules: which module a PC is in, for stack traces. Looked up
// only when a trap or a host exception is turned into an error, so a short list scanned in order
// is enough; a range is removed before its code is unmapped (see Module's lifetime).
import type { WasmFrame } from './stack-trace.js';

/** What a range's owner says of a PC `offset` bytes into the range (a return address: one past its instruction). */
export type FrameAt = (offset: number) => WasmFrame | undefined;

interface CodeRange {
  start: bigint;
  end: bigint;
  frameAt: FrameAt;
}

const ranges = new Set<CodeRange>();

/** Registers `[start, start + size)`; returns what removes it. */
export function registerCodeRange(start: bigint, size: number, frameAt: FrameAt): () => void {
  const range = { start, end: start + BigInt(size), frameAt };
  ranges.add(range);
  return () => void ranges.delete(range);
}

/** The wasm frame of PC `pc`, if it is in a wasm function of a registered range. */
export function frameAtPc(pc: bigint): WasmFrame | undefined {
  for (const range of ranges) {
    if (pc > range.start && pc <= range.end) return range.frameAt(Number(pc - range.start));
  }
  return undefined;
}
