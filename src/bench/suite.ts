// The measurements: kernel times on every engine, compile throughput, per-call overhead. Engines take
// turns, kernel by kernel and repetition by repetition (each repetition starts with another engine),
// every measurement in a fresh child process started from a snapshot of the build (snapshot.ts); the
// medians over the repetitions are reported.
import { readFileSync } from 'node:fs';
import { BUFFER_ENGINES, BUFFER_SIZES_MIB, bufferModule, bufferTask, summarizeBuffers } from './buffers.js';
import type { BufferRow } from './buffers.js';
import { CALL_MEASUREMENTS, CALL_MODULE_WAT } from './calls.js';
import type { CallShape } from './calls.js';
import { ENGINES, EAGER_COMPILATION_FLAG, LIFTOFF_FLAGS, METERED_ENGINES, rotated } from './engines.js';
import type { Engine, EngineId, Metering } from './engines.js';
import { generateModule } from './generate.js';
import { biggestHashWasmModule } from './hash-wasm.js';
import { KERNEL_ENTRY, KERNELS, kernelFiles, kernelMatches } from './kernels.js';
import type { Kernel, KernelKind } from './kernels.js';
import type { BufferResult, CallResult, CompilePhases, CompileResult, KernelResult, Task } from './protocol.js';
import { availableNodes, nodeBinary } from './nodes.js';
import type { NodeBinary } from './nodes.js';
import { ChecksumMismatch, ChildFailure, runChild } from './spawn.js';

export { ChecksumMismatch } from './spawn.js';
import { median } from './stats.js';
import type { Progress } from './progress.js';
import { snapshotBuild } from './snapshot.js';
import { measureReal, prepareCPrograms, selectRealPrograms } from './real-suite.js';
import type { RealRow } from './real-suite.js';
import { firstRunWorkloads, measureStartup, plannedStartupChildren, startupInputs } from './startup.js';
import type { StartupInput, StartupResults } from './startup.js';
import { watToWasm } from '../wat/index.js';

export interface SuiteOptions {
  /** Substrings of kernel names; 'compile', 'call' and 'buffer' select those measurements. Empty: everything. */
  filters: string[];
  reps: number;
  /** Timed calls per kernel child, after the warm-up call. */
  calls: number;
  /** Call overhead on the running Node only, not on every tested one. */
  currentNodeOnly?: boolean;
  /** Repetitions of the start-up part (each a fresh process per engine and module). */
  startupReps: number;
}

export interface KernelTimes {
  /** Median milliseconds per call, and every sample, by engine (NaN and none where unsupported). */
  ms: Record<EngineId, number>;
  samples: Record<EngineId, number[]>;
  /** Engines that refused the module, with the CompileError's message: wasmjit before it compiles SIMD. */
  unsupported: Partial<Record<EngineId, string>>;
}

export interface KernelRow extends KernelTimes {
  name: string;
  kind: KernelKind;
  n: number;
  checksum: string;
  /** A SIMD kernel's scalar twin (kernels.ts), which returned the same checksum. */
  scalarTwin?: KernelTimes;
  /** An integer or float kernel on wasmjit's metered code (METERED_ENGINES): median ms, and every sample. */
  metered?: { ms: Record<Metering, number>; samples: Record<Metering, number[]> };
}

export interface CompileMeasurement {
  /** Median milliseconds per phase over the repetitions (warm compiles). */
  phasesMs: CompilePhases;
  totalMs: number;
  /** Median over the repetitions of each process's first compile. */
  firstMs: number;
  peakRssKiB: number;
  rssBeforeKiB: number;
}

export interface CompileRow {
  module: string;
  bytes: number;
  wasmjit: CompileMeasurement;
  liftoff: CompileMeasurement;
}

export interface NodeCalls {
  node: string;
  ns: Record<CallShape, Record<EngineId, number>>;
}

