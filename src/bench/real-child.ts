// The real-code benchmark child: one program (see RealTask) on V8 or on wasmjit installed as the
// global WebAssembly by `wasmjit/register`, imported before anything else as an application would.
// Answers a KernelResult: the program's output (a digest, or what the C program printed) and the times.
import { readFileSync } from 'node:fs';
import type { KernelResult, RealTask, TaskFailure } from './protocol.js';
import { HASH_WASM_PROGRAMS } from './real-hash-wasm.js';
import { runWasiStart, wasiImportNames, wasiShim } from './real-wasi.js';

const now = (): number => performance.now();

type Run = () => Promise<string> | string;

async function hashWasmRun(module: string): Promise<Run> {
  const program = HASH_WASM_PROGRAMS.find((p) => p.module === module);
  if (!program) throw new Error(`no hash-wasm program for module ${module}`);
  const hashWasm = (await import('hash-wasm' as string)) as Parameters<typeof program.prepare>[0];
  return program.prepare(hashWasm);
}

/** Each run instantiates the module anew (a command's `_start` runs once per instance) and times `_start` alone. */
function cRun(name: string, bytes: Uint8Array<ArrayBuffer>, times: number[]): Run {
  const module = new WebAssembly.Module(bytes);
  const importNames = wasiImportNames(WebAssembly.Module.imports(module));
  return () => {
    const shim = wasiShim(importNames);
    const instance = new WebAssembly.Instance(module, shim.imports as unknown as WebAssembly.Imports);
    const { stdout, ms } = runWasiStart(instance.exports, shim, name);
    times.push(ms);
    return stdout;
  };
}

async function run(task: RealTask): Promise<KernelResult> {
  delete process.env.WASMJIT_CACHE_DIR;
  if (task.runtime === 'wasmjit') await import('wasmjit/register' as string);
  // A C program's run times its `_start` only; a hash-wasm run is timed whole (hash-wasm's JS included, as an application sees it).
  const cTimes: number[] = [];
  const program: Run = 'hashWasm' in task.program ? await hashWasmRun(task.program.hashWasm) : cRun(task.program.c, new Uint8Array(readFileSync(0)), cTimes);
  const checksum = await program();
  const ms: number[] = [];
  for (let i = 0; i < task.calls; i++) {
    const start = now();
    const output = await program();
    ms.push(now() - start);
    if (output !== checksum) throw new Error(`run ${i + 2} answered ${output}, the warm-up run ${checksum}`);
  }
  return { checksum, ms: cTimes.length > 0 ? cTimes.slice(1) : ms };
}

try {
  const result = await run(JSON.parse(process.argv[2]!) as RealTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  const failure: TaskFailure = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  process.stdout.write(`${JSON.stringify(failure)}\n`);
  process.exitCode = 1;
}
