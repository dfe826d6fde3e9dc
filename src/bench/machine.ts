// A description of where the benchmark ran, printed above the tables and recorded in RESULTS.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  /** Short commit hash, with "+ uncommitted changes" when the work tree differs from it. */
  commit: string;
  date: string;
  /** The 1-minute load average when the run started: other work on a shared machine skews times. */
  loadAverage: number;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function gitCommit(cwd: string): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit} + uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function describeMachine(packageRoot: string): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
    commit: gitCommit(packageRoot),
    date: new Date().toISOString().slice(0, 10),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node} (V8 ${m.v8}); commit ${m.commit}; ${m.date}, load average ${m.loadAverage} at start`;
}
