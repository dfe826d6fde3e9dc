// A compiled module: its code mapped executable (the entry trampoline among it, which koffi-entry.ts
// and the fast entry call), and what instances need to build their exports.
import { compileLazyModule, compileModule, formatInstr, nativeOnlyFunctions, prepareModule, PROLOGUE_MARK, validateFunctions } from '../compiler/index.js';
import type { CompiledFunction, CompiledModule, CompileOptions, CpuFeatures, LazyCompiledModule } from '../compiler/index.js';
import { decodeModule, instructionsOf } from '../decode/index.js';
import type { Export, ModuleIR } from '../decode/index.js';
import { disassemble, formatListing } from '../x64/disassembler.js';
import { CodePage } from './code-page.js';
import { detectCpuFeatures } from './cpu.js';
import { LazyCode, lazyByDefault } from './lazy-code.js';
import { RefCount, releaseWhenCollected } from './lifetime.js';
import { runtimeStateAddress } from './state.js';

export interface ModuleOptions {
  /** Pages an instance's own memory may grow to, below the module's declared maximum (default 65536: 4 GiB). */
  maxMemoryPages?: number;
  /** CPU features to use instead of the detected ones (e.g. `{popcnt: false}` to test the fallbacks). */
  cpuFeatures?: Partial<CpuFeatures>;
  /**
   * Compile each function on its first call (the module is still decoded and validated whole).
   * Default: lazy for modules of LAZY_THRESHOLD_BYTES or more; WASMJIT_LAZY=0|1 overrides the default.
   */
  lazy?: boolean;
}

export { LAZY_THRESHOLD_BYTES } from './lazy-code.js';

export interface ModuleExportDescriptor {
  name: string;
  kind: 'function' | 'memory' | 'table' | 'global';
}

const EXPORT_KIND_NAMES: Record<Export['kind'], ModuleExportDescriptor['kind']> = {
  func: 'function',
  memory: 'memory',
  table: 'table',
  global: 'global',
};

export class Module {
  readonly code: CodePage;
  /** The entry trampoline's address, `int entry(int slot)` (which koffi-entry.ts and the fast entry call). */
  readonly entryAddress: bigint;
  private nativeOnly: boolean[] | undefined;
  private readonly functionsByIndex: Map<number, CompiledFunction>;
  /** The creator holds one reference (released by `dispose` or when the Module is collected); every instance another. */
  readonly lifetime: RefCount;

  /** A lazy module's code and compiles (undefined for a module compiled eagerly). */
  readonly lazy: LazyCode | undefined;

  constructor(
    readonly ir: ModuleIR,
    readonly compiled: CompiledModule,
    readonly options: ModuleOptions = {},
    lazy?: LazyCompiledModule,
  ) {
    this.lazy = lazy && new LazyCode(ir, lazy);
    const code = this.lazy?.page ?? CodePage.map(compiled.code);
    this.code = code;
    // The free function must not capture the Module: the registry would keep it alive for ever.
    this.lifetime = new RefCount(() => code.unmap());
    this.entryAddress = this.code.address + BigInt(compiled.entryOffset);
    this.functionsByIndex = new Map(compiled.functions.map((f) => [f.index, f]));
    releaseWhenCollected.register(this, this.lifetime, this);
  }

  static fromBytes(bytes: Uint8Array, options: ModuleOptions = {}): Module {
    const ir = decodeModule(bytes);
    const compileOptions = compileOptionsOf(options);
    if (options.lazy ?? lazyByDefault(bytes.length)) {
      const lazy = compileLazyModule(ir, compileOptions);
      return new Module(ir, lazy.compiled, options, lazy);
    }
    return new Module(ir, compileModule(ir, compileOptions), options);
  }

  /** Whether wasmjit decodes and validates the bytes (no code is generated, nothing is mapped). */
  static validates(bytes: Uint8Array): boolean {
    try {
      const ir = decodeModule(bytes);
      validateFunctions(prepareModule(ir, compileOptionsOf({})).shape, ir.funcs);
      return true;
    } catch (err) {
      if (err instanceof WebAssembly.CompileError) return false;
      throw err;
    }
  }

  /** Function `index`'s code; in a lazy module, its stub while it is not compiled. */
  function(index: number): CompiledFunction {
    const func = this.lazy ? this.lazy.function(index) : this.functionsByIndex.get(index);
    if (!func) throw new Error(`wasmjit: function ${index} is not defined in this module`);
    return func;
  }

