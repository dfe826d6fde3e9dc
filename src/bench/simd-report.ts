// The SIMD kernels' section of the report (issue 12): each SIMD kernel on every engine beside its
// scalar twin, the SIMD/scalar ratios on Liftoff and on wasmjit, and the speed targets. An
// engine that refused a module (wasmjit before it compiles SIMD) shows as "unsupported".
import type { EngineId } from './engines.js';
import { ENGINES } from './engines.js';
import { geometricMean } from './stats.js';
import type { KernelRow, KernelTimes } from './suite.js';
import { formatTable, formatTargets, ms, numberColumns, paragraph, ratio } from './table.js';
import type { Style, TargetCheck } from './table.js';

/** Issue 12: wasmjit's SIMD kernels against Liftoff-only V8, as time ratios; and faster than its own scalar twins. */
export const SIMD_TARGETS = { geomeanOverLiftoff: 1, worstOverLiftoff: 1.5, simdOverScalar: 1 } as const;

type SimdRow = KernelRow & { scalarTwin: KernelTimes };

export interface SimdRatios {
  wasmjitOverLiftoff: number;
  wasmjitOverTurbofan: number;
  /** The SIMD module's time over its scalar twin's, on the same engine. */
  liftoffSimdOverScalar: number;
  wasmjitSimdOverScalar: number;
}

function simdRows(kernels: KernelRow[]): SimdRow[] {
  return kernels.filter((k): k is SimdRow => k.kind === 'simd' && k.scalarTwin !== undefined);
}

function simdRatios(row: SimdRow): SimdRatios {
  return {
    wasmjitOverLiftoff: row.ms.wasmjit / row.ms.liftoff,
    wasmjitOverTurbofan: row.ms.wasmjit / row.ms.turbofan,
    liftoffSimdOverScalar: row.ms.liftoff / row.scalarTwin.ms.liftoff,
    wasmjitSimdOverScalar: row.ms.wasmjit / row.scalarTwin.ms.wasmjit,
  };
}

function geometricMeans(rows: SimdRow[]): SimdRatios {
  const ratios = rows.map(simdRatios);
  const mean = (key: keyof SimdRatios): number => geometricMean(ratios.map((r) => r[key]));
  return {
    wasmjitOverLiftoff: mean('wasmjitOverLiftoff'),
    wasmjitOverTurbofan: mean('wasmjitOverTurbofan'),
    liftoffSimdOverScalar: mean('liftoffSimdOverScalar'),
    wasmjitSimdOverScalar: mean('wasmjitSimdOverScalar'),
  };
}

const RATIO_COLUMNS: Array<[keyof SimdRatios, string]> = [
  ['wasmjitOverLiftoff', 'wasmjit/Liftoff'],
  ['wasmjitOverTurbofan', 'wasmjit/TurboFan'],
  ['liftoffSimdOverScalar', 'SIMD/scalar Liftoff'],
  ['wasmjitSimdOverScalar', 'SIMD/scalar wasmjit'],
];

function timeCell(times: KernelTimes, id: EngineId): string {
  return times.unsupported[id] !== undefined ? 'unsupported' : ms(times.ms[id]);
}

function simdTable(rows: SimdRow[], style: Style): string {
  const header = ['kernel', 'n', ...ENGINES.map((e) => `${e.label} ms`), ...ENGINES.map((e) => `scalar ${e.label} ms`), ...RATIO_COLUMNS.map(([, label]) => label)];
  const body = rows.map((row) => {
    const r = simdRatios(row);
    return [
      row.name,
      String(row.n),
      ...ENGINES.map((e) => timeCell(row, e.id)),
      ...ENGINES.map((e) => timeCell(row.scalarTwin, e.id)),
      ...RATIO_COLUMNS.map(([key]) => ratio(r[key])),
    ];
  });
  const means = geometricMeans(rows);
  body.push(['geomean simd', '', ...ENGINES.flatMap(() => ['', '']), ...RATIO_COLUMNS.map(([key]) => ratio(means[key]))]);
  return formatTable(header, body, numberColumns(header), style);
}

function simdTargets(rows: SimdRow[]): TargetCheck[] {
  const targets = [
    `wasmjit/Liftoff geomean ≤ ${SIMD_TARGETS.geomeanOverLiftoff.toFixed(2)}`,
    `wasmjit/Liftoff ≤ ${SIMD_TARGETS.worstOverLiftoff.toFixed(2)} on every kernel`,
    'wasmjit\'s SIMD module faster than its scalar twin on every kernel',
  ];
  const refused = rows.filter((row) => row.unsupported.wasmjit !== undefined);
  if (refused.length > 0) {
    const measured = `not measured: wasmjit refused ${refused.length} of ${rows.length} SIMD modules`;
    return targets.map((target) => ({ target, measured, met: undefined }));
  }
  const worst = (key: keyof SimdRatios): { value: number; name: string } =>
    rows.map((row) => ({ value: simdRatios(row)[key], name: row.name })).reduce((a, b) => (b.value > a.value ? b : a));
  const geomean = geometricMeans(rows).wasmjitOverLiftoff;
  const slowest = worst('wasmjitOverLiftoff');
  const leastGain = worst('wasmjitSimdOverScalar');
  return [
    { target: targets[0]!, measured: `${ratio(geomean)} over ${rows.length} kernels`, met: geomean <= SIMD_TARGETS.geomeanOverLiftoff },
    { target: targets[1]!, measured: `worst ${ratio(slowest.value)} (${slowest.name})`, met: slowest.value <= SIMD_TARGETS.worstOverLiftoff },
    { target: targets[2]!, measured: `worst SIMD/scalar ${ratio(leastGain.value)} (${leastGain.name})`, met: leastGain.value < SIMD_TARGETS.simdOverScalar },
  ];
}

/** The section's paragraphs, none without SIMD kernels among the results. */
export function simdSection(kernels: KernelRow[], style: Style): string[] {
  const rows = simdRows(kernels);
  if (rows.length === 0) return [];
  const refusals = rows.flatMap((row) => (row.unsupported.wasmjit === undefined ? [] : [`${row.name}: ${row.unsupported.wasmjit}`]));
  return [
    paragraph(
      style,
      'SIMD kernels: ms per call as above, each beside its scalar twin (the same work without v128, which returned the same',
      'checksum on every engine). SIMD/scalar is the SIMD module\'s time over its twin\'s on the same engine: below 1 the SIMD code pays off.',
    ),
    simdTable(rows, style),
    ...(refusals.length > 0 ? [paragraph(style, 'wasmjit refused the SIMD modules (CompileError):', ...refusals)] : []),
    formatTargets('Targets (issue 12):', simdTargets(rows), style),
  ];
}

/** For --json: the geometric means, the targets and what wasmjit refused. */
export function simdSummary(kernels: KernelRow[]): { geometricMeans: SimdRatios; targets: TargetCheck[] } | undefined {
  const rows = simdRows(kernels);
  return rows.length === 0 ? undefined : { geometricMeans: geometricMeans(rows), targets: simdTargets(rows) };
}
