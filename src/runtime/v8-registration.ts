// V8's C++ API as our machine code uses it, what fast-calls.ts and memory-buffers.ts share: finding
// the symbols, the layout facts of every supported V8 (11.3, 12.4, 13.6), and making a JS function
// whose callback is our code (and, for a Fast API function, whose CFunction is): code from our
// Assembler calls FunctionTemplate::New and GetFunction and stores the function as a global property,
// from which JS takes it at once. The registration runs once per function, through koffi, inside the
// handle scope of koffi's call, but not on koffi's stack: V8 13 (Node 24) checks, whenever it collects
// garbage, that it runs on the thread's own stack ("central stack") and aborts the process otherwise,
// so the registration first moves back to the thread's stack, below the frame of koffi's call. System V facts relied on are those of v8-fast-api.ts's header: a
// Local is one pointer passed and returned in a register; Maybe<bool> comes back in ax
// ({has_value, value}).
import koffi from 'koffi';
import { Alu, Assembler, Cond, Label, Reg, mem } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { dlsym, threadStack } from './libc.js';

/** The addresses of `symbols` in this process, or which of them it does not export. */
export function resolveSymbols<Name extends string>(symbols: Record<Name, string>): Record<Name, bigint> | string {
  const found: Partial<Record<Name, bigint>> = {};
  const missing: string[] = [];
  for (const [name, symbol] of Object.entries(symbols) as [Name, string][]) {
    const address = dlsym(symbol);
    if (address === undefined) missing.push(symbol);
    else found[name] = address;
  }
  return missing.length > 0 ? `V8 does not export ${missing.join(', ')}` : (found as Record<Name, bigint>);
}

/** Why this V8's tagged values are not what the code here assumes (64-bit Smis), or undefined. */
export function smiLayoutProblem(buildVariables: Record<string, unknown>): string | undefined {
  const compressed = buildVariables['v8_enable_pointer_compression'] || buildVariables['v8_enable_31bit_smis_on_64bit_arch'];
  return compressed ? 'this V8 is built with 31-bit Smis' : undefined;
}

/** Without pointer compression Smis hold 32-bit values in the upper half: int32 v is `(int64)v << 32`. */
export const SMI_SHIFT = 32;

/**
 * FunctionCallbackInfo<Value> {Address* implicit_args_; Address* values_; length_}: implicit_args_
 * [isolateIndex] is the Isolate*, implicit_args_[returnValueIndex] the return value slot; values_ + i
 * is the slot of argument i (the Local<Value> that info[i] returns). length_ is an int until V8 12 and
 * an Address from V8 13: its low 32 bits, read here, are the argument count either way.
 */
export const CallbackInfo = { implicitArgs: 0, values: 8, length: 16, isolateIndex: 1, returnValueIndex: 3 } as const;

/** rdi = the isolate, from the FunctionCallbackInfo in `info` (rax is clobbered). */
export function loadCallbackIsolate(asm: Assembler, info: Reg): void {
  asm.load(64, Reg.rax, mem(info, CallbackInfo.implicitArgs));
  asm.load(64, Reg.rdi, mem(Reg.rax, 8 * CallbackInfo.isolateIndex));
}

/** Stores `value` (an object's address or a Smi) as the callback's return value (rcx is clobbered). */
export function setCallbackReturnValue(asm: Assembler, info: Reg, value: Reg): void {
  asm.load(64, Reg.rcx, mem(info, CallbackInfo.implicitArgs));
  asm.store(64, mem(Reg.rcx, 8 * CallbackInfo.returnValueIndex), value);
}

