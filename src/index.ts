// wasmjit: a WebAssembly → x86-64 JIT for Node. The public API mirrors WebAssembly.compile/instantiate.
import { Instance } from './runtime/instance.js';
import { Module } from './runtime/module.js';
import type { ModuleOptions } from './runtime/module.js';
import type { InstanceOptions } from './runtime/instance.js';
import type { Memory as RuntimeMemory } from './runtime/memory.js';
import type { Table as RuntimeTable } from './runtime/table.js';
import type { Global as RuntimeGlobal } from './runtime/global.js';
import { WebAssemblyOnWasmjit } from './webassembly/namespace.js';

export { watToWasm } from './wat/index.js';
/**
 * Loads the disassembler `module.disassemble()` uses (capstone, about 35 ms): await it once first.
 * Importing wasmjit does not load it, so that programs that never disassemble do not pay for it.
 */
export { loadDisassembler } from './x64/disassembler.js';
/** Starts the worker threads large modules are compiled on (otherwise the first large compile starts them for the next ones). */
export { startCompileWorkers } from './compiler/index.js';
export type { WatOptions } from './wat/index.js';
export { Module, Instance };
export type { ModuleExportDescriptor, ModuleOptions } from './runtime/module.js';
/** What `Module.deserialize` throws for an artifact it cannot load; `reason` names the failed check. */
export { ArtifactError } from './runtime/artifact.js';
export type { ArtifactErrorReason } from './runtime/artifact.js';
export { LAZY_THRESHOLD_BYTES, lazyCompileStats } from './runtime/module.js';
export type { LazyCompileStats } from './runtime/module.js';
export type { ExportValue, InstanceOptions } from './runtime/instance.js';
export { interrupt } from './runtime/interrupt.js';
export type { InterruptHandle } from './runtime/interrupt.js';
/** V8's WebAssembly namespace, backed by wasmjit (`wasmjit/register` installs it as the global). */
export { WebAssemblyOnWasmjit as WebAssembly, createWebAssembly } from './webassembly/namespace.js';

/**
 * The namespace's constructors, typed as the runtime's classes: `new Memory(…)` makes the same object
 * as `new WebAssembly.Memory(…)`, with its checks (a shared memory is refused, not silently unshared).
 */
export const Memory = WebAssemblyOnWasmjit.Memory as unknown as typeof RuntimeMemory;
export type Memory = RuntimeMemory;
export const Table = WebAssemblyOnWasmjit.Table as unknown as typeof RuntimeTable;
export type Table = RuntimeTable;
export const Global = WebAssemblyOnWasmjit.Global as unknown as typeof RuntimeGlobal;
export type Global = RuntimeGlobal;
export type { NamespaceOptions } from './webassembly/engines.js';

/** Module bytes: any ArrayBuffer or view of one (a Node Buffer, a Uint8Array, …). */
export type WasmBytes = ArrayBufferLike | ArrayBufferView;

/** `{module: {name: value}}`: functions, Memory, Table, Global objects or numbers, as for V8. */
export type Imports = Record<string, unknown>;

function toBytes(source: WasmBytes): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer || source instanceof SharedArrayBuffer) return new Uint8Array(source);
  throw new TypeError('wasmjit: expected the module bytes as an ArrayBuffer or a typed array');
}

/** Decodes, validates and compiles a module; throws WebAssembly.CompileError on bad or unsupported input. */
export async function compile(bytes: WasmBytes, options?: ModuleOptions): Promise<Module> {
  return Module.fromBytes(toBytes(bytes), options);
}

/** Like WebAssembly.instantiate: bytes give `{module, instance}`, a Module gives the instance. */
/**
 * `options` (wasmjit's own): fuel and deadlines (see InstanceOptions); bytes are compiled for them,
 * a Module must have been (`compile(bytes, { fuel: true, interruptible: true })`).
 */
export async function instantiate(source: Module, imports?: Imports, options?: InstanceOptions): Promise<Instance>;
export async function instantiate(source: WasmBytes, imports?: Imports, options?: InstanceOptions): Promise<{ module: Module; instance: Instance }>;
export async function instantiate(
  source: Module | WasmBytes,
  imports?: Imports,
  options: InstanceOptions = {},
): Promise<Instance | { module: Module; instance: Instance }> {
  if (imports !== undefined && (imports === null || typeof imports !== 'object')) {
    throw new TypeError('WebAssembly.instantiate(): Argument 1 must be an object');
  }
  if (source instanceof Module) return new Instance(source, imports, false, undefined, options);
  const interruptible = options.interruptible === true || options.timeout !== undefined;
  const module = Module.fromBytes(toBytes(source), { fuel: options.fuel !== undefined, interruptible });
  return { module, instance: new Instance(module, imports, true, undefined, options) };
}
