// The benchmark's output: text tables for the terminal, markdown for bench/RESULTS.md, JSON for tools.
import { CALL_MEASUREMENTS } from './calls.js';
import type { CallShape } from './calls.js';
import { ENGINES } from './engines.js';
import type { EngineId } from './engines.js';
import type { KernelKind } from './kernels.js';
import type { Machine } from './machine.js';
import { machineLine } from './machine.js';
import { geometricMean, median } from './stats.js';
import { COMPILE_WARMUP_MS } from './suite.js';
import type { CompileMeasurement, CompileRow, KernelRow, SuiteResults } from './suite.js';
import { BUFFER_ENGINES, BUFFER_GROWS } from './buffers.js';
import type { BufferRow } from './buffers.js';
import { FIRST_RUN_ENGINES, STARTUP_ENGINES, WARM_COMPILES } from './startup.js';
import { simdSection, simdSummary } from './simd-report.js';
import { meteringSection, meteringSummary } from './metering-report.js';
import { REAL_TARGETS, realSection, realSummary } from './real-report.js';
import { fixed, formatTable, formatTargets, ms, numberColumns, paragraph, plural, ratio } from './table.js';
import type { Style, TargetCheck } from './table.js';
import type { FirstRunRow, StartupEngineId, StartupResults, StartupRow } from './startup.js';

export interface Report {
  machine: Machine;
  reps: number;
  startupReps: number;
  calls: number;
  results: SuiteResults;
}

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
  return formatTable(header, rows, numberColumns(header), style);
}

/** Issue 13: the hand-written kernels stay at or below Liftoff-only's time, every one. */
function kernelTarget(kernels: KernelRow[]): TargetCheck {
  const worst = kernels.reduce((a, b) => (kernelRatios(b).liftoff > kernelRatios(a).liftoff ? b : a));
  const over = kernels.filter((k) => kernelRatios(k).liftoff > REAL_TARGETS.worstOverLiftoff).length;
  return {
    target: `wasmjit/Liftoff ≤ ${REAL_TARGETS.worstOverLiftoff.toFixed(2)} on every hand-written kernel`,
    measured: `worst ${ratio(kernelRatios(worst).liftoff)} (${worst.name}); ${over} above`,
    met: over === 0,
  };
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
  return formatTable(header, body, numberColumns(header), style);
}

/** Issue 13: compiling no slower than before it, ≥ 17 MB/s of lowering, warm, on the generated module. */
const GENERATED_LOWERING_MB_S = 17;

function compileTargets(rows: CompileRow[], style: Style): string[] {
  const generated = rows.find((row) => row.module.startsWith('generated'));
  if (!generated) return [];
  const lowering = throughput(generated.bytes, generated.wasmjit.phasesMs.lower!);
  return [
    formatTargets('Targets (issue 13):', [{
      target: `lowering ≥ ${GENERATED_LOWERING_MB_S} MB/s warm on the generated module`,
      measured: `${mbPerSecond(lowering)} MB/s (total ${mbPerSecond(throughput(generated.bytes, generated.wasmjit.totalMs))})`,
      met: lowering >= GENERATED_LOWERING_MB_S,
    }], style),
  ];
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
  return formatTable(header, body, numberColumns(header), style);
}

/** The start-up targets, as ratios and limits the tables are checked against. */
export const STARTUP_TARGETS = {
  /** Module ready from the cache, over V8 default's ready. */
  cacheOverV8: 1,
  /** Lazy module ready, over V8 default's ready. */
  lazyOverV8: 2,
  /** A real workload's first run from its bytes (its lazy compiles included), over V8 default's. */
  lazyFirstRunOverV8: 1.5,
  /** Eager compile MB/s on modules of at least 1 MB: a process's first compile, and warm. */
  eagerFirstMBps: 10,
  eagerWarmMBps: 25,
  /** Peak memory while compiling, over V8's. */
  peakOverV8: 2,
  importMs: 25,
  instantiateMs: 1,
} as const;

const MIN_THROUGHPUT_MODULE_BYTES = 1e6;

