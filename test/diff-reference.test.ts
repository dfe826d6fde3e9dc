// Reference types compared with V8: funcref and externref values crossing the JS boundary (null,
// wasm functions, and any JS value for externref), ref.null, ref.is_null, ref.func identity, typed
// select, the table instructions with their bounds traps, element segments (passive, dropped),
// externref tables and reference globals through the JS API. Each test is a scenario run in both
// engines (see helpers/scenario.ts); references are recorded by identity (see Identities).
import { describe, expect, test } from 'vitest';
import { firstLines, formatValue } from './helpers/differential.js';
import { type ExportsOf, scenarioMismatches, type Session, type TableObject } from './helpers/scenario.js';

/**
 * Names values by identity, in the order a scenario first meets them, so that a transcript says which
 * object came back and not only that one did: `export "f0"`, `object #2`, `function #3 (name "5", length 1)`.
 * Both engines run the same steps, so the same identities get the same names.
 */
class Identities {
  private readonly names = new Map<unknown, string>();
  private count = 0;

  register(name: string, value: unknown): void {
    this.names.set(value, name);
  }

  registerExports(exports: ExportsOf, prefix = ''): void {
    for (const [name, value] of Object.entries(exports.raw)) this.register(`${prefix}export "${name}"`, value);
  }

  name(value: unknown): string {
    if (value === null || value === undefined) return String(value);
    if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') {
      return `${typeof value} ${formatValue(value)}`;
    }
    const known = this.names.get(value);
    if (known) return known;
    this.count++;
    const name = typeof value === 'function'
      ? `function #${this.count} (name ${JSON.stringify(value.name)}, length ${value.length})`
      : `${typeof value} #${this.count}`;
    this.names.set(value, name.replace(/ \(.*/, ''));
    return name;
  }
}

/** JS values an externref can hold; each is its own identity. */
function externValues(): Array<[string, unknown]> {
  return [
    ['null', null], ['undefined', undefined], ['0', 0], ['-0', -0], ['NaN', NaN], ['1.5', 1.5], ['2 ** 53', 2 ** 53],
    ['a string', 'wasm'], ['the empty string', ''], ['true', true], ['false', false], ['5n', 5n],
    ['a symbol', Symbol('s')], ['an object', { a: 1 }], ['an array', [1, 2]], ['a JS function', () => 7],
  ];
}

