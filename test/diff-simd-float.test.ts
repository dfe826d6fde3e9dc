// Every f32x4/f64x2 lane instruction and every float conversion of SIMD, run in V8 and wasmjit on the
// same operand bytes; the result bytes must be equal (NaN payloads and signs included: wasm leaves
// them open, wasmjit promises V8's). One module per instruction; each exported function loops over
// the operand vectors in memory and stores one result vector per operand vector, so one call runs
// thousands of cases and V8 stays in Liftoff (it tiers up after many calls, never within one).
//
// Operands: every pair of edge lanes (NaNs quiet and signalling with payloads and both signs, ±0,
// ±inf, denormals, extremes, values at 2^31, 2^32 and at rounding ties, for integers the
// conversions' rounding points) in every lane position, plus seeded random vectors. The operands
// reach the instruction in several ways: straight from v128.load, from locals, the same value twice,
// as v128.const, and under register pressure (six more v128 values live, so operands spill).
import { describe, expect, test } from 'vitest';
import { DifferentialInstance } from './helpers/differential.js';
import {
  type Bits, describeFloatBits, F32_EDGES, F64_EDGES, F32_FEW_EDGES, F64_FEW_EDGES, I32_CONVERSION_EDGES, randomFloatBits,
} from './helpers/floats.js';
import { I32_EDGES, I32_FEW_EDGES, Random } from './helpers/values.js';

type Lane = 'f32' | 'f64' | 'i32' | 'i64';

const LANE_BYTES: Readonly<Record<Lane, 4 | 8>> = { f32: 4, f64: 8, i32: 4, i64: 8 };

interface Op {
  name: string;
  /** Lane type of each operand and of the result (comparison masks are integer lanes). */
  params: readonly Lane[];
  result: Lane;
}

const SEED = 0x5eed_f10a;

const FLOAT_SHAPES = [['f32x4', 'f32', 'i32'], ['f64x2', 'f64', 'i64']] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'min', 'max', 'pmin', 'pmax'];
const COMPARISONS = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
const UNARY = ['sqrt', 'abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest'];

const LANE_OPS: Op[] = FLOAT_SHAPES.flatMap(([shape, lane, mask]) => [
  ...BINARY.map((name) => ({ name: `${shape}.${name}`, params: [lane, lane], result: lane })),
  ...COMPARISONS.map((name) => ({ name: `${shape}.${name}`, params: [lane, lane], result: mask })),
  ...UNARY.map((name) => ({ name: `${shape}.${name}`, params: [lane], result: lane })),
]);

const conversion = (name: string, from: Lane, to: Lane): Op => ({ name, params: [from], result: to });
const CONVERSIONS: Op[] = [
  conversion('f32x4.convert_i32x4_s', 'i32', 'f32'),
  conversion('f32x4.convert_i32x4_u', 'i32', 'f32'),
  conversion('i32x4.trunc_sat_f32x4_s', 'f32', 'i32'),
  conversion('i32x4.trunc_sat_f32x4_u', 'f32', 'i32'),
  conversion('f64x2.convert_low_i32x4_s', 'i32', 'f64'),
  conversion('f64x2.convert_low_i32x4_u', 'i32', 'f64'),
  conversion('i32x4.trunc_sat_f64x2_s_zero', 'f64', 'i32'),
  conversion('i32x4.trunc_sat_f64x2_u_zero', 'f64', 'i32'),
  conversion('f32x4.demote_f64x2_zero', 'f64', 'f32'),
  conversion('f64x2.promote_low_f32x4', 'f32', 'f64'),
];

/** Integers whose conversions round (ties, just past them), the unsigned range's top, the halves of convert_u's split. */
const I32_LANE_EDGES: readonly number[] = [...new Set([
  ...I32_EDGES, ...I32_CONVERSION_EDGES,
  0x7fffffff, 0x80000000 | 0, 0x80000001 | 0, 0xffffffff | 0, 0xfffffffe | 0, 0x0000ffff, 0x00010000, 0x0001ffff,
  0xffff0000 | 0, 0x8000ffff | 0, 0x7fff8000, 0x00ffffff, 0x01000001, 0xfffffe01 | 0, 0x80000080 | 0, 0x80000081 | 0, 0x800000c0 | 0,
])];

const edgesOf = (lane: Lane): readonly Bits[] => (lane === 'f32' ? F32_EDGES : lane === 'f64' ? F64_EDGES : I32_LANE_EDGES);
const fewEdgesOf = (lane: Lane): readonly Bits[] => (lane === 'f32' ? F32_FEW_EDGES : lane === 'f64' ? F64_FEW_EDGES : I32_FEW_EDGES);

function randomLane(lane: Lane, random: Random): Bits {
  return lane === 'f32' || lane === 'f64' ? randomFloatBits(lane, random) : random.i32();
}

