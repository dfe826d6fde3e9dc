// Reference values as generated code sees them: a funcref is the address of a function record, an
// externref a handle. This maps them back to JS: records to the function objects that stand for
// them, handles to the JS values they were made from.
import { lastStartingAtOrBelow } from './sorted-ranges.js';

/** The function object of function `index` of one instance. */
export type FunctionResolver = (index: number) => object;

/**
 * One instance's function records: `count` of them, `stride` bytes apart from `first`, record i
 * standing for function i. Held weakly, so that the list does not keep instances alive: a record is
 * reachable only from the native memory of a live link group, whose instances are then alive too.
 * One entry per instance (not per function), sorted by address: instantiating a module of thousands
 * of functions registers them all at once.
 */
interface RecordRange {
  first: bigint;
  end: bigint;
  stride: bigint;
  resolver: WeakRef<FunctionResolver>;
}

const ranges: RecordRange[] = [];

/** The index of the last range starting at or below `address` (-1 when none does). */
const rangeAtOrBelow = (address: bigint): number => lastStartingAtOrBelow(ranges, address, startOfRange);
const startOfRange = (range: RecordRange): bigint => range.first;

/** Records `first + i * stride` (i < count) stand for function i of the instance `resolver` belongs to (created lazily, once per function). */
export function registerFuncRecords(first: bigint, stride: number, count: number, resolver: WeakRef<FunctionResolver>): void {
  if (count === 0) return;
  ranges.splice(rangeAtOrBelow(first) + 1, 0, { first, end: first + BigInt(stride * count), stride: BigInt(stride), resolver });
}

export function unregisterFuncRecords(first: bigint): void {
  const at = rangeAtOrBelow(first);
  if (at >= 0 && ranges[at]!.first === first) ranges.splice(at, 1);
}

export function functionForRecord(record: bigint): object | null {
  if (record === 0n) return null;
  const range = ranges[rangeAtOrBelow(record)];
  const resolve = range && record < range.end && (record - range.first) % range.stride === 0n ? range.resolver.deref() : undefined;
  if (!resolve) throw new Error(`wasmjit: internal error: funcref 0x${record.toString(16)} names no known function`);
  return resolve(Number((record - range!.first) / range!.stride));
}

// Handles are never reused: native memory may hold one anywhere (tables, globals, linear memory is
// not possible), so a value stays registered for the life of the process. Equal values share a handle.
const externValues: unknown[] = [null, -0];
const externHandles = new Map<unknown, bigint>();
/** A Map does not tell -0 from 0; -0 has a handle of its own. */
const NEGATIVE_ZERO_HANDLE = 1n;

export function externHandle(value: unknown): bigint {
  if (value === null) return 0n;
  if (Object.is(value, -0)) return NEGATIVE_ZERO_HANDLE;
  let handle = externHandles.get(value);
  if (handle === undefined) {
    handle = BigInt(externValues.length);
    externValues.push(value);
    externHandles.set(value, handle);
  }
  return handle;
}

export function externValue(handle: bigint): unknown {
  return externValues[Number(handle)];
}
