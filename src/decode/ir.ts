// The module IR: what the compiler and the runtime see of a decoded module. Function bodies are
// pre-decoded into words (see `Body`), in binary order (block/loop/if … else … end).

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type VecType = 'v128';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | VecType | RefType;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
}

/**
 * A function body, pre-decoded so that the compiler reads numbers, not objects: INSTR_WORDS words per
 * instruction — its id (the opcode byte, PREFIXED_BASE + the sub-opcode after 0xfc, or SIMD_BASE +
 * the sub-opcode after 0xfd; see opcodes.ts), then two immediates:
 * - block, loop, if: the block type (a type index, or the negated byte of a short form), –
 * - index instructions (br, call, local.get, memory.init, …): the index, –
 * - call_indirect: type index, table index; table.copy: destination, source; table.init: segment, table
 * - loads and stores: log2 of the alignment, the offset
 * - i32.const, f32.const: the value or bit pattern, –; i64.const, f64.const: low and high 32 bits
 * - br_table: position in `extra` of the targets followed by the default, number of targets
 * - typed select: position in `extra` of the type codes, their count; ref.null: the type's code
 * - SIMD loads and stores (v128.load, v128.load8x8_s, v128.load32_splat, v128.load64_zero, …): as
 *   the scalar ones; v128.loadN_lane, v128.storeN_lane: log2 of the alignment | (lane << 8), the offset
 * - extract_lane, replace_lane: the lane index, –
 * - v128.const, i8x16.shuffle: position in `extra` of 4 words holding the 16 immediate bytes
 *   little-endian (word k = bytes 4k … 4k+3), –
 * Unsigned immediates are stored as their 32 bits: read them with `>>> 0`.
 */
export interface Body {
  code: Int32Array;
  extra: Int32Array;
}

export const INSTR_WORDS = 3;

/**
 * One instruction as an object, for listings and tests (the compiler reads `Body` words); `op` is the text-format name (`i32.load8_u`, `br_table`, …) and the fields that
 * its immediates fill are set (the opcode table in opcodes.ts says which).
 */
export interface Instr {
  op: string;
  /** Local, global, function, label, table, element or data segment index. */
  index?: number;
  /** i32.const (a number) or i64.const (a bigint). */
  value?: number | bigint;
  /** f32.const (a number) or f64.const (a bigint): the IEEE bit pattern, so that NaN payloads survive. */
  bits?: number | bigint;
  /** block, loop, if. */
  blockType?: FuncType;
  /** br_table. */
  targets?: number[];
  defaultTarget?: number;
  /** call_indirect (with `index` = type index), table.copy (destination), table.init. */
  table?: number;
  /** table.copy. */
  source?: number;
  /** Loads and stores. */
  memory?: MemArg;
  /** Typed select. */
  types?: ValType[];
  /** ref.null. */
  refType?: RefType;
  /** extract_lane, replace_lane, v128.loadN_lane, v128.storeN_lane. */
  lane?: number;
  /** v128.const (the value's 16 bytes, little-endian), i8x16.shuffle (its 16 lane indices). */
  bytes?: Uint8Array;
}

export interface MemArg {
  /** log2 of the alignment hint. */
  align: number;
  offset: number;
}

/** A constant expression (global initialisers, segment offsets, element expressions). */
export type ConstExpr =
  | { op: 'i32.const'; value: number }
  | { op: 'i64.const'; value: bigint }
  | { op: 'f32.const'; bits: number }
  | { op: 'f64.const'; bits: bigint }
  | { op: 'v128.const'; bytes: Uint8Array }
  | { op: 'global.get'; index: number }
  | { op: 'ref.null'; refType: RefType }
  | { op: 'ref.func'; index: number };

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export interface TableType {
  element: RefType;
  limits: Limits;
}

export type ImportDesc =
  | { kind: 'func'; typeIndex: number; type: FuncType }
  | { kind: 'table'; table: TableType }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; global: GlobalType };

export type Import = { module: string; name: string } & ImportDesc;

export interface Func {
  /** Index in the module's function index space (imported functions come first). */
  index: number;
  typeIndex: number;
  type: FuncType;
  /** Declared locals, not including the parameters. */
  locals: ValType[];
  body: Body;
  /** Byte offset of the body in the module, for error messages. */
  bodyOffset: number;
}

export interface Global {
  global: GlobalType;
  init: ConstExpr;
}

export interface Export {
  name: string;
  kind: 'func' | 'table' | 'memory' | 'global';
  index: number;
}

export type SegmentMode =
  | { kind: 'active'; index: number; offset: ConstExpr }
  | { kind: 'passive' }
  | { kind: 'declarative' };

export interface ElemSegment {
  type: RefType;
  mode: SegmentMode;
  /** One constant expression per element (`ref.func f` for the function-index forms). */
  items: ConstExpr[];
}

/**
 * The data segments, as arrays by segment index rather than an object each: compilers emit up to a
 * hundred thousand (Go: 98,450 in esbuild's 14 MB), and making, keeping and collecting that many
 * objects cost more than the rest of loading a cached module. A segment is active (it initializes
 * memory `memories[i]` at its offset when instantiated) or passive (`memory.init` copies from it).
 */
export interface DataSegments {
  readonly count: number;
  /** A copy of the data section: segment i's bytes are `bytes[starts[i], starts[i] + lengths[i])`. */
  readonly bytes: Uint8Array;
  readonly starts: Uint32Array;
  readonly lengths: Uint32Array;
  /** 1 for a passive segment. */
  readonly passive: Uint8Array;
  readonly memories: Uint32Array;
  /** An active segment's offset when it is an `i32.const` (most are); the others' are in `offsetExprs`. */
  readonly offsets: Int32Array;
  readonly offsetExprs: ReadonlyMap<number, ConstExpr>;
}

/** Segment `index`'s bytes: a view of `datas.bytes`. */
export function dataSegmentBytes(datas: DataSegments, index: number): Uint8Array {
  return new Uint8Array(datas.bytes.buffer, datas.bytes.byteOffset + datas.starts[index]!, datas.lengths[index]!);
}

export interface ModuleIR {
  types: FuncType[];
  imports: Import[];
  /** The functions defined in the module, in index order after the imported ones. */
  funcs: Func[];
  tables: TableType[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start: number | undefined;
  elems: ElemSegment[];
  datas: DataSegments;
  /** Whether a data count section was present (required by memory.init and data.drop). */
  dataCount: number | undefined;
  /** Custom sections in module order, their contents copied (`WebAssembly.Module.customSections`). */
  customSections: CustomSection[];
}

export interface CustomSection {
  name: string;
  bytes: Uint8Array;
}
