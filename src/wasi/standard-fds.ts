// The guest's fds 0, 1 and 2. Each is a standard stream served on its host fd (stdio.ts), a file the
// program renumbered onto it (freopen), or closed. The library cannot hold a file there: its
// fd_write treats fds 1 and 2 as its console streams whatever they hold (and fails on a file), and a
// fd it frees is handed out again. So its entries for 0-2 stay as they are, unused, and a file
// renumbered onto one of them stays under its own number in the library, which this table maps to.
import { readVectors, streamFdstat, writeVectors } from './stdio.js';

type WasiCall = (...args: number[]) => number;

type StandardFd = { kind: 'stream'; hostFd: number } | { kind: 'file'; libraryFd: number } | { kind: 'closed' };

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_NOTSUP = 58;

/**
 * The library's fd calls (every `fd_*` takes the fd first) with fds 0-2 served as the table says.
 * `hostFds` are the standard streams' host fds; `buffer` reads the memory at call time.
 */
export function standardFds(calls: Record<string, WasiCall>, hostFds: readonly number[], buffer: () => ArrayBuffer): Record<string, WasiCall> {
  const table: StandardFd[] = hostFds.map((hostFd) => ({ kind: 'stream', hostFd }));
  const served: Record<string, (hostFd: number, ...args: number[]) => number> = {
    fd_read: (hostFd, iovs, count, read) => readVectors(buffer(), hostFd, iovs, count, read),
    fd_write: (hostFd, iovs, count, written) => writeVectors(buffer(), hostFd, iovs, count, written),
    fd_fdstat_get: (hostFd, stat) => streamFdstat(buffer(), hostFd, stat),
  };
  const entry = (fd: number): StandardFd | undefined => (fd >= 0 && fd < table.length ? table[fd] : undefined);
  /** Closes what guest fd `fd` (0-2) holds; the stream's host fd stays open (it is the embedder's). */
  const release = (fd: number): number => {
    const held = table[fd];
    table[fd] = { kind: 'closed' };
    return held.kind === 'file' ? calls.fd_close(held.libraryFd) : held.kind === 'closed' ? ERRNO_BADF : ERRNO_SUCCESS;
  };

  const wrapped: Record<string, WasiCall> = {};
  for (const [name, call] of Object.entries(calls)) {
    if (!name.startsWith('fd_')) continue;
    wrapped[name] = (fd, ...args) => {
      const held = entry(fd);
      if (held === undefined) return call(fd, ...args);
      if (held.kind === 'closed') return ERRNO_BADF;
      if (held.kind === 'file') return call(held.libraryFd, ...args);
      const serve = served[name];
      return serve === undefined ? call(fd, ...args) : serve(held.hostFd, ...args);
    };
  }
  wrapped.fd_close = (fd) => (entry(fd) === undefined ? calls.fd_close(fd) : release(fd));
  wrapped.fd_renumber = (from, to) => {
    const source = entry(from);
    if (source?.kind === 'closed') return ERRNO_BADF;
    // A standard stream moved elsewhere has no library fd to move: refused, rather than half done.
    if (source?.kind === 'stream') return from === to ? ERRNO_SUCCESS : ERRNO_NOTSUP;
    const libraryFd = source?.kind === 'file' ? source.libraryFd : from;
    if (from === to) return ERRNO_SUCCESS;
    if (entry(to) === undefined) {
      const errno = calls.fd_renumber(libraryFd, to);
      if (errno === ERRNO_SUCCESS && source !== undefined) table[from] = { kind: 'closed' };
      return errno;
    }
    // (Whether a library fd `from` is open shows at its first use: the library has no call that
    // checks an fd without writing to the program's memory.)
    release(to);
    table[to] = { kind: 'file', libraryFd };
    if (source !== undefined) table[from] = { kind: 'closed' };
    return ERRNO_SUCCESS;
  };
  return wrapped;
}
