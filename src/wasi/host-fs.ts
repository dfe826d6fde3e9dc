// The node:fs the library is given: every host path it reaches must lie inside a preopened directory
// once symlinks are resolved, which the text of a path cannot show (a link "a" to "." and a link "b"
// to "a/.." put "b/x" above the directory). A path outside throws OutsidePreopens, which the call's
// wrapper answers with ENOTCAPABLE, as node:wasi does. Closing host fds 0-2 does nothing: the
// library's entries for the standard streams name them whatever the stdio options say, and a program
// closing (or freopen-ing) its stdout must not close the embedding process's.
import fs from 'node:fs';
import path from 'node:path';

// libc's realpath: Node's own (fs.realpathSync) applies a ".." after a symlink to the link's path, not
// to where it leads, so it places links/c below (c -> b/.., b -> a/.., a -> .) inside the directory
// while the kernel, opening it, goes to the directory's parent.
const realpath = fs.realpathSync.native;
import type { WASI as LibraryWasi } from '@tybys/wasm-util';

export type LibraryFs = NonNullable<NonNullable<ConstructorParameters<typeof LibraryWasi>[0]>['fs']>;

/** A host path outside every preopened directory. */
export class OutsidePreopens extends Error {}

type PathCall = (...args: unknown[]) => unknown;

/**
 * How each path-taking method's paths are checked: 'target' resolves the path as the call will
 * (following a final symlink), 'entry' names the directory entry itself (the call acts on a link, not
 * what it points to). A symlink's own target text is not a host path: symlinkSync checks only the link.
 */
const PATH_CHECKS: Record<string, Array<'target' | 'entry' | 'none'>> = {
  openSync: ['target'],
  readdirSync: ['target'],
  utimesSync: ['target'],
  lstatSync: ['entry'],
  mkdirSync: ['entry'],
  rmdirSync: ['entry'],
  unlinkSync: ['entry'],
  readlinkSync: ['entry'],
  symlinkSync: ['none', 'entry'],
  linkSync: ['entry', 'entry'],
  renameSync: ['entry', 'entry'],
};

/** node:fs confined to `preopenDirs` (host paths, as the options give them). */
export function hostFs(preopenDirs: string[]): LibraryFs {
  const roots = preopenDirs.map((dir) => realpath(dir));
  const inside = (real: string): boolean => roots.some((root) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  const entryPath = (p: string): string => path.join(realpath(path.dirname(p)), path.basename(p));
  /** Where `p` leads: its real path, or (not there yet) its entry's; a dangling symlink leads nowhere known. */
  const targetPath = (p: string): string | undefined => {
    try {
      return realpath(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ? undefined : entryPath(p);
    }
  };
  const check = (p: unknown, how: 'target' | 'entry' | 'none'): void => {
    if (how === 'none') return;
    const real = how === 'target' ? targetPath(String(p)) : entryPath(String(p));
    if (real === undefined || !inside(real)) throw new OutsidePreopens(`${String(p)} is outside the preopened directories`);
  };
  const confined: PropertyDescriptorMap = {
    closeSync: { value: (fd: number) => (fd > 2 ? fs.closeSync(fd) : undefined) },
    // Stat of a link that leads outside describes the link (the library also stats every entry a
    // directory listing returns, which must not fail for one such link).
    statSync: {
      value: (p: fs.PathLike, options?: fs.StatSyncOptions) => {
        const real = targetPath(String(p));
        return real !== undefined && inside(real) ? fs.statSync(p, options) : fs.lstatSync(p, options);
      },
    },
  };
  for (const [name, checks] of Object.entries(PATH_CHECKS)) {
    const call = (fs as unknown as Record<string, PathCall>)[name];
    confined[name] = {
      value: (...args: unknown[]) => {
        checks.forEach((how, i) => check(args[i], how));
        return call(...args);
      },
    };
  }
  return Object.create(fs, confined) as LibraryFs;
}
