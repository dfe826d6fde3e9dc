// The spec-testsuite runner behind `wasmjit spec`: runs the converted WebAssembly core testsuite
// (test/spec) against wasmjit or V8, one child process per spec file. See test/spec/README.md.
import fs from 'node:fs';
import { EngineLoadError, loadEngine } from './engine.js';
import { expectedFile, recordExpected } from './expected.js';
import { findSpecFiles, isSuiteDir } from './files.js';
import { parseSpecArgs, UsageError, USAGE, type SpecOptions } from './options.js';
import { CHILD_ENTRY, DEFAULT_SPEC_DIR } from './paths.js';
import { runSpecFiles } from './pool.js';
import { fileLines, Progress, suiteResult, totalLine } from './report.js';
import type { FileResult } from './types.js';

export type { FileResult, SuiteResult, Totals } from './types.js';

const EXIT = { ok: 0, failures: 1, unusable: 2 } as const;

/** Where --record writes: the suite folder that was run as a whole. */
function recordTarget(o: SpecOptions, paths: string[]): string {
  if (o.engine !== 'wasmjit') throw new UsageError('--record records the wasmjit engine\'s pass counts; drop --engine v8');
  if (paths.length !== 1 || !isSuiteDir(paths[0])) {
    throw new UsageError('--record needs a whole suite: give no path, or one folder of spec folders');
  }
  return expectedFile(paths[0]);
}

/** Fails early, in one line, when the engine or the built runner cannot be used. */
async function checkRunnable(o: SpecOptions): Promise<void> {
  if (!fs.existsSync(CHILD_ENTRY)) throw new EngineLoadError(`${CHILD_ENTRY} does not exist (run \`npm run build\` first)`);
  await loadEngine(o.engine);
}

async function runAll(files: string[], o: SpecOptions): Promise<FileResult[]> {
  const progress = new Progress(files.length);
  const finished: FileResult[] = [];
  let printed = 0;
  // Text output goes out in file order, as soon as every file before it has finished.
  const printReady = (): void => {
    if (o.json) return;
    progress.clear();
    for (; printed < files.length && finished[printed]; printed++) {
      for (const line of fileLines(finished[printed], o.verbose)) console.log(line);
    }
    progress.redraw();
  };
  const results = await runSpecFiles(files, {
    engine: o.engine,
    jobs: o.jobs,
    timeoutSeconds: o.timeoutSeconds,
    onStart: (name) => progress.start(name),
    onDone: (result, index) => {
      finished[index] = result;
      progress.done(result.name);
      printReady();
    },
  });
  progress.clear();
  return results;
}

async function run(o: SpecOptions): Promise<number> {
  const paths = o.paths.length > 0 ? o.paths : [DEFAULT_SPEC_DIR];
  const files = findSpecFiles(paths);
  const recordTo = o.record ? recordTarget(o, paths) : undefined;
  await checkRunnable(o);
  const results = await runAll(files, o);
  const suite = suiteResult(o.engine, results);
  console.log(o.json ? JSON.stringify(suite) : totalLine(suite.totals));
  if (recordTo) {
    for (const warning of recordExpected(recordTo, results)) console.error(`wasmjit spec: warning: ${warning}`);
    console.error(`wasmjit spec: recorded the pass counts of ${results.length} files in ${recordTo}`);
    return EXIT.ok;
  }
  return suite.totals.failed === 0 ? EXIT.ok : EXIT.failures;
}

/**
 * `wasmjit spec [PATH ...] [--engine wasmjit|v8] [-v] [--json] [--jobs N] [--timeout S] [--record]`.
 * Returns the exit code: 0 nothing failed (or --record wrote expected.json), 1 something failed,
 * 2 bad usage or an engine that cannot be loaded.
 */
export async function runSpecCli(argv: string[]): Promise<number> {
  try {
    const options = parseSpecArgs(argv);
    if (options.help) {
      console.log(USAGE);
      return EXIT.ok;
    }
    return await run(options);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`wasmjit spec: ${e.message} (see wasmjit spec --help)`);
      return EXIT.unusable;
    }
    if (e instanceof EngineLoadError) {
      console.error(`wasmjit spec: cannot load the engine: ${e.message}`);
      return EXIT.unusable;
    }
    throw e;
  }
}
