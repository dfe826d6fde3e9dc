// A deterministic generator of large, valid modules for the compile-throughput benchmark: thousands of
// functions of random (seeded) code over i32, i64, f32 and f64 — arithmetic, comparisons, conversions,
// loads and stores, globals, nested if/block/loop, br_if, br_table, direct and indirect calls. The
// code is never run, only compiled, but it is still sensible: loops count down a counter of their own,
// addresses are masked into the first page, and calls only go to earlier functions.
import { WASM_HEADER, WasmWriter } from './wasm-writer.js';

type Num = 'i32' | 'i64' | 'f32' | 'f64';

const NUM_TYPES: Num[] = ['i32', 'i64', 'f32', 'f64'];
const VALTYPE: Record<Num, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** Opcodes by the type they produce (`binary`, `unary`, …) or, for comparisons, by operand type. */
const BINARY: Record<Num, number[]> = {
  i32: [0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78],
  i64: [0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a],
  f32: [0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98],
  f64: [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6],
};
const UNARY: Record<Num, number[]> = {
  i32: [0x45, 0x67, 0x68, 0x69, 0xc0, 0xc1],
  i64: [0x79, 0x7a, 0x7b, 0xc2, 0xc3, 0xc4],
  f32: [0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91],
  f64: [0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f],
};
const COMPARE: Record<Num, number[]> = {
  i32: [0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f],
  i64: [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a],
  f32: [0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60],
  f64: [0x61, 0x62, 0x63, 0x64, 0x65, 0x66],
};
/** i64.eqz takes one operand; every other comparison two. */
const I64_EQZ = 0x50;

interface Conversion {
  from: Num;
  op: number[];
}
const CONVERT: Record<Num, Conversion[]> = {
  i32: [{ from: 'i64', op: [0xa7] }, { from: 'f64', op: [0xfc, 0x02] }, { from: 'f32', op: [0xbc] }],
  i64: [{ from: 'i32', op: [0xac] }, { from: 'i32', op: [0xad] }, { from: 'f64', op: [0xfc, 0x06] }, { from: 'f64', op: [0xbd] }],
  f32: [{ from: 'i32', op: [0xb2] }, { from: 'i64', op: [0xb4] }, { from: 'f64', op: [0xb6] }],
  f64: [{ from: 'i32', op: [0xb7] }, { from: 'i64', op: [0xba] }, { from: 'f32', op: [0xbb] }, { from: 'i64', op: [0xbf] }],
};

interface MemoryOp {
  op: number;
  /** log2 of the natural alignment. */
  align: number;
}
const LOAD: Record<Num, MemoryOp[]> = {
  i32: [{ op: 0x28, align: 2 }, { op: 0x2c, align: 0 }, { op: 0x2d, align: 0 }, { op: 0x2e, align: 1 }, { op: 0x2f, align: 1 }],
  i64: [{ op: 0x29, align: 3 }, { op: 0x30, align: 0 }, { op: 0x33, align: 1 }, { op: 0x35, align: 2 }],
  f32: [{ op: 0x2a, align: 2 }],
  f64: [{ op: 0x2b, align: 3 }],
};
const STORE: Record<Num, MemoryOp[]> = {
  i32: [{ op: 0x36, align: 2 }, { op: 0x3a, align: 0 }, { op: 0x3b, align: 1 }],
  i64: [{ op: 0x37, align: 3 }, { op: 0x3c, align: 0 }, { op: 0x3e, align: 2 }],
  f32: [{ op: 0x38, align: 2 }],
  f64: [{ op: 0x39, align: 3 }],
};

const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, brIf: 0x0d, brTable: 0x0e,
  call: 0x10, callIndirect: 0x11, drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Const: 0x41, i64Const: 0x42, f32Const: 0x43, f64Const: 0x44, i32And: 0x71, i32Sub: 0x6b,
} as const;
const EMPTY_BLOCK = 0x40;
const FUNCREF = 0x70;

const SECTION = { type: 1, function: 3, table: 4, memory: 5, global: 6, export: 7, element: 9, code: 10, data: 11 } as const;

/** Addresses are masked to stay in the first 64 KiB page, with room for the widest access. */
const ADDRESS_MASK = 0xfff0;
const MAX_EXPRESSION_DEPTH = 4;
const MAX_STATEMENT_DEPTH = 3;
const SIGNATURE_COUNT = 12;
const EXPORT_EVERY = 64;

/** mulberry32: small, fast, and the same sequence everywhere. */
class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  below(n: number): number {
    return this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T>(choices: ReadonlyArray<readonly [weight: number, value: T]>): T {
    let roll = this.below(choices.reduce((sum, [weight]) => sum + weight, 0));
    for (const [weight, value] of choices) {
      if (roll < weight) return value;
      roll -= weight;
    }
    throw new Error('unreachable: weights sum to more than the roll');
  }
}

