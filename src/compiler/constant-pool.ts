// Constants a function's code reads from memory, `[rip + label]`: placed after the function's code,
// each distinct one once. A v128 constant then costs one load where building it below rsp cost four
// stores and a load that waits for them; a float constant one load (or none: the operand of the
// instruction that uses it) where it cost a movabs and a movq through rax. The v128 entries come
// first, 16-byte aligned (the m128 operands of legacy SSE must be), then the 8-byte entries, then
// the 4-byte ones: each stays aligned to its size.
import { Label, ripMem } from '../x64/index.js';
import type { Assembler, Mem } from '../x64/index.js';

/** Bytes between the function's last instruction and its first constant: int3, never executed. */
const PADDING = 0xcc;
const ALIGN = 16;

/** Entry sizes in bytes, in the order they are placed. */
const SIZES = [16, 8, 4] as const;
type EntrySize = (typeof SIZES)[number];

/** The entries of one size: their operands by value, labels, and values as 32-bit words. */
class Entries {
  readonly byKey = new Map<string, Mem>();
  readonly labels: Label[] = [];
  readonly words: number[] = [];

  constructor(readonly wordsEach: number) {}

  /** `words` read up to `wordsEach` words from `a, b, c, d`. */
  operand(key: string, a: number, b: number, c: number, d: number): Mem {
    let operand = this.byKey.get(key);
    if (!operand) {
      const label = new Label();
      operand = ripMem(label);
      this.byKey.set(key, operand);
      this.labels.push(label);
      this.words.push(a);
      if (this.wordsEach > 1) this.words.push(b);
      if (this.wordsEach > 2) this.words.push(c, d);
    }
    return operand;
  }

  clear(): void {
    this.byKey.clear();
    this.labels.length = 0;
    this.words.length = 0;
  }
}

export class ConstantPool {
  private readonly entries: Record<EntrySize, Entries> = { 16: new Entries(4), 8: new Entries(2), 4: new Entries(1) };

  /** The operand of the 16 bytes given as four little-endian 32-bit words (`[rip + label]`). */
  v128(words: readonly number[]): Mem {
    const [a = 0, b = 0, c = 0, d = 0] = words;
    return this.entries[16].operand(`${a | 0},${b | 0},${c | 0},${d | 0}`, a, b, c, d);
  }

  /** The operand of a 64-bit pattern given as its 32-bit halves (an f64, or any scalar for movsd). */
  bits64(low: number, high: number): Mem {
    return this.entries[8].operand(`${low | 0},${high | 0}`, low, high, 0, 0);
  }

  /** The operand of a 32-bit pattern (an f32). */
  bits32(value: number): Mem {
    return this.entries[4].operand(`${value | 0}`, value, 0, 0, 0);
  }

  get isEmpty(): boolean {
    return SIZES.every((size) => this.entries[size].labels.length === 0);
  }

  /** Places the constants at the assembler's position and empties the pool for the next function. */
  emit(asm: Assembler): void {
    while (asm.offset % ALIGN !== 0) asm.byte(PADDING);
    for (const size of SIZES) {
      const { labels, words, wordsEach } = this.entries[size];
      labels.forEach((label, i) => {
        asm.bind(label);
        for (let w = 0; w < wordsEach; w++) {
          const word = words[i * wordsEach + w]!;
          for (let shift = 0; shift < 32; shift += 8) asm.byte((word >>> shift) & 0xff);
        }
      });
    }
    this.clear();
  }

  clear(): void {
    for (const size of SIZES) this.entries[size].clear();
  }
}
