// Address ranges in native memory, read by the signal handler (signal-handler.ts) while any thread
// may fault: the code ranges of this thread's modules and the reservations of its guarded memories.
// The handler may run on another thread at any moment, so every write keeps the table readable:
// - a free slot is `(start = 2^64 - 1, end = 0)`, which no address is inside;
// - adding writes `start`, then `end`; removing writes `end = 0`, then `start = 2^64 - 1`: a reader
//   between the two stores sees an empty range either way;
// - a full table is copied into one twice its size, published by one aligned 8-byte store of its
//   address; the old one is never freed (a reader may still be inside it), which bounds the leak by
//   the size of the last table.
// Ranges are added after their pages are mapped and removed before they are unmapped, so a range in
// a table always covers pages this thread owns.
import { mmap, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';

/** Table layout: `[capacity][start, end] * capacity`, 8-byte words. */
const HEADER_WORDS = 1;
const ENTRY_WORDS = 2;
const FREE_START = -1n; // 2^64 - 1 as the handler reads it (unsigned compares)
const INITIAL_CAPACITY = 64;

export class RangeTable {
  private words: BigInt64Array;
  private readonly free: number[] = [];
  private used = 0;

  /** `publish(address)` stores the table's address where the handler reads it (atomically). */
  constructor(private readonly publish: (address: bigint) => void) {
    this.words = RangeTable.allocate(INITIAL_CAPACITY).words;
    publish(RangeTable.addressOf.get(this.words)!);
  }

  private static readonly addressOf = new WeakMap<BigInt64Array, bigint>();

  private static allocate(capacity: number): { words: BigInt64Array } {
    const bytes = roundToPages(8 * (HEADER_WORDS + ENTRY_WORDS * capacity));
    const address = mmap(bytes, PROT_READ | PROT_WRITE);
    const words = new BigInt64Array(view(address, bytes));
    for (let slot = 0; slot < capacity; slot++) words[HEADER_WORDS + ENTRY_WORDS * slot] = FREE_START;
    words[0] = BigInt(capacity);
    RangeTable.addressOf.set(words, address);
    return { words };
  }

  private get capacity(): number {
    return Number(this.words[0]);
  }

  /** Adds `[start, end)`; returns the slot that `remove` takes. */
  add(start: bigint, end: bigint): number {
    const slot = this.free.pop() ?? this.used++;
    if (slot >= this.capacity) this.grow();
    const at = HEADER_WORDS + ENTRY_WORDS * slot;
    Atomics.store(this.words, at, start);
    Atomics.store(this.words, at + 1, end);
    return slot;
  }

  remove(slot: number): void {
    const at = HEADER_WORDS + ENTRY_WORDS * slot;
    Atomics.store(this.words, at + 1, 0n);
    Atomics.store(this.words, at, FREE_START);
    this.free.push(slot);
  }

  private grow(): void {
    const old = this.words;
    const { words } = RangeTable.allocate(2 * this.capacity);
    words.set(old.subarray(HEADER_WORDS), HEADER_WORDS);
    this.words = words;
    this.publish(RangeTable.addressOf.get(words)!);
  }
}
