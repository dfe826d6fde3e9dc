// Differential tests of the v128 plumbing (wasmjit against V8): v128 values as parameters, results,
// locals, block parameters and results, branch values, select operands, globals, and across calls
// (direct, call_indirect, between instances), built only from the instructions that move v128 values
// (v128.const, load/store, splat, extract_lane, replace_lane). Every function writes what it sees to
// memory, and the memories are compared byte for byte after each call. Then the JS boundary: what V8
// refuses (v128 to and from JS, v128 global values) must be refused with V8's class and text.
import { describe, expect, it } from 'vitest';
import { compile, Instance, Module } from '../src/index.js';
import { Random } from '../src/fuzz/random.js';
import { engineUnderTest, firstLines, toBytes } from './helpers/differential.js';
import { bytesDifference, loggingHost, scenarioMismatches } from './helpers/scenario.js';
import type { ExportsOf, Session } from './helpers/scenario.js';

type Scalar = 'i32' | 'i64' | 'f32' | 'f64';
type Type = Scalar | 'v128';
const BYTES: Record<Type, number> = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 };
const TYPES: readonly Type[] = ['i32', 'i64', 'f32', 'f64', 'v128'];

/** Inputs are read from [0, INPUT_BYTES), results written from OUTPUT on. */
const INPUT_BYTES = 1024;
const OUTPUT = 4096;

/**
 * The input bytes: random, with NaN patterns (quiet and signalling, both signs, with payloads) in every
 * fourth 16-byte block, so that float parameters and results must keep their bits.
 */
function inputData(seed: number): string {
  const rnd = new Random(seed);
  const bytes = rnd.bytes(INPUT_BYTES);
  const view = new DataView(bytes.buffer);
  const NAN32 = [0x7fa00001, 0xffc00123, 0x7f800001, 0xff812345];
  for (let at = 0; at < INPUT_BYTES; at += 64) {
    NAN32.forEach((bits, i) => view.setUint32(at + 4 * i, bits, true));
    view.setBigUint64(at + 16, 0x7ff4000000000001n, true);
    view.setBigUint64(at + 24, 0xfff8dead00000001n, true);
  }
  return `"${[...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}"`;
}

const MEMORY = (seed: number) => `(memory (export "memory") 1) (data (i32.const 0) ${inputData(seed)})`;

/** An input address for a value of type `t` (naturally aligned or not). */
const inputAt = (rnd: Random, t: Type) => rnd.below(INPUT_BYTES - BYTES[t]);

/** An expression of type `t` from the inputs, by one of the ways a v128 is made. */
function valueOf(rnd: Random, t: Type): string {
  if (t !== 'v128') return `(${t}.load (i32.const ${inputAt(rnd, t)}))`;
  switch (rnd.below(5)) {
    case 0:
      return `(v128.const i32x4 ${Array.from({ length: 4 }, () => `0x${rnd.uint32().toString(16)}`).join(' ')})`;
    case 1: {
      const shape = rnd.pick(['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2'] as const);
      const scalar: Type = shape === 'i64x2' ? 'i64' : shape === 'f32x4' ? 'f32' : shape === 'f64x2' ? 'f64' : 'i32';
      return `(${shape}.splat ${valueOf(rnd, scalar)})`;
    }
    case 2:
      return `(i64x2.replace_lane ${rnd.below(2)} (v128.load (i32.const ${inputAt(rnd, 'v128')})) ${valueOf(rnd, 'i64')})`;
    default:
      return `(v128.load (i32.const ${inputAt(rnd, 'v128')}))`;
  }
}

/** Stores of each value, at consecutive output addresses from `base`: `(T.store (addr) (local.get i))`. */
function storesOf(types: readonly Type[], firstLocal: number, base: number): string {
  let at = base;
  return types.map((t, i) => {
    const store = `(${t}.store (i32.const ${at}) (local.get ${firstLocal + i}))`;
    at += BYTES[t];
    return store;
  }).join(' ');
}

