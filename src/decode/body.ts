// Function bodies and constant expressions: bytes → pre-decoded bodies (see `Body` in ir.ts). Only
// the encoding is checked here; types, labels and indices are validated by the compiler in its
// single pass. `instructionsOf` turns a body back into Instr objects for listings and tests.
import type { Body, ConstExpr, FuncType, Instr, RefType, ValType } from './ir.js';
import { INSTR_WORDS } from './ir.js';
import { MISC_PREFIX, Opcode, OPCODE_LIMIT, opcodeInfo, PREFIXED_BASE, SIMD_BASE, SIMD_PREFIX } from './opcodes.js';
import type { Immediate } from './opcodes.js';
import type { Reader } from './reader.js';

const VALTYPE_CODES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
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

/**
 * Words appended a body at a time into blocks, each body handed out as a view of its block: a
 * module's bodies cost an allocation per block, where a copy per body cost an ArrayBuffer each
 * (a tenth of decoding 4000 small functions).
 */
class WordBlocks {
  words: Int32Array;
  /** Where the body being written starts in `words`, and where it ends. */
  private start = 0;
  length = 0;

  constructor(words: number) {
    this.words = new Int32Array(words);
  }

  /** Room for `count` more words of the current body: a new block, the body moved into it, when full. */
  grow(count: number): void {
    const body = this.length - this.start;
    const size = Math.max(Math.min(2 * this.words.length, MAX_BLOCK_WORDS), 2 * (body + count));
    const block = new Int32Array(size);
    block.set(this.words.subarray(this.start, this.length));
    this.words = block;
    this.start = 0;
    this.length = body;
  }

  /** The words written since the last take. */
  take(): Int32Array {
    const body = this.words.subarray(this.start, this.length);
    this.start = this.length;
    return body;
  }

  /** Forgets the words written since the last take. */
  clear(): void {
    this.length = this.start;
  }

  /** How many words were written since the last take. */
  get pending(): number {
    return this.length - this.start;
  }
}

/** Blocks are at most this large (8 MiB), so that a large module wastes little of its last one. */
const MAX_BLOCK_WORDS = 1 << 21;

/** Appends decoded instructions of every body of a module (see WordBlocks). */
export class BodyWriter {
  private readonly code: WordBlocks;
  private readonly extra = new WordBlocks(64);

  /** `records`: about how many instructions will be written (the first block's room). */
  constructor(records = 1024) {
    this.code = new WordBlocks(Math.min(INSTR_WORDS * records, MAX_BLOCK_WORDS));
  }

  /** Appends one instruction's record. */
  record(id: number, a: number, b: number): void {
    const blocks = this.code;
    const at = blocks.length;
    if (at + INSTR_WORDS > blocks.words.length) blocks.grow(INSTR_WORDS);
    const { words } = blocks;
    words[blocks.length] = id;
    words[blocks.length + 1] = a;
    words[blocks.length + 2] = b;
    blocks.length += INSTR_WORDS;
  }

  /** Stores 16 immediate bytes (v128.const, i8x16.shuffle) as 4 little-endian words; gives their position in `extra`. */
  addBytes16(reader: Reader): number {
    const at = this.extra.pending;
    for (let k = 0; k < 4; k++) this.addWord(reader.f32Bits() | 0);
    return at;
  }

  /** Stores variable-length immediates and gives their position in `extra`. */
  addExtra(values: readonly number[]): number {
    const at = this.extra.pending;
    for (const v of values) this.addWord(v);
    return at;
  }

  private addWord(value: number): void {
    const { extra } = this;
    if (extra.length === extra.words.length) extra.grow(1);
    extra.words[extra.length++] = value;
  }

  /** Forgets what was written since the last take (after a malformation). */
  clear(): void {
    this.code.clear();
    this.extra.clear();
  }

  /** The body written since the last take, as views of the writer's blocks. */
  take(): Body {
    const extra = this.extra.pending === 0 ? NO_EXTRA : this.extra.take();
    return { code: this.code.take(), extra };
  }
}

