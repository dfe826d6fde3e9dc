// What a worker process is asked to do, and what it answers: one module per job.
import { beyondWebAssembly2, interpreterTranscript, transcriptDifference, translateToFuzz } from './binaryen.js';
import { artifactCase } from './artifact.js';
import type { ArtifactCase } from './artifact.js';
import { judgeBytes, judgeWat, malformedCase } from './malformed.js';
import { runModule } from './runner.js';
import type { CallSpec, CallTrace, Mismatch, RunOptions } from './runner.js';
import { shellTranscript } from './shell.js';
import { simdInstructionsOf } from './simd-instructions.js';
import { generateTypedModule } from './typed-generator.js';
import { encodeModule } from './typed-module.js';

export type Generator = 'typed' | 'ttf' | 'malformed' | 'artifact';

export type Job =
  /** `input` restricts the malformed generator to mutated binaries or to nonsense .wat. */
  | { kind: 'generate'; generator: Generator; seed: number; input?: 'binary' | 'wat' }
  /** A .wat text through watToWasm, judged as malformed input is. */
  | { kind: 'wat'; text: string }
  /** An explicit module and call list (reduction candidates, regression replays). */
  | { kind: 'case'; bytes: string; calls: CallSpec[]; beforeCall: RunOptions['beforeCall'] }
  /** Malformed input judged again (reduction of a malformed finding). */
  | { kind: 'compile'; bytes: string };

export interface JobResult {
  /** The SIMD instruction wasmjit does not compile yet that made it refuse the module. */
  unsupported?: string;
  /** The SIMD instructions of a module both engines compiled and ran (coverage). */
  simd?: string[];
  calls: number;
  mismatch?: Mismatch;
  hostLimited: boolean;
  instantiated: boolean;
  canaries: { placed: number; wanted: number };
  /** ttf: binaryen's interpreter against V8 (`agree`, `n/a`, or the first difference). */
  thirdOpinion?: string;
  /** malformed: what kind of input, and how both engines judged it. */
  malformed?: { input: string; mutation: string; v8: string; wasmjit: string; problem?: string; text?: string };
  /** artifact: the mutation and how the loader took it. */
  artifact?: ArtifactCase;
  /** Enough to replay or reduce a finding: the module (base64) and the calls up to the failing one. */
  bytes?: string;
  calls_?: CallSpec[];
  trace?: CallTrace[];
  beforeCall?: RunOptions['beforeCall'];
}

/** Calls per module: the first (all-null) call of each export and a few random ones. */
export const CALL_PLAN = { randomCallsPerExport: 2, maxCalls: 40 };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export async function runJob(job: Job, progress: (phase: string) => void): Promise<JobResult> {
  if (job.kind === 'case') {
    const bytes = new Uint8Array(Buffer.from(job.bytes, 'base64'));
    const report = await runModule({ bytes, calls: job.calls, beforeCall: job.beforeCall, progress, checkSafety: true });
    return { ...summary(report), trace: report.trace };
  }
  if (job.kind === 'compile') {
    const m = await judgeBytes(new Uint8Array(Buffer.from(job.bytes, 'base64')), progress);
    const result: JobResult = { calls: 0, hostLimited: false, instantiated: false, canaries: { placed: 0, wanted: 0 } };
    result.malformed = { input: 'binary', mutation: 'given', ...m };
    if (m.problem) result.mismatch = { kind: 'compile', callIndex: -1, v8: m.v8, wasmjit: m.wasmjit };
    return result;
  }
  if (job.kind === 'wat') {
    const m = await judgeWat(job.text, progress);
    const result: JobResult = { calls: 0, hostLimited: false, instantiated: false, canaries: { placed: 0, wanted: 0 } };
    result.malformed = { input: 'wat', mutation: 'given', v8: m.v8, wasmjit: m.wasmjit, problem: m.problem };
    if (m.problem) result.mismatch = { kind: 'compile', callIndex: -1, v8: m.v8, wasmjit: m.wasmjit };
    return result;
  }
  const { generator, seed } = job;
  if (generator === 'artifact') {
    const artifact = await artifactCase(seed, progress);
    const result: JobResult = { calls: 0, hostLimited: false, instantiated: false, canaries: { placed: 0, wanted: 0 }, artifact };
    if (artifact.problem) result.mismatch = { kind: 'compile', callIndex: -1, v8: `artifact ${artifact.mutation}, resealed: ${artifact.resealed}`, wasmjit: artifact.problem };
    return result;
  }
  if (generator === 'malformed') {
    const m = await malformedCase(seed, progress, job.input);
    const result: JobResult = { calls: 0, hostLimited: false, instantiated: false, canaries: { placed: 0, wanted: 0 } };
    result.malformed = { input: m.input, mutation: m.mutation, v8: m.v8, wasmjit: m.wasmjit, problem: m.problem, text: m.text };
    if (m.problem) {
      result.mismatch = { kind: 'compile', callIndex: -1, v8: m.v8, wasmjit: m.wasmjit };
      result.bytes = b64(m.bytes);
      result.calls_ = [];
      return result;
    }
    if (m.accepted) return { ...withModule(await runGenerated(m.accepted, seed, 'hang-limit', progress), m.accepted, 'hang-limit'), malformed: result.malformed };
    return result;
  }
  progress(`${generator} generate`);
  if (generator === 'typed') {
    const bytes = encodeModule(generateTypedModule(seed));
    return withModule(await runGenerated(bytes, seed, 'fuel', progress), bytes, 'fuel');
  }
  const ttf = await translateToFuzz(seed);
  const outside = beyondWebAssembly2(ttf.bytes);
  if (outside) throw new Error(`beyond WebAssembly 2.0, which this V8 accepts: ${outside}`);
  const result = withModule(await runGenerated(ttf.bytes, seed, 'hang-limit', progress), ttf.bytes, 'hang-limit');
  progress('third opinion');
  result.thirdOpinion = await thirdOpinion(ttf.bytes, ttf.interpreterOutput, result);
  return result;
}

