// The perf map (runtime/perf-map.ts): every function, thunk, lazy stub and trampoline of a module
// named in /tmp/perf-<pid>.map with the exact range `module.disassemble()` lists, lazily compiled
// functions once written, named code never unmapped, and `perf report` attributing a hot loop's
// samples to its function's name (perf runs on the machines this project is tested on).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, instantiate, loadDisassembler, Module, watToWasm } from '../src/index.js';

await loadDisassembler();

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmjit-perf-map-test-'));
/** Perf maps this file's processes wrote, removed at the end. */
const maps = [`/tmp/perf-${process.pid}.map`];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const map of maps) rmSync(map, { force: true });
});

const WAT = `(module $calc
  (import "env" "log" (func $log (param i32)))
  (func $twice (export "twice") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
  (func (export "quarter") (param i32) (result f64)
    (f64.mul (f64.convert_i32_u (i32.div_u (call $twice (local.get 0)) (i32.const 7))) (f64.const 0.25)))
  (func $say (export "say") (param i32) (call $log (local.get 0))))`;

const IMPORTS = { env: { log: (): void => {} } };

interface MapLine {
  start: bigint;
  size: bigint;
  name: string;
}

function perfMap(): MapLine[] {
  return readFileSync(`/tmp/perf-${process.pid}.map`, 'utf8').trimEnd().split('\n').map((line) => {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
    if (!m) throw new Error(`not a perf map line: ${line}`);
    return { start: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), name: m[3]! };
  });
}

/** Each listed function's code range, from its listing's first line to the end of its last. */
function listedRanges(module: Module): Map<number, { start: bigint; size: bigint }> {
  const ranges = new Map<number, { start: bigint; size: bigint }>();
  for (const listing of module.disassemble().split('\n\n')) {
    const [header, ...lines] = listing.split('\n');
    const index = Number(/^func\[(\d+)\]/.exec(header!)![1]);
    const parsed = lines.map((line) => /^([0-9a-f]+) {2}((?:[0-9a-f]{2} ?)+)/.exec(line)!);
    const start = BigInt(`0x${parsed[0]![1]}`);
    const last = parsed.at(-1)!;
    const end = BigInt(`0x${last[1]}`) + BigInt(last[2]!.trim().split(' ').length);
    ranges.set(index, { start, size: end - start });
  }
  return ranges;
}

function lineAt(lines: readonly MapLine[], start: bigint): MapLine | undefined {
  return lines.findLast((line) => line.start === start);
}

