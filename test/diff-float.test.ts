// Every float instruction, run in V8 and wasmjit and compared bit for bit. Operands go in as integer bit
// patterns reinterpreted inside wasm (so signalling NaNs reach the instruction unchanged) and float
// results come back through reinterpret (so NaN payloads and -0 are visible). Each family is one
// module per operand shape, one exported function per instruction, as in diff-integer.
//
// V8 is the oracle as it runs code that is not hot: Liftoff. TurboFan gives other NaN bits in places
// (it may swap the operands of add and mul, and it folds constants to the positive canonical NaN where
// the hardware gives the negative one), but V8 only tiers a function up after some 50 000 calls of a
// function this small; no function here is called more than 13 000 times, so V8 stays in Liftoff.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compile, instantiate, loadDisassembler } from '../src/index.js';
import {
  type CallComparison, DifferentialInstance, engineUnderTest, type EngineInstance, firstLines, instantiateInV8, outcomeOf,
  sameOutcome, toBytes, type Outcome,
} from './helpers/differential.js';
import {
  type Bits, bitsType, describeBits, describeFloatBits, f32Bits, f64Bits, f64FromBits, fewFloatEdgesOf, type FloatType, floatEdgesOf,
  floatLiteral, fromBits, I32_CONVERSION_EDGES, I64_CONVERSION_EDGES, isFloat, randomFloatBits, toBits, type ValType,
} from './helpers/floats.js';
import { scenarioMismatches, type Session } from './helpers/scenario.js';
import { I32_EDGES, I32_FEW_EDGES, I64_EDGES, I64_FEW_EDGES, Random } from './helpers/values.js';

interface Op {
  /** The wasm instruction, e.g. `f32.copysign`. */
  name: string;
  params: ValType[];
  result: ValType;
}

interface Family {
  name: string;
  ops: Op[];
}

const FLOATS: readonly FloatType[] = ['f32', 'f64'];
const INTS = ['i32', 'i64'] as const;
const SIGNS = ['s', 'u'] as const;

const op = (name: string, params: ValType[], result: ValType): Op => ({ name, params, result });
const ARITHMETIC = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];
const UNARY = ['sqrt', 'abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest'];
const COMPARE = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
const ROUNDING = ['ceil', 'floor', 'trunc', 'nearest'];

/** `i32.trunc_f64_u` and the like: every float type to every integer type, both signs. */
const truncations = (infix: string): Op[] =>
  INTS.flatMap((i) => FLOATS.flatMap((f) => SIGNS.map((s) => op(`${i}.trunc_${infix}${f}_${s}`, [f], i))));

const FAMILIES: Family[] = [
  ...FLOATS.flatMap((t): Family[] => [
    { name: `${t} arithmetic, min, max and copysign`, ops: ARITHMETIC.map((n) => op(`${t}.${n}`, [t, t], t)) },
    { name: `${t} sqrt, abs, neg and rounding`, ops: UNARY.map((n) => op(`${t}.${n}`, [t], t)) },
    { name: `${t} comparisons`, ops: COMPARE.map((n) => op(`${t}.${n}`, [t, t], 'i32')) },
  ]),
  {
    name: 'integer to float conversions',
    ops: FLOATS.flatMap((f) => INTS.flatMap((i) => SIGNS.map((s) => op(`${f}.convert_${i}_${s}`, [i], f)))),
  },
  {
    name: 'promote, demote and reinterpret',
    ops: [
      op('f64.promote_f32', ['f32'], 'f64'), op('f32.demote_f64', ['f64'], 'f32'),
      op('i32.reinterpret_f32', ['f32'], 'i32'), op('i64.reinterpret_f64', ['f64'], 'i64'),
      op('f32.reinterpret_i32', ['i32'], 'f32'), op('f64.reinterpret_i64', ['i64'], 'f64'),
    ],
  },
  { name: 'trapping float to integer truncations', ops: truncations('') },
  { name: 'saturating float to integer truncations', ops: truncations('sat_') },
];

