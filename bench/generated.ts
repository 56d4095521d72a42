/** The generated e-commerce data set the benchmarks share, made once per size under `out`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../src/generate/index.ts';

/** Folder of the ecommerce preset with `customers` customers (seed 1) under `out`, generated when missing. */
export async function generatedEcommerce(out: string, customers: number, bench: string): Promise<string> {
  const data = join(out, `data-${customers}`);
  if (!existsSync(join(data, 'manifest.json'))) {
    console.log(`bench/${bench}: generating ${customers} customers …`);
    await generateDataset({ preset: 'ecommerce', customers, seed: 1, outDir: data });
  }
  return data;
}
