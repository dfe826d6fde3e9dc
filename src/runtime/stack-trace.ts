// Wasm frames in JS stacks, as V8 writes them: `at NAME (wasm://wasm/HASH:wasm-function[INDEX]:0xOFFSET)`,
// or without a name `at wasm://wasm/HASH:wasm-function[INDEX]:0xOFFSET`. The trap path records the
// PCs (compiler/entry.ts `emitTrapWalk`); each maps to a function and a byte offset through the
// code map and the function's source marks. An error keeps the JS frames of its caller; wasmjit's
// own frames (the export's wrapper, the host-call path) are replaced by the wasm ones.
import { fileURLToPath } from 'node:url';
import type { Names } from '../decode/index.js';
import { frameAtPc } from './code-map.js';

export interface WasmFrame {
  functionIndex: number;
  byteOffset: number;
  /** V8's name of the function: the name section's (with the module's name), or undefined. */
  name: string | undefined;
  /** The module's script URL: `wasm://wasm/[MODULE-]HASH`. */
  scriptUrl: string;
}

/** Strings longer than this get V8's hash of their length (String::kMaxHashCalcLength). */
const MAX_HASHED_LENGTH = 16383;
const HASH_BITS = 0x3fff_ffff;
/** V8's hash when the computed one is 0 (StringHasher::kZeroHash). */
const ZERO_HASH = 27;

/**
 * The script URL V8 gives a module (wasm-engine.cc): its bytes hashed as a one-byte string with
 * seed 0 (StringHasher::HashSequentialString: Jenkins' one-at-a-time hash) in V8's hash field form
 * (`hash << 2 | 2`), after the module's name when the name section has one.
 */
export function scriptUrl(wasm: Uint8Array, moduleName: string | undefined): string {
  let hash: number;
  if (wasm.length > MAX_HASHED_LENGTH) hash = wasm.length;
  else {
    let running = 0;
    for (let i = 0; i < wasm.length; i++) {
      running = (running + wasm[i]!) >>> 0;
      running = (running + (running << 10)) >>> 0;
      running = (running ^ (running >>> 6)) >>> 0;
    }
    running = (running + (running << 3)) >>> 0;
    running = (running ^ (running >>> 11)) >>> 0;
    running = (running + (running << 15)) >>> 0;
    hash = running & HASH_BITS || ZERO_HASH;
  }
  const field = (((hash & HASH_BITS) << 2) | 2) >>> 0;
  const hex = field.toString(16).padStart(8, '0');
  return `wasm://wasm/${moduleName === undefined ? '' : `${moduleName}-`}${hex}`;
}

/** V8's name of function `index` in a stack frame: `module.function`, either alone, or none. */
export function frameName(names: Names, index: number): string | undefined {
  const name = names.functions.get(index);
  if (names.module === undefined) return name;
  return name === undefined ? names.module : `${names.module}.${name}`;
}

function formatFrame(frame: WasmFrame): string {
  const where = `${frame.scriptUrl}:wasm-function[${frame.functionIndex}]:0x${frame.byteOffset.toString(16)}`;
  return frame.name === undefined ? `    at ${where}` : `    at ${frame.name} (${where})`;
}

/** The wasm frames of PCs a trap recorded, innermost first (PCs outside wasm functions are left out). */
export function wasmFrames(pcs: readonly bigint[]): string[] {
  const lines: string[] = [];
  for (const pc of pcs) {
    const frame = pc === 0n ? undefined : frameAtPc(pc);
    if (frame) lines.push(formatFrame(frame));
  }
  return lines;
}

/** wasmjit's own code (src/ or dist/): frames in it are the export's wrapper and the host-call path. */
const OWN_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FRAME_PREFIX = '    at ';

const isOwnFrame = (line: string): boolean => line.includes(OWN_ROOT);

/**
 * `error` with the wasm frames `pcs` stand for in its stack, where wasmjit's own frames were (the
 * first run of them: an exception that crossed nested entries gets each level's frames as it
 * crosses it); its frames cut to Error.stackTraceLimit, as V8 counts them. Anything but an Error
 * with a stack of V8's form is returned as it is.
 */
export function withWasmFrames<T>(error: T, pcs: readonly bigint[]): T {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return error;
  const lines = error.stack.split('\n');
  const firstFrame = lines.findIndex((line) => line.startsWith(FRAME_PREFIX));
  if (firstFrame < 0) return error;
  const frames = spliceWasmFrames(lines.slice(firstFrame), wasmFrames(pcs));
  if (frames) setStack(error, [...lines.slice(0, firstFrame), ...frames].join('\n'));
  return error;
}

/** `frames` with `wasm` in place of their first run of wasmjit's own, cut to Error.stackTraceLimit; undefined without such a run. */
function spliceWasmFrames(frames: readonly string[], wasm: readonly string[]): string[] | undefined {
  const own = frames.findIndex(isOwnFrame);
  if (own < 0) return undefined;
  let after = own;
  while (after < frames.length && isOwnFrame(frames[after]!)) after++;
  const limit = typeof Error.stackTraceLimit === 'number' ? Error.stackTraceLimit : Infinity;
  return [...frames.slice(0, own), ...wasm, ...frames.slice(after)].slice(0, Math.max(0, limit));
}

function setStack(error: Error, stack: string): void {
  Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
}

/** Room for the JS frames wasmjit's own frames take above the caller's (they are replaced by the wasm ones). */
const OWN_FRAMES_ROOM = 16;

/**
 * A new error for a trap, with the wasm frames of `pcs` then its caller's JS frames. As V8's, the
 * stack is written when first read: a trap that nobody prints costs no formatting. The frames are
 * found now, while the code they are in is surely mapped.
 */
export function trapErrorWithFrames<T extends Error>(make: () => T, pcs: readonly bigint[]): T {
  const limit = Error.stackTraceLimit;
  const wasm = wasmFrames(pcs);
  const caller: { stack?: string } = {};
  let error: T;
  try {
    Error.stackTraceLimit = 0;
    error = make();
    if (typeof limit === 'number') Error.stackTraceLimit = limit + OWN_FRAMES_ROOM;
    Error.captureStackTrace(caller);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const header = String(error.stack);
  Object.defineProperty(error, 'stack', {
    get(this: Error): string {
      const callerLines = String(caller.stack).split('\n');
      const firstFrame = callerLines.findIndex((line) => line.startsWith(FRAME_PREFIX));
      const frames = spliceWasmFrames(firstFrame < 0 ? [] : callerLines.slice(firstFrame), wasm) ?? [];
      const stack = [header, ...frames.slice(0, Math.max(0, limit))].join('\n');
      setStack(this, stack);
      return stack;
    },
    set(this: Error, value: unknown): void {
      Object.defineProperty(this, 'stack', { value, writable: true, configurable: true, enumerable: false });
    },
    configurable: true,
    enumerable: false,
  });
  return error;
}
