// The SIMD (0xfd) part of the decoder: the opcode table against wabt's encoder, the immediates'
// round trip, the v128 value type wherever a value type stands, the spec suite's SIMD modules against
// wabt's own reading of them, and every decode-time error against V8's verdict and offset.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import wabtInit from 'wabt';
import { compile } from '../src/index.js';
import { formatInstr } from '../src/compiler/index.js';
import { SIMD_OPS } from '../src/compiler/simd/index.js';
import { decodeModule, instructionsOf, OPCODE_LIMIT, opcodeInfo, SIMD_BASE, valTypeOfCode } from '../src/decode/index.js';
import type { Instr, OpcodeInfo } from '../src/decode/index.js';
import { readShell, writeShell } from '../src/runtime/artifact-shell.js';
import { toBytes } from './helpers/differential.js';
import { section, unsignedLeb, vector, WASM_HEADER } from './helpers/wasm-binary.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'spec-simd');

const SIMD_INSTRUCTIONS: OpcodeInfo[] = Array.from({ length: OPCODE_LIMIT - SIMD_BASE }, (_, sub) => opcodeInfo(SIMD_BASE + sub)).filter(
  (info): info is OpcodeInfo => info !== undefined,
);

const SIMD_NAMES = new Set(SIMD_INSTRUCTIONS.map((info) => info.name));

/** Sub-opcodes (0 … 0xff) the 2.0 spec assigns no instruction: proposals moved away from them. */
const HOLES = [0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee];

/** The 16 immediate bytes used for v128.const: every byte value class (0, small, sign bit, 0xff). */
const CONST_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0x10];
/** Shuffle lane indices: both operands' lanes, up to the largest valid one (31). */
const SHUFFLE_BYTES = [31, 0, 16, 15, 1, 17, 30, 14, 2, 18, 29, 13, 3, 19, 28, 12];
/** An offset that takes three LEB bytes. */
const OFFSET = 70_000;

const isStore = (info: OpcodeInfo): boolean => info.name.startsWith('v128.store');

/** An instruction's text with the immediates the tests use: the largest valid lane, alignment 1. */
function instructionText(info: OpcodeInfo): string {
  const lane = (info.lanes ?? 0) - 1;
  switch (info.immediate) {
    case 'memarg':
      return `${info.name} offset=${OFFSET} align=1`;
    case 'memarg_lane':
      return `${info.name} offset=${OFFSET} align=1 ${lane}`;
    case 'lane':
      return `${info.name} ${lane}`;
    case 'v128':
      return `${info.name} i8x16 ${CONST_BYTES.join(' ')}`;
    case 'shuffle':
      return `${info.name} ${SHUFFLE_BYTES.join(' ')}`;
    default:
      return info.name;
  }
}

/** What decoding the instruction of `instructionText` must give. */
function expectedInstr(info: OpcodeInfo): Instr {
  const lane = (info.lanes ?? 0) - 1;
  const memory = { align: 0, offset: OFFSET };
  switch (info.immediate) {
    case 'memarg':
      return { op: info.name, memory };
    case 'memarg_lane':
      return { op: info.name, memory, lane };
    case 'lane':
      return { op: info.name, lane };
    case 'v128':
      return { op: info.name, bytes: new Uint8Array(CONST_BYTES) };
    case 'shuffle':
      return { op: info.name, bytes: new Uint8Array(SHUFFLE_BYTES) };
    default:
      return { op: info.name };
  }
}

/** `unreachable`, the instruction, and a `drop` of its result: valid whatever it takes (the stack is polymorphic). */
const unreachableUse = (info: OpcodeInfo, instruction: string): string => `unreachable ${instruction}${isStore(info) ? '' : ' drop'}`;

/** A module with a memory and one function `() → ()` whose body is `unreachable`, then `code`, then `end`. */
function moduleWithBody(code: number[]): Uint8Array {
  const body = [0, 0x00, ...code, 0x0b];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, vector([[0x60, 0, 0]])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0, 1]])),
    ...section(10, vector([[...unsignedLeb(body.length), ...body]])),
  ]);
}

const simdOp = (sub: number, immediates: number[] = []): number[] => [0xfd, ...unsignedLeb(sub), ...immediates];

