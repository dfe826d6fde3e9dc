// The name section: function and module names from wabt's debug names, none without it, and a
// malformed section read up to its first malformation (V8 ignores the rest; the module stays valid).
import { expect, test } from 'vitest';
import { readNames } from '../src/decode/index.js';
import { decodeModule } from '../src/decode/index.js';
import { watToWasm } from '../src/index.js';

const TEXT = `(module $demo
  (import "env" "log" (func $log (param i32)))
  (func $inner (result i32) (i32.const 1))
  (func (result i32) (i32.const 2))
  (func $outer (export "outer") (result i32) (call $inner)))`;

test('function names, imports counted, and the module name; unnamed functions have none', async () => {
  const names = readNames(decodeModule(await watToWasm(TEXT, { debugNames: true })).customSections);
  expect(names.module).toBe('demo');
  expect([...names.functions]).toEqual([[0, 'log'], [1, 'inner'], [3, 'outer']]);
});

test('no name section without debug names', async () => {
  const names = readNames(decodeModule(await watToWasm(TEXT)).customSections);
  expect(names.module).toBeUndefined();
  expect(names.functions.size).toBe(0);
});

/** A module with only a custom section "name" of these contents. */
function withNameSection(contents: number[]): Uint8Array {
  const name = [...new TextEncoder().encode('name')];
  const payload = [name.length, ...name, ...contents];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, payload.length, ...payload]);
}

test('a malformed name section keeps the names before the malformation and fails nothing', () => {
  // Function names: 3 entries, the third's name cut short (its length runs past the subsection).
  const functions = [3, 0, 1, 0x61, 1, 2, 0x62, 0x63, 2, 9, 0x64];
  const names = readNames(decodeModule(withNameSection([1, functions.length, ...functions])).customSections);
  expect([...names.functions]).toEqual([[0, 'a'], [1, 'bc']]);
  // Invalid UTF-8 in the module name: nothing after it is read either.
  const bad = readNames(decodeModule(withNameSection([0, 2, 1, 0xff, 1, 4, 1, 0, 1, 0x7a])).customSections);
  expect(bad.module).toBeUndefined();
  expect(bad.functions.size).toBe(0);
});
