// Every integer instruction, run in V8 and wasmjit over edge values and seeded random values.
// Each instruction family is one module per operand shape (operands from params, constants, conditions…),
// with one exported function per instruction, so the whole file compiles a few dozen modules.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DifferentialInstance, describeMismatch } from './helpers/differential.js';
import { I32_EDGES, I32_FEW_EDGES, I64_EDGES, I64_FEW_EDGES, Random } from './helpers/values.js';

type IntType = 'i32' | 'i64';
type Value = number | bigint;

interface Op {
  /** The wasm instruction, e.g. `i64.rem_s`. */
  name: string;
  params: IntType[];
  result: IntType;
  /** Produces 0 or 1, so the compiler may fuse it into a branch. */
  isCondition: boolean;
}

const BINARY = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const COMPARE = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const UNARY: Record<IntType, string[]> = {
  i32: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s'],
  i64: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'],
};

const binary = (t: IntType) => (op: string): Op => ({ name: `${t}.${op}`, params: [t, t], result: t, isCondition: false });
const compare = (t: IntType) => (op: string): Op => ({ name: `${t}.${op}`, params: [t, t], result: 'i32', isCondition: true });
const unary = (t: IntType) => (op: string): Op => ({ name: `${t}.${op}`, params: [t], result: t, isCondition: false });

interface Family {
  name: string;
  ops: Op[];
}

const FAMILIES: Family[] = (['i32', 'i64'] as const).flatMap((t): Family[] => [
  { name: `${t} arithmetic, bitwise and shifts`, ops: BINARY.map(binary(t)) },
  {
    name: `${t} comparisons`,
    ops: [{ name: `${t}.eqz`, params: [t], result: 'i32', isCondition: true }, ...COMPARE.map(compare(t))],
  },
  { name: `${t} bit counts and sign extension`, ops: UNARY[t].map(unary(t)) },
]).concat({
  name: 'conversions between i32 and i64',
  ops: [
    { name: 'i32.wrap_i64', params: ['i64'], result: 'i32', isCondition: false },
    { name: 'i64.extend_i32_s', params: ['i32'], result: 'i64', isCondition: false },
    { name: 'i64.extend_i32_u', params: ['i32'], result: 'i64', isCondition: false },
  ],
});

const edges = (t: IntType): readonly Value[] => (t === 'i32' ? I32_EDGES : I64_EDGES);
const fewEdges = (t: IntType): readonly Value[] => (t === 'i32' ? I32_FEW_EDGES : I64_FEW_EDGES);
const randomValue = (t: IntType, random: Random): Value => (t === 'i32' ? random.i32() : random.i64());
const constant = (t: IntType, value: Value) => `(${t}.const ${value})`;

function crossProduct(lists: readonly (readonly Value[])[]): Value[][] {
  return lists.reduce<Value[][]>((tuples, list) => tuples.flatMap((tuple) => list.map((v) => [...tuple, v])), [[]]);
}

function randomTuples(types: IntType[], random: Random, count: number): Value[][] {
  return Array.from({ length: count }, () => types.map((t) => randomValue(t, random)));
}

/** Converts an expression between i32 and i64 so a result can be combined with a value of the other type. */
function convert(expr: string, from: IntType, to: IntType): string {
  if (from === to) return expr;
  return to === 'i64' ? `(i64.extend_i32_u ${expr})` : `(i32.wrap_i64 ${expr})`;
}

const operands = (op: Op) => op.params.map((_, i) => `(local.get ${i})`).join(' ');

interface TestFunc {
  exportName: string;
  params: IntType[];
  result: IntType;
  locals?: IntType[];
  body: string;
  calls: Value[][];
}

function funcWat(f: TestFunc): string {
  const params = f.params.length > 0 ? ` (param ${f.params.join(' ')})` : '';
  const locals = f.locals ? ` (local ${f.locals.join(' ')})` : '';
  return `(func (export "${f.exportName}")${params} (result ${f.result})${locals} ${f.body})`;
}

/** How the operands reach the instruction. Each shape builds the functions that test one op. */
interface Shape {
  name: string;
  appliesTo(op: Op): boolean;
  build(op: Op, random: Random): TestFunc[];
}

const isBinary = (op: Op) => op.params.length === 2;

