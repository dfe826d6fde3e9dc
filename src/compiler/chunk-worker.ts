// A worker thread that compiles chunks for parallel.ts: it says it is ready once loaded; each request
// is answered on the port, then the reply flag is set and the waiting thread woken.
//
// While idle, it first warms up: it compiles the sample of functions parallel.ts sends it after
// starting it (from the module whose compile started it), over and over, and throws the code
// away. V8 optimizes this thread's copy of the compiler's JavaScript only once it has run for a
// while — the first seconds of chunks ran at half speed — and a program usually compiles its next
// module some time after the first. The sample is compiled a few functions at a time, each slice
// its own macrotask, so a request waits at most for one slice (well under a millisecond once
// warm); warming stops after WARM_UP_MS of compiling, real chunks included. The worker is
// unref'd (parallel.ts), so warming never keeps the process alive.
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Func } from '../decode/index.js';
import { bodyLength, compileChunk } from './chunk.js';
import type { ModuleShape } from './chunk.js';
import { ChunkFlag } from './parallel.js';
import { unpackFuncs } from './packed-funcs.js';
import type { ChunkReply, ChunkRequest } from './parallel.js';

const { port, flags } = workerData as { port: MessagePort; flags: Int32Array };

/** How long this thread compiles before V8 has optimized most of the compiler. */
const WARM_UP_MS = 2000;
/** About this many instructions per warm-up slice. */
const SLICE_INSTRUCTIONS = 500;

let compilingMs = 0;
let warmUp: { shape: ModuleShape; funcs: Func[]; next: number } | undefined;

function warmUpSlice(): void {
  if (warmUp === undefined) return;
  if (compilingMs >= WARM_UP_MS) {
    // Warm: the sample (a module's functions) is not kept for nothing.
    warmUp = undefined;
    return;
  }
  const { shape, funcs, next } = warmUp;
  let end = next;
  let size = 0;
  for (; end < funcs.length && size < SLICE_INSTRUCTIONS; end++) size += bodyLength(funcs[end]!);
  const start = performance.now();
  try {
    compileChunk(shape, funcs.slice(next, end));
  } catch {
    warmUp = undefined;
    return;
  }
  const ms = performance.now() - start;
  compilingMs += ms;
  if (ms > 0) Atomics.store(flags, ChunkFlag.warmUpSpeed, Math.round((1000 * size) / ms));
  warmUp.next = end === funcs.length ? 0 : end;
  setImmediate(warmUpSlice);
}

function answer({ shape, funcs }: ChunkRequest): void {
  let reply: ChunkReply;
  let transfer: ArrayBuffer[] = [];
  const start = performance.now();
  try {
    const chunk = compileChunk(shape, unpackFuncs(funcs, shape.types));
    reply = { chunk, ms: performance.now() - start };
    transfer = [chunk.code.buffer, chunk.functions.buffer, chunk.marks.buffer, chunk.relocations.buffer] as ArrayBuffer[];
  } catch (error) {
    reply = { error: (error as Error).message, compileError: error instanceof WebAssembly.CompileError };
  }
  compilingMs += performance.now() - start;
  port.postMessage(reply, transfer);
  Atomics.store(flags, ChunkFlag.reply, 1);
  Atomics.notify(flags, ChunkFlag.reply);
}

port.on('message', (request: ChunkRequest) => {
  if (!request.warmUp) return answer(request);
  const funcs = unpackFuncs(request.funcs, request.shape.types);
  if (warmUp === undefined && funcs.length > 0) setImmediate(warmUpSlice);
  warmUp = { shape: request.shape, funcs, next: 0 };
});

Atomics.store(flags, ChunkFlag.ready, 1);
Atomics.notify(flags, ChunkFlag.ready);
