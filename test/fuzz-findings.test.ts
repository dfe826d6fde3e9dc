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

// Typed generator, seed 3870404291 (run seed 20261122): a runtime call (memory.fill) saved only the
// registers of its own function's locals around the host call, so a caller's local in r10/r11 —
// callee-saved in our convention, clobbered by System V — came back as garbage.
test("a callee's runtime call keeps its callers' local registers", async () => {
  const busy = Array.from({ length: 5 }, (_, i) => `(local.set ${i} (i64.add (local.get ${i}) (i64.const 1)))`).join(' ');
  const wat = `(module (memory 1)
    (func $fill (memory.fill (i32.const 0) (i32.const 7) (i32.const 16)))
    (func (export "f") (param i64 i64 i64 i64 i64) (result i64)
      ${busy} ${busy} ${busy}
      (call $fill)
      (i64.add (i64.add (i64.add (local.get 0) (local.get 1)) (i64.add (local.get 2) (local.get 3))) (local.get 4))))`;
  const pair = await DifferentialInstance.of(wat);
  try {
    expect(pair.mismatches([['f', [1n, 2n, 3n, 4n, 5n]], ['f', [10n, 20n, 30n, 40n, 50n]]])).toEqual([]);
  } finally {
    pair.dispose();
  }
});