  functionAddress(index: number): bigint {
    return this.code.address + BigInt(this.function(index).offset);
  }

  /** Compiles every function a lazy module has not compiled yet (an eager module has them all). */
  compileAll(): void {
    this.lazy?.compileAll();
  }

  /**
   * The whole module's code as an eager compile lays it out (what an artifact stores): `compiled`
   * itself for an eager module; a lazy module's functions are compiled for it, into a buffer that is
   * not mapped (its running code stays as it is).
   */
  eagerCompiled(): CompiledModule {
    return this.lazy ? compileModule(this.ir, compileOptionsOf(this.options)) : this.compiled;
  }

  /** Whether function `index` can only return or trap, never reach JS (see compiler/native-only.ts). */
  isNativeOnly(index: number): boolean {
    this.nativeOnly ??= nativeOnlyFunctions(this.ir);
    return this.nativeOnly[index]!;
  }

  /** The module's exports, as `WebAssembly.Module.exports` lists them. */
  exports(): ModuleExportDescriptor[] {
    return this.ir.exports.map(({ name, kind }) => ({ name, kind: EXPORT_KIND_NAMES[kind] }));
  }

  /**
   * A listing of the generated code: address, bytes, mnemonic and the wasm instruction each run of
   * machine code came from. `name` picks one exported function; without it every function is listed.
   */
  disassemble(name?: string): string {
    // A lazy module's listing shows compiled code: what is not compiled yet is compiled first.
    if (name === undefined) {
      this.compileAll();
      return this.compiled.functions.map((f) => this.listing(this.function(f.index))).join('\n\n');
    }
    const exp = this.ir.exports.find((e) => e.name === name && e.kind === 'func');
    if (!exp) throw new Error(`wasmjit: no exported function named "${name}"`);
    this.lazy?.compile(exp.index);
    return this.listing(this.function(exp.index));
  }

  private listing(func: CompiledFunction): string {
    const names = this.ir.exports.filter((e) => e.kind === 'func' && e.index === func.index).map((e) => `"${e.name}"`);
    const header = `func[${func.index}]${names.length ? ` ${names.join(' ')}` : ''}: ${formatSignature(func)}`;
    const code = this.lazy ? this.code.read(func.offset, func.size) : this.compiled.code.subarray(func.offset, func.offset + func.size);
    const annotations = new Map<number, string>();
    const defined = this.ir.funcs.find((f) => f.index === func.index);
    const body = defined && instructionsOf(defined.body, this.ir.types);
    if (!body) annotations.set(0, 'import thunk');
    for (let i = 0; i < func.marks.length; i += 2) {
      const instr = func.marks[i + 1]!;
      const text = instr === PROLOGUE_MARK ? 'prologue' : formatInstr(body![instr]!);
      const at = func.marks[i]!;
      // Instructions that emitted no code share an offset with the next one: list them together.
      annotations.set(at, annotations.has(at) ? `${annotations.get(at)}; ${text}` : text);
    }
    return `${header}\n${formatListing(disassemble(code, this.code.address + BigInt(func.offset)), annotations)}`;
  }

  /** The module's imports, as `WebAssembly.Module.imports` lists them. */
  imports(): Array<{ module: string; name: string; kind: ModuleExportDescriptor['kind'] }> {
    return this.ir.imports.map(({ module, name, kind }) => ({ module, name, kind: EXPORT_KIND_NAMES[kind] }));
  }

  /** Copies of the contents of the custom sections named `name`, as `WebAssembly.Module.customSections` gives them. */
  customSections(name: string): ArrayBuffer[] {
    return this.ir.customSections.filter((section) => section.name === name).map((section) => section.bytes.slice().buffer);
  }

  /** Gives up the module's own hold on its code; the code is unmapped once no instance uses it either. */
  dispose(): void {
    releaseWhenCollected.unregister(this);
    this.lifetime.release();
  }
}

function compileOptionsOf(options: ModuleOptions): CompileOptions {
  return { features: { ...detectCpuFeatures(), ...options.cpuFeatures }, runtimeState: runtimeStateAddress };
}

function formatSignature(func: CompiledFunction): string {
  return `(${func.type.params.join(', ')}) -> (${func.type.results.join(', ')})`;
}
