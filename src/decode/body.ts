// Function bodies and constant expressions: bytes → pre-decoded bodies (see `Body` in ir.ts). Only
// the encoding is checked here; types, labels and indices are validated by the compiler in its
// single pass. `instructionsOf` turns a body back into Instr objects for listings and tests.
import type { Body, ConstExpr, FuncType, Instr, RefType, ValType } from './ir.js';
import { INSTR_WORDS } from './ir.js';
import { MISC_PREFIX, Opcode, opcodeInfo, PREFIXED_BASE, SIMD_PREFIX } from './opcodes.js';
import type { Reader } from './reader.js';

const VALTYPE_CODES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref',
};

/** The value type of a binary type code kept in a decoded body (select types, ref.null). */
export function valTypeOfCode(code: number): ValType {
  const type = VALTYPE_CODES[code];
  if (!type) throw new Error(`internal error: value type code ${code}`);
  return type;
}

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

const EMPTY_BLOCK = 0x40;
const EMPTY_TYPE: FuncType = { params: [], results: [] };
const SHORT_BLOCK_TYPES: Record<number, FuncType> = Object.fromEntries([
  [EMPTY_BLOCK, EMPTY_TYPE],
  ...Object.entries(VALTYPE_CODES).map(([code, type]) => [code, { params: [], results: [type] }]),
]);

/**
 * A block type as one word: a type index (≥ 0), or the negated byte of the short forms (the empty
 * type, one result).
 */
function readBlockType(reader: Reader, types: readonly FuncType[]): number {
  const first = reader.bytes[reader.pos];
  if (first !== undefined && SHORT_BLOCK_TYPES[first]) {
    reader.pos++;
    return -first;
  }
  const at = reader.pos;
  const index = reader.s33();
  if (index < 0 || !types[index]) throw reader.error(`unknown type ${index} used as a block type`, at);
  return index;
}

/** The type a block-type word stands for (see `readBlockType`). */
export function blockTypeOf(word: number, types: readonly FuncType[]): FuncType {
  return word >= 0 ? types[word]! : SHORT_BLOCK_TYPES[-word]!;
}

const NO_EXTRA = new Int32Array(0);

/** Appends decoded instructions: one growable buffer reused for every body of a module. */
export class BodyWriter {
  private code: Int32Array;
  private length = 0;
  private extra: number[] = [];

  constructor(records = 1024) {
    this.code = new Int32Array(INSTR_WORDS * records);
  }

  /** Appends one instruction's record. */
  record(id: number, a = 0, b = 0): void {
    if (this.length + INSTR_WORDS > this.code.length) {
      const grown = new Int32Array(this.code.length * 2);
      grown.set(this.code);
      this.code = grown;
    }
    const { code } = this;
    code[this.length] = id;
    code[this.length + 1] = a;
    code[this.length + 2] = b;
    this.length += INSTR_WORDS;
  }

  /** Stores variable-length immediates and gives their position in `extra`. */
  addExtra(values: readonly number[]): number {
    const at = this.extra.length;
    for (const v of values) this.extra.push(v);
    return at;
  }

  /** The instructions written since the last take or clear, as views that the next writes change. */
  peek(): Body {
    return { code: this.code.subarray(0, this.length), extra: NO_EXTRA };
  }

  clear(): void {
    this.length = 0;
    this.extra.length = 0;
  }

  /** The body written since the last take, in arrays of its own. */
  take(): Body {
    const body: Body = { code: this.code.slice(0, this.length), extra: Int32Array.from(this.extra) };
    this.length = 0;
    this.extra = [];
    return body;
  }
}

