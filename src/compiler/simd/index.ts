// Every SIMD (0xfd) instruction by name, from the families' tables.
import { CONSTANT_OPS } from './constant.js';
import { FLOAT_CONVERSION_OPS } from './float-convert.js';
import { FLOAT_OPS } from './float.js';
import { LANE_OPS } from './lanes.js';
import { MEMORY_OPS } from './memory.js';
import type { SimdOp } from './op.js';

export type { SimdLoweringEnv, SimdOp } from './op.js';

export const SIMD_OPS: ReadonlyMap<string, SimdOp> = new Map([...CONSTANT_OPS, ...LANE_OPS, ...MEMORY_OPS, ...FLOAT_OPS, ...FLOAT_CONVERSION_OPS]);