function writeLane(view: DataView, at: number, lane: Lane, value: Bits): void {
  if (LANE_BYTES[lane] === 8) view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
  else view.setUint32(at, Number(value) >>> 0, true);
}

function describeLane(view: DataView, at: number, lane: Lane): string {
  switch (lane) {
    case 'f32': return describeFloatBits('f32', view.getInt32(at, true));
    case 'f64': return describeFloatBits('f64', view.getBigInt64(at, true));
    case 'i32': return `0x${view.getUint32(at, true).toString(16).padStart(8, '0')}`;
    case 'i64': return `0x${view.getBigUint64(at, true).toString(16).padStart(16, '0')}`;
  }
}

function describeVector(bytes: Uint8Array, lane: Lane): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const lanes = [];
  for (let at = 0; at < 16; at += LANE_BYTES[lane]) lanes.push(describeLane(view, at, lane));
  return `[${lanes.join(', ')}]`;
}

/** Lane tuples packed into vectors, lane after lane: operand k of tuple t goes to lane t mod n of vector t div n of operand k. */
function packVectors(op: Op, tuples: readonly (readonly Bits[])[]): Uint8Array[] {
  const perVector = 16 / LANE_BYTES[op.params[0]!];
  const count = Math.ceil(tuples.length / perVector);
  return op.params.map((lane, k) => {
    const bytes = new Uint8Array(16 * count);
    const view = new DataView(bytes.buffer);
    // The last vector's spare lanes repeat the first tuples, so no lane is left at zero by accident.
    for (let t = 0; t < count * perVector; t++) writeLane(view, t * LANE_BYTES[lane], lane, tuples[t % tuples.length]![k]!);
    return bytes;
  });
}

/** Every pair (or every value, for one operand) of edge lanes, then seeded random lanes. */
function operandVectors(op: Op, random: Random): Uint8Array[] {
  const edges = edgesOf(op.params[0]!);
  const tuples: Bits[][] = op.params.length === 2 ? edges.flatMap((a) => edges.map((b) => [a, b])) : edges.map((a) => [a]);
  for (let i = 0; i < 2000; i++) tuples.push(op.params.map((lane) => randomLane(lane, random)));
  return packVectors(op, tuples);
}

/** A few vectors of edge lanes, given to the instruction as v128.const. */
function constantVectors(op: Op): Uint8Array[] {
  const lane = op.params[0]!;
  const few = fewEdgesOf(lane);
  const perVector = 16 / LANE_BYTES[lane];
  const vectors: Uint8Array[] = [];
  for (let start = 0; start < few.length; start += perVector) {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < perVector; i++) writeLane(view, i * LANE_BYTES[lane], lane, few[(start + i) % few.length]!);
    vectors.push(bytes);
  }
  return vectors;
}

const v128Const = (bytes: Uint8Array): string => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return `(v128.const i32x4 ${[0, 4, 8, 12].map((at) => `0x${view.getUint32(at, true).toString(16)}`).join(' ')})`;
};

/** Where the operand regions and the result region start in memory, for `count` vectors. */
function layout(count: number) {
  const region = 16 * count;
  return { operands: [0, region], result: 2 * region, pages: Math.ceil((3 * region) / 65536) + 1 };
}

/** How the operands reach the instruction: each names a function of the op's module. */
interface Variant {
  name: string;
  binaryOnly?: boolean;
  /** The loop body's locals and the instruction's operands, given the expressions that load them. */
  locals: string;
  setup(loads: string[], apply: (operands: readonly string[]) => string): string;
  operands(loads: string[]): string[];
  teardown: string;
}

const LIVE = 6;
const LOCAL_OPERANDS = ['(local.get $a)', '(local.get $b)'];
const SAME_LOCAL = ['(local.get $a)', '(local.get $a)'];
const VARIANTS: Variant[] = [
  { name: 'loads', locals: '', setup: () => '', operands: (loads) => loads, teardown: '' },
  {
    // The instruction runs twice on the same locals: the first must leave them (and their registers) as they were.
    name: 'locals', locals: '(local $a v128) (local $b v128)',
    setup: (loads, apply) => `${loads.map((load, k) => `(local.set ${k ? '$b' : '$a'} ${load})`).join(' ')} (drop ${apply(LOCAL_OPERANDS.slice(0, loads.length))})`,
    operands: (loads) => LOCAL_OPERANDS.slice(0, loads.length),
    teardown: '',
  },
  {
    name: 'same operand twice', binaryOnly: true, locals: '(local $a v128)',
    setup: (loads, apply) => `(local.set $a ${loads[0]}) (drop ${apply(SAME_LOCAL)})`, operands: () => SAME_LOCAL, teardown: '',
  },
  {
    // Every cache register holds a live value when the operands are loaded: some of them spill.
    name: 'register pressure', locals: '',
    setup: (loads) => Array(LIVE).fill(loads[0]).join(' '), operands: (loads) => loads,
    teardown: Array(LIVE).fill('(drop)').join(' '),
  },
];

