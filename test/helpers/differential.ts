// Differential testing: run the same wasm bytes in V8 and in wasmjit and compare what each call does.
import { instantiate as wasmjitInstantiate, watToWasm } from '../../src/index.js';

/** What one call did: returned a value (several results → an array) or threw. */
export type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'throw'; class: string; message: string };

export interface EngineInstance {
  exports: Record<string, unknown>;
  dispose(): void;
}

export type Imports = WebAssembly.Imports;

/**
 * `WASMJIT_DIFF_ENGINE=v8` puts V8 on both sides. Every differential test must then pass, which checks
 * the tests themselves (their wat, argument lists and comparisons) independently of the engine.
 */
export const engineUnderTest = process.env.WASMJIT_DIFF_ENGINE === 'v8' ? 'v8' : 'wasmjit';

export async function instantiateInV8(bytes: Uint8Array, imports: Imports = {}): Promise<EngineInstance> {
  // A copy, so that the bytes are typed as a BufferSource (never over a SharedArrayBuffer).
  const { instance } = await WebAssembly.instantiate(new Uint8Array(bytes), imports);
  return { exports: instance.exports as Record<string, unknown>, dispose() {} };
}

export async function instantiateInWasmjit(bytes: Uint8Array, imports: Imports = {}): Promise<EngineInstance> {
  if (engineUnderTest === 'v8') return instantiateInV8(bytes, imports);
  const { instance } = await wasmjitInstantiate(bytes, imports);
  return { exports: instance.exports as Record<string, unknown>, dispose: () => instance.dispose() };
}

export async function toBytes(source: string | Uint8Array, filename = 'test.wat'): Promise<Uint8Array> {
  return typeof source === 'string' ? watToWasm(source, { filename }) : source;
}

/** Runs `run` and records its result or the error it threw. */
export function outcomeOf(run: () => unknown): Outcome {
  try {
    return { kind: 'value', value: run() };
  } catch (error) {
    return describeThrown(error);
  }
}

export async function asyncOutcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { kind: 'value', value: await run() };
  } catch (error) {
    return describeThrown(error);
  }
}

const WASM_ERRORS = [WebAssembly.CompileError, WebAssembly.LinkError, WebAssembly.RuntimeError];

/**
 * The class is the constructor's name, qualified as `WebAssembly.RuntimeError` (etc.) only when the error
 * really is an instance of V8's class: a look-alike class with the same name does not compare equal.
 */
function describeThrown(error: unknown): Outcome {
  if (!(error instanceof Error)) return { kind: 'throw', class: typeof error, message: String(error) };
  const isWasmError = WASM_ERRORS.some((wasmError) => error instanceof wasmError && error.constructor.name === wasmError.name);
  const name = isWasmError ? `WebAssembly.${error.constructor.name}` : error.constructor.name;
  return { kind: 'throw', class: name, message: error.message };
}

/** Numbers by Object.is (so -0 ≠ 0 and NaN = NaN), BigInts by value, arrays elementwise. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  return Object.is(a, b);
}

/** Equal results, or the same error class with the same message. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind === 'value') return b.kind === 'value' && sameValue(a.value, b.value);
  return b.kind === 'throw' && a.class === b.class && a.message === b.message;
}

export function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return String(value);
}

export function formatOutcome(outcome: Outcome): string {
  return outcome.kind === 'value' ? formatValue(outcome.value) : `${outcome.class}: ${outcome.message}`;
}

export function formatCall(name: string, args: readonly unknown[]): string {
  const callee = /^[\w$.]+$/.test(name) ? name : JSON.stringify(name);
  return `${callee}(${args.map(formatValue).join(', ')})`;
}

export interface CallComparison {
  v8: Outcome;
  wasmjit: Outcome;
  same: boolean;
}

/** A line for a test failure: the call, then what each engine did. */
export function describeMismatch(name: string, args: readonly unknown[], c: CallComparison): string {
  return `${formatCall(name, args)}: V8 → ${formatOutcome(c.v8)}, wasmjit → ${formatOutcome(c.wasmjit)}`;
}

export type Call = readonly [exportName: string, args: readonly unknown[]];

/** One module instantiated in both engines, so that many calls share one compilation. */
export class DifferentialInstance {
  private constructor(
    readonly v8: EngineInstance,
    readonly wasmjit: EngineInstance,
  ) {}

  static async of(source: string | Uint8Array, imports: Imports = {}, filename?: string): Promise<DifferentialInstance> {
    const bytes = await toBytes(source, filename);
    return new DifferentialInstance(await instantiateInV8(bytes, imports), await instantiateInWasmjit(bytes, imports));
  }

  call(name: string, args: readonly unknown[]): CallComparison {
    const v8 = outcomeOf(() => callExport(this.v8, name, args));
    const wasmjit = outcomeOf(() => callExport(this.wasmjit, name, args));
    return { v8, wasmjit, same: sameOutcome(v8, wasmjit) };
  }

  /** Runs every call in both engines; returns one line per call whose outcomes differ. */
  mismatches(calls: Iterable<Call>): string[] {
    const lines: string[] = [];
    for (const [name, args] of calls) {
      const c = this.call(name, args);
      if (!c.same) lines.push(describeMismatch(name, args, c));
    }
    return lines;
  }

  dispose(): void {
    this.v8.dispose();
    this.wasmjit.dispose();
  }
}

function callExport(instance: EngineInstance, name: string, args: readonly unknown[]): unknown {
  const f = instance.exports[name];
  if (typeof f !== 'function') throw new Error(`test bug: no exported function "${name}"`);
  return f(...args);
}

/** One-shot: compile `source`, call `name(...args)` in both engines, compare. */
export async function differential(
  source: string | Uint8Array,
  name: string,
  args: readonly unknown[],
  imports: Imports = {},
): Promise<CallComparison> {
  const pair = await DifferentialInstance.of(source, imports);
  try {
    return pair.call(name, args);
  } finally {
    pair.dispose();
  }
}

/** Keeps failure output readable when a whole table of calls goes wrong. */
export function firstLines(lines: readonly string[], limit = 20): string {
  const shown = lines.slice(0, limit).join('\n');
  return lines.length > limit ? `${shown}\n… and ${lines.length - limit} more` : shown;
}
