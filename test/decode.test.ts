// The decoder against an independent one: every spec module that @webassemblyjs/wasm-parser can
// read must decode to the same types, exports, locals and instructions (names and integer
// immediates, block types, branch targets).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { dataSegmentBytes, decodeModule, instructionsOf } from '../src/decode/index.js';
import type { Instr, ModuleIR } from '../src/decode/index.js';
import { toBytes } from './helpers/differential.js';
import { type ComparableInstr, type ComparableModule, parseWithWasmParser } from './helpers/wasm-parser-ir.js';

const SPEC = join(import.meta.dirname, 'spec');

function specModules(): string[] {
  return readdirSync(SPEC, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(SPEC, d.name)).filter((f) => f.endsWith('.wasm')).map((f) => join(SPEC, d.name, f)));
}

function project(instr: Instr): ComparableInstr {
  const out: ComparableInstr = { op: instr.op };
  if (instr.blockType) out.blockType = instr.blockType;
  if (instr.op === 'i32.const' || instr.op === 'i64.const') out.value = instr.value;
  if (['local.get', 'local.set', 'local.tee', 'global.get', 'global.set', 'br', 'br_if', 'call'].includes(instr.op)) out.index = instr.index;
  if (instr.op === 'br_table') {
    out.targets = instr.targets;
    out.defaultTarget = instr.defaultTarget;
  }
  return out;
}

function ours(ir: ModuleIR): ComparableModule {
  return {
    types: ir.types,
    exports: ir.exports.map(({ name, kind, index }) => ({ name, kind, index })),
    funcs: ir.funcs.map((f) => ({ type: f.type, locals: f.locals, body: instructionsOf(f.body, ir.types).map(project) })),
  };
}

test('decodes every spec module as @webassemblyjs/wasm-parser does', () => {
  let compared = 0;
  for (const file of specModules()) {
    const bytes = new Uint8Array(readFileSync(file));
    const theirs = parseWithWasmParser(bytes);
    if (!theirs) continue;
    let mine: ModuleIR;
    try {
      mine = decodeModule(bytes);
    } catch {
      continue; // malformed modules the parser happens to accept: the spec runner checks those.
    }
    expect(ours(mine), file).toEqual(theirs);
    compared++;
  }
  // Most of the suite's modules are in reach of the parser; a collapse of this count means the
  // comparison silently stopped comparing.
  expect(compared).toBeGreaterThan(600);
});

test("keeps its own copy of data segments and custom sections, also of a Buffer's bytes (Buffer#slice shares them)", async () => {
  const bytes = await toBytes('(module (memory 1) (data (i32.const 8) "abc") (data "xyz"))');
  // A custom section "c" holding "def", appended by hand (the text format has none).
  const custom = [0x00, 0x05, 0x01, 0x63, 0x64, 0x65, 0x66];
  const buffer = Buffer.from([...bytes, ...custom]);
  const ir = decodeModule(buffer);
  buffer.fill(0x7a, 8);
  expect([0, 1].map((i) => new TextDecoder().decode(dataSegmentBytes(ir.datas, i)))).toEqual(['abc', 'xyz']);
  expect(ir.customSections.map((s) => [s.name, new TextDecoder().decode(s.bytes)])).toEqual([['c', 'def']]);
});
