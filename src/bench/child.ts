// The benchmark child: runs one Task (see protocol.ts) on V8 or on wasmjit and prints the result as
// JSON. Every engine is measured by this same script, each in a fresh process started with its own
// Node flags, so that all see the same harness, the same warm-up and the same clock.
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { CALL_MEASUREMENTS } from './calls.js';
import type { BufferResult, CallResult, CompilePhases, CompileResult, KernelResult, Task, TaskResult } from './protocol.js';
import { median } from './stats.js';
import { withCustomSection } from './wasm-writer.js';
import type { Metering } from './engines.js';

type Exports = Record<string, unknown>;

const now = (): bigint => process.hrtime.bigint();
const msSince = (start: bigint): number => Number(now() - start) / 1e6;

/** All the fuel there is: the metered kernels never run out. */
const ALL_FUEL = (1n << 63n) - 1n;

async function instantiate(runtime: Task['runtime'], bytes: Uint8Array<ArrayBuffer>, metering?: Metering): Promise<{ exports: Exports; dispose(): void }> {
  if (runtime === 'v8') {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    return { exports: instance.exports as Exports, dispose: () => {} };
  }
  const wasmjit = await import('../index.js');
  const options = metering === 'fuel' ? { fuel: ALL_FUEL } : { interruptible: metering === 'interruptible' };
  const { instance } = await wasmjit.instantiate(bytes, {}, options);
  return { exports: instance.exports as Exports, dispose: () => instance.dispose() };
}

function exportedFunction(exports: Exports, name: string): (...args: unknown[]) => unknown {
  const f = exports[name];
  if (typeof f !== 'function') throw new Error(`the module has no exported function '${name}'`);
  return f as (...args: unknown[]) => unknown;
}

async function runKernel(task: Extract<Task, { kind: 'kernel' }>, bytes: Uint8Array<ArrayBuffer>): Promise<KernelResult> {
  let instance: Awaited<ReturnType<typeof instantiate>>;
  try {
    instance = await instantiate(task.runtime, bytes, task.metering);
  } catch (err) {
    if (task.runtime === 'wasmjit' && err instanceof WebAssembly.CompileError) return { unsupported: err.message };
    throw err;
  }
  const run = exportedFunction(instance.exports, task.entry);
  const checksum = String(run(task.n));
  const ms: number[] = [];
  for (let i = 0; i < task.calls; i++) {
    const start = now();
    const result = String(run(task.n));
    ms.push(msSince(start));
    if (result !== checksum) throw new Error(`call ${i + 2} returned ${result}, the warm-up call ${checksum}`);
  }
  instance.dispose();
  return { checksum, ms };
}

/** A line of /proc/self/status, in KiB (VmRSS: resident now, VmHWM: the peak so far). */
function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

type Compiler = (bytes: Uint8Array<ArrayBuffer>) => CompilePhases;

/** wasmjit's three phases, timed apart: decode, lower to machine code, map the code executable. */
async function wasmjitCompiler(): Promise<Compiler> {
  const { decodeModule } = await import('../decode/index.js');
  const { compileModule } = await import('../compiler/index.js');
  const { CodePage } = await import('../runtime/code-page.js');
  const { detectCpuFeatures } = await import('../runtime/cpu.js');
  const { runtimeStateAddress } = await import('../runtime/state.js');
  const options = { features: detectCpuFeatures(), runtimeState: runtimeStateAddress };
  return (bytes) => {
    const start = now();
    const ir = decodeModule(bytes);
    const decoded = now();
    const compiled = compileModule(ir, options);
    const lowered = now();
    const page = CodePage.map(compiled.code);
    const mapped = now();
    page.unmap();
    return { decode: Number(decoded - start) / 1e6, lower: Number(lowered - decoded) / 1e6, map: Number(mapped - lowered) / 1e6 };
  };
}

const v8Compiler: Compiler = (bytes) => {
  const start = now();
  new WebAssembly.Module(bytes);
  return { compile: msSince(start) };
};

