// Hostile input (issue #20, defects 4 and 8): raw values kept faithfully in the quarantine, one stray quote
// costs one line, malformed lines keyed across exports, and files that are not tables refused with a clear
// SegmintError (exit 2) instead of an internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir, withWorkspace } from '../helpers/workspace.ts';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n';
const line = (i: number, description = 'Mug') => `${1000 + i},P${i},${description},1,2011-01-${String(1 + (i % 28)).padStart(2, '0')} 10:00,2.5,c${i % 7},UK\n`;
const STRAY = '1029,P29,"Mug,1,2011-01-02 10:00,2.5,c1,UK';

/** 100 data lines; the 30th (file line 31) opens a quote it never closes. */
function strayQuoteLines(n = 100): string[] {
  const lines = Array.from({ length: n }, (_, i) => line(i));
  lines[29] = `${STRAY}\n`;
  return lines;
}

async function quarantine(ws: Workspace) {
  return ws.db.all<{ line: number; reason: string; detail: string; raw: string; source_id: number }>(
    'SELECT line, reason, detail, raw, source_id FROM quarantine ORDER BY source_id, line',
  );
}

test('a 10 MB field is kept whole in the quarantine raw values', async () => {
  await withTempDir(async (dir) => {
    const big = 'x'.repeat(10_000_000);
    const path = join(dir, 'big.csv');
    writeFileSync(path, `${HEADER}${line(1)}1002,P2,"${big}",abc,2011-01-02 10:00,2.5,c2,UK\n${line(3)}`);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 3, loaded: 2, quarantined: 1, alreadyPresent: 0 });
      const q = await quarantine(ws);
      assert.equal(q.length, 1);
      assert.equal(q[0]!.reason, 'non-numeric-quantity');
      const raw = JSON.parse(q[0]!.raw) as Record<string, string>;
      assert.equal(raw.Description!.length, big.length);
      assert.equal(raw.Quantity, 'abc');
    });
  });
});

test('a Latin-1 (Windows-1252) file is read as such and the result says so; no character becomes "?"', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'latin1.csv');
    // '€' is not Latin-1: write it as Windows-1252's 0x80 byte
    const bytes = Buffer.from(`${HEADER}${line(1, 'Café crème')}1002,P2,Décor ½ X,abc,2011-01-02 10:00,2.5,c2,UK\n${line(3)}`, 'latin1');
    bytes[bytes.indexOf(Buffer.from('½ X', 'latin1')) + 2] = 0x80;
    writeFileSync(path, bytes);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 3, loaded: 2, quarantined: 1, alreadyPresent: 0 });
      assert.ok(r.warnings.some((w) => w.includes('the file is not UTF-8; read as windows-1252')), r.warnings.join('\n'));
      assert.equal(r.detected.encoding, 'windows-1252');
      const q = await quarantine(ws);
      assert.equal(q[0]!.reason, 'non-numeric-quantity');
      assert.equal((JSON.parse(q[0]!.raw) as Record<string, string>).Description, 'Décor ½ €');
      const t = await ws.db.one<{ description: string }>("SELECT description FROM transactions WHERE order_id = '1001'");
      assert.equal(t!.description, 'Café crème');
    });
  });
});

test('missing-value tokens such as NaN and NA stay text in the raw values (and still count as missing)', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'nan.csv');
    writeFileSync(path, `${HEADER}${line(1)}1002,P2,NaN,NaN,2011-01-02 10:00,2.5,c2,NA\n`);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 2, loaded: 1, quarantined: 1, alreadyPresent: 0 });
      const q = await quarantine(ws);
      assert.equal(q[0]!.reason, 'missing-amount');
      const raw = JSON.parse(q[0]!.raw) as Record<string, string>;
      assert.equal(raw.Quantity, 'NaN');
      assert.equal(raw.Description, 'NaN');
      assert.equal(raw.Country, 'NA');
    });
  });
});

test('a stray quote quarantines its own line only: read counts the lines of the file', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'stray.csv');
    // a legitimate quoted field over two lines, and quoted commas, still read as one record
    const lines = strayQuoteLines();
    lines[9] = '1009,P9,"Mug, large\nwith a lid",1,2011-01-10 10:00,2.5,c2,UK\n';
    writeFileSync(path, `${HEADER}${lines.join('')}`);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 100, loaded: 99, quarantined: 1, alreadyPresent: 0 });
      assert.equal(r.reconciled, true);
      const q = await quarantine(ws);
      assert.equal(q.length, 1);
      assert.equal(q[0]!.reason, 'malformed-row');
      assert.equal(q[0]!.line, 31);
      assert.equal((JSON.parse(q[0]!.raw) as { line: string }).line, STRAY);
      const t = await ws.db.all<{ source_line: number; description: string }>('SELECT source_line, description FROM transactions ORDER BY source_line');
      assert.equal(t.length, 99);
      assert.equal(t.find((x) => x.source_line === 11)!.description, 'Mug, large\nwith a lid');
      assert.deepEqual(t.slice(28, 31).map((x) => x.source_line), [30, 32, 33]);
    });
  });
});

