// Keeps a program's paths inside the directories it was given. @tybys/wasm-util resolves a path
// against its directory fd's host path as it is: "../x" and "sub/../../x" reach the directory above
// a preopen, and an absolute path the host's root. WASI (and node:wasi, through uvwasi) refuses such
// paths with ENOTCAPABLE; these wrappers do so before the library sees them, by the path's text:
// absolute, or climbing above its directory once "." and ".." are applied. A symlink's target
// counts from the link's directory. (Symlinks the host placed inside a preopen are followed as the
// host made them.)
import { posix } from 'node:path';

const ERRNO_OVERFLOW = 61;
const ERRNO_NOTCAPABLE = 76;

/** For each call taking paths: the argument positions of each (pointer, length) pair, and of a symlink's target. */
const PATH_ARGUMENTS: Record<string, { paths: Array<[number, number]>; linkTarget?: { target: [number, number]; link: [number, number] } }> = {
  path_create_directory: { paths: [[1, 2]] },
  path_filestat_get: { paths: [[2, 3]] },
  path_filestat_set_times: { paths: [[2, 3]] },
  path_link: { paths: [[2, 3], [5, 6]] },
  path_open: { paths: [[2, 3]] },
  path_readlink: { paths: [[1, 2]] },
  path_remove_directory: { paths: [[1, 2]] },
  path_rename: { paths: [[1, 2], [4, 5]] },
  path_symlink: { paths: [[3, 4]], linkTarget: { target: [0, 1], link: [3, 4] } },
  path_unlink_file: { paths: [[1, 2]] },
};

/** Whether `path`, taken relative to a directory, names something outside it. */
function leavesDirectory(path: string): boolean {
  const normal = posix.normalize(path);
  return path.startsWith('/') || normal === '..' || normal.startsWith('../');
}

type WasiCall = (...args: number[]) => unknown;

/** `imports` with each path-taking call refusing paths that leave its directory; `buffer` reads the memory at call time. */
export function confinePaths(imports: Record<string, WasiCall>, buffer: () => ArrayBuffer): Record<string, WasiCall> {
  const confined: Record<string, WasiCall> = {};
  for (const [name, { paths, linkTarget }] of Object.entries(PATH_ARGUMENTS)) {
    const call = imports[name];
    if (call === undefined) continue;
    confined[name] = (...args: number[]) => {
      const text = ([pointer, length]: [number, number]): string =>
        Buffer.from(buffer(), args[pointer] >>> 0, args[length] >>> 0).toString('utf8');
      let leaves: boolean;
      try {
        leaves =
          paths.some((pair) => leavesDirectory(text(pair))) ||
          (linkTarget !== undefined && leavesDirectory(posix.join(posix.dirname(text(linkTarget.link)), text(linkTarget.target))));
      } catch (err) {
        // A path outside the memory: EOVERFLOW, as node:wasi answers.
        if (err instanceof RangeError) return ERRNO_OVERFLOW;
        throw err;
      }
      return leaves ? ERRNO_NOTCAPABLE : call(...args);
    };
  }
  return { ...imports, ...confined };
}
