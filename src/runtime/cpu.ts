// CPU feature detection with CPUID, run once as a tiny generated function.
import koffi from 'koffi';
import { Assembler, Reg, mem } from '../x64/index.js';
import type { CpuFeatures } from '../compiler/index.js';
import { CodePage } from './code-page.js';
import { boundsChecks } from './signal-handler.js';

type Cpuid = (leaf: number, subleaf: number) => [eax: number, ebx: number, ecx: number, edx: number];

/** `void cpuid(uint32 leaf, uint32 subleaf, uint32 out[4])`; rbx is callee-saved and cpuid writes it. */
function cpuidFunction(): { cpuid: Cpuid; page: CodePage } {
  const asm = new Assembler();
  asm.push(Reg.rbx);
  asm.movRR(64, Reg.r8, Reg.rdx);
  asm.movRR(32, Reg.rax, Reg.rdi);
  asm.movRR(32, Reg.rcx, Reg.rsi);
  asm.cpuid();
  [Reg.rax, Reg.rbx, Reg.rcx, Reg.rdx].forEach((reg, i) => asm.store(32, mem(Reg.r8, 4 * i), reg));
  asm.pop(Reg.rbx);
  asm.ret();
  const page = CodePage.map(asm.finish());
  const native = koffi.decode(page.address, koffi.proto('void wasmjit_cpuid(uint32_t leaf, uint32_t subleaf, _Out_ uint32_t *out)'));
  const cpuid: Cpuid = (leaf, subleaf) => {
    const out = new Uint32Array(4);
    native(leaf, subleaf, out);
    return [out[0]!, out[1]!, out[2]!, out[3]!];
  };
  return { cpuid, page };
}

let detected: CpuFeatures | undefined;

export function detectCpuFeatures(): CpuFeatures {
  if (detected) return detected;
  const { cpuid, page } = cpuidFunction();
  try {
    const maxLeaf = cpuid(0, 0)[0];
    const maxExtended = cpuid(0x8000_0000, 0)[0] >>> 0;
    const leaf1Ecx = maxLeaf >= 1 ? cpuid(1, 0)[2] : 0;
    const has = (bit: number): boolean => (leaf1Ecx & (1 << bit)) !== 0;
    const leaf7Ebx = maxLeaf >= 7 ? cpuid(7, 0)[1] : 0;
    const tzcnt = (leaf7Ebx & (1 << 3)) !== 0;
    const bmi2 = (leaf7Ebx & (1 << 8)) !== 0;
    const lzcnt = maxExtended >= 0x8000_0001 && (cpuid(0x8000_0001, 0)[2] & (1 << 5)) !== 0;
    detected = { lzcnt, tzcnt, popcnt: has(23), sse3: has(0), ssse3: has(9), sse41: has(19), sse42: has(20), bmi2, guardRegions: boundsChecks() === 'guard', fuel: false, interruptible: false };
  } finally {
    page.unmap();
  }
  return detected;
}
