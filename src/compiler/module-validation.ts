// Module-level validation (everything outside function bodies, which FunctionCompiler validates).
import type { ConstExpr, FuncType, GlobalType, Limits, ModuleIR, TableType, ValType } from '../decode/index.js';
import { MAX_MEMORY_PAGES } from './abi.js';

export interface ModuleIndexSpaces {
  funcTypes: readonly FuncType[];
  globals: readonly GlobalType[];
  tables: readonly TableType[];
  memoryCount: number;
  importedGlobals: number;
}

const fail = (message: string): never => {
  throw new WebAssembly.CompileError(message);
};

export function validateModule(ir: ModuleIR, spaces: ModuleIndexSpaces): void {
  if (spaces.memoryCount > 1) fail('multiple memories are not allowed');
  for (const imp of ir.imports) {
    if (imp.kind === 'memory') checkMemoryLimits(imp.limits);
    if (imp.kind === 'table') checkLimits(imp.table.limits, 'table', 2 ** 32 - 1);
  }
  ir.memories.forEach(checkMemoryLimits);
  ir.tables.forEach((t) => checkLimits(t.limits, 'table', 2 ** 32 - 1));
  ir.globals.forEach((g, i) => checkConstExpr(g.init, g.global.type, spaces, () => `global ${spaces.importedGlobals + i}`));

  const names = new Set<string>();
  for (const exp of ir.exports) {
    if (names.has(exp.name)) fail(`duplicate export name "${exp.name}"`);
    names.add(exp.name);
    const count = {
      func: spaces.funcTypes.length,
      global: spaces.globals.length,
      table: spaces.tables.length,
      memory: spaces.memoryCount,
    }[exp.kind];
    if (exp.index >= count) fail(`export "${exp.name}": unknown ${exp.kind} ${exp.index}`);
  }
  if (ir.start !== undefined) {
    const type = spaces.funcTypes[ir.start] ?? fail(`start function: unknown function ${ir.start}`);
    if (type.params.length > 0 || type.results.length > 0) {
      fail(`start function ${ir.start} must take no params and return no results`);
    }
  }
  ir.elems.forEach((segment, i) => {
    if (segment.mode.kind === 'active') {
      const table = spaces.tables[segment.mode.index] ?? fail(`element segment ${i}: unknown table ${segment.mode.index}`);
      if (table.element !== segment.type) fail(`element segment ${i}: type mismatch, ${segment.type} segment for a ${table.element} table`);
      checkConstExpr(segment.mode.offset, 'i32', spaces, () => `element segment ${i} offset`);
    }
    const where = () => `element segment ${i}`;
    segment.items.forEach((item) => checkConstExpr(item, segment.type, spaces, where));
  });
  const { datas } = ir;
  for (let i = 0; i < datas.count; i++) {
    if (datas.passive[i] === 1) continue;
    if (datas.memories[i]! >= spaces.memoryCount) fail(`data segment ${i}: unknown memory ${datas.memories[i]}`);
    // An i32.const offset (those not in offsetExprs) is an i32.
    const offset = datas.offsetExprs.get(i);
    if (offset) checkConstExpr(offset, 'i32', spaces, () => `data segment ${i} offset`);
  }
}

/**
 * Whether a v128 value may exist outside unreachable code: v128 is decoded but not compiled yet
 * (its instructions are unsupported instructions), so a module with a v128 type, global or local is
 * refused as a whole, as the decoder refused it before.
 */
function checkLimits(limits: Limits, what: string, bound: number): void {
  if (limits.min > bound) fail(`${what} size must be at most ${bound}`);
  if (limits.max !== undefined) {
    if (limits.max > bound) fail(`${what} size must be at most ${bound}`);
    if (limits.min > limits.max) fail(`${what} size minimum must not be greater than maximum`);
  }
}

function checkMemoryLimits(limits: Limits): void {
  checkLimits(limits, 'memory', MAX_MEMORY_PAGES);
}

const CONST_TYPES: Record<Exclude<ConstExpr['op'], 'global.get' | 'ref.null'>, ValType> = {
  'i32.const': 'i32',
  'i64.const': 'i64',
  'f32.const': 'f32',
  'f64.const': 'f64',
  'v128.const': 'v128',
  'ref.func': 'funcref',
};

/** `where` names the expression in an error; a function, since Go modules have ~100,000 segments. */
function checkConstExpr(expr: ConstExpr, expected: ValType, spaces: ModuleIndexSpaces, where: () => string): void {
  let actual: ValType;
  if (expr.op === 'global.get') {
    const global = spaces.globals[expr.index];
    if (!global || expr.index >= spaces.importedGlobals) fail(`${where()}: unknown global ${expr.index} in a constant expression (only imported globals)`);
    if (global!.mutable) fail(`${where()}: constant expression required, global ${expr.index} is mutable`);
    actual = global!.type;
  } else if (expr.op === 'ref.null') {
    actual = expr.refType;
  } else {
    if (expr.op === 'ref.func' && expr.index >= spaces.funcTypes.length) fail(`${where()}: unknown function ${expr.index}`);
    actual = CONST_TYPES[expr.op];
  }
  if (actual !== expected) fail(`${where()}: type mismatch, expected ${expected}, got ${actual}`);
}
