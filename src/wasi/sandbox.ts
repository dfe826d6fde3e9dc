// Paths as WASI means them, before @tybys/wasm-util sees them. The library joins a path to its
// directory fd's host path with a resolve() that mishandles "..": "a/b/../c" comes out as the
// directory's grandparent's "c", "sub/../x" as its parent's "x". And it takes "../x" or an absolute
// path as it is, reaching above a preopen. So each path is checked and normalized here, by its text,
// as node:wasi (uvwasi) does: absolute, or climbing above its directory once "." and ".." are
// applied, it is refused with ENOTCAPABLE; otherwise the library is handed the normalized text
// (written over the program's bytes for the call, which it can only shorten, and put back after).
// A symlink's target text obeys the same rule. Where a path leads through symlinks is host-fs.ts's to
// check. The library's own following of a final symlink (the "follow" lookup flag) is left to the
// host: it replaces the path by the link's text, which for a relative link it then takes from the
// process's working directory, not the link's.
import { posix } from 'node:path';

const ERRNO_OVERFLOW = 61;
const ERRNO_NOTCAPABLE = 76;
const LOOKUP_SYMLINK_FOLLOW = 1;

/** Argument positions: a (pointer, length) pair. */
type Text = [number, number];

interface PathArguments {
  paths: Text[];
  /** A symlink's target: checked, not normalized (it is the link's content). */
  linkTarget?: Text;
  /** The position of lookup flags whose "follow" bit the library would act on. */
  lookupFlags?: number;
}

const PATH_ARGUMENTS: Record<string, PathArguments> = {
  path_create_directory: { paths: [[1, 2]] },
  path_filestat_get: { paths: [[2, 3]] },
  path_filestat_set_times: { paths: [[2, 3]], lookupFlags: 1 },
  path_link: { paths: [[2, 3], [5, 6]], lookupFlags: 1 },
  path_open: { paths: [[2, 3]], lookupFlags: 1 },
  path_readlink: { paths: [[1, 2]] },
  path_remove_directory: { paths: [[1, 2]] },
  path_rename: { paths: [[1, 2], [4, 5]] },
  path_symlink: { paths: [[3, 4]], linkTarget: [0, 1] },
  path_unlink_file: { paths: [[1, 2]] },
};

/** Whether `path`, taken relative to a directory, names something outside it. */
function leavesDirectory(path: string): boolean {
  const normal = posix.normalize(path);
  return path.startsWith('/') || normal === '..' || normal.startsWith('../');
}

type WasiCall = (...args: number[]) => unknown;

/** `imports` with each path-taking call getting its paths checked and normalized; `buffer` reads the memory at call time. */
export function confinePaths(imports: Record<string, WasiCall>, buffer: () => ArrayBuffer): Record<string, WasiCall> {
  const confined: Record<string, WasiCall> = {};
  for (const [name, { paths, linkTarget, lookupFlags }] of Object.entries(PATH_ARGUMENTS)) {
    const call = imports[name];
    if (call === undefined) continue;
    confined[name] = (...args: number[]) => {
      // latin1: one character per byte, so the text's length is its byte length and any bytes survive.
      let texts: string[];
      try {
        texts = [...paths, ...(linkTarget ? [linkTarget] : [])].map(([pointer, length]) =>
          Buffer.from(buffer(), args[pointer] >>> 0, args[length] >>> 0).toString('latin1'),
        );
      } catch (err) {
        // A path outside the memory: EOVERFLOW, as node:wasi answers.
        if (err instanceof RangeError) return ERRNO_OVERFLOW;
        throw err;
      }
      if (texts.some(leavesDirectory)) return ERRNO_NOTCAPABLE;
      if (lookupFlags !== undefined) args[lookupFlags] &= ~LOOKUP_SYMLINK_FOLLOW;
      const overwritten: Array<{ at: number; bytes: Uint8Array }> = [];
      paths.forEach(([pointer, length], i) => {
        const normal = posix.normalize(texts[i]);
        // ("" normalizes to ".", longer: the library gets "" as the program wrote it.)
        if (normal === texts[i] || normal.length > texts[i].length) return;
        const at = args[pointer] >>> 0;
        const memory = new Uint8Array(buffer());
        overwritten.push({ at, bytes: memory.slice(at, at + texts[i].length) });
        memory.set(Buffer.from(normal, 'latin1'), at);
        args[length] = normal.length;
      });
      try {
        return call(...args);
      } finally {
        for (const { at, bytes } of overwritten) new Uint8Array(buffer()).set(bytes, at);
      }
    };
  }
  return { ...imports, ...confined };
}
