// An independent reading of a module through @webassemblyjs/wasm-parser, projected onto the parts of
// wasmjit's IR the parser gets right (types, exports, function locals and bodies with their integer
// immediates, block types and branch targets): the oracle for test/decode.test.ts.
import { decode as parseWasm } from '@webassemblyjs/wasm-parser';
import type { FuncType, ValType } from '../../src/decode/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

/** The projection both decoders are compared on. */
export interface ComparableInstr {
  op: string;
  index?: number;
  value?: number | bigint;
  targets?: number[];
  defaultTarget?: number;
  blockType?: FuncType;
}

export interface ComparableModule {
  types: FuncType[];
  exports: { name: string; kind: string; index: number }[];
  funcs: { type: FuncType; locals: ValType[]; body: ComparableInstr[] }[];
}

/** The parser's reading, or undefined for the modules it cannot decode. */
export function parseWithWasmParser(bytes: Uint8Array): ComparableModule | undefined {
  let ast: Node;
  const log = console.log;
  const warn = console.warn;
  // The parser prints `{ signature: … }` for block types given as type indices.
  console.log = () => {};
  console.warn = () => {};
  try {
    ast = parseWasm(bytes, { ignoreCustomNameSection: true });
  } catch {
    return undefined;
  } finally {
    console.log = log;
    console.warn = warn;
  }
  const fields: Node[] = ast.body[0].fields;
  const types = fields.filter((f) => f.type === 'TypeInstruction').map((f) => signatureOf(f.functype));
  const exportKinds: Record<string, string> = { Func: 'func', Memory: 'memory', Table: 'table', Global: 'global' };
  return {
    types,
    exports: fields.filter((f) => f.type === 'ModuleExport').map((f) => ({ name: f.name, kind: exportKinds[f.descr.exportType]!, index: f.descr.id.value })),
    funcs: fields.filter((f) => f.type === 'Func').map((f) => funcOf(f, types)),
  };
}

const valType = (name: string): ValType => (name === 'anyfunc' ? 'funcref' : name) as ValType;

function signatureOf(sig: Node): FuncType {
  return { params: sig.params.map((p: Node) => valType(p.valtype)), results: (sig.results ?? sig.result).map(valType) };
}

function funcOf(node: Node, types: FuncType[]) {
  const locals: ValType[] = [];
  const body: ComparableInstr[] = [];
  for (const instr of node.body as Node[]) {
    if (instr.type === 'Instr' && instr.id === 'local') for (const arg of instr.args) locals.push(valType(arg.name));
    else flatten(instr, types, body);
  }
  return { type: signatureOf(node.signature), locals, body };
}

const RENAMED: Record<string, string> = {
  get_local: 'local.get', set_local: 'local.set', tee_local: 'local.tee',
  get_global: 'global.get', set_global: 'global.set', current_memory: 'memory.size', grow_memory: 'memory.grow',
};

/** `i64.extend_s/i32` → `i64.extend_i32_s`, `u64.load` → `i64.load`. */
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
  return typeof result === 'number' ? types[result]! : { params: [], results: [valType(result)] };
}

function flatten(node: Node, types: FuncType[], out: ComparableInstr[]): void {
  switch (node.type) {
    case 'BlockInstruction':
    case 'LoopInstruction':
      out.push({ op: node.id, blockType: blockType(node.id === 'loop' ? node.resulttype : node.result, types) });
      sequence(node.instr, types, out, false);
      return;
    case 'IfInstruction':
      out.push({ op: 'if', blockType: blockType(node.result, types) });
      sequence(node.consequent, types, out, node.alternate.length > 0);
      if (node.alternate.length > 0) {
        out.push({ op: 'else' });
        sequence(node.alternate, types, out, false);
      }
      return;
    case 'CallInstruction':
      out.push({ op: 'call', index: node.index.value });
      return;
    case 'CallIndirectInstruction':
      out.push({ op: 'call_indirect' });
      return;
    default:
      out.push(plain(node));
  }
}

/** The parser keeps a block's `end` in its list, except in a then-branch followed by an else. */
function sequence(nodes: Node[], types: FuncType[], out: ComparableInstr[], hasElse: boolean): void {
  const last = nodes[nodes.length - 1];
  const endsItself = last?.type === 'Instr' && last.id === 'end';
  for (const node of hasElse && endsItself ? nodes.slice(0, -1) : nodes) flatten(node, types, out);
  if (!hasElse && !endsItself) out.push({ op: 'end' });
}

function plain(node: Node): ComparableInstr {
  const op = opName(node);
  const args: Node[] = node.args ?? [];
  switch (op) {
    case 'i32.const':
      return { op, value: args[0].value | 0 };
    case 'i64.const': {
      const { high, low } = args[0].value;
      return { op, value: BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low >>> 0)) };
    }
    case 'local.get':
    case 'local.set':
    case 'local.tee':
    case 'global.get':
    case 'global.set':
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
