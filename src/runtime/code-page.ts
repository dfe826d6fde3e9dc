// Executable code pages under W^X: written while read-write, then read-execute, never both.
import { mmap, mprotect, munmap, PROT_EXEC, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';

export class CodePage {

  private constructor(
    readonly address: bigint,
    readonly size: number,
  ) {}

  /** Copies `code` into fresh pages and makes them executable. */
  static map(code: Uint8Array): CodePage {
    const size = roundToPages(code.length);
    const address = mmap(size, PROT_READ | PROT_WRITE);
    try {
      new Uint8Array(view(address, size)).set(code);
      mprotect(address, size, PROT_READ | PROT_EXEC);
    } catch (err) {
      munmap(address, size);
      throw err;
    }
    return new CodePage(address, size);
  }

  unmap(): void {
    munmap(this.address, this.size);
  }
}
