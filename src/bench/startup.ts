// The start-up part of the bench: what a fresh process pays to get from a real module's bytes to an
// instance — wasmjit eager, lazy and from its code cache against V8's default (lazy) compile and V8
// Liftoff eager — with the compile throughput, first and warm, the peak memory, `import('wasmjit')`
// and the first instantiation. Every measurement is a fresh process (startup-child.ts); nothing is
// cached across processes except wasmjit's cache directory, filled by a process of its own first.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EAGER_COMPILATION_FLAG, LIFTOFF_FLAGS, rotated } from './engines.js';
import type { Runtime } from './engines.js';
import { hashWasmModule } from './hash-wasm.js';
import type { Progress } from './progress.js';
import { FIRST_RUN_WORKLOADS } from './first-run.js';
import type { FirstRunResult, FirstRunTask, StartupResult, StartupTask } from './protocol.js';
import { ChecksumMismatch, ChildFailure, runChild } from './spawn.js';
import { median } from './stats.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Real modules from the devDependencies, as their packages ship them. */
const REAL_MODULES = [
  { name: 'sql.js', language: 'emscripten C', file: 'sql.js/dist/sql-wasm.wasm' },
  { name: '@resvg/resvg-wasm', language: 'Rust', file: '@resvg/resvg-wasm/index_bg.wasm' },
  { name: 'tiktoken', language: 'Rust', file: 'tiktoken/tiktoken_bg.wasm' },
  { name: 'esbuild-wasm', language: 'Go', file: 'esbuild-wasm/esbuild.wasm' },
];
/** The small module the first instantiation is measured on: a C program. */
const SMALL_MODULE = 'sha256';

export type StartupEngineId = 'v8' | 'liftoff' | 'eager' | 'lazy' | 'cache';

interface StartupEngine {
  id: StartupEngineId;
  label: string;
  runtime: Runtime;
  nodeFlags: string[];
  /** wasmjit's compile options, given the module's cache directory. */
  options?: (cacheDir: string) => StartupTask['options'];
  /** Whether warm compiles (more copies of the module in the same process) are timed too. */
  warm: boolean;
}

export const STARTUP_ENGINES: StartupEngine[] = [
  { id: 'v8', label: 'V8 default', runtime: 'v8', nodeFlags: [], warm: false },
  { id: 'liftoff', label: 'V8 Liftoff eager', runtime: 'v8', nodeFlags: [...LIFTOFF_FLAGS, EAGER_COMPILATION_FLAG], warm: true },
  { id: 'eager', label: 'wasmjit eager', runtime: 'wasmjit', nodeFlags: [], options: () => ({ lazy: false }), warm: true },
  { id: 'lazy', label: 'wasmjit lazy', runtime: 'wasmjit', nodeFlags: [], options: () => ({ lazy: true }), warm: false },
  { id: 'cache', label: 'wasmjit cache', runtime: 'wasmjit', nodeFlags: [], options: (cacheDir) => ({ cache: cacheDir }), warm: false },
];

/** Warm compiles per process where they are timed: the second and third compile of the process. */
export const WARM_COMPILES = 2;

export interface StartupInput {
  module: string;
  bytes: Uint8Array;
}

/** Medians over the repetitions of one engine on one module. */
export interface StartupMeasurement {
  importMs: number;
  importCpuMs: number;
  compileMs: number;
  instantiateMs: number;
  secondInstantiateMs: number;
  /** Compile + first instantiation: the module is ready. */
  readyMs: number;
  warmCompileMs?: number;
  peakRssKiB: number;
  rssBeforeKiB: number;
}

export interface StartupRow {
  module: string;
  bytes: number;
  measured: Record<StartupEngineId, StartupMeasurement>;
}

export type FirstRunEngineId = 'v8' | 'lazy' | 'eager';

interface FirstRunEngine {
  id: FirstRunEngineId;
  label: string;
  runtime: Runtime;
  lazy?: boolean;
}

/** V8 default compiles each function lazily on its first call (Liftoff), then tiers up in the background. */
export const FIRST_RUN_ENGINES: FirstRunEngine[] = [
  { id: 'v8', label: 'V8 default', runtime: 'v8' },
  { id: 'lazy', label: 'wasmjit lazy', runtime: 'wasmjit', lazy: true },
  { id: 'eager', label: 'wasmjit eager', runtime: 'wasmjit', lazy: false },
];

