// AOT artifacts: a compiled module as bytes (`Module.serialize`), loaded again by the same wasmjit
// in any process on a CPU that has the features its code uses (`Module.deserialize`).
//
// An artifact holds the wasm bytes it came from — except a code cache entry, whose reader has those
// bytes already (their hash is the entry's key): its wasm section is empty —, the module's shell
// (its IR but the function bodies, runtime/artifact-shell.ts: loading decodes nothing) and its linked code (compiler/index.ts `portableCode`): where each
// function and the entry trampoline start, and the relocations of what depends on the process —
// every canonical type id call_indirect checks (ids are numbered per process) and the runtime
// state's address in the entry trampoline — which the loader writes for its own process. Everything
// else in the code is relative. The source marks of listings are left out (they are larger than the
// code): `Module.disassemble` compiles again for them.
//
// Layout (little-endian), each section padded to 4 bytes:
//   0   8  magic "\0wjit\r\n\x1a"
//   8   4  format version (FORMAT_VERSION)
//   12  4  CPU features the code uses, one bit each (FEATURE_BITS)
//   16  32 wasmjit version (package.json), UTF-8, NUL-padded
//   48  32 SHA-256 of the wasm bytes
//   80  32 checksum: SHA-256 of every byte but these 32 and the wasm bytes (which their own hash covers)
//   112 4  offset of the entry trampoline in the code
//   116 4×6 byte lengths of the sections: wasm (0: left out, a code cache entry), code, functions (offset and size, int32 each, per
//          function index), relocations (position, kind, type index: int32 each), native-only flags
//          (a byte per function index), shell (UTF-8 JSON)
//   140 the sections, in that order
//
// The loader checks, in this order: magic, format version, length, checksum, wasmjit version, CPU
// features, the wasm bytes' hash, then that every offset and index stays inside what it names. Any
// failure is an ArtifactError whose `reason` names the check. What it cannot check is that the code
// is what this wasmjit would have generated: an artifact is native code, as trusted as a shared library.
import type { Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CpuFeatures, PortableCode } from '../compiler/index.js';
import { Relocation } from '../compiler/index.js';
import type { ModuleIR } from '../decode/index.js';

export type ArtifactErrorReason =
  | 'foreign'
  | 'truncated'
  | 'format-version'
  | 'checksum'
  | 'wasmjit-version'
  | 'cpu-features'
  | 'wasm-hash'
  | 'malformed';

/** An artifact that cannot be loaded; `reason` names the check it failed. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';

  constructor(
    readonly reason: ArtifactErrorReason,
    detail: string,
  ) {
    super(`cannot load the wasmjit artifact (${reason}): ${detail}`);
  }
}

const MAGIC = Uint8Array.of(0x00, 0x77, 0x6a, 0x69, 0x74, 0x0d, 0x0a, 0x1a);
const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d);
export const FORMAT_VERSION = 3;

/** Offsets of the header's fields (`sections`: the lengths of the sections, 4 bytes each). */
export const Header = { formatVersion: 8, features: 12, wasmjitVersion: 16, wasmHash: 48, checksum: 80, entryOffset: 112, sections: 116, size: 140 } as const;
const VERSION_BYTES = 32;
const HASH_BYTES = 32;
const SECTION_NAMES = ['wasm', 'code', 'functions', 'relocations', 'native-only flags', 'shell'] as const;

/** One bit per feature; a new feature needs a new bit (and artifacts without it keep loading). */
const FEATURE_BITS: Record<keyof CpuFeatures, number> = { lzcnt: 1, tzcnt: 2, popcnt: 4, sse41: 8, sse3: 16, ssse3: 32, sse42: 64, guardRegions: 128, bmi2: 256, fuel: 512, interruptible: 1024 };
const FEATURE_NAMES = Object.keys(FEATURE_BITS) as Array<keyof CpuFeatures>;

let version: string | undefined;

