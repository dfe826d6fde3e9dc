// Native safety properties, checked on the wasmjit side of every fuzzed module:
// W^X (read from /proc/self/maps: wasmjit's code pages are never writable, its data pages never
// executable) and canary pages placed right around the linear memory's reservation, which must
// never change: a module may read and write its own memory and nothing else.
import fs from 'node:fs';
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const mmapNative = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
const munmapNative = libc.func('int munmap(void *addr, size_t length)');
const PAGE = 4096;
const PROT_READ_WRITE = 3;
const MAP_PRIVATE_ANONYMOUS = 0x22;
/** Fails instead of replacing an existing mapping (Linux ≥ 4.17). */
const MAP_FIXED_NOREPLACE = 0x100000;
const CANARY_BYTE = 0xa5;

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
}

function readMaps(): Mapping[] {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [range, perms] = line.split(' ');
    const [start, end] = range.split('-').map((h) => BigInt(`0x${h}`));
    return { start, end, perms };
  });
}

/** What the wasmjit side of a run exposes to the checks. */
export interface NativeRegions {
  code: Array<{ address: bigint; size: number }>;
  data: Array<{ address: bigint; size: number; what: string }>;
}

/** Violations of W^X for `regions`: code must be r-x, data must not be executable. */
export function checkWriteXorExecute(regions: NativeRegions): string[] {
  const maps = readMaps();
  const problems: string[] = [];
  const covering = (address: bigint, size: number) => maps.filter((m) => m.start < address + BigInt(size) && m.end > address);
  for (const { address, size } of regions.code) {
    for (const m of covering(address, size)) {
      if (m.perms[1] === 'w' || m.perms[2] !== 'x') problems.push(`code page 0x${m.start.toString(16)} is ${m.perms} (want r-x)`);
    }
  }
  for (const { address, size, what } of regions.data) {
    for (const m of covering(address, Math.max(size, 1))) {
      if (m.perms[2] === 'x') problems.push(`${what} page 0x${m.start.toString(16)} is ${m.perms} (executable data)`);
    }
  }
  for (const m of maps) if (m.perms.startsWith('rwx') && regions.code.some((c) => m.start < c.address + BigInt(c.size) && m.end > c.address)) problems.push('rwx mapping over wasmjit code');
  return problems;
}

/** A page mapped right next to a region, filled with a pattern that must survive every call. */
class Canary {
  private constructor(readonly address: bigint) {}

  static place(address: bigint): Canary | null {
    if (address <= 0n) return null;
    const got = mmapNative(address, PAGE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) as bigint | null;
    if (got === null || BigInt(got) === 0xffff_ffff_ffff_ffffn) return null;
    if (BigInt(got) !== address) {
      munmapNative(got, PAGE);
      return null;
    }
    new Uint8Array(koffi.view(address, PAGE) as ArrayBuffer).fill(CANARY_BYTE);
    return new Canary(address);
  }

  intact(): boolean {
    return new Uint8Array(koffi.view(this.address, PAGE) as ArrayBuffer).every((b) => b === CANARY_BYTE);
  }

  remove(): void {
    munmapNative(this.address, PAGE);
  }
}

/** Canaries just below and just above a linear memory's reserved address range. */
export class MemoryCanaries {
  private readonly canaries: Array<{ where: string; canary: Canary }> = [];
  readonly wanted: number;

  constructor(base: bigint, reservedBytes: number) {
    const spots: Array<[string, bigint]> = [['below memory', base - BigInt(PAGE)], ['above memory', base + BigInt(reservedBytes)]];
    this.wanted = spots.length;
    for (const [where, address] of spots) {
      const canary = Canary.place(address);
      if (canary) this.canaries.push({ where, canary });
    }
  }

  get placed(): number {
    return this.canaries.length;
  }

  /** The canaries that changed (each is then a finding). */
  damaged(): string[] {
    return this.canaries.filter((c) => !c.canary.intact()).map((c) => `canary ${c.where} was overwritten`);
  }

  remove(): void {
    for (const c of this.canaries) c.canary.remove();
    this.canaries.length = 0;
  }
}
