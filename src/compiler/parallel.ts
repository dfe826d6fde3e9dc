// Compiling a large module's functions on several threads, the way V8 compiles with background
// threads: the functions are cut into contiguous chunks, worker threads compile all chunks but the
// first, which this thread compiles meanwhile. compileModule is synchronous, so this thread then
// blocks on each worker (Atomics.wait on a shared flag) and takes its answer with
// receiveMessageOnPort, without the event loop. Workers are started after the first large compile
// and kept (unref'd: they never keep the process alive); a compile uses only those already loaded,
// so none ever waits for a worker to start. Each worker's share of a compile follows how fast it
// compiled, per instruction, against this thread the compile before: V8 optimizes a worker's copy
// of the compiler's JavaScript only once it has compiled for a while, and a busy machine may slow
// either thread; with shares in proportion to speed, both finish about together.
//
// WASMJIT_COMPILE_THREADS sets how many worker threads may help (0: none); modules below
// WASMJIT_PARALLEL_MIN_INSTRUCTIONS instructions are compiled on this thread alone.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Func } from '../decode/index.js';
import { bodyLength, compileChunk, instructionCount } from './chunk.js';
import type { CompiledChunk, ModuleShape } from './chunk.js';
import { packFuncs } from './packed-funcs.js';
import type { PackedFuncs } from './packed-funcs.js';

/** Below this many instructions, starting workers and copying the IR to them costs more than it saves. */
const DEFAULT_MIN_INSTRUCTIONS = 100_000;
const MAX_WORKERS = 3;
/** How long startCompileWorkers waits for the workers to load. */
const WORKER_START_TIMEOUT_MS = 10_000;
/** How long a worker may take for one chunk before it is replaced and its chunk compiled here. */
const WORKER_TIMEOUT_MS = 120_000;
/** At most this many instructions of the module that starts the workers are sent them to warm up on. */
const WARM_UP_SAMPLE_INSTRUCTIONS = 60_000;

export interface ChunkRequest {
  shape: ModuleShape;
  funcs: PackedFuncs;
  /** Not to answer: functions to compile while idle, to warm the worker up (chunk-worker.ts). */
  warmUp?: true;
}

/** `ms`: how long the worker took for the chunk, from the request's arrival to its reply. */
export type ChunkReply = { chunk: CompiledChunk; ms: number } | { error: string; compileError: boolean };

// Under vitest this module runs from src/ as TypeScript, which a worker cannot load: the tests run
// after the build, so the built worker serves them. '../compiler/' also finds it from the package's
// bundle (dist/bundle/, scripts/bundle.mjs).
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? '../../dist/compiler/chunk-worker.js' : '../compiler/chunk-worker.js', import.meta.url);

interface ChunkWorker {
  worker: Worker;
  port: MessagePort;
  /** Shared with the worker, indexed by ChunkFlag. */
  flags: Int32Array;
  /** Its share of the next compile, this thread's being 1: its speed over this thread's, last measured. */
  share: number | undefined;
}

/**
 * A worker's share before it has compiled a chunk: its speed warming up over this thread's last, at
 * most 1 (this thread's last compile may have run colder code than its next); without a warm-up,
 * small: its first chunks run V8's unoptimized code of the compiler.
 */
const FIRST_SHARE = 0.25;
const firstShare = ({ flags }: ChunkWorker): number => {
  const warmSpeed = Atomics.load(flags, ChunkFlag.warmUpSpeed) / 1000;
  return warmSpeed > 0 && ownSpeed > 0 ? Math.min(1, Math.max(MIN_SHARE, warmSpeed / ownSpeed)) : FIRST_SHARE;
};
/** Instructions per millisecond of this thread's last large compile. */
let ownSpeed = 0;
/** Bounds of a measured share, so that one odd measurement (a pause, a busy core) cannot starve a thread. */
const MIN_SHARE = 0.1;
const MAX_SHARE = 3;

/**
 * The worker sets `reply` to 1 once its answer is on the port, `ready` once it is loaded,
 * `warmUpSpeed` to its last warm-up slice's instructions per second.
 */
export const ChunkFlag = { reply: 0, ready: 1, warmUpSpeed: 2 } as const;

const workers: ChunkWorker[] = [];

type WorkerThreads = typeof import('node:worker_threads');
let workerThreadsModule: WorkerThreads | undefined;
/** Loaded on first need: node:worker_threads brings Node's whole stream stack, ~3 ms of every import('wasmjit'). */
const workerThreads = (): WorkerThreads => (workerThreadsModule ??= createRequire(import.meta.url)('node:worker_threads') as WorkerThreads);

/** Chunks compiled by worker threads so far in this process (for tests and diagnostics). */
export const parallelStats = { workerChunks: 0 };

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function startWorker(): ChunkWorker {
  const { MessageChannel, Worker } = workerThreads();
  const { port1, port2 } = new MessageChannel();
  const flags = new Int32Array(new SharedArrayBuffer(12));
  const worker = new Worker(WORKER_URL, { workerData: { port: port2, flags }, transferList: [port2], execArgv: [] });
  // A worker that fails to load never sets `ready`: awaitReply notices. The event must not go unheard.
  worker.on('error', () => {});
  worker.unref();
  port1.unref();
  return { worker, port: port1, flags, share: undefined };
}

const isReady = (w: ChunkWorker): boolean => Atomics.load(w.flags, ChunkFlag.ready) === 1;

