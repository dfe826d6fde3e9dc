// bench: `wasmjit bench` — kernels, compile throughput, call overhead and `memory.buffer` after a grow
// of wasmjit against V8's Liftoff and TurboFan, each measured in child processes (child.ts), medians of
// alternating runs.
import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.js';
import { BenchUsageError, parseBenchArgs } from './options.js';
import { Progress } from './progress.js';
import { formatJson, formatMarkdown, formatText } from './report.js';
import type { Report } from './report.js';
import { ChildFailure } from './spawn.js';
import { ChecksumMismatch, runSuite, selectKernels, wantsSection } from './suite.js';
import { realProgramCount, selectRealPrograms } from './real-suite.js';

export { BENCH_DETAILS, BENCH_USAGE } from './options.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS_FILE = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

/** Runs `wasmjit bench <args>`; returns the exit status (1 for a usage error, a failure or differing checksums). */
export async function runBenchCli(args: string[]): Promise<number> {
  try {
    const options = parseBenchArgs(args);
    const sections = ['compile', 'call', 'buffer', 'startup', 'startup-first-run'] as const;
    if (selectKernels(options.filters).length === 0 && realProgramCount(selectRealPrograms(options.filters)) === 0 && !sections.some((section) => wantsSection(section, options.filters))) {
      throw new BenchUsageError(`--filter ${options.filters.join(',')} matches nothing (see wasmjit bench --help for the kernels)`);
    }
    if (options.record !== undefined && !existsSync(RESULTS_FILE)) {
      throw new BenchUsageError(`--record appends to ${RESULTS_FILE}, which does not exist`);
    }
    const machine = describeMachine(PACKAGE_ROOT);
    const results = await runSuite(options, (children) => new Progress(children));
    const report: Report = { machine, reps: options.reps, startupReps: options.startupReps, calls: options.calls, results };
    process.stdout.write(options.json ? formatJson(report) : formatText(report));
    if (options.record !== undefined) {
      appendFileSync(RESULTS_FILE, `\n${formatMarkdown(report, options.record)}`);
      process.stderr.write(`bench: results appended to ${RESULTS_FILE} as "${options.record}"\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof BenchUsageError || err instanceof ChildFailure || err instanceof ChecksumMismatch) {
      process.stderr.write(`wasmjit bench: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
