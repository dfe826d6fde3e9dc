// Runs each spec file in its own child process (dist/spectest/child.js), several at a time, and
// turns what the child wrote into a FileResult. A child that crashes or runs past the time limit
// has its remaining commands counted as failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { specName } from './files.js';
import { CHILD_ENTRY } from './paths.js';
import { childArgs, type ChildRecord } from './protocol.js';
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

function runChild(args: string[], timeoutSeconds: number): Promise<ChildExit> {
  return new Promise((resolve) => {
    // stdout is ignored: engines may print debug noise, and an unread pipe could block the child.
    const child = spawn(process.execPath, [CHILD_ENTRY, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-STDERR_KEEP); });
    child.on('error', (e) => { stderr += `spawn error: ${e.message}\n`; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stderr });
    });
  });
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

function tally(file: string, commands: SpecCommand[], records: ChildRecord[], exit: ChildExit, timeoutSeconds: number): FileResult {
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
  const how = `child ${describeExit(exit, timeoutSeconds)}`;
  const missing = commands.length - seen.size;
  if (missing > 0) {
    result.failed += missing;
    result.notes.push(`${how}; ${missing} command(s) not run, counted as failed`);
    const first = commands.find((_, i) => !seen.has(i)) as SpecCommand;
    result.failures.push({ line: first.line, type: first.type, reason: `not run (${how}), and ${missing - 1} more after it`, unsupported: false });
  } else if (!done || exit.code !== 0 || exit.signal || exit.timedOut) {
    result.failed += 1;
    result.notes.push(`${how} after ${commandsDone ? 'all commands (during dispose/exit)' : 'its commands'}; counted as 1 failure`);
  }
  if (missing > 0 || !done) {
    const lines = exit.stderr.split('\n').filter((l) => l.trim()).slice(-STDERR_LINES_SHOWN);
    result.notes.push(...lines.map((l) => `  stderr: ${l}`));
  }
  return result;
}

async function runFile(file: string, outFile: string, o: PoolOptions): Promise<FileResult> {
  let commands: SpecCommand[];
  try {
    commands = (JSON.parse(fs.readFileSync(file, 'utf8')) as SpecFile).commands ?? [];
  } catch (e) {
    return { ...emptyResult(file, 0), failed: 1, notes: [`cannot read ${file}: ${(e as Error).message}`] };
  }
  const exit = await runChild(childArgs(o.engine, file, outFile), o.timeoutSeconds);
  const result = tally(file, commands, readRecords(outFile), exit, o.timeoutSeconds);
  fs.rmSync(outFile, { force: true });
  return result;
}

/** Runs the files, at most `jobs` at once; results come back in the order of `files`. */
export async function runSpecFiles(files: string[], o: PoolOptions): Promise<FileResult[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmjit-spec-'));
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      o.onStart?.(specName(files[index]));
      results[index] = await runFile(files[index], path.join(tmp, `${index}.jsonl`), o);
      o.onDone?.(results[index], index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, files.length) }, worker));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
