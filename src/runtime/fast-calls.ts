// Fast calls from JS into native code: one V8 Fast API function per isolate (worker), `fastEntry(slot)`.
// Once TurboFan has optimized the calling JS, V8 calls its C target directly — the fast entry
// trampoline, on the JS thread's own stack — instead of going through koffi (the `call` bench: ≈ 10 ns
// per call of an i64 export instead of ≈ 25, on Node 20, 22 and 24 alike).
// It is registered with V8's C++ API from machine code (v8-fast-api.ts), which ties it to the V8
// versions whose API facts v8-fast-api.ts lists (11.3, 12.4 and 13.6: Node 20, 22 and 24): anything
// else, or WASMJIT_FAST_CALLS=0, leaves every call on koffi. `NODE_DEBUG=wasmjit` prints
// which way calls go and why.
import { debuglog } from 'node:util';
import { emitFastEntryTrampoline } from '../compiler/index.js';
import { Assembler, Label, Reg, mem } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { mmap, PAGE_SIZE, PROT_READ, PROT_WRITE, threadStack } from './libc.js';
import { allocateEntrySlot, releaseEntrySlot, runtimeStateAddress, setFastStack } from './state.js';
import {
  buildCFunction,
  C_FUNCTION_DATA_SIZE,
  emitFastCallAdapter,
  emitSlowCallback,
  FAST_FUNCTION_LENGTH,
  V8_APIS,
} from './v8-fast-api.js';
import type { V8Api, V8Functions } from './v8-fast-api.js';
import { registerFunctions, resolveSymbols, smiLayoutProblem } from './v8-registration.js';

/** `fastEntry(slot)`: 0, a trap code, or FAST_ENTRY_NOT_ON_STACK. */
export type FastEntry = (slot: number) => number;

export type FastCallSupport = { available: true; entry: FastEntry } | { available: false; reason: string };

/**
 * Wasm frames of fast calls stay this far above the low end of the JS thread's stack: room for what
 * runs below the last stack check (the trampolines, up to 8 KiB of arguments, a prologue's pushes)
 * and for signal handlers, plus Linux's stack guard gap (1 MiB by default), within which the main
 * thread's stack cannot grow next to another mapping although glibc counts it as stack.
 */
const STACK_RESERVE = 256n * 1024n + 1024n * 1024n;
/** A thread whose stack leaves less than this above the reserve keeps using koffi. */
const MIN_FAST_STACK = 1024n * 1024n;

/** The self-test's entry returns its slot plus this. */
const SELF_TEST_OFFSET = 0x5a5a;

const debug = debuglog('wasmjit');

/** What decides whether fast calls can be used: this process's values (thisProcess), or a test's. */
export interface FastCallHost {
  platform: string;
  arch: string;
  /** process.versions.v8 */
  v8: string;
  /** process.config.variables */
  buildVariables: Record<string, unknown>;
  /** WASMJIT_FAST_CALLS */
  setting: string | undefined;
}

function thisProcess(): FastCallHost {
  const { platform, arch } = process;
  return { platform, arch, v8: process.versions.v8, buildVariables: process.config.variables as Record<string, unknown>, setting: process.env.WASMJIT_FAST_CALLS };
}

/** The API facts of the host's V8 (by major.minor version), or why fast calls cannot be used there. */
export function fastCallApi(host: FastCallHost = thisProcess()): V8Api | string {
  if (host.setting === '0') return 'disabled by WASMJIT_FAST_CALLS=0';
  if (host.platform !== 'linux' || host.arch !== 'x64') return `they need Linux x64, not ${host.platform} ${host.arch}`;
  const api = V8_APIS[host.v8.split('.').slice(0, 2).join('.')];
  if (!api) {
    const known = Object.entries(V8_APIS).map(([version, { node }]) => `${version} (Node ${node})`);
    return `they need V8 ${known.join(', ')}, not V8 ${host.v8}`;
  }
  return smiLayoutProblem(host.buildVariables) ?? api;
}

/** The addresses of the API functions `api` names, or which of them this process does not export. */
export function resolveV8Functions(api: V8Api): V8Functions | string {
  return resolveSymbols(api.symbols);
}

