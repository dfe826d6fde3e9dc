// Linear memory: address space for the maximum size is reserved once with mmap(PROT_NONE) and
// committed with mprotect as the memory grows, so the base never moves and generated code can keep
// it in a register. Every context that uses the memory holds its base and current size; growing
// updates them all (a memory may be shared by instances through exports and imports).
import { Ctx, MAX_MEMORY_PAGES, WASM_PAGE_SIZE } from '../compiler/index.js';
import type { InstanceContext } from './context.js';
import { discardPages, mmap, mprotect, munmap, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE, view } from './libc.js';

/**
 * A guard page on each side of every reservation, never made accessible: defence in depth behind
 * the explicit bounds checks, so that no access just outside a memory can reach another mapping.
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
  private cachedBuffer: ArrayBuffer | undefined;
  private internalBytes: Uint8Array | undefined;
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
    const reservedBytes = Math.max(this.maximumPages * WASM_PAGE_SIZE, WASM_PAGE_SIZE);
    this.address = mmap(reservedBytes + 2 * MEMORY_GUARD_BYTES, PROT_NONE) + BigInt(MEMORY_GUARD_BYTES);
    const reservation = new Reservation(this.address, reservedBytes);
    this.reservation = reservation;
    this.lifetime = new Lifetime(this, (collected) => reservation.free(collected), !ownedByInstance);
    this.pages = 0;
    this.commit(initial);
  }

  get byteLength(): number {
    return this.pages * WASM_PAGE_SIZE;
  }

  get pageCount(): number {
    return this.pages;
  }

  /**
   * An ArrayBuffer over the memory: a new one after every growth, as in V8 (but the old one is not
   * detached: it goes on viewing the first bytes, which stay mapped while it is reachable).
   */
  get buffer(): ArrayBuffer {
    if (this.reservation.freed) throw new Error('wasmjit: this memory has been disposed');
    if (!this.cachedBuffer) {
      if (this.byteLength === 0) {
        this.cachedBuffer = new ArrayBuffer(0);
      } else {
        this.cachedBuffer = view(this.address, this.byteLength);
        this.reservation.handOut(this.cachedBuffer);
      }
    }
    return this.cachedBuffer;
  }

  /** The memory's bytes for the runtime's own use (segments, bulk operations); never handed out. */
  bytes(): Uint8Array {
    this.internalBytes ??= this.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(view(this.address, this.byteLength));
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
    }
    this.pages = pages;
    this.reservation.committedBytes = newBytes;
    this.cachedBuffer = undefined;
    this.internalBytes = undefined;
    for (const context of this.contexts) context.setField(Ctx.memorySize, newBytes);
  }
}

/**
 * The memory's address space and the ArrayBuffers over it that JS still holds: what freeing needs,
 * apart from the Memory, which a registry's value must not reference (it would never be collected).
 * A buffer may outlive its memory.
 */
class Reservation {
  committedBytes = 0;
  /**
   * ArrayBuffers handed to JS that are still reachable: they view the pages directly (they cannot
   * be detached), so the pages stay mapped until the last of them is collected.
   */
  private liveBuffers = 0;
  freed = false;
  private static readonly buffersCollected = new FinalizationRegistry<Reservation>((reservation) => reservation.bufferCollected());

  constructor(
    private readonly address: bigint,
    private readonly reservedBytes: number,
  ) {}

  handOut(buffer: ArrayBuffer): void {
    this.liveBuffers++;
    Reservation.buffersCollected.register(buffer, this);
  }

  /**
   * Without buffers in JS's hands everything goes at once. Otherwise the address space beyond the
   * committed pages goes now, and the pages themselves when the last buffer is collected. Until then
   * the buffers see the memory as it was if it was collected (as V8's do); a disposed memory's
   * contents are discarded at once (a stale buffer reads zeros).
   */
  free(collected: boolean): void {
    this.freed = true;
    const committed = this.committedBytes;
    if (this.liveBuffers === 0) {
      munmap(this.address - BigInt(MEMORY_GUARD_BYTES), this.reservedBytes + 2 * MEMORY_GUARD_BYTES);
      return;
    }
    munmap(this.address - BigInt(MEMORY_GUARD_BYTES), MEMORY_GUARD_BYTES);
    munmap(this.address + BigInt(committed), this.reservedBytes - committed + MEMORY_GUARD_BYTES);
    if (!collected && committed > 0) discardPages(this.address, committed);
  }

  private bufferCollected(): void {
    this.liveBuffers--;
    if (this.freed && this.liveBuffers === 0 && this.committedBytes > 0) munmap(this.address, this.committedBytes);
  }
}
