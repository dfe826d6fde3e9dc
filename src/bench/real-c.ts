// The real-code part's C programs (bench/c/kernels/*.c: loop nests; bench/c/cpu/*.c: an integer CPU
// benchmark), each printing a checksum from main: compiled with Debian's clang to wasm32-wasi against
// wasi-libc, and with gcc -O2 natively for the native column. When the wasm toolchain is missing the
// bench installs it with apt-get (as root), as .ci/run would; when it cannot, the C programs are
// skipped with a note that says how to get them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const C_DIR = fileURLToPath(new URL('../../bench/c/', import.meta.url));

/** Debian's packages for clang → wasm32-wasi: the compiler, the linker, the C library, the builtins. */
const WASI_PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-14-dev-wasm32'];
export const WASI_INSTALL = `apt-get update && apt-get install -y ${WASI_PACKAGES.join(' ')}`;

/** How each build is made: clang to wasm32-wasi, gcc for the machine. */
const BUILDS = {
  wasm: { compiler: 'clang', flags: ['--target=wasm32-wasi', '-O2'] },
  native: { compiler: 'gcc', flags: ['-O2'] },
} as const;
export type CBuild = keyof typeof BUILDS;

/** Compiles `file` to `output` (with `defines`, e.g. -DBENCH_SCALE_DOWN=4); `ok` false with the compiler's messages. */
export function compileC(build: CBuild, file: string, output: string, defines: string[] = []): { ok: boolean; output: string; command: string } {
  const { compiler, flags } = BUILDS[build];
  const options = [...flags, ...defines];
  return { ...run(compiler, [...options, '-o', output, file]), command: `${compiler} ${options.join(' ')}` };
}

/** The folders of bench/c/, one per group of the report. */
export const C_GROUPS = ['kernels', 'cpu'] as const;
export type CGroup = (typeof C_GROUPS)[number];

export interface CSource {
  name: string;
  group: CGroup;
  file: string;
}

export interface CProgram {
  name: string;
  group: CGroup;
  /** What it computes: the source's first comment line. */
  summary: string;
  wasm: Uint8Array;
  /** The gcc -O2 executable. */
  native: string;
}

export interface CPrograms {
  programs: CProgram[];
  /** Why some or all are missing. */
  notes: string[];
  remove(): void;
}

/**
 * PATH without node_modules/.bin: clang runs `wasm-opt` after linking when it finds one on PATH, and
 * under npm that is binaryen's (a devDependency), which would rewrite the module (and take seconds):
 * the programs are measured as clang and wasm-ld leave them.
 */
function pathWithoutWasmOpt(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.split(path.sep).includes('node_modules'))
    .join(path.delimiter);
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, PATH: pathWithoutWasmOpt() } });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Compiles a one-line program to wasm32-wasi: whether clang, wasm-ld, wasi-libc and the builtins are all there. */
export function wasiToolchainWorks(dir: string): { ok: boolean; output: string } {
  const source = path.join(dir, 'probe.c');
  writeFileSync(source, '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }\n');
  return compileC('wasm', source, path.join(dir, 'probe.wasm'));
}

/** The toolchain, installed with apt-get when missing and this process is root; or why not. */
function ensureWasiToolchain(dir: string, log: (line: string) => void): string | undefined {
  const probe = wasiToolchainWorks(dir);
  if (probe.ok) return undefined;
  const install = WASI_INSTALL;
  if (process.getuid?.() !== 0) return `C programs skipped: clang cannot compile to wasm32-wasi (${firstLine(probe.output)}); as root: ${install}`;
  log(`bench: installing the wasm32-wasi C toolchain: ${install}`);
  const installed = spawnSync('sh', ['-c', install], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (installed.status !== 0) return `C programs skipped: \`${install}\` failed (${firstLine(installed.stderr ?? '')})`;
  const again = wasiToolchainWorks(dir);
  return again.ok ? undefined : `C programs skipped: clang still cannot compile to wasm32-wasi after the install (${firstLine(again.output)})`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The programs' sources: bench/c/<group>/<name>.c. */
export function cSources(): CSource[] {
  return C_GROUPS.flatMap((group) =>
    readdirSync(path.join(C_DIR, group))
      .filter((f) => f.endsWith('.c'))
      .sort()
      .map((f) => ({ name: f.slice(0, -2), group, file: path.join(C_DIR, group, f) })),
  );
}

/** Builds `sources` to wasm and natively in a temporary directory (`remove` deletes it). */
export function buildCPrograms(sources: CSource[], log: (line: string) => void): CPrograms {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmjit-bench-c-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  if (sources.length === 0) return { programs: [], notes: [], remove };
  const missing = ensureWasiToolchain(dir, log);
  if (missing !== undefined) return { programs: [], notes: [missing], remove };
  const programs: CProgram[] = [];
  const notes: string[] = [];
  for (const { name, group, file } of sources) {
    const wasm = path.join(dir, `${name}.wasm`);
    const native = path.join(dir, `${name}.native`);
    const wasmBuild = compileC('wasm', file, wasm);
    if (!wasmBuild.ok) throw new Error(`${wasmBuild.command} ${file} failed:\n${wasmBuild.output}`);
    const nativeBuild = compileC('native', file, native);
    if (!nativeBuild.ok) notes.push(`${name}: no native column (${nativeBuild.command} failed: ${firstLine(nativeBuild.output)})`);
    const summary = /^\/\/ (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? name;
    programs.push({ name, group, summary, wasm: new Uint8Array(readFileSync(wasm)), native: nativeBuild.ok ? native : '' });
  }
  return { programs, notes, remove };
}

/** Runs the native executable once: its output and its wall time (process start and exit included, a millisecond or so). */
export function runNative(program: CProgram): { output: string; ms: number } {
  const start = performance.now();
  const result = spawnSync(program.native, [], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.error || result.status !== 0) throw new Error(`${program.native} failed: ${result.error?.message ?? `status ${result.status}`} ${result.stderr}`);
  return { output: result.stdout.trim(), ms };
}
