/**
 * The product catalogue of a preset, as parallel arrays (no object per product in the hot loop): ids,
 * prices in cents, departments, a CSV fragment per product, and per segment × department an alias table
 * that draws products by popularity and the segment's price preference.
 */
import { AliasTable, type Random } from '../models/random.ts';
import { csvField, money } from './format.ts';
import type { PresetSpec } from './presets/types.ts';

export interface Catalogue {
  size: number;
  ids: string[];
  names: string[];
  categories: string[];
  /** department index of each product */
  dept: Int32Array;
  /** list price in cents */
  cents: Int32Array;
  /** `product_id,category,department` ready for a transactions line */
  csv: string[];
  /** product indices of each department */
  byDept: Int32Array[];
  /** [segment][department] → draws an index into byDept[department] */
  pickers: AliasTable[][];
}

/** Shelf prices: 2.49-style below 10, whole units minus a cent above. */
function shelfPrice(p: number): number {
  if (p < 10) return Math.max(29, Math.round(p * 10) * 10 - 1);
  return Math.round(p) * 100 - 1;
}

export function buildCatalogue(spec: PresetSpec, rng: Random): Catalogue {
  const ids: string[] = [];
  const names: string[] = [];
  const categories: string[] = [];
  const dept: number[] = [];
  const cents: number[] = [];
  const popularity: number[] = [];
  spec.departments.forEach((d, di) => {
    for (const cat of d.categories) {
      for (const item of cat.items) {
        const [base, explicit] = typeof item === 'string' ? [item, undefined] : item;
        const itemPrice = explicit ?? d.price * rng.lognormal(0, d.spread);
        const variants = explicit === undefined && d.variants ? d.variants : [['', 1] as const];
        for (const [prefix, factor] of variants) {
          ids.push(`P${String(ids.length + 1).padStart(5, '0')}`);
          names.push(prefix ? `${prefix} ${base}` : base);
          categories.push(cat.name);
          dept.push(di);
          cents.push(explicit !== undefined ? Math.round(explicit * 100) : shelfPrice(itemPrice * factor));
          // Zipf-like popularity: a few products sell much more than the rest
          popularity.push(rng.lognormal(0, 0.9));
        }
      }
    }
  });
  const deptArr = Int32Array.from(dept);
  const byDept = spec.departments.map((_, di) => Int32Array.from(dept.flatMap((d, k) => (d === di ? [k] : []))));
  const pickers = spec.segments.map((s) =>
    byDept.map((members) => {
      const median = [...members].map((k) => cents[k]!).sort((a, b) => a - b)[members.length >> 1] ?? 1;
      const catWeight = (k: number) => s.categoryWeights?.[categories[k]!] ?? 1;
      const weights = Array.from(members, (k) => popularity[k]! * catWeight(k) * Math.pow(cents[k]! / median, s.priceTilt));
      // a department the segment never buys from still needs a valid table
      return new AliasTable(weights.some((w) => w > 0) ? weights : weights.map(() => 1));
    }),
  );
  return {
    size: ids.length,
    ids,
    names,
    categories,
    dept: deptArr,
    cents: Int32Array.from(cents),
    csv: ids.map((id, k) => `${id},${csvField(categories[k]!)},${csvField(spec.departments[dept[k]!]!.name)}`),
    byDept,
    pickers,
  };
}

/** products.csv rows: product_id,name,category,department,price. */
export function productRows(spec: PresetSpec, cat: Catalogue): string {
  let out = '';
  for (let k = 0; k < cat.size; k++) {
    out += `${cat.ids[k]!},${csvField(cat.names[k]!)},${csvField(cat.categories[k]!)},${csvField(spec.departments[cat.dept[k]!]!.name)},${money(cat.cents[k]!)}\n`;
  }
  return out;
}
