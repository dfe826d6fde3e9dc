// vscode-oniguruma (the Oniguruma regex engine built with emscripten, behind VS Code's and Shiki's
// syntax highlighting): `loadWASM` takes the module bytes and calls WebAssembly.instantiate. Scanners
// search UTF-16 strings converted to UTF-8 in the wasm memory; a string of megabytes grows it.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { attempt, show } from './kit.mjs';

const require = createRequire(import.meta.url);
const onig = require('vscode-oniguruma');
const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));

const captures = (match) => match && { index: match.index, captures: match.captureIndices.map((c) => [c.start, c.end]) };
function scanAll(scanner, text) {
  const string = new onig.OnigString(text);
  const found = [];
  for (let position = 0; position <= text.length;) {
    const match = scanner.findNextMatchSync(string, position);
    if (!match) break;
    found.push(captures(match));
    position = Math.max(match.captureIndices[0].end, position + 1);
  }
  string.dispose();
  return found;
}

const tokens = new onig.OnigScanner([
  '\\b(function|return|const)\\b',
  '[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?',
  '"(?:[^"\\\\]|\\\\.)*"',
  '(?<ident>[\\p{L}_][\\p{L}\\p{N}_]*)',
  '//.*$',
  '(?<=\\()\\s*\\w+',
]);
show('tokens', scanAll(tokens, 'function add(a, b) { return "sum: \\"x\\"" + (a + b) * 3.25e-2; } // café 日本 🚀'));
show('multiline', scanAll(new onig.OnigScanner(['^\\s*#\\s*(include|define)\\b', '\\G\\s+', '(?i)END$']), '#include <x>\n  # define Y\nend\nEnd'));
const backrefs = new onig.OnigScanner(['(\\w)\\1', '(?<q>[\'"]).*?\\k<q>', 'a{2,3}?b', '(?!foo)\\w{3}']);
show('backrefs', scanAll(backrefs, 'xyzzy "quoted" \'single\' aaab foobar'));

// A 3 MB string: its UTF-8 copy goes into the wasm memory.
const long = 'x'.repeat(3_000_000) + ' 12345 "end"';
show('long from 0', captures(tokens.findNextMatchSync(long, 0)));
show('long near end', captures(tokens.findNextMatchSync(long, 2_999_990)));
show('long number', captures(new onig.OnigScanner(['[0-9]+']).findNextMatchSync(long, 0)));

for (const pattern of ['(unclosed', '[z-a]', '(?<n>a)\\k<m>', 'a{3,2}']) await attempt(`pattern ${pattern}`, () => (new onig.OnigScanner([pattern]), 'compiled'));
