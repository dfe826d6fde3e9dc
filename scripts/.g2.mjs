import { instantiate, watToWasm, loadDisassembler } from '/work/wt-guards/dist/index.js';
import koffi from 'koffi';
const wat = `(module (memory 1) (func (export "load") (param i32) (result i32) (i32.load offset=8 (local.get 0))))`;
const { module, instance } = await instantiate(await watToWasm(wat), {});
await loadDisassembler();
if (process.argv[2] === 'dis') console.log(module.disassemble('load'));
try { instance.exports.load(-1) } catch (e) { console.log(String(e)); }
if (process.argv[2] === 'kill') process.kill(process.pid, 'SIGSEGV');
if (process.argv[2] === 'null') { const libc = koffi.load('libc.so.6'); const strlen = libc.func('size_t strlen(uint64_t s)'); strlen(16n); }
console.log('survived');