export interface SuiteResults {
  kernels: KernelRow[];
  compile: CompileRow[];
  /** Why a compile row is missing (hash-wasm not installed). */
  notes: string[];
  /** Median ns per call of each trivial export (calls.ts), by engine, on each tested Node. */
  calls: NodeCalls[];
  /** `memory.buffer` after `memory.grow`, by memory size. */
  buffers: BufferRow[];
  /** Bytes to instance in fresh processes, on real modules (startup.ts). */
  startup?: StartupResults;
  /** Real compiled code: hash-wasm's modules and C programs (real-suite.ts). */
  real: RealRow[];
}

/** Engines gave different results for the same kernel: no time is worth printing. */

const GENERATED_FUNCTIONS = 4000;
/**
 * Untimed compiles before the timed ones. 4 s, not 1: after 1 s of compiling the generated module
 * (a handful of compiles) V8 had not yet optimized all of the compiler on both threads — lower
 * 10.1 MB/s after 1 s against 12.7 after 4 s on a quiet 2-core machine, and 4.9 / 8.7 on a loaded
 * one — so the "warm" figure measured the warm-up. V8 Liftoff's figures are the same either way.
 */
export const COMPILE_WARMUP_MS = 4000;
const COMPILE_MIN_MS = 1500;
const COMPILE_MIN_ITERATIONS = 5;
const CALL_MIN_MS = 200;

const BENCH_DIR = new URL('../../bench/', import.meta.url);

/** wasmjit against V8 Liftoff compiling every function up front (not lazily on first call). */
const COMPILE_ENGINES: Array<Pick<Engine, 'label' | 'runtime' | 'nodeFlags'> & { id: 'wasmjit' | 'liftoff' }> = [
  { id: 'wasmjit', label: 'wasmjit', runtime: 'wasmjit', nodeFlags: [] },
  { id: 'liftoff', label: 'V8 Liftoff', runtime: 'v8', nodeFlags: [...LIFTOFF_FLAGS, EAGER_COMPILATION_FLAG] },
];

export function selectKernels(filters: string[]): Kernel[] {
  return filters.length === 0 ? KERNELS : KERNELS.filter((k) => filters.some((f) => kernelMatches(k, f)));
}

/**
 * `--filter startup` selects both start-up sections, `--filter first-run` the workloads' first runs alone;
 * `--filter real` the real-code part (real-suite.ts, which also selects its programs by name).
 */
export type Section = 'compile' | 'call' | 'buffer' | 'startup' | 'startup-first-run' | 'real';

export function wantsSection(section: Section, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => section.includes(f));
}

/** How many child processes the suite starts, for the progress counter. */
function plannedChildren(options: SuiteOptions, compileModules: number, nodes: number, startupModules: number, workloads: number, realPrograms: number): number {
  const kernelModules = selectKernels(options.filters).reduce((sum, k) => sum + Object.keys(kernelFiles(k)).length, 0);
  const perRep =
    kernelModules * ENGINES.length +
    selectKernels(options.filters).filter(isMeasuredMetered).length * METERED_ENGINES.length +
    (wantsSection('compile', options.filters) ? compileModules * COMPILE_ENGINES.length : 0) +
    (wantsSection('call', options.filters) ? ENGINES.length * Object.keys(CALL_MEASUREMENTS).length * nodes : 0) +
    (wantsSection('buffer', options.filters) ? BUFFER_SIZES_MIB.length * BUFFER_ENGINES.length : 0) +
    realPrograms * ENGINES.length;
  return perRep * options.reps + plannedStartupChildren(startupModules, workloads, options.startupReps);
}

async function watBytes(file: string): Promise<Uint8Array> {
  return watToWasm(readFileSync(new URL(file, BENCH_DIR), 'utf8'), { filename: `bench/${file}` });
}

/** A module measured: a kernel, or a SIMD kernel's scalar twin. */
interface KernelModule {
  kernel: Kernel;
  label: string;
  bytes: Uint8Array;
  times: KernelTimes;
  /** Whether wasmjit may refuse it: a SIMD kernel's own module, until wasmjit compiles SIMD. */
  mayBeUnsupported: boolean;
}

