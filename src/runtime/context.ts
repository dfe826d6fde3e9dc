// The instance context: one block of native read-write memory per instance, laid out as in
// compiler/abi.ts, with typed views through which JS writes arguments and reads results.
import { Ctx } from '../compiler/index.js';
import type { ContextLayout } from '../compiler/index.js';
import { mmap, munmap, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';
import { hostCallAddress, stackLimit } from './state.js';
import { slotViews } from './values.js';
import type { SlotViews } from './values.js';

export class InstanceContext {
  readonly address: bigint;
  private readonly size: number;
  readonly views: SlotViews;

  constructor(readonly layout: ContextLayout) {
    this.size = roundToPages(layout.size);
    this.address = mmap(this.size, PROT_READ | PROT_WRITE);
    this.views = slotViews(view(this.address, this.size));
    this.setField(Ctx.stackLimit, stackLimit);
    this.setField(Ctx.hostCall, hostCallAddress);
  }

  /** Writes a 64-bit field at a byte offset (pointers, sizes). */
  setField(offset: number, value: bigint | number): void {
    this.views.int64[offset / 8] = BigInt(value);
  }

  field(offset: number): bigint {
    return this.views.int64[offset / 8]!;
  }

  /** Slot index (8-byte units) of a byte offset. */
  static slot(offset: number): number {
    return offset / 8;
  }

  unmap(): void {
    munmap(this.address, this.size);
  }
}
