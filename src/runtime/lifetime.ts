// Lifetimes of native resources. Generated code holds raw pointers into other instances (imported
// functions, funcref values, tables, memories and globals), so nothing may be unmapped while anything
// that can reach it is alive. Every instance, memory, table and global belongs to a link group: linking
// one to another (importing it, or passing a funcref from one to the other through JS) merges their
// groups, and a group's mappings are released together once every holder has let go: an instance by
// `dispose()` or by being collected, a memory/table/global made from JS by being collected.
// (A group only ever grows, so two instances that were once linked are freed together.)
//
// A group has two sides. The JS side keeps every member object alive as long as any one of them is
// reachable (so `table.get` can always give the function of any instance in the table's group), which
// makes a group's members die together. The native side — holds, free functions, the freed flag — is
// what the FinalizationRegistry holds, so it references no member (a registry holds its values
// strongly: a free function capturing its object would keep that object alive for ever); its free
// functions capture only native handles (addresses, sizes, contexts, code pages).

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

/** A union–find node; `root()` finds the node that stands for the whole set. */
abstract class SetNode<Node extends SetNode<Node>> {
  protected parent: Node | undefined;

  protected root(): Node {
    let node = this as unknown as Node;
    while (node.parent) node = node.parent;
    // Path compression keeps later look-ups short.
    for (let n = this as unknown as Node; n.parent && n.parent !== node; ) {
      const next: Node = n.parent;
      n.parent = node;
      n = next;
    }
    return node;
  }
}

/**
 * Frees what one member owns natively. `collected`: the group's members were collected (rather than
 * the last holder disposed), so only what they handed out — ArrayBuffers over a memory — can still
 * look at their memory, and should see it as it was.
 */
export type FreeNative = (collected: boolean) => void;

/** The native side of one member: its free function, its hold; the root keeps the group's. */
class NativeLifetime extends SetNode<NativeLifetime> {
  private holds: number;
  private frees: FreeNative[];
  private freed = false;

  constructor(free: FreeNative, private holding: boolean) {
    super();
    this.frees = [free];
    this.holds = holding ? 1 : 0;
  }

  get isFreed(): boolean {
    return this.root().freed;
  }

  join(other: NativeLifetime): void {
    let a = this.root();
    let b = other.root();
    if (a === b) return;
    if (a.freed || b.freed) throw new Error('wasmjit: cannot link to an instance or object that has been disposed');
    // The larger group stays the root: joining costs what the smaller one holds.
    if (a.frees.length < b.frees.length) [a, b] = [b, a];
    b.parent = a;
    a.holds += b.holds;
    for (const free of b.frees) a.frees.push(free);
    b.frees = [];
    b.holds = 0;
  }

  /** This member lets go of its group (once); the last holder frees every member. */
  release(collected: boolean): void {
    if (!this.holding) return;
    this.holding = false;
    const root = this.root();
    if (--root.holds > 0) return;
    root.freed = true;
    for (const free of root.frees) free(collected);
    root.frees = [];
  }
}

/** Gives up the hold of a group member collected without letting go itself. */
const membersCollected = new FinalizationRegistry<NativeLifetime>((native) => native.release(true));

/** Gives up a Module's hold on its code once the Module is collected. */
export const releaseWhenCollected = new FinalizationRegistry<RefCount>((code) => code.release());

/** A member of a link group: the JS object's side (the root keeps every member alive) over the native side. */
export class Lifetime extends SetNode<Lifetime> {
  private readonly native: NativeLifetime;
  /** At the root: every member object of the group. */
  private members: object[];

  /**
   * `free` releases what `member` owns natively and must reference no member of any group (nor be
   * made in a constructor next to a closure that uses `this`: closures of one scope share what they
   * capture). A `holding` member keeps its group until it lets go (`release`) or is collected; the others
   * (an instance's own memory, tables and globals) live on their instance's hold.
   */
  constructor(member: object, free: FreeNative, holding: boolean) {
    super();
    this.members = [member];
    this.native = new NativeLifetime(free, holding);
    if (holding) membersCollected.register(member, this.native, this.native);
  }

  get isFreed(): boolean {
    return this.native.isFreed;
  }

  /** From now on this and `other` live and are freed together. */
  join(other: Lifetime): void {
    let a = this.root();
    let b = other.root();
    if (a === b) return;
    a.native.join(b.native);
    if (a.members.length < b.members.length) [a, b] = [b, a];
    b.parent = a;
    for (const member of b.members) a.members.push(member);
    b.members = [];
  }

  /** The member lets go of its group before it is collected (`dispose`, a failed instantiation). */
  release(): void {
    membersCollected.unregister(this.native);
    this.native.release(false);
  }
}