/** V8's verdict: undefined, or its message without the "WebAssembly.Module(): Compiling function #0 failed: " prefix. */
function v8Error(bytes: Uint8Array): string | undefined {
  try {
    new WebAssembly.Module(bytes);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(WebAssembly.CompileError);
    return (err as Error).message.replace(/^.*failed: /, '');
  }
}

/** The decoder's CompileError message, or undefined when it decodes. */
function decodeError(bytes: Uint8Array): string | undefined {
  try {
    decodeModule(bytes);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(WebAssembly.CompileError);
    return (err as Error).message;
  }
}

const offsetOf = (message: string | undefined): string | undefined => /@\+\d+$/.exec(message ?? '')?.[0];

describe('the SIMD opcode table', () => {
  test('holds the 2.0 spec’s 236 instructions at SIMD_BASE + their sub-opcode, with lane counts where they take a lane', () => {
    expect(SIMD_INSTRUCTIONS).toHaveLength(236);
    expect(SIMD_INSTRUCTIONS.every((info) => info.id - SIMD_BASE <= 0xff)).toBe(true);
    expect(HOLES.every((sub) => opcodeInfo(SIMD_BASE + sub) === undefined)).toBe(true);
    expect(SIMD_INSTRUCTIONS.length + HOLES.length).toBe(0x100);
    const lanes = Object.fromEntries(SIMD_INSTRUCTIONS.filter((i) => i.lanes !== undefined).map((i) => [i.name, i.lanes]));
    expect(Object.keys(lanes)).toHaveLength(14 + 8);
    expect(lanes).toMatchObject({
      'i8x16.extract_lane_s': 16, 'i16x8.replace_lane': 8, 'i32x4.extract_lane': 4, 'i64x2.replace_lane': 2,
      'f32x4.extract_lane': 4, 'f64x2.replace_lane': 2, 'v128.load8_lane': 16, 'v128.store16_lane': 8,
      'v128.load32_lane': 4, 'v128.store64_lane': 2,
    });
  });

  test('every instruction, as wabt encodes it from its name, decodes to its name and immediates; V8 accepts each', async () => {
    const funcs = SIMD_INSTRUCTIONS.map((info) => `(func ${unreachableUse(info, instructionText(info))})`);
    const bytes = await toBytes(`(module (memory 1) ${funcs.join('\n')})`);
    expect(v8Error(bytes)).toBeUndefined();
    const ir = decodeModule(bytes);
    const decoded = ir.funcs.map((f) => instructionsOf(f.body, ir.types)[1]);
    expect(decoded).toEqual(SIMD_INSTRUCTIONS.map(expectedInstr));
  });

  test('a body word layout as the compiler reads it: memarg+lane packed, 16 bytes as 4 little-endian words in extra', async () => {
    const ir = decodeModule(
      await toBytes(`(module (memory 1) (func unreachable
        v128.load16_lane offset=5 align=2 7 drop
        i16x8.extract_lane_u 6 drop
        v128.const i32x4 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c drop
        i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 drop))`),
    );
    const { code, extra } = ir.funcs[0]!.body;
    const words = (pc: number): number[] => [...code.subarray(3 * pc, 3 * pc + 3)];
    expect(words(1)).toEqual([SIMD_BASE + 0x55, 1 | (7 << 8), 5]);
    expect(words(3)).toEqual([SIMD_BASE + 0x19, 6, 0]);
    expect(words(5)).toEqual([SIMD_BASE + 0x0c, 0, 0]);
    expect(words(7)).toEqual([SIMD_BASE + 0x0d, 4, 0]);
    expect([...extra]).toEqual([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, 0x03020100, 0x07060504, 0x0b0a0908, 0x1f0e0d0c]);
  });

  test('a sub-opcode in a longer LEB128 form than it needs decodes as the short one, as in V8', () => {
    const bytes = moduleWithBody([0xfd, 0x8c, 0x80, 0x00, ...CONST_BYTES, 0x1a]);
    expect(v8Error(bytes)).toBeUndefined();
    const ir = decodeModule(bytes);
    expect(instructionsOf(ir.funcs[0]!.body, ir.types)[1]).toEqual({ op: 'v128.const', bytes: new Uint8Array(CONST_BYTES) });
  });

  test('the listing of each immediate shape', () => {
    const line = (code: number[]): string => {
      const ir = decodeModule(moduleWithBody(code));
      return formatInstr(instructionsOf(ir.funcs[0]!.body, ir.types)[1]!);
    };
    expect(line(simdOp(0x00, [4, 16]))).toBe('v128.load offset=16 align=16');
    expect(line(simdOp(0x57, [3, 0, 1]))).toBe('v128.load64_lane align=8 1');
    expect(line(simdOp(0x5b, [0, 8, 1]))).toBe('v128.store64_lane offset=8 align=1 1');
    expect(line(simdOp(0x1f, [3]))).toBe('f32x4.extract_lane 3');
    expect(line(simdOp(0x0c, CONST_BYTES))).toBe(`v128.const i8x16 ${CONST_BYTES.join(' ')}`);
    expect(line(simdOp(0x0d, SHUFFLE_BYTES))).toBe(`i8x16.shuffle ${SHUFFLE_BYTES.join(' ')}`);
    expect(line(simdOp(0xba))).toBe('i32x4.dot_i16x8_s');
  });
});

