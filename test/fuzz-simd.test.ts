// The fuzzers' SIMD: the instruction table they generate from (every 0xfd instruction of the
// decoder, with operand and result types V8 agrees with and the compiler's table agrees with), the
// typed generator's SIMD modules, and how a module with an instruction wasmjit does not compile yet
// is told apart from a finding.
import { describe, expect, it } from 'vitest';
import { OPCODE_LIMIT, opcodeInfo, SIMD_BASE } from '../src/decode/index.js';
import { SIMD_OPS } from '../src/compiler/simd/index.js';
import { Random } from '../src/fuzz/random.js';
import { interpreterTranscript, shellLogged, translateToFuzz } from '../src/fuzz/binaryen.js';
import { runModule } from '../src/fuzz/runner.js';
import { SIMD_BY_NAME, SIMD_INSTRUCTIONS, simdInstructionsOf, unsupportedSimd } from '../src/fuzz/simd-instructions.js';
import type { SimdInstruction } from '../src/fuzz/simd-instructions.js';
import { generateTypedModule, simdPalette } from '../src/fuzz/typed-generator.js';
import { constNode, encodeModule } from '../src/fuzz/typed-module.js';
import { section, uleb, vec, VALTYPE_CODE, WASM_MAGIC_VERSION } from '../src/fuzz/wasm-encoding.js';
import type { ValType } from '../src/fuzz/wasm-encoding.js';

