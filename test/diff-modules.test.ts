// Module-level features compared with V8: globals (wasm and JS sides), funcref tables and
// call_indirect, element segments, tables shared between instances, the start function, the exports
// object, and instances of one compiled module kept apart. Each test is a scenario run in both engines
// (see helpers/scenario.ts); floats cross the JS boundary as their bits, through reinterpret.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Call, DifferentialInstance, firstLines } from './helpers/differential.js';
import { type NumericType, scenarioMismatches, type Session } from './helpers/scenario.js';

const I32_MIN = -(2 ** 31);
const I64_MIN = -(2n ** 63n);

/** Bit patterns worth keeping exactly: NaNs with payloads (quiet and signalling), -0, denormals, infinities. */
const F32_BITS = [0, 0x80000000 | 0, 1, 0x7f800000, 0xff800000 | 0, 0x7fc00000, 0x7fa00001, 0xffc00001 | 0, 0x7f800001, 0x3fc00000];
const F64_BITS = [0n, -(2n ** 63n), 1n, 0x7ff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, -0x7ffffffffffffn, 0x7ff0000000000001n, 0x3ff8000000000000n];
const I32_VALUES = [0, 1, -1, I32_MIN, 2 ** 31 - 1, 0x1234];
const I64_VALUES = [0n, 1n, -1n, I64_MIN, 2n ** 63n - 1n, 0x123456789n];

/** How each global type crosses the boundary in these modules: i32 and f32 as an i32, the others as an i64. */
const GLOBAL_TYPES: Array<{ type: NumericType; bits: readonly (number | bigint)[]; init: string; constInit: string }> = [
  { type: 'i32', bits: I32_VALUES, init: '(i32.const -7)', constInit: '(i32.const 42)' },
  { type: 'i64', bits: I64_VALUES, init: '(i64.const 0x123456789abcdef0)', constInit: '(i64.const -1)' },
  { type: 'f32', bits: F32_BITS, init: '(f32.const -0x1p-149)', constInit: '(f32.const -0x1.fffffep127)' },
  { type: 'f64', bits: F64_BITS, init: '(f64.const -0x1.8p-1022)', constInit: '(f64.const -0)' },
];

const bitsType = (type: NumericType) => (type === 'i32' || type === 'f32' ? 'i32' : 'i64');
const toBits = (type: NumericType, expr: string) => (type[0] === 'f' ? `(${bitsType(type)}.reinterpret_${type} ${expr})` : expr);
const fromBits = (type: NumericType, expr: string) => (type[0] === 'f' ? `(${type}.reinterpret_${bitsType(type)} ${expr})` : expr);

/** Per type: an exported mutable global, an exported immutable one, and get/set functions by bits. */
const globalsModule = `(module
  ${GLOBAL_TYPES.map(({ type, init, constInit }) => `
  (global $${type} (export "${type}") (mut ${type}) ${init})
  (global $const_${type} (export "const ${type}") ${type} ${constInit})
  (func (export "get ${type}") (result ${bitsType(type)}) ${toBits(type, `(global.get $${type})`)})
  (func (export "get const ${type}") (result ${bitsType(type)}) ${toBits(type, `(global.get $const_${type})`)})
  (func (export "set ${type}") (param ${bitsType(type)}) (global.set $${type} ${fromBits(type, '(local.get 0)')}))`).join('')}
  (global $snan_f32 f32 (f32.const nan:0x200001))
  (global $snan_f64 (mut f64) (f64.const -nan:0x4000000000001))
  (func (export "get snan f32") (result i32) (i32.reinterpret_f32 (global.get $snan_f32)))
  (func (export "get snan f64") (result i64) (i64.reinterpret_f64 (global.get $snan_f64)))
  (global $hidden (mut i64) (i64.const 5))
  (func (export "bump hidden") (param i64) (result i64)
    (global.set $hidden (i64.add (global.get $hidden) (local.get 0)))
    (global.get $hidden)))`;

/** Values a JS program may assign to `.value`, with the conversions (and errors) of each type. */
const JS_WRITES: Record<NumericType, unknown[]> = {
  i32: [5, -1, '7', ' 0x10 ', 2 ** 32 + 3, -0, 1.9, -1.9, NaN, Infinity, true, null, { valueOf: () => 9 }, 5n, Symbol('s')],
  i64: [5n, -1n, 2n ** 64n + 3n, -(2n ** 63n) - 1n, '7', '-0x10', true, 5, 1.5, undefined, 'x', Symbol('s')],
  f32: [1.1, -0, 1e40, -1e-46, 2 ** -149, NaN, '2.5', 'x', true, null, 5n],
  f64: [1.1, -0, Number.MIN_VALUE, -Infinity, NaN, '-2.5e-300', [], [7], 5n],
};

