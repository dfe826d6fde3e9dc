// Value cells for globals created from JS (`new Global(...)`): 8-byte slots carved from native pages,
// reused once their global's link group is freed (the pages themselves stay: they are small).
// Globals of an instance live in its context instead.
import { mmap, PROT_READ, PROT_WRITE, PAGE_SIZE, view } from './libc.js';
import { slotViews } from './values.js';
import type { SlotViews } from './values.js';

export interface Cell {
  address: bigint;
  views: SlotViews;
  slot: number;
}

let page: { address: bigint; views: SlotViews; used: number } | undefined;
const freeCells: Cell[] = [];

export function allocateCell(): Cell {
  const reused = freeCells.pop();
  if (reused) return reused;
  if (!page || page.used === PAGE_SIZE / 8) {
    const address = mmap(PAGE_SIZE, PROT_READ | PROT_WRITE);
    page = { address, views: slotViews(view(address, PAGE_SIZE)), used: 0 };
  }
  const slot = page.used++;
  return { address: page.address + BigInt(8 * slot), views: page.views, slot };
}

export function releaseCell(cell: Cell): void {
  freeCells.push(cell);
}
