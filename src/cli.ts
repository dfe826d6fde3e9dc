// The `wasmjit` command line: compile a module ahead of time, run a WASI command or an export, print
// a disassembly listing, run the spec suite, or benchmark wasmjit against V8. `run` and `disasm` take a module
// (text or binary) or an artifact `compile` wrote, told apart by their first bytes.
// User mistakes (bad file, unknown export, bad argument) and wasm errors (compile, link, trap) print one
// line on stderr and exit 1; only an internal bug prints a stack trace.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { FuncType, ModuleIR, ValType } from './decode/index.js';
import { BENCH_DETAILS, BENCH_USAGE } from './bench/options.js';
import { compile, instantiate, loadDisassembler, Module, watToWasm } from './index.js';
import { looksLikeArtifact } from './runtime/artifact.js';
import { startCodeNaming } from './runtime/perf-map.js';
import { formatProfile, Sampler } from './runtime/sampler.js';
import type { WASI as WasiClass, WASIOptions } from './wasi/index.js';
import { isWasiCommand, nonWasiImports, parseDirs, parseEnv, wasiVersionOf } from './wasi/command.js';

/** A mistake in how wasmjit was invoked; its message is shown as it is, without a stack trace. */
class UsageError extends Error {}

interface Command {
  usage: string;
  summary: string;
  details: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  compile: {
    usage: 'wasmjit compile <file.wat|file.wasm> -o <file.wjit> [--json]',
    summary: 'compile a module ahead of time into an artifact that run and disasm load',
    details: [
      'The artifact holds the machine code of every function and the module it came from. It loads',
      'only in this wasmjit version, on a CPU with the features the code uses. It is native code:',
      'trust an artifact as you would a shared library. --json prints what was written as JSON.',
    ].join('\n'),
    run: compileCommand,
  },
  run: {
    usage: 'wasmjit run [--json] [--profile] [--invoke <export>] [--env NAME[=VALUE]] [--dir HOST[::GUEST]] <file.wat|file.wasm|file.wjit> [export] [args...]',
    summary: 'run a WASI command, or call an exported function and print its results',
    details: [
      'A module that imports WASI (wasi_snapshot_preview1) and exports _start is a command: run calls',
      '_start with the words after the file as its arguments (the file first, as argv[0]), the',
      'process\'s stdin, stdout and stderr, and exits with its exit status (134 on a trap, as wasmtime).',
      'Options go before the file: --env NAME=VALUE sets a variable (--env NAME passes the host\'s;',
      'nothing else is inherited), --dir HOST[::GUEST] lets the program reach a host directory, as',
      'GUEST if given. Both repeat. --invoke <export> calls that export of a command instead.',
      '--env and --dir are also taken among a command\'s words (`run prog.wasm a b --env X=1`),',
      'up to a `--`: the words after it all go to the program.',
      'Any other module: the word after the file names the export and the rest are its arguments,',
      'converted by the parameter types: i32 takes any number (wrapped to 32 bits),',
      'i64 an integer (decimal or 0x hex), f32/f64 any number. Results print one per line;',
      'several results print space-separated, or as one JSON array with --json.',
      'A trap prints "RuntimeError: <message>" and exits 1.',
      'WASMJIT_CACHE_DIR names a code cache: a module compiled once is loaded from there next time.',
      '--profile samples the call every millisecond of CPU time (SIGPROF) and prints the hottest wasm',
      'functions on stderr (as one JSON object with --json); WASMJIT_PERF_MAP=1 names the code for perf.',
    ].join('\n'),
    run: runCommand,
  },
  disasm: {
    usage: 'wasmjit disasm <file.wat|file.wasm|file.wjit> [export]',
    summary: 'print the generated x86-64 code of one export, or of every function',
    details: 'Each line shows address, bytes, instruction, and the wasm instruction it came from.',
    run: disasmCommand,
  },
  spec: {
    usage: 'wasmjit spec [options] <dir|file.json>...',
    summary: 'run the WebAssembly spec testsuite (JSON from wast2json)',
    details: 'Run `wasmjit spec --help` for its options.',
    run: specCommand,
  },
  bench: {
    usage: BENCH_USAGE,
    summary: 'benchmark wasmjit against V8 Liftoff and TurboFan (kernels, compile speed, call overhead)',
    details: BENCH_DETAILS,
    run: benchCommand,
  },
};

