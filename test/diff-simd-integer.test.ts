// Every integer lane instruction (arithmetic, comparisons, shifts, narrow/extend/extmul/extadd,
// popcnt, q15mulr, dot) run in V8 and wasmjit on the same operands, result bytes compared. Operands:
// every pair of a lane type's edge values (0, ±1, ±2, lane minimum and maximum and their neighbours,
// 0x55…/0xaa… patterns, byte and halfword boundaries) spread over the lanes, then seeded random
// vectors with edge lanes mixed in; shifts by counts around the lane width, negative and huge ones.
// Each instruction also runs with constant operands (v128.const, and constant shift counts, which
// become immediate shifts), and the i64x2 comparisons once more without SSE4.2 (no pcmpgtq).
import { describe, expect, test } from 'vitest';
import { compile, loadDisassembler } from '../src/index.js';
import { INTEGER_OPS } from '../src/compiler/simd/integer.js';
import { MAX_ROWS, SimdPair, simdModuleText, v128FromLanes } from './helpers/simd-rows.js';
import type { SimdOperand, SimdVariant } from './helpers/simd-rows.js';
import { DifferentialInstance, toBytes } from './helpers/differential.js';
import { Random } from './helpers/values.js';

type Bits = 8 | 16 | 32 | 64;
type Kind = 'binary' | 'unary' | 'shift';

interface IntOp {
  name: string;
  kind: Kind;
  /** The lane width of the operands (the narrow one for extend, extmul, extadd; the wide one for narrow). */
  bits: Bits;
}

const SHAPES: Record<Bits, string> = { 8: 'i8x16', 16: 'i16x8', 32: 'i32x4', 64: 'i64x2' };
const SEED = 0x51d12;

function intOps(): IntOp[] {
  const ops: IntOp[] = [];
  const add = (name: string, kind: Kind, bits: Bits) => ops.push({ name, kind, bits });
  for (const bits of [8, 16, 32, 64] as const) {
    const shape = SHAPES[bits];
    const binary = ['add', 'sub', 'eq', 'ne', 'lt_s', 'gt_s', 'le_s', 'ge_s'];
    if (bits > 8) binary.push('mul');
    if (bits <= 16) binary.push('add_sat_s', 'add_sat_u', 'sub_sat_s', 'sub_sat_u', 'avgr_u');
    if (bits <= 32) binary.push('min_s', 'min_u', 'max_s', 'max_u', 'lt_u', 'gt_u', 'le_u', 'ge_u');
    for (const name of binary) add(`${shape}.${name}`, 'binary', bits);
    for (const name of ['neg', 'abs']) add(`${shape}.${name}`, 'unary', bits);
    for (const name of ['shl', 'shr_s', 'shr_u']) add(`${shape}.${name}`, 'shift', bits);
  }
  add('i8x16.popcnt', 'unary', 8);
  add('i16x8.q15mulr_sat_s', 'binary', 16);
  add('i32x4.dot_i16x8_s', 'binary', 16);
  for (const sign of ['s', 'u']) {
    add(`i8x16.narrow_i16x8_${sign}`, 'binary', 16);
    add(`i16x8.narrow_i32x4_${sign}`, 'binary', 32);
    add(`i16x8.extadd_pairwise_i8x16_${sign}`, 'unary', 8);
    add(`i32x4.extadd_pairwise_i16x8_${sign}`, 'unary', 16);
    for (const narrow of [8, 16, 32] as const) {
      const wide = SHAPES[(narrow * 2) as Bits];
      for (const half of ['low', 'high']) {
        add(`${wide}.extend_${half}_${SHAPES[narrow]}_${sign}`, 'unary', narrow);
        add(`${wide}.extmul_${half}_${SHAPES[narrow]}_${sign}`, 'binary', narrow);
      }
    }
  }
  return ops;
}

const OPS = intOps();

/** Edge values of a lane type, signed, without repeats. */
function laneEdges(bits: Bits): bigint[] {
  const min = -(1n << BigInt(bits - 1));
  const max = (1n << BigInt(bits - 1)) - 1n;
  const pattern = (byte: bigint) => BigInt.asIntN(bits, [...Array(bits / 8)].reduce((sum: bigint) => (sum << 8n) | byte, 0n));
  const values = [0n, 1n, -1n, 2n, -2n, min, min + 1n, max, max - 1n, pattern(0x55n), pattern(0xaan), 0x7fn, 0x80n, 0xffn, 0x100n, -0x80n, -0x81n, 0x7fffn, 0x8000n];
  return [...new Set(values.map((value) => BigInt.asIntN(bits, value)))];
}

const lanesOf = (bits: Bits) => 128 / bits;

