// Real code: every WebAssembly module that the npm package hash-wasm ships (md5, sha*, blake*, xxhash*,
// crc*, argon2, scrypt, bcrypt, …) runs under wasmjit and under V8 on the same inputs, driven through
// the module's exports exactly as hash-wasm's own JavaScript drives them; digests, saved states and
// memory contents must be byte-identical. Each driving recipe is first checked against hash-wasm's
// public API running on V8, so the recipes are known to compute the real hashes.
//
// Where the bytes are: hash-wasm's build (rollup) inlines each `wasm/<name>.wasm.json` into
// `dist/index.esm.js` as three top-level variables, `var name$X = "sha256"; var data$X = "<base64 of
// the .wasm>"; var hash$X = "<first 4 bytes of its SHA-1, as hex>";` (`$X` is a rollup suffix, empty for
// the last one). `extractModules` reads that file and decodes every `name`/`data` pair; the count is
// cross-checked against every base64 `\0asm` header ("AGFzbQ") in the file, so none is missed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as hashWasm from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { instantiateInV8, instantiateInWasmjit } from './helpers/differential.js';
import type { EngineInstance } from './helpers/differential.js';

const HASH_WASM_BUNDLE = createRequire(import.meta.url).resolve('hash-wasm/dist/index.esm.js');

function extractModules(): Map<string, Uint8Array> {
  const source = readFileSync(HASH_WASM_BUNDLE, 'utf8');
  const pairs = /^\s*var name(\$\w+)? = "(\w+)";\s*var data\1 = "([A-Za-z0-9+/=]+)";/gm;
  const modules = new Map<string, Uint8Array>();
  for (const [, , name, base64] of source.matchAll(pairs)) modules.set(name!, new Uint8Array(Buffer.from(base64!, 'base64')));
  const wasmHeaders = source.match(/"AGFzbQ/g)?.length ?? 0;
  if (modules.size !== wasmHeaders) {
    throw new Error(`${HASH_WASM_BUNDLE}: found ${wasmHeaders} embedded wasm modules but could name only ${modules.size}`);
  }
  return modules;
}

/**
 * Modules wasmjit cannot compile yet, with the exact CompileError each one gives today. When the
 * missing feature lands, that module's entry fails here: delete the entry and the module's
 * differential tests below run. hash-wasm 4.13.0 is integer-only (no f32/f64 instruction, no
 * 0xfc-prefixed bulk-memory or saturating truncation), so today every module compiles and the table
 * is empty. A module must be either here or driven by a recipe below: none is skipped silently.
 */
const COMPILE_ERRORS_TODAY: Record<string, string> = {};

/** hash-wasm copies input into the module's buffer in chunks of this size (MAX_HEAP in WASMInterface.ts). */
const CHUNK = 16 * 1024;
const MiB = 1024 * 1024;
const INPUT_SIZES = [0, 1, 3, 64, 65, 1000, 65536 + 7, 3 * MiB];

/** splitmix32: a fixed seed gives the same input bytes on every run. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 4) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    for (let b = 0; b < 4 && i + b < length; b++) bytes[i + b] = (z >>> (8 * b)) & 0xff;
  }
  return bytes;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Where two memory images first differ (a short failure message instead of a diff of megabytes). */
function firstDifference(actual: Uint8Array, expected: Uint8Array): string {
  const length = Math.min(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) return `byte ${i}: ${actual[i]} instead of ${expected[i]}`;
  }
  return actual.length === expected.length ? 'none' : `length ${actual.length} instead of ${expected.length}`;
}

/** Little-endian 64-bit value as hash-wasm writes seeds and polynomials (lo word, then hi word). */
function u64le(lo: number, hi: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, lo, true);
  view.setUint32(4, hi, true);
  return bytes;
}

type Exports = Record<string, any>;
const memoryOf = (ex: Exports): Uint8Array => new Uint8Array(ex.memory.buffer as ArrayBuffer);

// ---- streaming hashes: Hash_Init / Hash_Update / Hash_Final (and Hash_Calculate for short input) ----

