// The host side of a fuzzed module: binaryen's `fuzzing-support` imports (as its fuzz_shell.js
// defines them), our own `fuzz` imports, and stubs for anything else. Every host call is logged, so
// the engines' call logs can be compared after each export call.
import { shellLogged } from './binaryen.js';
import { describeError, normalize } from './values.js';
import type { HostObjects, Namer } from './values.js';

/** One engine's view of a running module, shared by its imports and the runner. */
export class EngineContext implements Namer {
  exports: Record<string, unknown> = {};
  /** Exports in binary order: binaryen's call-export imports index into it. */
  exportList: Array<{ name: string; value: unknown }> = [];
  readonly log: string[] = [];
  /** The log lines fuzz_shell.js would print (for comparing with binaryen's interpreter). */
  readonly printed: string[] = [];
  private reentry = 0;

  constructor(readonly host: HostObjects) {}

  setExports(exports: Record<string, unknown>, order: readonly string[]): void {
    this.exports = exports;
    this.exportList = order.map((name) => ({ name, value: exports[name] }));
  }

  exportNameOf(fn: unknown): string | undefined {
    return this.exportList.find((e) => e.value === fn)?.name;
  }

  note(entry: string): void {
    this.log.push(entry);
  }

  /** Re-entries from the host into wasm, bounded for our own generator's modules. */
  enter<T>(limit: number, run: () => T, fallback: T): T {
    if (this.reentry >= limit) return fallback;
    this.reentry++;
    try {
      return run();
    } finally {
      this.reentry--;
    }
  }
}

type HostFunction = (...args: unknown[]) => unknown;

/** Calls `fn` with a null for each parameter, as fuzz_shell.js does. */
function callWithNulls(fn: unknown): unknown {
  const f = fn as HostFunction;
  return f.apply(null, Array.from({ length: (f as { length: number }).length }, () => null));
}

const HOST_LIMITS = ['requested new array is too large', 'out of memory', 'Maximum call stack size exceeded'];

/** fuzz_shell.js's tryCall: 1 if a (non-trap, non-host-limit) exception was thrown, else 0. */
function tryCall(run: () => unknown, rethrow = false): number {
  try {
    run();
    return 0;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw e;
    const text = String(e);
    if (rethrow || HOST_LIMITS.some((limit) => text.includes(limit))) throw e;
    return 1;
  }
}

/** How deep our own generator's `fuzz.call-export` may re-enter wasm. */
const TYPED_REENTRY_LIMIT = 2;

function fuzzingSupport(ctx: EngineContext): Record<string, HostFunction> {
  const log = (name: string) => (...args: unknown[]) => {
    ctx.note(`${name}(${args.map((a) => normalize(a, ctx)).join(', ')})`);
    ctx.printed.push(`log ${shellLogged(args[0])}`);
  };
  const table = () => ctx.exports.table as { get(i: number): unknown; set(i: number, v: unknown): void };
  const exportAt = (index: unknown) => ctx.exportList[index as number]?.value;
  return {
    'log-i32': log('log-i32'),
    'log-i64': log('log-i64'),
    'log-f32': log('log-f32'),
    'log-f64': log('log-f64'),
    'log-branch': log('log-branch'),
    throw: (which) => {
      ctx.note(`throw(${String(which)})`);
      throw new Error(`js exception ${String(which ?? '')}`.trim());
    },
    'table-get': (index) => table().get((index as number) >>> 0),
    'table-set': (index, value) => table().set((index as number) >>> 0, value),
    'call-export': (index, flags) => {
      ctx.note(`call-export(${String(index)}, ${String(flags)})`);
      if ((flags as number) & 1) tryCall(() => callWithNulls(exportAt(index)), true);
      else callWithNulls(exportAt(index));
    },
    'call-export-catch': (index) => {
      const caught = tryCall(() => callWithNulls(exportAt(index)));
      ctx.note(`call-export-catch(${String(index)}) = ${caught}`);
      return caught;
    },
    'call-ref': (ref, flags) => {
      ctx.note(`call-ref(${normalize(ref, ctx)}, ${String(flags)})`);
      if ((flags as number) & 1) tryCall(() => callWithNulls(ref), true);
      else callWithNulls(ref);
    },
    'call-ref-catch': (ref) => {
      const caught = tryCall(() => callWithNulls(ref));
      ctx.note(`call-ref-catch(${normalize(ref, ctx)}) = ${caught}`);
      return caught;
    },
    sleep: (ms, id) => id,
  };
}

function ourImports(ctx: EngineContext): Record<string, HostFunction> {
  return {
    'call-export': (index) => {
      const result = ctx.enter(TYPED_REENTRY_LIMIT, () => {
        try {
          return tryCall(() => callWithNulls(ctx.exportList[index as number]?.value));
        } catch (e) {
          ctx.note(`call-export(${String(index)}) threw ${describeError(e)}`);
          throw e;
        }
      }, -1);
      ctx.note(`call-export(${String(index)}) = ${result}`);
      return result;
    },
  };
}

/**
 * Imports for a module's import list, in one engine. Unknown functions are logged stubs returning
 * nothing, externref globals get named host objects, and other unknown imports are left missing (so
 * both engines fail to link the same way).
 */
export function buildImports(descriptors: readonly WebAssembly.ModuleImportDescriptor[], ctx: EngineContext): WebAssembly.Imports {
  const providers: Record<string, Record<string, HostFunction>> = {
    'fuzzing-support': fuzzingSupport(ctx),
    fuzz: ourImports(ctx),
  };
  let tempRet0: unknown = 0;
  const env: Record<string, HostFunction> = { setTempRet0: (x) => void (tempRet0 = x), getTempRet0: () => tempRet0 };
  providers.env = env;
  const imports: Record<string, Record<string, unknown>> = {};
  for (const d of descriptors) {
    const namespace = (imports[d.module] ??= {});
    if (d.kind === 'function') {
      namespace[d.name] = providers[d.module]?.[d.name] ?? ((...args: unknown[]) => {
        ctx.note(`${d.module}.${d.name}(${args.map((a) => normalize(a, ctx)).join(', ')})`);
      });
    } else if (d.kind === 'global' && d.module === '__fuzz_import') {
      namespace[d.name] = ctx.host.get(d.name);
    }
  }
  return imports as WebAssembly.Imports;
}
