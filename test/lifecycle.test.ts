// Lifecycle: compiling, instantiating, calling and disposing a module over and over must not leak —
// neither resident memory nor native mappings (code pages, instance contexts, linear memory
// reservations, tables) — and what a disposed instance exported must fail cleanly, never crash.
//
// Measured while writing this (Node 20, x86-64, commit 7b9f16f and the working tree after it; 10,000
// cycles take 2–3 s): from cycle 1,000 to cycle 10,000, RSS +7…+15 MiB, /proc/self/maps +1…+12
// lines, VmSize +6…+13 MiB over six runs; a 40,000-cycle run levels off by cycle 10,000 (native
// malloc heaps reaching their working size), so that is a plateau, not a leak. Before the loop the
// maps count is ~80 lower: V8's JS heap grows by ~18 MiB (72 pages of 256 KiB, one line each) in the
// first cycles. The thresholds sit above that noise and below what the smallest real leak would cost
// over 9,000 cycles: one leaked 4 KiB context page per cycle is +35 MiB of RSS, one leaked
// linear-memory reservation (4 GiB, no maximum) per cycle is +35 TiB of address space, and one
// leaked mapping per cycle is +9,000 lines of maps (or, when the kernel merges neighbours, the
// address space again).
//
// Maps and RSS are counted beside V8's own heap (maps: one line per 256 KiB page of committed heap;
// RSS: less the heap's resident pages). V8 13.6 (Node 24) grows its young generation from 32 to up
// to 128 MiB of committed semi-spaces under this loop's allocation rate, with the live JS heap flat
// at 16 MiB (a loop that never calls an export grows it too; V8 11.3 and 12.4 keep 32 MiB): from
// cycle 1,000 to 10,000 that was +372 lines of maps and up to +33 MiB of RSS, V8's, not wasmjit's.
// Beside the heap, Node 24 showed −15…+8 lines and +1…+2 MiB (Node 20: −7 lines, +5 MiB; Node 22:
// +20 lines, +21 MiB).
//
// The first loop lets the event loop turn every 100 cycles, as any server does, and samples after a
// collection: koffi frees the native side of the objects it creates (a decoded entry function per
// module, ArrayBuffer views over each context, memory and table) from finalizers that Node runs on
// the event loop, ~1 KiB a cycle that a loop which never yields only gets back when it does. The
// second loop never yields, and checks that dispose() itself gives back what is big: address space
// and mappings.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, instantiate, watToWasm } from '../src/index.js';

const CYCLES = 10_000;
const BASELINE_CYCLE = 1_000;
const TURN_EVERY = 100;
const MiB = 1024 * 1024;
const MAX_RSS_GROWTH = 32 * MiB;
const MAX_ADDRESS_SPACE_GROWTH = 256 * MiB;
const MAX_MAPS_GROWTH = 64;
/** Without collection the JS heap's garbage counts too (≈ +35 MiB, +150 maps over 10,000 cycles). */
const MAX_UNCOLLECTED_ADDRESS_SPACE_GROWTH = 1024 * MiB;
const MAX_UNCOLLECTED_MAPS_GROWTH = 1000;

// One of everything that owns native resources: code, a context, a linear memory that grows (mmap
// reservation + mprotect), a table (descriptor + entries), a mutable global (a context cell), a host
// import (the host-call path), data and element segments.
const WAT = `(module
  (type $unary (func (param i32) (result i32)))
  (import "env" "twice" (func $twice (type $unary)))
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (elem (i32.const 0) $inc $twice)
  (data (i32.const 0) "\\2a")
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func (export "run") (param $x i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 65536)
      (call_indirect (type $unary) (call_indirect (type $unary) (local.get $x) (i32.const 0)) (i32.const 1)))
    (i32.add (i32.load (i32.const 65536)) (i32.add (i32.load8_u (i32.const 0)) (call $twice (i32.const 0))))))`;

/** run(x) = 2(x+1) + 42 */
const expectedRun = (x: number): number => 2 * (x + 1) + 42;

const IMPORTS = { env: { twice: (x: number) => 2 * x } };

