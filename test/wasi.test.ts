// WASI programs: C programs (test/wasi-programs/) built with Debian's clang + wasi-libc, run by
// `wasmjit run` and through wasmjit/wasi's WASI class, against the same .wasm under V8 + node:wasi
// (test/helpers/wasi-v8-run.mjs): stdout (bytes), stderr, exit status and the files each leaves in
// its preopened directory must be the same. Needs clang, lld, wasi-libc and the wasm32 builtins
// (.ci/run installs them).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WASI_INSTALL, compileC, wasiToolchainWorks } from '../src/bench/real-c.js';
import { instantiate, watToWasm } from '../src/index.js';
import { WASI } from '../src/wasi/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROGRAMS = path.join(ROOT, 'test/wasi-programs');
const CLI = path.join(ROOT, 'bin/wasmjit.js');
const V8_RUNNER = path.join(ROOT, 'test/helpers/wasi-v8-run.mjs');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'wasmjit-wasi-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const built = new Map<string, string>();

/** test/wasi-programs/NAME.c as a .wasm in the scratch directory, built once. */
function program(name: string): string {
  const existing = built.get(name);
  if (existing !== undefined) return existing;
  const output = path.join(scratch, `${name}.wasm`);
  const result = compileC('wasm', path.join(PROGRAMS, `${name}.c`), output);
  expect(result.ok, `${result.command} ${name}.c: ${result.output}`).toBe(true);
  built.set(name, output);
  return output;
}

/** A directory the program gets: its files, by path relative to it (read back as latin1 text, which keeps every byte and diffs readably). */
type Tree = Record<string, string | Uint8Array>;

interface Case {
  name: string;
  program: string;
  args?: string[];
  env?: Record<string, string>;
  /** Guest path → the files the directory starts with. */
  dirs?: Record<string, Tree>;
  stdin?: string | Uint8Array;
  status: number;
}

interface Outcome {
  status: number | null;
  stdout: Buffer;
  stderr: string;
  /** Each directory's files after the run, by guest path. */
  dirs: Record<string, Tree>;
}

function makeTree(root: string, tree: Tree): void {
  mkdirSync(root, { recursive: true });
  for (const [name, content] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
}

function readTree(root: string, prefix = ''): Tree {
  const tree: Tree = {};
  for (const name of readdirSync(root).sort()) {
    const full = path.join(root, name);
    if (statSync(full).isDirectory()) Object.assign(tree, { [`${prefix}${name}/`]: '' }, readTree(full, `${prefix}${name}/`));
    else tree[`${prefix}${name}`] = readFileSync(full, 'latin1');
  }
  return tree;
}

let runs = 0;
/** spawnSync's limit on what a child prints (1 MiB by default: the big stdin case echoes 3 MiB). */
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs the case with fresh copies of its directories: `launch` gets the host directory of each guest path. */
function runCase(c: Case, launch: (wasm: string, preopens: Record<string, string>) => ReturnType<typeof spawnSync>): Outcome {
  const base = path.join(scratch, `run-${runs++}`);
  const preopens: Record<string, string> = {};
  for (const [guest, tree] of Object.entries(c.dirs ?? {})) {
    preopens[guest] = path.join(base, guest.replace(/\W/g, '_'));
    makeTree(preopens[guest], tree);
  }
  const result = launch(program(c.program), preopens);
  const dirs = Object.fromEntries(Object.entries(preopens).map(([guest, host]) => [guest, readTree(host)]));
  return { status: result.status, stdout: result.stdout as Buffer, stderr: String(result.stderr), dirs };
}

function underV8(c: Case): Outcome {
  return runCase(c, (wasm, preopens) => {
    const options = JSON.stringify({ args: [wasm, ...(c.args ?? [])], env: c.env ?? {}, preopens });
    return spawnSync(process.execPath, ['--no-warnings', V8_RUNNER, options, wasm], { input: c.stdin ?? '', maxBuffer: MAX_OUTPUT });
  });
}

function underWasmjit(c: Case): Outcome {
  return runCase(c, (wasm, preopens) => {
    const env = Object.entries(c.env ?? {}).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
    const dirs = Object.entries(preopens).flatMap(([guest, host]) => ['--dir', `${host}::${guest}`]);
    return spawnSync(process.execPath, [CLI, 'run', ...env, ...dirs, wasm, ...(c.args ?? [])], { input: c.stdin ?? '', maxBuffer: MAX_OUTPUT });
  });
}

/** Text with repeats, for the compressor: deterministic, about `bytes` long. */
function sampleText(bytes: number): string {
  const words = ['wasm', 'jit', 'frame', 'trap', 'memory', 'table', 'i32.add', 'local.get', 'br_if', 'call'];
  let seed = 12345;
  const out: string[] = [];
  for (let length = 0; length < bytes; ) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const word = words[seed % words.length] + (seed % 7 === 0 ? '\n' : ' ');
    out.push(word);
    length += word.length;
  }
  return out.join('');
}

