// wasmjit's own sampling profiler (`wasmjit run --profile`), which needs neither perf nor its
// permissions. setitimer(ITIMER_PROF) sends SIGPROF for every interval of CPU time the process uses
// (the kernel delivers it to the thread that is running, so samples follow where CPU time goes); the
// handler, machine code from our assembler (no JS runs in a signal handler), appends the
// interrupted RIP to a ring buffer and returns. After the run, JS names each PC through the ranges
// the perf map names (runtime/perf-map.ts) and counts samples per function.
//
// Threads that take SIGPROF at the same instant may race on the ring's counter and lose a sample:
// the handler takes no lock. The ring keeps the last RING_SAMPLES samples (over 17 minutes of CPU
// time at the default interval); a profile says how many were taken and how many it kept. While
// sampling, wasmjit owns SIGPROF: `stop` puts the previous action back.
import { Alu, Assembler, Reg, mem, memIndexed } from '../x64/index.js';
import { CodePage } from './code-page.js';
import { mmap, PROT_READ, PROT_WRITE, setitimer, sigaction, view } from './libc.js';
import { codeNameAt, startCodeNaming } from './perf-map.js';
import { SA_ONSTACK, SA_SIGINFO, SIGACTION_BYTES, SIGACTION_FLAGS, UCONTEXT_RIP } from './signal-handler.js';

const SIGPROF = 27;
const ITIMER_PROF = 2;
const SA_RESTART = 0x1000_0000;

/** Ring capacity, a power of two (8 bytes a sample, pages touched only as it fills). */
const RING_SAMPLES = 1 << 20;
/** The data block: samples taken (u64), the handler's sigaction, the previous one, then the ring. */
const Data = {
  taken: 0,
  ownAction: 64,
  oldAction: 64 + SIGACTION_BYTES,
  ring: 512,
} as const;

/** The default interval: 1 ms of CPU time (the kernel rounds it to its timer tick). */
export const DEFAULT_INTERVAL_MICROS = 1000;

/** Samples of one function (or of code outside wasmjit's: `name` OUTSIDE). */
export interface ProfileEntry {
  name: string;
  samples: number;
}

export interface Profile {
  intervalMicros: number;
  /** CPU time the process used while sampling (user and system, all threads): the kernel sends SIGPROF at its timer ticks, so the real rate may be lower than asked. */
  cpuMicros: number;
  /** Samples taken while sampling. */
  taken: number;
  /** Samples counted below: the last RING_SAMPLES of those taken. */
  kept: number;
  /** Hottest first; code wasmjit did not name (Node, V8, libc, the kernel's return path) counts as OUTSIDE. */
  functions: ProfileEntry[];
}

/** The name samples outside named code are counted under. */
export const OUTSIDE = '(outside wasm code)';

let installed: { data: BigInt64Array; address: bigint } | undefined;
let running = false;

/** Lays out the handler and its data once per process; both stay (a late SIGPROF may still run the handler). */
function handlerData(): { data: BigInt64Array; address: bigint } {
  if (installed) return installed;
  const bytes = Data.ring + 8 * RING_SAMPLES;
  const address = mmap(bytes, PROT_READ | PROT_WRITE);
  const data = new BigInt64Array(view(address, bytes));
  const handler = CodePage.map(emitHandler(address)).name('wasmjit SIGPROF sampler');
  data[Data.ownAction / 8] = handler.address;
  new Int32Array(data.buffer, Data.ownAction + SIGACTION_FLAGS, 1)[0] = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  installed = { data, address };
  return installed;
}

/** `void handler(int signal, siginfo_t *info, ucontext_t *context)`: ring[taken++ % RING_SAMPLES] = RIP. */
function emitHandler(dataAddress: bigint): Uint8Array {
  const asm = new Assembler();
  asm.movabs(Reg.r11, dataAddress);
  asm.load(64, Reg.rcx, mem(Reg.r11, Data.taken));
  asm.lea(Reg.rax, mem(Reg.rcx, 1));
  asm.store(64, mem(Reg.r11, Data.taken), Reg.rax);
  asm.aluRI(Alu.And, 32, Reg.rcx, RING_SAMPLES - 1);
  asm.load(64, Reg.rax, mem(Reg.rdx, UCONTEXT_RIP));
  asm.store(64, memIndexed(Reg.r11, Reg.rcx, 8, Data.ring), Reg.rax);
  asm.ret();
  return asm.finish();
}

