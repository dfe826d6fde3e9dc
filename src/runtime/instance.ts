// An instance: its own context; imports linked with the JS API's checks and V8's error texts;
// function records, globals, tables and memory set up; segments applied; exports that convert
// arguments and results exactly as the WebAssembly JS API does and turn trap codes into errors.
import { canonicalTypeId, Ctx, FAST_ENTRY_NOT_ON_STACK, FuncRecord, ImportSlot, TRAP_MESSAGES, TrapCode } from '../compiler/index.js';
import { dataSegmentBytes } from '../decode/index.js';
import type { ConstExpr, FuncType, Import, ValType } from '../decode/index.js';
import { InstanceContext } from './context.js';
import { fastCalls, markFastWrapper } from './fast-calls.js';
import type { FastEntry } from './fast-calls.js';
import { enterThroughKoffi } from './koffi-entry.js';
import { registerWasmFunction, sameFuncType, wasmFunctionRef } from './functions.js';
import type { WasmFunctionRef } from './functions.js';
import { Global } from './global.js';
import { interrupt as interruptInstance, InterruptCell } from './interrupt.js';
import type { InterruptHandle } from './interrupt.js';
import type { LazyCode } from './lazy-code.js';
import { Lifetime, releaseWhenCollected } from './lifetime.js';
import type { RefCount } from './lifetime.js';
import { Memory } from './memory.js';
import type { Module } from './module.js';
import { registerFuncRecords, unregisterFuncRecords } from './references.js';
import type { FunctionResolver } from './references.js';
import { runtimeCall } from './runtime-calls.js';
import type { InstanceState } from './runtime-calls.js';
import { allocateEntrySlot, lastTrapPcs, registerHostCalls, releaseEntrySlot, setEntrySlotFunction, stackLimit, takeParkedException, unregisterHostCalls } from './state.js';
import { trapErrorWithFrames, withWasmFrames } from './stack-trace.js';
import type { HostCallHandler } from './state.js';
import { Table } from './table.js';
import { V8WebAssembly } from './v8-webassembly.js';
import { deadlines } from './watchdog.js';
import { argumentWriter, hostResultWriter, isReference, JS_INCOMPATIBLE, slotReader } from './values.js';
import type { SlotReader, SlotViews, SlotWriter } from './values.js';
import { dataSegmentOutOfBounds, importError, memoryImportLimits, tableImportLimits } from './v8-messages.js';
import type { ImportLimitTexts, InstantiateApi } from './v8-messages.js';

export type ExportValue = ((...args: unknown[]) => unknown) | Memory | Table | Global;
export type Imports = Record<string, unknown>;

/** What `instantiate` takes after the imports (the module must be compiled for them: see ModuleOptions). */
export interface InstanceOptions {
  /** The fuel the instance starts with (`Instance.fuel`); needs code compiled with `fuel: true`. */
  fuel?: number | bigint;
  /** Every call from JS into an export is interrupted after this many milliseconds (needs `interruptible`). */
  timeout?: number;
  /** Instantiating bytes: compile them with interrupt polling (`timeout` implies it). */
  interruptible?: boolean;
}

/** What an instance was given for each imported function: a wasm function or a host function. */
type LinkedFunction =
  | { kind: 'wasm'; fn: object; ref: WasmFunctionRef }
  /** A host function, with the conversions of its arguments and results, chosen once at link time. */
  | { kind: 'host'; fn: (...args: unknown[]) => unknown; readers: SlotReader[]; writers: SlotWriter[]; refused: boolean };

export class Instance {
  readonly exports: Record<string, ExportValue>;
  private readonly context: InstanceContext;
  private readonly functions: LinkedFunction[] = [];
  private readonly functionObjects = new Map<number, object>();
  private readonly state: InstanceState;
  /** This instance's hold on its link group, given up by `dispose` or when the instance is collected. */
  readonly lifetime: Lifetime;
  /** Set by `dispose()`, and when the link group is freed (a failed instantiation's instance). */
  private readonly status = { disposed: false };
  private readonly entrySlots: number[] = [];
  /** The process-wide tables refer to these weakly (they must not keep the instance alive): the instance keeps them. */
  private readonly hostCallHandler: HostCallHandler = (index) => this.hostCall(index);
  private readonly functionResolver: FunctionResolver = (index) => this.functionObject(index);
  /** An interruptible module's instance's (compiler/metering.ts). */
  private readonly interruptCell: InterruptCell | undefined;
  /** InstanceOptions.timeout, in milliseconds. */
  private readonly timeout: number | undefined;

