// What the benchmark parent asks of a child process (argv[2], JSON; the module bytes come on stdin)
// and what the child answers (one JSON line on stdout).
import type { CallShape } from './calls.js';
import type { Metering, Runtime } from './engines.js';

export type Task =
  /**
   * Instantiate, call `entry(n)` once to warm up, then time `calls` more calls. A CompileError from
   * wasmjit is answered as `unsupported`, for the parent to judge.
   */
  | { kind: 'kernel'; runtime: Runtime; entry: string; n: number; calls: number; metering?: Metering }
  /**
   * Compile the module once (the first compile of the process, timed on its own; peak memory is
   * read after it), then for `warmupMs` untimed (the compiler's own JS gets optimized), then again
   * until `minMs` have passed and `minIterations` compiles were timed.
   */
  | { kind: 'compile'; runtime: Runtime; warmupMs: number; minMs: number; minIterations: number }
  /** Call the export of CALL_MEASUREMENTS[shape] in batches until `minMs` have passed. */
  | { kind: 'call'; runtime: Runtime; shape: CallShape; minMs: number }
  /** Call the export `grow(1)` `grows` times, timing it and the first `memory.buffer` after it. */
  | { kind: 'buffer'; runtime: Runtime; grows: number };

export type KernelResult =
  | { checksum: string; ms: number[] }
  /** wasmjit refused the module with a CompileError (a SIMD kernel before wasmjit compiles SIMD): its message. */
  | { unsupported: string };

/** Median milliseconds per phase over the timed compiles (V8 has one phase, `compile`). */
export type CompilePhases = Record<string, number>;

export interface CompileResult {
  iterations: number;
  phasesMs: CompilePhases;
  /** The first compile of the process, all phases: what compiling one module costs a fresh process. */
  firstMs: number;
  /** VmRSS before the first compile and VmHWM after it, in KiB. */
  rssBeforeKiB: number;
  peakRssKiB: number;
}

export interface CallResult {
  nsPerCall: number;
  calls: number;
}

export interface BufferResult {
  /** Median and maximum microseconds of the first `memory.buffer` after a grow; median of the grow. */
  bufferUs: number;
  bufferMaxUs: number;
  growUs: number;
  /** Garbage collections during the loop (PerformanceObserver 'gc' entries). */
  gcs: number;
}

export type TaskResult = KernelResult | CompileResult | CallResult | BufferResult;

/** A child that fails prints this instead of a result, and exits with status 1. */
export interface TaskFailure {
  error: string;
}

/**
 * From the bytes to an instance in a fresh process (startup-child.ts): import the engine, compile
 * (wasmjit with `options`), instantiate twice with stub imports, then compile `warmCompiles` more
 * copies of the module (each with other bytes) for the warm compile time.
 */
export interface StartupTask {
  kind: 'startup';
  runtime: Runtime;
  options?: { lazy?: boolean; cache?: string };
  warmCompiles: number;
}

export interface StartupResult {
  /** `import('wasmjit')`, the process's first import of it (0 on V8), and the CPU time it took (all threads). */
  importMs: number;
  importCpuMs: number;
  compileMs: number;
  /** The first instantiation in the process, and the one after it. */
  instantiateMs: number;
  secondInstantiateMs: number;
  /** Median of the warm compiles; absent without any. */
  warmCompileMs?: number;
  /** VmRSS before the compile, VmHWM after it (KiB). */
  rssBeforeKiB: number;
  peakRssKiB: number;
  /** Whether the package's main entry exports LAZY_THRESHOLD_BYTES (builds with lazy compilation do); wasmjit only. */
  lazyThresholdExported?: boolean;
}

/**
 * A real workload's first run in a fresh process (first-run-child.ts), through its package's own glue:
 * on wasmjit, `wasmjit/register` is imported first (with WASMJIT_LAZY from `lazy`), as
 * `node --import wasmjit/register` would.
 */
export interface FirstRunTask {
  kind: 'first-run';
  runtime: Runtime;
  /** A key of FIRST_RUN_WORKLOADS. */
  workload: string;
  /** wasmjit: compile lazily (WASMJIT_LAZY=1) or eagerly (=0). */
  lazy?: boolean;
}

export interface FirstRunResult {
  /** `wasmjit/register`'s import (0 on V8). */
  importMs: number;
  /** Bytes → module → instance through the glue. */
  readyMs: number;
  /** The workload's first run, lazy compiles included. */
  runMs: number;
  /** CPU time of ready and run, all threads (V8's background compiles and collections included). */
  cpuMs: number;
  /** A digest of what the workload computed: every engine must agree. */
  checksum: string;
  /** wasmjit: what lazy compiles cost during ready and run (wasmjit's lazyCompileStats). */
  lazyFunctions?: number;
  lazyWrites?: number;
  lazyMs?: number;
}

/**
 * The real-code part (real-child.ts): one program of real compiled code, run `calls` times after a
 * warm-up run. A hash-wasm program goes through hash-wasm's own API (real-hash-wasm.ts); a C program
 * (its wasm32-wasi bytes on stdin) is a fresh instance per run whose `_start` is timed, under the
 * WASI shim of real-wasi.ts. On wasmjit, `wasmjit/register` makes it the global WebAssembly first.
 */
export interface RealTask {
  kind: 'real';
  runtime: Runtime;
  program: { hashWasm: string } | { c: string };
  calls: number;
}
