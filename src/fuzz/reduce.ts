// Automatic reduction of a finding: fewer calls, then a smaller module, keeping only changes after
// which the finding still shows (same signature). Candidates run in the worker pool, so a crash
// or hang while reducing is contained like any other. Our generator's modules are reduced as trees
// (statements deleted, expressions replaced by constants); other modules as bytes (function bodies
// stubbed, binaryen's own passes, and for malformed inputs plain byte-level delta debugging).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARYEN_FEATURES, binaryenTool } from './binaryen.js';
import type { Job } from './jobs.js';
import type { Pool, PoolOutcome } from './pool.js';
import type { CallSpec, RunOptions } from './runner.js';
import { encodeModule, zeroNode } from './typed-module.js';
import type { Node, TypedModule } from './typed-module.js';
import { functionBodies, stubFunction, withoutCustomSections } from './wasm-sections.js';

/** A finding's identity: what kind of difference, and the messages with numbers blotted out. */
export function signatureOf(outcome: PoolOutcome): string | null {
  const phase = (p: string) => p.replace(/ call \d+ .*$/, ' call').replace(/\d+/g, '#');
  switch (outcome.kind) {
    case 'crash':
      return `crash (${outcome.exit}) in ${phase(outcome.progress)}`;
    case 'hang':
      // V8 hanging is the generator's problem, not a finding.
      return outcome.progress.startsWith('v8') ? null : `hang in ${phase(outcome.progress)}`;
    case 'error':
      return null;
    case 'done': {
      const m = outcome.result.mismatch;
      if (!m) return null;
      const coarse = (text: string) => (text.startsWith('= ') ? 'a value' : text.replace(/\d+/g, '#').replace(/(memory\[#\.\.\] = ).*/, '$1…'));
      if (m.kind === 'memory' || m.kind === 'state') return `${m.kind}: ${coarse(m.v8).split(' ')[0]}`;
      if (m.kind === 'log') return 'log';
      return `${m.kind}: ${coarse(m.v8)} | ${coarse(m.wasmjit)}`;
    }
  }
}

export interface Reducible {
  bytes: Uint8Array;
  calls: CallSpec[];
  beforeCall: RunOptions['beforeCall'];
  /** Set for our generator's modules: reduced as a tree. */
  typed?: TypedModule;
  /** Set for malformed inputs: judged by compiling only. */
  compileOnly?: boolean;
}

interface Budget {
  deadline: number;
  tests: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export class Reducer {
  private readonly budget: Budget;

  constructor(
    private readonly pool: Pool,
    private readonly signature: string,
    private readonly timeoutMs: number,
    seconds: number,
  ) {
    this.budget = { deadline: Date.now() + seconds * 1000, tests: 0 };
  }

  private get outOfTime(): boolean {
    return Date.now() > this.budget.deadline;
  }

  private async stillFails(c: Reducible): Promise<boolean> {
    if (this.outOfTime) return false;
    this.budget.tests++;
    const job: Job = c.compileOnly ? { kind: 'compile', bytes: b64(c.bytes) } : { kind: 'case', bytes: b64(c.bytes), calls: c.calls, beforeCall: c.beforeCall };
    return signatureOf(await this.pool.run(job, this.timeoutMs)) === this.signature;
  }

  get tests(): number {
    return this.budget.tests;
  }

  async reduce(start: Reducible): Promise<Reducible> {
    let c = start;
    if (c.compileOnly) return { ...c, bytes: Uint8Array.from(await this.ddmin([...c.bytes], (bytes) => this.stillFails({ ...c, bytes: Uint8Array.from(bytes) }))) };
    c = { ...c, calls: await this.reduceCalls(c) };
    // A tree first (our generator's modules), then bytes: binaryen's passes also shrink the tree's scaffolding.
    if (c.typed) c = await this.reduceTree(c);
    return this.reduceBinary({ ...c, typed: undefined });
  }

  /** Only the failing call if that is enough, else as few of the calls before it as needed. */
  private async reduceCalls(c: Reducible): Promise<CallSpec[]> {
    if (c.calls.length <= 1) return c.calls;
    const last = c.calls[c.calls.length - 1];
    const earlier = await this.ddmin(c.calls.slice(0, -1), (calls) => this.stillFails({ ...c, calls: [...calls, last] }));
    return [...earlier, last];
  }

  /** Delta debugging: the smallest sublist (by chunks, then one at a time) that keeps `fails` true. */
  private async ddmin<T>(items: T[], fails: (items: T[]) => Promise<boolean>): Promise<T[]> {
    let current = items;
    let chunk = Math.max(1, Math.floor(current.length / 2));
    while (chunk >= 1 && current.length > 0 && !this.outOfTime) {
      let removedAny = false;
      for (let start = 0; start < current.length && !this.outOfTime; ) {
        const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
        if (await fails(candidate)) {
          current = candidate;
          removedAny = true;
        } else {
          start += chunk;
        }
      }
      if (!removedAny || chunk > current.length) chunk = Math.floor(chunk / 2);
    }
    return current;
  }

  // ---- our generator's modules: the tree --------------------------------------------------------

  private async reduceTree(c: Reducible): Promise<Reducible> {
    let typed = c.typed!;
    const test = (m: TypedModule) => this.stillFails({ ...c, typed: m, bytes: encodeModule(m) });
    for (let round = 0; round < 8 && !this.outOfTime; round++) {
      const before = JSON.stringify(typed);
      // Statements: delete as many as possible, whole runs at a time first.
      const statements = statementPaths(typed);
      const kept = await this.ddmin(statements, (paths) => test(withoutStatements(typed, statements, new Set(paths))));
      typed = withoutStatements(typed, statements, new Set(kept));
      // Statements nested in a statement (without branches, whose label depths would change) in its place.
      for (const p of statementPaths(typed).map((x) => JSON.parse(x) as NodePath)) {
        if (this.outOfTime) break;
        const node = at(typed, p);
        if (!node) continue;
        for (const inner of nestedStatements(node)) {
          const candidate = replaced(typed, p, inner);
          if (await test(candidate)) {
            typed = candidate;
            break;
          }
        }
      }
      // Expressions: replace each with zeros of its type, outermost first.
      for (const p of expressionPaths(typed)) {
        if (this.outOfTime) break;
        const node = at(typed, p);
        if (!node || (!node.kids?.length && !node.body)) continue;
        const candidate = replaced(typed, p, zeroNode(node.type));
        if (await test(candidate)) typed = candidate;
      }
      if (JSON.stringify(typed) === before) break;
    }
    return { ...c, typed, bytes: encodeModule(typed) };
  }

  // ---- other modules: bytes ---------------------------------------------------------------------

  private async reduceBinary(c: Reducible): Promise<Reducible> {
    let bytes = withoutCustomSections(c.bytes);
    if (!(await this.stillFails({ ...c, bytes }))) bytes = c.bytes;
    const count = functionBodies(bytes).length;
    const stubbed = await this.ddmin([...Array(count).keys()], async (keep) => {
      const set = new Set(keep);
      let b = bytes;
      for (let f = 0; f < count; f++) if (!set.has(f)) b = stubFunction(b, f);
      return this.stillFails({ ...c, bytes: b });
    });
    const keep = new Set(stubbed);
    for (let f = 0; f < count; f++) if (!keep.has(f)) bytes = stubFunction(bytes, f);
    for (const passes of BINARYEN_REDUCTIONS) {
      if (this.outOfTime) break;
      const optimized = runPasses(bytes, passes);
      if (optimized && optimized.length < bytes.length && (await this.stillFails({ ...c, bytes: optimized }))) bytes = optimized;
    }
    return { ...c, bytes };
  }
}

/** Binaryen passes that shrink a module; each is kept only if the finding survives it. */
const BINARYEN_REDUCTIONS = [
  ['--remove-unused-module-elements'], ['--dce', '--vacuum'], ['--precompute'], ['--simplify-locals', '--vacuum'],
  ['--merge-blocks', '--remove-unused-brs'], ['-O1'], ['-Oz'],
];

function runPasses(bytes: Uint8Array, passes: string[]): Uint8Array | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmjit-reduce-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.wasm'), bytes);
    const run = spawnSync(process.execPath, [binaryenTool('wasm-opt'), path.join(dir, 'in.wasm'), ...BINARYEN_FEATURES, ...passes, '-o', path.join(dir, 'out.wasm')], { timeout: 60_000 });
    return run.status === 0 ? new Uint8Array(fs.readFileSync(path.join(dir, 'out.wasm'))) : null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- paths into a typed module --------------------------------------------------------------------

/** [function, then alternately a field of a node list owner and an index]. */
type NodePath = Array<string | number>;

function lists(node: Node): Array<['kids' | 'body' | 'alt', Node[]]> {
  return (['kids', 'body', 'alt'] as const).flatMap((field) => (node[field] ? [[field, node[field]!] as ['kids' | 'body' | 'alt', Node[]]] : []));
}

function walk(m: TypedModule, visit: (node: Node, path: NodePath, inBody: boolean) => void): void {
  const go = (nodes: Node[], path: NodePath, inBody: boolean) => {
    nodes.forEach((node, i) => {
      const p = [...path, i];
      visit(node, p, inBody);
      for (const [field, list] of lists(node)) go(list, [...p, field], field !== 'kids');
    });
  };
  m.funcs.forEach((f, i) => go(f.body, [i, 'body'], true));
}

const BRANCHES = new Set([0x0c, 0x0d, 0x0e]);

function hasBranch(node: Node): boolean {
  return BRANCHES.has(node.op[0]) || lists(node).some(([, list]) => list.some(hasBranch));
}

/** Branch-free, non-scaffolding statements inside `node`'s blocks, outermost first. */
function nestedStatements(node: Node): Node[] {
  const found: Node[] = [];
  const visit = (n: Node) => {
    for (const [field, list] of lists(n)) {
      for (const inner of list) {
        if (field !== 'kids' && inner.type.length === 0 && !inner.fixed && !hasBranch(inner)) found.push(inner);
        visit(inner);
      }
    }
  };
  visit(node);
  return found;
}

function statementPaths(m: TypedModule): string[] {
  const paths: string[] = [];
  walk(m, (node, path, inBody) => {
    if (inBody && node.type.length === 0 && !node.fixed) paths.push(JSON.stringify(path));
  });
  return paths;
}

function expressionPaths(m: TypedModule): NodePath[] {
  const paths: NodePath[] = [];
  walk(m, (node, path) => {
    if (node.type.length > 0 && !node.fixed) paths.push(path);
  });
  return paths;
}

function at(m: TypedModule, path: NodePath): Node | undefined {
  let list: Node[] = m.funcs[path[0] as number].body;
  let node: Node | undefined;
  for (let i = 2; i < path.length; i += 2) {
    node = list[path[i] as number];
    if (!node) return undefined;
    if (i + 1 < path.length) {
      const next = node[path[i + 1] as 'kids' | 'body' | 'alt'];
      if (!next) return undefined;
      list = next;
    }
  }
  return node;
}

function replaced(m: TypedModule, path: NodePath, replacement: Node): TypedModule {
  const copy: TypedModule = structuredClone(m);
  let list: Node[] = copy.funcs[path[0] as number].body;
  for (let i = 2; i < path.length - 1; i += 2) list = list[path[i] as number][path[i + 1] as 'kids' | 'body' | 'alt']!;
  list[path[path.length - 1] as number] = replacement;
  return copy;
}

/** The module with every statement in `all` but not in `keep` deleted. */
function withoutStatements(m: TypedModule, all: readonly string[], keep: ReadonlySet<string>): TypedModule {
  const drop = new Set(all.filter((p) => !keep.has(p)));
  const copy: TypedModule = structuredClone(m);
  const prune = (nodes: Node[], path: NodePath): Node[] =>
    nodes.flatMap((node, i) => {
      const p = [...path, i];
      if (drop.has(JSON.stringify(p))) return [];
      for (const field of ['kids', 'body', 'alt'] as const) if (node[field]) node[field] = prune(node[field]!, [...p, field]);
      return [node];
    });
  copy.funcs.forEach((f, i) => (f.body = prune(f.body, [i, 'body'])));
  return copy;
}
