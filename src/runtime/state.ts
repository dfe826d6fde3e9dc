// Process-wide runtime state: the native block generated code addresses absolutely (the innermost
// entry's stack pointer), the stack limit, the one koffi callback through which all host calls
// arrive, and the exception a host function threw while native code was running.
import koffi from 'koffi';
import { EntrySlot, RuntimeState, TrapCode } from '../compiler/index.js';
import { Assembler, Reg } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { mmap, NATIVE_STACK_SIZE, PROT_READ, PROT_WRITE, roundToPages, view } from './libc.js';

/** Handles `hostCall(ctx, index)` for one instance: returns 0 or a trap code, or throws. */
export type HostCallHandler = (index: number) => number;

export const runtimeStateAddress: bigint = mmap(roundToPages(RuntimeState.size), PROT_READ | PROT_WRITE);
const stateSlots = new BigInt64Array(view(runtimeStateAddress, roundToPages(RuntimeState.size)));

const freeEntrySlots: number[] = [];
let nextEntrySlot = 0;

/**
 * Claims an entry slot for calling `fn` in `ctx` with `argCount` arguments from JS, through `entry`
 * (the module's entry trampoline) or the fast entry, which calls `entry`.
 */
export function allocateEntrySlot(ctx: bigint, fn: bigint, argCount: number, entry: bigint): number {
  const slot = freeEntrySlots.pop() ?? nextEntrySlot++;
  if (slot >= RuntimeState.maxEntries) throw new RangeError(`wasmjit: more than ${RuntimeState.maxEntries} functions handed to JS at once`);
  const base = (RuntimeState.entries + EntrySlot.size * slot) / 8;
  stateSlots[base + EntrySlot.ctx / 8] = ctx;
  stateSlots[base + EntrySlot.fn / 8] = fn;
  stateSlots[base + EntrySlot.argCount / 8] = BigInt(argCount);
  stateSlots[base + EntrySlot.entry / 8] = entry;
  return slot;
}

/** Points an entry slot at other code for the same function (a lazy function, once compiled). */
export function setEntrySlotFunction(slot: number, fn: bigint): void {
  stateSlots[(RuntimeState.entries + EntrySlot.size * slot + EntrySlot.fn) / 8] = fn;
}

/** Where fast calls may put wasm frames on the JS thread's stack: `[limit, limit + span)`. */
export function setFastStack(limit: bigint, span: bigint): void {
  stateSlots[RuntimeState.fastStackLimit / 8] = limit;
  stateSlots[RuntimeState.fastStackSpan / 8] = span;
}

/** Calls through the fast entry so far, and how many of them came through the slow callback. */
export function fastEntryCounts(): { entries: number; slowCallbacks: number } {
  return {
    entries: Number(stateSlots[RuntimeState.fastEntries / 8]),
    slowCallbacks: Number(stateSlots[RuntimeState.slowCallbacks / 8]),
  };
}

export function releaseEntrySlot(slot: number): void {
  freeEntrySlots.push(slot);
}

/** What wasm frames may use of koffi's stack; the rest is left for koffi's own frames. */
const STACK_BUDGET = NATIVE_STACK_SIZE - 1024 * 1024;

/**
 * koffi runs every synchronous native call on its own stack, at the same depth each time: measure
 * it once, and keep every wasm frame within STACK_BUDGET below it (nested entries included).
 */
function measureStackLimit(): bigint {
  const asm = new Assembler();
  asm.movRR(64, Reg.rax, Reg.rsp);
  asm.ret();
  const page = CodePage.map(asm.finish());
  try {
    const readStackPointer = koffi.decode(page.address, koffi.proto('uint64_t wasmjit_rsp(void)')) as () => number | bigint;
    return BigInt(readStackPointer()) - BigInt(STACK_BUDGET);
  } finally {
    page.unmap();
  }
}

export const stackLimit: bigint = measureStackLimit();

/**
 * Held weakly, so that the table does not keep instances alive (each instance keeps its handler): a
 * context is reachable only from the native code of a live link group, whose instances are then alive.
 */
const handlers = new Map<bigint, WeakRef<HostCallHandler>>();

/** The exception a host call ended with, until the export that was running rethrows it. */
let pending: { error: unknown } | undefined;

const HOST_CALL_PROTO = koffi.proto('int wasmjit_host_call(uint64_t ctx, int index)');
const HOST_EXCEPTION: number = TrapCode.HostException;

/**
 * Nothing may escape back into koffi: it would hand native code a meaningless result. So every
 * exception — the host function's, or a RangeError from a JS stack that runs out — is parked here,
 * with nothing but an assignment (a call could itself run out of stack), and native code unwinds.
 */
const hostCallCallback = koffi.register((ctx: number | bigint, index: number): number => {
  try {
    const handler = handlers.get(BigInt(ctx))?.deref();
    if (!handler) throw new Error(`wasmjit: host call from an unknown instance context 0x${BigInt(ctx).toString(16)}`);
    return handler(index);
  } catch (error) {
    pending = { error };
    return HOST_EXCEPTION;
  }
}, koffi.pointer(HOST_CALL_PROTO));

export const hostCallAddress: bigint = BigInt(koffi.address(hostCallCallback));

export function registerHostCalls(ctx: bigint, handler: HostCallHandler): void {
  handlers.set(ctx, new WeakRef(handler));
}

export function unregisterHostCalls(ctx: bigint): void {
  handlers.delete(ctx);
}

/** The exception parked by the host call that made native code unwind. */
export function takeParkedException(): unknown {
  const parked = pending;
  pending = undefined;
  return parked ? parked.error : new Error('wasmjit: a host call failed without an exception');
}

/** The PCs the last trap recorded, innermost first (see compiler/entry.ts `emitTrapWalk`); 0 is a PC not known. */
export function lastTrapPcs(): bigint[] {
  const count = Math.min(Number(stateSlots[RuntimeState.trapFrameCount / 8]), RuntimeState.maxTrapFrames);
  const first = RuntimeState.trapFrames / 8;
  return Array.from(stateSlots.subarray(first, first + count), (pc) => BigInt.asUintN(64, pc));
}
