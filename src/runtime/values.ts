// Conversions between JS values and 8-byte value slots (arguments, results, global cells, table
// entries), with the JS API's semantics: typed-array stores apply ToInt32, ToBigInt64, Math.fround
// and ToNumber, and throw exactly the errors V8 throws for bad values; references go through the
// record and handle registries.
import type { RefType, ValType } from '../decode/index.js';
import { wasmFunctionRef } from './functions.js';
import type { Lifetime } from './lifetime.js';
import { externHandle, externValue, functionForRecord } from './references.js';
import { quietensSignallingF64 } from './v8-conversions.js';

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

export const isReference = (type: ValType): type is RefType => type === 'funcref' || type === 'externref';

export type SlotWriter = (views: SlotViews, slot: number, value: unknown) => void;
export type SlotReader = (views: SlotViews, slot: number) => unknown;

/**
 * The reference value (bits) of a JS value for a funcref or externref slot. A function stored where
 * `holder`'s native code can reach it ties the function's instance to `holder`'s lifetime.
 */
export function referenceBits(type: 'funcref' | 'externref', value: unknown, holder?: Lifetime, context?: string, suffix = ''): bigint {
  if (type === 'externref') return externHandle(value);
  if (value === null) return 0n;
  const ref = wasmFunctionRef(value);
  if (!ref) {
    throw new TypeError(
      context ? `${context}function-typed object must be null (if nullable) or a Wasm function object${suffix}` : 'type incompatibility when transforming from/to JS',
    );
  }
  holder?.join(ref.owner);
  return ref.record;
}

export function referenceValue(type: 'funcref' | 'externref', bits: bigint): unknown {
  return type === 'externref' ? externValue(bits) : functionForRecord(bits);
}

/** What V8 throws when JS would have to pass or take a v128. */
export const JS_INCOMPATIBLE = 'type incompatibility when transforming from/to JS';

const refuseV128 = (): never => {
  throw new TypeError(JS_INCOMPATIBLE);
};

export function slotWriter(type: ValType, holder?: Lifetime): SlotWriter {
  switch (type) {
    case 'v128':
      return refuseV128;
    case 'i32':
      return (v, slot, value) => {
        v.int32[2 * slot] = value as number;
      };
    case 'i64':
      return (v, slot, value) => {
        v.int64[slot] = value as bigint;
      };
    case 'f32':
      return (v, slot, value) => {
        v.float32[2 * slot] = value as number;
      };
    case 'f64':
      return (v, slot, value) => {
        v.float64[slot] = value as number;
      };
    default:
      return (v, slot, value) => {
        v.int64[slot] = referenceBits(type, value, holder);
      };
  }
}

/** The quiet bit of an f64 NaN, in the slot's upper 32 bits. */
const F64_QUIET_BIT = 0x80000;

/** Writes an f64 as `slotWriter` does, a signalling NaN quietened. */
const quietF64Writer: SlotWriter = (v, slot, value) => {
  v.float64[slot] = value as number;
  if (Number.isNaN(v.float64[slot])) v.int32[2 * slot + 1]! |= F64_QUIET_BIT;
};

/** The writer for an export's argument: `slotWriter`, quietening f64 signalling NaNs where V8 does. */
export function argumentWriter(type: ValType, holder?: Lifetime): SlotWriter {
  return type === 'f64' && quietensSignallingF64().argument ? quietF64Writer : slotWriter(type, holder);
}

/** The writer for a host function's result: `slotWriter`, quietening f64 signalling NaNs where V8 does. */
export function hostResultWriter(type: ValType, holder?: Lifetime): SlotWriter {
  return type === 'f64' && quietensSignallingF64().hostResult ? quietF64Writer : slotWriter(type, holder);
}

export function slotReader(type: ValType): SlotReader {
  switch (type) {
    case 'v128':
      return refuseV128;
    case 'i32':
      return (v, slot) => v.int32[2 * slot];
    case 'i64':
      return (v, slot) => v.int64[slot];
    case 'f32':
      return (v, slot) => v.float32[2 * slot];
    case 'f64':
      return (v, slot) => v.float64[slot];
    default:
      return (v, slot) => referenceValue(type, v.int64[slot]!);
  }
}
