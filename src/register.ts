// `node --import wasmjit/register app.js`: the app's `WebAssembly` is wasmjit's, with the property
// attributes V8 gives the global (writable, configurable, not enumerable). `WASMJIT_FALLBACK=v8`
// hands modules wasmjit cannot compile to V8; `NODE_DEBUG=wasmjit` says which engine got each one.
// Only the namespace: the disassembler and the text format stay unloaded (start-up cost).
import { WebAssemblyOnWasmjit } from './webassembly/namespace.js';

Object.defineProperty(globalThis, 'WebAssembly', { value: WebAssemblyOnWasmjit, writable: true, enumerable: false, configurable: true });
