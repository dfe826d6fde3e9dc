// Progress on stderr while the children run: one live line on a terminal, otherwise a line per group
// (a kernel in one repetition). No times are shown: they are printed only after the checksums agree.
export class Progress {
  private started = 0;
  private lastGroup = '';
  private readonly live = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  /** A child is about to run `group` on `engine`. */
  step(group: string, engine: string): void {
    this.started++;
    if (this.live) {
      const line = `bench [${this.started}/${this.total}] ${group}: ${engine}`;
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
    } else if (group !== this.lastGroup) {
      process.stderr.write(`bench [${this.started}/${this.total}] ${group}\n`);
    }
    this.lastGroup = group;
  }

  /** Removes the live line, so that what follows starts on a clean line. */
  clear(): void {
    if (this.live) process.stderr.write('\r\x1b[K');
  }
}