interface Signature {
  params: Num[];
  result: Num;
}

/** What every function body may refer to. */
interface ModulePlan {
  signatures: Signature[];
  /** Signature index of each function. */
  functionTypes: number[];
  /** Functions by result type, in index order (a body calls only functions before itself). */
  functionsByResult: Record<Num, number[]>;
}

type ExpressionKind = 'leaf' | 'binary' | 'unary' | 'compare' | 'convert' | 'load' | 'call' | 'callIndirect' | 'select' | 'if' | 'tee';
type StatementKind = 'set' | 'globalSet' | 'store' | 'if' | 'block' | 'loop' | 'brTable' | 'call' | 'drop';

const EXPRESSIONS: ReadonlyArray<readonly [number, ExpressionKind]> = [
  [20, 'leaf'], [30, 'binary'], [8, 'unary'], [8, 'compare'], [8, 'convert'], [8, 'load'],
  [6, 'call'], [2, 'callIndirect'], [4, 'select'], [3, 'if'], [3, 'tee'],
];
const STATEMENTS: ReadonlyArray<readonly [number, StatementKind]> = [
  [30, 'set'], [5, 'globalSet'], [15, 'store'], [10, 'if'], [8, 'block'], [6, 'loop'], [4, 'brTable'], [8, 'call'], [4, 'drop'],
];

/** Extra locals of each type beyond the parameters, and one i32 loop counter per loop nesting level. */
const LOCALS_PER_TYPE = 2;
const LOOP_COUNTERS = MAX_STATEMENT_DEPTH + 1;

class FunctionGenerator {
  readonly code = new WasmWriter();
  private readonly locals: Num[];
  private readonly loopCounterBase: number;
  private budget: number;
  private loopDepth = 0;

  constructor(
    private readonly rng: Random,
    private readonly plan: ModulePlan,
    private readonly index: number,
  ) {
    const signature = plan.signatures[plan.functionTypes[index]];
    this.locals = [...signature.params, ...NUM_TYPES.flatMap((t) => Array<Num>(LOCALS_PER_TYPE).fill(t))];
    this.loopCounterBase = this.locals.length;
    this.budget = 10 + rng.below(100);
  }

  generate(): Uint8Array {
    const signature = this.plan.signatures[this.plan.functionTypes[this.index]];
    const declarations = new WasmWriter().u32(NUM_TYPES.length + 1);
    for (const type of NUM_TYPES) declarations.u32(LOCALS_PER_TYPE).byte(VALTYPE[type]);
    declarations.u32(LOOP_COUNTERS).byte(VALTYPE.i32);
    while (this.budget > 0) this.statement(0);
    this.expression(signature.result, 0);
    this.code.byte(OP.end);
    return declarations.raw(this.code.finish()).finish();
  }

  private localOfType(type: Num): number {
    const candidates = this.locals.flatMap((t, i) => (t === type ? [i] : []));
    return this.rng.pick(candidates);
  }

  private statement(depth: number): void {
    this.budget--;
    const kind = depth >= MAX_STATEMENT_DEPTH ? 'set' : this.rng.weighted(STATEMENTS);
    const type = this.rng.pick(NUM_TYPES);
    switch (kind) {
      case 'set':
        this.expression(type, 0);
        this.code.byte(OP.localSet).u32(this.localOfType(type));
        return;
      case 'globalSet':
        this.expression(type, 0);
        this.code.byte(OP.globalSet).u32(NUM_TYPES.indexOf(type));
        return;
      case 'store': {
        const store = this.rng.pick(STORE[type]);
        this.address();
        this.expression(type, 0);
        this.code.byte(store.op).u32(store.align).u32(this.rng.below(8) * 2);
        return;
      }
      case 'if':
        this.expression('i32', 0);
        this.code.byte(OP.if).byte(EMPTY_BLOCK);
        this.statements(depth + 1);
        this.code.byte(OP.else);
        this.statements(depth + 1);
        this.code.byte(OP.end);
        return;
      case 'block':
        this.code.byte(OP.block).byte(EMPTY_BLOCK);
        this.statements(depth + 1);
        this.expression('i32', 0);
        this.code.byte(OP.brIf).u32(0);
        this.statements(depth + 1);
        this.code.byte(OP.end);
        return;
      case 'loop':
        this.loop(depth);
        return;
      case 'brTable':
        this.brTable(depth);
        return;
      case 'call':
        if (this.call(type)) this.code.byte(OP.drop);
        return;
      case 'drop':
        this.expression(type, 0);
        this.code.byte(OP.drop);
        return;
    }
  }

