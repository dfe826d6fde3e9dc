// Function bodies and constant expressions: bytes → flat Instr lists. Only the encoding is checked
// here; types, labels and indices are validated by the compiler in its single pass.
import type { ConstExpr, FuncType, Instr, RefType, ValType } from './ir.js';
import { MISC_PREFIX, opcodeInfo, prefixedOpcodeInfo, SIMD_PREFIX } from './opcodes.js';
import type { OpcodeInfo } from './opcodes.js';
import type { Reader } from './reader.js';

const VALTYPE_CODES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref',
};

export function readValType(reader: Reader): ValType {
  const at = reader.pos;
  const type = VALTYPE_CODES[reader.u8()];
  if (!type) throw reader.error(`malformed value type 0x${reader.bytes[at]!.toString(16)}`, at);
  return type;
}

export function readRefType(reader: Reader): RefType {
  const at = reader.pos;
  const type = readValType(reader);
  if (type !== 'funcref' && type !== 'externref') throw reader.error(`malformed reference type ${type}`, at);
  return type;
}

function readBlockType(reader: Reader, types: readonly FuncType[]): FuncType {
  const first = reader.bytes[reader.pos];
  if (first === 0x40) {
    reader.pos++;
    return { params: [], results: [] };
  }
  if (first !== undefined && VALTYPE_CODES[first]) return { params: [], results: [readValType(reader)] };
  const at = reader.pos;
  const index = reader.s33();
  const type = index >= 0 ? types[index] : undefined;
  if (!type) throw reader.error(`unknown type ${index} used as a block type`, at);
  return type;
}

function readInstr(reader: Reader, types: readonly FuncType[]): Instr {
  const at = reader.pos;
  const opcode = reader.u8();
  let info: OpcodeInfo | undefined;
  if (opcode === SIMD_PREFIX) {
    const sub = reader.u32('opcode');
    throw reader.error(`unsupported instruction 0xfd 0x${sub.toString(16)} (SIMD: v128 is not supported)`, at);
  }
  if (opcode === MISC_PREFIX) {
    const sub = reader.u32('opcode');
    info = prefixedOpcodeInfo(sub);
    if (!info) throw reader.error(`illegal opcode 0xfc ${sub}`, at);
  } else {
    info = opcodeInfo(opcode);
    if (!info) throw reader.error(`illegal opcode 0x${opcode.toString(16)}`, at);
  }
  const op = info.name;
  switch (info.immediate) {
    case 'none':
      return { op };
    case 'block':
      return { op, blockType: readBlockType(reader, types) };
    case 'index':
      return { op, index: reader.u32('index') };
    case 'br_table': {
      const targets = reader.vec(() => reader.u32('label'), 'br_table');
      return { op: 'br_table', targets, defaultTarget: reader.u32('label') };
    }
    case 'call_indirect': {
      const index = reader.u32('type index');
      return { op, index, table: reader.u32('table index') };
    }
    case 'memarg': {
      const align = reader.u32('alignment');
      return { op, memory: { align, offset: reader.u32('offset') } };
    }
    case 'i32':
      return { op, value: reader.s32() };
    case 'i64':
      return { op, value: reader.s64() };
    case 'f32':
      return { op, bits: reader.f32Bits() };
    case 'f64':
      return { op, bits: reader.f64Bits() };
    case 'select_types':
      return { op, types: reader.vec(() => readValType(reader), 'select types') };
    case 'ref_type':
      return { op, refType: readRefType(reader) };
    case 'zero':
      readZero(reader);
      return { op };
    case 'zero_zero':
      readZero(reader);
      readZero(reader);
      return { op };
    case 'index_zero': {
      const index = reader.u32('data index');
      readZero(reader);
      return { op, index };
    }
    case 'table_copy': {
      const table = reader.u32('table index');
      return { op, table, source: reader.u32('table index') };
    }
    case 'table_init': {
      const index = reader.u32('element index');
      return { op, index, table: reader.u32('table index') };
    }
  }
}

function readZero(reader: Reader): void {
  const at = reader.pos;
  if (reader.u8() !== 0) throw reader.error('zero byte expected', at);
}

/** Decodes instructions up to the end of the reader's range (a function body after its locals). */
export function readBody(reader: Reader, types: readonly FuncType[]): Instr[] {
  const body: Instr[] = [];
  while (!reader.atEnd) body.push(readInstr(reader, types));
  return body;
}

const CONST_OPS = new Set(['i32.const', 'i64.const', 'f32.const', 'f64.const', 'global.get', 'ref.null', 'ref.func']);

/** A constant expression: one constant instruction followed by `end`. */
export function readConstExpr(reader: Reader, types: readonly FuncType[]): ConstExpr {
  const at = reader.pos;
  const instr = readInstr(reader, types);
  if (!CONST_OPS.has(instr.op)) throw reader.error(`constant expression required, got ${instr.op}`, at);
  const endAt = reader.pos;
  if (readInstr(reader, types).op !== 'end') throw reader.error('constant expression required: expected a single instruction and end', endAt);
  return constExprOf(instr);
}

function constExprOf(instr: Instr): ConstExpr {
  switch (instr.op) {
    case 'i32.const':
      return { op: 'i32.const', value: instr.value as number };
    case 'i64.const':
      return { op: 'i64.const', value: instr.value as bigint };
    case 'f32.const':
      return { op: 'f32.const', bits: instr.bits as number };
    case 'f64.const':
      return { op: 'f64.const', bits: instr.bits as bigint };
    case 'ref.null':
      return { op: 'ref.null', refType: instr.refType! };
    case 'ref.func':
      return { op: 'ref.func', index: instr.index! };
    default:
      return { op: 'global.get', index: instr.index! };
  }
}