const refModule = `(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "host" (func $host (param externref funcref) (result externref funcref)))
  (import "env" "externs" (table $it 2 externref))
  (import "env" "funcs" (table $ift 2 funcref))
  (import "env" "extern global" (global $ig (mut externref)))
  (import "env" "func global" (global $ifg (mut funcref)))
  (table $t (export "t") 4 8 funcref)
  (table $t2 (export "t2") 3 funcref)
  (table $e (export "e") 3 externref)
  (func $f0 (export "f0") (type $ii) (i32.add (local.get 0) (i32.const 100)))
  (func $f1 (export "f1") (type $ii) (i32.mul (local.get 0) (i32.const 3)))
  (func $f2 (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $f3 (param i64) (result i64) (local.get 0))
  (elem declare func $f2 $f3)
  (elem (table $t) (i32.const 0) func $f0 $f1)
  (elem $seg funcref (ref.func $f0) (ref.null func) (ref.func $f2) (ref.func $f1) (ref.func $f3))
  (elem $seg2 func $f1 $f0)
  (elem $eseg externref (ref.null extern) (ref.null extern))
  (global $gf (export "gf") (mut funcref) (ref.func $f1))
  (global $ge (export "ge") (mut externref) (ref.null extern))
  (global $cf (export "cf") funcref (ref.func $f2))

  (func (export "extern id") (param externref) (result externref) (local.get 0))
  (func (export "func id") (param funcref) (result funcref) (local.get 0))
  (func (export "extern is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "func is_null") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (func (export "ref.func f0") (result funcref) (ref.func $f0))
  (func (export "ref.func f2") (result funcref) (ref.func $f2))
  (func (export "ref.func f3") (result funcref) (ref.func $f3))
  (func (export "ref.null func") (result funcref) (ref.null func))
  (func (export "ref.null extern") (result externref) (ref.null extern))
  (func (export "ref.is_null constants") (result i32 i32 i32)
    (ref.is_null (ref.null func)) (ref.is_null (ref.null extern)) (ref.is_null (ref.func $f2)))
  (func (export "select extern") (param externref externref i32) (result externref)
    (select (result externref) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select func") (param funcref funcref i32) (result funcref)
    (select (result funcref) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select ref.func") (param i32) (result funcref)
    (select (result funcref) (ref.func $f2) (ref.null func) (local.get 0)))
  (func (export "swap") (param externref funcref) (result funcref externref i32) (local.get 1) (local.get 0) (ref.is_null (local.get 0)))
  (func (export "locals") (result externref funcref) (local externref funcref) (local.get 0) (local.get 1))
  (func (export "via host") (param externref funcref) (result externref funcref) (call $host (local.get 0) (local.get 1)))

  (func (export "t.get") (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (export "t.set") (param i32 funcref) (table.set $t (local.get 0) (local.get 1)))
  (func (export "t.set ref.func f2") (param i32) (table.set $t (local.get 0) (ref.func $f2)))
  (func (export "t.size") (result i32) (table.size $t))
  (func (export "t.grow") (param funcref i32) (result i32) (table.grow $t (local.get 0) (local.get 1)))
  (func (export "t.fill") (param i32 funcref i32) (table.fill $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t.copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t2.copy from t") (param i32 i32 i32) (table.copy $t2 $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t.init seg") (param i32 i32 i32) (table.init $t $seg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "t.init seg2") (param i32 i32 i32) (table.init $t $seg2 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "elem.drop seg") (elem.drop $seg))
  (func (export "elem.drop seg2") (elem.drop $seg2))
  (func (export "t.call") (param i32 i32) (result i32) (call_indirect $t (type $ii) (local.get 1) (local.get 0)))

  (func (export "e.get") (param i32) (result externref) (table.get $e (local.get 0)))
  (func (export "e.set") (param i32 externref) (table.set $e (local.get 0) (local.get 1)))
  (func (export "e.size") (result i32) (table.size $e))
  (func (export "e.grow") (param externref i32) (result i32) (table.grow $e (local.get 0) (local.get 1)))
  (func (export "e.fill") (param i32 externref i32) (table.fill $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "e.copy") (param i32 i32 i32) (table.copy $e $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "e.copy from imported") (param i32 i32 i32) (table.copy $e $it (local.get 0) (local.get 1) (local.get 2)))
  (func (export "e.init eseg") (param i32 i32 i32) (table.init $e $eseg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "elem.drop eseg") (elem.drop $eseg))

  (func (export "it.get") (param i32) (result externref) (table.get $it (local.get 0)))
  (func (export "it.set") (param i32 externref) (table.set $it (local.get 0) (local.get 1)))
  (func (export "it.size") (result i32) (table.size $it))
  (func (export "it.grow") (param externref i32) (result i32) (table.grow $it (local.get 0) (local.get 1)))
  (func (export "it.fill") (param i32 externref i32) (table.fill $it (local.get 0) (local.get 1) (local.get 2)))
  (func (export "ift.get") (param i32) (result funcref) (table.get $ift (local.get 0)))
  (func (export "ift.set") (param i32 funcref) (table.set $ift (local.get 0) (local.get 1)))
  (func (export "ift.call") (param i32 i32) (result i32) (call_indirect $ift (type $ii) (local.get 1) (local.get 0)))

  (func (export "gf.get") (result funcref) (global.get $gf))
  (func (export "gf.set") (param funcref) (global.set $gf (local.get 0)))
  (func (export "gf.call") (param i32) (result i32)
    (table.set $t2 (i32.const 0) (global.get $gf))
    (call_indirect $t2 (type $ii) (local.get 0) (i32.const 0)))
  (func (export "ge.get") (result externref) (global.get $ge))
  (func (export "ge.set") (param externref) (global.set $ge (local.get 0)))
  (func (export "cf.get") (result funcref) (global.get $cf))
  (func (export "ig.get") (result externref) (global.get $ig))
  (func (export "ig.set") (param externref) (global.set $ig (local.get 0)))
  (func (export "ifg.get") (result funcref) (global.get $ifg))
  (func (export "ifg.set") (param funcref) (global.set $ifg (local.get 0))))`;

