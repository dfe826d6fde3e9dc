// Per-call overhead: trivial exports called from a JS loop, one loop per signature. Each loop is a
// plain function of its own, called once per batch, rather than code of the async task runner: an
// async function's body is a try block, inside which V8 12.4 (Node 22) makes no Fast API calls, and
// a function per signature keeps every call site monomorphic, as a hot loop in an application is.

export type CallShape = 'i64' | 'i32';

type Exported = (...args: unknown[]) => unknown;

export interface CallMeasurement {
  /** The export's name in CALL_MODULE_WAT. */
  entry: string;
  /** What the report calls it. */
  description: string;
  /** The loop's starting value. */
  start: bigint | number;
  /** `calls` calls, each given the previous result; returns the last. */
  loop: (f: Exported, x: bigint | number, calls: number) => bigint | number;
  /** What the loop returns after `calls` calls in all from `start`. */
  expected: (calls: number) => bigint | number;
}

export const CALL_MEASUREMENTS: Record<CallShape, CallMeasurement> = {
  i64: {
    entry: 'inc64',
    description: '(i64) -> i64 export (i64.add 1)',
    start: 0n,
    loop: (f, x, calls) => {
      let v = x;
      for (let i = 0; i < calls; i++) v = f(v) as bigint;
      return v;
    },
    expected: (calls) => BigInt(calls),
  },
  i32: {
    entry: 'add32',
    description: '(i32, i32) -> i32 export (i32.add)',
    start: 0,
    loop: (f, x, calls) => {
      let v = x;
      for (let i = 0; i < calls; i++) v = f(v, 1) as number;
      return v;
    },
    expected: (calls) => calls | 0,
  },
};

export const CALL_MODULE_WAT = `(module
  (func (export "${CALL_MEASUREMENTS.i64.entry}") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func (export "${CALL_MEASUREMENTS.i32.entry}") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`;