  constructor(
    private readonly module: Module,
    imports: Imports | undefined,
    /** Whether the module was compiled for this instance alone (its code goes with the instance). */
    ownsModule: boolean,
    /** The JS-API call that instantiates, which starts V8's error texts (`WebAssembly.Instance()`). */
    private readonly api: InstantiateApi = 'WebAssembly.instantiate()',
    options: InstanceOptions = {},
  ) {
    const { features } = module.source;
    if (options.fuel !== undefined && !features.fuel) throw new TypeError(NOT_METERED);
    const fuel = options.fuel === undefined ? undefined : fuelValue(options.fuel);
    if (options.timeout !== undefined) {
      if (!features.interruptible) throw new TypeError(NOT_INTERRUPTIBLE);
      if (!(options.timeout >= 0 && options.timeout <= MAX_TIMEOUT_MS)) throw new RangeError(`wasmjit: timeout must be a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, not ${String(options.timeout)}`);
    }
    this.timeout = options.timeout;
    // A module compiled for this instance alone hands its own reference over to the instance.
    if (ownsModule) releaseWhenCollected.unregister(module);
    else module.lifetime.retain();
    this.context = new InstanceContext(module.compiled.layout);
    if (features.interruptible) this.interruptCell = new InterruptCell(this.context.views.int64, stackLimit, this.context.address);
    if (fuel !== undefined) this.context.setField(Ctx.fuel, fuel);
    this.lifetime = new Lifetime(this, freeNative(this.status, this.context, this.interruptCell, this.entrySlots, module.lifetime, module.lazy), true);
    this.state = { context: this.context, layout: module.compiled.layout, tables: [], globals: [], memory: undefined, elems: [], datas: [], lazy: module.lazy };
    registerHostCalls(this.context.address, this.hostCallHandler);
    try {
      this.link(imports);
      this.defineOwn();
      this.exports = this.buildExports();
      this.initialize();
    } catch (err) {
      // As in V8, what the failed instantiation already wrote into imported tables stays callable:
      // the instance only gives up its own hold on its link group.
      this.lifetime.release();
      throw err;
    }
  }

  /**
   * Ends the instance: its exports throw from now on, and its native memory (and the module's code,
   * if it was compiled for this instance alone) is unmapped once nothing linked to it is alive.
   */
  dispose(): void {
    if (this.status.disposed) return;
    this.status.disposed = true;
    this.lifetime.release();
  }

  // ---- fuel and interruption (compiler/metering.ts) --------------------------------------------

  /**
   * The fuel left: every function entry and loop iteration takes its region's instruction count
   * (compiler/metering.ts), and a charge the fuel cannot pay throws `RuntimeError: fuel exhausted`
   * (the fuel then reads 0). Setting it refills; the instance stays usable.
   */
  get fuel(): number {
    this.assertMetered();
    const left = this.context.field(Ctx.fuel);
    return left < 0n ? 0 : Number(left);
  }

  set fuel(value: number | bigint) {
    this.assertMetered();
    this.context.setField(Ctx.fuel, fuelValue(value));
  }

  private assertMetered(): void {
    if (!this.module.source.features.fuel) throw new TypeError(NOT_METERED);
  }

  /**
   * Stops the running call into this instance (or, when none runs, the next one) at its next
   * function entry or loop start: it throws `RuntimeError: interrupted` and the instance stays usable.
   * Another thread calls `interrupt(instance.interruptHandle)` instead.
   */
  interrupt(): void {
    interruptInstance(this.interruptHandle);
  }

  /** What a worker needs to interrupt this instance: post it, and call wasmjit's `interrupt(handle)` there. */
  get interruptHandle(): InterruptHandle {
    if (!this.interruptCell) throw new TypeError(NOT_INTERRUPTIBLE);
    return this.interruptCell.handle;
  }

  /**
   * The error a trap status stands for. An entry's stack check fails on an interrupt as on an
   * overflow: the interrupt flag tells them apart (and is cleared, so the instance runs again).
   */
  trapError(status: number): unknown {
    const cell = this.interruptCell;
    if ((status === TrapCode.StackOverflow || status === TrapCode.Interrupted) && cell?.requested) {
      cell.clear();
      return new WebAssembly.RuntimeError(TRAP_MESSAGES[TrapCode.Interrupted]);
    }
    return trapError(status);
  }

