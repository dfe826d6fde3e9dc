// A `WebAssembly` namespace backed by wasmjit: every member V8's has, with V8's behaviour and error
// texts, so unmodified glue (emscripten, wasm-bindgen, Go's wasm_exec.js) runs its modules on wasmjit.
// The constructors are functions (V8's "must be invoked with 'new'" text, subclassing through
// new.target) over the runtime's classes; `instanceof` also accepts V8's objects of the same kind,
// which the namespace hands out when it falls back to V8.
import { Global } from '../runtime/global.js';
import { Instance } from '../runtime/instance.js';
import { Memory } from '../runtime/memory.js';
import { Module } from '../runtime/module.js';
import { Table } from '../runtime/table.js';
import { V8_NAMESPACE, V8WebAssembly } from '../runtime/v8-webassembly.js';
import { announceFallback, compileWithEngines, fallsBack, validateWithEngines } from './engines.js';
import type { AnyModule, NamespaceOptions } from './engines.js';
import { bufferSourceBytes, checkImportsArgument } from './arguments.js';
import type { Imports } from './arguments.js';
import type { InstantiateApi } from '../runtime/v8-messages.js';
import { compileStreaming, instantiateStreaming } from './streaming.js';

type Construct = (args: unknown[], newTarget: Function) => object;

/** The descriptor of a memory or table asks for 64-bit addresses (memory64), which wasmjit lacks. */
function asksFor64Bit(descriptor: object): boolean {
  const d = descriptor as { address?: unknown; index?: unknown };
  return d.address === 'i64' || d.index === 'i64';
}

export class WebAssemblyNamespace {
  readonly Module: Function;
  readonly Instance: Function;
  readonly Memory: Function;
  readonly Table: Function;
  readonly Global: Function;

  constructor(private readonly options: NamespaceOptions) {
    this.Module = this.facade('Module', Module, V8WebAssembly.Module, (args, newTarget) => {
      const api = 'WebAssembly.Module()';
      const module = compileWithEngines(bufferSourceBytes(args[0], api), api, options);
      if (module instanceof Module && newTarget !== this.Module) Object.setPrototypeOf(module, newTarget.prototype as object);
      return module;
    });
    this.Instance = this.facade('Instance', Instance, V8WebAssembly.Instance, (args, newTarget) => {
      const api = 'WebAssembly.Instance()';
      const [module, imports] = args;
      if (module instanceof V8WebAssembly.Module) return new V8WebAssembly.Instance(module, checkImportsArgument(imports, api) as WebAssembly.Imports);
      if (!(module instanceof Module)) throw new TypeError(`${api}: Argument 0 must be a WebAssembly.Module`);
      return Reflect.construct(Instance, [module, checkImportsArgument(imports, api), false, api], newTarget);
    });
    this.Memory = this.descriptorFacade('Memory', Memory, V8WebAssembly.Memory, 'a memory descriptor', (descriptor) =>
      (descriptor as { shared?: unknown }).shared ? 'shared memories (threads)' : asksFor64Bit(descriptor) ? '64-bit memories (memory64)' : undefined,
    );
    this.Table = this.descriptorFacade('Table', Table, V8WebAssembly.Table, 'a table descriptor', (descriptor) =>
      asksFor64Bit(descriptor) ? '64-bit tables (memory64)' : undefined,
    );
    this.Global = this.descriptorFacade('Global', Global, V8WebAssembly.Global, 'a global descriptor', () => undefined);
    this.defineModuleStatics();
  }

  compile(bytes: unknown): Promise<AnyModule> {
    const api = 'WebAssembly.compile()';
    return this.later(() => bufferSourceBytes(bytes, api), (copy) => compileWithEngines(copy, api, this.options));
  }

  validate(bytes: unknown): boolean {
    return validateWithEngines(bufferSourceBytes(bytes, 'WebAssembly.validate()'));
  }

