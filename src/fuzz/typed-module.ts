// The typed generator's module model: a JSON-serialisable tree that encodes straight to wasm bytes.
// Every node knows what it leaves on the stack, so the reducer can delete statements or replace
// expressions with constants and the module stays valid.
import {
  f32Bytes, f64Bytes, name, section, sleb, uleb, vec, VALTYPE_CODE, WASM_MAGIC_VERSION,
} from './wasm-encoding.js';
import type { ValType } from './wasm-encoding.js';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Node {
  /** The instruction's own bytes (opcode and immediates); for block/loop/if: opcode and block type. */
  op: number[];
  /** Operands, emitted before `op`. */
  kids?: Node[];
  /** Structured instructions: the body (then-arm for `if`), and the else-arm. */
  body?: Node[];
  alt?: Node[];
  /** What the node leaves on the stack where it stands ([] for a statement). */
  type: ValType[];
  /** Part of the scaffolding (fuel checks, block-parameter consumers): the reducer keeps it. */
  fixed?: boolean;
}

export interface TypedFunction {
  type: number;
  /** Declared locals (after the parameters). */
  locals: ValType[];
  body: Node[];
}

export interface TypedModule {
  types: FuncType[];
  /** Imported functions (the only kind of import the generator makes). */
  imports: Array<{ module: string; name: string; type: number }>;
  funcs: TypedFunction[];
  table?: { min: number; max?: number };
  /** Active element segment at table offset 0, and passive ones (for table.init). */
  elems: Array<{ passive: boolean; funcs: number[] }>;
  memory?: { min: number; max?: number };
  datas: Array<{ offset?: number; bytes: number[] }>;
  globals: Array<{ type: ValType; mutable: boolean; init: Node }>;
  exports: Array<{ name: string; kind: 'func' | 'table' | 'memory' | 'global'; index: number }>;
  start?: number;
}

// ---- constants ----------------------------------------------------------------------------------

const f32View = new DataView(new ArrayBuffer(8));

/** `v128.const` with the 16 bytes little-endian. */
export function v128Node(bytes: ArrayLike<number>): Node {
  return { op: [0xfd, 0x0c, ...Array.from(bytes)], type: ['v128'] };
}

/** A v128 is given as the bigint of its 128 bits (lane 0 in the low bits), like a float as raw bits. */
export function constNode(type: ValType, value: number | bigint | null): Node {
  switch (type) {
    case 'i32':
      return { op: [0x41, ...sleb(BigInt.asIntN(32, BigInt(value ?? 0)))], type: [type] };
    case 'i64':
      return { op: [0x42, ...sleb(BigInt.asIntN(64, BigInt(value ?? 0)))], type: [type] };
    case 'f32': {
      // A bigint is raw bits (so NaN payloads survive); a number is a value.
      let bits: number;
      if (typeof value === 'bigint') bits = Number(value & 0xffffffffn);
      else {
        f32View.setFloat32(0, Number(value ?? 0), true);
        bits = f32View.getUint32(0, true);
      }
      return { op: [0x43, ...f32Bytes(bits)], type: [type] };
    }
    case 'f64': {
      let bits: bigint;
      if (typeof value === 'bigint') bits = BigInt.asUintN(64, value);
      else {
        f32View.setFloat64(0, Number(value ?? 0), true);
        bits = f32View.getBigUint64(0, true);
      }
      return { op: [0x44, ...f64Bytes(bits)], type: [type] };
    }
    case 'v128': {
      const bits = BigInt.asUintN(128, BigInt(value ?? 0));
      return v128Node(Array.from({ length: 16 }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn)));
    }
    default:
      return { op: [0xd0, VALTYPE_CODE[type]], type: [type] };
  }
}

/** A node pushing zero (or null) for each type: what an expression reduces to. */
export function zeroNode(types: readonly ValType[]): Node {
  return { op: types.flatMap((t) => constNode(t, 0).op), type: [...types] };
}

// ---- encoding -----------------------------------------------------------------------------------

function encodeNode(node: Node, out: number[]): void {
  for (const kid of node.kids ?? []) encodeNode(kid, out);
  out.push(...node.op);
  if (node.body) {
    for (const n of node.body) encodeNode(n, out);
    if (node.alt) {
      out.push(0x05);
      for (const n of node.alt) encodeNode(n, out);
    }
    out.push(0x0b);
  }
}

function encodeLocals(locals: readonly ValType[]): number[] {
  const runs: Array<[number, ValType]> = [];
  for (const t of locals) {
    const last = runs[runs.length - 1];
    if (last && last[1] === t) last[0]++;
    else runs.push([1, t]);
  }
  return vec(runs.map(([n, t]) => [...uleb(n), VALTYPE_CODE[t]]));
}

function limits(min: number, max?: number): number[] {
  return max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
}

const I32_CONST_0_END = [0x41, 0x00, 0x0b];
const KIND_CODE = { func: 0, table: 1, memory: 2, global: 3 } as const;

export function encodeModule(m: TypedModule): Uint8Array {
  const out: number[] = [...WASM_MAGIC_VERSION];
  const add = (id: number, content: number[]) => out.push(...section(id, content));
  add(1, vec(m.types.map((t) => [0x60, ...vec(t.params.map((p) => [VALTYPE_CODE[p]])), ...vec(t.results.map((r) => [VALTYPE_CODE[r]]))])));
  if (m.imports.length) add(2, vec(m.imports.map((i) => [...name(i.module), ...name(i.name), 0x00, ...uleb(i.type)])));
  add(3, vec(m.funcs.map((f) => uleb(f.type))));
  if (m.table) add(4, vec([[0x70, ...limits(m.table.min, m.table.max)]]));
  if (m.memory) add(5, vec([limits(m.memory.min, m.memory.max)]));
  if (m.globals.length) {
    add(6, vec(m.globals.map((g) => {
      const init: number[] = [];
      encodeNode(g.init, init);
      return [VALTYPE_CODE[g.type], g.mutable ? 1 : 0, ...init, 0x0b];
    })));
  }
  add(7, vec(m.exports.map((e) => [...name(e.name), KIND_CODE[e.kind], ...uleb(e.index)])));
  if (m.start !== undefined) add(8, uleb(m.start));
  if (m.elems.length) {
    add(9, vec(m.elems.map((e) => (e.passive ? [0x01, 0x00, ...vec(e.funcs.map((f) => uleb(f)))] : [0x00, ...I32_CONST_0_END, ...vec(e.funcs.map((f) => uleb(f)))]))));
  }
  if (m.datas.length) add(12, uleb(m.datas.length));
  add(10, vec(m.funcs.map((f) => {
    const code: number[] = encodeLocals(f.locals);
    for (const n of f.body) encodeNode(n, code);
    code.push(0x0b);
    return [...uleb(code.length), ...code];
  })));
  if (m.datas.length) {
    add(11, vec(m.datas.map((d) => (d.offset === undefined
      ? [0x01, ...vec(d.bytes.map((b) => [b]))]
      : [0x00, 0x41, ...sleb(d.offset), 0x0b, ...vec(d.bytes.map((b) => [b]))]))));
  }
  return Uint8Array.from(out);
}

/** Counts nodes, a measure of how far a reduction got. */
export function moduleSize(m: TypedModule): number {
  const count = (nodes: readonly Node[] | undefined): number =>
    (nodes ?? []).reduce((sum, n) => sum + 1 + count(n.kids) + count(n.body) + count(n.alt), 0);
  return m.funcs.reduce((sum, f) => sum + count(f.body), 0);
}
