// The least of WASI preview 1 that a wasi-libc command needs to print its checksum and exit: fd_write
// to stdout/stderr (collected as text), proc_exit (ends `_start` by throwing ProcExit), fd_fdstat_get
// answering "character device" (stdio's buffering asks), and ENOSYS for everything else the module
// imports. node:wasi would do on V8 but refuses wasmjit's instances, so every engine gets this shim.

const WASI_MODULE = 'wasi_snapshot_preview1';
const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_NOSYS = 52;
const FILETYPE_CHARACTER_DEVICE = 2;

/** proc_exit(code): thrown through the wasm frames back to the caller of `_start`. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

interface MemoryExport {
  buffer: ArrayBufferLike;
}

export interface WasiShim {
  imports: Record<string, Record<string, (...args: number[]) => number>>;
  /** The instance whose exported memory the calls read and write. */
  bind(memory: MemoryExport): void;
  /** What the program wrote to fd 1 and 2. */
  stdout(): string;
  stderr(): string;
}

/** A shim for one instance of a module that imports `importNames` from wasi_snapshot_preview1. */
export function wasiShim(importNames: string[]): WasiShim {
  let memory: MemoryExport | undefined;
  const written: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const view = (): DataView => {
    if (!memory) throw new Error('the WASI shim was called before bind()');
    return new DataView(memory.buffer);
  };
  const calls: Record<string, (...args: number[]) => number> = {
    fd_write(fd, iovs, iovsLength, writtenPointer) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const dv = view();
      let total = 0;
      for (let i = 0; i < iovsLength; i++) {
        const base = dv.getUint32(iovs + 8 * i, true);
        const length = dv.getUint32(iovs + 8 * i + 4, true);
        written[fd].push(...new Uint8Array(dv.buffer, base, length));
        total += length;
      }
      dv.setUint32(writtenPointer, total, true);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_get(fd, stat) {
      if (fd > 2) return ERRNO_BADF;
      const dv = view();
      // fdstat: filetype u8, flags u16, rights base u64, rights inheriting u64 (24 bytes)
      for (let i = 0; i < 24; i += 4) dv.setUint32(stat + i, 0, true);
      dv.setUint8(stat, FILETYPE_CHARACTER_DEVICE);
      return ERRNO_SUCCESS;
    },
    proc_exit(code) {
      throw new ProcExit(code);
    },
  };
  const functions = Object.fromEntries(importNames.map((name) => [name, calls[name] ?? (() => ERRNO_NOSYS)]));
  const text = (fd: 1 | 2): string => Buffer.from(written[fd]).toString('utf8');
  return {
    imports: { [WASI_MODULE]: functions },
    bind: (m) => {
      memory = m;
    },
    stdout: () => text(1),
    stderr: () => text(2),
  };
}

/** The names a module imports from WASI; any other import is an error the caller reports. */
export function wasiImportNames(imports: Array<{ module: string; name: string; kind: string }>): string[] {
  const foreign = imports.filter((i) => i.module !== WASI_MODULE || i.kind !== 'function');
  if (foreign.length > 0) throw new Error(`the program imports more than WASI functions: ${foreign.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  return imports.map((i) => i.name);
}

/**
 * Runs a command instance's `_start` (the shim bound to its memory first): what it printed to stdout,
 * and the milliseconds `_start` took. A non-zero exit status is an error carrying its stderr.
 */
export function runWasiStart(exports: Record<string, unknown>, shim: WasiShim, name: string): { stdout: string; ms: number } {
  const { memory, _start: start } = exports as { memory?: MemoryExport; _start?: unknown };
  if (memory === undefined || typeof start !== 'function') throw new Error(`${name} exports no memory or no _start: not a WASI command`);
  shim.bind(memory);
  const begin = performance.now();
  try {
    start();
  } catch (err) {
    if (!(err instanceof ProcExit)) throw err;
    if (err.code !== 0) throw new Error(`${name} exited with status ${err.code}: ${shim.stderr().trim()}`);
  }
  const ms = performance.now() - begin;
  return { stdout: shim.stdout().trim(), ms };
}
