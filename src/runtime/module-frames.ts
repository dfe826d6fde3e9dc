// A module's answer to "which wasm frame is this PC in": the function whose code holds it, the
// instruction its source marks put it in, and that instruction's byte offset in the module.
// Built at the first trap that asks, kept with the module.
import { CONSTANTS_MARK, PROLOGUE_MARK } from '../compiler/index.js';
import type { CompiledFunction, SourceMarks } from '../compiler/index.js';
import { CodeOffsets, readNames } from '../decode/index.js';
import type { ModuleIR, Names } from '../decode/index.js';
import { lastStartingAtOrBelow } from './sorted-ranges.js';
import { frameName, scriptUrl } from './stack-trace.js';
import type { WasmFrame } from './stack-trace.js';

/** What a module lends: its bytes, its functions' code (a lazy module's change as they compile) and their marks. */
export interface FrameSource {
  ir: ModuleIR;
  wasm: Uint8Array;
  /** Function `index`'s code, imports' thunks included; changes only when `version` does. */
  function(index: number): CompiledFunction | undefined;
  version(): number;
  marksOf(func: CompiledFunction): SourceMarks;
}

export class ModuleFrames {
  private readonly importedFuncs: number;
  private readonly names: Names;
  private readonly url: string;
  private readonly offsets: CodeOffsets;
  /** Defined functions sorted by code offset, for the version they were sorted at. */
  private sorted: CompiledFunction[] = [];
  private sortedVersion = -1;

  constructor(private readonly source: FrameSource) {
    this.importedFuncs = source.ir.imports.filter((i) => i.kind === 'func').length;
    this.names = readNames(source.ir.customSections);
    this.url = scriptUrl(source.wasm, this.names.module);
    this.offsets = new CodeOffsets(source.wasm, source.ir.types);
  }

  /** The frame of a PC `offset` bytes into the module's code, one past its instruction (a return address, a trap site's). */
  frameAt(offset: number): WasmFrame | undefined {
    const func = this.functionAt(offset - 1);
    if (!func) return undefined;
    // A lazy module's stub has no marks: no frame of a function is in it.
    const instruction = markAt(this.source.marksOf(func), offset - 1 - func.offset);
    if (instruction === undefined) return undefined;
    const defined = func.index - this.importedFuncs;
    const byteOffset = instruction === PROLOGUE_MARK ? this.offsets.bodyStart(defined) : this.offsets.instruction(defined, instruction);
    return { functionIndex: func.index, byteOffset, name: frameName(this.names, func.index), scriptUrl: this.url };
  }

  private functionAt(offset: number): CompiledFunction | undefined {
    if (this.sortedVersion !== this.source.version()) {
      this.sortedVersion = this.source.version();
      const count = this.importedFuncs + this.source.ir.funcs.length;
      this.sorted = [];
      for (let index = this.importedFuncs; index < count; index++) {
        const func = this.source.function(index);
        if (func) this.sorted.push(func);
      }
      this.sorted.sort((a, b) => a.offset - b.offset);
    }
    const func = this.sorted[lastStartingAtOrBelow(this.sorted, offset, (f) => f.offset)];
    return func && offset < func.offset + func.size ? func : undefined;
  }
}

/** The instruction of the last mark at or before `offset` in the function's code (undefined in its constants). */
function markAt(marks: SourceMarks, offset: number): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < marks.length && marks[i]! <= offset; i += 2) found = marks[i + 1];
  return found === CONSTANTS_MARK ? undefined : found;
}
