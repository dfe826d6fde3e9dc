// Just enough of the wasm binary format to edit modules we did not generate ourselves (binaryen's):
// list sections, count what each index space holds, rewrite the export section, stub function bodies.
import { name, readUleb, section, uleb, vec, VALTYPE_BY_CODE } from './wasm-encoding.js';
import type { ValType } from './wasm-encoding.js';

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  contentStart: number;
  end: number;
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global';
const KIND_CODE: Record<ExternKind, number> = { func: 0, table: 1, memory: 2, global: 3 };
const KIND_BY_CODE: ExternKind[] = ['func', 'table', 'memory', 'global'];

export interface ExportEntry {
  name: string;
  kind: ExternKind;
  index: number;
}

/** Position of each section id in the order the binary format requires (custom sections: anywhere). */
const SECTION_ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

export function listSections(bytes: Uint8Array): Section[] {
  const sections: Section[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const start = offset;
    const id = bytes[offset++];
    const [size, contentStart] = readUleb(bytes, offset);
    const end = contentStart + size;
    if (end > bytes.length) throw new Error('section runs past the end of the module');
    sections.push({ id, start, contentStart, end });
    offset = end;
  }
  return sections;
}

function readName(bytes: Uint8Array, offset: number): [string, number] {
  const [length, at] = readUleb(bytes, offset);
  return [new TextDecoder().decode(bytes.subarray(at, at + length)), at + length];
}

function skipLimits(bytes: Uint8Array, offset: number): number {
  const flags = bytes[offset++];
  let [, next] = readUleb(bytes, offset);
  if (flags & 1) [, next] = readUleb(bytes, next);
  return next;
}

/** How many items of each kind the module's index spaces hold (imports first, as the spec numbers them). */
export function countIndexSpaces(bytes: Uint8Array): Record<ExternKind, number> {
  const counts: Record<ExternKind, number> = { func: 0, table: 0, memory: 0, global: 0 };
  for (const s of listSections(bytes)) {
    if (s.id === 2) {
      let [n, at] = readUleb(bytes, s.contentStart);
      for (let i = 0; i < n; i++) {
        [, at] = readName(bytes, at);
        [, at] = readName(bytes, at);
        const kind = bytes[at++];
        if (kind === 0) [, at] = readUleb(bytes, at);
        else if (kind === 1) at = skipLimits(bytes, at + 1);
        else if (kind === 2) at = skipLimits(bytes, at);
        else if (kind === 3) at += 2;
        else if (kind === 4) [, at] = readUleb(bytes, at + 1);
        else throw new Error(`unknown import kind ${kind}`);
        if (kind < 4) counts[KIND_BY_CODE[kind]]++;
      }
    }
    const kind = ({ 3: 'func', 4: 'table', 5: 'memory', 6: 'global' } as Record<number, ExternKind>)[s.id];
    if (kind) counts[kind] += readUleb(bytes, s.contentStart)[0];
  }
  return counts;
}

export function readExports(bytes: Uint8Array): ExportEntry[] {
  const s = listSections(bytes).find((x) => x.id === 7);
  if (!s) return [];
  const entries: ExportEntry[] = [];
  let [n, at] = readUleb(bytes, s.contentStart);
  for (let i = 0; i < n; i++) {
    let exportName: string;
    [exportName, at] = readName(bytes, at);
    const kindCode = bytes[at++];
    let index: number;
    [index, at] = readUleb(bytes, at);
    const kind = KIND_BY_CODE[kindCode];
    if (!kind) throw new Error(`export kind ${kindCode} is not supported here`);
    entries.push({ name: exportName, kind, index });
  }
  return entries;
}

/** The module with its export section replaced by `exports` (inserted where the format wants it). */
export function withExports(bytes: Uint8Array, exports: readonly ExportEntry[]): Uint8Array {
  const content = vec(exports.map((e) => [...name(e.name), KIND_CODE[e.kind], ...uleb(e.index)]));
  return replaceSection(bytes, 7, section(7, content));
}

function replaceSection(bytes: Uint8Array, id: number, encoded: number[]): Uint8Array {
  const sections = listSections(bytes);
  const existing = sections.find((s) => s.id === id);
  let cutStart: number;
  let cutEnd: number;
  if (existing) {
    cutStart = existing.start;
    cutEnd = existing.end;
  } else {
    const after = sections.find((s) => s.id !== 0 && SECTION_ORDER[s.id] > SECTION_ORDER[id]);
    cutStart = cutEnd = after ? after.start : bytes.length;
  }
  const out = new Uint8Array(bytes.length - (cutEnd - cutStart) + encoded.length);
  out.set(bytes.subarray(0, cutStart), 0);
  out.set(encoded, cutStart);
  out.set(bytes.subarray(cutEnd), cutStart + encoded.length);
  return out;
}

