// V8's own WebAssembly namespace, captured when wasmjit loads: `wasmjit/register` replaces
// `globalThis.WebAssembly` with wasmjit's, and the runtime still needs V8's (its error classes are
// the ones glue code tests with `instanceof`; V8 arbitrates what wasmjit rejects; fallback modules).

/** Where a wasmjit namespace keeps the V8 namespace it replaced, so a second copy of wasmjit finds it. */
export const V8_NAMESPACE = Symbol.for('wasmjit.v8WebAssembly');

const current = globalThis.WebAssembly as typeof WebAssembly & { [V8_NAMESPACE]?: typeof WebAssembly };

export const V8WebAssembly: typeof WebAssembly = current[V8_NAMESPACE] ?? current;