/** A module of another instance, whose function is a funcref from elsewhere. */
const otherModule = `(module (func (export "g") (param i32) (result i32) (i32.add (local.get 0) (i32.const 7))))`;

/** A table of either engine, with the JS API's optional initial value of new entries. */
type RefTable = TableObject & { grow(delta: number, value?: unknown): number };
type TableConstructor = new (descriptor: { element: string; initial: number; maximum?: number }, value?: unknown) => RefTable;
type GlobalConstructor = new (descriptor: { value: string; mutable?: boolean }, value?: unknown) => { value: unknown };

interface RefWorld {
  exports: ExportsOf;
  other: ExportsOf;
  ids: Identities;
  hostCalls: string[];
  externs: RefTable;
  funcs: RefTable;
  externGlobal: { value: unknown };
  funcGlobal: { value: unknown };
}

/** Instantiates the module with its imports made through the session's own JS API. */
async function refWorld(session: Session): Promise<RefWorld> {
  const ids = new Identities();
  const Table = session.Table as unknown as TableConstructor;
  const Global = session.Global as unknown as GlobalConstructor;
  const other = await session.instantiate(otherModule);
  ids.registerExports(other, 'other ');
  const externs = new Table({ element: 'externref', initial: 2 }, 'initial extern');
  const funcs = new Table({ element: 'anyfunc', initial: 2 });
  const externGlobal = new Global({ value: 'externref', mutable: true }, 'initial global');
  const funcGlobal = new Global({ value: 'anyfunc', mutable: true }, other.fn('g'));
  const hostCalls: string[] = [];
  const host = (x: unknown, f: unknown) => {
    hostCalls.push(`host(${ids.name(x)}, ${ids.name(f)})`);
    return [f === null ? x : f, x === null ? null : other.fn('g')];
  };
  const exports = await session.instantiate(refModule, {
    env: { host, externs, funcs, 'extern global': externGlobal, 'func global': funcGlobal },
  });
  ids.registerExports(exports);
  return { exports, other, ids, hostCalls, externs, funcs, externGlobal, funcGlobal };
}

/** Runs `run` in a step and records what it gave, references by identity. */
function step(session: Session, ids: Identities, label: string, run: () => unknown): void {
  session.log.attempt(label, () => {
    const value = run();
    return Array.isArray(value) ? value.map((v) => ids.name(v)) : ids.name(value);
  });
}

/** Every entry of a table, by identity, as JS sees it. */
const contents = (table: TableObject, ids: Identities) => Array.from({ length: table.length }, (_, i) => ids.name(table.get(i)));