/** Every (a, b) pair of edges, lane by lane: rows of [a, b]. */
function edgePairRows(bits: Bits): Uint8Array[][] {
  const edges = laneEdges(bits);
  const pairs = edges.flatMap((a) => edges.map((b) => [a, b] as const));
  const rows: Uint8Array[][] = [];
  for (let at = 0; at < pairs.length; at += lanesOf(bits)) {
    const chunk = pairs.slice(at, at + lanesOf(bits));
    while (chunk.length < lanesOf(bits)) chunk.push(pairs[chunk.length]!);
    rows.push([v128FromLanes(bits, chunk.map(([a]) => a)), v128FromLanes(bits, chunk.map(([, b]) => b))]);
  }
  return rows;
}

/** Each edge in each lane (the other lanes other edges): rows of one vector. */
function edgeRows(bits: Bits): Uint8Array[] {
  const edges = laneEdges(bits);
  return edges.map((_, i) => v128FromLanes(bits, [...Array(lanesOf(bits))].map((__, lane) => edges[(i + lane) % edges.length]!)));
}

/** A random vector; about a third of its lanes are edge values. */
function randomVector(random: Random, bits: Bits): Uint8Array {
  const edges = laneEdges(bits);
  const bytes = random.bytes(16);
  const lanes = [...Array(lanesOf(bits))].map((_, lane) => {
    if (random.below(3) === 0) return random.pick(edges);
    return BigInt.asIntN(bits, [...bytes.subarray((lane * bits) / 8, ((lane + 1) * bits) / 8)].reduceRight((sum, byte) => (sum << 8n) | BigInt(byte), 0n));
  });
  return v128FromLanes(bits, lanes);
}

function shiftCounts(bits: Bits): number[] {
  return [0, 1, 3, bits / 2 + 1, bits - 1, bits, bits + 1, 2 * bits, 2 * bits + 3, 255, 256, -1, -bits, 1000, 0x7fffffff, -0x80000000];
}

/** Constant operands: one vector of edges and one random (per operand position). */
function constantVectors(random: Random, bits: Bits): Uint8Array[] {
  return [edgeRows(bits)[0]!, edgeRows(bits)[5]!, randomVector(random, bits)];
}

interface Plan {
  variants: SimdVariant[];
  /** The rows each variant runs on. */
  rows: Map<string, SimdOperand[][]>;
}

function plan(op: IntOp, random: Random): Plan {
  const { kind, bits } = op;
  const variants: SimdVariant[] = [{ name: 'computed' }];
  const rows = new Map<string, SimdOperand[][]>();
  const randomRows = (count: number, width: number) => [...Array(count)].map(() => [...Array(width)].map(() => randomVector(random, bits)));
  const constants = constantVectors(random, bits);
  if (kind === 'binary') {
    const all = [...edgePairRows(bits), ...randomRows(200, 2)];
    rows.set('computed', all);
    constants.forEach((vector, j) => {
      variants.push({ name: `constLeft${j}`, constants: [vector] }, { name: `constRight${j}`, constants: [undefined, vector] });
      rows.set(`constLeft${j}`, all);
      rows.set(`constRight${j}`, all);
    });
    variants.push({ name: 'constBoth', constants: [constants[0], constants[2]] });
    rows.set('constBoth', [all[0]!]);
  } else if (kind === 'unary') {
    rows.set('computed', [...edgeRows(bits), ...randomRows(200, 1).map(([v]) => v!)].map((v) => [v]));
    constants.forEach((vector, j) => {
      variants.push({ name: `const${j}`, constants: [vector] });
      rows.set(`const${j}`, [[vector]]);
    });
  } else {
    const vectors = [...edgeRows(bits), ...randomRows(24, 1).map(([v]) => v!)];
    const counts = [...shiftCounts(bits), ...[...Array(8)].map(() => random.uint32() | 0)];
    rows.set('computed', vectors.flatMap((vector) => counts.map((count) => [vector, count])).slice(0, MAX_ROWS));
    for (const count of shiftCounts(bits)) {
      const name = `count${count < 0 ? `Minus${-count}` : count}`;
      variants.push({ name, constants: [undefined, count] });
      rows.set(name, vectors.map((vector) => [vector, 0]));
    }
    constants.forEach((vector, j) => {
      variants.push({ name: `constVector${j}`, constants: [vector] });
      rows.set(`constVector${j}`, counts.map((count) => [vector, count]));
    });
  }
  return { variants, rows };
}

const SIGNATURES = {
  binary: { params: ['v128', 'v128'], result: 'v128' },
  unary: { params: ['v128'], result: 'v128' },
  shift: { params: ['v128', 'i32'], result: 'v128' },
} as const;

