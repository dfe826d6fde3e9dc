// Global: a typed value cell in native memory, shaped like WebAssembly.Global. Generated code reads
// and writes the cell through the pointer in its context, so an imported global is the exporter's cell.
import type { ValType } from '../decode/index.js';
import { allocateCell, releaseCell } from './cells.js';
import type { Cell } from './cells.js';
import { Lifetime } from './lifetime.js';
import { isReference, referenceBits, slotReader, slotWriter } from './values.js';
import { externrefGlobalDefault } from './v8-conversions.js';
import { globalValueGetter, globalValueSetter } from './v8-messages.js';

export interface GlobalDescriptor {
  value: ValType | 'anyfunc';
  mutable?: boolean;
}

const GLOBAL_TYPES: Record<string, ValType> = {
  i32: 'i32', i64: 'i64', f32: 'f32', f64: 'f64', anyfunc: 'funcref', funcref: 'funcref', externref: 'externref',
};

export class Global {
  readonly type: ValType;
  readonly mutable: boolean;
  readonly cell: Cell;
  /** A JS-made global holds its group until collected; an instance's own global is joined to the instance. */
  readonly lifetime: Lifetime;

  /**
   * `cell` is given for a global an instance defines: its cell lives in the instance's context.
   * As in V8, an undefined `value` stands for the default of a number type, but a reference type
   * takes its default only when no value is given at all (for externref, undefined is a value).
   */
  constructor(descriptor: GlobalDescriptor, value?: unknown, cell?: Cell) {
    // JS cannot make a v128 global (V8 names no such type); an instance can.
    const type = cell && descriptor.value === 'v128' ? 'v128' : GLOBAL_TYPES[descriptor.value];
    if (!type) {
      throw new TypeError("WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type");
    }
    this.type = type;
    this.mutable = Boolean(descriptor.mutable);
    const ownCell = cell ?? allocateCell();
    this.cell = ownCell;
    this.lifetime = cell ? new Lifetime(this, () => {}, false) : new Lifetime(this, () => releaseCell(ownCell), true);
    if (!cell) {
      const defaulted = value === undefined && (arguments.length < 2 || !isReference(this.type));
      this.write(defaulted ? defaultValue(this.type) : value, 'WebAssembly.Global(): ');
    }
  }

  /** As in V8, a float global reads as the canonical NaN, whatever its payload. */
  get value(): unknown {
    this.assertAlive();
    if (this.type === 'v128') throw new TypeError(`${globalValueGetter()}: Can't get the value of s128 WebAssembly.Global`);
    const value = slotReader(this.type)(this.cell.views, this.cell.slot);
    return typeof value === 'number' && Number.isNaN(value) ? NaN : value;
  }

  set value(value: unknown) {
    if (!this.mutable) throw new TypeError(`${globalValueSetter()}: Can't set the value of an immutable global.`);
    if (this.type === 'v128') throw new TypeError(`${globalValueSetter()}: Can't set the value of s128 WebAssembly.Global`);
    this.assertAlive();
    this.write(value, `${globalValueSetter()}: `);
  }

  /** An instance's global lives in its context, which is gone once the instance is. */
  private assertAlive(): void {
    if (this.lifetime.isFreed) throw new Error('wasmjit: this global belongs to a disposed instance');
  }

  valueOf(): unknown {
    if (this.type === 'v128') throw new TypeError("WebAssembly.Global.valueOf(): Can't get the value of s128 WebAssembly.Global");
    return this.value;
  }

  /** Writes without the mutability check; `context` starts V8's message for a bad reference. */
  private write(value: unknown, context: string): void {
    if (isReference(this.type)) {
      this.cell.views.int64[this.cell.slot] = referenceBits(this.type, value, this.lifetime, context);
    } else {
      slotWriter(this.type)(this.cell.views, this.cell.slot, value);
    }
  }

  /** The raw cell contents (a reference value's bits; all 128 of a v128), for initialisers. */
  get bits(): bigint {
    const { int64 } = this.cell.views;
    const low = int64[this.cell.slot]!;
    return this.type === 'v128' ? (BigInt.asUintN(64, int64[this.cell.slot + 1]!) << 64n) | BigInt.asUintN(64, low) : low;
  }

  set bits(bits: bigint) {
    const { int64 } = this.cell.views;
    int64[this.cell.slot] = BigInt.asIntN(64, bits);
    if (this.type === 'v128') int64[this.cell.slot + 1] = BigInt.asIntN(64, bits >> 64n);
  }
}

function defaultValue(type: ValType): unknown {
  if (type === 'i64') return 0n;
  if (type === 'externref') return externrefGlobalDefault();
  return type === 'funcref' ? null : 0;
}