  /** Clears an interrupt a deadline raised after its call had ended (watchdog.ts). */
  clearInterrupt(): void {
    this.interruptCell?.clear();
  }

  // ---- linking ----------------------------------------------------------------------------------

  private link(imports: Imports | undefined): void {
    const { ir } = this.module;
    if (ir.imports.length === 0) return;
    if (imports === undefined || imports === null || typeof imports !== 'object') {
      throw new TypeError(`${this.api}: Imports argument must be present and must be an object`);
    }
    ir.imports.forEach((imp, i) => {
      const namespace = imports[imp.module];
      if (namespace === null || (typeof namespace !== 'object' && typeof namespace !== 'function')) {
        throw new TypeError(importError(this.api, i, { module: imp.module }, 'module is not an object or function'));
      }
      const value = (namespace as Record<string, unknown>)[imp.name];
      const linkError = (message: string): WebAssembly.LinkError => new WebAssembly.LinkError(importError(this.api, i, imp, message));
      this.linkImport(imp, i, value, linkError);
    });
  }

  private linkImport(imp: Import, importIndex: number, value: unknown, linkError: (message: string) => WebAssembly.LinkError): void {
    const { layout } = this.module.compiled;
    switch (imp.kind) {
      case 'func': {
        if (typeof value !== 'function') throw linkError('function import requires a callable');
        const index = this.functions.length;
        const ref = wasmFunctionRef(value);
        if (ref) {
          if (!sameFuncType(ref.type, imp.type)) throw linkError('imported function does not match the expected type');
          const slot = layout.importsOffset + ImportSlot.size * index;
          this.context.setField(slot + ImportSlot.code, ref.code);
          this.context.setField(slot + ImportSlot.ctx, ref.ctx);
          this.context.setField(layout.funcRefsOffset + 8 * index, ref.record);
          this.lifetime.join(ref.owner);
          this.functions.push({ kind: 'wasm', fn: value, ref });
        } else {
          this.functions.push({
            kind: 'host',
            fn: value as (...args: unknown[]) => unknown,
            readers: imp.type.params.map((t) => slotReader(t)),
            writers: imp.type.results.map((t) => hostResultWriter(t, this.lifetime)),
            refused: crossesJsWithV128(imp.type),
          });
        }
        return;
      }
      case 'global': {
        const global = importedGlobal(imp.global.type, imp.global.mutable, value, linkError);
        this.lifetime.join(global.lifetime);
        this.state.globals.push(global);
        return;
      }
      case 'memory': {
        if (!(value instanceof Memory)) throw linkError('memory import must be a WebAssembly.Memory object');
        checkImportLimits(memoryImportLimits(this.api, importIndex, imp), value.pageCount, value.maximum, imp.limits);
        this.lifetime.join(value.lifetime);
        this.state.memory = value;
        return;
      }
      case 'table': {
        if (!(value instanceof Table)) throw linkError('table import requires a WebAssembly.Table');
        if (value.element !== imp.table.element) throw linkError('imported table does not match the expected type');
        checkImportLimits(tableImportLimits(this.api, importIndex), value.length, value.maximum, imp.table.limits);
        this.lifetime.join(value.lifetime);
        this.state.tables.push(value);
        return;
      }
    }
  }

