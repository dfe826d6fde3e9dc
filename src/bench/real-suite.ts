// The real-code part of the bench (issue 13): real compiled code on V8 Liftoff-only, V8 TurboFan-only
// and wasmjit, each run in a fresh child process (real-child.ts), engines taking turns; hash-wasm's
// modules through hash-wasm's API, and C programs built by real-c.ts, whose native gcc -O2 build gives
// the native column. Every engine (and the native build) must print the same output, in every repetition.
import { createRequire } from 'node:module';
import { ENGINES, rotated } from './engines.js';
import type { EngineId } from './engines.js';
import type { Progress } from './progress.js';
import type { KernelResult, RealTask } from './protocol.js';
import { buildCPrograms, cSources, runNative } from './real-c.js';
import type { CGroup, CPrograms, CSource } from './real-c.js';
import { HASH_WASM_PROGRAMS } from './real-hash-wasm.js';
import { ChecksumMismatch, ChildFailure, runChild } from './spawn.js';
import { median } from './stats.js';

export type RealGroup = 'hash-wasm' | CGroup;

export interface RealRow {
  name: string;
  group: RealGroup;
  /** What one run does. */
  work: string;
  /** The output every engine agreed on: a digest, or what the C program printed. */
  checksum: string;
  /** Median milliseconds per run by engine, and every sample. */
  ms: Record<EngineId, number>;
  samples: Record<EngineId, number[]>;
  /** The gcc -O2 build's median wall time (C programs only). */
  nativeMs?: number;
}

/** What `--filter` selected: the whole part by "real", or programs by name. */
export interface RealSelection {
  hashWasm: typeof HASH_WASM_PROGRAMS;
  c: CSource[];
  notes: string[];
}

const REAL_SECTION = 'real';

function hashWasmInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('hash-wasm');
    return true;
  } catch {
    return false;
  }
}

export function selectRealPrograms(filters: string[]): RealSelection {
  const wanted = (name: string): boolean => filters.length === 0 || filters.some((f) => REAL_SECTION.includes(f) || name.includes(f));
  const notes: string[] = [];
  let hashWasm = HASH_WASM_PROGRAMS.filter((p) => wanted(p.module));
  if (hashWasm.length > 0 && !hashWasmInstalled()) {
    notes.push('hash-wasm programs skipped: hash-wasm is not installed (npm install --save-dev hash-wasm)');
    hashWasm = [];
  }
  return { hashWasm, c: cSources().filter((s) => wanted(s.name)), notes };
}

export function realProgramCount(selection: RealSelection): number {
  return selection.hashWasm.length + selection.c.length;
}

/** Builds the selected C programs (installing the toolchain if it must); call before the progress counter starts. */
export function prepareCPrograms(selection: RealSelection): CPrograms {
  return buildCPrograms(selection.c, (line) => process.stderr.write(`${line}\n`));
}

function byEngine<T>(make: (id: EngineId) => T): Record<EngineId, T> {
  return Object.fromEntries(ENGINES.map((e) => [e.id, make(e.id)])) as Record<EngineId, T>;
}

interface Subject {
  row: RealRow;
  program: RealTask['program'];
  bytes: Uint8Array;
  native?: () => { output: string; ms: number };
  nativeSamples: number[];
}

export function measureReal(
  selection: RealSelection,
  built: CPrograms,
  options: { reps: number; calls: number },
  childEntry: string,
  progress: Progress,
): RealRow[] {
  const empty = { checksum: '', ms: byEngine(() => NaN), samples: byEngine((): number[] => []) };
  const subjects: Subject[] = [
    ...selection.hashWasm.map((p) => ({
      row: { name: p.module, group: 'hash-wasm' as const, work: p.work, ...structuredClone(empty) },
      program: { hashWasm: p.module },
      bytes: new Uint8Array(0),
      nativeSamples: [],
    })),
    ...built.programs.map((p) => ({
      row: { name: p.name, group: p.group, work: p.summary, ...structuredClone(empty) },
      program: { c: p.name },
      bytes: p.wasm,
      native: p.native === '' ? undefined : () => runNative(p),
      nativeSamples: [],
    })),
  ];
  for (let rep = 0; rep < options.reps; rep++) {
    subjects.forEach((subject, s) => {
      const { row } = subject;
      const outputs = new Map<string, string>();
      if (row.checksum !== '') outputs.set('the first repetition', row.checksum);
      for (const engine of rotated(ENGINES, rep + s)) {
        progress.step(`rep ${rep + 1}/${options.reps} ${row.name} (${row.group})`, engine.label);
        const task: RealTask = { kind: 'real', runtime: engine.runtime, program: subject.program, calls: options.calls };
        let result: KernelResult;
        try {
          result = runChild<KernelResult>(childEntry, engine.nodeFlags, task, subject.bytes);
        } catch (err) {
          if (err instanceof ChildFailure) throw new ChildFailure(`${row.name} on ${engine.label}: ${err.message}`);
          throw err;
        }
        if ('unsupported' in result) throw new ChildFailure(`${row.name} on ${engine.label}: ${result.unsupported}`);
        row.samples[engine.id].push(...result.ms);
        outputs.set(engine.label, result.checksum);
      }
      if (subject.native) {
        const native = subject.native();
        subject.nativeSamples.push(native.ms);
        outputs.set('native gcc -O2', native.output);
      }
      if (new Set(outputs.values()).size > 1) {
        const found = [...outputs].map(([who, output]) => `${who}: ${output}`).join('; ');
        throw new ChecksumMismatch(`${row.name} (${row.group}) printed different results: ${found}`);
      }
      row.checksum = outputs.values().next().value ?? '';
    });
  }
  for (const { row, nativeSamples } of subjects) {
    row.ms = byEngine((id) => median(row.samples[id]));
    if (nativeSamples.length > 0) row.nativeMs = median(nativeSamples);
  }
  return subjects.map((s) => s.row);
}