describe('globals', () => {
  test('wasm reads and writes every type, NaN payloads and -0 included', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(globalsModule);
      for (const { type, bits } of GLOBAL_TYPES) {
        log.attempt(`get ${type} (initial)`, () => exports.fn(`get ${type}`)());
        log.attempt(`get const ${type}`, () => exports.fn(`get const ${type}`)());
        log.attempt(`${type}.value (initial)`, () => exports.global(type).value);
        log.attempt(`const ${type}.value`, () => exports.global(`const ${type}`).value);
        for (const value of bits) {
          log.attempt(`set ${type} ${value}`, () => exports.fn(`set ${type}`)(value));
          log.attempt(`get ${type} after setting ${value}`, () => exports.fn(`get ${type}`)());
          log.attempt(`${type}.value after setting ${value}`, () => exports.global(type).value);
          log.attempt(`${type}.valueOf() after setting ${value}`, () => exports.global(type).valueOf());
        }
      }
      for (const delta of [1n, -10n, I64_MIN]) log.attempt(`bump hidden ${delta}`, () => exports.fn('bump hidden')(delta));
    });
    expect(firstLines(lines)).toBe('');
  });

  test('signalling NaN initialisers keep their bits', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.instantiate(globalsModule);
      session.log.attempt('f32 nan:0x200001', () => exports.fn('get snan f32')());
      session.log.attempt('f64 -nan:0x4000000000001', () => exports.fn('get snan f64')());
    });
    expect(firstLines(lines)).toBe('');
  });

  test.each(GLOBAL_TYPES.map(({ type }) => type))('JS writes to an exported mutable %s global, converted as V8 does', async (type) => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.instantiate(globalsModule);
      const global = exports.global(type);
      for (const value of JS_WRITES[type]) {
        const label = typeof value === 'symbol' ? 'a Symbol' : JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
        session.log.attempt(`.value = ${label}`, () => {
          global.value = value;
        });
        session.log.attempt(`wasm reads it after .value = ${label}`, () => exports.fn(`get ${type}`)());
        session.log.attempt(`.value reads it after .value = ${label}`, () => global.value);
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  for (const compare of ['class', 'all'] as const) {
    test(`writing an immutable global from JS throws (${compare === 'class' ? 'error class' : 'error message'})`, async () => {
      const lines = await scenarioMismatches(async (session) => {
        const exports = await session.instantiate(globalsModule);
        for (const { type } of GLOBAL_TYPES) {
          const global = exports.global(`const ${type}`);
          session.log.attempt(`const ${type}.value = …`, () => {
            global.value = type === 'i64' ? 1n : 1;
          }, compare);
          session.log.attempt(`const ${type} unchanged`, () => exports.global(`const ${type}`).value);
        }
        const standalone = new session.Global({ value: 'i32' }, 3);
        session.log.attempt('new Global (immutable).value = 4', () => {
          standalone.value = 4;
        }, compare);
      });
      expect(firstLines(lines)).toBe('');
    });
  }

  const importingModule = `(module
    ${GLOBAL_TYPES.map(({ type }) => `
    (import "env" "${type}" (global $${type} ${type}))
    (import "env" "mut ${type}" (global $mut_${type} (mut ${type})))`).join('')}
    ${GLOBAL_TYPES.map(({ type }) => `
    (global $derived_${type} ${type} (global.get $${type}))
    (func (export "get ${type}") (result ${bitsType(type)}) ${toBits(type, `(global.get $${type})`)})
    (func (export "get derived ${type}") (result ${bitsType(type)}) ${toBits(type, `(global.get $derived_${type})`)})
    (func (export "get mut ${type}") (result ${bitsType(type)}) ${toBits(type, `(global.get $mut_${type})`)})
    (func (export "set mut ${type}") (param ${bitsType(type)}) (global.set $mut_${type} ${fromBits(type, '(local.get 0)')}))`).join('')})`;

  /** Immutable imports given as plain values, mutable ones as Global objects shared with JS. */
  const PLAIN_IMPORTS: Record<NumericType, unknown> = { i32: -123, i64: -(2n ** 40n), f32: 1.1, f64: -0 };

  test('imported globals: numbers, Global objects, and initialisers reading them', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const env: Record<string, unknown> = {};
      const mutables = new Map<NumericType, ReturnType<typeof newGlobal>>();
      function newGlobal(type: NumericType) {
        return new session.Global({ value: type, mutable: true }, type === 'i64' ? 77n : 2.5);
      }
      for (const { type } of GLOBAL_TYPES) {
        env[type] = PLAIN_IMPORTS[type];
        mutables.set(type, newGlobal(type));
        env[`mut ${type}`] = mutables.get(type);
      }
      const exports = await session.instantiate(importingModule, { env });
      for (const { type, bits } of GLOBAL_TYPES) {
        log.attempt(`get ${type}`, () => exports.fn(`get ${type}`)());
        log.attempt(`get derived ${type}`, () => exports.fn(`get derived ${type}`)());
        log.attempt(`get mut ${type}`, () => exports.fn(`get mut ${type}`)());
        const shared = mutables.get(type)!;
        for (const value of bits.slice(0, 4)) {
          log.attempt(`set mut ${type} ${value}`, () => exports.fn(`set mut ${type}`)(value));
          log.attempt(`JS sees the import's new value`, () => shared.value);
        }
        log.attempt(`JS sets the import`, () => {
          shared.value = type === 'i64' ? -5n : -0.75;
        });
        log.attempt(`wasm sees JS's value`, () => exports.fn(`get mut ${type}`)());
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a mutable global exported by one instance and imported by another is one cell', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const owner = await session.instantiate(globalsModule);
      const env: Record<string, unknown> = {};
      for (const { type } of GLOBAL_TYPES) {
        env[type] = owner.global(`const ${type}`);
        env[`mut ${type}`] = owner.global(type);
      }
      const user = await session.instantiate(importingModule, { env });
      for (const { type, bits } of GLOBAL_TYPES) {
        log.attempt(`the importer reads the owner's immutable ${type}`, () => user.fn(`get ${type}`)());
        log.attempt(`… and its derived copy`, () => user.fn(`get derived ${type}`)());
        for (const value of bits.slice(1, 4)) {
          log.attempt(`the importer sets ${type} ${value}`, () => user.fn(`set mut ${type}`)(value));
          log.attempt(`the owner reads it`, () => owner.fn(`get ${type}`)());
          log.attempt(`the owner sets it back to bits 0`, () => owner.fn(`set ${type}`)(bits[0]));
          log.attempt(`the importer reads it`, () => user.fn(`get mut ${type}`)());
          log.attempt(`JS reads it through the owner's export`, () => owner.global(type).value);
        }
      }
    });
    expect(firstLines(lines)).toBe('');
  });
});

