// Differential scenarios: the same steps run once against V8's WebAssembly JS API and once against
// wasmjit's, each step recording what happened in a transcript; then the two transcripts are compared.
// For what DifferentialInstance (one module, the same imports on both sides) cannot express: engine
// objects (Memory, Table, Global) in imports, several instances linked together, host functions that
// keep per-engine state (call logs, re-entrant calls), and instantiation that is expected to fail.
import {
  compile as wasmjitCompile,
  Global as WasmjitGlobal,
  instantiate as wasmjitInstantiate,
  Memory as WasmjitMemory,
  Module as WasmjitModule,
  Table as WasmjitTable,
} from '../../src/index.js';
import { asyncOutcomeOf, engineUnderTest, formatOutcome, formatValue, outcomeOf, sameOutcome, toBytes } from './differential.js';
import type { Outcome } from './differential.js';

export type EngineName = 'v8' | 'wasmjit';
export type NumericType = 'i32' | 'i64' | 'f32' | 'f64';

export interface MemoryObject {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

export interface GlobalObject {
  value: unknown;
  valueOf(): unknown;
}

export interface TableObject {
  readonly length: number;
  get(index: number): unknown;
  set(index: number, value?: unknown): void;
  grow(delta: number): number;
}

export type ExportedFunction = (...args: unknown[]) => unknown;

/** `{module: {name: value}}`, with either engine's objects as values. */
export type ImportObject = Record<string, unknown>;

/** The three JS API constructors, from V8 or from wasmjit. */
export interface EngineObjects {
  Memory: new (descriptor: { initial: number; maximum?: number }) => MemoryObject;
  Global: new (descriptor: { value: NumericType; mutable?: boolean }, value?: unknown) => GlobalObject;
  Table: new (descriptor: { element: 'anyfunc'; initial: number; maximum?: number }) => TableObject;
}

const V8_OBJECTS = WebAssembly as unknown as EngineObjects;
const WASMJIT_OBJECTS = { Memory: WasmjitMemory, Global: WasmjitGlobal, Table: WasmjitTable } as unknown as EngineObjects;

/** An instance's exports, with typed accessors that fail loudly when a test names a missing export. */
export class ExportsOf {
  constructor(readonly raw: Record<string, unknown>) {}

  fn(name: string): ExportedFunction {
    return this.get(name, 'function', (v) => typeof v === 'function') as ExportedFunction;
  }

  memory(name = 'memory'): MemoryObject {
    return this.get(name, 'memory', (v) => typeof v === 'object' && v !== null && 'buffer' in v) as MemoryObject;
  }

  global(name: string): GlobalObject {
    return this.get(name, 'global', (v) => typeof v === 'object' && v !== null && 'value' in v) as GlobalObject;
  }

  table(name: string): TableObject {
    return this.get(name, 'table', (v) => typeof v === 'object' && v !== null && 'grow' in v && !('buffer' in v)) as TableObject;
  }

  private get(name: string, kind: string, isKind: (value: unknown) => boolean): unknown {
    const value = this.raw[name];
    if (!isKind(value)) throw new Error(`test bug: no exported ${kind} "${name}"`);
    return value;
  }
}

/** A compiled module of either engine; only the session that made it can instantiate it. */
export interface CompiledModule {
  readonly engine: EngineName;
  readonly module: unknown;
}

type Entry =
  | { label: string; kind: 'outcome'; outcome: Outcome; compare: 'all' | 'class' }
  | { label: string; kind: 'bytes'; bytes: Uint8Array };

/** What one run of a scenario did, step by step. */
export class Transcript {
  readonly entries: Entry[] = [];

  /** Runs `run`, records its result or what it threw, and returns the result (undefined if it threw). */
  attempt<T>(label: string, run: () => T, compare: 'all' | 'class' = 'all'): T | undefined {
    return this.record(label, outcomeOf(run), compare) as T | undefined;
  }

  async attemptAsync<T>(label: string, run: () => Promise<T>, compare: 'all' | 'class' = 'all'): Promise<T | undefined> {
    return this.record(label, await asyncOutcomeOf(run), compare) as T | undefined;
  }

