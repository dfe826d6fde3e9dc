// `npm run fuzz -- --seconds N --seed S [--jobs J]`: differential fuzzing of wasmjit against V8.
// Modules come from our typed generator, binaryen's translate-to-fuzz, and mutations of valid
// modules (malformed input), and mutations of AOT artifacts for the artifact loader (artifact.ts);
// each runs in a worker process with a time limit. Findings are reduced
// and saved as regression cases under test/regressions/. Exits 1 when anything was found.
import path from 'node:path';
import { translateToFuzz } from './binaryen.js';
import { CALL_PLAN } from './jobs.js';
import type { Generator, Job } from './jobs.js';
import { Pool } from './pool.js';
import type { PoolOutcome } from './pool.js';
import { deriveSeed } from './random.js';
import { Reducer, signatureOf } from './reduce.js';
import type { Reducible } from './reduce.js';
import { knownSignatures, saveCase } from './regressions.js';
import { planCalls } from './runner.js';
import { malformedInput } from './malformed.js';
import { exportAllState } from './wasm-sections.js';
import { generateTypedModule } from './typed-generator.js';
import { encodeModule } from './typed-module.js';
import { isCompiled, SIMD_INSTRUCTIONS } from './simd-instructions.js';

interface Options {
  seconds: number;
  /** Stop after this many modules (for a run that is the same every time), if given. */
  modules: number;
  seed: number;
  jobs: number;
  generators: Generator[];
  reduce: boolean;
  reduceSeconds: number;
  maxReduce: number;
  out: string;
  timeoutMs: number;
  /** WASMJIT_BOUNDS_CHECKS for the workers (they inherit the environment): both modes are fuzzed. */
  boundsChecks: string | undefined;
  /** WASMJIT_FUZZ_METERING for the workers: wasmjit's code compiled with fuel or interrupt polling. */
  metering: string | undefined;
}

