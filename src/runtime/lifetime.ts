// Reference counts for native resources. Generated code holds raw pointers into other instances
// (imported functions, table entries, imported memories, tables and globals), so nothing may be
// unmapped while anything that can reach it is alive: `dispose()` gives up the owner's reference,
// and the mapping goes when the last user has given up its own.

export interface Shared {
  retain(): void;
  release(): void;
}

export class RefCount implements Shared {
  private count = 1;

  constructor(private readonly free: () => void) {}

  get released(): boolean {
    return this.count === 0;
  }

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

/** Releases the creator's reference of a resource made from JS once the JS object is collected. */
export const releaseWhenCollected = new FinalizationRegistry<Shared>((shared) => shared.release());
