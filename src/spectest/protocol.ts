// What a per-file child process writes to its results file, one JSON record per line. Written
// synchronously after every command, so whatever ran before a crash is still counted.
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
  if (!specFile || !outFile || (engine !== 'wasmjit' && engine !== 'v8')) {
    throw new Error(`usage: child.js wasmjit|v8 SPEC.json OUT.jsonl (got ${JSON.stringify(argv)})`);
  }
  return { engine, specFile, outFile };
}
