// Conversions between JS values and 8-byte value slots (arguments, results, global cells), with
// the JS API's semantics: typed-array stores apply ToInt32, ToBigInt64, Math.fround and ToNumber,
// and throw exactly the errors V8 throws for bad values.
import type { ValType } from '../decode/index.js';

/** Typed views over one block of native memory, indexed in 8-byte slots. */
export interface SlotViews {
  int32: Int32Array;
  int64: BigInt64Array;
  float32: Float32Array;
  float64: Float64Array;
}

export function slotViews(buffer: ArrayBuffer): SlotViews {
  return {
    int32: new Int32Array(buffer),
    int64: new BigInt64Array(buffer),
    float32: new Float32Array(buffer),
    float64: new Float64Array(buffer),
  };
}

export type SlotWriter = (views: SlotViews, slot: number, value: unknown) => void;
export type SlotReader = (views: SlotViews, slot: number) => unknown;

const WRITERS: Partial<Record<ValType, SlotWriter>> = {
  i32: (v, slot, value) => {
    v.int32[2 * slot] = value as number;
  },
  i64: (v, slot, value) => {
    v.int64[slot] = value as bigint;
  },
  f32: (v, slot, value) => {
    v.float32[2 * slot] = value as number;
  },
  f64: (v, slot, value) => {
    v.float64[slot] = value as number;
  },
};

const READERS: Partial<Record<ValType, SlotReader>> = {
  i32: (v, slot) => v.int32[2 * slot],
  i64: (v, slot) => v.int64[slot],
  f32: (v, slot) => v.float32[2 * slot],
  f64: (v, slot) => v.float64[slot],
};

function unsupported(type: ValType): never {
  throw new WebAssembly.CompileError(`unsupported feature: ${type} values crossing the JS boundary (not supported by this version of wasmjit)`);
}

export function slotWriter(type: ValType): SlotWriter {
  return WRITERS[type] ?? unsupported(type);
}

export function slotReader(type: ValType): SlotReader {
  return READERS[type] ?? unsupported(type);
}
