// Asking the running V8 how it behaves, for the few texts and conversions that differ between the V8
// versions Node ships (v8-messages.ts, v8-conversions.ts). V8 itself answers, so a version this
// project never saw still gets its own texts when they match a known form. Each question is asked
// once, on first need (a tiny module compiles in ~15 µs), of V8's own WebAssembly namespace as it was
// when wasmjit loaded (v8-webassembly.ts): globalThis.WebAssembly may be wasmjit's by now.
import { V8WebAssembly } from './v8-webassembly.js';

/** Undefined when V8 has no WebAssembly (e.g. --jitless). */
const v8Api: typeof WebAssembly | undefined = V8WebAssembly;

/** `ask`'s answer, computed on the first call and kept. */
export function lazily<T>(ask: () => T): () => T {
  let answer: { value: T } | undefined;
  return () => (answer ??= { value: ask() }).value;
}

/**
 * What `run` does with V8's WebAssembly namespace: its result, or the message of the error it
 * throws; undefined when V8 has no WebAssembly (e.g. --jitless) or throws something else.
 */
export function askV8<T>(run: (wasm: typeof WebAssembly) => T): { value: T } | { message: string } | undefined {
  if (!v8Api) return undefined;
  try {
    return { value: run(v8Api) };
  } catch (error) {
    return error instanceof Error ? { message: error.message } : undefined;
  }
}

/** The message of the error `run` throws in V8; undefined when it does not throw. */
export function v8Message(run: (wasm: typeof WebAssembly) => unknown): string | undefined {
  const answer = askV8(run);
  return answer && 'message' in answer ? answer.message : undefined;
}

/**
 * The form V8 uses among the known forms of one text, oldest first: the one whose rendering of the
 * probe's case is exactly what V8 said; the newest when none is (a V8 newer than the table).
 */
export function formV8Uses<F>(forms: readonly [F, ...F[]], said: string | undefined, render: (form: F) => string): F {
  return forms.find((form) => render(form) === said) ?? forms[forms.length - 1]!;
}

/** A module from its sections (each given whole: id, size, contents). */
export function probeModule(wasm: typeof WebAssembly, ...sections: number[][]): WebAssembly.Module {
  return new wasm.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]));
}

/** An import section of one import `"m" "f"` of the given kind and description. */
export const importSection = (description: number[]): number[] => [0x02, 5 + description.length, 0x01, 0x01, 0x6d, 0x01, 0x66, ...description];
