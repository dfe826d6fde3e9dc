// Command-line options of `wasmjit bench`.
import { KERNELS } from './kernels.js';

export interface BenchOptions {
  filters: string[];
  reps: number;
  calls: number;
  json: boolean;
  /** Append the results to bench/RESULTS.md under this heading. */
  record?: string;
  currentNodeOnly?: boolean;
  /** Repetitions of the start-up part: 3 unless --reps says otherwise (it compiles up to 14 MB in 5 processes per module and repetition). */
  startupReps: number;
}

export const BENCH_USAGE = 'wasmjit bench [--filter NAMES] [--reps N] [--calls N] [--json] [--record LABEL] [--current-node]';

export const BENCH_DETAILS = [
  'Runs the kernels in bench/*.wat on V8 Liftoff only, V8 TurboFan only and wasmjit, each measurement',
  'in a fresh Node process, engines taking turns; checks that every engine returns the same checksum,',
  'then prints the median times and the wasmjit/V8 time ratios. The SIMD kernels (bench/simd/) run beside',
  'their scalar twins, which must return the same checksum; an engine that cannot compile a SIMD module is',
  'shown as unsupported. Also measures compile throughput on a generated module and on the biggest',
  'hash-wasm module, peak memory while compiling, and the',
  'per-call overhead of trivial (i64) -> i64 and (i32, i32) -> i32 exports, and `memory.buffer` right after',
  '`memory.grow` in memories of 1 MiB to 1 GiB. The start-up part takes real modules from the devDependencies',
  '(sql.js, @resvg/resvg-wasm, tiktoken, esbuild-wasm) and a small C program (hash-wasm sha256) from bytes to an',
  'instance in fresh processes: wasmjit eager, lazy and from its code cache against V8 default and V8 Liftoff',
  'eager, with first and warm compile throughput, peak memory, `import(\'wasmjit\')` and the first instantiation,',
  'and real workloads\' first runs through their packages\' glue (sql.js, resvg, tiktoken: wasmjit lazy and eager',
  'against V8 default) (3 repetitions unless --reps is given). The real-code part runs hash-wasm\'s 22 modules',
  'through hash-wasm\'s API, and C programs (bench/c/) built with clang to wasm32-wasi (installed with apt-get when',
  'missing, as root) and natively with gcc -O2; every engine\'s output must equal the others\' and the native one\'s.',
  'The call overhead is measured on every Node version',
  'package.json names as tested (wasmjit.testedNodeVersions; the others than the running one are fetched',
  'once from the npm registry into node_modules/.cache). Progress goes to stderr. Build first (npm run bench does).',
  '',
  '  --filter NAMES  comma-separated substrings of kernel names, or kinds (integer, float, simd); "compile",',
  '                  "call", "buffer" and "startup" select those measurements, "first-run" the start-up',
  '                  part\'s first runs alone, "real" the real-code part (whose programs also match by name)',
  '                  (default: everything)',
  '  --reps N        repetitions, each in fresh processes (default 5)',
  '  --calls N       timed calls per process after the warm-up call (default 1)',
  '  --json          print the results as JSON',
  '  --record LABEL  append the results to bench/RESULTS.md under "## LABEL" (a full run only)',
  '  --current-node  measure the call overhead on the running Node only',
  '',
  'Kernels (bench/<name>.wat; simd: bench/simd/<name>.wat and <name>.scalar.wat):',
  ...KERNELS.map((k) => `  ${k.name.padEnd(14)} ${k.kind.padEnd(8)} ${k.summary}`),
].join('\n');

const DEFAULT_STARTUP_REPS = 3;

/** Bad command line: the CLI prints the message on one line and exits 1. */
export class BenchUsageError extends Error {}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new BenchUsageError(`${flag} needs a positive integer, got '${text}'`);
  return n;
}

type Flag = { takesValue: false; apply(o: BenchOptions): void } | { takesValue: true; apply(o: BenchOptions, value: string): void };

const FLAGS: Record<string, Flag> = {
  '--filter': {
    takesValue: true,
    apply: (o, v) => {
      o.filters.push(...v.split(',').map((f) => f.trim()).filter((f) => f !== ''));
    },
  },
  '--reps': { takesValue: true, apply: (o, v) => { o.reps = o.startupReps = positiveInteger('--reps', v); } },
  '--calls': { takesValue: true, apply: (o, v) => { o.calls = positiveInteger('--calls', v); } },
  '--json': { takesValue: false, apply: (o) => { o.json = true; } },
  '--current-node': { takesValue: false, apply: (o) => { o.currentNodeOnly = true; } },
  '--record': {
    takesValue: true,
    apply: (o, v) => {
      if (v.trim() === '') throw new BenchUsageError('--record needs a label, e.g. --record baseline');
      o.record = v.trim();
    },
  },
};

/** Parses `--flag value` and `--flag=value`; throws BenchUsageError. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = { filters: [], reps: 5, startupReps: DEFAULT_STARTUP_REPS, calls: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (!flag) {
      const what = arg.startsWith('-') ? `unknown option '${name}'` : `unexpected argument '${arg}'`;
      throw new BenchUsageError(`${what} (options: ${Object.keys(FLAGS).join(', ')})`);
    }
    if (!flag.takesValue) {
      if (eq > 0) throw new BenchUsageError(`${name} takes no value`);
      flag.apply(o);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new BenchUsageError(`${name} needs a value`);
    flag.apply(o, value);
  }
  if (o.record !== undefined && o.filters.length > 0) {
    throw new BenchUsageError('--record keeps comparable history: record a full run, without --filter');
  }
  return o;
}
