// WASI preview 1 for wasmjit instances, with node:wasi's API (`new WASI(options)`, `wasiImport`,
// `getImportObject()`, `start(instance)`, `initialize(instance)`). node:wasi itself cannot serve a
// wasmjit instance: it hands `instance.exports.memory` to native code that accepts only a V8
// WebAssembly.Memory. The system calls come from @tybys/wasm-util (WASI in JS over node:fs: files,
// directories, preopens, clocks, random), given a facade over the instance's memory; the standard
// streams (stdio.ts and standard-fds.ts say why) and proc_exit are wasmjit's own, and paths are
// kept inside the preopened directories (sandbox.ts).
import fs from 'node:fs';
import { WASI as LibraryWasi } from '@tybys/wasm-util';
import { memoryFacade } from './memory-facade.js';
import type { MemoryLike } from './memory-facade.js';
import { confinePaths } from './sandbox.js';
import { standardFds } from './standard-fds.js';

export interface WASIOptions {
  /** 'preview1' (the default: the imports are wasi_snapshot_preview1) or 'unstable' (wasi_unstable). */
  version?: 'preview1' | 'unstable';
  /** The program's argv, its name first. */
  args?: string[];
  /** Its environment; nothing is inherited from the host's. */
  env?: Record<string, string>;
  /** Guest path → host directory: what the program may reach of the host's files. */
  preopens?: Record<string, string>;
  /** true (the default): proc_exit ends `start()`, which returns the code; false: it ends the process. */
  returnOnExit?: boolean;
  /** The host fds the program's fds 0, 1 and 2 read and write (default 0, 1, 2). */
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

/** An instance of any engine: wasmjit's or V8's. */
export interface WasiInstance {
  readonly exports: Record<string, unknown>;
}

type WasiFunction = (...args: never[]) => unknown;

type LibraryFs = NonNullable<NonNullable<ConstructorParameters<typeof LibraryWasi>[0]>['fs']>;

/**
 * node:fs for the library, except that closing host fds 0-2 does nothing: its entries for the
 * standard streams name them whatever the stdio options say, and a program closing its stdout (or
 * freopen-ing it) must not close the embedding process's. (node:fs's overloads are wider than the
 * library's declaration of what it calls.)
 */
const libraryFs = Object.create(fs, {
  closeSync: { value: (fd: number) => (fd > 2 ? fs.closeSync(fd) : undefined) },
}) as LibraryFs;

const IMPORT_MODULES = { preview1: 'wasi_snapshot_preview1', unstable: 'wasi_unstable' } as const;

type LibraryCall = (...args: number[]) => number;

/**
 * The library prints each WASI error it answers (the EBADF of a close(42)) with console.warn unless
 * NODE_ENV is "production", which would put host stack traces in the program's stderr: its calls
 * run with console.warn silenced.
 */
function withoutWarnings(calls: Record<string, LibraryCall>): Record<string, LibraryCall> {
  const quiet = (): void => {};
  return Object.fromEntries(
    Object.entries(calls).map(([name, call]) => [
      name,
      (...args: number[]) => {
        const warn = console.warn;
        console.warn = quiet;
        try {
          return call(...args);
        } finally {
          console.warn = warn;
        }
      },
    ]),
  );
}

/** proc_exit(code), thrown through the wasm frames back to `start()`. */
class ProcExit {
  constructor(readonly code: number) {}
}

export class WASI {
  /** The functions to import as the module named by `getImportObject()`. */
  readonly wasiImport: Record<string, WasiFunction>;
  readonly #library: LibraryWasi;
  readonly #importModule: string;
  readonly #returnOnExit: boolean;
  #memory: MemoryLike | undefined;
  #started = false;

  constructor(options: WASIOptions = {}) {
    const version = options.version ?? 'preview1';
    if (!Object.hasOwn(IMPORT_MODULES, version)) throw new TypeError(`unsupported WASI version "${String(version)}"`);
    this.#importModule = IMPORT_MODULES[version];
    this.#returnOnExit = options.returnOnExit ?? true;
    this.#library = new LibraryWasi({ version, args: options.args, env: options.env, preopens: options.preopens, fs: libraryFs });
    const hostFds = [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2];
    const library = withoutWarnings(this.#library.wasiImport as unknown as Record<string, LibraryCall>);
    const buffer = (): ArrayBuffer => this.#boundMemory().buffer;
    this.wasiImport = {
      ...confinePaths(library, buffer),
      ...standardFds(library, hostFds, buffer),
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
    };
  }

  /** `{ [module]: wasiImport }`, to pass as (part of) the instance's imports. */
  getImportObject(): Record<string, Record<string, WasiFunction>> {
    return { [this.#importModule]: this.wasiImport };
  }

  /**
   * Runs a command: calls its `_start` and returns its exit code (0 when `_start` returns), or ends
   * the process with that code when `returnOnExit` is false. A trap throws its RuntimeError.
   */
  start(instance: WasiInstance): number {
    this.finalizeBindings(instance);
    const { _start: start, _initialize: initialize } = instance.exports;
    if (typeof start !== 'function') throw new TypeError('The "instance.exports._start" property must be of type function');
    if (initialize !== undefined) throw new TypeError('The "instance.exports._initialize" property must be undefined');
    try {
      start();
      return 0;
    } catch (err) {
      if (!(err instanceof ProcExit)) throw err;
      if (!this.#returnOnExit) process.exit(err.code);
      return err.code;
    }
  }

  /** Sets up a reactor: calls its `_initialize`, if it has one. */
  initialize(instance: WasiInstance): void {
    this.finalizeBindings(instance);
    const { _start: start, _initialize: initialize } = instance.exports;
    if (start !== undefined) throw new TypeError('The "instance.exports._start" property must be undefined');
    if (initialize === undefined) return;
    if (typeof initialize !== 'function') throw new TypeError('The "instance.exports._initialize" property must be of type function');
    initialize();
  }

  /**
   * Binds the calls to the instance's memory (`memory`, or its export named "memory") without
   * calling anything, to call its exports directly; start() and initialize() begin with it.
   */
  finalizeBindings(instance: WasiInstance, { memory = instance.exports.memory as MemoryLike | undefined }: { memory?: MemoryLike } = {}): void {
    if (this.#started) throw new Error('WASI instance has already started');
    if (memory === undefined || !(memory.buffer instanceof ArrayBuffer)) {
      throw new TypeError('The "instance.exports.memory" property must be a WebAssembly.Memory object');
    }
    this.#library.finalizeBindings(instance as unknown as WebAssembly.Instance, { memory: memoryFacade(memory) });
    this.#memory = memory;
    this.#started = true;
  }

  #boundMemory(): MemoryLike {
    if (this.#memory === undefined) throw new Error('a WASI call came before start() or initialize() bound the instance\'s memory');
    return this.#memory;
  }
}
