import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { generateDataset } from '../../src/generate/index.ts';
import { DEFAULT_ACTIONS, clusterAction } from '../../src/models/actions.ts';
import { DEFAULT_LRFMP_SEGMENTS, DEFAULT_RFM_SEGMENTS } from '../../src/models/rfm/segments.ts';
import { CHURN_TIERS, CLV_TIERS } from '../../src/models/clv/predict.ts';
import { parseConfig } from '../../src/store/config.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/workspace.ts';

function setActions(ws: string, actions: unknown): void {
  const file = join(ws, 'segmint.yaml');
  const cfg = YAML.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  cfg.segments = { ...(cfg.segments ?? {}), actions };
  writeFileSync(file, YAML.stringify(cfg));
}

test('every default segment and tier has a default action', () => {
  for (const r of [...DEFAULT_RFM_SEGMENTS, ...DEFAULT_LRFMP_SEGMENTS]) assert.ok(DEFAULT_ACTIONS[r.name], r.name);
  for (const t of [...CHURN_TIERS, ...CLV_TIERS]) assert.ok(DEFAULT_ACTIONS[t.tier], t.tier);
  const trait = (words: string) => ({ feature: words, z: 1, direction: 'high' as const, words });
  assert.match(clusterAction({ traits: [trait('high-spend'), trait('lapsed')] }), /win back/);
  assert.match(clusterAction({ traits: [] }), /regular programme/);
});

test('segments.actions is validated in segmint.yaml', () => {
  assert.deepEqual(parseConfig('segments:\n  actions:\n    Champions: "  a gift  "\n').segments.actions, { Champions: 'a gift' });
  assert.throws(() => parseConfig('segments:\n  actions: [a, b]\n'), /segments\.actions: expected a mapping/);
  assert.throws(() => parseConfig('segments:\n  actions:\n    Champions: 3\n'), /segments\.actions\.Champions: expected the text of an action/);
  assert.throws(() => parseConfig('segments:\n  actions:\n    Lost: ""\n'), /invalid-config|expected the text/);
});

test('actions in rfm, lrfmp, clv predict, cluster and the report; overrides from segmint.yaml; unknown names warned', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    const g = await generateDataset({ preset: 'ecommerce', customers: 400, seed: 3, outDir: join(dir, 'gen') });
    assert.equal((await runCli(['init', ws])).code, 0);
    assert.equal((await runCli(['import', g.files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);

    // defaults: an action for every segment in --json and in the table
    const j = await runCli(['rfm', '-w', ws, '--json']);
    assert.equal(j.code, 0, j.err);
    const rfm = JSON.parse(j.out) as { segments: { segment: string; action: string }[] };
    assert.ok(rfm.segments.length > 3);
    for (const s of rfm.segments) assert.equal(s.action, DEFAULT_ACTIONS[s.segment], s.segment);
    const l = JSON.parse((await runCli(['lrfmp', '-w', ws, '--json'])).out) as { segments: { segment: string; action: string }[] };
    for (const s of l.segments) assert.equal(s.action, DEFAULT_ACTIONS[s.segment], s.segment);
    const h = await runCli(['rfm', '-w', ws]);
    assert.match(h.out, /suggested actions:/);
    assert.ok(rfm.segments.every((s) => h.out.includes(`${s.segment}: ${s.action}`)));

    // clusters: one derived from the profile
    const c = await runCli(['cluster', '-w', ws, '--k', '3', '--json']);
    assert.equal(c.code, 0, c.err);
    const clusters = JSON.parse(c.out).clusters as { name: string; action: string }[];
    assert.ok(clusters.every((x) => typeof x.action === 'string' && x.action.length > 0));

    // CLV tiers
    assert.equal((await runCli(['clv', 'fit', '-w', ws])).code, 0);
    const p = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '-w', ws, '--json']);
    assert.equal(p.code, 0, p.err);
    const pred = JSON.parse(p.out) as { churnTiers: { tier: string; action: string }[]; clvTiers: { tier: string; action: string }[] };
    for (const t of [...pred.churnTiers, ...pred.clvTiers]) assert.equal(t.action, DEFAULT_ACTIONS[t.tier], t.tier);

    // an override shows in the CLI, the JSON and the report; an unknown name is a note naming it
    const top = rfm.segments[0]!.segment;
    setActions(ws, { [top]: 'send the founder\'s thank-you letter', top: 'assign an account manager', [clusters[0]!.name]: 'call them this week', Champs: 'misspelt' });
    const o = await runCli(['rfm', '-w', ws]);
    assert.equal(o.code, 0, o.err);
    assert.match(o.out, new RegExp(`${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: send the founder's thank-you letter`));
    assert.match(o.err, /segments\.actions names "Champs", which is no RFM or LRFMP segment/);
    assert.doesNotMatch(o.err, /"top"/);
    const oj = JSON.parse((await runCli(['rfm', '-w', ws, '--json'])).out) as { segments: { segment: string; action: string }[] };
    assert.equal(oj.segments.find((s) => s.segment === top)!.action, "send the founder's thank-you letter");
    const pc = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '-w', ws]);
    assert.equal(pc.code, 0, pc.err);
    assert.match(pc.out, /top\s.*assign an account manager/);
    const c2 = await runCli(['cluster', '-w', ws, '--k', '3']);
    assert.equal(c2.code, 0, c2.err);
    // the cluster names are known in a cluster run: only the misspelt one is warned about
    assert.match(c2.err, /names "Champs", which/);
    const out = join(dir, 'r.html');
    const r = await runCli(['report', '-w', ws, '--out', out]);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /suggested action/);
    assert.match(html, /send the founder&#39;s thank-you letter|send the founder&#x27;s thank-you letter|send the founder's thank-you letter/);
    assert.match(html, /assign an account manager/);
    assert.ok(html.includes(DEFAULT_ACTIONS['Lost']!.slice(0, 20)) || html.includes(DEFAULT_ACTIONS['Hibernating']!.slice(0, 20)) || html.includes('win them back'));

    // an invalid value is an error of the config
    setActions(ws, { Champions: 42 });
    const bad = await runCli(['rfm', '-w', ws]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /segments\.actions\.Champions: expected the text of an action/);
  });
});
