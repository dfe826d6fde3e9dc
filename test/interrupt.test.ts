// Interruption (compiler/metering.ts, runtime/interrupt.ts, runtime/watchdog.ts): `(loop (br 0))` and
// a deep recursion without loops stopped from a worker (which waits until the guest says it runs)
// and by a deadline; the instance runs again afterwards, as V8 runs the same calls; an interrupt
// before a call or from a host function; a real stack overflow stays a RangeError; calls within
// their deadline never see one.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compile, instantiate, interrupt, watToWasm } from '../src/index.js';
import type { Instance, InterruptHandle } from '../src/index.js';

const GUEST = `(module
  (import "host" "started" (func $started))
  (import "host" "poke" (func $poke))
  (func (export "spin") (call $started) (loop (br 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "slowFib") (param i32) (result i32) (call $started) (call $fib (local.get 0)))
  (func (export "pokeThenSpin") (call $poke) (loop (br 0)))
  (func $deep (export "deep") (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1)))
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br 0)))
    (local.get $s))
)`;

/** Past any machine's patience: a call that returns this has not been interrupted. */
const ENDLESS_FIB = 60;
/**
 * The guests also meter fuel, refilled with this before every endless call: if an interrupt is lost
 * the call ends in "fuel exhausted" after a few seconds, and the test fails instead of hanging.
 */
const SAFETY_FUEL = 5e9;

interface Guest {
  instance: Instance;
  exports: Record<string, (...args: number[]) => number>;
  /** Set to 1 by the guest's `started` import (and notified): what the worker waits for. */
  started: Int32Array;
}

async function guest(options: { timeout?: number; interruptible?: boolean }, poke: (instance: Instance) => void = () => {}): Promise<Guest> {
  const started = new Int32Array(new SharedArrayBuffer(4));
  let self: Instance | undefined;
  const host = {
    started: () => {
      Atomics.store(started, 0, 1);
      Atomics.notify(started, 0);
    },
    poke: () => poke(self!),
  };
  const { instance } = await instantiate(await watToWasm(GUEST), { host }, { ...options, fuel: SAFETY_FUEL });
  self = instance;
  const exports = Object.fromEntries(
    Object.entries(instance.exports as Guest['exports']).map(([name, fn]) => [
      name,
      (...args: number[]) => {
        instance.fuel = SAFETY_FUEL;
        return fn(...args);
      },
    ]),
  );
  return { instance, exports, started };
}

/** A worker that waits until the guest has started, then interrupts it through the handle (the built package's `interrupt`). */
function interruptFromWorker(handle: InterruptHandle, started: Int32Array): Promise<boolean> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.url).then(({ interrupt }) => {
      Atomics.wait(workerData.started, 0, 0);
      parentPort.postMessage(interrupt(workerData.handle));
    });`;
  const url = new URL('../dist/index.js', import.meta.url).href;
  const worker = new Worker(source, { eval: true, workerData: { url, handle, started } });
  return new Promise((resolve, reject) => {
    worker.once('message', (done: boolean) => {
      void worker.terminate();
      resolve(done);
    });
    worker.once('error', reject);
  });
}

/** What V8 answers for the calls that end. */
async function v8Sum(n: number): Promise<number> {
  const noop = (): void => {};
  const { instance } = await WebAssembly.instantiate(await watToWasm(GUEST), { host: { started: noop, poke: noop } });
  return (instance.exports.sum as (n: number) => number)(n);
}

const interrupted = new WebAssembly.RuntimeError('interrupted');

describe('interruption', () => {
  it('stops (loop (br 0)) and a deep recursion from a worker; the instance runs on', async () => {
    for (const name of ['spin', 'slowFib']) {
      const { instance, exports, started } = await guest({ interruptible: true });
      const worker = interruptFromWorker(instance.interruptHandle, started);
      expect(() => exports[name]!(ENDLESS_FIB)).toThrow(interrupted);
      expect(await worker).toBe(true);
      expect(exports.sum!(1000)).toBe(await v8Sum(1000));
      expect(exports.fib!(20)).toBe(6765);
      instance.dispose();
    }
  });

  it('stops them by deadline, each call on its own, and never calls that end in time', async () => {
    const { exports } = await guest({ timeout: 50 });
    for (let round = 0; round < 2; round++) {
      expect(() => exports.spin!()).toThrow(interrupted);
      expect(() => exports.slowFib!(ENDLESS_FIB)).toThrow(interrupted);
      expect(exports.fib!(15)).toBe(610);
    }
    const expected = await v8Sum(100);
    for (let i = 0; i < 3000; i++) expect(exports.sum!(100)).toBe(expected);
  });

  it('stops the next call when none runs, and a call whose host function asked', async () => {
    const { instance, exports } = await guest({ interruptible: true }, (self) => self.interrupt());
    // Each interrupted call unwinds as a trap does: a thousand of them leave nothing behind.
    for (let i = 0; i < 1000; i++) {
      instance.interrupt();
      expect(() => exports.sum!(3)).toThrow(interrupted);
      expect(exports.sum!(3)).toBe(6);
    }
    expect(() => exports.pokeThenSpin!()).toThrow(interrupted);
    expect(exports.sum!(4)).toBe(10);
  });

  it('keeps a real stack overflow a RangeError', async () => {
    const { exports } = await guest({ timeout: 10_000 });
    expect(() => exports.deep!(1)).toThrow(RangeError);
    expect(exports.sum!(5)).toBe(15);
  });

  it('refuses modules compiled without polling, and instances that are gone', async () => {
    const module = await compile(await watToWasm('(module (func (export "f")))'));
    const instance = await instantiate(module);
    expect(() => instance.interrupt()).toThrow(/compiled without interrupt polling/);
    await expect(instantiate(module, {}, { timeout: 5 })).rejects.toThrow(/compiled without interrupt polling/);
    const polled = await instantiate(await compile(await watToWasm('(module (func (export "f")))'), { interruptible: true }));
    const handle = polled.interruptHandle;
    polled.dispose();
    expect(interrupt(handle)).toBe(false);
  });
});
