// Float test values as the bit patterns wasm sees them: an f32 as an i32 and an f64 as an i64 (signed,
// as wasm's integers reach JS), so that NaN payloads, signalling NaNs and -0 survive the JS boundary.
import { Random } from './values.js';

export type FloatType = 'f32' | 'f64';
export type ValType = 'i32' | 'i64' | FloatType;
/** A value as it crosses the JS boundary: i32 and f32 bits as a number, i64 and f64 bits as a BigInt. */
export type Bits = number | bigint;

const f32Cell = new Float32Array(1);
const f32CellBits = new Int32Array(f32Cell.buffer);
const f64Cell = new Float64Array(1);
const f64CellBits = new BigInt64Array(f64Cell.buffer);

/** The bits of `value` rounded to f32. */
export function f32Bits(value: number): number {
  f32Cell[0] = value;
  return f32CellBits[0]!;
}

/** The bits of `value` as an f64 (a JS number keeps them, NaN payloads included). */
export function f64Bits(value: number): bigint {
  f64Cell[0] = value;
  return f64CellBits[0]!;
}

export function f64FromBits(bits: bigint): number {
  f64CellBits[0] = BigInt.asIntN(64, bits);
  return f64Cell[0]!;
}

/** The integer type that carries a value of `type` across the JS boundary. */
export const bitsType = (type: ValType): 'i32' | 'i64' => (type === 'i32' || type === 'f32' ? 'i32' : 'i64');
export const isFloat = (type: ValType): type is FloatType => type === 'f32' || type === 'f64';

/** wat turning the bits in `expr` (of the bits type) into a value of `type`. */
export const fromBits = (type: ValType, expr: string): string => (isFloat(type) ? `(${type}.reinterpret_${bitsType(type)} ${expr})` : expr);
/** wat turning a value of `type` into its bits. */
export const toBits = (type: ValType, expr: string): string => (isFloat(type) ? `(${bitsType(type)}.reinterpret_${type} ${expr})` : expr);

interface Format {
  width: 32 | 64;
  mantissaBits: number;
  exponentBias: number;
}

const FORMATS: Record<FloatType, Format> = {
  f32: { width: 32, mantissaBits: 23, exponentBias: 127 },
  f64: { width: 64, mantissaBits: 52, exponentBias: 1023 },
};

/** Bits as the JS boundary carries them (signed), from unsigned bigint bits. */
function boundaryBits(type: FloatType, bits: bigint): Bits {
  return type === 'f32' ? Number(BigInt.asIntN(32, bits)) : BigInt.asIntN(64, bits);
}

const unsignedBits = (type: FloatType, bits: Bits): bigint => BigInt.asUintN(FORMATS[type].width, BigInt(bits));

function fields(type: FloatType, bits: Bits): { negative: boolean; exponent: number; mantissa: bigint } {
  const { width, mantissaBits } = FORMATS[type];
  const u = unsignedBits(type, bits);
  const exponentMask = (1n << BigInt(width - 1 - mantissaBits)) - 1n;
  return {
    negative: u >> BigInt(width - 1) === 1n,
    exponent: Number((u >> BigInt(mantissaBits)) & exponentMask),
    mantissa: u & ((1n << BigInt(mantissaBits)) - 1n),
  };
}

export function isNaNBits(type: FloatType, bits: Bits): boolean {
  const { exponent, mantissa } = fields(type, bits);
  return exponent === (type === 'f32' ? 0xff : 0x7ff) && mantissa !== 0n;
}

/**
 * A wat literal with exactly these bits: `nan:0x…` keeps payloads (signalling ones too), and finite
 * values are hexadecimal floats, so no decimal rounding is involved.
 */
export function floatLiteral(type: FloatType, bits: Bits): string {
  const { mantissaBits, exponentBias } = FORMATS[type];
  const { negative, exponent, mantissa } = fields(type, bits);
  const sign = negative ? '-' : '';
  const maxExponent = type === 'f32' ? 0xff : 0x7ff;
  if (exponent === maxExponent) return mantissa === 0n ? `${sign}inf` : `${sign}nan:0x${mantissa.toString(16)}`;
  // Pad the mantissa to whole hex digits: 23 bits become 24 (shifted left by one), 52 stay 52.
  const pad = (4 - (mantissaBits % 4)) % 4;
  const digits = (mantissa << BigInt(pad)).toString(16).padStart((mantissaBits + pad) / 4, '0');
  if (exponent === 0) return `${sign}0x0.${digits}p${1 - exponentBias}`;
  return `${sign}0x1.${digits}p${exponent - exponentBias}`;
}

