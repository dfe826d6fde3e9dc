// A chunk: some of a module's functions compiled into code of their own, which the module's
// linker (index.ts) places after the module's own code and patches. Chunks are independent, so
// they can be compiled on several threads; everything a chunk needs is plain data (`ModuleShape`).
//
// Layout of a chunk: a veneer `jmp <module exit>` (its rel32 patched by the linker), the trap
// stubs (`mov eax, code; jmp veneer`: every trap jump in the chunk is backward and near), then the
// functions. Every call is `call rel32` with the displacement left for the linker, which patches
// them in code order: a patch chain through cold code costs a cache miss per step.
import { Assembler, Label, Reg, mem } from '../x64/index.js';
import type { Mem } from '../x64/index.js';
import { INSTR_WORDS } from '../decode/index.js';
import type { Func, FuncType, GlobalType, Limits, RefType, TableType } from '../decode/index.js';
import { CTX_REG } from './abi.js';
import type { ContextLayout } from './abi.js';
import { FunctionCompiler, FunctionScratch, SourceMarkRecorder } from './function.js';
import type { ModuleEnv } from './function.js';
import type { CpuFeatures } from './integer.js';
import { ALL_TRAP_CODES } from './traps.js';

/** What compiling any function of a module needs to know of the module, as plain data. */
export interface ModuleShape {
  features: CpuFeatures;
  layout: ContextLayout;
  types: FuncType[];
  /** Canonical ids are per process: a worker thread must use the main thread's. */
  typeIds: number[];
  funcTypes: FuncType[];
  importedFuncs: number;
  globals: GlobalType[];
  tables: TableType[];
  memory: Limits | undefined;
  elemTypes: RefType[];
  dataCount: number | undefined;
  declaredFuncRefs: number[];
}

/** Where a relocation goes when it names no function: the module's trap exit. */
export const EXIT_TARGET = -1;

export interface CompiledChunk {
  code: Uint8Array;
  /** Per function, four numbers: offset in the chunk, size, start and end of its marks in `marks`. */
  functions: Int32Array;
  marks: Int32Array;
  /** Pairs (position of a rel32 in the chunk, function index or EXIT_TARGET), in code order. */
  relocations: Int32Array;
}

/** Values of one record in `CompiledChunk.functions`. */
export const ChunkFunction = { offset: 0, size: 1, marksStart: 2, marksEnd: 3, fields: 4 } as const;

/** How many instructions a function's body holds. */
export const bodyLength = (func: Func): number => func.body.code.length / INSTR_WORDS;

export const instructionCount = (funcs: readonly Func[]): number => funcs.reduce((count, f) => count + bodyLength(f), 0);

/**
 * Real modules (emscripten, Rust, Go) give 6–6.5 bytes of code per instruction, generated and
 * hash-wasm ones about 10: a buffer that rarely grows, and not much larger than the code (the
 * chunk's code is a view of it).
 */
const codeSizeEstimate = (instructions: number, functions: number): number => 8 * instructions + 64 * functions + 1024;

/** Compiles `funcs`; a function that does not validate throws its CompileError. */
export function compileChunk(shape: ModuleShape, funcs: readonly Func[]): CompiledChunk {
  const instructions = instructionCount(funcs);
  const asm = new Assembler(codeSizeEstimate(instructions, funcs.length));
  const marks = new SourceMarkRecorder();
  marks.reserve(instructions + funcs.length);
  const relocations: number[] = [];

  const chunkStart = new Label();
  asm.bind(chunkStart);
  const veneer = new Label();
  const moduleExit = new Label();
  asm.bind(veneer);
  asm.jmp(moduleExit);
  relocations.push(asm.offset - 4, EXIT_TARGET);
  const trapLabels = new Map(ALL_TRAP_CODES.map((code) => [code, new Label()] as const));
  for (const [code, label] of trapLabels) {
    asm.bind(label);
    asm.movRI(32, Reg.rax, code);
    asm.jmp(veneer);
  }

  const trap = (code: number): Label => trapLabels.get(code)!;
  const globalCells: Mem[] = [];
  const declaredFuncRefs = new Set(shape.declaredFuncRefs);
  const env: ModuleEnv = {
    ...shape,
    declaredFuncRefs,
    asm,
    trap,
    trapExit: veneer,
    callFunction: (index) => {
      // Any bound label will do: the linker overwrites the displacement.
      asm.call(chunkStart);
      relocations.push(asm.offset - 4, index);
    },
    globalCell: (index) => (globalCells[index] ??= mem(CTX_REG, shape.layout.globalsOffset + 8 * index)),
    marks,
    scratch: new FunctionScratch(asm, shape.features, shape.memory, trap),
  };

  const functions = new Int32Array(ChunkFunction.fields * funcs.length);
  funcs.forEach((func, i) => {
    const offset = asm.offset;
    const marksStart = marks.position;
    new FunctionCompiler(env, func).compile();
    functions.set([offset, asm.offset - offset, marksStart, marks.position], ChunkFunction.fields * i);
  });
  // The veneer's jump needs a bound label to be complete; the linker points it at the real exit.
  asm.bind(moduleExit);
  return { code: asm.finish(), functions, marks: marks.finish(), relocations: Int32Array.from(relocations) };
}
