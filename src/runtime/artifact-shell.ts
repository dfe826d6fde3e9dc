// A module's shell: its IR but the function bodies (what instances and the module's own methods
// need), stored in an artifact so that loading one does not decode the wasm bytes again. In a fresh
// process wasmjit's JS runs cold, and decoding cost a small module's load more than anything else:
// the shell is JSON, which JSON.parse reads at native speed, with a loop only where the IR shares
// objects (every function's type is its module's type object) or holds what JSON has not (BigInts;
// typed arrays — v128.const bytes too — as base64: Go's ~100,000 data segments as JSON numbers took longer to parse than
// decoding them). Bytes — the data segments', the custom sections' — are not repeated: the shell
// says where they are in the wasm bytes.
import { NO_BODY } from '../decode/index.js';
import type { ConstExpr, CustomSection, DataSegments, ModuleIR } from '../decode/index.js';

/** Where the IR's bytes are in the wasm bytes: the data section's (`DataSegments.bytes`) and the custom sections'. */
interface ByteRanges {
  /** Offset and length of the copy of the data section in the wasm bytes (`DataSegments.bytes`). */
  data: [start: number, length: number];
  /** Custom sections: name, offset and length of their contents. */
  customs: Array<[name: string, start: number, length: number]>;
}

/** The shell as stored: the IR with indices instead of shared objects, BigInts as strings and v128.const bytes as base64. */
interface StoredShell extends Omit<ModuleIR, 'funcs' | 'datas' | 'customSections' | 'dataCount' | 'start'> {
  /** Per defined function: type index, then its body's offset (for error messages). */
  funcs: number[];
  /** The per-segment arrays in base64. */
  datas: Omit<DataSegments, 'bytes' | 'starts' | 'lengths' | 'passive' | 'memories' | 'offsets' | 'offsetExprs'> & {
    starts: string;
    lengths: string;
    passive: string;
    memories: string;
    offsets: string;
    offsetExprs: Array<[number, ConstExpr]>;
  };
  dataCount: number | null;
  start: number | null;
  ranges: ByteRanges;
}

/** Where the custom sections' contents and the copy of the data section are in `wasm`. */
function byteRanges(wasm: Uint8Array, ir: ModuleIR): ByteRanges {
  const ranges: ByteRanges = { data: [0, 0], customs: [] };
  let at = 8;
  const u32 = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < wasm.length) {
    const id = wasm[at++]!;
    const size = u32();
    const end = at + size;
    if (id === 0) {
      const nameLength = u32();
      const name = new TextDecoder().decode(wasm.subarray(at, at + nameLength));
      ranges.customs.push([name, at + nameLength, end - at - nameLength]);
    } else if (id === 11) {
      // The decoder copies the data section from after the segment count to its end.
      ranges.data = [end - ir.datas.bytes.length, ir.datas.bytes.length];
    }
    at = end;
  }
  return ranges;
}

/** The shell of `ir` (decoded from `wasm`), as UTF-8 JSON. */
export function writeShell(ir: ModuleIR, wasm: Uint8Array): Uint8Array {
  const { datas } = ir;
  const shell: StoredShell = {
    types: ir.types,
    // A function import's type as its index only (JSON leaves the undefined out); read back as the module's type object.
    imports: ir.imports.map((imp) => (imp.kind === 'func' ? { ...imp, type: undefined as never } : imp)),
    funcs: ir.funcs.flatMap((f) => [f.typeIndex, f.bodyOffset]),
    tables: ir.tables,
    memories: ir.memories,
    globals: ir.globals,
    exports: ir.exports,
    start: ir.start ?? null,
    elems: ir.elems,
    datas: {
      count: datas.count,
      starts: base64(datas.starts),
      lengths: base64(datas.lengths),
      passive: base64(datas.passive),
      memories: base64(datas.memories),
      offsets: base64(datas.offsets),
      offsetExprs: [...datas.offsetExprs],
    },
    dataCount: ir.dataCount ?? null,
    ranges: byteRanges(wasm, ir),
  };
  return new TextEncoder().encode(JSON.stringify(shell, storedValue));
}

/** What JSON has not: BigInts as strings, v128.const bytes (the IR's only typed arrays left) as base64. */
function storedValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value instanceof Uint8Array ? base64(value) : value;
}

const VAL_TYPES = new Set<unknown>(['i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref']);

