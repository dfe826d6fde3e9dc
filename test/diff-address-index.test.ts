// Memory accesses index memory with the address's own register when a 32-bit instruction wrote it
// last (its upper half is then zero), and through `mov eax, r32` otherwise. Each shape below produces
// an address one way — by an instruction that zero-extends, or by one that leaves the upper half
// unknown (a wrapped i64 with high bits set, a shift by 0 of one, select, a call's result, a block's
// result, a parameter, a global, a local in a frame slot) — and loads, stores and loads again through
// it, at addresses inside the memory, at its end, and far out (including wrapped values whose low
// half is in bounds and whose high half is not). Compared with V8: results, traps and the memory.
// An i32 local's own register indexes memory as it is: every write of one must leave its upper half
// zero, so the second part writes such a local every way there is, from values with junk above
// their low 32 bits, and checks that the accesses really index with the local's register.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compile, loadDisassembler, watToWasm } from '../src/index.js';
import { type Call, DifferentialInstance, firstLines } from './helpers/differential.js';
import { Random } from './helpers/values.js';

interface Shape {
  name: string;
  /** An i32 address from `$a` (i32) and `$w` (i64: `$a` with junk in its high half). */
  address: string;
}

const SHAPES: Shape[] = [
  { name: 'i32.add', address: '(i32.add (local.get $a) (local.get $b))' },
  { name: 'i32.add of a constant (lea)', address: '(i32.add (local.get $a) (i32.const 4))' },
  { name: 'i32.sub', address: '(i32.sub (local.get $a) (i32.const -8))' },
  { name: 'i32.and', address: '(i32.and (local.get $a) (i32.const -1))' },
  { name: 'i32.or', address: '(i32.or (local.get $a) (local.get $b))' },
  { name: 'i32.xor', address: '(i32.xor (local.get $a) (local.get $b))' },
  { name: 'i32.mul by a constant', address: '(i32.mul (local.get $a) (i32.const 1))' },
  { name: 'i32.mul', address: '(i32.mul (local.get $a) (i32.add (local.get $b) (i32.const 1)))' },
  { name: 'i32.shl by a constant', address: '(i32.shr_u (i32.shl (local.get $a) (i32.const 4)) (i32.const 4))' },
  { name: 'i32.shl by 32 (no shift)', address: '(i32.shl (local.get $a) (i32.const 32))' },
  { name: 'i32.rotl by a constant', address: '(i32.rotr (i32.rotl (local.get $a) (i32.const 7)) (i32.const 7))' },
  { name: 'i32.load', address: '(i32.load (i32.const 0))' },
  { name: 'i32.load8_s', address: '(i32.load8_s (i32.const 3))' },
  { name: 'i32.load16_s', address: '(i32.load16_s (i32.const 2))' },
  { name: 'i32.wrap_i64', address: '(i32.wrap_i64 (local.get $w))' },
  { name: 'i32.wrap_i64, shifted by 0', address: '(i32.shl (i32.wrap_i64 (local.get $w)) (i32.const 0))' },
  { name: 'i32.wrap_i64 + 0 (no add)', address: '(i32.add (i32.wrap_i64 (local.get $w)) (i32.const 0))' },
  { name: '0 ^ i32.wrap_i64 (no xor)', address: '(i32.xor (i32.const 0) (i32.wrap_i64 (local.get $w)))' },
  { name: 'i32.wrap_i64 of i64.add', address: '(i32.wrap_i64 (i64.add (local.get $w) (i64.const 0x100000000)))' },
  { name: 'i32.wrap_i64, rotated by 32', address: '(i32.rotl (i32.wrap_i64 (local.get $w)) (i32.const 32))' },
  { name: 'select of wrapped values', address: '(select (i32.wrap_i64 (local.get $w)) (local.get $b) (local.get $a))' },
  { name: 'a call result', address: '(call $wrap (local.get $w))' },
  { name: 'a block result', address: '(block (result i32) (br_if 0 (i32.wrap_i64 (local.get $w)) (local.get $a)) (drop) (i32.wrap_i64 (local.get $w)))' },
  { name: 'a parameter', address: '(local.get 0)' },
  { name: 'a global', address: '(global.set $g (i32.wrap_i64 (local.get $w))) (global.get $g)' },
  { name: 'a local in a frame slot', address: '(local.set $s (i32.wrap_i64 (local.get $w))) (local.get $s)' },
];

/** Locals that take every local register first, so that $s lives in a frame slot. */
const BUSY = Array.from({ length: 8 }, (_, i) => `(local.set $busy${i} (i32.add (local.get $busy${i}) (i32.const 1)))`).join(' ');
const BUSY_DECLS = Array.from({ length: 8 }, (_, i) => `(local $busy${i} i32)`).join(' ');

