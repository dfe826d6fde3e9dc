// How results are shown: one line per file and a total line (text), or one JSON object; and a
// progress line on stderr while the files run.
import type { EngineName, FileResult, SuiteResult, Totals } from './types.js';

type Counts = Pick<Totals, 'passed' | 'failed' | 'skipped' | 'unsupported'>;

/** "N passed, N failed, N skipped", plus how many failures are unsupported features, if any. */
function countsLine(c: Counts): string {
  const unsupported = c.unsupported > 0 ? ` (${c.unsupported} of the failures: unsupported feature)` : '';
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${unsupported}`;
}

/** The lines printed for one file: its counts, its notes and, when verbose, failures and skips. */
export function fileLines(r: FileResult, verbose: boolean): string[] {
  const lines = [`${r.name}: ${countsLine(r)}`, ...r.notes.map((n) => `  ${r.name}: ${n}`)];
  if (verbose) {
    lines.push(...r.failures.map((f) => `  FAIL ${r.name}.wast:${f.line}: ${f.type}: ${f.reason}`));
    lines.push(...Object.entries(r.skips).map(([reason, n]) => `  skipped ${n}x: ${reason}`));
  }
  return lines;
}

function totalsOf(results: FileResult[]): Totals {
  const totals: Totals = { files: results.length, commands: 0, passed: 0, failed: 0, skipped: 0, unsupported: 0 };
  for (const r of results) {
    totals.commands += r.commands;
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
    totals.unsupported += r.unsupported;
  }
  return totals;
}

export const totalLine = (totals: Totals): string => countsLine(totals);

export function suiteResult(engine: EngineName, files: FileResult[]): SuiteResult {
  return { engine, files, totals: totalsOf(files) };
}

/**
 * Progress on stderr: on a terminal one line that is rewritten ("[3/53] running f32, f64"),
 * otherwise one line per finished file.
 */
export class Progress {
  private readonly running = new Set<string>();
  private finished = 0;
  private readonly live = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  start(name: string): void {
    this.running.add(name);
    this.redraw();
  }

  done(name: string): void {
    this.running.delete(name);
    this.finished++;
    if (this.live) this.redraw();
    else process.stderr.write(`spec [${this.finished}/${this.total}] ${name} done\n`);
  }

  /** Removes the live line, so that stdout lines do not mix with it on a terminal. */
  clear(): void {
    if (this.live) process.stderr.write('\r\x1b[K');
  }

  redraw(): void {
    if (!this.live || this.running.size === 0) return;
    const line = `[${this.finished}/${this.total}] running ${[...this.running].join(', ')}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
  }
}
