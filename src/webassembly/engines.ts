// Which engine gets a module. wasmjit compiles every module it can; when it rejects one, V8's
// validator decides whether the module is invalid (the CompileError stands) or uses something wasmjit
// lacks — then the module goes to V8 if the namespace falls back, or fails with an error that says so.
import { debuglog } from 'node:util';
import { Module } from '../runtime/module.js';
import { V8WebAssembly } from '../runtime/v8-webassembly.js';

export interface NamespaceOptions {
  /**
   * `'v8'`: a module (or a shared memory, or another object) wasmjit cannot handle goes to V8, with
   * one line on stderr. Without it such a module is a CompileError naming what wasmjit lacks.
   * Unset, the `WASMJIT_FALLBACK` environment variable decides at each compile.
   */
  fallback?: 'v8' | 'none';
}

/** A module of either engine: the namespace's functions take both. */
export type AnyModule = Module | WebAssembly.Module;

const debug = debuglog('wasmjit');

export function fallsBack(options: NamespaceOptions): boolean {
  return (options.fallback ?? process.env.WASMJIT_FALLBACK) === 'v8';
}

/** Says on stderr, once per thing handed over, that V8 runs it instead of wasmjit. */
export function announceFallback(api: string, what: string, reason: string): void {
  process.stderr.write(`wasmjit: ${api}: ${what} handed to V8: ${reason}\n`);
}

/** A CompileError with V8's shape: the API that was called, then the message. */
function compileError(api: string, message: string): WebAssembly.CompileError {
  return new V8WebAssembly.CompileError(`${api}: ${message}`);
}

/**
 * Compiles `bytes` (which the caller no longer changes: V8 copies them at the call, and so must
 * every caller of this) with wasmjit, or with V8 as the options allow.
 */
export function compileWithEngines(bytes: Uint8Array<ArrayBuffer>, api: string, options: NamespaceOptions): AnyModule {
  const start = performance.now();
  let module: Module;
  try {
    // WASMJIT_CACHE_DIR: a second process loads the module from the code cache instead of compiling it.
    module = Module.fromBytes(bytes, { cache: process.env.WASMJIT_CACHE_DIR || undefined });
  } catch (err) {
    if (!(err instanceof V8WebAssembly.CompileError)) throw err;
    if (!V8WebAssembly.validate(bytes)) throw compileError(api, err.message);
    if (!fallsBack(options)) {
      debug('%s: wasmjit cannot compile a module of %d bytes that V8 accepts (%s)', api, bytes.length, err.message);
      throw compileError(api, `wasmjit cannot compile this module, which V8 accepts: ${err.message} (WASMJIT_FALLBACK=v8 hands such modules to V8)`);
    }
    announceFallback(api, `a module of ${bytes.length} bytes`, err.message);
    const v8Module = new V8WebAssembly.Module(bytes);
    debug('%s: V8 compiled a module of %d bytes (wasmjit: %s)', api, bytes.length, err.message);
    return v8Module;
  }
  const elapsed = performance.now() - start;
  debug('%s: wasmjit compiled a module of %d bytes, %d functions, in %s ms', api, bytes.length, module.ir.funcs.length, elapsed.toFixed(1));
  return module;
}

/** Whether the bytes are a valid module: wasmjit's decoder and validator, V8's for what wasmjit rejects. */
export function validateWithEngines(bytes: Uint8Array<ArrayBuffer>): boolean {
  return Module.validates(bytes) || V8WebAssembly.validate(bytes);
}
