// Global: a typed value cell in native memory, shaped like WebAssembly.Global. Generated code reads
// and writes the cell through the pointer in its context, so an imported global is the exporter's cell.
import type { ValType } from '../decode/index.js';
import { allocateCell } from './cells.js';
import type { Cell } from './cells.js';
import type { Shared } from './lifetime.js';
import { slotReader, slotWriter } from './values.js';

export interface GlobalDescriptor {
  value: ValType;
  mutable?: boolean;
}

const GLOBAL_TYPES = new Set<string>(['i32', 'i64', 'f32', 'f64']);

export class Global {
  readonly type: ValType;
  readonly mutable: boolean;
  readonly cell: Cell;

  /**
   * `cell` and `owner` are given for a global an instance defines: its cell lives in the instance's
   * context, which an importing instance must keep alive.
   */
  constructor(descriptor: GlobalDescriptor, value?: unknown, cell?: Cell, readonly owner?: Shared) {
    if (!GLOBAL_TYPES.has(descriptor.value)) {
      throw new TypeError(`WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type (got ${String(descriptor.value)})`);
    }
    this.type = descriptor.value;
    this.mutable = Boolean(descriptor.mutable);
    this.cell = cell ?? allocateCell();
    if (!cell) this.write(value === undefined ? defaultValue(this.type) : value);
  }

  get value(): unknown {
    return slotReader(this.type)(this.cell.views, this.cell.slot);
  }

  set value(value: unknown) {
    if (!this.mutable) throw new TypeError("WebAssembly.Global.value: Can't set the value of an immutable global.");
    this.write(value);
  }

  valueOf(): unknown {
    return this.value;
  }

  /** Writes without the mutability check (initialisation). */
  write(value: unknown): void {
    slotWriter(this.type)(this.cell.views, this.cell.slot, value);
  }
}

function defaultValue(type: ValType): unknown {
  return type === 'i64' ? 0n : 0;
}
