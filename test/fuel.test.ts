// Fuel (compiler/metering.ts): exact counts on small programs, worked out by hand from the region
// rule; the same counts on every run and from eager, lazy and artifact code; out of fuel as a
// RuntimeError with the instance usable after a refill; results with enough fuel equal V8's; and no
// metering at all in code compiled without it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parallelStats, startCompileWorkers } from '../src/compiler/index.js';
import { generateModule } from '../src/bench/generate.js';
import { compile, instantiate, Module, watToWasm } from '../src/index.js';
import type { Instance } from '../src/index.js';

const COUNTER = `(module
  (func $inner (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (call $inner (local.get $i)))
      (br 0)))
    (local.get $i))
  (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $sum i32)
    (block $outer (loop $o
      (br_if $outer (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $j (i32.const 0))
      (block $inner (loop $in
        (br_if $inner (i32.ge_u (local.get $j) (local.get $i)))
        (local.set $sum (i32.add (local.get $sum) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $in)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $o)))
    (local.get $sum))
  (func (export "dead") (result i32)
    (return (i32.const 7))
    (loop (br 0)))
)`;

/**
 * The region rule by hand. count: the function's region is block, loop, end, local.get, end (5);
 * the loop's is local.get ×2, ge_u, br_if, local.get, call, local.set, br, end (9); $inner's 4.
 * count(n) enters the loop n+1 times and calls $inner n times.
 */
const countFuel = (n: number): number => 5 + 9 * (n + 1) + 4 * n;
/**
 * nested: the function's region 5 as above; the outer loop's: local.get ×2, ge_u, br_if, i32.const,
 * local.set, block, loop, end(block), local.get, i32.const, add, local.set, br, end (15); the inner's:
 * local.get ×2, ge_u, br_if, local.get ×2, add, local.set, local.get, i32.const, add, local.set, br, end (14).
 * The outer loop starts n+1 times; for outer i the inner starts i+1 times.
 */
const nestedFuel = (n: number): number => 5 + 15 * (n + 1) + 14 * ((n * (n + 1)) / 2);
/** dead: i32.const, return, loop (unreachable), end: 4 in the function's region; the dead loop's br and end count in its own. */
const DEAD_FUEL = 4;

const samples = (name: string): Promise<Uint8Array> => watToWasm(readFileSync(new URL(`../wat/${name}.wat`, import.meta.url), 'utf8'));