/** One way of driving a streaming module, as one of hash-wasm's functions does. */
interface StreamRecipe {
  label: string;
  module: string;
  digestBytes: number;
  /** Hash_Init's argument (bits, seed, polynomial, or bits|keyLength<<16); hash-wasm passes null when none. */
  init?: number;
  /** Hash_Final's argument (SHA-3/Keccak padding byte, BLAKE3 output length). */
  final?: number;
  /** Bytes hash-wasm writes into the buffer before Hash_Init (a key, a 64-bit seed or polynomial). */
  preset?: Uint8Array;
  /** Whether hash-wasm may use the one-call Hash_Calculate (not with a preset: the input overwrites it). */
  oneShot: boolean;
  /** The same hash through hash-wasm's public API (on V8). */
  reference: (data: Uint8Array) => Promise<string>;
}

const KEY32 = randomBytes(32, 0xbeef);
const KEY16 = randomBytes(16, 0xcafe);
const plain = (module: string, digestBytes: number, reference: StreamRecipe['reference'], init?: number): StreamRecipe => ({
  label: module,
  module,
  digestBytes,
  init,
  oneShot: true,
  reference,
});

const STREAM_RECIPES: StreamRecipe[] = [
  plain('adler32', 4, (d) => hashWasm.adler32(d)),
  plain('md4', 16, (d) => hashWasm.md4(d)),
  plain('md5', 16, (d) => hashWasm.md5(d)),
  plain('sha1', 20, (d) => hashWasm.sha1(d)),
  plain('ripemd160', 20, (d) => hashWasm.ripemd160(d)),
  plain('whirlpool', 64, (d) => hashWasm.whirlpool(d)),
  plain('sm3', 32, (d) => hashWasm.sm3(d)),
  { ...plain('sha256', 28, (d) => hashWasm.sha224(d), 224), label: 'sha224' },
  plain('sha256', 32, (d) => hashWasm.sha256(d), 256),
  { ...plain('sha512', 48, (d) => hashWasm.sha384(d), 384), label: 'sha384' },
  plain('sha512', 64, (d) => hashWasm.sha512(d), 512),
  ...[224, 256, 384, 512].map((bits) => ({ ...plain('sha3', bits / 8, (d: Uint8Array) => hashWasm.sha3(d, bits as 256), bits), label: `sha3-${bits}`, final: 0x06 })),
  { ...plain('sha3', 32, (d) => hashWasm.keccak(d, 256), 256), label: 'keccak-256', final: 0x01 },
  plain('blake2b', 64, (d) => hashWasm.blake2b(d, 512), 512),
  { ...plain('blake2b', 32, (d) => hashWasm.blake2b(d, 256, KEY32), 256 | (32 << 16)), label: 'blake2b-256-keyed', preset: KEY32, oneShot: false },
  plain('blake2s', 32, (d) => hashWasm.blake2s(d, 256), 256),
  { ...plain('blake2s', 16, (d) => hashWasm.blake2s(d, 128, KEY16), 128 | (16 << 16)), label: 'blake2s-128-keyed', preset: KEY16, oneShot: false },
  { ...plain('blake3', 32, (d) => hashWasm.blake3(d, 256), 0), final: 32 },
  { ...plain('blake3', 64, (d) => hashWasm.blake3(d, 512, KEY32), 32), label: 'blake3-512-keyed', final: 64, preset: KEY32, oneShot: false },
  plain('crc32', 4, (d) => hashWasm.crc32(d), 0xedb88320),
  { ...plain('crc32', 4, (d) => hashWasm.crc32(d, 0x82f63b78), 0x82f63b78), label: 'crc32c' },
  { ...plain('crc64', 8, (d) => hashWasm.crc64(d)), preset: u64le(0xd7870f42, 0xc96c5795), oneShot: false },
  { ...plain('crc64', 8, (d) => hashWasm.crc64(d, '42f0e1eba9ea3693')), label: 'crc64-ecma-normal', preset: u64le(0xa9ea3693, 0x42f0e1eb), oneShot: false },
  plain('xxhash32', 4, (d) => hashWasm.xxhash32(d), 0),
  { ...plain('xxhash32', 4, (d) => hashWasm.xxhash32(d, 0x9e3779b1), 0x9e3779b1), label: 'xxhash32-seeded' },
  ...(['xxhash64', 'xxhash3', 'xxhash128'] as const).map((module) => ({
    ...plain(module, module === 'xxhash128' ? 16 : 8, (d: Uint8Array) => hashWasm[module](d, 0x12345678, 0x9abcdef0)),
    label: `${module}-seeded`,
    preset: u64le(0x12345678, 0x9abcdef0),
    oneShot: false,
  })),
];

interface StreamResult {
  digest: string;
  /** The Hash_GetState block (STATE_SIZE bytes) after the last update, as hash-wasm's save() reads it. */
  state: string;
}

