// Instructions the runtime carries out for generated code (through a host call): memory.grow and
// the bulk memory and table instructions. One table: each entry gives the operand and result types
// (which for table instructions depend on the table's element type), the validation of the
// immediates, and the immediates passed ahead of the operands.
import type { RefType, ValType } from '../decode/index.js';
import { RuntimeCall } from './abi.js';

/** What the module offers that these instructions refer to. */
export interface RuntimeOpContext {
  hasMemory: boolean;
  tableType(index: number): RefType;
  elemType(index: number): RefType;
  dataSegment(index: number): void;
}

/**
 * An instruction's two immediate words (see `Body` in decode/ir.ts), unsigned: a segment or table
 * index first; table.copy: destination, source; table.init: segment, table.
 */
export type Immediates = readonly [number, number];

export interface RuntimeOp {
  call: RuntimeCall;
  /** Validates the immediates (throwing with a message) and gives the signature. */
  signature(imm: Immediates, module: RuntimeOpContext): { params: ValType[]; results: ValType[] };
  /** Immediates that go into the argument area before the operands. */
  immediates(imm: Immediates): number[];
}

const memory = (params: ValType[], results: ValType[]) => (_: Immediates, m: RuntimeOpContext) => {
  if (!m.hasMemory) throw new Error('unknown memory 0: the module has no memory');
  return { params, results };
};

export const RUNTIME_OPS: ReadonlyMap<string, RuntimeOp> = new Map<string, RuntimeOp>([
  ['memory.grow', { call: RuntimeCall.MemoryGrow, signature: memory(['i32'], ['i32']), immediates: () => [] }],
  ['memory.copy', { call: RuntimeCall.MemoryCopy, signature: memory(['i32', 'i32', 'i32'], []), immediates: () => [] }],
  ['memory.fill', { call: RuntimeCall.MemoryFill, signature: memory(['i32', 'i32', 'i32'], []), immediates: () => [] }],
  ['memory.init', {
    call: RuntimeCall.MemoryInit,
    signature: (imm, m) => {
      m.dataSegment(imm[0]);
      return memory(['i32', 'i32', 'i32'], [])(imm, m);
    },
    immediates: (imm) => [imm[0]],
  }],
  ['data.drop', {
    call: RuntimeCall.DataDrop,
    signature: (imm, m) => {
      m.dataSegment(imm[0]);
      return { params: [], results: [] };
    },
    immediates: (imm) => [imm[0]],
  }],
  ['table.grow', {
    call: RuntimeCall.TableGrow,
    signature: (imm, m) => ({ params: [m.tableType(imm[0]), 'i32'], results: ['i32'] }),
    immediates: (imm) => [imm[0]],
  }],
  ['table.fill', {
    call: RuntimeCall.TableFill,
    signature: (imm, m) => ({ params: ['i32', m.tableType(imm[0]), 'i32'], results: [] }),
    immediates: (imm) => [imm[0]],
  }],
  ['table.copy', {
    call: RuntimeCall.TableCopy,
    signature: (imm, m) => {
      if (m.tableType(imm[0]) !== m.tableType(imm[1])) throw new Error('type mismatch: table.copy between tables of different types');
      return { params: ['i32', 'i32', 'i32'], results: [] };
    },
    immediates: (imm) => [imm[0], imm[1]],
  }],
  ['table.init', {
    call: RuntimeCall.TableInit,
    signature: (imm, m) => {
      if (m.tableType(imm[1]) !== m.elemType(imm[0])) throw new Error('type mismatch: table.init of a segment of another type');
      return { params: ['i32', 'i32', 'i32'], results: [] };
    },
    immediates: (imm) => [imm[1], imm[0]],
  }],
  ['elem.drop', {
    call: RuntimeCall.ElemDrop,
    signature: (imm, m) => {
      m.elemType(imm[0]);
      return { params: [], results: [] };
    },
    immediates: (imm) => [imm[0]],
  }],
]);