const EVERY_BYTE = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) & 0xff);
const HELLO_BF = '++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++.';

const CASES: Case[] = [
  {
    name: 'argv, the environment and an exit status from main',
    program: 'args',
    args: ['alpha', 'two words', '', 'ünïcödé', '--flag', 'exit=7'],
    env: { HOME: '/home/guest', EMPTY: '', EQUALS: 'a=b=c' },
    status: 7,
  },
  { name: 'exit() with a status', program: 'args', args: ['exit=42', 'exit-call'], status: 42 },
  { name: 'no arguments, no environment, status 0', program: 'args', status: 0 },
  {
    name: 'file I/O in a preopened directory, and paths that leave it',
    program: 'files',
    args: ['/sandbox'],
    dirs: { '/sandbox': { 'input.txt': 'one\ntwo\nthree\n', 'old-name.txt': 'old\n', 'doomed.txt': 'bye\n' } },
    status: 0,
  },
  { name: 'stdin, every byte value, to stdout', program: 'wc', stdin: Buffer.concat([Buffer.from('hello wasi\nsecond line\n'), EVERY_BYTE]), status: 0 },
  { name: 'empty stdin', program: 'wc', stdin: '', status: 0 },
  // The buffer grows the memory to about 8 MiB while fd_read fills it: each call must see the memory as it is then.
  { name: '3 MiB of stdin, read while the memory grows', program: 'wc', stdin: Buffer.concat(Array.from({ length: 3072 }, () => EVERY_BYTE)), status: 0 },
  {
    name: 'a compressor: stdin to a file in a directory, read back and checked',
    program: 'lz',
    args: ['/out/data.lz'],
    dirs: { '/out': {} },
    stdin: sampleText(20_000),
    status: 0,
  },
  {
    name: 'an interpreter: a program from a file, its input from stdin',
    program: 'bf',
    args: ['/programs/echo-shifted.bf'],
    dirs: { '/programs': { 'echo-shifted.bf': ',[+.,]' } },
    stdin: 'HAL 9000',
    status: 0,
  },
  { name: 'an interpreter running hello world', program: 'bf', args: ['/p/hello.bf'], dirs: { '/p': { 'hello.bf': HELLO_BF } }, status: 0 },
  { name: 'an interpreter refusing a program', program: 'bf', args: ['/p/bad.bf'], dirs: { '/p': { 'bad.bf': '+[>+' } }, status: 3 },
  { name: 'a missing file, reported with perror', program: 'bf', args: ['/p/missing.bf'], dirs: { '/p': {} }, status: 1 },
  { name: 'a trap (abort)', program: 'trap', args: ['x'], status: 134 },
  { name: 'the standard streams as the host has them (pipes), and a descriptor never opened', program: 'streams', status: 0 },
];

describe('WASI programs under `wasmjit run` behave as under V8 + node:wasi', () => {
  it('clang compiles C to wasm32-wasi', () => {
    const probe = wasiToolchainWorks(scratch);
    expect(probe.ok, `clang cannot compile to wasm32-wasi (${probe.output}); install with: ${WASI_INSTALL}`).toBe(true);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const expected = underV8(c);
      expect(expected.status, `V8 + node:wasi: ${expected.stderr}`).toBe(c.status);
      const actual = underWasmjit(c);
      expect({ ...actual, stdout: actual.stdout.toString('latin1') }).toEqual({ ...expected, stdout: expected.stdout.toString('latin1') });
    }, 60_000);
  }

  // node:wasi (uvwasi) follows these links out of the directory on Node 20 and 24, so this one is
  // checked against what WASI requires rather than against V8.
  it('symlinks whose texts stay inside but which lead above the directory are refused', () => {
    const outcome = underWasmjit({ name: 'escape', program: 'symlink-escape', args: ['/box', 'sibling.txt'], dirs: { '/box': { 'input.txt': 'one\n' } }, status: 0 });
    expect(outcome).toEqual({
      status: 0,
      stdout: Buffer.from(
        [
          'mkdir: 0',
          'symlinks: 0 0 0',
          'links/b/input.txt (r): opened',
          'links/c/escape.txt (w): Capabilities insufficient',
          'links/c/sibling.txt (r): Capabilities insufficient',
          'unlink: 0 0 0',
          '',
        ].join('\n'),
      ),
      stderr: '',
      dirs: { '/box': { 'input.txt': 'one\n', 'links/': '' } },
    });
    expect(readdirSync(path.join(scratch, `run-${runs - 1}`))).toEqual(['_box']);
  }, 60_000);

  it('the trap is reported as wasmjit reports traps', () => {
    const outcome = underWasmjit(CASES.find((c) => c.program === 'trap')!);
    expect(outcome.stderr).toBe('aborting\nRuntimeError: unreachable\n');
    expect(outcome.stdout.toString()).toBe(`about to abort with 2 arguments\n`);
  }, 60_000);
});

