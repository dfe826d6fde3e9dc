// Executable code pages under W^X: written while read-write, then read-execute, never both.
import { discardPages, mmap, mprotect, munmap, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';
import { nameCode } from './perf-map.js';

export class CodePage {

  /** Whether profilers know names in it (runtime/perf-map.ts): then its addresses are never given to other code. */
  private named = false;

  private constructor(
    readonly address: bigint,
    readonly size: number,
    /** Bytes of code mapped at its start (a lazy module's reservation grows beyond them). */
    readonly length: number,
  ) {}

  /** Copies `code` into fresh pages, lets `patch` change the copy, then makes the pages executable. */
  static map(code: Uint8Array, patch?: (mapped: Uint8Array) => void): CodePage {
    const size = roundToPages(code.length);
    const address = mmap(size, PROT_READ | PROT_WRITE);
    try {
      const mapped = new Uint8Array(view(address, size));
      mapped.set(code);
      patch?.(mapped);
      mprotect(address, size, PROT_READ | PROT_EXEC);
    } catch (err) {
      munmap(address, size);
      throw err;
    }
    return new CodePage(address, size, code.length);
  }

  /**
   * Reserves `reserve` bytes of address space (inaccessible until written) with `code` executable at
   * its start: lazy compilation appends each function's code to it (`write`), within `call rel32`
   * reach of the module's own code.
   */
  static reserve(code: Uint8Array, reserve: number): CodePage {
    const size = roundToPages(Math.max(reserve, code.length));
    const page = new CodePage(mmap(size, PROT_NONE), size, code.length);
    try {
      page.write(0, code);
    } catch (err) {
      page.unmap();
      throw err;
    }
    return page;
  }

  /**
   * Copies `code` to `offset`: the pages it touches become read-write (not executable) for the copy,
   * then read-execute again. Code already on those pages may be suspended below the caller (a lazy
   * compile runs inside a host call) but cannot run meanwhile: only this thread runs this module's code.
   */
  write(offset: number, code: Uint8Array): void {
    if (offset + code.length > this.size) throw new RangeError(`wasmjit: code of ${offset + code.length} bytes does not fit a reservation of ${this.size}`);
    const start = Math.floor(offset / PAGE_SIZE) * PAGE_SIZE;
    const length = roundToPages(offset + code.length - start);
    const address = this.address + BigInt(start);
    mprotect(address, length, PROT_READ | PROT_WRITE);
    this.bytes.set(code, offset);
    mprotect(address, length, PROT_READ | PROT_EXEC);
  }

  /** A copy of `length` bytes of code at `offset`. */
  read(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length);
  }

  /** The whole mapping, made once (only the pages being written or read are ever touched through it). */
  private get bytes(): Uint8Array {
    this.view ??= new Uint8Array(view(this.address, this.size));
    return this.view;
  }

  private view: Uint8Array | undefined;

  /** Names ranges `[start, start + size)` of this page for profilers (runtime/perf-map.ts); a string names the whole code (wasmjit's process-wide code). */
  name(ranges: ReadonlyArray<{ start: bigint; size: number; name: string }>): void;
  name(name: string): this;
  name(what: string | ReadonlyArray<{ start: bigint; size: number; name: string }>): this {
    this.named = true;
    nameCode(typeof what === 'string' ? [{ start: this.address, size: this.length, name: what }] : what);
    return this;
  }

  /**
   * Unmaps the pages; named pages only give their memory back and stay reserved, inaccessible: perf's
   * map cannot take a name back, and new code there would be reported under the old one's name.
   */
  unmap(): void {
    if (!this.named) {
      munmap(this.address, this.size);
      return;
    }
    mprotect(this.address, this.size, PROT_NONE);
    discardPages(this.address, this.size);
  }
}
