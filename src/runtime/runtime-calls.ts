// The runtime services generated code calls (RuntimeCall): memory.grow and the bulk memory and table
// instructions, with the spec's bounds checks. Operands come from the context's argument area
// (immediates first), a result goes to the result area; the return value is 0 or a trap code.
import { Ctx, RuntimeCall, TrapCode } from '../compiler/index.js';
import type { ContextLayout } from '../compiler/index.js';
import { InstanceContext } from './context.js';
import type { Global } from './global.js';
import type { LazyCode } from './lazy-code.js';
import type { Memory } from './memory.js';
import type { Table } from './table.js';

/** What the runtime services act on: the instance's memory, tables and segments. */
export interface InstanceState {
  context: InstanceContext;
  layout: ContextLayout;
  memory: Memory | undefined;
  tables: Table[];
  globals: Global[];
  /** Passive element segments' values; null once dropped (active and declarative ones start dropped). */
  elems: (bigint[] | null)[];
  datas: (Uint8Array | null)[];
  /** A lazy module's code, which compiles a function on its first call (RuntimeCall.CompileFunction). */
  lazy: LazyCode | undefined;
}

const outOfBounds = (start: number, count: number, length: number): boolean => start + count > length;

type Service = (state: InstanceState, arg: (i: number) => number, argBits: (i: number) => bigint) => number;

const SERVICES: Record<RuntimeCall, Service> = {
  [RuntimeCall.MemoryGrow]: (state, arg) => result(state, state.memory!.growPages(arg(0))),
  [RuntimeCall.MemoryCopy]: (state, arg) => {
    const [destination, source, count] = [arg(0), arg(1), arg(2)];
    const bytes = state.memory!.bytes();
    if (outOfBounds(source, count, bytes.length) || outOfBounds(destination, count, bytes.length)) return TrapCode.MemoryOutOfBounds;
    bytes.copyWithin(destination, source, source + count);
    return 0;
  },
  [RuntimeCall.MemoryFill]: (state, arg) => {
    const [destination, value, count] = [arg(0), arg(1), arg(2)];
    const bytes = state.memory!.bytes();
    if (outOfBounds(destination, count, bytes.length)) return TrapCode.MemoryOutOfBounds;
    bytes.fill(value & 0xff, destination, destination + count);
    return 0;
  },
  [RuntimeCall.MemoryInit]: (state, arg) => {
    const [segment, destination, source, count] = [arg(0), arg(1), arg(2), arg(3)];
    const data = state.datas[segment] ?? new Uint8Array(0);
    const bytes = state.memory!.bytes();
    if (outOfBounds(source, count, data.length) || outOfBounds(destination, count, bytes.length)) return TrapCode.MemoryOutOfBounds;
    bytes.set(data.subarray(source, source + count), destination);
    return 0;
  },
  [RuntimeCall.DataDrop]: (state, arg) => {
    state.datas[arg(0)] = null;
    return 0;
  },
  [RuntimeCall.TableGrow]: (state, arg, argBits) => result(state, state.tables[arg(0)]!.growRaw(arg(2), argBits(1))),
  [RuntimeCall.TableFill]: (state, arg, argBits) => {
    const table = state.tables[arg(0)]!;
    const [index, count] = [arg(1), arg(3)];
    if (outOfBounds(index, count, table.length)) return TrapCode.TableOutOfBounds;
    table.rawFill(index, argBits(2), count);
    return 0;
  },
  [RuntimeCall.TableCopy]: (state, arg) => {
    const destination = state.tables[arg(0)]!;
    const source = state.tables[arg(1)]!;
    const [d, s, count] = [arg(2), arg(3), arg(4)];
    if (outOfBounds(s, count, source.length) || outOfBounds(d, count, destination.length)) return TrapCode.TableOutOfBounds;
    destination.rawCopy(d, source, s, count);
    return 0;
  },
  [RuntimeCall.TableInit]: (state, arg) => {
    const table = state.tables[arg(0)]!;
    const values = state.elems[arg(1)] ?? [];
    const [d, s, count] = [arg(2), arg(3), arg(4)];
    // V8 reports a source index of 2^31 or more as a table error too (it reads it as negative).
    if (outOfBounds(d, count, table.length) || s >= 2 ** 31) return TrapCode.TableOutOfBounds;
    if (outOfBounds(s, count, values.length)) return TrapCode.ElementSegmentOutOfBounds;
    for (let i = 0; i < count; i++) table.rawSet(d + i, values[s + i]!);
    return 0;
  },
  [RuntimeCall.ElemDrop]: (state, arg) => {
    state.elems[arg(0)] = null;
    return 0;
  },
  [RuntimeCall.CompileFunction]: (state, arg) => {
    if (!state.lazy) throw new Error('wasmjit: a lazy compile from a module compiled eagerly');
    state.context.views.int64[InstanceContext.slot(Ctx.results)] = state.lazy.compile(arg(0));
    return 0;
  },
};

function result(state: InstanceState, value: number): number {
  state.context.views.int32[2 * InstanceContext.slot(Ctx.results)] = value;
  return 0;
}

export function runtimeCall(state: InstanceState, call: RuntimeCall): number {
  const { views } = state.context;
  const args = InstanceContext.slot(state.layout.argsOffset);
  // Operands are i32 values taken as unsigned; reference operands are read whole.
  const arg = (i: number): number => views.int32[2 * (args + i)]! >>> 0;
  const argBits = (i: number): bigint => views.int64[args + i]!;
  return SERVICES[call](state, arg, argBits);
}