/** Metering is measured on the integer and float kernels: loops and calls, where its checks are. */
const isMeasuredMetered = (kernel: Kernel): boolean => kernel.kind !== 'simd';

function emptyTimes(): KernelTimes {
  return { ms: byEngine(() => NaN), samples: byEngine(() => []), unsupported: {} };
}

/** Starts the children: from the run's build snapshot, with progress shown, naming what failed. */
class Measurer {
  constructor(
    private readonly progress: Progress,
    private readonly childEntry: string,
    private readonly reps: number,
  ) {}

  /** Measures `subject` (a kernel, a module compile, …) in repetition `rep` (from 0) on `engine`. */
  run<R extends KernelResult | CompileResult | CallResult | BufferResult>(
    rep: number,
    subject: string,
    engine: Pick<Engine, 'label' | 'nodeFlags'>,
    task: Task,
    bytes: Uint8Array,
    node?: NodeBinary,
  ): R {
    this.progress.step(`rep ${rep + 1}/${this.reps} ${subject}`, node ? `${engine.label}, Node ${node.version}` : engine.label);
    try {
      return runChild<R>(this.childEntry, engine.nodeFlags, task, bytes, node?.executable);
    } catch (err) {
      if (err instanceof ChildFailure) throw new ChildFailure(`${subject} on ${engine.label}: ${err.message}`);
      throw err;
    }
  }
}

function byEngine<T>(make: (id: EngineId) => T): Record<EngineId, T> {
  return Object.fromEntries(ENGINES.map((e) => [e.id, make(e.id)])) as Record<EngineId, T>;
}

async function measureKernels(options: SuiteOptions, measurer: Measurer): Promise<KernelRow[]> {
  const kernels = selectKernels(options.filters);
  const rows: KernelRow[] = [];
  const modules: KernelModule[][] = [];
  for (const kernel of kernels) {
    const files = kernelFiles(kernel);
    const row: KernelRow = { name: kernel.name, kind: kernel.kind, n: kernel.n, checksum: '', ...emptyTimes() };
    if (isMeasuredMetered(kernel)) row.metered = { ms: { fuel: NaN, interruptible: NaN }, samples: { fuel: [], interruptible: [] } };
    const own: KernelModule = { kernel, label: kernel.name, bytes: await watBytes(files.kernel), times: row, mayBeUnsupported: kernel.kind === 'simd' };
    const twins: KernelModule[] = [];
    if (files.scalarTwin !== undefined) {
      row.scalarTwin = emptyTimes();
      twins.push({ kernel, label: `${kernel.name} scalar twin`, bytes: await watBytes(files.scalarTwin), times: row.scalarTwin, mayBeUnsupported: false });
    }
    rows.push(row);
    modules.push([own, ...twins]);
  }
  for (let rep = 0; rep < options.reps; rep++) {
    kernels.forEach((kernel, k) => {
      // Every engine on every module of the kernel (a SIMD kernel and its scalar twin) returns one checksum.
      const checksums = new Map<string, string>();
      for (const module of modules[k]) {
        for (const engine of rotated(ENGINES, rep + k)) {
          const task: Task = { kind: 'kernel', runtime: engine.runtime, entry: KERNEL_ENTRY, n: kernel.n, calls: options.calls };
          const result = measurer.run<KernelResult>(rep, module.label, engine, task, module.bytes);
          if ('unsupported' in result) {
            if (!module.mayBeUnsupported) throw new ChildFailure(`${module.label} on ${engine.label}: CompileError: ${result.unsupported}`);
            module.times.unsupported[engine.id] = result.unsupported;
            continue;
          }
          module.times.samples[engine.id].push(...result.ms);
          checksums.set(module === modules[k][0] ? engine.label : `${engine.label} (${module.label})`, result.checksum);
        }
      }
      const { metered } = rows[k];
      for (const engine of metered ? rotated(METERED_ENGINES, rep + k) : []) {
        const task: Task = { kind: 'kernel', runtime: engine.runtime, entry: KERNEL_ENTRY, n: kernel.n, calls: options.calls, metering: engine.metering };
        const result = measurer.run<KernelResult>(rep, kernel.name, engine, task, modules[k][0].bytes);
        if ('unsupported' in result) throw new ChildFailure(`${kernel.name} on ${engine.label}: CompileError: ${result.unsupported}`);
        metered!.samples[engine.metering].push(...result.ms);
        checksums.set(engine.label, result.checksum);
      }
      if (rows[k].checksum !== '') checksums.set('the first repetition', rows[k].checksum);
      if (new Set(checksums.values()).size > 1) {
        const found = [...checksums].map(([who, sum]) => `${who} ${sum}`).join(', ');
        throw new ChecksumMismatch(`${kernel.name}(${kernel.n}) returned different checksums: ${found}`);
      }
      rows[k].checksum = checksums.values().next().value ?? '';
    });
  }
  for (const module of modules.flat()) {
    const { samples } = module.times;
    module.times.ms = byEngine((id) => (samples[id].length > 0 ? median(samples[id]) : NaN));
  }
  for (const { metered } of rows) {
    if (metered) metered.ms = { fuel: median(metered.samples.fuel), interruptible: median(metered.samples.interruptible) };
  }
  return rows;
}

