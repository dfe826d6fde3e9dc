// The reference a WASI program's run under wasmjit is compared with: the same .wasm under V8 and
// node:wasi, run as `node --no-warnings wasi-v8-run.mjs '{"args":[…],"env":{…},"preopens":{…}}' prog.wasm`
// with the process's own stdin, stdout and stderr. It exits with the program's exit status; a trap
// prints "<name>: <message>" on stderr and exits 134, as `wasmjit run` does.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [options, file] = process.argv.slice(2);
const { args, env, preopens } = JSON.parse(options);
const wasi = new WASI({ version: 'preview1', args, env, preopens, returnOnExit: true });
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject());
try {
  process.exitCode = wasi.start(instance);
} catch (err) {
  if (!(err instanceof WebAssembly.RuntimeError || err instanceof RangeError)) throw err;
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exitCode = 134;
}
