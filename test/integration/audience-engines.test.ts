// The same audience cases on DuckDB and on PostgreSQL (when TEST_POSTGRES_URL is set), against members
// worked out by hand from four customers' rows (as of 2024-07-01).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAudience, loadAudienceSchema, prepareAudience } from '../../src/pipeline/audience.ts';
import { checkAudience } from '../../src/segments/check.ts';
import { lowerAudience } from '../../src/segments/lower.ts';
import { compile, type DialectName } from '../../src/sql/index.ts';
import { AUDIENCE_AS_OF, AUDIENCE_CASES, AUDIENCES, setUpAudienceCorpus } from '../helpers/audience-corpus.ts';
import { withPostgresCopy } from '../helpers/audience-data.ts';
import { withTempDir, withWorkspace } from '../helpers/workspace.ts';

const URL = process.env.TEST_POSTGRES_URL;

test(`audiences: hand-worked cases give the same members on DuckDB${URL ? ' and PostgreSQL' : ''}`, async () => {
  if (!URL) console.log('note: TEST_POSTGRES_URL is not set: the PostgreSQL half of the audience engine test is skipped');
  await withTempDir(async (dir) => {
    await withWorkspace(async (ws) => {
      await setUpAudienceCorpus(ws, dir);
      const schema = await loadAudienceSchema(ws.db, { properties: true, audiences: AUDIENCES });
      const asOf = AUDIENCE_AS_OF;
      await withPostgresCopy(ws, { runScores: true, runClusters: true }, async (client) => {
        const run = async (dialect: DialectName, sql: string, params: unknown[]) =>
          (dialect === 'duckdb' ? await ws.db.all<{ customer_id: string }>(sql, params as never[]) : (await client!.query<{ customer_id: string }>(sql, params)).rows).map((r) => r.customer_id).sort();
        for (const [text, expected] of Object.entries(AUDIENCE_CASES)) {
          const c = checkAudience(text, schema);
          assert.ok(c.node, `${text}: ${JSON.stringify(c.diagnostics)}`);
          const q = lowerAudience(c.node, { schema, asOf, refs: c.refs });
          for (const dialect of (client ? ['duckdb', 'postgres'] : ['duckdb']) as DialectName[]) {
            const { sql, params } = compile(q, dialect);
            assert.deepEqual(await run(dialect, sql, params), expected, `${dialect}: ${text}`);
          }
          // ClickHouse: every case compiles with its values inlined (run in sql-corpus-clickhouse.test.ts)
          assert.deepEqual(compile(q, 'clickhouse').params, [], `clickhouse: ${text}`);
        }
      });
    });
  });
});

test('a referenced audience is checked against the event properties too', async () => {
  await withTempDir(async (dir) => {
    await withWorkspace(async (ws) => {
      await setUpAudienceCorpus(ws, dir);
      // the rule itself reads no property; the audience it includes misspells one
      await assert.rejects(
        prepareAudience(ws, 'fans', "in audience 'raters'", { asOf: '2024-07-01', audiences: { raters: "has event 'review' where properties.starz >= 4" } }),
        (e: Error) => /starz/.test(JSON.stringify((e as { details?: unknown }).details ?? e.message)),
      );
      const ok = await prepareAudience(ws, 'fans', "in audience 'raters'", { asOf: '2024-07-01', audiences: { raters: "has event 'review' where properties.stars >= 4" } });
      assert.equal((await evaluateAudience(ws, ok, { store: false })).customers, 1);
    });
  });
});
