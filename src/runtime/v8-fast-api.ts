// V8's C++ API as machine code sees it: the symbols node exports that register one Fast API
// function, the layouts they take and hand back, and the code (emitted with our Assembler) that uses
// them, for each V8 version in V8_APIS. Node does not install v8-fast-api-calls.h; every fact here
// was read from V8's headers (node's include/node: v8-function-callback.h, v8-internal.h,
// v8-maybe.h, v8-template.h) and checked against the node executables themselves: the symbols with
// `nm -D`; CFunctionInfo's layout by disassembling its constructor and ArgumentInfo (CTypeInfo has a
// stride of 3 in all three versions); the Type values by reading node's own CFunctionInfo instances
// as its static initializers build them (gdb); the calling conventions and callback layout by
// disassembling g++'s code for the same calls compiled against the same headers (11.3). fast-calls.ts
// uses this only for a V8 listed in V8_APIS with 64-bit Smis and every symbol exported; it checks the
// CFunctionInfo and CFunction built here byte by byte, and calls the registered function once (a
// self-test of the slow callback's argument and return value) before any export uses it.
//
// System V facts the code relies on (what g++ does with these types): a Local<T> or MaybeLocal<T> is
// one pointer — the address of a handle slot, or 0 when empty — passed and returned in a register;
// member functions take `this` (for a Local, that same slot address) in rdi; Maybe<int32_t>
// ({bool has_value; int32_t value}) comes back in rax, the flag in al and the value in bits 32–63;
// Maybe<bool> ({bool has_value; bool value}) in ax; an enum class : uint8_t argument in the low byte
// of its register.
import koffi from 'koffi';
import { Alu, Assembler, Cond, Label, Reg, Shift, mem } from '../x64/index.js';
import { RuntimeState } from '../compiler/index.js';
import { view } from './libc.js';
import { CallbackInfo, callAbsolute, loadCallbackIsolate, REGISTRATION_SYMBOLS, setCallbackReturnValue, SMI_SHIFT } from './v8-registration.js';

/** Mangled names of the V8 API functions called (all exported by the node executable). */
const SYMBOLS = {
  ...REGISTRATION_SYMBOLS,
  /** Maybe<int32_t> Value::Int32Value(Local<Context>) const */
  valueInt32Value: '_ZNK2v85Value10Int32ValueENS_5LocalINS_7ContextEEE',
  /** CFunctionInfo::CFunctionInfo(const CTypeInfo& return_info, unsigned arg_count, const CTypeInfo* arg_info) (V8 11) */
  cFunctionInfoConstructor: '_ZN2v813CFunctionInfoC1ERKNS_9CTypeInfoEjPS2_',
  /** CFunction::CFunction(const void* address, const CFunctionInfo* type_info) */
  cFunctionConstructor: '_ZN2v89CFunctionC1EPKvPKNS_13CFunctionInfoE',
} as const;

export type V8Functions = Record<keyof typeof SYMBOLS, bigint>;

/** The facts about one V8 version's API that the code below depends on. */
export interface V8Api {
  /** The Node release line that ships this V8 (for messages). */
  node: string;
  symbols: Record<keyof V8Functions, string>;
  /** CTypeInfo {Type type; SequenceType sequence_type; Flags flags}: its size and the Type values used. */
  cTypeInfo: { size: number; int32: number; v8Value: number };
  /**
   * CFunctionInfo {CTypeInfo return_info; [Int64Representation repr (uint8)]; unsigned arg_count;
   * const CTypeInfo* arg_info}: field offsets; `int64Representation` is the offset of `repr` where the
   * constructor takes it as a fourth argument (V8 12 and later), undefined before.
   */
  cFunctionInfo: { returnInfo: number; int64Representation: number | undefined; argCount: number; argInfo: number; size: number };
  /** CFunction {const void* address; const CFunctionInfo* type_info}. */
  cFunction: { address: number; typeInfo: number; size: number };
}

const V8_11_3: V8Api = {
  node: '20',
  symbols: SYMBOLS,
  cTypeInfo: { size: 3, int32: 3, v8Value: 10 },
  cFunctionInfo: { returnInfo: 0, int64Representation: undefined, argCount: 4, argInfo: 8, size: 16 },
  cFunction: { address: 0, typeInfo: 8, size: 16 },
};

