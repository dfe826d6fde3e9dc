// Table: a funcref table in native memory, shaped like WebAssembly.Table. Generated code reaches it
// through a descriptor `{entries, length}` whose address never changes; each entry is
// `{code, typeId, ctx}` (code 0 is null), so call_indirect checks the signature and enters the
// callee's instance without JS. The JS function objects are kept alongside for `get`.
import { TableDescriptor, TableEntry } from '../compiler/index.js';
import { wasmFunctionRef } from './functions.js';
import type { WasmFunctionRef } from './functions.js';
import { mmap, munmap, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';
import { RefCount, releaseWhenCollected } from './lifetime.js';
import type { Shared } from './lifetime.js';

export interface TableDescriptorInit {
  element: string;
  initial: number;
  maximum?: number;
}

const MAX_TABLE_LENGTH = 10_000_000;

export class Table {
  readonly descriptor: bigint;
  readonly maximum: number | undefined;
  private readonly descriptorView: BigInt64Array;
  private entries = 0n;
  private entriesBytes = 0;
  private entryView = new BigInt64Array(0);
  private elements: (object | null)[] = [];
  /** The instance each entry's code belongs to: an entry keeps its instance mapped. */
  private owners: (Shared | null)[] = [];
  /** The creator holds one reference (released when a JS-made table is collected); every instance using it another. */
  readonly lifetime = new RefCount(() => this.unmap());
  /** Entries of this instance's functions hold no reference (the instance owns the table: no cycle). */
  private ownerInstance: Shared | undefined;

  constructor(init: TableDescriptorInit) {
    if (init.element !== 'anyfunc' && init.element !== 'funcref') {
      throw new TypeError("WebAssembly.Table(): Descriptor property 'element' must be a WebAssembly reference type");
    }
    const initial = toLength(init.initial, 'initial');
    this.maximum = init.maximum === undefined ? undefined : toLength(init.maximum, 'maximum');
    if (this.maximum !== undefined && this.maximum < initial) {
      throw new RangeError("WebAssembly.Table(): Property 'maximum': value is below the initial value");
    }
    this.descriptor = mmap(roundToPages(TableDescriptor.size), PROT_READ | PROT_WRITE);
    this.descriptorView = new BigInt64Array(view(this.descriptor, TableDescriptor.size));
    this.resize(initial);
    releaseWhenCollected.register(this, this.lifetime, this);
  }

  /** A table an instance defines: the instance, not the garbage collector, holds the creator's reference. */
  static ownedByInstance(init: TableDescriptorInit, instance: Shared): Table {
    const table = new Table(init);
    releaseWhenCollected.unregister(table);
    table.ownerInstance = instance;
    return table;
  }

  get length(): number {
    return this.elements.length;
  }

  get(index: number): object | null {
    const i = this.checkIndex(index, 'get');
    return this.elements[i]!;
  }

  set(index: number, value: unknown = null): void {
    const i = this.checkIndex(index, 'set');
    if (value === null) {
      this.setEntry(i, null, null);
      return;
    }
    const ref = wasmFunctionRef(value);
    if (!ref) throw new TypeError('WebAssembly.Table.set(): Argument 1 is invalid for table: function-typed object expected');
    this.setEntry(i, ref, value as object);
  }

  grow(delta: number): number {
    const old = this.length;
    const n = toLength(delta, 'delta');
    if (old + n > (this.maximum ?? MAX_TABLE_LENGTH)) throw new RangeError(`WebAssembly.Table.grow(): failed to grow table by ${n}`);
    this.resize(old + n);
    return old;
  }

  /** Stores an entry: the native triple and the JS function object that `get` returns. */
  setEntry(index: number, ref: WasmFunctionRef | null, fn: object | null): void {
    const base = (index * TableEntry.size) / 8;
    this.entryView[base + TableEntry.code / 8] = ref ? ref.code : 0n;
    this.entryView[base + TableEntry.typeId / 8] = BigInt(ref ? ref.typeId : 0);
    this.entryView[base + TableEntry.ctx / 8] = ref ? ref.ctx : 0n;
    this.elements[index] = fn;
    const owner = ref && ref.owner !== this.ownerInstance ? ref.owner : null;
    owner?.retain();
    this.owners[index]?.release();
    this.owners[index] = owner;
  }

  private unmap(): void {
    for (const owner of this.owners) owner?.release();
    this.owners = [];
    if (this.entriesBytes > 0) munmap(this.entries, this.entriesBytes);
    munmap(this.descriptor, roundToPages(TableDescriptor.size));
  }

  private checkIndex(index: number, method: string): number {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`WebAssembly.Table.${method}(): invalid address ${String(index)} in funcref table of size ${this.length}`);
    }
    return i;
  }

  /** Moves the entries to a mapping of the new length (the descriptor stays where it is). */
  private resize(length: number): void {
    const bytes = roundToPages(Math.max(1, length) * TableEntry.size);
    if (bytes > this.entriesBytes) {
      const entries = mmap(bytes, PROT_READ | PROT_WRITE);
      const entryView = new BigInt64Array(view(entries, bytes));
      entryView.set(this.entryView);
      if (this.entriesBytes > 0) munmap(this.entries, this.entriesBytes);
      this.entries = entries;
      this.entriesBytes = bytes;
      this.entryView = entryView;
    }
    while (this.elements.length < length) {
      this.elements.push(null);
      this.owners.push(null);
    }
    this.descriptorView[TableDescriptor.entries / 8] = this.entries;
    this.descriptorView[TableDescriptor.length / 8] = BigInt(length);
  }
}

function toLength(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {
    throw new TypeError(`WebAssembly.Table(): Property '${what}' must be convertible to a valid number`);
  }
  return n;
}
