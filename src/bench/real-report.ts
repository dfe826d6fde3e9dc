// The real-code section of the report (issue 13): per program the engines' times and the native
// build's, wasmjit's time ratios, geometric means per group, the worst programs, and the targets.
import { ENGINES } from './engines.js';
import type { RealGroup, RealRow } from './real-suite.js';
import { geometricMean } from './stats.js';
import { formatTable, formatTargets, ms, numberColumns, paragraph, plural, ratio } from './table.js';
import type { Style, TargetCheck } from './table.js';

/**
 * Issue 13, as time ratios: wasmjit against TurboFan-only (geomean and every program) and against
 * Liftoff-only on every kernel — the C loop-nest kernels here, the hand-written ones in the kernel
 * section (report.ts); the other programs' Liftoff ratios are listed, not a target.
 */
export const REAL_TARGETS = { geomeanOverTurbofan: 1.25, worstOverTurbofan: 2, worstOverLiftoff: 1 } as const;

const GROUP_LABELS: Record<RealGroup, string> = {
  'hash-wasm': "hash-wasm's modules",
  kernels: 'C loop-nest kernels',
  cpu: 'C integer CPU benchmark',
};

export interface RealRatios {
  liftoff: number;
  turbofan: number;
  /** NaN without a native build (hash-wasm). */
  native: number;
}

function realRatios(row: RealRow): RealRatios {
  return { liftoff: row.ms.wasmjit / row.ms.liftoff, turbofan: row.ms.wasmjit / row.ms.turbofan, native: row.ms.wasmjit / (row.nativeMs ?? NaN) };
}

function means(rows: RealRow[]): RealRatios {
  const ratios = rows.map(realRatios);
  const mean = (key: keyof RealRatios): number => {
    const values = ratios.map((r) => r[key]).filter(Number.isFinite);
    return values.length > 0 ? geometricMean(values) : NaN;
  };
  return { liftoff: mean('liftoff'), turbofan: mean('turbofan'), native: mean('native') };
}

function groupsOf(rows: RealRow[]): RealGroup[] {
  return (Object.keys(GROUP_LABELS) as RealGroup[]).filter((g) => rows.some((r) => r.group === g));
}

function realTable(rows: RealRow[], style: Style): string {
  const header = ['program', 'group', ...ENGINES.map((e) => `${e.label} ms`), 'native ms', 'wasmjit/Liftoff', 'wasmjit/TurboFan', 'wasmjit/native'];
  const body = rows.map((row) => {
    const r = realRatios(row);
    return [row.name, row.group, ...ENGINES.map((e) => ms(row.ms[e.id])), ms(row.nativeMs), ratio(r.liftoff), ratio(r.turbofan), ratio(r.native)];
  });
  const blank = ENGINES.map(() => '');
  for (const group of groupsOf(rows)) {
    const m = means(rows.filter((r) => r.group === group));
    body.push([`geomean ${group}`, '', ...blank, '', ratio(m.liftoff), ratio(m.turbofan), ratio(m.native)]);
  }
  const all = means(rows);
  body.push(['geomean all', '', ...blank, '', ratio(all.liftoff), ratio(all.turbofan), ratio(all.native)]);
  return formatTable(header, body, numberColumns(header), style);
}

function worst(rows: RealRow[], key: keyof RealRatios, count: number): Array<{ name: string; value: number }> {
  return rows
    .map((row) => ({ name: row.name, value: realRatios(row)[key] }))
    .filter((w) => Number.isFinite(w.value))
    .sort((a, b) => b.value - a.value)
    .slice(0, count);
}

const listed = (items: Array<{ name: string; value: number }>): string => items.map((w) => `${w.name} ${ratio(w.value)}`).join(', ');

export function realTargets(rows: RealRow[]): TargetCheck[] {
  const geomean = means(rows).turbofan;
  const [slowestTurbofan] = worst(rows, 'turbofan', 1);
  const kernels = rows.filter((r) => r.group === 'kernels');
  const [slowestLiftoff] = worst(kernels, 'liftoff', 1);
  const overTurbofan = rows.filter((r) => realRatios(r).turbofan > REAL_TARGETS.worstOverTurbofan).length;
  const overLiftoff = kernels.filter((r) => realRatios(r).liftoff > REAL_TARGETS.worstOverLiftoff).length;
  return [
    {
      target: `wasmjit/TurboFan geomean ≤ ${REAL_TARGETS.geomeanOverTurbofan.toFixed(2)} on real compiled code`,
      measured: `${ratio(geomean)} over ${rows.length} programs`,
      met: geomean <= REAL_TARGETS.geomeanOverTurbofan,
    },
    {
      target: `wasmjit/TurboFan ≤ ${REAL_TARGETS.worstOverTurbofan.toFixed(2)} on every program`,
      measured: `worst ${ratio(slowestTurbofan!.value)} (${slowestTurbofan!.name}); ${overTurbofan} above`,
      met: overTurbofan === 0,
    },
    slowestLiftoff === undefined
      ? { target: `wasmjit/Liftoff ≤ ${REAL_TARGETS.worstOverLiftoff.toFixed(2)} on every C loop-nest kernel`, measured: 'no kernel run', met: undefined }
      : {
          target: `wasmjit/Liftoff ≤ ${REAL_TARGETS.worstOverLiftoff.toFixed(2)} on every C loop-nest kernel`,
          measured: `worst ${ratio(slowestLiftoff.value)} (${slowestLiftoff.name}); ${overLiftoff} above`,
          met: overLiftoff === 0,
        },
  ];
}

/** The section's paragraphs, none without real programs among the results. */
export function realSection(rows: RealRow[], reps: number, style: Style): string[] {
  if (rows.length === 0) return [];
  const groups = groupsOf(rows).map((g) => `${g}: ${GROUP_LABELS[g]}`).join('; ');
  return [
    paragraph(
      style,
      `Real compiled code: ms per run, median of ${plural(reps, 'repetition')} (each a fresh process per engine: a warm-up run, then the timed ones).`,
      "hash-wasm runs go through hash-wasm's API (its JS included); a C program's run is its `_start` in a fresh instance (clang -O2,",
      'wasm32-wasi, a minimal WASI shim); native is the same C built with gcc -O2, its process timed whole. Every engine and the',
      `native build printed the same output. Groups: ${groups}.`,
    ),
    realTable(rows, style),
    paragraph(style, `Worst wasmjit/TurboFan: ${listed(worst(rows, 'turbofan', 5))}. Worst wasmjit/Liftoff: ${listed(worst(rows, 'liftoff', 3))}.`),
    formatTargets('Targets (issue 13):', realTargets(rows), style),
  ];
}

/** For --json: the ratios per program, the geometric means per group and overall, and the targets. */
export function realSummary(rows: RealRow[]): object | undefined {
  if (rows.length === 0) return undefined;
  return {
    programs: rows.map((row) => ({ ...row, ratios: realRatios(row) })),
    geometricMeans: Object.fromEntries([...groupsOf(rows).map((g) => [g, means(rows.filter((r) => r.group === g))]), ['all', means(rows)]]),
    targets: realTargets(rows),
  };
}