/** This wasmjit's version (package.json's), read when an artifact is first made or loaded. */
export function wasmjitVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

/** What an artifact holds. */
export interface ArtifactContents {
  /** The features the code was compiled for (it uses those that are true). */
  features: CpuFeatures;
  wasm: Uint8Array;
  /** The module's code, as compiled for another process. */
  code: PortableCode;
  /** Per function index, imports first: 1 when the function is native-only (compiler/native-only.ts). */
  nativeOnly: Uint8Array;
  /** The module's shell (runtime/artifact-shell.ts). */
  shell: Uint8Array;
}

export interface WriteOptions {
  /** Leave the wasm bytes out (a code cache entry: its reader has them, see `KnownWasm`). */
  withoutWasm?: boolean;
}

// node:crypto is loaded on first use: importing wasmjit must stay cheap for programs that never hash.
const require = createRequire(import.meta.url);
const createHash = (algorithm: string): Hash => (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);

export function featureBits(features: CpuFeatures): number {
  return FEATURE_NAMES.reduce((bits, name) => (features[name] ? bits | FEATURE_BITS[name] : bits), 0);
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

/** Whether `bytes` start like an artifact (a truncated one included), not like a wasm module or text. */
export function looksLikeArtifact(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte);
}

const padded = (length: number): number => (length + 3) & ~3;

export function writeArtifact(contents: ArtifactContents, wasmHash: Uint8Array = sha256(contents.wasm), { withoutWasm = false }: WriteOptions = {}): Uint8Array {
  const { code } = contents;
  const sections = [withoutWasm ? new Uint8Array(0) : contents.wasm, code.code, code.functions, code.relocations, contents.nativeOnly, contents.shell].map(
    (s) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength),
  );
  const out = new Uint8Array(sections.reduce((size, s) => size + padded(s.length), Header.size as number));
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  view.setUint32(Header.formatVersion, FORMAT_VERSION, true);
  view.setUint32(Header.features, featureBits(contents.features), true);
  view.setUint32(Header.entryOffset, code.entryOffset, true);
  const versionBytes = new TextEncoder().encode(wasmjitVersion());
  if (versionBytes.length > VERSION_BYTES) throw new Error(`wasmjit: version "${wasmjitVersion()}" is longer than ${VERSION_BYTES} bytes`);
  out.set(versionBytes, Header.wasmjitVersion);
  out.set(wasmHash, Header.wasmHash);
  let at = Header.size;
  sections.forEach((section, i) => {
    view.setUint32(Header.sections + 4 * i, section.length, true);
    out.set(section, at);
    at += padded(section.length);
  });
  out.set(checksum(out, sections[0]!.length), Header.checksum);
  return out;
}

/** SHA-256 of everything but the checksum field and the wasm section (the first one). */
function checksum(artifact: Uint8Array, wasmLength: number): Uint8Array {
  return createHash('sha256')
    .update(artifact.subarray(0, Header.checksum))
    .update(artifact.subarray(Header.checksum + HASH_BYTES, Header.size))
    .update(artifact.subarray(Header.size + padded(wasmLength)))
    .digest();
}

/**
 * `bytes` with the checksum (and with `rehashWasm` the wasm bytes' hash) recomputed, for tests and
 * the fuzzer, which change an artifact behind its checksum's back to reach the checks after it. Too
 * short to have a checksum: unchanged.
 */
export function resealArtifact(bytes: Uint8Array, { rehashWasm = false } = {}): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length < Header.size) return out;
  const wasmLength = new DataView(out.buffer).getUint32(Header.sections, true);
  if (Header.size + padded(wasmLength) > out.length) return out;
  if (rehashWasm) out.set(sha256(out.subarray(Header.size, Header.size + wasmLength)), Header.wasmHash);
  out.set(checksum(out, wasmLength), Header.checksum);
  return out;
}