  /** The module's own functions' records, memory, tables and globals, after the imported ones. */
  private defineOwn(): void {
    const { ir, compiled } = this.module;
    const { layout } = compiled;
    const resolver = new WeakRef(this.functionResolver);
    compiled.funcTypes.forEach((type, index) => {
      if (this.functions[index]?.kind === 'wasm') return;
      const record = this.context.address + BigInt(layout.funcRecordsOffset + FuncRecord.size * index);
      const base = layout.funcRecordsOffset + FuncRecord.size * index;
      this.context.setField(base + FuncRecord.code, this.module.functionAddress(index));
      this.context.setField(base + FuncRecord.typeId, canonicalTypeId(type));
      this.context.setField(base + FuncRecord.ctx, this.context.address);
      this.context.setField(layout.funcRefsOffset + 8 * index, record);
    });
    registerFuncRecords(this.context.address + BigInt(layout.funcRecordsOffset), FuncRecord.size, compiled.funcTypes.length, resolver);
    this.module.lazy?.attach(this.context);
    const ownMemory = ir.memories[0];
    if (ownMemory) {
      const memory = new Memory({ initial: ownMemory.min, maximum: ownMemory.max }, this.module.options.maxMemoryPages, true);
      this.lifetime.join(memory.lifetime);
      this.state.memory = memory;
    }
    this.state.memory?.attach(this.context);
    for (const type of ir.tables) {
      const table = new Table({ element: type.element, initial: type.limits.min, maximum: type.limits.max }, null, true);
      this.lifetime.join(table.lifetime);
      this.state.tables.push(table);
    }
    this.state.tables.forEach((table, i) => this.context.setField(layout.tablesOffset + 8 * i, table.descriptor));
    let offset = layout.globalCellsOffset;
    for (const g of ir.globals) {
      const cell = { address: this.context.address + BigInt(offset), views: this.context.views, slot: InstanceContext.slot(offset) };
      const global = new Global({ value: g.global.type, mutable: g.global.mutable }, undefined, cell);
      this.lifetime.join(global.lifetime);
      global.bits = this.evaluate(g.init);
      this.state.globals.push(global);
      offset += g.global.type === 'v128' ? 16 : 8;
    }
    this.state.globals.forEach((global, i) => this.context.setField(layout.globalsOffset + 8 * i, global.cell.address));
  }

  /** A constant expression's value as slot bits (128 of them for a v128). */
  private evaluate(expr: ConstExpr): bigint {
    switch (expr.op) {
      case 'i32.const':
        return BigInt(expr.value);
      case 'i64.const':
        return expr.value;
      case 'f32.const':
        return BigInt(expr.bits);
      case 'f64.const':
        return expr.bits;
      case 'v128.const':
        return v128Bits(expr.bytes);
      case 'global.get':
        return this.state.globals[expr.index]!.bits;
      case 'ref.null':
        return 0n;
      case 'ref.func':
        return this.context.field(this.module.compiled.layout.funcRefsOffset + 8 * expr.index);
    }
  }

  // ---- instantiation ----------------------------------------------------------------------------

  /**
   * Element segments are evaluated, then the active ones applied in order, then the data segments,
   * then the start function runs: a trap at any point fails the instantiation (earlier writes stay).
   */
  private initialize(): void {
    const { ir } = this.module;
    this.state.elems = ir.elems.map((segment) => (segment.mode.kind === 'passive' ? segment.items.map((item) => this.evaluate(item)) : null));
    for (const segment of ir.elems) {
      if (segment.mode.kind !== 'active') continue;
      const table = this.state.tables[segment.mode.index]!;
      const offset = Number(BigInt.asUintN(32, this.evaluate(segment.mode.offset)));
      if (offset + segment.items.length > table.length) {
        throw new WebAssembly.RuntimeError(`${this.api}: table index is out of bounds`);
      }
      segment.items.forEach((item, i) => table.rawSet(offset + i, this.evaluate(item)));
    }
    // Compilers emit up to a hundred thousand data segments (Go: 98,450 in esbuild's 14 MB): nothing
    // here may cost more per segment than the copy.
    const { datas } = ir;
    this.state.datas = new Array<Uint8Array | null>(datas.count).fill(null);
    let memoryBytes: Uint8Array | undefined;
    for (let index = 0; index < datas.count; index++) {
      if (datas.passive[index] === 1) {
        this.state.datas[index] = dataSegmentBytes(datas, index);
        continue;
      }
      const memory = this.state.memory!;
      const expr = datas.offsetExprs.get(index);
      const offset = expr === undefined ? datas.offsets[index]! >>> 0 : Number(BigInt.asUintN(32, this.evaluate(expr)));
      const length = datas.lengths[index]!;
      if (offset + length > memory.byteLength) {
        throw new WebAssembly.RuntimeError(dataSegmentOutOfBounds(this.api, index, offset, length, memory.byteLength));
      }
      if (length > 0) (memoryBytes ??= memory.bytes()).set(dataSegmentBytes(datas, index), offset);
    }
    if (ir.start !== undefined) (this.functionObject(ir.start) as () => unknown)();
  }

  // ---- exports ----------------------------------------------------------------------------------