describe('wasmjit/wasi: node:wasi\'s API over wasmjit (and V8) instances', () => {
  /** Runs `program` with stdin from a file and stdout/stderr to files through WASI `options`; what start returned and what was written. */
  async function runInProcess(
    name: string,
    stdin: string | Uint8Array,
    options: ConstructorParameters<typeof WASI>[0],
    engine: 'wasmjit' | 'v8',
  ): Promise<{ status: number; stdout: string; stderr: string }> {
    const files = ['stdin', 'stdout', 'stderr'].map((stream) => path.join(scratch, `${name}-${engine}-${runs++}.${stream}`));
    writeFileSync(files[0], stdin);
    const [input, output, errors] = files.map((file, i) => openSync(file, i === 0 ? 'r' : 'w'));
    try {
      const wasi = new WASI({ ...options, stdin: input, stdout: output, stderr: errors });
      const bytes = readFileSync(program(name));
      const instance =
        engine === 'wasmjit'
          ? (await instantiate(bytes, wasi.getImportObject())).instance
          : (await WebAssembly.instantiate(bytes, wasi.getImportObject() as WebAssembly.Imports)).instance;
      const status = wasi.start(instance);
      return { status, stdout: readFileSync(files[1], 'latin1'), stderr: readFileSync(files[2], 'utf8') };
    } finally {
      for (const fd of [input, output, errors]) closeSync(fd);
    }
  }

  for (const engine of ['wasmjit', 'v8'] as const) {
    it(`start() returns the exit status; args, env and the stdio fds are the options' (${engine} instance)`, async () => {
      const c = CASES[0];
      const expected = underV8(c);
      const got = await runInProcess('args', '', { args: [program('args'), ...(c.args ?? [])], env: c.env }, engine);
      expect(got).toEqual({ status: 7, stdout: expected.stdout.toString('latin1'), stderr: expected.stderr });
    }, 60_000);

    it(`stdin and stdout byte for byte (${engine} instance)`, async () => {
      const c = CASES[4];
      const expected = underV8(c);
      const got = await runInProcess('wc', c.stdin ?? '', { args: ['wc'] }, engine);
      expect(got).toEqual({ status: 0, stdout: expected.stdout.toString('latin1'), stderr: expected.stderr });
    }, 60_000);
  }

  it('standard streams redirected to files are files to the program, as under node:wasi', async () => {
    const base = path.join(scratch, `streams-${runs++}`);
    const files = ['in', 'out', 'err'].map((name) => `${base}.${name}`);
    writeFileSync(files[0], '');
    const fds = files.map((file, i) => openSync(file, i === 0 ? 'r' : 'w'));
    try {
      const options = JSON.stringify({ args: ['streams'], env: {}, preopens: {} });
      expect(spawnSync(process.execPath, ['--no-warnings', V8_RUNNER, options, program('streams')], { stdio: fds }).status).toBe(0);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    const expected = readFileSync(files[1], 'latin1');
    expect(expected).toContain('fd 1: errno 0, type 4,');
    expect(await runInProcess('streams', '', { args: ['streams'] }, 'wasmjit')).toEqual({ status: 0, stdout: expected, stderr: '' });
  }, 60_000);

  it('preopens: the program writes where the options say', async () => {
    const out = path.join(scratch, `preopen-${runs++}`);
    mkdirSync(out);
    const got = await runInProcess('lz', 'abcabcabcabc\n', { args: ['lz', '/data/x.lz'], preopens: { '/data': out } }, 'wasmjit');
    expect(got.status).toBe(0);
    expect(got.stdout).toMatch(/^13 -> \d+ bytes \(\d+ reread\), round trip ok/);
    expect(readdirSync(out)).toEqual(['x.lz']);
  }, 60_000);

  // fd_write, fd_read and path_open with iovecs, buffers and paths inside, across the end of and far
  // outside the memory: the errnos must be node:wasi's (EOVERFLOW), not an exception out of the call.
  const pointers = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "x\\n")
    (func (export "write") (param $iovs i32) (param $base i32) (param $length i32) (param $written i32) (result i32)
      (i32.store (i32.const 0) (local.get $base))
      (i32.store (i32.const 4) (local.get $length))
      (call $fd_write (i32.const 1) (local.get $iovs) (i32.const 1) (local.get $written)))
    (func (export "read") (param $base i32) (param $length i32) (result i32)
      (i32.store (i32.const 0) (local.get $base))
      (i32.store (i32.const 4) (local.get $length))
      (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (func (export "open") (param $path i32) (param $length i32) (result i32)
      (call $path_open (i32.const 3) (i32.const 0) (local.get $path) (local.get $length) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8))))`;
  const END = 65536;
  const POINTER_CALLS: Array<[string, number[]]> = [
    ['write', [0, 16, 2, 8]],
    ['write', [END - 4, 16, 2, 8]],
    ['write', [0, END - 1, 2, 8]],
    ['write', [0, 16, 2, END - 2]],
    ['write', [-8, 16, 2, 8]],
    ['write', [0, 0x7fffffff, 2, 8]],
    ['read', [16, 4]],
    ['read', [END - 1, 4]],
    ['read', [-4, 4]],
    ['read', [16, 0x7fffffff]],
    ['open', [16, 1]],
    // (A path at 0xfffffff0 is EOVERFLOW under Node 20's node:wasi, EINVAL under 24's: left out.)
    ['open', [END - 1, 4]],
  ];

  it('pointers outside the memory give the errnos node:wasi gives', async () => {
    const bytes = await watToWasm(pointers);
    const dir = path.join(scratch, `pointers-${runs++}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x'), '');
    const run = async (engine: 'wasmjit' | 'v8'): Promise<number[]> => {
      const stdin = openSync(path.join(dir, 'x'), 'r');
      const stdout = openSync(path.join(dir, `${engine}.out`), 'w');
      try {
        const options = { version: 'preview1', preopens: { '/d': dir }, stdin, stdout, returnOnExit: true } as const;
        const { WASI: NodeWasi } = await import('node:wasi');
        const wasi = engine === 'wasmjit' ? new WASI(options) : new NodeWasi(options);
        const imports = wasi.getImportObject() as WebAssembly.Imports;
        const instance = engine === 'wasmjit' ? (await instantiate(bytes, imports)).instance : (await WebAssembly.instantiate(bytes, imports)).instance;
        wasi.initialize(instance as WebAssembly.Instance);
        return POINTER_CALLS.map(([name, args]) => (instance.exports[name] as (...a: number[]) => number)(...args));
      } finally {
        closeSync(stdin);
        closeSync(stdout);
      }
    };
    const expected = await run('v8');
    expect(expected.filter((errno) => errno === 61)).toHaveLength(9);
    expect(await run('wasmjit')).toEqual(expected);
    expect(readFileSync(path.join(dir, 'wasmjit.out'), 'latin1')).toBe(readFileSync(path.join(dir, 'v8.out'), 'latin1'));
  });

  it('binds an instance once, and checks its exports as node:wasi does', async () => {
    const bytes = readFileSync(program('args'));
    const wasi = new WASI({ args: ['args'] });
    const { instance } = await instantiate(bytes, wasi.getImportObject());
    expect(() => wasi.initialize(instance)).toThrow(new TypeError('The "instance.exports._start" property must be undefined'));
    const second = new WASI();
    second.finalizeBindings(instance);
    expect(() => second.start(instance)).toThrow('WASI instance has already started');
    expect(() => new WASI().start({ exports: { memory: instance.exports.memory } })).toThrow(
      new TypeError('The "instance.exports._start" property must be of type function'),
    );
    expect(() => new WASI().start({ exports: {} })).toThrow(TypeError);
    expect(() => new WASI({ version: 'preview2' as 'preview1' })).toThrow('unsupported WASI version "preview2"');
    expect(Object.keys(new WASI({ version: 'unstable' }).getImportObject())).toEqual(['wasi_unstable']);
  });
});

