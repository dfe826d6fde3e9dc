// The code cache: a directory of artifacts (runtime/artifact.ts) by key, so that a second process
// loads a module instead of compiling it. Several processes may share a directory at once: an entry
// is written to a temporary file in the directory and renamed into place, so a reader sees a whole
// entry or none. The directory is kept under a size bound by removing the entries used least
// recently (a hit touches its entry). An artifact is native code: a directory that another user may
// write to is refused, since whatever they put there would run in this process.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { debuglog } from 'node:util';

/** The size bound unless WASMJIT_CACHE_MAX_MB or `maxBytes` says otherwise. */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024;

const ENTRY_SUFFIX = '.wjit';
const TEMP_SUFFIX = '.tmp';
/** A temporary file this old was left by a process that died while writing it. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const debug = debuglog('wasmjit');

let tempFiles = 0;

/** What the caches of this process did (for tests and diagnostics). */
export const codeCacheStats = { hits: 0, misses: 0, corrupt: 0, evicted: 0 };

export class CodeCache {
  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** The cache in `dir` (created, only for this user, if missing); a directory others may write to is refused. */
  static open(dir: string, maxBytes = cacheMaxBytesFromEnv()): CodeCache {
    const resolved = path.resolve(dir);
    try {
      mkdirSync(resolved, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new Error(`wasmjit: cannot create the code cache directory ${resolved}: ${(err as Error).message}`);
    }
    const stat = statSync(resolved);
    if (!stat.isDirectory()) throw new Error(`wasmjit: the code cache ${resolved} is not a directory`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new Error(`wasmjit: refusing the code cache directory ${resolved}: it belongs to another user (uid ${stat.uid}), whose files would run as native code here`);
    }
    if ((stat.mode & 0o022) !== 0) {
      throw new Error(
        `wasmjit: refusing the code cache directory ${resolved}: other users may write to it (mode ${(stat.mode & 0o777).toString(8)}), and its files run as native code; chmod go-w it or use another`,
      );
    }
    return new CodeCache(resolved, maxBytes);
  }

  private entryPath(key: string): string {
    return path.join(this.dir, key + ENTRY_SUFFIX);
  }

  /** The entry's bytes, or undefined if there is none; a hit marks the entry as just used. */
  read(key: string): Uint8Array | undefined {
    const file = this.entryPath(key);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // Unreadable: compiled again, and the entry replaced.
      debug('code cache: cannot read %s: %s', file, (err as Error).message);
      return undefined;
    }
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // Evicted by another process meanwhile: the bytes are read already.
    }
    return bytes;
  }

  /** Writes the entry atomically (another process sees the old entry or the new one), then keeps the size bound. */
  write(key: string, bytes: Uint8Array): void {
    const file = this.entryPath(key);
    // Unique among processes (pid) and writes (counter); 'wx' refuses to follow anything already there.
    const temp = path.join(this.dir, `.${key}.${process.pid}.${tempFiles++}${TEMP_SUFFIX}`);
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, file);
    } catch (err) {
      rmSync(temp, { force: true });
      // A cache that cannot be written (full disk, read-only) costs a compile, not the program.
      debug('code cache: cannot write %s: %s', file, (err as Error).message);
      return;
    }
    this.evict(file);
  }

  /** Removes the least recently used entries until the cache fits its bound; `keep` stays. */
  private evict(keep: string): void {
    const entries: Array<{ file: string; size: number; used: number }> = [];
    const now = Date.now();
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      try {
        const stat = statSync(file);
        if (name.endsWith(ENTRY_SUFFIX)) entries.push({ file, size: stat.size, used: stat.mtimeMs });
        else if (name.endsWith(TEMP_SUFFIX) && now - stat.mtimeMs > STALE_TEMP_MS) unlinkSync(file);
      } catch {
        // Removed by another process meanwhile.
      }
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.file === keep) continue;
      try {
        unlinkSync(entry.file);
        codeCacheStats.evicted++;
        debug('code cache: evicted %s', entry.file);
      } catch {
        // Evicted by another process meanwhile.
      }
      total -= entry.size;
    }
  }
}

function cacheMaxBytesFromEnv(): number {
  const text = process.env.WASMJIT_CACHE_MAX_MB;
  if (text === undefined || text === '') return DEFAULT_CACHE_MAX_BYTES;
  const mb = Number(text);
  if (!(mb >= 0)) throw new RangeError(`WASMJIT_CACHE_MAX_MB must be a number of megabytes, got "${text}"`);
  return mb * 1024 * 1024;
}
