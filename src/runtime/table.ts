// Table: a table of references in native memory, shaped like WebAssembly.Table. Generated code
// reaches it through a descriptor `{entries, length}` whose address never changes; each entry is an
// 8-byte reference value (a funcref record address or an externref handle; 0 is null), so
// call_indirect checks the signature and enters the callee's instance without JS.
import { TableDescriptor } from '../compiler/index.js';
import type { RefType } from '../decode/index.js';
import { mmap, munmap, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';
import { enforceUint32, optionalUint32 } from './js-api.js';
import { Lifetime, releaseWhenCollected } from './lifetime.js';
import { referenceBits, referenceValue } from './values.js';
import { tableIndexOutOfBounds } from './v8-messages.js';

export interface TableDescriptorInit {
  element: string;
  initial: number;
  maximum?: number;
}

/** The longest table V8 allows. */
const MAX_TABLE_LENGTH = 10_000_000;

const ELEMENT_TYPES: Record<string, RefType> = { anyfunc: 'funcref', funcref: 'funcref', externref: 'externref' };

export class Table {
  readonly descriptor: bigint;
  readonly element: RefType;
  readonly maximum: number | undefined;
  /** A JS-made table holds its group until collected; an instance's own table is joined to the instance. */
  readonly lifetime: Lifetime;
  private readonly descriptorView: BigInt64Array;
  private entries = 0n;
  private entriesBytes = 0;
  private entryView = new BigInt64Array(0);
  private size = 0;

  constructor(init: TableDescriptorInit, value?: unknown, ownedByInstance = false) {
    const element = ELEMENT_TYPES[init.element];
    if (!element) throw new TypeError("WebAssembly.Table(): Descriptor property 'element' must be a WebAssembly reference type");
    this.element = element;
    const initial = enforceUint32(init.initial, "WebAssembly.Table(): Property 'initial'", MAX_TABLE_LENGTH);
    this.maximum = optionalUint32(init.maximum, "WebAssembly.Table(): Property 'maximum'");
    if (this.maximum !== undefined && this.maximum < initial) {
      throw new RangeError(`WebAssembly.Table(): Property 'maximum': value ${this.maximum} is below the lower bound ${initial}`);
    }
    this.lifetime = new Lifetime(() => this.unmap(), ownedByInstance ? 0 : 1);
    this.descriptor = mmap(roundToPages(TableDescriptor.size), PROT_READ | PROT_WRITE);
    this.descriptorView = new BigInt64Array(view(this.descriptor, TableDescriptor.size));
    const context = 'WebAssembly.Table(): Argument 2 must be undefined or a value of type compatible with the type of the new table: ';
    this.growRaw(initial, referenceBits(element, this.defaulted(value), this.lifetime, context, '.'));
    if (!ownedByInstance) releaseWhenCollected.register(this, this.lifetime, this);
  }

  get length(): number {
    return this.size;
  }

  get(index: number): unknown {
    this.assertAlive();
    return referenceValue(this.element, this.rawGet(this.checkIndex(index, 'get')));
  }

  set(index: number, value?: unknown): void {
    this.assertAlive();
    const i = this.checkIndex(index, 'set');
    this.rawSet(i, this.bitsOf(value, 'set'));
  }

  grow(delta: number, value?: unknown): number {
    this.assertAlive();
    const n = enforceUint32(delta, 'WebAssembly.Table.grow(): Argument 0');
    const old = this.growRaw(n, this.bitsOf(value, 'grow'));
    if (old < 0) throw new RangeError(`WebAssembly.Table.grow(): failed to grow table by ${n}`);
    return old;
  }

  rawGet(index: number): bigint {
    return this.entryView[index]!;
  }

  rawSet(index: number, bits: bigint): void {
    this.entryView[index] = bits;
  }

  /** Copies entries within this table or from another (memmove semantics); bounds already checked. */
  rawCopy(destination: number, source: Table, from: number, count: number): void {
    this.entryView.set(source.entryView.subarray(from, from + count), destination);
  }

  rawFill(index: number, bits: bigint, count: number): void {
    this.entryView.fill(bits, index, index + count);
  }

  /** table.grow: the old length, or -1 past the maximum. Entries move; the descriptor stays. */
  growRaw(delta: number, bits: bigint): number {
    const old = this.size;
    if (delta > (this.maximum ?? MAX_TABLE_LENGTH) - old) return -1;
    const length = old + delta;
    const bytes = roundToPages(Math.max(1, length) * 8);
    if (bytes > this.entriesBytes) {
      const entries = mmap(bytes, PROT_READ | PROT_WRITE);
      const entryView = new BigInt64Array(view(entries, bytes));
      entryView.set(this.entryView.subarray(0, old));
      if (this.entriesBytes > 0) munmap(this.entries, this.entriesBytes);
      this.entries = entries;
      this.entriesBytes = bytes;
      this.entryView = entryView;
    }
    this.entryView.fill(bits, old, length);
    this.size = length;
    this.descriptorView[TableDescriptor.entries / 8] = this.entries;
    this.descriptorView[TableDescriptor.length / 8] = BigInt(length);
    return old;
  }

  private assertAlive(): void {
    if (this.lifetime.isFreed) throw new Error('wasmjit: this table belongs to a disposed instance');
  }

  private unmap(): void {
    if (this.entriesBytes > 0) munmap(this.entries, this.entriesBytes);
    munmap(this.descriptor, roundToPages(TableDescriptor.size));
  }

  /** A missing value is null in a funcref table, undefined (a value like any other) in an externref one. */
  private defaulted(value: unknown): unknown {
    return value === undefined && this.element === 'funcref' ? null : value;
  }

  /** A JS value as an entry; a function joins this table's lifetime (generated code may call it). */
  private bitsOf(value: unknown, method: string): bigint {
    return referenceBits(this.element, this.defaulted(value), this.lifetime, `WebAssembly.Table.${method}(): Argument 1 is invalid for table: `);
  }

  private checkIndex(index: unknown, method: 'get' | 'set'): number {
    const i = enforceUint32(index, `WebAssembly.Table.${method}(): Argument 0`);
    if (i >= this.size) throw new RangeError(tableIndexOutOfBounds(method, i, this.element, this.size));
    return i;
  }
}