describe('wasmjit run: commands, --invoke and their mistakes', () => {
  function wasmjit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: '' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  // Prints "hi\n" through fd_write and returns 5: an export that needs WASI, called with --invoke.
  const reactor = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hi\\n")
    (func (export "greet") (param $times i32) (result i32)
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 3))
      (loop $again
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $again (local.tee $times (i32.sub (local.get $times) (i32.const 1)))))
      (i32.const 5)))`;

  it('--invoke calls an export of a module importing WASI, which works', async () => {
    const file = path.join(scratch, 'reactor.wasm');
    writeFileSync(file, await watToWasm(reactor));
    expect(wasmjit('run', '--invoke', 'greet', file, '2')).toEqual({ status: 0, stdout: 'hi\nhi\n5\n', stderr: '' });
    expect(wasmjit('run', file, 'greet', '1')).toEqual({ status: 0, stdout: 'hi\n5\n', stderr: '' });
    expect(wasmjit('run', '--json', file, 'greet', '1')).toEqual({ status: 0, stdout: 'hi\n[5]\n', stderr: '' });
  });

  it('--invoke calls an export of a command instead of _start', () => {
    const file = program('args');
    const result = wasmjit('run', '--invoke', '_start', file);
    expect(result).toEqual({ status: 0, stdout: expect.stringMatching(/^argc 1\nargv\[0\] = '/), stderr: 'args: 1 arguments, 0 variables\n' });
  });

  it('the words after a command are its own, options included, but for --env and --dir before a --', () => {
    const own = wasmjit('run', program('args'), '--json', '--', '--dir', 'x');
    expect(own.status).toBe(0);
    expect(own.stdout).toContain("argv[1] = '--json'");
    expect(own.stdout).toContain("argv[2] = '--dir'");
    expect(own.stdout).toContain("argv[3] = 'x'");
    // `run prog.wasm [args] --env NAME=VALUE --dir HOST` (the form DESIGN names) sets them as options.
    const trailing = wasmjit('run', program('args'), 'a', '--env', 'WASMJIT_TRAILING=1', '--dir', `${scratch}::/data`, 'b');
    expect(trailing.status).toBe(0);
    expect(trailing.stdout).toContain('argc 3\n');
    expect(trailing.stdout).toContain("argv[1] = 'a'");
    expect(trailing.stdout).toContain("argv[2] = 'b'");
    expect(trailing.stdout).toContain('env WASMJIT_TRAILING=1\n');
  });

  it('a command compiled to an artifact runs as its module does', () => {
    const artifact = path.join(scratch, 'args.wjit');
    expect(wasmjit('compile', program('args'), '-o', artifact).status).toBe(0);
    const fromModule = wasmjit('run', program('args'), 'one', 'exit=5');
    expect(fromModule.status).toBe(5);
    expect(wasmjit('run', artifact, 'one', 'exit=5')).toEqual({ ...fromModule, stdout: fromModule.stdout.replaceAll(program('args'), artifact).replace(/\((\d+) bytes\)/, `(${artifact.length} bytes)`) });
  });

  it('--env NAME passes the host\'s value, and only when the host has one', () => {
    const result = spawnSync(process.execPath, [CLI, 'run', '--env', 'WASMJIT_TEST_SET', '--env', 'WASMJIT_TEST_UNSET', program('args')], {
      encoding: 'utf8',
      env: { ...process.env, WASMJIT_TEST_SET: 'from host' },
    });
    expect(result.stdout).toContain('env WASMJIT_TEST_SET=from host\n');
    expect(result.stdout).not.toContain('WASMJIT_TEST_UNSET');
  });

  it.each([
    [['run', '--dir', '/no/such/dir', 'x.wasm'], /^wasmjit: cannot read 'x\.wasm'/],
    [['run', '--dir', path.join(ROOT, 'package.json'), 'ARGS'], /^wasmjit: --dir '.*package\.json': '.*package\.json' is not a directory\n$/],
    [['run', '--dir', '::/guest', 'ARGS'], /^wasmjit: --dir '::\/guest' needs a host directory and a guest path/],
    [['run', '--env', '=x', 'ARGS'], /^wasmjit: --env '=x' has no variable name/],
    [['run', '--json', 'ARGS'], /^wasmjit: --json prints an export's results; .* is a WASI command/],
    [['run', '--bogus', 'ARGS'], /^wasmjit: unknown option '--bogus' \(options: --json, --profile, --invoke, --env, --dir\)\n$/],
    [['run', '--env'], /^wasmjit: --env needs a value\n$/],
  ])('%j is refused with a message', (args, message) => {
    const result = wasmjit(...args.map((arg) => (arg === 'ARGS' ? program('args') : arg)));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('a module importing more than WASI is refused, naming the imports', async () => {
    const file = path.join(scratch, 'mixed.wasm');
    writeFileSync(file, await watToWasm('(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (import "env" "log" (func)) (func (export "_start")))'));
    expect(wasmjit('run', file)).toEqual({ status: 1, stdout: '', stderr: `wasmjit: ${file} imports env.log; run provides only WASI's imports\n` });
  });
});