function loopFunction(name: string, locals: string, body: string): string {
  return `(func (export "${name}") (param $end i32) (local $i i32) (local $r v128) ${locals}
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))`;
}

/** The module testing one op and the names of its functions: one per variant, and per constant vector one with it as each operand. */
function opModule(op: Op, count: number, constants: readonly Uint8Array[]): { source: string; names: string[] } {
  const { operands, result, pages } = layout(count);
  const loads = op.params.map((_, k) => `(v128.load offset=${operands[k]} (local.get $i))`);
  const store = (value: string) => `(v128.store offset=${result} (local.get $i) ${value})`;
  const apply = (args: readonly string[]) => `(${op.name} ${args.join(' ')})`;
  const functions = VARIANTS.filter((v) => !v.binaryOnly || op.params.length === 2).map((v) => ({
    name: v.name,
    locals: v.locals,
    body: `${v.setup(loads, apply)} (local.set $r ${apply(v.operands(loads))}) ${v.teardown} ${store('(local.get $r)')}`,
  }));
  constants.forEach((constant, c) => {
    op.params.forEach((_, k) => {
      const args = loads.map((load, j) => (j === k ? v128Const(constant) : load));
      functions.push({ name: `constant ${c} as operand ${k}`, locals: '', body: store(apply(args)) });
    });
  });
  const source = functions.map((f) => loopFunction(f.name, f.locals, f.body)).join('\n');
  return { source: `(module (memory (export "memory") ${pages})\n${source})`, names: functions.map((f) => f.name) };
}

const memoryOf = (exports: Record<string, unknown>): Uint8Array => new Uint8Array((exports.memory as WebAssembly.Memory).buffer);

/** Runs export `name` over all vectors in both engines; a line per vector whose results differ. */
function runBoth(pair: DifferentialInstance, op: Op, name: string, inputs: readonly Uint8Array[], count: number): string[] {
  const { operands, result } = layout(count);
  const results = (['v8', 'wasmjit'] as const).map((engine) => {
    const exports = pair[engine].exports;
    const memory = memoryOf(exports);
    inputs.forEach((bytes, k) => memory.set(bytes, operands[k]!));
    memory.fill(0xa5, result, result + 16 * count);
    (exports[name] as (end: number) => void)(16 * count);
    return memoryOf(exports).slice(result, result + 16 * count);
  });
  const [v8, wasmjit] = results as [Uint8Array, Uint8Array];
  // The loop must have run: V8's results are not the fill pattern throughout.
  if (v8.every((b) => b === 0xa5)) return [`${name}: V8 stored no results`];
  const lines: string[] = [];
  for (let v = 0; v < count; v++) {
    const at = 16 * v;
    const ours = wasmjit.subarray(at, at + 16);
    const theirs = v8.subarray(at, at + 16);
    if (Buffer.from(ours).equals(Buffer.from(theirs))) continue;
    const args = inputs.map((bytes, k) => describeVector(bytes.subarray(at, at + 16), op.params[k]!)).join(' ');
    lines.push(`${op.name} ${name}, vector ${v}: ${args} → V8 ${describeVector(theirs, op.result)}, wasmjit ${describeVector(ours, op.result)}`);
  }
  return lines;
}

async function mismatchesOf(op: Op): Promise<string[]> {
  const random = new Random(SEED);
  const inputs = operandVectors(op, random);
  const count = inputs[0]!.length / 16;
  const { source, names } = opModule(op, count, constantVectors(op));
  const pair = await DifferentialInstance.of(source);
  try {
    return names.flatMap((name) => runBoth(pair, op, name, inputs, count));
  } finally {
    pair.dispose();
  }
}

function report(lines: readonly string[]): string {
  const shown = lines.slice(0, 12).join('\n');
  return `seed 0x${SEED.toString(16)}: ${lines.length} vectors differ\n${shown}${lines.length > 12 ? '\n…' : ''}`;
}

describe('SIMD float lanes against V8, bit for bit', () => {
  test.each(LANE_OPS.map((op) => [op.name, op] as const))('%s', async (_, op) => {
    const lines = await mismatchesOf(op);
    expect(lines, report(lines)).toEqual([]);
  });
});

describe('SIMD float conversions against V8, bit for bit', () => {
  test.each(CONVERSIONS.map((op) => [op.name, op] as const))('%s', async (_, op) => {
    const lines = await mismatchesOf(op);
    expect(lines, report(lines)).toEqual([]);
  });
});