/** A module with one function `(params) → (results)` that applies `instruction` to its parameters. */
function moduleOf(instruction: SimdInstruction, params: readonly ValType[], results: readonly ValType[]): Uint8Array {
  const rnd = new Random(1);
  const codes = (types: readonly ValType[]) => vec(types.map((t) => [VALTYPE_CODE[t]]));
  const body = [0x00, ...params.flatMap((_, i) => [0x20, ...uleb(i)]), ...instruction.encode(rnd, (align) => [...uleb(align), 0]), 0x0b];
  return Uint8Array.from([
    ...WASM_MAGIC_VERSION,
    ...section(1, vec([[0x60, ...codes(params), ...codes(results)]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

describe('the SIMD instruction table of the fuzzers', () => {
  it('has every 0xfd instruction of the decoder: the 236 of WebAssembly 2.0', () => {
    const decoded = Array.from({ length: OPCODE_LIMIT - SIMD_BASE }, (_, sub) => opcodeInfo(SIMD_BASE + sub)?.name).filter((n) => n !== undefined);
    expect(SIMD_INSTRUCTIONS.map((i) => i.name)).toEqual(decoded);
    expect(SIMD_INSTRUCTIONS).toHaveLength(236);
  });

  it('gives each instruction the operand and result types V8 validates it with (and V8 refuses other results)', () => {
    const wrong: string[] = [];
    for (const instruction of SIMD_INSTRUCTIONS) {
      const { name, params, results } = instruction;
      if (!WebAssembly.validate(moduleOf(instruction, params, results))) wrong.push(`${name}: (${params}) → (${results}) invalid`);
      const other: ValType[] = results.length === 1 && results[0] === 'i32' ? ['i64'] : ['i32'];
      if (WebAssembly.validate(moduleOf(instruction, params, other))) wrong.push(`${name}: also valid with result (${other})`);
    }
    expect(wrong).toEqual([]);
  });

  it("agrees with the compiler's table on every instruction wasmjit compiles", () => {
    for (const [name, op] of SIMD_OPS) {
      const instruction = SIMD_BY_NAME.get(name)!;
      expect({ name, params: instruction.params, results: instruction.results, accessBytes: instruction.accessBytes })
        .toEqual({ name, params: op.params, results: op.results, accessBytes: op.accessBytes });
    }
  });
});

describe('an instruction wasmjit does not compile yet', () => {
  const message = (name: string) => `function 1 at instruction 3 (${name}): unsupported instruction ${name}`;

  it('is named by unsupportedSimd when its family is missing from the compiled table, and only then', () => {
    const compiled = new Map([['v128.const', {}]]);
    expect(unsupportedSimd(message('f64x2.promote_low_f32x4'), compiled)).toBe('f64x2.promote_low_f32x4');
    expect(unsupportedSimd(message('v128.const'), compiled)).toBeUndefined();
    // Not SIMD, or another error: a finding when V8 compiles the module.
    expect(unsupportedSimd(message('i32.add'), compiled)).toBeUndefined();
    expect(unsupportedSimd('function 1 at instruction 3 (i8x16.add): type mismatch: expected v128, got i32', compiled)).toBeUndefined();
    for (const name of SIMD_OPS.keys()) expect(unsupportedSimd(message(name))).toBeUndefined();
  });
});

describe("the typed generator's SIMD", () => {
  it('draws palettes that reach every SIMD instruction, in about half the modules', () => {
    const drawn = new Set<string>();
    let withSimd = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const palette = simdPalette(new Random(seed));
      if (palette) withSimd++;
      for (const instruction of palette ?? []) drawn.add(instruction.name);
    }
    expect(SIMD_INSTRUCTIONS.filter((i) => !drawn.has(i.name)).map((i) => i.name)).toEqual([]);
    expect(withSimd).toBeGreaterThan(400);
    expect(withSimd).toBeLessThan(600);
  });

  it('makes modules V8 validates, with v128 values and SIMD instructions in them', () => {
    const used = new Set<string>();
    for (let seed = 1; seed <= 150; seed++) {
      const bytes = encodeModule(generateTypedModule(seed));
      expect(WebAssembly.validate(bytes), `seed ${seed}`).toBe(true);
      for (const name of simdInstructionsOf(bytes)) used.add(name);
    }
    for (const name of ['v128.const', 'v128.store', 'i64x2.extract_lane']) expect(used).toContain(name);
  });

  it('encodes v128 constants little-endian, lane 0 first', () => {
    expect(constNode('v128', 0x0f0e0d0c0b0a09080706050403020100n).op).toEqual([0xfd, 0x0c, ...Array.from({ length: 16 }, (_, i) => i)]);
  });

  it('runs its SIMD modules alike in V8 and wasmjit, or wasmjit refuses them for an instruction it does not compile yet', async () => {
    let compared = 0;
    for (let seed = 1; compared < 8 && seed < 200; seed++) {
      const typed = generateTypedModule(seed);
      const bytes = encodeModule(typed);
      if (simdInstructionsOf(bytes).size === 0) continue;
      const report = await runModule({ bytes, calls: { seed, randomCallsPerExport: 2, maxCalls: 20 }, beforeCall: 'fuel' });
      expect(report.mismatch, `seed ${seed}`).toBeUndefined();
      if (report.unsupported) expect(SIMD_OPS.has(report.unsupported)).toBe(false);
      else compared++;
    }
    expect(compared).toBe(8);
  });
});

describe("binaryen's translate-to-fuzz with SIMD", () => {
  it('makes SIMD modules whose v128 logging is a function of the module, not an import JS cannot be', async () => {
    let withSimd = 0;
    for (const seed of [1, 2, 3, 4]) {
      const { bytes } = await translateToFuzz(seed);
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
      expect(imports).not.toContain('fuzzing-support.log-v128');
      if (simdInstructionsOf(bytes).size > 0) withSimd++;
    }
    expect(withSimd).toBeGreaterThan(0);
  });

  it("reads the interpreter's v128 log lines as the two i64 lanes the module logs", () => {
    const output = '[fuzz-exec] export f\n[LoggingExternalInterface logging i32x4 0x00000001 0xffffffff 0x80000000 0x7fffffff]\n';
    const lanes = [0xffffffff00000001n, 0x7fffffff80000000n];
    expect(interpreterTranscript(output, new Set(['f']))).toEqual(['call f', ...lanes.map((lane) => `log ${shellLogged(lane)}`)]);
  });
});
