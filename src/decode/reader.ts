// A cursor over wasm bytes: LEB128 integers, IEEE bit patterns, names. Every malformation is a
// WebAssembly.CompileError that gives the byte offset.

/** Strict (malformed UTF-8 is a CompileError) and BOM-preserving, as the spec's name decoding is. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  error(message: string, at = this.pos): WebAssembly.CompileError {
    return new WebAssembly.CompileError(`${message} @+${at}`);
  }

  u8(): number {
    if (this.pos >= this.end) throw this.error('unexpected end of section or function');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most `bits` bits (32 by default). */
  u32(what = 'u32'): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.u8();
      if (shift === 28 && byte > 0x0f) throw this.error(`integer too large or representation too long in ${what}`, start);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
  }

  /** Signed LEB128 of `bits` bits (32, 33 or 64) as a bigint. */
  private signed(bits: number, what: string): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      const byte = this.u8();
      if (i === maxBytes - 1) {
        // The unused bits of the last byte must be copies of the sign bit.
        const used = bits - 7 * i;
        const rest = byte & 0x7f;
        const signBit = (rest >> (used - 1)) & 1;
        const expectedHigh = signBit ? (0x7f >> used) << used : 0;
        if (byte & 0x80 || (rest & ~((1 << used) - 1) & 0x7f) !== expectedHigh) {
          throw this.error(`integer too large or representation too long in ${what}`, start);
        }
      }
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) {
        if (byte & 0x40) result -= 1n << shift;
        return BigInt.asIntN(bits, result);
      }
    }
  }

  /** Signed LEB128 i32, on numbers (the common case: i32.const). */
  s32(): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; ; i++) {
      const byte = this.u8();
      if (i === 4) {
        // Bits 4–6 of the fifth byte lie beyond 32 bits: they must repeat the sign (bit 3).
        const high = byte & 0x78;
        if (byte & 0x80 || (high !== 0 && high !== 0x78)) {
          throw this.error('integer too large or representation too long in i32', start);
        }
        return result | ((byte & 0x0f) << 28);
      }
      result |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) {
        return byte & 0x40 ? result | (-1 << (7 * (i + 1))) : result;
      }
    }
  }

  s33(): number {
    return Number(this.signed(33, 'block type'));
  }

  s64(): bigint {
    return this.signed(64, 'i64');
  }

  f32Bits(): number {
    const bytes = this.take(4);
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  }

  f64Bits(): bigint {
    const bytes = this.take(8);
    let bits = 0n;
    for (let i = 7; i >= 0; i--) bits = (bits << 8n) | BigInt(bytes[i]!);
    return bits;
  }

  take(length: number): Uint8Array {
    const at = this.skip(length);
    return this.bytes.subarray(at, at + length);
  }

  /** Moves past `length` bytes; returns where they start. */
  skip(length: number): number {
    if (length > this.end - this.pos) throw this.error('unexpected end of section or function');
    const at = this.pos;
    this.pos += length;
    return at;
  }

  /** A name: UTF-8, every byte kept (a leading U+FEFF is a character of the name, not a byte order mark). */
  name(): string {
    const length = this.u32('name length');
    const at = this.pos;
    try {
      return UTF8.decode(this.take(length));
    } catch (err) {
      if (err instanceof WebAssembly.CompileError) throw err;
      throw this.error('malformed UTF-8 encoding', at);
    }
  }

  /** Reads a vector: its length, then `count` elements. */
  vec<T>(element: (index: number) => T, what = 'vector'): T[] {
    const count = this.u32(`${what} length`);
    // Each element takes at least one byte: a larger count can only be a malformation.
    if (count > this.end - this.pos) throw this.error(`${what} length ${count} is larger than the rest of the section`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(element(i));
    return items;
  }
}
