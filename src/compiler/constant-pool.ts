// Constants a function's code reads from memory, `[rip + label]`: placed after the function's code,
// 16-byte aligned, each distinct one once. A v128 constant then costs one load where building it
// below rsp cost four stores and a load that waits for them.
import { Label, ripMem } from '../x64/index.js';
import type { Assembler, Mem } from '../x64/index.js';

/** Bytes between the function's last instruction and its first constant: int3, never executed. */
const PADDING = 0xcc;
const ALIGN = 16;

export class ConstantPool {
  private readonly byKey = new Map<string, Mem>();
  private readonly labels: Label[] = [];
  private readonly values: number[][] = [];

  /** The operand of the 16 bytes given as four little-endian 32-bit words (`[rip + label]`). */
  v128(words: readonly number[]): Mem {
    const key = words.map((word) => word | 0).join(',');
    let operand = this.byKey.get(key);
    if (!operand) {
      const label = new Label();
      operand = ripMem(label);
      this.byKey.set(key, operand);
      this.labels.push(label);
      this.values.push([...words]);
    }
    return operand;
  }

  get isEmpty(): boolean {
    return this.labels.length === 0;
  }

  /** Places the constants at the assembler's position and empties the pool for the next function. */
  emit(asm: Assembler): void {
    while (asm.offset % ALIGN !== 0) asm.byte(PADDING);
    this.labels.forEach((label, i) => {
      asm.bind(label);
      for (const word of this.values[i]!) for (let shift = 0; shift < 32; shift += 8) asm.byte((word >>> shift) & 0xff);
    });
    this.clear();
  }

  clear(): void {
    this.byKey.clear();
    this.labels.length = 0;
    this.values.length = 0;
  }
}
