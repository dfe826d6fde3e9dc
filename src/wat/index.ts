// watToWasm: WebAssembly text → binary through wabt, run in a worker thread with a time limit (wabt
// is third-party code that may, on odd input, never finish). Errors carry file:line:col.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { WatReply, WatRequest } from './worker.js';

export interface WatOptions {
  /** Shown in error messages as `filename:line:col`. */
  filename?: string;
  /** How long wabt may take, in milliseconds (default 10 s). */
  timeLimitMs?: number;
  /** Writes a name section with the text's `$names` (wabt's `--debug-names`); default false. */
  debugNames?: boolean;
}

const DEFAULT_TIME_LIMIT_MS = 10_000;

interface Pending {
  request: WatRequest;
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

// Under vitest this module runs from src/ as TypeScript, which a worker cannot load: the tests run
// after the build, so the built worker serves them. '../wat/' also finds it from the package's bundle
// (dist/bundle/, scripts/bundle.mjs).
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? '../../dist/wat/worker.js' : '../wat/worker.js', import.meta.url);

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function ensureWorker(): Worker {
  if (worker) return worker;
  // Not the process's own flags: some (--input-type, --eval) make no sense for a worker's script.
  // node:worker_threads is loaded here, not by import('wasmjit'): it brings Node's whole stream stack.
  const { Worker: WorkerThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const started = new WorkerThread(WORKER_URL, { execArgv: [] });
  started.on('message', (reply: WatReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if ('error' in reply) waiting.reject(new Error(reply.error));
    else waiting.resolve(reply.bytes);
  });
  started.on('error', (err) => {
    worker = undefined;
    for (const waiting of pending.values()) waiting.reject(err instanceof Error ? err : new Error(String(err)));
    pending.clear();
  });
  worker = started;
  return started;
}

/** After a time-out: the worker is stopped, the request fails, and the others go to a new worker. */
function abandon(id: number, error: Error): void {
  const waiting = pending.get(id);
  if (!waiting) return;
  pending.delete(id);
  waiting.reject(error);
  const stopped = worker;
  worker = undefined;
  void stopped?.terminate();
  if (pending.size === 0) return;
  const replacement = ensureWorker();
  for (const other of pending.values()) replacement.postMessage(other.request);
}

/** Parses and validates `.wat` text; throws an Error whose message starts with `file:line:col`. */
export function watToWasm(text: string, options: WatOptions = {}): Promise<Uint8Array> {
  const filename = options.filename ?? 'input.wat';
  const timeLimit = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const request: WatRequest = { id: nextId++, text, filename, debugNames: options.debugNames === true };
  const target = ensureWorker();
  target.ref();
  return new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      abandon(request.id, new Error(`${filename}:1:1: error: the text format parser (wabt) did not finish within ${timeLimit} ms`));
    }, timeLimit);
    pending.set(request.id, {
      request,
      resolve: (bytes) => {
        clearTimeout(timer);
        resolve(bytes);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    target.postMessage(request);
  });
}
