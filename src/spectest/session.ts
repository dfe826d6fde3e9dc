// The state of one running spec script: the current and named module instances, the import
// registry (spectest plus `register`ed modules), and every instance to dispose at the end.
import fs from 'node:fs';
import path from 'node:path';
import { CommandFailure, Skip } from './errors.js';
import { spectestModule } from './host.js';
import { callWith, decodeArg, NUMERIC_TYPES } from './values.js';
import type { Engine, Imports, Instance, WasmBytes } from './engine.js';
import type { SpecAction, SpecCommand } from './types.js';

/** A `module` command's result: its instance, or why it has none (so later commands can say so). */
type ModuleSlot = { instance: Instance } | { failure: CommandFailure };

export class ScriptSession {
  private current: ModuleSlot | undefined;
  private readonly named = new Map<string, ModuleSlot>();
  private readonly live: Instance[] = [];
  /** Wrapper instances (wrapper.ts) per export and signature; a failed one stays failed. */
  private readonly wrappers = new Map<object, Map<string, Promise<Instance>>>();
  private readonly registry: Imports;
  /** Unknown import module names resolve to {} so that a missing import is a LinkError. */
  readonly imports: Imports;

  constructor(readonly engine: Engine, private readonly dir: string) {
    this.registry = { spectest: spectestModule(engine) };
    this.imports = new Proxy(this.registry, {
      get: (target, key) => (typeof key !== 'string' || key === 'then' ? undefined
        : Object.hasOwn(target, key) ? target[key] : {}),
    });
  }

  moduleBytes(cmd: SpecCommand): WasmBytes {
    if (!cmd.filename) throw new Error(`${cmd.type} command without a filename`);
    return new Uint8Array(fs.readFileSync(path.join(this.dir, cmd.filename)));
  }

  /** Instantiates a module (with the script's imports unless given others); it stays alive until the end of the script. */
  async instantiate(bytes: WasmBytes, imports: Imports = this.imports): Promise<Instance> {
    const instance = await this.engine.instantiate(bytes, imports);
    this.live.push(instance);
    return instance;
  }

  /** Instantiates a module only to see whether that works, and disposes it right away. */
  async instantiateAndDispose(bytes: WasmBytes): Promise<void> {
    disposeQuietly(await this.engine.instantiate(bytes, this.imports));
  }

  /** Makes `slot` the current module (and the one called `name`); undefined forgets both. */
  setModule(slot: ModuleSlot | undefined, name?: string): void {
    this.current = slot;
    if (!name) return;
    if (slot) this.named.set(name, slot);
    else this.named.delete(name);
  }

  /** The instance of the named (or current) module; throws why there is none. */
  instanceFor(moduleName: string | undefined, purpose: string): Instance {
    const slot = moduleName ? this.named.get(moduleName) : this.current;
    if (!slot) throw new CommandFailure(`no module ${moduleName ?? '(current)'} to ${purpose}`, false);
    if ('failure' in slot) throw slot.failure;
    return slot.instance;
  }

  cachedWrapper(target: object, signature: string, make: () => Promise<Instance>): Promise<Instance> {
    let bySignature = this.wrappers.get(target);
    if (!bySignature) this.wrappers.set(target, (bySignature = new Map()));
    let wrapper = bySignature.get(signature);
    if (!wrapper) bySignature.set(signature, (wrapper = make()));
    return wrapper;
  }

  register(moduleName: string | undefined, as: string): void {
    this.registry[as] = this.instanceFor(moduleName, `register as "${as}"`).exports;
  }

  /** Runs an `invoke` or `get` action and returns what the export gave back. */
  perform(action: SpecAction): unknown {
    const instance = this.instanceFor(action.module, `run "${action.field}" on`);
    if (action.type === 'invoke') {
      const fn = exportedFunction(instance, action.field);
      for (const a of action.args ?? []) if (!NUMERIC_TYPES.has(a.type)) decodeArg(a); // throws Skip before the call
      return callWith(fn, action.args ?? []);
    }
    if (action.type === 'get') {
      if (!(action.field in instance.exports)) throw new Error(`no export "${action.field}"`);
      const global = instance.exports[action.field];
      return global && typeof global === 'object' && 'value' in global ? global.value : global;
    }
    throw new Skip(`action type ${action.type}`);
  }

  /** Disposes every instance the script created; the first dispose() error is rethrown. */
  disposeAll(): void {
    const instances = this.live.splice(0).reverse();
    let error: unknown;
    for (const instance of instances) {
      try {
        instance.dispose?.();
      } catch (e) {
        error ??= e;
      }
    }
    if (error !== undefined) throw error;
  }
}

export function exportedFunction(instance: Instance, field: string): Function {
  const fn = instance.exports[field];
  if (typeof fn !== 'function') throw new Error(`export "${field}" is not a function`);
  return fn;
}

/** Disposes a short-lived instance or module now; its errors do not matter to the command. */
export function disposeQuietly(thing: unknown): void {
  try {
    (thing as Partial<Instance> | null)?.dispose?.();
  } catch {
    // Only the command's own check counts here; disposeAll reports broken dispose() of the kept instances.
  }
}