function edges(type: ValType): readonly Bits[] {
  if (isFloat(type)) return floatEdgesOf(type);
  const values: readonly Bits[] = type === 'i32' ? [...I32_EDGES, ...I32_CONVERSION_EDGES] : [...I64_EDGES, ...I64_CONVERSION_EDGES];
  return [...new Set(values)];
}

function fewEdges(type: ValType): readonly Bits[] {
  if (isFloat(type)) return fewFloatEdgesOf(type);
  return type === 'i32' ? I32_FEW_EDGES : I64_FEW_EDGES;
}

function randomValue(type: ValType, random: Random): Bits {
  if (isFloat(type)) return randomFloatBits(type, random);
  return type === 'i32' ? random.i32() : random.i64();
}

/** A value as wat writes it: floats as exact literals (`nan:0x200001`, `-0x1.8p+0`), integers in decimal. */
const literal = (type: ValType, value: Bits) => (isFloat(type) ? floatLiteral(type, value) : String(value));
const constant = (type: ValType, value: Bits) => `(${type}.const ${literal(type, value)})`;

function crossProduct(lists: readonly (readonly Bits[])[]): Bits[][] {
  return lists.reduce<Bits[][]>((tuples, list) => tuples.flatMap((tuple) => list.map((v) => [...tuple, v])), [[]]);
}

function randomTuples(types: readonly ValType[], random: Random, count: number): Bits[][] {
  return Array.from({ length: count }, () => types.map((t) => randomValue(t, random)));
}

/** An exported function whose params and result are the bits of the values it works on. */
interface TestFunc {
  exportName: string;
  /** The types of the values behind the params and the result (floats cross as their bits). */
  params: ValType[];
  result: ValType;
  body: string;
  calls: Bits[][];
}

function funcWat(f: TestFunc): string {
  const params = f.params.length > 0 ? ` (param ${f.params.map(bitsType).join(' ')})` : '';
  return `(func (export "${f.exportName}")${params} (result ${bitsType(f.result)}) ${f.body})`;
}

const operand = (type: ValType, i: number) => fromBits(type, `(local.get ${i})`);
const apply = (o: Op, operands: string[]) => toBits(o.result, `(${o.name} ${operands.join(' ')})`);
const isBinary = (o: Op) => o.params.length === 2;
const isComparison = (o: Op) => COMPARE.some((c) => o.name.endsWith(`.${c}`));

/** Converts integer bits between i32 and i64, so a result can be combined with a value of the other type. */
function convert(expr: string, from: 'i32' | 'i64', to: 'i32' | 'i64'): string {
  if (from === to) return expr;
  return to === 'i64' ? `(i64.extend_i32_u ${expr})` : `(i32.wrap_i64 ${expr})`;
}

/** How the operands reach the instruction. Each shape builds the functions that test one op. */
interface Shape {
  name: string;
  appliesTo(o: Op): boolean;
  build(o: Op, random: Random): TestFunc[];
}

