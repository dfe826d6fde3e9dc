// Byte-level wasm encoding helpers: LEB128, vectors, names, sections, value types.

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type VecType = 'v128';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | VecType | RefType;

export const VALTYPE_CODE: Record<ValType, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};

export const VALTYPE_BY_CODE: Record<number, ValType> = Object.fromEntries(
  Object.entries(VALTYPE_CODE).map(([name, code]) => [code, name as ValType]),
);

export const WASM_MAGIC_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function uleb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

export function sleb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function f32Bytes(bits: number): number[] {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff];
}

export function f64Bytes(bits: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((bits >> (8n * i)) & 0xffn));
  return out;
}

export function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

export function section(id: number, content: readonly number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** Reads an unsigned LEB128 at `offset`; returns the value and the offset after it. */
export function readUleb(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) throw new Error('truncated LEB128');
    const byte = bytes[offset++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [result, offset];
    if (shift > 35) throw new Error('LEB128 too long');
  }
}