  instantiate(source: unknown, imports?: unknown): Promise<object> {
    const api: InstantiateApi = 'WebAssembly.instantiate()';
    if (source instanceof Module || source instanceof V8WebAssembly.Module) {
      // V8 instantiates a module object at once and settles the promise afterwards.
      try {
        return Promise.resolve(this.instantiateModule(source, checkImportsArgument(imports, api), api));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.later(
      () => {
        const bytes = bufferSourceBytes(source, api, 'a buffer source or a WebAssembly.Module object');
        return { bytes, imports: checkImportsArgument(imports, api) };
      },
      ({ bytes, imports: checked }) => {
        const module = compileWithEngines(bytes, api, this.options);
        return { module, instance: this.instantiateModule(module, checked, api) };
      },
    );
  }

  compileStreaming(source: unknown): Promise<AnyModule> {
    return compileStreaming(source, (bytes, api) => compileWithEngines(bytes, api, this.options));
  }

  instantiateStreaming(source: unknown, imports?: unknown): Promise<{ module: AnyModule; instance: object }> {
    return instantiateStreaming(source, imports, (bytes, api) => compileWithEngines(bytes, api, this.options), (module, checked, api) =>
      this.instantiateModule(module, checked, api),
    );
  }

  /** Instantiates a module of either engine; V8's own instantiation for a V8 module. */
  instantiateModule(module: AnyModule, imports: Imports, api: InstantiateApi): object {
    if (module instanceof Module) return new Instance(module, imports, false, api);
    return new V8WebAssembly.Instance(module, imports as WebAssembly.Imports);
  }

  /**
   * The checks of the arguments now (the bytes copied, as V8 copies them at the call), the work after
   * the calling code has run (V8 compiles in the background: imports are read, and a start function
   * runs, only later).
   */
  private later<A, R>(check: () => A, work: (checked: A) => R): Promise<R> {
    let checked: A;
    try {
      checked = check();
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve().then(() => work(checked));
  }

  private facade(name: string, runtime: Function, v8: Function, construct: Construct): Function {
    const api = `WebAssembly.${name}()`;
    const constructor = function (this: unknown, ...args: unknown[]): object {
      if (new.target === undefined) throw new TypeError(`${api}: WebAssembly.${name} must be invoked with 'new'`);
      return construct(args, new.target);
    };
    Object.defineProperties(constructor, {
      name: { value: name, configurable: true },
      length: { value: 1, configurable: true },
      prototype: { value: runtime.prototype, writable: false, enumerable: false, configurable: false },
      [Symbol.hasInstance]: { value: (value: unknown) => value instanceof runtime || value instanceof v8, configurable: true },
    });
    return constructor;
  }

  /**
   * Memory, Table and Global: what wasmjit lacks (`lacks` names it) is made by V8 or refused, and a
   * descriptor wasmjit rejects is given to V8, whose error (its exact text) or success decides.
   */
  private descriptorFacade(
    name: 'Memory' | 'Table' | 'Global',
    runtime: Function,
    v8: new (descriptor: never, value?: unknown) => object,
    expected: string,
    lacks: (descriptor: object) => string | undefined,
  ): Function {
    const api = `WebAssembly.${name}()`;
    return this.facade(name, runtime, v8, (args, newTarget) => {
      const [descriptor, value] = args;
      if (descriptor === null || (typeof descriptor !== 'object' && typeof descriptor !== 'function')) {
        throw new TypeError(`${api}: Argument 0 must be ${expected}`);
      }
      const viaV8 = (): object => new v8(descriptor as never, ...(args.length > 1 ? [value] : []));
      const missing = lacks(descriptor);
      if (missing !== undefined) return this.v8Instead(api, `wasmjit does not support ${missing}`, viaV8());
      try {
        return Reflect.construct(runtime, args.length > 1 ? [descriptor, value] : [descriptor], newTarget);
      } catch (err) {
        if (!(err instanceof TypeError || err instanceof RangeError)) throw err;
        return this.v8Instead(api, `wasmjit cannot make this ${name.toLowerCase()}, which V8 can: ${err.message}`, viaV8());
      }
    });
  }

  /** An object V8 made (its checks passed) where wasmjit cannot: handed out when falling back, else refused. */
  private v8Instead(api: string, reason: string, v8Object: object): object {
    if (!fallsBack(this.options)) throw new TypeError(`${api}: ${reason} (WASMJIT_FALLBACK=v8 hands it to V8)`);
    announceFallback(api, 'the object', reason);
    return v8Object;
  }

  private defineModuleStatics(): void {
    const moduleArgument = (module: unknown, api: string): AnyModule => {
      if (module instanceof Module || module instanceof V8WebAssembly.Module) return module;
      throw new TypeError(`${api}: Argument 0 must be a WebAssembly.Module`);
    };
    const statics = {
      exports(module: unknown) {
        const m = moduleArgument(module, 'WebAssembly.Module.exports()');
        return m instanceof Module ? m.exports() : V8WebAssembly.Module.exports(m);
      },
      imports(module: unknown) {
        const m = moduleArgument(module, 'WebAssembly.Module.imports()');
        return m instanceof Module ? m.imports() : V8WebAssembly.Module.imports(m);
      },
      customSections(module: unknown, sectionName: unknown) {
        const api = 'WebAssembly.Module.customSections()';
        const m = moduleArgument(module, api);
        if (arguments.length < 2) throw new TypeError(`${api}: Argument 1 is required`);
        const name = `${sectionName as string}`;
        return m instanceof Module ? m.customSections(name) : V8WebAssembly.Module.customSections(m, name);
      },
    };
    for (const [key, fn] of Object.entries(statics)) {
      Object.defineProperty(this.Module, key, { ...Object.getOwnPropertyDescriptor(V8WebAssembly.Module, key), value: fn });
    }
  }
}

const RUNTIME_CLASSES = { Module, Instance, Memory, Table, Global } as const;

/**
 * A namespace object with V8's members, in V8's order and with V8's property attributes: wasmjit's
 * where wasmjit implements them, V8's own for the rest (the error classes, so `instanceof` in glue
 * sees one class; Tag, Exception and the JSPI members, whose use in a module is refused at compile).
 */
export function createWebAssembly(options: NamespaceOptions = {}): typeof WebAssembly {
  const impl = new WebAssemblyNamespace(options);
  const own: Record<string, unknown> = {
    compile: (bytes: unknown) => impl.compile(bytes),
    validate: (bytes: unknown) => impl.validate(bytes),
    instantiate: (source: unknown, imports?: unknown) => impl.instantiate(source, imports),
    compileStreaming: (source: unknown) => impl.compileStreaming(source),
    instantiateStreaming: (source: unknown, imports?: unknown) => impl.instantiateStreaming(source, imports),
    Module: impl.Module,
    Instance: impl.Instance,
    Memory: impl.Memory,
    Table: impl.Table,
    Global: impl.Global,
  };
  const namespace = {};
  for (const key of Reflect.ownKeys(V8WebAssembly)) {
    const descriptor = Object.getOwnPropertyDescriptor(V8WebAssembly, key)!;
    const replacement = typeof key === 'string' ? own[key] : undefined;
    if (replacement !== undefined) {
      if (typeof replacement === 'function' && !(key in RUNTIME_CLASSES)) nameLike(replacement, V8WebAssembly[key as keyof typeof WebAssembly] as Function);
      descriptor.value = replacement;
    }
    Object.defineProperty(namespace, key, descriptor);
  }
  Object.defineProperty(namespace, V8_NAMESPACE, { value: V8WebAssembly });
  return namespace as typeof WebAssembly;
}

/** A namespace function gets the name and length of the V8 function it stands for. */
function nameLike(fn: Function, v8: Function): void {
  Object.defineProperty(fn, 'name', { value: v8.name, configurable: true });
  Object.defineProperty(fn, 'length', { value: v8.length, configurable: true });
}

/** The namespace `import { WebAssembly } from 'wasmjit'` gives and `wasmjit/register` installs. */
export const WebAssemblyOnWasmjit = createWebAssembly();

// The runtime's objects look like V8's: `[object WebAssembly.Memory]`, and their constructor is the
// default namespace's (a second namespace's constructors share the prototypes).
for (const [name, runtime] of Object.entries(RUNTIME_CLASSES)) {
  Object.defineProperty(runtime.prototype, Symbol.toStringTag, { value: `WebAssembly.${name}`, writable: false, enumerable: false, configurable: true });
  Object.defineProperty(runtime.prototype, 'constructor', {
    value: WebAssemblyOnWasmjit[name as keyof typeof RUNTIME_CLASSES],
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
