// The differential run of one module: instantiate it in V8 and in wasmjit with the same host
// imports, call every export with the same arguments in both, and after each call compare the
// outcome (value, or error class and message), the host-call log, and all of the module's state
// (memories byte for byte, globals, tables). wasmjit's native safety is checked along the way.
import { createHash } from 'node:crypto';
import { compile, instantiate, Memory } from '../index.js';
import type { Instance, Module } from '../index.js';
import { buildImports, EngineContext } from './host.js';
import { Random } from './random.js';
import { checkWriteXorExecute, MemoryCanaries } from './safety.js';
import { unsupportedSimd } from './simd-instructions.js';
import type { NativeRegions } from './safety.js';
import { decodeArg, describeError, HostObjects, normalize, randomArg, STACK_OVERFLOW } from './values.js';
import { exportAllState, exportedSignatures } from './wasm-sections.js';
import type { ValType } from './wasm-encoding.js';

/** `npm run fuzz -- --metering fuel|interruptible` (main.ts) sets this for the workers. */
const METERING = process.env.WASMJIT_FUZZ_METERING;
const METERING_OPTIONS = METERING === 'fuel' ? { fuel: true } : METERING === 'interruptible' ? { interruptible: true } : {};
/** More fuel than any run can take (the start function's included): results, traps and memory must be V8's. */
const INSTANCE_OPTIONS = METERING === 'fuel' ? { fuel: 1n << 62n } : {};

export interface CallSpec {
  export: string;
  args: string[];
}

/** What V8 did for one call: the expectation a regression case keeps. */
export interface CallTrace {
  call: CallSpec;
  outcome: string;
  log: string[];
  /** A digest of the module's whole state after the call. */
  state: string;
}

export type MismatchKind = 'compile' | 'instantiate' | 'outcome' | 'log' | 'state' | 'memory' | 'safety';

export interface Mismatch {
  kind: MismatchKind;
  /** Index of the call in the plan (-1: before any call). */
  callIndex: number;
  call?: CallSpec;
  v8: string;
  wasmjit: string;
}

export interface ModuleReport {
  /** The SIMD instruction wasmjit does not compile yet, which made it refuse the module: not compared. */
  unsupported?: string;
  /** Calls made in both engines and compared. */
  calls: number;
  instantiated: boolean;
  /** Both engines ran out of stack: their states may differ from there on, so comparing stopped. */
  hostLimited: boolean;
  mismatch?: Mismatch;
  trace: CallTrace[];
  canaries: { placed: number; wanted: number };
}

/** How to choose calls when no explicit list is given. */
export interface CallPlanOptions {
  seed: number;
  /** Calls per exported function after the first (all-null) one. */
  randomCallsPerExport: number;
  maxCalls: number;
}

export interface RunOptions {
  bytes: Uint8Array;
  calls: CallSpec[] | CallPlanOptions;
  /** Before each call: refill our generator's `fuel` global, or call binaryen's `hangLimitInitializer`. */
  beforeCall: 'fuel' | 'hang-limit';
  /** Marks progress (for finding where a crash or hang happened). */
  progress?: (phase: string) => void;
  checkSafety?: boolean;
}

export const FUEL = 500;

/** One engine with its instance (or the error instantiating it). */
interface Side {
  ctx: EngineContext;
  error?: string;
  exports: Record<string, unknown>;
}

const ZERO_ARGUMENT: Record<ValType, string> = { i32: 'i32:0', i64: 'i64:0', f32: 'num:0', f64: 'num:0', v128: 'null', funcref: 'null', externref: 'null' };

export function planCalls(bytes: Uint8Array, plan: CallPlanOptions): CallSpec[] {
  const rnd = new Random(plan.seed);
  const signatures = exportedSignatures(bytes);
  const names = [...signatures.keys()];
  const calls: CallSpec[] = [];
  for (const [name, sig] of signatures) {
    if (name === 'hangLimitInitializer') continue;
    // First as fuzz_shell.js calls it (nulls), unless an i64 parameter would make that a TypeError: zeros then.
    const nulls = !sig.params.includes('i64');
    calls.push({ export: name, args: sig.params.map((t) => (nulls ? 'null' : ZERO_ARGUMENT[t])) });
    for (let i = 0; i < plan.randomCallsPerExport; i++) calls.push({ export: name, args: sig.params.map((t) => randomArg(rnd, t, names)) });
  }
  // Interleave the exports' calls, so that state one export leaves is seen by the others.
  for (let i = calls.length - 1; i > 0; i--) {
    if (rnd.chance(0.5)) {
      const j = rnd.below(i + 1);
      [calls[i], calls[j]] = [calls[j], calls[i]];
    }
  }
  return calls.slice(0, plan.maxCalls);
}