/** Mangled names of the V8 API functions the registration calls (all exported by node). */
export const REGISTRATION_SYMBOLS = {
  /** static Isolate* Isolate::GetCurrent() */
  isolateGetCurrent: '_ZN2v87Isolate10GetCurrentEv',
  /** Local<Context> Isolate::GetCurrentContext() */
  isolateGetCurrentContext: '_ZN2v87Isolate17GetCurrentContextEv',
  /**
   * static Local<FunctionTemplate> FunctionTemplate::New(Isolate*, FunctionCallback, Local<Value> data,
   * Local<Signature>, int length, ConstructorBehavior, SideEffectType, const CFunction*,
   * uint16_t instance_type, uint16_t allowed_receiver_range_start, uint16_t allowed_receiver_range_end)
   */
  functionTemplateNew:
    '_ZN2v816FunctionTemplate3NewEPNS_7IsolateEPFvRKNS_20FunctionCallbackInfoINS_5ValueEEEENS_5LocalIS4_EENSA_INS_9SignatureEEEiNS_19ConstructorBehaviorENS_14SideEffectTypeEPKNS_9CFunctionEttt',
  /** MaybeLocal<Function> FunctionTemplate::GetFunction(Local<Context>) */
  functionTemplateGetFunction: '_ZN2v816FunctionTemplate11GetFunctionENS_5LocalINS_7ContextEEE',
  /** Local<Object> Context::Global() */
  contextGlobal: '_ZN2v87Context6GlobalEv',
  /** static MaybeLocal<String> String::NewFromUtf8(Isolate*, const char*, NewStringType, int length) */
  stringNewFromUtf8: '_ZN2v86String11NewFromUtf8EPNS_7IsolateEPKcNS_13NewStringTypeEi',
  /** Maybe<bool> Object::Set(Local<Context>, Local<Value> key, Local<Value> value) */
  objectSet: '_ZN2v86Object3SetENS_5LocalINS_7ContextEEENS1_INS_5ValueEEES5_',
} as const;

export type RegistrationSymbols = Record<keyof typeof REGISTRATION_SYMBOLS, bigint>;

/** Steps of the registration, negated in its return value when one fails. */
const REGISTRATION_STEPS = ['FunctionTemplate::New', 'FunctionTemplate::GetFunction', 'String::NewFromUtf8', 'Context::Global', 'Object::Set'] as const;

/** ConstructorBehavior::kThrow, SideEffectType::kHasSideEffect, NewStringType::kNormal. */
const CONSTRUCTOR_THROWS = 0;
const HAS_SIDE_EFFECT = 0;
const NEW_STRING_NORMAL = 0;
/** Maybe<bool> comes back in ax: {has_value, value}; Just(true) is 0x0101. */
const JUST_TRUE = 0x0101;

/** The global property the registration stores a function in, taken off again at once. */
const REGISTRATION_KEY = '__wasmjit_registered_function__';

const REGISTRATION_PROTO = koffi.proto(
  'int wasmjit_register_function(void *callback, const char *key, void *cfunction, int length, uint64_t *stackRange)',
);

/** The registration's status when koffi's frame is not where V8 would take it for the thread's stack. */
const NOT_ON_THREAD_STACK = -100;

/** V8's default `--stack-size`, in KiB: how much of the thread's stack it takes for its own. */
const V8_DEFAULT_STACK_KIB = 984;

/** Stack the registration's V8 calls may use below koffi's frame (a collection included). */
const REGISTRATION_STACK_BYTES = 256n * 1024n;

/** The `--stack-size` this process's V8 was given, in KiB. */
function v8StackKib(): number {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  let kib = V8_DEFAULT_STACK_KIB;
  for (const flag of flags) {
    const match = /^--stack[-_]size=(\d+)$/.exec(flag);
    if (match) kib = Number(match[1]);
  }
  return kib;
}

/**
 * V8 takes for its own stack ("central stack") the `--stack-size` below the top of the thread's
 * stack; the registration's frames must be there, with room to spare.
 */
function registrationStackRange(): BigUint64Array {
  const { low, high } = threadStack();
  const v8Low = high - BigInt(v8StackKib()) * 1024n;
  const range = new BigUint64Array(3);
  range[StackRange.threadLow / 8] = low;
  range[StackRange.lowestFrame / 8] = (v8Low > low ? v8Low : low) + REGISTRATION_STACK_BYTES;
  range[StackRange.stackTop / 8] = high;
  return range;
}

export function callAbsolute(asm: Assembler, address: bigint): void {
  asm.movRI(64, Reg.rax, address);
  asm.callReg(Reg.rax);
}

/** Where the registration's frames may go: `{threadLow, lowestFrame, stackTop}`, three u64s. */
const StackRange = { threadLow: 0, lowestFrame: 8, stackTop: 16 } as const;

