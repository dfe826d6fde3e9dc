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

  /** Unsigned LEB128 u32; the one-byte form (most indices and immediates) without a loop. */
  u32(what = 'u32'): number {
    const pos = this.pos;
    if (pos < this.end) {
      const byte = this.bytes[pos]!;
      if (byte < 0x80) {
        this.pos = pos + 1;
        return byte;
      }
    }
    return this.u32Long(what);
  }

  /** Multi-byte forms: unrolled when all five bytes a u32 may take are in range, else a loop. */
  private u32Long(what: string): number {
    const start = this.pos;
    if (start + 5 <= this.end) {
      const { bytes } = this;
      let byte = bytes[start]!;
      let result = byte & 0x7f;
      byte = bytes[start + 1]!;
      result |= (byte & 0x7f) << 7;
      if (byte < 0x80) return this.advance(start + 2, result);
      byte = bytes[start + 2]!;
      result |= (byte & 0x7f) << 14;
      if (byte < 0x80) return this.advance(start + 3, result);
      byte = bytes[start + 3]!;
      result |= (byte & 0x7f) << 21;
      if (byte < 0x80) return this.advance(start + 4, result);
      byte = bytes[start + 4]!;
      if (byte > 0x0f) throw this.error(`integer too large or representation too long in ${what}`, start);
      return this.advance(start + 5, (result | (byte << 28)) >>> 0);
    }
    return this.u32Loop(what);
  }

  private advance(pos: number, value: number): number {
    this.pos = pos;
    return value;
  }

  private u32Loop(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.u8();
      if (shift === 28 && byte > 0x0f) throw this.error(`integer too large or representation too long in ${what}`, start);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
  }

  /** Signed LEB128 of 33 bits (block types) as a bigint. */
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

  /**
   * Signed LEB128 i64 as two 32-bit halves, on numbers (i64.const is common, and bigints are slow):
   * returns the low half; the high half is then in `high`.
   */
  s64Halves(): number {
    const start = this.pos;
    let low = 0;
    let high = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.u8();
      const bits = byte & 0x7f;
      if (shift === 63 && (byte & 0x80 || (bits !== 0 && bits !== 0x7f))) {
        // The tenth byte holds bit 63; its other bits must repeat it.
        throw this.error('integer too large or representation too long in i64', start);
      }
      if (shift < 32) {
        low |= bits << shift;
        if (shift > 25) high |= bits >>> (32 - shift);
      } else {
        high |= bits << (shift - 32);
      }
      if ((byte & 0x80) === 0) {
        const end = shift + 7;
        if (byte & 0x40 && end < 64) {
          if (end < 32) {
            low |= -1 << end;
            high = -1;
          } else {
            high |= -1 << (end - 32);
          }
        }
        this.high = high;
        return low;
      }
    }
  }

  /** The high half of the last `s64Halves`. */
  high = 0;

  /** Four bytes little-endian, as an unsigned number (an f32's bit pattern, half of an f64's). */
  f32Bits(): number {
    const at = this.pos;
    if (4 > this.end - at) throw this.error('unexpected end of section or function');
    const { bytes } = this;
    this.pos = at + 4;
    return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
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

  /** The next `length` bytes, copied (a Buffer's `slice` would share them). */
  copy(length: number): Uint8Array {
    const copy = new Uint8Array(length);
    copy.set(this.take(length));
    return copy;
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