test('a newer export with the same malformed line does not quarantine it again; an import that adds nothing records no source', async () => {
  await withTempDir(async (dir) => {
    const older = join(dir, 'older.csv');
    const newer = join(dir, 'newer.csv');
    const subset = join(dir, 'subset.csv');
    const lines = strayQuoteLines(60);
    writeFileSync(older, `${HEADER}${lines.join('')}`);
    writeFileSync(newer, `${HEADER}${lines.join('')}${[60, 61, 62].map((i) => line(i)).join('')}`);
    writeFileSync(subset, `${HEADER}${lines.slice(0, 40).join('')}`);
    await withWorkspace(async (ws) => {
      const a = await importFile(ws, older, { kind: 'transactions' });
      assert.deepEqual(a.rows, { read: 60, loaded: 59, quarantined: 1, alreadyPresent: 0 });
      const b = await importFile(ws, newer, { kind: 'transactions' });
      assert.deepEqual(b.rows, { read: 63, loaded: 3, quarantined: 0, alreadyPresent: 60 });
      assert.equal((await quarantine(ws)).length, 1);
      const c = await importFile(ws, subset, { kind: 'transactions' });
      assert.deepEqual(c.rows, { read: 40, loaded: 0, quarantined: 0, alreadyPresent: 40 });
      assert.equal(c.sourceId, null);
      assert.ok(c.warnings.some((w) => w.includes('no new source')), c.warnings.join('\n'));
      const s = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM sources');
      assert.equal(s!.n, 2);
    });
  });
});

/** A seeded stream of bytes 1..255 (no NUL, so the old NUL test does not catch it). */
function randomBytes(n: number, seed = 7): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out[i] = 1 + (x % 255);
  }
  return out;
}

/** Prose-like lines with stray quotes and mixed delimiters: not a table. */
function prose(): string {
  const words = ['the', 'of', '"quoted', "it's", 'a,b', 'x;y', '|', '\t', 'lorem', 'ipsum'];
  let x = 5;
  const next = (m: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % m);
  return Array.from({ length: 200 }, () => Array.from({ length: 1 + next(15) }, () => words[next(words.length)]).join(' ')).join('\n');
}

test('files that are not tables give a clear SegmintError with exit 2, not an internal error', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const cases: [string, string | Buffer, string, RegExp][] = [
      ['random.bin', randomBytes(5000), 'unsupported-format', /looks binary/],
      ['notes.txt', prose(), 'malformed-file', /does not read as a table/],
      ['orders.xlsx', `${HEADER}${line(1)}`, 'format-mismatch', /named \.xlsx but is not an Excel workbook.*CSV text/],
      ['orders.parquet', `${HEADER}${line(1)}`, 'format-mismatch', /named \.parquet but is not a Parquet file/],
      ['empty.csv', '', 'empty-file', /is empty/],
      ['bom.csv', Buffer.from([0xef, 0xbb, 0xbf]), 'empty-file', /byte order mark/],
    ];
    for (const [name, content, code, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const r = await runCli(['import', path, '--kind', 'transactions', '-w', ws, '--json']);
      assert.equal(r.code, 2, `${name}: ${r.err}`);
      const err = (JSON.parse(r.out) as { error: { code: string; message: string } }).error;
      assert.equal(err.code, code, `${name}: ${err.message}`);
      assert.match(err.message, message, name);
      assert.ok(!/sniffing|Candidates/.test(r.err), `${name}: the sniffer's dump is not shown: ${r.err}`);
    }
  });
});

test('a file without read permission is file-unreadable (exit 2)', async (t) => {
  // root reads a chmod 000 file anyway, so the case only means something for another user
  if (process.getuid?.() === 0) {
    t.skip('running as root: chmod 000 does not stop root from reading');
    return;
  }
  await withTempDir(async (dir) => {
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const path = join(dir, 'locked.csv');
    writeFileSync(path, `${HEADER}${line(1)}`);
    chmodSync(path, 0o000);
    const r = await runCli(['import', path, '--kind', 'transactions', '-w', ws]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /error\[file-unreadable\].*permission denied/);
  });
});

test('dotted day/month dates stop with ambiguous-date-format like the slash form', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'dotted.csv');
    writeFileSync(path, 'CustomerID,InvoiceDate,Amount\nc1,01.02.2011,3\nc2,03.04.2011,4\nc3,05.06.2011,5\n');
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, path, { kind: 'transactions' }), (e: { code: string; message: string }) =>
        e.code === 'ambiguous-date-format' && /%d\.%m\.%Y/.test(e.message) && /%m\.%d\.%Y/.test(e.message));
      const r = await importFile(ws, path, { kind: 'transactions', dateFormat: '%m.%d.%Y' });
      assert.equal(r.rows.loaded, 3);
      const d = await ws.db.one<{ d: string }>("SELECT strftime(ts, '%Y-%m-%d') AS d FROM transactions WHERE customer_id = 'c1'");
      assert.equal(d!.d, '2011-01-02');
    });
  });
});

test('a repeated header name is disambiguated with a warning', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'dup.csv');
    writeFileSync(path, 'CustomerID,InvoiceDate,Amount,Amount\nc1,2011-01-01,3,9\nc2,2011-01-02,4,8\n');
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      const w = r.warnings.find((x) => x.includes('repeats the column name "Amount"'));
      assert.ok(w, r.warnings.join('\n'));
      assert.match(w, /"Amount", "Amount_1"/);
    });
  });
});

test('a full disk during the import is disk-full (exit 1) and leaves the workspace as it was', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'orders.csv');
    writeFileSync(path, `${HEADER}${line(1)}${line(2)}`);
    await withWorkspace(async (ws) => {
      await assert.rejects(
        importFile(ws, path, {
          kind: 'transactions',
          beforeCommit: async () => {
            throw new Error(`IO Error: Could not write file "${join(ws.dir, 'segmint.duckdb.wal')}": No space left on device`);
          },
        }),
        (e: { code: string; exitCode: number; message: string }) => e.code === 'disk-full' && e.exitCode === 1 && /is full/.test(e.message),
      );
      const n = await ws.db.one<{ s: number; t: number }>('SELECT (SELECT count(*) FROM sources) AS s, (SELECT count(*) FROM transactions) AS t');
      assert.deepEqual(n, { s: 0, t: 0 });
    });
  });
});
