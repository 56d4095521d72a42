import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAudience, MAX_IN_LIST } from './check.ts';
import { formatAudienceFile, parseAudienceFile } from './file.ts';
import { formatAudience } from './format.ts';
import { lowerAudience } from './lower.ts';
import { MAX_DEPTH, parseAudience } from './parse.ts';
import { AUDIENCE_PRESETS } from './presets/index.ts';
import type { AudienceSchema } from './schema.ts';
import { compile, DIALECTS } from '../sql/index.ts';

const schema: AudienceSchema = {
  traits: { customer_id: 'string', country: 'string', city: 'string', age: 'number', signup_date: 'date', newsletter: 'boolean', latitude: 'number', longitude: 'number', 'first name': 'string', orders: 'number' },
  transactionFields: { category: 'string', product_id: 'string', channel: 'string', coupon: 'string', amount: 'number', order_id: 'string', quantity: 'number' },
  eventTypes: ['email_open', 'add_to_cart', 'page_view'],
  eventProperties: { email_open: ['campaign'], add_to_cart: ['product_id', 'price'], page_view: ['page'] },
  scores: { rfm: { runId: 3, asOf: '2024-01-01', table: 'run_scores', fields: { segment: 'string', r: 'number', monetary: 'number' } } },
  audiences: { lapsed: 'has no orders in last 90 days', vip: "all(rfm.segment = 'Champions', not in audience 'lapsed')", a: "in audience 'b'", b: "in audience 'c'", c: "in audience 'a'" },
};
const asOf = new Date('2024-01-01T00:00:00Z');

const codes = (text: string, s = schema) => checkAudience(text, s).diagnostics.map((d) => d.code);

test('every construct of the language parses and formats back to itself', () => {
  const corpus = [
    "all(country in ('UK', 'FR'), orders in last 90 days >= 2, not(event 'email_open' in last 30 days = 0))",
    "any(city = 'Val d''Isère', age between 18 and 30, age not in (40, 50), city contains 'on', city starts with 'Lo', country is null, country is not null)",
    "all(signup_date in last 90 days, signup_date more than 3 years ago, signup_date before '2020-01-01', signup_date after '2019-01-01', signup_date >= '2019-06-01')",
    "sum(amount) purchases where category = 'Cameras' in last 1 year > avg",
    "avg(amount) orders where any(channel = 'web', coupon is not null) between '2023-01-01' and '2023-06-30' < median",
    "distinct(product_id) purchases >= 5",
    'max(properties.price) event \'add_to_cart\' > p90',
    "has no orders in last 90 days",
    "has event 'page_view' where properties.page starts with '/p/'",
    'first order in last 30 days',
    "last event 'email_open' more than 6 months ago",
    "has event 'add_to_cart' then no orders within 24 hours in last 30 days",
    "has orders where category = 'camera-n' then orders where category = 'camera-n+1' within 2 years",
    'within 25 km of (51.5074, -0.1278)',
    "all(in audience 'lapsed', not in audience 'vip')",
    "rfm.segment in ('Champions', 'Loyal')",
    '"first name" = \'Ann\'',
    '"orders" > 3',
    'returns in last 1 week >= 1',
    'transactions ever = 0',
  ];
  for (const text of corpus) {
    const p = parseAudience(text);
    assert.ok(p.node, `${text}: ${JSON.stringify(p.diagnostics)}`);
    const f = formatAudience(p.node);
    const again = parseAudience(f);
    assert.ok(again.node, f);
    assert.equal(formatAudience(again.node), f);
    assert.equal(formatAudience(parseAudience(formatAudience(p.node, { width: 30 })).node!), f, 'the broken-over-lines form reads back the same');
  }
  assert.equal(formatAudience(parseAudience("all(country='UK',orders in last 90 days>=2)").node!), "all(country = 'UK', orders in last 90 days >= 2)");
  assert.equal(formatAudience(parseAudience('count orders in last 1 days <> 0').node!), 'orders in last 1 day != 0');
});

