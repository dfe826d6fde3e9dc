// Canonical function type ids: call_indirect compares the id in a table entry with the id of the
// type it expects. Ids are process-wide, so a table shared by instances of different modules checks
// signatures structurally, as the spec requires.
import type { FuncType } from '../decode/index.js';

const ids = new Map<string, number>();
/** Each decoded type object is named once: call_indirect sites ask again and again. */
const idOfType = new WeakMap<FuncType, number>();

/** A positive integer that is equal for equal function types (0 never names a type). */
export function canonicalTypeId(type: FuncType): number {
  const known = idOfType.get(type);
  if (known !== undefined) return known;
  const key = `${type.params.join(',')}->${type.results.join(',')}`;
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size + 1;
    ids.set(key, id);
  }
  idOfType.set(type, id);
  return id;
}
