// Property test: random audience definitions over generated ecommerce data; the compiled SQL (DuckDB, and
// PostgreSQL when TEST_POSTGRES_URL is set) selects exactly the members an independent in-memory evaluator
// (test/helpers/audience-oracle.ts) selects. Also: the text form round-trips through the formatter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAudience } from '../../src/segments/check.ts';
import { formatAudience } from '../../src/segments/format.ts';
import { lowerAudience } from '../../src/segments/lower.ts';
import { parseAudience } from '../../src/segments/parse.ts';
import { loadAudienceSchema } from '../../src/pipeline/audience.ts';
import { compile } from '../../src/sql/index.ts';
import { Oracle, type OracleData } from '../helpers/audience-oracle.ts';
import { importGenerated, oracleData, withPostgresCopy } from '../helpers/audience-data.ts';
import { withTempDir, withWorkspace } from '../helpers/workspace.ts';

const CASES = 300;
const AS_OF = '2025-01-01';
const PG_URL = process.env.TEST_POSTGRES_URL;

/** mulberry32: a small seeded generator for the definitions. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, int, pick };
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Random definitions drawing values from the data so that they select somebody. */
function generator(d: OracleData, seed: number) {
  const r = rng(seed);
  const values = (rows: Record<string, unknown>[], c: string) => [...new Set(rows.map((x) => x[c]).filter((v) => v !== null && v !== undefined))];
  const trait = {
    country: values(d.customers, 'country') as string[],
    city: values(d.customers, 'city') as string[],
    income_band: values(d.customers, 'income_band') as string[],
    preferred_device: values(d.customers, 'preferred_device') as string[],
  };
  const tx = { category: values(d.transactions, 'category') as string[], channel: values(d.transactions, 'channel') as string[], coupon: values(d.transactions, 'coupon') as string[] };
  const ops = ['=', '!=', '<', '<=', '>', '>='];
  const unit = () => r.pick(['days', 'weeks', 'months', 'hours', 'years']);
  const dur = () => {
    const u = unit();
    const n = u === 'hours' ? r.int(1, 2000) : u === 'days' ? r.int(1, 400) : u === 'weeks' ? r.int(1, 60) : u === 'months' ? r.int(1, 18) : r.int(1, 2);
    return `${n} ${u}`;
  };
  const day = () => `'${2023 + r.int(0, 1)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}'`;
  const twoDays = () => [day(), day()].sort().join(' and ');
  const stat = () => r.pick(['avg', 'median', `p${r.int(1, 99)}`]);
  const window = () => r.pick(['', '', ` in last ${dur()}`, ` between ${day()} and '2024-12-31'`]);

  const traitCond = (): string => {
    switch (r.int(0, 11)) {
      case 0: return `age ${r.pick(ops)} ${r.int(18, 90)}`;
      case 1: return `age between ${r.int(18, 50)} and ${r.int(50, 90)}`;
      case 2: return `country ${r.pick(['in', 'not in'])} (${Array.from({ length: r.int(1, 3) }, () => q(r.pick(trait.country))).join(', ')})`;
      case 3: return `city ${r.pick(['=', '!='])} ${q(r.pick(trait.city))}`;
      case 4: return `income_band ${r.pick(['contains', 'starts with'])} ${q(r.pick(trait.income_band).slice(0, r.int(1, 3)))}`;
      case 5: return `signup_date ${r.pick([`in last ${dur()}`, `more than ${dur()} ago`, `before ${day()}`, `after ${day()}`, `${r.pick(ops)} ${day()}`, `between ${twoDays()}`])}`;
      case 6: return `newsletter = ${r.pick(['true', 'false'])}`;
      case 7: return `preferred_device ${r.pick(['is null', 'is not null', `= ${q(r.pick(trait.preferred_device))}`])}`;
      case 8: return `age ${r.pick(ops)} ${stat()}`;
      case 9: return `within ${r.int(5, 400)} km of (${(48 + r.next() * 6).toFixed(3)}, ${(-3 + r.next() * 6).toFixed(3)})`;
      case 10: return `latitude ${r.pick(ops)} ${(48 + r.next() * 6).toFixed(2)}`;
      default: return `email_opt_in != ${r.pick(['true', 'false'])}`;
    }
  };
  const txFilter = (): string => r.pick([
    `category = ${q(r.pick(tx.category))}`,
    `channel in (${q(r.pick(tx.channel))}, ${q(r.pick(tx.channel))})`,
    `coupon is ${r.pick(['', 'not '])}null`,
    `amount > ${r.int(1, 120)}`,
    `any(category = ${q(r.pick(tx.category))}, coupon = ${q(r.pick(tx.coupon))})`,
    `not(quantity >= ${r.int(1, 4)})`,
  ]);
  const evSource = (): string => {
    const t = r.pick(['page_view', 'add_to_cart', 'email_open', 'review', 'coupon_use']);
    const f = t === 'review' && r.next() < 0.5 ? ` where properties.stars >= ${r.int(1, 5)}`
      : t === 'add_to_cart' && r.next() < 0.5 ? ` where properties.price ${r.pick(ops)} ${r.int(5, 80)}`
        : t === 'page_view' && r.next() < 0.4 ? ` where properties.page starts with '/${r.pick(['p', 'c'])}'` : '';
    return `event '${t}'${f}`;
  };
  const txSource = (): string => `${r.pick(['orders', 'purchases', 'returns', 'transactions'])}${r.next() < 0.4 ? ` where ${txFilter()}` : ''}`;
  const source = () => (r.next() < 0.5 ? txSource() : evSource());
  const behaviour = (): string => {
    switch (r.int(0, 6)) {
      // larger counts too: distinct counts of 10 or more first keep the customers with that many rows
      case 0: return `${source()}${window()} ${r.pick(ops)} ${r.next() < 0.25 ? r.int(8, 14) : r.int(0, 6)}`;
      case 1: return `${r.pick(['sum', 'avg', 'min', 'max'])}(amount) ${txSource()}${window()} ${r.pick(ops)} ${r.pick([String(r.int(0, 500)), stat()])}`;
      case 2: return `distinct(${r.pick(['product_id', 'category', 'channel'])}) ${txSource()}${window()} ${r.pick(ops)} ${r.next() < 0.3 ? r.int(9, 16) : r.int(0, 8)}`;
      case 3: return `has ${r.pick(['', 'no '])}${source()}${window()}`;
      case 4: return `${r.pick(['first', 'last'])} ${r.pick(['order', 'purchase', 'return', `event '${r.pick(['page_view', 'email_open', 'review'])}'`])} ${r.pick([`in last ${dur()}`, `more than ${dur()} ago`, `before ${day()}`, `after ${day()}`, `between ${day()} and '2024-12-31'`])}`;
      case 5: return `has ${source()} then ${r.pick(['', 'no '])}${source()} within ${r.pick(['1 hour', '24 hours', '3 days', '2 weeks'])}${window()}`;
      default: return `${source()}${window()} ${r.pick(ops)} ${stat()}`;
    }
  };
  const node = (depth: number): string => {
    const x = r.next();
    if (depth < 3 && x < 0.3) return `${r.pick(['all', 'any'])}(${Array.from({ length: r.int(1, 3) }, () => node(depth + 1)).join(', ')})`;
    if (depth < 3 && x < 0.38) return `not(${node(depth + 1)})`;
    return r.next() < 0.45 ? traitCond() : behaviour();
  };
  return () => node(0);
}

