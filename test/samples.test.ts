// Every sample program in wat/ runs a table of inputs through V8 and through wasmjit, compiled and
// loaded from an AOT artifact; results and traps must match exactly. Where a case names its answer, V8 is checked against it too, so the samples
// themselves are known to compute what their headers say.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, instantiate, Module, watToWasm } from '../src/index.js';

type Value = number | bigint;
/** What a call produced: its result (an array for several results), or the error it threw. */
type Outcome = { result: unknown } | { error: string };
/** [export, arguments, expected outcome if known] */
type Case = [string, Value[], Outcome?];

const is = (result: unknown): Outcome => ({ result });
const trap = (message: string): Outcome => ({ error: `RuntimeError: ${message}` });
const STACK_OVERFLOW: Outcome = { error: 'RangeError: Maximum call stack size exceeded' };

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Packs up to 8 ASCII characters into an i64, first character in the lowest byte (state-machine.wat). */
function text(s: string): bigint {
  let packed = 0n;
  for (let i = s.length - 1; i >= 0; i--) packed = (packed << 8n) | BigInt(s.charCodeAt(i));
  return BigInt.asIntN(64, packed);
}

const CASES: Record<string, Case[]> = {
  'fib.wat': [
    ['fib', [0n], is(0n)],
    ['fib', [1n], is(1n)],
    ['fib', [2n], is(1n)],
    ['fib', [10n], is(55n)],
    ['fib', [30n], is(832040n)],
    ['fib', [-5n], is(-5n)],
    ['fib', [I64_MIN]],
  ],
  'fac.wat': [
    ['fac_rec', [0n], is(1n)],
    ['fac_rec', [5n], is(120n)],
    ['fac_rec', [20n], is(2432902008176640000n)],
    ['fac_rec', [21n]],
    ['fac_rec', [-3n], is(1n)],
    ['fac_iter', [0n], is(1n)],
    ['fac_iter', [5n], is(120n)],
    ['fac_iter', [20n], is(2432902008176640000n)],
    ['fac_iter', [25n], is(7034535277573963776n)],
    ['fac_rec', [25n], is(7034535277573963776n)],
    ['fac_iter', [I64_MIN], is(1n)],
  ],
  'gcd.wat': [
    ['gcd', [48, 18], is(6)],
    ['gcd', [18, 48], is(6)],
    ['gcd', [17, 5], is(1)],
    ['gcd', [0, 7], is(7)],
    ['gcd', [7, 0], is(7)],
    ['gcd', [0, 0], is(0)],
    ['gcd', [-1, 3], is(3)],
    ['gcd', [I32_MIN, 6], is(2)],
    ['gcd64', [48n, 18n], is(6n)],
    ['gcd64', [2n ** 40n, 6n ** 20n], is(2n ** 20n)],
    ['gcd64', [-1n, 5n], is(5n)],
    ['gcd64', [0n, 0n], is(0n)],
    ['lcm', [4, 6], is(12)],
    ['lcm', [21, 6], is(42)],
    ['lcm', [0, 5], is(0)],
    ['lcm', [0, 0], trap('divide by zero')],
  ],
  'collatz.wat': [
    ['steps', [1n], is(0)],
    ['steps', [2n], is(1)],
    ['steps', [27n], is(111)],
    ['steps', [837799n], is(524)],
    ['steps', [0n], trap('unreachable')],
    ['steps', [-4n], trap('unreachable')],
    ['max_steps', [1], is(1)],
    ['max_steps', [10], is(9)],
    ['max_steps', [1000], is(871)],
    ['max_steps', [10000], is(6171)],
    ['max_steps', [0], is(0)],
  ],
  'popcount.wat': [0n, 1n, 2n, 255n, 0x5555n, -1n, I64_MIN, I64_MAX, 0x0123456789abcdefn, -0x0123456789abcdefn].flatMap(
    (x): Case[] => [
      ['popcnt_builtin', [x]],
      ['popcnt_loop', [x]],
      ['popcnt_kernighan', [x]],
      ['popcnt32', [x]],
    ],
  ),
  'isqrt.wat': [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 99n, 100n, 10n ** 12n - 1n, 10n ** 12n, I64_MAX, -1n, (2n ** 32n - 1n) ** 2n].flatMap(
    (n): Case[] => [
      ['isqrt_newton', [n]],
      ['isqrt_bisect', [n]],
    ],
  ),
  'tak.wat': [
    ['tak', [18, 12, 6], is(7)],
    ['tak', [12, 8, 4], is(5)],
    ['tak', [1, 2, 3], is(3)],
    ['tak', [0, 0, 0], is(0)],
    ['tak', [6, 3, -4]],
  ],
  'evenodd.wat': [
    ['is_even', [0], is(1)],
    ['is_odd', [0], is(0)],
    ['is_even', [7], is(0)],
    ['is_odd', [7], is(1)],
    ['is_even', [1000], is(1)],
    ['is_odd', [-1001], is(1)],
    ['is_even', [I32_MIN], STACK_OVERFLOW],
  ],
  'state-machine.wat': [
    ['count_tokens', [text('ab 12+x')], is(4)],
    ['count_words', [text('ab 12+x')], is(2)],
    ['count_numbers', [text('ab 12+x')], is(1)],
    ['count_symbols', [text('ab 12+x')], is(1)],
    ['count_tokens', [text('')], is(0)],
    ['count_tokens', [text('        ')], is(0)],
    ['count_words', [text('a1b2c3d4')], is(4)],
    ['count_numbers', [text('a1b2c3d4')], is(4)],
    ['count_symbols', [text('hello!!!')], is(3)],
    ['count_words', [text('HeLLo wo')], is(2)],
    ['count_tokens', [text('x=y+1')], is(5)],
    ['count_tokens', [-1n], is(8)],
  ],
  'multivalue.wat': [
    ['divmod', [7, 2], is([3, 1])],
    ['divmod', [-7, 2], is([-3, -1])],
    ['divmod', [7, -2], is([-3, 1])],
    ['divmod', [7, 0], trap('divide by zero')],
    ['divmod', [I32_MIN, -1], trap('divide result unrepresentable')],
    ['divmod_u', [-1n, 10n], is([1844674407370955161n, 5n])],
    ['divmod_u', [1n, 0n], trap('divide by zero')],
    ['check_divmod', [-7, 2], is(-7)],
    ['check_divmod', [I32_MAX, 1000], is(I32_MAX)],
    ['swap', [1n, 2n], is([2n, 1n])],
    ['swap', [I64_MIN, -1n], is([-1n, I64_MIN])],
    ['minmax', [5, 3], is([3, 5])],
    ['minmax', [-5, 3], is([-5, 3])],
    ['minmax', [4, 4], is([4, 4])],
    ['fib_pair', [0], is([0n, 1n])],
    ['fib_pair', [10], is([55n, 89n])],
    ['fib_pair', [90], is([2880067194370816120n, 4660046610375530309n])],
    ['fib_pair', [-3], is([0n, 1n])],
  ],
};