describe('v128, the value type', () => {
  test('is code 0x7b', () => {
    expect(valTypeOfCode(0x7b)).toBe('v128');
  });

  test('in function types, locals, globals and their v128.const initialisers, block types and typed select', async () => {
    const bytes = await toBytes(`(module
      (type (func (param v128 i32) (result v128)))
      (import "m" "g" (global v128))
      (global (mut v128) (v128.const i8x16 ${CONST_BYTES.join(' ')}))
      (func (type 0) (local v128 f64)
        (block (result v128) (local.get 0))
        (select (result v128) (local.get 2) (local.get 1))))`);
    expect(v8Error(bytes)).toBeUndefined();
    const ir = decodeModule(bytes);
    expect(ir.types[0]).toEqual({ params: ['v128', 'i32'], results: ['v128'] });
    expect(ir.imports[0]).toMatchObject({ kind: 'global', global: { type: 'v128', mutable: false } });
    expect(ir.globals[0]).toEqual({ global: { type: 'v128', mutable: true }, init: { op: 'v128.const', bytes: new Uint8Array(CONST_BYTES) } });
    expect(ir.funcs[0]!.locals).toEqual(['v128', 'f64']);
    const body = instructionsOf(ir.funcs[0]!.body, ir.types);
    expect(body[0]).toEqual({ op: 'block', blockType: { params: [], results: ['v128'] } });
    expect(body.find((i) => i.op === 'select')).toEqual({ op: 'select', types: ['v128'] });
  });

  test('a v128.const initialiser survives the artifact shell', async () => {
    const bytes = await toBytes(`(module
      (global (export "g") v128 (v128.const i8x16 ${CONST_BYTES.join(' ')}))
      (global i64 (i64.const -2)))`);
    const shell = readShell(writeShell(decodeModule(bytes), bytes), bytes);
    expect(shell.globals.map((g) => g.init)).toEqual([
      { op: 'v128.const', bytes: new Uint8Array(CONST_BYTES) },
      { op: 'i64.const', value: -2n },
    ]);
  });

  test('the compiler takes it as a param, local, global and result', async () => {
    for (const field of ['(func (param v128))', '(func (local v128))', '(global v128 (v128.const i64x2 0 0))', '(type (func (result v128)))']) {
      await expect(compile(await toBytes(`(module ${field})`)), field).resolves.toBeDefined();
    }
  });
});

test('the compiler lowers every SIMD instruction the decoder knows, and nothing else', async () => {
  expect([...SIMD_OPS.keys()].sort()).toEqual(SIMD_INSTRUCTIONS.map((info) => info.name).sort());
  for (const info of SIMD_INSTRUCTIONS) {
    const bytes = await toBytes(`(module (memory 1) (func ${unreachableUse(info, instructionText(info))}))`);
    await expect(compile(bytes), info.name).resolves.toBeDefined();
  }
});

