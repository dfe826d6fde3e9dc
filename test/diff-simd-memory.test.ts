// SIMD memory, bitwise and shuffle instructions compared with V8: every load/store form at every lane
// and at addresses around the end of memory (traps must match in class and message, and the whole
// memory after every store), the bitwise and boolean instructions on edge and random vectors (the
// booleans also as conditions of if/br_if/select), shuffles with every special-cased pattern and
// random masks, swizzles with indices ≥ 16.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asyncOutcomeOf, firstLines, formatOutcome, instantiateInV8, instantiateInWasmjit, toBytes } from './helpers/differential.js';
import {
  OPERANDS, RESULTS, SimdPair, integerEdgeVectors, randomVector, resultSizes, simdFunction, simdModule, v128Const, vectorOf,
  type SimdSignature,
} from './helpers/simd.js';
import { Random } from './helpers/values.js';
import { shuffleInstructionsOf } from '../src/compiler/simd/shuffle.js';

const SEED = 0x5eed12;
const PAGE = 65536;
const U32 = 2 ** 32;

const u32Bytes = (value: number): Uint8Array => vectorOf(4, [value]).subarray(0, 4);

/** Runs `check` over `cases`, collecting the lines it returns; fails with the seed and the first lines. */
function expectNoMismatches<T>(cases: Iterable<T>, check: (c: T) => string | undefined): void {
  const lines: string[] = [];
  for (const c of cases) {
    const line = check(c);
    if (line !== undefined) lines.push(line);
  }
  expect(lines, `seed ${SEED}:\n${firstLines(lines)}`).toEqual([]);
}

// ---- loads and stores ---------------------------------------------------------------------------

interface MemoryForm {
  /** The instruction with its lane immediate, without memarg (added per offset). */
  name: string;
  lane?: number;
  /** Bytes the access touches. */
  bytes: number;
  signature: SimdSignature;
}

const LOAD: SimdSignature = { params: ['i32'], results: ['v128'] };
const LOAD_LANE: SimdSignature = { params: ['i32', 'v128'], results: ['v128'] };
const STORE_LANE: SimdSignature = { params: ['i32', 'v128'], results: [] };

const PLAIN_LOADS: readonly MemoryForm[] = [
  ...['8x8_s', '8x8_u', '16x4_s', '16x4_u', '32x2_s', '32x2_u'].map((form) => ({ name: `v128.load${form}`, bytes: 8, signature: LOAD })),
  ...[8, 16, 32, 64].map((bits) => ({ name: `v128.load${bits}_splat`, bytes: bits / 8, signature: LOAD })),
  ...[32, 64].map((bits) => ({ name: `v128.load${bits}_zero`, bytes: bits / 8, signature: LOAD })),
  { name: 'v128.load', bytes: 16, signature: LOAD },
];

function laneForms(kind: 'load' | 'store'): MemoryForm[] {
  return [8, 16, 32, 64].flatMap((bits) =>
    Array.from({ length: 128 / bits }, (_, lane) => ({
      name: `v128.${kind}${bits}_lane`, lane, bytes: bits / 8, signature: kind === 'load' ? LOAD_LANE : STORE_LANE,
    })));
}

/** Static offsets: none, small, so that the access ends near the page end, the page, the largest. */
const OFFSETS = [0, 5, PAGE - 24, PAGE, 0xffffffff];

/**
 * Addresses around every boundary of a `bytes`-byte access at `offset` in one page: the last valid
 * start, the first invalid one, the last byte, the end, and sums with the offset at or past 2^32.
 */
function edgeAddresses(bytes: number, offset: number): number[] {
  const candidates = [
    0, 1, 37, PAGE - offset - bytes, PAGE - offset - bytes + 1, PAGE - offset - 1, PAGE - offset, PAGE - bytes, PAGE - 1, PAGE,
    U32 - offset, U32 - offset - 1, U32 - offset - bytes, U32 - 1,
  ];
  return [...new Set(candidates.filter((a) => a >= 0 && a < U32))];
}

const functionName = (form: MemoryForm, offset: number, constant?: number) =>
  `${form.name}${form.lane === undefined ? '' : ` lane ${form.lane}`} offset=${offset}${constant === undefined ? '' : ` at const ${constant}`}`;