/** Types, functions of several signatures in a table of 8 (max 12), with some entries left null. */
const TABLE_MODULE = `(module
  (type $ii (func (param i32) (result i32)))
  (type $ii_again (func (param i32) (result i32)))
  (type $ll (func (param i64) (result i64)))
  (type $v (func))
  (type $multi (func (param i32 i64) (result i64 i32)))
  (table $t (export "table") 8 12 funcref)
  (memory (export "memory") 1)
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (func $double (export "double") (type $ii)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.mul (local.get 0) (i32.const 2)))
  (func $negate (export "negate") (type $ii_again) (i32.sub (i32.const 0) (local.get 0)))
  (func $square (type $ll) (i64.mul (local.get 0) (local.get 0)))
  (func $note (type $v) (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1))))
  (func $swap (type $multi) (i64.extend_i32_s (local.get 0)) (i32.wrap_i64 (local.get 1)))
  (func $trap (type $ii) (i32.div_s (local.get 0) (i32.const 0)))
  (elem (i32.const 1) $double $negate $square)
  (elem (i32.const 5) $note $swap $trap)
  (func (export "call ii") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "call ii_again") (param i32 i32) (result i32) (call_indirect (type $ii_again) (local.get 1) (local.get 0)))
  (func (export "call ll") (param i32 i64) (result i64) (call_indirect (type $ll) (local.get 1) (local.get 0)))
  (func (export "call v") (param i32) (result i32) (call_indirect (type $v) (local.get 0)) (i32.load (i32.const 16)))
  (func (export "call multi") (param i32 i32 i64) (result i64 i32)
    (call_indirect (type $multi) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "call ii twice") (param i32 i32) (result i32)
    (call_indirect (type $ii) (call_indirect (type $ii) (local.get 1) (local.get 0)) (local.get 0))))`;

/** In range, each null and each signature, the length, past the maximum, negative and huge indices. */
const TABLE_INDICES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, -1, 2 ** 31 - 1, I32_MIN];

