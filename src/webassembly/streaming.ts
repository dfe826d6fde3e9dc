// compileStreaming and instantiateStreaming: a Response (or a promise of one) whose body is the module.
// Node makes the checks of the response (lib/internal/wasm_web_api.js) before V8 sees a byte: it must
// be a Response, of type application/wasm, ok, its body unused. A response that fails them is given to
// V8's own compileStreaming, which rejects with Node's exact error (text and code) and compiles
// nothing; wasmjit reads the body of one that passes and compiles it.
import type { AnyModule } from './engines.js';
import { V8WebAssembly } from '../runtime/v8-webassembly.js';
import type { InstantiateApi } from '../runtime/v8-messages.js';
import { checkImportsArgument } from './arguments.js';

type Compile = (bytes: Uint8Array<ArrayBuffer>, api: string) => AnyModule;
type Instantiate = (module: AnyModule, imports: Record<string, unknown> | undefined, api: InstantiateApi) => object;

/** Whether Node's checks let the response through to the compiler. */
function passesNodeChecks(response: unknown): response is Response {
  return (
    typeof Response === 'function' &&
    response instanceof Response &&
    response.headers.get('Content-Type') === 'application/wasm' &&
    response.ok &&
    !response.bodyUsed
  );
}

async function responseBytes(source: unknown): Promise<Uint8Array<ArrayBuffer> | { rejected: Promise<never> }> {
  const response = await source;
  if (!passesNodeChecks(response)) return { rejected: V8WebAssembly.compileStreaming(response as Response) as Promise<never> };
  return new Uint8Array(await response.arrayBuffer());
}

export async function compileStreaming(source: unknown, compile: Compile): Promise<AnyModule> {
  const bytes = await responseBytes(source);
  if (!(bytes instanceof Uint8Array)) return bytes.rejected;
  return compile(bytes, 'WebAssembly.compileStreaming()');
}

export function instantiateStreaming(
  source: unknown,
  imports: unknown,
  compile: Compile,
  instantiate: Instantiate,
): Promise<{ module: AnyModule; instance: object }> {
  const api = 'WebAssembly.instantiateStreaming()';
  let checked: Record<string, unknown> | undefined;
  try {
    checked = checkImportsArgument(imports, api);
  } catch (err) {
    return Promise.reject(err);
  }
  return (async () => {
    const bytes = await responseBytes(source);
    if (!(bytes instanceof Uint8Array)) return bytes.rejected;
    const module = compile(bytes, api);
    // V8 names the instantiation step as WebAssembly.instantiate's.
    return { module, instance: instantiate(module, checked, 'WebAssembly.instantiate()') };
  })();
}