/** V8 12.4: CFunctionInfo gained `Int64Representation repr` in the padding after return_info. */
const V8_12_4: V8Api = {
  ...V8_11_3,
  node: '22',
  symbols: {
    ...SYMBOLS,
    /** CFunctionInfo::CFunctionInfo(const CTypeInfo&, unsigned, const CTypeInfo*, Int64Representation) */
    cFunctionInfoConstructor: '_ZN2v813CFunctionInfoC1ERKNS_9CTypeInfoEjPS2_NS0_19Int64RepresentationE',
  },
  cFunctionInfo: { ...V8_11_3.cFunctionInfo, int64Representation: 3 },
};

/** V8 13.6: as 12.4 for everything here (FunctionCallbackInfo's length_ became an Address: see CallbackInfo). */
const V8_13_6: V8Api = { ...V8_12_4, node: '24' };

/** The V8 versions (major.minor) fast calls support, as node reports them in process.versions.v8. */
export const V8_APIS: Readonly<Record<string, V8Api>> = { '11.3': V8_11_3, '12.4': V8_12_4, '13.6': V8_13_6 };

/** A tagged value is a Smi when its low bit is clear (heap object pointers have it set). */
const SMI_TAG_MASK = 1;

/** `length` of the registered function (one argument: the slot). */
export const FAST_FUNCTION_LENGTH = 1;

/** Bytes of permanent memory `buildCFunction` lays its structures out in. */
export const C_FUNCTION_DATA_SIZE = 64;

/**
 * The Fast API target: `int32_t fastCall(Local<Object> receiver, int32_t slot)`, receiver in rdi,
 * slot in esi. It moves the slot to edi and falls through into the fast entry, emitted next.
 */
export function emitFastCallAdapter(asm: Assembler): void {
  asm.movRR(32, Reg.rdi, Reg.rsi);
}

/**
 * The slow callback, `void slowCall(const FunctionCallbackInfo<Value>& info)`: what V8 calls until
 * TurboFan has optimized the caller, from unoptimized code, and where TurboFan makes no fast call
 * (V8 12.4 makes none inside a try block, which includes every async function). It takes argument 0
 * straight from its slot when it is a Smi (what export wrappers pass: two loads instead of two calls
 * into V8) and converts anything else with Value::Int32Value; then it calls the fast entry and sets
 * the int32 status as a Smi return value. With no argument, or when the conversion threw, it returns
 * undefined (and V8 rethrows).
 */
export function emitSlowCallback(asm: Assembler, api: V8Api, v8: V8Functions, fastEntry: Label, runtimeState: bigint): void {
  const info = Reg.rbx;
  const convert = new Label();
  const call = new Label();
  const done = new Label();
  asm.push(info); // also aligns the stack for the calls below
  asm.movRR(64, info, Reg.rdi);
  asm.movRI(64, Reg.rax, runtimeState);
  asm.aluRI(Alu.Add, 64, mem(Reg.rax, RuntimeState.slowCallbacks), 1);
  asm.aluRI(Alu.Cmp, 32, mem(info, CallbackInfo.length), 1);
  asm.jcc(Cond.L, done);
  asm.load(64, Reg.rax, mem(info, CallbackInfo.values));
  asm.load(64, Reg.rax, mem(Reg.rax, 0));
  asm.movRR(32, Reg.rcx, Reg.rax);
  asm.aluRI(Alu.And, 32, Reg.rcx, SMI_TAG_MASK);
  asm.jcc(Cond.NE, convert);
  asm.shiftImm(Shift.Sar, 64, Reg.rax, SMI_SHIFT);
  asm.jmp(call);

  asm.bind(convert);
  loadCallbackIsolate(asm, info);
  callAbsolute(asm, v8.isolateGetCurrentContext);
  asm.movRR(64, Reg.rsi, Reg.rax);
  asm.load(64, Reg.rdi, mem(info, CallbackInfo.values));
  callAbsolute(asm, v8.valueInt32Value);
  asm.movzx(8, Reg.rcx, Reg.rax);
  asm.test(32, Reg.rcx, Reg.rcx);
  asm.jcc(Cond.E, done);
  asm.shiftImm(Shift.Sar, 64, Reg.rax, 32); // Maybe<int32_t>'s value

  asm.bind(call);
  asm.movRR(32, Reg.rdi, Reg.rax);
  asm.call(fastEntry);
  asm.shiftImm(Shift.Shl, 64, Reg.rax, SMI_SHIFT);
  setCallbackReturnValue(asm, info, Reg.rax);
  asm.bind(done);
  asm.pop(info);
  asm.ret();
}