function outcomeOf(run: () => unknown, ctx: EngineContext): string {
  try {
    return `= ${normalize(run(), ctx)}`;
  } catch (error) {
    return `! ${describeError(error)}`;
  }
}

interface Snapshot {
  text: string[];
  memories: Uint8Array[];
}

function snapshot(exportOrder: readonly WebAssembly.ModuleExportDescriptor[], side: Side): Snapshot {
  const text: string[] = [];
  const memories: Uint8Array[] = [];
  for (const d of exportOrder) {
    const value = side.exports[d.name] as Record<string, unknown>;
    if (d.kind === 'global') text.push(`global ${d.name} = ${outcomeOf(() => (value as { value: unknown }).value, side.ctx)}`);
    else if (d.kind === 'memory') {
      const bytes = new Uint8Array((value as { buffer: ArrayBuffer }).buffer);
      text.push(`memory ${d.name}: ${bytes.length} bytes`);
      memories.push(bytes);
    } else if (d.kind === 'table') {
      const table = value as { length: number; get(i: number): unknown };
      const entries: string[] = [];
      for (let i = 0; i < Math.min(table.length, 256); i++) entries.push(outcomeOf(() => table.get(i), side.ctx).slice(2));
      text.push(`table ${d.name}: length ${table.length} [${entries.join(', ')}]`);
    }
  }
  return { text, memories };
}

/**
 * A digest of the state, for regression cases to check V8 against. Memories up to 16 MiB are
 * hashed whole; of a bigger one (it may reach 4 GiB), the size and the first bytes of each 64 KiB
 * page — the engines' memories are compared byte for byte regardless, this only records V8's.
 */
function digest(s: Snapshot): string {
  const hash = createHash('sha1');
  for (const line of s.text) hash.update(line + '\n');
  const WHOLE = 16 << 20;
  for (const m of s.memories) {
    if (m.length <= WHOLE) hash.update(m);
    else for (let at = 0; at < m.length; at += 65536) hash.update(m.subarray(at, at + 256));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The first difference between two snapshots, described for a report. */
function stateDifference(a: Snapshot, b: Snapshot): { kind: MismatchKind; v8: string; wasmjit: string } | null {
  for (let i = 0; i < Math.max(a.text.length, b.text.length); i++) {
    if (a.text[i] !== b.text[i]) return { kind: 'state', v8: a.text[i] ?? '(none)', wasmjit: b.text[i] ?? '(none)' };
  }
  for (let m = 0; m < a.memories.length; m++) {
    const x = a.memories[m];
    const y = b.memories[m];
    if (Buffer.compare(x, y) === 0) continue;
    let at = 0;
    while (at < x.length && x[at] === y[at]) at++;
    const bytesAt = (v: Uint8Array) => `memory[${at}..] = ${Buffer.from(v.subarray(at, at + 16)).toString('hex')}`;
    return { kind: 'memory', v8: bytesAt(x), wasmjit: bytesAt(y) };
  }
  return null;
}

function logDifference(a: readonly string[], b: readonly string[]): { v8: string; wasmjit: string } | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { v8: `log[${i}] ${a[i] ?? '(nothing)'}`, wasmjit: `log[${i}] ${b[i] ?? '(nothing)'}` };
  }
  return null;
}

function nativeRegions(module: Module, exports: Record<string, unknown>): NativeRegions {
  const data = Object.values(exports).flatMap((v) => (v instanceof Memory ? [{ address: v.address, size: v.byteLength, what: 'linear memory' }] : []));
  return { code: [{ address: module.code.address, size: module.code.size }], data };
}

