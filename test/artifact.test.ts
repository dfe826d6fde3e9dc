// AOT artifacts (runtime/artifact.ts): a module serialized and deserialized answers as the module it
// came from and as V8 (the spec suite does the same for all its modules: spec.test.ts, engine
// wasmjit-artifact; the samples: samples.test.ts); every damaged, foreign or stale artifact is a clean
// ArtifactError naming the check that failed; and an artifact loads in a fresh process, whose
// canonical type ids differ, with call_indirect still telling signatures apart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError, compile, instantiate, Module, watToWasm } from '../src/index.js';
import { FORMAT_VERSION, Header, resealArtifact, sha256, wasmjitVersion } from '../src/runtime/artifact.js';
import type { ArtifactErrorReason } from '../src/runtime/artifact.js';
import { canonicalTypeId } from '../src/compiler/type-ids.js';
import { artifactCase } from '../src/fuzz/artifact.js';
import { decodeModule, NO_BODY } from '../src/decode/index.js';
import { readShell, writeShell } from '../src/runtime/artifact-shell.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmjit-artifact-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Imports of every kind, memory with data, globals, a table with elements, call_indirect, a start
// function, multiple results and traps: everything an instance builds from the module's description.
const WAT = `(module
  (type $ii (func (param i32) (result i32)))
  (type $ff (func (param f64) (result f64)))
  (import "host" "add" (func $hostAdd (param i32 i32) (result i32)))
  (import "host" "base" (global $base i32))
  (memory (export "memory") 1 2)
  (data (i32.const 16) "artifact")
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (table (export "table") 4 funcref)
  (elem (i32.const 0) $inc $half)
  (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
  (func $half (type $ff) local.get 0 f64.const 0.5 f64.mul)
  (func $start global.get $base global.set $counter)
  (start $start)
  (func (export "callI") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii))
  (func (export "callF") (param i32 f64) (result f64) local.get 1 local.get 0 call_indirect (type $ff))
  (func (export "viaHost") (param i32) (result i32) local.get 0 global.get $counter call $hostAdd)
  (func (export "load") (param i32) (result i64) local.get 0 i64.load)
  (func (export "divmod") (param i32 i32) (result i32 i32)
    local.get 0 local.get 1 i32.div_s local.get 0 local.get 1 i32.rem_s)
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "popcnt") (param i64) (result i64) local.get 0 i64.popcnt)
)`;

const wasm = await watToWasm(WAT);
const imports = () => ({ host: { add: (a: number, b: number) => (a * 31 + b) | 0, base: 7 } });
const CALLS: Array<[string, unknown[]]> = [
  ['callI', [0, 5]], ['callI', [1, 5]], ['callI', [2, 5]], ['callI', [9, 5]],
  ['callF', [1, 3]], ['callF', [0, 3]],
  ['viaHost', [4]], ['load', [16]], ['load', [65535]],
  ['divmod', [7, -2]], ['divmod', [1, 0]],
  ['fac', [20n]], ['popcnt', [-1n]],
];

type Exports = Record<string, (...args: unknown[]) => unknown>;

function transcript(exports: Exports): string[] {
  return CALLS.map(([name, args]) => {
    try {
      return `${name}(${args.join(', ')}) = ${String(exports[name]!(...args))}`;
    } catch (err) {
      return `${name}(${args.join(', ')}) threw ${(err as Error).name}: ${(err as Error).message}`;
    }
  });
}

const original = await compile(wasm);
const artifact = original.serialize();

function expectArtifactError(bytes: Uint8Array, reason: ArtifactErrorReason, options = {}): void {
  let thrown: unknown;
  try {
    Module.deserialize(bytes, options).dispose();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ArtifactError);
  expect((thrown as ArtifactError).reason).toBe(reason);
  expect((thrown as ArtifactError).message).toContain(`(${reason})`);
}

/** The artifact with `edit` applied to a copy and the checksum made right again, so that the check after it is what fails. */
function edited(edit: (bytes: Uint8Array, view: DataView) => void, { rehashWasm = false } = {}): Uint8Array {
  const copy = new Uint8Array(artifact);
  edit(copy, new DataView(copy.buffer));
  return resealArtifact(copy, { rehashWasm });
}

/** Where each section starts, and its length, as the header says. */
function sections(bytes: Uint8Array): Array<{ start: number; length: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out = [];
  let at = Header.size as number;
  for (let i = 0; i < 6; i++) {
    const length = view.getUint32(Header.sections + 4 * i, true);
    out.push({ start: at, length });
    at += (length + 3) & ~3;
  }
  return out;
}

