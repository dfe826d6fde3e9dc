// Lazy compilation: every scenario runs on V8 and on wasmjit with `lazy: true`, and the transcripts
// (results, errors) must match; the module's count of compiled functions shows that functions were
// compiled on their first call, not before. Scenarios run through the koffi entry and, where V8's
// Fast API is available, through the fast entry (native-only exports).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, Instance, LAZY_THRESHOLD_BYTES, lazyCompileStats, Module, Table, watToWasm } from '../src/index.js';
import { generateModule } from '../src/bench/generate.js';
import { fastCalls, usesFastCalls } from '../src/runtime/fast-calls.js';
import { LAZY_BATCH_INSTRUCTIONS } from '../src/runtime/lazy-code.js';
import { fastEntryCounts } from '../src/runtime/state.js';

type Step = () => unknown;

/** Runs the steps, recording each result or error (class and message). */
function transcript(steps: Step[]): string[] {
  return steps.map((step) => {
    try {
      return `= ${format(step())}`;
    } catch (error) {
      const e = error as Error;
      const name = e instanceof WebAssembly.RuntimeError ? 'RuntimeError' : e.constructor.name;
      return `! ${name}: ${e.message}`;
    }
  });
}

function format(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  return Object.is(value, -0) ? '-0' : String(value);
}

interface Engine {
  name: 'v8' | 'wasmjit';
  /** Instantiates the bytes (wasmjit: from a lazy module, compiled once per `module` call). */
  instantiate(module: unknown, imports?: Record<string, unknown>): Record<string, unknown>;
  module(bytes: Uint8Array): unknown;
  table(length: number): unknown;
}

const V8: Engine = {
  name: 'v8',
  module: (bytes) => new WebAssembly.Module(new Uint8Array(bytes)),
  instantiate: (module, imports) => new WebAssembly.Instance(module as WebAssembly.Module, imports as WebAssembly.Imports).exports as Record<string, unknown>,
  table: (length) => new WebAssembly.Table({ element: 'anyfunc', initial: length }),
};

const modules: Module[] = [];
const WASMJIT: Engine = {
  name: 'wasmjit',
  module: (bytes) => {
    const module = Module.fromBytes(bytes, { lazy: true });
    modules.push(module);
    return module;
  },
  instantiate: (module, imports) => new Instance(module as Module, imports, false).exports as Record<string, unknown>,
  table: (length) => new Table({ element: 'anyfunc', initial: length }),
};

/** The same scenario on both engines; returns wasmjit's modules for further checks. */
async function differential(wat: string, scenario: (engine: Engine, module: unknown) => Step[]): Promise<Module> {
  const bytes = await watToWasm(wat);
  const expected = transcript(scenario(V8, V8.module(bytes)));
  const module = WASMJIT.module(bytes) as Module;
  expect(module.lazy, 'the module is lazy').toBeDefined();
  const actual = transcript(scenario(WASMJIT, module));
  expect(actual).toEqual(expected);
  return module;
}

const compiledCount = (module: Module): number => module.lazy!.compiledFunctions;

