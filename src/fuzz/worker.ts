// A fuzz worker process: runs the jobs its parent sends, one at a time, and before every risky step
// writes where it is to a progress file with a synchronous write, so that when it crashes or hangs
// the parent knows which module and which call did it.
import fs from 'node:fs';
import { runJob } from './jobs.js';
import type { Job } from './jobs.js';

const progressFile = process.env.WASMJIT_FUZZ_PROGRESS;
const progressFd = progressFile ? fs.openSync(progressFile, 'w') : undefined;

function progress(phase: string): void {
  if (progressFd === undefined) return;
  const text = Buffer.from(phase);
  fs.ftruncateSync(progressFd, 0);
  fs.writeSync(progressFd, text, 0, text.length, 0);
}

process.on('message', (message: { id: number; job: Job }) => {
  runJob(message.job, progress).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? `${error.constructor.name}: ${error.message}\n${error.stack}` : String(error) }),
  );
});
