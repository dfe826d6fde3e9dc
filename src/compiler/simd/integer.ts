// The integer lane instructions: arithmetic and comparisons, shifts, conversions between widths.
import { INTEGER_ARITH_OPS } from './integer-arith.js';
import { INTEGER_CONVERT_OPS } from './integer-convert.js';
import { INTEGER_SHIFT_OPS } from './integer-shift.js';
import type { SimdOp } from './op.js';

export const INTEGER_OPS: ReadonlyMap<string, SimdOp> = new Map([...INTEGER_ARITH_OPS, ...INTEGER_SHIFT_OPS, ...INTEGER_CONVERT_OPS]);