/**
 * Runs `body` (which takes the four integer arguments) on the thread's own stack, r8 pointing at a
 * StackRange. koffi's call (x64sysv_asm.S, `prologue`) pushes rbp on the thread's stack, points rbp
 * there and moves rsp to a stack of koffi's: at entry here rbp is koffi's frame on the thread's stack,
 * and everything below it is free. That is checked, not assumed: when rsp is off the thread's stack
 * and rbp in `[lowestFrame, stackTop)`, `body` runs below rbp; when rsp is in that range already,
 * `body` runs where it is; otherwise the status is NOT_ON_THREAD_STACK and nothing runs.
 */
function emitOnThreadStack(asm: Assembler, body: Label): void {
  const offThreadStack = new Label();
  const notOnThreadStack = new Label();
  const range = Reg.r8;
  asm.aluRM(Alu.Cmp, 64, Reg.rsp, mem(range, StackRange.stackTop));
  asm.jcc(Cond.AE, offThreadStack);
  asm.aluRM(Alu.Cmp, 64, Reg.rsp, mem(range, StackRange.threadLow));
  asm.jcc(Cond.B, offThreadStack);
  asm.aluRM(Alu.Cmp, 64, Reg.rsp, mem(range, StackRange.lowestFrame));
  asm.jcc(Cond.B, notOnThreadStack);
  asm.jmp(body);
  asm.bind(offThreadStack);
  asm.aluRM(Alu.Cmp, 64, Reg.rbp, mem(range, StackRange.lowestFrame));
  asm.jcc(Cond.B, notOnThreadStack);
  asm.aluRM(Alu.Cmp, 64, Reg.rbp, mem(range, StackRange.stackTop));
  asm.jcc(Cond.AE, notOnThreadStack);
  asm.push(Reg.rbx);
  asm.movRR(64, Reg.rbx, Reg.rsp);
  asm.lea(Reg.rsp, mem(Reg.rbp, -64));
  asm.aluRI(Alu.And, 64, Reg.rsp, -16);
  asm.call(body);
  asm.movRR(64, Reg.rsp, Reg.rbx);
  asm.pop(Reg.rbx);
  asm.ret();
  asm.bind(notOnThreadStack);
  asm.movRI(32, Reg.rax, NOT_ON_THREAD_STACK);
  asm.ret();
}

/**
 * `int registerFunction(void* callback, const char* key, const CFunction* cFunction, int length,
 * const StackRange*)`: creates a function from a FunctionTemplate with `callback` (and
 * `cFunction`, or none when 0) and stores it as `globalThis[key]`, on the thread's stack
 * (emitOnThreadStack). Returns 1, -(1 + step) for the step of REGISTRATION_STEPS that failed, or
 * NOT_ON_THREAD_STACK.
 */
