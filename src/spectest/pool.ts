// Runs the spec files in worker child processes (dist/spectest/child.js), several at a time, and
// turns what a child wrote into a FileResult. A worker runs one file after another (starting a
// process per file would cost more than most files take); when it crashes or runs past the time
// limit, the file's remaining commands count as failed and a new worker takes the next file.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { specName } from './files.js';
import { CHILD_ENTRY } from './paths.js';
import { childArgs, FILE_FINISHED, STOP, type ChildJob, type ChildRecord } from './protocol.js';
import type { EngineName, FileResult, Outcome, SpecCommand, SpecFile } from './types.js';

export interface PoolOptions {
  engine: EngineName;
  jobs: number;
  timeoutSeconds: number;
  onStart?: (name: string) => void;
  onDone?: (result: FileResult, index: number) => void;
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
}

const STDERR_KEEP = 64 * 1024;
const STDERR_LINES_SHOWN = 5;

function emptyResult(file: string, commands: number): FileResult {
  return { name: specName(file), file, commands, passed: 0, failed: 0, skipped: 0, unsupported: 0, notes: [], failures: [], skips: {} };
}

/** A worker child; it runs one spec file at a time until it is stopped or dies. */
class Worker {
  private readonly child: ChildProcess;
  private readonly exited: Promise<ChildExit>;
  private stderr = '';
  private timedOut = false;

  constructor(engine: EngineName) {
    // stdout is ignored: engines may print debug noise, and an unread pipe could block the child.
    this.child = spawn(process.execPath, [CHILD_ENTRY, ...childArgs(engine)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-STDERR_KEEP); });
    this.child.on('error', (e) => { this.stderr += `spawn error: ${e.message}\n`; });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal, timedOut: this.timedOut, stderr: this.stderr }));
    });
  }

  /** Runs one file: null when the worker finished it and can take the next, else how the child ended. */
  run(job: ChildJob, timeoutSeconds: number): Promise<ChildExit | null> {
    this.stderr = ''; // what a dying child printed belongs to the file it was running
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.timedOut = true; this.child.kill('SIGKILL'); }, timeoutSeconds * 1000);
      const onMessage = (message: unknown): void => {
        if (message !== FILE_FINISHED) return;
        end();
        resolve(null);
      };
      const end = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
      };
      this.child.on('message', onMessage);
      void this.exited.then((exit) => { end(); resolve(exit); });
      if (this.child.connected) this.child.send(job);
    });
  }

  /** Lets the child exit and waits for it (the child exits itself: after disconnect(), Node 20 emits no 'close'). */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.send(STOP);
    await this.exited;
  }
}

function readRecords(outFile: string): ChildRecord[] {
  let text = '';
  try {
    text = fs.readFileSync(outFile, 'utf8');
  } catch {
    return []; // the child died before writing anything
  }
  const records: ChildRecord[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line) records.push(JSON.parse(line) as ChildRecord);
    } catch {
      // a line cut short by a crash
    }
  }
  return records;
}

function count(result: FileResult, cmd: SpecCommand, outcome: Outcome): void {
  if (outcome.status === 'passed') {
    result.passed++;
  } else if (outcome.status === 'skipped') {
    result.skipped++;
    result.skips[outcome.reason] = (result.skips[outcome.reason] ?? 0) + 1;
  } else {
    result.failed++;
    if (outcome.unsupported) result.unsupported++;
    result.failures.push({ line: cmd.line, type: cmd.type, reason: outcome.reason, unsupported: outcome.unsupported });
  }
}

function describeExit(exit: ChildExit, timeoutSeconds: number): string {
  if (exit.timedOut) return `timed out after ${timeoutSeconds}s (killed with SIGKILL)`;
  if (exit.signal) return `was killed by signal ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** `exit` is null when the worker finished the file and lives on. */
function tally(file: string, commands: SpecCommand[], records: ChildRecord[], exit: ChildExit | null, timeoutSeconds: number): FileResult {
  const result = emptyResult(file, commands.length);
  const seen = new Set<number>();
  let commandsDone = false;
  let done = false;
  for (const record of records) {
    if ('fatal' in record) result.notes.push(record.fatal);
    else if ('commandsDone' in record) commandsDone = true;
    else if ('done' in record) done = true;
    else if (commands[record.index] && !seen.has(record.index)) {
      seen.add(record.index);
      count(result, commands[record.index], record.outcome);
    }
  }
  const how = exit ? `child ${describeExit(exit, timeoutSeconds)}` : 'child finished the file';
  const missing = commands.length - seen.size;
  if (missing > 0) {
    result.failed += missing;
    result.notes.push(`${how}; ${missing} command(s) not run, counted as failed`);
    const first = commands.find((_, i) => !seen.has(i)) as SpecCommand;
    result.failures.push({ line: first.line, type: first.type, reason: `not run (${how}), and ${missing - 1} more after it`, unsupported: false });
  } else if (!done || exit) {
    result.failed += 1;
    result.notes.push(`${how} after ${commandsDone ? 'all commands (during dispose/exit)' : 'its commands'}; counted as 1 failure`);
  }
  if (missing > 0 || !done) {
    const lines = (exit?.stderr ?? '').split('\n').filter((l) => l.trim()).slice(-STDERR_LINES_SHOWN);
    result.notes.push(...lines.map((l) => `  stderr: ${l}`));
  }
  return result;
}

/** Runs one file on `worker`; the exit is null when the worker is still alive for the next file. */
async function runFile(worker: Worker, file: string, outFile: string, o: PoolOptions): Promise<{ result: FileResult; exit: ChildExit | null }> {
  let commands: SpecCommand[];
  try {
    commands = (JSON.parse(fs.readFileSync(file, 'utf8')) as SpecFile).commands ?? [];
  } catch (e) {
    return { result: { ...emptyResult(file, 0), failed: 1, notes: [`cannot read ${file}: ${(e as Error).message}`] }, exit: null };
  }
  const exit = await worker.run({ specFile: file, outFile }, o.timeoutSeconds);
  const result = tally(file, commands, readRecords(outFile), exit, o.timeoutSeconds);
  fs.rmSync(outFile, { force: true });
  return { result, exit };
}

/** Runs the files on at most `jobs` workers at once; results come back in the order of `files`. */
export async function runSpecFiles(files: string[], o: PoolOptions): Promise<FileResult[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmjit-spec-'));
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    let worker: Worker | undefined;
    try {
      while (next < files.length) {
        const index = next++;
        o.onStart?.(specName(files[index]));
        worker ??= new Worker(o.engine);
        const { result, exit } = await runFile(worker, files[index], path.join(tmp, `${index}.jsonl`), o);
        if (exit) worker = undefined;
        results[index] = result;
        o.onDone?.(result, index);
      }
    } finally {
      await worker?.stop();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, files.length) }, lane));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