function hashStreaming(ex: Exports, recipe: StreamRecipe, input: Uint8Array): StreamResult {
  const buffer = ex.Hash_GetBuffer() as number;
  if (recipe.preset) memoryOf(ex).set(recipe.preset, buffer);
  ex.Hash_Init(recipe.init ?? null);
  for (let read = 0; read < input.length; read += CHUNK) {
    const chunk = input.subarray(read, read + CHUNK);
    memoryOf(ex).set(chunk, buffer);
    ex.Hash_Update(chunk.length);
  }
  const stateOffset = ex.Hash_GetState() as number;
  const stateSize = new DataView(ex.memory.buffer as ArrayBuffer).getUint32(Number(ex.STATE_SIZE.value), true);
  const state = hex(memoryOf(ex).subarray(stateOffset, stateOffset + stateSize));
  ex.Hash_Final(recipe.final ?? null);
  return { digest: hex(memoryOf(ex).subarray(buffer, buffer + recipe.digestBytes)), state };
}

function hashOneShot(ex: Exports, recipe: StreamRecipe, input: Uint8Array): string {
  const buffer = ex.Hash_GetBuffer() as number;
  memoryOf(ex).set(input, buffer);
  ex.Hash_Calculate(input.length, recipe.init ?? null, recipe.final ?? null);
  return hex(memoryOf(ex).subarray(buffer, buffer + recipe.digestBytes));
}

// ---- key derivation: argon2, scrypt, bcrypt (their JS drives a block of memory, not a stream) -------

interface Argon2Case {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  /** 0 = argon2d, 1 = argon2i, 2 = argon2id. */
  hashType: number;
}

const ARGON2_CASES: Argon2Case[] = [
  { memoryKiB: 8, iterations: 1, parallelism: 1, hashType: 0 },
  { memoryKiB: 64, iterations: 3, parallelism: 2, hashType: 1 },
  { memoryKiB: 1024, iterations: 2, parallelism: 4, hashType: 2 },
  { memoryKiB: 3072, iterations: 1, parallelism: 1, hashType: 2 },
];

/**
 * As argon2Internal does: size the memory, write the init vector after the blocks and the first two
 * blocks of each lane (BLAKE2b output in hash-wasm, seeded random bytes here), then Hash_Calculate.
 * Returns every byte the module owns: all blocks (the result C is written to block 0) and the vector.
 */
function runArgon2(ex: Exports, c: Argon2Case): { setMemorySize: number; memory: Uint8Array } {
  ex.Hash_GetBuffer();
  const setMemorySize = ex.Hash_SetMemorySize(c.memoryKiB * 1024 + 1024) as number;
  const buffer = ex.Hash_GetBuffer() as number;
  const initVector = new Int32Array([c.parallelism, 32, c.memoryKiB, c.iterations, 0x13, c.hashType]);
  memoryOf(ex).set(new Uint8Array(initVector.buffer), buffer + c.memoryKiB * 1024);
  const laneBlocks = Math.floor(c.memoryKiB / (c.parallelism * 4)) * 4;
  for (let lane = 0; lane < c.parallelism; lane++) {
    memoryOf(ex).set(randomBytes(2048, lane + 1), buffer + lane * laneBlocks * 1024);
  }
  ex.Hash_Calculate(0, c.memoryKiB);
  return { setMemorySize, memory: memoryOf(ex).slice(buffer, buffer + c.memoryKiB * 1024 + 1024) };
}

interface ScryptCase {
  costFactor: number;
  blockSize: number;
  parallelism: number;
}

const SCRYPT_CASES: ScryptCase[] = [
  { costFactor: 2, blockSize: 1, parallelism: 1 },
  { costFactor: 16, blockSize: 8, parallelism: 1 },
  { costFactor: 1024, blockSize: 8, parallelism: 2 },
  { costFactor: 16384, blockSize: 1, parallelism: 1 },
];

/** As scryptInternal does: the PBKDF2 block data (seeded random bytes here), then scrypt(r, N, p). */
function runScrypt(ex: Exports, c: ScryptCase): { setMemorySize: number; memory: Uint8Array } {
  const blockBytes = 128 * c.blockSize * c.parallelism;
  const totalBytes = blockBytes + 128 * c.blockSize * c.costFactor + 256 * c.blockSize;
  ex.Hash_GetBuffer();
  const setMemorySize = ex.Hash_SetMemorySize(totalBytes) as number;
  const buffer = ex.Hash_GetBuffer() as number;
  memoryOf(ex).set(randomBytes(blockBytes, c.costFactor), buffer);
  ex.scrypt(c.blockSize, c.costFactor, c.parallelism);
  return { setMemorySize, memory: memoryOf(ex).slice(buffer, buffer + totalBytes) };
}

