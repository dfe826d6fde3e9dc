// The WebAssembly 2.0 opcode table: name and immediate shape of every instruction, SIMD included.

export type Immediate =
  | 'none'
  | 'block'
  | 'index'
  | 'br_table'
  | 'call_indirect'
  | 'memarg'
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64'
  | 'select_types'
  | 'ref_type'
  /** One reserved zero byte (memory index 0): memory.size, memory.grow, memory.fill. */
  | 'zero'
  /** Two reserved zero bytes: memory.copy. */
  | 'zero_zero'
  /** A data segment index, then a zero byte: memory.init. */
  | 'index_zero'
  /** Two indices: table.copy (destination, source), table.init (segment, table). */
  | 'table_copy'
  | 'table_init'
  /** A memarg, then a lane index byte: v128.loadN_lane, v128.storeN_lane. */
  | 'memarg_lane'
  /** A lane index byte: extract_lane, replace_lane. */
  | 'lane'
  /** 16 bytes: v128.const. */
  | 'v128'
  /** 16 lane index bytes, each below 32: i8x16.shuffle. */
  | 'shuffle';

export interface OpcodeInfo {
  name: string;
  immediate: Immediate;
  /**
   * The instruction's number in decoded bodies: its byte, PREFIXED_BASE + the sub-opcode after 0xfc,
   * or SIMD_BASE + the sub-opcode after 0xfd.
   */
  id: number;
  /** Instructions with a lane index immediate: the number of lanes (the index must be below it). */
  lanes?: number;
}

/** Ids of the 0xfc-prefixed instructions start here, above every single-byte opcode. */
export const PREFIXED_BASE = 0x100;

/** Ids of the 0xfd-prefixed (SIMD) instructions start here, above every 0xfc-prefixed one. */
export const SIMD_BASE = 0x200;

/** Every instruction by id (holes where no instruction is defined). */
const byId: (OpcodeInfo | undefined)[] = [];
const byName = new Map<string, number>();

function define(base: number, first: number, immediate: Immediate, names: string[]): void {
  names.forEach((name, i) => {
    const id = base + first + i;
    const lanes = immediate === 'lane' || immediate === 'memarg_lane' ? laneCount(name) : undefined;
    byId[id] = lanes === undefined ? { name, immediate, id } : { name, immediate, id, lanes };
    // `select` has two encodings; the name stands for the untyped one.
    if (!byName.has(name)) byName.set(name, id);
  });
}

/**
 * Lanes of a lane instruction, from its name: the shape (`i16x8.extract_lane_s`: 8) or the access
 * width (`v128.load32_lane`: 128 / 32).
 */
function laneCount(name: string): number {
  const shape = /^[if](?:8|16|32|64)x(\d+)\./.exec(name);
  const access = /^v128\.(?:load|store)(\d+)_lane$/.exec(name);
  const lanes = shape ? Number(shape[1]) : access ? 128 / Number(access[1]) : NaN;
  if (!Number.isInteger(lanes)) throw new Error(`internal error: no lane count for ${name}`);
  return lanes;
}

const single = 0;
const prefixed = PREFIXED_BASE;
const simd = SIMD_BASE;

define(single, 0x00, 'none', ['unreachable', 'nop']);
define(single, 0x02, 'block', ['block', 'loop', 'if']);
define(single, 0x05, 'none', ['else']);
define(single, 0x0b, 'none', ['end']);
define(single, 0x0c, 'index', ['br', 'br_if']);
define(single, 0x0e, 'br_table', ['br_table']);
define(single, 0x0f, 'none', ['return']);
define(single, 0x10, 'index', ['call']);
define(single, 0x11, 'call_indirect', ['call_indirect']);
define(single, 0x1a, 'none', ['drop', 'select']);
define(single, 0x1c, 'select_types', ['select']);
define(single, 0x20, 'index', ['local.get', 'local.set', 'local.tee', 'global.get', 'global.set', 'table.get', 'table.set']);
define(single, 0x28, 'memarg', [
  'i32.load', 'i64.load', 'f32.load', 'f64.load',
  'i32.load8_s', 'i32.load8_u', 'i32.load16_s', 'i32.load16_u',
  'i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u',
  'i32.store', 'i64.store', 'f32.store', 'f64.store',
  'i32.store8', 'i32.store16', 'i64.store8', 'i64.store16', 'i64.store32',
]);
define(single, 0x3f, 'zero', ['memory.size', 'memory.grow']);
define(single, 0x41, 'i32', ['i32.const']);
define(single, 0x42, 'i64', ['i64.const']);
define(single, 0x43, 'f32', ['f32.const']);
define(single, 0x44, 'f64', ['f64.const']);