const SHAPES: Shape[] = [
  {
    name: 'operands from params',
    appliesTo: () => true,
    build: (op, random) => [{
      exportName: op.name,
      params: op.params,
      result: op.result,
      body: `(${op.name} ${operands(op)})`,
      calls: [...crossProduct(op.params.map(edges)), ...randomTuples(op.params, random, 200)],
    }],
  },
  {
    name: 'one local as both operands',
    appliesTo: isBinary,
    build: (op, random) => [{
      exportName: `${op.name} x x`,
      params: [op.params[0]],
      result: op.result,
      body: `(${op.name} (local.get 0) (local.get 0))`,
      calls: [...crossProduct([edges(op.params[0])]), ...randomTuples([op.params[0]], random, 50)],
    }],
  },
  {
    // Values live on the operand stack below the instruction must survive it (division uses rax/rdx,
    // shifts use cl: a compiler that keeps stack values in those registers must save them).
    name: 'with live values below the operands',
    appliesTo: () => true,
    build: (op, random) => {
      const t = op.params[0];
      const result = convert(`(${op.name} ${operands(op)})`, op.result, t);
      const body = op.params.reduceRight((inner, _, i) => `(${t}.xor (local.get ${i}) ${inner})`, result);
      return [{
        exportName: `${op.name} under live values`,
        params: op.params,
        result: t,
        body,
        calls: [...crossProduct(op.params.map(fewEdges)), ...randomTuples(op.params, random, 100)],
      }];
    },
  },
  {
    name: 'constant right operand',
    appliesTo: isBinary,
    build: (op, random) => edges(op.params[1]).map((k) => ({
      exportName: `${op.name} x ${k}`,
      params: [op.params[0]],
      result: op.result,
      body: `(${op.name} (local.get 0) ${constant(op.params[1], k)})`,
      calls: [...crossProduct([edges(op.params[0])]), ...randomTuples([op.params[0]], random, 20)],
    })),
  },
  {
    name: 'constant left operand',
    appliesTo: isBinary,
    build: (op, random) => edges(op.params[0]).map((k) => ({
      exportName: `${op.name} ${k} x`,
      params: [op.params[1]],
      result: op.result,
      body: `(${op.name} ${constant(op.params[0], k)} (local.get 0))`,
      calls: [...crossProduct([edges(op.params[1])]), ...randomTuples([op.params[1]], random, 20)],
    })),
  },
  {
    name: 'all operands constant',
    appliesTo: () => true,
    build: (op) => crossProduct(op.params.map(isBinary(op) ? fewEdges : edges)).map((values) => ({
      exportName: `${op.name} ${values.join(' ')}`,
      params: [],
      result: op.result,
      body: `(${op.name} ${values.map((v, i) => constant(op.params[i], v)).join(' ')})`,
      calls: [[]],
    })),
  },
  {
    // A compiler may fuse a comparison with the branch that consumes it (cmp + jcc, setcc-free).
    name: 'as a branch condition',
    appliesTo: (op) => op.isCondition,
    build: (op, random) => {
      const calls = [...crossProduct(op.params.map(fewEdges)), ...randomTuples(op.params, random, 100)];
      const condition = `(${op.name} ${operands(op)})`;
      const forms: [string, string][] = [
        ['if', `(if (result i32) ${condition} (then (i32.const 7)) (else (i32.const -3)))`],
        ['if eqz', `(if (result i32) (i32.eqz ${condition}) (then (i32.const 7)) (else (i32.const -3)))`],
        ['br_if', `(block (result i32) (drop (br_if 0 (i32.const 7) ${condition})) (i32.const -3))`],
        ['select', `(select (i32.const 7) (i32.const -3) ${condition})`],
      ];
      if (isBinary(op)) {
        const t = op.params[1];
        for (const k of fewEdges(t)) {
          forms.push([`if x ${k}`, `(if (result i32) (${op.name} (local.get 0) ${constant(t, k)}) (then (i32.const 7)) (else (i32.const -3)))`]);
        }
      }
      return forms.map(([form, body]) => ({
        exportName: `${op.name} ${form}`,
        params: op.params,
        result: 'i32',
        body,
        calls,
      }));
    },
  },
];

