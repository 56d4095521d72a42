/** Parameters of `generateDataset`, checked at the boundary with coded errors (exit code 2). */
import { resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { PRESETS, type Preset } from './presets/index.ts';
import { grouped } from '../core/numbers.ts';

export interface GenerateParams {
  preset: Preset;
  /** number of customers, 1 to 50,000,000 */
  customers: number;
  /** whole number 0 to 4294967295; the same parameters give byte-identical files */
  seed: number;
  /** folder for the files (created when missing) */
  outDir: string;
  /** first day of the period, YYYY-MM-DD (default 2023-01-01) */
  start?: string;
  /** length of the period in calendar months, 1 to 240 (default 24) */
  months?: number;
}

export const MAX_CUSTOMERS = 50_000_000;

function bad(message: string, seen: unknown, hint: string, option: string): never {
  throw new SegmintError('invalid-option', `${message}, but got ${seen === undefined ? 'nothing' : JSON.stringify(seen)}`, {
    hint,
    details: { option, value: seen },
  });
}

/** Check the parameters and fill in the defaults; throws SegmintError('invalid-option') naming the first bad one. */
export function normaliseParams(p: GenerateParams): Required<GenerateParams> {
  if (p === null || typeof p !== 'object') bad('generate parameters must be an object', p, 'pass { preset, customers, seed, outDir }', 'params');
  if (!PRESETS.includes(p.preset)) {
    const guess = typeof p.preset === 'string' ? didYouMean(p.preset, PRESETS) : undefined;
    bad(`preset must be one of ${PRESETS.join(', ')}`, p.preset, guess ? `did you mean --preset ${guess}?` : 'e.g. --preset grocery', 'preset');
  }
  if (!Number.isInteger(p.customers) || p.customers < 1 || p.customers > MAX_CUSTOMERS) {
    bad(`customers must be a whole number from 1 to ${grouped(MAX_CUSTOMERS)}`, p.customers, 'e.g. --customers 10000', 'customers');
  }
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff) {
    bad('seed must be a whole number from 0 to 4294967295', p.seed, 'e.g. --seed 7 (the same seed gives the same files)', 'seed');
  }
  if (typeof p.outDir !== 'string' || p.outDir.trim() === '') bad('outDir must name a folder', p.outDir, 'e.g. --out generated/', 'out');
  const start = p.start ?? '2023-01-01';
  const m = typeof start === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(start) : null;
  const valid = m !== null && (() => {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    return y >= 1970 && y <= 2200 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  })();
  if (!valid) bad('start must be a calendar date YYYY-MM-DD from 1970 on', start, 'e.g. --start 2024-01-01', 'start');
  const months = p.months ?? 24;
  if (!Number.isInteger(months) || months < 1 || months > 240) bad('months must be a whole number from 1 to 240', months, 'e.g. --months 24', 'months');
  return { preset: p.preset, customers: p.customers, seed: p.seed, outDir: resolve(p.outDir), start, months };
}