function memoryFunction(form: MemoryForm, offset: number, constant?: number): string {
  // Natural alignment for even lanes, align=1 for odd ones: the hint must not change the code's meaning.
  const align = form.lane !== undefined && form.lane % 2 === 1 ? 1 : form.bytes;
  const instruction = `${form.name} offset=${offset} align=${align}${form.lane === undefined ? '' : ` ${form.lane}`}`;
  const constants = constant === undefined ? undefined : [u32Bytes(constant)];
  return simdFunction(functionName(form, offset, constant), instruction, form.signature, { constants });
}

/** The last bytes of the page, recognisable; loads near the end read them. */
const PAGE_END_DATA = Uint8Array.from({ length: 64 }, (_, i) => (0x81 + i * 37) & 0xff);

async function memoryPair(forms: readonly MemoryForm[]): Promise<SimdPair> {
  const functions = forms.flatMap((form) => [
    ...OFFSETS.map((offset) => memoryFunction(form, offset)),
    // Constant addresses: the compiler folds those inside the memory's minimum size into the operand.
    ...[0, PAGE - 24].flatMap((offset) =>
      [0, PAGE - offset - form.bytes, PAGE - offset - form.bytes + 1].map((constant) => memoryFunction(form, offset, constant))),
  ]);
  const pair = await SimdPair.of(simdModule(functions));
  pair.write(PAGE - PAGE_END_DATA.length, PAGE_END_DATA);
  return pair;
}

/** Every form at every offset and edge address (and the constant-address variants): same result or trap, same memory. */
function checkMemoryForms(pair: SimdPair, forms: readonly MemoryForm[]): void {
  const random = new Random(SEED);
  const check = (name: string, operands: Uint8Array[], form: MemoryForm): string | undefined => {
    const line = pair.compare(name, operands, resultSizes(form.signature));
    if (line) return line;
    const memory = pair.memoryDifference();
    return memory && `${name} [address ${new DataView(operands[0]!.buffer).getUint32(0, true)}]: ${memory}`;
  };
  const cases = forms.flatMap((form) => [
    ...OFFSETS.flatMap((offset) => edgeAddresses(form.bytes, offset).map((address) => ({ form, name: functionName(form, offset), address }))),
    ...[0, PAGE - 24].flatMap((offset) =>
      [0, PAGE - offset - form.bytes, PAGE - offset - form.bytes + 1].map((constant) => ({ form, name: functionName(form, offset, constant), address: 0 }))),
  ]);
  expectNoMismatches(cases, ({ form, name, address }) => {
    const operands = [u32Bytes(address), ...(form.signature.params.length > 1 ? [randomVector(random)] : [])];
    return check(name, operands, form);
  });
}

describe('SIMD loads and stores at the end of memory', () => {
  const groups: readonly [string, readonly MemoryForm[]][] = [
    ['extending, splat, zero and plain loads', PLAIN_LOADS],
    ['lane loads, every lane', laneForms('load')],
    ['lane stores, every lane', laneForms('store')],
  ];
  for (const [title, forms] of groups) {
    test(title, async () => {
      const pair = await memoryPair(forms);
      try {
        checkMemoryForms(pair, forms);
      } finally {
        pair.dispose();
      }
    });
  }
});

// ---- bitwise and boolean ------------------------------------------------------------------------

const UNARY: SimdSignature = { params: ['v128'], results: ['v128'] };
const BINARY: SimdSignature = { params: ['v128', 'v128'], results: ['v128'] };
const TERNARY: SimdSignature = { params: ['v128', 'v128', 'v128'], results: ['v128'] };

const SHAPES = ['i8x16', 'i16x8', 'i32x4', 'i64x2'] as const;
const LANE_BYTES = { i8x16: 1, i16x8: 2, i32x4: 4, i64x2: 8 } as const;

/** Edge vectors of every lane width, then random ones. */
function testVectors(random: Random, randomCount: number): Uint8Array[] {
  const edges = SHAPES.flatMap((shape) => integerEdgeVectors(LANE_BYTES[shape]));
  return [...edges, ...Array.from({ length: randomCount }, () => randomVector(random))];
}