function startupReadyTable(rows: StartupRow[], style: Style): string {
  const header = ['module', 'size', ...STARTUP_ENGINES.map((e) => e.label), 'lazy/V8', 'cache/V8'];
  const body = rows.map((row) => {
    const m = row.measured;
    return [
      row.module,
      formatSize(row.bytes),
      ...STARTUP_ENGINES.map((e) => `${ms(m[e.id].readyMs)} (${fixed(2)(m[e.id].instantiateMs)})`),
      ratio(m.lazy.readyMs / m.v8.readyMs),
      ratio(m.cache.readyMs / m.v8.readyMs),
    ];
  });
  return formatTable(header, body, numberColumns(header), style);
}

const THROUGHPUT_ENGINES: StartupEngineId[] = ['liftoff', 'eager'];

function startupThroughputTable(rows: StartupRow[], style: Style): string {
  const labels = THROUGHPUT_ENGINES.map((id) => STARTUP_ENGINES.find((e) => e.id === id)!.label);
  const header = ['module', 'size', ...labels.flatMap((label) => [`${label} first`, `${label} warm`]), 'first ratio', 'warm ratio'];
  const body = rows.map((row) => {
    const [v8, ours] = THROUGHPUT_ENGINES.map((id) => row.measured[id]);
    return [
      row.module,
      formatSize(row.bytes),
      ...[v8!, ours!].flatMap((m) => [mbPerSecond(throughput(row.bytes, m.compileMs)), mbPerSecond(throughput(row.bytes, m.warmCompileMs ?? NaN))]),
      ratio(ours!.compileMs / v8!.compileMs),
      ratio((ours!.warmCompileMs ?? NaN) / (v8!.warmCompileMs ?? NaN)),
    ];
  });
  return formatTable(header, body, numberColumns(header), style);
}

function startupMemoryTable(rows: StartupRow[], style: Style): string {
  const header = ['module', 'size', ...STARTUP_ENGINES.map((e) => e.label), 'eager/Liftoff', 'lazy/V8'];
  const body = rows.map((row) => {
    const m = row.measured;
    return [
      row.module,
      formatSize(row.bytes),
      ...STARTUP_ENGINES.map((e) => mib(m[e.id].peakRssKiB)),
      ratio(m.eager.peakRssKiB / m.liftoff.peakRssKiB),
      ratio(m.lazy.peakRssKiB / m.v8.peakRssKiB),
    ];
  });
  return formatTable(header, body, numberColumns(header), style);
}

function firstRunTable(rows: FirstRunRow[], style: Style): string {
  const header = ['workload', ...FIRST_RUN_ENGINES.map((e) => e.label), 'lazy/V8', 'eager/V8', 'CPU lazy/V8', 'lazy compiles'];
  const body = rows.map((row) => {
    const m = row.measured;
    const { lazyFunctions, lazyWrites, lazyMs } = m.lazy;
    return [
      row.label,
      ...FIRST_RUN_ENGINES.map((e) => `${ms(m[e.id].totalMs)} (${ms(m[e.id].readyMs)} + ${ms(m[e.id].runMs)})`),
      ratio(m.lazy.totalMs / m.v8.totalMs),
      ratio(m.eager.totalMs / m.v8.totalMs),
      ratio(m.lazy.cpuMs / m.v8.cpuMs),
      lazyFunctions === undefined ? '-' : `${lazyFunctions} functions, ${lazyWrites} writes, ${ms(lazyMs ?? NaN)} ms`,
    ];
  });
  return formatTable(header, body, numberColumns(header), style);
}

