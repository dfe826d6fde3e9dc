// Linear memory compared with V8: every load and store at every alignment hint and a spread of static
// offsets, at the edges of memories of 0, 1 and 3 pages; seeded random access sequences; memory.grow
// and memory.size; the JS view of the memory (exports.memory.buffer); data segments. After each call
// sequence the whole memory is compared too, so a store that writes too much, too little or before
// trapping shows up even when every call returned the same thing.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Call, DifferentialInstance, describeMismatch, engineUnderTest, firstLines } from './helpers/differential.js';
import { bytesDifference, type ExportsOf, type MemoryObject, scenarioMismatches, type Session } from './helpers/scenario.js';
import { Random } from './helpers/values.js';

const PAGE = 65536;
const U32 = 2 ** 32;

interface AccessOp {
  /** The wasm instruction, e.g. `i64.load16_s`. */
  name: string;
  kind: 'load' | 'store';
  bytes: 1 | 2 | 4 | 8;
  /** How the value crosses the JS boundary: floats travel as their bits, through reinterpret. */
  boundary: 'i32' | 'i64';
  float?: 'f32' | 'f64';
}

function accessOp(name: string, bytes: AccessOp['bytes']): AccessOp {
  const type = name.slice(0, 3);
  const float = type === 'f32' || type === 'f64' ? type : undefined;
  const boundary = type === 'i32' || type === 'f32' ? 'i32' : 'i64';
  return { name, kind: name.includes('.load') ? 'load' : 'store', bytes, boundary, float };
}

const ACCESS_OPS: readonly AccessOp[] = (
  [
    ['i32.load', 4], ['i64.load', 8], ['f32.load', 4], ['f64.load', 8],
    ['i32.load8_s', 1], ['i32.load8_u', 1], ['i32.load16_s', 2], ['i32.load16_u', 2],
    ['i64.load8_s', 1], ['i64.load8_u', 1], ['i64.load16_s', 2], ['i64.load16_u', 2], ['i64.load32_s', 4], ['i64.load32_u', 4],
    ['i32.store', 4], ['i64.store', 8], ['f32.store', 4], ['f64.store', 8],
    ['i32.store8', 1], ['i32.store16', 2], ['i64.store8', 1], ['i64.store16', 2], ['i64.store32', 4],
  ] as const
).map(([name, bytes]) => accessOp(name, bytes));

/** Every valid alignment hint: powers of two up to the access size. */
const alignmentsOf = (op: AccessOp): number[] => [1, 2, 4, 8].filter((a) => a <= op.bytes);

/** Static offsets: small ones, around the page edges, and those that make `addr + offset` pass 2^32. */
const OFFSETS = [0, 1, 6, 0xffff, 0x10000, 0x2fff9, 0x7fffffff, 0x80000000, 0xffffffff];

const exportName = (op: AccessOp, align: number, offset: number) => `${op.name} align=${align} offset=${offset}`;

/** `(func (export …) (param addr [value]) [(result …)] …)` doing one access, floats through reinterpret. */
function accessFunction(op: AccessOp, align: number, offset: number, name = exportName(op, align, offset)): string {
  const memarg = `offset=${offset} align=${align}`;
  const { boundary, float } = op;
  if (op.kind === 'load') {
    const load = `(${op.name} ${memarg} (local.get 0))`;
    const body = float ? `(${boundary}.reinterpret_${float} ${load})` : load;
    return `(func (export "${name}") (param i32) (result ${boundary}) ${body})`;
  }
  const value = float ? `(${float}.reinterpret_${boundary} (local.get 1))` : '(local.get 1)';
  return `(func (export "${name}") (param i32 ${boundary}) (${op.name} ${memarg} (local.get 0) ${value}))`;
}

/** Recognisable bytes at both ends of the memory, so that loads near the edges read something. */
function edgeData(pages: number): string {
  if (pages === 0) return '';
  const bytes = (start: number) => Array.from({ length: 16 }, (_, i) => `\\${((start + i * 37) & 0xff).toString(16).padStart(2, '0')}`).join('');
  return `(data (i32.const 0) "${bytes(0x81)}") (data (i32.const ${pages * PAGE - 16}) "${bytes(0xf3)}")`;
}

/**
 * Addresses (as the i32 the function receives) around every boundary of an access of `bytes` bytes at
 * static `offset` in a memory of `size` bytes: the last valid start, the first invalid one, the last
 * byte, and addresses whose sum with the offset reaches or passes 2^32 (where a 32-bit sum would wrap).
 */