const BCRYPT_SALT = randomBytes(16, 0x5a17);
const BCRYPT_PASSWORDS = [0, 1, 3, 64, 72].map((length) => randomBytes(length, 0x9a55 + length));

/** As bcryptInternal does: salt at 0, password at 16; the result (60 characters or 24 bytes) at 0. */
function bcryptHash(ex: Exports, password: Uint8Array, costFactor: number, encode: boolean): string {
  const buffer = ex.Hash_GetBuffer() as number;
  memoryOf(ex).set(BCRYPT_SALT, buffer);
  memoryOf(ex).set(password, buffer + 16);
  ex.bcrypt(password.length, costFactor, encode ? 1 : 0);
  const result = memoryOf(ex).subarray(buffer, buffer + (encode ? 60 : 24));
  return encode ? Buffer.from(result).toString('latin1') : hex(result);
}

/** As bcryptVerify does: the encoded hash at 0, the password at 60. */
function bcryptVerify(ex: Exports, encoded: string, password: Uint8Array): number {
  const buffer = ex.Hash_GetBuffer() as number;
  memoryOf(ex).set(Buffer.from(encoded, 'latin1'), buffer);
  memoryOf(ex).set(password, buffer + 60);
  return ex.bcrypt_verify(password.length) as number;
}

/** The password with its first bit flipped (or one byte, for the empty password). */
const wrongPassword = (password: Uint8Array): Uint8Array =>
  password.length > 0 ? password.map((b, i) => (i === 0 ? b ^ 1 : b)) : new Uint8Array([0x61]);

// ---- the tests ------------------------------------------------------------------------------------

const MODULES = extractModules();
const DRIVEN = new Set([...STREAM_RECIPES.map((r) => r.module), 'argon2', 'scrypt', 'bcrypt']);
const runs = (module: string): boolean => !(module in COMPILE_ERRORS_TODAY);
const INPUT = randomBytes(Math.max(...INPUT_SIZES), 20240601);

describe('hash-wasm modules', () => {
  it('are all found in the package and each is either driven below or listed as not compiling yet', () => {
    expect(MODULES.size).toBeGreaterThanOrEqual(22);
    const accounted = [...DRIVEN, ...Object.keys(COMPILE_ERRORS_TODAY)].sort();
    expect([...new Set(accounted)].sort()).toEqual([...MODULES.keys()].sort());
  });

  it.each(Object.entries(COMPILE_ERRORS_TODAY))('%s fails to compile with the CompileError it gives today', async (module, message) => {
    const error = await compile(MODULES.get(module)!).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error, `${module} compiles now: delete its COMPILE_ERRORS_TODAY entry`).toBeInstanceOf(WebAssembly.CompileError);
    expect((error as Error).message).toBe(message);
  });

  it.each([...MODULES.keys()].filter(runs))('%s compiles', async (module) => {
    await expect(compile(MODULES.get(module)!)).resolves.toBeDefined();
  });
});

/** One V8 and one wasmjit instance per module, reused across inputs as hash-wasm reuses its instances. */
function enginesFor(module: string): { v8: () => Exports; jit: () => Exports } {
  let v8: EngineInstance | undefined;
  let jit: EngineInstance | undefined;
  beforeAll(async () => {
    v8 = await instantiateInV8(MODULES.get(module)!);
    jit = await instantiateInWasmjit(MODULES.get(module)!);
  });
  afterAll(() => jit?.dispose());
  return { v8: () => v8!.exports, jit: () => jit!.exports };
}