/** The `extra` of every body without variable-length immediates (it has no element to change). */
const NO_EXTRA = new Int32Array(0);

/** Immediate shapes as numbers, for the decoder's switch (Illegal: no instruction has that id). */
const enum Imm {
  Illegal, None, Block, Index, BrTable, CallIndirect, Memarg, I32, I64, F32, F64, SelectTypes, RefType, Zero,
  ZeroZero, IndexZero, TableCopy, TableInit, MemargLane, Lane, V128, Shuffle,
}

const IMMEDIATE_CODES: Record<Immediate, Imm> = {
  none: Imm.None, block: Imm.Block, index: Imm.Index, br_table: Imm.BrTable, call_indirect: Imm.CallIndirect,
  memarg: Imm.Memarg, i32: Imm.I32, i64: Imm.I64, f32: Imm.F32, f64: Imm.F64, select_types: Imm.SelectTypes,
  ref_type: Imm.RefType, zero: Imm.Zero, zero_zero: Imm.ZeroZero, index_zero: Imm.IndexZero,
  table_copy: Imm.TableCopy, table_init: Imm.TableInit, memarg_lane: Imm.MemargLane, lane: Imm.Lane, v128: Imm.V128,
  shuffle: Imm.Shuffle,
};

/** Every instruction id's immediate shape, one byte each: the decoder looks at no object per instruction. */
const IMMEDIATE_BY_ID: Uint8Array = (() => {
  const table = new Uint8Array(OPCODE_LIMIT);
  for (let id = 0; id < OPCODE_LIMIT; id++) {
    const info = opcodeInfo(id);
    if (info) table[id] = IMMEDIATE_CODES[info.immediate];
  }
  return table;
})();

/** The lane count of every instruction with a lane index immediate (0 for the others). */
const LANES_BY_ID: Uint8Array = (() => {
  const table = new Uint8Array(OPCODE_LIMIT);
  for (let id = 0; id < OPCODE_LIMIT; id++) table[id] = opcodeInfo(id)?.lanes ?? 0;
  return table;
})();

/** Shuffle lane indices select from both operands' 16 bytes. */
const SHUFFLE_LANES = 32;

/**
 * Lane memory ops keep the alignment and the lane in one word (`align | lane << 8`). Any alignment
 * above 3 is invalid (the compiler says so); larger ones are kept as this, to leave the lane intact.
 */
const MAX_PACKED_ALIGN = 0xff;

/** Ids each prefix has room for: the 0xfc ones end where the 0xfd ones start. */
const SUB_OPCODE_LIMIT = SIMD_BASE - PREFIXED_BASE;

/** The relaxed SIMD proposal's sub-opcodes (WebAssembly 3.0; V8 12.4 and 13.6 ship it): not an encoding error. */
const RELAXED_SIMD_FIRST = 0x100;
const RELAXED_SIMD_LAST = 0x113;

/** The id of a prefixed instruction (the prefix byte read): its base plus the sub-opcode after it. */
function readPrefixedId(reader: Reader, prefix: number, at: number): number {
  const sub = reader.u32('opcode');
  const id = (prefix === SIMD_PREFIX ? SIMD_BASE : PREFIXED_BASE) + sub;
  if (sub < SUB_OPCODE_LIMIT && IMMEDIATE_BY_ID[id] !== Imm.Illegal) return id;
  if (prefix === SIMD_PREFIX && sub >= RELAXED_SIMD_FIRST && sub <= RELAXED_SIMD_LAST) {
    throw reader.error(`unsupported instruction 0xfd 0x${sub.toString(16)} (relaxed SIMD)`, at);
  }
  throw reader.error(`illegal opcode 0x${prefix.toString(16)} ${sub}`, at);
}

/** A lane index byte, which must be below `lanes`; an error is reported at `at`, the immediates' start (as V8 does). */
function readLane(reader: Reader, lanes: number, at: number): number {
  const lane = reader.u8();
  if (lane >= lanes) throw reader.error(`invalid lane index ${lane}: the instruction has ${lanes} lanes`, at);
  return lane;
}