async function runCompile(task: Extract<Task, { kind: 'compile' }>, bytes: Uint8Array<ArrayBuffer>): Promise<CompileResult> {
  const compile = task.runtime === 'v8' ? v8Compiler : await wasmjitCompiler();
  // every compile gets bytes of its own, so that V8 cannot hand back a cached native module
  let tag = 0;
  const rssBeforeKiB = statusKiB('VmRSS');
  const first = compile(withCustomSection(bytes, 'wasmjit-bench', tag++));
  const firstMs = Object.values(first).reduce((a, b) => a + b, 0);
  const peakRssKiB = statusKiB('VmHWM');
  const warmupStart = now();
  while (msSince(warmupStart) < task.warmupMs) compile(withCustomSection(bytes, 'wasmjit-bench', tag++));
  const samples: CompilePhases[] = [];
  const start = now();
  while (samples.length < task.minIterations || msSince(start) < task.minMs) {
    samples.push(compile(withCustomSection(bytes, 'wasmjit-bench', tag++)));
  }
  const phases = Object.keys(samples[0]);
  const phasesMs = Object.fromEntries(phases.map((phase) => [phase, median(samples.map((s) => s[phase]))]));
  return { iterations: samples.length, phasesMs, firstMs, rssBeforeKiB, peakRssKiB };
}

const CALL_BATCH = 10_000;
const MIN_CALL_BATCHES = 10;

async function runCalls(task: Extract<Task, { kind: 'call' }>, bytes: Uint8Array<ArrayBuffer>): Promise<CallResult> {
  const { entry, start: first, loop, expected } = CALL_MEASUREMENTS[task.shape];
  const instance = await instantiate(task.runtime, bytes);
  const f = exportedFunction(instance.exports, entry);
  let x = loop(f, first, CALL_BATCH);
  const perCall: number[] = [];
  const start = now();
  while (perCall.length < MIN_CALL_BATCHES || msSince(start) < task.minMs) {
    const batchStart = now();
    x = loop(f, x, CALL_BATCH);
    perCall.push(Number(now() - batchStart) / CALL_BATCH);
  }
  const calls = CALL_BATCH * (perCall.length + 1);
  if (x !== expected(calls)) throw new Error(`after ${calls} calls of ${entry} the counter is ${x}`);
  instance.dispose();
  return { nsPerCall: median(perCall), calls };
}

const WASM_PAGE = 65536;

/** Counts garbage collections from now until the returned function is awaited. */
function countCollections(): () => Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    count += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  return async () => {
    // The entries are delivered from the event loop.
    await new Promise((resolve) => setTimeout(resolve, 10));
    observer.disconnect();
    return count;
  };
}

async function runBuffer(task: Extract<Task, { kind: 'buffer' }>, bytes: Uint8Array<ArrayBuffer>): Promise<BufferResult> {
  const instance = await instantiate(task.runtime, bytes);
  const grow = exportedFunction(instance.exports, 'grow');
  const memory = instance.exports.memory as { buffer: ArrayBuffer };
  let expectedLength = memory.buffer.byteLength;
  const growUs: number[] = [];
  const bufferUs: number[] = [];
  const collections = countCollections();
  for (let i = 0; i < task.grows; i++) {
    const start = now();
    const old = grow(1);
    const grown = now();
    const buffer = memory.buffer;
    const end = now();
    expectedLength += WASM_PAGE;
    if (old !== expectedLength / WASM_PAGE - 1 || buffer.byteLength !== expectedLength) {
      throw new Error(`grow ${i + 1}: memory.grow returned ${String(old)}, the buffer has ${buffer.byteLength} bytes, expected ${expectedLength}`);
    }
    growUs.push(Number(grown - start) / 1e3);
    bufferUs.push(Number(end - grown) / 1e3);
  }
  const gcs = await collections();
  instance.dispose();
  return { bufferUs: median(bufferUs), bufferMaxUs: Math.max(...bufferUs), growUs: median(growUs), gcs };
}

async function runTask(task: Task, bytes: Uint8Array<ArrayBuffer>): Promise<TaskResult> {
  switch (task.kind) {
    case 'kernel':
      return runKernel(task, bytes);
    case 'compile':
      return runCompile(task, bytes);
    case 'call':
      return runCalls(task, bytes);
    case 'buffer':
      return runBuffer(task, bytes);
  }
}

try {
  const task = JSON.parse(process.argv[2]) as Task;
  const result = await runTask(task, new Uint8Array(readFileSync(0)));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stdout.write(`${JSON.stringify({ error })}\n`);
  process.exitCode = 1;
}
