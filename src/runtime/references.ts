// Reference values as generated code sees them: a funcref is the address of a function record, an
// externref a handle. This maps them back to JS: records to the function objects that stand for
// them, handles to the JS values they were made from.

const resolvers = new Map<bigint, () => object>();

/** `record` stands for the function `resolve()` returns (created lazily, once per function). */
export function registerFuncRecord(record: bigint, resolve: () => object): void {
  resolvers.set(record, resolve);
}

export function unregisterFuncRecord(record: bigint): void {
  resolvers.delete(record);
}

export function functionForRecord(record: bigint): object | null {
  if (record === 0n) return null;
  const resolve = resolvers.get(record);
  if (!resolve) throw new Error(`wasmjit: internal error: funcref 0x${record.toString(16)} names no known function`);
  return resolve();
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
