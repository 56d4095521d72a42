// SQL is written as IR (src/sql) and compiled per engine; no SQL text outside src/sql/ and src/engines/
// (docs/sql.md). This test reads every string literal and template of src/pipeline/, src/report/, src/cli/
// and src/server/ (tests aside) with the TypeScript parser and counts those that look like SQL. Files not
// converted yet are listed in ALLOWED with their count: the test fails when a listed file's count grows or
// another file has any, so the list can only shrink (lower a count, or remove a file, as it is converted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const CHECKED = ['src/pipeline', 'src/report', 'src/cli', 'src/server'];

/** Files not converted to IR yet (issue #11), with the number of SQL-looking strings each held. Only ever lower these. */
const ALLOWED: Record<string, number> = {
  // none left: clv fit's and clv predict's DuckDB summaries were the last (issue #15), converted with the IR's
  // arg_min and GROUPING SETS
};

// SQL statements and clauses, upper case as Segmint writes SQL (prose in messages is lower case)
const SQL = /\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\S+\s+SET|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|INDEX)|DROP\s+(TABLE|VIEW)|ALTER\s+TABLE|COPY\s*\(|GROUP\s+BY|ORDER\s+BY|(LEFT\s+|INNER\s+|CROSS\s+)?JOIN\s+\S+\s+(\S+\s+)?ON\b|WHERE\s+\S+\s*(=|<|>|IN\b|IS\b)|(SUM|COUNT|AVG|MAX|MIN)\s*\(|count\(\*\)|strftime\(|CAST\s*\()/;

function files(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.ts$/.test(p) && !/\.test\.ts$/.test(p)) out.push(p);
  }
  return out;
}

/** The string literals and template texts of a TypeScript source that look like SQL. */
export function sqlStrings(text: string): string[] {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (SQL.test(node.text)) found.push(node.text);
    } else if (ts.isTemplateExpression(node)) {
      // the template's text with each substitution as a placeholder name
      const whole = [node.head.text, ...node.templateSpans.map((s) => `x ${s.literal.text}`)].join('');
      if (SQL.test(whole)) found.push(whole);
      node.templateSpans.forEach((s) => visit(s.expression));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('SQL-looking strings are found in literals and templates, and prose is not', () => {
  assert.equal(sqlStrings("const q = 'SELECT count(*) AS n FROM customers';").length, 1);
  assert.equal(sqlStrings('const q = `INSERT INTO runs VALUES (${id}, ?)`;').length, 1);
  assert.equal(sqlStrings('db.run(`DELETE FROM ${t} WHERE ${c} = ?`, [id]);').length, 1);
  assert.equal(sqlStrings("const s = `SELECT ${cols.join(', ')} FROM t ORDER BY x`;").length, 1);
  assert.equal(sqlStrings('const s = "CREATE OR REPLACE TEMP TABLE f AS x";').length, 1);
  assert.equal(sqlStrings("const hint = 'select the columns to cluster, or give --features';").length, 0);
  assert.equal(sqlStrings("throw new Error('no customer has a purchase before the as-of date');").length, 0);
  assert.equal(sqlStrings('// SELECT * FROM comments is not a string\nconst x = 1;').length, 0);
});

test('no SQL text in pipeline/, report/, cli/, server/ beyond the files not converted yet (whose counts may not grow)', () => {
  const counts: Record<string, number> = {};
  for (const f of CHECKED.flatMap((d) => files(join(ROOT, d)))) {
    const n = sqlStrings(readFileSync(f, 'utf8')).length;
    if (n > 0) counts[relative(ROOT, f)] = n;
  }
  const problems: string[] = [];
  for (const [file, n] of Object.entries(counts)) {
    const allowed = ALLOWED[file];
    if (allowed === undefined) problems.push(`${file}: ${n} SQL string${n === 1 ? '' : 's'} — build the queries as IR (src/sql) and compile them for ws.db.dialect`);
    else if (n > allowed) problems.push(`${file}: ${n} SQL strings, more than the ${allowed} allowed — new queries are built as IR`);
    else if (n < allowed) problems.push(`${file}: ${n} SQL strings, fewer than the ${allowed} allowed — lower its count in ALLOWED`);
  }
  for (const file of Object.keys(ALLOWED)) if (!(file in counts)) problems.push(`${file}: no SQL strings left — remove it from ALLOWED`);
  assert.deepEqual(problems, [], `\n${problems.join('\n')}\ncounts now: ${JSON.stringify(counts, null, 2)}`);
});

test('value.ts and audience.ts hold no SQL text', () => {
  for (const f of ['src/pipeline/value.ts', 'src/pipeline/audience.ts']) {
    assert.deepEqual(sqlStrings(readFileSync(join(ROOT, f), 'utf8')), [], f);
    assert.equal(ALLOWED[f], undefined, `${f} must not be allowlisted`);
  }
});