/** Decodes one instruction into `out` and returns its id. */
function readInstr(reader: Reader, types: readonly FuncType[], out: BodyWriter): number {
  const at = reader.pos;
  const opcode = reader.u8();
  const id = opcode === MISC_PREFIX || opcode === SIMD_PREFIX ? readPrefixedId(reader, opcode, at) : opcode;
  switch (IMMEDIATE_BY_ID[id] as Imm) {
    case Imm.Illegal:
      throw reader.error(`illegal opcode 0x${opcode.toString(16)}`, at);
    case Imm.None:
      out.record(id, 0, 0);
      break;
    case Imm.Block:
      out.record(id, readBlockType(reader, types), 0);
      break;
    case Imm.Index:
      out.record(id, reader.u32('index'), 0);
      break;
    case Imm.BrTable:
      readBrTable(reader, id, out);
      break;
    case Imm.CallIndirect: {
      const index = reader.u32('type index');
      out.record(id, index, reader.u32('table index'));
      break;
    }
    case Imm.Memarg: {
      const align = reader.u32('alignment');
      out.record(id, align, reader.u32('offset'));
      break;
    }
    case Imm.I32:
      out.record(id, reader.s32(), 0);
      break;
    case Imm.I64: {
      const low = reader.s64Halves();
      out.record(id, low, reader.high);
      break;
    }
    case Imm.F32:
      out.record(id, reader.f32Bits(), 0);
      break;
    case Imm.F64: {
      const low = reader.f32Bits();
      out.record(id, low, reader.f32Bits());
      break;
    }
    case Imm.SelectTypes:
      readSelectTypes(reader, id, out);
      break;
    case Imm.RefType: {
      readRefType(reader);
      out.record(id, reader.bytes[reader.pos - 1]!, 0);
      break;
    }
    case Imm.Zero:
      readZero(reader);
      out.record(id, 0, 0);
      break;
    case Imm.ZeroZero:
      readZero(reader);
      readZero(reader);
      out.record(id, 0, 0);
      break;
    case Imm.IndexZero: {
      const index = reader.u32('data index');
      readZero(reader);
      out.record(id, index, 0);
      break;
    }
    case Imm.TableCopy: {
      const table = reader.u32('table index');
      out.record(id, table, reader.u32('table index'));
      break;
    }
    case Imm.TableInit: {
      const index = reader.u32('element index');
      out.record(id, index, reader.u32('table index'));
      break;
    }
    case Imm.MemargLane: {
      const immediatesAt = reader.pos;
      const align = reader.u32('alignment');
      const offset = reader.u32('offset');
      const lane = readLane(reader, LANES_BY_ID[id]!, immediatesAt);
      out.record(id, Math.min(align, MAX_PACKED_ALIGN) | (lane << 8), offset);
      break;
    }
    case Imm.Lane:
      out.record(id, readLane(reader, LANES_BY_ID[id]!, reader.pos), 0);
      break;
    case Imm.V128:
      out.record(id, out.addBytes16(reader), 0);
      break;
    case Imm.Shuffle:
      readShuffle(reader, id, out);
      break;
  }
  return id;
}

// The instructions with a vector of immediates are read outside readInstr: a closure there would
// make every call of it allocate a context for the variables the closure captures.

function readBrTable(reader: Reader, id: number, out: BodyWriter): void {
  const targets = reader.vec(() => reader.u32('label'), 'br_table');
  targets.push(reader.u32('label'));
  out.record(id, out.addExtra(targets), targets.length - 1);
}

function readSelectTypes(reader: Reader, id: number, out: BodyWriter): void {
  const codes = reader.vec(() => {
    readValType(reader);
    return reader.bytes[reader.pos - 1]!;
  }, 'select types');
  out.record(id, out.addExtra(codes), codes.length);
}

