/** Output helpers for the CLI: tables, numbers, JSON and error diagnostics. */
import { isSegmintError } from '../core/errors.ts';
import { grouped } from '../core/numbers.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** true when stderr is a terminal and not CI: progress bars may be drawn */
  interactive: boolean;
}

/**
 * A reader that stops reading early (`segmint --help | head -3`) closes the pipe: the writes after that fail with
 * EPIPE, which Node raises as an uncaught error event with a stack trace. Output nobody reads is dropped instead, and
 * the command runs to its end (its writes to the workspace are not cut short); other stream errors stay errors.
 */
let closedPipesGuarded = false;
function dropWritesToClosedPipes(): void {
  if (closedPipesGuarded) return;
  closedPipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
}

export function defaultIo(): Io {
  dropWritesToClosedPipes();
  return {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
  };
}

/** 541909 → "541,909" */
export function fmtInt(n: number): string {
  return grouped(Math.round(n));
}

export function fmtPct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** A plain text table with right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtInt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const isNum = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (isNum[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Machine output: stable, camelCase keys (callers build the objects that way). */
export function json(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Print an error as `error[code]: message` + hint; stack only with --debug. Returns the exit code. */
export function reportError(io: Io, e: unknown, opts: { debug: boolean; json: boolean }): number {
  if (isSegmintError(e)) {
    if (opts.json) io.out(JSON.stringify({ error: e.toJSON() }, null, 2));
    io.err(`error[${e.code}]: ${e.message}`);
    if (e.hint) io.err(`  hint: ${e.hint}`);
    if (opts.debug && e.stack) io.err(e.stack);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (/^Out of Memory Error/.test(msg)) {
    // the engine's memory limit (docs/data-model.md, Memory): say which setting raises it, not DuckDB's tuning page
    const what = msg.split('\n')[0]!;
    if (opts.json) io.out(JSON.stringify({ error: { code: 'out-of-memory', message: what } }, null, 2));
    io.err(`error[out-of-memory]: the database ran out of its memory limit: ${what.replace(/^Out of Memory Error: /, '')}`);
    io.err('  hint: raise the limit with memoryLimit in segmint.yaml or SEGMINT_MEMORY_LIMIT (e.g. 4GB), or narrow the command');
    return 1;
  }
  if (opts.json) io.out(JSON.stringify({ error: { code: 'internal-error', message: msg } }, null, 2));
  io.err(`error[internal-error]: ${msg}`);
  if (opts.debug && e instanceof Error && e.stack) io.err(e.stack);
  else io.err('  hint: run again with --debug for the stack trace, and report it if it looks like a bug');
  return 1;
}