/** Each of the targets against what was measured: the worst case over the modules it applies to. */
function startupTargets(startup: StartupResults): TargetCheck[] {
  const { rows } = startup;
  const large = rows.filter((row) => row.bytes >= MIN_THROUGHPUT_MODULE_BYTES);
  const real = rows.slice(1);
  const worst = <T>(items: T[], value: (item: T) => number, name: (item: T) => string, lowerIsBetter = true): { value: number; name: string } => {
    const sorted = [...items].sort((a, b) => (lowerIsBetter ? value(b) - value(a) : value(a) - value(b)));
    return sorted.length > 0 ? { value: value(sorted[0]!), name: name(sorted[0]!) } : { value: NaN, name: 'no module' };
  };
  const moduleName = (row: StartupRow): string => row.module;
  const checks: TargetCheck[] = [];
  const limit = (target: string, found: { value: number; name: string }, bound: number, format: (v: number) => string, atMost = true): void => {
    checks.push({ target, measured: `${format(found.value)} (${found.name})`, met: atMost ? found.value <= bound : found.value >= bound });
  };
  if (rows.length > 0) {
    const allWasmjit = rows.flatMap((row) => (['eager', 'lazy', 'cache'] as const).map((id) => ({ row, m: row.measured[id] })));
    const importCpu = median(allWasmjit.map(({ m }) => m.importCpuMs));
    limit(
      `import('wasmjit') ≤ ${STARTUP_TARGETS.importMs} ms`,
      { value: median(allWasmjit.map(({ m }) => m.importMs)), name: `median of ${allWasmjit.length} medians; CPU time ${ms(importCpu)} ms, which other load on the machine does not inflate` },
      STARTUP_TARGETS.importMs,
      (v) => `${ms(v)} ms`,
    );
    const small = rows[0];
    if (small) {
      limit(`first instantiation of a small module ≤ ${STARTUP_TARGETS.instantiateMs} ms`, { value: small.measured.eager.instantiateMs, name: `${small.module}; V8 ${fixed(2)(small.measured.v8.instantiateMs)} ms` }, STARTUP_TARGETS.instantiateMs, (v) => `${fixed(2)(v)} ms`);
    }
    const unsupported = (target: string, what: string): void => {
      checks.push({ target, measured: `not measured: this build has no ${what}`, met: undefined });
    };
    if (!startup.cacheSupported) unsupported(`cache ready ≤ ${STARTUP_TARGETS.cacheOverV8}× V8 default`, 'code cache');
    else limit(`cache ready ≤ ${STARTUP_TARGETS.cacheOverV8}× V8 default`, worst(real, (r) => r.measured.cache.readyMs / r.measured.v8.readyMs, moduleName), STARTUP_TARGETS.cacheOverV8, (v) => `${ratio(v)}×`);
    if (!startup.lazySupported) unsupported(`lazy ready ≤ ${STARTUP_TARGETS.lazyOverV8}× V8 default`, 'lazy compilation');
    else limit(`lazy ready ≤ ${STARTUP_TARGETS.lazyOverV8}× V8 default`, worst(real, (r) => r.measured.lazy.readyMs / r.measured.v8.readyMs, moduleName), STARTUP_TARGETS.lazyOverV8, (v) => `${ratio(v)}×`);
    limit(`eager first compile ≥ ${STARTUP_TARGETS.eagerFirstMBps} MB/s (modules ≥ 1 MB)`, worst(large, (r) => throughput(r.bytes, r.measured.eager.compileMs), moduleName, false), STARTUP_TARGETS.eagerFirstMBps, (v) => `${mbPerSecond(v)} MB/s`, false);
    limit(`eager warm compile ≥ ${STARTUP_TARGETS.eagerWarmMBps} MB/s (modules ≥ 1 MB)`, worst(large, (r) => throughput(r.bytes, r.measured.eager.warmCompileMs ?? NaN), moduleName, false), STARTUP_TARGETS.eagerWarmMBps, (v) => `${mbPerSecond(v)} MB/s`, false);
    const biggest = worst(real, (r) => r.bytes, moduleName);
    const biggestRow = real.find((r) => r.module === biggest.name);
    if (biggestRow) {
      const m = biggestRow.measured;
      limit(`peak memory compiling the largest module ≤ ${STARTUP_TARGETS.peakOverV8}× V8 (eager/Liftoff eager)`, { value: m.eager.peakRssKiB / m.liftoff.peakRssKiB, name: biggestRow.module }, STARTUP_TARGETS.peakOverV8, (v) => `${ratio(v)}×`);
      limit(`peak memory compiling the largest module ≤ ${STARTUP_TARGETS.peakOverV8}× V8 (lazy/V8 default)`, { value: m.lazy.peakRssKiB / m.v8.peakRssKiB, name: biggestRow.module }, STARTUP_TARGETS.peakOverV8, (v) => `${ratio(v)}×`);
    }
  }
  if (startup.firstRuns.length > 0) {
    // Ready through the glue includes what the glue runs to set up (constructors, its first calls): their lazy compiles too.
    const ready = worst(startup.firstRuns, (r) => r.measured.lazy.readyMs / r.measured.v8.readyMs, (r) => r.label);
    limit(`lazy ready through a package's glue ≤ ${STARTUP_TARGETS.lazyOverV8}× V8 default`, ready, STARTUP_TARGETS.lazyOverV8, (v) => `${ratio(v)}×`);
    const firstRun = worst(startup.firstRuns, (r) => r.measured.lazy.totalMs / r.measured.v8.totalMs, (r) => r.label);
    limit(`lazy first run of a workload ≤ ${STARTUP_TARGETS.lazyFirstRunOverV8}× V8 default`, firstRun, STARTUP_TARGETS.lazyFirstRunOverV8, (v) => `${ratio(v)}×`);
  }
  return checks;
}

