// Constants a function's code reads from memory, `[rip + label]`: placed after the function's code,
// each distinct one once. A v128 constant then costs one load where building it below rsp cost four
// stores and a load that waits for them; a float constant one load (or none: the operand of the
// instruction that uses it) where it cost a movabs and a movq through rax. The v128 entries come
// first, 16-byte aligned (the m128 operands of legacy SSE must be), then the 8-byte entries, then
// the 4-byte ones: each stays aligned to its size.
import { Label, ripMem } from '../x64/index.js';
import type { Assembler, Mem } from '../x64/index.js';
import { truncate } from './value-stack.js';

/** Bytes between the function's last instruction and its first constant: int3, never executed. */
const PADDING = 0xcc;
const ALIGN = 16;

/** Entry sizes in bytes, in the order they are placed. */
const SIZES = [16, 8, 4] as const;
type EntrySize = (typeof SIZES)[number];

/**
 * The entries of one size: labels, operands and values as 32-bit words. Functions have few distinct
 * constants, so finding one is a scan of the words (no key to build); a Map takes over past a few.
 */
class Entries {
  readonly labels: Label[] = [];
  readonly operands: Mem[] = [];
  readonly words: number[] = [];
  private byKey: Map<string, Mem> | undefined;

  constructor(readonly wordsEach: number) {}

  /** The operand of the entry whose first `wordsEach` words are `a, b, c, d`, added if new. */
  operand(a: number, b: number, c: number, d: number): Mem {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const { words, wordsEach } = this;
    const count = this.labels.length;
    if (count < SCANNED) {
      for (let i = 0, at = 0; i < count; i++, at += wordsEach) {
        if (words[at] === a && (wordsEach < 2 || words[at + 1] === b) && (wordsEach < 4 || (words[at + 2] === c && words[at + 3] === d))) {
          return this.operands[i]!;
        }
      }
    } else {
      const found = (this.byKey ??= this.keyed()).get(this.key(a, b, c, d));
      if (found) return found;
    }
    const label = new Label();
    const operand = ripMem(label);
    this.labels.push(label);
    this.operands.push(operand);
    words.push(a);
    if (wordsEach > 1) words.push(b);
    if (wordsEach > 2) words.push(c, d);
    this.byKey?.set(this.key(a, b, c, d), operand);
    return operand;
  }

  private key(a: number, b: number, c: number, d: number): string {
    return `${a},${b},${c},${d}`;
  }

  private keyed(): Map<string, Mem> {
    const map = new Map<string, Mem>();
    const { words, wordsEach } = this;
    this.operands.forEach((operand, i) => {
      const at = i * wordsEach;
      map.set(this.key(words[at]!, wordsEach > 1 ? words[at + 1]! : 0, wordsEach > 2 ? words[at + 2]! : 0, wordsEach > 2 ? words[at + 3]! : 0), operand);
    });
    return map;
  }

  clear(): void {
    if (this.labels.length === 0) return;
    truncate(this.labels, 0);
    truncate(this.operands, 0);
    truncate(this.words, 0);
    this.byKey = undefined;
  }
}

/** Entries looked up by scanning, below this count. */
const SCANNED = 16;

export class ConstantPool {
  private readonly entries: Record<EntrySize, Entries> = { 16: new Entries(4), 8: new Entries(2), 4: new Entries(1) };

  /** The operand of the 16 bytes given as four little-endian 32-bit words (`[rip + label]`). */
  v128(words: readonly number[]): Mem {
    return this.entries[16].operand(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
  }

  /** The operand of a 64-bit pattern given as its 32-bit halves (an f64, or any scalar for movsd). */
  bits64(low: number, high: number): Mem {
    return this.entries[8].operand(low, high, 0, 0);
  }

  /** The operand of a 32-bit pattern (an f32). */
  bits32(value: number): Mem {
    return this.entries[4].operand(value, 0, 0, 0);
  }

  get isEmpty(): boolean {
    const { entries } = this;
    return entries[16].labels.length === 0 && entries[8].labels.length === 0 && entries[4].labels.length === 0;
  }

  /** Places the constants at the assembler's position and empties the pool for the next function. */
  emit(asm: Assembler): void {
    // Each entry is aligned to its size: the first one's alignment is enough.
    const align = this.entries[16].labels.length > 0 ? ALIGN : this.entries[8].labels.length > 0 ? 8 : 4;
    while (asm.offset % align !== 0) asm.byte(PADDING);
    for (const size of SIZES) {
      const { labels, words } = this.entries[size];
      for (let i = 0, at = 0; i < labels.length; i++) {
        asm.bind(labels[i]!);
        for (let end = at + size / 4; at < end; at++) {
          const word = words[at]!;
          asm.byte(word);
          asm.byte(word >>> 8);
          asm.byte(word >>> 16);
          asm.byte(word >>> 24);
        }
      }
    }
    this.clear();
  }

  clear(): void {
    for (const size of SIZES) this.entries[size].clear();
  }
}
