// What every section of the benchmark's report formats with: tables as aligned text or markdown,
// numbers with fixed digits, and the lines checking measurements against an issue's targets.

export type Style = 'text' | 'markdown';
export type Align = 'left' | 'right';

export function formatTable(header: string[], rows: string[][], align: Align[], style: Style): string {
  if (style === 'markdown') {
    const rule = align.map((a) => (a === 'left' ? '---' : '---:'));
    return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (cell: string, i: number): string => (align[i] === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i]));
  return [header, ...rows].map((cells) => cells.map(pad).join('  ').trimEnd()).join('\n');
}

/** The first column left-aligned, the numbers right-aligned. */
export function numberColumns(header: string[]): Align[] {
  return ['left', ...header.slice(1).map((): Align => 'right')];
}

export const fixed = (digits: number) => (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
export const ms = fixed(1);
export const ratio = fixed(2);

/** Lines of the report joined: one paragraph in markdown, one line each on a terminal. */
export function paragraph(style: Style, ...text: string[]): string {
  return text.join(style === 'markdown' ? ' ' : '\n');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** Undefined when this build cannot be measured against it (no lazy compilation, no cache, no SIMD). */
  met: boolean | undefined;
}

/** "Targets (issue N):" and a line per check, met, missed or - (not measurable). */
export function formatTargets(title: string, checks: TargetCheck[], style: Style): string {
  const verdict = (c: TargetCheck): string => (c.met === undefined ? '-' : c.met ? 'met' : 'missed');
  const lines = checks.map((c) => (style === 'markdown' ? `- ${verdict(c)}: ${c.target}: ${c.measured}` : `  ${verdict(c).padEnd(6)}  ${c.target}: ${c.measured}`));
  return [title, ...lines].join('\n');
}