interface Signature {
  params: Type[];
  results: Type[];
}

const typeList = (kind: 'param' | 'result', types: readonly Type[]) => (types.length ? `(${kind} ${types.join(' ')})` : '');

/** Signatures with v128 in every position, the first few chosen, the rest random. */
function signatures(seed: number, count: number): Signature[] {
  const rnd = new Random(seed);
  const chosen: Signature[] = [
    { params: ['v128'], results: ['v128'] },
    { params: ['i32', 'v128', 'i64', 'v128', 'f32', 'v128', 'f64', 'v128', 'i32', 'v128'], results: ['v128', 'i32'] },
    { params: Array<Type>(16).fill('v128'), results: ['i32', 'v128', 'f64', 'v128'] },
    { params: ['f64', 'f32', 'v128', 'v128', 'i64', 'i64', 'i64', 'i64', 'i64', 'i64', 'v128', 'f32'], results: ['f32', 'v128'] },
    { params: [], results: ['v128', 'v128', 'v128', 'v128', 'v128', 'v128', 'v128', 'v128'] },
  ];
  const random = (n: number) => Array.from({ length: n }, () => (rnd.chance(0.45) ? 'v128' : rnd.pick(TYPES)));
  while (chosen.length < count) chosen.push({ params: random(rnd.between(0, 14)), results: random(rnd.between(0, 5)) });
  return chosen;
}

/**
 * A callee per signature: it stores its parameters at OUTPUT and returns a parameter of the result's
 * type or an input. Two callers per callee (`direct<k>`, `indirect<k>` through the table) call it with
 * inputs as arguments and store its results after the parameters. The callees and the callers are
 * either one module or two, the callers' importing the callees (wasm to wasm between instances).
 */
function callModules(seed: number, sigs: readonly Signature[]): { single: string; callees: string; callers: string; exports: string[] } {
  const rnd = new Random(seed);
  const types = sigs.map((s, k) => `(type $t${k} (func ${typeList('param', s.params)} ${typeList('result', s.results)}))`).join('\n');
  const callees = sigs.map((s, k) => {
    const results = s.results.map((t) => {
      const same = s.params.flatMap((p, i) => (p === t ? [i] : []));
      return same.length && rnd.chance(0.6) ? `(local.get ${rnd.pick(same)})` : valueOf(rnd, t);
    });
    return `(func $c${k} (export "c${k}") (type $t${k}) ${storesOf(s.params, 0, OUTPUT)} ${results.join(' ')})`;
  }).join('\n');
  const callers = sigs.map((s, k) => {
    const args = s.params.map((t) => valueOf(rnd, t)).join(' ');
    const collect = `${s.results.map((_, j) => `local.set ${s.results.length - 1 - j}`).join(' ')} ${storesOf(s.results, 0, OUTPUT + 1024)}`;
    const locals = s.results.length ? `(local ${s.results.join(' ')})` : '';
    return `(func (export "direct${k}") ${locals} (call $c${k} ${args}) ${collect})
      (func (export "indirect${k}") ${locals} (call_indirect (type $t${k}) ${args} (i32.const ${k})) ${collect})`;
  }).join('\n');
  const table = `(table ${sigs.length} funcref) (elem (i32.const 0) ${sigs.map((_, k) => `$c${k}`).join(' ')})`;
  const imports = sigs.map((_, k) => `(import "a" "c${k}" (func $c${k} (type $t${k})))`).join('\n');
  return {
    single: `(module ${types} ${MEMORY(seed)} ${callees} ${table} ${callers})`,
    callees: `(module ${types} ${MEMORY(seed)} ${callees})`,
    callers: `(module ${types} (import "a" "memory" (memory 1)) ${imports} ${table} ${callers})`,
    exports: sigs.flatMap((_, k) => [`direct${k}`, `indirect${k}`]),
  };
}

/**
 * Calls each export, recording its result and the memory after it. The calls must not throw (under
 * V8 a throw fails the scenario as a test bug; under wasmjit it ends the transcript early).
 */