/** `value` with its typed arrays as their type and hash (a deep comparison of megabytes takes seconds), BigInts and Maps spelled out. */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_, v: unknown) => {
      if (ArrayBuffer.isView(v)) return `${v.constructor.name} ${Buffer.from(sha256(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))).toString('hex')}`;
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Map) return { map: [...v] };
      return v === undefined ? '(undefined)' : v;
    }),
  );
}

describe('the module shell', () => {
  // Real modules too: Go's ~100,000 data segments, Rust's and emscripten's custom sections and globals.
  const packages = ['sql.js/dist/sql-wasm.wasm', '@resvg/resvg-wasm/index_bg.wasm', 'tiktoken/tiktoken_bg.wasm', 'esbuild-wasm/esbuild.wasm'];
  const modules: Array<[string, Uint8Array]> = [['the test module', wasm], ...packages.map((file): [string, Uint8Array] => [file, new Uint8Array(readFileSync(join(ROOT, 'node_modules', file)))])];

  it.each(modules)('%s: read back, it is the IR decoding gives without bodies, its types shared as decoding shares them', (_, bytes) => {
    const withBodies = decodeModule(bytes);
    const read = readShell(writeShell(withBodies, bytes), bytes);
    // A body's offset is where its instructions start, as decoding with bodies finds (after the locals).
    const funcs = withBodies.funcs.map((f) => ({ ...f, locals: [], body: NO_BODY }));
    expect(comparable(read)).toEqual(comparable({ ...decodeModule(bytes, { bodies: false }), funcs }));
    for (const f of read.funcs) expect(f.type).toBe(read.types[f.typeIndex]);
    for (const imp of read.imports) if (imp.kind === 'func') expect(imp.type).toBe(read.types[imp.typeIndex]);
  });
});

describe('round trip', () => {
  it('a deserialized module answers as the original and as V8', async () => {
    const v8 = (await WebAssembly.instantiate(wasm, imports())).instance.exports as unknown as Exports;
    const compiled = await instantiate(original, imports());
    const loaded = Module.deserialize(artifact);
    const fromArtifact = await instantiate(loaded, imports());
    const expected = transcript(v8);
    expect(expected).toContain('callI(0, 5) = 6');
    expect(expected.some((line) => line.startsWith('callI(1, 5) threw RuntimeError'))).toBe(true);
    expect(transcript(compiled.exports as Exports)).toEqual(expected);
    expect(transcript(fromArtifact.exports as Exports)).toEqual(expected);
    expect(loaded.exports()).toEqual(original.exports());
    expect(loaded.imports()).toEqual(original.imports());
    compiled.dispose();
    fromArtifact.dispose();
    loaded.dispose();
  });

  it('serializing a deserialized module gives the same artifact', () => {
    const loaded = Module.deserialize(artifact);
    expect(loaded.serialize()).toEqual(artifact);
    loaded.dispose();
  });

  it('keeps what listings and fast calls read from function bodies', () => {
    const loaded = Module.deserialize(artifact);
    const withoutAddresses = (listing: string) => listing.replace(/(0x)?[0-9a-f]{12}\b/g, 'ADDRESS');
    expect(withoutAddresses(loaded.disassemble())).toEqual(withoutAddresses(original.disassemble()));
    expect(loaded.disassemble('fac')).toContain('i64.mul');
    for (const f of original.compiled.functions) expect(loaded.isNativeOnly(f.index), `function ${f.index}`).toBe(original.isNativeOnly(f.index));
    loaded.dispose();
  });

  it('holds the module it came from and what it was compiled for', () => {
    const withoutPopcnt = Module.fromBytes(wasm, { cpuFeatures: { popcnt: false } });
    const loaded = Module.deserialize(withoutPopcnt.serialize(), { cpuFeatures: { popcnt: false } });
    expect(loaded.source.features).toEqual(withoutPopcnt.source.features);
    expect(loaded.source.features.popcnt).toBe(false);
    expect(sha256(loaded.source.wasm)).toEqual(sha256(wasm));
    withoutPopcnt.dispose();
    loaded.dispose();
  });
});

