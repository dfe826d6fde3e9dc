// Guard regions seen from whole processes (children on the built dist/, each choosing its mode with
// WASMJIT_BOUNDS_CHECKS): a segmentation fault that is not wasmjit's still ends the process with
// SIGSEGV, exactly as without wasmjit; out-of-bounds traps in worker threads (each thread with its
// handler, chained to the others); artifacts carry the mode; an unknown mode is an error.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../dist', import.meta.url).href;

/** Runs an ES module script in a child with the mode; `args` follow the dist URL in process.argv. */
function run(script: string, mode: string | undefined, ...args: string[]) {
  return runWith([], script, mode, ...args);
}

function runWith(nodeFlags: string[], script: string, mode: string | undefined, ...args: string[]) {
  const env = { ...process.env, WASMJIT_BOUNDS_CHECKS: mode };
  if (mode === undefined) delete env.WASMJIT_BOUNDS_CHECKS;
  const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script, DIST, ...args], { encoding: 'utf8', env });
  return { status: child.status, signal: child.signal, stdout: child.stdout.trim(), stderr: child.stderr };
}

/** Traps once (which puts the handler in in guard mode), then faults as `how` says. */
const FAULT = `
  const [dist, how] = process.argv.slice(1);
  const { instantiate, watToWasm } = await import(dist + '/index.js');
  const { boundsChecks } = await import(dist + '/runtime/signal-handler.js');
  const { instance } = await instantiate(await watToWasm('(module (memory 1) (func (export "f") (param i32) (result i32) (i32.load (local.get 0))))'));
  try { instance.exports.f(-1); } catch (error) { console.log(boundsChecks() + ' ' + error.message); }
  if (how === 'kill') process.kill(process.pid, 'SIGSEGV');
  if (how === 'null') {
    const { default: koffi } = await import('koffi');
    koffi.load('libc.so.6').func('size_t strlen(uint64_t s)')(16n);
  }
  if (how === 'bus') process.kill(process.pid, 'SIGBUS');
  console.log('survived');`;

describe('faults that are not wasmjit’s', () => {
  for (const how of ['kill', 'null', 'bus']) {
    // Node's own handler (an SA_SIGINFO one, for V8's trap handler) is the previous action; without
    // V8's trap handler there is none (SIG_DFL).
    it(`${how}: the process dies of the signal in both modes, after Node's handler or SIG_DFL, as without wasmjit`, () => {
      const expected = how === 'bus' ? 'SIGBUS' : 'SIGSEGV';
      for (const flags of [[], ['--disable-wasm-trap-handler']]) {
        for (const mode of ['guard', 'explicit']) {
          const child = runWith(flags, FAULT, mode, how);
          expect({ flags, mode, signal: child.signal, stdout: child.stdout }).toEqual({ flags, mode, signal: expected, stdout: `${mode} memory access out of bounds` });
        }
      }
    });
  }

  it('the default mode, and a trap without a later fault, exit normally', () => {
    expect(run(FAULT, undefined, 'none')).toMatchObject({ status: 0, signal: null, stdout: 'guard memory access out of bounds\nsurvived' });
    expect(run(FAULT, 'explicit', 'none')).toMatchObject({ status: 0, signal: null, stdout: 'explicit memory access out of bounds\nsurvived' });
    expect(run(FAULT, 'guard', 'none')).toMatchObject({ status: 0, signal: null, stdout: 'guard memory access out of bounds\nsurvived' });
  });

  it('explicit checks where the address space is short (RLIMIT_AS), saying why under NODE_DEBUG=wasmjit', async () => {
    const { watToWasm } = await import('../src/index.js');
    const wasm = Buffer.from(await watToWasm('(module (memory 1) (func (export "f") (param i32) (result i32) (i32.load (local.get 0))))')).toString('base64');
    // wabt needs more address space than the limit leaves (V8 reserves its wasm memories): the bytes come made.
    const script = `
      const { instantiate } = await import(process.argv[1] + '/index.js');
      const { boundsChecks } = await import(process.argv[1] + '/runtime/signal-handler.js');
      const { instance } = await instantiate(Buffer.from(process.argv[2], 'base64'));
      try { instance.exports.f(-1); } catch (error) { console.log(boundsChecks() + ' ' + error.message); }`;
    const limited = (kib: number) => spawnSync('sh', ['-c', `ulimit -v ${kib} && exec "$0" --input-type=module -e "$1" "$2" "$3"`, process.execPath, script, DIST, wasm], {
      encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'wasmjit', WASMJIT_BOUNDS_CHECKS: '' },
    });
    const short = limited(6 * 1024 * 1024);
    expect(short.stdout.trim()).toBe('explicit memory access out of bounds');
    expect(short.stderr).toMatch(/bounds checks: explicit \(no room for guard regions: mmap\(\d+ bytes\) failed/);
    expect(limited(32 * 1024 * 1024).stdout.trim()).toBe('guard memory access out of bounds');
  });

  it('an unknown mode is an error that says which ones exist', () => {
    const child = run(FAULT, 'fast', 'none');
    expect(child.status).toBe(1);
    expect(child.stderr).toContain("WASMJIT_BOUNDS_CHECKS is 'fast'; it takes 'explicit' or 'guard'");
  });
});