describe('lazy compilation', () => {
  it('compiles nothing up front and each function on its first call', async () => {
    const counts: number[] = [];
    const module = await differential(
      `(module
        (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
        (func $unused (result i32) i32.const 7)
        (func (export "sq_plus") (param i32) (result i32) local.get 0 call $sq i32.const 1 i32.add)
        (func (export "other") (result i32) i32.const 3))`,
      (engine, module) => {
        const exports = engine.instantiate(module);
        const count = (): void => {
          if (engine.name === 'wasmjit') counts.push(compiledCount(module as Module));
        };
        return [count, () => (exports.sq_plus as (x: number) => number)(7), count, () => (exports.sq_plus as (x: number) => number)(-3), count];
      },
    );
    expect(counts).toEqual([0, 2, 2]);
    expect(module.lazy!.isCompiled(1)).toBe(false);
  });

  it('recursion, mutual recursion and unbounded recursion (stack overflow while compiling and after)', async () => {
    await differential(
      `(module
        (func $fib (export "fib") (param i64) (result i64)
          local.get 0 i64.const 2 i64.lt_s
          if (result i64) local.get 0
          else local.get 0 i64.const 1 i64.sub call $fib local.get 0 i64.const 2 i64.sub call $fib i64.add end)
        (func $even (export "even") (param i32) (result i32)
          local.get 0 i32.eqz if (result i32) i32.const 1 else local.get 0 i32.const 1 i32.sub call $odd end)
        (func $odd (param i32) (result i32)
          local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $even end)
        (func $down (export "down") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $down)
        (func $deep (param i32) (result i32) local.get 0 call $deeper)
        (func $deeper (param i32) (result i32) local.get 0 call $deep)
        (func (export "deep") (param i32) (result i32) local.get 0 call $deep))`,
      (engine, module) => {
        const x = engine.instantiate(module) as Record<string, (a: unknown) => unknown>;
        return [() => x.fib!(20n), () => x.even!(1001), () => x.even!(10), () => x.down!(0), () => x.deep!(1), () => x.deep!(2), () => x.fib!(10n)];
      },
    );
  });

  it('a first call with the stack nearly exhausted ends in the stub\'s stack check, before any compile', async () => {
    // $rec's frames are smaller than what the stub needs: at the depth where the next $rec would
    // overflow, a first call of $late overflows in the stub. The first run finds that depth.
    const module = await compile(
      await watToWasm(`(module
        (global $depth (mut i32) (i32.const 0))
        (global $limit (mut i32) (i32.const -1))
        (type $t (func (result i32)))
        ;; through a table: a direct callee would be compiled in $rec's batch, before the deep call
        (table 1 funcref)
        (elem (i32.const 0) $late)
        (func $late (result i32) i32.const 42)
        (func $rec (result i32)
          global.get $depth i32.const 1 i32.add global.set $depth
          global.get $depth global.get $limit i32.eq
          if (result i32) i32.const 0 call_indirect (type $t) else call $rec end)
        ;; memory.grow keeps "run" off the fast path, where a first call could not reach JS
        (memory 0)
        (func (export "depth") (result i32) global.get $depth)
        (func (export "run") (param i32) (result i32)
          i32.const 0 global.set $depth local.get 0 global.set $limit
          local.get 0 i32.const -2 i32.eq if i32.const 0 memory.grow drop end
          call $rec)
        (func (export "late") (result i32) call $late))`),
      { lazy: true },
    );
    const x = new Instance(module, undefined, false).exports as Record<string, (...a: number[]) => number>;
    expect(() => x.run!(-1)).toThrow(new RangeError('Maximum call stack size exceeded'));
    const deepest = x.depth!();
    expect(deepest).toBeGreaterThan(1000);
    expect(module.lazy!.isCompiled(0)).toBe(false);
    expect(() => x.run!(deepest)).toThrow(new RangeError('Maximum call stack size exceeded'));
    expect(module.lazy!.isCompiled(0)).toBe(false);
    expect(x.run!(deepest - 100)).toBe(42);
    expect(module.lazy!.isCompiled(0)).toBe(true);
    expect(x.late!()).toBe(42);
  });

  it('traps in lazily compiled code, and the instance keeps working', async () => {
    await differential(
      `(module
        (memory 1)
        (func $div (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
        (func $load (param i32) (result i32) local.get 0 i32.load)
        (func $never (unreachable))
        (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 call $div)
        (func (export "load") (param i32) (result i32) local.get 0 call $load)
        (func (export "never") call $never)
        (func (export "f2i") (param f64) (result i32) local.get 0 i32.trunc_f64_s))`,
      (engine, module) => {
        const x = engine.instantiate(module) as Record<string, (...a: unknown[]) => unknown>;
        return [
          () => x.div!(7, 0),
          () => x.div!(7, 2),
          () => x.div!(-2147483648, -1),
          () => x.load!(65535),
          () => x.load!(8),
          () => x.never!(),
          () => x.f2i!(1e10),
          () => x.f2i!(-3.5),
          () => x.never!(),
        ];
      },
    );
  });

  it('call_indirect through a table, signature mismatches and null entries', async () => {
    await differential(
      `(module
        (type $ii (func (param i32) (result i32)))
        (type $v (func))
        (table (export "t") 4 funcref)
        (elem (i32.const 0) $inc $dbl $nothing)
        (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
        (func $dbl (type $ii) local.get 0 local.get 0 call_indirect (type $ii) i32.const 0 i32.add)
        (func $nothing (type $v))
        (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii)))`,
      (engine, module) => {
        const x = engine.instantiate(module) as Record<string, (...a: unknown[]) => unknown>;
        return [() => x.call!(0, 41), () => x.call!(2, 1), () => x.call!(3, 1), () => x.call!(9, 1), () => x.call!(1, 0), () => x.call!(0, -1)];
      },
    );
  });

  it('host imports, re-entrant calls into uncompiled exports, first calls from a host import and host exceptions', async () => {
    const log: string[] = [];
    await differential(
      `(module
        (import "env" "host" (func $host (param i32) (result i32)))
        (func $twice (export "twice") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
        (func $thrice (export "thrice") (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
        (func (export "run") (param i32) (result i32) local.get 0 call $host local.get 0 call $twice i32.add))`,
      (engine, module) => {
        let exports: Record<string, (...a: unknown[]) => unknown> = {};
        const host = (x: number): number => {
          log.push(`${engine.name} host ${x}`);
          if (x < 0) throw new TypeError(`negative ${x}`);
          // First calls of thrice and of twice happen here, inside a host call.
          return (exports.thrice!(x) as number) + (x > 100 ? (exports.run!(x - 100) as number) : 0);
        };
        exports = engine.instantiate(module, { env: { host } }) as typeof exports;
        return [() => exports.run!(105), () => exports.run!(1), () => exports.run!(-1), () => exports.twice!(4), () => exports.run!(2)];
      },
    );
    expect(log.filter((l) => l.startsWith('v8'))).toEqual(log.filter((l) => l.startsWith('wasmjit')).map((l) => l.replace('wasmjit', 'v8')));
  });

  it('wasm-to-wasm imports of another instance\'s uncompiled functions, and tables shared between instances', async () => {
    const provider = await watToWasm(`(module
      (table (export "table") 4 funcref)
      (elem (i32.const 0) $square $neg)
      (global $calls (mut i32) (i32.const 0))
      (func $square (export "square") (param i32) (result i32)
        global.get $calls i32.const 1 i32.add global.set $calls local.get 0 local.get 0 i32.mul)
      (func $neg (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
      (func (export "calls") (result i32) global.get $calls))`);
    const consumer = await watToWasm(`(module
      (import "p" "square" (func $square (param i32) (result i32)))
      (import "p" "table" (table 4 funcref))
      (type $ii (func (param i32) (result i32)))
      (elem (i32.const 2) $plus1)
      (func $plus1 (param i32) (result i32) local.get 0 i32.const 1 i32.add)
      (func (export "sq") (param i32) (result i32) local.get 0 call $square)
      (func (export "via") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $ii)))`);
    let provided: Module | undefined;
    for (const engine of [V8, WASMJIT]) {
      const providerModule = engine.module(provider);
      if (engine.name === 'wasmjit') provided = providerModule as Module;
      const consumerModule = engine.module(consumer);
      const p1 = engine.instantiate(providerModule) as Record<string, (...a: unknown[]) => unknown>;
      const p2 = engine.instantiate(providerModule) as Record<string, (...a: unknown[]) => unknown>;
      const c1 = engine.instantiate(consumerModule, { p: p1 }) as Record<string, (...a: unknown[]) => unknown>;
      const c2 = engine.instantiate(consumerModule, { p: p2 }) as Record<string, (...a: unknown[]) => unknown>;
      if (engine.name === 'wasmjit') expect(compiledCount(providerModule as Module)).toBe(0);
      const steps: Step[] = [
        () => c1.sq!(9),
        () => c1.via!(1, 5),
        () => c1.via!(2, 5),
        () => c1.via!(3, 5),
        () => p1.calls!(),
        () => p2.calls!(),
        () => c2.sq!(3),
        () => c2.via!(0, 6),
        () => p2.calls!(),
        () => p1.square!(2),
        () => p1.calls!(),
      ];
      (engine.name === 'v8' ? expectedShared : actualShared).push(...transcript(steps));
    }
    expect(actualShared).toEqual(expectedShared);
    // square, neg (through the table) and calls; nothing before the first call.
    expect(compiledCount(provided!)).toBe(3);
  });

  it('exports called from JS before and after the compile, in two instances of one module', async () => {
    await differential(
      `(module
        (global $g (mut i64) (i64.const 0))
        (func $add (param i64) (result i64) global.get $g local.get 0 i64.add global.set $g global.get $g)
        (func (export "add") (param i64) (result i64) local.get 0 call $add)
        (func (export "add2") (param i64) (result i64) local.get 0 call $add drop local.get 0 call $add))`,
      (engine, module) => {
        const a = engine.instantiate(module) as Record<string, (x: bigint) => unknown>;
        const add2 = a.add2!;
        const steps: Step[] = [() => a.add!(1n), () => add2(2n)];
        const b = engine.instantiate(module) as Record<string, (x: bigint) => unknown>;
        return [...steps, () => b.add2!(10n), () => b.add!(1n), () => a.add!(0n), () => add2(1n)];
      },
    );
  });

  it('multiple results, float locals and callee-saved registers across a lazy compile', async () => {
    await differential(
      `(module
        (func $pair (param f64 i64) (result f64 i64) local.get 0 f64.const 0.5 f64.mul local.get 1 i64.const 3 i64.mul)
        (func (export "mix") (param f64 i64) (result f64 i64 f64)
          (local f64 i64 i32)
          local.get 0 f64.const 1.25 f64.add local.set 2
          local.get 1 i64.const 7 i64.add local.set 3
          local.get 0 local.get 1 call $pair
          local.set 3 local.get 2 f64.add local.get 3 local.get 2))`,
      (engine, module) => {
        const x = engine.instantiate(module) as Record<string, (...a: unknown[]) => unknown>;
        return [() => x.mix!(2.5, 4n), () => x.mix!(-1, -2n)];
      },
    );
  });

  it('a native-only export takes the fast entry from its first call on, its callees compiled before', async () => {
    const module = await compile(
      await watToWasm(`(module
        (func $leaf (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
        (func $mid (param i32) (result i32) local.get 0 call $leaf i32.const 1 i32.add)
        (func $unused (param i32) (result i32) local.get 0 call $leaf)
        (func (export "f") (param i32) (result i32) local.get 0 call $mid))`),
      { lazy: true },
    );
    const f = new Instance(module, undefined, false).exports.f as (x: number) => number;
    expect(usesFastCalls(f)).toBe(fastCalls.available);
    const before = fastEntryCounts().entries;
    let sum = 0;
    // Enough calls for TurboFan to optimize the loop and call the fast entry directly.
    for (let i = 0; i < 20_000; i++) sum = (sum + f(i)) | 0;
    let expected = 0;
    for (let i = 0; i < 20_000; i++) expected = (expected + (i * 3 + 1)) | 0;
    expect(sum).toBe(expected);
    expect(fastEntryCounts().entries - before).toBe(fastCalls.available ? 20_000 : 0);
    expect(compiledCount(module)).toBe(3);
    expect(module.lazy!.writes).toBe(1);
    expect(module.lazy!.isCompiled(2)).toBe(false);
  });

  it('refuses an invalid function at compile, although no function is compiled', async () => {
    const invalid = INVALID_SECOND_FUNCTION;
    expect(() => new WebAssembly.Module(invalid)).toThrow(WebAssembly.CompileError);
    expect(() => Module.fromBytes(invalid, { lazy: true })).toThrow(/function 1 at instruction 1 \(end\): type mismatch/);
    expect(Module.validates(invalid)).toBe(false);
  });

  it('disassembles after compiling what is missing; eagerCompiled gives every function', async () => {
    const module = await compile(
      await watToWasm(`(module (func $f (result i32) i32.const 5) (func $h (result i32) i32.const 6) (func (export "g") (result i32) call $f))`),
      { lazy: true },
    );
    expect(compiledCount(module)).toBe(0);
    expect(module.disassemble('g')).toMatch(/func\[2\] "g"[\s\S]*call/);
    // g's batch: g and its direct callee f
    expect(compiledCount(module)).toBe(2);
    expect(module.disassemble()).toMatch(/func\[0\][\s\S]*func\[1\][\s\S]*func\[2\]/);
    expect(compiledCount(module)).toBe(3);
    const eager = module.eagerCompiled();
    expect(eager.functions.map((f) => f.size > 10)).toEqual([true, true, true]);
  });

  it('a first call compiles the function with its direct callees in one write, within the batch budget', async () => {
    // $big alone is over the budget: its first call compiles it in a batch of its own.
    const big = `(func $big (param i32) (result i32) ${'i32.const 1 drop '.repeat(LAZY_BATCH_INSTRUCTIONS / 2 + 1)} local.get 0)`;
    const writes: number[] = [];
    const compiled: number[] = [];
    const before = lazyCompileStats();
    const module = await differential(
      `(module
        (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
        (func $twice (param i32) (result i32) local.get 0 call $inc call $inc)
        ${big}
        (func $unused (result i32) i32.const 0)
        ;; memory.grow keeps "f" off the fast path, which compiles everything f reaches up front
        (memory 0)
        (func (export "f") (param i32) (result i32)
          local.get 0 i32.const -1000 i32.eq if i32.const 0 memory.grow drop end
          local.get 0 call $twice local.get 0 call $inc i32.add
          local.get 0 i32.const 10 i32.gt_s if (result i32) local.get 0 call $big else i32.const 0 end i32.add))`,
      (engine, module) => {
        const f = engine.instantiate(module).f as (x: number) => number;
        const count = (): void => {
          if (engine.name !== 'wasmjit') return;
          writes.push((module as Module).lazy!.writes);
          compiled.push(compiledCount(module as Module));
        };
        return [count, () => f(5), count, () => f(50), count, () => f(-7), count];
      },
    );
    expect(compiled).toEqual([0, 3, 4, 4]);
    expect(writes).toEqual([0, 1, 2, 2]);
    // The process's figures count the same (this file's tests run one after another).
    const after = lazyCompileStats();
    expect([after.functions - before.functions, after.writes - before.writes]).toEqual([4, 2]);
    expect(module.lazy!.isCompiled(3)).toBe(false);
  });

  it('compileAll compiles every function, and calls keep working', async () => {
    const module = await compile(await watToWasm(`(module (func $f (result i32) i32.const 5) (func (export "g") (result i32) call $f))`), { lazy: true });
    const instance = new Instance(module, undefined, false);
    module.compileAll();
    expect(compiledCount(module)).toBe(2);
    expect(module.lazy!.writes).toBe(1);
    expect((instance.exports.g as () => number)()).toBe(5);
  });

  it('runs the bench\'s generated module lazily with the same results as V8', () => {
    const { bytes } = generateModule(300);
    const v8 = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, (...a: unknown[]) => unknown>;
    const module = Module.fromBytes(bytes, { lazy: true });
    const jit = new Instance(module, undefined, false).exports as Record<string, (...a: unknown[]) => unknown>;
    const exported = module.ir.exports.filter((e) => e.kind === 'func');
    expect(exported.length).toBeGreaterThan(0);
    for (const { name, index } of exported) {
      const args = module.compiled.funcTypes[index]!.params.map((type, i) => (type === 'i64' ? BigInt(i + 3) : i + 3));
      const expected = transcript([() => v8[name]!(...args)]);
      const actual = transcript([() => jit[name]!(...args)]);
      expect(actual, name).toEqual(expected);
    }
    expect(compiledCount(module)).toBeGreaterThan(0);
    expect(compiledCount(module)).toBeLessThanOrEqual(module.ir.funcs.length);
  });

  it('is the default from LAZY_THRESHOLD_BYTES on, unless the options or WASMJIT_LAZY say otherwise', () => {
    const bytes = readFileSync(new URL('../node_modules/@resvg/resvg-wasm/index_bg.wasm', import.meta.url));
    expect(bytes.length).toBeGreaterThanOrEqual(LAZY_THRESHOLD_BYTES);
    const saved = process.env.WASMJIT_LAZY;
    try {
      delete process.env.WASMJIT_LAZY;
      const small = Module.fromBytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      expect(small.lazy).toBeUndefined();
      const big = Module.fromBytes(bytes);
      expect(big.lazy).toBeDefined();
      expect(compiledCount(big)).toBe(0);
      process.env.WASMJIT_LAZY = '1';
      expect(Module.fromBytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])).lazy).toBeDefined();
      expect(Module.fromBytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { lazy: false }).lazy).toBeUndefined();
      process.env.WASMJIT_LAZY = '0';
      expect(Module.fromBytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { lazy: true }).lazy).toBeDefined();
    } finally {
      if (saved === undefined) delete process.env.WASMJIT_LAZY;
      else process.env.WASMJIT_LAZY = saved;
    }
  });
});

const expectedShared: string[] = [];
const actualShared: string[] = [];

/** `(module (func (export "ok") (result i32) i32.const 1) (func (result i32) i64.const 1))`, hand-assembled. */
const INVALID_SECOND_FUNCTION = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type 0: () -> i32
  0x03, 0x03, 0x02, 0x00, 0x00, // two functions of type 0
  0x07, 0x06, 0x01, 0x02, 0x6f, 0x6b, 0x00, 0x00, // export "ok" = func 0
  0x0a, 0x0b, 0x02,
  0x04, 0x00, 0x41, 0x01, 0x0b, // i32.const 1
  0x04, 0x00, 0x42, 0x01, 0x0b, // i64.const 1
]);