/** FNV-1a, so each op's random values depend only on its name and shape, not on test order. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Failure text: each failing function's wat, then its first mismatching calls. */
function mismatchReport(pair: DifferentialInstance, funcs: TestFunc[]): string[] {
  const reports: string[] = [];
  for (const f of funcs) {
    const lines: string[] = [];
    for (const args of f.calls) {
      const c = pair.call(f.exportName, args);
      if (!c.same) lines.push(`  ${describeMismatch(f.exportName, args, c)}`);
    }
    if (lines.length > 0) {
      const more = lines.length > 8 ? [`  … ${lines.length - 8} more of ${f.calls.length} calls`] : [];
      reports.push([funcWat(f), ...lines.slice(0, 8), ...more].join('\n'));
    }
  }
  return reports;
}

for (const family of FAMILIES) {
  describe(family.name, () => {
    for (const shape of SHAPES) {
      const ops = family.ops.filter((op) => shape.appliesTo(op));
      if (ops.length === 0) continue;
      const funcsByOp = new Map(ops.map((op) => [op.name, shape.build(op, new Random(seedOf(`${shape.name}|${op.name}`)))]));

      describe(shape.name, () => {
        let pair: DifferentialInstance;
        beforeAll(async () => {
          const funcs = [...funcsByOp.values()].flat().map(funcWat);
          pair = await DifferentialInstance.of(`(module\n${funcs.join('\n')}\n)`);
        });
        afterAll(() => pair?.dispose());

        test.each(ops.map((op) => op.name))('%s', (name) => {
          const reports = mismatchReport(pair, funcsByOp.get(name)!);
          expect(reports.slice(0, 4).join('\n\n')).toBe('');
        });
      });
    }
  });
}

// Random expression trees mix every op with control flow and locals, so values meet in combinations the
// tables above never build (deep operand stacks, results of one op feeding the next, register pressure).
const EXPRESSION_PARAMS: IntType[] = ['i32', 'i64', 'i32', 'i64'];
/** Scratch locals after the params: one i32, one i64, written by local.tee and read as leaves. */
const SCRATCH: Record<IntType, number> = { i32: 4, i64: 5 };
const ALL_OPS = FAMILIES.flatMap((family) => family.ops);

function randomLeaf(t: IntType, random: Random): string {
  const locals = [...EXPRESSION_PARAMS.flatMap((p, i) => (p === t ? [i] : [])), SCRATCH[t]];
  return random.below(3) === 0 ? constant(t, random.pick(edges(t))) : `(local.get ${random.pick(locals)})`;
}

function randomExpression(t: IntType, depth: number, random: Random): string {
  if (depth === 0 || random.below(6) === 0) return randomLeaf(t, random);
  const sub = (type: IntType) => randomExpression(type, depth - 1, random);
  const condition = () => sub('i32');
  switch (random.below(12)) {
    case 0:
      return `(select ${sub(t)} ${sub(t)} ${condition()})`;
    case 1:
      return `(if (result ${t}) ${condition()} (then ${sub(t)}) (else ${sub(t)}))`;
    case 2:
      return `(block (result ${t}) (drop (br_if 0 ${sub(t)} ${condition()})) ${sub(t)})`;
    case 3:
      return `(local.tee ${SCRATCH[t]} ${sub(t)})`;
    default: {
      const op = random.pick(ALL_OPS.filter((candidate) => candidate.result === t));
      const operands = op.params.map(sub);
      // Mostly keep divisors odd, or most trees would end in "divide by zero" before computing anything.
      if (/\.(div|rem)_/.test(op.name) && random.below(4) > 0) operands[1] = `(${t}.or ${operands[1]} (${t}.const 1))`;
      return `(${op.name} ${operands.join(' ')})`;
    }
  }
}

describe('random expression trees', () => {
  const random = new Random(seedOf('random expression trees'));
  const funcs: TestFunc[] = Array.from({ length: 60 }, (_, i) => {
    const result: IntType = i % 2 === 0 ? 'i32' : 'i64';
    return {
      exportName: `expression ${i}`,
      params: EXPRESSION_PARAMS,
      result,
      locals: ['i32', 'i64'],
      body: randomExpression(result, 7, random),
      calls: [...randomTuples(EXPRESSION_PARAMS, random, 30), [0, 0n, 0, 0n], [-1, -1n, 1, 1n]],
    };
  });

  test('60 functions × 32 calls', async () => {
    const pair = await DifferentialInstance.of(`(module\n${funcs.map(funcWat).join('\n')}\n)`);
    try {
      expect(mismatchReport(pair, funcs).slice(0, 3).join('\n\n')).toBe('');
    } finally {
      pair.dispose();
    }
  });
});
