// Byte-exact standard streams for WASI fds 0, 1 and 2. @tybys/wasm-util is written for browsers: it
// answers ENOTSUP to reads of fd 0 outside a browser (it would call window.prompt) and hands fds 1
// and 2 to console.log/console.error a line at a time, decoded as UTF-8 and holding back a last line
// without its newline for good. These calls read and write the host's file descriptors instead, as
// node:wasi does, so a program's output comes out byte for byte and unbuffered, and describe them by
// what the host fds are (the library calls each a character device, so every program believed it
// wrote to a terminal).
import { fstatSync, readSync, writeSync } from 'node:fs';
import { wasiErrnoOf } from './errno.js';

const WASI_EOVERFLOW = 61;
const WASI_EIO = 29;
const WASI_SUCCESS = 0;

/**
 * Runs a call's work: a pointer outside the memory (a RangeError from a view of it) is EOVERFLOW,
 * as node:wasi (uvwasi) answers, and a host error its errno.
 */
function asErrno(work: () => void): number {
  try {
    work();
    return WASI_SUCCESS;
  } catch (err) {
    if (err instanceof RangeError) return WASI_EOVERFLOW;
    return wasiErrnoOf(err) ?? WASI_EIO;
  }
}

/** A fd Node opened non-blocking (a pipe whose stream it has made) answers EAGAIN: wait, then retry. */
const RETRY_WAIT = new Int32Array(new SharedArrayBuffer(4));

function retryingEagain<T>(call: () => T): T {
  for (;;) {
    try {
      return call();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(RETRY_WAIT, 0, 0, 1);
    }
  }
}

/**
 * The iovec array (`ptr: u32, len: u32` pairs) at `iovs` as views of the memory. Pointers arrive as
 * i32 values, negative from 2 GiB on: callers pass them `>>> 0`, the u32 addresses they are.
 */
function ioVectors(view: DataView, iovs: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(view.buffer, view.getUint32(iovs + 8 * i, true), view.getUint32(iovs + 8 * i + 4, true)));
}

/** The address of the u32 result slot at `pointer`, checked before any I/O: a call that fails leaves nothing done. */
function resultSlot(view: DataView, pointer: number): number {
  const at = pointer >>> 0;
  if (at + 4 > view.byteLength) throw new RangeError('result pointer outside the memory');
  return at;
}

/**
 * `fd_write` of the iovecs to host fd `hostFd`, the count written stored at `writtenPointer`. Every
 * byte is written before returning (a short write would make wasi-libc retry the rest anyway).
 */
export function writeVectors(buffer: ArrayBuffer, hostFd: number, iovs: number, count: number, writtenPointer: number): number {
  return asErrno(() => {
    const view = new DataView(buffer);
    const slot = resultSlot(view, writtenPointer);
    let total = 0;
    for (const vector of ioVectors(view, iovs >>> 0, count >>> 0)) {
      for (let done = 0; done < vector.length; ) {
        done += retryingEagain(() => writeSync(hostFd, vector, done, vector.length - done));
      }
      total += vector.length;
    }
    view.setUint32(slot, total, true);
  });
}

/**
 * `fd_read` from host fd `hostFd` into the first non-empty iovec, its count at `readPointer`: one
 * read(2), which returns what is there (a short read, as readv gives); a second read could wait on a
 * terminal for input the program has not asked for yet.
 */
export function readVectors(buffer: ArrayBuffer, hostFd: number, iovs: number, count: number, readPointer: number): number {
  return asErrno(() => {
    const view = new DataView(buffer);
    const slot = resultSlot(view, readPointer);
    const vector = ioVectors(view, iovs >>> 0, count >>> 0).find((v) => v.length > 0);
    let read = 0;
    try {
      if (vector !== undefined) read = retryingEagain(() => readSync(hostFd, vector, 0, vector.length, null));
    } catch (err) {
      // The end of a stream, which Node reports as an error on some platforms, is an end all the same.
      if ((err as NodeJS.ErrnoException).code !== 'EOF') throw err;
    }
    view.setUint32(slot, read, true);
  });
}

/**
 * What `fd_fdstat_get` says of a standard stream, by what its host fd is, with the rights node:wasi
 * (uvwasi) gives it: wasi-libc's isatty() is "a character device without seek or tell rights".
 */
const STREAM_KINDS = [
  { is: 'isCharacterDevice', filetype: 2, rightsBase: 0x820004an, rightsInheriting: 0n },
  { is: 'isFile', filetype: 4, rightsBase: 0x8e001ffn, rightsInheriting: 0n },
  { is: 'isFIFO', filetype: 6, rightsBase: 0x3820004an, rightsInheriting: 0x3fffffffn },
  { is: 'isSocket', filetype: 6, rightsBase: 0x3820004an, rightsInheriting: 0x3fffffffn },
] as const;

/** `fd_fdstat_get` of a standard stream read from host fd `hostFd`: filetype u8, flags u16, rights u64 × 2 at `stat`. */
export function streamFdstat(buffer: ArrayBuffer, hostFd: number, stat: number): number {
  return asErrno(() => {
    const host = fstatSync(hostFd);
    const kind = STREAM_KINDS.find((k) => host[k.is]());
    const view = new DataView(buffer);
    const at = stat >>> 0;
    view.setUint8(at, kind?.filetype ?? 0);
    view.setUint16(at + 2, 0, true);
    view.setBigUint64(at + 8, kind?.rightsBase ?? 0n, true);
    view.setBigUint64(at + 16, kind?.rightsInheriting ?? 0n, true);
  });
}