describe('tables and call_indirect', () => {
  let pair: DifferentialInstance;
  beforeAll(async () => {
    pair = await DifferentialInstance.of(TABLE_MODULE, {}, 'table.wat');
  });
  afterAll(() => pair?.dispose());

  const cases: Array<[string, Call[]]> = [
    ['call_indirect (func (param i32) (result i32))', TABLE_INDICES.flatMap((i): Call[] => [['call ii', [i, 21]], ['call ii', [i, I32_MIN]]])],
    ['a structurally equal type declared twice matches', TABLE_INDICES.map((i): Call => ['call ii_again', [i, 5]])],
    ['call_indirect (func (param i64) (result i64))', TABLE_INDICES.map((i): Call => ['call ll', [i, -3000000000n]])],
    ['call_indirect (func), reaching the callee memory', TABLE_INDICES.map((i): Call => ['call v', [i]])],
    ['call_indirect with several params and results', TABLE_INDICES.map((i): Call => ['call multi', [i, -9, 2n ** 40n + 3n]])],
    ['nested call_indirect, then the instance keeps working', [...TABLE_INDICES.map((i): Call => ['call ii twice', [i, 3]]), ['call ii', [1, 4]]]],
  ];
  test.each(cases)('%s', (_, calls) => {
    expect(firstLines(pair.mismatches(calls))).toBe('');
  });

  test('the exported table from JS: get, set, grow, length, and calls through it', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(TABLE_MODULE);
      const other = await session.instantiate(`(module (memory (export "memory") 1) (data (i32.const 0) "\\2a")
        (func (export "from other") (param i32) (result i32) (i32.add (local.get 0) (i32.load8_u (i32.const 0))))
        (func (export "wrong type") (param i64) (result i32) (i32.wrap_i64 (local.get 0))))`);
      const table = exports.table('table');
      const call = (index: number, arg: number) => exports.fn('call ii')(index, arg);
      log.attempt('length', () => table.length);
      log.attempt('get(1) is the export "double"', () => table.get(1) === exports.fn('double'));
      log.attempt('get(2) is the export "negate"', () => table.get(2) === exports.fn('negate'));
      log.attempt('get(0) is null', () => table.get(0));
      log.attempt('calling get(1) from JS', () => (table.get(1) as (x: number) => number)(8));
      log.attempt('set(0, double)', () => table.set(0, exports.fn('double')));
      log.attempt('call_indirect 0', () => call(0, 10));
      log.attempt('set(1, null)', () => table.set(1, null));
      log.attempt('call_indirect 1 after set(1, null)', () => call(1, 10));
      log.attempt('set(3, another instance\'s function)', () => table.set(3, other.fn('from other')));
      log.attempt('call_indirect 3 reads the other instance\'s memory', () => call(3, 10));
      log.attempt('the other instance\'s memory changes', () => new Uint8Array(other.memory().buffer).set([100]));
      log.attempt('call_indirect 3 again', () => call(3, 10));
      log.attempt('set(4, a function of the wrong type)', () => table.set(4, other.fn('wrong type')));
      log.attempt('call_indirect 4 with the wrong type', () => call(4, 10));
      log.attempt('grow(2)', () => table.grow(2));
      log.attempt('length after grow(2)', () => table.length);
      log.attempt('call_indirect 9 (a new, null entry)', () => call(9, 1));
      log.attempt('set(9, negate)', () => table.set(9, exports.fn('negate')));
      log.attempt('call_indirect 9', () => call(9, 1));
      log.attempt('grow(2) to the maximum', () => table.grow(2));
      log.attempt('call_indirect 11', () => call(11, 1));
      log.attempt('call_indirect 12', () => call(12, 1));
      log.attempt('calls counted by "double"', () => exports.global('calls').value);
    });
    expect(firstLines(lines)).toBe('');
  });

  for (const compare of ['class', 'all'] as const) {
    test(`the exported table's JS API rejects bad indices and values (${compare === 'class' ? 'error class' : 'error message'})`, async () => {
      const lines = await scenarioMismatches(async (session) => {
        const { log } = session;
        const exports = await session.instantiate(TABLE_MODULE);
        const table = exports.table('table');
        log.attempt('get(8)', () => table.get(8), compare);
        log.attempt('get(-1)', () => table.get(-1), compare);
        log.attempt('get(2 ** 32)', () => table.get(2 ** 32), compare);
        log.attempt('set(8, double)', () => table.set(8, exports.fn('double')), compare);
        log.attempt('set(-1, null)', () => table.set(-1, null), compare);
        log.attempt('set(4, a JS function)', () => table.set(4, () => 1), compare);
        log.attempt('set(4, 5)', () => table.set(4, 5), compare);
        log.attempt('grow(5) past the maximum', () => table.grow(5), compare);
        log.attempt('grow(-1)', () => table.grow(-1), compare);
        log.attempt('the table is unchanged', () => [table.length, table.get(4)]);
      });
      expect(firstLines(lines)).toBe('');
    });
  }

  test('element segments: offsets from imported globals, overlapping segments, imported tables', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const table = new session.Table({ element: 'anyfunc', initial: 6, maximum: 10 });
      const exports = await session.instantiate(
        `(module
          (import "env" "base" (global $base i32))
          (import "env" "table" (table 6 10 funcref))
          (type $ii (func (param i32) (result i32)))
          (func $a (type $ii) (i32.add (local.get 0) (i32.const 100)))
          (func $b (type $ii) (i32.add (local.get 0) (i32.const 200)))
          (func $c (type $ii) (i32.add (local.get 0) (i32.const 300)))
          (elem (global.get $base) $a $b $a)
          (elem (i32.const 3) $c)
          (func (export "call") (param i32) (result i32) (call_indirect (type $ii) (i32.const 1) (local.get 0))))`,
        { env: { base: 2, table } },
      );
      for (let i = 0; i < 7; i++) log.attempt(`call ${i}`, () => exports.fn('call')(i));
      log.attempt('JS sees the entries', () => [0, 1, 2, 3, 4, 5].map((i) => table.get(i) === null));
      log.attempt('an entry called from JS', () => (table.get(3) as (x: number) => number)(1));
    });
    expect(firstLines(lines)).toBe('');
  });

  test('element expressions (ref.null, ref.func), passive and declarative segments, an empty table', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.instantiate(`(module
        (type $v (func (result i32)))
        (table 4 funcref)
        (table $empty 0 funcref)
        (func $f (result i32) (i32.const 7))
        (func $g (result i32) (i32.const 8))
        (elem (i32.const 0) funcref (ref.null func) (ref.func $f) (ref.null func) (ref.func $g))
        (elem func $g)
        (elem declare func $f)
        (func (export "call") (param i32) (result i32) (call_indirect (type $v) (local.get 0)))
        (func (export "call empty") (param i32) (result i32) (call_indirect $empty (type $v) (local.get 0))))`);
      for (const i of [0, 1, 2, 3, 4]) session.log.attempt(`call ${i}`, () => exports.fn('call')(i));
      for (const i of [0, -1]) session.log.attempt(`call empty ${i}`, () => exports.fn('call empty')(i));
    });
    expect(firstLines(lines)).toBe('');
  });

  test.each([
    ['in bounds, ending at the last entry', 3, 2, true],
    ['one entry past the end', 4, 2, true],
    ['empty, at the end', 5, 0, true],
    ['empty, past the end', 6, 0, true],
    ['at offset -1', -1, 1, true],
    ['in bounds, then one out of bounds (the first stays written in an imported table)', 0, 5, false],
  ] as const)('element segment %s', async (_, offset, count, ownTable) => {
    const lines = await scenarioMismatches(async (session) => {
      const table = new session.Table({ element: 'anyfunc', initial: 5 });
      const segments = ownTable
        ? `(elem (i32.const ${offset}) ${'$f '.repeat(count)})`
        : `(elem (i32.const ${offset}) ${'$f '.repeat(count)}) (elem (i32.const 3) $f $f $f)`;
      const tableDecl = ownTable ? '(table (export "table") 5 funcref)' : '(import "env" "table" (table 5 funcref))';
      const exports = await session.log.attemptAsync('instantiate', () =>
        session.instantiate(`(module ${tableDecl} (func $f) ${segments})`, { env: { table } }),
      );
      const target = ownTable ? exports?.table('table') : table;
      if (target) session.log.value('entries set', [0, 1, 2, 3, 4].map((i) => target.get(i) !== null));
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('tables shared between instances', () => {
  /** Each instance has its own memory and global, which its functions use whoever calls them. */
  const ownState = (tag: number) => `
    (memory (export "memory") 1)
    (global $tag (export "tag") (mut i32) (i32.const ${tag}))
    (func $mine (param i32) (result i32)
      (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
      (global.set $tag (i32.add (global.get $tag) (i32.const 1)))
      (i32.add (i32.mul (global.get $tag) (i32.const 1000)) (i32.load (i32.const 0))))`;

  const exporter = `(module ${ownState(1)}
    (type $ii (func (param i32) (result i32)))
    (table (export "table") 4 funcref)
    (elem (i32.const 0) $mine)
    (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0))))`;

  // Other types first, so that the same signature has another type index here than in the exporter.
  const importer = `(module
    (type (func (param i64) (result i32)))
    (type (func (param i32) (result i64)))
    (import "env" "table" (table 4 funcref))
    ${ownState(2)}
    (type $ii (func (param i32) (result i32)))
    (elem (i32.const 2) $mine)
    (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0))))`;

  test('each callee uses its own memory and globals, whichever instance calls through the table', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const a = await session.instantiate(exporter);
      const b = await session.instantiate(importer, { env: { table: a.table('table') } });
      for (const [who, exports] of [['A', a], ['B', b]] as const) {
        for (const index of [0, 2, 1, 3, 4]) log.attempt(`${who} calls entry ${index}`, () => exports.fn('call')(index, 5 + index));
      }
      log.attempt('A\'s tag', () => a.global('tag').value);
      log.attempt('B\'s tag', () => b.global('tag').value);
      log.memory('A\'s memory', a.memory());
      log.memory('B\'s memory', b.memory());
      log.attempt('the table entries are the functions of their instances', () => a.table('table').get(0) !== a.table('table').get(2));
      log.attempt('JS grows the shared table', () => a.table('table').grow(2));
      log.attempt('and puts B\'s function at 5', () => a.table('table').set(5, a.table('table').get(2)));
      for (const [who, exports] of [['A', a], ['B', b]] as const) {
        for (const index of [4, 5, 6]) log.attempt(`${who} calls entry ${index}`, () => exports.fn('call')(index, 1));
      }
      log.memory('B\'s memory at the end', b.memory());
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('start function', () => {
  test('runs after the segments, before instantiate returns, calling imports', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const calls: string[] = [];
      const exports = await session.instantiate(
        `(module
          (import "env" "log" (func $log (param i32 i64)))
          (memory (export "memory") 1)
          (data (i32.const 0) "\\05")
          (global $g (export "g") (mut i32) (i32.const 3))
          (func $start
            (global.set $g (i32.mul (global.get $g) (i32.load8_u (i32.const 0))))
            (i32.store (i32.const 4) (global.get $g))
            (call $log (global.get $g) (i64.const -1)))
          (start $start)
          (func (export "get g") (result i32) (global.get $g)))`,
        { env: { log: (a: number, b: bigint) => calls.push(`log(${a}, ${b})`) } },
      );
      session.log.value('host calls made by start', calls);
      session.log.attempt('the global start set', () => exports.fn('get g')());
      session.log.memory('memory', exports.memory());
    });
    expect(firstLines(lines)).toBe('');
  });

  const TRAPPING_STARTS: Array<[string, string]> = [
    ['unreachable', 'unreachable'],
    ['memory access out of bounds', '(drop (i32.load (i32.const 65535)))'],
    ['divide by zero', '(drop (i32.div_u (i32.const 1) (i32.const 0)))'],
    ['null table entry', '(call_indirect (i32.const 0))'],
    ['table index out of bounds', '(call_indirect (i32.const 7))'],
    ['signature mismatch', '(call_indirect (i32.const 1))'],
  ];

  test.each(TRAPPING_STARTS)('a start function that traps (%s) rejects instantiate like V8', async (_, body) => {
    const lines = await scenarioMismatches(async (session) => {
      const memory = new session.Memory({ initial: 1 });
      await session.log.attemptAsync('instantiate', () =>
        session.instantiate(
          `(module (import "env" "memory" (memory 1)) (table 2 funcref) (func $other (param i32)) (elem (i32.const 1) $other)
            (func $start (i32.store (i32.const 8) (i32.const 0x01020304)) ${body}) (start $start))`,
          { env: { memory } },
        ),
      );
      session.log.memory('the imported memory keeps what start wrote before the trap', memory);
    });
    expect(firstLines(lines)).toBe('');
  });

  // The instance exists even though instantiate rejected: what its segments put in imported tables works.
  test('functions a failed instantiation left in an imported table stay callable, from JS and through the table', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const table = new session.Table({ element: 'anyfunc', initial: 2 });
      const memory = new session.Memory({ initial: 1 });
      await session.log.attemptAsync('instantiate', () =>
        session.instantiate(
          `(module (import "env" "table" (table 2 funcref)) (import "env" "memory" (memory 1))
            (global $g (mut i32) (i32.const 40))
            (func $f (param i32) (result i32)
              (global.set $g (i32.add (global.get $g) (i32.const 1)))
              (i32.store (i32.const 0) (global.get $g))
              (i32.add (local.get 0) (global.get $g)))
            (elem (i32.const 0) $f)
            (func $start unreachable) (start $start))`,
          { env: { table, memory } },
        ),
      );
      const caller = await session.instantiate(
        `(module (import "env" "table" (table 2 funcref)) (type $ii (func (param i32) (result i32)))
          (func (export "call") (param i32) (result i32) (call_indirect (type $ii) (local.get 0) (i32.const 0))))`,
        { env: { table } },
      );
      log.attempt('through the table', () => caller.fn('call')(5));
      log.attempt('from JS', () => (table.get(0) as (x: number) => number)(1));
      log.attempt('through the table again', () => caller.fn('call')(5));
      log.memory('memory', memory);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a start function whose import throws rejects instantiate with that very exception', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const thrown = new Error('from the host');
      const error = await session.instantiate(
        `(module (import "env" "fail" (func $fail)) (func $start (call $fail) unreachable) (start $start))`,
        { env: { fail: () => { throw thrown; } } },
      ).then(() => undefined, (e: unknown) => e);
      session.log.value('rejected with the thrown object', error === thrown);
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('exports', () => {
  test('the exports object and its function, memory, table and global objects', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const provider = await session.instantiate(`(module (func (export "provided") (param i64 i32) (result i32) (local.get 1)))`);
      const host = (x: number) => x + 1;
      const memory = new session.Memory({ initial: 1 });
      const global = new session.Global({ value: 'i32', mutable: true }, 5);
      const table = new session.Table({ element: 'anyfunc', initial: 1 });
      const exports = await session.instantiate(
        `(module
          (import "env" "provided" (func $provided (param i64 i32) (result i32)))
          (import "env" "host" (func $host (param i32) (result i32)))
          (import "env" "memory" (memory 1))
          (import "env" "global" (global (mut i32)))
          (import "env" "table" (table 1 funcref))
          (func $f (param i32 i64 i32))
          (export "zeta" (func $f))
          (export "alpha" (func $f))
          (export "provided again" (func $provided))
          (export "host again" (func $host))
          (export "memory" (memory 0))
          (export "global" (global 0))
          (export "table" (table 0))
          (export "" (func $f))
          (export "\\u{fc}n\\u{ef}c\\u{f6}d\\u{e9} \\u{2713}" (func $f)))`,
        { env: { provided: provider.fn('provided'), host, memory, global, table } },
      );
      const { raw } = exports;
      log.value('keys in export order', Object.keys(raw));
      log.value('frozen', Object.isFrozen(raw));
      log.value('prototype is null', Object.getPrototypeOf(raw) === null);
      log.value('one function object per function', raw.zeta === raw.alpha && raw.alpha === raw[''] && raw[''] === raw['ünïcödé ✓']);
      log.value('name and length', [exports.fn('zeta').name, exports.fn('zeta').length]);
      log.value('a re-exported wasm import is the same object', raw['provided again'] === provider.fn('provided'));
      log.value('a re-exported host import is a new function', raw['host again'] !== host);
      log.attempt('which calls the host function', () => exports.fn('host again')(41));
      log.value('its name and length', [exports.fn('host again').name, exports.fn('host again').length]);
      log.value('the imported memory, global and table come back as the same objects', [
        raw.memory === memory,
        raw.global === global,
        raw.table === table,
      ]);
      log.attempt('assigning to the exports object', () => {
        (raw as Record<string, unknown>).zeta = 1;
      }, 'class');
    });
    expect(firstLines(lines)).toBe('');
  });

  test('exported functions are like V8\'s: not constructors, without a prototype, native source text', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.instantiate('(module (func (export "f") (param i32) (result i32) (local.get 0)))');
      const f = exports.fn('f');
      // V8's message quotes the expression `new F(…)`, so only the class can compare.
      session.log.attempt('new f(1)', () => new (f as unknown as new (x: number) => unknown)(1), 'class');
      session.log.value('has a prototype property', 'prototype' in f);
      session.log.value('String(f), its start', String(f).slice(0, 40));
      session.log.attempt('f.call and f.apply ignore this', () => [f.call({}, 5), f.apply(null, [6])]);
    });
    expect(firstLines(lines)).toBe('');
  });
});

/** The JS API's own checks on the Memory, Table and Global objects. */
const JS_API_CASES: Array<[string, (session: Session) => unknown]> = [
  ['new Memory({initial: 2, maximum: 1})', (s) => new s.Memory({ initial: 2, maximum: 1 })],
  ['new Memory({initial: 65537})', (s) => new s.Memory({ initial: 65537 })],
  ['new Memory({initial: 1, maximum: 65537})', (s) => new s.Memory({ initial: 1, maximum: 65537 })],
  ['new Memory({})', (s) => new s.Memory({} as { initial: number })],
  ['new Memory({initial: -1})', (s) => new s.Memory({ initial: -1 })],
  ["new Memory({initial: '2'})", (s) => new s.Memory({ initial: '2' as unknown as number }).buffer.byteLength],
  ['Memory.grow(-1)', (s) => new s.Memory({ initial: 1 }).grow(-1)],
  ['Memory.grow past the maximum', (s) => new s.Memory({ initial: 1, maximum: 2 }).grow(2)],
  ['Memory.grow past 65536 pages', (s) => new s.Memory({ initial: 1 }).grow(65536)],
  ["new Global({value: 'x'})", (s) => new s.Global({ value: 'x' as NumericType })],
  ["new Global({value: 'i64'}, 5)", (s) => new s.Global({ value: 'i64' }, 5)],
  ["new Global({value: 'i64'}).value", (s) => new s.Global({ value: 'i64' }).value],
  ["new Global({value: 'f32'}, 1.1).value", (s) => new s.Global({ value: 'f32' }, 1.1).value],
  ["new Global({value: 'i32', mutable: 1}, '7').value", (s) => new s.Global({ value: 'i32', mutable: 1 as unknown as boolean }, '7').value],
  ['new Table({initial: 2, maximum: 1})', (s) => new s.Table({ element: 'anyfunc', initial: 2, maximum: 1 })],
  ["new Table({element: 'x'})", (s) => new s.Table({ element: 'x' as 'anyfunc', initial: 2 })],
  ['new Table({initial: 10000001})', (s) => new s.Table({ element: 'anyfunc', initial: 10_000_001 }).length],
  ['Table.grow past the maximum', (s) => new s.Table({ element: 'anyfunc', initial: 1, maximum: 2 }).grow(2)],
];

describe('the Memory, Table and Global constructors', () => {
  for (const compare of ['class', 'all'] as const) {
    test(`check their arguments as V8 does (${compare === 'class' ? 'error class' : 'error message'})`, async () => {
      const lines = await scenarioMismatches(async (session) => {
        for (const [label, run] of JS_API_CASES) session.log.attempt(label, () => run(session), compare);
      });
      expect(firstLines(lines)).toBe('');
    });
  }
});

describe('instances of one compiled module', () => {
  const shared = `(module
    (import "env" "base" (global $base i32))
    (memory (export "memory") 1 3)
    (data (global.get $base) "\\01\\02\\03\\04")
    (global $counter (export "counter") (mut i64) (i64.const 0))
    (type $ii (func (param i32) (result i32)))
    (table (export "table") 2 funcref)
    (func $plus (type $ii) (i32.add (local.get 0) (global.get $base)))
    (elem (i32.const 0) $plus)
    (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "count") (result i64) (global.set $counter (i64.add (global.get $counter) (i64.const 1))) (global.get $counter))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "call") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0))))`;

  test('each instance has its own memory, globals and table', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const module = await session.compile(shared);
      const instances = [];
      for (const base of [0, 16, 32]) instances.push(await session.instantiate(module, { env: { base } }));
      const [a, b, c] = instances as [typeof instances[0], typeof instances[0], typeof instances[0]];
      log.value('distinct function objects', a.fn('load') !== b.fn('load'));
      log.attempt('A stores', () => a.fn('store')(100, 0x11111111));
      log.attempt('B stores', () => b.fn('store')(100, 0x22222222));
      log.attempt('A counts twice', () => [a.fn('count')(), a.fn('count')()]);
      log.attempt('C counts once', () => c.fn('count')());
      log.attempt('B grows', () => b.fn('grow')(2));
      log.attempt('B stores in its new page', () => b.fn('store')(3 * 65536 - 4, 7));
      log.attempt('A cannot', () => a.fn('store')(3 * 65536 - 4, 7));
      log.attempt('C sets its table entry 1 to B\'s function', () => c.table('table').set(1, b.table('table').get(0)));
      for (const [name, exports] of [['A', a], ['B', b], ['C', c]] as const) {
        log.attempt(`${name}: load 100`, () => exports.fn('load')(100));
        log.attempt(`${name}: counter`, () => exports.global('counter').value);
        log.attempt(`${name}: size`, () => exports.fn('size')());
        log.attempt(`${name}: call 0`, () => exports.fn('call')(0, 1000));
        log.attempt(`${name}: call 1`, () => exports.fn('call')(1, 1000));
        log.memory(`${name}: memory`, exports.memory());
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a failed instantiation of a module leaves it usable', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const module = await session.compile(shared);
      await session.log.attemptAsync('instantiate with base 65533', () => session.instantiate(module, { env: { base: 65533 } }));
      await session.log.attemptAsync('instantiate without imports', () => session.instantiate(module));
      const exports = await session.instantiate(module, { env: { base: 8 } });
      session.log.attempt('then an instance works', () => [exports.fn('load')(8), exports.fn('call')(0, 1)]);
    });
    expect(firstLines(lines)).toBe('');
  });
});
