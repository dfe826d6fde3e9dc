// The disassembler (checked against GNU objdump), the listing formatter, and the `wasmjit` command line
// (spawned from the built bin/wasmjit.js, as a user runs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { watToWasm } from '../src/index.js';
import { Header } from '../src/runtime/artifact.js';
import { disassemble, formatListing, loadDisassembler } from '../src/x64/disassembler.js';

await loadDisassembler();

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'wasmjit-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function bytesOf(hex: string): Uint8Array {
  return Uint8Array.from(hex.replace(/\s+/g, '').match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

interface ObjdumpLine {
  address: bigint;
  bytes: string;
  text: string;
}

function objdump(code: Uint8Array, address: bigint): ObjdumpLine[] {
  const file = join(scratch, 'code.bin');
  writeFileSync(file, code);
  const args = ['-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', '--insn-width=15', `--adjust-vma=0x${address.toString(16)}`, file];
  const out = execFileSync('objdump', args, { encoding: 'utf8' });
  return out.split('\n').flatMap((line) => {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
    return m ? [{ address: BigInt(`0x${m[1]}`), bytes: m[2], text: m[3] }] : [];
  });
}

// objdump and capstone spell the same instruction differently: `QWORD PTR [rbp+0x8]` against
// `qword ptr [rbp + 8]`, `[rax+rax*1+0x0]` against `[rax + rax]`, and a sign-extended immediate as
// `0xffffffff80000000` against `-0x80000000`. Compare token by token, numbers by value.
const NUMBER = /(?<![a-z0-9])(-?(?:0x[0-9a-f]+|\d+))/;

function tokens(text: string): (string | bigint)[] {
  const squeezed = text.toLowerCase().replace(/\s+/g, '').replace(/\*1(?=[\]+-])/g, '').replace(/\+0x0\]/g, ']');
  return squeezed
    .split(NUMBER)
    .map((part, i) => (i % 2 === 1 ? (part.startsWith('-') ? -BigInt(part.slice(1)) : BigInt(part)) : part))
    .filter((part) => part !== '');
}

// objdump prints immediates unsigned in the operand's width; capstone may print them negative.
function sameNumber(fromObjdump: bigint, fromCapstone: bigint): boolean {
  const width = [8, 16, 32, 64].find((bits) => fromObjdump < 1n << BigInt(bits)) ?? 64;
  return BigInt.asUintN(width, fromCapstone) === fromObjdump;
}

function sameInstruction(objdumpText: string, capstoneText: string): boolean {
  const a = tokens(objdumpText);
  const b = tokens(capstoneText);
  return (
    a.length === b.length &&
    a.every((x, i) => (typeof x === 'bigint' && typeof b[i] === 'bigint' ? sameNumber(x, b[i] as bigint) : x === b[i]))
  );
}

// Byte sequences of the kind a single-pass JIT emits: frames, memory operands of every addressing
// form (rsp/r12 need a SIB byte, rbp/r13 a displacement), wide immediates, division, flags, branches.
const SEQUENCES: Record<string, string> = {
  'frame and stack': '55 4889e5 4883ec08 4881ec00010000 4883c408 50 4150 58 4159 5d c3',
  'memory operands': '488b4508 488b45f8 488b8500010000 4c8b642408 4d8b6500 498b0424 4c89642410 488d440810 488b04c8',
  immediates: '48c7c0ffffffff b8ffffffff 48b80100000000000080 4881f900000080 483d78563412 83f9ff 48c7042400000000',
  arithmetic: '4899 99 48f7f9 f7f1 480fafc1 48ffc0 48f7d8 4831c0 31c0 48d3e0 48d3f8 c1e005 48c1e83f',
  'bit counting and conditions': 'f3480fbdc0 f3480fbcc0 f3480fb8c0 480f44c1 0f94c0 0fb6c0 4863c0 4885c0 4839c8',
  'control flow': '7405 0f8405000000 e800000000 ffd0 41ffd3 eb00 e9fbffffff 0f0b cc 90 660f1f440000 0f1f00',
};