/** `$a` with `$high` above it: an i64 whose low half is the address and whose high half is junk. */
const JUNK_ABOVE = '(i64.or (i64.extend_i32_u (local.get $a)) (i64.shl (i64.extend_i32_u (local.get $high)) (i64.const 32)))';

function shapeFunction(shape: Shape, i: number): string {
  return `
  (func (export "${i}") (param $a i32) (param $high i32) (result i32) (local $b i32) (local $w i64) (local $s i32) ${BUSY_DECLS}
    (loop ${BUSY} ${BUSY} (br_if 0 (i32.lt_u (local.get $busy0) (i32.const 6))))
    (local.set $w ${JUNK_ABOVE})
    (i32.store offset=1 ${shape.address} (i32.const 0x5a5a5a5a))
    (i32.add (i32.load8_u offset=3 ${shape.address}) (i32.load offset=2 ${shape.address})))`;
}

const PAGE = 65536;
/** Low halves: inside, at the end (of one page), beyond it, far out. */
const LOWS = [0, 8, 12, PAGE - 8, PAGE - 7, PAGE - 4, PAGE, 0x7fff_ffff, -1, -8];
/** High halves: zero, and junk a wrong index would carry into the address. */
const HIGHS = [0, 1, -1, 0x8000_0000];

describe('addresses in registers, zero-extended or not', () => {
  let pair: DifferentialInstance;
  beforeAll(async () => {
    const functions = SHAPES.map((shape, i) => shapeFunction(shape, i));
    pair = await DifferentialInstance.of(
      `(module (memory (export "memory") 1) (global $g (mut i32) (i32.const 0))
        (func $wrap (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
        (data (i32.const 0) "\\10\\00\\00\\00\\f0\\ff\\00\\80")
        ${functions.join('\n')})`,
      {},
      'address-index.wat',
    );
  });
  afterAll(() => pair?.dispose());

  test.each(SHAPES.map((shape, i) => [shape.name, i] as const))('%s', (_, i) => {
    const random = new Random(i + 100);
    const lows = [...LOWS, random.i32() & (PAGE - 1), random.i32()];
    const calls: Call[] = lows.flatMap((low) => HIGHS.map((high) => [`${i}`, [low, high]] as const));
    expect(firstLines(pair.mismatches(calls))).toBe('');
  });
});

/** Ways to write the i32 local `$r` from `$a` (i32), `$w` (i64: `$a` with junk above) and `$one` (1). */
const LOCAL_WRITES: Shape[] = [
  { name: 'i32.wrap_i64', address: '(local.set $r (i32.wrap_i64 (local.get $w)))' },
  { name: 'i32.wrap_i64 of i64.add', address: '(local.set $r (i32.wrap_i64 (i64.add (local.get $w) (i64.const 0x100000000))))' },
  { name: 'local.tee', address: '(drop (i32.add (local.tee $r (i32.wrap_i64 (local.get $w))) (local.get $a)))' },
  { name: 'select', address: '(local.set $r (select (i32.wrap_i64 (local.get $w)) (local.get $a) (local.get $high)))' },
  { name: 'select over itself', address: '(local.set $r (i32.wrap_i64 (local.get $w))) (local.set $r (select (local.get $r) (local.get $a) (local.get $one)))' },
  { name: 'shift by 0 in place', address: '(local.set $r (i32.wrap_i64 (local.get $w))) (local.set $r (i32.shl (local.get $r) (i32.const 0)))' },
  { name: 'shift by 0', address: '(local.set $r (i32.shl (i32.wrap_i64 (local.get $w)) (i32.const 0)))' },
  { name: 'rotate by 32', address: '(local.set $r (i32.rotl (i32.wrap_i64 (local.get $w)) (i32.const 32)))' },
  { name: 'i32.div_u', address: '(local.set $r (i32.div_u (i32.wrap_i64 (local.get $w)) (local.get $one)))' },
  { name: 'i32.rem_u', address: '(local.set $r (i32.rem_u (i32.wrap_i64 (local.get $w)) (i32.or (local.get $high) (i32.const 0x80000000))))' },
  { name: 'i32.extend8_s', address: '(local.set $r (i32.extend8_s (i32.wrap_i64 (local.get $w))))' },
  { name: 'a comparison', address: '(local.set $r (i64.ne (local.get $w) (i64.const 0)))' },
  { name: 'i32.reinterpret_f32', address: '(local.set $r (i32.reinterpret_f32 (f32.reinterpret_i32 (i32.wrap_i64 (local.get $w)))))' },
  { name: 'i32.trunc_sat_f64_u', address: '(local.set $r (i32.trunc_sat_f64_u (f64.convert_i64_u (local.get $w))))' },
  { name: 'a negative constant', address: '(local.set $r (i32.const -8))' },
  { name: 'a constant, then an add', address: '(local.set $r (i32.const -4)) (local.set $r (i32.add (local.get $r) (local.get $a)))' },
  { name: 'a call result', address: '(local.set $r (call $wrap (local.get $w)))' },
  { name: 'a host call result', address: '(local.set $r (call $host (local.get $a)))' },
  { name: 'a call_indirect result', address: '(local.set $r (call_indirect (param i64) (result i32) (local.get $w) (i32.const 0)))' },
  { name: 'a block result', address: '(local.set $r (block (result i32) (br_if 0 (i32.wrap_i64 (local.get $w)) (local.get $a)) (drop) (i32.wrap_i64 (local.get $w))))' },
  { name: 'an if result', address: '(local.set $r (if (result i32) (local.get $high) (then (i32.wrap_i64 (local.get $w))) (else (local.get $a))))' },
  { name: 'a value from the machine stack', address: '(local.set $r (i32.wrap_i64 (local.get $w)) (call $nothing))' },
  { name: 'a global', address: '(global.set $g (i32.wrap_i64 (local.get $w))) (local.set $r (global.get $g))' },
  { name: 'i32.load', address: '(i64.store (i32.const 16) (local.get $w)) (local.set $r (i32.load (i32.const 16)))' },
  { name: 'in a loop', address: '(loop (local.set $r (i32.wrap_i64 (local.get $w))) (br_if 0 (i32.eqz (local.get $one))))' },
];

