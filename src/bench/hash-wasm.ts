// WebAssembly modules inside the hash-wasm package (a devDependency, possibly absent): the biggest as
// a real-world input for compile throughput, a small C program for start-up. hash-wasm's bundle
// inlines each module as `var name$X = "sha256"; var data$X = "<base64 .wasm>";`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface HashWasmModule {
  name: string;
  bytes: Uint8Array;
}

const BUNDLE = 'hash-wasm/dist/index.esm.js';
const INLINED_MODULE = /^\s*var name(\$\w+)? = "(\w+)";\s*var data\1 = "([A-Za-z0-9+/=]+)";/gm;

/** Every module the bundle inlines, or why there is none. */
function hashWasmModules(): HashWasmModule[] | { missing: string } {
  let source: string;
  try {
    source = readFileSync(createRequire(import.meta.url).resolve(BUNDLE), 'utf8');
  } catch {
    return { missing: 'hash-wasm is not installed (npm install --save-dev hash-wasm)' };
  }
  const modules = [...source.matchAll(INLINED_MODULE)].map(([, , name, base64]) => ({
    name,
    bytes: new Uint8Array(Buffer.from(base64, 'base64')),
  }));
  return modules.length > 0 ? modules : { missing: `no inlined wasm modules found in ${BUNDLE}` };
}

/** The biggest module, or why there is none. */
export function biggestHashWasmModule(): HashWasmModule | { missing: string } {
  const modules = hashWasmModules();
  if ('missing' in modules) return modules;
  return modules.reduce((biggest, m) => (m.bytes.length > biggest.bytes.length ? m : biggest));
}

/** The module called `name` (e.g. sha256, a small C program), or why there is none. */
export function hashWasmModule(name: string): HashWasmModule | { missing: string } {
  const modules = hashWasmModules();
  if ('missing' in modules) return modules;
  return modules.find((m) => m.name === name) ?? { missing: `hash-wasm inlines no module called ${name}` };
}
