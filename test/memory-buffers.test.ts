// A memory's ArrayBuffer compared with V8's: detached after every successful grow (from JS or from
// wasm, by 0 pages too, from inside a call), untouched by a failed one, the same object between
// grows, for memories made by JS, exported, imported and shared by several instances. Then what only
// wasmjit has: the route memory-buffers.ts picks, its fallbacks, and a buffer JS transferred away
// (V8 refuses that for a wasm memory) outliving dispose().
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { memoryBuffers } from '../src/runtime/memory-buffers.js';
import { engineUnderTest, firstLines } from './helpers/differential.js';
import { type MemoryObject, scenarioMismatches, type Transcript } from './helpers/scenario.js';

const GROW = `
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))`;

/** Grows inside a call, then calls the host, which looks at the buffer it held before the call. */
const GROW_THEN_CALL_HOST = `
  (import "env" "inspect" (func $inspect (param i32)))
  (func (export "growThenInspect") (param i32)
    (call $inspect (memory.grow (local.get 0))))`;

/** What JS can see of a buffer and views taken over it before. */
function logBuffer(log: Transcript, label: string, buffer: ArrayBuffer, views: { bytes: Uint8Array; words: Int32Array }): void {
  log.value(`${label}: byteLength`, buffer.byteLength);
  log.value(`${label}: Uint8Array length`, views.bytes.length);
  log.value(`${label}: Int32Array length`, views.words.length);
  log.value(`${label}: byte 8 through the old view`, views.bytes[8]);
  log.attempt(`${label}: a new Uint8Array over it`, () => new Uint8Array(buffer).length, 'class');
  log.attempt(`${label}: a DataView over it`, () => new DataView(buffer).byteLength, 'class');
  log.attempt(`${label}: slice`, () => buffer.slice(0, 4).byteLength, 'class');
}

function viewsOf(buffer: ArrayBuffer): { bytes: Uint8Array; words: Int32Array } {
  return { bytes: new Uint8Array(buffer), words: new Int32Array(buffer) };
}

