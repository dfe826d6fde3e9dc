// Values crossing the JS boundary: arguments as portable strings (so a call can be saved in a
// regression case and replayed in either engine), and results normalised to strings that compare
// equal exactly when the engines agree (NaN equals NaN, -0 differs from 0, references by identity).
import type { Random } from './random.js';
import type { ValType } from './wasm-encoding.js';

/** Host objects given to both engines as externref values, named so that results can be compared. */
export class HostObjects {
  private readonly byLabel = new Map<string, object>();
  private readonly labels = new Map<unknown, string>();

  get(label: string): object {
    let value = this.byLabel.get(label);
    if (!value) {
      value = { hostObject: label };
      this.byLabel.set(label, value);
      this.labels.set(value, label);
    }
    return value;
  }

  labelOf(value: unknown): string | undefined {
    return this.labels.get(value);
  }
}

/** How an engine's values are named: its exported functions by export name, host objects by label. */
export interface Namer {
  exportNameOf(fn: unknown): string | undefined;
  host: HostObjects;
}

export function normalize(value: unknown, namer: Namer): string {
  if (Array.isArray(value)) return `[${value.map((v) => normalize(v, namer)).join(', ')}]`;
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(value);
    case 'function': {
      const name = namer.exportNameOf(value);
      return name === undefined ? 'function' : `function:${name}`;
    }
    case 'object': {
      if (value === null) return 'null';
      const label = namer.host.labelOf(value);
      return label === undefined ? 'object' : `host:${label}`;
    }
    default:
      return typeof value;
  }
}

/** `WebAssembly.RuntimeError: unreachable`, or `TypeError: ...`: class and message of a thrown value. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error}: ${String(error)}`;
  const wasm = [WebAssembly.CompileError, WebAssembly.LinkError, WebAssembly.RuntimeError].find((c) => error instanceof c);
  const name = wasm ? `WebAssembly.${wasm.name}` : error.constructor.name;
  return `${name}: ${error.message}`;
}

export const STACK_OVERFLOW = 'RangeError: Maximum call stack size exceeded';

// ---- arguments ----------------------------------------------------------------------------------

const I32_ARGS = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 65536, 65535, -(2 ** 31), 2 ** 31 - 1, 31, 32, 63, 64];
const I64_ARGS = ['0', '1', '-1', '-9223372036854775808', '9223372036854775807', '4294967295', '4294967296', '-2147483649', '63', '64', '65536'];
const FLOAT_ARGS = ['0', '-0', '1', '-1', '0.5', '-1.5', '2.5', 'NaN', 'Infinity', '-Infinity', '5e-324', '1.401298464324817e-45',
  '3.4028234663852886e+38', '1.7976931348623157e+308', '2147483648', '-2147483649', '4294967296', '9223372036854775808', '-9223372036854775808', '18446744073709551616'];

/** One argument for a parameter of type `type`: an edge of the type, or random. */
export function randomArg(rnd: Random, type: ValType, exportNames: readonly string[]): string {
  const edge = rnd.chance(0.5);
  switch (type) {
    case 'i32':
      return `i32:${edge ? rnd.pick(I32_ARGS) : rnd.chance(0.5) ? rnd.between(-100, 100) : rnd.uint32() | 0}`;
    case 'i64':
      return `i64:${edge ? rnd.pick(I64_ARGS) : rnd.chance(0.5) ? rnd.between(-100, 100) : BigInt.asIntN(64, (BigInt(rnd.uint32()) << 32n) | BigInt(rnd.uint32()))}`;
    case 'f32':
    case 'f64':
      return `num:${edge ? rnd.pick(FLOAT_ARGS) : rnd.chance(0.5) ? rnd.between(-1000, 1000) / 8 : (rnd.uint32() - 2 ** 31) * 2 ** rnd.between(-60, 40)}`;
    case 'funcref':
      return rnd.chance(0.5) || exportNames.length === 0 ? 'null' : `export:${rnd.pick(exportNames)}`;
    case 'externref':
      return rnd.pick(['null', 'host:a', 'host:b', 'num:7', 'str:s']);
    case 'v128':
      // JS has no v128: V8 refuses the call (a TypeError) whatever the argument is.
      return rnd.pick(['null', 'num:0', 'i64:1']);
  }
}

/** The argument a string names, in the engine that `namer` describes. */
export function decodeArg(spec: string, exports: Record<string, unknown>, host: HostObjects): unknown {
  if (spec === 'null') return null;
  if (spec === 'undefined') return undefined;
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const text = spec.slice(colon + 1);
  switch (kind) {
    case 'i32':
    case 'num':
      return Number(text);
    case 'i64':
      return BigInt(text);
    case 'export':
      return exports[text];
    case 'host':
      return host.get(text);
    case 'str':
      return text;
  }
  throw new Error(`fuzz: unknown argument "${spec}"`);
}