/** Runs every variant of `op` in both engines (wasmjit with `cpuFeatures`): the differing rows. */
async function mismatchesOf(op: IntOp, cpuFeatures: Record<string, boolean> = {}): Promise<string[]> {
  const seed = SEED ^ [...op.name].reduce((hash, char) => Math.imul(hash, 31) + char.charCodeAt(0), 0);
  const { variants, rows } = plan(op, new Random(seed));
  const pair = await SimdPair.create(op.name, SIGNATURES[op.kind], variants, { cpuFeatures });
  try {
    return variants.flatMap(({ name }) => pair.mismatches(name, rows.get(name)!)).map((line) => `${line} (seed ${seed})`);
  } finally {
    pair.dispose();
  }
}

describe('integer lane instructions against V8', () => {
  test('the test covers every instruction of the family, and only those', () => {
    expect(OPS.map((op) => op.name).sort()).toEqual([...INTEGER_OPS.keys()].sort());
  });

  for (const kind of ['binary', 'unary', 'shift'] as const) {
    describe(kind, () => {
      test.each(OPS.filter((op) => op.kind === kind).map((op) => [op.name, op] as const))('%s', async (_, op) => {
        expect(await mismatchesOf(op)).toEqual([]);
      });
    });
  }
});

describe('i64x2 comparisons without SSE4.2', () => {
  const comparisons = OPS.filter((op) => op.bits === 64 && op.kind === 'binary' && /\.(eq|ne|[lg][te]_s)$/.test(op.name));

  test.each(comparisons.map((op) => [op.name, op] as const))('%s', async (_, op) => {
    expect(await mismatchesOf(op, { sse42: false })).toEqual([]);
  });

  test('pcmpgtq only where SSE4.2 is there', async () => {
    await loadDisassembler();
    const bytes = await toBytes(simdModuleText('i64x2.gt_s', SIGNATURES.binary, [{ name: 'computed' }]));
    const listing = async (sse42: boolean) => (await compile(bytes, { cpuFeatures: { sse42 } })).disassemble();
    expect(await listing(true)).toMatch(/\bpcmpgtq\b/);
    expect(await listing(false)).not.toMatch(/\bpcmpgtq\b/);
  });
});


describe('integer lane instructions under register pressure', () => {
  // A right-nested chain keeps every left operand live: more v128 values than cache registers, so
  // operands come back from spill slots; shift counts come from locals and from a comparison.
  const CHAIN = [
    'i64x2.mul', 'i16x8.q15mulr_sat_s', 'i8x16.sub_sat_u', 'i32x4.lt_u', 'i64x2.gt_s', 'i16x8.extmul_high_i8x16_u',
    'i8x16.narrow_i16x8_s', 'i32x4.dot_i16x8_s', 'i64x2.ge_s', 'i8x16.avgr_u', 'i32x4.extmul_low_i16x8_s',
  ];
  const operand = (k: number): string => {
    const load = `(v128.load (i32.const ${16 * k}))`;
    if (k % 4 === 1) return `(i8x16.shr_s ${load} (local.get $x))`;
    if (k % 4 === 2) return `(i64x2.shr_s ${load} (local.get $y))`;
    if (k % 4 === 3) return `(i8x16.popcnt ${load})`;
    return load;
  };
  const innermost = '(i8x16.shl (local.get $v) (i32.lt_u (local.get $x) (local.get $y)))';
  const chain = CHAIN.reduceRight((inner, op, k) => `(${op} ${operand(k)} ${inner})`, innermost);
  const wat = `(module (memory (export "memory") 1)
    (func (export "run") (param $x i32) (param $y i32) (local $v v128)
      (local.set $v (v128.load (i32.const ${16 * CHAIN.length})))
      (v128.store (i32.const 1024) ${chain})))`;

  test('a chain of eleven instructions', async () => {
    const pair = await DifferentialInstance.of(wat);
    try {
      const random = new Random(SEED);
      const mismatches: string[] = [];
      for (let round = 0; round < 40; round++) {
        const input = random.bytes(16 * (CHAIN.length + 1));
        const [x, y] = [random.below(3) === 0 ? random.uint32() | 0 : random.below(70), random.below(70)];
        const [v8, wasmjit] = [pair.v8, pair.wasmjit].map((engine) => {
          const memory = new Uint8Array((engine.exports.memory as WebAssembly.Memory).buffer);
          memory.set(input);
          (engine.exports.run as (x: number, y: number) => void)(x, y);
          return [...memory.subarray(1024, 1040)].join(',');
        });
        if (v8 !== wasmjit) mismatches.push(`round ${round} (seed ${SEED}), x ${x}, y ${y}: V8 ${v8}, wasmjit ${wasmjit}`);
      }
      expect(mismatches).toEqual([]);
    } finally {
      pair.dispose();
    }
  });
});
