// The README's Usage examples run as printed: every `segmint …` line of its ```sh block, in order, in one
// temporary workspace (`cd` is followed), through the CLI. The data files it names are replaced by the real
// ones (../shared/data through SEGMINT_SHARED_DATA; without it, the bundled data/online-retail.parquet for
// ../online_retail.csv; export.xlsx and events.ndjson are made from the bundled table, see makeExampleFiles);
// a command whose file is not available is skipped with the reason printed. Where
// the README prints output (`#   …` lines), the figures in it (1,234, 25.8%, 0.555) must be in what the
// command printed, while the workspace holds the files the README names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/workspace.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = process.env.SEGMINT_SHARED_DATA;

/** A command of the Usage block: its words, and the example output printed under it. */
interface Example { line: string; words: string[]; output: string[] }

/** Shell words: '…' and "…" quoting, backslash escapes, a # that starts a word begins a comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unclosed ' in ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, j);
      i = j;
    } else if (c === '"') {
      let s = '';
      for (i++; i < line.length && line[i] !== '"'; i++) s += line[i] === '\\' && '"\\$`'.includes(line[i + 1] ?? '') ? line[++i] : line[i];
      if (i >= line.length) throw new Error(`unclosed " in ${line}`);
      cur = (cur ?? '') + s;
    } else if (c === '\\') {
      cur = (cur ?? '') + (line[++i] ?? '');
    } else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === '#' && cur === undefined) {
      break;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** The commands (and `cd`) of the README's Usage ```sh block with the example output under each. */