describe('WASMJIT_PERF_MAP / perfMap', () => {
  it('names every function and thunk with the range its listing has, module name first', async () => {
    const module = await compile(await watToWasm(WAT, { debugNames: true }), { perfMap: true, lazy: false });
    const lines = perfMap();
    const expected = ['calc.log (import thunk env.log)', 'calc.twice', 'calc.wasm-function[2]', 'calc.say'];
    for (const [index, range] of listedRanges(module)) {
      expect(lineAt(lines, range.start), `function ${index}`).toEqual({ ...range, name: expected[index] });
    }
    expect(lines.some((line) => line.name === 'calc.wasmjit entry trampoline' && line.start === module.code.address + BigInt(module.compiled.entryOffset))).toBe(true);
    // wasmjit's own process-wide code is named too, from when the map was started.
    expect(lines.map((line) => line.name)).toContain('wasmjit koffi entry');
    module.dispose();
  });

  it('uses V8\'s wasm-function[INDEX] without a name section, and covers the whole code without overlap', async () => {
    const module = await compile(await watToWasm(WAT), { perfMap: true, lazy: false });
    const { address, length } = module.code;
    const mine = perfMap().filter((line) => line.start >= address && line.start < address + BigInt(length)).sort((a, b) => (a.start < b.start ? -1 : 1));
    expect(mine.filter((line) => line.name.startsWith('wasm-function')).map((line) => line.name).sort()).toEqual(['wasm-function[0] (import thunk env.log)', 'wasm-function[1]', 'wasm-function[2]', 'wasm-function[3]']);
    let at = address;
    for (const line of mine) {
      expect(line.start).toBe(at);
      at += line.size;
    }
    expect(at).toBe(address + BigInt(length));
    module.dispose();
  });

  it('names a lazy module\'s stubs when mapped and each function when compiled', async () => {
    const module = await compile(await watToWasm(WAT, { debugNames: true }), { perfMap: true, lazy: true });
    const stubs = perfMap().filter((line) => line.name.endsWith('(lazy stub)') && line.start >= module.code.address && line.start < module.code.address + BigInt(module.code.length));
    expect(stubs.map((line) => line.name).sort()).toEqual(['calc.say (lazy stub)', 'calc.twice (lazy stub)', 'calc.wasm-function[2] (lazy stub)']);
    const instance = await instantiate(module, IMPORTS);
    expect(instance.exports.twice(21)).toBe(42);
    const afterCall = perfMap();
    const twice = module.lazy!.function(1)!;
    expect(lineAt(afterCall, module.code.address + BigInt(twice.offset))).toEqual({ start: module.code.address + BigInt(twice.offset), size: BigInt(twice.size), name: 'calc.twice' });
    // `say` is not compiled yet: only its stub is named.
    const { address, size } = module.code;
    expect(afterCall.filter((line) => line.name === 'calc.say' && line.start >= address && line.start < address + BigInt(size))).toEqual([]);
    const expectListed = (listed: Map<number, { start: bigint; size: bigint }>): void => {
      const map = perfMap();
      for (const [index, range] of listed) expect(lineAt(map, range.start), `function ${index}`).toMatchObject(range);
    };
    expectListed(listedRanges(module));
    instance.dispose();
    module.dispose();
  });

  it('names a module loaded from an artifact, whose code has no listing marks', async () => {
    const compiled = await compile(await watToWasm(WAT, { debugNames: true }), { lazy: false });
    const module = Module.deserialize(compiled.serialize(), { perfMap: true });
    const lines = perfMap();
    for (const func of module.compiled.functions) {
      const start = module.code.address + BigInt(func.offset);
      expect(lineAt(lines, start)).toEqual({ start, size: BigInt(func.size), name: ['calc.log (import thunk env.log)', 'calc.twice', 'calc.wasm-function[2]', 'calc.say'][func.index] });
    }
    compiled.dispose();
    module.dispose();
  });

  it('keeps a disposed module\'s named code reserved and inaccessible, never reused', async () => {
    const module = await compile(await watToWasm(WAT), { perfMap: true, lazy: false });
    const { address, size } = module.code;
    const instance = await instantiate(module, IMPORTS);
    instance.dispose();
    module.dispose();
    const mapping = readFileSync('/proc/self/maps', 'utf8').split('\n').map((line) => /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line)).find((m) => m && BigInt(`0x${m[1]}`) <= address && address < BigInt(`0x${m[2]}`));
    expect(mapping?.[3]).toBe('---p');
    expect(BigInt(`0x${mapping![2]}`) - address).toBeGreaterThanOrEqual(BigInt(size));
  });

  it('rejects a WASMJIT_PERF_MAP other than 0 or 1', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `const { compile } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))}); await compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))`], { env: { ...process.env, WASMJIT_PERF_MAP: 'yes' }, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('WASMJIT_PERF_MAP must be 0 or 1, got "yes"');
  });

  it('writes a map of its own, with a warning, when V8 writes /tmp/perf-<pid>.map (--perf-basic-prof)', () => {
    const script = `const { instantiate, watToWasm } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});
const { instance } = await instantiate(await watToWasm('(module $basic (func $one (export "one") (result i32) i32.const 1))', { debugNames: true }), {});
console.log(process.pid, instance.exports.one());`;
    const run = spawnSync(process.execPath, ['--perf-basic-prof', '--input-type=module', '-e', script], { env: { ...process.env, WASMJIT_PERF_MAP: '1' }, encoding: 'utf8' });
    const pid = run.stdout.split(' ')[0];
    maps.push(`/tmp/perf-${pid}.map`, `/tmp/perf-${pid}.wasmjit.map`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`[WASMJIT_PERF_MAP] Warning: V8 writes /tmp/perf-${pid}.map (--perf-basic-prof): wasmjit's perf map is /tmp/perf-${pid}.wasmjit.map`);
    expect(readFileSync(`/tmp/perf-${pid}.wasmjit.map`, 'utf8')).toMatch(/^[0-9a-f]+ [0-9a-f]+ basic\.one$/m);
    expect(readFileSync(`/tmp/perf-${pid}.map`, 'utf8')).not.toContain('basic.one');
  });

  it('lets perf report attribute a hot loop\'s samples to its function', () => {
    const probe = spawnSync('perf', ['record', '-e', 'cpu-clock', '-o', join(scratch, 'probe.data'), '--', 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      // The one test that needs perf: say why it did not run (perf missing, perf_event_paranoid).
      console.warn(`perf report test skipped: perf record cannot run here: ${probe.error?.message ?? probe.stderr.trim()}`);
      return;
    }
    const script = join(scratch, 'hot.mjs');
    writeFileSync(script, `import { instantiate, watToWasm } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const bytes = await watToWasm(\`(module $prof
  (func $spin (export "spin") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 3))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
    (local.get 1)))\`, { debugNames: true });
const { instance } = await instantiate(bytes, {});
console.log(process.pid, instance.exports.spin(600000000));
`);
    const data = join(scratch, 'hot.data');
    const record = spawnSync('perf', ['record', '-e', 'cpu-clock', '-o', data, '--', process.execPath, script], { env: { ...process.env, WASMJIT_PERF_MAP: '1' }, encoding: 'utf8' });
    maps.push(`/tmp/perf-${record.stdout.split(' ')[0]}.map`);
    expect(record.status, record.stderr).toBe(0);
    const report = spawnSync('perf', ['report', '-i', data, '--stdio', '--sort', 'sym'], { encoding: 'utf8' });
    expect(report.status, report.stderr).toBe(0);
    const top = report.stdout.split('\n').find((line) => /^\s+\d/.test(line));
    expect(top).toMatch(/^\s+\d+\.\d+%\s+\[\.\] prof\.spin$/);
  });
});
