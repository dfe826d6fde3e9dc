// @tybys/wasm-util reaches the memory through `instanceof WebAssembly.Memory` and, for a V8 memory,
// getters that brand-check it (`HEAPU8`, `view` read V8's `buffer`). A wasmjit memory is neither, so
// the WASI calls get this facade: an object that passes the instanceof check and answers every
// property they read (buffer, HEAPU8, view, grow) from the instance's own memory, wasmjit's or V8's.

/** What the WASI calls need of an exported memory. */
export interface MemoryLike {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

/** The facade over `memory`. Its prototype sits below WebAssembly.Memory.prototype, so the library does not re-prototype it. */
export function memoryFacade(memory: MemoryLike): WebAssembly.Memory {
  const facadePrototype = Object.create(WebAssembly.Memory.prototype) as object;
  return Object.create(facadePrototype, {
    buffer: { get: () => memory.buffer },
    HEAPU8: { get: () => new Uint8Array(memory.buffer) },
    view: { get: () => new DataView(memory.buffer) },
    grow: { value: (delta: number) => memory.grow(delta) },
  }) as WebAssembly.Memory;
}
