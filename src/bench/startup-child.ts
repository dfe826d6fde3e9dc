// The start-up benchmark child: what a fresh process pays to get from module bytes to an instance, on
// V8 or on the built wasmjit package (imported by its package name, as a program would). wasmjit is
// imported before anything else of the bench is loaded, so that the import is timed as a program's
// first one; the task comes as JSON in argv[2], the module bytes on stdin.
import { readFileSync } from 'node:fs';
import type { StartupResult, StartupTask, TaskFailure } from './protocol.js';

const now = (): number => performance.now();
type Wasmjit = typeof import('../index.js');
type Exports = Record<string, unknown>;

/** A line of /proc/self/status, in KiB (VmRSS: resident now, VmHWM: the peak so far). */
function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

/** The module's function imports, each a function that throws: instantiating calls none of them. */
function stubImports(imports: Array<{ module: string; name: string; kind: string }>): Record<string, Record<string, () => never>> {
  const stubs: Record<string, Record<string, () => never>> = {};
  for (const { module, name, kind } of imports) {
    if (kind !== 'function') throw new Error(`the module imports a ${kind} (${module}.${name}): only function imports are stubbed`);
    (stubs[module] ??= {})[name] = () => {
      throw new Error(`${module}.${name} called during instantiation`);
    };
  }
  return stubs;
}

interface Engine {
  compile(bytes: Uint8Array<ArrayBuffer>): Promise<unknown>;
  instantiate(module: unknown): Promise<unknown>;
}

function v8Engine(): Engine {
  return {
    compile: async (bytes) => new WebAssembly.Module(bytes),
    instantiate: async (module) => new WebAssembly.Instance(module as WebAssembly.Module, stubImports(WebAssembly.Module.imports(module as WebAssembly.Module))),
  };
}

function wasmjitEngine(wasmjit: Wasmjit, options: StartupTask['options']): Engine {
  type Module = Awaited<ReturnType<Wasmjit['compile']>>;
  // `lazy` and `cache` are passed as given: a build without them ignores them (the parent notes it).
  const compileOptions = { ...options } as Parameters<Wasmjit['compile']>[1];
  return {
    compile: (bytes) => wasmjit.compile(bytes, compileOptions),
    instantiate: (module) => wasmjit.instantiate(module as Module, stubImports((module as Module).imports())),
  };
}

async function run(task: StartupTask, bytes: Uint8Array<ArrayBuffer>): Promise<StartupResult> {
  let importMs = 0;
  let importCpuMs = 0;
  let lazyThresholdExported: boolean | undefined;
  let engine: Engine;
  if (task.runtime === 'wasmjit') {
    const start = now();
    const cpu = process.cpuUsage();
    const wasmjit = (await import('wasmjit' as string)) as Wasmjit;
    importMs = now() - start;
    const used = process.cpuUsage(cpu);
    importCpuMs = (used.user + used.system) / 1000;
    lazyThresholdExported = 'LAZY_THRESHOLD_BYTES' in wasmjit;
    engine = wasmjitEngine(wasmjit, task.options);
  } else {
    engine = v8Engine();
  }
  const rssBeforeKiB = statusKiB('VmRSS');
  const compileStart = now();
  const module = await engine.compile(bytes);
  const compileMs = now() - compileStart;
  const peakRssKiB = statusKiB('VmHWM');
  const instantiateStart = now();
  await engine.instantiate(module);
  const instantiateMs = now() - instantiateStart;
  const secondStart = now();
  await engine.instantiate(module);
  const secondInstantiateMs = now() - secondStart;

  // Loaded only now: nothing of the bench is in the process while the import above is timed.
  const { withCustomSection } = await import('./wasm-writer.js');
  const { median } = await import('./stats.js');
  const warm: number[] = [];
  for (let tag = 0; tag < task.warmCompiles; tag++) {
    // bytes of its own each time, so that V8 cannot hand back the native module it has cached
    const copy = withCustomSection(bytes, 'wasmjit-bench', tag);
    const start = now();
    await engine.compile(copy);
    warm.push(now() - start);
  }
  return { importMs, importCpuMs, compileMs, instantiateMs, secondInstantiateMs, warmCompileMs: warm.length > 0 ? median(warm) : undefined, rssBeforeKiB, peakRssKiB, lazyThresholdExported };
}

try {
  const task = JSON.parse(process.argv[2]!) as StartupTask;
  // The default cache and laziness of the package's environment variables are not the task's.
  delete process.env.WASMJIT_CACHE_DIR;
  delete process.env.WASMJIT_LAZY;
  const result = await run(task, new Uint8Array(readFileSync(0)));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  const failure: TaskFailure = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  process.stdout.write(`${JSON.stringify(failure)}\n`);
  process.exitCode = 1;
}
