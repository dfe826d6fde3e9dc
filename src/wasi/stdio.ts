// Byte-exact standard streams for WASI fds 0, 1 and 2. @tybys/wasm-util is written for browsers: it
// answers ENOTSUP to reads of fd 0 outside a browser (it would call window.prompt) and hands fds 1
// and 2 to console.log/console.error a line at a time, decoded as UTF-8 and holding back a last line
// without its newline for good. These calls read and write the host's file descriptors instead, as
// node:wasi does, so a program's output comes out byte for byte and unbuffered, and describe them by
// what the host fds are (the library calls each a character device, so every program believed it
// wrote to a terminal).
import { fstatSync, readSync, writeSync } from 'node:fs';

/** WASI errnos (preview1 `errno`) for what reading or writing a host fd can fail with. */
const WASI_ERRNO: Record<string, number> = { EBADF: 8, EINVAL: 28, EIO: 29, EISDIR: 31, EPIPE: 64 };
const WASI_EIO = 29;
const WASI_SUCCESS = 0;

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

function errnoOf(err: unknown): number {
  return WASI_ERRNO[(err as NodeJS.ErrnoException).code ?? ''] ?? WASI_EIO;
}

/** The iovec array (`ptr: u32, len: u32` pairs) at `iovs` as views of the memory. */
function ioVectors(buffer: ArrayBuffer, iovs: number, count: number): Uint8Array[] {
  const view = new DataView(buffer);
  return Array.from({ length: count }, (_, i) => new Uint8Array(buffer, view.getUint32(iovs + 8 * i, true), view.getUint32(iovs + 8 * i + 4, true)));
}

/**
 * `fd_write` of the iovecs to host fd `hostFd`, the count written stored at `writtenPointer`. Every
 * byte is written before returning (a short write would make wasi-libc retry the rest anyway).
 */
export function writeVectors(buffer: ArrayBuffer, hostFd: number, iovs: number, count: number, writtenPointer: number): number {
  let total = 0;
  try {
    for (const vector of ioVectors(buffer, iovs, count)) {
      for (let done = 0; done < vector.length; ) {
        done += retryingEagain(() => writeSync(hostFd, vector, done, vector.length - done));
      }
      total += vector.length;
    }
  } catch (err) {
    return errnoOf(err);
  }
  new DataView(buffer).setUint32(writtenPointer, total, true);
  return WASI_SUCCESS;
}

/**
 * `fd_read` from host fd `hostFd` into the first non-empty iovec, its count at `readPointer`: one
 * read(2), which returns what is there (a short read, as readv gives); a second read could wait on a
 * terminal for input the program has not asked for yet.
 */
export function readVectors(buffer: ArrayBuffer, hostFd: number, iovs: number, count: number, readPointer: number): number {
  const vector = ioVectors(buffer, iovs, count).find((v) => v.length > 0);
  let read = 0;
  try {
    if (vector !== undefined) read = retryingEagain(() => readSync(hostFd, vector, 0, vector.length, null));
  } catch (err) {
    // The end of a stream, which Node reports as an error on some platforms, is an end all the same.
    if ((err as NodeJS.ErrnoException).code !== 'EOF') return errnoOf(err);
  }
  new DataView(buffer).setUint32(readPointer, read, true);
  return WASI_SUCCESS;
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
  let kind;
  try {
    const host = fstatSync(hostFd);
    kind = STREAM_KINDS.find((k) => host[k.is]());
  } catch (err) {
    return errnoOf(err);
  }
  const view = new DataView(buffer);
  view.setUint8(stat, kind?.filetype ?? 0);
  view.setUint16(stat + 2, 0, true);
  view.setBigUint64(stat + 8, kind?.rightsBase ?? 0n, true);
  view.setBigUint64(stat + 16, kind?.rightsInheriting ?? 0n, true);
  return WASI_SUCCESS;
}