function callEach(s: Session, exports: ExportsOf, calls: readonly string[], memory = exports.memory()): void {
  for (const name of calls) {
    s.log.value(name, exports.fn(name)());
    s.log.memory(`memory after ${name}`, memory);
  }
}

const expectSame = async (scenario: (s: Session) => Promise<void>) => expect(firstLines(await scenarioMismatches(scenario))).toBe('');

describe('v128 parameters and results (mixed with scalars, so slot offsets shift)', () => {
  const sigs = signatures(12, 24);

  it('direct calls and call_indirect within one instance', async () => {
    const { single, exports } = callModules(12, sigs);
    await expectSame(async (s) => callEach(s, await s.instantiate(single), exports));
  });

  it('calls of another instance’s exported functions (wasm to wasm), directly and through a table', async () => {
    const { callees, callers, exports } = callModules(12, sigs);
    await expectSame(async (s) => {
      const a = await s.instantiate(callees);
      const imports = { a: Object.fromEntries([['memory', a.memory()], ...sigs.map((_, k) => [`c${k}`, a.fn(`c${k}`)])]) };
      const b = await s.instantiate(callers, imports);
      callEach(s, b, exports, a.memory());
    });
  });
});

describe('v128 locals', () => {
  /** Declared locals: few (zeroed by pushes), many (zeroed by rep stos), v128 among scalars. */
  function localLists(seed: number): Type[][] {
    const rnd = new Random(seed);
    const lists: Type[][] = [
      ['v128'], Array<Type>(4).fill('v128'), Array<Type>(5).fill('v128'), ['v128', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
      ['i32', 'v128', 'f32', 'v128', 'i64', 'v128', 'f64'], Array<Type>(20).fill('v128'),
    ];
    while (lists.length < 16) lists.push(Array.from({ length: rnd.between(1, 20) }, () => (rnd.chance(0.5) ? 'v128' : rnd.pick(TYPES))));
    return lists;
  }

  it('start zeroed, however many there are and whatever the stack held before; set, tee and get keep their bits', async () => {
    const rnd = new Random(7);
    const lists = localLists(7);
    // `dirty` leaves non-zero bytes where the next function's frame will be.
    const dirtyLocals = Array<Type>(24).fill('v128');
    const dirty = `(func $dirty (local ${dirtyLocals.join(' ')}) ${dirtyLocals.map((t, i) => `(local.set ${i} ${valueOf(rnd, t)})`).join(' ')}
      ${dirtyLocals.map((_, i) => `(v128.store (i32.const ${OUTPUT + 2048}) (local.get ${i}))`).join(' ')})`;
    const funcs = lists.map((locals, k) => {
      const params: Type[] = k % 3 === 0 ? ['v128', 'i32'] : [];
      const sets = locals.map((t, i) => {
        const local = params.length + i;
        if (!rnd.chance(0.4)) return '';
        return rnd.chance(0.5) ? `(local.set ${local} ${valueOf(rnd, t)})` : `(${t}.store (i32.const ${OUTPUT + 1536}) (local.tee ${local} ${valueOf(rnd, t)}))`;
      });
      const args = params.map((t) => valueOf(rnd, t)).join(' ');
      return `(func $locals${k} ${typeList('param', params)} (local ${locals.join(' ')}) ${sets.join(' ')} ${storesOf([...params, ...locals], 0, OUTPUT)})
        (func (export "locals${k}") (call $dirty) (call $locals${k} ${args}))`;
    });
    const wat = `(module ${MEMORY(7)} ${dirty} ${funcs.join('\n')})`;
    await expectSame(async (s) => callEach(s, await s.instantiate(wat), lists.map((_, k) => `locals${k}`)));
  });
});

describe('v128 through control flow, select, tee, drop and deep stacks', () => {
  const at = (n: number) => `(i32.const ${n})`;
  const load = (n: number) => `(v128.load ${at(n)})`;
  const out = (slot: number) => at(OUTPUT + 16 * slot);
  const wat = `(module ${MEMORY(3)}
    (type $pv (func (param v128 i32) (result v128 v128 i32)))
    (func $id (param v128) (result v128) (local.get 0))
    (table 1 funcref) (elem (i32.const 0) $id)
    (func $log (param i32) (i32.store ${at(OUTPUT + 1000)} (local.get 0)))

    ;; block and loop with v128 parameters and several results, result 0 a v128 or not
    (func (export "blocks") (param $n i32) (local $a v128) (local $b v128) (local $x i32)
      ${load(0)} (i32.load ${at(20)})
      (block (type $pv) (local.set $x) (local.set $a) (local.get $a) ${load(48)} (local.get $x))
      (local.set $x) (local.set $b) (local.set $a)
      (v128.store ${out(0)} (local.get $a)) (v128.store ${out(1)} (local.get $b)) (i32.store ${out(2)} (local.get $x))
      (block $exit (result i32 v128)
        ${load(64)} (local.get $n)
        (loop (param v128 i32) (result i32 v128)
          (local.set $x) (local.set $a)
          (i32.const 0) ${load(80)} (br_if $exit (i32.le_s (local.get $x) (i32.const 0)))
          (drop) (drop)
          (i32x4.replace_lane 1 (local.get $a) (local.get $x)) (i32.sub (local.get $x) (i32.const 1))
          (br 0)))
      (local.set $a) (local.set $x)
      (v128.store ${out(3)} (local.get $a)) (i32.store ${out(4)} (local.get $x)))

    ;; if with parameters and results; both arms
    (func (export "if") (param $c i32)
      (i32.const ${OUTPUT}) ${load(96)} (f64.load ${at(24)})
      (if (param v128 f64) (result v128) (local.get $c)
        (then (f64x2.replace_lane 1))
        (else (drop) (i8x16.replace_lane 15 (i32.const 0x55))))
      (v128.store))

    ;; br, br_if and br_table carrying v128 values out of inner blocks, past values to drop below them
    (func (export "branches") (param $i i32) (local $x i32)
      (i32.const ${OUTPUT + 16})
      (block $outer (result v128 i32)
        ${load(112)} (i64.const 5) ${load(128)}
        (block $middle (result v128 i32)
          (f32.const 1) ${load(144)}
          (block $inner (result v128 i32)
            ${load(160)} (i32.const 3)
            (br_table $inner $middle $outer (local.get $i)))
          (br_if $outer (i32.eqz (local.get $i)))
          (drop) (drop) (drop) ${load(176)} (i32.const 9) (br $outer))
        (drop) (drop) (drop) (drop) (drop) ${load(192)} (i32.const 4))
      (local.set $x) (i32.store ${at(OUTPUT)} (local.get $x))
      (v128.store))

    ;; select, typed and untyped, with the operands in registers and spilled
    (func (export "select") (param $c i32) (local v128)
      (v128.store ${out(0)} (select ${load(0)} ${load(16)} (local.get $c)))
      (v128.store ${out(1)} (select (result v128) ${load(32)} (v128.const i64x2 -1 7) (local.get $c)))
      ${[208, 224, 240, 256, 272, 288, 304, 320].map(load).join(' ')}
      (select (result v128) ${load(336)} ${load(352)} (local.get $c))
      (v128.store ${out(2)} (select (local.tee 1 ${load(368)}) (local.get 1) (i32.eqz (local.get $c))))
      ${[3, 4, 5, 6, 7, 8, 9, 10, 11].map((slot) => `(local.set 1) (v128.store ${out(slot)} (local.get 1))`).join(' ')})

    ;; more than the six xmm cache registers live at once, dropped and stored from the bottom up; values
    ;; live across calls (direct, indirect, host)
    (func (export "deep") (local $t v128)
      ${Array.from({ length: 12 }, (_, i) => `${out(i)} ${load(16 * i + 8)}`).join(' ')}
      ${Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? '(drop) (drop)' : '(v128.store)')).join(' ')}
      ${out(12)} ${load(400)} ${out(13)} ${load(416)}
      (call $log (i32.const 1)) (call $id ${load(432)}) (call_indirect (param v128) (result v128) ${load(448)} (i32.const 0))
      (i64x2.extract_lane 1) (i64x2.replace_lane 0) (local.set $t) (v128.store ${out(14)} (local.get $t))
      (v128.store) (v128.store))
  )`;
  const calls = ['blocks', 'if', 'branches', 'select'];

  it.each([0, 1, 2, 3, 7, -1])('with selector %i', async (selector) => {
    await expectSame(async (s) => {
      const exports = await s.instantiate(wat);
      for (const name of calls) {
        s.log.value(name, exports.fn(name)(selector));
        s.log.memory(`memory after ${name}`, exports.memory());
      }
      callEach(s, exports, ['deep']);
    });
  });
});

describe('v128 globals', () => {
  const exporter = `(module ${MEMORY(5)}
    (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
    (global $c (export "c") v128 (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 0xff))
    (func (export "set") (global.set $g (v128.load (i32.const 33))))
    (func (export "get") (v128.store (i32.const ${OUTPUT}) (global.get $g)) (v128.store (i32.const ${OUTPUT + 16}) (global.get $c))))`;
  const importer = `(module (import "a" "memory" (memory 1))
    (import "a" "g" (global $g (mut v128)))
    (import "a" "c" (global $c v128))
    (global $d (export "d") v128 (global.get $c))
    (global $m (mut v128) (global.get $c))
    (func (export "set2") (global.set $g (i16x8.replace_lane 3 (global.get $d) (i32.const -2))) (global.set $m (global.get $g)))
    (func (export "get2")
      (v128.store (i32.const ${OUTPUT + 32}) (global.get $g)) (v128.store (i32.const ${OUTPUT + 48}) (global.get $d))
      (v128.store (i32.const ${OUTPUT + 64}) (global.get $m))))`;

  it('mutable and immutable, exported, imported by another instance (shared cells), initialised by v128.const and by global.get of an imported global', async () => {
    await expectSame(async (s) => {
      const a = await s.instantiate(exporter);
      const b = await s.instantiate(importer, { a: { memory: a.memory(), g: a.global('g'), c: a.global('c') } });
      const step = (exports: ExportsOf, name: string) => callEach(s, exports, [name], a.memory());
      step(a, 'get');
      step(b, 'get2');
      step(a, 'set');
      step(b, 'get2');
      step(b, 'set2');
      step(a, 'get');
      step(b, 'get2');
    });
  });

  it('their values are not for JS: reading, writing, valueOf, a Global of type v128, a number or a scalar Global for a v128 import', async () => {
    await expectSame(async (s) => {
      const a = await s.instantiate(exporter);
      for (const name of ['g', 'c']) {
        const global = a.global(name);
        s.log.attempt(`${name}.value`, () => global.value);
        s.log.attempt(`${name}.value = 1`, () => (global.value = 1));
        s.log.attempt(`${name}.valueOf()`, () => global.valueOf());
      }
      s.log.attempt('new Global({value: v128})', () => new s.Global({ value: 'v128' as never }));
      s.log.attempt('new Global({value: v128}, 0)', () => new s.Global({ value: 'v128' as never, mutable: true }, 0));
      const link = (label: string, g: unknown, c: unknown) =>
        s.log.attemptAsync(label, () => s.instantiate(importer, { a: { memory: a.memory(), g, c } }));
      await link('a number for an immutable v128 import', a.global('g'), 7);
      await link('a bigint for an immutable v128 import', a.global('g'), 7n);
      await link('an i32 Global for an immutable v128 import', a.global('g'), new s.Global({ value: 'i32' }, 7));
      await link('an immutable v128 Global for a mutable import', a.global('c'), a.global('c'));
      await link('a mutable v128 Global for an immutable import', a.global('g'), a.global('g'));
    });
  });
});

describe('v128 at the JS boundary', () => {
  const wat = `(module
    (import "env" "take" (func $take (param i32 v128)))
    (import "env" "give" (func $give (result v128)))
    (import "env" "log" (func $log (param i32)))
    ${MEMORY(9)}
    (func $param (export "param") (param v128 i32) (v128.store (i32.const ${OUTPUT}) (local.get 0)))
    (func $result (export "result") (result v128) (v128.const i32x4 1 2 3 4))
    (func $both (export "both") (param i32 v128 f64) (result i32 v128) (local.get 0) (local.get 1))
    (func (export "callTake") (call $log (i32.const 1)) (call $take (i32.const 5) (v128.const i64x2 1 2)) (call $log (i32.const 2)))
    (func (export "callGive") (v128.store (i32.const ${OUTPUT}) (call $give)))
    (table (export "table") 3 funcref) (elem (i32.const 0) $param $result $both))`;

  it('calling an export with v128 in its signature, directly or from a table, throws TypeError; so does wasm calling a host function with v128 in its signature, without calling it', async () => {
    await expectSame(async (s) => {
      const calls: string[] = [];
      const host = { take: loggingHost(calls, 'take', () => undefined), give: loggingHost(calls, 'give', () => 1), log: loggingHost(calls, 'log', () => undefined) };
      const exports = await s.instantiate(wat, { env: host });
      const table = exports.table('table');
      for (const [label, fn] of [
        ['param', exports.fn('param')], ['result', exports.fn('result')], ['both', exports.fn('both')],
        ['table[0]', table.get(0)], ['table[1]', table.get(1)], ['table[2]', table.get(2)],
      ] as const) {
        s.log.attempt(`${label}()`, () => (fn as (...args: unknown[]) => unknown)());
        s.log.attempt(`${label}(1, 2, 3)`, () => (fn as (...args: unknown[]) => unknown)(1, 2, 3));
      }
      s.log.attempt('callTake()', () => exports.fn('callTake')());
      s.log.attempt('callGive()', () => exports.fn('callGive')());
      s.log.value('host calls', calls.join('; '));
      s.log.memory('memory', exports.memory());
    });
  });
});

describe('lazy compilation and artifacts of v128 functions', () => {
  const sigs = signatures(31, 12);
  const { single, exports } = callModules(31, sigs);

  /** The memory after each call, in V8 and in wasmjit's module made by `make`. */
  async function compareWith(make: (bytes: Uint8Array) => Promise<Module>): Promise<string[]> {
    const bytes = await toBytes(single);
    const runAll = (instanceExports: Record<string, unknown>) => exports.map((name) => {
      (instanceExports[name] as () => void)();
      return new Uint8Array((instanceExports.memory as WebAssembly.Memory).buffer.slice(0));
    });
    const v8 = runAll(new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes))).exports as Record<string, unknown>);
    if (engineUnderTest === 'v8') return [];
    const module = await make(bytes);
    const instance = new Instance(module, {}, false);
    try {
      const jit = runAll(instance.exports as Record<string, unknown>);
      return exports.flatMap((name, i) => {
        const difference = bytesDifference(v8[i]!, jit[i]!);
        return difference ? [`${name}: ${difference}`] : [];
      });
    } finally {
      instance.dispose();
      module.dispose();
    }
  }

  it('compiled on first call (lazy: true)', async () => {
    expect(firstLines(await compareWith((bytes) => compile(bytes, { lazy: true })))).toBe('');
  });

  it('serialized and deserialized, eagerly and lazily compiled', async () => {
    for (const lazy of [false, true]) {
      expect(firstLines(await compareWith(async (bytes) => {
        const original = await compile(bytes, { lazy });
        try {
          return Module.deserialize(original.serialize());
        } finally {
          original.dispose();
        }
      }))).toBe('');
    }
  });
});
