#!/usr/bin/env node
// Throughput of hash-wasm's streaming hashes (md5, sha*, blake*, xxhash*, crc*, …) under wasmjit and
// under V8, in MiB/s: the same module bytes, driven through Hash_Init / Hash_Update (16 KiB chunks, as
// hash-wasm does) / Hash_Final over the same seeded input, median of several runs after one warm-up.
// V8 runs in child processes, Liftoff only (`--liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering`:
// in Node 20 the dynamic tiering would still hand hot functions to TurboFan) and TurboFan only
// (`--no-liftoff`); wasmjit runs in this process. Every engine's digest must agree, or the row says so.
// argon2, scrypt and bcrypt are key-derivation functions over a memory block, not streams: not measured.
//
//   npm run build && node bench/hash-wasm.mjs [--mib 16] [--runs 5] [--only sha256,md5]
//
// The wasm bytes come from hash-wasm's bundle, where rollup inlined each module as
// `var name$X = "sha256"; var data$X = "<base64 .wasm>";` (see test/hash-wasm.test.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CHUNK = 16 * 1024;
const MiB = 1024 * 1024;

/** Hash_Init / Hash_Final arguments and bytes preset in the buffer, as hash-wasm's default functions use them. */
const RECIPES = {
  adler32: { digestBytes: 4 },
  md4: { digestBytes: 16 },
  md5: { digestBytes: 16 },
  sha1: { digestBytes: 20 },
  sha256: { digestBytes: 32, init: 256 },
  sha512: { digestBytes: 64, init: 512 },
  sha3: { digestBytes: 32, init: 256, final: 0x06 },
  ripemd160: { digestBytes: 20 },
  whirlpool: { digestBytes: 64 },
  sm3: { digestBytes: 32 },
  blake2b: { digestBytes: 64, init: 512 },
  blake2s: { digestBytes: 32, init: 256 },
  blake3: { digestBytes: 32, init: 0, final: 32 },
  crc32: { digestBytes: 4, init: 0xedb88320 },
  crc64: { digestBytes: 8, preset: [0x42, 0x0f, 0x87, 0xd7, 0x95, 0x57, 0x6c, 0xc9] },
  xxhash32: { digestBytes: 4, init: 0 },
  xxhash64: { digestBytes: 8, preset: [0, 0, 0, 0, 0, 0, 0, 0] },
  xxhash3: { digestBytes: 8, preset: [0, 0, 0, 0, 0, 0, 0, 0] },
  xxhash128: { digestBytes: 16, preset: [0, 0, 0, 0, 0, 0, 0, 0] },
};

function extractModules() {
  const bundle = createRequire(import.meta.url).resolve('hash-wasm/dist/index.esm.js');
  const source = readFileSync(bundle, 'utf8');
  const pairs = /^\s*var name(\$\w+)? = "(\w+)";\s*var data\1 = "([A-Za-z0-9+/=]+)";/gm;
  return new Map([...source.matchAll(pairs)].map(([, , name, base64]) => [name, new Uint8Array(Buffer.from(base64, 'base64'))]));
}

/** splitmix32 bytes: the same input in every process. */
function randomBytes(length, seed) {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, length >>> 2);
  let state = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    words[i] = z ^ (z >>> 16);
  }
  return bytes;
}

function hash(exports, recipe, input) {
  const buffer = exports.Hash_GetBuffer();
  const memory = () => new Uint8Array(exports.memory.buffer);
  if (recipe.preset) memory().set(recipe.preset, buffer);
  exports.Hash_Init(recipe.init ?? null);
  for (let read = 0; read < input.length; read += CHUNK) {
    const chunk = input.subarray(read, read + CHUNK);
    memory().set(chunk, buffer);
    exports.Hash_Update(chunk.length);
  }
  exports.Hash_Final(recipe.final ?? null);
  return Buffer.from(memory().subarray(buffer, buffer + recipe.digestBytes)).toString('hex');
}

/** `{mibPerSecond, digest}` for one instance: one warm-up run, then the median of `runs`. */
function measure(exports, recipe, input, runs) {
  const digest = hash(exports, recipe, input);
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    hash(exports, recipe, input);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return { mibPerSecond: input.length / MiB / seconds[Math.floor(runs / 2)], digest };
}

/** Results for every module under one engine: `{name: {mibPerSecond, digest} | {error}}`. */
async function measureAll(engine, names, options) {
  const modules = extractModules();
  const input = randomBytes(options.mib * MiB, 20240601);
  const wasmjit = engine === 'wasmjit' ? await import('../dist/index.js') : undefined;
  const results = {};
  for (const name of names) {
    try {
      const instance = wasmjit
        ? (await wasmjit.instantiate(modules.get(name))).instance
        : (await WebAssembly.instantiate(modules.get(name))).instance;
      results[name] = measure(instance.exports, RECIPES[name], input, options.runs);
      instance.dispose?.();
    } catch (error) {
      results[name] = { error: `${error.constructor.name}: ${error.message}` };
    }
  }
  return results;
}

const V8_TIERS = {
  'V8 Liftoff': ['--liftoff', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'],
  'V8 TurboFan': ['--no-liftoff'],
};

function measureInChild(flags, names, options) {
  const args = [...flags, fileURLToPath(import.meta.url), '--child', '--mib', String(options.mib), '--runs', String(options.runs), '--only', names.join(',')];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * MiB }));
}

const format = (result) => ('error' in result ? 'error' : result.mibPerSecond.toFixed(1));

async function main() {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '16' },
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      child: { type: 'boolean', default: false },
    },
  });
  const options = { mib: Number(values.mib), runs: Number(values.runs) };
  const names = values.only ? values.only.split(',') : Object.keys(RECIPES);
  const unknown = names.filter((name) => !(name in RECIPES));
  if (unknown.length > 0) throw new Error(`no streaming hash-wasm module named ${unknown.join(', ')} (known: ${Object.keys(RECIPES).join(', ')})`);
  if (values.child) {
    process.stdout.write(JSON.stringify(await measureAll('v8', names, options)));
    return;
  }

  console.log(`hash-wasm streaming hashes, ${options.mib} MiB of input, MiB/s (median of ${options.runs} runs); Node ${process.version}`);
  const columns = { wasmjit: await measureAll('wasmjit', names, options) };
  for (const [tier, flags] of Object.entries(V8_TIERS)) columns[tier] = measureInChild(flags, names, options);

  const header = ['module', ...Object.keys(columns), 'wasmjit/Liftoff', 'wasmjit/TurboFan', 'digests'];
  const rows = names.map((name) => {
    const results = Object.values(columns).map((column) => column[name]);
    const [jit, liftoff, turbofan] = results;
    const ratio = (v8) => ('error' in jit || 'error' in v8 ? '-' : (jit.mibPerSecond / v8.mibPerSecond).toFixed(2));
    const digests = new Set(results.filter((r) => !('error' in r)).map((r) => r.digest));
    return [name, ...results.map(format), ratio(liftoff), ratio(turbofan), digests.size === 1 ? 'same' : 'DIFFER'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));

  for (const [engine, column] of Object.entries(columns)) {
    for (const [name, result] of Object.entries(column)) if ('error' in result) console.log(`${engine} ${name}: ${result.error}`);
  }
  for (const name of extractModules().keys()) if (!(name in RECIPES)) console.log(`${name}: not a streaming hash, not measured`);
  if (rows.some((row) => row.at(-1) === 'DIFFER')) process.exitCode = 1;
}

await main();