const SHAPES: Shape[] = [
  {
    name: 'operands from params',
    appliesTo: () => true,
    build: (o, random) => [{
      exportName: o.name,
      params: o.params,
      result: o.result,
      body: apply(o, o.params.map(operand)),
      calls: [...crossProduct(o.params.map(edges)), ...randomTuples(o.params, random, 300)],
    }],
  },
  {
    // Constants are encoded in the instruction stream: NaN payloads must come from the binary.
    name: 'constant operand',
    appliesTo: (o) => !isBinary(o),
    build: (o) => edges(o.params[0]!).map((k) => ({
      exportName: `${o.name} ${literal(o.params[0]!, k)}`,
      params: [],
      result: o.result,
      body: apply(o, [constant(o.params[0]!, k)]),
      calls: [[]],
    })),
  },
  {
    name: 'constant right operand',
    appliesTo: isBinary,
    build: (o, random) => edges(o.params[1]!).map((k) => ({
      exportName: `${o.name} x ${literal(o.params[1]!, k)}`,
      params: [o.params[0]!],
      result: o.result,
      body: apply(o, [operand(o.params[0]!, 0), constant(o.params[1]!, k)]),
      calls: [...crossProduct([edges(o.params[0]!)]), ...randomTuples([o.params[0]!], random, 20)],
    })),
  },
  {
    name: 'constant left operand',
    appliesTo: isBinary,
    build: (o, random) => edges(o.params[0]!).map((k) => ({
      exportName: `${o.name} ${literal(o.params[0]!, k)} x`,
      params: [o.params[1]!],
      result: o.result,
      body: apply(o, [constant(o.params[0]!, k), operand(o.params[1]!, 0)]),
      calls: [...crossProduct([edges(o.params[1]!)]), ...randomTuples([o.params[1]!], random, 20)],
    })),
  },
  {
    name: 'all operands constant',
    appliesTo: isBinary,
    build: (o) => crossProduct(o.params.map(fewEdges)).map((values) => ({
      exportName: `${o.name} ${values.map((v, i) => literal(o.params[i]!, v)).join(' ')}`,
      params: [],
      result: o.result,
      body: apply(o, values.map((v, i) => constant(o.params[i]!, v))),
      calls: [[]],
    })),
  },
  {
    name: 'one local as both operands',
    appliesTo: isBinary,
    build: (o, random) => [{
      exportName: `${o.name} x x`,
      params: [o.params[0]!],
      result: o.result,
      body: apply(o, [operand(o.params[0]!, 0), operand(o.params[0]!, 0)]),
      calls: [...crossProduct([edges(o.params[0]!)]), ...randomTuples([o.params[0]!], random, 50)],
    }],
  },
  {
    // The operands' bits stay on the operand stack below the instruction and must survive it.
    name: 'with live values below the operands',
    appliesTo: () => true,
    build: (o, random) => {
      const t = bitsType(o.params[0]!);
      const result = convert(apply(o, o.params.map(operand)), bitsType(o.result), t);
      const body = o.params.reduceRight((inner, p, i) => `(${t}.xor ${convert(`(local.get ${i})`, bitsType(p), t)} ${inner})`, result);
      return [{
        exportName: `${o.name} under live values`,
        params: o.params,
        result: t,
        body,
        calls: [...crossProduct(o.params.map(fewEdges)), ...randomTuples(o.params, random, 100)],
      }];
    },
  },
  {
    // A compiler may fuse a comparison with the branch that consumes it; NaN must still be unordered.
    name: 'as a branch condition',
    appliesTo: isComparison,
    build: (o, random) => {
      const calls = [...crossProduct(o.params.map(fewEdges)), ...randomTuples(o.params, random, 100)];
      const condition = `(${o.name} ${o.params.map(operand).join(' ')})`;
      const forms: [string, string][] = [
        ['if', `(if (result i32) ${condition} (then (i32.const 7)) (else (i32.const -3)))`],
        ['if eqz', `(if (result i32) (i32.eqz ${condition}) (then (i32.const 7)) (else (i32.const -3)))`],
        ['br_if', `(block (result i32) (drop (br_if 0 (i32.const 7) ${condition})) (i32.const -3))`],
        ['select', `(select (i32.const 7) (i32.const -3) ${condition})`],
      ];
      const t = o.params[1]!;
      for (const k of fewEdges(t)) {
        forms.push([`if x ${literal(t, k)}`, `(if (result i32) (${o.name} ${operand(t, 0)} ${constant(t, k)}) (then (i32.const 7)) (else (i32.const -3)))`]);
      }
      return forms.map(([form, body]) => ({ exportName: `${o.name} ${form}`, params: o.params, result: 'i32', body, calls }));
    },
  },
];

/** FNV-1a, so each op's random values depend only on its name and shape, not on test order. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Anything that runs an export in both engines: a DifferentialInstance, or a pair made with options. */
interface CallBoth {
  call(name: string, args: readonly unknown[]): CallComparison;
}

function describeOutcome(type: ValType, outcome: Outcome): string {
  return outcome.kind === 'value' ? describeBits(type, outcome.value) : `${outcome.class}: ${outcome.message}`;
}