function startupSections(startup: StartupResults, reps: number, style: Style): string[] {
  const lines = (...text: string[]): string => paragraph(style, ...text);
  const moduleSections = [
    lines(
      `Start-up, every figure a fresh process (median of ${plural(reps, 'repetition')}): module ready (bytes → compiled module → instance with stub imports) in ms,`,
      'the first instantiation\'s share in parentheses. V8 default compiles lazily; Liftoff eager is `--liftoff --no-wasm-tier-up --no-wasm-dynamic-tiering',
      '--no-wasm-lazy-compilation`; wasmjit cache loads from a cache directory a process of its own filled first. Ratios are times over V8 default\'s.',
    ),
    startupReadyTable(startup.rows, style),
    lines(
      `Compile throughput in MB/s: "first" is the process's first compile, "warm" the median of its next ${WARM_COMPILES} (each of other bytes, so that V8`,
      'cannot hand back its cached native module). Ratios are compile times: wasmjit / Liftoff.',
    ),
    startupThroughputTable(startup.rows, style),
    'Peak resident memory (VmHWM) after the compile:',
    startupMemoryTable(startup.rows, style),
  ];
  return [
    ...(startup.rows.length > 0 ? moduleSections : []),
    ...(startup.firstRuns.length > 0
      ? [
          lines(
            'First run of a real workload through its package\'s glue, fresh processes: ms from the bytes to the end of the run (ready + run), wasmjit',
            'through `wasmjit/register` with WASMJIT_LAZY=1 / 0; lazy compiles are those of the lazy run (functions, code writes, time).',
            'CPU: all threads\' CPU time for ready and run (V8\'s background tier-up included), which other load on the machine inflates less.',
            ...startup.firstRuns.map((r) => `${r.label}: ${r.description}.`),
          ),
          firstRunTable(startup.firstRuns, style),
        ]
      : []),
    formatTargets('Targets (issue 11):', startupTargets(startup), style),
  ];
}

function sections(report: Report, style: Style): string[] {
  const { results, reps, calls } = report;
  const out: string[] = [];
  const lines = (...text: string[]): string => paragraph(style, ...text);
  const integerAndFloat = results.kernels.filter((k) => k.kind !== 'simd');
  if (results.kernels.length > 0) {
    out.push(
      lines(
        `Kernels: ms per call, median of ${plural(reps, 'repetition')} (each a fresh process: a warm-up call, then ${plural(calls, 'timed call')}).`,
        'Ratios are wasmjit time / V8 time: below 1 wasmjit is faster. Every engine returned the same checksums.',
      ),
      ...(integerAndFloat.length > 0 ? [kernelTable(integerAndFloat, style), formatTargets('Targets (issue 13):', [kernelTarget(integerAndFloat)], style)] : []),
      ...meteringSection(results.kernels, style),
      ...simdSection(results.kernels, style),
    );
  }
  out.push(...realSection(results.real, reps, style));
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
      ...compileTargets(results.compile, style),
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
  if (results.startup) out.push(...startupSections(results.startup, report.startupReps, style));
  out.push(...results.notes);
  return out;
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
      simd: simdSummary(results.kernels),
      metering: meteringSummary(results.kernels),
      real: realSummary(results.real),
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
      startup: results.startup && {
        ...results.startup,
        targets: startupTargets(results.startup),
        mbPerSecond: results.startup.rows.map((row) => ({
          module: row.module,
          ...Object.fromEntries(
            THROUGHPUT_ENGINES.map((id) => [id, { first: throughput(row.bytes, row.measured[id].compileMs), warm: throughput(row.bytes, row.measured[id].warmCompileMs ?? NaN) }]),
          ),
        })),
      },
      notes: results.notes,
    },
    null,
    2,
  )}\n`;
}