test(`audiences: ${CASES} random definitions select the same members in SQL as the in-memory evaluator (DuckDB${PG_URL ? ' and PostgreSQL' : ''})`, async () => {
  await withTempDir(async (dir) => {
    await withWorkspace(async (ws) => {
      await importGenerated(ws, 'ecommerce', 250, 11, dir);
      const data = await oracleData(ws);
      const schema = await loadAudienceSchema(ws.db, { properties: true });
      const asOf = new Date(`${AS_OF}T00:00:00Z`);
      const next = generator(data, 20261201);
      if (!PG_URL) console.log('note: TEST_POSTGRES_URL is not set: the property test runs on DuckDB only');
      await withPostgresCopy(ws, {}, async (client) => {
        let nonTrivial = 0;
        for (let i = 0; i < CASES; i++) {
          const text = next();
          const parsed = parseAudience(text);
          assert.ok(parsed.node, `case ${i} does not parse: ${text}\n${JSON.stringify(parsed.diagnostics)}`);
          const canonical = formatAudience(parsed.node);
          assert.equal(formatAudience(parseAudience(canonical).node!), canonical, `format is not idempotent for ${text}`);
          const c = checkAudience(canonical, schema);
          assert.ok(c.node, `case ${i} does not check: ${canonical}\n${JSON.stringify(c.diagnostics)}`);
          const query = lowerAudience(c.node, { schema, asOf, refs: c.refs });
          const expected = new Oracle(data, asOf).members(c.node);
          // ClickHouse: no server here, so only that the rule compiles with every value inlined (compile throws otherwise)
          assert.deepEqual(compile(query, 'clickhouse').params, [], `case ${i}: ClickHouse SQL with bound parameters for ${canonical}`);
          const d = compile(query, 'duckdb');
          const got = new Set((await ws.db.all<{ customer_id: string }>(d.sql, d.params)).map((x) => x.customer_id));
          const diff = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).slice(0, 5);
          assert.deepEqual([diff(got, expected), diff(expected, got)], [[], []], `case ${i}: ${canonical}\nDuckDB ${got.size} vs evaluator ${expected.size} (extra, missing)`);
          if (client) {
            const p = compile(query, 'postgres');
            const rows = (await client.query<{ customer_id: string }>(p.sql, p.params)).rows;
            const pgSet = new Set(rows.map((x) => x.customer_id));
            assert.deepEqual([diff(pgSet, expected), diff(expected, pgSet)], [[], []], `case ${i}: ${canonical}\nPostgreSQL ${pgSet.size} vs evaluator ${expected.size}`);
          }
          if (expected.size > 0 && expected.size < data.customers.length) nonTrivial++;
        }
        // the generator must produce definitions that split the customers, or the test shows little
        assert.ok(nonTrivial > CASES / 3, `only ${nonTrivial} of ${CASES} definitions selected some but not all customers`);
      });
    });
  });
});
