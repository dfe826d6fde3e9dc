// Worker processes with a time limit per job: a crash (a signal, or any exit) or a hang of a worker
// is a result like any other, carrying the last progress the worker wrote, and a new worker
// takes its place.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, JobResult } from './jobs.js';

export type PoolOutcome =
  | { kind: 'done'; result: JobResult }
  /** The job threw in the worker (a harness or generator problem, not a wasmjit finding by itself). */
  | { kind: 'error'; error: string }
  | { kind: 'crash'; exit: string; progress: string; stderr: string }
  | { kind: 'hang'; progress: string; stderr: string };

const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');
/** Workers are replaced now and then, so that nothing they leak accumulates. */
const JOBS_PER_WORKER = 400;

class Worker {
  private child: ChildProcess | undefined;
  private jobs = 0;
  private stderr = '';
  private readonly progressFile: string;

  constructor(index: number) {
    this.progressFile = path.join(os.tmpdir(), `wasmjit-fuzz-${process.pid}-${index}.progress`);
  }

  private start(): ChildProcess {
    this.stderr = '';
    this.jobs = 0;
    const child = fork(WORKER_SCRIPT, [], {
      env: { ...process.env, WASMJIT_FUZZ_PROGRESS: this.progressFile },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: V8_REFERENCE_FLAGS,
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    return child;
  }

  private progress(): string {
    try {
      return fs.readFileSync(this.progressFile, 'utf8');
    } catch {
      return '';
    }
  }

  run(job: Job, timeoutMs: number): Promise<PoolOutcome> {
    if (!this.child || this.jobs >= JOBS_PER_WORKER) {
      this.stop();
      this.child = this.start();
    }
    const child = this.child;
    this.jobs++;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: PoolOutcome, keepWorker: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (!keepWorker) {
          child.kill('SIGKILL');
          if (this.child === child) this.child = undefined;
        }
        resolve(outcome);
      };
      const onMessage = (message: { result?: JobResult; error?: string }) => {
        if (message.error !== undefined) finish({ kind: 'error', error: message.error }, false);
        else finish({ kind: 'done', result: message.result! }, true);
      };
      const onExit = (code: number | null, signal: string | null) => {
        // Let the last of stderr arrive before reporting.
        setTimeout(() => finish({ kind: 'crash', exit: signal ?? `exit code ${code}`, progress: this.progress(), stderr: this.stderr }, false), 50);
      };
      const timer = setTimeout(() => finish({ kind: 'hang', progress: this.progress(), stderr: this.stderr }, false), timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id: 0, job });
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  dispose(): void {
    this.stop();
    fs.rmSync(this.progressFile, { force: true });
  }
}

/**
 * The reference V8 runs Liftoff only. TurboFan may fold arithmetic on NaNs into a NaN of another sign
 * (wasm leaves it open), and V8 tiers a function up after enough calls in the process, so with it the
 * sign `f64.copysign` takes from such a NaN changed during a run (seen on Node 24). Liftoff computes
 * NaNs as the hardware does, as wasmjit does.
 */
const V8_REFERENCE_FLAGS = ['--liftoff', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

export class Pool {
  private readonly idle: Worker[];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly all: Worker[];

  constructor(size: number) {
    this.all = Array.from({ length: size }, (_, i) => new Worker(i));
    this.idle = [...this.all];
  }

  async run(job: Job, timeoutMs: number): Promise<PoolOutcome> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await worker.run(job, timeoutMs);
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  dispose(): void {
    for (const w of this.all) w.dispose();
  }
}
