/**
 * `generateDataset`: synthetic customers, transactions, events and products for a sector preset, with each
 * customer's planted segment in ground_truth.csv and a manifest.json describing the run. Deterministic per
 * seed: customer i draws from its own stream (seed and preset, i), so the same parameters give byte-identical files and
 * a run with more customers starts with the same customers as a smaller one.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { Random } from '../models/random.ts';
import { buildCatalogue, productRows } from './catalogue.ts';
import { Clock } from './format.ts';
import { normaliseParams, type GenerateParams } from './params.ts';
import { PRESET_SPECS, type Preset } from './presets/index.ts';
import { CustomerSim, runKey } from './simulate.ts';
import { CsvWriter } from './writer.ts';

/** Bumped whenever the same parameters would give different files. */
export const GENERATOR_VERSION = 2;

/** Absolute paths by file (a plain record of strings: `Record<string, string>` accepts it). */
export type GeneratedFiles = {
  customers: string;
  transactions: string;
  events: string;
  products: string;
  groundTruth: string;
  manifest: string;
};

export interface GenerateResult {
  preset: Preset;
  seed: number;
  outDir: string;
  /** absolute paths of the files written */
  files: GeneratedFiles;
  counts: { customers: number; transactions: number; events: number; products: number };
  segments: { name: string; customers: number; description: string }[];
  /** first and last day of the period */
  period: { start: string; end: string };
  currency: string;
}

export const COMMON_CUSTOMER_COLUMNS = [
  'customer_id', 'gender', 'age', 'income_band', 'city', 'region', 'country', 'latitude', 'longitude', 'signup_date', 'email_opt_in',
] as const;
export const TRANSACTION_COLUMNS = [
  'customer_id', 'order_id', 'line_no', 'ts', 'product_id', 'category', 'department', 'quantity', 'unit_price', 'amount', 'channel', 'coupon',
] as const;
export const EVENT_COLUMNS = ['customer_id', 'ts', 'type', 'properties'] as const;
export const PRODUCT_COLUMNS = ['product_id', 'name', 'category', 'department', 'price'] as const;
export const GROUND_TRUTH_COLUMNS = ['customer_id', 'segment'] as const;

/** Generate a data set into `params.outDir` (see docs/generator.md). `onProgress` is called about every 1%. */
export async function generateDataset(params: GenerateParams, onProgress?: (phase: string, fraction?: number) => void): Promise<GenerateResult> {
  const p = normaliseParams(params);
  const spec = PRESET_SPECS[p.preset];
  prepareFolder(p.outDir);
  const [y, m, d] = p.start.split('-').map(Number) as [number, number, number];
  const t0 = Date.UTC(y, m - 1, d);
  // the same day `months` later, or that month's last day (2023-01-31 + 1 month → 2023-02-28)
  const t1 = Date.UTC(y, m - 1 + p.months, Math.min(d, new Date(Date.UTC(y, m + p.months, 0)).getUTCDate()));
  onProgress?.('catalogue', 0);
  const key = runKey(p.seed, p.preset);
  const catalogue = buildCatalogue(spec, new Random(key, 0));
  const files = {
    customers: join(p.outDir, 'customers.csv'),
    transactions: join(p.outDir, 'transactions.csv'),
    events: join(p.outDir, 'events.csv'),
    products: join(p.outDir, 'products.csv'),
    groundTruth: join(p.outDir, 'ground_truth.csv'),
    manifest: join(p.outDir, 'manifest.json'),
  };
  const customerColumns = [...COMMON_CUSTOMER_COLUMNS, ...spec.traitColumns];
  const w = {
    customers: new CsvWriter(files.customers, customerColumns),
    transactions: new CsvWriter(files.transactions, TRANSACTION_COLUMNS),
    events: new CsvWriter(files.events, EVENT_COLUMNS),
    truth: new CsvWriter(files.groundTruth, GROUND_TRUTH_COLUMNS),
    products: new CsvWriter(files.products, PRODUCT_COLUMNS),
  };
  const writers = Object.values(w);
  try {
    const sim = new CustomerSim({ spec, key, t0, t1, catalogue, ...w });
    const step = Math.max(1, Math.ceil(p.customers / 100));
    onProgress?.('customers', 0);
    for (let i = 1; i <= p.customers; i++) {
      sim.customer(i);
      for (const wr of writers) {
        const wait = wr.maybeFlush();
        if (wait) await wait;
      }
      if (i % step === 0) onProgress?.('customers', i / p.customers);
    }
    w.products.add(productRows(spec, catalogue));
    w.products.rows = catalogue.size;
    onProgress?.('finishing');
    await Promise.all(writers.map((wr) => wr.close()));

    const clock = new Clock(t0, t1);
    const result: GenerateResult = {
      preset: p.preset,
      seed: p.seed,
      outDir: p.outDir,
      files,
      counts: { customers: w.customers.rows, transactions: w.transactions.rows, events: w.events.rows, products: w.products.rows },
      segments: spec.segments.map((s, k) => ({ name: s.name, customers: sim.segmentCounts[k]!, description: s.description })),
      period: { start: clock.date(t0), end: clock.date(t1 - 1) },
      currency: spec.currency,
    };
    const manifest = {
      generator: 'segmint generate',
      generatorVersion: GENERATOR_VERSION,
      preset: p.preset,
      description: spec.description,
      seed: p.seed,
      params: { preset: p.preset, customers: p.customers, seed: p.seed, start: p.start, months: p.months },
      period: result.period,
      currency: spec.currency,
      counts: result.counts,
      segments: result.segments.map((s, k) => ({ ...s, share: spec.segments[k]!.share })),
      files: {
        'customers.csv': { rows: result.counts.customers, columns: customerColumns },
        'transactions.csv': { rows: result.counts.transactions, columns: TRANSACTION_COLUMNS, cancellationPrefix: 'C' },
        'events.csv': { rows: result.counts.events, columns: EVENT_COLUMNS, types: spec.eventTypes },
        'products.csv': { rows: result.counts.products, columns: PRODUCT_COLUMNS },
        'ground_truth.csv': { rows: result.counts.customers, columns: GROUND_TRUTH_COLUMNS },
      },
    };
    writeFileSync(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    onProgress?.('done', 1);
    return result;
  } catch (e) {
    for (const wr of writers) wr.destroy();
    throw e;
  }
}

function prepareFolder(dir: string): void {
  try {
    if (statSync(dir, { throwIfNoEntry: false })?.isFile()) {
      throw new SegmintError('invalid-option', `--out ${dir} is a file, but a folder is expected`, { hint: 'name a new or existing folder' });
    }
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (e instanceof SegmintError) throw e;
    throw new SegmintError('write-failed', `could not create the folder ${dir}: ${(e as Error).message}`, {
      hint: 'check the path and its permissions',
      exitCode: 1,
      cause: e,
    });
  }
}
