// The WebAssembly JS API's conversions of descriptor properties and arguments (WebIDL
// [EnforceRange] unsigned long), with V8's error classes and texts.

const UINT32_MAX = 2 ** 32 - 1;

/**
 * `what` names the value as V8 does: "WebAssembly.Memory(): Property 'initial'" or
 * "WebAssembly.Table.get(): Argument 0". A property that is undefined is missing.
 */
export function enforceUint32(value: unknown, what: string, upperBound?: number): number {
  if (value === undefined) throw new TypeError(`${what} is required`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${what} must be convertible to a valid number`);
  const integer = Math.trunc(n);
  if (integer < 0) throw new TypeError(`${what} must be non-negative`);
  if (integer > UINT32_MAX) throw new TypeError(`${what} must be in the unsigned long range`);
  if (upperBound !== undefined && integer > upperBound) throw new RangeError(`${what}: value ${integer} is above the upper bound ${upperBound}`);
  return integer;
}

/** An optional property: undefined stays undefined. */
export function optionalUint32(value: unknown, what: string, upperBound?: number): number | undefined {
  return value === undefined ? undefined : enforceUint32(value, what, upperBound);
}
