// The benchmark's output: text tables for the terminal, markdown for bench/RESULTS.md, JSON for tools.
import { CALL_MEASUREMENTS } from './calls.js';
import type { CallShape } from './calls.js';
import { ENGINES } from './engines.js';
import type { EngineId } from './engines.js';
import type { KernelKind } from './kernels.js';
import type { Machine } from './machine.js';
import { machineLine } from './machine.js';
import { geometricMean } from './stats.js';
import { COMPILE_WARMUP_MS } from './suite.js';
import type { CompileMeasurement, CompileRow, KernelRow, SuiteResults } from './suite.js';
import { BUFFER_ENGINES, BUFFER_GROWS } from './buffers.js';
import type { BufferRow } from './buffers.js';

export interface Report {
  machine: Machine;
  reps: number;
  calls: number;
  results: SuiteResults;
}

type Style = 'text' | 'markdown';
type Align = 'left' | 'right';

function formatTable(header: string[], rows: string[][], align: Align[], style: Style): string {
  if (style === 'markdown') {
    const rule = align.map((a) => (a === 'left' ? '---' : '---:'));
    return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (cell: string, i: number): string => (align[i] === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i]));
  return [header, ...rows].map((cells) => cells.map(pad).join('  ').trimEnd()).join('\n');
}

const fixed = (digits: number) => (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
const ms = fixed(1);
const ratio = fixed(2);
/** Three significant digits or so, from 0.33 to 1017. */
const mbPerSecond = (value: number): string => fixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)(value);

/** Ratios are time ratios: wasmjit's time over V8's, so 2.00 means wasmjit takes twice as long. */
function kernelRatios(row: KernelRow): Record<'liftoff' | 'turbofan', number> {
  return { liftoff: row.ms.wasmjit / row.ms.liftoff, turbofan: row.ms.wasmjit / row.ms.turbofan };
}

const KINDS: KernelKind[] = ['integer', 'float'];

function geometricMeans(kernels: KernelRow[]): Partial<Record<KernelKind, Record<'liftoff' | 'turbofan', number>>> {
  const means: Partial<Record<KernelKind, Record<'liftoff' | 'turbofan', number>>> = {};
  for (const kind of KINDS) {
    const ratios = kernels.filter((k) => k.kind === kind).map(kernelRatios);
    if (ratios.length === 0) continue;
    means[kind] = {
      liftoff: geometricMean(ratios.map((r) => r.liftoff)),
      turbofan: geometricMean(ratios.map((r) => r.turbofan)),
    };
  }
  return means;
}

function kernelTable(kernels: KernelRow[], style: Style): string {
  const engineIds = ENGINES.map((e) => e.id);
  const header = ['kernel', 'n', ...ENGINES.map((e) => `${e.label} ms`), 'wasmjit/Liftoff', 'wasmjit/TurboFan'];
  const rows = kernels.map((k) => {
    const r = kernelRatios(k);
    return [k.name, String(k.n), ...engineIds.map((id) => ms(k.ms[id])), ratio(r.liftoff), ratio(r.turbofan)];
  });
  const means = geometricMeans(kernels);
  for (const kind of KINDS) {
    const mean = means[kind];
    if (mean) rows.push([`geomean ${kind}`, '', ...engineIds.map(() => ''), ratio(mean.liftoff), ratio(mean.turbofan)]);
  }
  return formatTable(header, rows, ['left', ...header.slice(1).map((): Align => 'right')], style);
}

function throughput(bytes: number, milliseconds: number): number {
  return bytes / 1e6 / (milliseconds / 1000);
}

const WASMJIT_PHASES = ['decode', 'lower', 'map'];

function formatSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

function compileTable(rows: CompileRow[], style: Style): string {
  const header = [
    'module', 'size', ...WASMJIT_PHASES, 'wasmjit total', 'V8 Liftoff', 'wasmjit/Liftoff',
    'first: wasmjit', 'first: Liftoff', 'first: ratio',
  ];
  const body = rows.map((row) => [
    row.module,
    formatSize(row.bytes),
    ...WASMJIT_PHASES.map((phase) => mbPerSecond(throughput(row.bytes, row.wasmjit.phasesMs[phase]))),
    mbPerSecond(throughput(row.bytes, row.wasmjit.totalMs)),
    mbPerSecond(throughput(row.bytes, row.liftoff.totalMs)),
    ratio(row.wasmjit.totalMs / row.liftoff.totalMs),
    mbPerSecond(throughput(row.bytes, row.wasmjit.firstMs)),
    mbPerSecond(throughput(row.bytes, row.liftoff.firstMs)),
    ratio(row.wasmjit.firstMs / row.liftoff.firstMs),
  ]);
  return formatTable(header, body, ['left', ...header.slice(1).map((): Align => 'right')], style);
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

function memoryLine(row: CompileRow): string {
  const one = (label: string, m: CompileMeasurement): string => `${label} ${mib(m.peakRssKiB)} (${mib(m.rssBeforeKiB)} before compiling)`;
  return `Peak resident memory (VmHWM) of a process compiling ${row.module} once: ${one('wasmjit', row.wasmjit)}, ${one('V8 Liftoff', row.liftoff)}.`;
}

function callLine(shape: CallShape, callNs: Record<EngineId, number>): string {
  const each = ENGINES.map((e) => `${e.label} ${callNs[e.id].toFixed(1)}`).join(', ');
  const ratios = `wasmjit/Liftoff ${ratio(callNs.wasmjit / callNs.liftoff)}, wasmjit/TurboFan ${ratio(callNs.wasmjit / callNs.turbofan)}`;
  return `Call overhead of a trivial ${CALL_MEASUREMENTS[shape].description} called from a JS loop, ns per call: ${each} (${ratios}).`;
}

const us = (value: number): string => fixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)(value);

