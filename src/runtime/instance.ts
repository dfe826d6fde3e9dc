// An instance: its own context, and exported functions that convert arguments and results exactly
// as the WebAssembly JS API does, call through the entry trampoline and turn trap codes into errors.
import { TRAP_MESSAGES, TrapCode } from '../compiler/index.js';
import type { ValType } from '../decode/index.js';
import { InstanceContext } from './context.js';
import type { Module } from './module.js';

export type ExportValue = (...args: unknown[]) => unknown;

export class Instance {
  readonly exports: Record<string, ExportValue>;
  private readonly context: InstanceContext;
  private disposed = false;

  constructor(
    private readonly module: Module,
    /** Whether disposing the instance also unmaps the module (it was compiled for this instance alone). */
    private readonly ownsModule: boolean,
  ) {
    this.context = new InstanceContext(module.compiled.layout);
    const exports: Record<string, ExportValue> = Object.create(null);
    for (const exp of module.ir.exports) {
      if (exp.kind === 'func') exports[exp.name] = this.exportFunction(exp.index);
    }
    this.exports = Object.freeze(exports);
    if (module.ir.start !== undefined) this.runStart(module.ir.start);
  }

  /** A trap in the start function fails the instantiation, as in V8. */
  private runStart(index: number): void {
    const status = this.module.entry(this.context.address, this.module.functionAddress(index), 0);
    if (status !== 0) {
      this.dispose();
      throw trapError(status);
    }
  }

  /** Unmaps the instance's native memory (and the module's code if it belongs to this instance alone). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.context.unmap();
    if (this.ownsModule) this.module.dispose();
  }

  private exportFunction(index: number): ExportValue {
    const { module, context } = this;
    const { params, results } = module.function(index).type;
    const writeArgs = params.map((type, i) => argumentWriter(context, type, i));
    const readResults = results.map((type, i) => resultReader(context, type, i));
    const address = module.functionAddress(index);
    const ctx = context.address;
    const entry = module.entry;
    const instance = this;
    const exported = function (this: unknown, ...args: unknown[]): unknown {
      if (instance.disposed || !module.code.isMapped) {
        throw new Error('wasmjit: this instance has been disposed; its functions can no longer be called');
      }
      for (let i = 0; i < writeArgs.length; i++) writeArgs[i]!(args[i]);
      const status = entry(ctx, address, writeArgs.length);
      if (status !== 0) throw trapError(status);
      if (readResults.length === 1) return readResults[0]!();
      if (readResults.length === 0) return undefined;
      return readResults.map((read) => read());
    };
    Object.defineProperty(exported, 'name', { value: String(index) });
    Object.defineProperty(exported, 'length', { value: params.length });
    return exported;
  }
}

// Typed-array stores apply ToInt32 / ToBigInt with the JS API's exact semantics and error messages.
function argumentWriter(context: InstanceContext, type: ValType, i: number): (value: unknown) => void {
  const slot = context.argsIndex + i;
  switch (type) {
    case 'i32':
      return (value) => {
        context.int32[2 * slot] = value as number;
      };
    case 'i64':
      return (value) => {
        context.int64[slot] = value as bigint;
      };
    default:
      throw new WebAssembly.CompileError(`unsupported parameter type ${type} in an exported function`);
  }
}

function resultReader(context: InstanceContext, type: ValType, i: number): () => unknown {
  const slot = context.resultsIndex + i;
  switch (type) {
    case 'i32':
      return () => context.int32[2 * slot];
    case 'i64':
      return () => context.int64[slot];
    default:
      throw new WebAssembly.CompileError(`unsupported result type ${type} in an exported function`);
  }
}

function trapError(status: number): Error {
  const message = TRAP_MESSAGES[status as TrapCode] ?? `unknown trap code ${status}`;
  return status === TrapCode.StackOverflow ? new RangeError(message) : new WebAssembly.RuntimeError(message);
}