const USAGE = `usage: npm run fuzz -- [--seconds N] [--modules N] [--seed S] [--jobs J] [--generators typed,ttf,malformed,artifact]
                      [--no-reduce] [--reduce-seconds N] [--max-reduce N] [--out DIR] [--timeout-ms N]
                      [--bounds-checks explicit|guard] [--metering fuel|interruptible]`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    seconds: 60, modules: Infinity, seed: 1, jobs: 2, generators: ['typed', 'ttf', 'malformed', 'artifact'], reduce: true, reduceSeconds: 120,
    maxReduce: 5, out: path.resolve('test/regressions'), timeoutMs: 30_000, boundsChecks: undefined, metering: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const number = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number\n${USAGE}`);
      return n;
    };
    switch (flag) {
      case '--seconds': o.seconds = number(); break;
      case '--modules': o.modules = number(); break;
      case '--seed': o.seed = number(); break;
      case '--jobs': o.jobs = Math.max(1, number()); break;
      case '--generators': o.generators = value().split(',') as Generator[]; break;
      case '--no-reduce': o.reduce = false; break;
      case '--reduce-seconds': o.reduceSeconds = number(); break;
      case '--max-reduce': o.maxReduce = number(); break;
      case '--out': o.out = path.resolve(value()); break;
      case '--timeout-ms': o.timeoutMs = number(); break;
      case '--bounds-checks': o.boundsChecks = value(); break;
      case '--metering': o.metering = value(); break;
      case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (o.generators.some((g) => !GENERATORS.includes(g))) throw new Error(`--generators takes ${GENERATORS.join(', ')}\n${USAGE}`);
  if (o.boundsChecks !== undefined && o.boundsChecks !== 'explicit' && o.boundsChecks !== 'guard') throw new Error(`--bounds-checks takes explicit or guard\n${USAGE}`);
  if (o.metering !== undefined && o.metering !== 'fuel' && o.metering !== 'interruptible') throw new Error(`--metering takes fuel or interruptible\n${USAGE}`);
  return o;
}

/**
 * The generator for module number `index`: a fixed pattern, so that a seed always makes the same
 * modules. A ttf module costs ~40 typed ones (binaryen runs as JS), so typed ones are most of them.
 */
const PATTERN: Generator[] = ['ttf', ...Array<Generator>(8).fill('typed'), 'malformed', ...Array<Generator>(8).fill('typed'), 'malformed', 'artifact'];
const GENERATORS: readonly Generator[] = ['typed', 'ttf', 'malformed', 'artifact'];

function generatorFor(index: number, enabled: readonly Generator[]): Generator {
  const usable = PATTERN.filter((g) => enabled.includes(g));
  return usable[index % usable.length];
}

interface Counts {
  modules: number;
  instantiated: number;
  calls: number;
  mismatches: number;
  crashes: number;
  hangs: number;
  hostLimited: number;
  /** Harness errors and V8 hangs: modules that could not be judged. */
  skipped: number;
  canariesPlaced: number;
  canariesWanted: number;
  thirdOpinion: { agree: number; disagree: number; na: number };
  malformed: { rejected: number; accepted: number };
  /** artifact: how many mutated artifacts ended each way ('rejected: <reason>', 'loaded'). */
  artifact: Record<string, number>;
  /** Modules wasmjit refused for a SIMD instruction it does not compile yet, by that instruction. */
  unsupported: Record<string, number>;
  /** Compared modules with SIMD instructions, and how many of them had each instruction. */
  simdModules: number;
  simd: Record<string, number>;
}

const newCounts = (): Counts => ({
  modules: 0, instantiated: 0, calls: 0, mismatches: 0, crashes: 0, hangs: 0, hostLimited: 0, skipped: 0, canariesPlaced: 0, canariesWanted: 0,
  thirdOpinion: { agree: 0, disagree: 0, na: 0 }, malformed: { rejected: 0, accepted: 0 }, artifact: {}, unsupported: {}, simdModules: 0, simd: {},
});

const tally = (into: Record<string, number>, key: string) => void (into[key] = (into[key] ?? 0) + 1);

interface Finding {
  generator: Generator;
  index: number;
  seed: number;
  signature: string;
  outcome: PoolOutcome;
}

function describe(outcome: PoolOutcome): string {
  switch (outcome.kind) {
    case 'crash':
      return `crash (${outcome.exit}) during "${outcome.progress}"\n${outcome.stderr.trim().split('\n').slice(-8).join('\n')}`;
    case 'hang':
      return `hang during "${outcome.progress}"`;
    case 'error':
      return `harness error: ${outcome.error}`;
    case 'done': {
      const m = outcome.result.mismatch!;
      const call = m.call ? ` ${m.call.export}(${m.call.args.join(', ')})` : '';
      return `${m.kind} at call ${m.callIndex}${call}\n    V8:      ${m.v8}\n    wasmjit: ${m.wasmjit}`;
    }
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.boundsChecks !== undefined) process.env.WASMJIT_BOUNDS_CHECKS = o.boundsChecks;
  console.log(`bounds checks: ${process.env.WASMJIT_BOUNDS_CHECKS || 'the default'}`);
  if (o.metering !== undefined) {
    process.env.WASMJIT_FUZZ_METERING = o.metering;
    console.log(`metering: ${o.metering}`);
  }
  const pool = new Pool(o.jobs);
  const counts: Record<Generator, Counts> = { typed: newCounts(), ttf: newCounts(), malformed: newCounts(), artifact: newCounts() };
  const findings: Finding[] = [];
  const thirdOpinions: string[] = [];
  const deadline = Date.now() + o.seconds * 1000;
  const started = Date.now();
  let next = 0;
  let lastReport = Date.now();

  const work = async () => {
    while (Date.now() < deadline && next < o.modules) {
      const index = next++;
      const generator = generatorFor(index, o.generators);
      const seed = deriveSeed(o.seed, index);
      const job: Job = { kind: 'generate', generator, seed };
      const outcome = await pool.run(job, { ttf: o.timeoutMs * 4, typed: o.timeoutMs, malformed: o.timeoutMs / 3, artifact: o.timeoutMs / 3 }[generator]);
      const c = counts[generator];
      c.modules++;
      if (outcome.kind === 'done') {
        const r = outcome.result;
        c.calls += r.calls;
        c.instantiated += r.instantiated ? 1 : 0;
        c.hostLimited += r.hostLimited ? 1 : 0;
        c.canariesPlaced += r.canaries.placed;
        c.canariesWanted += r.canaries.wanted;
        if (r.thirdOpinion === 'agree') c.thirdOpinion.agree++;
        else if (r.thirdOpinion === 'n/a') c.thirdOpinion.na++;
        else if (r.thirdOpinion) {
          c.thirdOpinion.disagree++;
          thirdOpinions.push(`ttf seed ${seed} (module ${index}): ${r.thirdOpinion}`);
        }
        if (r.malformed) c.malformed[r.malformed.wasmjit === 'valid' ? 'accepted' : 'rejected']++;
        if (r.artifact) tally(c.artifact, r.artifact.outcome);
        if (r.unsupported) tally(c.unsupported, r.unsupported);
        if (r.simd?.length) c.simdModules++;
        for (const name of r.simd ?? []) tally(c.simd, name);
      }
      const signature = signatureOf(outcome);
      if (outcome.kind === 'crash') c.crashes++;
      else if (outcome.kind === 'hang' && signature) c.hangs++;
      else if (signature) c.mismatches++;
      else if (outcome.kind !== 'done') {
        c.skipped++;
        if (outcome.kind === 'error') console.log(`[skipped] ${generator} seed ${seed}: ${outcome.error.split('\n')[0]}`);
      }
      if (signature) {
        findings.push({ generator, index, seed, signature, outcome });
        console.log(`[finding] ${generator} seed ${seed} (module ${index}): ${describe(outcome)}`);
      }
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const total = Object.values(counts).reduce((n, x) => n + x.modules, 0);
        const calls = Object.values(counts).reduce((n, x) => n + x.calls, 0);
        console.log(`[${Math.round((Date.now() - started) / 1000)} s] ${total} modules, ${calls} calls, ${findings.length} findings`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.jobs }, work));

  const distinct = new Map<string, Finding>();
  for (const f of findings) if (!distinct.has(f.signature)) distinct.set(f.signature, f);
  const saved: string[] = [];
  if (o.reduce) {
    const known = knownSignatures(o.out);
    for (const f of [...distinct.values()].slice(0, o.maxReduce)) {
      if (f.generator === 'artifact') {
        // Nothing to reduce or replay as a module: the seed makes the same artifact and mutation again.
        console.log(`[not reduced] artifact seed ${f.seed}: artifactCase(${f.seed}) (src/fuzz/artifact.ts) makes it again`);
        continue;
      }
      if (known.has(f.signature)) {
        console.log(`[known] ${f.signature}: a regression case for it exists already`);
        continue;
      }
      saved.push(await reduceAndSave(pool, f, o));
    }
  }
  pool.dispose();
  report(o, counts, findings, distinct, thirdOpinions, saved, started);
  process.exitCode = findings.length ? 1 : 0;
}

async function reduceAndSave(pool: Pool, f: Finding, o: Options): Promise<string> {
  const start = await reducibleOf(f);
  const reducer = new Reducer(pool, f.signature, o.timeoutMs, o.reduceSeconds);
  const reduced = start.text !== undefined || !start.reducible ? start.reducible : await reducer.reduce(start.reducible);
  // Record what V8 did for the reduced calls.
  let expected;
  if (reduced && !reduced.compileOnly) {
    const rerun = await pool.run({ kind: 'case', bytes: Buffer.from(reduced.bytes).toString('base64'), calls: reduced.calls, beforeCall: reduced.beforeCall }, o.timeoutMs);
    if (rerun.kind === 'done') expected = rerun.result.trace;
  }
  const mismatch = f.outcome.kind === 'done' ? f.outcome.result.mismatch : undefined;
  const name = `${f.generator}-${f.seed}-${f.signature.split(/[^a-z]/)[0] || 'finding'}`;
  const file = saveCase(o.out, name, {
    title: f.signature,
    generator: f.generator,
    runSeed: o.seed,
    index: f.index,
    seed: f.seed,
    check: start.text !== undefined ? 'wat' : reduced?.compileOnly ? 'compile' : 'run',
    beforeCall: reduced?.beforeCall,
    calls: reduced?.compileOnly ? undefined : reduced?.calls,
    expected,
    expectedV8: f.outcome.kind === 'done' ? f.outcome.result.malformed?.v8 : undefined,
    finding: { signature: f.signature, mismatch, crash: f.outcome.kind === 'crash' || f.outcome.kind === 'hang' ? describe(f.outcome) : undefined },
  }, start.text !== undefined ? { text: start.text } : { bytes: reduced!.bytes });
  console.log(`[saved] ${path.relative(process.cwd(), file)} (${reducer.tests} reduction runs)`);
  return file;
}

/** The finding as something to reduce: regenerated from its seed where the worker could not send it. */
async function reducibleOf(f: Finding): Promise<{ reducible?: Reducible; text?: string }> {
  if (f.outcome.kind === 'done') {
    const r = f.outcome.result;
    if (r.malformed?.input === 'wat' && r.malformed.problem?.startsWith('wat')) return { text: r.malformed.text };
    const bytes = new Uint8Array(Buffer.from(r.bytes!, 'base64'));
    if (r.malformed?.problem) return { reducible: { bytes, calls: [], beforeCall: 'hang-limit', compileOnly: true } };
    return { reducible: { bytes, calls: r.calls_ ?? [], beforeCall: r.beforeCall ?? 'hang-limit', typed: f.generator === 'typed' ? generateTypedModule(f.seed) : undefined } };
  }
  // A crash or hang sent nothing back: rebuild the module and its calls the way the worker did.
  const failing = /call (\d+)/.exec('progress' in f.outcome ? f.outcome.progress : '');
  const callsUpToFailing = (bytes: Uint8Array) => {
    const calls = planCalls(exportAllState(bytes), { seed: f.seed, ...CALL_PLAN });
    return failing ? calls.slice(0, Number(failing[1]) + 1) : calls;
  };
  if (f.generator === 'typed') {
    const typed = generateTypedModule(f.seed);
    const bytes = encodeModule(typed);
    return { reducible: { bytes, calls: callsUpToFailing(bytes), beforeCall: 'fuel', typed } };
  }
  if (f.generator === 'ttf') {
    const { bytes } = await translateToFuzz(f.seed);
    return { reducible: { bytes, calls: callsUpToFailing(bytes), beforeCall: 'hang-limit' } };
  }
  // Only made again, not judged: judging is what crashed or hung, and this is the parent process.
  const made = await malformedInput(f.seed);
  if ('text' in made) return { text: made.text };
  const crashedRunning = failing !== null;
  return { reducible: { bytes: made.bytes, calls: crashedRunning ? callsUpToFailing(made.bytes) : [], beforeCall: 'hang-limit', compileOnly: !crashedRunning } };
}

function report(o: Options, counts: Record<Generator, Counts>, findings: Finding[], distinct: Map<string, Finding>, thirdOpinions: string[], saved: string[], started: number): void {
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\nwasmjit fuzz: seed ${o.seed}, ${o.jobs} jobs, ${seconds} s`);
  console.log('generator   modules  instantiated    calls  mismatches  crashes  hangs  host-limited  skipped');
  for (const g of o.generators) {
    const c = counts[g];
    console.log(`${g.padEnd(10)} ${String(c.modules).padStart(8)} ${String(c.instantiated).padStart(13)} ${String(c.calls).padStart(8)} ${String(c.mismatches).padStart(11)} ${String(c.crashes).padStart(8)} ${String(c.hangs).padStart(6)} ${String(c.hostLimited).padStart(13)} ${String(c.skipped).padStart(8)}`);
  }
  const all = Object.values(counts);
  const sum = (f: (c: Counts) => number) => all.reduce((n, c) => n + f(c), 0);
  console.log(`total: ${sum((c) => c.modules)} modules, ${sum((c) => c.calls)} calls`);
  console.log(`safety: W^X checked on every instantiated module; memory canaries placed ${sum((c) => c.canariesPlaced)} of ${sum((c) => c.canariesWanted)} wanted (the rest: the neighbouring address range was already mapped)`);
  if (o.generators.includes('malformed')) console.log(`malformed: ${counts.malformed.malformed.rejected} rejected by wasmjit, ${counts.malformed.malformed.accepted} accepted and run in both engines`);
  if (o.generators.includes('artifact')) {
    const outcomes = Object.entries(counts.artifact.artifact).sort(([a], [b]) => a.localeCompare(b));
    console.log(`artifact: ${outcomes.map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'none'}`);
  }
  const unsupported = new Map<string, number>();
  const covered = new Map<string, number>();
  for (const c of all) {
    for (const [name, n] of Object.entries(c.unsupported)) unsupported.set(name, (unsupported.get(name) ?? 0) + n);
    for (const [name, n] of Object.entries(c.simd)) covered.set(name, (covered.get(name) ?? 0) + n);
  }
  const byCount = (m: Map<string, number>) => [...m].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  console.log(`SIMD: ${o.generators.map((g) => `${g} ${counts[g].simdModules}`).join(', ')} modules with SIMD compiled and compared; `
    + `${covered.size} of ${SIMD_INSTRUCTIONS.length} SIMD instructions covered (${[...covered.keys()].filter(isCompiled).length} of the ${SIMD_INSTRUCTIONS.filter((i) => isCompiled(i.name)).length} wasmjit compiles)`);
  const uncovered = SIMD_INSTRUCTIONS.filter((i) => isCompiled(i.name) && !covered.has(i.name)).map((i) => i.name);
  if (uncovered.length) console.log(`  compiled by wasmjit, not covered: ${uncovered.join(' ')}`);
  console.log(`  most covered: ${byCount(covered).slice(0, 8).map(([name, n]) => `${name} ${n}`).join(', ') || 'none'}`);
  console.log(`unsupported (wasmjit does not compile the instruction yet; not findings): ${sum((c) => Object.values(c.unsupported).reduce((a, b) => a + b, 0))} modules`
    + (unsupported.size ? `, ${unsupported.size} instructions, e.g. ${byCount(unsupported).slice(0, 6).map(([name, n]) => `${name} ${n}`).join(', ')}` : ''));
  if (o.generators.includes('ttf')) {
    const t = counts.ttf.thirdOpinion;
    console.log(`binaryen interpreter (third opinion): agrees on ${t.agree}, disagrees on ${t.disagree}, not comparable on ${t.na}`);
    for (const line of thirdOpinions.slice(0, 10)) console.log(`  ${line}`);
  }
  console.log(`findings: ${findings.length} (${distinct.size} distinct)`);
  for (const f of distinct.values()) console.log(`  ${f.generator} seed ${f.seed}: ${f.signature}`);
  for (const file of saved) console.log(`  saved ${path.relative(process.cwd(), file)}`);
  // Not "N passed, N failed": CI reads that line as the test suite's count.
  console.log(findings.length ? `FAIL: ${findings.length} findings in ${sum((c) => c.modules)} modules` : `OK: no findings in ${sum((c) => c.modules)} modules`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
