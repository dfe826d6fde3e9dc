// Compiling a large module's functions on several threads, the way V8 compiles with background
// threads: the functions are cut into contiguous chunks of about equal instruction counts, worker
// threads compile all chunks but the first, which this thread compiles meanwhile. compileModule is
// synchronous, so this thread then blocks on each worker (Atomics.wait on a shared flag) and takes
// its answer with receiveMessageOnPort, without the event loop. Workers are started on first use
// and kept (unref'd: they never keep the process alive).
//
// WASMJIT_COMPILE_THREADS sets how many worker threads may help (0: none); modules below
// WASMJIT_PARALLEL_MIN_INSTRUCTIONS instructions are compiled on this thread alone.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { INSTR_WORDS } from '../decode/index.js';
import type { Func } from '../decode/index.js';
import { compileChunk } from './chunk.js';
import type { CompiledChunk, ModuleShape } from './chunk.js';

/** Below this many instructions, starting workers and copying the IR to them costs more than it saves. */
const DEFAULT_MIN_INSTRUCTIONS = 100_000;
const MAX_WORKERS = 3;
/** How long a new worker may take to load, and then to compile one chunk, before its chunk is compiled here. */
const WORKER_START_TIMEOUT_MS = 10_000;
const WORKER_TIMEOUT_MS = 120_000;

export interface ChunkRequest {
  shape: ModuleShape;
  funcs: Func[];
}

export type ChunkReply = { chunk: CompiledChunk } | { error: string; compileError: boolean };

// Under vitest this module runs from src/ as TypeScript, which a worker cannot load: the tests run
// after the build, so the built worker serves them.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? '../../dist/compiler/chunk-worker.js' : './chunk-worker.js', import.meta.url);

interface ChunkWorker {
  worker: Worker;
  port: MessagePort;
  /** Shared with the worker, indexed by ChunkFlag. */
  flags: Int32Array;
}

/** The worker sets `reply` to 1 once its answer is on the port, `ready` once it is loaded. */
export const ChunkFlag = { reply: 0, ready: 1 } as const;

const workers: ChunkWorker[] = [];

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
  const { port1, port2 } = new MessageChannel();
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WORKER_URL, { workerData: { port: port2, flags }, transferList: [port2], execArgv: [] });
  // A worker that fails to load never sets `ready`: awaitReply notices. The event must not go unheard.
  worker.on('error', () => {});
  worker.unref();
  port1.unref();
  return { worker, port: port1, flags };
}

/** Compiles every defined function, in chunks, on as many threads as allowed and worthwhile. */
export function compileChunks(shape: ModuleShape, funcs: readonly Func[]): CompiledChunk[] {
  const instructions = funcs.reduce((count, f) => count + f.body.code.length / INSTR_WORDS, 0);
  const helpers = Math.min(envNumber('WASMJIT_COMPILE_THREADS', Math.min(availableParallelism() - 1, MAX_WORKERS)), funcs.length - 1);
  if (helpers <= 0 || instructions < envNumber('WASMJIT_PARALLEL_MIN_INSTRUCTIONS', DEFAULT_MIN_INSTRUCTIONS)) {
    return [compileChunk(shape, funcs)];
  }
  while (workers.length < helpers) workers.push(startWorker());
  const parts = split(funcs, instructions, helpers + 1);
  parts.slice(1).forEach((part, i) => {
    const { port, flags } = workers[i]!;
    Atomics.store(flags, ChunkFlag.reply, 0);
    port.postMessage({ shape, funcs: part } satisfies ChunkRequest);
  });
  // This thread's chunk first; its error (the first function's, in index order) wins, but only
  // after the workers are done, so that none is left with an answer nobody takes.
  let own: CompiledChunk | Error;
  try {
    own = compileChunk(shape, parts[0]!);
  } catch (error) {
    own = error as Error;
  }
  const replies = parts.slice(1).map((part, i) => awaitReply(i, shape, part));
  if (own instanceof Error) throw own;
  const chunks = [own];
  for (const reply of replies) {
    if ('error' in reply) throw reply.compileError ? new WebAssembly.CompileError(reply.error) : new Error(reply.error);
    chunks.push(reply.chunk);
  }
  return chunks;
}

/** Worker `i`'s answer; a worker that does not answer in time is replaced and its chunk compiled here. */
function awaitReply(i: number, shape: ModuleShape, part: Func[]): ChunkReply {
  const { worker, port, flags } = workers[i]!;
  const started = Atomics.wait(flags, ChunkFlag.ready, 0, WORKER_START_TIMEOUT_MS) !== 'timed-out';
  if (started && Atomics.wait(flags, ChunkFlag.reply, 0, WORKER_TIMEOUT_MS) !== 'timed-out') {
    const message = receiveMessageOnPort(port);
    if (message) {
      parallelStats.workerChunks++;
      return message.message as ChunkReply;
    }
  }
  void worker.terminate();
  workers[i] = startWorker();
  try {
    return { chunk: compileChunk(shape, part) };
  } catch (error) {
    return { error: (error as Error).message, compileError: error instanceof WebAssembly.CompileError };
  }
}

/** `count` contiguous runs of functions with about `total / count` instructions each. */
function split(funcs: readonly Func[], total: number, count: number): Func[][] {
  const parts: Func[][] = [[]];
  let sum = 0;
  for (const func of funcs) {
    const size = func.body.code.length / INSTR_WORDS;
    if (sum >= (total * parts.length) / count && parts.length < count) parts.push([]);
    parts[parts.length - 1]!.push(func);
    sum += size;
  }
  return parts.filter((part) => part.length > 0);
}
