// The instance context: one block of native read-write memory per instance, laid out as in
// compiler/abi.ts, with typed views through which JS writes arguments and reads results.
import { Ctx } from '../compiler/index.js';
import type { ContextLayout } from '../compiler/index.js';
import { mmap, munmap, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';

export class InstanceContext {
  readonly address: bigint;
  private readonly size: number;
  readonly int32: Int32Array;
  readonly int64: BigInt64Array;
  /** Index of argument 0 / result 0 in the 64-bit view (the 32-bit index is twice that). */
  readonly argsIndex: number;
  readonly resultsIndex = Ctx.results / 8;
  private mapped = true;

  constructor(layout: ContextLayout) {
    this.size = roundToPages(layout.size);
    this.address = mmap(this.size, PROT_READ | PROT_WRITE);
    const buffer = view(this.address, this.size);
    this.int32 = new Int32Array(buffer);
    this.int64 = new BigInt64Array(buffer);
    this.argsIndex = layout.argsOffset / 8;
  }

  get isMapped(): boolean {
    return this.mapped;
  }

  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    munmap(this.address, this.size);
  }
}