describe('the spec suite’s SIMD modules', () => {
  const valid = readdirSync(join(FIXTURES, 'valid'));
  const invalidLane = readdirSync(join(FIXTURES, 'invalid-lane'));

  /** wabt's text of a SIMD instruction line: its name and the immediates it writes. */
  function wabtSimdLines(text: string): string[][] {
    return text
      .split('\n')
      .map((line) => line.trim().replace(/\)+$/, '').split(/\s+/))
      .filter((tokens) => SIMD_NAMES.has(tokens[0]!));
  }

  /** Our Instr in wabt's words: offset only when not 0, alignment only when not the access's natural one. */
  function asWabtTokens(instr: Instr, natural: number): string[] {
    const tokens = [instr.op];
    if (instr.memory?.offset) tokens.push(`offset=${instr.memory.offset}`);
    if (instr.memory && 2 ** instr.memory.align !== natural) tokens.push(`align=${2 ** instr.memory.align}`);
    if (instr.lane !== undefined) tokens.push(String(instr.lane));
    if (instr.op === 'i8x16.shuffle') tokens.push(...[...instr.bytes!].map(String));
    if (instr.op === 'v128.const') {
      const view = new DataView(instr.bytes!.buffer);
      tokens.push('i32x4', ...[0, 4, 8, 12].map((at) => `0x${view.getUint32(at, true).toString(16).padStart(8, '0')}`));
    }
    return tokens;
  }

  /** The natural alignment of a SIMD memory instruction, in bytes, from its name. */
  function naturalAlignment(op: string): number {
    if (/^v128\.load\d+x\d+_[su]$/.test(op)) return 8;
    const width = /^v128\.(?:load|store)(\d+)_/.exec(op);
    return width ? Number(width[1]) / 8 : 16;
  }

  test.each(valid)('%s: V8 accepts it; it decodes, and its SIMD instructions and immediates are those wabt reads', async (file) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'valid', file)));
    expect(v8Error(bytes)).toBeUndefined();
    const ir = decodeModule(bytes);
    const wabt = await wabtInit();
    const module = wabt.readWasm(bytes, { simd: true });
    const text = module.toText({ foldExprs: false, inlineExport: false });
    module.destroy();
    const ours = ir.funcs
      .flatMap((f) => instructionsOf(f.body, ir.types))
      .filter((instr) => SIMD_NAMES.has(instr.op))
      .map((instr) => asWabtTokens(instr, naturalAlignment(instr.op)));
    expect(ours).toEqual(wabtSimdLines(text));
  });

  test('together they hold 217 distinct SIMD instructions (a drop means the comparison stopped comparing)', () => {
    const ops = new Set<string>();
    for (const file of valid) {
      const ir = decodeModule(new Uint8Array(readFileSync(join(FIXTURES, 'valid', file))));
      for (const f of ir.funcs) for (const instr of instructionsOf(f.body, ir.types)) if (SIMD_NAMES.has(instr.op)) ops.add(instr.op);
    }
    expect(ops.size).toBe(217);
  });

  test.each(invalidLane)('%s (assert_invalid "invalid lane index"): refused as by V8, with its text at its offset', (file) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'invalid-lane', file)));
    const v8 = v8Error(bytes);
    expect(v8).toMatch(/^invalid (lane index|shuffle mask) @\+\d+$/);
    const ours = decodeError(bytes);
    expect(ours).toMatch(/: invalid lane index \d+: /);
    expect(offsetOf(ours)).toBe(offsetOf(v8));
  });
});

