// A byte writer for the wasm binary format: LEB128 integers, IEEE constants, names, sections.
// Used by the generator of the large compile-throughput module and to tag module copies.
import { sleb, uleb, WASM_MAGIC_VERSION } from '../fuzz/wasm-encoding.js';

export class WasmWriter {
  private bytes = new Uint8Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  byte(value: number): this {
    this.reserve(1);
    this.bytes[this.length++] = value;
    return this;
  }

  raw(bytes: ArrayLike<number>): this {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u32(value: number): this {
    return this.raw(uleb(value >>> 0));
  }

  /** Signed LEB128 of any integer, as i32.const and i64.const immediates need. */
  sleb(value: bigint): this {
    return this.raw(sleb(value));
  }

  f32(value: number): this {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    return this.raw(new Uint8Array(view.buffer));
  }

  f64(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    return this.raw(new Uint8Array(view.buffer));
  }

  name(text: string): this {
    const utf8 = new TextEncoder().encode(text);
    return this.u32(utf8.length).raw(utf8);
  }

  /** Appends `content` prefixed by its byte length (a section's or a function body's size field). */
  sized(content: WasmWriter): this {
    return this.u32(content.size).raw(content.finish());
  }

  section(id: number, content: WasmWriter): this {
    return this.byte(id).sized(content);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

export const WASM_HEADER = WASM_MAGIC_VERSION;

const CUSTOM_SECTION = 0;

/**
 * `bytes` with a custom section appended that holds `tag`: a module that compiles exactly the same
 * but whose bytes differ, so that V8's cache of native modules (keyed by the bytes) never answers.
 */
export function withCustomSection(bytes: Uint8Array, name: string, tag: number): Uint8Array<ArrayBuffer> {
  const content = new WasmWriter().name(name).u32(tag);
  return new WasmWriter().raw(bytes).section(CUSTOM_SECTION, content).finish();
}
