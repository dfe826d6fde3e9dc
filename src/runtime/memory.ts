// Linear memory: address space for the maximum size is reserved once with mmap(PROT_NONE) and
// committed with mprotect as the memory grows, so the base never moves and generated code can keep
// it in a register. Every context that uses the memory holds its base and current size; growing
// updates them all (a memory may be shared by instances through exports and imports).
import { Ctx, MAX_MEMORY_PAGES, WASM_PAGE_SIZE } from '../compiler/index.js';
import type { InstanceContext } from './context.js';
import { discardPages, mmap, mprotect, munmap, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE } from './libc.js';
import { memoryBuffers } from './memory-buffers.js';

/**
 * A guard page on each side of every reservation, never made accessible: defence in depth behind
 * the explicit bounds checks, so that no access just outside a memory can reach another mapping.
 */
export const MEMORY_GUARD_BYTES = PAGE_SIZE;
import { enforceUint32, optionalUint32 } from './js-api.js';
import { Lifetime, releaseWhenCollected } from './lifetime.js';

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
  private readonly reservedBytes: number;
  private readonly contexts = new Set<InstanceContext>();
  private cachedBuffer: ArrayBuffer | undefined;
  private internalBytes: Uint8Array | undefined;
  /**
   * Where buffers cannot be detached (memory-buffers.ts), those handed to JS and not yet collected:
   * they view the pages, which stay mapped until the last of them is collected.
   */
  private liveBuffers = 0;
  /**
   * JS transferred a buffer away (V8 refuses that for a wasm memory's buffer; the API cannot): the
   * new buffer views the pages out of the memory's reach, so they stay mapped for good.
   */
  private bufferTransferred = false;
  private freed = false;
  /**
   * The committed bytes reported to V8 as external memory (memory-buffers.ts), until this object is
   * collected: V8 counts its own wasm memory's bytes while the memory's object lives, and collects
   * garbage sooner for them — garbage that here also holds koffi's native memory.
   */
  private readonly reported = { bytes: 0 };
  private static readonly reportedCollected = new FinalizationRegistry<{ bytes: number }>((reported) =>
    memoryBuffers.reportExternalMemory(-reported.bytes),
  );
  private static readonly buffersCollected = new FinalizationRegistry<Memory>((memory) => memory.bufferCollected());
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
    this.reservedBytes = Math.max(this.maximumPages * WASM_PAGE_SIZE, WASM_PAGE_SIZE);
    this.address = mmap(this.reservedBytes + 2 * MEMORY_GUARD_BYTES, PROT_NONE) + BigInt(MEMORY_GUARD_BYTES);
    this.lifetime = new Lifetime(() => this.free(), ownedByInstance ? 0 : 1);
    this.pages = 0;
    Memory.reportedCollected.register(this, this.reported);
    this.commit(initial);
    if (!ownedByInstance) releaseWhenCollected.register(this, this.lifetime, this);
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
    if (this.freed) throw new Error('wasmjit: this memory has been disposed');
    this.forgetTransferredBuffer();
    if (!this.cachedBuffer) {
      this.cachedBuffer = memoryBuffers.create(this.address, this.byteLength);
      if (!memoryBuffers.detaches && this.byteLength > 0) {
        this.liveBuffers++;
        Memory.buffersCollected.register(this.cachedBuffer, this);
      }
    }
    return this.cachedBuffer;
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
    if (this.freed) throw new Error('wasmjit: this memory has been disposed');
    const old = this.pages;
    if (delta > this.maximumPages - old) return -1;
    this.retireBuffers();
    this.commit(old + delta);
    return old;
  }

  /** An instance's context follows the memory's base and size from now on (until `detach`). */
  attach(context: InstanceContext): void {
    this.contexts.add(context);
    context.setField(Ctx.memoryBase, this.address);
    context.setField(Ctx.memorySize, this.byteLength);
  }

  detach(context: InstanceContext): void {
    this.contexts.delete(context);
  }

  /**
   * The buffer handed out is detached, and then nothing in JS views the pages: everything goes at
   * once. Otherwise (buffers that cannot be detached, or one transferred away) the address space
   * beyond the committed pages goes now, the committed pages' memory is discarded (a stale buffer
   * reads zeros), and the pages themselves go when the last buffer is collected.
   */
  private free(): void {
    this.freed = true;
    this.retireBuffers();
    if (this.liveBuffers === 0 && !this.bufferTransferred) {
      munmap(this.address - BigInt(MEMORY_GUARD_BYTES), this.reservedBytes + 2 * MEMORY_GUARD_BYTES);
      return;
    }
    const committed = this.byteLength;
    munmap(this.address - BigInt(MEMORY_GUARD_BYTES), MEMORY_GUARD_BYTES);
    munmap(this.address + BigInt(committed), this.reservedBytes - committed + MEMORY_GUARD_BYTES);
    if (committed > 0) discardPages(this.address, committed);
  }

  private bufferCollected(): void {
    this.liveBuffers--;
    if (this.freed && this.liveBuffers === 0 && !this.bufferTransferred && this.byteLength > 0) munmap(this.address, this.byteLength);
  }

  /** A buffer handed out that is empty while the memory is not was transferred away by JS. */
  private forgetTransferredBuffer(): void {
    if (this.cachedBuffer?.byteLength === 0 && this.byteLength > 0) {
      this.bufferTransferred = true;
      this.cachedBuffer = undefined;
    }
  }

  /** Detaches the buffer handed out (which V8's ArrayBuffer sweeper then forgets at once) and drops both. */
  private retireBuffers(): void {
    this.forgetTransferredBuffer();
    if (this.cachedBuffer && memoryBuffers.detaches) memoryBuffers.detach(this.cachedBuffer);
    this.cachedBuffer = undefined;
    this.internalBytes = undefined;
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
    for (const context of this.contexts) context.setField(Ctx.memorySize, newBytes);
  }
}