/** Measures the fast calls' share of this thread's stack into the runtime state, or says why not. */
function measureFastStack(): string | undefined {
  const { low, high } = threadStack();
  const limit = low + STACK_RESERVE;
  if (high - limit < MIN_FAST_STACK) return `the JS thread's stack is too small (${(high - low) / 1024n} KiB)`;
  setFastStack(limit, high - limit);
  return undefined;
}

/** The code V8 keeps calling: the Fast API target falling into the fast entry, and the slow callback. */
function emitCallTargets(api: V8Api, v8: V8Functions): { page: CodePage; slowCallbackOffset: number } {
  const asm = new Assembler();
  const fastEntry = new Label();
  emitFastCallAdapter(asm);
  asm.bind(fastEntry);
  emitFastEntryTrampoline(asm, runtimeStateAddress);
  const slowCallbackOffset = asm.offset;
  emitSlowCallback(asm, api, v8, fastEntry, runtimeStateAddress);
  return { page: CodePage.map(asm.finish()).name('wasmjit fast-call entry'), slowCallbackOffset };
}

/** The "module trampoline" the self-test calls: it returns `slot + SELF_TEST_OFFSET`. */
function emitSelfTestTrampoline(): CodePage {
  const asm = new Assembler();
  asm.lea(Reg.rax, mem(Reg.rdi, SELF_TEST_OFFSET));
  asm.ret();
  return CodePage.map(asm.finish());
}

/**
 * Calls the new function through the slow callback with a slot whose context is scratch memory and
 * whose "module trampoline" returns the slot plus SELF_TEST_OFFSET, passing the slot as a Smi and as
 * a string (the slow callback's two ways of reading it): that checks the argument and return value
 * conventions and the stack span before any export relies on them.
 */
function selfTest(entry: FastEntry, scratchContext: bigint, trampoline: bigint): string | undefined {
  const slot = allocateEntrySlot(scratchContext, 0n, 0, trampoline);
  try {
    const call = entry as (slot: unknown) => unknown;
    for (const argument of [slot, String(slot)]) {
      const result = call(argument);
      if (result !== slot + SELF_TEST_OFFSET) return `the self-test call with ${typeof argument} ${slot} returned ${String(result)}, not ${slot + SELF_TEST_OFFSET}`;
    }
    return undefined;
  } finally {
    releaseEntrySlot(slot);
  }
}

function setUp(): FastCallSupport {
  const unavailable = (reason: string): FastCallSupport => ({ available: false, reason });
  const api = fastCallApi();
  if (typeof api === 'string') return unavailable(api);
  const v8 = resolveV8Functions(api);
  if (typeof v8 === 'string') return unavailable(v8);
  const stackProblem = measureFastStack();
  if (stackProblem) return unavailable(stackProblem);

  // Permanent: V8 calls this code and reads the CFunctionInfo for as long as the isolate lives.
  const targets = emitCallTargets(api, v8);
  const data = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
  const cFunction = buildCFunction(api, v8, data, targets.page.address);
  const registered = registerFunctions(v8, [
    { callback: targets.page.address + BigInt(targets.slowCallbackOffset), cFunction, length: FAST_FUNCTION_LENGTH },
  ]);
  if (typeof registered === 'string') return unavailable(registered);
  const entry = registered[0] as FastEntry;
  const selfTestTrampoline = emitSelfTestTrampoline();
  try {
    const failed = selfTest(entry, data + BigInt(C_FUNCTION_DATA_SIZE), selfTestTrampoline.address);
    return failed ? unavailable(failed) : { available: true, entry };
  } finally {
    selfTestTrampoline.unmap();
  }
}

function setUpOrExplain(): FastCallSupport {
  try {
    return setUp();
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export const fastCalls: FastCallSupport = setUpOrExplain();
debug(fastCalls.available ? 'calls into eligible exports use V8 Fast API calls' : `calls go through koffi: no fast calls (${fastCalls.reason})`);

const fastWrappers = new WeakSet<object>();

/** Records that an export wrapper calls through the fast entry. */
export function markFastWrapper(fn: object): void {
  fastWrappers.add(fn);
}

/** Whether calls to this exported function go through the Fast API (internal; for tests and debugging). */
export function usesFastCalls(fn: unknown): boolean {
  return typeof fn === 'function' && fastWrappers.has(fn);
}