  /** Records a value the scenario computed itself (a log, a flag, a length). */
  value(label: string, value: unknown): void {
    this.record(label, { kind: 'value', value }, 'all');
  }

  /** Objects (instances, exports, engine objects) are recorded by kind only: their identity differs. */
  private record(label: string, outcome: Outcome, compare: 'all' | 'class'): unknown {
    const recorded = outcome.kind === 'value' ? { kind: 'value' as const, value: comparable(outcome.value) } : outcome;
    this.entries.push({ label, kind: 'outcome', outcome: recorded, compare });
    return outcome.kind === 'value' ? outcome.value : undefined;
  }

  /** Records a copy of the memory's whole contents. */
  memory(label: string, memory: MemoryObject): void {
    this.entries.push({ label, kind: 'bytes', bytes: new Uint8Array(memory.buffer.slice(0)) });
  }
}

function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'function') return '(a function)';
  if (typeof value === 'object' && value !== null) return `(an object: ${value.constructor?.name ?? 'no constructor'})`;
  return value;
}

/** The engine's API plus a transcript; every instance and module made through it is disposed at the end. */
export class Session {
  readonly log = new Transcript();
  readonly objects: EngineObjects;
  private readonly disposers: Array<() => void> = [];

  constructor(readonly engine: EngineName) {
    this.objects = engine === 'v8' ? V8_OBJECTS : WASMJIT_OBJECTS;
  }

  get Memory(): EngineObjects['Memory'] {
    return this.objects.Memory;
  }

  get Global(): EngineObjects['Global'] {
    return this.objects.Global;
  }

  get Table(): EngineObjects['Table'] {
    return this.objects.Table;
  }

  async compile(source: string | Uint8Array): Promise<CompiledModule> {
    const bytes = await toBytes(source);
    if (this.engine === 'v8') return { engine: 'v8', module: await WebAssembly.compile(new Uint8Array(bytes)) };
    const module = await wasmjitCompile(bytes);
    this.disposers.push(() => module.dispose());
    return { engine: 'wasmjit', module };
  }

  /** Instantiates wat text, bytes or a module compiled by this session. */
  async instantiate(source: string | Uint8Array | CompiledModule, imports?: ImportObject): Promise<ExportsOf> {
    if (typeof source === 'object' && 'engine' in source) return this.instantiateModule(source, imports);
    const bytes = await toBytes(source);
    if (this.engine === 'v8') {
      const { instance } = await WebAssembly.instantiate(new Uint8Array(bytes), imports as WebAssembly.Imports | undefined);
      return new ExportsOf(instance.exports as Record<string, unknown>);
    }
    const { instance } = await wasmjitInstantiate(bytes, imports);
    this.disposers.push(() => instance.dispose());
    return new ExportsOf(instance.exports as Record<string, unknown>);
  }

  private async instantiateModule(compiled: CompiledModule, imports?: ImportObject): Promise<ExportsOf> {
    if (compiled.engine !== this.engine) throw new Error('test bug: a module compiled by the other engine');
    if (compiled.module instanceof WasmjitModule) {
      const instance = await wasmjitInstantiate(compiled.module, imports);
      this.disposers.push(() => instance.dispose());
      return new ExportsOf(instance.exports as Record<string, unknown>);
    }
    const instance = await WebAssembly.instantiate(compiled.module as WebAssembly.Module, imports as WebAssembly.Imports | undefined);
    return new ExportsOf(instance.exports as Record<string, unknown>);
  }

  /** Importers first, so that nothing another instance still links to goes away before it. */
  dispose(): void {
    for (const dispose of this.disposers.reverse()) dispose();
    this.disposers.length = 0;
  }
}

export type Scenario = (session: Session) => Promise<void>;

const SCENARIO_END = '(the scenario ran to its end)';

async function runScenario(engine: EngineName, scenario: Scenario): Promise<Transcript> {
  const session = new Session(engine);
  try {
    await session.log.attemptAsync(SCENARIO_END, async () => {
      await scenario(session);
      return true;
    });
  } finally {
    session.dispose();
  }
  return session.log;
}

/**
 * Runs the scenario against V8 and against wasmjit (or V8 twice, under WASMJIT_DIFF_ENGINE=v8) and
 * returns one line per step whose outcomes differ; empty when the transcripts agree. A scenario that
 * throws under V8 is a bug in the test (steps that may throw go through `attempt`), so it fails loudly.
 */