export async function runModule(options: RunOptions): Promise<ModuleReport> {
  const progress = options.progress ?? (() => {});
  const bytes = exportAllState(options.bytes);
  const report: ModuleReport = { calls: 0, instantiated: false, hostLimited: false, trace: [], canaries: { placed: 0, wanted: 0 } };
  const host = new HostObjects();

  progress('v8 compile');
  const v8Module = new WebAssembly.Module(new Uint8Array(bytes));
  const importDescriptors = WebAssembly.Module.imports(v8Module);
  const exportOrder = WebAssembly.Module.exports(v8Module);
  const exportNames = exportOrder.map((e) => e.name);

  const v8: Side = { ctx: new EngineContext(host), exports: {} };
  progress('v8 instantiate');
  try {
    // As wasmjit's `instantiate` below: errors raised while instantiating start with the API's name.
    v8.exports = (await WebAssembly.instantiate(v8Module, buildImports(importDescriptors, v8.ctx))).exports as Record<string, unknown>;
    v8.ctx.setExports(v8.exports, exportNames);
  } catch (e) {
    v8.error = describeError(e);
  }

  const jit: Side = { ctx: new EngineContext(host), exports: {} };
  progress('wasmjit compile');
  let jitModule: Module;
  try {
    jitModule = await compile(bytes, METERING_OPTIONS);
  } catch (e) {
    report.unsupported = e instanceof WebAssembly.CompileError ? unsupportedSimd(e.message) : undefined;
    if (!report.unsupported) report.mismatch = { kind: 'compile', callIndex: -1, v8: 'compiles', wasmjit: describeError(e) };
    return report;
  }
  progress('wasmjit instantiate');
  let jitInstance: Instance | undefined;
  try {
    jitInstance = await instantiate(jitModule, buildImports(importDescriptors, jit.ctx), INSTANCE_OPTIONS);
    jit.exports = jitInstance.exports as Record<string, unknown>;
    jit.ctx.setExports(jit.exports, exportNames);
  } catch (e) {
    jit.error = describeError(e);
  }

  let canaries: MemoryCanaries[] = [];
  try {
    if ((v8.error ?? '') !== (jit.error ?? '')) {
      report.mismatch = { kind: 'instantiate', callIndex: -1, v8: v8.error ?? 'instantiated', wasmjit: jit.error ?? 'instantiated' };
      return report;
    }
    const logDiff = logDifference(v8.ctx.log, jit.ctx.log);
    if (logDiff) {
      report.mismatch = { kind: 'log', callIndex: -1, ...logDiff };
      return report;
    }
    if (v8.error) return report;
    report.instantiated = true;

    const regions = nativeRegions(jitModule, jit.exports);
    const safety = (callIndex: number): boolean => {
      if (!options.checkSafety) return true;
      const problems = [...checkWriteXorExecute(regions), ...canaries.flatMap((c) => c.damaged())];
      if (problems.length) report.mismatch = { kind: 'safety', callIndex, v8: 'no violation', wasmjit: problems.join('; ') };
      return problems.length === 0;
    };
    if (options.checkSafety) {
      canaries = Object.values(jit.exports).flatMap((v) => (v instanceof Memory ? [new MemoryCanaries(v.address, Math.max(v.maximumPages, 1) * 65536)] : []));
      report.canaries = { placed: canaries.reduce((n, c) => n + c.placed, 0), wanted: canaries.reduce((n, c) => n + c.wanted, 0) };
    }
    if (!safety(-1)) return report;

    const initial = stateDifference(snapshot(exportOrder, v8), snapshot(exportOrder, jit));
    if (initial) {
      report.mismatch = { ...initial, callIndex: -1 };
      return report;
    }

    const calls = Array.isArray(options.calls) ? options.calls : planCalls(bytes, options.calls);
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      const outcomes: string[] = [];
      const logs: string[][] = [];
      for (const [name, side] of [['v8', v8], ['wasmjit', jit]] as const) {
        prepare(side, options.beforeCall);
        const logStart = side.ctx.log.length;
        progress(`${name} call ${i} ${call.export}`);
        const fn = side.exports[call.export] as (...args: unknown[]) => unknown;
        const args = call.args.map((a) => decodeArg(a, side.exports, host));
        outcomes.push(outcomeOf(() => fn(...args), side.ctx));
        logs.push(side.ctx.log.slice(logStart));
      }
      progress(`compare call ${i}`);
      report.calls++;
      const after = [snapshot(exportOrder, v8), snapshot(exportOrder, jit)];
      report.trace.push({ call, outcome: outcomes[0], log: logs[0], state: digest(after[0]) });
      const overflowed = outcomes.map((o) => o === `! ${STACK_OVERFLOW}`);
      if (overflowed[0] && overflowed[1]) {
        report.hostLimited = true;
        return report;
      }
      if (outcomes[0] !== outcomes[1]) {
        report.mismatch = { kind: 'outcome', callIndex: i, call, v8: outcomes[0], wasmjit: outcomes[1] };
        return report;
      }
      const callLogDiff = logDifference(logs[0], logs[1]);
      if (callLogDiff) {
        report.mismatch = { kind: 'log', callIndex: i, call, ...callLogDiff };
        return report;
      }
      const stateDiff = stateDifference(after[0], after[1]);
      if (stateDiff) {
        report.mismatch = { ...stateDiff, callIndex: i, call };
        return report;
      }
      if (!safety(i)) return report;
    }
    return report;
  } finally {
    for (const c of canaries) c.remove();
    jitInstance?.dispose();
    jitModule.dispose();
  }
}

function prepare(side: Side, beforeCall: RunOptions['beforeCall']): void {
  if (beforeCall === 'fuel') {
    const fuel = side.exports.fuel as { value: number } | undefined;
    if (fuel) fuel.value = FUEL;
  } else {
    const init = side.exports.hangLimitInitializer;
    if (typeof init === 'function') init();
  }
}
