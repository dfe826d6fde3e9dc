// Trap sites: every place a function may trap gets a `call` of its own, out of line after the
// function's instructions, to the chunk's stub for the trap code. The call's return address is then
// a PC unique to the site, which the trap path records (see entry.ts `emitTrapWalk`) and a source
// mark maps back to the trapping instruction — for stack traces, at the cost of 5 bytes of cold code
// per (instruction, trap code) and nothing on the path that does not trap.
import { Label } from '../x64/index.js';
import type { Assembler } from '../x64/index.js';
import type { SourceMarkRecorder } from './function.js';

export class TrapSites {
  private readonly labels: Label[] = [];
  private readonly codes: number[] = [];
  private readonly instructions: number[] = [];

  constructor(private readonly marks: SourceMarkRecorder) {}

  /** The label for trap `code` in the instruction being compiled (the last one marked), shared by its sites of that code. */
  label(code: number): Label {
    const instruction = this.marks.lastInstruction;
    const { labels, codes, instructions } = this;
    for (let i = labels.length - 1; i >= 0 && instructions[i] === instruction; i--) {
      if (codes[i] === code) return labels[i]!;
    }
    const label = new Label();
    labels.push(label);
    codes.push(code);
    instructions.push(instruction);
    return label;
  }

  /** Emits the function's sites (`start`: its first byte), each marked with its instruction, and forgets them. */
  emit(asm: Assembler, start: number, stub: (code: number) => Label): void {
    const { labels, codes, instructions } = this;
    for (let i = 0; i < labels.length; i++) {
      asm.bind(labels[i]!);
      this.marks.add(asm.offset - start, instructions[i]!);
      asm.call(stub(codes[i]!));
    }
    labels.length = 0;
    codes.length = 0;
    instructions.length = 0;
  }
}
