// The operand shapes of the integer lane lowerings: a v128 changed in place, two v128s with the
// result in one of their registers, and the few constants they build in a scratch register.
import { SseOp } from '../../x64/index.js';
import type { Xmm } from '../../x64/index.js';
import { splat32Constant } from './constant.js';
import type { SimdLoweringEnv, SimdOp } from './op.js';

/** The lane widths of the integer shapes, and the shapes' names. */
export type LaneWidth = 8 | 16 | 32 | 64;
export const SHAPES: Readonly<Record<LaneWidth, string>> = { 8: 'i8x16', 16: 'i16x8', 32: 'i32x4', 64: 'i64x2' };
export const LANE_WIDTHS: readonly LaneWidth[] = [8, 16, 32, 64];

/**
 * Emits `lhs op rhs` (both owned cache registers); gives the register holding the result, lhs if none.
 * `readsRhsOnly` marks an emitter that leaves rhs unchanged: it may then be a v128 local's register.
 */
export type BinaryEmitter = ((env: SimdLoweringEnv, lhs: Xmm, rhs: Xmm) => Xmm | void) & { readsRhsOnly?: boolean };
/** Emits an in-place operation on an owned cache register. */
export type UnaryEmitter = (env: SimdLoweringEnv, reg: Xmm) => void;

/** v128 × v128 → v128; the emitter may use xmm0–xmm3, rax, rcx and rdx. */
export function binary(emit: BinaryEmitter): SimdOp['lower'] {
  return (env) => {
    const { stack } = env;
    const rhs = emit.readsRhsOnly ? stack.popV128Source() : stack.popV128();
    const lhs = stack.popV128();
    const result = emit(env, lhs, rhs) ?? lhs;
    stack.freeXmm(result === lhs ? rhs : lhs);
    stack.pushV128(result);
  };
}

/** v128 → v128, in place. */
export function unary(emit: UnaryEmitter): SimdOp['lower'] {
  return (env) => {
    const reg = env.stack.popV128();
    emit(env, reg);
    env.stack.pushV128(reg);
  };
}

/** A binary emitter of one instruction: `op lhs, rhs`. */
export function instruction(op: SseOp): BinaryEmitter {
  const emit: BinaryEmitter = ({ asm }, lhs, rhs) => asm.sse(op, lhs, rhs);
  emit.readsRhsOnly = true;
  return emit;
}

/** Every 32-bit lane of `reg` (a scratch register) set to `value` (from the constant pool). */
export function splat32(env: SimdLoweringEnv, reg: Xmm, value: number): void {
  env.asm.loadV128(reg, splat32Constant(env, value));
}

/** Every bit of `reg` set. */
export function allOnes({ asm }: SimdLoweringEnv, reg: Xmm): void {
  asm.sse(SseOp.Pcmpeqd, reg, reg);
}