describe('decode-time errors, against V8', () => {
  const laneInstructions = SIMD_INSTRUCTIONS.filter((info) => info.lanes !== undefined);

  test.each(laneInstructions.map((info) => [info.name, info] as const))('%s: lane = lane count and 255 refused, lane count - 1 accepted', (_, info) => {
    const sub = info.id - SIMD_BASE;
    const encode = (lane: number): Uint8Array =>
      moduleWithBody([...simdOp(sub, info.immediate === 'memarg_lane' ? [0, 0, lane] : [lane]), ...(isStore(info) ? [] : [0x1a])]);
    expect(v8Error(encode(info.lanes! - 1))).toBeUndefined();
    expect(decodeError(encode(info.lanes! - 1))).toBeUndefined();
    for (const lane of [info.lanes!, 255]) {
      const bytes = encode(lane);
      const v8 = v8Error(bytes);
      expect(v8).toMatch(/^invalid lane index/);
      const ours = decodeError(bytes);
      expect(ours).toBe(`function 0: invalid lane index ${lane}: the instruction has ${info.lanes} lanes ${offsetOf(v8)}`);
    }
  });

  test('i8x16.shuffle: a lane index of 32 or more anywhere refused (V8: "invalid shuffle mask"), 31 accepted', () => {
    const encode = (at: number, lane: number): Uint8Array => {
      const lanes = [...SHUFFLE_BYTES];
      lanes[at] = lane;
      return moduleWithBody([...simdOp(0x0d, lanes), 0x1a]);
    };
    for (const at of [0, 7, 15]) {
      expect(v8Error(encode(at, 31))).toBeUndefined();
      for (const lane of [32, 128, 255]) {
        const v8 = v8Error(encode(at, lane));
        expect(v8).toMatch(/^invalid shuffle mask/);
        expect(decodeError(encode(at, lane))).toBe(`function 0: invalid lane index ${lane}: shuffle lanes are below 32 ${offsetOf(v8)}`);
      }
    }
  });

  test('sub-opcodes without an instruction: illegal opcode, as V8 refuses them', () => {
    for (const sub of [...HOLES, 0x114, 0x1ff, 0x4000, 0xffff_ffff]) {
      const bytes = moduleWithBody(simdOp(sub));
      const v8 = v8Error(bytes);
      // V8 11.3: "simd opcode not available" from 0x100 on; later ones "invalid simd opcode"; from
      // 0x1000 on (beyond 12 bits), all: "Invalid prefixed opcode".
      expect(v8, `0x${sub.toString(16)}`).toMatch(/simd opcode|Invalid prefixed opcode/);
      expect(decodeError(bytes)).toBe(`function 0: illegal opcode 0xfd ${sub} ${offsetOf(v8)}`);
    }
  });

  test('relaxed SIMD (sub-opcodes 0x100 … 0x113, which V8 12.4 and 13.6 compile and V8 11.3 refuses): an unsupported instruction, not a malformation', () => {
    for (let sub = 0x100; sub <= 0x113; sub++) {
      expect(decodeError(moduleWithBody(simdOp(sub)))).toMatch(new RegExp(`^function 0: unsupported instruction 0xfd 0x${sub.toString(16)} \\(relaxed SIMD\\) @\\+\\d+$`));
    }
  });

  test('a sub-opcode LEB128 beyond 32 bits refused, as by V8', () => {
    const bytes = moduleWithBody([0xfd, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(v8Error(bytes)).toBeDefined();
    expect(decodeError(bytes)).toMatch(/^function 0: integer too large or representation too long in opcode @\+\d+$/);
  });

  test.each([
    ['v128.load (memarg)', simdOp(0x00, [4, 0x80])],
    ['v128.load8_lane (memarg, lane)', simdOp(0x54, [0, 0])],
    ['i8x16.extract_lane_s (lane)', simdOp(0x15)],
    ['v128.const (16 bytes)', simdOp(0x0c, CONST_BYTES.slice(0, 15))],
    ['i8x16.shuffle (16 lanes)', simdOp(0x0d, SHUFFLE_BYTES.slice(0, 9))],
    ['the sub-opcode', [0xfd, 0x80]],
  ])('immediates cut short by the end of the body: %s', (_, code) => {
    // The body ends in the middle of the immediates: no `end` follows them.
    const body = [0, 0x00, ...code];
    const bytes = new Uint8Array([
      ...WASM_HEADER,
      ...section(1, vector([[0x60, 0, 0]])),
      ...section(3, vector([[0]])),
      ...section(5, vector([[0, 1]])),
      ...section(10, vector([[...unsignedLeb(body.length), ...body]])),
    ]);
    expect(v8Error(bytes)).toBeDefined();
    expect(decodeError(bytes)).toMatch(/^function 0: (unexpected end of section or function|integer too large or representation too long in \w+) @\+\d+$/);
  });
});
