// Entry of the child process that runs one spec file (spawned by pool.ts):
//   node dist/spectest/child.js <engine> <spec.json> <results.jsonl>
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from './commands.js';
import { loadEngine } from './engine.js';
import { describeError } from './errors.js';
import { parseChildArgs, type ChildRecord } from './protocol.js';
import { ScriptSession } from './session.js';
import type { SpecFile } from './types.js';

const { engine: engineName, specFile, outFile } = parseChildArgs(process.argv.slice(2));
const out = fs.openSync(outFile, 'a');
const write = (record: ChildRecord): void => {
  fs.writeSync(out, `${JSON.stringify(record)}\n`);
};

// An engine bug may throw from a callback outside any command; report it and keep going, so
// the remaining commands still run (the parent shows the child's stderr if it dies).
process.on('uncaughtException', (e) => process.stderr.write(`uncaught exception: ${(e as Error)?.stack ?? e}\n`));
process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${(e as Error)?.stack ?? e}\n`));

async function main(): Promise<number> {
  let session: ScriptSession;
  try {
    session = new ScriptSession(await loadEngine(engineName), path.dirname(specFile));
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
  return 0;
}

// Exit explicitly: an engine may keep native handles open that would keep the process alive.
process.exit(await main());
