// Binaryen's translate-to-fuzz (`wasm-opt -ttf`, from the npm package's JS build) as a module
// generator, restricted to the features wasmjit supports, with binaryen's own interpreter run on the
// same module (`--fuzz-exec-before`) as a third opinion.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { decodeModule } from '../decode/index.js';
import { Random } from './random.js';

/**
 * WebAssembly 2.0, SIMD included: what wasmjit compiles (SIMD instructions it does not compile yet
 * make it refuse a module, counted as unsupported). Everything else binaryen knows stays off,
 * relaxed SIMD too.
 */
export const BINARYEN_FEATURES = [
  '--mvp-features', '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
  '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-reference-types', '--enable-multivalue',
  '--enable-call-indirect-overlong', '--enable-simd',
];

/**
 * Binaryen's generator now and then emits an instruction of a later proposal (`ref.as_non_null`, of
 * typed function references) although only WebAssembly 2.0 is enabled. V8 11.3 rejects it, as wasmjit
 * does; V8 12.4 and 13.6 ship those proposals and accept it. Such a module is outside what the fuzzer
 * compares: the reason, or undefined for a module wasmjit's decoder reads or that V8 rejects too.
 */
export function beyondWebAssembly2(bytes: Uint8Array<ArrayBuffer>): string | undefined {
  try {
    decodeModule(bytes);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    return /illegal opcode/.test(message) && WebAssembly.validate(bytes) ? message : undefined;
  }
}

export function binaryenTool(tool: 'wasm-opt' | 'wasm-dis'): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('binaryen/package.json')), 'bin', tool);
}

export interface TtfModule {
  bytes: Uint8Array<ArrayBuffer>;
  /** What binaryen's interpreter printed running every export (`--fuzz-exec-before`), if it could. */
  interpreterOutput: string | null;
}

/** Binaryen's JS API (loaded once, only by the processes that need it: it is large). */
let binaryenApi: Promise<typeof import('binaryen').default> | undefined;

/** BINARYEN_FEATURES as the JS API's feature bits. */
function apiFeatures(api: typeof import('binaryen').default): number {
  const f = api.Features;
  return f.MVP | f.SignExt | f.MutableGlobals | f.NontrappingFPToInt | f.BulkMemory | f.BulkMemoryOpt | f.ReferenceTypes | f.Multivalue | f.CallIndirectOverlong | f.SIMD128;
}

/**
 * Binaryen logs a v128 through an import `fuzzing-support.log-v128 (param v128)`, which no JS function
 * can be: V8 throws a TypeError at the call, which would end every export call at its first v128
 * log. The import becomes a function of the module that logs the two i64 lanes through
 * `log-i64` (as the typed generator does), so that every bit of the value is compared.
 */
async function withV128Logging(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  binaryenApi ??= import('binaryen').then((m) => m.default);
  const api = await binaryenApi;
  const m = api.readBinary(bytes);
  try {
    m.setFeatures(apiFeatures(api));
    const imported = (base: string) => {
      for (let i = 0; i < m.getNumFunctions(); i++) {
        const info = api.getFunctionInfo(m.getFunctionByIndex(i));
        if (info.module === 'fuzzing-support' && info.base === base) return info.name;
      }
      return undefined;
    };
    const logV128 = imported('log-v128');
    if (logV128 === undefined) return bytes;
    let logI64 = imported('log-i64');
    if (logI64 === undefined) {
      logI64 = 'wasmjit$log-i64';
      m.addFunctionImport(logI64, 'fuzzing-support', 'log-i64', api.i64, api.none);
    }
    m.removeFunction(logV128);
    const lane = (n: number) => m.call(logI64!, [m.i64x2.extract_lane(m.local.get(0, api.v128), n)], api.none);
    m.addFunction(logV128, api.v128, api.none, [], m.block(null, [lane(0), lane(1)]));
    return new Uint8Array(m.emitBinary());
  } finally {
    m.dispose();
  }
}