/** Failure text: each failing function's wat, then its first mismatching calls, floats as bits. */
function mismatchReport(pair: CallBoth, funcs: readonly TestFunc[]): string[] {
  const reports: string[] = [];
  for (const f of funcs) {
    const lines: string[] = [];
    for (const args of f.calls) {
      const c = pair.call(f.exportName, args);
      if (c.same) continue;
      const call = `${f.exportName}(${args.map((a, i) => describeBits(f.params[i]!, a)).join(', ')})`;
      lines.push(`  ${call}: V8 → ${describeOutcome(f.result, c.v8)}, wasmjit → ${describeOutcome(f.result, c.wasmjit)}`);
    }
    if (lines.length > 0) {
      const more = lines.length > 8 ? [`  … ${lines.length - 8} more of ${f.calls.length} calls`] : [];
      reports.push([funcWat(f), ...lines.slice(0, 8), ...more].join('\n'));
    }
  }
  return reports;
}

const moduleOf = (funcs: readonly TestFunc[]) => `(module\n${funcs.map(funcWat).join('\n')}\n)`;

for (const family of FAMILIES) {
  describe(family.name, () => {
    for (const shape of SHAPES) {
      const ops = family.ops.filter((o) => shape.appliesTo(o));
      if (ops.length === 0) continue;
      const funcsByOp = new Map(ops.map((o) => [o.name, shape.build(o, new Random(seedOf(`${shape.name}|${o.name}`)))]));

      describe(shape.name, () => {
        let pair: DifferentialInstance;
        beforeAll(async () => {
          pair = await DifferentialInstance.of(moduleOf([...funcsByOp.values()].flat()));
        });
        afterAll(() => pair?.dispose());

        test.each(ops.map((o) => o.name))('%s', (name) => {
          expect(mismatchReport(pair, funcsByOp.get(name)!).slice(0, 4).join('\n\n')).toBe('');
        });
      });
    }
  });
}

describe('trap messages', () => {
  test('an unrepresentable truncation traps with V8\'s class and message', async () => {
    const pair = await DifferentialInstance.of(moduleOf(SHAPES[0]!.build(op('i32.trunc_f32_s', ['f32'], 'i32'), new Random(1))));
    try {
      const c = pair.call('i32.trunc_f32_s', [f32Bits(2 ** 31)]);
      expect(c.v8).toEqual({ kind: 'throw', class: 'WebAssembly.RuntimeError', message: 'float unrepresentable in integer range' });
      expect(c.wasmjit).toEqual(c.v8);
    } finally {
      pair.dispose();
    }
  });
});

describe('rounding without SSE4.1 (the SSE2 fallback)', () => {
  const funcs: TestFunc[] = FLOATS.flatMap((t) => ROUNDING.map((mode): TestFunc => {
    const name = `${t}.${mode}`;
    return {
      exportName: name,
      params: [t],
      result: t,
      body: apply(op(name, [t], t), [operand(t, 0)]),
      calls: [...crossProduct([edges(t)]), ...randomTuples([t], new Random(seedOf(`sse2|${name}`)), 1000)],
    };
  }));

  let v8: EngineInstance;
  let wasmjit: EngineInstance;
  let listing = '';
  beforeAll(async () => {
    const bytes = await toBytes(moduleOf(funcs), 'rounding.wat');
    v8 = await instantiateInV8(bytes);
    if (engineUnderTest === 'v8') {
      wasmjit = await instantiateInV8(bytes);
      return;
    }
    const module = await compile(bytes, { cpuFeatures: { sse41: false } });
    const instance = await instantiate(module);
    await loadDisassembler();
    listing = module.disassemble();
    wasmjit = { exports: instance.exports as Record<string, unknown>, dispose: () => instance.dispose() };
  });
  afterAll(() => {
    v8?.dispose();
    wasmjit?.dispose();
  });

  const pair: CallBoth = {
    call(name, args) {
      const run = (engine: EngineInstance) => () => (engine.exports[name] as (...a: unknown[]) => unknown)(...args);
      const a = outcomeOf(run(v8));
      const b = outcomeOf(run(wasmjit));
      return { v8: a, wasmjit: b, same: sameOutcome(a, b) };
    },
  };

  test.each(funcs.map((f) => f.exportName))('%s', (name) => {
    expect(mismatchReport(pair, funcs.filter((f) => f.exportName === name)).join('\n\n')).toBe('');
  });

  test.skipIf(engineUnderTest === 'v8')('the code does without roundss/roundsd', () => {
    expect(listing).toMatch(/\badds[sd]\b/);
    expect(listing).not.toMatch(/\bround[sp][sd]\b/);
  });
});