test('syntax errors carry a code, a line and column, and every broken item of a group is reported', () => {
  const p = parseAudience("all(\n  country = ,\n  age >> 3,\n  city = 'x')");
  assert.equal(p.node, undefined);
  assert.equal(p.diagnostics.length, 2);
  assert.deepEqual(p.diagnostics.map((d) => [d.code, d.line, d.column]), [['syntax-error', 2, 13], ['syntax-error', 3, 8]]);
  assert.match(p.diagnostics[0]!.message, /expected a value/);
  assert.equal(parseAudience('').diagnostics[0]!.code, 'empty-definition');
  assert.equal(parseAudience("city = 'open").diagnostics[0]!.code, 'unterminated-string');
  assert.equal(parseAudience('orders >= 2 3').diagnostics[0]!.code, 'syntax-error');
  assert.equal(parseAudience('event = 3').diagnostics[0]!.code, 'reserved-word');
  assert.match(parseAudience('event = 3').diagnostics[0]!.hint!, /"event"/);
  assert.equal(parseAudience('age > 3 ; DROP TABLE customers').diagnostics[0]!.code, 'unexpected-character');
});

test('the checker resolves every name and suggests the closest', () => {
  const r = checkAudience("all(cuntry = 'UK', event 'emial_open' >= 1, rfm.segmnt = 'x', clv.value > 3, sum(amout) purchases > 1, has event 'email_open' where properties.campain = 'x')", schema);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['unknown-field', 'unknown-event-type', 'unknown-field', 'no-model-run', 'unknown-field', 'unknown-property']);
  assert.match(r.diagnostics[0]!.message, /did you mean country\?/);
  assert.match(r.diagnostics[1]!.message, /did you mean email_open\?/);
  assert.match(r.diagnostics[2]!.message, /did you mean segment\?/);
  assert.match(r.diagnostics[4]!.message, /did you mean amount\?/);
  assert.match(r.diagnostics[5]!.message, /did you mean campaign\?/);
  assert.equal(r.diagnostics[0]!.column, 5);
  assert.equal(r.node, undefined);
});

test('cluster fields: no-model-run without a cluster run, did you mean on field names, probability only for mixtures', () => {
  const none = checkAudience("cluster.name = 'Lapsed buyers'", schema).diagnostics;
  assert.deepEqual(none.map((d) => d.code), ['no-model-run']);
  assert.match(none[0]!.hint!, /segmint cluster/);
  const cluster = { runId: 5, asOf: '2024-01-01', table: 'run_clusters', fields: { id: 'number', name: 'string', distance: 'number', probability: 'number' }, columns: { id: 'cluster', name: 'cluster_name' } } as const;
  const kmeans: AudienceSchema = { ...schema, scores: { ...schema.scores, cluster: { ...cluster, unavailable: { probability: 'no membership probabilities' } } } };
  const gmm: AudienceSchema = { ...schema, scores: { ...schema.scores, cluster } };
  assert.deepEqual(codes("all(cluster.name = 'Lapsed buyers', cluster.id in (1, 2), cluster.distance < 2)", kmeans), []);
  const typo = checkAudience("all(cluster.nme = 'x', cluster.id = 'one')", kmeans).diagnostics;
  assert.deepEqual(typo.map((d) => d.code), ['unknown-field', 'type-mismatch']);
  assert.match(typo[0]!.message, /did you mean name\?/);
  const p = checkAudience('cluster.probability > 0.8', kmeans).diagnostics;
  assert.deepEqual(p.map((d) => d.code), ['unknown-field']);
  assert.match(p[0]!.message, /no membership probabilities/);
  assert.deepEqual(codes('cluster.probability > 0.8', gmm), []);
  // the field's column is bound to the run and quoted, the value is a parameter
  const c = checkAudience("cluster.name = 'x'' OR 1=1'", gmm);
  const q = compile(lowerAudience(c.node!, { schema: gmm, asOf, refs: c.refs }), 'postgres');
  assert.match(q.sql, /run_clusters/);
  assert.ok(!q.sql.includes('OR 1=1'));
  assert.ok(q.params.includes("x' OR 1=1"));
});

