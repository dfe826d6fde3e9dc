// A fuzz_shell.js-style run (every export in order, nulls for arguments, the hang limit never reset)
// in V8 and in wasmjit, reduced to the transcript binaryen's interpreter output is compared with.
import { compile, instantiate } from '../index.js';
import { shellPrinted } from './binaryen.js';
import { buildImports, EngineContext } from './host.js';
import { HostObjects } from './values.js';
import { exportedSignatures } from './wasm-sections.js';

type Instantiator = (bytes: Uint8Array, imports: WebAssembly.Imports) => Promise<{ exports: Record<string, unknown>; dispose(): void }>;

const ENGINES: Record<'v8' | 'wasmjit', Instantiator> = {
  v8: async (bytes, imports) => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), imports);
    return { exports: instance.exports as Record<string, unknown>, dispose() {} };
  },
  wasmjit: async (bytes, imports) => {
    const module = await compile(bytes);
    const instance = await instantiate(module, imports);
    return {
      exports: instance.exports as Record<string, unknown>,
      dispose() {
        instance.dispose();
        module.dispose();
      },
    };
  },
};

const ZERO_ARGUMENTS: Record<string, unknown> = { i32: 0, i64: 0n, f32: 0, f64: 0 };

/**
 * The transcript, or null when the module does not instantiate (nothing to compare then). Exports
 * get zeros of their parameter types, as binaryen's interpreter gives them (fuzz_shell.js's nulls
 * would make every i64 parameter a TypeError in JS).
 */
export async function shellTranscript(bytes: Uint8Array, engine: 'v8' | 'wasmjit'): Promise<string[] | null> {
  const descriptors = new WebAssembly.Module(new Uint8Array(bytes));
  const ctx = new EngineContext(new HostObjects());
  let instance;
  try {
    instance = await ENGINES[engine](bytes, buildImports(WebAssembly.Module.imports(descriptors), ctx));
  } catch {
    return null;
  }
  const order = WebAssembly.Module.exports(descriptors);
  const signatures = exportedSignatures(bytes);
  ctx.setExports(instance.exports, order.map((e) => e.name));
  const lines: string[] = [];
  try {
    for (const e of order) {
      const fn = instance.exports[e.name];
      if (e.kind !== 'function' || typeof fn !== 'function') continue;
      lines.push(`call ${e.name}`);
      ctx.printed.length = 0;
      let result: unknown;
      let threw = false;
      try {
        result = (fn as (...a: unknown[]) => unknown)(...(signatures.get(e.name)?.params ?? []).map((t) => ZERO_ARGUMENTS[t] ?? null));
      } catch {
        threw = true;
      }
      lines.push(...ctx.printed);
      if (threw) lines.push('exception');
      else if (Array.isArray(result)) lines.push(`result ${shellPrinted(result[0])}`, ...result.slice(1).map((v) => `value ${shellPrinted(v)}`));
      else if (result !== undefined) lines.push(`result ${shellPrinted(result)}`);
    }
  } finally {
    instance.dispose();
  }
  return lines;
}
