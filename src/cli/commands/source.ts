import type { Command } from 'commander';
import { ATTACH_KINDS, attachTable, type AttachKind, type AttachResult } from '../../store/attach.ts';
import { parseMapOptions } from '../../store/import/mapping.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { fmtInt, json, table } from '../render.ts';

interface AttachCliOptions extends GlobalOptions {
  table: string;
  kind: string;
  map: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** What an attach did, for people: the mapping, the rows kept and left out by reason. */
export function renderAttach(r: AttachResult): string {
  const lines = [`${r.kind} attached from ${r.table} as source ${r.sourceId} (a view: nothing copied)`];
  lines.push(`mapping: ${Object.entries(r.mapping).map(([f, c]) => `${f} ← "${c}"`).join(', ')}`);
  const traits = Object.entries(r.traits);
  if (traits.length) lines.push(`customer traits: ${traits.map(([t, c]) => `${t} ← "${c}"`).join(', ')}`);
  lines.push('');
  const rows: (string | number)[][] = [['rows in the table', r.rows.read], ['in the view', r.rows.kept], ['left out', r.rows.excluded]];
  for (const [reason, n] of Object.entries(r.excludedByReason)) rows.push([`  ${reason}`, n]);
  lines.push(table(['validation', 'rows'], rows));
  lines.push('');
  lines.push(`customers: ${fmtInt(r.customers)}`);
  lines.push('the counts are as of now; the view follows the table as it changes (run attach again to count again)');
  return lines.join('\n');
}

export function registerSource(program: Command, ctx: Context, _setExit: SetExit): void {
  const source = program.command('source').description('sources that live in the workspace\'s engine');
  const attach = withGlobals(source.command('attach'))
    .description('use a table that already lives in the workspace\'s engine (PostgreSQL, ClickHouse, DuckDB) as transactions, customers or events, without copying it: the canonical table becomes a view that maps its columns and leaves out the rows an import would quarantine')
    .requiredOption('--table <name>', 'the table: schema.table (PostgreSQL), database.table (ClickHouse), a table or a CSV/Parquet file (DuckDB)')
    .requiredOption('--kind <kind>', `what it holds: ${ATTACH_KINDS.join(', ')}`)
    .option('--map <field=column>', 'map a canonical field to a column (repeatable); for transactions and events a name that is not a field makes a customer trait', collect, [])
    .action(async (opts: AttachCliOptions) => {
      const map = parseMapOptions(opts.map);
      const ws = await ctx.openWorkspace(opts);
      try {
        const r = await attachTable(ws, { table: opts.table, kind: opts.kind as AttachKind, map });
        if (opts.json) json(ctx.io, r);
        else ctx.io.out(renderAttach(r));
      } finally {
        await ws.closeAsync();
      }
    });
  examples(attach, [
    'segmint init shop --engine "postgres://segmint@db:5432/warehouse?schema=segmint_shop&password_env=PGPASSWORD"',
    'segmint source attach --table public.orders --kind transactions --map customer_id=client_id --map ts=ordered_at --map country=country',
    'segmint source attach --table shop.events --kind events --map type=event_name      # ClickHouse',
    'segmint source attach --table exports/orders.parquet --kind transactions            # DuckDB: a file, read in place',
  ]);
}