test('wrong types, impossible windows and ranges, empty groups and lists are diagnostics', () => {
  assert.deepEqual(codes("age > 'abc'"), ['type-mismatch']);
  assert.deepEqual(codes('country = 3'), ['type-mismatch']);
  assert.deepEqual(codes("newsletter = 'yes'"), ['type-mismatch']);
  assert.deepEqual(codes('newsletter > true'), ['type-mismatch']);
  assert.deepEqual(codes("signup_date > '2024-02-30'"), ['invalid-date']);
  assert.deepEqual(codes('age in last 3 days'), ['type-mismatch']);
  assert.deepEqual(codes("orders > 'many'"), ['type-mismatch']);
  assert.deepEqual(codes("sum(category) purchases > 3"), ['type-mismatch']);
  assert.deepEqual(codes('orders in last 0 days >= 1'), ['impossible-window']);
  assert.deepEqual(codes('orders in last -5 days >= 1'), ['impossible-window']);
  assert.deepEqual(codes('orders in last 200 years >= 1'), ['impossible-window']);
  assert.deepEqual(codes('orders in last 1.5 months >= 1'), ['impossible-window']);
  assert.deepEqual(codes("orders between '2024-03-01' and '2024-01-01' >= 1"), ['impossible-window']);
  assert.deepEqual(codes('age between 60 and 20'), ['impossible-range']);
  assert.deepEqual(codes('all()'), ['empty-group']);
  assert.deepEqual(codes('any(age > 3, all())'), ['empty-group']);
  assert.deepEqual(codes('country in ()'), ['empty-list']);
  assert.deepEqual(codes('within 0 km of (95, 10)'), ['invalid-distance', 'invalid-coordinate']);
  assert.deepEqual(codes('purchases where amount > avg >= 1'), ['stat-in-filter']);
  assert.deepEqual(codes("city > avg"), ['type-mismatch']);
  const noGeo = { ...schema, traits: { customer_id: 'string' as const } };
  assert.deepEqual(codes('within 5 km of (51, 0)', noGeo), ['missing-coordinates']);
  assert.deepEqual(codes("event 'email_open' >= 1", { ...schema, eventTypes: [] }), ['unknown-event-type']);
});

test('segments of segments: references resolve, unknown names are suggested, cycles are found', () => {
  const ok = checkAudience("all(in audience 'vip', age > 30)", schema);
  assert.ok(ok.node);
  assert.deepEqual([...ok.refs.keys()].sort(), ['lapsed', 'vip']);
  assert.match(checkAudience("in audience 'lapsd'", schema).diagnostics[0]!.message, /did you mean lapsed\?/);
  const cyc = checkAudience("in audience 'b'", schema, { name: 'a' });
  assert.deepEqual(cyc.diagnostics.map((d) => d.code), ['cyclic-reference']);
  assert.match(cyc.diagnostics[0]!.message, /a → b → c → a/);
  assert.deepEqual(checkAudience("in audience 'x'", { ...schema, audiences: { x: "in audience 'x'" } }).diagnostics.map((d) => d.code), ['cyclic-reference']);
  assert.deepEqual(checkAudience("in audience 'x'", { ...schema, audiences: { x: 'age >' } }).diagnostics.map((d) => d.code), ['invalid-reference']);
});