  private statements(depth: number): void {
    const count = 1 + this.rng.below(3);
    for (let i = 0; i < count; i++) this.statement(depth);
  }

  /** counter = k; loop { …; br_if 0 (counter = counter - 1) }: a counter no other statement writes. */
  private loop(depth: number): void {
    const counter = this.loopCounterBase + this.loopDepth;
    this.code.byte(OP.i32Const).sleb(BigInt(1 + this.rng.below(16))).byte(OP.localSet).u32(counter);
    this.code.byte(OP.loop).byte(EMPTY_BLOCK);
    this.loopDepth++;
    this.statements(depth + 1);
    this.loopDepth--;
    this.code.byte(OP.localGet).u32(counter).byte(OP.i32Const).sleb(1n).byte(OP.i32Sub);
    this.code.byte(OP.localTee).u32(counter).byte(OP.brIf).u32(0).byte(OP.end);
  }

  /** block { block { block { br_table 0 1 2 (selector) } … } … }. */
  private brTable(depth: number): void {
    const arms = 2 + this.rng.below(3);
    for (let i = 0; i < arms; i++) this.code.byte(OP.block).byte(EMPTY_BLOCK);
    this.expression('i32', 0);
    this.code.byte(OP.brTable).u32(arms - 1);
    for (let i = 0; i < arms - 1; i++) this.code.u32(this.rng.below(arms));
    this.code.u32(arms - 1);
    for (let i = 0; i < arms; i++) {
      this.code.byte(OP.end);
      this.statement(depth + 1);
    }
  }

  private address(): void {
    this.expression('i32', 1);
    this.code.byte(OP.i32Const).sleb(BigInt(ADDRESS_MASK)).byte(OP.i32And);
  }

  private expression(type: Num, depth: number): void {
    const kind = depth >= MAX_EXPRESSION_DEPTH || this.budget <= 0 ? 'leaf' : this.rng.weighted(EXPRESSIONS);
    if (kind !== 'leaf') this.budget--;
    const next = depth + 1;
    switch (kind) {
      case 'leaf':
        this.leaf(type);
        return;
      case 'binary':
        this.expression(type, next);
        this.expression(type, next);
        this.code.byte(this.rng.pick(BINARY[type]));
        return;
      case 'unary': {
        this.expression(type, next);
        this.code.byte(this.rng.pick(UNARY[type]));
        return;
      }
      case 'compare': {
        if (type !== 'i32') return this.expression(type, next);
        const operand = this.rng.pick(NUM_TYPES);
        const op = this.rng.pick(COMPARE[operand]);
        this.expression(operand, next);
        if (op !== I64_EQZ) this.expression(operand, next);
        this.code.byte(op);
        return;
      }
      case 'convert': {
        const conversion = this.rng.pick(CONVERT[type]);
        this.expression(conversion.from, next);
        this.code.raw(conversion.op);
        return;
      }
      case 'load': {
        const load = this.rng.pick(LOAD[type]);
        this.address();
        this.code.byte(load.op).u32(load.align).u32(this.rng.below(8) * 2);
        return;
      }
      case 'call':
        if (!this.call(type)) this.leaf(type);
        return;
      case 'callIndirect': {
        const typeIndex = this.plan.signatures.findIndex((s) => s.result === type);
        if (typeIndex < 0) return this.leaf(type);
        for (const param of this.plan.signatures[typeIndex].params) this.expression(param, MAX_EXPRESSION_DEPTH);
        this.expression('i32', MAX_EXPRESSION_DEPTH);
        this.code.byte(OP.callIndirect).u32(typeIndex).u32(0);
        return;
      }
      case 'select':
        this.expression(type, next);
        this.expression(type, next);
        this.expression('i32', next);
        this.code.byte(OP.select);
        return;
      case 'if':
        this.expression('i32', next);
        this.code.byte(OP.if).byte(VALTYPE[type]);
        this.expression(type, next);
        this.code.byte(OP.else);
        this.expression(type, next);
        this.code.byte(OP.end);
        return;
      case 'tee':
        this.expression(type, next);
        this.code.byte(OP.localTee).u32(this.localOfType(type));
        return;
    }
  }

  /** Emits a call to an earlier function returning `type`, with its arguments; false if there is none. */
  private call(type: Num): boolean {
    const candidates = this.plan.functionsByResult[type];
    const earlier = countBelow(candidates, this.index);
    if (earlier === 0) return false;
    // one of the 32 nearest earlier functions: calls stay local, as in real code
    const callee = candidates[earlier - 1 - this.rng.below(Math.min(earlier, 32))];
    for (const param of this.plan.signatures[this.plan.functionTypes[callee]].params) this.expression(param, MAX_EXPRESSION_DEPTH - 1);
    this.code.byte(OP.call).u32(callee);
    return true;
  }