/** A module from `seed`: random input bytes, shaped into a valid module by binaryen. */
export async function translateToFuzz(seed: number, workDir = os.tmpdir()): Promise<TtfModule> {
  const rnd = new Random(seed);
  const input = path.join(workDir, `wasmjit-ttf-${process.pid}-${seed}.dat`);
  const output = `${input}.wasm`;
  fs.writeFileSync(input, rnd.bytes(rnd.between(256, 12_000)));
  try {
    // The interpreter recurses deeply (the JS build's own stack): give it most of the 8 MiB thread stack.
    const wasmOpt = (extra: string[]) => spawnSync(process.execPath, ['--stack-size=7000', binaryenTool('wasm-opt'), input, '-ttf', ...BINARYEN_FEATURES, ...extra, '-o', output], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    let run = wasmOpt(['--fuzz-exec-before']);
    let interpreterOutput: string | null = run.stdout;
    if (run.status !== 0) {
      // The interpreter failed (not the generator): keep the module, without a third opinion.
      run = wasmOpt([]);
      interpreterOutput = null;
    }
    if (run.status !== 0 || !fs.existsSync(output)) {
      throw new Error(`wasm-opt -ttf failed for seed ${seed}: ${run.error?.message ?? run.stderr.slice(-500)}`);
    }
    return { bytes: await withV128Logging(new Uint8Array(fs.readFileSync(output))), interpreterOutput };
  } finally {
    fs.rmSync(input, { force: true });
    fs.rmSync(output, { force: true });
  }
}

// ---- the third opinion --------------------------------------------------------------------------

/**
 * A transcript in a form both binaryen's interpreter output and a fuzz_shell.js-style run in JS
 * reduce to: `call NAME`, `log VALUE`, `result VALUE`, `exception`. `null` when the interpreter hit
 * one of its own host limits, so that there is nothing to compare.
 */
export function interpreterTranscript(output: string, functionExports: ReadonlySet<string>): string[] | null {
  const lines: string[] = [];
  let inFunction = false;
  let afterResult = false;
  for (const line of output.split('\n')) {
    // A multi-value result: the first value on the `note result` line, the others each on a line of its own.
    if (afterResult && line && !line.startsWith('[')) {
      lines.push(`value ${printedReference(line.trim())}`);
      continue;
    }
    afterResult = false;
    const exported = /^\[fuzz-exec\] export (.*)$/.exec(line);
    if (exported) {
      inFunction = functionExports.has(exported[1]);
      if (inFunction) lines.push(`call ${exported[1]}`);
      continue;
    }
    if (!inFunction) continue;
    if (line.startsWith('[host limit')) return null;
    const logged = /^\[LoggingExternalInterface logging (.*)\]$/.exec(line);
    const result = /^\[fuzz-exec\] note result: .* => (.*)$/.exec(line);
    if (logged) lines.push(...loggedLines(logged[1]));
    else if (result) {
      lines.push(`result ${printedReference(result[1])}`);
      afterResult = true;
    }
    else if (line.startsWith('[trap') || line.startsWith('[exception')) lines.push('exception');
  }
  return lines;
}

/**
 * A logged value's lines: a v128 (`i32x4 0x… 0x… 0x… 0x…`) as its two i64 lanes, each logged as
 * fuzz_shell.js logs an i64 (see withV128Logging), anything else as one line.
 */
function loggedLines(value: string): string[] {
  const words = /^i32x4 (\S+) (\S+) (\S+) (\S+)$/.exec(value)?.slice(1).map((w) => Number(w) | 0);
  if (!words) return [`log ${printedReference(value)}`];
  return [`log ${words[0]} ${words[1]}`, `log ${words[2]} ${words[3]}`];
}

/** A value as the transcripts print it: numbers in full, any non-null reference as `ref`. */
export function shellPrinted(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  return 'ref';
}

/** A logged value: binaryen's interpreter logs an i64 as its low and high 32-bit halves, as fuzz_shell.js does. */
export function shellLogged(value: unknown): string {
  if (typeof value === 'bigint') return `${BigInt.asIntN(32, value)} ${BigInt.asIntN(32, value >> 32n)}`;
  return shellPrinted(value);
}

/** Binaryen prints references as `funcref(name)`, `externref(105)`, …: all are `ref` here. */
const printedReference = (token: string) => (/^(null|nullref|nullfuncref|nullexternref)$/.test(token) ? 'null' : /^[a-z]+ref\b|^object$|^function$/.test(token) ? 'ref' : token);

const isNaNText = (t: string) => /^-?nan/i.test(t);
/** Binaryen prints infinities as `inf`. */
const asNumber = (t: string) => Number(t.replace(/^(-?)inf$/, '$1Infinity'));

/** Numbers as printed by binaryen (f32 shortest, -nan:0x...) and by JS agree when they are the same value. */
function sameToken(a: string, b: string): boolean {
  if (a === b) return true;
  if (isNaNText(a) && isNaNText(b)) return true;
  const x = asNumber(a);
  const y = asNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return x === y || Math.fround(x) === Math.fround(y);
}

function sameLine(a: string, b: string): boolean {
  const x = a.split(' ');
  const y = b.split(' ');
  return x.length === y.length && x.every((t, i) => sameToken(t, y[i]));
}

/** The first line where two transcripts differ, or null. */
export function transcriptDifference(a: readonly string[], b: readonly string[]): string | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined || b[i] === undefined || !sameLine(a[i], b[i])) return `line ${i}: ${a[i] ?? '(end)'} vs ${b[i] ?? '(end)'}`;
  }
  return null;
}