describe('references crossing the JS boundary', () => {
  test('externref params and results keep any JS value, by identity', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const world = await refWorld(session);
      const { exports, ids } = world;
      for (const [label, value] of [...externValues(), ['an exported wasm function', exports.fn('f0')] as [string, unknown]]) {
        ids.name(value);
        step(session, ids, `extern id(${label})`, () => exports.fn('extern id')(value));
        step(session, ids, `extern is_null(${label})`, () => exports.fn('extern is_null')(value));
        step(session, ids, `select extern(${label}, an object, 1)`, () => exports.fn('select extern')(value, exports, 1));
        step(session, ids, `select extern(${label}, an object, 0)`, () => exports.fn('select extern')(value, exports, 0));
        step(session, ids, `swap(${label}, null)`, () => exports.fn('swap')(value, null));
        step(session, ids, `via host(${label}, null)`, () => exports.fn('via host')(value, null));
        session.log.value(`host calls for ${label}`, world.hostCalls.splice(0));
      }
      step(session, ids, 'extern id() (a missing argument)', () => exports.fn('extern id')());
    });
    expect(firstLines(lines)).toBe('');
  });

  test('funcref params and results: null and wasm functions pass, other values are rejected', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const world = await refWorld(session);
      const { exports, other, ids } = world;
      const accepted: Array<[string, unknown]> = [
        ['null', null], ['export f0', exports.fn('f0')], ['export f1', exports.fn('f1')], ['another instance\'s function', other.fn('g')],
      ];
      for (const [label, value] of accepted) {
        step(session, ids, `func id(${label})`, () => exports.fn('func id')(value));
        step(session, ids, `func is_null(${label})`, () => exports.fn('func is_null')(value));
        step(session, ids, `select func(${label}, f1, 1)`, () => exports.fn('select func')(value, exports.fn('f1'), 1));
        step(session, ids, `select func(${label}, f1, 0)`, () => exports.fn('select func')(value, exports.fn('f1'), 0));
        step(session, ids, `swap(null, ${label})`, () => exports.fn('swap')(null, value));
        step(session, ids, `via host(null, ${label})`, () => exports.fn('via host')(null, value));
        session.log.value(`host calls for ${label}`, world.hostCalls.splice(0));
      }
      const rejected: Array<[string, unknown]> = [
        ['undefined', undefined], ['a JS function', () => 1], ['0', 0], ['an object', {}], ['a string', 'f0'], ['a bound export', exports.fn('f0').bind(null)],
      ];
      for (const [label, value] of rejected) {
        step(session, ids, `func id(${label})`, () => exports.fn('func id')(value));
        step(session, ids, `t.set(2, ${label})`, () => exports.fn('t.set')(2, value));
      }
      step(session, ids, 'the table after the rejected sets', () => contents(exports.table('t'), ids));
      step(session, ids, 'func id() (a missing argument)', () => exports.fn('func id')());
    });
    expect(firstLines(lines)).toBe('');
  });

  test('ref.null, ref.is_null, ref.func identity, typed select, default locals', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports, ids } = await refWorld(session);
      for (const name of ['ref.null func', 'ref.null extern', 'ref.is_null constants', 'locals']) {
        step(session, ids, name, () => exports.fn(name)());
      }
      // The same function object every time, and the export itself when the function is exported.
      for (const round of [1, 2]) {
        step(session, ids, `ref.func f0 (${round})`, () => exports.fn('ref.func f0')());
        step(session, ids, `ref.func f2 (${round})`, () => exports.fn('ref.func f2')());
        step(session, ids, `ref.func f3 (${round})`, () => exports.fn('ref.func f3')());
        step(session, ids, `select ref.func 1 (${round})`, () => exports.fn('select ref.func')(1));
        step(session, ids, `cf.value (${round})`, () => exports.global('cf').value);
        step(session, ids, `cf.get (${round})`, () => exports.fn('cf.get')());
      }
      step(session, ids, 'select ref.func 0', () => exports.fn('select ref.func')(0));
      step(session, ids, 'ref.func f0 === export f0', () => String(exports.fn('ref.func f0')() === exports.fn('f0')));
      session.log.attempt('calling ref.func f2 from JS', () => (exports.fn('ref.func f2')() as (x: number) => number)(5));
      session.log.attempt('calling ref.func f3 from JS', () => (exports.fn('ref.func f3')() as (x: bigint) => bigint)(-5n));
      session.log.attempt('calling ref.func f3 from JS with a number', () => (exports.fn('ref.func f3')() as (x: number) => bigint)(5));
    });
    expect(firstLines(lines)).toBe('');
  });
});

