// i8x16.shuffle and i8x16.swizzle. A shuffle's 16 indices are immediates (0–15 pick from the first
// operand, 16–31 from the second), so like V8's instruction selector we look for a cheaper
// instruction that moves the bytes the same way — a copy, pshufd, pshuflw/pshufhw, pblendw, palignr,
// an unpack, shufps — before the general form: one pshufb per operand with a control built from the
// indices (0x80 zeroes a byte), then por.
import { SseImmOp, SseOp, Xmm } from '../../x64/index.js';
import type { Mem } from '../../x64/index.js';
import { splat32Constant, wordsOf } from './constant.js';
import { simdTable } from './op.js';
import type { SimdLoweringEnv } from './op.js';

/** pshufb zeroes a byte whose control byte has its top bit set. */
const ZERO_BYTE = 0x80;

/** A pshufb control of 16 bytes, from the function's constant pool (aligned: a direct operand). */
function control(env: SimdLoweringEnv, bytes: readonly number[]): Mem {
  return env.v128Constant(wordsOf(bytes));
}

/** How a shuffle is lowered: `lower` gets the operands' registers and returns the one holding the result. */
interface ShufflePattern {
  /** The instruction(s) it lowers to, for tests that check each pattern is reached. */
  name: string;
  /** The lowering when the indices fit this pattern, else undefined. */
  match(indices: readonly number[]): ((env: SimdLoweringEnv, lhs: Xmm, rhs: Xmm) => Xmm) | undefined;
}

/** The 32-bit lane each group of four bytes copies whole (0–7), or undefined when one does not. */
function dwordLanes(indices: readonly number[]): number[] | undefined {
  const lanes: number[] = [];
  for (let k = 0; k < 4; k++) {
    const first = indices[4 * k]!;
    if (first % 4 !== 0) return undefined;
    for (let b = 1; b < 4; b++) if (indices[4 * k + b] !== first + b) return undefined;
    lanes.push(first / 4);
  }
  return lanes;
}

/** The 16-bit lane (0–15) each pair of bytes copies whole, or undefined when one does not. */
function wordLanes(indices: readonly number[]): number[] | undefined {
  const lanes: number[] = [];
  for (let k = 0; k < 8; k++) {
    const first = indices[2 * k]!;
    if (first % 2 !== 0 || indices[2 * k + 1] !== first + 1) return undefined;
    lanes.push(first / 2);
  }
  return lanes;
}

/** A pshufd/shufps/pshuflw/pshufhw immediate: two bits per destination lane, lane 0 lowest. */
const laneOrder = (lanes: readonly number[]): number => lanes.reduce((imm, lane, k) => imm | ((lane & 3) << (2 * k)), 0);

const fromOneSource = (indices: readonly number[]): 'lhs' | 'rhs' | undefined =>
  indices.every((i) => i < 16) ? 'lhs' : indices.every((i) => i >= 16) ? 'rhs' : undefined;

/** The unpack instructions: lanes of `bytes` alternately from the low (or high) halves of lhs and rhs. */
const UNPACKS: readonly [SseOp, number, boolean][] = [
  [SseOp.Punpcklbw, 1, false], [SseOp.Punpcklwd, 2, false], [SseOp.Punpckldq, 4, false], [SseOp.Punpcklqdq, 8, false],
  [SseOp.Punpckhbw, 1, true], [SseOp.Punpckhwd, 2, true], [SseOp.Punpckhdq, 4, true], [SseOp.Punpckhqdq, 8, true],
];

/** The indices `op lhs, rhs` produces for an unpack of `bytes`-byte lanes. */
function unpackIndices(bytes: number, high: boolean): number[] {
  return Array.from({ length: 16 }, (_, i) => {
    const lane = Math.floor(i / bytes);
    const source = lane % 2 === 0 ? 0 : 16;
    return source + (high ? 8 : 0) + Math.floor(lane / 2) * bytes + (i % bytes);
  });
}