function edgeAddresses(size: number, bytes: number, offset: number): number[] {
  const candidates = [
    0, 1, bytes,
    size - offset - bytes, size - offset - bytes + 1, size - offset - 1, size - offset,
    size - bytes, size - 1, size, size + 1,
    U32 - offset, U32 - offset - 1, U32 - offset - bytes, U32 - offset + 1,
    0x7fffffff, 0x80000000, U32 - bytes, U32 - 1,
  ];
  return [...new Set(candidates.filter((a) => a >= 0 && a < U32))].map((a) => a | 0);
}

const valueFor = (op: AccessOp, random: Random): number | bigint => (op.boundary === 'i32' ? random.i32() : random.i64());

function memoryOf(instance: { exports: Record<string, unknown> }): MemoryObject {
  return instance.exports.memory as MemoryObject;
}

/** The memories of both engines, byte for byte. */
function memoryDifference(pair: DifferentialInstance): string | undefined {
  const bytes = (m: MemoryObject) => new Uint8Array(m.buffer);
  return bytesDifference(bytes(memoryOf(pair.v8)), bytes(memoryOf(pair.wasmjit)));
}

describe.each([0, 1, 3])('loads and stores at the edges of a %i-page memory', (pages) => {
  let pair: DifferentialInstance;
  beforeAll(async () => {
    const funcs = ACCESS_OPS.flatMap((op) => alignmentsOf(op).flatMap((align) => OFFSETS.map((offset) => accessFunction(op, align, offset))));
    pair = await DifferentialInstance.of(`(module (memory (export "memory") ${pages}) ${edgeData(pages)} ${funcs.join('\n')})`, {}, `memory-${pages}.wat`);
  });
  afterAll(() => pair?.dispose());

  test.each(ACCESS_OPS.map((op) => [op.name, op] as const))('%s', (_, op) => {
    const random = new Random(pages * 1000 + ACCESS_OPS.indexOf(op));
    const lines: string[] = [];
    for (const align of alignmentsOf(op)) {
      for (const offset of OFFSETS) {
        const name = exportName(op, align, offset);
        for (const address of edgeAddresses(pages * PAGE, op.bytes, offset)) {
          const args = op.kind === 'load' ? [address] : [address, valueFor(op, random)];
          const c = pair.call(name, args);
          if (!c.same) lines.push(describeMismatch(name, args, c));
        }
        const difference = memoryDifference(pair);
        if (difference) lines.push(`after the calls of ${name}: ${difference}`);
      }
    }
    expect(firstLines(lines)).toBe('');
  });
});

describe('seeded random access sequences', () => {
  const MAX_PAGES = 4;
  const RANDOM_OFFSETS = [0, 3, 0xfff0, 0x10000];
  let pair: DifferentialInstance;
  beforeAll(async () => {
    const funcs = ACCESS_OPS.flatMap((op) => RANDOM_OFFSETS.map((offset) => accessFunction(op, op.bytes, offset)));
    pair = await DifferentialInstance.of(
      `(module (memory (export "memory") 1 ${MAX_PAGES}) ${edgeData(1)}
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size))
        ${funcs.join('\n')})`,
      {},
      'random-memory.wat',
    );
  });
  afterAll(() => pair?.dispose());

  /** Mostly near the current end of memory (both sides of it), sometimes anywhere in 32 bits. */
  function randomAddress(random: Random, size: number, offset: number): number {
    const kind = random.below(4);
    if (kind === 0) return random.uint32() | 0;
    if (kind === 1) return random.below(Math.max(size, 1));
    return (size - offset + random.below(33) - 24) | 0;
  }

  /** Grows now and then (one page at a time, past the maximum too), otherwise a random access. */
  function randomCall(random: Random, size: number): Call {
    if (random.below(60) === 0) return ['grow', [random.below(8) === 0 ? random.i32() : 1]];
    if (random.below(60) === 0) return ['size', []];
    const op = random.pick(ACCESS_OPS);
    const offset = random.pick(RANDOM_OFFSETS);
    const address = randomAddress(random, size, offset);
    return [exportName(op, op.bytes, offset), op.kind === 'load' ? [address] : [address, valueFor(op, random)]];
  }

  test.each([1, 2, 3, 4, 5, 6])('seed %i', (seed) => {
    const random = new Random(seed);
    const lines: string[] = [];
    for (let step = 0; step < 600; step++) {
      const size = memoryOf(pair.v8).buffer.byteLength;
      const [name, args] = randomCall(random, size);
      const c = pair.call(name, args);
      if (!c.same) lines.push(`step ${step}: ${describeMismatch(name, args, c)}`);
      const difference = step % 100 === 99 ? memoryDifference(pair) : undefined;
      if (difference) lines.push(`after step ${step}: ${difference}`);
    }
    expect(firstLines(lines)).toBe('');
  });
});

