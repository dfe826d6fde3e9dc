// The "spectest" host module every spec script may import from (see test/spec/README.md).
import type { Engine } from './engine.js';

export function spectestModule(engine: Engine): Record<string, unknown> {
  const print = (): void => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: 666,
    global_i64: 666n,
    global_f32: 666.6,
    global_f64: 666.6,
    // "anyfunc": Node 20's V8 does not accept the newer spelling "funcref" here.
    table: new engine.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
    memory: new engine.Memory({ initial: 1, maximum: 2 }),
  };
}