describe('the buffer after a grow, compared with V8', () => {
  test.each([1, 0])('Memory.prototype.grow(%i) detaches the old buffer', async (delta) => {
    const lines = await scenarioMismatches(async ({ log, Memory }) => {
      const memory = new Memory({ initial: 1, maximum: 4 });
      const old = memory.buffer;
      const views = viewsOf(old);
      views.bytes[8] = 42;
      log.value('the same buffer before growing', memory.buffer === old);
      log.value(`grow(${delta})`, memory.grow(delta));
      logBuffer(log, 'the old buffer', old, views);
      const fresh = memory.buffer;
      log.value('a new buffer', fresh !== old);
      log.value('the same new buffer on the next access', memory.buffer === fresh);
      logBuffer(log, 'the new buffer', fresh, viewsOf(fresh));
    });
    expect(firstLines(lines)).toBe('');
  });

  test.each([1, 0])('memory.grow %i from wasm detaches the old buffer', async (delta) => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(`(module (memory (export "memory") 1 4) ${GROW})`);
      const memory = exports.memory();
      exports.fn('store')(8, 42);
      const old = memory.buffer;
      const views = viewsOf(old);
      log.value(`memory.grow ${delta}`, exports.fn('grow')(delta));
      logBuffer(log, 'the old buffer', old, views);
      log.value('a new buffer', memory.buffer !== old);
      logBuffer(log, 'the new buffer', memory.buffer, viewsOf(memory.buffer));
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a grow inside a call: the host sees the old buffer detached, as glue such as wasm-bindgen expects', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const memory = new session.Memory({ initial: 1, maximum: 8 });
      let cached = new Uint8Array(memory.buffer);
      const inspect = (old: number): void => {
        log.value('memory.grow returned', old);
        log.value('the cached view is empty', cached.length === 0);
        // wasm-bindgen's getUint8Memory: a new view only when the cached one has byteLength 0.
        if (cached.byteLength === 0) cached = new Uint8Array(memory.buffer);
        log.value('the refreshed view length', cached.length);
      };
      const exports = await session.instantiate(`(module (import "env" "memory" (memory 1 8)) ${GROW_THEN_CALL_HOST} ${GROW})`, {
        env: { memory, inspect },
      });
      for (const delta of [1, 0, 2, 100]) {
        exports.fn('growThenInspect')(delta);
        exports.fn('store')(exports.fn('size')() as number * 65536 - 4, delta + 1);
        log.value(`after growing by ${delta}: the last word through the cached view`, new Int32Array(cached.buffer).at(-1));
      }
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a failed grow leaves the buffer and its views alone', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const exports = await session.instantiate(`(module (memory (export "memory") 1 2) ${GROW})`);
      const memory = exports.memory();
      exports.fn('store')(8, 42);
      const before = memory.buffer;
      const views = viewsOf(before);
      log.attempt('Memory.grow(2) past the maximum', () => memory.grow(2), 'class');
      log.value('memory.grow 5 from wasm', exports.fn('grow')(5));
      log.value('memory.grow -1 from wasm', exports.fn('grow')(-1));
      log.value('the same buffer', memory.buffer === before);
      logBuffer(log, 'the buffer', before, views);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a memory of 0 pages: a new buffer after grow(0) too', async () => {
    const lines = await scenarioMismatches(async ({ log, Memory }) => {
      const memory = new Memory({ initial: 0, maximum: 2 });
      const empty = memory.buffer;
      log.value('byteLength', empty.byteLength);
      log.value('the same buffer before growing', memory.buffer === empty);
      log.value('grow(0)', memory.grow(0));
      log.value('a new buffer after grow(0)', memory.buffer !== empty);
      const stillEmpty = memory.buffer;
      log.value('grow(1)', memory.grow(1));
      log.value('a new buffer after grow(1)', memory.buffer !== stillEmpty);
      log.value('its byteLength', memory.buffer.byteLength);
    });
    expect(firstLines(lines)).toBe('');
  });

  test('a memory exported by one instance and imported by others: whoever grows it, every holder sees one buffer', async () => {
    const lines = await scenarioMismatches(async (session) => {
      const { log } = session;
      const owner = await session.instantiate(`(module (memory (export "memory") 1 8) ${GROW})`);
      const memory = owner.memory();
      const importerSource = `(module (import "env" "memory" (memory 1 8)) (export "memory" (memory 0)) ${GROW})`;
      const first = await session.instantiate(importerSource, { env: { memory } });
      const second = await session.instantiate(importerSource, { env: { memory } });
      const holders: [string, MemoryObject][] = [
        ['the owner', memory],
        ['the first importer', first.memory()],
        ['the second importer', second.memory()],
      ];
      const growers: [string, (delta: number) => unknown][] = [
        ['the owner', (delta) => owner.fn('grow')(delta)],
        ['the first importer', (delta) => first.fn('grow')(delta)],
        ['the second importer (from JS)', (delta) => second.memory().grow(delta)],
      ];
      for (const [who, grow] of growers) {
        const old = memory.buffer;
        log.value(`${who} grows by 1`, grow(1));
        log.value(`after ${who} grew: the old buffer's byteLength`, old.byteLength);
        for (const [holder, held] of holders) {
          log.value(`after ${who} grew: ${holder}'s buffer is the owner's`, held.buffer === memory.buffer);
          log.value(`after ${who} grew: ${holder}'s byteLength`, held.buffer.byteLength);
        }
      }
      first.fn('store')(3 * 65536, 77);
      log.value("the second importer reads the first's store", new Int32Array(second.memory().buffer)[(3 * 65536) / 4]);
    });
    expect(firstLines(lines)).toBe('');
  });
});

/** Runs `script` (an ES module that may import from 'DIST/…', built by `tsc`) in a fresh node and says how it went. */
function runChild(script: string, env: Record<string, string> = {}): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const dist = new URL('../dist', import.meta.url).href;
  const { status, signal, stdout, stderr } = spawnSync(process.execPath, ['--input-type=module', '-e', script.replaceAll("'DIST/", `'${dist}/`)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status, signal, stdout: stdout.trim(), stderr };
}

