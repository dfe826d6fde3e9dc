// Lifetimes without dispose(), as apps that use the WebAssembly namespace live: whatever JS can no
// longer reach — instances, modules, memories, tables and globals — is unmapped once V8 collects it,
// and nothing is unmapped while something reachable can still reach it natively (an exported memory
// or function alone, a table or global holding a function of an instance nobody refers to).
//
// Each case runs in a fresh node with --expose-gc (from dist/), which collects (gc() and event-loop
// turns, so that FinalizationRegistry callbacks run) and reports what it saw. Before this was fixed,
// 200 JS-made memories left 400 lines of /proc/self/maps behind, and 200 instances 800.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../src/index.js';

const MiB = 1024 * 1024;
/** Every memory below has no maximum: its 4 GiB reservation would stand out of any noise. */
const MAX_ADDRESS_SPACE_GROWTH = 512 * MiB;
/**
 * Each round makes 100 of each kind, with several mappings per instance: a leak is thousands of lines.
 * V8's own heap adds a line per 256 KiB page it grows by (Node 24's grows by 32 MiB in the first
 * rounds): those are allowed on top.
 */
const MAX_MAPS_GROWTH = 128;
const V8_HEAP_PAGE = 256 * 1024;

/** An instance owning one of everything: memory, table, mutable global, a host import, segments. */
const OWNER = `(module
  (type $unary (func (param i32) (result i32)))
  (import "env" "twice" (func $twice (type $unary)))
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global (export "g") (mut i32) (i32.const 5))
  (elem (i32.const 0) $inc $twice)
  (data (i32.const 0) "\\2a")
  (func $inc (export "inc") (type $unary) (i32.add (local.get 0) (i32.const 1)))
  ;; run(x) = g + memory[0] + twice(inc(x)), both called through the table: 47 + 2(x + 1)
  (func (export "run") (type $unary)
    (i32.add (i32.add (global.get 0) (i32.load8_u (i32.const 0)))
      (call_indirect (type $unary) (call_indirect (type $unary) (local.get 0) (i32.const 0)) (i32.const 1)))))`;

/**
 * An instance linked to an OWNER's memory, table and global: its functions reach the owner's natively,
 * while nothing in its JS objects refers to the owner instance.
 */
const USER = `(module
  (type $unary (func (param i32) (result i32)))
  (import "owner" "memory" (memory 1))
  (import "owner" "table" (table 2 funcref))
  (import "owner" "g" (global (mut i32)))
  ;; viaOwner(x) = x + g + memory[0] = x + 47
  (func (export "viaOwner") (type $unary)
    (i32.add (local.get 0) (i32.add (global.get 0) (i32.load8_u (i32.const 0)))))
  ;; indirect(x) = the owner's host import twice(x), through the owner's table
  (func (export "indirect") (type $unary) (call_indirect (type $unary) (local.get 0) (i32.const 1))))`;

/** Writes its function into an imported table with an element segment, then traps if asked to. */
const FILLER = `(module
  (import "js" "table" (table 1 funcref))
  (import "js" "fail" (global i32))
  (elem (i32.const 0) $triple)
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $start (if (global.get 0) (then unreachable)))
  (start $start))`;

/**
 * The child: `scenario` names a case of SCENARIOS; it prints `{results, before, after}` where the
 * samples are taken (after collecting) before the case and after it has returned, its objects
 * dropped. `imports` gives OWNER its host function.
 */