// Random expression trees: NaNs produced by one instruction feed the next, with operands in both orders,
// constants, blocks and selects, at stack depths the tables above never reach.
const ALL_OPS = FAMILIES.flatMap((family) => family.ops);
const TREE_PARAMS: ValType[] = ['f32', 'f64', 'i32', 'i64'];

function randomTree(type: ValType, depth: number, random: Random): string {
  const leaf = () => {
    if (random.below(3) === 0) return constant(type, random.pick(fewEdges(type)));
    return operand(type, TREE_PARAMS.indexOf(type));
  };
  if (depth === 0 || random.below(6) === 0) return leaf();
  const sub = (t: ValType) => randomTree(t, depth - 1, random);
  switch (random.below(10)) {
    case 0:
      return `(select ${sub(type)} ${sub(type)} ${sub('i32')})`;
    case 1:
      return `(if (result ${type}) ${sub('i32')} (then ${sub(type)}) (else ${sub(type)}))`;
    default: {
      // Trapping truncations would end most trees early: the saturating ones stand in for them here.
      const candidates = ALL_OPS.filter((o) => o.result === type && !/\.trunc_f/.test(o.name));
      const o = random.pick(candidates);
      return `(${o.name} ${o.params.map(sub).join(' ')})`;
    }
  }
}

describe('random float expression trees', () => {
  const random = new Random(seedOf('random float expression trees'));
  const funcs: TestFunc[] = Array.from({ length: 60 }, (_, i) => {
    const result = TREE_PARAMS[i % 2]!;
    return {
      exportName: `tree ${i}`,
      params: TREE_PARAMS,
      result,
      body: toBits(result, randomTree(result, 6, random)),
      calls: randomTuples(TREE_PARAMS, random, 40),
    };
  });

  test('60 functions × 40 calls', async () => {
    const pair = await DifferentialInstance.of(moduleOf(funcs));
    try {
      expect(mismatchReport(pair, funcs).slice(0, 3).join('\n\n')).toBe('');
    } finally {
      pair.dispose();
    }
  });
});

// Floats where they leave an instruction: params, results and multi-value results at the JS boundary,
// locals, globals, memory, wasm-to-wasm calls (with more float params than registers), host imports.
// Bits are compared everywhere, JS-side too: a JS number keeps an f64's payload (but an f32 sNaN
// becomes a quiet f64 NaN on the way to JS, in both engines, and from V8 12.4 on an f64 sNaN that JS
// passes to an export or returns from a host function arrives quietened, in both engines).
const MANY: readonly FloatType[] = ['f32', 'f64', 'f64', 'f32', 'f32', 'f64', 'f64', 'f32', 'f32', 'f64', 'f64', 'f32', 'f32', 'f64', 'f64', 'f32', 'f64', 'f32'];

/** The i-th float argument of a call, from the two bit-pattern params: each a different value. */
function floatArgument(type: FloatType, i: number): string {
  const bits = type === 'f32' ? `(i32.add (local.get 0) (i32.const ${i * 0x01010101}))` : `(i64.add (local.get 1) (i64.const ${i * 0x0101010101}))`;
  return fromBits(type, bits);
}

/** The bits of every param of `$many`, each rotated by its position, xor-ed: a swapped argument shows. */
const manyDigest = MANY.map((t, i) => `(i64.rotl ${convert(toBits(t, `(local.get ${i})`), bitsType(t), 'i64')} (i64.const ${i * 7}))`)
  .reduce((acc, term) => `(i64.xor ${acc} ${term})`);