const PATTERNS: readonly ShufflePattern[] = [
  // One operand, unchanged.
  {
    name: 'copy',
    match(indices) {
      const source = fromOneSource(indices);
      if (!source || !indices.every((index, i) => (index & 15) === i)) return undefined;
      return (_env, lhs, rhs) => (source === 'lhs' ? lhs : rhs);
    },
  },
  // One operand's 32-bit lanes rearranged.
  {
    name: 'pshufd',
    match(indices) {
      const source = fromOneSource(indices);
      const lanes = dwordLanes(indices);
      if (!source || !lanes) return undefined;
      const order = laneOrder(lanes);
      return ({ asm }, lhs, rhs) => {
        const reg = source === 'lhs' ? lhs : rhs;
        asm.sseImm(SseImmOp.Pshufd, reg, reg, order);
        return reg;
      };
    },
  },
  // One operand's 16-bit lanes rearranged within each half: pshuflw and/or pshufhw.
  {
    name: 'pshuflw/pshufhw',
    match(indices) {
      const source = fromOneSource(indices);
      const lanes = wordLanes(indices.map((index) => index & 15));
      if (!source || !lanes || !lanes.every((lane, k) => lane >> 2 === k >> 2)) return undefined;
      const [low, high] = [lanes.slice(0, 4), lanes.slice(4)];
      const identity = (half: number[]) => half.every((lane, k) => (lane & 3) === k);
      return ({ asm }, lhs, rhs) => {
        const reg = source === 'lhs' ? lhs : rhs;
        if (!identity(low)) asm.sseImm(SseImmOp.Pshuflw, reg, reg, laneOrder(low));
        if (!identity(high)) asm.sseImm(SseImmOp.Pshufhw, reg, reg, laneOrder(high));
        return reg;
      };
    },
  },
  // Every 16-bit lane kept in its place, from one operand or the other: pblendw.
  {
    name: 'pblendw',
    match(indices) {
      const lanes = wordLanes(indices);
      if (!lanes || !lanes.every((lane, k) => (lane & 7) === k)) return undefined;
      const fromRhs = lanes.reduce((imm, lane, k) => imm | (lane >= 8 ? 1 << k : 0), 0);
      return ({ asm }, lhs, rhs) => {
        asm.sseImm(SseImmOp.Pblendw, lhs, rhs, fromRhs);
        return lhs;
      };
    },
  },
  // A window of 16 consecutive bytes of the concatenation of both operands (in either order).
  {
    name: 'palignr',
    match(indices) {
      const start = indices[0]!;
      if (start % 16 === 0 || !indices.every((index, i) => index === (start + i) % 32)) return undefined;
      // palignr dst, src, n: bytes n… of src:dst read as dst being the high half.
      return ({ asm }, lhs, rhs) => {
        const [low, high] = start < 16 ? [lhs, rhs] : [rhs, lhs];
        asm.sseImm(SseImmOp.Palignr, high, low, start % 16);
        return high;
      };
    },
  },
  // Interleaved halves: an unpack of either operand order.
  {
    name: 'unpack',
    match(indices) {
      for (const [unpack, bytes, high] of UNPACKS) {
        const expected = unpackIndices(bytes, high);
        if (indices.every((index, i) => index === expected[i])) {
          return ({ asm }, lhs, rhs) => {
            asm.sse(unpack, lhs, rhs);
            return lhs;
          };
        }
        if (indices.every((index, i) => index === (expected[i]! ^ 16))) {
          return ({ asm }, lhs, rhs) => {
            asm.sse(unpack, rhs, lhs);
            return rhs;
          };
        }
      }
      return undefined;
    },
  },
  // The low two 32-bit lanes from one operand, the high two from the other: shufps (which moves bits
  // unchanged, like the integer shuffles).
  {
    name: 'shufps',
    match(indices) {
      const lanes = dwordLanes(indices);
      if (!lanes) return undefined;
      const lowFrom = lanes[0]! >> 2;
      if (lanes[1]! >> 2 !== lowFrom || lanes[2]! >> 2 === lowFrom || lanes[3]! >> 2 === lowFrom) return undefined;
      const order = laneOrder(lanes);
      return ({ asm }, lhs, rhs) => {
        const [dst, src] = lowFrom === 0 ? [lhs, rhs] : [rhs, lhs];
        asm.sseImm(SseImmOp.Shufps, dst, src, order);
        return dst;
      };
    },
  },
  // One operand, any byte order: one pshufb.
  {
    name: 'pshufb',
    match(indices) {
      const source = fromOneSource(indices);
      if (!source) return undefined;
      const picks = indices.map((index) => index & 15);
      return (env, lhs, rhs) => {
        const reg = source === 'lhs' ? lhs : rhs;
        env.asm.sse(SseOp.Pshufb, reg, control(env, picks));
        return reg;
      };
    },
  },
  // The general form: each operand's bytes by pshufb (the other operand's positions zeroed), then or.
  {
    name: 'pshufb+pshufb+por',
    match(indices) {
      const fromLhs = indices.map((index) => (index < 16 ? index : ZERO_BYTE));
      const fromRhs = indices.map((index) => (index >= 16 ? index - 16 : ZERO_BYTE));
      return (env, lhs, rhs) => {
        const { asm } = env;
        asm.sse(SseOp.Pshufb, lhs, control(env, fromLhs));
        asm.sse(SseOp.Pshufb, rhs, control(env, fromRhs));
        asm.sse(SseOp.Por, lhs, rhs);
        return lhs;
      };
    },
  },
];

/** The first pattern that matches the 16 indices (the last always does), with its lowering. */
function shufflePattern(indices: readonly number[]): { name: string; lower: (env: SimdLoweringEnv, lhs: Xmm, rhs: Xmm) => Xmm } {
  for (const { name, match } of PATTERNS) {
    const lower = match(indices);
    if (lower) return { name, lower };
  }
  throw new Error('internal error: no shuffle pattern matched');
}

/** The instruction(s) `i8x16.shuffle` with these indices compiles to (for tests). */
export const shuffleInstructionsOf = (indices: readonly number[]): string => shufflePattern(indices).name;

/** Swizzle indices plus this, with unsigned saturation, have their top bit set exactly when ≥ 16. */
const SWIZZLE_BIAS = 0x70707070;

export const SHUFFLE_OPS = simdTable((op) => {
  op('i8x16.shuffle', ['v128', 'v128'], ['v128'], (env, at) => {
    const { stack } = env;
    const { lower } = shufflePattern(Array.from(env.immediateBytes(at)));
    const rhs = stack.popV128();
    const lhs = stack.popV128();
    const result = lower(env, lhs, rhs);
    stack.freeXmm(result === lhs ? rhs : lhs);
    stack.pushV128(result);
  });
  op('i8x16.swizzle', ['v128', 'v128'], ['v128'], (env) => {
    const { asm, stack } = env;
    // V8's I8x16Swizzle: indices ≥ 16 saturate to ≥ 0x80, which pshufb turns into zero bytes.
    const indices = stack.popV128();
    const vector = stack.popV128();
    asm.movXmm(Xmm.xmm0, indices);
    asm.sse(SseOp.Paddusb, Xmm.xmm0, splat32Constant(env, SWIZZLE_BIAS));
    asm.sse(SseOp.Pshufb, vector, Xmm.xmm0);
    stack.freeXmm(indices);
    stack.pushV128(vector);
  });
});
