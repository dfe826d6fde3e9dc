// Malformed input: valid modules mutated, truncated and spliced, random bytes behind a valid header,
// and nonsense .wat. Each must end in CompileError (or a wat error with file:line:col), LinkError, or
// the same result as V8: never a crash, a hang, or any other kind of exception.
import wabtFactory from 'wabt';
import { compile, watToWasm } from '../index.js';
import { Random } from './random.js';
import { generateTypedModule } from './typed-generator.js';
import { encodeModule } from './typed-module.js';
import { describeError } from './values.js';
import { WASM_MAGIC_VERSION } from './wasm-encoding.js';

export type Mutation = 'flip' | 'truncate' | 'insert' | 'delete' | 'splice' | 'random-body' | 'leb';

/** A mutation of `bytes`; the header is kept most of the time, so that decoding gets somewhere. */
export function mutateBytes(rnd: Random, bytes: Uint8Array): { mutation: Mutation; bytes: Uint8Array } {
  const out = [...bytes];
  const at = () => rnd.between(rnd.chance(0.9) ? 8 : 0, Math.max(out.length - 1, 0));
  const mutation = rnd.pick<Mutation>(['flip', 'flip', 'truncate', 'insert', 'delete', 'splice', 'random-body', 'leb']);
  switch (mutation) {
    case 'flip':
      for (let n = rnd.between(1, 6); n > 0; n--) out[at()] = rnd.chance(0.5) ? rnd.uint32() & 0xff : out[at()] ^ (1 << rnd.below(8));
      break;
    case 'truncate':
      out.length = rnd.between(0, out.length - 1);
      break;
    case 'insert':
      out.splice(at(), 0, ...rnd.bytes(rnd.between(1, 16)));
      break;
    case 'delete':
      out.splice(at(), rnd.between(1, 16));
      break;
    case 'splice': {
      const from = at();
      out.splice(at(), 0, ...out.slice(from, from + rnd.between(1, 64)));
      break;
    }
    case 'random-body':
      return { mutation, bytes: Uint8Array.from([...WASM_MAGIC_VERSION, ...rnd.bytes(rnd.between(0, 200))]) };
    case 'leb':
      // A continuation bit set where a length or index ends: overlong and runaway LEB128s.
      for (let n = rnd.between(1, 3); n > 0; n--) out[at()] |= 0x80;
      break;
  }
  return { mutation, bytes: Uint8Array.from(out) };
}

const WAT_TOKENS = [
  '(', ')', '(', ')', 'module', 'func', 'param', 'result', 'local', 'i32', 'i64', 'f32', 'f64', 'funcref', 'externref', 'block',
  'loop', 'if', 'then', 'else', 'end', 'br', 'br_if', 'br_table', 'call', 'call_indirect', 'type', 'memory', 'table', 'global',
  'mut', 'export', 'import', 'data', 'elem', 'i32.const', 'i64.const', 'f32.const', 'f64.const', 'i32.add', 'i64.div_s', 'drop',
  'local.get', 'local.set', 'global.get', 'i32.load', 'offset=', 'align=', '$x', '$', '0', '-1', '0x', '1e400', 'nan:0x1',
  'inf', '"\\ff"', '"', ';;', '(;', ';)', '4294967296', 'unreachable', 'select', 'ref.null', 'memory.grow', 'start', '\u00e9',
];

/** A .wat text made from a valid module's text with tokens dropped, repeated or replaced. */
export function nonsenseWat(rnd: Random, text: string): string {
  const tokens = text.split(/(\s+|[()])/).filter((t) => t.length);
  for (let n = rnd.between(1, 8); n > 0; n--) {
    const i = rnd.below(tokens.length + 1);
    const op = rnd.below(3);
    if (op === 0) tokens.splice(i, 1);
    else if (op === 1) tokens.splice(i, 0, ' ', rnd.pick(WAT_TOKENS), ' ');
    else tokens[i] = rnd.pick(WAT_TOKENS);
  }
  return tokens.join('');
}

let wabt: Awaited<ReturnType<typeof wabtFactory>> | undefined;

async function toText(bytes: Uint8Array): Promise<string> {
  wabt ??= await wabtFactory();
  const module = wabt.readWasm(bytes, { readDebugNames: false, mutable_globals: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, reference_types: true, multi_value: true, simd: true });
  try {
    return module.toText({});
  } finally {
    module.destroy();
  }
}

