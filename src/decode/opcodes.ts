// The WebAssembly 2.0 opcode table (without SIMD): name and immediate shape of every instruction.

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
  | 'table_init';

export interface OpcodeInfo {
  name: string;
  immediate: Immediate;
  /** The instruction's number in decoded bodies: its byte, or PREFIXED_BASE + the sub-opcode after 0xfc. */
  id: number;
}

/** Ids of the 0xfc-prefixed instructions start here, above every single-byte opcode. */
export const PREFIXED_BASE = 0x100;

/** Every instruction by id (holes where no instruction is defined). */
const byId: (OpcodeInfo | undefined)[] = [];
const byName = new Map<string, number>();

function define(base: number, first: number, immediate: Immediate, names: string[]): void {
  names.forEach((name, i) => {
    const id = base + first + i;
    byId[id] = { name, immediate, id };
    // `select` has two encodings; the name stands for the untyped one.
    if (!byName.has(name)) byName.set(name, id);
  });
}

const single = 0;
const prefixed = PREFIXED_BASE;

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

/** The prefix byte of the saturating-truncation, bulk-memory and table instructions. */
export const MISC_PREFIX = 0xfc;

/** The prefix byte of the SIMD (v128) instructions, which wasmjit does not compile. */
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
  call: opcodeId('call'),
  callIndirect: opcodeId('call_indirect'),
  localGet: opcodeId('local.get'),
  localSet: opcodeId('local.set'),
  localTee: opcodeId('local.tee'),
} as const;