const INT_COMPARE = ['eqz', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const FLOAT_COMPARE = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
const INT_ARITH = ['clz', 'ctz', 'popcnt', 'add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const FLOAT_ARITH = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt', 'add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
const prefix = (type: string, names: string[]): string[] => names.map((n) => `${type}.${n}`);

define(single, 0x45, 'none', [
  ...prefix('i32', INT_COMPARE), ...prefix('i64', INT_COMPARE),
  ...prefix('f32', FLOAT_COMPARE), ...prefix('f64', FLOAT_COMPARE),
  ...prefix('i32', INT_ARITH), ...prefix('i64', INT_ARITH),
  ...prefix('f32', FLOAT_ARITH), ...prefix('f64', FLOAT_ARITH),
  'i32.wrap_i64', 'i32.trunc_f32_s', 'i32.trunc_f32_u', 'i32.trunc_f64_s', 'i32.trunc_f64_u',
  'i64.extend_i32_s', 'i64.extend_i32_u', 'i64.trunc_f32_s', 'i64.trunc_f32_u', 'i64.trunc_f64_s', 'i64.trunc_f64_u',
  'f32.convert_i32_s', 'f32.convert_i32_u', 'f32.convert_i64_s', 'f32.convert_i64_u', 'f32.demote_f64',
  'f64.convert_i32_s', 'f64.convert_i32_u', 'f64.convert_i64_s', 'f64.convert_i64_u', 'f64.promote_f32',
  'i32.reinterpret_f32', 'i64.reinterpret_f64', 'f32.reinterpret_i32', 'f64.reinterpret_i64',
  'i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s',
]);
define(single, 0xd0, 'ref_type', ['ref.null']);
define(single, 0xd1, 'none', ['ref.is_null']);
define(single, 0xd2, 'index', ['ref.func']);

define(prefixed, 0x00, 'none', [
  'i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u',
  'i64.trunc_sat_f32_s', 'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u',
]);
define(prefixed, 0x08, 'index_zero', ['memory.init']);
define(prefixed, 0x09, 'index', ['data.drop']);
define(prefixed, 0x0a, 'zero_zero', ['memory.copy']);
define(prefixed, 0x0b, 'zero', ['memory.fill']);
define(prefixed, 0x0c, 'table_init', ['table.init']);
define(prefixed, 0x0d, 'index', ['elem.drop']);
define(prefixed, 0x0e, 'table_copy', ['table.copy']);
define(prefixed, 0x0f, 'index', ['table.grow', 'table.size', 'table.fill']);

// The SIMD instructions (0xfd prefix), in sub-opcode order: the binary opcode table of the 2.0 spec
// (document/core/binary/instructions.rst), whose sub-opcodes have holes where proposals moved.
define(simd, 0x00, 'memarg', [
  'v128.load', 'v128.load8x8_s', 'v128.load8x8_u', 'v128.load16x4_s', 'v128.load16x4_u', 'v128.load32x2_s',
  'v128.load32x2_u', 'v128.load8_splat', 'v128.load16_splat', 'v128.load32_splat', 'v128.load64_splat', 'v128.store',
]);
define(simd, 0x0c, 'v128', ['v128.const']);
define(simd, 0x0d, 'shuffle', ['i8x16.shuffle']);
define(simd, 0x0e, 'none', ['i8x16.swizzle', ...['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2'].map((s) => `${s}.splat`)]);
define(simd, 0x15, 'lane', [
  'i8x16.extract_lane_s', 'i8x16.extract_lane_u', 'i8x16.replace_lane',
  'i16x8.extract_lane_s', 'i16x8.extract_lane_u', 'i16x8.replace_lane',
  'i32x4.extract_lane', 'i32x4.replace_lane', 'i64x2.extract_lane', 'i64x2.replace_lane',
  'f32x4.extract_lane', 'f32x4.replace_lane', 'f64x2.extract_lane', 'f64x2.replace_lane',
]);
const VEC_INT_COMPARE = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
define(simd, 0x23, 'none', [
  ...prefix('i8x16', VEC_INT_COMPARE), ...prefix('i16x8', VEC_INT_COMPARE), ...prefix('i32x4', VEC_INT_COMPARE),
  ...prefix('f32x4', FLOAT_COMPARE), ...prefix('f64x2', FLOAT_COMPARE),
  'v128.not', 'v128.and', 'v128.andnot', 'v128.or', 'v128.xor', 'v128.bitselect', 'v128.any_true',
]);
define(simd, 0x54, 'memarg_lane', [
  'v128.load8_lane', 'v128.load16_lane', 'v128.load32_lane', 'v128.load64_lane',
  'v128.store8_lane', 'v128.store16_lane', 'v128.store32_lane', 'v128.store64_lane',
]);
define(simd, 0x5c, 'memarg', ['v128.load32_zero', 'v128.load64_zero']);
define(simd, 0x5e, 'none', ['f32x4.demote_f64x2_zero', 'f64x2.promote_low_f32x4']);
/** Sub-opcode → name of the lane arithmetic from 0x60 on, sparse: the rounding ops fill holes. */
const SIMD_ARITH: Record<number, string> = {
  0x60: 'i8x16.abs', 0x61: 'i8x16.neg', 0x62: 'i8x16.popcnt', 0x63: 'i8x16.all_true', 0x64: 'i8x16.bitmask',
  0x65: 'i8x16.narrow_i16x8_s', 0x66: 'i8x16.narrow_i16x8_u',
  0x67: 'f32x4.ceil', 0x68: 'f32x4.floor', 0x69: 'f32x4.trunc', 0x6a: 'f32x4.nearest',
  0x6b: 'i8x16.shl', 0x6c: 'i8x16.shr_s', 0x6d: 'i8x16.shr_u', 0x6e: 'i8x16.add', 0x6f: 'i8x16.add_sat_s',
  0x70: 'i8x16.add_sat_u', 0x71: 'i8x16.sub', 0x72: 'i8x16.sub_sat_s', 0x73: 'i8x16.sub_sat_u',
  0x74: 'f64x2.ceil', 0x75: 'f64x2.floor',
  0x76: 'i8x16.min_s', 0x77: 'i8x16.min_u', 0x78: 'i8x16.max_s', 0x79: 'i8x16.max_u',
  0x7a: 'f64x2.trunc', 0x7b: 'i8x16.avgr_u',
  0x7c: 'i16x8.extadd_pairwise_i8x16_s', 0x7d: 'i16x8.extadd_pairwise_i8x16_u',
  0x7e: 'i32x4.extadd_pairwise_i16x8_s', 0x7f: 'i32x4.extadd_pairwise_i16x8_u',
  0x80: 'i16x8.abs', 0x81: 'i16x8.neg', 0x82: 'i16x8.q15mulr_sat_s', 0x83: 'i16x8.all_true', 0x84: 'i16x8.bitmask',
  0x85: 'i16x8.narrow_i32x4_s', 0x86: 'i16x8.narrow_i32x4_u',
  0x87: 'i16x8.extend_low_i8x16_s', 0x88: 'i16x8.extend_high_i8x16_s', 0x89: 'i16x8.extend_low_i8x16_u', 0x8a: 'i16x8.extend_high_i8x16_u',
  0x8b: 'i16x8.shl', 0x8c: 'i16x8.shr_s', 0x8d: 'i16x8.shr_u', 0x8e: 'i16x8.add', 0x8f: 'i16x8.add_sat_s',
  0x90: 'i16x8.add_sat_u', 0x91: 'i16x8.sub', 0x92: 'i16x8.sub_sat_s', 0x93: 'i16x8.sub_sat_u',
  0x94: 'f64x2.nearest', 0x95: 'i16x8.mul',
  0x96: 'i16x8.min_s', 0x97: 'i16x8.min_u', 0x98: 'i16x8.max_s', 0x99: 'i16x8.max_u', 0x9b: 'i16x8.avgr_u',
  0x9c: 'i16x8.extmul_low_i8x16_s', 0x9d: 'i16x8.extmul_high_i8x16_s', 0x9e: 'i16x8.extmul_low_i8x16_u', 0x9f: 'i16x8.extmul_high_i8x16_u',
  0xa0: 'i32x4.abs', 0xa1: 'i32x4.neg', 0xa3: 'i32x4.all_true', 0xa4: 'i32x4.bitmask',
  0xa7: 'i32x4.extend_low_i16x8_s', 0xa8: 'i32x4.extend_high_i16x8_s', 0xa9: 'i32x4.extend_low_i16x8_u', 0xaa: 'i32x4.extend_high_i16x8_u',
  0xab: 'i32x4.shl', 0xac: 'i32x4.shr_s', 0xad: 'i32x4.shr_u', 0xae: 'i32x4.add', 0xb1: 'i32x4.sub', 0xb5: 'i32x4.mul',
  0xb6: 'i32x4.min_s', 0xb7: 'i32x4.min_u', 0xb8: 'i32x4.max_s', 0xb9: 'i32x4.max_u', 0xba: 'i32x4.dot_i16x8_s',
  0xbc: 'i32x4.extmul_low_i16x8_s', 0xbd: 'i32x4.extmul_high_i16x8_s', 0xbe: 'i32x4.extmul_low_i16x8_u', 0xbf: 'i32x4.extmul_high_i16x8_u',
  0xc0: 'i64x2.abs', 0xc1: 'i64x2.neg', 0xc3: 'i64x2.all_true', 0xc4: 'i64x2.bitmask',
  0xc7: 'i64x2.extend_low_i32x4_s', 0xc8: 'i64x2.extend_high_i32x4_s', 0xc9: 'i64x2.extend_low_i32x4_u', 0xca: 'i64x2.extend_high_i32x4_u',
  0xcb: 'i64x2.shl', 0xcc: 'i64x2.shr_s', 0xcd: 'i64x2.shr_u', 0xce: 'i64x2.add', 0xd1: 'i64x2.sub', 0xd5: 'i64x2.mul',
  0xd6: 'i64x2.eq', 0xd7: 'i64x2.ne', 0xd8: 'i64x2.lt_s', 0xd9: 'i64x2.gt_s', 0xda: 'i64x2.le_s', 0xdb: 'i64x2.ge_s',
  0xdc: 'i64x2.extmul_low_i32x4_s', 0xdd: 'i64x2.extmul_high_i32x4_s', 0xde: 'i64x2.extmul_low_i32x4_u', 0xdf: 'i64x2.extmul_high_i32x4_u',
  0xe0: 'f32x4.abs', 0xe1: 'f32x4.neg', 0xe3: 'f32x4.sqrt', 0xe4: 'f32x4.add', 0xe5: 'f32x4.sub', 0xe6: 'f32x4.mul', 0xe7: 'f32x4.div',
  0xe8: 'f32x4.min', 0xe9: 'f32x4.max', 0xea: 'f32x4.pmin', 0xeb: 'f32x4.pmax',
  0xec: 'f64x2.abs', 0xed: 'f64x2.neg', 0xef: 'f64x2.sqrt', 0xf0: 'f64x2.add', 0xf1: 'f64x2.sub', 0xf2: 'f64x2.mul', 0xf3: 'f64x2.div',
  0xf4: 'f64x2.min', 0xf5: 'f64x2.max', 0xf6: 'f64x2.pmin', 0xf7: 'f64x2.pmax',
  0xf8: 'i32x4.trunc_sat_f32x4_s', 0xf9: 'i32x4.trunc_sat_f32x4_u', 0xfa: 'f32x4.convert_i32x4_s', 0xfb: 'f32x4.convert_i32x4_u',
  0xfc: 'i32x4.trunc_sat_f64x2_s_zero', 0xfd: 'i32x4.trunc_sat_f64x2_u_zero', 0xfe: 'f64x2.convert_low_i32x4_s', 0xff: 'f64x2.convert_low_i32x4_u',
};
for (const [sub, name] of Object.entries(SIMD_ARITH)) define(simd, Number(sub), 'none', [name]);

/** The prefix byte of the saturating-truncation, bulk-memory and table instructions. */
export const MISC_PREFIX = 0xfc;

/** The prefix byte of the SIMD (v128) instructions. */
export const SIMD_PREFIX = 0xfd;

/** One more than the largest instruction id: the length of tables indexed by id. */
export const OPCODE_LIMIT = byId.length;

export function opcodeInfo(id: number): OpcodeInfo | undefined {
  return byId[id];
}

/** The id of an instruction by its text-format name (the untyped encoding for `select`). */
export function opcodeId(name: string): number {
  const id = byName.get(name);
  if (id === undefined) throw new Error(`internal error: no instruction ${name}`);
  return id;
}

/** Ids of the instructions the decoder and the compiler single out by name. */
export const Opcode = {
  unreachable: opcodeId('unreachable'),
  select: opcodeId('select'),
  /** `select` with a type vector: the name stands for the untyped one. */
  selectTyped: byId.findIndex((info) => info?.immediate === 'select_types'),
  block: opcodeId('block'),
  loop: opcodeId('loop'),
  if: opcodeId('if'),
  else: opcodeId('else'),
  end: opcodeId('end'),
  i32Const: opcodeId('i32.const'),
  i32And: opcodeId('i32.and'),
  call: opcodeId('call'),
  callIndirect: opcodeId('call_indirect'),
  localGet: opcodeId('local.get'),
  localSet: opcodeId('local.set'),
  localTee: opcodeId('local.tee'),
} as const;