describe.each(STREAM_RECIPES.filter((r) => runs(r.module)).map((r) => [r.label, r.module, r] as const))('%s (%s module)', (_label, _module, recipe) => {
  const engines = enginesFor(recipe.module);

  it('the recipe computes what hash-wasm computes (V8)', async () => {
    // Its own instance: the saved state includes leftovers of earlier inputs, so the two instances
    // compared below must see the same calls.
    const { exports } = await instantiateInV8(MODULES.get(recipe.module)!);
    for (const size of [0, 3, 1000, 65536 + 7]) {
      const input = INPUT.subarray(0, size);
      expect(hashStreaming(exports, recipe, input).digest, `${size} bytes`).toBe(await recipe.reference(input));
    }
  });

  it.each(INPUT_SIZES)('init/update/final of %i bytes: same digest and state', (size) => {
    const input = INPUT.subarray(0, size);
    expect(hashStreaming(engines.jit(), recipe, input)).toEqual(hashStreaming(engines.v8(), recipe, input));
  });

  if (recipe.oneShot) it('Hash_Calculate of short inputs: same digest', () => {
    for (const size of INPUT_SIZES.filter((n) => n < CHUNK)) {
      const input = INPUT.subarray(0, size);
      expect(hashOneShot(engines.jit(), recipe, input), `${size} bytes`).toBe(hashOneShot(engines.v8(), recipe, input));
    }
  });
});

/**
 * hash-wasm instantiates argon2, scrypt and bcrypt afresh for every call (their memory only grows);
 * so does this: a fresh V8 and wasmjit instance per case, `run` on each, the wasmjit one disposed.
 */
async function onFreshInstances<T>(module: string, run: (ex: Exports) => T): Promise<{ v8: T; jit: T }> {
  const v8 = await instantiateInV8(MODULES.get(module)!);
  const jit = await instantiateInWasmjit(MODULES.get(module)!);
  try {
    return { v8: run(v8.exports), jit: run(jit.exports) };
  } finally {
    jit.dispose();
  }
}

describe.runIf(runs('argon2'))('argon2 module', () => {
  // Below 512 KiB, Hash_SetMemorySize's unsigned subtraction wraps and memory.grow fails (-1, which
  // hash-wasm ignores): both engines must agree on that too.
  it.each(ARGON2_CASES)('$memoryKiB KiB, t=$iterations, p=$parallelism, type $hashType: same memory afterwards', async (c) => {
    const { v8, jit } = await onFreshInstances('argon2', (ex) => runArgon2(ex, c));
    expect(v8.setMemorySize).toBe(c.memoryKiB * 1024 + 1024 > 512 * 1024 ? 0 : -1);
    expect(jit.setMemorySize).toBe(v8.setMemorySize);
    expect(firstDifference(jit.memory, v8.memory)).toBe('none');
  });
});

describe.runIf(runs('scrypt'))('scrypt module', () => {
  it.each(SCRYPT_CASES)('N=$costFactor, r=$blockSize, p=$parallelism: same memory afterwards', async (c) => {
    const { v8, jit } = await onFreshInstances('scrypt', (ex) => runScrypt(ex, c));
    expect(jit.setMemorySize).toBe(v8.setMemorySize);
    expect(firstDifference(jit.memory, v8.memory)).toBe('none');
  });
});

describe.runIf(runs('bcrypt'))('bcrypt module', () => {
  // Fresh instances for every call, as in hash-wasm: the module keeps state between calls (a binary
  // bcrypt followed by an encoded one on the same instance gives a different hash, in V8 too).
  it('the recipe computes what hash-wasm computes (V8)', async () => {
    const password = BCRYPT_PASSWORDS[2]!;
    const reference = await hashWasm.bcrypt({ password, salt: BCRYPT_SALT, costFactor: 4, outputType: 'encoded' });
    const { v8: encoded } = await onFreshInstances('bcrypt', (ex) => bcryptHash(ex, password, 4, true));
    expect(encoded).toBe(reference);
    expect((await onFreshInstances('bcrypt', (ex) => bcryptVerify(ex, reference, password))).v8).toBe(1);
    expect((await onFreshInstances('bcrypt', (ex) => bcryptVerify(ex, reference, wrongPassword(password)))).v8).toBe(0);
  });

  it.each(BCRYPT_PASSWORDS.map((p) => [p.length, p] as const))('password of %i bytes: same hashes and verifications', async (_length, password) => {
    for (const cost of [4, 6]) {
      for (const encode of [true, false]) {
        const { v8, jit } = await onFreshInstances('bcrypt', (ex) => bcryptHash(ex, password, cost, encode));
        expect(jit).toBe(v8);
        if (!encode) continue;
        for (const candidate of [password, wrongPassword(password)]) {
          const verified = await onFreshInstances('bcrypt', (ex) => bcryptVerify(ex, v8, candidate));
          expect(verified.jit).toBe(verified.v8);
        }
      }
    }
  });
});
