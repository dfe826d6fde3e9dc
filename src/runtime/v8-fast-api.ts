// V8 11.3's C++ API as machine code sees it: the symbols node exports that register one Fast API
// function, the layouts they take and hand back, and the code (emitted with our Assembler) that uses
// them. Node does not install v8-fast-api-calls.h; every fact here was read from V8 11.3's headers
// (/usr/include/node: v8-function-callback.h, v8-internal.h, v8-maybe.h, v8-template.h) and checked
// against node 20.20.2 (V8 11.3.244.8-node.38): the constructors by disassembling them, the Type
// values by reading node's own CFunctionInfo instances, the calling conventions and callback layout
// by disassembling g++'s code for the same calls compiled against the same headers. fast-calls.ts
// uses this only after checking the V8 version, the Smi width and that every symbol is exported; it
// checks the CFunctionInfo and CFunction built here byte by byte, and calls the registered function
// once (a self-test of the slow callback's argument and return value) before any export uses it.
//
// System V facts the code relies on (what g++ does with these types): a Local<T> or MaybeLocal<T> is
// one pointer — the address of a handle slot, or 0 when empty — passed and returned in a register;
// member functions take `this` (for a Local, that same slot address) in rdi; Maybe<int32_t>
// ({bool has_value; int32_t value}) comes back in rax, the flag in al and the value in bits 32–63;
// Maybe<bool> ({bool has_value; bool value}) in ax.
import koffi from 'koffi';
import { Alu, Assembler, Cond, Label, Reg, Shift, mem } from '../x64/index.js';
import { RuntimeState } from '../compiler/index.js';
import { view } from './libc.js';

/** Mangled names of the V8 API functions called (all exported by the node executable). */
export const V8_SYMBOLS = {
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
  /** Maybe<int32_t> Value::Int32Value(Local<Context>) const */
  valueInt32Value: '_ZNK2v85Value10Int32ValueENS_5LocalINS_7ContextEEE',
  /** CFunctionInfo::CFunctionInfo(const CTypeInfo& return_info, unsigned arg_count, const CTypeInfo* arg_info) */
  cFunctionInfoConstructor: '_ZN2v813CFunctionInfoC1ERKNS_9CTypeInfoEjPS2_',
  /** CFunction::CFunction(const void* address, const CFunctionInfo* type_info) */
  cFunctionConstructor: '_ZN2v89CFunctionC1EPKvPKNS_13CFunctionInfoE',
} as const;

export type V8Functions = Record<keyof typeof V8_SYMBOLS, bigint>;

/**
 * CTypeInfo: 3 bytes {Type type; SequenceType sequence_type; Flags flags} (CFunctionInfo::ArgumentInfo
 * indexes with a stride of 3). The Type values were read from node's own CFunctionInfo instances.
 */
const CTypeInfo = { size: 3, int32: 3, v8Value: 10 } as const;
/** CFunctionInfo: 16 bytes {CTypeInfo return_info; unsigned arg_count @4; const CTypeInfo* arg_info @8}. */
const CFunctionInfo = { returnInfo: 0, argCount: 4, argInfo: 8, size: 16 } as const;
/** CFunction: 16 bytes {const void* address; const CFunctionInfo* type_info}. */
const CFunction = { address: 0, typeInfo: 8, size: 16 } as const;

/**
 * FunctionCallbackInfo<Value>: {Address* implicit_args_; Address* values_; int length_}.
 * implicit_args_[kIsolateIndex = 1] is the Isolate*, implicit_args_[kReturnValueIndex = 3] the return
 * value slot; values_ + i is the slot of argument i (the Local<Value> that info[i] returns).
 */
const CallbackInfo = { implicitArgs: 0, values: 8, length: 16, isolateIndex: 1, returnValueIndex: 3 } as const;

/** Without pointer compression Smis hold 32-bit values in the upper half: int32 v is `(int64)v << 32`. */
const SMI_SHIFT = 32;

/** ConstructorBehavior::kThrow, SideEffectType::kHasSideEffect, NewStringType::kNormal. */
const CONSTRUCTOR_THROWS = 0;
const HAS_SIDE_EFFECT = 0;
const NEW_STRING_NORMAL = 0;