/**
 * Starts the compile workers now (a compile would start them only when it needs them, and use them
 * from the next one on); resolves once they are loaded. For programs that know a large compile is coming.
 */
export async function startCompileWorkers(): Promise<void> {
  const wanted = helperCount();
  while (workers.length < wanted) workers.push(startWorker());
  const deadline = Date.now() + WORKER_START_TIMEOUT_MS;
  while (!workers.every(isReady) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

function helperCount(): number {
  return envNumber('WASMJIT_COMPILE_THREADS', Math.min(availableParallelism() - 1, MAX_WORKERS));
}

/** Compiles every defined function, in chunks, on as many threads as allowed and worthwhile. */
export function compileChunks(shape: ModuleShape, funcs: readonly Func[]): CompiledChunk[] {
  const instructions = instructionCount(funcs);
  const helpers = Math.min(helperCount(), funcs.length - 1);
  if (helpers <= 0 || instructions < envNumber('WASMJIT_PARALLEL_MIN_INSTRUCTIONS', DEFAULT_MIN_INSTRUCTIONS)) {
    return [compileChunk(shape, funcs)];
  }
  const helping = workers.slice(0, helpers).filter(isReady);
  if (helping.length === 0) {
    // Started after this compile, not during it: loading a worker would slow it down.
    const start = performance.now();
    const chunk = compileChunk(shape, funcs);
    ownSpeed = instructions / (performance.now() - start);
    const sample: ChunkRequest = { shape, funcs: packFuncs(warmUpSample(funcs)), warmUp: true };
    while (workers.length < helpers) workers.push(startWorker());
    for (const { port } of workers) port.postMessage(sample);
    return [chunk];
  }
  const parts = split(funcs, instructions, [1, ...helping.map((w) => w.share ?? firstShare(w))]);
  parts.slice(1).forEach((part, i) => {
    const { port, flags } = helping[i]!;
    Atomics.store(flags, ChunkFlag.reply, 0);
    port.postMessage({ shape, funcs: packFuncs(part) } satisfies ChunkRequest);
  });
  // This thread's chunk first; its error (the first function's, in index order) wins, but only
  // after the workers are done, so that none is left with an answer nobody takes.
  let ownChunk: CompiledChunk | Error;
  const start = performance.now();
  try {
    ownChunk = compileChunk(shape, parts[0]!);
  } catch (error) {
    ownChunk = error as Error;
  }
  const ownMs = performance.now() - start;
  const ownInstructions = instructionCount(parts[0]!);
  ownSpeed = ownInstructions / ownMs;
  const replies = parts.slice(1).map((part, i) => awaitReply(helping[i]!, shape, part));
  if (ownChunk instanceof Error) throw ownChunk;
  const chunks = [ownChunk];
  for (const [i, reply] of replies.entries()) {
    if ('error' in reply) throw reply.compileError ? new WebAssembly.CompileError(reply.error) : new Error(reply.error);
    // A chunk compiled here after a timeout says nothing of the worker (which is replaced anyway).
    if (reply.ms > 0 && ownMs > 0 && ownInstructions > 0) {
      const share = (instructionCount(parts[i + 1]!) * ownMs) / (reply.ms * ownInstructions);
      helping[i]!.share = Math.min(MAX_SHARE, Math.max(MIN_SHARE, share));
    }
    chunks.push(reply.chunk);
  }
  return chunks;
}

/** A worker's answer; a worker that does not answer in time is replaced and its chunk compiled here. */
function awaitReply(helper: ChunkWorker, shape: ModuleShape, part: Func[]): ChunkReply {
  const { worker, port, flags } = helper;
  if (Atomics.wait(flags, ChunkFlag.reply, 0, WORKER_TIMEOUT_MS) !== 'timed-out') {
    const message = workerThreads().receiveMessageOnPort(port);
    if (message) {
      parallelStats.workerChunks++;
      return message.message as ChunkReply;
    }
  }
  void worker.terminate();
  workers[workers.indexOf(helper)] = startWorker();
  try {
    return { chunk: compileChunk(shape, part), ms: 0 };
  } catch (error) {
    return { error: (error as Error).message, compileError: error instanceof WebAssembly.CompileError };
  }
}

/** A run of functions from the middle of the module (its first ones are often small helpers). */
function warmUpSample(funcs: readonly Func[]): Func[] {
  const sample: Func[] = [];
  let size = 0;
  for (let i = funcs.length >> 1; i < funcs.length && size < WARM_UP_SAMPLE_INSTRUCTIONS; i++) {
    sample.push(funcs[i]!);
    size += bodyLength(funcs[i]!);
  }
  return sample;
}

/** Contiguous runs of functions, one per weight, with instruction counts in proportion to the weights. */
function split(funcs: readonly Func[], total: number, weights: readonly number[]): Func[][] {
  const sumOfWeights = weights.reduce((a, b) => a + b, 0);
  const parts: Func[][] = [[]];
  let sum = 0;
  let boundary = (total * weights[0]!) / sumOfWeights;
  for (const func of funcs) {
    if (sum >= boundary && parts.length < weights.length) {
      boundary += (total * weights[parts.length]!) / sumOfWeights;
      parts.push([]);
    }
    parts[parts.length - 1]!.push(func);
    sum += bodyLength(func);
  }
  return parts;
}
