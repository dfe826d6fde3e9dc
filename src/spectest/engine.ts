// The engines the runner can test, behind one small interface: Node's own WebAssembly (v8) and the
// built wasmjit package (dist/index.js), which must export `instantiate` and may export `compile`,
// `Memory` and `Table`.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ENGINE_ENTRY } from './paths.js';
import type { EngineName } from './types.js';

export interface Instance {
  exports: Record<string, unknown>;
  dispose?: () => void;
}

export type Imports = Record<string, Record<string, unknown>>;

/** Module bytes as read from a file or built in memory (never over a SharedArrayBuffer). */
export type WasmBytes = Uint8Array<ArrayBuffer>;

export interface Engine {
  instantiate(bytes: WasmBytes, imports: Imports): Promise<Instance>;
  /** Compile without instantiating; null when the engine has no `compile` (then instantiate is used). */
  compile: ((bytes: WasmBytes) => Promise<unknown>) | null;
  Memory: new (descriptor: WebAssembly.MemoryDescriptor) => unknown;
  Table: new (descriptor: WebAssembly.TableDescriptor) => unknown;
}

/** The engine could not be loaded at all; the CLI reports it in one line and exits 2. */
export class EngineLoadError extends Error {}

/** A compiled module of the package, as far as the artifact engine uses it. */
interface PackageModule {
  serialize(): Uint8Array;
  dispose(): void;
}

interface PackageApi {
  instantiate: (bytes: WasmBytes | PackageModule, imports: Imports) => Promise<unknown>;
  Module?: { deserialize?: (bytes: Uint8Array) => PackageModule };
  compile?: unknown;
  Memory?: unknown;
  Table?: unknown;
}

// `instantiate(bytes)` resolves to {module, instance} (as WebAssembly.instantiate does).
function instanceFrom(result: unknown): Instance {
  const r = result as { instance?: Instance } | null;
  const instance = r && typeof r === 'object' && r.instance ? r.instance : (r as unknown as Instance);
  if (!instance || typeof instance !== 'object' || !instance.exports) {
    throw new Error('instantiate() did not resolve to {instance} with exports');
  }
  return instance;
}

function v8Engine(): Engine {
  return {
    instantiate: async (bytes, imports) => instanceFrom(await WebAssembly.instantiate(bytes, imports as WebAssembly.Imports)),
    compile: (bytes) => WebAssembly.compile(bytes),
    Memory: WebAssembly.Memory,
    Table: WebAssembly.Table,
  };
}

async function importPackage(): Promise<PackageApi> {
  if (!fs.existsSync(ENGINE_ENTRY)) {
    throw new EngineLoadError(`${ENGINE_ENTRY} does not exist (run \`npm run build\` first)`);
  }
  let api: Partial<PackageApi>;
  try {
    api = await import(pathToFileURL(ENGINE_ENTRY).href);
  } catch (e) {
    throw new EngineLoadError(`cannot import ${ENGINE_ENTRY}: ${(e as Error)?.message ?? e}`);
  }
  if (typeof api.instantiate !== 'function') {
    throw new EngineLoadError(`${ENGINE_ENTRY} does not export a function "instantiate"`);
  }
  return api as PackageApi;
}

async function wasmjitEngine(): Promise<Engine> {
  const api = await importPackage();
  const compile = typeof api.compile === 'function' ? (api.compile as Engine['compile']) : null;
  return {
    instantiate: async (bytes, imports) => instanceFrom(await api.instantiate(bytes, imports)),
    compile: compile && ((bytes) => compile(bytes)),
    Memory: typeof api.Memory === 'function' ? (api.Memory as Engine['Memory']) : WebAssembly.Memory,
    Table: typeof api.Table === 'function' ? (api.Table as Engine['Table']) : WebAssembly.Table,
  };
}

/** wasmjit, every module compiled, serialized and deserialized: what a run from an artifact does. */
async function wasmjitArtifactEngine(): Promise<Engine> {
  const api = await importPackage();
  const { compile, Module } = api;
  if (typeof compile !== 'function' || typeof Module?.deserialize !== 'function') {
    throw new EngineLoadError(`${ENGINE_ENTRY} does not export compile and Module.deserialize`);
  }
  const roundTrip = async (bytes: WasmBytes): Promise<PackageModule> => {
    const compiled = (await (compile as (bytes: WasmBytes) => Promise<PackageModule>)(bytes));
    try {
      return Module.deserialize!(compiled.serialize());
    } finally {
      compiled.dispose();
    }
  };
  const engine = await wasmjitEngine();
  return {
    ...engine,
    instantiate: async (bytes, imports) => instanceFrom(await api.instantiate(await roundTrip(bytes), imports)),
    compile: roundTrip,
  };
}

/** wasmjit, every module compiled lazily: validated whole by `compile`, each function compiled on its first call. */
async function wasmjitLazyEngine(): Promise<Engine> {
  const api = await importPackage();
  if (typeof api.compile !== 'function') throw new EngineLoadError(`${ENGINE_ENTRY} does not export compile`);
  const compile = api.compile as (bytes: WasmBytes, options: { lazy: boolean }) => Promise<PackageModule>;
  const engine = await wasmjitEngine();
  return {
    ...engine,
    instantiate: async (bytes, imports) => instanceFrom(await api.instantiate(await compile(bytes, { lazy: true }), imports)),
    compile: (bytes) => compile(bytes, { lazy: true }),
  };
}

const LOADERS: Record<EngineName, () => Promise<Engine>> = {
  v8: async () => v8Engine(),
  wasmjit: wasmjitEngine,
  'wasmjit-artifact': wasmjitArtifactEngine,
  'wasmjit-lazy': wasmjitLazyEngine,
};

export function loadEngine(name: EngineName): Promise<Engine> {
  return LOADERS[name]();
}