/** Loads, stores, memory.size and memory.grow on an exported memory. */
const GROW_FUNCS = `
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow and store at the new end") (param i32) (result i32) (local i32)
    (local.set 1 (memory.grow (local.get 0)))
    (if (i32.ge_s (local.get 1) (i32.const 0))
      (then (i32.store (i32.sub (i32.mul (memory.size) (i32.const ${PAGE})) (i32.const 4)) (i32.const 0x5eed5eed))))
    (local.get 1))`;

/** Records memory.size, the JS buffer's length, and accesses on both sides of the current end. */
function probeEnd(session: Session, exports: ExportsOf, label: string): void {
  const { log } = session;
  const size = log.attempt(`${label}: memory.size`, () => exports.fn('size')()) as number;
  log.attempt(`${label}: buffer.byteLength`, () => exports.memory().buffer.byteLength);
  const end = size * PAGE;
  log.attempt(`${label}: store at the last word`, () => exports.fn('store')(end - 4, 0x01020304 + size));
  log.attempt(`${label}: load at the last word`, () => exports.fn('load')(end - 4));
  log.attempt(`${label}: load8 at the last byte`, () => exports.fn('load8')(end - 1));
  log.attempt(`${label}: load straddling the end`, () => exports.fn('load')(end - 2));
  log.attempt(`${label}: load8 at the end`, () => exports.fn('load8')(end));
}

interface GrowCase {
  name: string;
  memory: string;
  /** Deltas for memory.grow, in order (negative ones are huge unsigned deltas). */
  deltas: number[];
  /** Whether the memory stays small enough to snapshot after every step. */
  snapshot: boolean;
}

const GROW_CASES: GrowCase[] = [
  { name: 'declared maximum: grow to it, then past it', memory: '1 4', deltas: [0, 1, 2, 1, -1, 0, 0x10000], snapshot: true },
  { name: 'maximum equal to the initial size', memory: '2 2', deltas: [1, 0, -1], snapshot: true },
  { name: 'from 0 pages with a maximum', memory: '0 2', deltas: [0, 1, 1, 1, 0], snapshot: true },
  { name: 'from 0 pages with maximum 0', memory: '0 0', deltas: [1, 0], snapshot: true },
  { name: 'no declared maximum: huge deltas fail', memory: '1', deltas: [0x10000, 0x7fffffff, -1, -0x8000, 0, 3], snapshot: true },
  // Grows to the full 4 GiB of wasm32 (reserved, barely touched): too big to snapshot.
  { name: 'no declared maximum: grow to 65536 pages, then past it', memory: '1', deltas: [0xffff, 1, 0, -1], snapshot: false },
];