/** A float's bits in hex, with what they are: `0x7fa00001 (sNaN:0x200001)`, `0xbf800000 (-1)`. */
export function describeFloatBits(type: FloatType, bits: Bits): string {
  const { width } = FORMATS[type];
  const hex = `0x${unsignedBits(type, bits).toString(16).padStart(width / 4, '0')}`;
  const { negative, mantissa } = fields(type, bits);
  if (isNaNBits(type, bits)) {
    const quiet = mantissa >> BigInt(FORMATS[type].mantissaBits - 1) === 1n;
    return `${hex} (${negative ? '-' : ''}${quiet ? 'qNaN' : 'sNaN'}:0x${mantissa.toString(16)})`;
  }
  const value = type === 'f32' ? new Float32Array(new Int32Array([Number(bits)]).buffer)[0]! : f64FromBits(BigInt(bits));
  return `${hex} (${Object.is(value, -0) ? '-0' : String(value)})`;
}

/** A value of `type` carried as bits, for failure messages. */
export function describeBits(type: ValType, value: unknown): string {
  if (isFloat(type) && (typeof value === 'number' || typeof value === 'bigint')) return describeFloatBits(type, value);
  return typeof value === 'bigint' ? `${value}n` : String(value);
}

/** Numbers whose neighbourhood matters: integer limits, rounding ties, the end of the fraction bits. */
const LIMITS = [
  2 ** 23, 2 ** 24, 2 ** 31, 2 ** 32, 2 ** 52, 2 ** 53, 2 ** 63, 2 ** 64,
  -(2 ** 23), -(2 ** 31), -(2 ** 32), -(2 ** 52), -(2 ** 63), -(2 ** 64),
  2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 32 - 1, 1, -1, 0.5, -0.5,
];
const EXACT = [
  0, -0, Infinity, -Infinity, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5, 0.25, -0.75, 0.49999999999999994, -0.49999999999999994,
  2147483647.5, -2147483648.5, 4294967295.5, 4294967295.9, -0.9999999999999999, 2 ** 23 - 0.5, 2 ** 52 - 0.5, -(2 ** 52 - 0.5),
  1e10, -1e10, 1e30, Math.PI, -Math.E, 123456.789, 1 / 3,
];

/** NaN, denormal and range-end patterns, as unsigned bits. */
const SPECIAL: Record<FloatType, bigint[]> = {
  f32: [
    0x7fc00000n, 0xffc00000n, 0x7fc00001n, 0xffd55555n, 0x7fffffffn, 0xffffffffn, // quiet NaNs
    0x7f800001n, 0x7fa00001n, 0xffa00003n, 0x7fbfffffn, 0xff800001n, // signalling NaNs
    0x00000001n, 0x80000001n, 0x007fffffn, 0x807fffffn, 0x00800000n, 0x80800000n, // denormals, smallest normal
    0x7f7fffffn, 0xff7fffffn, 0x7f7ffffen, // largest finite
  ],
  f64: [
    0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff8000000000001n, 0xfffaaaaaaaaaaaaan, 0x7fffffffffffffffn, 0xffffffffffffffffn,
    0x7ffc000020000000n, 0x7ff0000000000001n, 0x7ff4000000000001n, 0xfff4000000000003n, 0x7ff7ffffffffffffn, 0xfff0000000000001n,
    0x7ff0000020000000n, // a signalling NaN whose payload survives demotion to f32
    0x0000000000000001n, 0x8000000000000001n, 0x000fffffffffffffn, 0x800fffffffffffffn, 0x0010000000000000n, 0x8010000000000000n,
    0x7fefffffffffffffn, 0xffefffffffffffffn, 0x3810000000000000n, 0x36a0000000000000n, // f32's smallest normal and denormal
    0x47efffffe0000000n, 0x47efffffefffffffn, 0x47effffff0000000n, // f32's largest finite; the f64s just below and at
    // the tie between it and 2^128, which demote to it and to inf
  ],
};

function toUnsigned(type: FloatType, value: number): bigint {
  return type === 'f32' ? BigInt(f32Bits(value) >>> 0) : BigInt.asUintN(64, f64Bits(value));
}

function floatEdges(type: FloatType): Bits[] {
  const mask = (1n << BigInt(FORMATS[type].width)) - 1n;
  const patterns = [
    ...LIMITS.flatMap((value) => {
      const bits = toUnsigned(type, value);
      return [bits - 1n, bits, bits + 1n].map((b) => b & mask);
    }),
    ...EXACT.map((value) => toUnsigned(type, value)),
    ...SPECIAL[type],
  ];
  return [...new Set(patterns)].map((bits) => boundaryBits(type, bits));
}

