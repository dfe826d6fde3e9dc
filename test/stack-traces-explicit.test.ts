// Stack traces (helpers/stack-traces.ts) with explicit bounds checks in this process: WASMJIT_BOUNDS_CHECKS is
// set before anything asks wasmjit's mode, and put back for the next file in this worker.
import { afterAll, vi } from 'vitest';

const previousMode = vi.hoisted(() => {
  const previous = process.env.WASMJIT_BOUNDS_CHECKS;
  process.env.WASMJIT_BOUNDS_CHECKS = 'explicit';
  return previous;
});

import { describeStackTraces, disposeStackTraceModules } from './helpers/stack-traces.js';

afterAll(() => {
  disposeStackTraceModules();
  if (previousMode === undefined) delete process.env.WASMJIT_BOUNDS_CHECKS;
  else process.env.WASMJIT_BOUNDS_CHECKS = previousMode;
});

describeStackTraces('explicit');
