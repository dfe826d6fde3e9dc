// A worker thread that compiles chunks for parallel.ts: it says it is ready once loaded; each request
// is answered on the port, then the reply flag is set and the waiting thread woken.
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { compileChunk } from './chunk.js';
import { ChunkFlag } from './parallel.js';
import { unpackFuncs } from './packed-funcs.js';
import type { ChunkReply, ChunkRequest } from './parallel.js';

const { port, flags } = workerData as { port: MessagePort; flags: Int32Array };

port.on('message', ({ shape, funcs }: ChunkRequest) => {
  let reply: ChunkReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const chunk = compileChunk(shape, unpackFuncs(funcs, shape.types));
    reply = { chunk };
    transfer = [chunk.code.buffer, chunk.functions.buffer, chunk.marks.buffer, chunk.relocations.buffer] as ArrayBuffer[];
  } catch (error) {
    reply = { error: (error as Error).message, compileError: error instanceof WebAssembly.CompileError };
  }
  port.postMessage(reply, transfer);
  Atomics.store(flags, ChunkFlag.reply, 1);
  Atomics.notify(flags, ChunkFlag.reply);
});

Atomics.store(flags, ChunkFlag.ready, 1);
Atomics.notify(flags, ChunkFlag.ready);
