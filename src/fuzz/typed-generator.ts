// Our own generator: well-typed modules built from every instruction of WebAssembly 2.0, with deep
// nesting, br_table, multi-value blocks, calls, call_indirect, memory, tables, globals and edge
// constants, reaching what binaryen's translate-to-fuzz rarely emits. Half the modules use SIMD:
// v128 values wherever a value type may stand, and a palette of SIMD instructions from the decoder's
// table (those that make and observe v128 values, and a few random others). v128 values reach the
// comparison through memory and through logged i64 lanes, which keep every bit (NaN payloads too).
// Termination is by construction: every function and loop body starts by spending one unit of the
// exported `fuel` global, which the harness refills before each call.
import { Random } from './random.js';
import { SIMD_BY_NAME, SIMD_INSTRUCTIONS } from './simd-instructions.js';
import type { SimdInstruction } from './simd-instructions.js';
import { constNode } from './typed-module.js';
import type { FuncType, Node, TypedModule } from './typed-module.js';
import { sleb, uleb, VALTYPE_CODE } from './wasm-encoding.js';
import type { NumType, RefType, ValType } from './wasm-encoding.js';

/** A type an arithmetic expression can have: a number or a v128. */
type ValueType = NumType | 'v128';

const NUM_TYPES: readonly NumType[] = ['i32', 'i64', 'f32', 'f64'];
const REF_TYPES: readonly RefType[] = ['funcref', 'externref'];

// ---- instruction tables -------------------------------------------------------------------------

const range = (from: number, to: number): number[][] => Array.from({ length: to - from + 1 }, (_, i) => [from + i]);

const UNARY: Record<NumType, number[][]> = {
  i32: [[0x67], [0x68], [0x69], [0xc0], [0xc1]],
  i64: [[0x79], [0x7a], [0x7b], [0xc2], [0xc3], [0xc4]],
  f32: range(0x8b, 0x91),
  f64: range(0x99, 0x9f),
};
const BINARY: Record<NumType, number[][]> = {
  i32: range(0x6a, 0x78),
  i64: range(0x7c, 0x8a),
  f32: range(0x92, 0x98),
  f64: range(0xa0, 0xa6),
};
/** Comparisons (t, t) → i32, and the eqz tests t → i32. */
const COMPARE: Record<NumType, number[][]> = {
  i32: range(0x46, 0x4f),
  i64: range(0x51, 0x5a),
  f32: range(0x5b, 0x60),
  f64: range(0x61, 0x66),
};
const EQZ: Partial<Record<NumType, number>> = { i32: 0x45, i64: 0x50 };

const CONVERSIONS: ReadonlyArray<readonly [NumType, NumType, number[]]> = [
  ['i64', 'i32', [0xa7]], ['f32', 'i32', [0xa8]], ['f32', 'i32', [0xa9]], ['f64', 'i32', [0xaa]], ['f64', 'i32', [0xab]],
  ['i32', 'i64', [0xac]], ['i32', 'i64', [0xad]], ['f32', 'i64', [0xae]], ['f32', 'i64', [0xaf]], ['f64', 'i64', [0xb0]],
  ['f64', 'i64', [0xb1]], ['i32', 'f32', [0xb2]], ['i32', 'f32', [0xb3]], ['i64', 'f32', [0xb4]], ['i64', 'f32', [0xb5]],
  ['f64', 'f32', [0xb6]], ['i32', 'f64', [0xb7]], ['i32', 'f64', [0xb8]], ['i64', 'f64', [0xb9]], ['i64', 'f64', [0xba]],
  ['f32', 'f64', [0xbb]], ['f32', 'i32', [0xbc]], ['f64', 'i64', [0xbd]], ['i32', 'f32', [0xbe]], ['i64', 'f64', [0xbf]],
  ['f32', 'i32', [0xfc, 0]], ['f32', 'i32', [0xfc, 1]], ['f64', 'i32', [0xfc, 2]], ['f64', 'i32', [0xfc, 3]],
  ['f32', 'i64', [0xfc, 4]], ['f32', 'i64', [0xfc, 5]], ['f64', 'i64', [0xfc, 6]], ['f64', 'i64', [0xfc, 7]],
];

/** [opcode, natural alignment as log2]. */
const LOADS: Record<NumType, ReadonlyArray<readonly [number, number]>> = {
  i32: [[0x28, 2], [0x2c, 0], [0x2d, 0], [0x2e, 1], [0x2f, 1]],
  i64: [[0x29, 3], [0x30, 0], [0x31, 0], [0x32, 1], [0x33, 1], [0x34, 2], [0x35, 2]],
  f32: [[0x2a, 2]],
  f64: [[0x2b, 3]],
};
const STORES: Record<NumType, ReadonlyArray<readonly [number, number]>> = {
  i32: [[0x36, 2], [0x3a, 0], [0x3b, 1]],
  i64: [[0x37, 3], [0x3c, 0], [0x3d, 1], [0x3e, 2]],
  f32: [[0x38, 2]],
  f64: [[0x39, 3]],
};

// ---- edge constants -----------------------------------------------------------------------------

