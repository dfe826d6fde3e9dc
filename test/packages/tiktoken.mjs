// tiktoken (Rust, wasm-bindgen): two glues of one package. `tiktoken` compiles its 5.6 MB module
// synchronously when required; `tiktoken/lite/init` lets the caller instantiate (here with
// WebAssembly.instantiate) and checks `instance instanceof WebAssembly.Instance`. Both glues cache
// views of the memory and notice growth by the old view's byteLength dropping to 0 (detachment).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { attempt, digest, show, watchMemory } from './kit.mjs';

const require = createRequire(import.meta.url);
const { get_encoding, encoding_for_model } = require('tiktoken');

const words = ['hello', ' world', ' wasm', 'JIT', ' Ünïcödé', '日本語', '🚀', '  ', '\n', 'x86-64', ' 42', '<|endoftext|>', ' naïve', 'the'];
function text(length, seed) {
  let out = '';
  let x = seed;
  while (out.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += words[(x >>> 16) % words.length];
  }
  return out;
}
const samples = [['empty', ''], ['short', 'hello world, wasmjit! 日本語 🚀'], ['10 kB', text(10_000, 1)], ['300 kB', text(300_000, 2)]];

function exercise(name, encoding) {
  for (const [label, sample] of samples) {
    const tokens = encoding.encode(sample, 'all');
    const back = new TextDecoder().decode(encoding.decode(tokens));
    show(`${name} ${label}`, { tokens: tokens.length, digest: digest(tokens), first: Array.from(tokens.subarray(0, 8)), roundTrip: back === sample });
  }
  show(`${name} ordinary`, Array.from(encoding.encode_ordinary('<|endoftext|> is text here')));
  show(`${name} single token`, new TextDecoder().decode(encoding.decode_single_token_bytes(1000)));
  show(`${name} token bytes`, encoding.token_byte_values().length);
}

const cl100k = get_encoding('cl100k_base');
exercise('cl100k', cl100k);
await attempt('cl100k disallowed special', () => cl100k.encode('<|endoftext|>'));
cl100k.free();
const gpt2 = encoding_for_model('gpt2');
exercise('gpt2', gpt2);
gpt2.free();
await attempt('unknown encoding', () => get_encoding('no_such_encoding'));

// The lite build: the caller instantiates, and the ranks (1.6 MB of text) go into the memory in the
// constructor, which grows it.
const lite = require('tiktoken/lite/init');
const ranks = require('tiktoken/encoders/cl100k_base');
const bytes = readFileSync(require.resolve('tiktoken/lite/tiktoken_bg.wasm'));
let instance;
await lite.init(async (imports) => {
  const result = await WebAssembly.instantiate(bytes, imports);
  instance = result.instance;
  return result;
});
const memory = () => instance.exports.memory;
const encoding = watchMemory('memory, lite constructor', memory, () => new lite.Tiktoken(ranks.bpe_ranks, ranks.special_tokens, ranks.pat_str));
const big = text(1_000_000, 3);
const tokens = watchMemory('memory, lite encode 1 MB', memory, () => encoding.encode(big, 'all'));
show('lite encode 1 MB', { tokens: tokens.length, digest: digest(tokens) });
show('lite decode', new TextDecoder().decode(encoding.decode(tokens)) === big);
encoding.free();
