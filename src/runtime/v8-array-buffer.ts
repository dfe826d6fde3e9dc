// ArrayBuffers over linear memory made with V8's C++ API from machine code, the way V8 makes a wasm
// memory's buffer: the backing store has `BackingStore::EmptyDeleter`, so V8 knows the bytes are not
// its to free and counts none of them as external memory (BackingStore::PerIsolateAccountingLength).
// A napi external buffer (koffi.view) counts its whole length, and V8 answers a new view of a large
// memory with garbage collections ("external memory pressure"): 0.05–3.5 ms per `memory.buffer`
// after a grow, against 0.1 µs in V8. (V8 also makes a wasm memory's buffer non-detachable; the API
// can only give it a detach key, and node 20 and 22 end the process when JS then transfers it.)
//
// The code runs as V8 function callbacks (FunctionTemplate), on the JS thread's own stack: V8 may
// collect garbage inside ArrayBuffer::New or AdjustAmountOfExternalAllocatedMemory, and a full
// collection scans the native stack from the stack pointer up to the thread's stack base (cppgc's
// conservative scan), which ends in SIGSEGV on koffi's separate stack. Only the one-time
// registration runs through koffi (as fast-calls.ts's does). Arguments come through a scratch
// page rather than as JS values, so no conversion is needed.
//
// Facts relied on, checked against node 20.20.2, 22.23.5 and 24.22.3 (V8 11.3, 12.4, 13.6, their
// headers in include/node), all built with g++ and libstdc++ without pointer compression: a Local<T>
// is one pointer (a handle slot's address); FunctionCallbackInfo is {Address* implicit_args;
// Address* values; length}, the isolate at implicit_args[1], the return value at implicit_args[3]
// (ReturnValue::Set stores the object's address there), argument i's slot at values + i; a Smi
// holds its value in the upper 32 bits; `std::unique_ptr` is returned through a hidden pointer in
// rdi; `std::shared_ptr` ({T* ptr; control block*}) is passed by the address of a caller-made temporary, which
// ArrayBuffer::New moves from (it reads both words and zeroes them: checked on every call). The
// control block is the one `std::shared_ptr<BackingStore>(std::unique_ptr<BackingStore>&&)` makes,
// `_Sp_counted_deleter<BackingStore*, default_delete, allocator<void>>`: 24 bytes {vtable + 16,
// int use = 1, int weak = 1, BackingStore* ptr}, allocated with operator new and freed by its
// `_M_destroy` with a sized operator delete; node exports that class's vtable, and memory-buffers.ts
// checks its dispose/destroy slots against the exported functions before using it.
import { Alu, Assembler, Cond, Label, Reg, mem } from '../x64/index.js';
import { CallbackInfo, callAbsolute, loadCallbackIsolate, REGISTRATION_SYMBOLS, setCallbackReturnValue, SMI_SHIFT } from './v8-registration.js';

/** Mangled names of what the code calls or uses (node exports all of them; operator new is libstdc++'s). */
export const ARRAY_BUFFER_SYMBOLS = {
  ...REGISTRATION_SYMBOLS,
  /** int64_t Isolate::AdjustAmountOfExternalAllocatedMemory(int64_t change) */
  adjustExternalMemory: '_ZN2v87Isolate37AdjustAmountOfExternalAllocatedMemoryEl',
  /** static std::unique_ptr<BackingStore> ArrayBuffer::NewBackingStore(void* data, size_t, DeleterCallback, void* deleter_data) */
  newBackingStore: '_ZN2v811ArrayBuffer15NewBackingStoreEPvmPFvS1_mS1_ES1_',
  /** static void BackingStore::EmptyDeleter(void* data, size_t length, void* deleter_data) */
  emptyDeleter: '_ZN2v812BackingStore12EmptyDeleterEPvmS1_',
  /** static Local<ArrayBuffer> ArrayBuffer::New(Isolate*, std::shared_ptr<BackingStore>) */
  arrayBufferNew: '_ZN2v811ArrayBuffer3NewEPNS_7IsolateESt10shared_ptrINS_12BackingStoreEE',
  /** Maybe<bool> ArrayBuffer::Detach(Local<Value> key): called without a key. */
  detach: '_ZN2v811ArrayBuffer6DetachENS_5LocalINS_5ValueEEE',
  /** bool Value::IsArrayBuffer() const */
  isArrayBuffer: '_ZNK2v85Value13IsArrayBufferEv',
  /** void* operator new(size_t) */
  operatorNew: '_Znwm',
  /** The vtable of shared_ptr's control block for a BackingStore taken from a unique_ptr. */
  controlBlockVtable: '_ZTVSt19_Sp_counted_deleterIPN2v812BackingStoreESt14default_deleteIS1_ESaIvELN9__gnu_cxx12_Lock_policyE2EE',
  /** Its _M_dispose and _M_destroy, which the vtable's slots 2 and 3 must point at. */
  controlBlockDispose: '_ZNSt19_Sp_counted_deleterIPN2v812BackingStoreESt14default_deleteIS1_ESaIvELN9__gnu_cxx12_Lock_policyE2EE10_M_disposeEv',
  controlBlockDestroy: '_ZNSt19_Sp_counted_deleterIPN2v812BackingStoreESt14default_deleteIS1_ESaIvELN9__gnu_cxx12_Lock_policyE2EE10_M_destroyEv',
} as const;

export type ArrayBufferSymbols = Record<keyof typeof ARRAY_BUFFER_SYMBOLS, bigint>;

