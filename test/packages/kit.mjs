// What every package driver shares: deterministic inputs, and one printed line per observation, so
// that the V8 run and the wasmjit run of a driver can be compared byte for byte.
import { createHash } from 'node:crypto';

/** A short SHA-256 of bytes or a string: outputs of megabytes print as one comparable word. */
export function digest(data) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return createHash('sha256').update(bytes).digest('hex').slice(0, 24);
}

/**
 * `length` bytes from a fixed linear congruential generator, drawn from `alphabet` symbols: a small
 * alphabet gives text that compresses well, 256 gives bytes that barely compress.
 */
export function pseudoRandomBytes(length, { seed = 1, alphabet = 256 } = {}) {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = alphabet === 256 ? x >>> 24 : 97 + ((x >>> 16) % alphabet);
  }
  return out;
}

/** Prints `label: value` as JSON (BigInts as decimal strings, typed arrays by digest). */
export function show(label, value) {
  console.log(`${label}: ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? `<${v.constructor.name} ${v.byteLength} bytes ${digest(v)}>` : v))}`);
}

/** Shows what `fn` returns, or the class and message of what it throws (a non-Error as its string). */
export async function attempt(label, fn) {
  try {
    show(label, await fn());
  } catch (err) {
    show(label, err instanceof Error ? { threw: err.constructor.name, message: err.message } : { threw: typeof err, value: String(err) });
  }
}

/**
 * Runs `fn` and reports how the memory behind `memory()` changed: its size before and after, and
 * whether a view taken before the call was detached by a growth during it (V8 detaches the old
 * ArrayBuffer on every memory.grow; wasm-bindgen's glue notices growth that way).
 */
export function watchMemory(label, memory, fn) {
  const before = memory().buffer;
  const view = new Uint8Array(before);
  const sizeBefore = before.byteLength;
  const result = fn();
  show(label, { sizeBefore, sizeAfter: memory().buffer.byteLength, oldViewDetached: sizeBefore > 0 && view.byteLength === 0 });
  return result;
}