// The constructors take `this` first, then their arguments (references and pointers as addresses;
// Int64Representation, an enum class : uint8_t, as a byte).
const C_FUNCTION_INFO_CONSTRUCTOR = koffi.proto('void wasmjit_cfunctioninfo_ctor(uint64_t self, uint64_t ret, uint32_t argc, uint64_t args)');
const C_FUNCTION_INFO_CONSTRUCTOR_WITH_REPRESENTATION = koffi.proto(
  'void wasmjit_cfunctioninfo_ctor_repr(uint64_t self, uint64_t ret, uint32_t argc, uint64_t args, uint8_t repr)',
);
const C_FUNCTION_CONSTRUCTOR = koffi.proto('void wasmjit_cfunction_ctor(uint64_t self, uint64_t address, uint64_t info)');

/** Int64Representation::kNumber: no int64 crosses this API, so either value would do; kNumber is V8's default. */
const INT64_AS_NUMBER = 0;
/** What `data` holds before the constructors run, so that the check sees every byte they must write. */
const UNWRITTEN = 0xa5;

/**
 * Builds `CFunction{target, &CFunctionInfo{int32 (V8 value receiver, int32)}}` in `data` (permanent
 * memory: V8 keeps pointers to the CFunctionInfo) with V8's own constructors, and returns the
 * CFunction's address after checking that they wrote the layout `api` describes.
 */
export function buildCFunction(api: V8Api, v8: V8Functions, data: bigint, target: bigint): bigint {
  const { cTypeInfo, cFunctionInfo, cFunction: cFunctionLayout } = api;
  const argInfo = data;
  const returnInfo = data + 8n;
  const info = data + 16n;
  const cFunction = info + BigInt(cFunctionInfo.size);
  const bytes = new DataView(view(data, C_FUNCTION_DATA_SIZE));
  const at = Number(info - data);
  for (let i = at; i < at + cFunctionInfo.size + cFunctionLayout.size; i++) bytes.setUint8(i, UNWRITTEN);
  bytes.setUint8(0, cTypeInfo.v8Value);
  bytes.setUint8(cTypeInfo.size, cTypeInfo.int32);
  bytes.setUint8(8, cTypeInfo.int32);
  const constructFunction = koffi.decode(v8.cFunctionConstructor, C_FUNCTION_CONSTRUCTOR);
  if (cFunctionInfo.int64Representation === undefined) {
    koffi.decode(v8.cFunctionInfoConstructor, C_FUNCTION_INFO_CONSTRUCTOR)(info, returnInfo, 2, argInfo);
  } else {
    koffi.decode(v8.cFunctionInfoConstructor, C_FUNCTION_INFO_CONSTRUCTOR_WITH_REPRESENTATION)(info, returnInfo, 2, argInfo, INT64_AS_NUMBER);
  }
  constructFunction(cFunction, target, info);
  const returnBytes = Array.from({ length: cTypeInfo.size }, (_, i) => bytes.getUint8(at + cFunctionInfo.returnInfo + i));
  const laidOut =
    returnBytes.every((byte, i) => byte === (i === 0 ? cTypeInfo.int32 : 0)) &&
    (cFunctionInfo.int64Representation === undefined || bytes.getUint8(at + cFunctionInfo.int64Representation) === INT64_AS_NUMBER) &&
    bytes.getUint32(at + cFunctionInfo.argCount, true) === 2 &&
    bytes.getBigUint64(at + cFunctionInfo.argInfo, true) === argInfo &&
    bytes.getBigUint64(at + cFunctionInfo.size + cFunctionLayout.address, true) === target &&
    bytes.getBigUint64(at + cFunctionInfo.size + cFunctionLayout.typeInfo, true) === info;
  if (!laidOut) throw new Error(`V8 ${process.versions.v8} laid out CFunctionInfo/CFunction differently from what wasmjit knows of it`);
  return cFunction;
}
