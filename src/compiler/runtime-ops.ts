// Instructions the runtime carries out for generated code (through a host call): memory.grow and
// the bulk memory and table instructions. One table: each entry gives the operand and result types
// (which for table instructions depend on the table's element type), the validation of the
// immediates, and the immediates passed ahead of the operands.
import type { Instr, RefType, ValType } from '../decode/index.js';
import { RuntimeCall } from './abi.js';

/** What the module offers that these instructions refer to. */
export interface RuntimeOpContext {
  hasMemory: boolean;
  tableType(index: number): RefType;
  elemType(index: number): RefType;
  dataSegment(index: number): void;
}

export interface RuntimeOp {
  call: RuntimeCall;
  /** Validates the immediates (throwing with a message) and gives the signature. */
  signature(instr: Instr, module: RuntimeOpContext): { params: ValType[]; results: ValType[] };
  /** Immediates that go into the argument area before the operands. */
  immediates(instr: Instr): number[];
}

const memory = (params: ValType[], results: ValType[]) => (_: Instr, m: RuntimeOpContext) => {
  if (!m.hasMemory) throw new Error('unknown memory 0: the module has no memory');
  return { params, results };
};

export const RUNTIME_OPS: ReadonlyMap<string, RuntimeOp> = new Map<string, RuntimeOp>([
  ['memory.grow', { call: RuntimeCall.MemoryGrow, signature: memory(['i32'], ['i32']), immediates: () => [] }],
  ['memory.copy', { call: RuntimeCall.MemoryCopy, signature: memory(['i32', 'i32', 'i32'], []), immediates: () => [] }],
  ['memory.fill', { call: RuntimeCall.MemoryFill, signature: memory(['i32', 'i32', 'i32'], []), immediates: () => [] }],
  ['memory.init', {
    call: RuntimeCall.MemoryInit,
    signature: (instr, m) => {
      m.dataSegment(instr.index!);
      return memory(['i32', 'i32', 'i32'], [])(instr, m);
    },
    immediates: (instr) => [instr.index!],
  }],
  ['data.drop', {
    call: RuntimeCall.DataDrop,
    signature: (instr, m) => {
      m.dataSegment(instr.index!);
      return { params: [], results: [] };
    },
    immediates: (instr) => [instr.index!],
  }],
  ['table.grow', {
    call: RuntimeCall.TableGrow,
    signature: (instr, m) => ({ params: [m.tableType(instr.index!), 'i32'], results: ['i32'] }),
    immediates: (instr) => [instr.index!],
  }],
  ['table.fill', {
    call: RuntimeCall.TableFill,
    signature: (instr, m) => ({ params: ['i32', m.tableType(instr.index!), 'i32'], results: [] }),
    immediates: (instr) => [instr.index!],
  }],
  ['table.copy', {
    call: RuntimeCall.TableCopy,
    signature: (instr, m) => {
      if (m.tableType(instr.table!) !== m.tableType(instr.source!)) throw new Error('type mismatch: table.copy between tables of different types');
      return { params: ['i32', 'i32', 'i32'], results: [] };
    },
    immediates: (instr) => [instr.table!, instr.source!],
  }],
  ['table.init', {
    call: RuntimeCall.TableInit,
    signature: (instr, m) => {
      if (m.tableType(instr.table!) !== m.elemType(instr.index!)) throw new Error('type mismatch: table.init of a segment of another type');
      return { params: ['i32', 'i32', 'i32'], results: [] };
    },
    immediates: (instr) => [instr.table!, instr.index!],
  }],
  ['elem.drop', {
    call: RuntimeCall.ElemDrop,
    signature: (instr, m) => {
      m.elemType(instr.index!);
      return { params: [], results: [] };
    },
    immediates: (instr) => [instr.index!],
  }],
]);
