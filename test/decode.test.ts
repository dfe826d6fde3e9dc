// The decoder against an independent one: every spec module that @webassemblyjs/wasm-parser can
// read must decode to the same types, exports, locals and instructions (names and integer
// immediates, block types, branch targets).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { decodeModule, instructionsOf } from '../src/decode/index.js';
import type { Instr, ModuleIR } from '../src/decode/index.js';
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