function emitRegistration(asm: Assembler, v8: RegistrationSymbols): void {
  const body = new Label();
  emitOnThreadStack(asm, body);
  asm.bind(body);
  const [isolate, context, fn, key, callback] = [Reg.rbx, Reg.r12, Reg.r13, Reg.r14, Reg.r15];
  const cFunctionLocal = mem(Reg.rbp, -48);
  const lengthLocal = mem(Reg.rbp, -56);
  const failed = REGISTRATION_STEPS.map(() => new Label());
  const done = new Label();
  asm.push(Reg.rbp);
  asm.movRR(64, Reg.rbp, Reg.rsp);
  for (const reg of [isolate, context, fn, key, callback]) asm.push(reg);
  asm.aluRI(Alu.Sub, 64, Reg.rsp, 24); // the two locals, and 16-byte alignment for the calls
  asm.movRR(64, callback, Reg.rdi);
  asm.movRR(64, key, Reg.rsi);
  asm.store(64, cFunctionLocal, Reg.rdx);
  asm.store(64, lengthLocal, Reg.rcx);
  callAbsolute(asm, v8.isolateGetCurrent);
  asm.movRR(64, isolate, Reg.rax);
  asm.movRR(64, Reg.rdi, isolate);
  callAbsolute(asm, v8.isolateGetCurrentContext);
  asm.movRR(64, context, Reg.rax);

  // FunctionTemplate::New: six arguments in registers, five on the stack (plus 8 bytes of alignment).
  asm.aluRI(Alu.Sub, 64, Reg.rsp, 48);
  asm.storeImm(64, mem(Reg.rsp, 0), HAS_SIDE_EFFECT);
  asm.load(64, Reg.rax, cFunctionLocal);
  asm.store(64, mem(Reg.rsp, 8), Reg.rax);
  for (const at of [16, 24, 32]) asm.storeImm(64, mem(Reg.rsp, at), 0); // no instance type, no receiver checks
  asm.movRR(64, Reg.rdi, isolate);
  asm.movRR(64, Reg.rsi, callback);
  asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx); // no data
  asm.aluRR(Alu.Xor, 32, Reg.rcx, Reg.rcx); // no signature
  asm.load(32, Reg.r8, lengthLocal);
  asm.movRI(32, Reg.r9, CONSTRUCTOR_THROWS);
  callAbsolute(asm, v8.functionTemplateNew);
  asm.aluRI(Alu.Add, 64, Reg.rsp, 48);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, failed[0]!);

  asm.movRR(64, Reg.rdi, Reg.rax);
  asm.movRR(64, Reg.rsi, context);
  callAbsolute(asm, v8.functionTemplateGetFunction);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, failed[1]!);
  asm.movRR(64, fn, Reg.rax);

  asm.movRR(64, Reg.rdi, isolate);
  asm.movRR(64, Reg.rsi, key);
  asm.movRI(32, Reg.rdx, NEW_STRING_NORMAL);
  asm.movRI(32, Reg.rcx, -1); // NUL-terminated
  callAbsolute(asm, v8.stringNewFromUtf8);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, failed[2]!);
  asm.movRR(64, key, Reg.rax);

  asm.movRR(64, Reg.rdi, context);
  callAbsolute(asm, v8.contextGlobal);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, failed[3]!);

  asm.movRR(64, Reg.rdi, Reg.rax);
  asm.movRR(64, Reg.rsi, context);
  asm.movRR(64, Reg.rdx, key);
  asm.movRR(64, Reg.rcx, fn);
  callAbsolute(asm, v8.objectSet);
  asm.aluRI(Alu.And, 32, Reg.rax, 0xffff);
  asm.aluRI(Alu.Cmp, 32, Reg.rax, JUST_TRUE);
  asm.jcc(Cond.NE, failed[4]!);
  asm.movRI(32, Reg.rax, 1);
  asm.jmp(done);
  failed.forEach((label, step) => {
    asm.bind(label);
    asm.movRI(32, Reg.rax, -(1 + step));
    asm.jmp(done);
  });
  asm.bind(done);
  asm.lea(Reg.rsp, mem(Reg.rbp, -40));
  for (const reg of [callback, key, fn, context, isolate]) asm.pop(reg);
  asm.pop(Reg.rbp);
  asm.ret();
}

export interface FunctionToRegister {
  /** The FunctionCallback: what V8 calls from unoptimized code (and always, without a CFunction). */
  callback: bigint;
  /** A CFunction for TurboFan's direct calls, or 0n. */
  cFunction: bigint;
  /** The function's `length`. */
  length: number;
}

/**
 * The JS functions for `functions`, in order, or why they could not be made. `beforeEachCall` runs
 * right before each native call: tests fill V8's young generation there, so that V8 collects garbage
 * inside the registration.
 */
export function registerFunctions(v8: RegistrationSymbols, functions: FunctionToRegister[], beforeEachCall?: () => void): Function[] | string {
  const asm = new Assembler();
  emitRegistration(asm, v8);
  const setup = CodePage.map(asm.finish());
  const global = globalThis as Record<string, unknown>;
  try {
    if (REGISTRATION_KEY in global) return `globalThis.${REGISTRATION_KEY} is taken`;
    const register = koffi.decode(setup.address, REGISTRATION_PROTO) as (
      callback: bigint,
      key: string,
      cFunction: bigint | null,
      length: number,
      stackRange: BigUint64Array,
    ) => number;
    const stackRange = registrationStackRange();
    const made: Function[] = [];
    for (const { callback, cFunction, length } of functions) {
      beforeEachCall?.();
      const status = register(callback, REGISTRATION_KEY, cFunction === 0n ? null : cFunction, length, stackRange);
      const fn = global[REGISTRATION_KEY];
      delete global[REGISTRATION_KEY];
      if (status === NOT_ON_THREAD_STACK) return "koffi's call is not on the thread's stack, or too deep in it, for V8's API";
      if (status !== 1) return `V8's ${REGISTRATION_STEPS[-status - 1] ?? `step ${-status}`} failed`;
      if (typeof fn !== 'function') return 'the registered function did not appear on globalThis';
      made.push(fn);
    }
    return made;
  } finally {
    setup.unmap();
  }
}