/** A few constants for the constant-operand variants. */
const CONSTANT_VECTORS = [new Uint8Array(16), new Uint8Array(16).fill(0xff), vectorOf(4, [0x80000000, 0x7fffffff, -1, 0x01234567])];

describe('bitwise instructions', () => {
  const binary = ['v128.and', 'v128.or', 'v128.xor', 'v128.andnot'];
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule([
      simdFunction('v128.not', 'v128.not', UNARY),
      simdFunction('v128.bitselect', 'v128.bitselect', TERNARY),
      ...binary.map((name) => simdFunction(name, name, BINARY)),
      // Constant operands on either side.
      ...binary.flatMap((name) => CONSTANT_VECTORS.flatMap((constant, k) => [
        simdFunction(`${name} const ${k} rhs`, name, BINARY, { constants: [undefined, constant] }),
        simdFunction(`${name} const ${k} lhs`, name, BINARY, { constants: [constant] }),
      ])),
      ...CONSTANT_VECTORS.map((constant, k) => simdFunction(`v128.bitselect const mask ${k}`, 'v128.bitselect', TERNARY, { constants: [undefined, undefined, constant] })),
      // One value on both sides.
      ...binary.map((name) => `(func (export "${name} same") (local $v v128) (local.set $v (v128.load (i32.const ${OPERANDS})))
        (v128.store (i32.const ${RESULTS}) (${name} (local.get $v) (local.get $v))))`),
    ]));
  });
  afterAll(() => pair.dispose());

  test('not', () => {
    expectNoMismatches(testVectors(new Random(SEED), 30), (v) => pair.compare('v128.not', [v], [16]));
  });

  test('and, or, xor, andnot on pairs of edge and random vectors, with register and constant operands', () => {
    const vectors = testVectors(new Random(SEED), 10);
    const cases = binary.flatMap((name) => vectors.flatMap((a) => vectors.map((b) => ({ name, a, b }))));
    expectNoMismatches(cases, ({ name, a, b }) => pair.compare(name, [a, b], [16]));
    const constantCases = binary.flatMap((name) => CONSTANT_VECTORS.flatMap((_, k) => vectors.flatMap((v) => [`rhs`, `lhs`].map((side) => ({ name: `${name} const ${k} ${side}`, v })))));
    expectNoMismatches(constantCases, ({ name, v }) => pair.compare(name, [v, v], [16]));
    expectNoMismatches(binary.flatMap((name) => vectors.map((v) => ({ name, v }))), ({ name, v }) => pair.compare(`${name} same`, [v], [16]));
  });

  test('bitselect', () => {
    const random = new Random(SEED);
    const vectors = testVectors(random, 0);
    const cases = [
      ...vectors.map((mask) => [randomVector(random), randomVector(random), mask]),
      ...Array.from({ length: 300 }, () => [randomVector(random), randomVector(random), randomVector(random)]),
    ];
    expectNoMismatches(cases, (operands) => pair.compare('v128.bitselect', operands, [16]));
    expectNoMismatches(CONSTANT_VECTORS.flatMap((_, k) => cases.slice(0, 50).map((operands) => ({ k, operands }))),
      ({ k, operands }) => pair.compare(`v128.bitselect const mask ${k}`, operands, [16]));
  });
});

