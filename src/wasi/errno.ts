// Host errors (Node's `err.code`) as WASI preview 1 errnos: one table for the calls wasmjit serves
// itself and for the errors the library lets through (it maps a dozen codes and rethrows the rest,
// which would leave the program as an exception: a symlink loop's ELOOP, a full disk's ENOSPC).

const WASI_ERRNOS: Record<string, number> = {
  E2BIG: 1,
  EACCES: 2,
  EAGAIN: 6,
  EBADF: 8,
  EBUSY: 10,
  EDQUOT: 19,
  EEXIST: 20,
  EFBIG: 22,
  EINTR: 27,
  EINVAL: 28,
  EIO: 29,
  EISDIR: 31,
  ELOOP: 32,
  EMFILE: 33,
  EMLINK: 34,
  ENAMETOOLONG: 37,
  ENFILE: 41,
  ENODEV: 43,
  ENOENT: 44,
  ENOMEM: 48,
  ENOSPC: 51,
  ENOSYS: 52,
  ENOTDIR: 54,
  ENOTEMPTY: 55,
  ENOTSUP: 58,
  ENXIO: 60,
  EOVERFLOW: 61,
  EPERM: 63,
  EPIPE: 64,
  EROFS: 69,
  ESPIPE: 70,
  ETXTBSY: 74,
  EXDEV: 75,
};

/** The WASI errno of a Node fs error, if it has one. */
export function wasiErrnoOf(err: unknown): number | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(WASI_ERRNOS, code) ? WASI_ERRNOS[code] : undefined;
}
