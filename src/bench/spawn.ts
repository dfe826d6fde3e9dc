// Runs one benchmark Task in a fresh Node child process (child.js of a build snapshot) with an engine's flags.
import { spawnSync } from 'node:child_process';
import type { FirstRunResult, FirstRunTask, RealTask, StartupResult, StartupTask, Task, TaskFailure, TaskResult } from './protocol.js';

const TIMEOUT_MS = 120_000;

/** A child that failed: a trap, a compile error, a crash or a timeout; the message says which. */
export class ChildFailure extends Error {}

/** Engines that computed different results for the same work: no time of theirs is comparable. */
export class ChecksumMismatch extends Error {}

/** Runs `task` in `executable` (another Node than this one, for the call overhead on each Node). */
export function runChild<R extends TaskResult | StartupResult | FirstRunResult>(
  childEntry: string,
  nodeFlags: string[],
  task: Task | StartupTask | FirstRunTask | RealTask,
  bytes: Uint8Array,
  executable = process.execPath,
): R {
  const child = spawnSync(executable, [...nodeFlags, childEntry, JSON.stringify(task)], {
    input: bytes,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  const flags = nodeFlags.length > 0 ? ` ${nodeFlags.join(' ')}` : '';
  if (child.error) throw new ChildFailure(`node${flags}: ${child.error.message}`);
  if (child.signal) {
    const why = child.signal === 'SIGTERM' ? `timed out after ${TIMEOUT_MS / 1000} s` : `killed by ${child.signal}`;
    throw new ChildFailure(`node${flags}: ${why}${stderrTail(child.stderr)}`);
  }
  const lastLine = child.stdout.trim().split('\n').at(-1) ?? '';
  let answer: R | TaskFailure;
  try {
    answer = JSON.parse(lastLine) as R | TaskFailure;
  } catch {
    throw new ChildFailure(`node${flags}: exited with status ${child.status} without a result${stderrTail(child.stderr)}`);
  }
  if ('error' in answer) throw new ChildFailure(answer.error);
  return answer;
}

function stderrTail(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((line) => line !== '').slice(-5);
  return lines.length > 0 ? `:\n  ${lines.join('\n  ')}` : '';
}