function usageExamples(): Example[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const usage = readme.slice(readme.indexOf('## Usage'));
  const block = /```sh\n([\s\S]*?)```/.exec(usage);
  assert.ok(block, 'README.md has a ```sh block under ## Usage');
  const out: Example[] = [];
  for (const raw of block[1]!.split('\n')) {
    const line = raw.trim();
    if (/^#\s{2,}\S/.test(line) && out.length) out[out.length - 1]!.output.push(line.replace(/^#\s+/, ''));
    else if (/^(segmint|cd)\s/.test(line)) out.push({ line, words: shellWords(line), output: [] });
  }
  return out;
}

/**
 * The README's own example files, made from the bundled Online Retail table (the rows of 2010-12-01, when
 * UK time is UTC): `export.xlsx` holds its first 1,000 lines with the customer id column named "Client No",
 * so the import line maps it and finds every line already in the workspace (it changes nothing the later
 * figures count); `events.ndjson` has one site visit per invoice of those lines with a customer.
 */
async function makeExampleFiles(dir: string): Promise<Record<string, string>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const rows = (await con.runAndReadAll(`SELECT InvoiceNo, StockCode, Description, Quantity, epoch_ms(InvoiceDate) AS ms, UnitPrice, CustomerID, Country
      FROM read_parquet('${join(ROOT, 'data/online-retail.parquet').replace(/'/g, "''")}') LIMIT 1000`)).getRowObjects();
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Orders');
    sheet.addRow(['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'Client No', 'Country']);
    for (const r of rows) sheet.addRow([r.InvoiceNo, r.StockCode, r.Description, r.Quantity, new Date(Number(r.ms)), r.UnitPrice, r.CustomerID, r.Country]);
    const xlsx = join(dir, 'export.xlsx');
    await wb.xlsx.writeFile(xlsx);
    const visits = new Map<string, { customer_id: string; timestamp: string; type: string; properties: Record<string, string> }>();
    for (const r of rows) {
      if (r.CustomerID === null || visits.has(String(r.InvoiceNo))) continue;
      visits.set(String(r.InvoiceNo), { customer_id: String(r.CustomerID), timestamp: new Date(Number(r.ms)).toISOString(), type: 'site_visit', properties: { page: '/checkout', invoice: String(r.InvoiceNo) } });
    }
    const ndjson = join(dir, 'events.ndjson');
    writeFileSync(ndjson, [...visits.values()].map((v) => JSON.stringify(v)).join('\n') + '\n');
    return { 'export.xlsx': xlsx, 'events.ndjson': ndjson };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** The real file for a data file the README names, or undefined when it is not available here. */
function dataFile(name: string, made: Record<string, string> = {}): { path: string; exact: boolean } | undefined {
  if (made[basename(name)]) return { path: made[basename(name)]!, exact: true };
  const sharedFiles: Record<string, string> = {
    'online_retail.csv': 'online-retail/online_retail.csv',
    'WA_Fn-UseC_-Telco-Customer-Churn.csv': 'telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv',
    'Groceries_dataset.csv': 'groceries-dataset/Groceries_dataset.csv',
    'Mall_Customers.csv': 'mall-customers/Mall_Customers.csv',
    'donations.csv': 'lifetimes-donations/donations.csv',
  };
  const rel = sharedFiles[basename(name)];
  if (rel && SHARED && existsSync(join(SHARED, rel))) return { path: join(SHARED, rel), exact: true };
  // the same table, bundled: the command runs, its figures are not compared (another file than the README's)
  if (basename(name) === 'online_retail.csv') return { path: join(ROOT, 'data/online-retail.parquet'), exact: false };
  return undefined;
}

/** Figures of the example output: numbers with a thousands separator or decimals, and percentages. */
const figures = (lines: string[]) => lines.flatMap((l) => l.match(/\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+\.\d+%?|\d+%/g) ?? []);

test('every command of the README Usage block runs as printed, and prints the figures the README shows', async () => {
  const examples = usageExamples();
  assert.ok(examples.filter((e) => e.words[0] === 'segmint').length >= 15, 'the Usage block has its commands');
  const cwd = process.cwd();
  await withTempDir(async (dir) => {
    const made = await makeExampleFiles(dir);
    process.chdir(dir);
    try {
      let ran = 0;
      // figures are compared while every file read so far is the one the README names
      let exact = true;
      for (const ex of examples) {
        const [cmd, ...args] = ex.words;
        if (cmd === 'cd') {
          process.chdir(args[0]!);
          continue;
        }
        // data files read by the command: the file of `import FILE`, `--input FILE`, `--summary FILE`
        const inputs = args.flatMap((a, i) => ((i === 1 && args[0] === 'import') || ['--input', '--summary'].includes(args[i - 1] ?? '') ? [i] : []));
        let missing: string | undefined;
        for (const i of inputs) {
          const f = dataFile(args[i]!, made);
          if (!f) {
            missing = args[i];
            break;
          }
          args[i] = f.path;
          exact &&= f.exact;
        }
        if (missing !== undefined) {
          console.log(`readme: skipped ${ex.line}\n  ${missing} is not available here (${SHARED ? `not in ${SHARED}` : 'SEGMINT_SHARED_DATA is not set'}; the bundled data has online-retail.parquet only)`);
          continue;
        }
        const t0 = Date.now();
        const r = await runCli(args);
        console.log(`readme: ${((Date.now() - t0) / 1000).toFixed(1)} s: ${ex.line}`);
        assert.equal(r.code, 0, `${ex.line}\nexit ${r.code}\n${r.err}\n${r.out}`);
        ran++;
        if (basename(args[1] ?? '') === 'export.xlsx') {
          // the mapping given, and every line recognised: the workspace the later figures count is unchanged
          assert.match(r.out, /customer_id ← "Client No" \(option\)/);
          assert.match(r.out, /✓ read = loaded \+ already present \+ quarantined: 1,000 = 0 loaded \+ 1,000 already present \+ 0 quarantined/);
        }
        if (basename(args[1] ?? '') === 'events.ndjson') {
          const ev = JSON.parse(r.out) as { rows: { read: number; loaded: number }; mapping: Record<string, string> };
          assert.ok(ev.rows.read > 0 && ev.rows.loaded === ev.rows.read, JSON.stringify(ev.rows));
          assert.deepEqual(Object.keys(ev.mapping).sort(), ['customer_id', 'properties', 'ts', 'type']);
        }
        const want = figures(ex.output);
        if (want.length && !exact) console.log(`  figures not compared (${want.join(', ')}): the workspace holds the bundled parquet, not the README's file`);
        else for (const f of want) assert.ok((r.out + r.err).includes(f), `${ex.line}: the README shows ${f} (${ex.output.join(' / ')}), the command printed:\n${r.out}${r.err}`);
      }
      assert.ok(ran >= 10, `${ran} README commands ran`);
    } finally {
      process.chdir(cwd);
    }
  });
});