const fail = (reason: ArtifactErrorReason, detail: string): never => {
  throw new ArtifactError(reason, detail);
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The cache key of the artifact of `wasm` (by its hash) compiled for `features`: what its header says. */
export function artifactKey(wasmHash: Uint8Array, features: CpuFeatures): string {
  return createHash('sha256').update(`${FORMAT_VERSION}\0${wasmjitVersion()}\0${featureBits(features)}\0`).update(wasmHash).digest('hex');
}

/** Wasm bytes the caller has and has hashed already (the code cache's), used instead of the artifact's copy if it has one. */
export interface KnownWasm {
  wasm: Uint8Array;
  wasmHash: Uint8Array;
}

/**
 * The contents of an artifact, after every check that needs no decoding (see `checkAgainstModule`
 * for the rest); `available` is what this CPU has. The arrays are copies, but the code (a view of
 * `bytes`: the caller copies it if it does not own `bytes`; and the shell, read at once).
 * With `known`, the artifact must be of those bytes, and they are not hashed again.
 */
export function readArtifact(bytes: Uint8Array, available: CpuFeatures, known?: KnownWasm): ArtifactContents & { wasmHash: Uint8Array } {
  if (!looksLikeArtifact(bytes)) {
    if (bytes.length < MAGIC.length && looksLikeArtifact(Uint8Array.of(...bytes, ...MAGIC.subarray(bytes.length)))) {
      fail('truncated', `${bytes.length} bytes, shorter than the magic number`);
    }
    fail('foreign', WASM_MAGIC.every((b, i) => bytes[i] === b) ? 'this is a WebAssembly module, not a wasmjit artifact' : 'no wasmjit artifact magic number');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < Header.formatVersion + 4) fail('truncated', `${bytes.length} bytes, shorter than the header`);
  const format = view.getUint32(Header.formatVersion, true);
  if (format !== FORMAT_VERSION) fail('format-version', `format version ${format}, this wasmjit reads version ${FORMAT_VERSION}`);
  if (bytes.length < Header.size) fail('truncated', `${bytes.length} bytes, shorter than the ${Header.size}-byte header`);
  const lengths = SECTION_NAMES.map((_, i) => view.getUint32(Header.sections + 4 * i, true));
  const total = lengths.reduce((size, length) => size + padded(length), Header.size as number);
  if (bytes.length < total) fail('truncated', `${bytes.length} bytes, but its sections need ${total}`);
  if (bytes.length > total) fail('malformed', `${bytes.length - total} bytes after the end of its sections`);
  if (!sameBytes(checksum(bytes, lengths[0]!), bytes.subarray(Header.checksum, Header.checksum + HASH_BYTES))) {
    fail('checksum', 'the checksum does not match the contents: the artifact is corrupt');
  }
  const versionField = bytes.subarray(Header.wasmjitVersion, Header.wasmjitVersion + VERSION_BYTES);
  const madeBy = new TextDecoder().decode(versionField.subarray(0, versionField.indexOf(0) < 0 ? VERSION_BYTES : versionField.indexOf(0)));
  if (madeBy !== wasmjitVersion()) fail('wasmjit-version', `made by wasmjit ${madeBy}, this is wasmjit ${wasmjitVersion()}: compile the module again`);
  const bits = view.getUint32(Header.features, true);
  const unknown = bits & ~featureBits(Object.fromEntries(FEATURE_NAMES.map((name) => [name, true])) as unknown as CpuFeatures);
  if (unknown !== 0) fail('cpu-features', `the code uses CPU features this wasmjit does not know (bits 0x${unknown.toString(16)})`);
  const features = Object.fromEntries(FEATURE_NAMES.map((name) => [name, (bits & FEATURE_BITS[name]) !== 0])) as unknown as CpuFeatures;
  // Metering is the code's own business: it needs nothing of this process.
  const missing = FEATURE_NAMES.filter((name) => features[name] && !available[name] && name !== 'fuel' && name !== 'interruptible');
  if (features.guardRegions && !available.guardRegions) {
    fail('cpu-features', 'the code relies on guard regions, which this process does not use (WASMJIT_BOUNDS_CHECKS=explicit, or the signal handler or the address space is missing)');
  }
  if (missing.length > 0) fail('cpu-features', `the code uses ${missing.join(', ')}, which this CPU lacks (or the options turn off)`);

  // The wasm bytes are copied below, from here or from `known`.
  const sections: Uint8Array[] = [];
  let at = Header.size;
  for (const [i, length] of lengths.entries()) {
    sections.push(i <= 1 || i === 5 ? bytes.subarray(at, at + length) : bytes.slice(at, at + length));
    at += padded(length);
  }
  const [inside, codeBytes, functions, relocations, nativeOnly, shell] = sections as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const wasmHash = bytes.slice(Header.wasmHash, Header.wasmHash + HASH_BYTES);
  if (known) {
    const lengthFits = inside.length === 0 || known.wasm.length === inside.length;
    if (!sameBytes(known.wasmHash, wasmHash) || !lengthFits) fail('wasm-hash', 'it was compiled from other wasm bytes');
  } else if (inside.length === 0) {
    fail('malformed', 'it holds no wasm bytes: it is a code cache entry, which only the code cache loads (with the wasm bytes it was made from)');
  } else if (!sameBytes(sha256(inside), wasmHash)) {
    fail('wasm-hash', 'the wasm bytes inside do not match their hash');
  }
  const wasm = new Uint8Array(known ? known.wasm : inside);
  const int32s = (section: Uint8Array, index: number, fields: number): Int32Array => {
    if (section.length % (4 * fields) !== 0) fail('malformed', `the ${SECTION_NAMES[index]} section's length ${section.length} is not a multiple of ${4 * fields}`);
    return new Int32Array(section.buffer, section.byteOffset, section.length / 4);
  };
  const code: PortableCode = {
    code: codeBytes,
    entryOffset: view.getUint32(Header.entryOffset, true),
    functions: int32s(functions, 2, 2),
    relocations: int32s(relocations, 3, Relocation.fields),
  };
  return { features, wasm, code, nativeOnly, shell, wasmHash };
}

/** Checks that every offset and index in the contents stays inside the decoded module and the code. */
export function checkAgainstModule(contents: ArtifactContents, ir: ModuleIR): void {
  const { code } = contents;
  const funcCount = ir.imports.filter((imp) => imp.kind === 'func').length + ir.funcs.length;
  const codeSize = code.code.length;
  if (code.functions.length !== 2 * funcCount) fail('malformed', `code for ${code.functions.length / 2} functions, the module has ${funcCount}`);
  if (contents.nativeOnly.length !== funcCount) fail('malformed', `native-only flags for ${contents.nativeOnly.length} functions, the module has ${funcCount}`);
  if (code.entryOffset >= codeSize) fail('malformed', `the entry trampoline at ${code.entryOffset} is outside the ${codeSize} bytes of code`);
  for (let index = 0; index < funcCount; index++) {
    const offset = code.functions[2 * index]!;
    const size = code.functions[2 * index + 1]!;
    if (offset < 0 || size < 0 || offset + size > codeSize) fail('malformed', `function ${index}: its code is outside the code section`);
  }
  for (let i = 0; i < code.relocations.length; i += Relocation.fields) {
    const position = code.relocations[i]!;
    const kind = code.relocations[i + 1]!;
    const index = code.relocations[i + 2]!;
    const fits =
      kind === Relocation.typeId
        ? position + 4 <= codeSize && index >= 0 && index < ir.types.length
        : kind === Relocation.runtimeState && position + 8 <= codeSize && index === 0;
    if (position < 0 || !fits) fail('malformed', `relocation ${i / Relocation.fields} (at ${position}, kind ${kind}, index ${index}) is outside the code or the module`);
  }
}