/** Medians over the repetitions of one engine on one workload. */
export interface FirstRunMeasurement {
  readyMs: number;
  runMs: number;
  /** Ready + run: the workload's first run from its bytes. */
  totalMs: number;
  /** wasmjit: functions compiled lazily, code writes, and the time they took (ready and run). */
  lazyFunctions?: number;
  lazyWrites?: number;
  lazyMs?: number;
  /** CPU time of ready and run, all threads. */
  cpuMs: number;
}

export interface FirstRunRow {
  label: string;
  description: string;
  measured: Record<FirstRunEngineId, FirstRunMeasurement>;
}

export interface StartupResults {
  rows: StartupRow[];
  /** Real workloads' first runs (first-run.ts), each engine in fresh processes. */
  firstRuns: FirstRunRow[];
  /** The modules measured, the small one first. */
  notes: string[];
  /** Whether the build honoured `lazy` and `cache` (older builds ignore them: their columns then repeat eager). */
  lazySupported: boolean;
  cacheSupported: boolean;
}

/** The real modules and the small one; missing packages are named in `notes`. */
export function startupInputs(notes: string[]): StartupInput[] {
  const inputs: StartupInput[] = [];
  const small = hashWasmModule(SMALL_MODULE);
  if ('missing' in small) notes.push(`start-up: no small module: ${small.missing}`);
  else inputs.push({ module: `hash-wasm ${small.name} (C)`, bytes: small.bytes });
  for (const { name, language, file } of REAL_MODULES) {
    const location = path.join(PACKAGE_ROOT, 'node_modules', file);
    if (!existsSync(location)) notes.push(`start-up: ${name} is not installed (${file} is missing)`);
    else inputs.push({ module: `${name} (${language})`, bytes: new Uint8Array(readFileSync(location)) });
  }
  return inputs;
}

/** The first-run workloads whose packages are installed; missing ones are named in `notes`. */
export function firstRunWorkloads(notes: string[]): string[] {
  return Object.entries(FIRST_RUN_WORKLOADS).flatMap(([key, workload]) => {
    if (existsSync(path.join(PACKAGE_ROOT, 'node_modules', workload.packageName, 'package.json'))) return [key];
    notes.push(`first run: ${workload.packageName} is not installed`);
    return [];
  });
}

/** Children the start-up part starts: one per engine, module and repetition, one cache filler per module, and the first runs. */
export function plannedStartupChildren(inputs: number, workloads: number, reps: number): number {
  return inputs * (STARTUP_ENGINES.length * reps + 1) + workloads * FIRST_RUN_ENGINES.length * reps;
}

function summarize(results: StartupResult[]): StartupMeasurement {
  const of = (pick: (r: StartupResult) => number): number => median(results.map(pick));
  const warm = results.flatMap((r) => (r.warmCompileMs === undefined ? [] : [r.warmCompileMs]));
  return {
    importMs: of((r) => r.importMs),
    importCpuMs: of((r) => r.importCpuMs),
    compileMs: of((r) => r.compileMs),
    instantiateMs: of((r) => r.instantiateMs),
    secondInstantiateMs: of((r) => r.secondInstantiateMs),
    readyMs: of((r) => r.compileMs + r.instantiateMs),
    warmCompileMs: warm.length > 0 ? median(warm) : undefined,
    peakRssKiB: of((r) => r.peakRssKiB),
    rssBeforeKiB: of((r) => r.rssBeforeKiB),
  };
}

