// Between the pool and its worker children (dist/spectest/child.js): the parent sends one job per
// spec file over the IPC channel, the child writes one JSON record per line to the job's results
// file, synchronously after every command (so whatever ran before a crash is still counted), and
// answers FILE_FINISHED when it is ready for the next job (or STOP).
import { ENGINE_NAMES, isEngineName } from './types.js';
import type { EngineName, Outcome } from './types.js';

export type ChildRecord =
  | { index: number; outcome: Outcome }
  | { fatal: string }
  | { commandsDone: true }
  | { done: true };

export interface ChildJob {
  specFile: string;
  outFile: string;
}

export const FILE_FINISHED = 'finished';
/** Sent instead of a job when there are no more files: the child exits. */
export const STOP = 'stop';

/** Arguments of the child entry (dist/spectest/child.js). */
export const childArgs = (engine: EngineName): string[] => [engine];

export function parseChildArgs(argv: string[]): { engine: EngineName } {
  const [engine] = argv;
  if (argv.length !== 1 || !isEngineName(engine)) {
    throw new Error(`usage: child.js ${ENGINE_NAMES.join('|')} (jobs come over IPC; got ${JSON.stringify(argv)})`);
  }
  return { engine };
}