/** `length` of the registered function (one argument: the slot). */
const FUNCTION_LENGTH = 1;

/** Bytes of permanent memory `buildCFunction` lays its structures out in. */
export const C_FUNCTION_DATA_SIZE = 64;

function callAbsolute(asm: Assembler, address: bigint): void {
  asm.movRI(64, Reg.rax, address);
  asm.callReg(Reg.rax);
}

/**
 * The Fast API target: `int32_t fastCall(Local<Object> receiver, int32_t slot)`, receiver in rdi,
 * slot in esi. It moves the slot to edi and falls through into the fast entry, emitted next.
 */
export function emitFastCallAdapter(asm: Assembler): void {
  asm.movRR(32, Reg.rdi, Reg.rsi);
}

/**
 * The slow callback, `void slowCall(const FunctionCallbackInfo<Value>& info)`: what V8 calls until
 * TurboFan has optimized the caller (and from unoptimized code). It converts argument 0 with
 * Value::Int32Value, calls the fast entry and sets the int32 status as a Smi return value; with no
 * argument, or when the conversion threw, it returns undefined (and V8 rethrows).
 */
export function emitSlowCallback(asm: Assembler, v8: V8Functions, fastEntry: Label, runtimeState: bigint): void {
  const info = Reg.rbx;
  const done = new Label();
  asm.push(info); // also aligns the stack for the calls below
  asm.movRR(64, info, Reg.rdi);
  asm.movRI(64, Reg.rax, runtimeState);
  asm.aluRI(Alu.Add, 64, mem(Reg.rax, RuntimeState.slowCallbacks), 1);
  asm.aluRI(Alu.Cmp, 32, mem(info, CallbackInfo.length), 1);
  asm.jcc(Cond.L, done);
  asm.load(64, Reg.rax, mem(info, CallbackInfo.implicitArgs));
  asm.load(64, Reg.rdi, mem(Reg.rax, 8 * CallbackInfo.isolateIndex));
  callAbsolute(asm, v8.isolateGetCurrentContext);
  asm.movRR(64, Reg.rsi, Reg.rax);
  asm.load(64, Reg.rdi, mem(info, CallbackInfo.values));
  callAbsolute(asm, v8.valueInt32Value);
  asm.movzx8(Reg.rcx, Reg.rax);
  asm.test(32, Reg.rcx, Reg.rcx);
  asm.jcc(Cond.E, done);
  asm.shiftImm(Shift.Sar, 64, Reg.rax, 32);
  asm.movRR(32, Reg.rdi, Reg.rax);
  asm.call(fastEntry);
  asm.shiftImm(Shift.Shl, 64, Reg.rax, SMI_SHIFT);
  asm.load(64, Reg.rcx, mem(info, CallbackInfo.implicitArgs));
  asm.store(64, mem(Reg.rcx, 8 * CallbackInfo.returnValueIndex), Reg.rax);
  asm.bind(done);
  asm.pop(info);
  asm.ret();
}

/** Steps of the registration, negated in its return value when one fails. */
export const REGISTRATION_STEPS = ['FunctionTemplate::New', 'FunctionTemplate::GetFunction', 'String::NewFromUtf8', 'Context::Global', 'Object::Set'] as const;

/**
 * `int registerFastFunction(const char *key)`: creates a function from a FunctionTemplate with
 * `slowCallback` and the CFunction at `cFunction`, and stores it as `globalThis[key]`. Returns 1, or
 * -(1 + step) for the step of REGISTRATION_STEPS that failed. Run through koffi, inside the handle
 * scope of koffi's own call.
 */
