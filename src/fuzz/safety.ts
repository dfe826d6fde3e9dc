// Native safety properties, checked on the wasmjit side of every fuzzed module:
// W^X (read from /proc/self/maps: wasmjit's code pages are never writable, its data pages never
// executable) and canary pages placed right around the linear memory's reservation, which must
// never change: a module may read and write its own memory and nothing else.
import fs from 'node:fs';
import { mmapAt, munmap, PAGE_SIZE, PROT_READ, PROT_WRITE, view } from '../runtime/libc.js';
import { MEMORY_GUARD_BYTES } from '../runtime/memory.js';

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

/** Violations of W^X for `regions`: code must be r-x (or not yet accessible), data must not be executable. */
export function checkWriteXorExecute(regions: NativeRegions): string[] {
  const maps = readMaps();
  const problems: string[] = [];
  const covering = (address: bigint, size: number) => maps.filter((m) => m.start < address + BigInt(size) && m.end > address);
  for (const { address, size } of regions.code) {
    for (const m of covering(address, size)) {
      // A lazy module's reservation is inaccessible beyond the code compiled so far.
      const reserved = m.perms.startsWith('---');
      if (m.perms[1] === 'w' || (m.perms[2] !== 'x' && !reserved)) problems.push(`code page 0x${m.start.toString(16)} is ${m.perms} (want r-x)`);
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
    if (address <= 0n || mmapAt(address, PAGE_SIZE, PROT_READ | PROT_WRITE) === undefined) return null;
    new Uint8Array(view(address, PAGE_SIZE)).fill(CANARY_BYTE);
    return new Canary(address);
  }

  intact(): boolean {
    return new Uint8Array(view(this.address, PAGE_SIZE)).every((b) => b === CANARY_BYTE);
  }

  remove(): void {
    munmap(this.address, PAGE_SIZE);
  }
}

/**
 * Canaries just outside a linear memory's reservation and its guard pages (which, never accessible,
 * turn a stray access next to the memory into a crash, itself a finding): they catch one that skips them.
 */
export class MemoryCanaries {
  private readonly canaries: Array<{ where: string; canary: Canary }> = [];
  readonly wanted: number;

  constructor(base: bigint, reservedBytes: number) {
    const guard = BigInt(MEMORY_GUARD_BYTES);
    const spots: Array<[string, bigint]> = [
      ['below memory', base - guard - BigInt(PAGE_SIZE)],
      ['above memory', base + BigInt(reservedBytes) + guard],
    ];
    this.wanted = spots.length;
    for (const [where, address] of spots) {
      const canary = Canary.place(address);
      if (canary) this.canaries.push({ where, canary });
    }
  }

  get placed(): number {
    return this.canaries.length;
  }

  /** Where the placed canary pages are. */
  get addresses(): bigint[] {
    return this.canaries.map((c) => c.canary.address);
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
