// Bugs the fuzzer found, reduced by hand to wat and kept as differential tests against V8.
import { expect, test } from 'vitest';
import { DifferentialInstance } from './helpers/differential.js';

// Typed generator, seed 2566346645: storing a value from a cache register into a float local's
// register freed the cache register twice, so two live values later shared it (select, then rem_s
// trapped with "remainder by zero" where V8 ran on).
test('a float local set from a copied value does not free its register twice', async () => {
  const wat = `(module
    (func (export "f") (result i32) (local externref i32 i64 f64 i32)
      i32.const 0
      if (result i32)
        i32.const 0
      else
        block (result i64)
          local.get 3
          local.set 3
          i64.const 0
        end
        i32.wrap_i64
      end
      i32.const 0
      i32.const 7
      local.get 1
      i32.const -1170361794
      local.get 4
      select
      i32.extend16_s
      i32.rem_s
      local.get 4
      i32.sub
      select (result i32)))`;
  const pair = await DifferentialInstance.of(wat);
  try {
    expect(pair.mismatches([['f', []], ['f', []]])).toEqual([]);
  } finally {
    pair.dispose();
  }
});
