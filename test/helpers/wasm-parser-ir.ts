// decode: wasm bytes → ModuleIR through @webassemblyjs/wasm-parser. Every quirk of the parser's AST is
// normalised here (old opcode names, u32/u64 objects, {high, low} i64 constants, nested block trees,
// block types given as type indices), so nothing downstream ever sees the parser's node shapes.
import { decode as parseWasm } from '@webassemblyjs/wasm-parser';
import type { Export, Func, FuncImport, FuncType, Instr, ModuleIR, ValType } from './ir.js';

export type * from './ir.js';

// The parser's AST is untyped JSON-like data; this alias marks the places that read it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

const VALTYPES = new Set<string>(['i32', 'i64', 'f32', 'f64', 'funcref', 'externref']);

/** Decodes a binary module; malformed input throws WebAssembly.CompileError. */
export function decodeModule(bytes: Uint8Array): ModuleIR {
  const ast = parseQuietly(bytes);
  const module: ModuleIR = { types: [], imports: [], funcs: [], exports: [], start: undefined, unsupported: [] };
  const fields: Node[] = ast.body[0].fields;
  const definedFuncs: Node[] = [];
  for (const field of fields) {
    switch (field.type) {
      case 'TypeInstruction':
        module.types.push(signatureOf(field.functype));
        break;
      case 'ModuleImport':
        if (field.descr.type === 'FuncImportDescr') {
          module.imports.push(funcImport(field));
        } else {
          module.unsupported.push(`import of a ${importKind(field.descr)} (${field.module}.${field.name})`);
        }
        break;
      case 'Func':
        definedFuncs.push(field);
        break;
      case 'ModuleExport':
        module.exports.push(exportOf(field));
        break;
      case 'Start':
        module.start = field.index.value;
        break;
      case 'Memory':
        module.unsupported.push('linear memory');
        break;
      case 'Table':
        module.unsupported.push('tables');
        break;
      case 'Global':
        module.unsupported.push('globals');
        break;
      case 'Elem':
        module.unsupported.push('element segments');
        break;
      case 'Data':
        module.unsupported.push('data segments');
        break;
      default:
        break;
    }
  }
  definedFuncs.forEach((node, i) => {
    module.funcs.push(funcOf(node, module.imports.length + i, module.types));
  });
  return module;
}

// Valid WebAssembly 2.0 encodings the parser rejects (0xfc prefix, typed select, call_indirect on a
// table other than 0, newer element and data segment forms); not the module's fault.
const PARSER_LIMITATIONS = [
  /Unexpected instruction: 0xfc/,
  /illegal bytecode: 0x1c/,
  /zero flag expected/,
  /unexpected Elem with bitfield/,
  /data section offset must be a single instruction/,
];

// The parser prints `{ signature: … }` to console.log for block types that are type indices.
function parseQuietly(bytes: Uint8Array): Node {
  const log = console.log;
  console.log = () => {};
  try {
    return parseWasm(bytes, { ignoreCustomNameSection: true, ignoreCodeSection: false });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (PARSER_LIMITATIONS.some((pattern) => pattern.test(message))) {
      throw new WebAssembly.CompileError(`unsupported encoding: ${message} (@webassemblyjs/wasm-parser cannot decode it yet)`);
    }
    throw new WebAssembly.CompileError(`invalid module: ${message}`);
  } finally {
    console.log = log;
  }
}

function valType(name: string): ValType {
  const normalised = name === 'anyfunc' ? 'funcref' : name;
  if (!VALTYPES.has(normalised)) throw new WebAssembly.CompileError(`invalid value type ${name}`);
  return normalised as ValType;
}

function signatureOf(sig: Node): FuncType {
  return {
    params: sig.params.map((p: Node) => valType(p.valtype)),
    results: (sig.results ?? sig.result).map((r: string) => valType(r)),
  };
}

function importKind(descr: Node): string {
  switch (descr.type) {
    case 'GlobalType':
      return 'global';
    case 'Memory':
      return 'memory';
    case 'Table':
      return 'table';
    default:
      return String(descr.type);
  }
}

function funcImport(field: Node): FuncImport {
  return { module: field.module, name: field.name, kind: 'func', type: signatureOf(field.descr.signature) };
}

const EXPORT_KINDS: Record<string, Export['kind']> = { Func: 'func', Memory: 'memory', Table: 'table', Global: 'global' };