/** A full collection, so that samples compare live memory rather than garbage not yet collected. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

interface Sample {
  rss: number;
  /** The resident memory beyond V8's resident heap pages. */
  rssBesideHeap: number;
  /** V8's committed JS heap: part of the RSS, in 256 KiB pages that each add a line to the maps. */
  jsHeap: number;
  addressSpace: number;
  maps: number;
  /** The lines of /proc/self/maps beyond one per page of V8's committed heap. */
  mapsBesideHeap: number;
}

const V8_HEAP_PAGE = 256 * 1024;

/** The process's figures as they are now, garbage and all. */
function currentSample(): Sample {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  const { heapTotal: jsHeap, rss } = process.memoryUsage();
  const maps = readFileSync('/proc/self/maps', 'utf8').trimEnd().split('\n').length;
  return {
    rss,
    rssBesideHeap: rss - getHeapStatistics().total_physical_size,
    jsHeap,
    addressSpace: kib('VmSize'),
    maps,
    mapsBesideHeap: maps - Math.round(jsHeap / V8_HEAP_PAGE),
  };
}

/** The figures once garbage is collected and finalizers have run: what is still held is live. */
async function sample(): Promise<Sample> {
  collectGarbage();
  await nextTurn();
  collectGarbage();
  // V8 returns freed heap pages to the system from a background thread: give it time, or the maps
  // and RSS still count them.
  await sleep(200);
  return currentSample();
}

const describeSample = (s: Sample): string =>
  `RSS ${(s.rss / MiB).toFixed(1)} MiB (${(s.rssBesideHeap / MiB).toFixed(1)} MiB beside the heap; JS heap ${(s.jsHeap / MiB).toFixed(1)} MiB), VmSize ${(s.addressSpace / MiB).toFixed(0)} MiB, ${s.maps} mappings (${s.mapsBesideHeap} beside the heap)`;

async function cycle(bytes: Uint8Array, i: number, readBuffer = true): Promise<void> {
  const module = await compile(bytes);
  const instance = await instantiate(module, IMPORTS);
  const run = instance.exports.run as (x: number) => number;
  const result = run(i);
  if (result !== expectedRun(i)) throw new Error(`cycle ${i}: run(${i}) returned ${result}, expected ${expectedRun(i)}`);
  if (readBuffer) {
    // Read through memory.buffer, as every embedder does (hash-wasm for each digest).
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const stored = new DataView(memory.buffer).getInt32(65536, true);
    if (stored !== 2 * (i + 1)) throw new Error(`cycle ${i}: memory[65536] holds ${stored}, expected ${2 * (i + 1)}`);
  }
  instance.dispose();
  module.dispose();
}

