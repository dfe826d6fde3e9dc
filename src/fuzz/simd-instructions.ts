// Every SIMD (0xfd) instruction of the decoder's opcode table, as the fuzzers need it: its operand
// and result types (worked out from its name and immediate shape), how to encode a random instance
// of it, and whether wasmjit compiles it yet (`SIMD_OPS`). A module that uses an instruction wasmjit
// does not compile yet is refused with "unsupported instruction <name>": that is counted as
// unsupported, not as a finding, so each family is fuzzed as soon as its table lands.
import { decodeModule, INSTR_WORDS, OPCODE_LIMIT, opcodeInfo, SIMD_BASE } from '../decode/index.js';
import type { Immediate } from '../decode/index.js';
import { SIMD_OPS } from '../compiler/simd/index.js';
import type { Random } from './random.js';
import { uleb } from './wasm-encoding.js';
import type { ValType } from './wasm-encoding.js';

export interface SimdInstruction {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  /** 0xfd and the sub-opcode. */
  prefix: readonly number[];
  /** The instruction's bytes with random immediates; `memarg` makes a memarg for a natural alignment (log2). */
  encode(rnd: Random, memarg: (naturalAlign: number) => number[]): number[];
  /** Memory instructions: the bytes one access covers (its alignment may be up to log2 of it). */
  accessBytes?: number;
}

/** The scalar type of a shape's lane. */
const LANE_TYPE: Record<string, ValType> = { i8x16: 'i32', i16x8: 'i32', i32x4: 'i32', i64x2: 'i64', f32x4: 'f32', f64x2: 'f64' };

const UNARY = /^(not|abs|neg|popcnt|sqrt|ceil|floor|trunc|nearest|extend_|extadd_pairwise_|convert_|demote_|promote_)/;

function signatureOf(name: string, immediate: Immediate): { params: ValType[]; results: ValType[] } {
  const [shape, op] = name.split('.') as [string, string];
  const lane = LANE_TYPE[shape];
  switch (immediate) {
    case 'memarg':
      return op === 'store' ? { params: ['i32', 'v128'], results: [] } : { params: ['i32'], results: ['v128'] };
    case 'memarg_lane':
      return op.startsWith('store') ? { params: ['i32', 'v128'], results: [] } : { params: ['i32', 'v128'], results: ['v128'] };
    case 'v128':
      return { params: [], results: ['v128'] };
    case 'lane':
      return op.startsWith('extract') ? { params: ['v128'], results: [lane!] } : { params: ['v128', lane!], results: ['v128'] };
    default:
      break;
  }
  if (op === 'splat') return { params: [lane!], results: ['v128'] };
  if (op === 'any_true' || op === 'all_true' || op === 'bitmask') return { params: ['v128'], results: ['i32'] };
  if (/^sh[lr]/.test(op)) return { params: ['v128', 'i32'], results: ['v128'] };
  if (op === 'bitselect') return { params: ['v128', 'v128', 'v128'], results: ['v128'] };
  if (UNARY.test(op)) return { params: ['v128'], results: ['v128'] };
  return { params: ['v128', 'v128'], results: ['v128'] };
}

/** Bytes one access of a memory instruction covers: `v128.load` 16, `v128.load8x8_s` 8, `v128.load32_lane` 4, … */
function accessBytesOf(name: string): number {
  const op = name.slice('v128.'.length);
  if (op === 'load' || op === 'store') return 16;
  if (/^load\d+x\d+_/.test(op)) return 8;
  return Number(/^(?:load|store)(\d+)_/.exec(op)![1]) / 8;
}

function instruction(sub: number, name: string, immediate: Immediate, lanes: number | undefined): SimdInstruction {
  const prefix = [0xfd, ...uleb(sub)];
  const accessBytes = immediate === 'memarg' || immediate === 'memarg_lane' ? accessBytesOf(name) : undefined;
  const encode = (rnd: Random, memarg: (naturalAlign: number) => number[]): number[] => {
    switch (immediate) {
      case 'memarg':
        return [...prefix, ...memarg(Math.log2(accessBytes!))];
      case 'memarg_lane':
        return [...prefix, ...memarg(Math.log2(accessBytes!)), rnd.below(lanes!)];
      case 'lane':
        return [...prefix, rnd.below(lanes!)];
      case 'v128':
        return [...prefix, ...rnd.bytes(16)];
      case 'shuffle':
        return [...prefix, ...Array.from({ length: 16 }, () => rnd.below(32))];
      default:
        return prefix;
    }
  };
  return { name, ...signatureOf(name, immediate), prefix, encode, ...(accessBytes === undefined ? {} : { accessBytes }) };
}

/** Every 0xfd instruction in the decoder's table, in sub-opcode order. */
export const SIMD_INSTRUCTIONS: readonly SimdInstruction[] = Array.from({ length: OPCODE_LIMIT - SIMD_BASE }, (_, sub) => opcodeInfo(SIMD_BASE + sub))
  .flatMap((info) => (info ? [instruction(info.id - SIMD_BASE, info.name, info.immediate, info.lanes)] : []));

export const SIMD_BY_NAME: ReadonlyMap<string, SimdInstruction> = new Map(SIMD_INSTRUCTIONS.map((i) => [i.name, i]));

/** Whether wasmjit compiles the instruction (its family's table has landed in SIMD_OPS). */
export const isCompiled = (name: string): boolean => SIMD_OPS.has(name);

/**
 * The SIMD instruction a wasmjit CompileError says it does not compile yet (not in `compiled`), or
 * undefined when the error is anything else (which, if V8 compiles the module, is a finding).
 */
export function unsupportedSimd(message: string, compiled: ReadonlyMap<string, unknown> = SIMD_OPS): string | undefined {
  const name = /unsupported instruction (\S+)$/.exec(message)?.[1];
  return name !== undefined && SIMD_BY_NAME.has(name) && !compiled.has(name) ? name : undefined;
}

/** The names of the SIMD instructions in a module's function bodies. */
export function simdInstructionsOf(bytes: Uint8Array): Set<string> {
  const names = new Set<string>();
  for (const func of decodeModule(bytes).funcs) {
    const code = func.body.code;
    for (let at = 0; at < code.length; at += INSTR_WORDS) if (code[at]! >= SIMD_BASE) names.add(opcodeInfo(code[at]!)!.name);
  }
  return names;
}
