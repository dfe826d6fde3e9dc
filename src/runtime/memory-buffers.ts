// How a memory makes ArrayBuffers over its pages and detaches them after a grow, as V8 does. Chosen
// once per thread at load, the first route that exists and passes a self-test on a scratch page:
//   v8-api          buffers made with V8's C++ API (v8-array-buffer.ts): not counted as external
//                   memory (the memory reports its committed bytes instead, as V8 counts a wasm
//                   memory's), detached by the memory only;
//   koffi-transfer  koffi views (napi external buffers, counted in full), detached with
//                   `ArrayBuffer.prototype.transfer(0)` (Node ≥ 21: no copy for a length of 0);
//   koffi           koffi views that cannot be detached (the memory then keeps pages mapped while
//                   a buffer over them is reachable).
// `WASMJIT_MEMORY_BUFFERS=koffi-transfer|koffi` skips the routes before it; `NODE_DEBUG=wasmjit`
// prints the route taken and why the others were not.
import koffi from 'koffi';
import { debuglog } from 'node:util';
import { Assembler } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { mmap, munmap, PAGE_SIZE, PROT_READ, PROT_WRITE, view } from './libc.js';
import {
  ARRAY_BUFFER_SYMBOLS,
  ControlBlock,
  emitDetach,
  emitNewBuffer,
  emitReportExternalMemory,
  NEW_BUFFER_STEPS,
  Scratch,
} from './v8-array-buffer.js';
import type { ArrayBufferSymbols } from './v8-array-buffer.js';
import { registerFunctions, resolveSymbols, smiLayoutProblem } from './v8-registration.js';

export interface BufferRoute {
  readonly name: 'v8-api' | 'koffi-transfer' | 'koffi';
  /** A new ArrayBuffer over `[address, address + length)` (no copy). */
  create(address: bigint, length: number): ArrayBuffer;
  /** Whether `detach` detaches; otherwise it does nothing. */
  readonly detaches: boolean;
  /** Detaches a buffer `create` made (one already detached stays so). */
  detach(buffer: ArrayBuffer): void;
  /**
   * Tells V8 that `bytes` more (or fewer) bytes outside its heap are held by JS objects, so that it
   * collects garbage holding memories as it would for its own; a no-op where the buffers count.
   */
  reportExternalMemory(bytes: number): void;
}

const debug = debuglog('wasmjit');

/** The control block's vtable must dispatch to the exported dispose and destroy: the layout check. */
function checkControlBlockVtable(v8: ArrayBufferSymbols): string | undefined {
  const slots = new BigUint64Array(view(v8.controlBlockVtable + BigInt(ControlBlock.vtableOffset), 8 * (ControlBlock.destroySlot + 1)));
  const laidOut = slots[ControlBlock.disposeSlot] === v8.controlBlockDispose && slots[ControlBlock.destroySlot] === v8.controlBlockDestroy;
  return laidOut ? undefined : "shared_ptr's control block vtable is not laid out as in libstdc++";
}

function v8ApiRoute(): BufferRoute | string {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `it needs Linux x64, not ${process.platform} ${process.arch}`;
  const smiProblem = smiLayoutProblem(process.config.variables as Record<string, unknown>);
  if (smiProblem) return smiProblem;
  const v8 = resolveSymbols(ARRAY_BUFFER_SYMBOLS);
  if (typeof v8 === 'string') return v8;
  const layout = checkControlBlockVtable(v8);
  if (layout) return layout;
  // Permanent, like the isolate that calls the code.
  const scratchPage = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
  const scratch = new BigInt64Array(view(scratchPage, Scratch.size));
  const asm = new Assembler();
  emitNewBuffer(asm, v8, scratchPage);
  const detachOffset = asm.offset;
  emitDetach(asm, v8);
  const reportOffset = asm.offset;
  emitReportExternalMemory(asm, v8, scratchPage);
  const code = CodePage.map(asm.finish()).name('wasmjit memory buffer callbacks').address;
  const callbacks = [code, code + BigInt(detachOffset), code + BigInt(reportOffset)];
  const functions = registerFunctions(v8, callbacks.map((callback) => ({ callback, cFunction: 0n, length: 0 })));
  if (typeof functions === 'string') return functions;
  const [newBuffer, detach, reportExternalMemory] = functions as [() => ArrayBuffer | number, (buffer: ArrayBuffer) => void, () => void];
  return {
    name: 'v8-api',
    detaches: true,
    create(address, length) {
      scratch[Scratch.address / 8] = address;
      scratch[Scratch.length / 8] = BigInt(length);
      const buffer = newBuffer();
      if (typeof buffer === 'number') throw new Error(`wasmjit: V8's ${NEW_BUFFER_STEPS[-buffer - 1] ?? `step ${-buffer}`} failed while making a memory's ArrayBuffer`);
      return buffer;
    },
    detach,
    reportExternalMemory(bytes) {
      if (bytes === 0) return;
      scratch[Scratch.externalChange / 8] = BigInt(bytes);
      reportExternalMemory();
    },
  };
}

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