async function runGenerated(bytes: Uint8Array, seed: number, beforeCall: RunOptions['beforeCall'], progress: (phase: string) => void) {
  return runModule({ bytes, calls: { seed, ...CALL_PLAN }, beforeCall, progress, checkSafety: true });
}

function summary(report: Awaited<ReturnType<typeof runModule>>): JobResult {
  const { calls, mismatch, hostLimited, instantiated, canaries, unsupported } = report;
  return { calls, mismatch, hostLimited, instantiated, canaries, ...(unsupported === undefined ? {} : { unsupported }) };
}

/** A summary with the module's SIMD instructions, plus the module and calls when there is a finding to reduce. */
function withModule(report: Awaited<ReturnType<typeof runModule>>, bytes: Uint8Array, beforeCall: RunOptions['beforeCall']): JobResult {
  const result = summary(report);
  if (!report.unsupported) result.simd = [...simdInstructionsOf(bytes)];
  if (report.mismatch) {
    result.bytes = b64(bytes);
    result.calls_ = report.trace.map((t) => t.call);
    if (report.mismatch.call && !result.calls_.includes(report.mismatch.call)) result.calls_.push(report.mismatch.call);
    result.trace = report.trace;
    result.beforeCall = beforeCall;
  }
  return result;
}

/**
 * Binaryen's interpreter, V8 and wasmjit each run the module as fuzz_shell.js does. V8 and wasmjit
 * must agree (else it is a finding); the interpreter's disagreements are only counted and shown.
 */
async function thirdOpinion(bytes: Uint8Array, interpreterOutput: string | null, result: JobResult): Promise<string> {
  const v8 = await shellTranscript(bytes, 'v8');
  const jit = await shellTranscript(bytes, 'wasmjit');
  if (v8 && jit && !result.mismatch) {
    const difference = transcriptDifference(v8, jit);
    if (difference) {
      result.mismatch = { kind: 'log', callIndex: -1, v8: `shell run: ${difference}`, wasmjit: 'differs' };
      result.bytes = b64(bytes);
      result.calls_ = [];
      result.beforeCall = 'hang-limit';
    }
  }
  if (interpreterOutput === null || v8 === null) return 'n/a';
  const functions = new Set(WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(bytes))).filter((e) => e.kind === 'function').map((e) => e.name));
  const interpreter = interpreterTranscript(interpreterOutput, functions);
  if (interpreter === null) return 'n/a';
  return transcriptDifference(interpreter, v8) ?? 'agree';
}
