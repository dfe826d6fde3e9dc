// What the runtime knows of every wasm function it has handed to JS (exports, table elements): the
// native code and context to call it with, so that another instance can import it or a table can
// hold it and call it directly, without going through JS.
import type { FuncType } from '../decode/index.js';
import type { Shared } from './lifetime.js';

export interface WasmFunctionRef {
  code: bigint;
  ctx: bigint;
  type: FuncType;
  typeId: number;
  /** The instance whose code and context these are: whoever keeps the pointers retains it. */
  owner: Shared;
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