test('very deep nesting is refused with a diagnostic, not a stack overflow; deep but allowed nesting compiles', () => {
  const deep = `${'not('.repeat(100_000)}age > 3${')'.repeat(100_000)}`;
  assert.deepEqual(parseAudience(deep).diagnostics.map((d) => d.code), ['too-deep']);
  const ok = `${'all('.repeat(MAX_DEPTH - 1)}age > 3${')'.repeat(MAX_DEPTH - 1)}`;
  const c = checkAudience(ok, schema);
  assert.ok(c.node);
  for (const d of DIALECTS) assert.ok(compile(lowerAudience(c.node, { schema, asOf, refs: c.refs }), d).sql.length > 0);
});

test('huge in lists: up to the limit they compile to bound parameters, beyond it a diagnostic', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => `'c${i}'`).join(', ');
  const c = checkAudience(`country in (${values(5000)})`, schema);
  assert.ok(c.node);
  assert.equal(compile(lowerAudience(c.node, { schema, asOf, refs: c.refs }), 'postgres').params.length, 5000);
  assert.deepEqual(codes(`country in (${values(MAX_IN_LIST + 1)})`), ['list-too-long']);
  // a value of the wrong type anywhere in the list, not only among the first ones
  const ages = Array.from({ length: 1500 }, (_, i) => String(i)).join(', ');
  assert.deepEqual(codes(`age in (${ages}, 'abc', 'def')`), ['type-mismatch']);
});

test('postgres and duckdb: hostile strings in values become bound parameters, never SQL text', () => {
  const hostile = ["x' OR 1=1 --", 'a"; DROP TABLE customers; --', '/* c */', 'nul\u0000byte', 'ünï©ødé 🎉', "''", '\\', '$$ x $$'];
  for (const h of hostile) {
    const text = `all(city = '${h.replace(/'/g, "''")}', has event 'page_view' where properties.page = '${h.replace(/'/g, "''")}')`;
    const c = checkAudience(text, schema);
    assert.ok(c.node, `${JSON.stringify(h)}: ${JSON.stringify(c.diagnostics)}`);
    assert.equal(formatAudience(parseAudience(formatAudience(c.node)).node!), formatAudience(c.node));
    for (const d of ['duckdb', 'postgres'] as const) {
      const sql = compile(lowerAudience(c.node, { schema, asOf, refs: c.refs }), d);
      assert.ok(!sql.sql.includes(h), `${d}: ${JSON.stringify(h)} appears in the SQL`);
      assert.ok(sql.params.includes(h), `${d}: ${JSON.stringify(h)} is not a parameter`);
    }
  }
  // names with odd characters are quoted identifiers, and a property name must be a plain word
  assert.deepEqual(codes('"first name" = \'x\''), []);
  assert.deepEqual(codes('"no""such" = \'x\''), ['unknown-field']);
  assert.deepEqual(codes('has event \'page_view\' where properties."a b" = \'x\''), ['invalid-property']);
});

test('the parser never throws on random input (fuzz)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = ["all(", 'any(', 'not(', ')', ',', "'", '"', 'orders', 'in', 'last', '90', 'days', '>=', '=', 'event', 'has', 'no', 'then', 'within', 'where', 'between', 'and', 'first', 'last', 'avg', 'p90', 'km', 'of', '(', '.', 'properties', 'country', '-', '1e999', '\u0000', '🎉', ' ', '\n', '#', ';', '--', '/*', 'is', 'null', 'more', 'than', 'ago', 'audience'];
  let parsed = 0;
  for (let i = 0; i < 20_000; i++) {
    const n = Math.floor(rand() * 25);
    let s = '';
    if (i % 4 === 1) {
      // valid leaves combined at random, then one character dropped half of the time
      const leaves = ["country = 'UK'", 'orders in last 90 days >= 2', "has event 'page_view'", 'age between 1 and 9', 'first order before \'2024-01-01\''];
      const combine = (d: number): string => (d > 3 || rand() < 0.4 ? leaves[Math.floor(rand() * leaves.length)]! : `${rand() < 0.5 ? 'all' : 'any'}(${combine(d + 1)}, ${combine(d + 1)})`);
      s = combine(0);
      if (rand() < 0.5) {
        const k = Math.floor(rand() * s.length);
        s = s.slice(0, k) + s.slice(k + 1);
      }
    } else if (i % 4 === 0) for (let k = 0; k < n * 3; k++) s += String.fromCharCode(Math.floor(rand() * 0x3000));
    else for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)] + (rand() < 0.5 ? ' ' : '');
    const r = parseAudience(s);
    assert.ok(r.node !== undefined || r.diagnostics.length > 0, `neither a tree nor a diagnostic for ${JSON.stringify(s)}`);
    for (const d of r.diagnostics) assert.ok(d.start >= 0 && d.end <= s.length && d.end >= d.start && d.line >= 1, JSON.stringify(d));
    if (r.node) {
      parsed++;
      const f = formatAudience(r.node);
      assert.equal(formatAudience(parseAudience(f).node!), f, `format of ${JSON.stringify(s)}`);
      checkAudience(s, schema); // must not throw either
    }
  }
  assert.ok(parsed > 100, `only ${parsed} random inputs parsed: the fuzzer explores too little`);
});