const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

describe.skipIf(engineUnderTest === 'v8')('how buffers are made (wasmjit only)', () => {
  test.runIf(process.platform === 'linux' && process.arch === 'x64')('through V8 API on Linux x64, detaching', () => {
    expect({ name: memoryBuffers.name, detaches: memoryBuffers.detaches }).toEqual({ name: 'v8-api', detaches: true });
  });

  // A koffi view is counted by V8 as external memory at its whole length: each new one after a grow
  // of a 64 MiB memory started collections (4–8 in these 20 grows). Counted, not timed, in a child
  // whose heap was just collected, so that nothing else is due.
  test('a new buffer after each grow provokes no garbage collection', () => {
    const script = `
      import { PerformanceObserver } from 'node:perf_hooks';
      import { setFlagsFromString } from 'node:v8';
      import { runInNewContext } from 'node:vm';
      import { Memory } from 'DIST/index.js';
      setFlagsFromString('--expose-gc');
      const collect = runInNewContext('gc');
      const memory = new Memory({ initial: 1024, maximum: 1044 });
      memory.buffer;
      collect();
      let collections = 0;
      const observer = new PerformanceObserver((list) => { collections += list.getEntries().length; });
      observer.observe({ entryTypes: ['gc'] });
      let lengths = 0;
      for (let i = 0; i < 20; i++) {
        memory.grow(1);
        lengths += memory.buffer.byteLength;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
      observer.disconnect();
      console.log(collections, lengths === 65536 * (20 * 1024 + 210));`;
    expect(runChild(script)).toEqual({ status: 0, signal: null, stdout: '0 true', stderr: '' });
  });

  // The fallbacks, forced: each child prints the route taken and what a grow did to the old buffer.
  test.each([
    ['koffi-transfer', hasTransfer ? 'koffi-transfer detached' : 'koffi kept'],
    ['koffi', 'koffi kept'],
  ])('WASMJIT_MEMORY_BUFFERS=%s', (route, expected) => {
    const script = `
      import { Memory } from 'DIST/index.js';
      import { memoryBuffers } from 'DIST/runtime/memory-buffers.js';
      const memory = new Memory({ initial: 1, maximum: 2 });
      const old = memory.buffer;
      new Uint8Array(old)[5] = 9;
      memory.grow(1);
      const seen = new Uint8Array(memory.buffer)[5];
      console.log(memoryBuffers.name, old.byteLength === 0 && seen === 9 ? 'detached' : old.byteLength === 65536 ? 'kept' : 'broken');`;
    expect(runChild(script, { WASMJIT_MEMORY_BUFFERS: route })).toEqual({ status: 0, signal: null, stdout: expected, stderr: '' });
  });

  // V8 makes a wasm memory's buffer non-detachable; these can be transferred (transfer() on Node ≥ 21,
  // structuredClone on Node 20). The new buffer views the pages beyond the memory's reach: they must
  // stay mapped after dispose() (their contents discarded), or reading it kills the process.
  test('a buffer transferred away from JS outlives dispose() without crashing', () => {
    const script = `
      import { instantiate, watToWasm } from 'DIST/index.js';
      const bytes = await watToWasm('(module (memory (export "memory") 1 4) (data (i32.const 0) "*"))');
      const { instance } = await instantiate(bytes);
      const memory = instance.exports.memory;
      const buffer = memory.buffer;
      const moved = typeof buffer.transfer === 'function' ? buffer.transfer() : structuredClone(buffer, { transfer: [buffer] });
      const before = new Uint8Array(moved)[0];
      const next = memory.buffer;
      const seen = [buffer.byteLength, before, next !== buffer, next.byteLength, new Uint8Array(next)[0]];
      memory.grow(1);
      instance.dispose();
      console.log(...seen, new Uint8Array(moved)[0]);`;
    // The memory hands out a new buffer in place of the one transferred away.
    expect(runChild(script)).toEqual({ status: 0, signal: null, stdout: `0 42 true 65536 42 0`, stderr: '' });
  });
});
