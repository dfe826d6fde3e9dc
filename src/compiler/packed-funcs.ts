// Functions packed for a compile worker (parallel.ts): their words — code, extra and local types —
// in one shared buffer, which postMessage shares instead of copying, and a table of numbers per
// function. A structured clone of the Func objects themselves, each body a typed array of its own,
// cost the compiling thread about 5 ms per half of a module of 4000 functions before it could
// start on its own half, and the worker as much again before it could start on its.
import type { Func, FuncType, ValType } from '../decode/index.js';

export interface PackedFuncs {
  /** Per function, `Packed.fields` numbers (see `Packed`). */
  records: Int32Array;
  /** Every function's code, extra and local types (as indices in PACKED_TYPES), on a SharedArrayBuffer. */
  words: Int32Array;
}

/** A record's fields: then code, extra and locals as (start, length) in `words`. */
const Packed = { index: 0, typeIndex: 1, bodyOffset: 2, code: 3, extra: 5, locals: 7, fields: 9 } as const;

/** Value types by the number a packed local has. */
const PACKED_TYPES: readonly ValType[] = ['i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref'];
const PACKED_TYPE_NUMBERS: ReadonlyMap<ValType, number> = new Map(PACKED_TYPES.map((type, i) => [type, i]));

export function packFuncs(funcs: readonly Func[]): PackedFuncs {
  let size = 0;
  for (const { body, locals } of funcs) size += body.code.length + body.extra.length + locals.length;
  const words = new Int32Array(new SharedArrayBuffer(4 * size));
  const records = new Int32Array(Packed.fields * funcs.length);
  let at = 0;
  const place = (record: number, field: number, source: Int32Array): void => {
    words.set(source, at);
    records[record + field] = at;
    records[record + field + 1] = source.length;
    at += source.length;
  };
  for (let i = 0, record = 0; i < funcs.length; i++, record += Packed.fields) {
    const func = funcs[i]!;
    records[record + Packed.index] = func.index;
    records[record + Packed.typeIndex] = func.typeIndex;
    records[record + Packed.bodyOffset] = func.bodyOffset;
    place(record, Packed.code, func.body.code);
    place(record, Packed.extra, func.body.extra);
    records[record + Packed.locals] = at;
    records[record + Packed.locals + 1] = func.locals.length;
    for (const type of func.locals) words[at++] = PACKED_TYPE_NUMBERS.get(type)!;
  }
  return { records, words };
}

/** The functions again; `types` are the module's (ModuleShape.types), which give each its type. */
export function unpackFuncs({ records, words }: PackedFuncs, types: readonly FuncType[]): Func[] {
  const funcs: Func[] = [];
  const view = (record: number, field: number): Int32Array => words.subarray(records[record + field]!, records[record + field]! + records[record + field + 1]!);
  for (let record = 0; record < records.length; record += Packed.fields) {
    const typeIndex = records[record + Packed.typeIndex]!;
    const locals: ValType[] = [];
    for (let k = records[record + Packed.locals]!, end = k + records[record + Packed.locals + 1]!; k < end; k++) locals.push(PACKED_TYPES[words[k]!]!);
    funcs.push({
      index: records[record + Packed.index]!,
      typeIndex,
      type: types[typeIndex]!,
      locals,
      body: { code: view(record, Packed.code), extra: view(record, Packed.extra) },
      bodyOffset: records[record + Packed.bodyOffset]!,
    });
  }
  return funcs;
}