describe('bad artifacts are ArtifactErrors', () => {
  it('truncated at every header field and inside every section', () => {
    const cuts = [0, 1, 7, 8, 11, 12, 15, 16, 47, 48, 79, 80, 111, 112, 115, 116, 139, ...sections(artifact).map((s) => s.start + (s.length >> 1)), artifact.length - 1];
    for (const cut of cuts) expectArtifactError(artifact.subarray(0, cut), 'truncated');
  });

  it('foreign: wasm bytes, text, nothing like an artifact', () => {
    expectArtifactError(wasm, 'foreign');
    expect(() => Module.deserialize(wasm)).toThrow(/a WebAssembly module, not a wasmjit artifact/);
    expectArtifactError(new TextEncoder().encode('(module)'), 'foreign');
    expectArtifactError(edited((bytes) => (bytes[3] ^= 1)), 'foreign');
  });

  it('a byte flipped anywhere the checksum covers', () => {
    const covered = [Header.features, Header.wasmjitVersion + 2, Header.wasmHash + 5, Header.checksum + 9];
    const [, code, functions, relocations, nativeOnly, shell] = sections(artifact);
    for (const s of [code, functions, relocations, nativeOnly, shell]) covered.push(s!.start, s!.start + s!.length - 1);
    for (const at of covered) {
      const copy = new Uint8Array(artifact);
      copy[at] ^= 0x10;
      expectArtifactError(copy, 'checksum');
    }
  });

  it('the wasm bytes changed (their own hash covers them)', () => {
    const [wasmSection] = sections(artifact);
    const copy = new Uint8Array(artifact);
    copy[wasmSection!.start + wasmSection!.length - 3] ^= 1;
    expectArtifactError(copy, 'wasm-hash');
  });

  it('stale: another format version, another wasmjit version', () => {
    expectArtifactError(edited((_, view) => view.setUint32(Header.formatVersion, FORMAT_VERSION + 1, true)), 'format-version');
    const other = edited((bytes) => bytes.set(new TextEncoder().encode(`${wasmjitVersion()}-other`), Header.wasmjitVersion));
    expectArtifactError(other, 'wasmjit-version');
    expect(() => Module.deserialize(other)).toThrow(`made by wasmjit ${wasmjitVersion()}-other, this is wasmjit ${wasmjitVersion()}`);
  });

  it('a CPU without a feature the code uses', () => {
    const allFeatures = edited((_, view) => view.setUint32(Header.features, 0b1_0111_1111, true));
    for (const feature of ['lzcnt', 'tzcnt', 'popcnt', 'sse41', 'sse3', 'ssse3', 'sse42', 'bmi2'] as const) {
      expectArtifactError(allFeatures, 'cpu-features', { cpuFeatures: { [feature]: false } });
      expect(() => Module.deserialize(allFeatures, { cpuFeatures: { [feature]: false } })).toThrow(new RegExp(`the code uses ${feature}, which this CPU lacks`));
    }
    expectArtifactError(edited((_, view) => view.setUint32(Header.features, 1 << 30, true)), 'cpu-features');
    // The check reads the CPU's features (detected, then overridden): with every one it loads.
    Module.deserialize(allFeatures, { cpuFeatures: { lzcnt: true, tzcnt: true, popcnt: true, sse41: true, sse3: true, ssse3: true, sse42: true, bmi2: true } }).dispose();
  });

  it('offsets and indices outside what they name, behind a right checksum', () => {
    const [, code, functions, relocations, nativeOnly, shell] = sections(artifact);
    const setInt = (at: number, value: number) => edited((_, view) => view.setInt32(at, value, true));
    expectArtifactError(setInt(functions!.start, code!.length), 'malformed');
    expectArtifactError(setInt(functions!.start + 4, -1), 'malformed');
    expectArtifactError(edited((_, view) => view.setUint32(Header.entryOffset, code!.length, true)), 'malformed');
    expectArtifactError(setInt(relocations!.start, code!.length - 3), 'malformed');
    expectArtifactError(setInt(relocations!.start + 4, 7), 'malformed');
    expectArtifactError(setInt(relocations!.start + 8, 1000), 'malformed');
    // The fourth relocation is the first type id's (the first three are the runtime state's address:
    // the trampoline's entry and exit, and its trap walk's).
    expect(new DataView(artifact.buffer).getInt32(relocations!.start + 3 * 12 + 4, true)).toBe(2);
    expectArtifactError(setInt(relocations!.start + 3 * 12 + 8, 1000), 'malformed');
    // Section lengths that disagree with the module or with the fields' sizes.
    expectArtifactError(edited((_, view) => view.setUint32(Header.sections + 8, functions!.length - 16, true)), 'malformed');
    expectArtifactError(edited((_, view) => view.setUint32(Header.sections + 16, nativeOnly!.length - 1, true)), 'malformed');
    expectArtifactError(edited((_, view) => view.setUint32(Header.sections + 12, relocations!.length - 4, true)), 'malformed');
    // A shell that is not JSON, or not a module's, behind a right checksum.
    expectArtifactError(edited((bytes) => (bytes[shell!.start] = 0x7f)), 'malformed');
    const shellText = new TextDecoder().decode(artifact.subarray(shell!.start, shell!.start + shell!.length));
    const withShell = (text: string): Uint8Array => {
      const bytes = new TextEncoder().encode(text);
      const header = new Uint8Array(artifact.subarray(0, Header.size));
      new DataView(header.buffer).setUint32(Header.sections + 20, bytes.length, true);
      const padded = new Uint8Array((bytes.length + 3) & ~3);
      padded.set(bytes);
      return resealArtifact(Uint8Array.from([...header, ...artifact.subarray(Header.size, shell!.start), ...padded]));
    };
    expect(() => Module.deserialize(withShell(shellText)).dispose()).not.toThrow();
    expect(() => Module.deserialize(withShell('{}'))).toThrow(/\(malformed\): its module shell is not one/);
    expect(() => Module.deserialize(withShell(shellText.replace('"funcs":[', '"funcs":[99,0,')))).toThrow(/\(malformed\): its module shell is not one: unknown type 99/);
    expect(() => Module.deserialize(withShell(shellText.replace(/"data":\[\d+,/, '"data":[1000000,')))).toThrow(/\(malformed\): its module shell is not one: the data section at 1000000/);
    // Bytes after the end.
    expectArtifactError(Uint8Array.from([...artifact, 0, 0, 0, 0]), 'malformed');
  });
});

describe('in a fresh process', () => {
  it('relocates canonical type ids: call_indirect tells signatures apart, across modules sharing a table', async () => {
    const artifactFile = join(scratch, 'module.wjit');
    writeFileSync(artifactFile, artifact);
    const wasmFile = join(scratch, 'module.wasm');
    writeFileSync(wasmFile, wasm);
    const otherWat = `(module (import "m" "table" (table 4 funcref))
      (elem (i32.const 2) $dbl $neg)
      (func $dbl (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
      (func $neg (param f64) (result f64) local.get 0 f64.neg))`;
    const otherFile = join(scratch, 'other.wasm');
    writeFileSync(otherFile, await watToWasm(otherWat));
    // Before loading the artifact, the child makes types of its own: its ids for the artifact's types differ from ours.
    const manyTypes = `(module ${Array.from({ length: 12 }, (_, i) => `(func (param ${'f32 '.repeat(i + 1)}) (result i64) i64.const 0)`).join(' ')})`;
    const script = `
      import { readFileSync } from 'node:fs';
      import { compile, instantiate, Module, watToWasm } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
      import { canonicalTypeId } from ${JSON.stringify(join(ROOT, 'dist/compiler/type-ids.js'))};
      await compile(await watToWasm(${JSON.stringify(manyTypes)}));
      const calls = [['callI', 0, 5], ['callI', 1, 5], ['callI', 2, 5], ['callI', 3, 5], ['callF', 1, 3], ['callF', 0, 3], ['callF', 3, 3], ['callF', 2, 3]];
      const run = (exports) => calls.map(([name, i, x]) => { try { return String(exports[name](i, x)); } catch (e) { return e.name + ': ' + e.message; } });
      const imports = { host: { add: (a, b) => a + b, base: 1 } };
      const other = readFileSync(${JSON.stringify(otherFile)});
      const v8 = (await WebAssembly.instantiate(readFileSync(${JSON.stringify(wasmFile)}), imports)).instance;
      await WebAssembly.instantiate(other, { m: { table: v8.exports.table } });
      const loaded = await instantiate(Module.deserialize(readFileSync(${JSON.stringify(artifactFile)})), imports);
      await instantiate(other, { m: { table: loaded.exports.table } });
      const ids = [canonicalTypeId({ params: ['i32'], results: ['i32'] }), canonicalTypeId({ params: ['f64'], results: ['f64'] })];
      console.log(JSON.stringify({ v8: run(v8.exports), wasmjit: run(loaded.exports), ids }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout) as { v8: string[]; wasmjit: string[]; ids: number[] };
    expect(result.ids).not.toEqual([canonicalTypeId({ params: ['i32'], results: ['i32'] }), canonicalTypeId({ params: ['f64'], results: ['f64'] })]);
    expect(result.v8.slice(0, 4)).toEqual(['6', 'RuntimeError: null function or function signature mismatch', '10', 'RuntimeError: null function or function signature mismatch']);
    expect(result.v8.slice(4)).toEqual(['1.5', 'RuntimeError: null function or function signature mismatch', '-3', 'RuntimeError: null function or function signature mismatch']);
    expect(result.wasmjit).toEqual(result.v8);
  });
});

describe('the loader fuzz target (src/fuzz/artifact.ts)', () => {
  it('ends every mutated artifact in an ArtifactError or a module, reaching every check', async () => {
    const outcomes = new Map<string, number>();
    for (let seed = 1; seed <= 300; seed++) {
      const result = await artifactCase(seed, () => {});
      expect(result.problem, `seed ${seed}: ${result.mutation}, resealed: ${result.resealed}`).toBeUndefined();
      outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
    }
    for (const outcome of ['loaded', 'rejected: truncated', 'rejected: checksum', 'rejected: malformed', 'rejected: wasm-hash', 'rejected: foreign']) {
      expect(outcomes.get(outcome), `${outcome} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    }
  }, 60_000);
});