interface CompileInput {
  module: string;
  bytes: Uint8Array;
}

function compileInputs(notes: string[]): CompileInput[] {
  const generated = generateModule(GENERATED_FUNCTIONS);
  const inputs: CompileInput[] = [{ module: `generated (${generated.functions} functions)`, bytes: generated.bytes }];
  const hashWasm = biggestHashWasmModule();
  if ('missing' in hashWasm) notes.push(`hash-wasm row skipped: ${hashWasm.missing}`);
  else inputs.push({ module: `hash-wasm ${hashWasm.name} (biggest)`, bytes: hashWasm.bytes });
  return inputs;
}

function summarizeCompiles(results: CompileResult[]): CompileMeasurement {
  const phasesMs = Object.fromEntries(Object.keys(results[0].phasesMs).map((p) => [p, median(results.map((r) => r.phasesMs[p]))]));
  return {
    phasesMs,
    totalMs: median(results.map((r) => Object.values(r.phasesMs).reduce((a, b) => a + b, 0))),
    firstMs: median(results.map((r) => r.firstMs)),
    peakRssKiB: median(results.map((r) => r.peakRssKiB)),
    rssBeforeKiB: median(results.map((r) => r.rssBeforeKiB)),
  };
}

function measureCompiles(inputs: CompileInput[], options: SuiteOptions, measurer: Measurer): CompileRow[] {
  const results = inputs.map(() => ({ wasmjit: [] as CompileResult[], liftoff: [] as CompileResult[] }));
  for (let rep = 0; rep < options.reps; rep++) {
    inputs.forEach((input, m) => {
      for (const engine of rotated(COMPILE_ENGINES, rep + m)) {
        const task: Task = {
          kind: 'compile',
          runtime: engine.runtime,
          warmupMs: COMPILE_WARMUP_MS,
          minMs: COMPILE_MIN_MS,
          minIterations: COMPILE_MIN_ITERATIONS,
        };
        results[m][engine.id].push(measurer.run<CompileResult>(rep, `compiling ${input.module}`, engine, task, input.bytes));
      }
    });
  }
  return inputs.map((input, m) => ({
    module: input.module,
    bytes: input.bytes.length,
    wasmjit: summarizeCompiles(results[m].wasmjit),
    liftoff: summarizeCompiles(results[m].liftoff),
  }));
}