/** table.get/set/size/grow/fill/copy/init on the funcref table $t (4 entries, at most 8), contents after each. */
const FUNCREF_TABLE_STEPS: Array<[string, (e: ExportsOf) => unknown]> = [
  ['t.size', (e) => e.fn('t.size')()],
  ...[0, 1, 2, 3, 4, -1, 2 ** 31].map((i): [string, (e: ExportsOf) => unknown] => [`t.get(${i})`, (e) => e.fn('t.get')(i)]),
  ['t.set(2, f1)', (e) => e.fn('t.set')(2, e.fn('f1'))],
  ['t.set(3, ref.func f2)', (e) => e.fn('t.set ref.func f2')(3)],
  ['t.set(4, f0) out of bounds', (e) => e.fn('t.set')(4, e.fn('f0'))],
  ['t.set(-1, null) out of bounds', (e) => e.fn('t.set')(-1, null)],
  ...[0, 1, 2, 3].map((i): [string, (e: ExportsOf) => unknown] => [`t.call(${i}, 5)`, (e) => e.fn('t.call')(i, 5)]),
  ['t.call(4, 5) out of bounds', (e) => e.fn('t.call')(4, 5)],
  ['t.fill(1, null, 2)', (e) => e.fn('t.fill')(1, null, 2)],
  ['t.call(1, 5) after filling with null', (e) => e.fn('t.call')(1, 5)],
  ['t.fill(0, f1, 4) (the whole table)', (e) => e.fn('t.fill')(0, e.fn('f1'), 4)],
  ['t.fill(4, f0, 0) (empty, at the end)', (e) => e.fn('t.fill')(4, e.fn('f0'), 0)],
  ['t.fill(5, f0, 0) (empty, past the end)', (e) => e.fn('t.fill')(5, e.fn('f0'), 0)],
  ['t.fill(2, f0, 3) (one past the end: writes nothing)', (e) => e.fn('t.fill')(2, e.fn('f0'), 3)],
  ['t.fill(1, f0, -1) (a huge count)', (e) => e.fn('t.fill')(1, e.fn('f0'), -1)],
  ['t.init seg(0, 0, 4)', (e) => e.fn('t.init seg')(0, 0, 4)],
  ['t.init seg(1, 2, 3)', (e) => e.fn('t.init seg')(1, 2, 3)],
  ['t.init seg(0, 5, 0) (empty, at the segment end)', (e) => e.fn('t.init seg')(0, 5, 0)],
  ['t.init seg(4, 0, 0) (empty, at the table end)', (e) => e.fn('t.init seg')(4, 0, 0)],
  ['t.init seg(0, 6, 0) (empty, past the segment end)', (e) => e.fn('t.init seg')(0, 6, 0)],
  ['t.init seg(5, 0, 0) (empty, past the table end)', (e) => e.fn('t.init seg')(5, 0, 0)],
  ['t.init seg(0, 3, 3) (past the segment end)', (e) => e.fn('t.init seg')(0, 3, 3)],
  ['t.init seg(2, 0, 3) (past the table end)', (e) => e.fn('t.init seg')(2, 0, 3)],
  ['t.init seg2(2, 0, 2)', (e) => e.fn('t.init seg2')(2, 0, 2)],
  ...[0, 1, 2, 3].map((i): [string, (e: ExportsOf) => unknown] => [`t.call(${i}, 6) after the inits`, (e) => e.fn('t.call')(i, 6)]),
  ['elem.drop seg', (e) => e.fn('elem.drop seg')()],
  ['elem.drop seg (again)', (e) => e.fn('elem.drop seg')()],
  ['t.init seg(0, 0, 0) after the drop', (e) => e.fn('t.init seg')(0, 0, 0)],
  ['t.init seg(4, 0, 0) after the drop', (e) => e.fn('t.init seg')(4, 0, 0)],
  ['t.init seg(0, 1, 0) after the drop', (e) => e.fn('t.init seg')(0, 1, 0)],
  ['t.init seg(0, 0, 1) after the drop', (e) => e.fn('t.init seg')(0, 0, 1)],
  ['t.copy(1, 0, 3) (overlapping, forwards)', (e) => e.fn('t.copy')(1, 0, 3)],
  ['t.copy(0, 1, 3) (overlapping, backwards)', (e) => e.fn('t.copy')(0, 1, 3)],
  ['t.copy(4, 0, 0) (empty, at the end)', (e) => e.fn('t.copy')(4, 0, 0)],
  ['t.copy(0, 4, 0) (empty, source at the end)', (e) => e.fn('t.copy')(0, 4, 0)],
  ['t.copy(5, 0, 0) (empty, past the end)', (e) => e.fn('t.copy')(5, 0, 0)],
  ['t.copy(0, 5, 0) (empty, source past the end)', (e) => e.fn('t.copy')(0, 5, 0)],
  ['t.copy(2, 0, 3) (destination past the end)', (e) => e.fn('t.copy')(2, 0, 3)],
  ['t.copy(0, 2, 3) (source past the end)', (e) => e.fn('t.copy')(0, 2, 3)],
  ['t2.copy from t(0, 1, 3)', (e) => e.fn('t2.copy from t')(0, 1, 3)],
  ['t2.copy from t(1, 2, 3) (past t2\'s end)', (e) => e.fn('t2.copy from t')(1, 2, 3)],
  ['t.grow(f0, 2)', (e) => e.fn('t.grow')(e.fn('f0'), 2)],
  ['t.grow(null, 0)', (e) => e.fn('t.grow')(null, 0)],
  ['t.grow(null, 3) (past the maximum)', (e) => e.fn('t.grow')(null, 3)],
  ['t.grow(null, -1)', (e) => e.fn('t.grow')(null, -1)],
  ['t.grow(ref.func f2, 2) (up to the maximum)', (e) => e.fn('t.grow')(e.fn('ref.func f2')(), 2)],
  ['t.size after growing', (e) => e.fn('t.size')()],
  ['t.call(7, 8) (a grown entry)', (e) => e.fn('t.call')(7, 8)],
  ['t.set(7, null)', (e) => e.fn('t.set')(7, null)],
  ['t.get(8) out of bounds', (e) => e.fn('t.get')(8)],
];

