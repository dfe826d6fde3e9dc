// A compiled module: its code mapped executable (the entry trampoline among it, which koffi-entry.ts
// and the fast entry call), and what instances need to build their exports.
import { debuglog } from 'node:util';
import { compileLazyModule, compileModule, CONSTANTS_MARK, formatInstr, isNativeOnlyFunction, nativeOnlyFunctions, portableCode, prepareModule, PROLOGUE_MARK, restoreModule, validateFunctions } from '../compiler/index.js';
import type { CompiledFunction, CompiledModule, CompileOptions, CpuFeatures, LazyCompiledModule, SourceMarks } from '../compiler/index.js';
import { decodeModule, instructionsOf } from '../decode/index.js';
import type { Export, ModuleIR } from '../decode/index.js';
import { dataLines, disassemble, formatListing } from '../x64/disassembler.js';
import { ArtifactError, artifactKey, checkAgainstModule, readArtifact, sha256, writeArtifact } from './artifact.js';
import type { KnownWasm, WriteOptions } from './artifact.js';
import { readShell, writeShell } from './artifact-shell.js';
import { CodeCache, codeCacheStats } from './code-cache.js';
import { CodePage } from './code-page.js';
import { detectCpuFeatures } from './cpu.js';
import { registerCode } from './signal-handler.js';
import { LazyCode, lazyByDefault } from './lazy-code.js';
import { ModuleCodeNames, perfMapWanted } from './perf-map.js';
import { registerCodeRange } from './code-map.js';
import { ModuleFrames } from './module-frames.js';
import type { WasmFrame } from './stack-trace.js';
import { RefCount, releaseWhenCollected } from './lifetime.js';
import { runtimeStateAddress } from './state.js';

const debug = debuglog('wasmjit');

export interface ModuleOptions {
  /** Pages an instance's own memory may grow to, below the module's declared maximum (default 65536: 4 GiB). */
  maxMemoryPages?: number;
  /** CPU features to use instead of the detected ones (e.g. `{popcnt: false}` to test the fallbacks). */
  cpuFeatures?: Partial<CpuFeatures>;
  /**
   * A code cache directory (runtime/code-cache.ts): the module is loaded from there when it was
   * compiled before (by any process of this wasmjit on this CPU), else compiled and stored there.
   * A module compiled for the cache is compiled eagerly: the entry holds every function's code.
   */
  cache?: string;
  /** The size the cache directory is kept under (default WASMJIT_CACHE_MAX_MB, or 256 MiB). */
  cacheMaxBytes?: number;
  /**
   * Compile each function on its first call (the module is still decoded and validated whole).
   * Default: lazy for modules of LAZY_THRESHOLD_BYTES or more; WASMJIT_LAZY=0|1 overrides the default.
   */
  lazy?: boolean;
  /**
   * Names the module's code in `/tmp/perf-<pid>.map` for `perf` (runtime/perf-map.ts); default
   * WASMJIT_PERF_MAP=1. Its code's addresses are then never reused in this process.
   */
  perfMap?: boolean;
  /** Meter fuel (see `InstanceOptions.fuel` and compiler/metering.ts): code of its own, slower. */
  fuel?: boolean;
  /** Poll for `Instance.interrupt()` at every loop's start (function entries need no poll). */
  interruptible?: boolean;
}

/** Where a module's code came from: what `serialize` stores besides the code. */
export interface ModuleSource {
  /** The module's bytes (a copy: the caller may change its own after compiling). */
  wasm: Uint8Array;
  /** The CPU features the code was compiled for. */
  features: CpuFeatures;
  /** SHA-256 of `wasm`, when known already. */
  wasmHash?: Uint8Array;
  /** Known native-only functions (from an artifact, whose IR has no bodies to find them in). */
  nativeOnly?: boolean[];
}