test('audience files: one audience or a pack, in YAML or JSON, text or tree rules, round-trip through the formatter', () => {
  const yaml = `pack: shop
audiences:
  - name: lapsed
    description: gone quiet
    where: "all( has orders , has no orders in last 90 days )"
  - name: uk-lapsed
    where:
      all:
        - "country = 'UK'"
        - not: "has orders in last 90 days"
        - "in audience 'lapsed'"
`;
  const pack = parseAudienceFile(yaml, 'shop.yaml');
  assert.deepEqual(pack.audiences.map((a) => a.name), ['lapsed', 'uk-lapsed']);
  assert.equal(pack.audiences[1]!.where, "all(country = 'UK', not(has orders in last 90 days), in audience 'lapsed')");
  const canonical = formatAudienceFile(pack);
  assert.match(canonical, /where: all\(has orders, has no orders in last 90 days\)/);
  assert.equal(formatAudienceFile(parseAudienceFile(canonical)), canonical);
  const tree = formatAudienceFile(pack, { tree: true });
  assert.deepEqual(parseAudienceFile(tree).audiences.map((a) => formatAudience(parseAudience(a.where).node!)), parseAudienceFile(canonical).audiences.map((a) => a.where));
  const asJson = formatAudienceFile(pack, { json: true });
  assert.equal(formatAudienceFile(parseAudienceFile(asJson)), canonical);
  const one = parseAudienceFile('{"name": "vip", "where": "rfm.segment = \'Champions\'"}');
  assert.equal(one.audiences.length, 1);
  assert.equal(formatAudienceFile(one, { json: true }), '{\n  "name": "vip",\n  "where": "rfm.segment = \'Champions\'"\n}\n');
  assert.throws(() => parseAudienceFile('audiences: [{name: a, where: x}, {name: a, where: y}]'), /defined twice/);
  assert.throws(() => parseAudienceFile('name: a'), (e: Error & { code?: string }) => e.code === 'invalid-audience-file');
  assert.throws(() => parseAudienceFile('name: a\nwhere: {most: []}'), /neither a condition/);
  assert.throws(() => parseAudienceFile(': : :'), (e: Error & { code?: string }) => e.code === 'invalid-audience-file');
});

test('every preset definition parses, is canonical, and compiles for every dialect against its generator fields', () => {
  for (const pack of Object.values(AUDIENCE_PRESETS)) {
    for (const a of pack.audiences) {
      const p = parseAudience(a.where);
      assert.ok(p.node, `${pack.name}/${a.name}: ${JSON.stringify(p.diagnostics)}`);
      assert.equal(formatAudience(p.node), a.where, `${pack.name}/${a.name} is not written in the canonical form`);
    }
  }
});

