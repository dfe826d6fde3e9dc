// The engines compared, each run in a child process of its own with these Node flags.
//
// Node 20's V8 tiers up dynamically: with `--liftoff --no-wasm-tier-up` alone, hot functions are
// still recompiled by TurboFan (measured: matmul-f64 drops from 290 to 85 ms on the second call), so
// Liftoff-only also needs `--no-wasm-dynamic-tiering`. V8 compiles lazily by default, on a function's
// first call: the warm-up call pays for that, and the compile-throughput child turns it off.

export type EngineId = 'liftoff' | 'turbofan' | 'wasmjit';
/** What runs the module inside the child: V8's WebAssembly or the built wasmjit package. */
export type Runtime = 'v8' | 'wasmjit';

export interface Engine {
  id: EngineId;
  label: string;
  runtime: Runtime;
  nodeFlags: string[];
}

export const LIFTOFF_FLAGS = ['--liftoff', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];
export const EAGER_COMPILATION_FLAG = '--no-wasm-lazy-compilation';

export const ENGINES: Engine[] = [
  { id: 'liftoff', label: 'Liftoff', runtime: 'v8', nodeFlags: LIFTOFF_FLAGS },
  { id: 'turbofan', label: 'TurboFan', runtime: 'v8', nodeFlags: ['--no-liftoff'] },
  { id: 'wasmjit', label: 'wasmjit', runtime: 'wasmjit', nodeFlags: [] },
];

/** wasmjit's code with fuel metering, and with interrupt polling (compiler/metering.ts). */
export type Metering = 'fuel' | 'interruptible';

/** The metered wasmjit runs, measured on the integer and float kernels against plain wasmjit. */
export const METERED_ENGINES: Array<Pick<Engine, 'label' | 'runtime' | 'nodeFlags'> & { metering: Metering }> = [
  { metering: 'fuel', label: 'wasmjit fuel', runtime: 'wasmjit', nodeFlags: [] },
  { metering: 'interruptible', label: 'wasmjit interruptible', runtime: 'wasmjit', nodeFlags: [] },
];

/** `items` rotated left by `by`: each repetition starts with a different engine. */
export function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