describe('boolean instructions', () => {
  const booleans = ['v128.any_true', ...SHAPES.flatMap((shape) => [`${shape}.all_true`, `${shape}.bitmask`])];
  /** Each boolean as the condition of an if, a br_if and a select, and under a flags value being computed. */
  const consumers: readonly [string, (op: string) => string][] = [
    ['value', (op) => `(${op} (v128.load (i32.const ${OPERANDS})))`],
    ['if', (op) => `(if (result i32) (${op} (v128.load (i32.const ${OPERANDS}))) (then (i32.const 7)) (else (i32.const 9)))`],
    ['br_if', (op) => `(block $b (result i32) (drop (br_if $b (i32.const 7) (${op} (v128.load (i32.const ${OPERANDS}))))) (i32.const 9))`],
    ['select', (op) => `(select (i32.const 7) (i32.const 9) (${op} (v128.load (i32.const ${OPERANDS}))))`],
    ['eqz', (op) => `(i32.eqz (${op} (v128.load (i32.const ${OPERANDS}))))`],
    ['under a comparison', (op) => `(i32.sub (i32.lt_u (i32.load (i32.const ${OPERANDS})) (i32.const 5)) (${op} (v128.load (i32.const ${OPERANDS}))))`],
    ['constant', (op) => `(${op} ${v128Const(CONSTANT_VECTORS[2]!)})`],
  ];
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule(booleans.flatMap((op) =>
      consumers.map(([use, expression]) => `(func (export "${op} ${use}") (i32.store (i32.const ${RESULTS}) ${expression(op)}))`))));
  });
  afterAll(() => pair.dispose());

  test.each(booleans)('%s on edge and random vectors, as a value and as a condition', (op) => {
    const vectors = testVectors(new Random(SEED), 40);
    expectNoMismatches(consumers.flatMap(([use]) => vectors.map((v) => ({ use, v }))), ({ use, v }) => pair.compare(`${op} ${use}`, [v], [4]));
  });
});

// ---- shuffle and swizzle ------------------------------------------------------------------------

const range = (start: number, length = 16): number[] => Array.from({ length }, (_, i) => start + i);

/** The masks the compiler lowers specially (see simd/shuffle.ts), each in both operand orders where that differs. */
const SPECIAL_MASKS: readonly [string, number[]][] = [
  ['identity lhs', range(0)],
  ['identity rhs', range(16)],
  ['pshufd lhs reverse', [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]],
  ['pshufd rhs broadcast', [20, 21, 22, 23, 20, 21, 22, 23, 20, 21, 22, 23, 20, 21, 22, 23]],
  ['pshuflw lhs', [6, 7, 0, 1, 2, 3, 0, 1, ...range(8, 8)]],
  ['pshufhw rhs', [...range(16, 8), 30, 31, 30, 31, 24, 25, 28, 29]],
  ['pshuflw and pshufhw lhs', [2, 3, 0, 1, 6, 7, 4, 5, 14, 15, 12, 13, 10, 11, 8, 9]],
  ['pblendw', [0, 1, 18, 19, 4, 5, 22, 23, 24, 25, 10, 11, 12, 13, 30, 31]],
  ['pblendw all but one from rhs', [16, 17, 18, 19, 4, 5, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]],
  ['shufps lhs then rhs', [12, 13, 14, 15, 0, 1, 2, 3, 20, 21, 22, 23, 28, 29, 30, 31]],
  ['shufps rhs then lhs', [16, 17, 18, 19, 16, 17, 18, 19, 8, 9, 10, 11, 4, 5, 6, 7]],
  ...range(1, 15).map((start) => [`palignr ${start}`, range(start).map((i) => i % 32)] as [string, number[]]),
  ...range(17, 15).map((start) => [`palignr ${start}`, range(start).map((i) => i % 32)] as [string, number[]]),
  ...([1, 2, 4, 8] as const).flatMap((bytes) => [false, true].flatMap((high) => {
    const indices = range(0).map((i) => {
      const lane = Math.floor(i / bytes);
      return (lane % 2 === 0 ? 0 : 16) + (high ? 8 : 0) + Math.floor(lane / 2) * bytes + (i % bytes);
    });
    return [[`unpack ${bytes} ${high ? 'high' : 'low'}`, indices], [`unpack ${bytes} ${high ? 'high' : 'low'} swapped`, indices.map((i) => i ^ 16)]] as [string, number[]][];
  })),
  ['pshufb lhs reverse', range(0).reverse()],
  ['pshufb rhs broadcast byte 7', Array(16).fill(23)],
  ['general even/odd', range(0).map((i) => (i % 2 ? 16 + i : i))],
  ['general near identity', [...range(0, 15), 31]],
  ['general all 0 and 31', range(0).map((i) => (i < 8 ? 0 : 31))],
];

