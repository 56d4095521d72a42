/** Shared option helpers for commands. */
import type { Command } from 'commander';
import { SegmintError } from '../core/errors.ts';
import { grouped } from '../core/numbers.ts';

/** Add the options every command has. */
export function withGlobals(cmd: Command): Command {
  return cmd
    .option('-w, --workspace <dir>', 'workspace folder (default: SEGMINT_WORKSPACE or the current folder)')
    .option('--json', 'machine-readable output on stdout')
    .option('--debug', 'show stack traces on errors');
}

/** Add `-o, --out <file>` (with its description) and `--force`, which every command with --out has. */
export function withOut(cmd: Command, description: string, flags = '-o, --out <file>'): Command {
  return cmd
    .option(flags, description)
    .option('--force', 'replace existing --out files (the workspace\'s own files are never replaced)');
}

/** Attach an "Examples:" block to a command's --help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Called by a command to set the process exit code without throwing (e.g. 1 when some work failed). */
export type SetExit = (code: number) => void;

/** The range of a numeric option. */
export interface Bounds {
  min: number;
  max: number;
  /** whole numbers only; digits may be grouped with _ or , (1_000_000) */
  integer?: boolean;
  /** the minimum itself is not allowed (e.g. a margin in (0, 1]) */
  minExclusive?: boolean;
  /** the maximum itself is not allowed (e.g. a share below 0.5) */
  maxExclusive?: boolean;
  /** a value ending in % is read as a share (5% → 0.05) */
  percent?: boolean;
  /** what the range means, e.g. "100 years" (printed after the range) */
  note?: string;
  /** an example value for the hint (default: the minimum, or a value inside the range) */
  example?: string;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const fmtBound = (x: number) => (Math.abs(x) >= 10000 && Number.isInteger(x) ? grouped(x) : String(x));

/** "a whole number from 1 to 1,200 (100 years)" */
export function describeBounds(b: Bounds): string {
  const lo = `${b.minExclusive ? 'above' : 'from'} ${fmtBound(b.min)}`;
  const hi = `${b.maxExclusive ? 'to below' : b.minExclusive ? 'and up to' : 'to'} ${fmtBound(b.max)}`;
  return `${b.integer ? 'a whole number' : 'a number'} ${lo} ${hi}${b.note ? ` (${b.note})` : ''}`;
}

/**
 * Parse a numeric option and check its range: a SegmintError `invalid-option` (exit 2) names the option,
 * the value seen and the allowed range. Plain decimal notation only (12, 0.3, 1e3; no hex, no Infinity).
 */
export function boundedNumber(name: string, raw: string, b: Bounds): number {
  let text = raw.trim().replace(/_/g, '');
  if (b.integer) text = text.replace(/,/g, '');
  let scale = 1;
  if (b.percent && text.endsWith('%')) {
    text = text.slice(0, -1).trim();
    scale = 100;
  }
  const n = DECIMAL.test(text) ? Number(text) / scale : NaN;
  const ok = Number.isFinite(n) && (!b.integer || Number.isInteger(n))
    && (b.minExclusive ? n > b.min : n >= b.min) && (b.maxExclusive ? n < b.max : n <= b.max);
  if (!ok) {
    const example = b.example ?? String(b.integer ? Math.max(b.min, Math.min(b.max, b.min + (b.minExclusive ? 1 : 0))) : b.min + (b.max - b.min) / 2);
    throw new SegmintError('invalid-option', `${name} ${raw}: expected ${describeBounds(b)}`, {
      hint: `e.g. ${name} ${example}`, details: { option: name, value: raw, min: b.min, max: b.max, integer: Boolean(b.integer) },
    });
  }
  return n;
}

/** boundedNumber for an option that may be absent: undefined stays undefined. */
export function optionalNumber(name: string, raw: string | undefined, b: Bounds): number | undefined {
  return raw === undefined ? undefined : boundedNumber(name, raw, b);
}

/** The largest run id an option accepts. */
export const MAX_RUN_ID = Number.MAX_SAFE_INTEGER;
