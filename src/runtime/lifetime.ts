// Lifetimes of native resources. Generated code holds raw pointers into other instances (imported
// functions, funcref values, tables, memories and globals), so nothing may be unmapped while anything
// that can reach it is alive. Every instance, memory, table and global belongs to a link group: linking
// one to another (importing it, or passing a funcref from one to the other through JS) merges their
// groups, and a group's mappings are released together once every holder has let go — each instance
// holds its group until `dispose()`, a memory/table/global made from JS until it is collected.
// (A group only ever grows, so two instances that were once linked are freed together.)

/** A plain reference count: the module's code, held by the Module object and by every instance. */
export class RefCount {
  private count = 1;

  constructor(private readonly free: () => void) {}

  retain(): void {
    if (this.count === 0) throw new Error('wasmjit: internal error: a released resource was used again');
    this.count++;
  }

  release(): void {
    if (this.count === 0) return;
    this.count--;
    if (this.count === 0) this.free();
  }
}

/** A node of a link group (union–find); the root keeps the holds and the members' free functions. */
export class Lifetime {
  private parent: Lifetime | undefined;
  private holds: number;
  private frees: Array<() => void>;
  private freed = false;

  /** `holds` is 1 for something that holds its group (an instance, a JS-made object), 0 otherwise. */
  constructor(free: () => void, holds: 1 | 0 = 1) {
    this.frees = [free];
    this.holds = holds;
  }

  private root(): Lifetime {
    let node: Lifetime = this;
    while (node.parent) node = node.parent;
    // Path compression keeps later look-ups short.
    for (let n: Lifetime = this; n.parent && n.parent !== node; ) {
      const next: Lifetime = n.parent;
      n.parent = node;
      n = next;
    }
    return node;
  }

  get isFreed(): boolean {
    return this.root().freed;
  }

  /** From now on this and `other` are freed together. */
  join(other: Lifetime): void {
    const a = this.root();
    const b = other.root();
    if (a === b) return;
    if (a.freed || b.freed) throw new Error('wasmjit: cannot link to an instance or object that has been disposed');
    b.parent = a;
    a.holds += b.holds;
    a.frees.push(...b.frees);
    b.frees = [];
    b.holds = 0;
  }

  /** One holder of the group lets go; the last one frees every member. */
  release(): void {
    const root = this.root();
    if (root.freed || root.holds === 0) return;
    root.holds--;
    if (root.holds > 0) return;
    root.freed = true;
    for (const free of root.frees) free();
    root.frees = [];
  }
}

/** Releases the creator's hold of a resource made from JS once the JS object is collected. */
export const releaseWhenCollected = new FinalizationRegistry<{ release(): void }>((held) => held.release());
