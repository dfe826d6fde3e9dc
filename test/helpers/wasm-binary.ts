// Hand-built wasm binaries, for modules that wabt refuses to produce (ill-typed or malformed ones).

export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c } as const;
export type ValTypeName = keyof typeof VALTYPE;

export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** A length-prefixed vector of already-encoded items. */
export function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

export function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
}

export interface FuncSpec {
  params: ValTypeName[];
  results: ValTypeName[];
  locals?: ValTypeName[];
  /** Instruction bytes, without the final `end` (0x0b), which is appended. */
  body: number[];
  export?: string;
}

/** A module with one type per function, the functions in order, and their exports. */
export function buildModule(funcs: FuncSpec[]): Uint8Array {
  const types = funcs.map((f) => [
    0x60,
    ...vector(f.params.map((t) => [VALTYPE[t]])),
    ...vector(f.results.map((t) => [VALTYPE[t]])),
  ]);
  const exports = funcs.flatMap((f, index) => (f.export ? [[...name(f.export), 0x00, ...unsignedLeb(index)]] : []));
  const bodies = funcs.map((f) => {
    const locals = vector((f.locals ?? []).map((t) => [1, VALTYPE[t]]));
    const code = [...locals, ...f.body, 0x0b];
    return [...unsignedLeb(code.length), ...code];
  });
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, vector(types)),
    ...section(3, vector(funcs.map((_, index) => unsignedLeb(index)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/** Opcodes used by the hand-built modules. */
export const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_add: 0x6a,
  i64_add: 0x7c,
  blocktype_empty: 0x40,
} as const;
