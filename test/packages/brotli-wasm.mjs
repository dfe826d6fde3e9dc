// brotli-wasm (Rust, wasm-bindgen's nodejs target): the glue compiles and instantiates synchronously
// (`new WebAssembly.Module`, `new WebAssembly.Instance`) when required. Compressing and decompressing
// megabytes grows the wasm memory inside the call; the glue re-reads `memory.buffer` afterwards.
import { createRequire } from 'node:module';
import { attempt, digest, pseudoRandomBytes, show, watchMemory } from './kit.mjs';

// The package's `import` condition is the browser build (it fetches the .wasm); Node's is `require`.
const brotli = createRequire(import.meta.url)('brotli-wasm');
const memory = () => brotli.__wasm.memory;

// Each input with the qualities it is compressed at (quality 11 takes about a second per MiB).
const inputs = [
  ['empty', new Uint8Array(0), [1, 6, 11]],
  ['text 100 B', new TextEncoder().encode('Hello, brotli! '.repeat(7)), [1, 6, 11]],
  ['random 64 KiB', pseudoRandomBytes(64 << 10, { seed: 3 }), [1, 6, 11]],
  ['text 4 MiB', pseudoRandomBytes(4 << 20, { seed: 5, alphabet: 11 }), [1]],
  ['random 1 MiB', pseudoRandomBytes(1 << 20, { seed: 9 }), [1, 6]],
];
for (const [name, input, qualities] of inputs) {
  for (const quality of qualities) {
    const compressed = watchMemory(`memory, compress ${name} q${quality}`, memory, () => brotli.compress(input, { quality }));
    const restored = watchMemory(`memory, decompress ${name} q${quality}`, memory, () => brotli.decompress(compressed));
    show(`${name} q${quality}`, { compressed: compressed.length, digest: digest(compressed), restored: restored.length, roundTrip: digest(restored) === digest(input) });
  }
}

// The streaming API: chunks in, chunks out, through an output buffer smaller than the result.
const source = pseudoRandomBytes(1 << 20, { seed: 11, alphabet: 5 });
const stream = new brotli.CompressStream(4);
const parts = [];
for (let offset = 0; offset < source.length; offset += 100_000) {
  const result = stream.compress(source.subarray(offset, offset + 100_000), 4096);
  parts.push(result.buf);
}
let last;
do {
  last = stream.compress(undefined, 4096);
  parts.push(last.buf);
} while (last.code === brotli.BrotliStreamResultCode.NeedsMoreOutput);
const streamed = Buffer.concat(parts);
show('stream compress', { chunks: parts.length, length: streamed.length, digest: digest(streamed), lastCode: last.code });
const unstream = new brotli.DecompressStream();
const out = [];
let state;
let offset = 0;
do {
  state = unstream.decompress(streamed.subarray(offset, offset + 10_000), 65536);
  out.push(state.buf);
  offset += state.input_offset;
} while (state.code !== brotli.BrotliStreamResultCode.ResultSuccess && offset <= streamed.length);
show('stream decompress', { length: Buffer.concat(out).length, roundTrip: digest(Buffer.concat(out)) === digest(source), code: state.code });

await attempt('corrupt input', () => brotli.decompress(new Uint8Array([1, 2, 3, 4, 5])));
await attempt('truncated input', () => brotli.decompress(brotli.compress(source, { quality: 1 }).subarray(0, 100)));
await attempt('bad quality', () => brotli.compress(new Uint8Array(10), { quality: 'high' }));