function readShuffle(reader: Reader, id: number, out: BodyWriter): void {
  const at = reader.pos;
  out.record(id, out.addBytes16(reader), 0);
  for (let k = at; k < at + 16; k++) {
    const lane = reader.bytes[k]!;
    if (lane >= SHUFFLE_LANES) throw reader.error(`invalid lane index ${lane}: shuffle lanes are below ${SHUFFLE_LANES}`, at);
  }
}

function readZero(reader: Reader): void {
  const at = reader.pos;
  if (reader.u8() !== 0) throw reader.error('zero byte expected', at);
}

/** Decodes instructions up to the end of the reader's range (a function body after its locals). */
export function readBody(reader: Reader, types: readonly FuncType[], out: BodyWriter): Body {
  readInstructions(reader, types, out);
  return out.take();
}

/**
 * The loop alone, so that nothing follows it: V8's on-stack-replaced code for a loop deoptimizes at
 * the first statement after it that had not run before it was compiled (see compileBody).
 */
function readInstructions(reader: Reader, types: readonly FuncType[], out: BodyWriter): void {
  while (!reader.atEnd) readInstr(reader, types, out);
}

/** The unsigned value of a word that holds a u32 immediate. */
const u32 = (word: number): number => word >>> 0;

const bigintOf = (low: number, high: number): bigint => (BigInt(high) << 32n) | BigInt(low >>> 0);

/** The 16 bytes kept as 4 little-endian words at `extra[at]` (see BodyWriter.addBytes16). */
function bytes16(extra: Int32Array, at: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < 4; k++) view.setInt32(4 * k, extra[at + k]!, true);
  return bytes;
}

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
    case 'memarg_lane':
      return { op, memory: { align: a & 0xff, offset: u32(b) }, lane: a >>> 8 };
    case 'lane':
      return { op, lane: a };
    case 'v128':
    case 'shuffle':
      return { op, bytes: bytes16(body.extra, a) };
  }
}

/** Every instruction of a body as Instr objects (for listings and tests; the compiler reads words). */
export function instructionsOf(body: Body, types: readonly FuncType[]): Instr[] {
  const count = body.code.length / INSTR_WORDS;
  return Array.from({ length: count }, (_, pc) => instructionAt(body, pc, types));
}

/** Constant expressions are read one at a time (modules may have a hundred thousand data segments). */
const constExprWriter = new BodyWriter(2);

const CONST_OPS = new Set(['i32.const', 'i64.const', 'f32.const', 'f64.const', 'v128.const', 'global.get', 'ref.null', 'ref.func']);

/** A constant expression: one constant instruction followed by `end`. */
export function readConstExpr(reader: Reader, types: readonly FuncType[]): ConstExpr {
  const start = reader.pos;
  // `i32.const n end` (segment offsets, most globals) without the general path's records and objects.
  if (reader.bytes[start] === Opcode.i32Const && start < reader.end) {
    reader.pos++;
    const value = reader.s32();
    if (reader.pos < reader.end && reader.bytes[reader.pos] === Opcode.end) {
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
  return constExprOf(instructionAt(out.take(), 0, types));
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
    case 'v128.const':
      return { op: 'v128.const', bytes: instr.bytes! };
    case 'ref.null':
      return { op: 'ref.null', refType: instr.refType! };
    case 'ref.func':
      return { op: 'ref.func', index: instr.index! };
    default:
      return { op: 'global.get', index: instr.index! };
  }
}

/**
 * Where each instruction of a function body starts in the module's bytes, by instruction index
 * (the index the compiler's source marks use): `reader` is over the body after its locals. For
 * stack traces only, so it is read again when asked rather than kept from the first decode.
 */
export function instructionOffsets(reader: Reader, types: readonly FuncType[]): Int32Array {
  const offsets: number[] = [];
  const scratch = new BodyWriter(64);
  while (!reader.atEnd) {
    offsets.push(reader.pos);
    readInstr(reader, types, scratch);
    scratch.clear();
  }
  return Int32Array.from(offsets);
}