  private buildExports(): Record<string, ExportValue> {
    const exports: Record<string, ExportValue> = Object.create(null);
    for (const exp of this.module.ir.exports) {
      switch (exp.kind) {
        case 'func':
          exports[exp.name] = this.functionObject(exp.index) as ExportValue;
          break;
        case 'memory':
          exports[exp.name] = this.state.memory!;
          break;
        case 'table':
          exports[exp.name] = this.state.tables[exp.index]!;
          break;
        case 'global':
          exports[exp.name] = this.state.globals[exp.index]!;
          break;
      }
    }
    return Object.freeze(exports);
  }

  /** The JS function for function `index`: one object per function, as V8 keeps them. */
  private functionObject(index: number): object {
    const linked = this.functions[index];
    if (linked?.kind === 'wasm') return linked.fn;
    let fn = this.functionObjects.get(index);
    if (!fn) {
      fn = this.exportFunction(index);
      this.functionObjects.set(index, fn);
    }
    return fn;
  }

  private exportFunction(index: number): (...args: unknown[]) => unknown {
    const { module, context } = this;
    const type = module.compiled.funcTypes[index]!;
    const address = module.functionAddress(index);
    const slot = allocateEntrySlot(context.address, address, type.params.length, module.entryAddress);
    this.entrySlots.push(slot);
    const argsSlot = InstanceContext.slot(module.compiled.layout.argsOffset);
    // A fast entry swaps the context's stack limit, which an interrupt raises (compiler/metering.ts).
    const fast = fastCalls.available && !module.source.features.interruptible && module.isNativeOnly(index) ? fastCalls.entry : undefined;
    const lazy = fast ? module.lazy : undefined;
    let enter = fast ? fastEntryCall(this, type, fast, slot) : koffiEntry(this, type, slot);
    if (lazy) {
      enter = compilingFirst(() => {
        lazy.compileReachable(index);
        setEntrySlotFunction(slot, lazy.address(index));
      }, enter);
    }
    if (this.timeout !== undefined) enter = deadlines.guard(this, this.interruptHandle, this.timeout, enter);
    const exported = exportCall(this, type, argsSlot, enter);
    if (fast) markFastWrapper(exported);
    Object.defineProperty(exported, 'name', { value: String(index) });
    Object.defineProperty(exported, 'length', { value: type.params.length });
    Object.defineProperty(exported, 'toString', { value: () => `function ${index}() { [native code] }` });
    const record = context.field(module.compiled.layout.funcRefsOffset + 8 * index);
    registerWasmFunction(exported, { record, code: address, ctx: context.address, type, owner: this.lifetime });
    return exported;
  }

  /** Throws unless the instance can still run (not disposed, its link group not freed). */
  assertAlive(): void {
    if (this.status.disposed) throw new Error('wasmjit: this instance has been disposed; its functions can no longer be called');
  }

  /** The context's typed views (for the export calls). */
  get views(): SlotViews {
    return this.context.views;
  }

  // ---- calls from native code -------------------------------------------------------------------

  /** Returns 0 or the trap code generated code raises; an exception is parked by the caller (state.ts). */
  private hostCall(index: number): number {
    if (index < 0) return runtimeCall(this.state, index);
    this.callHost(index);
    return 0;
  }

  /** Arguments from the context's argument area to JS values; results back into the result area. */
  private callHost(index: number): void {
    const linked = this.functions[index];
    if (linked?.kind !== 'host') throw new Error(`wasmjit: import ${index} is not a host function`);
    // Called as a plain function, as V8 calls an import: no receiver (`this` undefined, and a stack
    // frame `at fn`, not `at Object.fn`).
    const { fn, readers, writers } = linked;
    // V8 refuses the call before the host function runs (the signature says so, not the values).
    if (linked.refused) throw new TypeError(JS_INCOMPATIBLE);
    const { views } = this.context;
    const argsSlot = InstanceContext.slot(this.module.compiled.layout.argsOffset);
    const resultsSlot = InstanceContext.slot(Ctx.results);
    const args = valueArray(readers.length, (i) => readers[i]!(views, argsSlot + i));
    const result = fn(...args);
    storeHostResults(writers.length, result, (i, value) => writers[i]!(views, resultsSlot + i, value));
  }
}

/**
 * What frees an instance's native side once its link group is freed. It captures no JS object of the
 * group (the group's registry entries would keep them alive): the context, the entry slots and
 * function records to give back, the hold on the module's code, and a lazy module's list of contexts.
 */