type Exports = Record<string, (...args: Value[]) => unknown>;

function call(exports: Exports, name: string, args: Value[]): Outcome {
  try {
    return { result: exports[name](...args) };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

const WAT_DIR = new URL('../wat/', import.meta.url);
const SAMPLES = readdirSync(WAT_DIR).filter((name) => name.endsWith('.wat')).sort();

it('has an input table for every sample, and a sample for every table', () => {
  expect(Object.keys(CASES).sort()).toEqual(SAMPLES);
});

describe.each(SAMPLES)('%s', (file) => {
  let v8: Exports;
  let jit: { exports: Exports; dispose(): void };
  let fromArtifact: { exports: Exports; dispose(): void };

  beforeAll(async () => {
    const bytes = await watToWasm(readFileSync(new URL(file, WAT_DIR), 'utf8'), { filename: file });
    v8 = (await WebAssembly.instantiate(bytes)).instance.exports as unknown as Exports;
    jit = (await instantiate(bytes)).instance as unknown as typeof jit;
    const compiled = await compile(bytes);
    fromArtifact = (await instantiate(Module.deserialize(compiled.serialize()), {})) as unknown as typeof jit;
    compiled.dispose();
  });

  afterAll(() => {
    jit?.dispose();
    fromArtifact?.dispose();
  });

  it.each((CASES[file] ?? []).map(([name, args, expected]) => ({ name, args, expected })))(
    '$name($args)',
    ({ name, args, expected }) => {
      expect(v8[name], `${file} exports ${name}`).toBeTypeOf('function');
      const reference = call(v8, name, args);
      if (expected !== undefined) expect(reference).toEqual(expected);
      expect(call(jit.exports, name, args)).toEqual(reference);
      expect(call(fromArtifact.exports, name, args), 'from an artifact').toEqual(reference);
    },
  );
});
