// The namespace's argument checks, with V8's texts.

export type Imports = Record<string, unknown> | undefined;

/** V8's "buffer source": an ArrayBuffer or a typed array (over any buffer); a copy of its bytes. */
export function bufferSourceBytes(source: unknown, api: string, expected = 'a buffer source'): Uint8Array<ArrayBuffer> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source) && !(source instanceof DataView)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  }
  throw new TypeError(`${api}: Argument 0 must be ${expected}`);
}

export function checkImportsArgument(imports: unknown, api: string): Imports {
  if (imports !== undefined && (imports === null || (typeof imports !== 'object' && typeof imports !== 'function'))) {
    throw new TypeError(`${api}: Argument 1 must be an object`);
  }
  return imports as Imports;
}