export const OBSERVER_PREFIX = '__fuzz_';

/**
 * Exports every memory, table and global the module does not export yet (as `__fuzz_<kind><index>`),
 * so that the harness can compare all of the module's state between engines after every call.
 * The new exports come last, so the indices of the original exports do not move.
 */
export function exportAllState(bytes: Uint8Array): Uint8Array {
  const exports = readExports(bytes);
  const counts = countIndexSpaces(bytes);
  const added: ExportEntry[] = [];
  for (const kind of ['memory', 'table', 'global'] as const) {
    for (let index = 0; index < counts[kind]; index++) {
      if (!exports.some((e) => e.kind === kind && e.index === index)) added.push({ name: `${OBSERVER_PREFIX}${kind}${index}`, kind, index });
    }
  }
  return added.length ? withExports(bytes, [...exports, ...added]) : bytes;
}

/** Offsets of each defined function's body (locals and code) in the code section. */
export function functionBodies(bytes: Uint8Array): Array<{ start: number; end: number }> {
  const s = listSections(bytes).find((x) => x.id === 10);
  if (!s) return [];
  const bodies: Array<{ start: number; end: number }> = [];
  let [n, at] = readUleb(bytes, s.contentStart);
  for (let i = 0; i < n; i++) {
    const [size, start] = readUleb(bytes, at);
    bodies.push({ start, end: start + size });
    at = start + size;
  }
  return bodies;
}

/** Replaces defined function `index`'s body with `unreachable` (valid whatever its type). */
export function stubFunction(bytes: Uint8Array, index: number): Uint8Array {
  const s = listSections(bytes).find((x) => x.id === 10);
  if (!s) throw new Error('no code section');
  const bodies = functionBodies(bytes);
  const encodedBodies = bodies.map((b, i) => (i === index ? [0x00, 0x00, 0x0b] : [...bytes.subarray(b.start, b.end)]));
  return replaceSection(bytes, 10, section(10, vec(encodedBodies.map((body) => [...uleb(body.length), ...body]))));
}

/** Drops custom sections (names, features), which only make a reduced case bigger. */
export function withoutCustomSections(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of listSections(bytes)) if (s.id !== 0) parts.push(bytes.subarray(s.start, s.end));
  return Buffer.concat(parts);
}

export interface Signature {
  params: ValType[];
  results: ValType[];
}

/** The signature of every function export, by export name (the JS API does not tell them). */
export function exportedSignatures(bytes: Uint8Array): Map<string, Signature> {
  const sections = listSections(bytes);
  const types: Signature[] = [];
  const funcTypes: number[] = [];
  const valTypes = (at: number): [ValType[], number] => {
    let n: number;
    [n, at] = readUleb(bytes, at);
    const list: ValType[] = [];
    for (let i = 0; i < n; i++) list.push(VALTYPE_BY_CODE[bytes[at++]] ?? ('i32' as ValType));
    return [list, at];
  };
  for (const s of sections) {
    if (s.id === 1) {
      let [n, at] = readUleb(bytes, s.contentStart);
      for (let i = 0; i < n; i++) {
        if (bytes[at++] !== 0x60) throw new Error('only function types are supported here');
        let params: ValType[];
        let results: ValType[];
        [params, at] = valTypes(at);
        [results, at] = valTypes(at);
        types.push({ params, results });
      }
    } else if (s.id === 2) {
      let [n, at] = readUleb(bytes, s.contentStart);
      for (let i = 0; i < n; i++) {
        [, at] = readName(bytes, at);
        [, at] = readName(bytes, at);
        const kind = bytes[at++];
        if (kind === 0) {
          let type: number;
          [type, at] = readUleb(bytes, at);
          funcTypes.push(type);
        } else if (kind === 1) at = skipLimits(bytes, at + 1);
        else if (kind === 2) at = skipLimits(bytes, at);
        else if (kind === 3) at += 2;
        else [, at] = readUleb(bytes, at + 1);
      }
    } else if (s.id === 3) {
      let [n, at] = readUleb(bytes, s.contentStart);
      for (let i = 0; i < n; i++) {
        let type: number;
        [type, at] = readUleb(bytes, at);
        funcTypes.push(type);
      }
    }
  }
  const signatures = new Map<string, Signature>();
  for (const e of readExports(bytes)) {
    const type = types[funcTypes[e.index]];
    if (e.kind === 'func' && type) signatures.set(e.name, type);
  }
  return signatures;
}