/** ±0, ±inf, NaNs (canonical, with payloads, quiet and signalling, both signs), denormals, ties, limits ±1 ulp. */
export const F32_EDGES: readonly number[] = floatEdges('f32') as number[];
export const F64_EDGES: readonly bigint[] = floatEdges('f64') as bigint[];

/** A smaller set for cross products of several operands. */
const FEW: Record<FloatType, bigint[]> = {
  f32: [0n, 0x80000000n, 0x7f800000n, 0xff800000n, 0x7fc00000n, 0xffc00001n, 0x7fa00001n, 0xffa00003n, 0x00000001n, 0x3f800000n, 0xbfc00000n, 0x40200000n, 0x4f000000n, 0x7f7fffffn],
  f64: [0n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000001n, 0x7ff4000000000001n, 0xfff4000000000003n, 0x0000000000000001n, 0x3ff0000000000000n, 0xbff8000000000000n, 0x4004000000000000n, 0x41dfffffffe00000n, 0x7fefffffffffffffn],
};
export const F32_FEW_EDGES: readonly number[] = FEW.f32.map((b) => boundaryBits('f32', b)) as number[];
export const F64_FEW_EDGES: readonly bigint[] = FEW.f64.map((b) => boundaryBits('f64', b)) as bigint[];

export const floatEdgesOf = (type: FloatType): readonly Bits[] => (type === 'f32' ? F32_EDGES : F64_EDGES);
export const fewFloatEdgesOf = (type: FloatType): readonly Bits[] => (type === 'f32' ? F32_FEW_EDGES : F64_FEW_EDGES);

/** Integers whose conversion to a float rounds at a tie, or just past one, or sits at a limit. */
export const I32_CONVERSION_EDGES: readonly number[] = [
  16777216, 16777217, 16777219, -16777217, 0x7fffffc0, 0x7fffffbf, 0x7fffffc1, -0x7fffffc0, 0xffffff80 | 0, 0xffffff7f | 0, 0xffffffc0 | 0,
  0x40000040, 0x40000041, 0x40000080 | 0,
];
export const I64_CONVERSION_EDGES: readonly bigint[] = [
  2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 3n, -(2n ** 53n) - 1n, 0x7ffffffffffffe00n, 0x7ffffffffffffdffn, 0x7ffffffffffffe01n,
  0x7fffff8000000000n, 0x7fffff7fffffffffn, 0x7fffffc000000000n,
  ...[0x8000000000000400n, 0x8000000000000401n, 0x8000000000000c00n, 0x8000000000000bffn, 0xfffffffffffff800n, 0xfffffffffffff7ffn,
    0xfffffffffffffc00n, 0x8000008000000000n, 0x8000008000000001n, 0x8000018000000000n, 0xffffff8000000000n, 0xffffff7fffffffffn,
    0x8000000000000001n, 0xffffffffffffffffn].map((u) => BigInt.asIntN(64, u)),
];

/**
 * Random bit patterns: uniform ones (mostly ordinary numbers of any magnitude), NaNs with random
 * payloads, small numbers with halves and quarters (rounding), and near neighbours of the edges.
 */
export function randomFloatBits(type: FloatType, random: Random): Bits {
  const { width, mantissaBits, exponentBias } = FORMATS[type];
  const randomBits = (count: number): bigint => {
    let bits = 0n;
    for (let i = 0; i < count; i += 32) bits = (bits << 32n) | BigInt(random.uint32());
    return bits & ((1n << BigInt(count)) - 1n);
  };
  const signBit = () => (random.below(2) ? 1n << BigInt(width - 1) : 0n);
  const kind = random.below(10);
  let bits: bigint;
  if (kind < 4) {
    bits = randomBits(width);
  } else if (kind < 5) {
    const exponentAll = ((1n << BigInt(width - 1 - mantissaBits)) - 1n) << BigInt(mantissaBits);
    bits = signBit() | exponentAll | (randomBits(mantissaBits) || 1n);
  } else if (kind < 7) {
    const value = (random.below(2001) - 1000) / 4 + (random.below(4) === 0 ? random.uint32() / 2 ** 32 : 0);
    bits = toUnsigned(type, value);
  } else if (kind < 8) {
    // A magnitude around the integer limits: 2^20 … 2^70, any fraction.
    const exponent = 20 + random.below(51) + exponentBias;
    bits = signBit() | (BigInt(exponent) << BigInt(mantissaBits)) | randomBits(mantissaBits);
  } else {
    const edge = unsignedBits(type, random.pick(floatEdgesOf(type)));
    bits = (edge + BigInt(random.below(9) - 4)) & ((1n << BigInt(width)) - 1n);
  }
  return boundaryBits(type, bits);
}
