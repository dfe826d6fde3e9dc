// The deadline helper thread (watchdog.ts): sleeps until the earliest armed deadline, interrupts
// the calls still running at theirs, and forgets instances once they are freed.
import { parentPort, workerData } from 'node:worker_threads';
import { interrupt, isFreed } from './interrupt.js';
import { Control, TimerCell } from './watchdog.js';
import type { WatchdogData, WatchdogRegistration } from './watchdog.js';

interface Watched {
  registration: WatchdogRegistration;
  armed: Int32Array;
  deadline: Float64Array;
}

const { control } = workerData as WatchdogData;
const wake = new Int32Array(control, 0, 1);
const planned = new Float64Array(control, Control.plannedByte, 1);
let watched: Watched[] = [];

/** Atomics.waitAsync (in Node since 16; TypeScript's lib has it from es2024 on). */
type WaitAsync = (array: Int32Array, index: number, value: number, timeout: number) => { async: boolean; value: unknown };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

parentPort!.on('message', (registration: WatchdogRegistration) => {
  const { timer } = registration;
  watched.push({ registration, armed: new Int32Array(timer, 0, 1), deadline: new Float64Array(timer, TimerCell.deadlineByte, 1) });
  Atomics.add(wake, Control.wake, 1);
  Atomics.notify(wake, Control.wake);
});

/** Interrupts what is due; returns the earliest deadline still ahead. */
function scan(now: number): number {
  let next = Infinity;
  watched = watched.filter((w) => !isFreed(w.registration.interrupt));
  for (const w of watched) {
    if (Atomics.load(w.armed, TimerCell.armed) === 0) continue;
    const deadline = w.deadline[0]!;
    // Under the instance's lock: a call that ended meanwhile (disarmed) is left alone.
    if (deadline <= now) interrupt(w.registration.interrupt, () => Atomics.load(w.armed, TimerCell.armed) === 1 && w.deadline[0] === deadline);
    else next = Math.min(next, deadline);
  }
  return next;
}

async function run(): Promise<void> {
  for (;;) {
    const seen = Atomics.load(wake, Control.wake);
    const now = Date.now();
    const next = scan(now);
    planned[0] = next;
    const result = waitAsync(wake, Control.wake, seen, next === Infinity ? Infinity : Math.max(0, next - now));
    if (result.async) await result.value;
  }
}

void run();