function bufferTable(rows: BufferRow[], style: Style): string {
  const header = [
    'memory',
    ...BUFFER_ENGINES.flatMap((e) => [`${e.label} buffer µs`, `${e.label} max µs`, `${e.label} grow µs`, `${e.label} GCs`]),
  ];
  const body = rows.map((row) => [
    `${row.mib} MiB`,
    ...BUFFER_ENGINES.flatMap((e) => {
      const m = row.measured[e.id];
      return [us(m.bufferUs), us(m.bufferMaxUs), us(m.growUs), String(m.gcs)];
    }),
  ]);
  return formatTable(header, body, ['left', ...header.slice(1).map((): Align => 'right')], style);
}

function sections(report: Report, style: Style): string[] {
  const { results, reps, calls } = report;
  const out: string[] = [];
  const lines = (...text: string[]): string => text.join(style === 'markdown' ? ' ' : '\n');
  if (results.kernels.length > 0) {
    out.push(
      lines(
        `Kernels: ms per call, median of ${plural(reps, 'repetition')} (each a fresh process: a warm-up call, then ${plural(calls, 'timed call')}).`,
        'Ratios are wasmjit time / V8 time: below 1 wasmjit is faster. Every engine returned the same checksums.',
      ),
      kernelTable(results.kernels, style),
    );
  }
  if (results.compile.length > 0) {
    out.push(
      lines(
        'Compile throughput in MB/s of wasm (10⁶ bytes), medians: wasmjit by phase (decode, lower to x86-64, map executable)',
        'and in total; V8 Liftoff-only `new WebAssembly.Module` with lazy compilation off (its background threads count).',
        `Warm: compiles after ${COMPILE_WARMUP_MS / 1000} s of untimed ones (wasmjit's compiler is JavaScript that V8 optimizes as it runs);`,
        '"first" columns: the first compile of a fresh process, all phases. The ratios are of compile times: wasmjit / Liftoff.',
      ),
      compileTable(results.compile, style),
      memoryLine(results.compile[0]),
    );
  }
  for (const { node, ns } of results.calls) {
    out.push(lines(`Node ${node}:`, ...(Object.keys(ns) as CallShape[]).map((shape) => callLine(shape, ns[shape]))));
  }
  if (results.buffers.length > 0) {
    out.push(
      lines(
        `memory.buffer right after wasm's memory.grow 1 (which makes the new ArrayBuffer), ${BUFFER_GROWS} grows per process:`,
        'median and maximum µs, the grow\'s median µs, and the garbage collections during the loop; medians of the repetitions.',
      ),
      bufferTable(results.buffers, style),
    );
  }
  out.push(...results.notes);
  return out;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function formatText(report: Report): string {
  return `wasmjit bench — ${machineLine(report.machine)}\n\n${sections(report, 'text').join('\n\n')}\n`;
}

/** One entry of bench/RESULTS.md. */
export function formatMarkdown(report: Report, label: string): string {
  const m = report.machine;
  return [
    `## ${label}`,
    '',
    `${m.date}, commit ${m.commit}. ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node} (V8 ${m.v8}); ` +
      `load average ${m.loadAverage} at start. \`npm run bench\`, ${plural(report.reps, 'repetition')}.`,
    '',
    sections(report, 'markdown').join('\n\n'),
    '',
  ].join('\n');
}

export function formatJson(report: Report): string {
  const { results } = report;
  return `${JSON.stringify(
    {
      machine: report.machine,
      reps: report.reps,
      calls: report.calls,
      kernels: results.kernels.map((k) => ({ ...k, ratios: kernelRatios(k) })),
      geometricMeans: geometricMeans(results.kernels),
      compile: results.compile.map((row) => ({
        ...row,
        mbPerSecond: {
          wasmjit: Object.fromEntries([
            ...WASMJIT_PHASES.map((p) => [p, throughput(row.bytes, row.wasmjit.phasesMs[p])]),
            ['total', throughput(row.bytes, row.wasmjit.totalMs)],
            ['first', throughput(row.bytes, row.wasmjit.firstMs)],
          ]),
          liftoff: throughput(row.bytes, row.liftoff.totalMs),
          liftoffFirst: throughput(row.bytes, row.liftoff.firstMs),
        },
      })),
      callOverhead: results.calls,
      buffers: results.buffers,
      notes: results.notes,
    },
    null,
    2,
  )}\n`;
}
