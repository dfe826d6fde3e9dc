// The `buffer` measurement: what JS pays for `memory.buffer` right after wasm's `memory.grow 1` (the
// first access makes the new ArrayBuffer), and for the grow itself, in memories of 1 MiB to 1 GiB,
// wasmjit against V8. The user-visible cost used to be garbage collections that V8 started for the
// new buffer's "external memory", so each child also counts the collections during its loop.
import type { Engine } from './engines.js';
import type { BufferResult, Task } from './protocol.js';
import { median } from './stats.js';
import { watToWasm } from '../wat/index.js';

/** Memory sizes measured, in MiB. */
export const BUFFER_SIZES_MIB = [1, 16, 256, 1024] as const;
/** Grows by one page per child, each followed by one timed `memory.buffer`. */
export const BUFFER_GROWS = 50;

const PAGES_PER_MIB = 16;

/** V8's memory and its buffers do not depend on the tier: one V8 engine, default flags. */
export const BUFFER_ENGINES: Array<Pick<Engine, 'label' | 'runtime' | 'nodeFlags'> & { id: 'wasmjit' | 'v8' }> = [
  { id: 'wasmjit', label: 'wasmjit', runtime: 'wasmjit', nodeFlags: [] },
  { id: 'v8', label: 'V8', runtime: 'v8', nodeFlags: [] },
];

export type BufferEngineId = (typeof BUFFER_ENGINES)[number]['id'];

export interface BufferMeasurement {
  /** Medians over the repetitions of each child's median and maximum, and of its collections. */
  bufferUs: number;
  bufferMaxUs: number;
  growUs: number;
  gcs: number;
}

export interface BufferRow {
  mib: number;
  measured: Record<BufferEngineId, BufferMeasurement>;
}

export function bufferModule(mib: number): Promise<Uint8Array> {
  const pages = mib * PAGES_PER_MIB;
  const wat = `(module (memory (export "memory") ${pages} ${pages + BUFFER_GROWS})
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;
  return watToWasm(wat, { filename: `buffer-${mib}mib.wat` });
}

export function bufferTask(runtime: Task['runtime']): Task {
  return { kind: 'buffer', runtime, grows: BUFFER_GROWS };
}

export function summarizeBuffers(results: BufferResult[]): BufferMeasurement {
  return {
    bufferUs: median(results.map((r) => r.bufferUs)),
    bufferMaxUs: median(results.map((r) => r.bufferMaxUs)),
    growUs: median(results.map((r) => r.growUs)),
    gcs: median(results.map((r) => r.gcs)),
  };
}