export function emitRegistration(asm: Assembler, v8: V8Functions, slowCallback: bigint, cFunction: bigint): void {
  const isolate = Reg.rbx;
  const context = Reg.r12;
  const fn = Reg.r13;
  const key = Reg.r14;
  const failed = REGISTRATION_STEPS.map(() => new Label());
  const done = new Label();
  asm.push(Reg.rbp);
  asm.movRR(64, Reg.rbp, Reg.rsp);
  for (const reg of [isolate, context, fn, key]) asm.push(reg);
  asm.movRR(64, key, Reg.rdi);
  callAbsolute(asm, v8.isolateGetCurrent);
  asm.movRR(64, isolate, Reg.rax);
  asm.movRR(64, Reg.rdi, isolate);
  callAbsolute(asm, v8.isolateGetCurrentContext);
  asm.movRR(64, context, Reg.rax);

  // FunctionTemplate::New: six arguments in registers, five on the stack (plus 8 bytes of alignment).
  asm.aluRI(Alu.Sub, 64, Reg.rsp, 48);
  asm.storeImm(64, mem(Reg.rsp, 0), HAS_SIDE_EFFECT);
  asm.movRI(64, Reg.rax, cFunction);
  asm.store(64, mem(Reg.rsp, 8), Reg.rax);
  for (const at of [16, 24, 32]) asm.storeImm(64, mem(Reg.rsp, at), 0);
  asm.movRR(64, Reg.rdi, isolate);
  asm.movRI(64, Reg.rsi, slowCallback);
  asm.aluRR(Alu.Xor, 32, Reg.rdx, Reg.rdx); // no data
  asm.aluRR(Alu.Xor, 32, Reg.rcx, Reg.rcx); // no signature
  asm.movRI(32, Reg.r8, FUNCTION_LENGTH);
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
  asm.aluRI(Alu.Cmp, 32, Reg.rax, 0x0101); // Just(true)
  asm.jcc(Cond.NE, failed[4]!);
  asm.movRI(32, Reg.rax, 1);
  asm.jmp(done);

  failed.forEach((label, step) => {
    asm.bind(label);
    asm.movRI(32, Reg.rax, -(1 + step));
    asm.jmp(done);
  });
  asm.bind(done);
  for (const reg of [key, fn, context, isolate]) asm.pop(reg);
  asm.pop(Reg.rbp);
  asm.ret();
}

// The constructors take `this` first, then their arguments (references and pointers as addresses).
const C_FUNCTION_INFO_CONSTRUCTOR = koffi.proto('void wasmjit_cfunctioninfo_ctor(uint64_t self, uint64_t ret, uint32_t argc, uint64_t args)');
const C_FUNCTION_CONSTRUCTOR = koffi.proto('void wasmjit_cfunction_ctor(uint64_t self, uint64_t address, uint64_t info)');

/**
 * Builds `CFunction{target, &CFunctionInfo{int32 (V8 value receiver, int32)}}` in `data` (permanent
 * memory: V8 keeps pointers to the CFunctionInfo) with V8's own constructors, and returns the
 * CFunction's address after checking that they wrote the layout the rest of this file assumes.
 */
export function buildCFunction(v8: V8Functions, data: bigint, target: bigint): bigint {
  const argInfo = data;
  const returnInfo = data + 8n;
  const info = data + 16n;
  const cFunction = info + BigInt(CFunctionInfo.size);
  const bytes = new DataView(view(data, C_FUNCTION_DATA_SIZE));
  bytes.setUint8(0, CTypeInfo.v8Value);
  bytes.setUint8(CTypeInfo.size, CTypeInfo.int32);
  bytes.setUint8(8, CTypeInfo.int32);
  const constructInfo = koffi.decode(v8.cFunctionInfoConstructor, C_FUNCTION_INFO_CONSTRUCTOR);
  const constructFunction = koffi.decode(v8.cFunctionConstructor, C_FUNCTION_CONSTRUCTOR);
  constructInfo(info, returnInfo, 2, argInfo);
  constructFunction(cFunction, target, info);
  const at = Number(info - data);
  const laidOut =
    bytes.getUint8(at + CFunctionInfo.returnInfo) === CTypeInfo.int32 &&
    bytes.getUint32(at + CFunctionInfo.argCount, true) === 2 &&
    bytes.getBigUint64(at + CFunctionInfo.argInfo, true) === argInfo &&
    bytes.getBigUint64(at + CFunctionInfo.size + CFunction.address, true) === target &&
    bytes.getBigUint64(at + CFunctionInfo.size + CFunction.typeInfo, true) === info;
  if (!laidOut) throw new Error('V8 laid out CFunctionInfo/CFunction differently from V8 11.3');
  return cFunction;
}