function koffiTransferRoute(): BufferRoute | string {
  const transfer = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (typeof transfer !== 'function') return 'ArrayBuffer.prototype.transfer is missing (Node < 21)';
  return {
    name: 'koffi-transfer',
    detaches: true,
    create: viewOrEmpty,
    reportExternalMemory: () => {},
    detach(buffer) {
      // Unlike V8's, these buffers can be transferred from JS.
      if (!(buffer as { detached?: boolean }).detached) transfer.call(buffer, 0);
    },
  };
}

/** koffi refuses to view 0 bytes. */
function viewOrEmpty(address: bigint, length: number): ArrayBuffer {
  return length === 0 ? new ArrayBuffer(0) : view(address, length);
}

const koffiRoute: BufferRoute = { name: 'koffi', detaches: false, create: viewOrEmpty, detach: () => {}, reportExternalMemory: () => {} };

/** The route makes a buffer that sees the page's bytes both ways, and (if it claims to) detaches it. */
function selfTest(route: BufferRoute): string | undefined {
  const page = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
  let detached = false;
  try {
    const reference = new Uint8Array(view(page, PAGE_SIZE));
    reference[7] = 0x5a;
    const buffer = route.create(page, PAGE_SIZE);
    const bytes = new Uint8Array(buffer);
    bytes[PAGE_SIZE - 1] = 0xa5;
    if (buffer.byteLength !== PAGE_SIZE || bytes[7] !== 0x5a || reference[PAGE_SIZE - 1] !== 0xa5) return 'its buffer does not view the memory';
    route.reportExternalMemory(PAGE_SIZE);
    route.reportExternalMemory(-PAGE_SIZE);
    if (!route.detaches) return undefined;
    route.detach(buffer);
    route.detach(buffer);
    const empty = route.create(page, 0);
    route.detach(empty);
    detached = buffer.byteLength === 0 && bytes.length === 0;
    return detached ? undefined : 'detaching left the buffer its length';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    // A buffer that may still view the page keeps it mapped.
    if (detached || !route.detaches) munmap(page, PAGE_SIZE);
  }
}

const ROUTE_ORDER: BufferRoute['name'][] = ['v8-api', 'koffi-transfer', 'koffi'];
/** In ROUTE_ORDER; the koffi route, last, needs no test. */
const CANDIDATES: [BufferRoute['name'], () => BufferRoute | string][] = [
  ['v8-api', v8ApiRoute],
  ['koffi-transfer', koffiTransferRoute],
];

function chooseRoute(): BufferRoute {
  const wanted = ROUTE_ORDER.indexOf(process.env.WASMJIT_MEMORY_BUFFERS as BufferRoute['name']);
  const candidates = CANDIDATES.slice(Math.max(0, wanted));
  for (const [name, make] of candidates) {
    let route: BufferRoute | string;
    try {
      route = make();
    } catch (error) {
      route = error instanceof Error ? error.message : String(error);
    }
    const failure = typeof route === 'string' ? route : selfTest(route);
    if (failure === undefined) return route as BufferRoute;
    debug(`memory buffers: not through ${name}: ${failure}`);
  }
  return koffiRoute;
}

/** The way this thread's memories make and detach their ArrayBuffers. */
export const memoryBuffers: BufferRoute = chooseRoute();
debug(`memory buffers: through ${memoryBuffers.name}${memoryBuffers.detaches ? '' : ' (old buffers are not detached after a grow)'}`);