/**
 * Samples the process's CPU time until `stop`. Code mapped before `startCodeNaming` (which this
 * calls) has no names: call that before compiling what is to be profiled.
 */
export class Sampler {
  private stopped = false;

  private constructor(
    private readonly intervalMicros: number,
    private readonly data: BigInt64Array,
    private readonly cpuAtStart: NodeJS.CpuUsage,
  ) {}

  static start(intervalMicros = DEFAULT_INTERVAL_MICROS): Sampler {
    if (!Number.isInteger(intervalMicros) || intervalMicros <= 0) throw new RangeError(`wasmjit: a sampling interval is a positive whole number of microseconds, got ${intervalMicros}`);
    if (running) throw new Error('wasmjit: a sampler is running already (SIGPROF has one owner)');
    startCodeNaming();
    const { data, address } = handlerData();
    data[Data.taken / 8] = 0n;
    sigaction(SIGPROF, address + BigInt(Data.ownAction), address + BigInt(Data.oldAction));
    running = true;
    const cpuAtStart = process.cpuUsage();
    setitimer(ITIMER_PROF, intervalMicros);
    return new Sampler(intervalMicros, data, cpuAtStart);
  }

  /** Stops sampling, gives SIGPROF back to its previous action, and counts the samples per function. */
  stop(): Profile {
    if (this.stopped) throw new Error('wasmjit: this sampler is stopped already');
    this.stopped = true;
    setitimer(ITIMER_PROF, 0);
    const cpu = process.cpuUsage(this.cpuAtStart);
    const { address } = handlerData();
    sigaction(SIGPROF, address + BigInt(Data.oldAction), null);
    running = false;
    const taken = Number(this.data[Data.taken / 8]);
    const kept = Math.min(taken, RING_SAMPLES);
    const ring = this.data.subarray(Data.ring / 8, Data.ring / 8 + kept);
    const counts = new Map<string, number>();
    const names = new Map<bigint, string>();
    for (const signed of ring) {
      const pc = BigInt.asUintN(64, signed);
      let name = names.get(pc);
      if (name === undefined) {
        name = codeNameAt(pc) ?? OUTSIDE;
        names.set(pc, name);
      }
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const functions = [...counts].map(([name, samples]) => ({ name, samples })).sort((a, b) => b.samples - a.samples || (a.name < b.name ? -1 : 1));
    return { intervalMicros: this.intervalMicros, cpuMicros: cpu.user + cpu.system, taken, kept, functions };
  }
}

/** A profile as `wasmjit run --profile` prints it: the `limit` hottest functions, then what lies outside wasm code. */
export function formatProfile(profile: Profile, limit = 20): string {
  const inside = profile.functions.filter((f) => f.name !== OUTSIDE);
  const outside = profile.functions.find((f) => f.name === OUTSIDE)?.samples ?? 0;
  const percent = (samples: number): string => `${((100 * samples) / Math.max(1, profile.kept)).toFixed(1)}%`;
  const kept = profile.kept < profile.taken ? ` (the last ${profile.kept} kept)` : '';
  const cpuMs = (profile.cpuMicros / 1000).toFixed(0);
  const lines = [`wasmjit profile: ${profile.taken} samples in ${cpuMs} ms of CPU time (asked: one per ${profile.intervalMicros} µs)${kept}; ${profile.kept - outside} in wasm code`];
  lines.push('  samples       %  function');
  for (const f of inside.slice(0, limit)) lines.push(`${String(f.samples).padStart(9)}  ${percent(f.samples).padStart(6)}  ${f.name}`);
  if (inside.length > limit) lines.push(`  … ${inside.length - limit} more`);
  lines.push(`${String(outside).padStart(9)}  ${percent(outside).padStart(6)}  ${OUTSIDE}`);
  return `${lines.join('\n')}\n`;
}