/** What the compiler should pick for each special mask, by the first word of its label. */
const EXPECTED_INSTRUCTIONS: Readonly<Record<string, string>> = {
  identity: 'copy', pshufd: 'pshufd', pshuflw: 'pshuflw/pshufhw', pshufhw: 'pshuflw/pshufhw', pblendw: 'pblendw',
  shufps: 'shufps', palignr: 'palignr', unpack: 'unpack', pshufb: 'pshufb', general: 'pshufb+pshufb+por',
};

function randomMasks(random: Random, count: number): [string, number[]][] {
  return Array.from({ length: count }, (_, k) => {
    // Some masks from one operand only (the single-pshufb path), most from both.
    const limit = k % 4 === 0 ? 16 : 32;
    const base = k % 8 === 0 ? 16 : 0;
    const indices = Array.from({ length: 16 }, () => (limit === 16 ? base + random.below(16) : random.below(32)));
    return [`random ${k}`, indices];
  });
}

describe('i8x16.shuffle', () => {
  const random = new Random(SEED);
  const masks = [...SPECIAL_MASKS, ...randomMasks(random, 60)];
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule(masks.flatMap(([name, indices]) => [
      simdFunction(name, `i8x16.shuffle ${indices.join(' ')}`, BINARY),
      simdFunction(`${name} const lhs`, `i8x16.shuffle ${indices.join(' ')}`, BINARY, { constants: [CONSTANT_VECTORS[2]] }),
      `(func (export "${name} same") (local $v v128) (local.set $v (v128.load (i32.const ${OPERANDS})))
        (v128.store (i32.const ${RESULTS}) (i8x16.shuffle ${indices.join(' ')} (local.get $v) (local.get $v))))`,
    ])));
  });
  afterAll(() => pair.dispose());

  test('each special mask reaches the lowering it was written for', () => {
    const wrong = SPECIAL_MASKS.flatMap(([label, indices]) => {
      const expected = EXPECTED_INSTRUCTIONS[label.split(' ')[0]!];
      const actual = shuffleInstructionsOf(indices);
      return actual === expected ? [] : [`${label} [${indices.join(' ')}]: ${actual}, expected ${expected}`];
    });
    expect(wrong).toEqual([]);
  });

  test('every special case and random masks, on distinct byte operands and random ones', () => {
    const distinct = [Uint8Array.from(range(0x40)), Uint8Array.from(range(0xa0))];
    const operands = [distinct, ...Array.from({ length: 8 }, () => [randomVector(random), randomVector(random)])];
    expectNoMismatches(masks.flatMap(([name]) => operands.map((pairOfVectors) => ({ name, pairOfVectors }))),
      ({ name, pairOfVectors }) => pair.compare(name, pairOfVectors, [16]) ?? pair.compare(`${name} const lhs`, pairOfVectors, [16]));
    expectNoMismatches(masks, ([name]) => pair.compare(`${name} same`, [distinct[0]!], [16]));
  });

  test('lane indices ≥ 32 are rejected at compile time by both engines', async () => {
    const valid = await toBytes(simdModule([simdFunction('f', `i8x16.shuffle ${range(16).join(' ')}`, BINARY)]));
    const immediate = Uint8Array.from(range(16));
    const at = valid.findIndex((_, i) => immediate.every((byte, k) => valid[i + k] === byte));
    expect(at).toBeGreaterThan(0);
    for (const bad of [32, 33, 0x7f, 0xff]) {
      const invalid = valid.slice();
      invalid[at + 15] = bad;
      const v8 = await asyncOutcomeOf(() => instantiateInV8(invalid));
      const wasmjit = await asyncOutcomeOf(() => instantiateInWasmjit(invalid));
      expect(v8.kind === 'throw' && v8.class, `index ${bad}: V8 → ${formatOutcome(v8)}`).toBe('WebAssembly.CompileError');
      expect(wasmjit.kind === 'throw' && wasmjit.class, `index ${bad}: wasmjit → ${formatOutcome(wasmjit)}`).toBe('WebAssembly.CompileError');
    }
  });
});

