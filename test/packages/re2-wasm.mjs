// re2-wasm (Google's RE2 built with an older emscripten): the glue makes its own fixed-size
// `new WebAssembly.Memory` (16 MiB, no growth) and imports it, and compiles synchronously
// (`new WebAssembly.Module`). RE2 objects behave like RegExp (exec, match, replace, split); an input
// that does not fit the memory ends in emscripten's abort, a WebAssembly.RuntimeError thrown by JS.
import { createRequire } from 'node:module';
import { attempt, show } from './kit.mjs';

const { RE2 } = createRequire(import.meta.url)('re2-wasm');

const email = new RE2('(\\w+)@(\\w+)\\.(com|org)', 'gu');
const text = 'mail alice@example.com, bob@test.org and carol@nowhere.net; '.repeat(3);
const matches = [];
for (let m; (m = email.exec(text));) matches.push([m.index, ...m]);
show('exec global', matches);
show('match', text.match(new RE2('\\b[a-z]{3,5}\\b', 'gu')));
show('replace', 'a1b22c333 d4444'.replace(new RE2('(\\d)(\\d*)', 'gu'), '<$2|$1>'));
show('replace fn', 'Hello World'.replace(new RE2('[aeiou]', 'giu'), (c) => c.toUpperCase() + c));
show('split', 'x,y;;z , w'.split(new RE2('\\s*[,;]+\\s*', 'u')));
show('unicode', new RE2('\\p{Greek}+', 'u').exec('abc αβγδ def')?.[0]);
show('case folding', new RE2('straße', 'iu').test('STRASSE STRAßE'));
show('named groups', new RE2('(?P<year>\\d{4})-(?P<month>\\d\\d)', 'u').exec('on 2026-12-06')?.groups);

// A megabyte of input goes through the wasm memory, as UTF-8.
const haystack = 'ab'.repeat(400_000) + 'needle42' + 'cd'.repeat(100_000);
show('large search', new RE2('needle(\\d+)', 'u').exec(haystack)?.index);
show('large split', haystack.split(new RE2('needle\\d+', 'u')).map((part) => part.length));

for (const pattern of ['(unclosed', 'a**', '(?<=a)b', '\\1']) await attempt(`bad pattern ${pattern}`, () => new RE2(pattern, 'u'));
await attempt('no unicode flag', () => new RE2('a', 'g'));
// emscripten's abort message ends with a JS stack trace (engine-specific frames): keep its first line.
await attempt('out of memory', () => {
  try {
    return new RE2('x', 'u').exec('y'.repeat(12_000_000));
  } catch (err) {
    err.message = err.message.split('\n')[0];
    throw err;
  }
});