export { LAZY_THRESHOLD_BYTES, lazyCompileStats } from './lazy-code.js';
export type { LazyCompileStats } from './lazy-code.js';

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
  /** By function index: computed with the code (or stored with it), so that instantiating does not analyse the module. */
  private nativeOnly: boolean[] | undefined;
  /** A lazy module's answers of `isNativeOnly` while `nativeOnly` is not computed. */
  private readonly nativeOnlyFound = new Map<number, boolean>();
  private withBodies: ModuleIR | undefined;
  private recompiled: CompiledModule | undefined;
  private readonly functionsByIndex: Map<number, CompiledFunction>;
  private frames: ModuleFrames | undefined;
  /** The creator holds one reference (released by `dispose` or when the Module is collected); every instance another. */
  readonly lifetime: RefCount;

  /** A lazy module's code and compiles (undefined for a module compiled eagerly). */
  readonly lazy: LazyCode | undefined;

  constructor(
    readonly ir: ModuleIR,
    readonly compiled: CompiledModule,
    readonly options: ModuleOptions,
    readonly source: ModuleSource,
    lazy?: LazyCompiledModule,
  ) {
    const names = perfMapWanted(options.perfMap) ? new ModuleCodeNames(ir) : undefined;
    this.lazy = lazy && new LazyCode(ir, lazy, names);
    // A lazy module finds them when first asked: module-ready time is what laziness is for.
    this.nativeOnly = source.nativeOnly ?? (lazy ? undefined : nativeOnlyFunctions(ir));
    const code = this.lazy?.page ?? CodePage.map(compiled.code, compiled.relocate);
    this.code = code;
    if (names) code.name(names.ranges(code.address, 0, code.length, compiled.functions, compiled.entryOffset, lazy !== undefined));
    // The whole mapping: a lazy module's functions are written into it later.
    const unregister = registerCode(code.address, code.size);
    const module = new WeakRef(this);
    const unregisterFrames = registerCodeRange(code.address, code.size, (offset) => module.deref()?.frameAt(offset));
    // The free function must not capture the Module: the registry would keep it alive for ever.
    this.lifetime = new RefCount(() => {
      unregister();
      unregisterFrames();
      code.unmap();
    });
    this.entryAddress = this.code.address + BigInt(compiled.entryOffset);
    this.functionsByIndex = new Map(compiled.functions.map((f) => [f.index, f]));
    releaseWhenCollected.register(this, this.lifetime, this);
  }

  static fromBytes(bytes: Uint8Array, options: ModuleOptions = {}): Module {
    if (options.cache !== undefined) return Module.throughCache(bytes, options, options.cache);
    return Module.compiling(bytes, options);
  }

  private static compiling(bytes: Uint8Array, options: ModuleOptions, wasmHash?: Uint8Array): Module {
    const ir = decodeModule(bytes);
    const compileOptions = compileOptionsOf(options);
    const source = { wasm: new Uint8Array(bytes), features: compileOptions.features, wasmHash };
    if (options.cache === undefined && (options.lazy ?? lazyByDefault(bytes.length))) {
      const lazy = compileLazyModule(ir, compileOptions);
      return new Module(ir, lazy.compiled, options, source, lazy);
    }
    return new Module(ir, compileModule(ir, compileOptions), options, source);
  }

  /** Loads the module from the cache, or compiles it and stores it there; a bad entry is compiled again and replaced. */
  private static throughCache(bytes: Uint8Array, options: ModuleOptions, dir: string): Module {
    const cache = CodeCache.open(dir, options.cacheMaxBytes);
    const wasmHash = sha256(bytes);
    const key = artifactKey(wasmHash, featuresOf(options));
    const entry = cache.read(key);
    if (entry !== undefined) {
      try {
        const module = Module.load(entry, options, { wasm: bytes, wasmHash });
        codeCacheStats.hits++;
        debug('code cache: hit %s (%d bytes)', key, entry.length);
        return module;
      } catch (err) {
        if (!(err instanceof ArtifactError)) throw err;
        codeCacheStats.corrupt++;
        debug('code cache: entry %s not loaded, compiling again: %s', key, err.message);
      }
    }
    const module = Module.compiling(bytes, options, wasmHash);
    cache.write(key, module.artifact({ withoutWasm: true }));
    codeCacheStats.misses++;
    debug('code cache: miss %s, stored', key);
    return module;
  }

  /**
   * The module as an artifact (runtime/artifact.ts): its code for every function, the wasm bytes it
   * came from and what loading it checks. `Module.deserialize` makes the module again, in any process.
   * A lazy module's functions are all compiled for it (into a buffer; its running code stays as it is).
   */
  serialize(): Uint8Array {
    return this.artifact();
  }

  /** `serialize`; a code cache entry leaves the wasm bytes out (its reader has them). */
  private artifact(options?: WriteOptions): Uint8Array {
    const compiled = this.eagerCompiled();
    const everyNativeOnly = (this.nativeOnly ??= nativeOnlyFunctions(this.ir));
    const nativeOnly = Uint8Array.from(compiled.functions, (f) => (everyNativeOnly[f.index] ? 1 : 0));
    const { features, wasm, wasmHash } = this.source;
    const shell = writeShell(this.ir, wasm);
    return writeArtifact({ features, wasm, code: portableCode(compiled), nativeOnly, shell }, wasmHash, options);
  }

  /**
   * A module from an artifact `serialize` made, with its code mapped again (W^X) and relocated for
   * this process. A truncated, corrupt, foreign or stale artifact (another format or wasmjit
   * version, a CPU without a feature the code uses) throws an ArtifactError saying which.
   * The artifact's code runs as it is: load only artifacts you trust as you would a shared library.
   */
  static deserialize(bytes: Uint8Array, options: ModuleOptions = {}): Module {
    return Module.load(bytes, options);
  }

  /**
   * `deserialize`; with `known` (the code cache's), the artifact must be of those bytes, which are
   * used instead of its own copy, and `bytes` are the loader's own: the module keeps a view of their
   * code (which `deserialize` copies, the caller's bytes being the caller's).
   */
  private static load(bytes: Uint8Array, options: ModuleOptions, known?: KnownWasm): Module {
    const contents = readArtifact(bytes, featuresOf(options), known);
    if (!known) contents.code.code = contents.code.code.slice();
    let ir: ModuleIR;
    try {
      ir = readShell(contents.shell, contents.wasm);
    } catch (err) {
      throw new ArtifactError('malformed', `its module shell is not one: ${(err as Error).message}`);
    }
    checkAgainstModule(contents, ir);
    const nativeOnly = Array.from(contents.nativeOnly, (flag) => flag === 1);
    try {
      const compiled = restoreModule(ir, contents.code, { features: contents.features, runtimeState: runtimeStateAddress });
      return new Module(ir, compiled, options, { wasm: contents.wasm, features: contents.features, wasmHash: contents.wasmHash, nativeOnly });
    } catch (err) {
      // The shell is checked by the checksum, not field by field: one made wrong behind it may fail here.
      throw new ArtifactError('malformed', `its module shell does not fit its code: ${(err as Error).message}`);
    }
  }

  /** Whether wasmjit decodes and validates the bytes (no code is generated, nothing is mapped). */
  static validates(bytes: Uint8Array): boolean {
    try {
      const ir = decodeModule(bytes);
      validateFunctions(prepareModule(ir, detectCpuFeatures(), true).shape, ir.funcs);
      return true;
    } catch (err) {
      if (err instanceof WebAssembly.CompileError) return false;
      throw err;
    }
  }

  /** Function `index`'s code; in a lazy module, its stub while it is not compiled. */
  function(index: number): CompiledFunction {
    const func = this.functionOrUndefined(index);
    if (!func) throw new Error(`wasmjit: function ${index} is not defined in this module`);
    return func;
  }

  private functionOrUndefined(index: number): CompiledFunction | undefined {
    return this.lazy ? this.lazy.function(index) : this.functionsByIndex.get(index);
  }

  functionAddress(index: number): bigint {
    return this.code.address + BigInt(this.function(index).offset);
  }

  /** The wasm frame of a PC `offset` bytes into the module's code (one past its instruction), for stack traces. */
  frameAt(offset: number): WasmFrame | undefined {
    this.frames ??= new ModuleFrames({
      ir: this.ir,
      wasm: this.source.wasm,
      function: (index) => this.functionOrUndefined(index),
      version: () => this.lazy?.compiledFunctions ?? 0,
      marksOf: (func) => this.marksOf(func),
    });
    return this.frames.frameAt(offset);
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
    return this.lazy ? compileModule(this.ir, this.compileOptions()) : this.compiled;
  }

  /** How this module's code was compiled (its CPU features), for compiling it again. */
  private compileOptions(): CompileOptions {
    return { features: this.source.features, runtimeState: runtimeStateAddress };
  }

  /**
   * Whether function `index` can only return or trap, never reach JS (see compiler/native-only.ts).
   * A lazy module walks from the function when first asked instead of analysing every body (27 ms
   * for resvg, 89 for esbuild, at its first instantiation).
   */
  isNativeOnly(index: number): boolean {
    if (this.nativeOnly) return this.nativeOnly[index]!;
    let found = this.nativeOnlyFound.get(index);
    if (found === undefined) {
      found = isNativeOnlyFunction(this.ir, index);
      this.nativeOnlyFound.set(index, found);
    }
    return found;
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
    // From the mapping: a deserialized module's `compiled.code` holds another process's relocated values.
    const code = this.code.read(func.offset, func.size);
    const annotations = new Map<number, string>();
    const ir = this.bodies();
    const defined = ir.funcs.find((f) => f.index === func.index);
    const body = defined && instructionsOf(defined.body, ir.types);
    if (!body) annotations.set(0, 'import thunk');
    const marks = this.marksOf(func);
    let codeEnd = code.length;
    for (let i = 0; i < marks.length; i += 2) {
      const instr = marks[i + 1]!;
      if (instr === CONSTANTS_MARK) {
        codeEnd = marks[i]!;
        annotations.set(codeEnd, 'constants');
        continue;
      }
      const text = instr === PROLOGUE_MARK ? 'prologue' : formatInstr(body![instr]!);
      const at = marks[i]!;
      // Instructions that emitted no code share an offset with the next one: list them together.
      annotations.set(at, annotations.has(at) ? `${annotations.get(at)}; ${text}` : text);
    }
    const address = this.code.address + BigInt(func.offset);
    const lines = [...disassemble(code.subarray(0, codeEnd), address), ...dataLines(code.subarray(codeEnd), address + BigInt(codeEnd))];
    return `${header}\n${formatListing(lines, annotations)}`;
  }

  /** The IR with the function bodies: a deserialized module's has none, so its bytes are decoded again. */
  private bodies(): ModuleIR {
    this.withBodies ??= this.ir.funcs.every((f) => f.body.code.length > 0) ? this.ir : decodeModule(this.source.wasm);
    return this.withBodies;
  }

  /** Where each wasm instruction's code starts: an artifact has no marks, compiling again gives the same code's. */
  private marksOf(func: CompiledFunction): SourceMarks {
    if (this.bodies() === this.ir) return func.marks;
    this.recompiled ??= compileModule(this.bodies(), this.compileOptions());
    return this.recompiled.functions[func.index]!.marks;
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

/**
 * The CPU features a module is compiled for: the detected ones, with the options' overrides. Guard
 * regions can only be turned off: code without bounds checks needs this thread's handler and memories.
 */
function featuresOf(options: ModuleOptions): CpuFeatures {
  const detected = detectCpuFeatures();
  return {
    ...detected,
    ...options.cpuFeatures,
    guardRegions: detected.guardRegions && options.cpuFeatures?.guardRegions !== false,
    fuel: options.fuel === true,
    interruptible: options.interruptible === true,
  };
}

function compileOptionsOf(options: ModuleOptions): CompileOptions {
  return { features: featuresOf(options), runtimeState: runtimeStateAddress };
}

function formatSignature(func: CompiledFunction): string {
  return `(${func.type.params.join(', ')}) -> (${func.type.results.join(', ')})`;
}
