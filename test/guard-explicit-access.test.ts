// The access sweep (helpers/access-sweep.ts) with explicit bounds checks in this process: WASMJIT_BOUNDS_CHECKS is
// set before anything asks wasmjit's mode, and put back for the next file in this worker.
import { afterAll, vi } from 'vitest';

const previousMode = vi.hoisted(() => {
  const previous = process.env.WASMJIT_BOUNDS_CHECKS;
  process.env.WASMJIT_BOUNDS_CHECKS = 'explicit';
  return previous;
});

import { describeAccessSweep } from './helpers/access-sweep.js';

afterAll(() => {
  if (previousMode === undefined) delete process.env.WASMJIT_BOUNDS_CHECKS;
  else process.env.WASMJIT_BOUNDS_CHECKS = previousMode;
});

describeAccessSweep('explicit');