function fileCount(directory: string): number {
  return readdirSync(directory, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

function summarizeFirstRuns(results: FirstRunResult[]): FirstRunMeasurement {
  const of = (pick: (r: FirstRunResult) => number): number => median(results.map(pick));
  const lazy = results[0]?.lazyFunctions !== undefined;
  return {
    readyMs: of((r) => r.readyMs),
    runMs: of((r) => r.runMs),
    totalMs: of((r) => r.readyMs + r.runMs),
    lazyFunctions: lazy ? of((r) => r.lazyFunctions ?? NaN) : undefined,
    lazyWrites: lazy ? of((r) => r.lazyWrites ?? NaN) : undefined,
    cpuMs: of((r) => r.cpuMs),
    lazyMs: lazy ? of((r) => r.lazyMs ?? NaN) : undefined,
  };
}

/** Each workload's first run on each engine, `reps` fresh processes each, the engines taking turns. */
export function measureFirstRuns(workloads: string[], reps: number, childEntry: string, progress: Progress): FirstRunRow[] {
  return workloads.map((key, w) => {
    const workload = FIRST_RUN_WORKLOADS[key]!;
    const results = Object.fromEntries(FIRST_RUN_ENGINES.map((e) => [e.id, [] as FirstRunResult[]])) as Record<FirstRunEngineId, FirstRunResult[]>;
    for (let rep = 0; rep < reps; rep++) {
      for (const engine of rotated(FIRST_RUN_ENGINES, rep + w)) {
        progress.step(`rep ${rep + 1}/${reps} first run of ${workload.label}`, engine.label);
        const task: FirstRunTask = { kind: 'first-run', runtime: engine.runtime, workload: key, lazy: engine.lazy };
        try {
          results[engine.id].push(runChild<FirstRunResult>(childEntry, [], task, new Uint8Array(0)));
        } catch (err) {
          if (err instanceof ChildFailure) throw new ChildFailure(`first run of ${workload.label} on ${engine.label}: ${err.message}`);
          throw err;
        }
      }
    }
    const checksums = new Set(Object.values(results).flatMap((runs) => runs.map((r) => r.checksum)));
    if (checksums.size > 1) throw new ChecksumMismatch(`the first run of ${workload.label} computed different results: ${[...checksums].join(', ')}`);
    return {
      label: workload.label,
      description: workload.description,
      measured: Object.fromEntries(FIRST_RUN_ENGINES.map((e) => [e.id, summarizeFirstRuns(results[e.id])])) as Record<FirstRunEngineId, FirstRunMeasurement>,
    };
  });
}

export async function measureStartup(inputs: StartupInput[], workloads: string[], reps: number, entries: { startup: string; firstRun: string }, progress: Progress): Promise<StartupResults> {
  const childEntry = entries.startup;
  const notes: string[] = [];
  const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'wasmjit-bench-cache-'));
  const run = (rep: string, input: StartupInput, engine: StartupEngine, cacheDir: string): StartupResult => {
    progress.step(`${rep} start-up of ${input.module}`, engine.label);
    const task: StartupTask = { kind: 'startup', runtime: engine.runtime, options: engine.options?.(cacheDir), warmCompiles: engine.warm ? WARM_COMPILES : 0 };
    try {
      return runChild<StartupResult>(childEntry, engine.nodeFlags, task, input.bytes);
    } catch (err) {
      if (err instanceof ChildFailure) throw new ChildFailure(`start-up of ${input.module} on ${engine.label}: ${err.message}`);
      throw err;
    }
  };
  try {
    const cacheDirs = inputs.map((_, m) => path.join(cacheRoot, String(m)));
    const cacheEngine = STARTUP_ENGINES.find((e) => e.id === 'cache')!;
    inputs.forEach((input, m) => run('filling the cache for the', input, cacheEngine, cacheDirs[m]!));
    const cacheSupported = cacheDirs.every((dir) => existsSync(dir) && fileCount(dir) > 0);
    if (!cacheSupported) notes.push('start-up: this build wrote nothing to the cache directory (no `cache` option): the cache column is a compile without one.');
    const results = inputs.map(() => Object.fromEntries(STARTUP_ENGINES.map((e) => [e.id, [] as StartupResult[]])) as Record<StartupEngineId, StartupResult[]>);
    for (let rep = 0; rep < reps; rep++) {
      inputs.forEach((input, m) => {
        for (const engine of rotated(STARTUP_ENGINES, rep + m)) results[m]![engine.id].push(run(`rep ${rep + 1}/${reps}`, input, engine, cacheDirs[m]!));
      });
    }
    const rows = inputs.map((input, m) => ({
      module: input.module,
      bytes: input.bytes.length,
      measured: Object.fromEntries(STARTUP_ENGINES.map((e) => [e.id, summarize(results[m]![e.id])])) as Record<StartupEngineId, StartupMeasurement>,
    }));
    const lazySupported = results.every((byEngine) => byEngine.lazy.every((r) => r.lazyThresholdExported === true));
    if (!lazySupported) notes.push("start-up: 'wasmjit' exports no LAZY_THRESHOLD_BYTES: a build without lazy compilation ignores `lazy`, and the lazy column is then an eager compile.");
    const firstRuns = measureFirstRuns(workloads, reps, entries.firstRun, progress);
    return { rows, firstRuns, notes, lazySupported, cacheSupported };
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}