/** Many accesses through `$r`, so that it takes a register. */
const THROUGH_R = '(i32.store offset=1 (local.get $r) (i32.const 0x5a5a5a5a)) (i32.add (i32.load8_u offset=3 (local.get $r)) (i32.load offset=2 (local.get $r)))';

function localWriteFunction(shape: Shape, i: number): string {
  return `
  (func (export "${i}") (param $a i32) (param $high i32) (result i32) (local $w i64) (local $r i32) (local $one i32)
    (local.set $one (i32.const 1))
    (local.set $w ${JUNK_ABOVE})
    ${shape.address}
    ${THROUGH_R})`;
}

/** A parameter, as the callee sees it, is the other register local there is: `$wrap`'s result passed on. */
const PARAMETER_FUNCTION = `
  (func $param (export "param-callee") (param $r i32) (result i32) ${THROUGH_R})
  (func (export "param") (param $a i32) (param $high i32) (result i32)
    (call $param (i32.wrap_i64 ${JUNK_ABOVE})))`;

describe("an i32 local's register as the address, written every way", () => {
  let pair: DifferentialInstance;
  let listings: Map<string, string>;
  beforeAll(async () => {
    await loadDisassembler();
    const source = `(module (import "env" "host" (func $host (param i32) (result i32)))
        (memory (export "memory") 1) (global $g (mut i32) (i32.const 0))
        (table 1 funcref) (elem (i32.const 0) $wrap)
        (func $wrap (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
        (func $nothing)
        (data (i32.const 0) "\\10\\00\\00\\00\\f0\\ff\\00\\80")
        ${LOCAL_WRITES.map((shape, i) => localWriteFunction(shape, i)).join('\n')}
        ${PARAMETER_FUNCTION})`;
    const imports = { env: { host: (x: number) => x - 8 } };
    pair = await DifferentialInstance.of(source, imports, 'local-address-index.wat');
    const compiled = await compile(await watToWasm(source, { filename: 'local-address-index.wat' }));
    listings = new Map([...LOCAL_WRITES.map((_, i) => [`${i}`, `${i}`]), ['param', 'param-callee']].map(([name, callee]) => [name!, compiled.disassemble(callee!)]));
    compiled.dispose();
  });
  afterAll(() => pair?.dispose());

  const cases = [...LOCAL_WRITES.map((shape, i) => [shape.name, `${i}`] as const), ['a parameter', 'param'] as const];
  test.each(cases)('%s', (_, name) => {
    const random = new Random(name.length * 31 + 7);
    const lows = [...LOWS, random.i32() & (PAGE - 1), random.i32()];
    const calls: Call[] = lows.flatMap((low) => HIGHS.map((high) => [name, [low, high]] as const));
    expect(firstLines(pair.mismatches(calls))).toBe('');
    // The accesses through $r index memory with its register, not through rax.
    const accesses = listings.get(name)!.split('\n').filter((line) => /ptr \[r14 \+ /.test(line) && /local\.get \$?r|i32\.(load|store)/.test(line));
    expect(accesses.length, listings.get(name)).toBeGreaterThanOrEqual(3);
    for (const line of accesses.slice(-3)) expect(line, listings.get(name)).not.toMatch(/\[r14 \+ rax/);
  });
});
