// koffi bindings to the few libc functions the runtime needs; every failure carries strerror(errno).
import koffi from 'koffi';

/**
 * koffi runs synchronous native calls on a stack of its own (2 MiB by default), on which wasm frames
 * and every host-call round trip (several KiB of koffi frames each) nest. Ask for the largest one
 * before the first library is loaded; if someone loaded one first, the setting is fixed already.
 */
const WANTED_STACK_SIZE = 16 * 1024 * 1024;
try {
  koffi.config({ ...koffi.config(), sync_stack_size: WANTED_STACK_SIZE });
} catch {
  // Keep koffi's current stack; the stack limit below is derived from it either way.
}
export const NATIVE_STACK_SIZE: number = Number(koffi.config().sync_stack_size);

const libc = koffi.load('libc.so.6');

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const SC_PAGESIZE = 30;

const mmapNative = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
const mprotectNative = libc.func('int mprotect(void *addr, size_t length, int prot)');
const munmapNative = libc.func('int munmap(void *addr, size_t length)');
const madviseNative = libc.func('int madvise(void *addr, size_t length, int advice)');
const sysconf = libc.func('long sysconf(int name)');
const MADV_DONTNEED = 4;
const strerror = libc.func('const char *strerror(int errnum)');

export const PAGE_SIZE: number = Number(sysconf(SC_PAGESIZE));

export function roundToPages(bytes: number): number {
  return Math.max(PAGE_SIZE, Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE);
}

function libcError(call: string): Error {
  const errno = koffi.errno();
  return new Error(`${call} failed: ${strerror(errno)} (errno ${errno})`);
}

/** Maps `length` bytes of private anonymous memory with protection `prot`. */
export function mmap(length: number, prot: number): bigint {
  const address = mmapNative(null, length, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as bigint | null;
  if (address === null || BigInt(address) === MAP_FAILED) throw libcError(`mmap(${length} bytes)`);
  return BigInt(address);
}

/** Fails instead of replacing an existing mapping (Linux ≥ 4.17). */
const MAP_FIXED_NOREPLACE = 0x100000;

/** Maps `length` bytes exactly at `address`, or gives undefined when something is mapped there already. */
export function mmapAt(address: bigint, length: number, prot: number): bigint | undefined {
  const got = mmapNative(address, length, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) as bigint | null;
  if (got === null || BigInt(got) === MAP_FAILED) return undefined;
  if (BigInt(got) !== address) {
    // Kernels before 4.17 take the flag for a hint and map elsewhere.
    munmap(BigInt(got), length);
    return undefined;
  }
  return address;
}

export function mprotect(address: bigint, length: number, prot: number): void {
  if (mprotectNative(address, length, prot) !== 0) throw libcError(`mprotect(${length} bytes, ${prot})`);
}

const ENOMEM = 12;

/**
 * Unmappings the kernel refused for want of a mapping: unmapping part of a mapping splits it, which
 * fails at the process's limit of mappings (vm.max_map_count). They are tried again after each later
 * unmapping, which may give one back. (Freeing runs in FinalizationRegistry callbacks too, where an
 * exception would end the process.)
 */
const refusedUnmappings: Array<{ address: bigint; length: number }> = [];

export function munmap(address: bigint, length: number): void {
  if (munmapNative(address, length) !== 0) {
    if (koffi.errno() !== ENOMEM) throw libcError(`munmap(${length} bytes)`);
    refusedUnmappings.push({ address, length });
    return;
  }
  for (let i = refusedUnmappings.length - 1; i >= 0; i--) {
    const refused = refusedUnmappings[i]!;
    if (munmapNative(refused.address, refused.length) === 0) refusedUnmappings.splice(i, 1);
  }
}

/** Gives the pages' memory back to the system; they read as zeros afterwards. */
export function discardPages(address: bigint, length: number): void {
  if (madviseNative(address, length, MADV_DONTNEED) !== 0) throw libcError(`madvise(${length} bytes, MADV_DONTNEED)`);
}

const sigactionNative = libc.func('int sigaction(int signum, void *act, void *oldact)');

/** `sigaction(signal, action, old)` with both structs in native memory (a null leaves that side out). */
export function sigaction(signal: number, action: bigint | null, old: bigint | null): void {
  if (sigactionNative(signal, action, old) !== 0) throw libcError(`sigaction(${signal})`);
}

const setitimerNative = libc.func('int setitimer(int which, void *value, void *old)');

/** Arms timer `which` to fire every `micros` microseconds (0 disarms it). */
export function setitimer(which: number, micros: number): void {
  const seconds = BigInt(Math.floor(micros / 1e6));
  const rest = BigInt(micros % 1e6);
  // struct itimerval: it_interval then it_value, each { tv_sec, tv_usec }.
  if (setitimerNative(which, BigInt64Array.of(seconds, rest, seconds, rest), null) !== 0) throw libcError(`setitimer(${which})`);
}

const dlsymNative = libc.func('void *dlsym(void *handle, const char *name)');

/** The address of a symbol anywhere in the process (a null handle is glibc's RTLD_DEFAULT), if exported. */
export function dlsym(name: string): bigint | undefined {
  const address = dlsymNative(null, name) as bigint | null;
  return address === null ? undefined : BigInt(address);
}

// pthread_t is an unsigned long; pthread_attr_t is 56 bytes on x86-64 glibc (64 reserved here).
const pthreadSelf = libc.func('uint64_t pthread_self(void)');
const pthreadGetattrNp = libc.func('int pthread_getattr_np(uint64_t thread, void *attr)');
const pthreadAttrGetstack = libc.func('int pthread_attr_getstack(void *attr, void *stackaddr, void *stacksize)');
const pthreadAttrDestroy = libc.func('int pthread_attr_destroy(void *attr)');
const PTHREAD_ATTR_BYTES = 64;

let stackOfThisThread: { low: bigint; high: bigint } | undefined;

/**
 * The calling thread's stack, `[low, high)`, as glibc reports it: the thread's own mapping, or for
 * the main thread the stack rlimit below its top (cut at the mapping below it). koffi runs calls on a
 * stack of its own, but on the same thread, so this is the JS thread's stack. Asked once: this module
 * instance belongs to one thread, and glibc reads the main thread's from /proc (0.1 ms).
 */
export function threadStack(): { low: bigint; high: bigint } {
  stackOfThisThread ??= askThreadStack();
  return stackOfThisThread;
}

function askThreadStack(): { low: bigint; high: bigint } {
  const attr = new BigUint64Array(PTHREAD_ATTR_BYTES / 8);
  const status = pthreadGetattrNp(pthreadSelf(), attr) as number;
  if (status !== 0) throw new Error(`pthread_getattr_np failed: ${strerror(status)} (error ${status})`);
  try {
    const low = new BigUint64Array(1);
    const size = new BigUint64Array(1);
    const failed = pthreadAttrGetstack(attr, low, size) as number;
    if (failed !== 0) throw new Error(`pthread_attr_getstack failed: ${strerror(failed)} (error ${failed})`);
    return { low: low[0]!, high: low[0]! + size[0]! };
  } finally {
    pthreadAttrDestroy(attr);
  }
}

/** An ArrayBuffer over native memory (no copy). */
export function view(address: bigint, length: number): ArrayBuffer {
  return koffi.view(address, length) as ArrayBuffer;
}
