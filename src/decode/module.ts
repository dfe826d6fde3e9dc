// The binary module format: header, sections in their required order, and each section's contents.
import { BodyWriter, readBody, readConstExpr, readRefType, readValType } from './body.js';
import type { Body, ConstExpr, DataSegments, ElemSegment, Export, FuncType, GlobalType, Import, Limits, ModuleIR, SegmentMode, TableType } from './ir.js';
import { Reader } from './reader.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];

enum Section { Custom = 0, Type, Import, Function, Table, Memory, Global, Export, Start, Element, Code, Data, DataCount }

// Sections must appear in this order (the data count section sits between element and code).
const SECTION_ORDER = [
  Section.Type, Section.Import, Section.Function, Section.Table, Section.Memory, Section.Global,
  Section.Export, Section.Start, Section.Element, Section.DataCount, Section.Code, Section.Data,
];

/** Locals of one function, V8's limit. */
const MAX_LOCALS = 50_000;

export interface DecodeOptions {
  /**
   * `false` leaves every function's locals and body empty, undecoded: for code compiled before
   * (runtime/artifact.ts), whose bytes were decoded and validated when it was compiled.
   */
  bodies?: boolean;
}

/** The body of a function decoded without its body (`bodies: false`). */
export const NO_BODY: Body = { code: new Int32Array(0), extra: new Int32Array(0) };
const NO_DATAS: DataSegments = {
  count: 0, bytes: new Uint8Array(0), starts: new Uint32Array(0), lengths: new Uint32Array(0),
  passive: new Uint8Array(0), memories: new Uint32Array(0), offsets: new Int32Array(0), offsetExprs: new Map(),
};

export function decodeBinary(bytes: Uint8Array, options: DecodeOptions = {}): ModuleIR {
  const reader = new Reader(bytes);
  expectBytes(reader, MAGIC, 'magic header not detected');
  expectBytes(reader, VERSION, 'unknown binary version');
  const module: ModuleIR = {
    types: [], imports: [], funcs: [], tables: [], memories: [], globals: [], exports: [],
    start: undefined, elems: [], datas: NO_DATAS, dataCount: undefined, customSections: [],
  };
  let funcTypeIndices: number[] = [];
  let codeSeen = false;
  let lastOrder = -1;
  while (!reader.atEnd) {
    const idAt = reader.pos;
    const id = reader.u8();
    const size = reader.u32('section size');
    if (size > reader.end - reader.pos) throw reader.error(`section ${id} is larger than the module (${size} bytes)`, idAt);
    const section = new Reader(bytes, reader.pos, reader.pos + size);
    reader.pos += size;
    if (id !== Section.Custom) {
      const order = SECTION_ORDER.indexOf(id);
      if (order < 0) throw reader.error(`malformed section id ${id}`, idAt);
      if (order <= lastOrder) throw reader.error(`unexpected section ${Section[id]}: sections out of order or duplicated`, idAt);
      lastOrder = order;
    }
    switch (id) {
      case Section.Custom: {
        const name = section.name();
        module.customSections.push({ name, bytes: section.copy(section.end - section.pos) });
        break;
      }
      case Section.Type:
        module.types = section.vec(() => readFuncType(section), 'types');
        break;
      case Section.Import:
        module.imports = section.vec(() => readImport(section, module.types), 'imports');
        break;
      case Section.Function:
        funcTypeIndices = section.vec(() => section.u32('type index'), 'functions');
        break;
      case Section.Table:
        module.tables = section.vec(() => readTableType(section), 'tables');
        break;
      case Section.Memory:
        module.memories = section.vec(() => readLimits(section, 'memory'), 'memories');
        break;
      case Section.Global:
        module.globals = section.vec(() => ({ global: readGlobalType(section), init: readConstExpr(section, module.types) }), 'globals');
        break;
      case Section.Export:
        module.exports = section.vec(() => readExport(section), 'exports');
        break;
      case Section.Start:
        module.start = section.u32('start function');
        break;
      case Section.Element:
        module.elems = section.vec(() => readElem(section, module.types), 'element segments');
        break;
      case Section.DataCount:
        module.dataCount = section.u32('data count');
        break;
      case Section.Code:
        codeSeen = true;
        readCode(section, module, funcTypeIndices, options.bodies ?? true);
        break;
      case Section.Data: {
        module.datas = readDatas(section, bytes, module.types);
        if (module.dataCount !== undefined && module.dataCount !== module.datas.count) {
          throw reader.error(`data count and data section have inconsistent lengths (${module.dataCount} and ${module.datas.count})`, idAt);
        }
        break;
      }
    }
    if (!section.atEnd) throw section.error(`section size mismatch: ${section.end - section.pos} bytes left in section ${Section[id]}`);
  }
  if (!codeSeen && funcTypeIndices.length > 0) {
    throw reader.error(`function and code section have inconsistent lengths (${funcTypeIndices.length} and 0)`);
  }
  if (module.dataCount !== undefined && module.dataCount > 0 && module.datas.count === 0) {
    throw reader.error(`data count and data section have inconsistent lengths (${module.dataCount} and 0)`);
  }
  return module;
}