describe('worker threads', () => {
  it('traps in several threads at once, each with its own memories and handler, while the main thread traps too', () => {
    const script = `
      import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
      const dist = isMainThread ? process.argv[1] : workerData.dist;
      const { instantiate, watToWasm } = await import(dist + '/index.js');
      const { boundsChecks } = await import(dist + '/runtime/signal-handler.js');
      const wat = '(module (memory 1 2) (func (export "f") (param i32) (result i32) (i32.load offset=4 (local.get 0))) (func (export "grow") (result i32) (memory.grow (i32.const 1))))';
      const { instance } = await instantiate(await watToWasm(wat));
      const trial = () => {
        const out = [];
        for (const x of [0, 65532, 65531, -1, 131068]) { try { out.push(instance.exports.f(x)); } catch (e) { out.push(e.message); } }
        return out.join();
      };
      const report = () => boundsChecks() + ' ' + Array.from({ length: 200 }, trial).every((t, i, all) => t === all[0]) + ' ' + trial() + ' ' + instance.exports.grow() + ' ' + trial();
      if (isMainThread) {
        const script = process.argv[2];
        const workers = Array.from({ length: 3 }, () => new Promise((resolve, reject) => {
          const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(script)), { workerData: { dist } });
          worker.on('message', resolve);
          worker.on('error', reject);
        }));
        const mine = report();
        const theirs = await Promise.all(workers);
        console.log([mine, ...theirs].join('\\n'));
      } else parentPort.postMessage(report());`;
    const child = run(script, 'guard', script);
    expect(child.stderr).toBe('');
    const oob = 'memory access out of bounds';
    const line = `guard true 0,${oob},${oob},${oob},${oob} 1 0,0,0,${oob},${oob}`;
    expect(child.stdout.split('\n')).toEqual([line, line, line, line]);
  });
});

describe('artifacts', () => {
  const script = `
    const [dist, step, file] = process.argv.slice(1);
    const { compile, Module, watToWasm } = await import(dist + '/index.js');
    const { readFileSync, writeFileSync } = await import('node:fs');
    if (step === 'write') {
      const module = await compile(await watToWasm('(module (memory 1) (func (export "f") (param i32) (result i32) (i32.load (local.get 0))))'));
      writeFileSync(file, module.serialize());
      console.log('written');
    } else {
      const { instantiate } = await import(dist + '/index.js');
      try {
        const module = Module.deserialize(readFileSync(file));
        const { exports } = await instantiate(module); // a Module gives the instance
        const out = [];
        for (const x of [0, 65532, 65533, -1]) { try { out.push(exports.f(x)); } catch (e) { out.push(e.message); } }
        console.log(out.join());
      } catch (error) { console.log(error.name + ' ' + error.reason + ': ' + error.message); }
    }`;

  it('guard code loads and traps only where guard regions are in use; explicit code runs in both modes', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'wasmjit-guard-'));
    try {
      const runs = 'memory access out of bounds';
      const works = `0,0,${runs},${runs}`;
      for (const made of ['guard', 'explicit']) {
        const file = join(dir, `${made}.wjit`);
        expect(run(script, made, 'write', file).stdout).toBe('written');
        for (const loaded of ['guard', 'explicit']) {
          const out = run(script, loaded, 'read', file).stdout;
          if (made === 'guard' && loaded === 'explicit') expect(out).toMatch(/^ArtifactError cpu-features: .*relies on guard regions/);
          else expect({ made, loaded, out }).toEqual({ made, loaded, out: works });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
