// Lookups in arrays of ranges sorted by their start (function records, named code, a module's
// functions): one binary search for all of them.

/** The index of the last of `items` (sorted by `startOf`) that starts at or below `key`; -1 when none does. */
export function lastStartingAtOrBelow<T, K extends number | bigint>(items: readonly T[], key: K, startOf: (item: T) => K): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (startOf(items[middle]!) <= key) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
