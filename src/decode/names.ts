// The "name" custom section (the spec's appendix): the module's name and its functions' names, for
// stack traces and profiler maps. As in V8, a malformed name section is no error: names are read up
// to the first malformation and the rest is ignored (the module itself stays valid).
import type { CustomSection } from './ir.js';
import { Reader } from './reader.js';

export interface Names {
  /** The module name subsection's name, if any. */
  module: string | undefined;
  /** Function index (imports counted) → name. */
  functions: ReadonlyMap<number, string>;
}

const enum Subsection {
  Module = 0,
  Functions = 1,
}

const NO_NAMES: Names = { module: undefined, functions: new Map() };

/** The names in the first custom section called "name" (as V8, which reads only that one). */
export function readNames(sections: readonly CustomSection[]): Names {
  const section = sections.find((s) => s.name === 'name');
  if (!section) return NO_NAMES;
  let module: string | undefined;
  const functions = new Map<number, string>();
  const reader = new Reader(section.bytes);
  try {
    while (!reader.atEnd) {
      const id = reader.u8();
      const size = reader.u32('name subsection size');
      if (size > reader.end - reader.pos) break;
      const sub = new Reader(section.bytes, reader.pos, reader.pos + size);
      reader.pos += size;
      if (id === Subsection.Module) module = sub.name();
      else if (id === Subsection.Functions) {
        const count = sub.u32('function name count');
        for (let i = 0; i < count; i++) {
          const index = sub.u32('function index');
          const name = sub.name();
          if (!functions.has(index)) functions.set(index, name);
        }
      }
    }
  } catch (err) {
    // A malformation ends the names read so far; anything else is a bug.
    if (!(err instanceof WebAssembly.CompileError)) throw err;
  }
  return { module, functions };
}