const plumbingModule = `(module
  (type $many (func (param ${MANY.join(' ')}) (result i64)))
  (import "env" "f32" (func $host_f32 (param f32) (result f32)))
  (import "env" "f64" (func $host_f64 (param f64) (result f64)))
  (import "env" "many" (func $host_many (param ${MANY.join(' ')})))
  (import "env" "pair" (func $host_pair (param f64 f32) (result f32 f64)))
  (import "env" "g32" (global $imported_f32 (mut f32)))
  (import "env" "g64" (global $imported_f64 (mut f64)))
  (memory 1)
  (table funcref (elem $many))
  (global $g32 (mut f32) (f32.const nan:0x200001))
  (global $g64 (mut f64) (f64.const -nan:0x4000000000001))
  (global $c32 f32 (f32.const -nan:0x1))
  (global $c64 f64 (f64.const nan:0x3))
  (global $e32 (export "exported f32") (mut f32) (f32.const -0))
  (global $e64 (export "exported f64") (mut f64) (f64.const nan:0x4000000000001))
  (func $many (type $many) ${manyDigest})
  (func $swap (param f32 f64) (result f64 f32) (local.get 1) (local.get 0))

  (func (export "param f32") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
  (func (export "param f64") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
  (func (export "result f32") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "result f64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  (func (export "results") (param i32 i64) (result f32 f64 i32 f32 f64)
    (f32.reinterpret_i32 (local.get 0)) (f64.reinterpret_i64 (local.get 1)) (local.get 0)
    ${floatArgument('f32', 1)} ${floatArgument('f64', 2)})
  (func (export "locals") (param i32 i64) (result i32 i64 i32 i64 i32 i64) (local $a f32) (local $b f64) (local $c f32) (local $d f64)
    (i32.reinterpret_f32 (local.get $a)) (i64.reinterpret_f64 (local.get $b))
    (local.set $c (f32.reinterpret_i32 (local.get 0)))
    (local.set $d (f64.reinterpret_i64 (local.get 1)))
    (i32.reinterpret_f32 (local.get $c)) (i64.reinterpret_f64 (local.get $d))
    (i32.reinterpret_f32 (local.tee $a (local.get $c))) (i64.reinterpret_f64 (local.tee $b (local.get $d))))
  (func (export "globals") (param i32 i64) (result i32 i64 i32 i64 i32 i64)
    (i32.reinterpret_f32 (global.get $g32)) (i64.reinterpret_f64 (global.get $g64))
    (global.set $g32 (f32.reinterpret_i32 (local.get 0)))
    (global.set $g64 (f64.reinterpret_i64 (local.get 1)))
    (i32.reinterpret_f32 (global.get $g32)) (i64.reinterpret_f64 (global.get $g64))
    (i32.reinterpret_f32 (global.get $c32)) (i64.reinterpret_f64 (global.get $c64)))
  (func (export "imported globals") (result i32 i64) (i32.reinterpret_f32 (global.get $imported_f32)) (i64.reinterpret_f64 (global.get $imported_f64)))
  (func (export "set imported globals") (param i32 i64)
    (global.set $imported_f32 (f32.reinterpret_i32 (local.get 0))) (global.set $imported_f64 (f64.reinterpret_i64 (local.get 1))))
  (func (export "set exported globals") (param i32 i64)
    (global.set $e32 (f32.reinterpret_i32 (local.get 0))) (global.set $e64 (f64.reinterpret_i64 (local.get 1))))
  (func (export "exported globals") (result i32 i64) (i32.reinterpret_f32 (global.get $e32)) (i64.reinterpret_f64 (global.get $e64)))
  (func (export "memory") (param i32 i64) (result i32 i64 i32 i64)
    (f32.store (i32.const 8) (f32.reinterpret_i32 (local.get 0)))
    (f64.store (i32.const 16) (f64.reinterpret_i64 (local.get 1)))
    (i32.store (i32.const 24) (local.get 0))
    (i64.store (i32.const 32) (local.get 1))
    (i32.load (i32.const 8)) (i64.load (i32.const 16))
    (i32.reinterpret_f32 (f32.load (i32.const 24))) (i64.reinterpret_f64 (f64.load (i32.const 32))))
  (func (export "select") (param i32 i64 i32) (result i32 i64)
    (i32.reinterpret_f32 (select ${floatArgument('f32', 0)} ${floatArgument('f32', 1)} (local.get 2)))
    (i64.reinterpret_f64 (select (result f64) ${floatArgument('f64', 0)} ${floatArgument('f64', 1)} (local.get 2))))
  (func (export "blocks") (param i32 i64 i32) (result i64 i32) (local $x f64) (local $y f32)
    (block $out (result f64 f32)
      (call $swap ${floatArgument('f32', 0)} ${floatArgument('f64', 0)})
      (br_if $out (local.get 2))
      (drop) (drop)
      ${floatArgument('f64', 1)} ${floatArgument('f32', 1)})
    (local.set $y) (local.set $x)
    (i64.reinterpret_f64 (local.get $x)) (i32.reinterpret_f32 (local.get $y)))
  (func (export "call") (param i32 i64) (result i64) (call $many ${MANY.map((t, i) => floatArgument(t, i)).join(' ')}))
  (func (export "call_indirect") (param i32 i64) (result i64)
    (call_indirect (type $many) ${MANY.map((t, i) => floatArgument(t, i)).join(' ')} (i32.const 0)))
  (func (export "host") (param i32 i64) (result i32 i64)
    (i32.reinterpret_f32 (call $host_f32 (f32.reinterpret_i32 (local.get 0))))
    (i64.reinterpret_f64 (call $host_f64 (f64.reinterpret_i64 (local.get 1)))))
  (func (export "host many") (param i32 i64) (call $host_many ${MANY.map((t, i) => floatArgument(t, i)).join(' ')}))
  (func (export "host pair") (param i32 i64) (result i32 i64) (local $x f32) (local $y f64)
    (call $host_pair ${floatArgument('f64', 0)} ${floatArgument('f32', 0)})
    (local.set $y) (local.set $x)
    (i32.reinterpret_f32 (local.get $x)) (i64.reinterpret_f64 (local.get $y))))`;