/** Compiles with every function's chunk on a worker thread (compiler/parallel.ts), forced on for any size. */
async function compiledInParallel(bytes: Uint8Array): Promise<Module> {
  const saved = { min: process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS, threads: process.env.WASMJIT_COMPILE_THREADS };
  process.env.WASMJIT_PARALLEL_MIN_INSTRUCTIONS = '0';
  process.env.WASMJIT_COMPILE_THREADS = '2';
  try {
    await startCompileWorkers();
    const before = parallelStats.workerChunks;
    const module = await compile(bytes, { fuel: true, lazy: false });
    expect(parallelStats.workerChunks).toBeGreaterThan(before);
    return module;
  } finally {
    for (const [name, value] of [['WASMJIT_PARALLEL_MIN_INSTRUCTIONS', saved.min], ['WASMJIT_COMPILE_THREADS', saved.threads]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The fuel each call takes, from a fresh fill of `fill`. */
function fuelTaken(instance: Instance, call: () => unknown, fill = 10n ** 15n): number {
  instance.fuel = fill;
  call();
  return Number(fill) - instance.fuel;
}

describe('fuel', () => {
  it('counts what the region rule says, exactly', async () => {
    const { instance } = await instantiate(await watToWasm(COUNTER), {}, { fuel: 0 });
    const { count, nested, dead } = instance.exports as Record<string, (n?: number) => number>;
    for (const n of [0, 1, 2, 10, 1000]) {
      expect(fuelTaken(instance, () => count!(n))).toBe(countFuel(n));
      expect(fuelTaken(instance, () => nested!(n % 50))).toBe(nestedFuel(n % 50));
    }
    expect(fuelTaken(instance, () => dead!())).toBe(DEAD_FUEL);
  });

  it('stops when a charge cannot be paid, and runs again after a refill', async () => {
    const bytes = await watToWasm(COUNTER);
    const { instance } = await instantiate(bytes, {}, { fuel: countFuel(100) - 1 });
    const count = instance.exports.count as (n: number) => number;
    expect(() => count(100)).toThrow(new WebAssembly.RuntimeError('fuel exhausted'));
    expect(instance.fuel).toBe(0);
    expect(() => count(0)).toThrow(WebAssembly.RuntimeError);
    instance.fuel = countFuel(100);
    expect(count(100)).toBe(100);
    expect(instance.fuel).toBe(0);
    instance.fuel = 10n ** 12n;
    const v8 = (await WebAssembly.instantiate(bytes)).instance.exports as Record<string, (n: number) => number>;
    for (const n of [0, 5, 49]) expect(instance.exports.nested!.call(undefined, n)).toBe(v8.nested!(n));
    // The exact budget is enough; one less is not.
    instance.fuel = countFuel(7);
    expect(count(7)).toBe(7);
    instance.fuel = countFuel(7) - 1;
    expect(() => count(7)).toThrow('fuel exhausted');
  });

  it('takes the same fuel on every run, eager, lazy and from an artifact', async () => {
    const programs: Array<[string, string, unknown[]]> = [
      ['collatz', 'max_steps', [3000]],
      ['tak', 'tak', [18, 12, 6]],
      ['fib', 'fib', [20n]],
      ['popcount', 'popcnt_loop', [0x1234_5678_9abcn]],
    ];
    for (const [sample, name, args] of programs) {
      const bytes = await samples(sample);
      const v8 = (await WebAssembly.instantiate(bytes)).instance.exports[name] as (...a: unknown[]) => unknown;
      const eager = await compile(bytes, { fuel: true, lazy: false });
      const modules = [eager, await compile(bytes, { fuel: true, lazy: true }), Module.deserialize(eager.serialize())];
      const taken = [];
      for (const module of modules) {
        const instance = await instantiate(module, {}, { fuel: 0 });
        const fn = instance.exports[name] as (...a: unknown[]) => unknown;
        for (let run = 0; run < 2; run++) {
          instance.fuel = 10n ** 15n;
          expect(fn(...args)).toEqual(v8(...args));
          taken.push(10 ** 15 - instance.fuel);
        }
      }
      expect(taken[0], sample).toBeGreaterThan(0);
      expect(new Set(taken).size, `${sample}: ${taken.join(', ')}`).toBe(1);
    }
  });

  it('takes the same fuel from code compiled on worker threads as from code compiled here', async () => {
    // The generated benchmark module: calls and call_indirect across chunks, loops, traps.
    const { bytes } = generateModule(120, 7);
    const transcript = async (module: Module): Promise<string[]> => {
      const instance = await instantiate(module, {}, { fuel: 0 });
      return module.ir.exports.flatMap(({ name, kind, index }) => {
        if (kind !== 'func') return [];
        const fn = instance.exports[name] as (...args: unknown[]) => unknown;
        const args = module.compiled.funcTypes[index]!.params.map((type) => (type === 'i64' ? 3n : 3));
        instance.fuel = 10n ** 12n;
        let outcome: string;
        try {
          outcome = String(fn(...args));
        } catch (error) {
          outcome = (error as Error).message;
        }
        return [`${name}: ${outcome}, ${10 ** 12 - instance.fuel}`];
      });
    };
    const here = await transcript(await compile(bytes, { fuel: true, lazy: false }));
    expect(here.some((line) => !line.endsWith(', 0'))).toBe(true);
    expect(await transcript(await compiledInParallel(bytes))).toEqual(here);
  });

  it('is a property of the code: none without the option, and refused where the code has none', async () => {
    const bytes = await watToWasm(COUNTER);
    // sub qword [r15 + 0x20], imm32: a fuel charge (Ctx.fuel is at 32).
    const charge = [0x49, 0x81, 0x6f, 0x20];
    const codeOf = (module: Module): Uint8Array => module.compiled.code;
    const has = (code: Uint8Array): boolean => code.some((_, i) => charge.every((byte, k) => code[i + k] === byte));
    const plain = await compile(bytes, { lazy: false });
    const metered = await compile(bytes, { fuel: true, lazy: false });
    expect(has(codeOf(metered))).toBe(true);
    expect(has(codeOf(plain))).toBe(false);
    const instance = await instantiate(plain);
    expect(() => instance.fuel).toThrow(/compiled without fuel metering/);
    await expect(instantiate(plain, {}, { fuel: 10 })).rejects.toThrow(/compiled without fuel metering/);
    await expect(instantiate(metered, {}, { fuel: -5 })).rejects.toThrow(RangeError);
    const fueled = await instantiate(metered, {}, { fuel: 10 });
    expect(() => {
      fueled.fuel = -1;
    }).toThrow(RangeError);
    expect(() => {
      fueled.fuel = 1.5;
    }).toThrow(RangeError);
  });

  it('starts a metered instance without a fill at zero fuel', async () => {
    const instance = await instantiate(await compile(await watToWasm(COUNTER), { fuel: true }));
    expect(instance.fuel).toBe(0);
    expect(() => (instance.exports.count as (n: number) => number)(1)).toThrow('fuel exhausted');
  });
});