test('pinned runs: cluster(12).name parses, formats back, is checked against the stored runs and lowers to that run', () => {
  const cluster = (runId: number) => ({ runId, asOf: '2024-01-01', table: 'run_clusters', fields: { id: 'number' as const, name: 'string' as const }, columns: { id: 'cluster', name: 'cluster_name' } });
  const rfm7 = { runId: 7, asOf: '2023-06-01', table: 'run_scores', fields: { segment: 'string' as const, r: 'number' as const } };
  const s: AudienceSchema = {
    ...schema,
    scores: { ...schema.scores, cluster: cluster(14) },
    runs: { 3: { kind: 'rfm', source: schema.scores.rfm! }, 7: { kind: 'rfm', source: rfm7 }, 9: { kind: 'audience' }, 12: { kind: 'cluster', source: cluster(12) }, 14: { kind: 'cluster', source: cluster(14) } },
  };
  for (const text of ["cluster(12).name = 'High spenders'", "all(rfm(7).segment = 'Champions', cluster.id in (1, 2), not(cluster(14).id = 3))"]) {
    const n = parseAudience(text).node!;
    assert.equal(formatAudience(n), text);
    assert.equal(formatAudience(parseAudience(formatAudience(n)).node!), text);
    assert.deepEqual(codes(text, s), []);
  }
  // the 'run 12' spelling of the issue reads the same run and formats to the number
  assert.equal(formatAudience(parseAudience("CLUSTER('run 12').name = 'x'").node!), "CLUSTER(12).name = 'x'");
  // lowered to the pinned run, the unpinned field to the latest
  const c = checkAudience("all(cluster(12).name = 'x', cluster.name = 'y')", s);
  const q = compile(lowerAudience(c.node!, { schema: s, asOf, refs: c.refs }), 'duckdb');
  assert.ok(q.params.includes(12) && q.params.includes(14), JSON.stringify(q.params));
  // an unknown run, a run of another kind, a pin on a trait or a row field, a malformed pin: codes with hints
  const unknown = checkAudience("cluster(99).name = 'x'", s).diagnostics;
  assert.deepEqual(unknown.map((d) => d.code), ['unknown-run']);
  assert.match(unknown[0]!.message, /no run 99/);
  assert.match(unknown[0]!.hint!, /runs of cluster: 12, 14/);
  const wrong = checkAudience("rfm(12).segment = 'Champions'", s).diagnostics;
  assert.deepEqual(wrong.map((d) => d.code), ['wrong-run-kind']);
  assert.match(wrong[0]!.message, /run 12 is a cluster run, not a rfm run/);
  assert.deepEqual(codes("cluster(9).name = 'x'", s), ['wrong-run-kind']);
  assert.deepEqual(codes("country(12).x = 'x'", s), ['invalid-run']);
  assert.deepEqual(codes("has purchases where category(12).x = 'x'", s), ['invalid-run']);
  assert.deepEqual(codes("cluster(12).nme = 'x'", s), ['unknown-field']);
  assert.deepEqual(parseAudience("cluster(x).name = 'x'").diagnostics.map((d) => d.code), ['invalid-run']);
  assert.deepEqual(parseAudience("cluster(12) = 'x'").diagnostics.map((d) => d.code), ['syntax-error']);
  // packs pin a kind for all their audiences; the file round-trips the pin
  const pack = parseAudienceFile("pack: p\nruns: {cluster: 'run 12', rfm: 7}\naudiences:\n  - name: a\n    where: cluster.name = 'x'\n");
  assert.deepEqual(pack.runs, { cluster: 12, rfm: 7 });
  assert.deepEqual(parseAudienceFile(formatAudienceFile(pack)), pack);
  assert.throws(() => parseAudienceFile("pack: p\nruns: {segment: 3}\naudiences: [{name: a, where: 'age > 1'}]"), /runs: segment is not a stored result/);
  assert.throws(() => parseAudienceFile("pack: p\nruns: {cluster: latest}\naudiences: [{name: a, where: 'age > 1'}]"), /not a run id/);
});