/** Decodes one instruction into `out` and returns its id. */
function readInstr(reader: Reader, types: readonly FuncType[], out: BodyWriter): number {
  const at = reader.pos;
  const opcode = reader.u8();
  let id = opcode;
  if (opcode === SIMD_PREFIX) {
    const sub = reader.u32('opcode');
    throw reader.error(`unsupported instruction 0xfd 0x${sub.toString(16)} (SIMD: v128 is not supported)`, at);
  }
  if (opcode === MISC_PREFIX) {
    const sub = reader.u32('opcode');
    id = PREFIXED_BASE + sub;
    if (!opcodeInfo(id)) throw reader.error(`illegal opcode 0xfc ${sub}`, at);
  } else if (!opcodeInfo(id)) {
    throw reader.error(`illegal opcode 0x${opcode.toString(16)}`, at);
  }
  switch (opcodeInfo(id)!.immediate) {
    case 'none':
      out.record(id);
      break;
    case 'block':
      out.record(id, readBlockType(reader, types));
      break;
    case 'index':
      out.record(id, reader.u32('index'));
      break;
    case 'br_table': {
      const targets = reader.vec(() => reader.u32('label'), 'br_table');
      targets.push(reader.u32('label'));
      out.record(id, out.addExtra(targets), targets.length - 1);
      break;
    }
    case 'call_indirect': {
      const index = reader.u32('type index');
      out.record(id, index, reader.u32('table index'));
      break;
    }
    case 'memarg': {
      const align = reader.u32('alignment');
      out.record(id, align, reader.u32('offset'));
      break;
    }
    case 'i32':
      out.record(id, reader.s32());
      break;
    case 'i64': {
      const value = reader.s64();
      out.record(id, Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
      break;
    }
    case 'f32':
      out.record(id, reader.f32Bits());
      break;
    case 'f64': {
      const low = reader.f32Bits();
      out.record(id, low, reader.f32Bits());
      break;
    }
    case 'select_types': {
      const codes = reader.vec(() => {
        readValType(reader);
        return reader.bytes[reader.pos - 1]!;
      }, 'select types');
      out.record(id, out.addExtra(codes), codes.length);
      break;
    }
    case 'ref_type': {
      readRefType(reader);
      out.record(id, reader.bytes[reader.pos - 1]!);
      break;
    }
    case 'zero':
      readZero(reader);
      out.record(id);
      break;
    case 'zero_zero':
      readZero(reader);
      readZero(reader);
      out.record(id);
      break;
    case 'index_zero': {
      const index = reader.u32('data index');
      readZero(reader);
      out.record(id, index);
      break;
    }
    case 'table_copy': {
      const table = reader.u32('table index');
      out.record(id, table, reader.u32('table index'));
      break;
    }
    case 'table_init': {
      const index = reader.u32('element index');
      out.record(id, index, reader.u32('table index'));
      break;
    }
  }
  return id;
}

function readZero(reader: Reader): void {
  const at = reader.pos;
  if (reader.u8() !== 0) throw reader.error('zero byte expected', at);
}

/** Decodes instructions up to the end of the reader's range (a function body after its locals). */
export function readBody(reader: Reader, types: readonly FuncType[], out: BodyWriter): Body {
  while (!reader.atEnd) readInstr(reader, types, out);
  return out.take();
}

/** The unsigned value of a word that holds a u32 immediate. */
const u32 = (word: number): number => word >>> 0;

const bigintOf = (low: number, high: number): bigint => (BigInt(high) << 32n) | BigInt(low >>> 0);

/** Instruction `pc` of a body as an Instr object (the text-format name and its immediates). */
export function instructionAt(body: Body, pc: number, types: readonly FuncType[]): Instr {
  const at = INSTR_WORDS * pc;
  const id = body.code[at]!;
  const a = body.code[at + 1]!;
  const b = body.code[at + 2]!;
  const info = opcodeInfo(id)!;
  const op = info.name;
  switch (info.immediate) {
    case 'none':
    case 'zero':
    case 'zero_zero':
      return { op };
    case 'block':
      return { op, blockType: blockTypeOf(a, types) };
    case 'index':
    case 'index_zero':
      return { op, index: u32(a) };
    case 'br_table':
      return { op, targets: [...body.extra.subarray(a, a + b)].map(u32), defaultTarget: u32(body.extra[a + b]!) };
    case 'call_indirect':
      return { op, index: u32(a), table: u32(b) };
    case 'memarg':
      return { op, memory: { align: u32(a), offset: u32(b) } };
    case 'i32':
      return { op, value: a };
    case 'i64':
      return { op, value: BigInt.asIntN(64, bigintOf(a, b)) };
    case 'f32':
      return { op, bits: u32(a) };
    case 'f64':
      return { op, bits: bigintOf(a, b) };
    case 'select_types':
      return { op, types: [...body.extra.subarray(a, a + b)].map(valTypeOfCode) };
    case 'ref_type':
      return { op, refType: valTypeOfCode(a) as RefType };
    case 'table_copy':
      return { op, table: u32(a), source: u32(b) };
    case 'table_init':
      return { op, index: u32(a), table: u32(b) };
  }
}

/** Every instruction of a body as Instr objects (for listings and tests; the compiler reads words). */
export function instructionsOf(body: Body, types: readonly FuncType[]): Instr[] {
  const count = body.code.length / INSTR_WORDS;
  return Array.from({ length: count }, (_, pc) => instructionAt(body, pc, types));
}

const CONST_OPS = new Set(['i32.const', 'i64.const', 'f32.const', 'f64.const', 'global.get', 'ref.null', 'ref.func']);

/** A constant expression: one constant instruction followed by `end`. */
/** Shared by every constant expression: a writer each costs allocations each (Go modules have ~100,000 data segments). */
const constExprWriter = new BodyWriter(2);

const I32_CONST = 0x41;
const END = 0x0b;

export function readConstExpr(reader: Reader, types: readonly FuncType[]): ConstExpr {
  // `i32.const n end`, every offset of a segment in a 32-bit memory or table, straight away.
  if (reader.pos < reader.end && reader.bytes[reader.pos] === I32_CONST) {
    const start = reader.pos++;
    const value = reader.s32();
    if (reader.pos < reader.end && reader.bytes[reader.pos] === END) {
      reader.pos++;
      return { op: 'i32.const', value };
    }
    reader.pos = start;
  }
  const out = constExprWriter;
  out.clear();
  const at = reader.pos;
  const id = readInstr(reader, types, out);
  const name = opcodeInfo(id)!.name;
  if (!CONST_OPS.has(name)) throw reader.error(`constant expression required, got ${name}`, at);
  const endAt = reader.pos;
  if (readInstr(reader, types, out) !== Opcode.end) throw reader.error('constant expression required: expected a single instruction and end', endAt);
  return constExprOf(instructionAt(out.peek(), 0, types));
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
