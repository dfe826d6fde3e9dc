// Deadlines (InstanceOptions.timeout): every call from JS into an export of such an instance is
// interrupted (interrupt.ts) once it has run its timeout. JS cannot run a timer while the call holds
// its thread, so one helper thread per process (watchdog-worker.ts) sleeps until the earliest armed
// deadline and interrupts the calls still running then.
//
// Shared with the helper: a wake word (bumped and notified when it must look again) and the time it
// plans to wake at; per instance, a timer cell {armed, deadline}. Arming writes the deadline and
// wakes the helper only when that is earlier than its plan: calls in a row cost no wake-up each.
import type { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { InterruptHandle } from './interrupt.js';

/** The timer cell: Int32 `armed` (1 while a call runs), then the Float64 deadline (ms since the epoch) at byte 8. */
export const TimerCell = { armed: 0, deadlineByte: 8, bytes: 16 } as const;
/** The shared control block: Int32 wake word, then the Float64 planned wake time at byte 8. */
export const Control = { wake: 0, plannedByte: 8, bytes: 16 } as const;

export interface WatchdogData {
  control: SharedArrayBuffer;
}
export interface WatchdogRegistration {
  interrupt: InterruptHandle;
  timer: SharedArrayBuffer;
}

// Under vitest this module runs from src/ as TypeScript, which a worker cannot load: the built
// worker serves them (as compiler/parallel.ts's chunk worker does); '../runtime/' also finds it from the bundle.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? '../../dist/runtime/watchdog-worker.js' : '../runtime/watchdog-worker.js', import.meta.url);
const require = createRequire(import.meta.url);

/** What the guarded calls of one instance share: its timer cell, and how deep its calls are nested. */
interface InstanceTimer {
  armed: Int32Array;
  deadline: Float64Array;
  depth: number;
}

class Deadlines {
  private worker: Worker | undefined;
  private readonly control = new SharedArrayBuffer(Control.bytes);
  private readonly wake = new Int32Array(this.control, 0, 1);
  private readonly planned = new Float64Array(this.control, Control.plannedByte, 1);
  private readonly timers = new WeakMap<object, InstanceTimer>();

  /**
   * `enter` for an export of `owner`, with the deadline armed around it. Calls nested in it (an
   * import calling back into the instance) run under the outer call's deadline. `clear` drops an
   * interrupt the helper may have requested just as the call ended.
   */
  guard(owner: { clearInterrupt(): void }, handle: InterruptHandle, timeout: number, enter: () => unknown): () => unknown {
    const timer = this.timerOf(owner, handle);
    return () => {
      if (timer.depth > 0) return this.nested(timer, enter);
      timer.depth = 1;
      const deadline = Date.now() + timeout;
      timer.deadline[0] = deadline;
      Atomics.store(timer.armed, TimerCell.armed, 1);
      if (deadline < this.planned[0]!) {
        Atomics.add(this.wake, Control.wake, 1);
        Atomics.notify(this.wake, Control.wake);
      }
      try {
        return enter();
      } finally {
        timer.depth = 0;
        Atomics.store(timer.armed, TimerCell.armed, 0);
        owner.clearInterrupt();
      }
    };
  }

  private nested(timer: InstanceTimer, enter: () => unknown): unknown {
    timer.depth++;
    try {
      return enter();
    } finally {
      timer.depth--;
    }
  }

  private timerOf(owner: object, interrupt: InterruptHandle): InstanceTimer {
    let timer = this.timers.get(owner);
    if (!timer) {
      const cell = new SharedArrayBuffer(TimerCell.bytes);
      timer = { armed: new Int32Array(cell, 0, 1), deadline: new Float64Array(cell, TimerCell.deadlineByte, 1), depth: 0 };
      this.timers.set(owner, timer);
      const registration: WatchdogRegistration = { interrupt, timer: cell };
      this.helper().postMessage(registration);
    }
    return timer;
  }

  private helper(): Worker {
    if (!this.worker) {
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      this.planned[0] = Infinity;
      const workerData: WatchdogData = { control: this.control };
      this.worker = new Worker(WORKER_URL, { workerData, execArgv: [] });
      this.worker.unref();
    }
    return this.worker;
  }
}

export const deadlines = new Deadlines();