const HELP_FLAGS = new Set(['-h', '--help']);

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(globalHelp());
    return 1;
  }
  if (HELP_FLAGS.has(name)) {
    process.stdout.write(globalHelp());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    return fail(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see wasmjit --help)`);
  }
  // spec has options of its own, so its --help is its own too.
  if (name !== 'spec' && args.some((arg) => HELP_FLAGS.has(arg))) {
    process.stdout.write(`Usage: ${command.usage}\n\n${capitalize(command.summary)}.\n${command.details}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (err) {
    return reportError(err);
  }
}

function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'wasmjit: a WebAssembly to x86-64 JIT for Node.js',
    '',
    'Usage:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'Commands:',
    ...lines,
    '',
    'Run `wasmjit <command> --help` for more about a command.',
    '',
  ].join('\n');
}

// The wasm error classes are the user's to act on (their module or its inputs), as is running out of stack.
const REPORTED_AS_IS = new Set(['CompileError', 'LinkError', 'RuntimeError', 'RangeError', 'ArtifactError']);

function reportError(err: unknown): number {
  if (err instanceof UsageError) return fail(err.message);
  if (err instanceof Error && REPORTED_AS_IS.has(err.name)) {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`wasmjit: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

function fail(message: string): number {
  process.stderr.write(`wasmjit: ${message}\n`);
  return 1;
}

/** run's options, given before the file: after it, a WASI command's words are all its own. */
interface RunOptions {
  json: boolean;
  /** Sample the run and print the hottest wasm functions on stderr (see runtime/sampler.ts). */
  profile: boolean;
  invoke: string | undefined;
  env: string[];
  dir: string[];
}

const RUN_FLAGS = ['--json', '--profile'];
const RUN_VALUES = ['--invoke', '--env', '--dir'];

function leadingRunOptions(args: string[]): { options: RunOptions; rest: string[] } {
  const options: RunOptions = { json: false, profile: false, invoke: undefined, env: [], dir: [] };
  let i = 0;
  for (; i < args.length && /^--?[a-z]/i.test(args[i]); i++) {
    const arg = args[i];
    if (arg === '--json' || arg === '--profile') {
      options[arg === '--json' ? 'json' : 'profile'] = true;
      continue;
    }
    if (!RUN_VALUES.includes(arg)) throw new UsageError(`unknown option '${arg}' (options: ${[...RUN_FLAGS, ...RUN_VALUES].join(', ')})`);
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    if (arg === '--invoke') options.invoke = value;
    else options[arg === '--env' ? 'env' : 'dir'].push(value);
  }
  if (args[i] === '--') i++;
  return { options, rest: args.slice(i) };
}

/** A trapped WASI command's exit status: 128 + SIGABRT, as `wasmtime run` exits. */
const COMMAND_TRAP_STATUS = 134;

async function runCommand(args: string[]): Promise<number> {
  const { options, rest } = leadingRunOptions(args);
  const [file, ...words] = rest;
  if (file === undefined) throw new UsageError(`run needs a file and an export name\nUsage: ${COMMANDS.run.usage}`);
  // Before the compile: the sampler names only code mapped after this. (An export's --profile may
  // also follow its arguments; a command's words are its own, naming the code then costs little.)
  if (options.profile || words.includes('--profile')) startCodeNaming();
  const module = await loadModule(file);
  try {
    if (options.invoke === undefined && isWasiCommand(module.ir)) return await runWasiCommand(module, file, words, options);
    return await invokeExport(module, file, words, options);
  } finally {
    module.dispose();
  }
}

/** WASI, loaded only for a module that imports it: its library takes ~20 ms to load, which calling a plain export should not pay. */
async function newWasi(options: WASIOptions): Promise<WasiClass> {
  const { WASI } = await import('./wasi/index.js');
  return new WASI(options);
}

/** `--env` and `--dir` as WASI's options; their mistakes are the user's. */
function wasiOptions(module: Module, argv: string[], options: RunOptions, returnOnExit: boolean): WASIOptions {
  const unprovided = nonWasiImports(module.ir);
  if (unprovided.length > 0) throw new UsageError(`${argv[0]} imports ${unprovided.join(', ')}; run provides only WASI's imports`);
  try {
    return { version: wasiVersionOf(module.ir), args: argv, env: parseEnv(options.env, process.env), preopens: parseDirs(options.dir), returnOnExit };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A command's words: its arguments, but for `--env`/`--dir` and their values, which go to `options`
 * (the form `run prog.wasm [args] --env NAME=VALUE --dir HOST` takes), up to a `--` after which every
 * word is the program's.
 */
function commandArguments(words: string[], options: RunOptions): string[] {
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') return [...args, ...words.slice(i + 1)];
    const value = words[i + 1];
    if ((word === '--env' || word === '--dir') && value !== undefined) {
      options[word === '--env' ? 'env' : 'dir'].push(value);
      i++;
    } else args.push(word);
  }
  return args;
}

async function runWasiCommand(module: Module, file: string, words: string[], options: RunOptions): Promise<number> {
  if (options.json) throw new UsageError(`--json prints an export's results; ${file} is a WASI command, which prints its own output`);
  const wasi = await newWasi(wasiOptions(module, [file, ...commandArguments(words, options)], options, true));
  const instance = await instantiate(module, wasi.getImportObject());
  try {
    return sampled(options.profile, false, () => wasi.start(instance));
  } catch (err) {
    if (!(err instanceof Error && REPORTED_AS_IS.has(err.name))) throw err;
    process.stderr.write(`${err.name}: ${err.message}\n`);
    return COMMAND_TRAP_STATUS;
  } finally {
    instance.dispose();
  }
}

async function invokeExport(module: Module, file: string, words: string[], options: RunOptions): Promise<number> {
  // After --invoke NAME every word is an argument (`-5` or `--x` included), as with wasmtime.
  const { positional, flags } = splitOptions(options.invoke === undefined ? words : ['--', ...words], ['--json', '--profile']);
  const [exportName, ...values] = options.invoke === undefined ? positional : [options.invoke, ...positional];
  if (exportName === undefined) throw new UsageError(`run needs a file and an export name\nUsage: ${COMMANDS.run.usage}`);
  // A module importing WASI gets it (proc_exit ends the process with its status), set up as a
  // reactor (_initialize called) when it is one; any other import is refused.
  const wasi = module.ir.imports.length > 0 ? await newWasi(wasiOptions(module, [file], options, false)) : undefined;
  const type = exportedFunctionType(module.ir, file, exportName);
  if (values.length !== type.params.length) {
    const expected = `${plural(type.params.length, 'argument')} (${type.params.join(', ') || 'none'})`;
    throw new UsageError(`${exportName} takes ${expected}, got ${values.length}`);
  }
  const callArgs = values.map((text, i) => parseArgument(text, type.params[i], i + 1, exportName));
  const instance = await instantiate(module, wasi?.getImportObject() ?? {});
  try {
    if (wasi !== undefined) {
      if (instance.exports._start === undefined) wasi.initialize(instance);
      else wasi.finalizeBindings(instance);
    }
    const json = options.json || flags.has('--json');
    const call = (): unknown => (instance.exports[exportName] as (...args: unknown[]) => unknown)(...callArgs);
    const result = sampled(options.profile || flags.has('--profile'), json, call);
    const results = type.results.length === 1 ? [result] : ((result ?? []) as unknown[]);
    process.stdout.write(json ? `${formatJson(results)}\n` : formatPlain(results));
  } finally {
    instance.dispose();
  }
  return 0;
}

/** Runs `call` under the sampler when `profile`, then prints the profile on stderr (as JSON with `json`). */
function sampled<T>(profile: boolean, json: boolean, call: () => T): T {
  if (!profile) return call();
  const sampler = Sampler.start();
  try {
    return call();
  } finally {
    const found = sampler.stop();
    process.stderr.write(json ? `${JSON.stringify(found)}\n` : formatProfile(found));
  }
}

async function disasmCommand(args: string[]): Promise<number> {
  const { positional } = splitOptions(args, []);
  const [file, exportName, ...extra] = positional;
  if (file === undefined || extra.length > 0) {
    throw new UsageError(`disasm needs a file and at most one export name\nUsage: ${COMMANDS.disasm.usage}`);
  }
  await loadDisassembler();
  const module = await loadModule(file);
  try {
    if (exportName !== undefined) exportedFunctionType(module.ir, file, exportName);
    const listing = module.disassemble(exportName);
    process.stdout.write(listing.endsWith('\n') ? listing : `${listing}\n`);
  } finally {
    module.dispose();
  }
  return 0;
}

/** Inputs from this size on get a line on stderr before the compile, which takes a while. */
const ANNOUNCED_BYTES = 1024 * 1024;

async function compileCommand(args: string[]): Promise<number> {
  const { positional, flags, values } = splitOptions(args, ['--json'], ['-o']);
  const [file, ...extra] = positional;
  const output = values.get('-o');
  if (file === undefined || output === undefined || extra.length > 0) {
    throw new UsageError(`compile needs one input file and -o <output>\nUsage: ${COMMANDS.compile.usage}`);
  }
  const input = readInput(file);
  if (looksLikeArtifact(input)) throw new UsageError(`${file} is an artifact already; compile takes a .wat or .wasm module`);
  const bytes = await toWasm(input, file);
  if (bytes.length >= ANNOUNCED_BYTES && !flags.has('--json')) {
    process.stderr.write(`wasmjit: compiling ${file} (${(bytes.length / 1e6).toFixed(1)} MB)...\n`);
  }
  const start = performance.now();
  const module = await compile(bytes);
  try {
    const compiled = performance.now();
    const artifact = module.serialize();
    try {
      writeFileSync(output, artifact);
    } catch (err) {
      throw new UsageError(`cannot write '${output}': ${describeFsError(err)}`);
    }
    const summary = {
      input: file,
      output,
      wasmBytes: bytes.length,
      artifactBytes: artifact.length,
      functions: module.compiled.functions.length,
      compileMs: Math.round(compiled - start),
      serializeMs: Math.round(performance.now() - compiled),
    };
    process.stdout.write(
      flags.has('--json')
        ? `${JSON.stringify(summary)}\n`
        : `${output}: ${summary.artifactBytes} bytes, ${plural(summary.functions, 'function')} from ${summary.wasmBytes} bytes of wasm, compiled in ${summary.compileMs} ms\n`,
    );
  } finally {
    module.dispose();
  }
  return 0;
}

async function specCommand(args: string[]): Promise<number> {
  // Loaded on demand: the spec runner is only needed by this command.
  const { runSpecCli } = await import('./spectest/index.js');
  return runSpecCli(args);
}

async function benchCommand(args: string[]): Promise<number> {
  // Loaded on demand, like the spec runner.
  const { runBenchCli } = await import('./bench/index.js');
  return runBenchCli(args);
}

/**
 * Separates known flags and options that take a value from positional arguments; `--` ends the
 * flags, and `-5` is a number, not a flag.
 */
function splitOptions(
  args: string[],
  known: string[],
  withValue: string[] = [],
): { positional: string[]; flags: Set<string>; values: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (known.includes(arg)) {
      flags.add(arg);
    } else if (withValue.includes(arg)) {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      values.set(arg, value);
    } else if (/^--?[a-z]/i.test(arg)) {
      const options = [...known, ...withValue];
      throw new UsageError(`unknown option '${arg}'${options.length > 0 ? ` (options: ${options.join(', ')})` : ''}`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags, values };
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** An artifact, loaded; or a module, compiled (through the code cache WASMJIT_CACHE_DIR names, if any). */
async function loadModule(file: string): Promise<Module> {
  const bytes = readInput(file);
  if (looksLikeArtifact(bytes)) return Module.deserialize(bytes);
  return compile(await toWasm(bytes, file), { cache: process.env.WASMJIT_CACHE_DIR || undefined });
}

function readInput(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read '${file}': ${describeFsError(err)}`);
  }
}

/**
 * A binary module as it is, or text (anything not starting with the wasm magic) converted through
 * wabt, its `$names` kept in a name section (as `wat2wasm --debug-names`) for profiles and traces.
 */
async function toWasm(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (WASM_MAGIC.every((byte, i) => bytes[i] === byte)) return bytes;
  try {
    return await watToWasm(new TextDecoder().decode(bytes), { filename: file, debugNames: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && FS_ERRORS[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** The signature of the exported function `name`; a missing or non-function export is a UsageError. */
function exportedFunctionType(ir: ModuleIR, file: string, name: string): FuncType {
  const exported = ir.exports.find((e) => e.name === name);
  if (exported === undefined || exported.kind !== 'func') {
    const functions = ir.exports.filter((e) => e.kind === 'func').map((e) => e.name);
    const problem = exported === undefined ? `has no export named '${name}'` : `exports '${name}' as a ${exported.kind}, not a function`;
    throw new UsageError(`${file} ${problem} (exported functions: ${functions.join(', ') || 'none'})`);
  }
  // Imported functions come first in the function index space.
  const importedTypes = ir.imports.flatMap((i) => (i.kind === 'func' ? [i.type] : []));
  return importedTypes[exported.index] ?? ir.funcs[exported.index - importedTypes.length].type;
}

interface ArgumentParser {
  expected: string;
  parse(text: string): unknown;
}

const parseNumber = (text: string): number | undefined => {
  if (/^\s*[+-]?nan\s*$/i.test(text)) return NaN;
  const value = text.trim() === '' ? NaN : Number(text);
  return Number.isNaN(value) ? undefined : value;
};

const ARGUMENT_PARSERS: Partial<Record<ValType, ArgumentParser>> = {
  // ToInt32, as the JS API applies to an i32 parameter
  i32: { expected: 'a number', parse: (text) => mapDefined(parseNumber(text), (n) => n | 0) },
  i64: { expected: 'an integer', parse: parseBigInt },
  f32: { expected: 'a number', parse: parseNumber },
  f64: { expected: 'a number', parse: parseNumber },
};

// BigInt() takes decimal and 0x hex but no sign before hex, so the sign is applied here.
function parseBigInt(text: string): bigint | undefined {
  const match = /^\s*([+-]?)(\w+)\s*$/.exec(text);
  if (match === null) return undefined;
  try {
    const magnitude = BigInt(match[2]);
    return match[1] === '-' ? -magnitude : magnitude;
  } catch {
    return undefined;
  }
}

function mapDefined<T, U>(value: T | undefined, f: (v: T) => U): U | undefined {
  return value === undefined ? undefined : f(value);
}

function parseArgument(text: string, type: ValType, position: number, exportName: string): unknown {
  const parser = ARGUMENT_PARSERS[type];
  if (parser === undefined) {
    throw new UsageError(`argument ${position} of ${exportName} is a ${type}, which cannot be given on the command line`);
  }
  const value = parser.parse(text);
  if (value === undefined) {
    throw new UsageError(`argument ${position} of ${exportName} is an ${type} and must be ${parser.expected}, not '${text}'`);
  }
  return value;
}

function formatValue(value: unknown): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function formatPlain(results: unknown[]): string {
  return results.length === 0 ? '' : `${results.map(formatValue).join(' ')}\n`;
}

// i64 results are printed as exact JSON numbers; NaN and infinities, which JSON lacks, as strings.
function formatJson(results: unknown[]): string {
  const items = results.map((v) =>
    typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v)) ? formatValue(v) : JSON.stringify(String(v)),
  );
  return `[${items.join(',')}]`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
