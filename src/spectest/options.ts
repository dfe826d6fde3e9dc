// Command-line options of `wasmjit spec`.
import os from 'node:os';
import { ENGINE_NAMES, isEngineName } from './types.js';
import type { EngineName } from './types.js';

export const USAGE = `usage: wasmjit spec [PATH ...] [--engine wasmjit|v8|wasmjit-artifact|wasmjit-lazy] [-v] [--json] [--jobs N] [--timeout S] [--record]

  PATH          a spec folder (test/spec/i32), its .json file, or a folder of them (default: test/spec)
  --engine E    wasmjit (the built package, dist/index.js; default), v8 (Node's WebAssembly),
                wasmjit-artifact (wasmjit, every module serialized and deserialized before use), or
                wasmjit-lazy (wasmjit, every module compiled lazily: each function on its first call)
  -v, --verbose print every failure with its .wast line and reason, and the skip reasons
  --json        print the results as one JSON object instead of text
  --jobs N      spec files run in parallel (default: CPUs, at most 8)
  --timeout S   time limit per spec file in seconds (default 60)
  --record      write the pass counts to <suite>/expected.json (wasmjit engine, whole suite)`;

export interface SpecOptions {
  paths: string[];
  engine: EngineName;
  verbose: boolean;
  json: boolean;
  jobs: number;
  timeoutSeconds: number;
  record: boolean;
  help: boolean;
}

/** Bad command line; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

function positiveNumber(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return n;
}

function engineName(text: string): EngineName {
  if (!isEngineName(text)) throw new UsageError(`unknown engine "${text}" (${ENGINE_NAMES.join(', ')})`);
  return text;
}

type Flag =
  | { takesValue: false; apply: (o: SpecOptions) => void }
  | { takesValue: true; apply: (o: SpecOptions, value: string) => void };

const verbose: Flag = { takesValue: false, apply: (o) => { o.verbose = true; } };
const help: Flag = { takesValue: false, apply: (o) => { o.help = true; } };
const jobs: Flag = { takesValue: true, apply: (o, v) => { o.jobs = positiveNumber('--jobs', v, true); } };

const FLAGS: Record<string, Flag> = {
  '--engine': { takesValue: true, apply: (o, v) => { o.engine = engineName(v); } },
  '--verbose': verbose,
  '-v': verbose,
  '--json': { takesValue: false, apply: (o) => { o.json = true; } },
  '--jobs': jobs,
  '-j': jobs,
  '--timeout': { takesValue: true, apply: (o, v) => { o.timeoutSeconds = positiveNumber('--timeout', v, false); } },
  '--record': { takesValue: false, apply: (o) => { o.record = true; } },
  '--help': help,
  '-h': help,
};

function defaultJobs(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/** Parses `[PATH ...] [--flag value | --flag=value ...]`; throws UsageError. */
export function parseSpecArgs(argv: string[]): SpecOptions {
  const o: SpecOptions = {
    paths: [], engine: 'wasmjit', verbose: false, json: false, jobs: defaultJobs(), timeoutSeconds: 60, record: false, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      o.paths.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAGS[name];
    if (!flag) throw new UsageError(`unknown option ${name}`);
    if (!flag.takesValue) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flag.apply(o);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`missing value for ${name}`);
    flag.apply(o, value);
  }
  return o;
}
