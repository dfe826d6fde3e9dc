// A chunk: some of a module's functions compiled into code of their own, which the module's
// linker (index.ts) places after the module's own code and patches. Chunks are independent, so
// they can be compiled on several threads; everything a chunk needs is plain data (`ModuleShape`).
//
// Layout of a chunk: a veneer `jmp <module exit>` (its rel32 patched by the linker), the trap
// stubs (`pop rdx; mov eax, code; jmp veneer`, called from each function's trap sites), then the
// functions. Every call is `call rel32` with the displacement left for the linker, which patches
// them in code order: a patch chain through cold code costs a cache miss per step.
import { Assembler, Label, Reg, mem } from '../x64/index.js';
import type { Mem } from '../x64/index.js';
import { INSTR_WORDS } from '../decode/index.js';
import type { Func, FuncType, GlobalType, Limits, RefType, TableType } from '../decode/index.js';
import { CTX_REG, FuncRecord } from './abi.js';
import type { ContextLayout } from './abi.js';
import { FunctionCompiler, FunctionScratch, SourceMarkRecorder } from './function.js';
import type { ModuleEnv } from './function.js';
import type { CpuFeatures } from './integer.js';
import { TrapSites } from './trap-sites.js';
import { ALL_TRAP_CODES, STATUS_IN_EAX } from './traps.js';

/** What compiling any function of a module needs to know of the module, as plain data. */
/** Every chunk's size is a multiple of this (see the end of `compileChunk`). */
const CHUNK_ALIGN = 16;
const INT3 = 0xcc;

export interface ModuleShape {
  features: CpuFeatures;
  layout: ContextLayout;
  types: FuncType[];
  funcTypes: FuncType[];
  importedFuncs: number;
  globals: GlobalType[];
  /**
   * Per global, three numbers: 1 when it is a constant — defined here, immutable, initialised by a
   * numeric `*.const` — then the 32-bit halves of its value's bit pattern (see value-stack `Constant`).
   */
  globalConstants: Int32Array;
  tables: TableType[];
  memory: Limits | undefined;
  elemTypes: RefType[];
  dataCount: number | undefined;
  declaredFuncRefs: number[];
}

/**
 * What the bytes a relocation names hold: a call's rel32 to a function, the veneer's rel32 to the
 * module's trap exit, or the canonical id of a type (imm32; ids are per process, see type-ids.ts);
 * in the module's own code, the runtime state's address (imm64, the entry trampoline's). The last
 * two are all that depends on the process in a linked module (runtime/artifact.ts).
 */
export const Relocation = { call: 0, exit: 1, typeId: 2, runtimeState: 3, fields: 3 } as const;

export interface CompiledChunk {
  code: Uint8Array;
  /** Per function, four numbers: offset in the chunk, size, start and end of its marks in `marks`. */
  functions: Int32Array;
  marks: Int32Array;
  /** Triples (position of the 4 bytes in the chunk, Relocation kind, function or type index), in code order. */
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

/** `shape.declaredFuncRefs` as a set, made once per shape: a lazy module compiles a chunk per function. */
const declaredFuncRefSets = new WeakMap<ModuleShape, ReadonlySet<number>>();

export function declaredFuncRefsOf(shape: ModuleShape): ReadonlySet<number> {
  let refs = declaredFuncRefSets.get(shape);
  if (!refs) {
    refs = new Set(shape.declaredFuncRefs);
    declaredFuncRefSets.set(shape, refs);
  }
  return refs;
}

/**
 * Compiles `funcs`; a function that does not validate throws its CompileError. `throughRecord(i)`
 * says which calls go through the callee's function record in the context instead of `call rel32`
 * (lazy compilation: a callee that is not compiled yet, see lazy.ts).
 */
export function compileChunk(shape: ModuleShape, funcs: readonly Func[], throughRecord?: (index: number) => boolean): CompiledChunk {
  const instructions = instructionCount(funcs);
  const asm = new Assembler(codeSizeEstimate(instructions, funcs.length));
  const marks = new SourceMarkRecorder();
  // A function's marks: its prologue's, one per instruction, and its constants'.
  marks.reserve(instructions + 2 * funcs.length);
  const relocations: number[] = [];

  const chunkStart = new Label();
  asm.bind(chunkStart);
  const veneer = new Label();
  const moduleExit = new Label();
  asm.bind(veneer);
  asm.jmp(moduleExit);
  relocations.push(asm.offset - 4, Relocation.exit, 0);
  // A trap site calls its stub (trap-sites.ts): the stub takes the site's PC off the stack into rdx
  // for the trap path, which records it with the frames (entry.ts `emitTrapWalk`).
  const stubs = new Map([STATUS_IN_EAX, ...ALL_TRAP_CODES].map((code) => [code, new Label()] as const));
  for (const [code, label] of stubs) {
    asm.bind(label);
    asm.pop(Reg.rdx);
    if (code !== STATUS_IN_EAX) asm.movRI(32, Reg.rax, code);
    asm.jmp(veneer);
  }

  const sites = new TrapSites(marks);
  const trap = (code: number): Label => sites.label(code);
  const stub = (code: number): Label => stubs.get(code)!;
  const globalCells: Mem[] = [];
  const declaredFuncRefs = declaredFuncRefsOf(shape);
  const env: ModuleEnv = {
    ...shape,
    declaredFuncRefs,
    asm,
    trap,
    emitTrapSites: (start) => sites.emit(asm, start, stub),
    callFunction: (index) => {
      if (throughRecord?.(index)) {
        asm.callMem(mem(CTX_REG, shape.layout.funcRecordsOffset + FuncRecord.size * index + FuncRecord.code));
        return;
      }
      // Any bound label will do: the linker overwrites the displacement.
      asm.call(chunkStart);
      relocations.push(asm.offset - 4, Relocation.call, index);
    },
    typeIdAt: (at, typeIndex) => relocations.push(at, Relocation.typeId, typeIndex),
    globalCell: (index) => (globalCells[index] ??= mem(CTX_REG, shape.layout.globalsOffset + 8 * index)),
    marks,
    scratch: new FunctionScratch(asm, shape.features, shape.memory, trap),
  };

  const functions = new Int32Array(ChunkFunction.fields * funcs.length);
  // Four stores, not `set` from an array literal: that copy is a call into V8's runtime (3% of a
  // compile of 4000 small functions).
  for (let i = 0, at = 0; i < funcs.length; i++, at += ChunkFunction.fields) {
    const offset = asm.offset;
    const marksStart = marks.position;
    new FunctionCompiler(env, funcs[i]!).compile();
    functions[at + ChunkFunction.offset] = offset;
    functions[at + ChunkFunction.size] = asm.offset - offset;
    functions[at + ChunkFunction.marksStart] = marksStart;
    functions[at + ChunkFunction.marksEnd] = marks.position;
  }
  // The veneer's jump needs a bound label to be complete; the linker points it at the real exit.
  asm.bind(moduleExit);
  // Chunks are laid end to end from a page boundary: each then starts 16-byte aligned, as the
  // functions' constant pools need.
  while (asm.offset % CHUNK_ALIGN !== 0) asm.byte(INT3);
  return { code: asm.finish(), functions, marks: marks.finish(), relocations: Int32Array.from(relocations) };
}
