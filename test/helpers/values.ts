// Integer test values: hand-picked edges and a seeded generator, both as wasm sees them (signed).
import { Random as SeededRandom } from '../../src/fuzz/random.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * Edges of the type, of x86 immediate encodings (imm8 is -128..127), of byte/halfword
 * sign extension, and shift counts around the type width (counts are taken mod 32 or 64).
 */
export const I32_EDGES: readonly number[] = [
  0, 1, -1, 2, I32_MIN, I32_MAX, I32_MIN + 1,
  0x80, -0x80, -0x81, 0xff, 0x8000, 0xffff,
  31, 32, 33, 63, 64, 65, 127,
];

/** The i32 edges widened (among them the limits of a sign-extended imm32), plus the 64-bit edges. */
export const I64_EDGES: readonly bigint[] = [
  ...I32_EDGES.map(BigInt),
  I64_MIN, I64_MAX, I64_MIN + 1n,
  0x80000000n, -0x80000001n, 0xffffffffn, 0x100000000n,
];

/** A smaller set for tables that grow with its square times the number of ops. */
export const I32_FEW_EDGES: readonly number[] = [0, 1, -1, I32_MIN, I32_MAX, 0x80, -0x81, 31, 32, 0xffff];
export const I64_FEW_EDGES: readonly bigint[] = [
  0n, 1n, -1n, I64_MIN, I64_MAX, 0x80n, -0x81n, 63n, 64n, 0x80000000n, -0x80000001n, 0xffffffffn,
];

export function toI32(value: number): number {
  return value | 0;
}

export function toI64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/**
 * The fuzzer's seeded generator (mulberry32), so every run tests the same values and failures
 * reproduce, with integer draws that favour the values that break integer code.
 */
export class Random extends SeededRandom {
  /**
   * Mostly uniform, but uniform values almost never hit what breaks integer code (small divisors,
   * powers of two, short bit patterns), so a share of each of those is mixed in.
   */
  i32(): number {
    const kind = this.below(10);
    if (kind < 5) return this.uint32() | 0;
    if (kind < 7) return this.below(513) - 256;
    if (kind < 8) return toI32((2 ** this.below(32) + this.below(3) - 1) * (this.below(2) ? 1 : -1));
    if (kind < 9) return (this.uint32() | 0) >> this.below(32);
    return this.pick(I32_EDGES);
  }

  i64(): bigint {
    const kind = this.below(10);
    const uniform = () => toI64((BigInt(this.uint32()) << 32n) | BigInt(this.uint32()));
    if (kind < 5) return uniform();
    if (kind < 7) return BigInt(this.below(513) - 256);
    if (kind < 8) return toI64(((1n << BigInt(this.below(64))) + BigInt(this.below(3) - 1)) * (this.below(2) ? 1n : -1n));
    if (kind < 9) return uniform() >> BigInt(this.below(64));
    return this.pick(I64_EDGES);
  }
}
