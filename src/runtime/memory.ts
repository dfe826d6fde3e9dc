// Linear memory: address space for the maximum size is reserved once with mmap(PROT_NONE) and
// committed with mprotect as the memory grows, so the base never moves and generated code can keep
// it in a register. Every context that uses the memory holds its base and current size; growing
// updates them all (a memory may be shared by instances through exports and imports).
import { Ctx, MAX_MEMORY_PAGES, WASM_PAGE_SIZE } from '../compiler/index.js';
import type { InstanceContext } from './context.js';
import { mmap, mprotect, munmap, PROT_NONE, PROT_READ, PROT_WRITE, view } from './libc.js';
import { RefCount, releaseWhenCollected } from './lifetime.js';

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
  /** The creator holds one reference (released when a JS-made memory is collected); every instance using it another. */
  readonly lifetime = new RefCount(() => this.unmap());

  constructor(descriptor: MemoryDescriptor, pageCap = MAX_MEMORY_PAGES) {
    const initial = toPageCount(descriptor.initial, 'initial');
    const maximum = descriptor.maximum === undefined ? undefined : toPageCount(descriptor.maximum, 'maximum');
    if (maximum !== undefined && maximum < initial) {
      throw new RangeError('WebAssembly.Memory(): Property \'maximum\': value is below the initial value');
    }
    if (initial > pageCap) throw new RangeError(`WebAssembly.Memory(): could not allocate memory of ${initial} pages (the cap is ${pageCap})`);
    this.maximum = maximum;
    this.maximumPages = Math.min(maximum ?? MAX_MEMORY_PAGES, pageCap);
    this.reservedBytes = Math.max(this.maximumPages * WASM_PAGE_SIZE, WASM_PAGE_SIZE);
    this.address = mmap(this.reservedBytes, PROT_NONE);
    this.pages = 0;
    this.commit(initial);
    releaseWhenCollected.register(this, this.lifetime, this);
  }

  /** A memory an instance defines: the instance, not the garbage collector, holds the creator's reference. */
  static ownedByInstance(descriptor: MemoryDescriptor, pageCap?: number): Memory {
    const memory = new Memory(descriptor, pageCap);
    releaseWhenCollected.unregister(memory);
    return memory;
  }

  get byteLength(): number {
    return this.pages * WASM_PAGE_SIZE;
  }

  get pageCount(): number {
    return this.pages;
  }

  /** An ArrayBuffer over the memory (a new one after every growth, as in V8). */
  get buffer(): ArrayBuffer {
    if (this.lifetime.released) throw new Error('wasmjit: this memory has been disposed');
    this.cachedBuffer ??= this.byteLength === 0 ? new ArrayBuffer(0) : view(this.address, this.byteLength);
    return this.cachedBuffer;
  }

  /** JS API grow: returns the old size in pages, throws RangeError past the maximum. */
  grow(delta: number): number {
    const pages = toPageCount(delta, 'delta');
    const old = this.growPages(pages);
    if (old < 0) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    return old;
  }

  /** memory.grow: the old size in pages, or -1 when the memory cannot grow by `delta` pages. */
  growPages(delta: number): number {
    const old = this.pages;
    if (delta > this.maximumPages - old) return -1;
    if (delta > 0) this.commit(old + delta);
    return old;
  }

  /** An instance starts using the memory: it holds a reference until `detach`. */
  attach(context: InstanceContext): void {
    this.lifetime.retain();
    this.contexts.add(context);
    context.setField(Ctx.memoryBase, this.address);
    context.setField(Ctx.memorySize, this.byteLength);
  }

  detach(context: InstanceContext): void {
    this.contexts.delete(context);
    this.lifetime.release();
  }

  private unmap(): void {
    this.cachedBuffer = undefined;
    munmap(this.address, this.reservedBytes);
  }

  private commit(pages: number): void {
    const oldBytes = this.byteLength;
    const newBytes = pages * WASM_PAGE_SIZE;
    if (newBytes > oldBytes) {
      mprotect(this.address + BigInt(oldBytes), newBytes - oldBytes, PROT_READ | PROT_WRITE);
    }
    this.pages = pages;
    this.cachedBuffer = undefined;
    for (const context of this.contexts) context.setField(Ctx.memorySize, newBytes);
  }
}

function toPageCount(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {
    throw new TypeError(`WebAssembly.Memory(): Property '${what}' must be convertible to a valid number`);
  }
  return n;
}