export async function scenarioMismatches(scenario: Scenario): Promise<string[]> {
  const v8 = await runScenario('v8', scenario);
  const end = v8.entries.at(-1);
  if (end?.kind === 'outcome' && end.label === SCENARIO_END && end.outcome.kind === 'throw') {
    throw new Error(`test bug: the scenario throws under V8: ${formatOutcome(end.outcome)}`);
  }
  const wasmjit = await runScenario(engineUnderTest === 'v8' ? 'v8' : 'wasmjit', scenario);
  return compareTranscripts(v8, wasmjit);
}

export function compareTranscripts(v8: Transcript, wasmjit: Transcript): string[] {
  const lines: string[] = [];
  const count = Math.max(v8.entries.length, wasmjit.entries.length);
  for (let i = 0; i < count; i++) {
    const a = v8.entries[i];
    const b = wasmjit.entries[i];
    if (!a || !b || a.label !== b.label || a.kind !== b.kind) {
      lines.push(`step ${i}: V8 → ${describeEntry(a)}; wasmjit → ${describeEntry(b)} (the runs diverge here)`);
      break;
    }
    const difference = entryDifference(a, b as typeof a);
    if (difference) lines.push(`${a.label}: ${difference}`);
  }
  return lines;
}

function entryDifference(a: Entry, b: Entry): string | undefined {
  if (a.kind === 'bytes' && b.kind === 'bytes') return bytesDifference(a.bytes, b.bytes);
  if (a.kind !== 'outcome' || b.kind !== 'outcome') return undefined;
  const same =
    a.compare === 'class' && a.outcome.kind === 'throw' && b.outcome.kind === 'throw'
      ? a.outcome.class === b.outcome.class
      : sameOutcome(a.outcome, b.outcome);
  return same ? undefined : `V8 → ${formatOutcome(a.outcome)}, wasmjit → ${formatOutcome(b.outcome)}`;
}

function describeEntry(entry: Entry | undefined): string {
  if (!entry) return '(nothing)';
  return entry.kind === 'bytes' ? `${entry.label}: ${entry.bytes.length} bytes` : `${entry.label}: ${formatOutcome(entry.outcome)}`;
}

/** The first differing bytes (with a little context) and how many bytes differ in all. */
export function bytesDifference(v8: Uint8Array, wasmjit: Uint8Array): string | undefined {
  if (v8.length !== wasmjit.length) return `memory of ${v8.length} bytes in V8, ${wasmjit.length} in wasmjit`;
  if (Buffer.from(v8.buffer, v8.byteOffset, v8.length).equals(Buffer.from(wasmjit.buffer, wasmjit.byteOffset, wasmjit.length))) {
    return undefined;
  }
  let first = -1;
  let differing = 0;
  for (let i = 0; i < v8.length; i++) {
    if (v8[i] === wasmjit[i]) continue;
    if (first < 0) first = i;
    differing++;
  }
  const hex = (bytes: Uint8Array) => [...bytes.subarray(first, first + 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `memory differs in ${differing} bytes, first at 0x${first.toString(16)}: V8 ${hex(v8)}, wasmjit ${hex(wasmjit)}`;
}

/** A host function that records every call's arguments (floats by their bits) in `calls`. */
export function loggingHost<T>(calls: string[], name: string, result: (...args: unknown[]) => T): (...args: unknown[]) => T {
  return (...args: unknown[]) => {
    calls.push(`${name}(${args.map(describeArgument).join(', ')})`);
    return result(...args);
  };
}

const float64 = new Float64Array(1);
const float64Bits = new BigUint64Array(float64.buffer);

/**
 * A number with its exact bits (so -0, denormals and the rounding of f32 show), except NaN: the JS API
 * leaves the bits of a NaN that reaches JS to the engine, so all NaNs are alike here.
 */
export function describeArgument(value: unknown): string {
  if (typeof value !== 'number') return `${typeof value} ${formatValue(value)}`;
  if (Number.isNaN(value)) return 'NaN';
  float64[0] = value;
  return `${formatValue(value)} (0x${float64Bits[0]!.toString(16)})`;
}
