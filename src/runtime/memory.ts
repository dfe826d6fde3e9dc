// Linear memory: address space for the maximum size is reserved once with mmap(PROT_NONE) and
// committed with mprotect as the memory grows, so the base never moves and generated code can keep
// it in a register. Every context that uses the memory holds its base and current size; growing
// updates them all (a memory may be shared by instances through exports and imports).
import { Ctx, MAX_MEMORY_PAGES, WASM_PAGE_SIZE } from '../compiler/index.js';
import type { InstanceContext } from './context.js';
import { discardPages, mmap, mprotect, munmap, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE } from './libc.js';
import { memoryBuffers } from './memory-buffers.js';
import { boundsChecks, GUARDED_RESERVATION_BYTES, registerReservation } from './signal-handler.js';

/**
 * A guard page on each side of every reservation, never made accessible: defence in depth behind
 * the explicit bounds checks, so that no access just outside a memory can reach another mapping;
 * after a guarded reservation, the room for the bytes of an access that starts below 8 GiB.
 */
export const MEMORY_GUARD_BYTES = PAGE_SIZE;
import { enforceUint32, optionalUint32 } from './js-api.js';
import { Lifetime } from './lifetime.js';

export interface MemoryDescriptor {
  initial: number;
  maximum?: number;
}

export class Memory {
  readonly address: bigint;
  /** The declared maximum in pages, if any. */
  readonly maximum: number | undefined;
  /** Pages the memory may grow to (its declared maximum, or the engine's cap). */
  readonly maximumPages: number;
  private pages: number;
  private readonly reservation: Reservation;
  private readonly contexts = new Set<InstanceContext>();
  private internalBytes: Uint8Array | undefined;
  /**
   * The committed bytes reported to V8 as external memory (memory-buffers.ts), until this object is
   * collected: V8 counts its own wasm memory's bytes while the memory's object lives, and collects
   * garbage sooner for them — garbage that here also holds koffi's native memory.
   */
  private readonly reported = { bytes: 0 };
  private static readonly reportedCollected = new FinalizationRegistry<{ bytes: number }>((reported) =>
    memoryBuffers.reportExternalMemory(-reported.bytes),
  );
  /** A JS-made memory holds its group until collected; an instance's own memory is joined to the instance. */
  readonly lifetime: Lifetime;

  constructor(descriptor: MemoryDescriptor, pageCap = MAX_MEMORY_PAGES, ownedByInstance = false) {
    const initial = enforceUint32(descriptor.initial, "WebAssembly.Memory(): Property 'initial'", MAX_MEMORY_PAGES);
    const maximum = optionalUint32(descriptor.maximum, "WebAssembly.Memory(): Property 'maximum'", MAX_MEMORY_PAGES);
    if (maximum !== undefined && maximum < initial) {
      throw new RangeError(`WebAssembly.Memory(): Property 'maximum': value ${maximum} is below the lower bound ${initial}`);
    }
    if (initial > pageCap) throw new RangeError(`WebAssembly.Memory(): could not allocate memory of ${initial} pages (the cap is ${pageCap})`);
    this.maximum = maximum;
    this.maximumPages = Math.min(maximum ?? MAX_MEMORY_PAGES, pageCap);
    // With guard regions every memory is reserved for code without bounds checks (the mode is fixed
    // per thread, so any module here may be such code): its accesses outside the committed pages
    // fault inside the reservation, into the handler (signal-handler.ts).
    const guarded = boundsChecks() === 'guard';
    const reservedBytes = guarded ? GUARDED_RESERVATION_BYTES : Math.max(this.maximumPages * WASM_PAGE_SIZE, WASM_PAGE_SIZE);
    const mapping = mmap(reservedBytes + 2 * MEMORY_GUARD_BYTES, PROT_NONE);
    this.address = mapping + BigInt(MEMORY_GUARD_BYTES);
    const reservation = new Reservation(this.address, reservedBytes, registerReservation(mapping, reservedBytes + 2 * MEMORY_GUARD_BYTES));
    this.reservation = reservation;
    this.lifetime = new Lifetime(this, (collected) => reservation.free(collected), !ownedByInstance);
    this.pages = 0;
    Memory.reportedCollected.register(this, this.reported);
    this.commit(initial);
  }

  get byteLength(): number {
    return this.pages * WASM_PAGE_SIZE;
  }

  get pageCount(): number {
    return this.pages;
  }

  /**
   * An ArrayBuffer over the memory, as in V8: the same one until the memory grows (by any number of
   * pages, 0 included); then it is detached and the next access makes a new one.
   */
  get buffer(): ArrayBuffer {
    if (this.reservation.freed) throw new Error('wasmjit: this memory has been disposed');
    return this.reservation.buffer();
  }

  /** The memory's bytes for the runtime's own use (segments, bulk operations); never handed out. */
  bytes(): Uint8Array {
    this.internalBytes ??= new Uint8Array(memoryBuffers.create(this.address, this.byteLength));
    return this.internalBytes;
  }

