// The first-run benchmark child: one real workload's first run in a fresh process, through its
// package's glue (first-run.ts), on V8 or on wasmjit installed as the global WebAssembly by
// `wasmjit/register` — imported before anything else, with WASMJIT_LAZY set from the task, as
// `WASMJIT_LAZY=1 node --import wasmjit/register app.js` would. The task comes as JSON in argv[2].
import type { FirstRunResult, FirstRunTask, TaskFailure } from './protocol.js';

const now = (): number => performance.now();

async function run(task: FirstRunTask): Promise<FirstRunResult> {
  let importMs = 0;
  delete process.env.WASMJIT_CACHE_DIR;
  if (task.runtime === 'wasmjit') {
    process.env.WASMJIT_LAZY = task.lazy ? '1' : '0';
    const start = now();
    await import('wasmjit/register' as string);
    importMs = now() - start;
  }
  const { FIRST_RUN_WORKLOADS } = await import('./first-run.js');
  const workload = FIRST_RUN_WORKLOADS[task.workload];
  if (!workload) throw new Error(`no first-run workload ${task.workload}`);
  const prepared = await workload.prepare();
  const cpu = process.cpuUsage();
  const readyStart = now();
  const ready = await workload.ready(prepared);
  const runStart = now();
  const checksum = await workload.run(ready);
  const end = now();
  const used = process.cpuUsage(cpu);
  const result: FirstRunResult = { importMs, readyMs: runStart - readyStart, runMs: end - runStart, cpuMs: (used.user + used.system) / 1000, checksum };
  if (task.runtime === 'wasmjit') {
    // The package's main entry shares the register entry's modules (one bundle): the same counters.
    const wasmjit = (await import('wasmjit' as string)) as typeof import('../index.js');
    const stats = wasmjit.lazyCompileStats();
    Object.assign(result, { lazyFunctions: stats.functions, lazyWrites: stats.writes, lazyMs: stats.ms });
  }
  return result;
}

try {
  const result = await run(JSON.parse(process.argv[2]!) as FirstRunTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  const failure: TaskFailure = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  process.stdout.write(`${JSON.stringify(failure)}\n`);
  process.exitCode = 1;
}
