// Entry of a worker child process of the pool (pool.ts): `node dist/spectest/child.js <engine>`,
// with an IPC channel. It loads the engine once and runs the spec files the parent sends, one at
// a time (protocol.ts); it exits when the parent says STOP or goes away, or after a file whose instances
// could not be disposed (its state can no longer be trusted).
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from './commands.js';
import { loadEngine, type Engine } from './engine.js';
import { describeError } from './errors.js';
import { FILE_FINISHED, parseChildArgs, STOP, type ChildJob, type ChildRecord } from './protocol.js';
import { ScriptSession } from './session.js';
import type { SpecFile } from './types.js';

const { engine: engineName } = parseChildArgs(process.argv.slice(2));
const engine: Promise<Engine> = loadEngine(engineName);
engine.catch(() => {}); // reported by the first job

// An engine bug may throw from a callback outside any command; report it and keep going, so
// the remaining commands still run (the parent shows the child's stderr if it dies).
process.on('uncaughtException', (e) => process.stderr.write(`uncaught exception: ${(e as Error)?.stack ?? e}\n`));
process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${(e as Error)?.stack ?? e}\n`));

/** Runs one spec file; returns the exit code when the process must end after it, else null. */
async function runFile({ specFile, outFile }: ChildJob): Promise<number | null> {
  const out = fs.openSync(outFile, 'a');
  const write = (record: ChildRecord): void => {
    fs.writeSync(out, `${JSON.stringify(record)}\n`);
  };
  try {
    let session: ScriptSession;
    try {
      session = new ScriptSession(await engine, path.dirname(specFile));
    } catch (e) {
      write({ fatal: `cannot load engine: ${describeError(e)}` });
      return 3;
    }
    const commands = (JSON.parse(fs.readFileSync(specFile, 'utf8')) as SpecFile).commands ?? [];
    for (const [index, cmd] of commands.entries()) {
      write({ index, outcome: await runCommand(session, cmd) });
    }
    write({ commandsDone: true });
    try {
      session.disposeAll();
    } catch (e) {
      write({ fatal: `dispose() threw: ${describeError(e)}` });
      return 4;
    }
    write({ done: true });
    return null;
  } finally {
    fs.closeSync(out);
  }
}

// Exit explicitly: an engine may keep native handles open that would keep the process alive.
process.on('disconnect', () => process.exit(0));
process.on('message', (job: ChildJob | typeof STOP) => {
  if (job === STOP) process.exit(0);
  const failed = (e: unknown): number => (process.stderr.write(`runner error: ${(e as Error)?.stack ?? e}\n`), 5);
  void runFile(job).catch(failed).then((exitCode) => {
    if (exitCode !== null) process.exit(exitCode);
    process.send?.(FILE_FINISHED);
  });
});