function freeNative(
  status: { disposed: boolean },
  context: InstanceContext,
  interruptCell: InterruptCell | undefined,
  entrySlots: number[],
  code: RefCount,
  lazy: LazyCode | undefined,
): () => void {
  return () => {
    status.disposed = true;
    interruptCell?.free();
    for (const slot of entrySlots) releaseEntrySlot(slot);
    unregisterHostCalls(context.address);
    unregisterFuncRecords(context.address + BigInt(context.layout.funcRecordsOffset));
    lazy?.detach(context);
    context.unmap();
    code.release();
  };
}

/**
 * An array of wasm values for JS. Built with generic elements: an array V8 stores as raw doubles
 * would quieten the signalling NaNs among them, which the JS API passes through unchanged.
 */
function valueArray(length: number, value: (i: number) => unknown): unknown[] {
  const array: unknown[] = Array.from({ length });
  for (let i = 0; i < length; i++) array[i] = value(i);
  return array;
}

/** Stores a host function's return value as its `count` results (an iterable of them when several). */
function storeHostResults(count: number, result: unknown, store: (i: number, value: unknown) => void): void {
  if (count === 0) return;
  if (count === 1) {
    store(0, result);
    return;
  }
  if (result === null || typeof result !== 'object' || !(Symbol.iterator in result)) {
    throw new TypeError('multi-return value must be iterable');
  }
  const values = [...(result as Iterable<unknown>)];
  if (values.length !== count) throw new TypeError('multi-return length mismatch');
  values.forEach((value, i) => store(i, value));
}

function importedGlobal(
  type: ValType,
  mutable: boolean,
  value: unknown,
  linkError: (message: string) => WebAssembly.LinkError,
): Global {
  if (value instanceof Global) {
    if (value.mutable !== mutable) throw linkError('imported global does not match the expected mutability');
    if (value.type !== type) throw linkError('imported global does not match the expected type');
    return value;
  }
  if (type === 'v128') throw linkError('global import of type v128 must be a WebAssembly.Global');
  if (value instanceof V8WebAssembly.Global) {
    if (mutable) throw linkError('imported mutable global must be a wasmjit Global object');
    return new Global({ value: type }, value.value);
  }
  if (mutable) throw linkError('imported mutable global must be a WebAssembly.Global object');
  const fits = isReference(type) || (typeof value === 'number' && type !== 'i64') || (typeof value === 'bigint' && type === 'i64');
  if (!fits) throw linkError('global import must be a number, valid Wasm reference, or WebAssembly.Global object');
  return new Global({ value: type }, value);
}

/** Size checks of an imported memory or table, with V8's texts. */
function checkImportLimits(texts: ImportLimitTexts, current: number, maximum: number | undefined, limits: { min: number; max?: number }): void {
  if (current < limits.min) throw new WebAssembly.LinkError(texts.tooSmall(current, limits.min));
  if (limits.max === undefined) return;
  if (maximum === undefined) throw new WebAssembly.LinkError(texts.noMaximum(limits.max));
  if (maximum > limits.max) throw new WebAssembly.LinkError(texts.largerMaximum(maximum, limits.max));
}

/** JS can neither give nor take a v128: V8 refuses such calls in either direction. */
function crossesJsWithV128(type: FuncType): boolean {
  return type.params.includes('v128') || type.results.includes('v128');
}

/** The 128 bits of a v128 constant's bytes (little-endian), as a bigint. */
function v128Bits(bytes: Uint8Array): bigint {
  let bits = 0n;
  for (let i = 15; i >= 0; i--) bits = (bits << 8n) | BigInt(bytes[i]!);
  return bits;
}

const NOT_METERED = 'wasmjit: this module was compiled without fuel metering: compile it with { fuel: true } (instantiating bytes with { fuel } does)';
const NOT_INTERRUPTIBLE = 'wasmjit: this module was compiled without interrupt polling: compile it with { interruptible: true } (instantiating bytes with { timeout } does)';
const MAX_FUEL = (1n << 63n) - 1n;
/** setTimeout's limit, which the watchdog's timers have too. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Fuel as the context holds it: a signed 64-bit count, never negative when given. */
function fuelValue(value: number | bigint): bigint {
  const fuel = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (fuel < 0n || fuel > MAX_FUEL) throw new RangeError(`wasmjit: fuel must be an integer from 0 to 2^63-1, not ${String(value)}`);
  return fuel;
}