const CHILD = `
  const [dist, scenario, modulesJson] = process.argv.slice(1);
  const { WebAssembly: W, compile, instantiate } = await import(dist + '/index.js');
  const { readFileSync } = await import('node:fs');
  const modules = Object.fromEntries(Object.entries(JSON.parse(modulesJson)).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  const imports = { env: { twice: (x) => 2 * x } };
  const expectRun = (run, x) => { if (run(x) !== 47 + 2 * (x + 1)) throw new Error('run(' + x + ') returned ' + run(x)); };
  async function collect() {
    for (let i = 0; i < 6; i++) { gc(); await new Promise((resolve) => setTimeout(resolve, 10)); }
  }
  function sample() {
    const status = readFileSync('/proc/self/status', 'utf8');
    return {
      maps: readFileSync('/proc/self/maps', 'utf8').trimEnd().split('\\n').length,
      addressSpace: Number(/^VmSize:\\s+(\\d+) kB/m.exec(status)[1]) * 1024,
      jsHeap: process.memoryUsage().heapTotal,
    };
  }
  /** One of everything that owns native resources, made and dropped, 100 times; watched gets a WeakRef to each. */
  async function round(watched = []) {
    for (let i = 0; i < 100; i++) {
      watched.push(new WeakRef(new W.Memory({ initial: 1 })));
      watched.push(new WeakRef(new W.Table({ element: 'anyfunc', initial: 8 })));
      watched.push(new WeakRef(new W.Global({ value: 'i64', mutable: true }, 7n)));
      const { module, instance } = await W.instantiate(modules.owner, imports);
      watched.push(new WeakRef(module), new WeakRef(instance));
      expectRun(instance.exports.run, i);
      if (new Uint8Array(instance.exports.memory.buffer)[0] !== 42) throw new Error('memory[0] is not 42');
      expectRun((await W.instantiate(module, imports)).exports.run, i);
      new W.Module(modules.owner);
      const linked = await W.instantiate(modules.user, { owner: instance.exports });
      if (linked.instance.exports.indirect(i) !== 2 * i) throw new Error('indirect(' + i + ')');
      new W.Table({ element: 'anyfunc', initial: 1 }).set(0, instance.exports.inc);
      expectRun((await instantiate(modules.owner, imports)).instance.exports.run, i);
      expectRun((await instantiate(await compile(modules.owner), imports)).exports.run, i);
    }
  }
  /**
   * Runs make() and collects: only what it returns stays reachable (its own variables are gone with
   * its frame, where the caller's would stay alive across an await).
   */
  async function keepOnly(make) {
    const kept = await make();
    await collect();
    return kept;
  }
  const SCENARIOS = {
    async leak() {
      const watched = [];
      for (let i = 0; i < 3; i++) await round(watched);
      await collect();
      return { made: watched.length, alive: watched.filter((ref) => ref.deref() !== undefined).length };
    },
    async onlyMemoryKept() {
      const memory = await keepOnly(async () => (await W.instantiate(modules.owner, imports)).instance.exports.memory);
      const first = new Uint8Array(memory.buffer)[0];
      memory.grow(1);
      return [first, memory.buffer.byteLength];
    },
    async onlyABufferKept() {
      let instance;
      const bytes = await keepOnly(async () => {
        const { exports } = (await W.instantiate(modules.owner, imports)).instance;
        instance = new WeakRef(exports.run);
        const bytes = new Uint8Array(exports.memory.buffer);
        bytes[1] = 7;
        return bytes;
      });
      return [instance.deref() === undefined, bytes[0], bytes[1]];
    },
    async onlyFunctionKept() {
      const run = await keepOnly(async () => (await W.instantiate(modules.owner, imports)).instance.exports.run);
      return [run(1), run(2)];
    },
    async tablesHoldFunctions() {
      const [set, filled] = await keepOnly(async () => {
        const set = new W.Table({ element: 'anyfunc', initial: 2 });
        const filled = new W.Table({ element: 'anyfunc', initial: 1 });
        const { exports } = (await W.instantiate(modules.owner, imports)).instance;
        set.set(0, exports.run);
        set.set(1, exports.inc);
        await W.instantiate(modules.filler, { js: { table: filled, fail: 0 } });
        return [set, filled];
      });
      return [set.get(0)(3), set.get(1)(4), set.get(0) === set.get(0), filled.get(0)(5)];
    },
    async failedInstantiationsFunctionsInATable() {
      const [table, failure] = await keepOnly(async () => {
        const table = new W.Table({ element: 'anyfunc', initial: 1 });
        return [table, await W.instantiate(modules.filler, { js: { table, fail: 1 } }).then(() => 'instantiated', (e) => e.message)];
      });
      return [failure, table.get(0)(7)];
    },
    async globalHoldsAFunction() {
      const global = await keepOnly(async () => {
        const { inc } = (await W.instantiate(modules.owner, imports)).instance.exports;
        return new W.Global({ value: 'anyfunc', mutable: true }, inc);
      });
      return global.value(41);
    },
    async onlyTheUsersFunctionsKept() {
      const { viaOwner, indirect } = await keepOnly(async () => {
        const owner = (await W.instantiate(modules.owner, imports)).instance.exports;
        return (await W.instantiate(modules.user, { owner })).instance.exports;
      });
      return [viaOwner(1), indirect(21)];
    },
  };
  // Two rounds bring the JS heap and koffi's own allocations to their working size.
  for (let i = 0; i < 2; i++) await round();
  await collect();
  const before = sample();
  const results = await SCENARIOS[scenario]();
  await collect();
  process.stdout.write(JSON.stringify({ results, before, after: sample() }));`;