describe('i8x16.swizzle', () => {
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule([
      simdFunction('swizzle', 'i8x16.swizzle', BINARY),
      ...CONSTANT_VECTORS.map((constant, k) => simdFunction(`swizzle const indices ${k}`, 'i8x16.swizzle', BINARY, { constants: [undefined, constant] })),
    ]));
  });
  afterAll(() => pair.dispose());

  test('indices in range, 16…31, 0x70…0x8f and up to 0xff zero the byte exactly when ≥ 16', () => {
    const random = new Random(SEED);
    const edgeIndices = [
      range(0), range(0).reverse(), range(16), range(0x70), range(0x80), range(0xf0),
      Array(16).fill(16), Array(16).fill(15), Array(16).fill(0x7f), Array(16).fill(0x80), Array(16).fill(0xff), Array(16).fill(0x8f),
      [0, 16, 15, 31, 0x70, 0x6f, 0x80, 0xff, 1, 17, 0x90, 0x10, 14, 0xef, 0x7e, 2],
    ].map((indices) => Uint8Array.from(indices));
    const randomIndices = Array.from({ length: 40 }, (_, k) => (k % 2 ? randomVector(random) : Uint8Array.from(range(0).map(() => random.below(32)))));
    const vectors = [Uint8Array.from(range(0x40)), ...Array.from({ length: 4 }, () => randomVector(random))];
    expectNoMismatches([...edgeIndices, ...randomIndices].flatMap((indices) => vectors.map((v) => [v, indices])),
      (operands) => pair.compare('swizzle', operands, [16]));
    expectNoMismatches(CONSTANT_VECTORS.flatMap((_, k) => vectors.map((v) => ({ k, v }))),
      ({ k, v }) => pair.compare(`swizzle const indices ${k}`, [v, v], [16]));
  });
});

describe('under register pressure', () => {
  // Each level keeps one more v128 live while the inner expression runs, so the operands of the inner
  // instructions come from spill slots and their results have to find registers.
  const slot = (k: number) => `(v128.load (i32.const ${OPERANDS + 16 * (k % 8)}))`;
  const levels: readonly ((inner: string, k: number) => string)[] = [
    (inner, k) => `(v128.and ${slot(k)} ${inner})`,
    (inner, k) => `(v128.andnot ${inner} ${slot(k)})`,
    (inner, k) => `(i8x16.shuffle 0 17 2 19 4 21 6 23 31 30 29 28 3 2 1 0 ${slot(k)} ${inner})`,
    (inner, k) => `(v128.bitselect ${slot(k)} ${slot(k + 1)} ${inner})`,
    (inner, k) => `(i8x16.swizzle ${slot(k)} ${inner})`,
    (inner, k) => `(v128.load16_lane 5 (i32.and (i32.load (i32.const ${OPERANDS + 16 * (k % 8)})) (i32.const 0xff)) ${inner})`,
    (inner, k) => `(v128.xor ${slot(k)} (v128.not ${inner}))`,
    (inner, k) => `(i8x16.shuffle 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 ${slot(k)} ${inner})`,
    (inner, k) => `(v128.or ${slot(k)} ${inner})`,
  ];
  const deep = (depth: number) => Array.from({ length: depth }, (_, k) => k).reduce((inner, k) => levels[k % levels.length]!(inner, k), slot(0));
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule([
      `(func (export "deep") (v128.store (i32.const ${RESULTS}) ${deep(20)}))`,
      `(func (export "deep booleans") (i32.store (i32.const ${RESULTS})
        (i32.add (i16x8.bitmask ${slot(1)}) (i32.add (i32.mul (i32.const 3) (i64x2.all_true ${slot(2)})) (i32.mul (v128.any_true ${deep(12)}) (i8x16.bitmask ${deep(9)}))))))`,
    ]));
  });
  afterAll(() => pair.dispose());

  test('nested bitwise, shuffle and lane-load expressions give V8\'s bytes', () => {
    const random = new Random(SEED);
    const runs = Array.from({ length: 40 }, () => Array.from({ length: 8 }, () => randomVector(random)));
    expectNoMismatches(runs, (operands) => pair.compare('deep', operands, [16]) ?? pair.compare('deep booleans', operands, [4]));
  });
});