const I32_EDGES = [0, 1, -1, 2, 7, 8, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) + 1, 0x7f, 0x80, -0x80, -0x81, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 31, 32, 33, 63, 64, 65, 65535, 65536];
const I64_EDGES = [
  ...I32_EDGES.map(BigInt), -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 63n) + 1n, 0x80000000n, 0xffffffffn, 0x100000000n, -0x80000001n, 0x7fffffffffffn,
];
/** f32 edges as raw bits: zeros, ones, NaNs (quiet, signalling, negative, with payloads), infinities, subnormals, conversion limits. */
const F32_EDGE_BITS = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000, 0x3effffff,
  0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xffbfffff, 0x7fc0dead, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff,
  0x00800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x4f800000, 0x4f7fffff, 0x5f000000,
  0xdf000000, 0x5effffff, 0x5f800000, 0x5f7fffff, 0x4b000000, 0x4b000001, 0xcb800001,
];
const F64_EDGE_BITS = [
  0x0000000000000000n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n, 0x3ff8000000000000n,
  0x4004000000000000n, 0xbff8000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4000000000000n,
  0x7ff8dead00000000n, 0xfff0000000000001n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x0000000000000001n, 0x800fffffffffffffn,
  0x0010000000000000n, 0x7fefffffffffffffn, 0x41dfffffffc00000n, 0xc1e0000000000000n, 0x41dfffffffffffffn, 0xc1e00000001fffffn,
  0x41efffffffe00000n, 0x41f0000000000000n, 0x41efffffffffffffn, 0x43e0000000000000n, 0xc3e0000000000000n, 0x43dfffffffffffffn,
  0x43f0000000000000n, 0x43efffffffffffffn, 0x4330000000000000n, 0x4330000000000001n, 0x4340000000000001n, 0x3fdfffffffffffffn,
];

/** Edge lanes by lane width, as raw bits (the 32- and 64-bit ones integer and float edges). */
const LANE_EDGES: Record<8 | 16 | 32 | 64, readonly bigint[]> = {
  8: [0n, 1n, 0x7fn, 0x80n, 0x81n, 0xfen, 0xffn],
  16: [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0x8001n, 0xfffen, 0xffffn],
  32: [...I32_EDGES.map((v) => BigInt(v >>> 0)), ...F32_EDGE_BITS.map(BigInt)],
  64: [...I64_EDGES.map((v) => BigInt.asUintN(64, v)), ...F64_EDGE_BITS],
};

/** A v128 as its 128 bits: edge lanes of one width (some lanes random), or random bits. */
function v128Bits(rnd: Random): bigint {
  if (rnd.chance(0.25)) return Array.from(rnd.bytes(16)).reduce((bits, byte, i) => bits | (BigInt(byte) << BigInt(8 * i)), 0n);
  const width = rnd.pick([8, 16, 32, 64] as const);
  let bits = 0n;
  for (let lane = 0; lane < 128 / width; lane++) {
    const value = rnd.chance(0.8) ? rnd.pick(LANE_EDGES[width]) : BigInt(rnd.uint32()) & ((1n << BigInt(Math.min(width, 32))) - 1n);
    bits |= value << BigInt(lane * width);
  }
  return bits;
}

export function randomConst(rnd: Random, type: ValType): Node {
  const edge = rnd.chance(0.5);
  switch (type) {
    case 'i32':
      return constNode(type, edge ? rnd.pick(I32_EDGES) : rnd.chance(0.5) ? rnd.between(-300, 300) : rnd.uint32() | 0);
    case 'i64':
      return constNode(type, edge ? rnd.pick(I64_EDGES) : rnd.chance(0.5) ? BigInt(rnd.between(-300, 300)) : (BigInt(rnd.uint32()) << 32n) | BigInt(rnd.uint32()));
    case 'f32':
      return constNode(type, edge ? BigInt(rnd.pick(F32_EDGE_BITS)) : rnd.chance(0.5) ? rnd.between(-100, 100) / 4 : BigInt(rnd.uint32()));
    case 'f64':
      return constNode(type, edge ? rnd.pick(F64_EDGE_BITS) : rnd.chance(0.5) ? rnd.between(-100, 100) / 8 : (BigInt(rnd.uint32()) << 32n) | BigInt(rnd.uint32()));
    case 'v128':
      return constNode(type, v128Bits(rnd));
    default:
      return constNode(type, null);
  }
}

// ---- module layout ------------------------------------------------------------------------------

/** Host imports every generated module has, in this order (so their function indices are fixed). */
export const TYPED_IMPORTS: ReadonlyArray<{ module: string; name: string; params: ValType[]; results: ValType[] }> = [
  { module: 'fuzzing-support', name: 'log-i32', params: ['i32'], results: [] },
  { module: 'fuzzing-support', name: 'log-i64', params: ['i64'], results: [] },
  { module: 'fuzzing-support', name: 'log-f32', params: ['f32'], results: [] },
  { module: 'fuzzing-support', name: 'log-f64', params: ['f64'], results: [] },
  { module: 'fuzz', name: 'call-export', params: ['i32'], results: ['i32'] },
];
const LOG_IMPORT: Record<NumType, number> = { i32: 0, i64: 1, f32: 2, f64: 3 };
const CALL_EXPORT_IMPORT = 4;

