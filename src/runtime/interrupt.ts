// Interrupting an instance from any thread of the process: its own (a host function, or before a
// call), a worker the user gave the instance's handle, or the deadline watchdog (watchdog.ts).
// Requesting an interrupt sets the context's interrupt flag, then raises its stack limit to all
// ones, which stops the code at its next function entry or loop start (compiler/metering.ts).
//
// The handle is a SharedArrayBuffer (a worker gets it through postMessage): the context's address
// and a lock word. Whoever writes the flag and the limit holds the lock, so the owner's clearing of
// an interrupt and the unmapping of the context never interleave with a request; a freed cell
// refuses requests, and a worker's handle never reaches unmapped memory.
import { Ctx } from '../compiler/abi.js';
import { view } from './libc.js';

/** What another thread needs to interrupt an instance (`Instance.interruptHandle`); cloneable. */
export interface InterruptHandle {
  readonly cell: SharedArrayBuffer;
}

/** Int32 words of a cell, then the context's address (BigInt64 at byte 8). */
const Word = { lock: 0 } as const;
const CONTEXT_BYTE = 8;
const CELL_BYTES = 16;
const enum Lock {
  Idle = 0,
  Held = 1,
  Freed = 2,
}
/** The context's fields an interrupt writes, as 8-byte slots of the context's first bytes. */
const FIELDS_BYTES = Math.max(Ctx.interrupt, Ctx.stackLimit) + 8;
const ALL_ONES = -1n;

/**
 * Requests an interrupt of the instance behind `handle`: its running call (or, when none runs,
 * its next one) throws `RuntimeError: interrupted`. Returns false when the instance is gone, or
 * when `stillWanted` (asked under the lock: the watchdog's "is the call still running?") says no.
 */
export function interrupt(handle: InterruptHandle, stillWanted?: () => boolean): boolean {
  const lock = new Int32Array(handle.cell, 0, 1);
  if (!acquire(lock)) return false;
  try {
    if (stillWanted && !stillWanted()) return false;
    const context = new BigInt64Array(handle.cell, CONTEXT_BYTE, 1)[0]!;
    const fields = new BigInt64Array(view(context, FIELDS_BYTES));
    // The flag first: a stack check that fails on the limit must find it set.
    fields[Ctx.interrupt / 8] = 1n;
    fields[Ctx.stackLimit / 8] = ALL_ONES;
  } finally {
    Atomics.store(lock, Word.lock, Lock.Idle);
  }
  return true;
}

/** Whether the instance behind `handle` is gone (its context unmapped). */
export function isFreed(handle: InterruptHandle): boolean {
  return Atomics.load(new Int32Array(handle.cell, 0, 1), Word.lock) === Lock.Freed;
}

/** Takes the lock, waiting out a holder (a request takes microseconds); false once the cell is freed. */
function acquire(lock: Int32Array): boolean {
  for (;;) {
    const seen = Atomics.compareExchange(lock, Word.lock, Lock.Idle, Lock.Held);
    if (seen === Lock.Idle) return true;
    if (seen === Lock.Freed) return false;
  }
}

/** The owner's side of an instance's interrupt handle. */
export class InterruptCell {
  readonly handle: InterruptHandle;
  private readonly lock: Int32Array;

  constructor(
    /** The context's views' 64-bit slots, and the stack limit its code runs with. */
    private readonly fields: BigInt64Array,
    private readonly stackLimit: bigint,
    context: bigint,
  ) {
    const cell = new SharedArrayBuffer(CELL_BYTES);
    new BigInt64Array(cell, CONTEXT_BYTE, 1)[0] = context;
    this.lock = new Int32Array(cell, 0, 1);
    this.handle = Object.freeze({ cell });
  }

  get requested(): boolean {
    return this.fields[Ctx.interrupt / 8] !== 0n;
  }

  /** Clears a request: the limit back, then the flag, under the lock (a request never lands between). */
  clear(): void {
    if (!acquire(this.lock)) return;
    this.fields[Ctx.stackLimit / 8] = this.stackLimit;
    this.fields[Ctx.interrupt / 8] = 0n;
    Atomics.store(this.lock, Word.lock, Lock.Idle);
  }

  /** Before the context is unmapped: requests from now on find the cell freed. */
  free(): void {
    acquire(this.lock);
    Atomics.store(this.lock, Word.lock, Lock.Freed);
  }
}
