// The package's entries, bundled after tsc: `import('wasmjit')` then reads two files instead of the
// sixty-odd modules tsc emits, which alone cost Node about 25 ms to resolve and compile (its ES module
// loader pays ~0.3 ms per file). The chunks go to dist/bundle/, one directory below dist/ like every
// emitted module, so that a path relative to import.meta.url that first climbs out of its directory
// ('../compiler/chunk-worker.js', '../../package.json') resolves the same from either. Dependencies
// (koffi, capstone, wabt, @tybys/wasm-util) stay external. The tests run the sources; test/startup.test.ts and the
// package and bench children run the bundle.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { index: 'dist/index.js', register: 'dist/register.js', wasi: 'dist/wasi/index.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