function expectBytes(reader: Reader, expected: readonly number[], message: string): void {
  const at = reader.pos;
  for (const byte of expected) {
    if (reader.atEnd || reader.u8() !== byte) throw reader.error(message, at);
  }
}

function readFuncType(reader: Reader): FuncType {
  const at = reader.pos;
  if (reader.u8() !== 0x60) throw reader.error('malformed function type: expected 0x60', at);
  const params = reader.vec(() => readValType(reader), 'params');
  return { params, results: reader.vec(() => readValType(reader), 'results') };
}

function readLimits(reader: Reader, what: string): Limits {
  const at = reader.pos;
  const flags = reader.u8();
  if (flags > 1) throw reader.error(`malformed ${what} limits flags 0x${flags.toString(16)}`, at);
  const min = reader.u32(`${what} minimum`);
  return flags === 1 ? { min, max: reader.u32(`${what} maximum`) } : { min };
}

function readTableType(reader: Reader): TableType {
  const element = readRefType(reader);
  return { element, limits: readLimits(reader, 'table') };
}

function readGlobalType(reader: Reader): GlobalType {
  const type = readValType(reader);
  const at = reader.pos;
  const mutability = reader.u8();
  if (mutability > 1) throw reader.error(`malformed mutability 0x${mutability.toString(16)}`, at);
  return { type, mutable: mutability === 1 };
}

function readImport(reader: Reader, types: readonly FuncType[]): Import {
  const module = reader.name();
  const name = reader.name();
  const at = reader.pos;
  const kind = reader.u8();
  switch (kind) {
    case 0: {
      const typeIndex = reader.u32('type index');
      const type = types[typeIndex];
      if (!type) throw reader.error(`unknown type ${typeIndex} in import ${module}.${name}`, at);
      return { module, name, kind: 'func', typeIndex, type };
    }
    case 1:
      return { module, name, kind: 'table', table: readTableType(reader) };
    case 2:
      return { module, name, kind: 'memory', limits: readLimits(reader, 'memory') };
    case 3:
      return { module, name, kind: 'global', global: readGlobalType(reader) };
    default:
      throw reader.error(`malformed import kind ${kind}`, at);
  }
}

const EXPORT_KINDS: Export['kind'][] = ['func', 'table', 'memory', 'global'];

function readExport(reader: Reader): Export {
  const name = reader.name();
  const at = reader.pos;
  const kind = EXPORT_KINDS[reader.u8()];
  if (!kind) throw reader.error('malformed export kind', at);
  return { name, kind, index: reader.u32('export index') };
}

/**
 * About how many instructions a code section of `bytes` holds: real and generated modules have
 * 2.5 bytes or more per instruction. A guess too small costs another block, one too large its room.
 */
const recordsEstimate = (bytes: number): number => Math.ceil(bytes / 2.5);