describe('disassemble', () => {
  it.each(Object.entries(SEQUENCES))('decodes %s as objdump does', (_name, hex) => {
    const code = bytesOf(hex);
    const address = 0x7f1234560000n;
    const expected = objdump(code, address);
    const actual = disassemble(code, address);
    expect(actual.map((line) => line.address)).toEqual(expected.map((line) => line.address));
    actual.forEach((line, i) => {
      const text = `${line.mnemonic} ${line.operands}`;
      expect(Array.from(line.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')).toBe(expected[i].bytes);
      expect(sameInstruction(expected[i].text, text), `objdump '${expected[i].text}', capstone '${text}'`).toBe(true);
    });
  });

  it('covers every byte, one (bad) line per byte it cannot decode', () => {
    const lines = disassemble(bytesOf('90 06 c3 48'), 0x1000n);
    expect(lines.map((l) => [l.address, l.mnemonic, l.bytes.length])).toEqual([
      [0x1000n, 'nop', 1],
      [0x1001n, '(bad)', 1],
      [0x1002n, 'ret', 1],
      [0x1003n, '(bad)', 1],
    ]);
  });

  it('returns nothing for no bytes', () => {
    expect(disassemble(new Uint8Array(0), 0n)).toEqual([]);
  });
});

describe('constant pools in listings', () => {
  it('list a function’s constants once each, 16-byte aligned, as data after its code', async () => {
    const { compile } = await import('../src/index.js');
    const module = await compile(
      await watToWasm(`(module (memory 1) (func (export "f") (param i32)
        (v128.store (local.get 0) (v128.const i32x4 1 2 3 4))
        (v128.store offset=16 (local.get 0) (v128.const i32x4 -1 -1 -1 -1))
        (v128.store offset=32 (local.get 0) (v128.const i32x4 1 2 3 4))
        (v128.store offset=48 (local.get 0) (v128.const i64x2 7 -1))))`),
    );
    await loadDisassembler();
    const listing = module.disassemble('f');
    const data = listing.split('\n').filter((line) => line.includes('.v128'));
    expect(data.map((line) => line.replace(/^\S+\s+(\S+ ){16}\s*/, ''))).toEqual([
      '.v128  i32x4 0x00000001 0x00000002 0x00000003 0x00000004',
      '.v128  i32x4 0x00000007 0x00000000 0xffffffff 0xffffffff',
    ]);
    expect(data.every((line) => /^[0-9a-f]*0 /.test(line))).toBe(true);
    expect(listing).toMatch(/; constants/);
    expect(listing.match(/movdqu\s+xmm\d+, xmmword ptr \[rip \+ 0x[0-9a-f]+\]/g)).toHaveLength(3);
    expect(listing).toContain('pcmpeqd');
    expect(listing).not.toContain('(bad)');
    module.dispose();
  });
});

describe('formatListing', () => {
  it('aligns the columns and puts each annotation on the line at its offset', () => {
    const lines = disassemble(bytesOf('55 4889e5 48b80100000000000080 c3'), 0xff0n);
    const listing = formatListing(lines, new Map([[0, 'prologue'], [4, 'i64.const 0x8000000000000001'], [14, 'return']]));
    expect(listing).toBe(
      [
        'ff0  55                             push   rbp                      ; prologue',
        'ff1  48 89 e5                       mov    rbp, rsp',
        'ff4  48 b8 01 00 00 00 00 00 00 80  movabs rax, 0x8000000000000001  ; i64.const 0x8000000000000001',
        'ffe  c3                             ret                             ; return',
      ].join('\n'),
    );
  });

  it('prints nothing for no lines', () => {
    expect(formatListing([], new Map())).toBe('');
  });
});

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function wasmjit(...args: string[]): CliResult {
  const { status, stdout, stderr } = spawnSync(process.execPath, ['bin/wasmjit.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status, stdout, stderr };
}

function scratchFile(name: string, content: string | Uint8Array): string {
  const file = join(scratch, name);
  writeFileSync(file, content);
  return file;
}

describe('wasmjit command line', () => {
  it.each([
    [['run', 'wat/fib.wat', 'fib', '30'], '832040\n'],
    [['run', 'wat/tak.wat', 'tak', '18', '12', '6'], '7\n'],
    [['run', 'wat/multivalue.wat', 'divmod', '7', '-2'], '-3 1\n'],
    [['run', 'wat/multivalue.wat', 'divmod', '--json', '7', '-2'], '[-3,1]\n'],
    [['run', 'wat/multivalue.wat', 'fib_pair', '90', '--json'], '[2880067194370816120,4660046610375530309]\n'],
    [['run', 'wat/fib.wat', 'fib', '30', '--json'], '[832040]\n'],
    // i32 arguments go through ToInt32 (2^32 + 48 is 48), i64 ones take hex and negatives
    [['run', 'wat/gcd.wat', 'gcd', '4294967344', '0x12'], '6\n'],
    [['run', 'wat/gcd.wat', 'gcd64', '0x30', '18'], '6\n'],
    [['run', 'wat/fib.wat', 'fib', '-0x5'], '-5\n'],
    [['run', 'wat/fac.wat', 'fac_iter', '--', '-5'], '1\n'],
  ])('wasmjit %j prints the results', (args, stdout) => {
    expect(wasmjit(...args)).toEqual({ status: 0, stdout, stderr: '' });
  });

  it('runs a binary module and a function without results', async () => {
    const wat = '(module (func (export "nothing")) (func (export "answer") (result i32) (i32.const 42)))';
    const file = scratchFile('answer.wasm', await watToWasm(wat));
    expect(wasmjit('run', file, 'answer')).toEqual({ status: 0, stdout: '42\n', stderr: '' });
    expect(wasmjit('run', file, 'nothing')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(wasmjit('run', file, 'nothing', '--json')).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
  });

  it('compiles a module into an artifact that run and disasm load, told by its magic', () => {
    const artifact = join(scratch, 'fib.wjit');
    const compiled = wasmjit('compile', 'wat/fib.wat', '-o', artifact);
    expect(compiled).toMatchObject({ status: 0, stderr: '' });
    expect(compiled.stdout).toMatch(/^.*fib\.wjit: \d+ bytes, 1 function from \d+ bytes of wasm, compiled in \d+ ms\n$/);
    expect(wasmjit('run', artifact, 'fib', '30')).toEqual({ status: 0, stdout: '832040\n', stderr: '' });
    const disguised = scratchFile('fib-artifact.wasm', readFileSync(artifact));
    expect(wasmjit('run', disguised, 'fib', '10', '--json')).toEqual({ status: 0, stdout: '[55]\n', stderr: '' });
    const listing = wasmjit('disasm', artifact, 'fib');
    expect(listing).toMatchObject({ status: 0, stderr: '' });
    expect(listing.stdout).toContain('i64.add');

    const json = wasmjit('compile', '--json', 'wat/gcd.wat', '-o', join(scratch, 'gcd.wjit'));
    expect(json).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toMatchObject({ input: 'wat/gcd.wat', output: join(scratch, 'gcd.wjit'), functions: 3 });
  });

  it('says what is wrong with an artifact or a compile command line', () => {
    const artifact = join(scratch, 'tak.wjit');
    expect(wasmjit('compile', 'wat/tak.wat', '-o', artifact).status).toBe(0);
    const truncated = scratchFile('truncated.wjit', readFileSync(artifact).subarray(0, 100));
    expect(wasmjit('run', truncated, 'tak', '1', '2', '3')).toEqual({
      status: 1,
      stdout: '',
      stderr: `ArtifactError: cannot load the wasmjit artifact (truncated): 100 bytes, shorter than the ${Header.size}-byte header\n`,
    });
    expect(wasmjit('compile', artifact, '-o', join(scratch, 'again.wjit')).stderr).toMatch(/is an artifact already; compile takes a \.wat or \.wasm module/);
    expect(wasmjit('compile', 'wat/tak.wat').stderr).toMatch(/^wasmjit: compile needs one input file and -o <output>/);
    expect(wasmjit('compile', 'wat/tak.wat', '-o').stderr).toBe('wasmjit: -o needs a value\n');
  });

  it('prints help globally and per command', () => {
    const global = wasmjit('--help');
    expect(global.status).toBe(0);
    for (const command of ['compile', 'run', 'disasm', 'spec']) expect(global.stdout).toContain(`wasmjit ${command} `);
    for (const command of ['compile', 'run', 'disasm']) {
      const help = wasmjit(command, '-h');
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: wasmjit ${command} `));
    }
  });

  it('prints a listing of one export, or of every function', () => {
    const one = wasmjit('disasm', 'wat/fib.wat', 'fib');
    expect(one).toMatchObject({ status: 0, stderr: '' });
    expect(one.stdout).toMatch(/\bret\b/);
    expect(one.stdout).toContain('i64.add');
    const all = wasmjit('disasm', 'wat/evenodd.wat');
    expect(all).toMatchObject({ status: 0, stderr: '' });
    expect(all.stdout.length).toBeGreaterThan(one.stdout.length);
  });

  const badWat = scratchFile('bad.wat', '(module\n  (func (result i32) (i64.const 1)))\n');
  const needsImports = scratchFile('imports.wat', '(module (import "env" "log" (func (param i32))) (func (export "f")))');
  const trapsAtStart = scratchFile('start.wat', '(module (func $start unreachable) (start $start) (func (export "f")))');
  const badWasm = scratchFile('bad.wasm', Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff]));

  it.each([
    [[], /^wasmjit: a WebAssembly/],
    [['bogus'], /^wasmjit: unknown command 'bogus'/],
    [['run'], /^wasmjit: run needs a file and an export name/],
    [['run', 'wat/fib.wat'], /^wasmjit: run needs a file and an export name/],
    [['run', 'no-such-file.wat', 'fib'], /^wasmjit: cannot read 'no-such-file\.wat': no such file\n$/],
    [['run', 'wat', 'fib'], /^wasmjit: cannot read 'wat': it is a directory\n$/],
    [['run', 'wat/fib.wat', 'nope', '1'], /^wasmjit: wat\/fib\.wat has no export named 'nope' \(exported functions: fib\)\n$/],
    [['run', 'wat/fib.wat', 'fib'], /^wasmjit: fib takes 1 argument \(i64\), got 0\n$/],
    [['run', 'wat/fib.wat', 'fib', '1', '2'], /^wasmjit: fib takes 1 argument \(i64\), got 2\n$/],
    [['run', 'wat/fib.wat', 'fib', 'abc'], /^wasmjit: argument 1 of fib is an i64 and must be an integer, not 'abc'\n$/],
    [['run', 'wat/fib.wat', 'fib', '1.5'], /^wasmjit: argument 1 of fib is an i64 and must be an integer, not '1\.5'\n$/],
    [['run', 'wat/tak.wat', 'tak', '1', 'x', '3'], /^wasmjit: argument 2 of tak is an i32 and must be a number, not 'x'\n$/],
    [['run', 'wat/tak.wat', 'tak', '1', '', '3'], /^wasmjit: argument 2 of tak is an i32 and must be a number, not ''\n$/],
    [['run', 'wat/fib.wat', 'fib', '3', '--bogus'], /^wasmjit: unknown option '--bogus' \(options: --json, --profile\)\n$/],
    [['run', 'wat/multivalue.wat', 'divmod', '7', '0'], /^RuntimeError: divide by zero\n$/],
    [['run', 'wat/collatz.wat', 'steps', '0'], /^RuntimeError: unreachable\n$/],
    [['run', 'wat/evenodd.wat', 'is_even', '-2147483648'], /^RangeError: Maximum call stack size exceeded\n$/],
    [['run', badWat, 'f'], /bad\.wat:2:\d+: error: type mismatch/],
    [['run', badWasm, 'f'], /^CompileError: /],
    [['run', needsImports, 'f'], /imports\.wat imports env\.log; run provides only WASI's imports\n$/],
    [['run', trapsAtStart, 'f'], /^RuntimeError: unreachable\n$/],
    [['disasm'], /^wasmjit: disasm needs a file/],
    [['disasm', 'wat/fib.wat', 'nope'], /^wasmjit: wat\/fib\.wat has no export named 'nope'/],
    [['disasm', 'wat/fib.wat', 'fib', '--json'], /^wasmjit: unknown option '--json'\n$/],
  ])('wasmjit %j fails with a clear message', (args, message) => {
    const result = wasmjit(...args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
