// The metering part of the report: each integer and float kernel on wasmjit's plain code, its code
// with fuel metering and its code with interrupt polling (compiler/metering.ts), as time ratios.
import type { Metering } from './engines.js';
import { geometricMean } from './stats.js';
import type { KernelRow } from './suite.js';
import { formatTable, formatTargets, ms, numberColumns, paragraph, ratio } from './table.js';
import type { Style, TargetCheck } from './table.js';

/** What issue 14 allows, as metered time over plain time: the geometric mean over the kernels. */
const TARGETS: Record<Metering, number> = { fuel: 1.25, interruptible: 1.05 };
const METERINGS: Metering[] = ['fuel', 'interruptible'];

type MeteredRow = KernelRow & { metered: NonNullable<KernelRow['metered']> };

const meteredRows = (kernels: KernelRow[]): MeteredRow[] => kernels.filter((k): k is MeteredRow => k.metered !== undefined);
const overhead = (row: MeteredRow, metering: Metering): number => row.metered.ms[metering] / row.ms.wasmjit;

/** Per metering, the geometric mean of metered / plain time over the kernels. */
export function meteringSummary(kernels: KernelRow[]): Partial<Record<Metering, number>> {
  const rows = meteredRows(kernels);
  if (rows.length === 0) return {};
  return Object.fromEntries(METERINGS.map((m) => [m, geometricMean(rows.map((row) => overhead(row, m)))]));
}

export function meteringSection(kernels: KernelRow[], style: Style): string[] {
  const rows = meteredRows(kernels);
  if (rows.length === 0) return [];
  const header = ['kernel', 'wasmjit ms', 'fuel ms', 'fuel/plain', 'interruptible ms', 'interruptible/plain'];
  const body = rows.map((k) => [k.name, ms(k.ms.wasmjit), ms(k.metered.ms.fuel), ratio(overhead(k, 'fuel')), ms(k.metered.ms.interruptible), ratio(overhead(k, 'interruptible'))]);
  const means = meteringSummary(kernels);
  body.push(['geomean', '', '', ratio(means.fuel!), '', ratio(means.interruptible!)]);
  const checks: TargetCheck[] = METERINGS.map((m) => ({
    target: `${m === 'fuel' ? 'fuel metering' : 'interrupt polling'} ≤ ${TARGETS[m].toFixed(2)}× plain wasmjit (geomean)`,
    measured: `${ratio(means[m]!)}×`,
    met: means[m]! <= TARGETS[m],
  }));
  return [
    paragraph(
      style,
      'Metering: the same kernels on wasmjit code compiled with fuel metering (`fuel`, all the fuel there is) and with interrupt polling',
      '(`interruptible`: loop starts poll; entries check nothing more), ms per call (medians), over the plain code\'s time.',
    ),
    formatTable(header, body, numberColumns(header), style),
    formatTargets('Targets (issue 14):', checks, style),
  ];
}