const base64 = (array: ArrayBufferView): string => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** A typed array of `count` elements from base64. */
function fromBase64<T>(text: string, Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number, what: string): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== count * Type.BYTES_PER_ELEMENT) throw new RangeError(`${bytes.length} bytes of ${what} for ${count} data segments`);
  // Copied into a buffer of its own: Node's may be a pool's, at an offset the type's alignment does not allow.
  return new Type(new Uint8Array(bytes).buffer);
}

/** The constant expressions' BigInts, stored as strings, and v128.const bytes, stored as base64. */
function reviveConstExpr(expr: ConstExpr): void {
  if (expr.op === 'i64.const') expr.value = BigInt(expr.value);
  else if (expr.op === 'f64.const') expr.bits = BigInt(expr.bits);
  else if (expr.op === 'v128.const') expr.bytes = v128Bytes(expr.bytes as unknown as string);
}

function v128Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (bytes.length !== 16) throw new RangeError(`${bytes.length} bytes of a v128.const`);
  return bytes;
}

function range(wasm: Uint8Array, start: number, length: number, what: string): Uint8Array {
  if (!(Number.isInteger(start) && Number.isInteger(length) && start >= 0 && length >= 0 && start + length <= wasm.length)) {
    throw new RangeError(`${what} at ${start} (${length} bytes) is outside the ${wasm.length} wasm bytes`);
  }
  return wasm.subarray(start, start + length);
}

/**
 * The IR (without function bodies, as `decodeModule(wasm, { bodies: false })` gives it) from a
 * shell and the wasm bytes it was made from, which the IR keeps views of: the caller's own copy.
 * A shell that is not one throws (any error: the caller reports it as a malformed artifact).
 */
export function readShell(text: Uint8Array, wasm: Uint8Array): ModuleIR {
  const shell = JSON.parse(new TextDecoder().decode(text)) as StoredShell;
  const { types, datas, ranges } = shell;
  // Checked before anything keeps them: canonicalTypeId numbers types process-wide.
  for (const type of types) {
    if (![type.params, type.results].every((list) => Array.isArray(list) && list.every((t) => VAL_TYPES.has(t)))) throw new TypeError('a type that is not a function type');
  }
  const typeOf = (index: number) => {
    const type = types[index];
    if (!type) throw new RangeError(`unknown type ${index}`);
    return type;
  };
  const imports = shell.imports.map((imp) => (imp.kind === 'func' ? { ...imp, type: typeOf(imp.typeIndex) } : imp));
  const importedFuncs = imports.filter((imp) => imp.kind === 'func').length;
  const funcs: ModuleIR['funcs'] = [];
  for (let i = 0; i < shell.funcs.length; i += 2) {
    const typeIndex = shell.funcs[i]!;
    funcs.push({ index: importedFuncs + i / 2, typeIndex, type: typeOf(typeIndex), locals: [], body: NO_BODY, bodyOffset: shell.funcs[i + 1]! });
  }
  for (const global of shell.globals) reviveConstExpr(global.init);
  for (const elem of shell.elems) {
    if (elem.mode.kind === 'active') reviveConstExpr(elem.mode.offset);
    for (const item of elem.items) reviveConstExpr(item);
  }
  for (const [, expr] of datas.offsetExprs) reviveConstExpr(expr);
  const starts = fromBase64(datas.starts, Uint32Array, datas.count, 'starts');
  const lengths = fromBase64(datas.lengths, Uint32Array, datas.count, 'lengths');
  // Views, not copies: `wasm` is the module's own copy.
  const dataBytes = range(wasm, ranges.data[0], ranges.data[1], 'the data section');
  for (let i = 0; i < datas.count; i++) {
    if (!(starts[i]! + lengths[i]! <= dataBytes.length)) throw new RangeError(`data segment ${i} is outside the data section`);
  }
  const customSections: CustomSection[] = ranges.customs.map(([name, start, length]) => ({ name: String(name), bytes: range(wasm, start, length, `custom section "${name}"`) }));
  return {
    types,
    imports,
    funcs,
    tables: shell.tables,
    memories: shell.memories,
    globals: shell.globals,
    exports: shell.exports,
    start: shell.start ?? undefined,
    elems: shell.elems,
    datas: {
      count: datas.count,
      bytes: dataBytes,
      starts,
      lengths,
      passive: fromBase64(datas.passive, Uint8Array, datas.count, 'passive flags'),
      memories: fromBase64(datas.memories, Uint32Array, datas.count, 'memory indices'),
      offsets: fromBase64(datas.offsets, Int32Array, datas.count, 'offsets'),
      offsetExprs: new Map(datas.offsetExprs),
    },
    dataCount: shell.dataCount ?? undefined,
    customSections,
  };
}
