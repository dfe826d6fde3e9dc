// Names for generated code, for profilers: perf's JIT map (`/tmp/perf-<pid>.map`, one `START SIZE
// name` line per range, hex, as tools/perf/Documentation/jit-interface.txt reads it) and wasmjit's
// own sampler (runtime/sampler.ts), which maps sampled PCs to names through `codeNameAt`.
//
// Naming is off unless asked for (WASMJIT_PERF_MAP=1, a module's `perfMap` option, or the sampler):
// then every module's functions, import thunks, lazy stubs, trap stubs and entry trampoline are
// named as they are mapped, and lazily compiled functions as they are written. wasmjit's
// process-wide code (koffi entry, fast-call targets, signal handlers) is few pages and always
// recorded; it goes to the file when the file is started. perf's map is append-only and has no
// removal: a named code page is therefore never unmapped (runtime/code-page.ts gives its memory back
// and keeps its address range), so no later code can appear under an old entry's name.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { CompiledFunction } from '../compiler/index.js';
import { readNames } from '../decode/index.js';
import type { ModuleIR } from '../decode/index.js';
import { lastStartingAtOrBelow } from './sorted-ranges.js';

interface NamedRange {
  start: bigint;
  end: bigint;
  name: string;
}

/** Every range named so far, in naming order (sorted when looked up). */
const ranges: NamedRange[] = [];
let sorted = true;
let naming = false;
let file: { fd: number; path: string } | undefined;

/** Whether modules mapped from now on are named: the perf map, the sampler, or a module's option asked. */
export function codeNaming(): boolean {
  return naming;
}

/** Names modules' code from now on (the sampler's use: no file). */
export function startCodeNaming(): void {
  naming = true;
}

/**
 * Whether a module compiled with `option` (its `perfMap`) is named into the perf map: the option,
 * else WASMJIT_PERF_MAP (`1`, or `0`/unset). Asking starts the file.
 */
export function perfMapWanted(option: boolean | undefined): boolean {
  const wanted = option ?? perfMapFromEnvironment();
  if (wanted) startPerfMap();
  return wanted || naming;
}

function perfMapFromEnvironment(): boolean {
  const setting = process.env.WASMJIT_PERF_MAP ?? '';
  if (setting === '1') return true;
  if (setting === '0' || setting === '') return false;
  throw new RangeError(`WASMJIT_PERF_MAP must be 0 or 1, got "${setting}"`);
}

/** The perf map this process appends to, once started (else undefined). */
export function perfMapPath(): string | undefined {
  return file?.path;
}

/**
 * Opens `/tmp/perf-<pid>.map` for appending (once) and writes every range named so far to it. Under
 * `node --perf-basic-prof` V8 owns that file (it writes from its own offset, over anything appended):
 * the ranges then go to `/tmp/perf-<pid>.wasmjit.map`, to append to V8's once the process is done,
 * and a warning says so.
 */
export function startPerfMap(): void {
  naming = true;
  if (file) return;
  const v8Writes = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => /^--perf[-_]basic[-_]prof/.test(arg));
  const path = `/tmp/perf-${process.pid}${v8Writes ? '.wasmjit' : ''}.map`;
  if (v8Writes) {
    process.emitWarning(`V8 writes /tmp/perf-${process.pid}.map (--perf-basic-prof): wasmjit's perf map is ${path}; append it to V8's after the process ends`, { code: 'WASMJIT_PERF_MAP' });
  }
  file = { fd: openSync(path, 'a'), path };
  process.once('exit', () => closeSync(file!.fd));
  append(ranges);
}

function append(named: readonly NamedRange[]): void {
  if (!file || named.length === 0) return;
  writeSync(file.fd, named.map((r) => `${r.start.toString(16)} ${(r.end - r.start).toString(16)} ${r.name}\n`).join(''));
}

/** Records code ranges `[start, start + size)` with their names (and appends them to the perf map when started). */
export function nameCode(named: ReadonlyArray<{ start: bigint; size: number; name: string }>): void {
  const added = named.filter((r) => r.size > 0).map((r) => ({ start: r.start, end: r.start + BigInt(r.size), name: r.name }));
  if (added.length === 0) return;
  ranges.push(...added);
  sorted = false;
  append(added);
}

/** The name of the range that holds `pc`, if one does. */
export function codeNameAt(pc: bigint): string | undefined {
  if (!sorted) {
    ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    sorted = true;
  }
  const range = ranges[lastStartingAtOrBelow(ranges, pc, (r) => r.start)];
  return range && pc < range.end ? range.name : undefined;
}

/**
 * How a module's code is named: `NAME` from the name section, else `wasm-function[INDEX]` (V8's form),
 * both after `MODULE.` when the name section names the module. Import thunks are `NAME (import
 * thunk MODULE.FIELD)`, lazy stubs `NAME (lazy stub)`.
 */
export class ModuleCodeNames {
  private names: ReturnType<typeof readNames> | undefined;
  private imports: ModuleIR['imports'] | undefined;

  constructor(private readonly ir: ModuleIR) {}

  /** `MODULE.` when the name section names the module, else nothing. */
  private prefix(): string {
    this.names ??= readNames(this.ir.customSections);
    return this.names.module === undefined ? '' : `${this.names.module}.`;
  }

  /** The perf map's name of function `index`. */
  function(index: number): string {
    const prefix = this.prefix();
    return `${prefix}${this.names!.functions.get(index) ?? `wasm-function[${index}]`}`;
  }

  private kindOf(index: number, lazyStub: boolean): string {
    this.imports ??= this.ir.imports.filter((i) => i.kind === 'func');
    const imported = this.imports[index];
    if (imported) return ` (import thunk ${imported.module}.${imported.name})`;
    return lazyStub ? ' (lazy stub)' : '';
  }

  /**
   * The ranges of code at `base` from `from` to `to` (offsets): `functions` (those inside; stubs if
   * `lazyStubs`) by name, and what lies between them: the entry trampoline (from `entryOffset`,
   * with the lazy compile stub in a lazy module) or a chunk's trap stubs.
   */
  ranges(base: bigint, from: number, to: number, functions: readonly CompiledFunction[], entryOffset: number, lazyStubs = false): Array<{ start: bigint; size: number; name: string }> {
    const inside = functions.filter((f) => f.offset >= from && f.offset < to).sort((a, b) => a.offset - b.offset);
    const named: Array<{ start: bigint; size: number; name: string }> = [];
    const gap = (start: number, end: number): void => {
      if (end <= start) return;
      const what = start <= entryOffset && entryOffset < end ? 'wasmjit entry trampoline' : 'wasmjit trap stubs';
      named.push({ start: base + BigInt(start), size: end - start, name: `${this.prefix()}${what}` });
    };
    let at = from;
    for (const f of inside) {
      gap(at, f.offset);
      named.push({ start: base + BigInt(f.offset), size: f.size, name: `${this.function(f.index)}${this.kindOf(f.index, lazyStubs)}` });
      at = f.offset + f.size;
    }
    gap(at, to);
    return named;
  }
}