  /** JS API grow: returns the old size in pages, throws RangeError past the maximum. */
  grow(delta: number): number {
    const pages = enforceUint32(delta, 'WebAssembly.Memory.grow(): Argument 0');
    const old = this.growPages(pages);
    if (old >= 0) return old;
    const pastDeclared = this.maximum !== undefined && this.pages + pages > this.maximum;
    throw new RangeError(`WebAssembly.Memory.grow(): ${pastDeclared ? 'Maximum memory size exceeded' : 'Unable to grow instance memory'}`);
  }

  /** memory.grow: the old size in pages, or -1 when the memory cannot grow by `delta` pages. */
  growPages(delta: number): number {
    if (this.reservation.freed) throw new Error('wasmjit: this memory has been disposed');
    const old = this.pages;
    if (delta > this.maximumPages - old) return -1;
    this.reservation.retireBuffer();
    this.internalBytes = undefined;
    this.commit(old + delta);
    return old;
  }

  /** An instance's context follows the memory's base and size from now on (both are freed with their group). */
  attach(context: InstanceContext): void {
    this.contexts.add(context);
    context.setField(Ctx.memoryBase, this.address);
    context.setField(Ctx.memorySize, this.byteLength);
  }

  private commit(pages: number): void {
    const oldBytes = this.byteLength;
    const newBytes = pages * WASM_PAGE_SIZE;
    if (newBytes > oldBytes) {
      mprotect(this.address + BigInt(oldBytes), newBytes - oldBytes, PROT_READ | PROT_WRITE);
      memoryBuffers.reportExternalMemory(newBytes - oldBytes);
      this.reported.bytes += newBytes - oldBytes;
    }
    this.pages = pages;
    this.reservation.committedBytes = newBytes;
    for (const context of this.contexts) context.setField(Ctx.memorySize, newBytes);
  }
}

/**
 * The memory's address space and the ArrayBuffers over it: what freeing needs, apart from the
 * Memory, which a registry's value must not reference (the Memory would never be collected). A buffer
 * may outlive its memory, as in V8: when the memory is collected, the pages a buffer still views stay
 * as they were until the last such buffer is collected.
 */
class Reservation {
  committedBytes = 0;
  freed = false;
  /** The buffer handed out for the current size (replaced after a grow). */
  private current: ArrayBuffer | undefined;
  /** Buffers handed out that still view the pages (not detached) and are not collected yet. */
  private viewing = 0;
  /**
   * JS transferred a buffer away (V8 refuses that for a wasm memory's buffer; the API cannot): the
   * new buffer views the pages out of the memory's reach, so they stay mapped for good.
   */
  private transferred = false;
  private static readonly buffersCollected = new FinalizationRegistry<Reservation>((reservation) => reservation.bufferCollected());

  constructor(
    private readonly address: bigint,
    private readonly reservedBytes: number,
    /** Takes the reservation out of the signal handler's table (before it is unmapped). */
    private readonly unregister: () => void,
  ) {}

  buffer(): ArrayBuffer {
    this.noticeTransfer();
    if (!this.current) {
      this.current = memoryBuffers.create(this.address, this.committedBytes);
      if (this.committedBytes > 0) {
        this.viewing++;
        Reservation.buffersCollected.register(this.current, this, this.current);
      }
    }
    return this.current;
  }

  /** After a grow, and on dispose: the buffer handed out is detached (where buffers can be) and dropped. */
  retireBuffer(): void {
    this.noticeTransfer();
    const buffer = this.current;
    this.current = undefined;
    if (!buffer || !memoryBuffers.detaches) return;
    memoryBuffers.detach(buffer);
    if (Reservation.buffersCollected.unregister(buffer)) this.viewing--;
  }

  /**
   * Disposed: the buffer handed out is detached, and without other viewers everything goes at once;
   * a viewer left (buffers that cannot be detached, one transferred away) keeps the committed pages,
   * their contents discarded (a stale buffer reads zeros). Collected: the buffers keep what they see.
   */
  free(collected: boolean): void {
    this.freed = true;
    this.unregister();
    if (collected) {
      // The registry holds this reservation, which must not hold the buffer it waits for.
      this.noticeTransfer();
      this.current = undefined;
    } else {
      this.retireBuffer();
    }
    const committed = this.committedBytes;
    if (this.viewing === 0 && !this.transferred) {
      munmap(this.address - BigInt(MEMORY_GUARD_BYTES), this.reservedBytes + 2 * MEMORY_GUARD_BYTES);
      return;
    }
    munmap(this.address - BigInt(MEMORY_GUARD_BYTES), MEMORY_GUARD_BYTES);
    munmap(this.address + BigInt(committed), this.reservedBytes - committed + MEMORY_GUARD_BYTES);
    if (!collected && committed > 0) discardPages(this.address, committed);
  }

  private bufferCollected(): void {
    this.viewing--;
    if (this.freed && this.viewing === 0 && !this.transferred && this.committedBytes > 0) munmap(this.address, this.committedBytes);
  }

  /** A buffer handed out that is empty while the memory is not was transferred away by JS. */
  private noticeTransfer(): void {
    if (this.current?.byteLength === 0 && this.committedBytes > 0) {
      this.transferred = true;
      this.current = undefined;
    }
  }
}