  private leaf(type: Num): void {
    switch (this.rng.below(3)) {
      case 0:
        this.code.byte(OP.localGet).u32(this.localOfType(type));
        return;
      case 1:
        this.code.byte(OP.globalGet).u32(NUM_TYPES.indexOf(type));
        return;
      default:
        this.constant(type);
    }
  }

  private constant(type: Num): void {
    const bits = this.rng.next();
    switch (type) {
      case 'i32':
        this.code.byte(OP.i32Const).sleb(BigInt(bits | 0));
        return;
      case 'i64':
        this.code.byte(OP.i64Const).sleb(BigInt.asIntN(64, (BigInt(bits) << 32n) | BigInt(this.rng.next())));
        return;
      case 'f32':
        this.code.byte(OP.f32Const).f32((bits % 2000) / 16 - 62.5);
        return;
      case 'f64':
        this.code.byte(OP.f64Const).f64(bits / 4096 - 524288);
        return;
    }
  }
}

/** How many of the ascending `sorted` are below `limit`. */
function countBelow(sorted: number[], limit: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface GeneratedModule {
  bytes: Uint8Array;
  functions: number;
}

/** A module of `functions` generated functions; the same `seed` always gives the same bytes. */
export function generateModule(functions: number, seed = 1): GeneratedModule {
  const rng = new Random(seed);
  const signatures: Signature[] = Array.from({ length: SIGNATURE_COUNT }, () => ({
    params: Array.from({ length: rng.below(5) }, () => rng.pick(NUM_TYPES)),
    result: rng.pick(NUM_TYPES),
  }));
  const functionTypes = Array.from({ length: functions }, () => rng.below(SIGNATURE_COUNT));
  const functionsByResult: Record<Num, number[]> = { i32: [], i64: [], f32: [], f64: [] };
  functionTypes.forEach((t, f) => functionsByResult[signatures[t].result].push(f));
  const plan: ModulePlan = { signatures, functionTypes, functionsByResult };

  const module = new WasmWriter().raw(WASM_HEADER);

  const types = new WasmWriter().u32(signatures.length);
  for (const { params, result } of signatures) {
    types.byte(0x60).u32(params.length);
    for (const param of params) types.byte(VALTYPE[param]);
    types.u32(1).byte(VALTYPE[result]);
  }
  module.section(SECTION.type, types);

  const functionSection = new WasmWriter().u32(functions);
  for (const t of functionTypes) functionSection.u32(t);
  module.section(SECTION.function, functionSection);

  // one table holding every function, for call_indirect; limits flag 1: min and max
  module.section(SECTION.table, new WasmWriter().u32(1).byte(FUNCREF).byte(1).u32(functions).u32(functions));
  module.section(SECTION.memory, new WasmWriter().u32(1).byte(1).u32(1).u32(16));

  const globals = new WasmWriter().u32(NUM_TYPES.length);
  for (const type of NUM_TYPES) {
    globals.byte(VALTYPE[type]).byte(1);
    const init = new WasmWriter();
    if (type === 'i32') init.byte(OP.i32Const).sleb(7n);
    if (type === 'i64') init.byte(OP.i64Const).sleb(-7n);
    if (type === 'f32') init.byte(OP.f32Const).f32(0.5);
    if (type === 'f64') init.byte(OP.f64Const).f64(-0.25);
    globals.raw(init.finish()).byte(OP.end);
  }
  module.section(SECTION.global, globals);

  const exported = Array.from({ length: Math.ceil(functions / EXPORT_EVERY) }, (_, i) => i * EXPORT_EVERY);
  const exports = new WasmWriter().u32(exported.length + 1).name('memory').byte(2).u32(0);
  for (const f of exported) exports.name(`f${f}`).byte(0).u32(f);
  module.section(SECTION.export, exports);

  // an active segment (flag 0) at table offset 0 listing every function
  const elements = new WasmWriter().u32(1).byte(0).byte(OP.i32Const).sleb(0n).byte(OP.end).u32(functions);
  for (let f = 0; f < functions; f++) elements.u32(f);
  module.section(SECTION.element, elements);

  const code = new WasmWriter().u32(functions);
  for (let f = 0; f < functions; f++) code.sized(new WasmWriter().raw(new FunctionGenerator(rng, plan, f).generate()));
  module.section(SECTION.code, code);

  const data = new WasmWriter().u32(1).byte(0).byte(OP.i32Const).sleb(16n).byte(OP.end).u32(64);
  for (let i = 0; i < 64; i++) data.byte((i * 37) & 0xff);
  module.section(SECTION.data, data);

  return { bytes: module.finish(), functions };
}