/** The same on the externref table $e (3 entries, no maximum) and the imported one. */
const EXTERNREF_TABLE_STEPS: Array<[string, (e: ExportsOf, world: { obj: object; sym: symbol }) => unknown]> = [
  ['e.size', (e) => e.fn('e.size')()],
  ...[0, 2, 3, -1].map((i): [string, (e: ExportsOf) => unknown] => [`e.get(${i})`, (e) => e.fn('e.get')(i)]),
  ['e.set(0, an object)', (e, w) => e.fn('e.set')(0, w.obj)],
  ['e.set(1, undefined)', (e) => e.fn('e.set')(1, undefined)],
  ['e.set(2, a symbol)', (e, w) => e.fn('e.set')(2, w.sym)],
  ['e.set(3, 1) out of bounds', (e) => e.fn('e.set')(3, 1)],
  ...[0, 1, 2].map((i): [string, (e: ExportsOf) => unknown] => [`e.get(${i}) after the sets`, (e) => e.fn('e.get')(i)]),
  ['e.copy(1, 0, 2) (overlapping, forwards)', (e) => e.fn('e.copy')(1, 0, 2)],
  ['e.copy(0, 1, 2) (overlapping, backwards)', (e) => e.fn('e.copy')(0, 1, 2)],
  ['e.copy(2, 0, 2) (destination past the end)', (e) => e.fn('e.copy')(2, 0, 2)],
  ['e.fill(1, "text", 2)', (e) => e.fn('e.fill')(1, 'text', 2)],
  ['e.fill(3, 1, 0) (empty, at the end)', (e) => e.fn('e.fill')(3, 1, 0)],
  ['e.fill(4, 1, 0) (empty, past the end)', (e) => e.fn('e.fill')(4, 1, 0)],
  ['e.fill(0, 1, 4) (one past the end)', (e) => e.fn('e.fill')(0, 1, 4)],
  ['e.init eseg(0, 0, 2)', (e) => e.fn('e.init eseg')(0, 0, 2)],
  ['e.init eseg(2, 1, 2) (past the segment end)', (e) => e.fn('e.init eseg')(2, 1, 2)],
  ['elem.drop eseg', (e) => e.fn('elem.drop eseg')()],
  ['e.init eseg(0, 0, 1) after the drop', (e) => e.fn('e.init eseg')(0, 0, 1)],
  ['e.init eseg(3, 0, 0) after the drop', (e) => e.fn('e.init eseg')(3, 0, 0)],
  ['e.grow(an object, 2)', (e, w) => e.fn('e.grow')(w.obj, 2)],
  ['e.grow(null, 0)', (e) => e.fn('e.grow')(null, 0)],
  ['e.size after growing', (e) => e.fn('e.size')()],
  ['e.copy from imported(3, 0, 2)', (e) => e.fn('e.copy from imported')(3, 0, 2)],
  ['e.copy from imported(0, 1, 2) (past the imported table\'s end)', (e) => e.fn('e.copy from imported')(0, 1, 2)],
];