/** A JS value with its exact bits when it is a number (a NaN's payload included). */
function exactly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(exactly);
  if (typeof value === 'number') return describeFloatBits('f64', f64Bits(value));
  return value;
}

const hex = (bits: Bits) => `0x${BigInt.asUintN(typeof bits === 'number' ? 32 : 64, BigInt(bits)).toString(16)}`;

/** Host functions that log their arguments' exact bits and return numbers with chosen bits. */
function plumbingHost(calls: string[], returned: { bits: bigint }) {
  const log = (name: string) => (...args: unknown[]) => {
    calls.push(`${name}(${args.map((a) => String(exactly(a))).join(', ')})`);
    return f64FromBits(returned.bits);
  };
  return {
    f32: log('f32'),
    f64: log('f64'),
    many: log('many'),
    pair: (...args: unknown[]) => [log('pair')(...args), f64FromBits(returned.bits ^ 1n)],
  };
}

const PLUMBING_PAIRS: [number, bigint][] = (() => {
  const random = new Random(seedOf('plumbing'));
  const few: [number, bigint][] = fewFloatEdgesOf('f32').map((b, i) => [b as number, fewFloatEdgesOf('f64')[i] as bigint]);
  return [...few, ...Array.from({ length: 20 }, (): [number, bigint] => [randomFloatBits('f32', random) as number, randomFloatBits('f64', random) as bigint])];
})();

/**
 * Numbers that cross into wasm as f32/f64 params: every f64 edge, payloads included. Kept as bits and
 * made numbers at the call: an array of numbers would quieten its signalling NaNs.
 */
const JS_NUMBER_BITS = [...(floatEdgesOf('f64') as readonly bigint[]), ...[1e40, -1e-46, 2 ** -149, 3.4028235677973366e38].map(f64Bits)];

async function plumbing(session: Session, calls: string[], returned: { bits: bigint }) {
  const env = {
    ...plumbingHost(calls, returned),
    g32: new session.Global({ value: 'f32', mutable: true }, f64FromBits(0x7ff4000000000001n)),
    g64: new session.Global({ value: 'f64', mutable: true }, f64FromBits(0x7ff4000000000001n)),
  };
  return { env, exports: await session.instantiate(plumbingModule, { env }) };
}

