// What a per-file child process writes to its results file, one JSON record per line. Written
// synchronously after every command, so whatever ran before a crash is still counted.
import { ENGINE_NAMES, isEngineName } from './types.js';
import type { EngineName, Outcome } from './types.js';

export type ChildRecord =
  | { index: number; outcome: Outcome }
  | { fatal: string }
  | { commandsDone: true }
  | { done: true };

/** Arguments of the child entry (dist/spectest/child.js). */
export const childArgs = (engine: EngineName, specFile: string, outFile: string): string[] => [engine, specFile, outFile];

export function parseChildArgs(argv: string[]): { engine: EngineName; specFile: string; outFile: string } {
  const [engine, specFile, outFile] = argv;
  if (!specFile || !outFile || !isEngineName(engine)) {
    throw new Error(`usage: child.js ${ENGINE_NAMES.join('|')} SPEC.json OUT.jsonl (got ${JSON.stringify(argv)})`);
  }
  return { engine, specFile, outFile };
}
