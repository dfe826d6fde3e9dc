// Every SIMD (0xfd) instruction by name, from the families' tables.
import { BITWISE_OPS } from './bitwise.js';
import { CONSTANT_OPS } from './constant.js';
import { FLOAT_CONVERSION_OPS } from './float-convert.js';
import { FLOAT_OPS } from './float.js';
import { INTEGER_OPS } from './integer.js';
import { LANE_OPS } from './lanes.js';
import { MEMORY_OPS } from './memory.js';
import { SHUFFLE_OPS } from './shuffle.js';
import type { SimdOp } from './op.js';

export type { SimdLoweringEnv, SimdOp } from './op.js';

export const SIMD_OPS: ReadonlyMap<string, SimdOp> = new Map([...CONSTANT_OPS, ...LANE_OPS, ...MEMORY_OPS, ...BITWISE_OPS, ...SHUFFLE_OPS, ...INTEGER_OPS, ...FLOAT_OPS, ...FLOAT_CONVERSION_OPS]);
