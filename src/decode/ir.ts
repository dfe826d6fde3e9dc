// The module IR: what the compiler and the runtime see of a decoded module. Function bodies are flat
// instruction lists in binary order (block/loop/if … else … end), with text-format opcode names.

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | RefType;

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export type Instr =
  | { op: 'i32.const'; value: number }
  | { op: 'i64.const'; value: bigint }
  | { op: 'local.get' | 'local.set' | 'local.tee' | 'call' | 'br' | 'br_if'; index: number }
  | { op: 'br_table'; targets: number[]; defaultTarget: number }
  | { op: 'block' | 'loop' | 'if'; type: FuncType }
  | { op: string; index?: undefined };

export interface FuncImport {
  module: string;
  name: string;
  kind: 'func';
  type: FuncType;
}

export interface Func {
  /** Index in the module's function index space (imported functions come first). */
  index: number;
  type: FuncType;
  /** Declared locals, not including the parameters. */
  locals: ValType[];
  body: Instr[];
}

export interface Export {
  name: string;
  kind: 'func' | 'memory' | 'table' | 'global';
  index: number;
}

export interface ModuleIR {
  types: FuncType[];
  imports: FuncImport[];
  /** The functions defined in the module, in index order after the imports. */
  funcs: Func[];
  exports: Export[];
  start: number | undefined;
  /**
   * Sections this version of wasmjit decodes but cannot run yet (memory, table, global, elem, data,
   * non-function imports); compiling such a module is a CompileError naming the first one.
   */
  unsupported: string[];
}
