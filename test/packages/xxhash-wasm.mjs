// xxhash-wasm (hand-written wasm of 3 KB, embedded in the JS): WebAssembly.instantiate on the bytes,
// and the JS side grows the memory with `memory.grow` when an input does not fit, then re-reads
// `memory.buffer`. h64 returns BigInts (i64 results).
import xxhash from 'xxhash-wasm';
import { pseudoRandomBytes, show } from './kit.mjs';

const { h32, h64, h32Raw, h64Raw, h32ToString, h64ToString, create32, create64 } = await xxhash();
const inputs = [['empty', ''], ['hello', 'hello'], ['unicode', 'Ünïcödé 日本語 🚀'], ['1 MiB text', 'abcdefghij'.repeat(104_858)]];
for (const [name, text] of inputs) {
  show(name, { h32: h32(text), h32seed: h32(text, 0x9e3779b1), h64: h64(text), h64seed: h64(text, 0xffffffffffffffffn), h32s: h32ToString(text), h64s: h64ToString(text, 42n) });
}
for (const length of [0, 1, 3, 4, 15, 16, 31, 32, 33, 100, 4 << 20]) {
  const bytes = pseudoRandomBytes(length, { seed: length + 1 });
  show(`raw ${length}`, { h32: h32Raw(bytes), h64: h64Raw(bytes), h64seed: h64Raw(bytes, 123456789n) });
}
const streamed32 = create32(7);
const streamed64 = create64(7n);
for (let i = 0; i < 1000; i++) {
  const chunk = pseudoRandomBytes(i * 37 % 2000, { seed: i });
  streamed32.update(chunk);
  streamed64.update(chunk);
}
show('streaming', { h32: streamed32.digest(), h64: streamed64.digest() });
