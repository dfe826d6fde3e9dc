// What the runtime knows of every wasm function it has handed to JS (exports, table elements,
// funcref results): its record (the funcref value generated code uses), code and context, so that
// another instance can import it or a table can hold it and call it directly, without going through JS.
import type { FuncType } from '../decode/index.js';
import type { Lifetime } from './lifetime.js';

export interface WasmFunctionRef {
  /** The function record's address: the funcref value. */
  record: bigint;
  code: bigint;
  ctx: bigint;
  type: FuncType;
  /** The instance whose code and context these are: whoever keeps the pointers joins its lifetime. */
  owner: Lifetime;
}

const refs = new WeakMap<object, WasmFunctionRef>();

export function registerWasmFunction(fn: object, ref: WasmFunctionRef): void {
  refs.set(fn, ref);
}

export function wasmFunctionRef(value: unknown): WasmFunctionRef | undefined {
  return typeof value === 'function' ? refs.get(value) : undefined;
}

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  const same = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((t, i) => t === y[i]);
  return same(a.params, b.params) && same(a.results, b.results);
}