function exportOf(field: Node): Export {
  const kind = EXPORT_KINDS[field.descr.exportType];
  if (!kind) throw new WebAssembly.CompileError(`invalid export kind ${field.descr.exportType}`);
  return { name: field.name, kind, index: field.descr.id.value };
}

function funcOf(node: Node, index: number, types: FuncType[]): Func {
  const locals: ValType[] = [];
  const body: Instr[] = [];
  for (const instr of node.body as Node[]) {
    if (instr.type === 'Instr' && instr.id === 'local') {
      for (const arg of instr.args) locals.push(valType(arg.name));
    } else {
      flatten(instr, types, body);
    }
  }
  return { index, type: signatureOf(node.signature), locals, body };
}

// ---- instructions ---------------------------------------------------------------------------------

const RENAMED: Record<string, string> = {
  get_local: 'local.get',
  set_local: 'local.set',
  tee_local: 'local.tee',
  get_global: 'global.get',
  set_global: 'global.set',
  current_memory: 'memory.size',
  grow_memory: 'memory.grow',
};

/** `i64.extend_s/i32` → `i64.extend_i32_s`, `i32.wrap/i64` → `i32.wrap_i64`, `u64.load` → `i64.load`. */
function opName(node: Node): string {
  const id: string = RENAMED[node.id] ?? node.id;
  if (!node.object) return id;
  const object = node.object === 'u32' ? 'i32' : node.object === 'u64' ? 'i64' : node.object;
  const conversion = /^(\w+?)(?:_([su]))?\/(\w+)$/.exec(id);
  if (!conversion) return `${object}.${id}`;
  const [, name, sign, from] = conversion;
  return `${object}.${name}_${from}${sign ? `_${sign}` : ''}`;
}

function blockType(result: Node, types: FuncType[]): FuncType {
  if (result === null || result === undefined) return { params: [], results: [] };
  if (typeof result === 'number') {
    const type = types[result];
    if (!type) throw new WebAssembly.CompileError(`block type index ${result} out of range`);
    return type;
  }
  return { params: [], results: [valType(result)] };
}

function int64Of(literal: Node): bigint {
  const { high, low } = literal.value;
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low >>> 0));
}

/** Appends the instruction (and, for structured ones, everything inside it) to `out` in binary order. */
function flatten(node: Node, types: FuncType[], out: Instr[]): void {
  switch (node.type) {
    case 'BlockInstruction':
    case 'LoopInstruction':
      out.push({ op: node.id, type: blockType(node.id === 'loop' ? node.resulttype : node.result, types) });
      flattenSequence(node.instr, types, out);
      return;
    case 'IfInstruction':
      out.push({ op: 'if', type: blockType(node.result, types) });
      flattenSequence(node.consequent, types, out, node.alternate.length > 0);
      if (node.alternate.length > 0) {
        out.push({ op: 'else' });
        flattenSequence(node.alternate, types, out);
      }
      return;
    case 'CallInstruction':
      out.push({ op: 'call', index: node.index.value });
      return;
    case 'CallIndirectInstruction':
      out.push({ op: 'call_indirect' });
      return;
    default:
      out.push(plainInstr(node));
  }
}

/**
 * The parser keeps a block's `end` as the last node of its instruction list, except that an `if`
 * with an `else` has its `end` only at the close of the alternate; `hasElse` marks such a then-branch.
 */
function flattenSequence(nodes: Node[], types: FuncType[], out: Instr[], hasElse = false): void {
  const last = nodes[nodes.length - 1];
  const endsItself = last?.type === 'Instr' && last.id === 'end';
  const body = hasElse && endsItself ? nodes.slice(0, -1) : nodes;
  for (const node of body) flatten(node, types, out);
  if (!hasElse && !endsItself) out.push({ op: 'end' });
}

function plainInstr(node: Node): Instr {
  const op = opName(node);
  const args: Node[] = node.args ?? [];
  switch (op) {
    case 'i32.const':
      return { op, value: args[0].value | 0 };
    case 'i64.const':
      return { op, value: int64Of(args[0]) };
    case 'local.get':
    case 'local.set':
    case 'local.tee':
    case 'br':
    case 'br_if':
      return { op, index: args[0].value };
    case 'br_table': {
      const depths = args.map((a) => a.value as number);
      return { op, targets: depths.slice(0, -1), defaultTarget: depths[depths.length - 1]! };
    }
    default:
      return { op };
  }
}