describe('memory.grow and memory.size', () => {
  test.each(GROW_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.instantiate(`(module (memory (export "memory") ${c.memory}) ${GROW_FUNCS})`);
      probeEnd(session, exports, 'initially');
      c.deltas.forEach((delta, i) => {
        session.log.attempt(`step ${i}: memory.grow(${delta})`, () => exports.fn('grow and store at the new end')(delta));
        probeEnd(session, exports, `after step ${i}`);
        if (c.snapshot) session.log.memory(`memory after step ${i}`, exports.memory());
      });
    });
    expect(firstLines(lines)).toBe('');
  });

  test('Memory.grow from JS: the module sees the new size and both sides see the data', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(`(module (memory (export "memory") 1 3) ${GROW_FUNCS})`);
      const memory = exports.memory();
      log.attempt('Memory.grow(1)', () => memory.grow(1));
      probeEnd(session, exports, 'after Memory.grow(1)');
      log.attempt('JS writes into the new page', () => {
        new Uint8Array(memory.buffer).set([9, 8, 7, 6], PAGE + 100);
        return exports.fn('load')(PAGE + 100);
      });
      log.attempt('Memory.grow(2) past the maximum', () => memory.grow(2));
      log.attempt('Memory.grow(1) to the maximum', () => memory.grow(1));
      log.attempt('Memory.grow(0) at the maximum', () => memory.grow(0));
      log.attempt('memory.grow(1) from wasm at the maximum', () => exports.fn('grow')(1));
      probeEnd(session, exports, 'at the maximum');
      log.memory('memory at the end', memory);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('exports.memory.buffer is a fresh ArrayBuffer after growth, the same one otherwise', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(`(module (memory (export "memory") 1 4) ${GROW_FUNCS})`);
      const memory = exports.memory();
      const first = memory.buffer;
      log.value('the same buffer while nothing grows', memory.buffer === first);
      exports.fn('store')(8, 1);
      log.value('the same buffer after a store', memory.buffer === first);
      exports.fn('grow')(1);
      const second = memory.buffer;
      log.value('a new buffer after memory.grow(1)', second !== first);
      log.value('its byteLength', second.byteLength);
      memory.grow(1);
      log.value('a new buffer after Memory.grow(1)', memory.buffer !== second);
      log.value('its byteLength after Memory.grow(1)', memory.buffer.byteLength);
      log.value('memory.grow(-1) fails', exports.fn('grow')(-1));
      log.value('the buffer is unchanged by a failed grow', memory.buffer.byteLength);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('growth (by 0 pages too) hands out a new buffer, as in V8', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(`(module (memory (export "memory") 1 4) ${GROW_FUNCS})`);
      const memory = exports.memory();
      for (const delta of [1, 0]) {
        const beforeWasmGrow = memory.buffer;
        log.value(`memory.grow(${delta})`, exports.fn('grow')(delta));
        log.value(`a new buffer after memory.grow(${delta})`, memory.buffer !== beforeWasmGrow);
        const beforeJsGrow = memory.buffer;
        log.value(`Memory.grow(${delta})`, memory.grow(delta));
        log.value(`a new buffer after Memory.grow(${delta})`, memory.buffer !== beforeJsGrow);
      }
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('a buffer kept past the instance', () => {
  // V8 keeps the memory alive as long as a buffer over it is reachable. wasmjit unmaps it on dispose(),
  // so a buffer taken before must be detached then, not left pointing at unmapped pages: reading it
  // would kill the process with SIGSEGV. Run in a child process (from dist/, built by `tsc`) for that.
  // Where buffers cannot be detached (WASMJIT_MEMORY_BUFFERS=koffi: the fallback), the pages stay
  // mapped, their contents discarded, until the buffer is collected: it reads zeros.
  test.skipIf(engineUnderTest === 'v8').each([
    ['the route taken', undefined, 'detached'],
    ['buffers that cannot be detached', 'koffi', 'readable 0'],
  ])('reading exports.memory.buffer after instance.dispose() does not crash the process (%s)', (_, route, expected) => {
    const script = `
      import { instantiate, watToWasm } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const bytes = await watToWasm('(module (memory (export "memory") 1) (data (i32.const 0) "*"))', { filename: 'kept.wat' });
      const { instance } = await instantiate(bytes);
      const buffer = instance.exports.memory.buffer;
      instance.dispose();
      console.log(buffer.byteLength === 0 ? 'detached' : 'readable ' + new Uint8Array(buffer)[0]);`;
    const env = route === undefined ? process.env : { ...process.env, WASMJIT_MEMORY_BUFFERS: route };
    const { status, signal, stdout, stderr } = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    expect({ status, signal, stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(stdout.trim()).toBe(expected);
  });
});

/** One data segment at `offset` (an i32.const) in a memory of `pages` pages, imported or not. */
interface DataCase {
  name: string;
  pages: number;
  segments: Array<{ offset: number; text: string }>;
}

const DATA_CASES: DataCase[] = [
  { name: 'ending at the last byte', pages: 1, segments: [{ offset: PAGE - 4, text: 'abcd' }] },
  { name: 'one byte past the end', pages: 1, segments: [{ offset: PAGE - 3, text: 'abcd' }] },
  { name: 'starting at the end', pages: 1, segments: [{ offset: PAGE, text: 'a' }] },
  { name: 'empty, at the end', pages: 1, segments: [{ offset: PAGE, text: '' }] },
  { name: 'empty, one past the end', pages: 1, segments: [{ offset: PAGE + 1, text: '' }] },
  { name: 'empty, in a 0-page memory', pages: 0, segments: [{ offset: 0, text: '' }] },
  { name: 'one byte in a 0-page memory', pages: 0, segments: [{ offset: 0, text: 'x' }] },
  { name: 'at offset -1 (0xffffffff)', pages: 1, segments: [{ offset: -1, text: 'ab' }] },
  { name: 'wrapping past 2^32', pages: 1, segments: [{ offset: -2, text: 'abcd' }] },
  { name: 'at the end of a 3-page memory', pages: 3, segments: [{ offset: 3 * PAGE - 2, text: 'yz' }] },
  { name: 'overlapping segments: the later one wins', pages: 1, segments: [{ offset: 10, text: 'aaaaaaaa' }, { offset: 12, text: 'bb' }, { offset: 6, text: 'cccc' }] },
  { name: 'a good segment, then one out of bounds', pages: 1, segments: [{ offset: 0, text: 'first' }, { offset: PAGE - 1, text: 'xy' }, { offset: 100, text: 'never' }] },
];

const dataSegments = (segments: DataCase['segments']) =>
  segments.map((s) => `(data (i32.const ${s.offset}) "${s.text}")`).join(' ');

describe('data segments', () => {
  test.each(DATA_CASES.map((c) => [c.name, c] as const))('%s, own memory', async (_, c) => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.log.attemptAsync('instantiate', () =>
        session.instantiate(`(module (memory (export "memory") ${c.pages}) ${dataSegments(c.segments)})`),
      );
      if (exports) session.log.memory('memory', exports.memory());
    });
    expect(firstLines(lines)).toBe('');
  });

  // With an imported memory, the segments before the failing one stay written.
  test.each(DATA_CASES.map((c) => [c.name, c] as const))('%s, imported memory', async (_, c) => {
    const lines = await scenarioMismatches(async (session) => {
      const memory = new session.Memory({ initial: c.pages });
      await session.log.attemptAsync('instantiate', () =>
        session.instantiate(`(module (import "env" "memory" (memory ${c.pages})) ${dataSegments(c.segments)})`, { env: { memory } }),
      );
      session.log.memory('memory', memory);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('an element segment out of bounds fails before any data segment is written', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const memory = new session.Memory({ initial: 1 });
      const table = new session.Table({ element: 'anyfunc', initial: 2 });
      await session.log.attemptAsync('instantiate', () =>
        session.instantiate(
          `(module (import "env" "memory" (memory 1)) (import "env" "table" (table 2 funcref))
            (func $f) (elem (i32.const 0) $f) (elem (i32.const 1) $f $f) (data (i32.const 0) "data"))`,
          { env: { memory, table } },
        ),
      );
      session.log.memory('memory', memory);
      session.log.value('table entry 0 was set by the first segment', table.get(0) !== null);
    });
    expect(firstLines(lines)).toBe('');
  });

  const GLOBAL_OFFSETS = [0, 100, PAGE - 4, PAGE - 3, PAGE, -1, -4];
  const offsetFromGlobal = `(module (import "env" "base" (global i32)) (memory (export "memory") 1)
    (data (global.get 0) "wxyz") (data (i32.const 8) "fixed"))`;

  test.each(GLOBAL_OFFSETS)('offset from an imported i32 global = %i (a number)', async (base) => {
    const lines = await scenarioMismatches(async (session) => {
      const exports = await session.log.attemptAsync('instantiate', () => session.instantiate(offsetFromGlobal, { env: { base } }));
      if (exports) session.log.memory('memory', exports.memory());
    });
    expect(firstLines(lines)).toBe('');
  });

  test.each(GLOBAL_OFFSETS)('offset from an imported i32 global = %i (a Global object)', async (base) => {
    const lines = await scenarioMismatches(async (session) => {
      const global = new session.Global({ value: 'i32' }, base);
      const exports = await session.log.attemptAsync('instantiate', () => session.instantiate(offsetFromGlobal, { env: { base: global } }));
      if (exports) session.log.memory('memory', exports.memory());
    });
    expect(firstLines(lines)).toBe('');
  });

  test('offset from a global exported by another instance', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const provider = await session.instantiate(`(module (global (export "base") i32 (i32.const 300)))`);
      const exports = await session.instantiate(offsetFromGlobal, { env: { base: provider.global('base') } });
      session.log.memory('memory', exports.memory());
    });
    expect(firstLines(lines)).toBe('');
  });
});