/** The control block: the vtable pointer is the vtable symbol + 16 (past offset-to-top and typeinfo). */
export const ControlBlock = { size: 24, vtableOffset: 16, counts: 8, pointer: 16, disposeSlot: 2, destroySlot: 3 } as const;
/** use_count = 1 and weak_count = 1, as one store. */
const FRESH_COUNTS = 0x1_0000_0001n;

/** The scratch page's words: the callbacks' arguments, written by JS just before the call. */
export const Scratch = { address: 0, length: 8, externalChange: 16, size: 24 } as const;

/** Failures of `newBuffer`, returned as the Smi -(1 + step) instead of a buffer. */
export const NEW_BUFFER_STEPS = ['ArrayBuffer::New kept the shared_ptr', 'ArrayBuffer::New'] as const;

/**
 * The callback `newBuffer()`: returns a new ArrayBuffer over the scratch page's `[address, address +
 * length)`, or the Smi -(1 + step) for the step of NEW_BUFFER_STEPS that failed.
 */
export function emitNewBuffer(asm: Assembler, v8: ArrayBufferSymbols, scratch: bigint): void {
  const failed = NEW_BUFFER_STEPS.map(() => new Label());
  const done = new Label();
  const info = Reg.rbx;
  // rbx and 32 bytes of locals keep rsp 16-byte aligned; the temporary shared_ptr sits at rsp.
  asm.push(info);
  asm.aluRI(Alu.Sub, 64, Reg.rsp, 32);
  asm.movRR(64, info, Reg.rdi);

  // The unique_ptr lands in the temporary's first word, which is the shared_ptr's pointer.
  asm.movRI(64, Reg.rax, scratch);
  asm.load(64, Reg.rsi, mem(Reg.rax, Scratch.address));
  asm.load(64, Reg.rdx, mem(Reg.rax, Scratch.length));
  asm.movRR(64, Reg.rdi, Reg.rsp);
  asm.movRI(64, Reg.rcx, v8.emptyDeleter);
  asm.aluRR(Alu.Xor, 32, Reg.r8, Reg.r8);
  callAbsolute(asm, v8.newBackingStore);

  asm.movRI(32, Reg.rdi, ControlBlock.size);
  callAbsolute(asm, v8.operatorNew);
  asm.movRI(64, Reg.rcx, v8.controlBlockVtable + BigInt(ControlBlock.vtableOffset));
  asm.store(64, mem(Reg.rax, 0), Reg.rcx);
  asm.movRI(64, Reg.rcx, FRESH_COUNTS);
  asm.store(64, mem(Reg.rax, ControlBlock.counts), Reg.rcx);
  asm.load(64, Reg.rcx, mem(Reg.rsp, 0));
  asm.store(64, mem(Reg.rax, ControlBlock.pointer), Reg.rcx);
  asm.store(64, mem(Reg.rsp, 8), Reg.rax);

  loadCallbackIsolate(asm, info);
  asm.movRR(64, Reg.rsi, Reg.rsp);
  callAbsolute(asm, v8.arrayBufferNew);
  // Moved from, or the temporary still owns a reference this code does not release.
  asm.load(64, Reg.rcx, mem(Reg.rsp, 8));
  asm.test(64, Reg.rcx, Reg.rcx);
  asm.jcc(Cond.NE, failed[0]!);
  asm.test(64, Reg.rax, Reg.rax);
  asm.jcc(Cond.E, failed[1]!);
  asm.load(64, Reg.rax, mem(Reg.rax, 0));
  setCallbackReturnValue(asm, info, Reg.rax);
  asm.jmp(done);
  failed.forEach((label, step) => {
    asm.bind(label);
    asm.movRI(64, Reg.rax, BigInt(-(1 + step)) << BigInt(SMI_SHIFT));
    setCallbackReturnValue(asm, info, Reg.rax);
    asm.jmp(done);
  });
  asm.bind(done);
  asm.aluRI(Alu.Add, 64, Reg.rsp, 32);
  asm.pop(info);
  asm.ret();
}

/**
 * The callback `detach(buffer)`: detaches its argument if that is an ArrayBuffer (an exception, such
 * as one for a buffer that cannot be detached, propagates to the caller).
 */
export function emitDetach(asm: Assembler, v8: ArrayBufferSymbols): void {
  const done = new Label();
  const info = Reg.rbx;
  asm.push(info); // also aligns the stack for the calls below
  asm.movRR(64, info, Reg.rdi);
  asm.aluRI(Alu.Cmp, 32, mem(info, CallbackInfo.length), 1);
  asm.jcc(Cond.L, done);
  asm.load(64, Reg.rdi, mem(info, CallbackInfo.values));
  callAbsolute(asm, v8.isArrayBuffer);
  asm.aluRI(Alu.And, 32, Reg.rax, 0xff);
  asm.jcc(Cond.E, done);
  asm.load(64, Reg.rdi, mem(info, CallbackInfo.values));
  asm.aluRR(Alu.Xor, 32, Reg.rsi, Reg.rsi); // no key
  callAbsolute(asm, v8.detach);
  asm.bind(done);
  asm.pop(info);
  asm.ret();
}

/** The callback `reportExternalMemory()`: passes the scratch page's change to V8. */
export function emitReportExternalMemory(asm: Assembler, v8: ArrayBufferSymbols, scratch: bigint): void {
  asm.push(Reg.rbx); // aligns the stack
  loadCallbackIsolate(asm, Reg.rdi);
  asm.movRI(64, Reg.rax, scratch);
  asm.load(64, Reg.rsi, mem(Reg.rax, Scratch.externalChange));
  callAbsolute(asm, v8.adjustExternalMemory);
  asm.pop(Reg.rbx);
  asm.ret();
}