/** The error a trap stands for, with the wasm frames the trap recorded in its stack. */
function trapError(status: number): unknown {
  const pcs = lastTrapPcs();
  if (status === TrapCode.HostException) return withWasmFrames(takeParkedException(), pcs);
  const message = TRAP_MESSAGES[status as TrapCode] ?? `unknown trap code ${status}`;
  return trapErrorWithFrames(() => (status === TrapCode.StackOverflow ? new RangeError(message) : new WebAssembly.RuntimeError(message)), pcs);
}

/**
 * An exported function: arguments converted into the context's argument area, then `enter` (the
 * call through the function's entry slot, with the trap code or the results converted back). Arrow
 * functions, like V8's exported functions, are no constructors and have no prototype. Specialised by
 * arity (no rest array, no loop) because the JS→wasm call is on the hot path of every embedder.
 */
function exportCall(instance: Instance, type: FuncType, argsSlot: number, enter: () => unknown): (...args: unknown[]) => unknown {
  if (crossesJsWithV128(type)) {
    return () => {
      instance.assertAlive();
      throw new TypeError(JS_INCOMPATIBLE);
    };
  }
  const views = instance.views;
  const writers = type.params.map((t) => argumentWriter(t, instance.lifetime));
  const [w0, w1, w2] = writers;
  switch (writers.length) {
    case 0:
      return () => {
        instance.assertAlive();
        return enter();
      };
    case 1:
      return (a: unknown) => {
        instance.assertAlive();
        w0!(views, argsSlot, a);
        return enter();
      };
    case 2:
      return (a: unknown, b: unknown) => {
        instance.assertAlive();
        w0!(views, argsSlot, a);
        w1!(views, argsSlot + 1, b);
        return enter();
      };
    case 3:
      return (a: unknown, b: unknown, c: unknown) => {
        instance.assertAlive();
        w0!(views, argsSlot, a);
        w1!(views, argsSlot + 1, b);
        w2!(views, argsSlot + 2, c);
        return enter();
      };
    default:
      return (...args: unknown[]) => {
        instance.assertAlive();
        for (let i = 0; i < writers.length; i++) writers[i]!(views, argsSlot + i, args[i]);
        return enter();
      };
  }
}

/** The status of a call turned into its results, or into the error it stands for. */
function resultsOf(instance: Instance, type: FuncType): (status: number) => unknown {
  const views = instance.views;
  const resultsSlot = InstanceContext.slot(Ctx.results);
  const readers = type.results.map((t) => slotReader(t));
  const single = readers.length === 1 ? readers[0]! : undefined;
  return (status) => {
    if (status !== 0) throw instance.trapError(status);
    if (single) return single(views, resultsSlot);
    if (readers.length === 0) return undefined;
    return valueArray(readers.length, (i) => readers[i]!(views, resultsSlot + i));
  };
}

/**
 * A fast call must not reach JS, which a lazy function's first call does (to compile it): a lazy
 * module's native-only export compiles everything it reaches through direct calls (all native-only)
 * before its first call.
 */
function compilingFirst(compile: () => void, enter: () => unknown): () => unknown {
  let compiled = false;
  return () => {
    if (!compiled) {
      compile();
      compiled = true;
    }
    return enter();
  };
}

/** Entering through koffi: the slot's module trampoline runs on koffi's stack (koffi-entry.ts). */
function koffiEntry(instance: Instance, type: FuncType, slot: number): () => unknown {
  const finish = resultsOf(instance, type);
  return () => finish(enterThroughKoffi(slot));
}

/**
 * Entering through the Fast API (fast-calls.ts), for native-only functions. A call site of its own:
 * TurboFan turns a call into a direct C call only where it has seen a single target, and `fastEntry`
 * is the one target of this site in the whole isolate. When the fast entry is not on the JS thread's
 * stack, the call goes through koffi.
 */
function fastEntryCall(instance: Instance, type: FuncType, fastEntry: FastEntry, slot: number): () => unknown {
  const finish = resultsOf(instance, type);
  return () => {
    const status = fastEntry(slot);
    return finish(status === FAST_ENTRY_NOT_ON_STACK ? enterThroughKoffi(slot) : status);
  };
}