export interface MalformedResult {
  input: 'binary' | 'wat';
  mutation: string;
  /** What each side did with the input: `valid`, or the error. */
  v8: string;
  wasmjit: string;
  /** Why the pair is a finding, if it is one. */
  problem?: string;
  /** The bytes both engines accepted (to be run differentially), if any. */
  accepted?: Uint8Array;
  bytes: Uint8Array;
  text?: string;
}

const LOCATED = /:\d+:\d+/;

function judgeCompile(v8: string, wasmjit: string): string | undefined {
  const jitRejected = wasmjit !== 'valid';
  if (jitRejected && !wasmjit.startsWith('WebAssembly.CompileError: ')) return `wasmjit threw something other than a CompileError: ${wasmjit}`;
  if (v8 === 'valid' && jitRejected && !/unsupported/i.test(wasmjit)) return 'wasmjit rejects a module V8 accepts';
  if (v8 !== 'valid' && !jitRejected) return 'wasmjit accepts a module V8 rejects';
  return undefined;
}

type Progress = (phase: string) => void;

async function compileBoth(bytes: Uint8Array, progress: Progress): Promise<{ v8: string; wasmjit: string }> {
  progress('v8 compile');
  let v8 = 'valid';
  try {
    new WebAssembly.Module(new Uint8Array(bytes));
  } catch (e) {
    v8 = describeError(e);
  }
  progress('wasmjit compile');
  let wasmjit = 'valid';
  try {
    (await compile(bytes)).dispose();
  } catch (e) {
    wasmjit = describeError(e);
  }
  return { v8, wasmjit };
}

/** Both engines' verdicts on `bytes`, and the problem with them, if any. */
export async function judgeBytes(bytes: Uint8Array, progress: Progress = () => {}): Promise<{ v8: string; wasmjit: string; problem?: string }> {
  const outcome = await compileBoth(bytes, progress);
  return { ...outcome, problem: judgeCompile(outcome.v8, outcome.wasmjit) };
}

/** One malformed input from `seed`, compiled by both engines and judged. */
/** The malformed input `seed` makes (nonsense .wat one time in five), not yet judged. */
export async function malformedInput(seed: number, input?: 'binary' | 'wat'): Promise<{ text: string } | { mutation: Mutation; bytes: Uint8Array }> {
  const rnd = new Random(seed);
  const base = encodeModule(generateTypedModule(seed));
  const wat = rnd.chance(0.2);
  if (input ? input === 'wat' : wat) return { text: nonsenseWat(rnd, await toText(base)) };
  return mutateBytes(rnd, base);
}

export async function malformedCase(seed: number, progress: Progress = () => {}, input?: 'binary' | 'wat'): Promise<MalformedResult> {
  const made = await malformedInput(seed, input);
  if ('text' in made) return judgeWat(made.text, progress);
  const { mutation, bytes } = made;
  const outcome = await compileBoth(bytes, progress);
  return { input: 'binary', mutation, ...outcome, problem: judgeCompile(outcome.v8, outcome.wasmjit), accepted: outcome.v8 === 'valid' && outcome.wasmjit === 'valid' ? bytes : undefined, bytes };
}

/** A .wat text through watToWasm: a located error, or bytes both engines judge alike. */
export async function judgeWat(text: string, progress: Progress = () => {}): Promise<MalformedResult> {
  let bytes: Uint8Array;
  progress('wasmjit watToWasm');
  try {
    // Well inside the job's time limit, so that a wabt that never finishes shows as the located
    // error watToWasm gives, which is the behaviour under test.
    bytes = await watToWasm(text, { filename: 'fuzz.wat', timeLimitMs: 3000 });
  } catch (e) {
    const error = describeError(e);
    const located = e instanceof Error && e.constructor === Error && LOCATED.test(e.message);
    return { input: 'wat', mutation: 'wat', v8: 'n/a', wasmjit: error, problem: located ? undefined : `wat error without file:line:col or of another type: ${error}`, bytes: new Uint8Array(0), text };
  }
  const outcome = await compileBoth(bytes, progress);
  return { input: 'wat', mutation: 'wat', ...outcome, problem: judgeCompile(outcome.v8, outcome.wasmjit), accepted: outcome.v8 === 'valid' && outcome.wasmjit === 'valid' ? bytes : undefined, bytes, text };
}