export const FUEL_EXPORT = 'fuel';
const FUEL_GLOBAL = 0;
/** `if (fuel == 0) unreachable; fuel -= 1` */
const FUEL_CHECK: Node = {
  op: [0x23, FUEL_GLOBAL, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x23, FUEL_GLOBAL, 0x41, 0x01, 0x6b, 0x24, FUEL_GLOBAL],
  type: [],
  fixed: true,
};

interface Label {
  /** What a branch to it carries. */
  types: ValType[];
}

const sameTypes = (a: readonly ValType[], b: readonly ValType[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** What makes and observes v128 values: in every SIMD module's palette. */
const SIMD_CORE = SIMD_INSTRUCTIONS.filter((i) => /^v128\.(const|load|store)$|\.(splat|extract_lane(_[su])?|replace_lane)$/.test(i.name));
const SIMD_OTHERS = SIMD_INSTRUCTIONS.filter((i) => !SIMD_CORE.includes(i));
const I64X2_EXTRACT_LANE = SIMD_BY_NAME.get('i64x2.extract_lane')!.prefix;

/**
 * A module's SIMD instructions: none (half the modules), or the core and a few others. Few, so that
 * a module mostly uses instructions wasmjit compiles while families are still missing (a module with
 * one it does not compile is counted as unsupported), and so that the few meet often.
 */
export function simdPalette(rnd: Random): SimdInstruction[] | undefined {
  if (rnd.chance(0.5)) return undefined;
  const others = rnd.weighted([[3, 0], [3, 2], [2, 5], [1, 12]]);
  return [...SIMD_CORE, ...Array.from({ length: others }, () => rnd.pick(SIMD_OTHERS))];
}

class ModuleBuilder {
  readonly m: TypedModule = { types: [], imports: [], funcs: [], elems: [], datas: [], globals: [], exports: [] };
  /** Type index of every function in the function index space. */
  readonly funcTypes: number[] = [];
  readonly importCount = TYPED_IMPORTS.length;
  /** The SIMD instructions this module uses, if any (then v128 is among its value types). */
  readonly simd: SimdInstruction[] | undefined;

  constructor(readonly rnd: Random) {
    this.simd = simdPalette(rnd);
  }

  typeIndex(t: FuncType): number {
    const i = this.m.types.findIndex((x) => sameTypes(x.params, t.params) && sameTypes(x.results, t.results));
    if (i >= 0) return i;
    this.m.types.push({ params: [...t.params], results: [...t.results] });
    return this.m.types.length - 1;
  }

  valType(refShare = 0.1): ValType {
    if (this.rnd.chance(refShare)) return this.rnd.pick(REF_TYPES);
    return this.simd && this.rnd.chance(0.25) ? 'v128' : this.rnd.pick(NUM_TYPES);
  }

  /** The palette's instructions with these results (memory ones only when there is a memory). */
  simdWith(results: readonly ValType[]): SimdInstruction[] {
    return (this.simd ?? []).filter((i) => sameTypes(i.results, results) && (i.accessBytes === undefined || this.m.memory !== undefined));
  }

  types(max: number, refShare = 0.1): ValType[] {
    return Array.from({ length: this.rnd.between(0, max) }, () => this.valType(refShare));
  }

  get memoryBytes(): number {
    return (this.m.memory?.min ?? 0) * 65536;
  }
}

class FunctionBuilder {
  readonly locals: ValType[];
  readonly paramCount: number;
  readonly labels: Label[];
  private budget: number;
  private readonly maxDepth: number;

  constructor(
    private readonly mb: ModuleBuilder,
    /** Index among defined functions. */
    private readonly defined: number,
    private readonly type: FuncType,
  ) {
    const rnd = mb.rnd;
    this.locals = [...type.params, ...mb.types(6, 0.15)];
    this.paramCount = type.params.length;
    this.labels = [{ types: type.results }];
    this.budget = rnd.chance(0.1) ? rnd.between(200, 600) : rnd.between(8, 120);
    this.maxDepth = rnd.between(2, 7);
  }

  get rnd(): Random {
    return this.mb.rnd;
  }

  build(): Node[] {
    const body: Node[] = [FUEL_CHECK];
    while (this.budget > 0) body.push(this.statement(0));
    body.push(...this.type.results.map((t) => this.expr(t, 0)));
    return body;
  }

  private spend(): boolean {
    this.budget--;
    return this.budget > 0;
  }

  private scratch(type: ValType): number {
    this.locals.push(type);
    return this.locals.length - 1;
  }

  // ---- expressions ------------------------------------------------------------------------------

  private expr(type: ValType, depth: number): Node {
    if (!this.spend() || depth >= this.maxDepth) return this.leaf(type);
    if (type === 'funcref' || type === 'externref') return this.refExpr(type, depth);
    return this.valueExpr(type, depth);
  }

  private leaf(type: ValType): Node {
    const rnd = this.rnd;
    const locals = this.localsOf(type);
    const globals = this.globalsOf(type, false);
    if (locals.length && rnd.chance(0.5)) return { op: [0x20, ...uleb(rnd.pick(locals))], type: [type] };
    if (globals.length && rnd.chance(0.25)) return { op: [0x23, ...uleb(rnd.pick(globals))], type: [type] };
    return randomConst(rnd, type);
  }

  private localsOf(type: ValType): number[] {
    return this.locals.flatMap((t, i) => (t === type ? [i] : []));
  }

  private globalsOf(type: ValType, mutableOnly: boolean): number[] {
    return this.mb.m.globals.flatMap((g, i) => (g.type === type && i !== FUEL_GLOBAL && (!mutableOnly || g.mutable) ? [i] : []));
  }

  private valueExpr(type: ValueType, depth: number): Node {
    const rnd = this.rnd;
    const d = depth + 1;
    const hasMemory = this.mb.m.memory !== undefined;
    const hasTable = this.mb.m.table !== undefined;
    const num = type !== 'v128';
    const simd = this.mb.simdWith([type]).length;
    const kind = rnd.weighted<string>([
      [10, 'leaf'], [num ? 10 : 0, 'unary'], [num ? 16 : 0, 'binary'], [type === 'i32' ? 6 : 0, 'compare'], [num ? 8 : 0, 'convert'],
      [num && hasMemory ? 8 : 0, 'load'], [simd ? (num ? 4 : 30) : 0, 'simd'],
      [4, 'tee'], [4, 'select'], [5, 'call'], [hasTable ? 3 : 0, 'call_indirect'], [5, 'block'], [3, 'loop'], [5, 'if'],
      [3, 'br_if'], [1, 'br'], [1, 'br_table'], [0.3, 'return'], [0.2, 'unreachable'],
      [type === 'i32' && hasMemory ? 1 : 0, 'memory.size'], [type === 'i32' && hasMemory ? 1 : 0, 'memory.grow'],
      [type === 'i32' ? 1 : 0, 'ref.is_null'], [type === 'i32' && hasTable ? 1 : 0, 'table.size'], [type === 'i32' && hasTable ? 1 : 0, 'table.grow'],
      [type === 'i32' ? 1 : 0, 'call-export'],
    ]);
    if (kind === 'simd') return this.simd(rnd.pick(this.mb.simdWith([type])), d);
    if (!num) return this.common(kind, type, d);
    switch (kind) {
      case 'unary':
        return { kids: [this.expr(type, d)], op: rnd.pick(UNARY[type]), type: [type] };
      case 'binary':
        return { kids: [this.expr(type, d), this.expr(type, d)], op: rnd.pick(BINARY[type]), type: [type] };
      case 'compare': {
        const src = rnd.pick(NUM_TYPES);
        if (rnd.chance(0.25) && EQZ[src] !== undefined) return { kids: [this.expr(src, d)], op: [EQZ[src]!], type: [type] };
        return { kids: [this.expr(src, d), this.expr(src, d)], op: rnd.pick(COMPARE[src]), type: [type] };
      }
      case 'convert': {
        const [src, , op] = rnd.pick(CONVERSIONS.filter(([, dst]) => dst === type));
        return { kids: [this.expr(src, d)], op, type: [type] };
      }
      case 'load': {
        const [op, align] = rnd.pick(LOADS[type]);
        return { kids: [this.address(d)], op: [op, ...this.memarg(align)], type: [type] };
      }
      case 'memory.size':
        return { op: [0x3f, 0x00], type: [type] };
      case 'memory.grow':
        return { kids: [rnd.chance(0.8) ? constNode('i32', rnd.pick([0, 0, 1, 1, 2, 65536, -1])) : this.expr('i32', d)], op: [0x40, 0x00], type: [type] };
      case 'ref.is_null':
        return { kids: [this.expr(rnd.pick(REF_TYPES), d)], op: [0xd1], type: [type] };
      case 'table.size':
        return { op: [0xfc, 0x10, 0x00], type: [type] };
      case 'table.grow':
        return { kids: [this.expr('funcref', d), rnd.chance(0.8) ? constNode('i32', rnd.pick([0, 1, 2, -1, 100000])) : this.expr('i32', d)], op: [0xfc, 0x0f, 0x00], type: [type] };
      case 'call-export':
        return { kids: [this.exportIndex(d)], op: [0x10, CALL_EXPORT_IMPORT], type: [type] };
    }
    return this.common(kind, type, d);
  }

  /** The expressions of any value type: tee, select, calls, blocks and branches (else a leaf). */
  private common(kind: string, type: ValueType, d: number): Node {
    const rnd = this.rnd;
    switch (kind) {
      case 'tee': {
        const local = rnd.chance(0.7) && this.localsOf(type).length ? rnd.pick(this.localsOf(type)) : this.scratch(type);
        return { kids: [this.expr(type, d)], op: [0x22, ...uleb(local)], type: [type] };
      }
      case 'select':
        return {
          kids: [this.expr(type, d), this.expr(type, d), this.expr('i32', d)],
          op: rnd.chance(0.3) ? [0x1c, 0x01, VALTYPE_CODE[type]] : [0x1b],
          type: [type],
        };
      case 'call':
      case 'call_indirect':
        return this.call(kind === 'call_indirect', [type], d) ?? this.leaf(type);
      case 'block':
      case 'loop':
      case 'if':
        return this.structured(kind, [type], d);
      case 'br_if':
        return this.brIf([type], d) ?? this.leaf(type);
      case 'br':
      case 'br_table':
      case 'return':
      case 'unreachable':
        return { ...this.divergent(kind, d), type: [type] };
    }
    return this.leaf(type);
  }

  /** A SIMD instruction with generated operands (an address for a memory instruction's i32). */
  private simd(instruction: SimdInstruction, depth: number): Node {
    const kids = instruction.params.map((t, i) => (i === 0 && instruction.accessBytes !== undefined ? this.address(depth) : this.expr(t, depth)));
    return { kids, op: instruction.encode(this.rnd, (align) => this.memarg(align)), type: [...instruction.results] };
  }

  private refExpr(type: RefType, depth: number): Node {
    const rnd = this.rnd;
    const d = depth + 1;
    const hasTable = this.mb.m.table !== undefined;
    const kind = rnd.weighted<string>([
      [4, 'leaf'], [type === 'funcref' ? 4 : 0, 'ref.func'], [type === 'funcref' && hasTable ? 3 : 0, 'table.get'],
      [2, 'select'], [2, 'block'], [1, 'if'],
    ]);
    switch (kind) {
      case 'ref.func':
        return { op: [0xd2, ...uleb(this.mb.importCount + rnd.below(this.mb.funcTypes.length - this.mb.importCount))], type: [type] };
      case 'table.get':
        return { kids: [this.tableIndex(d)], op: [0x25, 0x00], type: [type] };
      case 'select':
        return { kids: [this.expr(type, d), this.expr(type, d), this.expr('i32', d)], op: [0x1c, 0x01, VALTYPE_CODE[type]], type: [type] };
      case 'block':
      case 'if':
        return this.structured(kind, [type], d);
    }
    return this.leaf(type);
  }

  /** Mostly in-bounds addresses, some at the end of memory, some anywhere. */
  private address(depth: number): Node {
    const rnd = this.rnd;
    const end = this.mb.memoryBytes;
    return rnd.weighted<() => Node>([
      [6, () => constNode('i32', rnd.between(0, 96))],
      [2, () => constNode('i32', end + rnd.between(-12, 4))],
      [0.5, () => constNode('i32', rnd.uint32() | 0)],
      [4, () => ({ kids: [this.expr('i32', depth), constNode('i32', rnd.pick([0xff, 0xfff, 0x7ff8, 0xfff8]))], op: [0x71], type: ['i32'] as ValType[] })],
      [1, () => this.expr('i32', depth)],
    ])();
  }

  private memarg(naturalAlign: number): number[] {
    const rnd = this.rnd;
    const align = rnd.chance(0.7) ? naturalAlign : rnd.between(0, naturalAlign);
    const offset = rnd.weighted<number>([[8, 0], [5, rnd.between(1, 64)], [0.5, 65536 - rnd.between(0, 8)], [0.25, rnd.uint32()], [0.25, 0xffffffff]]);
    return [...uleb(align), ...uleb(offset)];
  }

  private tableIndex(depth: number): Node {
    const rnd = this.rnd;
    const min = this.mb.m.table?.min ?? 0;
    return rnd.weighted<() => Node>([
      [8, () => constNode('i32', rnd.between(0, Math.max(min - 1, 0)))],
      [1, () => constNode('i32', min + rnd.between(0, 1))],
      [1, () => this.expr('i32', depth)],
    ])();
  }

  private exportIndex(depth: number): Node {
    return this.rnd.chance(0.9) ? constNode('i32', this.rnd.between(0, this.mb.m.exports.length)) : this.expr('i32', depth);
  }

  private args(types: readonly ValType[], depth: number): Node[] {
    return types.map((t) => this.expr(t, depth));
  }

  /** A call whose results are exactly `results` (or `null` for "drop them all": a statement). */
  private call(indirect: boolean, results: ValType[] | null, depth: number): Node | null {
    const rnd = this.rnd;
    const mb = this.mb;
    if (indirect) {
      // Mostly the type of a function the table holds (so that the call goes through), else any.
      const inTable = mb.m.elems.find((e) => !e.passive)?.funcs ?? [];
      const typeOfElem = inTable.length && rnd.chance(0.6) ? mb.funcTypes[rnd.pick(inTable)] : undefined;
      const fits = typeOfElem !== undefined && (!results || sameTypes(mb.m.types[typeOfElem].results, results));
      const typeIndex = fits ? typeOfElem : results ? mb.typeIndex({ params: mb.types(3), results }) : rnd.below(mb.m.types.length);
      const t = mb.m.types[typeIndex];
      if (results === null && t.results.length > 3) return null;
      return {
        kids: [...this.args(t.params, depth), this.tableIndex(depth)],
        op: [0x11, ...uleb(typeIndex), 0x00, ...(results ? [] : t.results.map(() => 0x1a))],
        type: results ?? [],
      };
    }
    // Direct calls go to imports or to earlier defined functions only, so call chains end.
    const candidates: number[] = [];
    for (let f = 0; f < mb.importCount + this.defined; f++) {
      if (f === CALL_EXPORT_IMPORT) continue;
      if (!results || sameTypes(mb.m.types[mb.funcTypes[f]].results, results)) candidates.push(f);
    }
    if (!candidates.length) return null;
    const f = rnd.pick(candidates);
    const t = mb.m.types[mb.funcTypes[f]];
    return { kids: this.args(t.params, depth), op: [0x10, ...uleb(f), ...(results ? [] : t.results.map(() => 0x1a))], type: results ?? [] };
  }

  /** block / loop / if with `results`, and sometimes parameters. */
  private structured(kind: 'block' | 'loop' | 'if', results: ValType[], depth: number): Node {
    const rnd = this.rnd;
    const mb = this.mb;
    const params = rnd.chance(0.2) ? mb.types(2) : [];
    const kids = this.args(params, depth);
    if (kind === 'if') kids.push(this.expr('i32', depth));
    let blockType: number[];
    if (params.length === 0 && results.length === 0) blockType = [0x40];
    else if (params.length === 0 && results.length === 1 && rnd.chance(0.8)) blockType = [VALTYPE_CODE[results[0]]];
    else blockType = sleb(mb.typeIndex({ params, results }));
    const op = [{ block: 0x02, loop: 0x03, if: 0x04 }[kind], ...blockType];
    this.labels.push({ types: kind === 'loop' ? params : results });
    const arm = (): Node[] => {
      const body: Node[] = [];
      if (kind === 'loop') body.push(FUEL_CHECK);
      if (params.length) {
        const sets = params.map((p) => this.scratch(p)).reverse();
        body.push({ op: sets.flatMap((l) => [0x21, ...uleb(l)]), type: [], fixed: true });
      }
      const statements = rnd.between(0, 3);
      for (let i = 0; i < statements && this.budget > 0; i++) body.push(this.statement(depth));
      body.push(...results.map((t) => this.expr(t, depth)));
      return body;
    };
    const body = arm();
    const alt = kind === 'if' && (params.length || results.length || rnd.chance(0.5)) ? arm() : undefined;
    this.labels.pop();
    return { kids, op, body, alt, type: results };
  }

  private labelDepth(index: number): number {
    return this.labels.length - 1 - index;
  }

  private labelWith(types: ValType[] | null): number | null {
    const choices = this.labels.flatMap((l, i) => (types === null || sameTypes(l.types, types) ? [i] : []));
    return choices.length ? this.rnd.pick(choices) : null;
  }

  /** br_if to a label carrying `types`, leaving them on the stack. */
  private brIf(types: ValType[], depth: number): Node | null {
    const label = this.labelWith(types);
    if (label === null) return null;
    return { kids: [...this.args(types, depth), this.expr('i32', depth)], op: [0x0d, ...uleb(this.labelDepth(label))], type: types };
  }

  /** br, br_table, return or unreachable: never completes, so it may stand for any type. */
  private divergent(kind: string, depth: number): Node {
    const rnd = this.rnd;
    if (kind === 'br') {
      const label = rnd.below(this.labels.length);
      return { kids: this.args(this.labels[label].types, depth), op: [0x0c, ...uleb(this.labelDepth(label))], type: [] };
    }
    if (kind === 'br_table') {
      const label = rnd.below(this.labels.length);
      const types = this.labels[label].types;
      const same = this.labels.flatMap((l, i) => (sameTypes(l.types, types) ? [this.labelDepth(i)] : []));
      const targets = Array.from({ length: rnd.between(0, 8) }, () => rnd.pick(same));
      const index = rnd.chance(0.7) ? constNode('i32', rnd.between(-1, targets.length + 1)) : this.expr('i32', depth);
      return { kids: [...this.args(types, depth), index], op: [0x0e, ...uleb(targets.length), ...targets.flatMap((t) => uleb(t)), ...uleb(rnd.pick(same))], type: [] };
    }
    if (kind === 'return') return { kids: this.args(this.type.results, depth), op: [0x0f], type: [] };
    return { op: [0x00], type: [] };
  }

  // ---- statements -------------------------------------------------------------------------------

  private statement(depth: number): Node {
    const rnd = this.rnd;
    const mb = this.mb;
    const d = depth + 1;
    this.spend();
    if (depth >= this.maxDepth + 2) return { kids: [this.leaf('i32')], op: [0x1a], type: [] };
    const hasMemory = mb.m.memory !== undefined;
    const hasTable = mb.m.table !== undefined;
    const kind = rnd.weighted<string>([
      [8, 'drop'], [8, 'local.set'], [4, 'global.set'], [hasMemory ? 8 : 0, 'store'], [5, 'log'], [4, 'call'],
      [hasTable ? 2 : 0, 'call_indirect'], [5, 'block'], [3, 'loop'], [5, 'if'], [3, 'br_if'], [0.7, 'br'], [0.7, 'br_table'],
      [0.2, 'return'], [0.1, 'unreachable'], [0.3, 'deep'], [1, 'multi'], [1, 'call-export'], [0.5, 'nop'],
      [hasMemory ? 1 : 0, 'memory.fill'], [hasMemory ? 1 : 0, 'memory.copy'], [hasMemory && mb.m.datas.length ? 1 : 0, 'memory.init'],
      [hasMemory && mb.m.datas.length ? 0.3 : 0, 'data.drop'], [hasTable ? 1 : 0, 'table.set'], [hasTable ? 0.5 : 0, 'table.fill'],
      [hasTable ? 0.5 : 0, 'table.copy'], [hasTable && mb.m.elems.length ? 0.5 : 0, 'table.init'], [hasTable && mb.m.elems.length ? 0.2 : 0, 'elem.drop'],
    ]);
    const small = () => (rnd.chance(0.8) ? constNode('i32', rnd.pick([0, 1, 2, 3, 8, 16, 100, 65536, -1])) : this.expr('i32', d));
    switch (kind) {
      case 'drop': {
        const t = mb.valType();
        return { kids: [this.expr(t, d)], op: [0x1a], type: [] };
      }
      case 'local.set': {
        const local = rnd.below(this.locals.length + 1);
        const t = local < this.locals.length ? this.locals[local] : mb.valType();
        const index = local < this.locals.length ? local : this.scratch(t);
        return { kids: [this.expr(t, d)], op: [0x21, ...uleb(index)], type: [] };
      }
      case 'global.set': {
        const mutable = mb.m.globals.flatMap((g, i) => (g.mutable && i !== FUEL_GLOBAL ? [i] : []));
        if (!mutable.length) break;
        const g = rnd.pick(mutable);
        return { kids: [this.expr(mb.m.globals[g].type, d)], op: [0x24, ...uleb(g)], type: [] };
      }
      case 'store': {
        const simdStores = mb.simdWith([]);
        if (simdStores.length && rnd.chance(0.4)) return this.simd(rnd.pick(simdStores), d);
        const t = rnd.pick(NUM_TYPES);
        const [op, align] = rnd.pick(STORES[t]);
        return { kids: [this.address(d), this.expr(t, d)], op: [op, ...this.memarg(align)], type: [] };
      }
      case 'log': {
        if (mb.simd && rnd.chance(0.3)) {
          // Both i64 lanes: every bit of the value reaches the log.
          const scratch = this.scratch('v128');
          const lane = (n: number) => [...I64X2_EXTRACT_LANE, n, 0x10, LOG_IMPORT.i64];
          return { kids: [this.expr('v128', d)], op: [0x22, ...uleb(scratch), ...lane(0), 0x20, ...uleb(scratch), ...lane(1)], type: [] };
        }
        const t = rnd.pick(NUM_TYPES);
        return { kids: [this.expr(t, d)], op: [0x10, LOG_IMPORT[t]], type: [] };
      }
      case 'call':
      case 'call_indirect':
        return this.call(kind === 'call_indirect', null, d) ?? { op: [0x01], type: [] };
      case 'block':
      case 'loop':
      case 'if': {
        const results = rnd.chance(0.3) ? mb.types(3) : [];
        const node = this.structured(kind, results, d);
        return results.length ? { kids: [node], op: results.map(() => 0x1a), type: [] } : node;
      }
      case 'br_if': {
        const label = this.labelWith(null)!;
        const types = this.labels[label].types;
        return { kids: [...this.args(types, d), this.expr('i32', d)], op: [0x0d, ...uleb(this.labelDepth(label)), ...types.map(() => 0x1a)], type: [] };
      }
      case 'br':
      case 'br_table':
      case 'return':
      case 'unreachable':
        return this.divergent(kind, d);
      case 'deep':
        return this.deepNest();
      case 'multi': {
        // A multi-value producer whose values go to fresh locals.
        const results = Array.from({ length: rnd.between(2, 4) }, () => mb.valType());
        const producer = rnd.chance(0.5) ? this.structured('block', results, d) : this.call(false, results, d) ?? this.structured('if', results, d);
        const sets = results.map((t) => this.scratch(t)).reverse();
        return { kids: [producer], op: sets.flatMap((l) => [0x21, ...uleb(l)]), type: [] };
      }
      case 'call-export':
        return { kids: [this.exportIndex(d)], op: [0x10, CALL_EXPORT_IMPORT, 0x1a], type: [] };
      case 'memory.fill':
        return { kids: [this.address(d), this.expr('i32', d), small()], op: [0xfc, 0x0b, 0x00], type: [] };
      case 'memory.copy':
        return { kids: [this.address(d), this.address(d), small()], op: [0xfc, 0x0a, 0x00, 0x00], type: [] };
      case 'memory.init':
        return { kids: [this.address(d), small(), small()], op: [0xfc, 0x08, ...uleb(rnd.below(mb.m.datas.length)), 0x00], type: [] };
      case 'data.drop':
        return { op: [0xfc, 0x09, ...uleb(rnd.below(mb.m.datas.length))], type: [] };
      case 'table.set':
        return { kids: [this.tableIndex(d), this.expr('funcref', d)], op: [0x26, 0x00], type: [] };
      case 'table.fill':
        return { kids: [this.tableIndex(d), this.expr('funcref', d), small()], op: [0xfc, 0x11, 0x00], type: [] };
      case 'table.copy':
        return { kids: [this.tableIndex(d), this.tableIndex(d), small()], op: [0xfc, 0x0e, 0x00, 0x00], type: [] };
      case 'table.init':
        return { kids: [this.tableIndex(d), small(), small()], op: [0xfc, 0x0c, ...uleb(rnd.below(mb.m.elems.length)), 0x00], type: [] };
      case 'elem.drop':
        return { op: [0xfc, 0x0d, ...uleb(rnd.below(mb.m.elems.length))], type: [] };
    }
    return { op: [0x01], type: [] };
  }

  /** Dozens to hundreds of nested blocks, with branches out of the middle. */
  private deepNest(): Node {
    const rnd = this.rnd;
    const levels = rnd.between(20, 300);
    const withValue = rnd.chance(0.5);
    const type: ValType[] = withValue ? ['i32'] : [];
    let inner: Node = withValue ? randomConst(rnd, 'i32') : { op: [0x01], type: [] };
    for (let level = 0; level < levels; level++) {
      const isLoop = !withValue && rnd.chance(0.2);
      const body: Node[] = isLoop ? [FUEL_CHECK] : [];
      if (rnd.chance(0.1)) {
        // Only to the nest's own blocks, which all carry the same types: this one and those around it.
        const target = rnd.below(levels - level);
        const values = withValue ? [randomConst(rnd, 'i32')] : [];
        body.push({ kids: [...values, this.leaf('i32')], op: [0x0d, ...uleb(target), ...(withValue ? [0x1a] : [])], type: [] });
      }
      body.push(inner);
      inner = { op: [isLoop ? 0x03 : 0x02, withValue ? VALTYPE_CODE.i32 : 0x40], body, type };
    }
    return withValue ? { kids: [inner], op: [0x10, LOG_IMPORT.i32], type: [] } : inner;
  }
}

// ---- the module ---------------------------------------------------------------------------------

export function generateTypedModule(seed: number): TypedModule {
  const rnd = new Random(seed);
  const mb = new ModuleBuilder(rnd);
  const m = mb.m;
  for (const imp of TYPED_IMPORTS) {
    const type = mb.typeIndex(imp);
    m.imports.push({ module: imp.module, name: imp.name, type });
    mb.funcTypes.push(type);
  }
  const funcCount = rnd.between(1, 7);
  const funcTypes = Array.from({ length: funcCount }, () =>
    mb.typeIndex({ params: mb.types(rnd.chance(0.05) ? 12 : 4), results: rnd.chance(0.2) ? mb.types(4) : mb.types(1) }));
  mb.funcTypes.push(...funcTypes);

  m.globals.push({ type: 'i32', mutable: true, init: constNode('i32', 0) });
  for (let i = rnd.between(0, 6); i > 0; i--) {
    const type = mb.valType(0.2);
    m.globals.push({ type, mutable: rnd.chance(0.7), init: type === 'funcref' && rnd.chance(0.5) ? { op: [0xd2, ...uleb(mb.importCount + rnd.below(funcCount))], type: [type] } : randomConst(rnd, type) });
  }
  if (rnd.chance(0.85)) {
    const min = rnd.weighted([[1, 0], [6, 1], [2, 2]]);
    m.memory = { min, max: rnd.chance(0.5) ? min + rnd.between(0, 3) : undefined };
    for (let i = rnd.between(0, 4); i > 0; i--) {
      const bytes = Array.from(rnd.bytes(rnd.between(0, 24)));
      const passive = rnd.chance(0.4) || min === 0;
      m.datas.push({ offset: passive ? undefined : rnd.between(0, Math.max(0, min * 65536 - bytes.length)), bytes });
    }
  }
  if (rnd.chance(0.85)) {
    const elems = Array.from({ length: rnd.between(1, funcCount + 3) }, () => mb.importCount + rnd.below(funcCount));
    // Every defined function appears in an element segment, which declares it for ref.func.
    const all = Array.from({ length: funcCount }, (_, i) => mb.importCount + i);
    m.table = { min: elems.length + rnd.between(0, 3), max: rnd.chance(0.3) ? elems.length + rnd.between(3, 8) : undefined };
    m.elems.push({ passive: false, funcs: elems }, { passive: true, funcs: all });
  } else {
    m.elems.push({ passive: true, funcs: Array.from({ length: funcCount }, (_, i) => mb.importCount + i) });
  }

  for (let f = 0; f < funcCount; f++) m.exports.push({ name: `f${f}`, kind: 'func', index: mb.importCount + f });
  m.exports.push({ name: FUEL_EXPORT, kind: 'global', index: FUEL_GLOBAL });
  if (m.memory) m.exports.push({ name: 'mem', kind: 'memory', index: 0 });
  if (m.table) m.exports.push({ name: 'table', kind: 'table', index: 0 });

  for (let f = 0; f < funcCount; f++) {
    const builder = new FunctionBuilder(mb, f, m.types[funcTypes[f]]);
    m.funcs.push({ type: funcTypes[f], locals: [], body: [] });
    const body = builder.build();
    m.funcs[f] = { type: funcTypes[f], locals: builder.locals.slice(builder.paramCount), body };
  }
  const nullary = funcTypes.flatMap((t, f) => (m.types[t].params.length === 0 && m.types[t].results.length === 0 ? [f] : []));
  if (nullary.length && rnd.chance(0.05)) m.start = mb.importCount + rnd.pick(nullary);
  return m;
}
