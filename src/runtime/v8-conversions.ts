// The JS API value conversions that differ between the V8 versions Node ships, as the running V8
// answers (v8-probe.ts); without an answer, what the newest known V8 (13.6) does.
//
// - A new externref Global made without a value holds null in V8 11.3, undefined from 12.4 on.
// - An f64 signalling NaN that JS hands to wasm in a call (an export's argument, a host function's
//   result) arrives quietened from 12.4 on, through the generic wrappers that run a signature's first
//   thousand or so calls (V8's compiled wrappers after them keep the bits; wasmjit follows the
//   generic ones). A Global's value, an imported global and everything wasm hands to JS keep the
//   bits in every version; an f32 NaN is quietened by any f64 → f32 conversion anyway.
import { askV8, lazily, probeModule } from './v8-probe.js';

/** What `new WebAssembly.Global({ value: 'externref' })` holds. */
export const externrefGlobalDefault = lazily((): unknown => {
  const answer = askV8((wasm) => new wasm.Global({ value: 'externref' }).value);
  return answer && 'value' in answer ? answer.value : undefined;
});

const SIGNALLING_NAN = 0x7ff4000000000001n;

/**
 * (module (import "m" "f" (func (result f64)))
 *   (func (export "argument") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
 *   (func (export "result") (result i64) (i64.reinterpret_f64 (call 0))))
 */
const PROBE_SECTIONS = [
  [0x01, 0x0e, 0x03, 0x60, 0x00, 0x01, 0x7c, 0x60, 0x01, 0x7c, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7e],
  [0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00],
  [0x03, 0x03, 0x02, 0x01, 0x02],
  [0x07, 0x15, 0x02, 0x08, ...Buffer.from('argument'), 0x00, 0x01, 0x06, ...Buffer.from('result'), 0x00, 0x02],
  [0x0a, 0x0d, 0x02, 0x05, 0x00, 0x20, 0x00, 0xbd, 0x0b, 0x05, 0x00, 0x10, 0x00, 0xbd, 0x0b],
];

/** Whether V8 quietens an f64 signalling NaN passed as an export's argument, and returned by a host function. */
export const quietensSignallingF64 = lazily((): { argument: boolean; hostResult: boolean } => {
  const answer = askV8((wasm) => {
    const nan = new Float64Array(new BigInt64Array([SIGNALLING_NAN]).buffer)[0];
    const exports = new wasm.Instance(probeModule(wasm, ...PROBE_SECTIONS), { m: { f: () => nan } }).exports as Record<string, (x?: number) => bigint>;
    return { argument: exports.argument!(nan) !== SIGNALLING_NAN, hostResult: exports.result!() !== SIGNALLING_NAN };
  });
  return answer && 'value' in answer ? answer.value : { argument: true, hostResult: true };
});
