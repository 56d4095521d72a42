/**
 * Purchase histories as compressed rows: for each customer (0..nCustomers−1) the distinct items (0..nItems−1)
 * bought, ascending, with the last day each was bought. Built from purchase lines given as parallel typed
 * arrays (customer index, item index, day number); lines may come in any order and repeat.
 */
export interface Lines {
  customer: Int32Array;
  item: Int32Array;
  /** day number (days since 1970-01-01, UTC) */
  day: Float64Array;
}

export interface History {
  nCustomers: number;
  nItems: number;
  /** customer c's items are items[offsets[c] .. offsets[c+1]) */
  offsets: Int32Array;
  items: Int32Array;
  /** the last day the customer bought the item, beside `items` */
  lastDay: Float64Array;
}

/** Distinct (customer, item) pairs with their last day, grouped by customer, items ascending. */
export function buildHistory(lines: Lines, nCustomers: number, nItems: number): History {
  const n = lines.customer.length;
  // counting sort by customer, then sort each customer's slice by item and fold repeats
  const counts = new Int32Array(nCustomers + 1);
  for (let i = 0; i < n; i++) counts[lines.customer[i]! + 1]!++;
  for (let c = 0; c < nCustomers; c++) counts[c + 1]! += counts[c]!;
  const pos = counts.slice(0, nCustomers);
  const itemBy = new Int32Array(n);
  const dayBy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = pos[lines.customer[i]!]!++;
    itemBy[p] = lines.item[i]!;
    dayBy[p] = lines.day[i]!;
  }
  const offsets = new Int32Array(nCustomers + 1);
  const items = new Int32Array(n);
  const lastDay = new Float64Array(n);
  let w = 0;
  const idx: number[] = [];
  for (let c = 0; c < nCustomers; c++) {
    offsets[c] = w;
    const a = counts[c]!;
    const b = counts[c + 1]!;
    // insertion sort of the slice by item (slices are short; long ones fall back to sort)
    if (b - a > 64) {
      idx.length = 0;
      for (let p = a; p < b; p++) idx.push(p);
      idx.sort((x, y) => itemBy[x]! - itemBy[y]!);
      const it = idx.map((p) => itemBy[p]!);
      const dy = idx.map((p) => dayBy[p]!);
      for (let t = 0; t < it.length; t++) { itemBy[a + t] = it[t]!; dayBy[a + t] = dy[t]!; }
    } else {
      for (let p = a + 1; p < b; p++) {
        const vi = itemBy[p]!;
        const vd = dayBy[p]!;
        let q = p - 1;
        while (q >= a && itemBy[q]! > vi) { itemBy[q + 1] = itemBy[q]!; dayBy[q + 1] = dayBy[q]!; q--; }
        itemBy[q + 1] = vi;
        dayBy[q + 1] = vd;
      }
    }
    for (let p = a; p < b; p++) {
      if (w > offsets[c]! && items[w - 1] === itemBy[p]) {
        if (dayBy[p]! > lastDay[w - 1]!) lastDay[w - 1] = dayBy[p]!;
      } else {
        items[w] = itemBy[p]!;
        lastDay[w] = dayBy[p]!;
        w++;
      }
    }
  }
  offsets[nCustomers] = w;
  return { nCustomers, nItems, offsets, items: items.slice(0, w), lastDay: lastDay.slice(0, w) };
}

/** Customers per item: how many distinct customers bought each item. */
export function itemCustomers(h: History): Float64Array {
  const out = new Float64Array(h.nItems);
  for (let p = 0; p < h.offsets[h.nCustomers]!; p++) out[h.items[p]!]!++;
  return out;
}

/** Whether customer c bought item i (binary search in the customer's ascending items). */
export function hasBought(h: History, c: number, i: number): boolean {
  let lo = h.offsets[c]!;
  let hi = h.offsets[c + 1]! - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const v = h.items[m]!;
    if (v === i) return true;
    if (v < i) lo = m + 1;
    else hi = m - 1;
  }
  return false;
}
