// Reference values as generated code sees them: a funcref is the address of a function record, an
// externref a handle. This maps them back to JS: records to the function objects that stand for
// them, handles to the JS values they were made from.

/** The function object of function `index` of one instance. */
export type FunctionResolver = (index: number) => object;

/**
 * Held weakly, so that the table does not keep instances alive: a record is reachable only from the
 * native memory of a live link group, whose instances are then alive too.
 */
const records = new Map<bigint, { resolver: WeakRef<FunctionResolver>; index: number }>();

/** `record` stands for function `index` of the instance `resolver` belongs to (created lazily, once per function). */
export function registerFuncRecord(record: bigint, resolver: WeakRef<FunctionResolver>, index: number): void {
  records.set(record, { resolver, index });
}

export function unregisterFuncRecord(record: bigint): void {
  records.delete(record);
}

export function functionForRecord(record: bigint): object | null {
  if (record === 0n) return null;
  const entry = records.get(record);
  const resolve = entry?.resolver.deref();
  if (!resolve) throw new Error(`wasmjit: internal error: funcref 0x${record.toString(16)} names no known function`);
  return resolve(entry!.index);
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