interface Sample {
  maps: number;
  addressSpace: number;
  jsHeap: number;
}

interface Report {
  results: unknown;
  before: Sample;
  after: Sample;
}

let modules: string;

function runScenario(scenario: string): Report {
  const dist = new URL('../dist', import.meta.url).href;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, dist, scenario, modules], { encoding: 'utf8' });
  if (child.signal || child.status !== 0) throw new Error(`child ${child.signal ?? `exit ${child.status}`}: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as Report;
  console.log(
    `${scenario}: /proc/self/maps ${report.before.maps} → ${report.after.maps} lines, ` +
      `VmSize ${(report.before.addressSpace / MiB).toFixed(0)} → ${(report.after.addressSpace / MiB).toFixed(0)} MiB, ` +
      `JS heap ${(report.before.jsHeap / MiB).toFixed(0)} → ${(report.after.jsHeap / MiB).toFixed(0)} MiB`,
  );
  return report;
}

/** What a case left mapped once everything it made was dropped and collected. */
function expectAllFreed(report: Report): void {
  const heapPages = Math.max(0, report.after.jsHeap - report.before.jsHeap) / V8_HEAP_PAGE;
  expect(report.after.maps - report.before.maps, '/proc/self/maps lines left').toBeLessThan(MAX_MAPS_GROWTH + heapPages);
  expect(report.after.addressSpace - report.before.addressSpace, 'VmSize left').toBeLessThan(MAX_ADDRESS_SPACE_GROWTH);
}

describe.runIf(process.platform === 'linux')('collected without dispose() (child processes with --expose-gc)', () => {
  beforeAll(async () => {
    const wasm = async (text: string, filename: string) => Buffer.from(await watToWasm(text, { filename })).toString('base64');
    modules = JSON.stringify({ owner: await wasm(OWNER, 'owner.wat'), user: await wasm(USER, 'user.wat'), filler: await wasm(FILLER, 'filler.wat') });
  });

  it('300 each of memories, tables, globals, modules and linked instances made and dropped leave nothing mapped', () => {
    const report = runScenario('leak');
    expect(report.results).toEqual({ made: 1500, alive: 0 });
    expectAllFreed(report);
  });

  // Each case uses what it kept after a collection, then drops it: then everything goes.
  it.each([
    ['onlyMemoryKept', "an instance's exported memory, kept alone, keeps its contents and grows", [42, 2 * 65536]],
    ['onlyABufferKept', "a view of a collected instance's memory keeps its contents, as V8's do", [true, 42, 7]],
    ['onlyFunctionKept', 'an exported function kept alone reaches its memory, global, table and host import', [51, 53]],
    ['tablesHoldFunctions', "tables give and call the functions of instances nobody refers to (table.set, element segments)", [55, 5, true, 15]],
    ['failedInstantiationsFunctionsInATable', "a failed instantiation's functions stay callable from the table it wrote them into", ['unreachable', 21]],
    ['globalHoldsAFunction', 'a funcref global calls the function of an instance nobody refers to', 42],
    ['onlyTheUsersFunctionsKept', "an importer's functions reach the memory, global and table of the exporter nobody refers to, and its host import", [48, 42]],
  ])('%s: %s', (scenario, _what, expected) => {
    const report = runScenario(scenario);
    expect(report.results).toEqual(expected);
    expectAllFreed(report);
  });
});