async function measureCalls(options: SuiteOptions, measurer: Measurer, node: NodeBinary): Promise<NodeCalls> {
  const bytes = await watToWasm(CALL_MODULE_WAT, { filename: 'call-overhead.wat' });
  const shapes = Object.keys(CALL_MEASUREMENTS) as CallShape[];
  const samples = Object.fromEntries(shapes.map((shape) => [shape, byEngine<number[]>(() => [])])) as Record<CallShape, Record<EngineId, number[]>>;
  for (let rep = 0; rep < options.reps; rep++) {
    for (const engine of rotated(ENGINES, rep)) {
      for (const shape of shapes) {
        const task: Task = { kind: 'call', runtime: engine.runtime, shape, minMs: CALL_MIN_MS };
        const label = `call overhead ${CALL_MEASUREMENTS[shape].entry}`;
        samples[shape][engine.id].push(measurer.run<CallResult>(rep, label, engine, task, bytes, node).nsPerCall);
      }
    }
  }
  const ns = Object.fromEntries(shapes.map((shape) => [shape, byEngine((id) => median(samples[shape][id]))])) as Record<CallShape, Record<EngineId, number>>;
  return { node: node.version, ns };
}

async function measureBuffers(options: SuiteOptions, measurer: Measurer): Promise<BufferRow[]> {
  const modules = await Promise.all(BUFFER_SIZES_MIB.map(bufferModule));
  const results = BUFFER_SIZES_MIB.map(() => ({ wasmjit: [] as BufferResult[], v8: [] as BufferResult[] }));
  for (let rep = 0; rep < options.reps; rep++) {
    BUFFER_SIZES_MIB.forEach((mib, s) => {
      for (const engine of rotated(BUFFER_ENGINES, rep + s)) {
        results[s][engine.id].push(measurer.run<BufferResult>(rep, `memory.buffer after a grow, ${mib} MiB`, engine, bufferTask(engine.runtime), modules[s]));
      }
    });
  }
  return BUFFER_SIZES_MIB.map((mib, s) => ({ mib, measured: { wasmjit: summarizeBuffers(results[s].wasmjit), v8: summarizeBuffers(results[s].v8) } }));
}

export async function runSuite(options: SuiteOptions, makeProgress: (children: number) => Progress): Promise<SuiteResults> {
  const notes: string[] = [];
  const inputs = wantsSection('compile', options.filters) ? compileInputs(notes) : [];
  const callNodes = !wantsSection('call', options.filters) ? [] : options.currentNodeOnly ? [nodeBinary(process.versions.node)] : availableNodes(notes);
  const startupModules: StartupInput[] = wantsSection('startup', options.filters) ? startupInputs(notes) : [];
  const workloads = wantsSection('startup-first-run', options.filters) ? firstRunWorkloads(notes) : [];
  const realSelection = selectRealPrograms(options.filters);
  notes.push(...realSelection.notes);
  const cPrograms = prepareCPrograms(realSelection);
  notes.push(...cPrograms.notes);
  const realPrograms = realSelection.hashWasm.length + cPrograms.programs.length;
  const progress = makeProgress(plannedChildren(options, inputs.length, callNodes.length, startupModules.length, workloads.length, realPrograms));
  const snapshot = snapshotBuild();
  try {
    const measurer = new Measurer(progress, snapshot.childEntry, options.reps);
    const kernels = await measureKernels(options, measurer);
    const real = measureReal(realSelection, cPrograms, options, snapshot.realEntry, progress);
    const compile = measureCompiles(inputs, options, measurer);
    const calls: NodeCalls[] = [];
    for (const node of wantsSection('call', options.filters) ? callNodes : []) calls.push(await measureCalls(options, measurer, node));
    const buffers = wantsSection('buffer', options.filters) ? await measureBuffers(options, measurer) : [];
    const startup = startupModules.length + workloads.length > 0 ? await measureStartup(startupModules, workloads, options.startupReps, { startup: snapshot.startupEntry, firstRun: snapshot.firstRunEntry }, progress) : undefined;
    notes.push(...(startup?.notes ?? []));
    return { kernels, compile, notes, calls, buffers, startup, real };
  } finally {
    progress.clear();
    snapshot.remove();
    cPrograms.remove();
  }
}