function readCode(reader: Reader, module: ModuleIR, typeIndices: readonly number[], bodies: boolean): void {
  const importedFuncs = module.imports.filter((i) => i.kind === 'func').length;
  const count = reader.u32('code count');
  if (count !== typeIndices.length) {
    throw reader.error(`function and code section have inconsistent lengths (${typeIndices.length} and ${count})`);
  }
  const writer = new BodyWriter(bodies ? recordsEstimate(reader.end - reader.pos) : 1);
  for (let i = 0; i < count; i++) {
    const sizeAt = reader.pos;
    const size = reader.u32('body size');
    if (size > reader.end - reader.pos) throw reader.error(`function body ${i} is larger than the code section`, sizeAt);
    const body = new Reader(reader.bytes, reader.pos, reader.pos + size);
    reader.pos += size;
    const typeIndex = typeIndices[i]!;
    const type = module.types[typeIndex];
    if (!type) throw reader.error(`function ${importedFuncs + i}: unknown type ${typeIndex}`, sizeAt);
    if (!bodies) {
      module.funcs.push({ index: importedFuncs + i, typeIndex, type, locals: [], body: NO_BODY, bodyOffset: body.pos });
      continue;
    }
    const locals: ReturnType<typeof readValType>[] = [];
    let total = 0;
    body.vec(() => {
      const countAt = body.pos;
      const n = body.u32('local count');
      total += n;
      if (total > MAX_LOCALS) throw body.error(`too many locals in function ${importedFuncs + i}: more than ${MAX_LOCALS}`, countAt);
      const localType = readValType(body);
      for (let k = 0; k < n; k++) locals.push(localType);
    }, 'local declarations');
    const bodyOffset = body.pos;
    module.funcs.push({ index: importedFuncs + i, typeIndex, type, locals, body: readFunctionBody(body, module.types, importedFuncs + i, writer), bodyOffset });
  }
}

/** A body's instructions; a malformation names the function it is in. */
function readFunctionBody(reader: Reader, types: readonly FuncType[], index: number, writer: BodyWriter) {
  try {
    return readBody(reader, types, writer);
  } catch (err) {
    if (err instanceof WebAssembly.CompileError) throw new WebAssembly.CompileError(`function ${index}: ${err.message}`);
    throw err;
  }
}

function readMode(reader: Reader, flags: number, types: readonly FuncType[], explicitIndex: boolean): SegmentMode {
  if (flags & 1) return flags & 2 ? { kind: 'declarative' } : { kind: 'passive' };
  const index = explicitIndex ? reader.u32('segment target') : 0;
  return { kind: 'active', index, offset: readConstExpr(reader, types) };
}

/** Element segments in their eight encodings: bit 0 passive/declarative, bit 1 explicit table or kind, bit 2 expressions. */
function readElem(reader: Reader, types: readonly FuncType[]): ElemSegment {
  const at = reader.pos;
  const flags = reader.u32('element segment flags');
  if (flags > 7) throw reader.error(`malformed element segment flags ${flags}`, at);
  const mode = readMode(reader, flags, types, (flags & 3) === 2);
  const usesExpressions = (flags & 4) !== 0;
  let type: ElemSegment['type'] = 'funcref';
  if (flags & 3) {
    if (usesExpressions) {
      type = readRefType(reader);
    } else {
      const kindAt = reader.pos;
      if (reader.u8() !== 0) throw reader.error('malformed element kind: expected 0x00 (funcref)', kindAt);
    }
  }
  const items: ConstExpr[] = usesExpressions
    ? reader.vec(() => readConstExpr(reader, types), 'elements')
    : reader.vec(() => ({ op: 'ref.func', index: reader.u32('function index') }), 'elements');
  return { type, mode, items };
}

/** The data section's segments in arrays by index (see DataSegments), no object per segment. */
function readDatas(reader: Reader, bytes: Uint8Array, types: readonly FuncType[]): DataSegments {
  const count = reader.u32('data segments length');
  // Each segment takes at least one byte: a larger count can only be a malformation.
  if (count > reader.end - reader.pos) throw reader.error(`data segments length ${count} is larger than the rest of the section`);
  // The segments' bytes are views of one copy of the rest of the section: the caller may change its
  // bytes after compiling, and instances made later must not see it.
  const copyStart = reader.pos;
  const copy = new Reader(bytes, copyStart, reader.end).copy(reader.end - copyStart);
  const datas = {
    count, bytes: copy, starts: new Uint32Array(count), lengths: new Uint32Array(count),
    passive: new Uint8Array(count), memories: new Uint32Array(count), offsets: new Int32Array(count), offsetExprs: new Map<number, ConstExpr>(),
  };
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const flags = reader.u32('data segment flags');
    if (flags > 2) throw reader.error(`malformed data segment flags ${flags}`, at);
    if (flags === 1) {
      datas.passive[i] = 1;
    } else {
      datas.memories[i] = flags === 2 ? reader.u32('segment target') : 0;
      const offset = readConstExpr(reader, types);
      if (offset.op === 'i32.const') datas.offsets[i] = offset.value;
      else datas.offsetExprs.set(i, offset);
    }
    const length = reader.u32('data length');
    datas.starts[i] = reader.skip(length) - copyStart;
    datas.lengths[i] = length;
  }
  return datas;
}
