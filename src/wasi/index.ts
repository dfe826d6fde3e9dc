// WASI preview 1 for wasmjit instances, with node:wasi's API (`new WASI(options)`, `wasiImport`,
// `getImportObject()`, `start(instance)`, `initialize(instance)`). node:wasi itself cannot serve a
// wasmjit instance: it hands `instance.exports.memory` to native code that accepts only a V8
// WebAssembly.Memory. The system calls come from @tybys/wasm-util (WASI in JS over node:fs: files,
// directories, preopens, clocks, random), given a facade over the instance's memory; the standard
// streams (stdio.ts and standard-fds.ts say why) and proc_exit are wasmjit's own, and paths are
// kept inside the preopened directories by their text (sandbox.ts) and by where they lead (host-fs.ts).
import { WASI as LibraryWasi } from '@tybys/wasm-util';
import { memoryFacade } from './memory-facade.js';
import type { MemoryLike } from './memory-facade.js';
import { wasiErrnoOf } from './errno.js';
import { hostFs, OutsidePreopens } from './host-fs.js';
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

const IMPORT_MODULES = { preview1: 'wasi_snapshot_preview1', unstable: 'wasi_unstable' } as const;

type LibraryCall = (...args: number[]) => number;

const ERRNO_NOTCAPABLE = 76;

/**
 * The library's calls as the program gets them. A path outside the preopened directories
 * (host-fs.ts) is ENOTCAPABLE, and a host error the library rethrows is its errno. And the library
 * prints each WASI error it answers (the EBADF of a close(42)) with console.warn unless NODE_ENV is
 * "production", which would put host stack traces in the program's stderr: its calls run with
 * console.warn silenced.
 */
function libraryCalls(calls: Record<string, LibraryCall>): Record<string, LibraryCall> {
  const quiet = (): void => {};
  return Object.fromEntries(
    Object.entries(calls).map(([name, call]) => [
      name,
      (...args: number[]) => {
        const warn = console.warn;
        console.warn = quiet;
        try {
          return call(...args);
        } catch (err) {
          if (err instanceof OutsidePreopens) return ERRNO_NOTCAPABLE;
          const errno = wasiErrnoOf(err);
          if (errno === undefined) throw err;
          return errno;
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
    this.#library = new LibraryWasi({ version, args: options.args, env: options.env, preopens: options.preopens, fs: hostFs(Object.values(options.preopens ?? {})) });
    const hostFds = [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2];
    const library = libraryCalls(this.#library.wasiImport as unknown as Record<string, LibraryCall>);
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
