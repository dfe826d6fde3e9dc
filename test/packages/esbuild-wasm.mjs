// esbuild-wasm (Go): the API spawns `node <package>/bin/esbuild --service` as a child process, which runs
// the 14 MB Go module through Go's wasm_exec.js (`new WebAssembly.Module`, `new WebAssembly.Instance`,
// Go's scheduler re-entering wasm from JS callbacks). The child inherits NODE_OPTIONS, so
// `--import wasmjit/register` there runs the Go module on wasmjit. One long-lived service serves
// every call below (the async API; the sync API would start a second child from a worker thread).
import * as esbuild from 'esbuild-wasm';
import { attempt, digest, show } from './kit.mjs';

const summary = (result) => ({ code: result.code, map: result.map, warnings: result.warnings.map((w) => w.text) });
const failure = (err) => ({ message: err.message, errors: err.errors?.map((e) => [e.text, e.location?.line, e.location?.column]) });

show('version', esbuild.version);
show('tsx', summary(await esbuild.transform('const x: number = 1 + 2; export default <div class="a">{x}</div>', { loader: 'tsx', minify: true })));
show('target es2015', summary(await esbuild.transform('export const f = async (a, ...b) => a ?? b?.[0] ** 2; class A { #p = 1; static s = 2 }', { target: 'es2015', format: 'esm' })));
show('source map', summary(await esbuild.transform('let a = 1;\nconsole.log(a + 1);\n', { sourcemap: true, sourcefile: 'in.js' })));
show('define and drop', summary(await esbuild.transform('if (DEBUG) console.log("x"); debugger; export const v = VERSION', { define: { DEBUG: 'false', VERSION: '"1.2.3"' }, drop: ['debugger'], minify: true })));
show('css', summary(await esbuild.transform('.a { color: #ff0000; margin: 0px 0px; } @media (min-width: 10px) { .b { display: flex } }', { loader: 'css', minify: true })));

// 400 kB of source: the Go heap (and with it the wasm memory) grows during the call.
let large = '';
for (let i = 0; i < 4000; i++) large += `export function f${i}(a, b) { const t${i} = a * ${i} + b - ${i % 7}; return t${i} > 0 ? "pos${i}" : null; }\n`;
const minified = await esbuild.transform(large, { minify: true, format: 'cjs' });
show('large', { input: large.length, output: minified.code.length, digest: digest(minified.code) });

const errors = [['syntax', 'let = ;', 'js'], ['ts', 'let x: = 1', 'ts'], ['css', '.a { color: }}}', 'css']];
for (const [name, code, loader] of errors) {
  await attempt(`error ${name}`, () => esbuild.transform(code, { loader }).then(summary, (err) => Promise.reject(Object.assign(new Error(JSON.stringify(failure(err))), { name: err.name }))));
}

// build: resolving and loading through JS plugins, which the Go side calls back while it runs.
const files = { 'entry.js': 'import { a } from "./a.js"; import b from "./b.json"; console.log(a, b.n);', 'a.js': 'export const a = 40 + 2;', 'b.json': '{"n": [1, 2, 3]}' };
const build = await esbuild.build({
  entryPoints: ['entry.js'],
  bundle: true,
  write: false,
  format: 'iife',
  plugins: [{
    name: 'memory',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => ({ path: args.path.replace('./', ''), namespace: 'memory' }));
      b.onLoad({ filter: /.*/, namespace: 'memory' }, (args) => ({ contents: files[args.path], loader: args.path.endsWith('.json') ? 'json' : 'js' }));
    },
  }],
});
show('build', build.outputFiles.map((f) => f.text));
await attempt('build missing file', () => esbuild.build({ stdin: { contents: 'import "./nowhere"', resolveDir: '/nonexistent' }, bundle: true, write: false, logLevel: 'silent' }).then(() => 'built', (err) => Promise.reject(new Error(JSON.stringify(failure(err))))));
await esbuild.stop();