describe('table instructions, with the table contents after each step', () => {
  test('a funcref table', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports, ids } = await refWorld(session);
      ids.name(exports.fn('ref.func f2')());
      const table = exports.table('t');
      session.log.value('contents at the start', contents(table, ids));
      for (const [label, run] of FUNCREF_TABLE_STEPS) {
        step(session, ids, label, () => run(exports));
        session.log.value(`contents after ${label}`, contents(table, ids));
      }
      session.log.value('t2 at the end', contents(exports.table('t2'), ids));
    });
    expect(firstLines(lines)).toBe('');
  });

  test('an externref table, and one imported from JS', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const world = await refWorld(session);
      const { exports, ids } = world;
      const values = { obj: { name: 'obj' }, sym: Symbol('sym') };
      ids.register('obj', values.obj);
      ids.register('sym', values.sym);
      const table = exports.table('e');
      session.log.value('contents at the start', contents(table, ids));
      for (const [label, run] of EXTERNREF_TABLE_STEPS) {
        step(session, ids, label, () => run(exports, values));
        session.log.value(`contents after ${label}`, contents(table, ids));
        session.log.value(`imported contents after ${label}`, contents(world.externs, ids));
      }
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('reference tables and globals through the JS API', () => {
  test('an externref table made in JS, shared with wasm', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports, ids, externs } = await refWorld(session);
      const obj = { name: 'obj' };
      ids.register('obj', obj);
      const steps: Array<[string, () => unknown]> = [
        ['length', () => externs.length],
        ['it.size', () => exports.fn('it.size')()],
        ['it.get(0) (the initial value)', () => exports.fn('it.get')(0)],
        ['JS set(1, obj)', () => externs.set(1, obj)],
        ['it.get(1)', () => exports.fn('it.get')(1)],
        ['it.set(0, a symbol)', () => exports.fn('it.set')(0, Symbol.for('wasm'))],
        ['JS get(0)', () => externs.get(0)],
        ['JS set(0) (no value)', () => externs.set(0)],
        ['it.get(0) after set(0)', () => exports.fn('it.get')(0)],
        ['JS set(0, undefined)', () => externs.set(0, undefined)],
        ['it.is_null via get(0)', () => exports.fn('extern is_null')(exports.fn('it.get')(0))],
        ['JS set(0, null)', () => externs.set(0, null)],
        ['it.is_null via get(0) after set(0, null)', () => exports.fn('extern is_null')(exports.fn('it.get')(0))],
        ['JS grow(2, "grown")', () => externs.grow(2, 'grown')],
        ['JS grow(1) (no value)', () => externs.grow(1)],
        ['it.size after JS grows', () => exports.fn('it.size')()],
        ['it.grow(obj, 2)', () => exports.fn('it.grow')(obj, 2)],
        ['JS length after it.grow', () => externs.length],
        ['it.fill(4, 7, 3)', () => exports.fn('it.fill')(4, 7, 3)],
        ['it.fill(6, 7, 2) (past the end)', () => exports.fn('it.fill')(6, 7, 2)],
        ['JS get(7) (past the end)', () => externs.get(7)],
        ['JS set(7, 1) (past the end)', () => externs.set(7, 1)],
        ['it.get(7) (past the end)', () => exports.fn('it.get')(7)],
      ];
      for (const [label, run] of steps) {
        step(session, ids, label, run);
        session.log.value(`contents after ${label}`, contents(externs, ids));
      }
      const Table = session.Table as unknown as TableConstructor;
      const entries = (table: TableObject) => Array.from({ length: table.length }, (_, i) => table.get(i));
      step(session, ids, 'a new externref table without a value', () => entries(new Table({ element: 'externref', initial: 2 })));
      step(session, ids, 'a new externref table with null', () => entries(new Table({ element: 'externref', initial: 2 }, null)));
      step(session, ids, 'a new funcref table with a JS function', () => entries(new Table({ element: 'anyfunc', initial: 1 }, () => 1)));
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a funcref table made in JS: wasm and JS set entries, wasm calls them', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports, other, ids, funcs } = await refWorld(session);
      const steps: Array<[string, () => unknown]> = [
        ['ift.get(0)', () => exports.fn('ift.get')(0)],
        ['ift.call(0, 1) (null)', () => exports.fn('ift.call')(0, 1)],
        ['JS set(0, other g)', () => funcs.set(0, other.fn('g'))],
        ['ift.call(0, 1)', () => exports.fn('ift.call')(0, 1)],
        ['ift.get(0)', () => exports.fn('ift.get')(0)],
        ['ift.set(1, ref.func f3)', () => exports.fn('ift.set')(1, exports.fn('ref.func f3')())],
        ['JS get(1)', () => funcs.get(1)],
        ['ift.call(1, 1) (a signature mismatch)', () => exports.fn('ift.call')(1, 1)],
        ['ift.set(1, ref.func f2)', () => exports.fn('ift.set')(1, exports.fn('ref.func f2')())],
        ['JS get(1) is ref.func f2', () => funcs.get(1) === exports.fn('ref.func f2')()],
        ['ift.call(1, 9)', () => exports.fn('ift.call')(1, 9)],
        ['ift.call(2, 9) (past the end)', () => exports.fn('ift.call')(2, 9)],
      ];
      for (const [label, run] of steps) {
        step(session, ids, label, run);
        session.log.value(`contents after ${label}`, contents(funcs, ids));
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test('funcref and externref globals: exported, imported, set from both sides', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { exports, other, ids, externGlobal, funcGlobal } = await refWorld(session);
      const gf = exports.global('gf');
      const ge = exports.global('ge');
      const obj = { name: 'obj' };
      ids.register('obj', obj);
      const steps: Array<[string, () => unknown]> = [
        ['gf.value (ref.func f1: the export)', () => gf.value],
        ['gf.get', () => exports.fn('gf.get')()],
        ['gf.call(4)', () => exports.fn('gf.call')(4)],
        ['JS gf.value = f0', () => { gf.value = exports.fn('f0'); }],
        ['gf.get after JS set', () => exports.fn('gf.get')()],
        ['gf.call(4) after JS set', () => exports.fn('gf.call')(4)],
        ['gf.set(other g)', () => exports.fn('gf.set')(other.fn('g'))],
        ['gf.value after wasm set', () => gf.value],
        ['gf.call(4) calls into the other instance', () => exports.fn('gf.call')(4)],
        ['JS gf.value = null', () => { gf.value = null; }],
        ['gf.call(4) with null', () => exports.fn('gf.call')(4)],
        ['JS gf.value = a JS function', () => { gf.value = () => 1; }],
        ['gf.value after the rejected set', () => gf.value],
        ['ge.value (initially null)', () => ge.value],
        ['JS ge.value = obj', () => { ge.value = obj; }],
        ['ge.get', () => exports.fn('ge.get')()],
        ['ge.set(undefined)', () => exports.fn('ge.set')(undefined)],
        ['ge.value after ge.set(undefined)', () => ge.value],
        ['extern is_null(ge.get) after ge.set(undefined)', () => exports.fn('extern is_null')(exports.fn('ge.get')())],
        ['cf.value', () => exports.global('cf').value],
        ['imported extern global, from wasm', () => exports.fn('ig.get')()],
        ['ig.set(obj)', () => exports.fn('ig.set')(obj)],
        ['imported extern global, from JS', () => externGlobal.value],
        ['JS sets the imported extern global to 12', () => { externGlobal.value = 12; }],
        ['ig.get after the JS set', () => exports.fn('ig.get')()],
        ['imported func global, from wasm', () => exports.fn('ifg.get')()],
        ['ifg.set(ref.func f2)', () => exports.fn('ifg.set')(exports.fn('ref.func f2')())],
        ['imported func global, from JS', () => funcGlobal.value],
        ['imported func global is ref.func f2', () => funcGlobal.value === exports.fn('ref.func f2')()],
      ];
      for (const [label, run] of steps) step(session, ids, label, run);
      const Global = session.Global as unknown as GlobalConstructor;
      step(session, ids, 'a new externref global without a value', () => new Global({ value: 'externref' }).value);
      step(session, ids, 'a new anyfunc global without a value', () => new Global({ value: 'anyfunc' }).value);
      step(session, ids, 'a new anyfunc global with a JS function', () => new Global({ value: 'anyfunc' }, () => 1).value);
      // An undefined value is the default for a number type, but a value for a reference type.
      step(session, ids, 'a new externref global given undefined', () => new Global({ value: 'externref' }, undefined).value);
      step(session, ids, 'a new anyfunc global given undefined', () => new Global({ value: 'anyfunc' }, undefined).value);
      step(session, ids, 'a new f64 global given undefined', () => new Global({ value: 'f64' }, undefined).value);
      step(session, ids, 'a new i64 global given undefined', () => new Global({ value: 'i64' }, undefined).value);
      const importer = await session.instantiate(
        '(module (import "m" "g" (global externref)) (func (export "get") (result externref) (global.get 0)))',
        { m: { g: undefined } },
      );
      step(session, ids, 'an externref global imported from undefined', () => importer.fn('get')());
    });
    expect(firstLines(lines)).toBe('');
  });
});
