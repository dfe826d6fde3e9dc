// Bulk memory compared with V8: memory.copy (overlapping both ways, every short length, across a grown
// page), memory.fill, memory.init and data.drop on passive segments (and on an active one, dropped by
// instantiation), with their bounds: empty operations exactly at the end are fine, one byte past traps
// and writes nothing. Each test is a scenario (see helpers/scenario.ts) that records every call's
// outcome and then the whole memory, so a byte written too many, too few or before a trap shows.
import { describe, expect, test } from 'vitest';
import { firstLines } from './helpers/differential.js';
import { type ExportsOf, scenarioMismatches, type Session } from './helpers/scenario.js';
import { Random } from './helpers/values.js';

const PAGE = 65536;

/**
 * Passive segments: 64 distinct bytes, an empty one, a text; and an active one, dropped once applied
 * (empty in a memory of no pages, where it would not fit).
 */
const P0 = Array.from({ length: 64 }, (_, i) => (i * 7 + 0x81) & 0xff);
const P2 = 'bulk memory!';
const dataString = (bytes: number[]) => bytes.map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

/** The module, with its own memory of `pages` pages (at most 2 more), or importing `env.memory`. */
const bulkModule = (pages: number, imported = false) => `(module
  ${imported ? `(import "env" "memory" (memory ${pages} ${pages + 2}))` : `(memory ${pages} ${pages + 2})`}
  (export "memory" (memory 0))
  (data $p0 "${dataString(P0)}")
  (data $p1 "")
  (data $p2 "${P2}")
  (data $active (i32.const 0) "${pages > 0 ? 'active' : ''}")
  (func (export "pattern") (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const ${PAGE}))))
      (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.shr_u (local.get $i) (i32.const 8))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  ${['p0', 'p1', 'p2', 'active'].map((seg) => `
  (func (export "init ${seg}") (param i32 i32 i32) (memory.init $${seg} (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop ${seg}") (data.drop $${seg}))`).join('')}
  (func (export "copy 8") (param i32 i32) (memory.copy (local.get 0) (local.get 1) (i32.const 8)))
  (func (export "copy 0") (param i32 i32) (memory.copy (local.get 0) (local.get 1) (i32.const 0)))
  (func (export "fill 16") (param i32) (memory.fill (local.get 0) (i32.const 0x1ab) (i32.const 16)))
  (func (export "init p0 4 from 60") (param i32) (memory.init $p0 (local.get 0) (i32.const 60) (i32.const 4)))
  (func (export "copy then read") (param i32 i32 i32) (result i64)
    (memory.copy (local.get 0) (local.get 1) (local.get 2))
    (i64.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))`;

type Step = readonly [name: string, args: readonly number[]];

/** Runs each step, then records the memory: both engines must agree on the outcome and every byte. */
async function runSteps(session: Session, pages: number, steps: Iterable<Step>, imports?: Record<string, unknown>): Promise<ExportsOf> {
  const exports = await session.instantiate(bulkModule(pages, imports !== undefined), imports);
  session.log.attempt('pattern', () => exports.fn('pattern')());
  session.log.memory('memory after the pattern', exports.memory());
  for (const [name, args] of steps) {
    const label = `${name}(${args.join(', ')})`;
    session.log.attempt(label, () => exports.fn(name)(...args));
    session.log.memory(`memory after ${label}`, exports.memory());
  }
  return exports;
}

/** Lengths around the widths a copy or fill loop may use (1, 4, 8, 16, 32 bytes and pages). */
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 4095, 4096, 4097];
const SHIFTS = [1, 3, 8, 17, 100];

describe('memory.copy', () => {
  test('overlapping forwards and backwards, every short length, odd alignments', async () => {
    const steps: Step[] = [
      ['copy', [100, 50, 100]], ['copy', [50, 100, 100]], ['copy', [300, 300, 64]],
      ...LENGTHS.flatMap((n, i): Step[] => SHIFTS.flatMap((shift): Step[] => {
        const src = 1000 + i * 1500 + shift;
        return [['copy', [src + shift, src, n]], ['copy', [src - shift, src, n]], ['copy', [src + 20000, src, n]]];
      })),
      ['copy 8', [5, 9]], ['copy 8', [9, 5]], ['copy 8', [PAGE - 8, 0]], ['copy 8', [PAGE - 7, 0]], ['copy 8', [0, PAGE - 7]],
      ['copy 0', [PAGE, PAGE]], ['copy 0', [PAGE + 1, 0]],
      ['copy then read', [40, 44, 16]], ['copy then read', [44, 40, 16]],
    ];
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });

  test('bounds: up to the end is fine, one byte past traps and copies nothing', async () => {
    const steps: Step[] = [
      ['copy', [PAGE - 10, 0, 10]], ['copy', [0, PAGE - 10, 10]],
      ['copy', [PAGE - 10, 0, 11]], ['copy', [0, PAGE - 10, 11]], ['copy', [PAGE - 10, PAGE - 5, 11]], ['copy', [PAGE - 5, PAGE - 10, 11]],
      ['copy', [PAGE, 0, 0]], ['copy', [0, PAGE, 0]], ['copy', [PAGE + 1, 0, 0]], ['copy', [0, PAGE + 1, 0]],
      ['copy', [1, 0, -1]], ['copy', [0, 1, -1]], ['copy', [-1, 0, 1]], ['copy', [0, -1, 1]], ['copy', [-1, -1, 0]],
      ['copy', [0x7fffffff, 0, 2]], ['copy', [0, 0, PAGE]], ['copy', [0, 1, PAGE]], ['copy', [1, 0, PAGE]],
      ['copy', [1, 0, PAGE - 1]], ['copy', [0, 1, PAGE - 1]], ['copy', [PAGE / 2, 0, PAGE / 2]], ['copy', [0, PAGE / 2 - 1, PAGE / 2 + 1]],
      ['copy', [10, 20, 30]],
    ];
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });

  test('a memory of no pages: only empty copies at 0', async () => {
    const steps: Step[] = [['copy', [0, 0, 0]], ['copy', [0, 0, 1]], ['copy', [1, 0, 0]], ['fill', [0, 1, 0]], ['fill', [0, 1, 1]],
      ['init p0', [0, 0, 0]], ['init p0', [0, 0, 1]], ['grow', [1]], ['copy', [0, 1, 5]], ['init p0', [PAGE - 64, 0, 64]]];
    const lines = await scenarioMismatches((session) => runSteps(session, 0, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });
});

describe('memory.fill', () => {
  test('values by their low byte, every short length, and the bounds', async () => {
    const steps: Step[] = [
      ['fill', [10, 0xab, 100]], ['fill', [10, 0x1ff, 5]], ['fill', [20, -1, 3]], ['fill', [30, 0x100, 7]], ['fill', [40, -0x80000000, 2]],
      ...LENGTHS.map((n, i): Step => ['fill', [1000 + i * 4200 + (i % 7), i * 37, n]]),
      ['fill 16', [3]], ['fill 16', [PAGE - 16]], ['fill 16', [PAGE - 15]],
      ['fill', [PAGE - 1, 7, 1]], ['fill', [PAGE - 1, 7, 2]], ['fill', [PAGE, 7, 0]], ['fill', [PAGE + 1, 7, 0]],
      ['fill', [1, 7, -1]], ['fill', [-1, 7, 1]], ['fill', [0, 9, PAGE]], ['fill', [1, 8, PAGE]], ['fill', [0x7fffffff, 5, 2]],
    ];
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });
});

describe('memory.init and data.drop', () => {
  test('passive segments, their bounds, and after data.drop', async () => {
    const steps: Step[] = [
      ['init p0', [0, 0, 64]], ['init p0', [1000, 10, 20]], ['init p0', [PAGE - 64, 0, 64]], ['init p0', [PAGE - 63, 0, 64]],
      ['init p0', [0, 60, 4]], ['init p0', [0, 60, 5]], ['init p0', [0, 64, 0]], ['init p0', [0, 65, 0]],
      ['init p0', [PAGE, 0, 0]], ['init p0', [PAGE + 1, 0, 0]], ['init p0', [PAGE, 64, 0]], ['init p0', [0, 0, -1]], ['init p0', [0, -1, 1]],
      ['init p0 4 from 60', [7]], ['init p0 4 from 60', [PAGE - 4]], ['init p0 4 from 60', [PAGE - 3]],
      ['init p1', [0, 0, 0]], ['init p1', [PAGE, 0, 0]], ['init p1', [0, 1, 0]], ['init p1', [0, 0, 1]],
      ['init p2', [3000, 0, P2.length]], ['init p2', [3100, 5, P2.length - 5]], ['init p2', [3200, 5, P2.length - 4]],
      // Instantiation applied the active segment and dropped it: only empty inits at offset 0 are in bounds.
      ['init active', [0, 0, 0]], ['init active', [0, 0, 1]], ['init active', [0, 1, 0]], ['drop active', []],
      ['drop p0', []], ['init p0', [0, 0, 0]], ['init p0', [PAGE, 0, 0]], ['init p0', [PAGE + 1, 0, 0]], ['init p0', [0, 0, 1]],
      ['init p0', [0, 1, 0]], ['init p0 4 from 60', [0]], ['drop p0', []], ['drop p1', []], ['init p1', [0, 0, 0]],
      ['init p2', [4000, 0, 4]], ['drop p2', []], ['init p2', [4000, 0, 4]],
    ];
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });

  test('each instance has its own segments to drop', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const first = await runSteps(session, 1, [['drop p0', []], ['init p0', [0, 0, 1]]]);
      const second = await runSteps(session, 1, [['init p0', [0, 0, 64]]]);
      session.log.attempt('the first instance still has p0 dropped', () => first.fn('init p0')(0, 0, 1));
      session.log.attempt('the second instance still has p0', () => second.fn('init p0')(64, 0, 64));
      session.log.memory('the second memory', second.memory());
    });
    expect(firstLines(lines)).toBe('');
  });
});

describe('bulk memory after memory.grow', () => {
  test('the new pages are in bounds for copy, fill and init; the grown end is the new bound', async () => {
    const end = 2 * PAGE;
    const steps: Step[] = [
      ['copy', [PAGE - 4, 0, 8]], ['grow', [1]], ['size', []],
      ['copy', [PAGE - 50, 0, 100]], ['copy', [PAGE + 10, PAGE - 20, 60]], ['copy', [0, PAGE - 8, PAGE + 8]],
      ['fill', [end - 5, 0x5a, 5]], ['fill', [end - 5, 0x5a, 6]], ['fill', [PAGE - 3, 0x11, 9]],
      ['init p0', [end - 64, 0, 64]], ['init p0', [end - 63, 0, 64]], ['init p2', [PAGE - 3, 0, P2.length]],
      ['copy', [end, 0, 0]], ['copy', [end + 1, 0, 0]], ['copy 8', [end - 8, PAGE - 4]], ['copy 8', [end - 7, PAGE - 4]],
      ['grow', [5]], ['copy', [end - 1, 0, 2]],
    ];
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });
});

describe('random bulk operations', () => {
  /** Mostly in bounds, with lengths of every size and overlapping ranges; some past the end. */
  function randomSteps(random: Random, count: number): Step[] {
    const address = () => (random.below(20) === 0 ? PAGE - random.below(64) : random.below(PAGE));
    const length = () => [random.below(20), random.below(300), random.below(5000)][random.below(3)]!;
    return Array.from({ length: count }, (): Step => {
      const kind = random.below(6);
      if (kind < 3) {
        const src = address();
        const dst = random.below(2) ? address() : Math.max(0, src + random.below(64) - 32);
        return ['copy', [dst, src, length()]];
      }
      if (kind < 5) return ['fill', [address(), random.uint32() | 0, length()]];
      return ['init p0', [address(), random.below(70), random.below(70)]];
    });
  }

  test('250 operations on one memory, compared after each', async () => {
    const steps = randomSteps(new Random(0xb01c), 250);
    const lines = await scenarioMismatches((session) => runSteps(session, 1, steps).then(() => {}));
    expect(firstLines(lines)).toBe('');
  });
});

describe('an imported memory', () => {
  test('JS writes through its view, wasm copies, fills and inits, grows it, and JS sees every byte', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const memory = new session.Memory({ initial: 1, maximum: 3 });
      const exports = await runSteps(session, 1, [['copy', [0, PAGE - 100, 100]], ['init p2', [PAGE - P2.length, 0, P2.length]]], { env: { memory } });
      session.log.attempt('JS writes through its view', () => new Uint8Array(memory.buffer).set(P0, 500));
      session.log.attempt('copy the JS bytes', () => exports.fn('copy')(532, 500, 64));
      session.log.attempt('fill to the end', () => exports.fn('fill')(PAGE - 10, 0x33, 10));
      session.log.attempt('JS grows it', () => memory.grow(1));
      session.log.attempt('copy across the old end', () => exports.fn('copy')(PAGE - 20, 100, 60));
      session.log.attempt('fill past the new end', () => exports.fn('fill')(2 * PAGE - 10, 0x44, 11));
      session.log.memory('the memory from JS', memory);
    });
    expect(firstLines(lines)).toBe('');
  });
});