describe('floats crossing params, results, locals, globals, memory, calls and host imports', () => {
  test('JS numbers as f32/f64 params, and f32/f64 results as JS numbers', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports } = await plumbing(session, [], { bits: 0n });
      for (const bits of JS_NUMBER_BITS) {
        const label = describeFloatBits('f64', bits);
        session.log.attempt(`param f32 ${label}`, () => hex(exports.fn('param f32')(f64FromBits(bits)) as number));
        session.log.attempt(`param f64 ${label}`, () => hex(exports.fn('param f64')(f64FromBits(bits)) as bigint));
      }
      for (const [b32, b64] of PLUMBING_PAIRS) {
        session.log.attempt(`result f32 ${hex(b32)}`, () => exactly(exports.fn('result f32')(b32)));
        session.log.attempt(`result f64 ${hex(b64)}`, () => exactly(exports.fn('result f64')(b64)));
        session.log.attempt(`results ${hex(b32)} ${hex(b64)}`, () => exactly(exports.fn('results')(b32, b64)));
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test.each(['locals', 'globals', 'memory', 'select', 'blocks', 'call', 'call_indirect'])('%s keep the bits', async (name) => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports } = await plumbing(session, [], { bits: 0n });
      for (const [b32, b64] of PLUMBING_PAIRS) {
        for (const extra of name === 'select' || name === 'blocks' ? [0, 1] : [undefined]) {
          session.log.attempt(`${name}(${hex(b32)}, ${hex(b64)}, ${extra})`, () => exports.fn(name)(b32, b64, extra));
        }
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test('host imports receive the exact bits and return them (an f32 sNaN reaches JS quietened)', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const calls: string[] = [];
      const returned = { bits: 0n };
      const { exports } = await plumbing(session, calls, returned);
      const f64Values = floatEdgesOf('f64') as readonly bigint[];
      PLUMBING_PAIRS.forEach(([b32, b64], i) => {
        returned.bits = BigInt.asUintN(64, f64Values[(i * 7) % f64Values.length]!);
        for (const name of ['host', 'host many', 'host pair']) {
          const label = `${name}(${hex(b32)}, ${hex(b64)}) returning ${hex(returned.bits)}`;
          session.log.attempt(label, () => exports.fn(name)(b32, b64));
          session.log.value(`the host calls of ${label}`, calls.splice(0));
        }
      });
    });
    expect(firstLines(lines)).toBe('');
  });

  test('imported and exported globals: values set from JS and from wasm, read from both sides', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { env, exports } = await plumbing(session, [], { bits: 0n });
      session.log.attempt('imported globals (initial)', () => exports.fn('imported globals')());
      session.log.attempt('exported globals (initial)', () => exports.fn('exported globals')());
      for (const [b32, b64] of PLUMBING_PAIRS) {
        const number = f64FromBits(b64);
        const label = describeFloatBits('f64', b64);
        session.log.attempt(`JS sets the imported globals to ${label}`, () => {
          env.g32.value = number;
          env.g64.value = number;
        });
        session.log.attempt(`wasm reads the imported globals set to ${label}`, () => exports.fn('imported globals')());
        session.log.attempt(`wasm sets the imported globals to ${hex(b32)} ${hex(b64)}`, () => exports.fn('set imported globals')(b32, b64));
        session.log.attempt(`JS reads the imported globals set to ${hex(b32)} ${hex(b64)}`, () => exactly([env.g32.value, env.g64.value]));
        session.log.attempt(`wasm sets the exported globals to ${hex(b32)} ${hex(b64)}`, () => exports.fn('set exported globals')(b32, b64));
        session.log.attempt(`JS reads the exported globals set to ${hex(b32)} ${hex(b64)}`, () =>
          exactly([exports.global('exported f32').value, exports.global('exported f64').value]));
      }
    });
    expect(firstLines(lines)).toBe('');
  });
});