describe('compile → instantiate → call → dispose, repeated', () => {
  it.runIf(process.platform === 'linux')(`${CYCLES} cycles leave resident memory and native mappings where they were`, async () => {
    const bytes = await watToWasm(WAT, { filename: 'lifecycle.wat' });
    const before = await sample();
    let baseline: Sample | undefined;
    const started = performance.now();
    for (let i = 1; i <= CYCLES; i++) {
      await cycle(bytes, i);
      if (i % TURN_EVERY === 0) await nextTurn();
      if (i === BASELINE_CYCLE) baseline = await sample();
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await sample();
    console.log(
      `lifecycle: ${CYCLES} cycles in ${seconds.toFixed(1)} s\n` +
        `  before the loop:   ${describeSample(before)}\n` +
        `  at cycle ${BASELINE_CYCLE}:     ${describeSample(baseline!)}\n` +
        `  at cycle ${CYCLES}:    ${describeSample(after)}`,
    );
    expect(after.rssBesideHeap - baseline!.rssBesideHeap, 'RSS growth beside the heap from cycle 1,000 to 10,000').toBeLessThan(MAX_RSS_GROWTH);
    expect(after.addressSpace - baseline!.addressSpace, 'VmSize growth from cycle 1,000 to 10,000').toBeLessThan(MAX_ADDRESS_SPACE_GROWTH);
    expect(after.mapsBesideHeap - baseline!.mapsBesideHeap, '/proc/self/maps lines beside the heap, cycle 1,000 to 10,000').toBeLessThan(MAX_MAPS_GROWTH);
    expect(after.mapsBesideHeap - before.mapsBesideHeap, '/proc/self/maps lines beside the heap, before to after the loop').toBeLessThan(4 * MAX_MAPS_GROWTH);
  });
});

describe('compile → instantiate → call → dispose in a loop that never yields', () => {
  // No event-loop turn, so no finalizer runs (awaiting instantiate only runs microtasks): whatever
  // dispose() does not release itself piles up. Each instance's memory reserves 4 GiB of address
  // space in two mappings, so 10,000 undisposed memories would be +40 TiB and +20,000 lines of
  // maps; near 32,000 the process runs out of mappings (vm.max_map_count, 65,530 by default) and
  // instantiation fails with "mprotect(...) failed: Cannot allocate memory".
  it.runIf(process.platform === 'linux')(`${CYCLES} cycles hold no address space or mappings for later`, async () => {
    const bytes = await watToWasm(WAT, { filename: 'lifecycle.wat' });
    await cycle(bytes, 0, false);
    const before = currentSample();
    for (let i = 1; i <= CYCLES; i++) await cycle(bytes, i, false);
    const after = currentSample();
    console.log(`lifecycle without yielding: before ${describeSample(before)}; after ${CYCLES} cycles ${describeSample(after)}`);
    expect(after.addressSpace - before.addressSpace, 'VmSize growth, no finalizer having run').toBeLessThan(MAX_UNCOLLECTED_ADDRESS_SPACE_GROWTH);
    expect(after.mapsBesideHeap - before.mapsBesideHeap, '/proc/self/maps lines beside the heap, no finalizer having run').toBeLessThan(MAX_UNCOLLECTED_MAPS_GROWTH);
  });

  // A memory.buffer handed to JS views the pages directly and cannot be detached, so a disposed
  // memory keeps its committed pages mapped (their contents discarded: a stale buffer reads zeros,
  // and nothing crashes) until the buffer is collected, which takes an event-loop turn. Only the
  // committed pages stay (2 per cycle here), not the 4 GiB reservation, and the resident memory goes.
  it.runIf(process.platform === 'linux')(`${CYCLES} cycles that read memory.buffer hold only the committed pages until a turn`, async () => {
    const bytes = await watToWasm(WAT, { filename: 'lifecycle.wat' });
    await cycle(bytes, 0);
    const before = currentSample();
    for (let i = 1; i <= CYCLES; i++) await cycle(bytes, i);
    const after = currentSample();
    const committed = CYCLES * 2 * 65536;
    console.log(`lifecycle reading buffers without yielding: before ${describeSample(before)}; after ${describeSample(after)}`);
    expect(after.addressSpace - before.addressSpace).toBeLessThan(committed + MAX_UNCOLLECTED_ADDRESS_SPACE_GROWTH);
    expect(after.mapsBesideHeap - before.mapsBesideHeap).toBeLessThan(CYCLES + MAX_UNCOLLECTED_MAPS_GROWTH);
    expect(after.rss - before.rss).toBeLessThan(256 * MiB);
  });
});

describe('a disposed instance', () => {
  it('refuses calls to its exports with a clear Error, and dispose() may be repeated', async () => {
    const { instance } = await instantiate(await watToWasm(WAT, { filename: 'lifecycle.wat' }), IMPORTS);
    const run = instance.exports.run as (x: number) => number;
    expect(run(1)).toBe(expectedRun(1));
    instance.dispose();
    expect(() => run(1)).toThrow(Error);
    expect(() => run(1)).toThrow(/disposed/);
    expect(() => instance.dispose()).not.toThrow();
  });

  it('releases its module with it when it was instantiated from bytes', async () => {
    const bytes = await watToWasm(WAT, { filename: 'lifecycle.wat' });
    const warm = await sample();
    for (let i = 1; i <= 500; i++) {
      const { instance } = await instantiate(bytes, IMPORTS);
      expect((instance.exports.run as (x: number) => number)(i)).toBe(expectedRun(i));
      instance.dispose();
      if (i % TURN_EVERY === 0) await nextTurn();
    }
    const after = await sample();
    expect(after.mapsBesideHeap - warm.mapsBesideHeap).toBeLessThan(MAX_MAPS_GROWTH);
    expect(after.addressSpace - warm.addressSpace).toBeLessThan(MAX_ADDRESS_SPACE_GROWTH);
  });
});

// ---- the rest of a disposed instance's exports ------------------------------------------------------

/**
 * What using a disposed instance's exported memory, global and table does. Wanted for every one: a
 * clear Error saying it was disposed (an ArrayBuffer taken before dispose reads zeros: its pages stay
 * mapped until it is collected, their contents discarded) — never a crash, which kills Node, and
 * never access to another instance's memory. (At commit 7b9f16f every probe from the ArrayBuffer ones
 * on crashed Node with SIGSEGV.) Each probe runs in a child process, so a crash is observed rather
 * than suffered; when an outcome changes, its entry here fails: update it.
 */
const AFTER_DISPOSE_TODAY: Record<string, string> = {
  'instance export called': 'throws Error: wasmjit: this instance has been disposed; its functions can no longer be called',
  'memory.buffer read': 'throws Error: wasmjit: this memory has been disposed',
  'memory.grow(1)': 'throws Error: wasmjit: this memory has been disposed',
  'ArrayBuffer taken before dispose, read': 'returns undefined',
  'ArrayBuffer taken before dispose, written': 'returns 7',
  'ArrayBuffer taken before dispose, written after a new instantiation': 'returns 0',
  'global.value read': 'throws Error: wasmjit: this global belongs to a disposed instance',
  'global.value written': 'throws Error: wasmjit: this global belongs to a disposed instance',
  'table.get(0)': 'throws Error: wasmjit: this table belongs to a disposed instance',
  'table.set(1, null)': 'throws Error: wasmjit: this table belongs to a disposed instance',
};

/**
 * Each probe's body, an expression that may await: `ex` is the disposed instance's exports, `bytes` a
 * Uint8Array over its memory taken before dispose, `fresh()` instantiates the same module again.
 */
const PROBES: Record<keyof typeof AFTER_DISPOSE_TODAY, string> = {
  'instance export called': 'ex.run(1)',
  'memory.buffer read': 'ex.memory.buffer.byteLength',
  'memory.grow(1)': 'ex.memory.grow(1)',
  'ArrayBuffer taken before dispose, read': 'bytes[0]',
  'ArrayBuffer taken before dispose, written': '(bytes[0] = 7)',
  'ArrayBuffer taken before dispose, written after a new instantiation':
    "await fresh().then((other) => { bytes[1] = 7; const seen = new Uint8Array(other.memory.buffer)[1]; return seen === 7 ? '7 (seen by the new instance)' : `${seen}`; })",
  'global.value read': 'ex.calls.value',
  'global.value written': '(ex.calls.value = 7)',
  'table.get(0)': 'typeof ex.table.get(0)',
  'table.set(1, null)': 'ex.table.set(1, null)',
};

const DIST_INDEX = new URL('../dist/index.js', import.meta.url).href;

/** Instantiates the module in a fresh `node` (from dist/), disposes the instance, runs `probe` and says what happened. */
function probeAfterDispose(wasm: Uint8Array, probe: string): string {
  const script = `
    import { instantiate } from ${JSON.stringify(DIST_INDEX)};
    const wasm = Buffer.from(process.argv[1], 'base64');
    const fresh = async () => (await instantiate(wasm, { env: { twice: (x) => 2 * x } })).instance.exports;
    const { instance } = await instantiate(wasm, { env: { twice: (x) => 2 * x } });
    const ex = instance.exports;
    const bytes = new Uint8Array(ex.memory.buffer);
    instance.dispose();
    let outcome;
    try { outcome = 'returns ' + String(${probe}); } catch (e) { outcome = 'throws ' + e.constructor.name + ': ' + e.message; }
    process.stdout.write(outcome);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, Buffer.from(wasm).toString('base64')], { encoding: 'utf8' });
  if (child.signal) return `crashes with ${child.signal}`;
  if (child.status !== 0) return `exits with status ${child.status}: ${child.stderr.trim().split('\n')[0]}`;
  return child.stdout;
}

describe.runIf(process.platform === 'linux')("a disposed instance's exported memory, global and table (child processes)", () => {
  let wasm: Uint8Array;
  beforeAll(async () => {
    wasm = await watToWasm(WAT, { filename: 'lifecycle.wat' });
  });

  it.each(Object.entries(PROBES))('%s: as recorded in AFTER_DISPOSE_TODAY', (name, probe) => {
    expect(probeAfterDispose(wasm, probe)).toBe(AFTER_DISPOSE_TODAY[name]);
  });
});
